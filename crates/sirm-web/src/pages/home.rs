//! The workbench home: what the signed-in account may do, and nothing else.

use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use sirm_domain::id::ResidentId;

use super::{esc, page, t, MENU};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

pub async fn home(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let p = &c.principal;
    let roles: Vec<String> = p
        .roles
        .iter()
        .map(|r| {
            format!(
                "{} <span class=\"en\">{}</span>",
                esc(r.name_zh()),
                r.as_str()
            )
        })
        .collect();
    let mut body = format!(
        "<h1>{}</h1><p>{} <strong>{}</strong> · {} {}</p><p>{}: {}</p>",
        t("工作台", "Workbench"),
        t("账户", "Account"),
        esc(&p.username),
        t("机构", "Agency"),
        esc(&p.agency),
        t("角色", "Roles"),
        if roles.is_empty() {
            t("无", "none")
        } else {
            roles.join("、")
        }
    );
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
        body.push_str(&format!(
            "<div class=\"err\" id=\"pending\"><a href=\"{href}\">{}</a></div>",
            t(zh, en)
        ));
        return page("工作台 Workbench", Some((p, &c.csrf)), &body);
    }
    // A failed readability check stays on every administrator's workbench
    // until a database administrator has handled it (docs/operations.md).
    if p.roles.iter().any(|r| r.is_admin()) {
        body.push_str(&super::operations::alarms_block(&st, &c).await);
        if let Ok(Some(a)) = st.sirm.check_alarm().await {
            body.push_str(&format!(
                "<div class=\"err\" id=\"check-alarm\"><strong>{}</strong> {} · {} <a href=\"/operations\">{}</a></div>",
                t("可读性检测发现问题", "The readability check found problems"),
                esc(&a.time),
                esc(&a.detail),
                t("运行维护", "Operations")
            ));
        }
    }
    body.push_str(&format!(
        "<h2>{}</h2><ul id=\"may\">",
        t("您可以", "You may")
    ));
    for perm in p.permissions() {
        let link = MENU
            .iter()
            .find(|(m, ..)| *m == perm)
            .map(|(_, href, ..)| *href);
        let label = t(perm.description_zh(), perm.description_en());
        match link {
            Some(h) => body.push_str(&format!(
                "<li data-permission=\"{}\"><a href=\"{h}\">{label}</a></li>",
                perm.as_str()
            )),
            None => body.push_str(&format!(
                "<li data-permission=\"{}\">{label}</li>",
                perm.as_str()
            )),
        }
    }
    body.push_str("</ul>");
    page("工作台 Workbench", Some((p, &c.csrf)), &body)
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
    let mut body = format!(
        "<h1>{}</h1><form method=\"post\" action=\"/persons\" id=\"person-lookup\">{}<label>{} <input name=\"id\" value=\"{}\" maxlength=\"18\"></label>\
         <label>{} <input name=\"delegation\" value=\"{}\" placeholder=\"DL-…\"></label><button>{}</button></form>",
        t("参保人员查询", "Person lookup"),
        super::csrf_field(&c.csrf),
        t("公民身份号码（已核验证件）", "Resident ID number (document checked)"),
        esc(q.id.as_deref().unwrap_or("")),
        t("委托代办：委托书编号（本人到场则留空）", "Delegate: authorization number (blank when the person is present)"),
        esc(q.delegation.as_deref().unwrap_or("")),
        t("查询", "Look up")
    );
    if let Some(raw) = q.id.as_deref().filter(|s| !s.trim().is_empty()) {
        let result = match raw.trim().parse::<ResidentId>() {
            Err(e) => Err(ApiError::bad_request(format!("id: {e}"))),
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
        match result {
            Ok(v) => {
                if present {
                    body.push_str(&super::certificate::counter_form(
                        &c,
                        &v.record.person.id_number,
                    ));
                }
                body.push_str(&super::record::rights_html(
                    &v.record,
                    super::portal::sections(&v),
                ))
            }
            Err(e) => body.push_str(&super::notice("err", &e.message)),
        }
    }
    page("参保人员查询 Person lookup", Some((p, &c.csrf)), &body)
}
