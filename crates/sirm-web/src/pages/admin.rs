//! Administration pages: accounts and role requests (system administrator),
//! role approvals (security administrator), the security audit trail (audit
//! administrator), and counter services (clerk).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use chrono::NaiveDate;
use serde::Deserialize;
use sirm_app::identity::audit::AuditQuery;
use sirm_domain::access::Role;
use sirm_domain::id::{CreditCode, ResidentId};

use super::zh::{role_label, status_zh};
use super::{csrf_field, esc, notice, page, t};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

type Msg = Option<(&'static str, String)>;

fn with_status(mut r: Response, msg: &Msg, err: Option<&ApiError>) -> Response {
    if let (Some(("err", _)), Some(e)) = (msg, err) {
        *r.status_mut() = e.status;
    }
    r
}

fn outcome<T>(
    res: Result<T, sirm_app::AppError>,
    ok: impl FnOnce(T) -> String,
) -> (Msg, Option<ApiError>) {
    match res {
        Ok(v) => (Some(("ok", ok(v))), None),
        Err(e) => {
            let e = ApiError::from(e);
            (Some(("err", e.message.clone())), Some(e))
        }
    }
}

// ------------------------------------------------------------------ users

async fn users_page(st: &AppState, c: &Caller, msg: Msg) -> Response {
    let users = match st.sirm.list_users(&c.principal).await {
        Ok(u) => u,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let role_options: String = Role::ALL
        .iter()
        .map(|r| {
            format!(
                "<option value=\"{}\">{} {}</option>",
                r.as_str(),
                esc(r.name_zh()),
                r.as_str()
            )
        })
        .collect();
    let csrf = csrf_field(&c.csrf);
    let mut rows = String::new();
    for u in &users {
        let name = esc(&u.username);
        let roles: String = u
            .roles
            .iter()
            .map(|r| {
                format!(
                    "{} <form class=\"inline\" method=\"post\" action=\"/admin/users/{name}/revoke-role\">{csrf}<input type=\"hidden\" name=\"role\" value=\"{r}\">\
                     <input name=\"reason\" placeholder=\"撤销理由 reason\" required size=\"10\"><button title=\"申请撤销 request revocation\">{}</button></form>",
                    role_label(r),
                    t("申请撤销", "Request revocation")
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        rows.push_str(&format!(
            "<tr data-user=\"{name}\"><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{roles}</td><td>\
             <form class=\"inline\" method=\"post\" action=\"/admin/users/{name}/request-role\">{csrf}<select name=\"role\">{role_options}</select>\
             <input name=\"reason\" placeholder=\"理由 reason\" required><button>{}</button></form> \
             <form class=\"inline\" method=\"post\" action=\"/admin/users/{name}/{}\">{csrf}<input name=\"reason\" placeholder=\"理由 reason\" required size=\"10\"><button>{}</button></form> \
             <form class=\"inline\" method=\"post\" action=\"/admin/users/{name}/reset-password\">{csrf}<button>{}</button></form> \
             <form class=\"inline\" method=\"post\" action=\"/admin/users/{name}/retire\">{csrf}<input name=\"reason\" placeholder=\"注销理由 reason\" required size=\"10\"><button>{}</button></form></td></tr>",
            esc(&u.display_name),
            status_zh(&u.kind),
            status_zh(&u.status),
            t("申请授予", "Request role"),
            if u.status == "active" { "lock" } else { "unlock" },
            if u.status == "active" { t("锁定", "Lock") } else { t("解锁", "Unlock") },
            t("重置密码", "Reset password"),
            t("注销账号", "Retire"),
        ));
    }
    let body = format!(
        "<h1>{}</h1>{}<fieldset><legend>{}</legend><form method=\"post\" action=\"/admin/users\" id=\"add-user\">{csrf}\
         <label>{} <input name=\"username\" required></label><label>{} <input name=\"display_name\" required></label><button>{}</button></form></fieldset>\
         <p class=\"en\">{}</p><table id=\"users\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>{rows}</table>",
        t("账户管理", "Accounts"),
        msg.as_ref().map(|(c, m)| notice(c, m)).unwrap_or_default(),
        t("新建工作人员账户", "New staff account"),
        t("用户名", "Username"),
        t("姓名", "Display name"),
        t("创建", "Create"),
        t("角色的授予和撤销都须经安全管理员审批后生效。", "A role grant or revocation takes effect only after the security administrator approves it."),
        t("用户名", "Username"),
        t("姓名", "Name"),
        t("类型", "Kind"),
        t("状态", "Status"),
        t("角色", "Roles"),
    );
    page("账户管理 Accounts", Some((&c.principal, &c.csrf)), &body)
}

pub async fn users(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    users_page(&st, &c, None).await
}

#[derive(Deserialize)]
pub struct AddUser {
    pub username: String,
    pub display_name: String,
}

pub async fn add_user(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<AddUser>,
) -> Response {
    let (msg, err) = outcome(
        st.sirm
            .add_user(&c.principal, &f.username, &f.display_name)
            .await,
        |i| {
            format!("已创建 {}，初始密码（首次登录须修改）Created {}; issued password (must be changed at first sign-in): {}", i.username, i.username, i.password)
        },
    );
    with_status(users_page(&st, &c, msg.clone()).await, &msg, err.as_ref())
}

#[derive(Deserialize)]
pub struct UserAction {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn user_action(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((username, action)): Path<(String, String)>,
    Form(f): Form<UserAction>,
) -> Response {
    let p = &c.principal;
    let (msg, err) = match action.as_str() {
        "lock" => outcome(st.sirm.lock_user(p, &username, &f.reason).await, |_| {
            format!("已锁定 {username} locked")
        }),
        "unlock" => outcome(st.sirm.unlock_user(p, &username, &f.reason).await, |_| {
            format!("已解锁 {username} unlocked")
        }),
        "retire" => outcome(st.sirm.retire_user(p, &username, &f.reason).await, |_| {
            format!("已注销 {username} retired (history kept; never signs in again)")
        }),
        "reset-password" => outcome(st.sirm.reset_password(p, &username).await, |i| {
            format!(
                "{}：一次性重置码 {}（{} 前有效；原密码已失效，请当面交给本人，由本人在 /reset 设置新密码）/ one-time reset code {} for {} (valid until {}; the old password no longer works; hand it to its owner, who chooses a new password at /reset)",
                i.username, i.code, i.expires, i.code, i.username, i.expires
            )
        }),
        "request-role" => outcome(
            st.sirm.request_role(p, &username, &f.role, &f.reason).await,
            |o| {
                format!(
                    "role request {} for {username}: {} / 授予申请已提交",
                    o.request_id, o.status
                )
            },
        ),
        "revoke-role" => outcome(
            st.sirm
                .request_revocation(p, &username, &f.role, &f.reason)
                .await,
            |o| {
                format!(
                    "撤销申请 {} 已提交，安全管理员批准后生效 / revocation request {} for {username}'s {}: pending the security administrator's approval",
                    o.request_id, o.request_id, f.role
                )
            },
        ),
        other => (
            Some(("err", format!("unknown action {other}"))),
            Some(ApiError::bad_request("unknown action")),
        ),
    };
    with_status(users_page(&st, &c, msg.clone()).await, &msg, err.as_ref())
}

// ---------------------------------------------------------- role requests

async fn requests_page(st: &AppState, c: &Caller, msg: Msg) -> Response {
    let reqs = match st.sirm.role_requests(&c.principal, None).await {
        Ok(r) => r,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let csrf = csrf_field(&c.csrf);
    let mut rows = String::new();
    for r in reqs.iter().rev() {
        let id = esc(&r.request_id);
        let actions = if r.status == "pending" {
            format!(
                "<form class=\"inline\" method=\"post\" action=\"/admin/role-requests/{id}/approve\">{csrf}<input type=\"hidden\" name=\"reason\" value=\"approved\"><button>{}</button></form> \
                 <form class=\"inline\" method=\"post\" action=\"/admin/role-requests/{id}/reject\">{csrf}<input name=\"reason\" placeholder=\"驳回理由 reason\" required><button>{}</button></form>",
                t("批准", "Approve"),
                t("驳回", "Reject")
            )
        } else {
            esc(r.decided_by.as_deref().unwrap_or(""))
        };
        rows.push_str(&format!(
            "<tr data-request=\"{id}\"><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{actions}</td></tr>",
            if r.action == "revoke" { t("撤销", "revoke") } else { t("授予", "grant") },
            esc(&r.username),
            role_label(&r.role),
            esc(&r.requested_by),
            esc(&r.reason),
            status_zh(&r.status)
        ));
    }
    let body = format!(
        "<h1>{}</h1>{}<table id=\"requests\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>{rows}</table>",
        t("角色授权审批", "Role approvals"),
        msg.as_ref().map(|(c, m)| notice(c, m)).unwrap_or_default(),
        t("编号", "Request"),
        t("事项", "Action"),
        t("账户", "Account"),
        t("角色", "Role"),
        t("申请人", "Requested by"),
        t("理由", "Reason"),
        t("状态", "Status"),
    );
    page(
        "角色授权审批 Role approvals",
        Some((&c.principal, &c.csrf)),
        &body,
    )
}

pub async fn role_requests(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Response {
    requests_page(&st, &c, None).await
}

#[derive(Deserialize)]
pub struct Decision {
    #[serde(default)]
    pub reason: String,
}

pub async fn decide(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<Decision>,
) -> Response {
    let approve = action == "approve";
    let (msg, err) = outcome(
        st.sirm
            .decide_role(&c.principal, &id, approve, &f.reason)
            .await,
        |_| {
            format!(
                "{id}: {}",
                if approve {
                    "approved / 已批准"
                } else {
                    "rejected / 已驳回"
                }
            )
        },
    );
    with_status(
        requests_page(&st, &c, msg.clone()).await,
        &msg,
        err.as_ref(),
    )
}

// ------------------------------------------------------------------ audit

#[derive(Deserialize, Default)]
pub struct AuditParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub account: Option<String>,
    pub event: Option<String>,
    pub limit: Option<i64>,
}

fn date(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                ApiError::bad_request(format!("{field}: {s:?} is not a date (YYYY-MM-DD)"))
            }),
    }
}

pub fn audit_query(p: &AuditParams) -> Result<AuditQuery, ApiError> {
    Ok(AuditQuery {
        from: date("from", &p.from)?,
        to: date("to", &p.to)?,
        account: p.account.clone().filter(|s| !s.trim().is_empty()),
        event: p.event.clone().filter(|s| !s.trim().is_empty()),
        limit: p.limit,
    })
}

pub async fn audit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(p): Query<AuditParams>,
) -> Response {
    let q = match audit_query(&p) {
        Ok(q) => q,
        Err(e) => return super::error_page(e),
    };
    let rows = match st.sirm.audit_trail(&c.principal, &q).await {
        Ok(r) => r,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let v = |o: &Option<String>| esc(o.as_deref().unwrap_or(""));
    let qs = serde_urlencoded::to_string([
        ("from", p.from.clone().unwrap_or_default()),
        ("to", p.to.clone().unwrap_or_default()),
        ("account", p.account.clone().unwrap_or_default()),
        ("event", p.event.clone().unwrap_or_default()),
    ])
    .unwrap_or_default();
    let mut table = String::new();
    for r in &rows {
        table.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.seq,
            esc(&r.time),
            esc(&r.account),
            esc(&r.source),
            esc(&r.event),
            esc(&r.outcome),
            esc(&r.actor),
            esc(&r.detail)
        ));
    }
    let body = format!(
        "<h1>{}</h1><form method=\"get\" action=\"/audit\" id=\"audit-filter\">\
         <label>{} <input name=\"from\" type=\"date\" value=\"{}\"></label><label>{} <input name=\"to\" type=\"date\" value=\"{}\"></label>\
         <label>{} <input name=\"account\" value=\"{}\"></label><label>{} <input name=\"event\" value=\"{}\" placeholder=\"login.failure\"></label>\
         <button>{}</button></form><p><a id=\"csv\" href=\"/audit/export.csv?{qs}\">{}</a> · {} {}</p>\
         <table id=\"audit\"><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{table}</table>",
        t("安全审计", "Security audit trail"),
        t("自", "From"), v(&p.from), t("至", "To"), v(&p.to),
        t("账户", "Account"), v(&p.account), t("事件", "Event"), v(&p.event),
        t("筛选", "Filter"),
        t("导出 CSV", "Export CSV"),
        rows.len(), t("条", "rows"),
        t("时间 (UTC)", "Time (UTC)"), t("账户", "Account"), t("来源地址", "Source"), t("事件", "Event"),
        t("结果", "Outcome"), t("操作人", "Actor"), t("详情", "Detail"),
    );
    page("安全审计 Audit", Some((&c.principal, &c.csrf)), &body)
}

pub async fn audit_csv(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(p): Query<AuditParams>,
) -> Response {
    let q = match audit_query(&p) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    match st.sirm.audit_csv(&c.principal, &q).await {
        Ok(csv) => {
            let mut r = csv.into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"sirm-audit.csv\""),
            );
            r
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

// ---------------------------------------------------------------- counter

async fn counter_page(c: &Caller, msg: Msg) -> Response {
    let csrf = csrf_field(&c.csrf);
    let body = format!(
        "<h1>{}</h1>{}\
         <fieldset><legend>{}</legend><form method=\"post\" action=\"/counter/activation\" id=\"activation\">{csrf}\
         <label>{} <input name=\"id\" required maxlength=\"18\"></label><label><input type=\"checkbox\" name=\"checked\" value=\"yes\" required> {}</label><button>{}</button></form></fieldset>\
         <fieldset><legend>{}</legend><form method=\"post\" action=\"/counter/query-pin\" id=\"query-pin\" autocomplete=\"off\">{csrf}\
         <label>{} <input name=\"id\" required maxlength=\"18\"></label>\
         <label>{} <input name=\"pin\" type=\"password\" inputmode=\"numeric\" required pattern=\"[0-9]{{6}}\" maxlength=\"6\"></label>\
         <label>{} <input name=\"pin_confirm\" type=\"password\" inputmode=\"numeric\" required pattern=\"[0-9]{{6}}\" maxlength=\"6\"></label>\
         <label><input type=\"checkbox\" name=\"checked\" value=\"yes\" required> {}</label><button>{}</button>\
         <p class=\"en\">{}</p></form></fieldset>\
         <fieldset><legend>{}</legend><form method=\"post\" action=\"/counter/employer-agent\" id=\"employer-agent\">{csrf}\
         <label>{} <input name=\"credit_code\" required maxlength=\"18\"></label><label>{} <input name=\"username\" required></label>\
         <label>{} <input name=\"display_name\" required></label><button>{}</button></form></fieldset>\
         <fieldset><legend>{}</legend><form method=\"post\" action=\"/counter/delegation\" id=\"delegation\">{csrf}\
         <label>{} <input name=\"person\" required maxlength=\"18\"></label><label>{} <input name=\"delegate\" required></label>\
         <label>{} <input name=\"scope\" value=\"registration,contributions\" required></label>\
         <label>{} <input name=\"valid_from\" type=\"date\" required></label><label>{} <input name=\"valid_until\" type=\"date\" required></label>\
         <label>{} <input name=\"document_sha256\" required pattern=\"[0-9a-fA-F]{{64}}\"></label><button>{}</button></form></fieldset>\
         <fieldset><legend>{}</legend><form method=\"post\" action=\"/counter/password-reset\" id=\"counter-reset\">{csrf}\
         <label>{} <input name=\"username\" required></label><label><input type=\"checkbox\" name=\"checked\" value=\"yes\" required> {}</label><button>{}</button></form></fieldset>",
        t("柜台服务", "Counter services"),
        msg.as_ref().map(|(c, m)| notice(c, m)).unwrap_or_default(),
        t("发放网上账户激活码", "Issue a portal activation code"),
        t("公民身份号码", "Resident ID number"),
        t("已核验本人有效身份证件", "ID document checked in person"),
        t("发放", "Issue"),
        t("设置电话查询密码", "Set the telephone query PIN"),
        t("公民身份号码", "Resident ID number"),
        t("查询密码（6位数字，由本人输入）", "Query PIN (6 digits, keyed in by the person)"),
        t("再次输入", "Repeat the PIN"),
        t("已核验本人有效身份证件", "ID document checked in person"),
        t("设置", "Set"),
        t(
            "不得为相同数字、连续数字或出生日期；连续5次输错锁定30分钟，重新设置即解锁。",
            "Not one repeated digit, a run or the birth date; 5 wrong PINs in a row lock it for 30 minutes, setting it again unlocks it.",
        ),
        t("用人单位经办人账户", "Employer agent account"),
        t("统一社会信用代码", "Unified social credit code"),
        t("用户名", "Username"),
        t("姓名", "Name"),
        t("创建", "Create"),
        t("登记书面委托", "Record a written authorization"),
        t("委托人身份号码", "Person's ID number"),
        t("被委托人账户", "Delegate's account"),
        t("委托查询事项", "Scope (comma-separated)"),
        t("生效日期", "Valid from"),
        t("截止日期", "Valid until"),
        t("委托书扫描件 SHA-256", "SHA-256 of the scanned authorization"),
        t("登记", "Record"),
        t("重置网上账户密码（参保人员、单位经办人、被委托人）", "Reset a portal account's password (insured person, employer agent, delegate)"),
        t("用户名", "Username"),
        t("已核验本人有效身份证件", "ID document checked in person"),
        t("发放重置码", "Issue a reset code"),
    );
    page("柜台服务 Counter", Some((&c.principal, &c.csrf)), &body)
}

pub async fn counter(Extension(c): Extension<Caller>) -> Response {
    counter_page(&c, None).await
}

#[derive(Deserialize)]
pub struct ActivationForm {
    pub id: String,
}

pub async fn issue_activation(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<ActivationForm>,
) -> Response {
    let res = match f.id.trim().parse::<ResidentId>() {
        Ok(id) => st.sirm.issue_activation_code(&c.principal, &id).await,
        Err(e) => Err(sirm_app::AppError::invalid("id", e)),
    };
    let (msg, err) = outcome(res, |a| {
        format!(
            "激活码 activation code for {}: {} (valid until {})",
            a.person, a.code, a.expires
        )
    });
    with_status(counter_page(&c, msg.clone()).await, &msg, err.as_ref())
}

#[derive(Deserialize)]
pub struct CounterResetForm {
    pub username: String,
}

/// The clerk resets an external account's password after checking its
/// owner's ID document: a one-time reset code to hand over.
pub async fn counter_reset(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<CounterResetForm>,
) -> Response {
    let res = st.sirm.counter_reset(&c.principal, &f.username).await;
    let (msg, err) = outcome(res, |r| {
        format!(
            "{}：一次性重置码 {}（{} 前有效，请交给本人在 /reset 设置新密码）/ one-time reset code {} for {} (valid until {}; the owner chooses a new password at /reset)",
            r.username, r.code, r.expires, r.code, r.username, r.expires
        )
    });
    with_status(counter_page(&c, msg.clone()).await, &msg, err.as_ref())
}

#[derive(Deserialize)]
pub struct QueryPinForm {
    pub id: String,
    pub pin: String,
    pub pin_confirm: String,
}

pub async fn set_query_pin(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<QueryPinForm>,
) -> Response {
    let res = match f.id.trim().parse::<ResidentId>() {
        Err(e) => Err(sirm_app::AppError::invalid("id", e)),
        Ok(_) if f.pin != f.pin_confirm => Err(sirm_app::AppError::invalid(
            "pin_confirm",
            "the two PINs differ",
        )),
        Ok(id) => st.sirm.set_query_pin(&c.principal, &id, &f.pin).await,
    };
    let (msg, err) = outcome(res, |s| {
        format!(
            "{} {} / query PIN {} for {}",
            if s.reset {
                "查询密码已重置"
            } else {
                "查询密码已设置"
            },
            s.person,
            if s.reset { "reset" } else { "set" },
            s.person
        )
    });
    with_status(counter_page(&c, msg.clone()).await, &msg, err.as_ref())
}

#[derive(Deserialize)]
pub struct AgentForm {
    pub credit_code: String,
    pub username: String,
    pub display_name: String,
}

pub async fn add_employer_agent(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<AgentForm>,
) -> Response {
    let res = match f.credit_code.trim().parse::<CreditCode>() {
        Ok(code) => {
            st.sirm
                .add_employer_agent(&c.principal, &f.username, &f.display_name, &code)
                .await
        }
        Err(e) => Err(sirm_app::AppError::invalid("credit_code", e)),
    };
    let (msg, err) = outcome(res, |i| {
        format!("{}: issued password / 初始密码 {}", i.username, i.password)
    });
    with_status(counter_page(&c, msg.clone()).await, &msg, err.as_ref())
}

#[derive(Deserialize)]
pub struct DelegationForm {
    pub person: String,
    pub delegate: String,
    pub scope: String,
    pub valid_from: String,
    pub valid_until: String,
    pub document_sha256: String,
}

pub async fn record_delegation(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<DelegationForm>,
) -> Response {
    let res = async {
        let person = f
            .person
            .trim()
            .parse::<ResidentId>()
            .map_err(|e| sirm_app::AppError::invalid("person", e))?;
        let from = NaiveDate::parse_from_str(f.valid_from.trim(), "%Y-%m-%d")
            .map_err(|_| sirm_app::AppError::invalid("valid_from", "not a date"))?;
        let until = NaiveDate::parse_from_str(f.valid_until.trim(), "%Y-%m-%d")
            .map_err(|_| sirm_app::AppError::invalid("valid_until", "not a date"))?;
        let scope: Vec<String> = f
            .scope
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        st.sirm
            .record_delegation(
                &c.principal,
                &person,
                f.delegate.trim(),
                &scope,
                from,
                until,
                f.document_sha256.trim(),
            )
            .await
    }
    .await;
    let (msg, err) = outcome(res, |id| format!("委托已登记 delegation recorded: {id}"));
    with_status(counter_page(&c, msg.clone()).await, &msg, err.as_ref())
}
