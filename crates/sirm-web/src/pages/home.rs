//! The workbench home: what the signed-in account may do, and nothing else.

use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use maud::html;
use serde::Deserialize;
use sirm_domain::id::ResidentId;

use super::ui::{csrf, error_notice, page, t};
use super::MENU;
use crate::error::{parse_id, ApiError};
use crate::routes::Caller;
use crate::AppState;

/// An insured person's own home: the figures they come for, and the way
/// to the record, statement, certificate and objection.
async fn own_summary(st: &AppState, c: &Caller) -> Option<maud::Markup> {
    let p = &c.principal;
    if p.person_id.is_none() || !p.may(sirm_domain::access::Permission::OwnRecordRead) {
        return None;
    }
    let q = super::portal::RecordQuery::default();
    let v = super::portal::view(st, c, sirm_app::query::Channel::Portal, &q)
        .await
        .ok()?;
    let r = &v.record;
    let y = &r.contribution_years;
    let last_year = r.account_years.last().map(|a| a.year);
    Some(html! {
        h1 { (t("我的社保", "My social insurance")) }
        p { (t("您好，", "Hello, ")) strong { (r.person.name) } }
        dl #summary {
            dt { (t("个人账户余额（元）", "Personal account balance (yuan)")) }
            dd #balance { @match r.account_balance { Some(b) => (format!("{b:.2}")), None => "—" } }
            dt { (t("累计缴费年限", "Contribution years")) }
            dd #years { (y.years) " " (t("年", "years")) " " (y.months) " " (t("个月", "months")) }
            dt { (t("最近到账月份", "Last month paid")) }
            dd #last-paid { @match y.last_paid { Some(m) => (m.to_string()), None => "—" } }
            @if y.arrears_months > 0 {
                dt { (t("欠费", "In arrears")) }
                dd.warn { (y.arrears_months) " " (t("个月", "months")) }
            }
            dt { (t("待遇", "Benefit")) }
            dd #benefit-status {
                @match &r.benefit {
                    Some(b) => { (super::zh::status_zh(b.status.as_str())) " · " (format!("{:.2}", b.total)) " " (t("元/月", "yuan a month")) }
                    None => (t("尚未领取养老保险待遇", "No pension yet")),
                }
            }
        }
        p #shortcuts {
            a href="/my/record" { (t("查看权益记录", "My record")) } " · "
            @if let Some(y) = last_year {
                a href={ "/my/statement?year=" (y) } { (t("个人权益记录单", "Rights statement")) } " · "
            }
            a href="/my/certificates" { (t("出具证明", "Certificates")) } " · "
            a href="/my/objections" { (t("提出异议", "Objections")) } " · "
            a href="/my/queries" { (t("谁查询过我的记录", "Who looked at my record")) }
        }
    })
}

