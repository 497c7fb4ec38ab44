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
            Ok(id) => st.sirm.person_rights(p, &id).await.map_err(ApiError::from),
        };
        match result {
            Ok(r) => body.push_str(&super::record::rights_html(
                &r,
                super::record::Sections::ALL,
            )),
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
