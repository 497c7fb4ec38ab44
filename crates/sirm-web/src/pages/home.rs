//! The workbench home: what the signed-in account may do, and nothing else.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use sirm_domain::id::ResidentId;

use super::{esc, page, t, MENU};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

pub async fn home(Extension(c): Extension<Caller>) -> Response {
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

#[derive(Deserialize)]
pub struct PersonQuery {
    pub id: Option<String>,
}

/// Person lookup (query officer, business roles), own agency only.
pub async fn persons(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<PersonQuery>,
) -> Response {
    let p = &c.principal;
    let mut body = format!(
        "<h1>{}</h1><form method=\"get\" action=\"/persons\"><label>{} <input name=\"id\" value=\"{}\" maxlength=\"18\"></label><button>{}</button></form>",
        t("参保人员查询", "Person lookup"),
        t("公民身份号码（已核验证件）", "Resident ID number (document checked)"),
        esc(q.id.as_deref().unwrap_or("")),
        t("查询", "Look up")
    );
    if let Some(raw) = q.id.as_deref().filter(|s| !s.trim().is_empty()) {
        let result = match raw.trim().parse::<ResidentId>() {
            Err(e) => Err(ApiError::bad_request(format!("id: {e}"))),
            Ok(id) => st
                .sirm
                .person_in_agency(p, &id)
                .await
                .map_err(ApiError::from),
        };
        match result {
            Ok(row) => {
                body.push_str(&format!(
                "<table id=\"person\"><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{} · {}</td></tr>\
                 <tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr></table>",
                t("姓名", "Name"), esc(&row.name),
                t("身份号码", "ID"), esc(&row.person_id),
                t("出生日期 · 性别", "Birth date · gender"), esc(&row.birth_date), super::zh::status_zh(&row.gender),
                t("地址", "Address"), esc(&row.address),
                t("电话", "Phone"), esc(&row.phone),
                t("参保登记日期", "Registered on"), esc(&row.registered_on),
            ));
                body.push_str(&record_tables(&st, &row.person_id).await);
            }
            Err(e) => body.push_str(&super::notice("err", &e.message)),
        }
    }
    page("参保人员查询 Person lookup", Some((p, &c.csrf)), &body)
}

/// An insured person's own registration record.
pub async fn my_record(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let p = &c.principal;
    let row = match &p.person_id {
        Some(id) => st.sirm.store.person(id).await.ok().flatten(),
        None => None,
    };
    let body = match row {
        Some(row) => format!(
            "<h1>{}</h1><table id=\"record\"><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr></table>\
             <p class=\"en\">{}</p>",
            t("我的登记信息", "My registration"),
            t("姓名", "Name"), esc(&row.name),
            t("身份号码", "ID"), esc(&row.person_id),
            t("地址", "Address"), esc(&row.address),
            t("参保登记日期", "Registered on"), esc(&row.registered_on),
            t("缴费、个人账户和待遇信息将在查询服务上线后提供。", "Contributions, the personal account and benefits will be shown here when the query service is available."),
        ),
        None => format!("<h1>{}</h1>{}", t("我的登记信息", "My registration"), super::notice("err", "no person is bound to this account")),
    };
    page("我的登记信息 My registration", Some((p, &c.csrf)), &body)
}

/// Employment history and contributions of a person (projections of the ledger).
async fn record_tables(st: &AppState, person_id: &str) -> String {
    let mut out = String::new();
    let jobs = st
        .sirm
        .store
        .employments_of(person_id)
        .await
        .unwrap_or_default();
    out.push_str(&format!(
        "<h2>{}</h2><table id=\"employment\"><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        t("就业记录", "Employment history"),
        t("用人单位", "Employer"),
        t("起", "From"),
        t("止", "To")
    ));
    for j in &jobs {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&j.credit_code),
            esc(&j.start_on),
            esc(j.end_on.as_deref().unwrap_or("—"))
        ));
    }
    out.push_str("</table>");
    let contributions = st
        .sirm
        .store
        .contributions_of(person_id)
        .await
        .unwrap_or_default();
    out.push_str(&format!(
        "<h2>{}</h2><table id=\"contributions\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t("缴费记录", "Contributions"),
        t("月份", "Month"),
        t("用人单位", "Employer"),
        t("申报工资", "Declared wage"),
        t("缴费基数", "Base"),
        t("养老（单位）", "Pension (employer)"),
        t("养老（个人）", "Pension (employee)"),
        t("状态", "Status"),
        t("规则集", "Rule set"),
    ));
    for c in &contributions {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.month),
            esc(&c.credit_code),
            esc(&c.declared_wage),
            esc(&c.base),
            esc(&c.pension_employer),
            esc(&c.pension_employee),
            match c.status.as_str() {
                "paid" => t("已到账", "paid"),
                _ => t("已核定未到账", "assessed, not paid"),
            },
            esc(&c.rule_set)
        ));
    }
    out.push_str("</table>");
    let years = st
        .sirm
        .store
        .account_years_of(person_id)
        .await
        .unwrap_or_default();
    out.push_str(&format!(
        "<h2>{}</h2><table id=\"account\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t("个人账户", "Personal account"),
        t("年度", "Year"),
        t("年初余额", "Opening"),
        t("当年记账", "Credits"),
        t("记账利率", "Rate"),
        t("利息", "Interest"),
        t("年末余额", "Closing"),
        t("规则集", "Rule set"),
    ));
    for y in &years {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            y.year,
            esc(&y.opening_balance),
            esc(&y.credits),
            esc(&y.rate),
            esc(&y.interest),
            esc(&y.closing_balance),
            esc(&y.rule_set)
        ));
    }
    out.push_str("</table>");
    out
}