pub async fn home(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let p = &c.principal;
    if p.pending.is_none() {
        if let Some(summary) = own_summary(&st, &c).await {
            let body = html! {
                (summary)
                h2 { (t("常用功能", "Services")) }
                ul id="may" {
                    @for perm in p.permissions() {
                        @let link = MENU.iter().find(|(m, ..)| *m == perm).map(|(_, href, ..)| *href);
                        li data-permission=(perm.as_str()) {
                            @if let Some(h) = link {
                                a href=(h) { (t(perm.description_zh(), perm.description_en())) }
                            } @else {
                                (t(perm.description_zh(), perm.description_en()))
                            }
                        }
                    }
                }
            };
            return page("我的社保 My social insurance", Some((p, &c.csrf)), body);
        }
    }
    let head = html! {
        h1 { (t("工作台", "Workbench")) }
        p {
            (t("账户", "Account")) " " strong { (p.username) } " · "
            (t("机构", "Agency")) " " (p.agency)
        }
        p {
            (t("角色", "Roles")) ": "
            @if p.roles.is_empty() { (t("无", "none")) }
            @for (i, r) in p.roles.iter().enumerate() {
                @if i > 0 { "、" }
                (r.name_zh()) " " span.en { (r.as_str()) }
            }
        }
    };
    if let Some(pending) = p.pending {
        let (href, zh, en) = match pending {
            sirm_app::Pending::PasswordChange => (
                "/account/password",
                "请先修改密码",
                "Change your password first",
            ),
            sirm_app::Pending::SecondFactorEnrolment => (
                "/account/totp",
                "请先绑定第二因素（动态口令）",
                "Enrol a second factor first",
            ),
        };
        let body = html! {
            (head)
            div.err id="pending" { a href=(href) { (t(zh, en)) } }
        };
        return page("工作台 Workbench", Some((p, &c.csrf)), body);
    }
    // A failed readability check stays on every administrator's workbench
    // until a database administrator has handled it (docs/operations.md).
    let mut alarms = html! {};
    if p.roles.iter().any(|r| r.is_admin()) {
        let open = super::operations::alarms_markup(&st, &c).await;
        let check = st.sirm.check_alarm().await.ok().flatten();
        alarms = html! {
            (open)
            @if let Some(a) = check {
                div.err id="check-alarm" {
                    strong { (t("可读性检测发现问题", "The readability check found problems")) }
                    " " (a.time) " · " (a.detail) " "
                    a href="/operations" { (t("运行维护", "Operations")) }
                }
            }
        };
    }
    let body = html! {
        (head)
        (alarms)
        h2 { (t("您可以", "You may")) }
        ul id="may" {
            @for perm in p.permissions() {
                @let link = MENU.iter().find(|(m, ..)| *m == perm).map(|(_, href, ..)| *href);
                li data-permission=(perm.as_str()) {
                    @if let Some(h) = link {
                        a href=(h) { (t(perm.description_zh(), perm.description_en())) }
                    } @else {
                        (t(perm.description_zh(), perm.description_en()))
                    }
                }
            }
        }
    };
    page("工作台 Workbench", Some((p, &c.csrf)), body)
}

#[derive(Deserialize, Default)]
pub struct PersonQuery {
    pub id: Option<String>,
    /// A delegate at the counter: the authorization on file (委托书编号).
    pub delegation: Option<String>,
}

/// The person lookup form.
pub async fn persons_form(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    persons(State(st), Extension(c), axum::Form(PersonQuery::default())).await
}

/// Person lookup (query officer, business roles), own agency only. The ID
/// number is posted, never put in the URL.
pub async fn persons(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    axum::Form(q): axum::Form<PersonQuery>,
) -> Response {
    let p = &c.principal;
    let form = html! {
        h1 { (t("参保人员查询", "Person lookup")) }
        form method="post" action="/persons" id="person-lookup" {
            (csrf(&c.csrf))
            label {
                (t("公民身份号码（已核验证件）", "Resident ID number (document checked)")) " "
                input name="id" value=(q.id.as_deref().unwrap_or("")) maxlength="18";
            }
            label {
                (t("委托代办：委托书编号（本人到场则留空）", "Delegate: authorization number (blank when the person is present)")) " "
                input name="delegation" value=(q.delegation.as_deref().unwrap_or("")) placeholder="DL-…";
            }
            button { (t("查询", "Look up")) }
        }
    };
    let mut found = html! {};
    if let Some(raw) = q.id.as_deref().filter(|s| !s.trim().is_empty()) {
        let result = match parse_id::<ResidentId>("id", raw) {
            Err(e) => Err(e.into()),
            Ok(id) => match st.sirm.person_key(&id) {
                Err(e) => Err(e),
                Ok(id) => match q
                    .delegation
                    .as_deref()
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                {
                    Some(d) => st.sirm.counter_query_for_delegate(p, &id, d).await,
                    None => {
                        st.sirm
                            .query_rights(p, sirm_app::query::Channel::Counter, &id, None)
                            .await
                    }
                },
            }
            .map_err(ApiError::from),
        };
        let present = q.delegation.as_deref().is_none_or(|d| d.trim().is_empty());
        found = match result {
            Ok(v) => html! {
                @if present {
                    (super::certificate::counter_form_markup(&c, &v.record.person.id_number))
                }
                (super::record::rights(&v.record, super::portal::sections(&v)))
            },
            Err(e) => error_notice(&e),
        };
    }
    page(
        "参保人员查询 Person lookup",
        Some((p, &c.csrf)),
        html! { (form) (found) },
    )
}
