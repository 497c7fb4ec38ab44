//! Administration pages: accounts and role requests (system administrator),
//! role approvals (security administrator), the security audit trail (audit
//! administrator), and counter services (clerk).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;
use sirm_app::identity::audit::AuditQuery;
use sirm_domain::access::Role;
use sirm_domain::id::{CreditCode, ResidentId};

use super::ui::{csrf, page, t, FieldKind};
use super::ui_b::{head_cells, outcome_notice, role_label, Input};
use super::zh::status_zh;
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
    let role_options = html! {
        @for r in Role::ALL { option value=(r.as_str()) { (r.name_zh()) " " (r.as_str()) } }
    };
    let body = html! {
        h1 { (t("账户管理", "Accounts")) }
        (outcome_notice(&msg))
        fieldset {
            legend { (t("新建工作人员账户", "New staff account")) }
            form method="post" action="/admin/users" id="add-user" {
                (csrf(&c.csrf))
                (Input::required("username", "用户名", "Username", FieldKind::Text).empty())
                (Input::required("display_name", "姓名", "Display name", FieldKind::Text).empty())
                button { (t("创建", "Create")) }
            }
        }
        p.en {
            (t(
                "角色的授予和撤销都须经安全管理员审批后生效。",
                "A role grant or revocation takes effect only after the security administrator approves it."
            ))
        }
        table id="users" {
            tr {
                (head_cells(&[("用户名", "Username"), ("姓名", "Name"), ("类型", "Kind"),
                    ("状态", "Status"), ("角色", "Roles")]))
                th {}
            }
            @for u in &users {
                @let (lock, lock_zh, lock_en) = if u.status == "active" {
                    ("lock", "锁定", "Lock")
                } else {
                    ("unlock", "解锁", "Unlock")
                };
                tr data-user=(u.username) {
                    td { (u.username) }
                    td { (u.display_name) }
                    td { (status_zh(&u.kind)) }
                    td { (status_zh(&u.status)) }
                    td {
                        @for (i, r) in u.roles.iter().enumerate() {
                            @if i > 0 { " " }
                            (role_label(r)) " "
                            form.inline method="post" action={ "/admin/users/" (u.username) "/revoke-role" } {
                                (csrf(&c.csrf))
                                input type="hidden" name="role" value=(r);
                                input name="reason" placeholder="撤销理由 reason" required size="10";
                                button title="申请撤销 request revocation" { (t("申请撤销", "Request revocation")) }
                            }
                        }
                    }
                    td {
                        form.inline method="post" action={ "/admin/users/" (u.username) "/request-role" } {
                            (csrf(&c.csrf))
                            select name="role" { (role_options) }
                            input name="reason" placeholder="理由 reason" required;
                            button { (t("申请授予", "Request role")) }
                        }
                        " "
                        form.inline method="post" action={ "/admin/users/" (u.username) "/" (lock) } {
                            (csrf(&c.csrf))
                            input name="reason" placeholder="理由 reason" required size="10";
                            button { (t(lock_zh, lock_en)) }
                        }
                        " "
                        form.inline method="post" action={ "/admin/users/" (u.username) "/reset-password" } {
                            (csrf(&c.csrf))
                            button { (t("重置密码", "Reset password")) }
                        }
                        " "
                        form.inline method="post" action={ "/admin/users/" (u.username) "/retire" } {
                            (csrf(&c.csrf))
                            input name="reason" placeholder="注销理由 reason" required size="10";
                            button { (t("注销账号", "Retire")) }
                        }
                    }
                }
            }
        }
    };
    page("账户管理 Accounts", Some((&c.principal, &c.csrf)), body)
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
    let body = html! {
        h1 { (t("角色授权审批", "Role approvals")) }
        (outcome_notice(&msg))
        table id="requests" {
            tr {
                (head_cells(&[("编号", "Request"), ("事项", "Action"), ("账户", "Account"),
                    ("角色", "Role"), ("申请人", "Requested by"), ("理由", "Reason"), ("状态", "Status")]))
                th {}
            }
            @for r in reqs.iter().rev() {
                tr data-request=(r.request_id) {
                    td { (r.request_id) }
                    td { @if r.action == "revoke" { (t("撤销", "revoke")) } @else { (t("授予", "grant")) } }
                    td { (r.username) }
                    td { (role_label(&r.role)) }
                    td { (r.requested_by) }
                    td { (r.reason) }
                    td { (status_zh(&r.status)) }
                    td {
                        @if r.status == "pending" {
                            form.inline method="post" action={ "/admin/role-requests/" (r.request_id) "/approve" } {
                                (csrf(&c.csrf))
                                input type="hidden" name="reason" value="approved";
                                button { (t("批准", "Approve")) }
                            }
                            " "
                            form.inline method="post" action={ "/admin/role-requests/" (r.request_id) "/reject" } {
                                (csrf(&c.csrf))
                                input name="reason" placeholder="驳回理由 reason" required;
                                button { (t("驳回", "Reject")) }
                            }
                        } @else {
                            (r.decided_by.as_deref().unwrap_or(""))
                        }
                    }
                }
            }
        }
    };
    page(
        "角色授权审批 Role approvals",
        Some((&c.principal, &c.csrf)),
        body,
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
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let qs = serde_urlencoded::to_string([
        ("from", v(&p.from)),
        ("to", v(&p.to)),
        ("account", v(&p.account)),
        ("event", v(&p.event)),
    ])
    .unwrap_or_default();
    let body = html! {
        h1 { (t("安全审计", "Security audit trail")) }
        form method="get" action="/audit" id="audit-filter" {
            (AUDIT_FROM.render(p.from.as_deref().or(Some(""))))
            (AUDIT_TO.render(p.to.as_deref().or(Some(""))))
            (AUDIT_ACCOUNT.render(p.account.as_deref().or(Some(""))))
            (AUDIT_EVENT.render(p.event.as_deref().or(Some(""))))
            button { (t("筛选", "Filter")) }
        }
        p {
            a id="csv" href={ "/audit/export.csv?" (qs) } { (t("导出 CSV", "Export CSV")) }
            " · " (rows.len()) " " (t("条", "rows"))
        }
        table id="audit" {
            tr {
                th { "#" }
                (head_cells(&[("时间 (UTC)", "Time (UTC)"), ("账户", "Account"), ("来源地址", "Source"),
                    ("事件", "Event"), ("结果", "Outcome"), ("操作人", "Actor"), ("详情", "Detail")]))
            }
            @for r in &rows {
                tr {
                    td { (r.seq) } td { (r.time) } td { (r.account) } td { (r.source) }
                    td { (r.event) } td { (r.outcome) } td { (r.actor) } td { (r.detail) }
                }
            }
        }
    };
    page("安全审计 Audit", Some((&c.principal, &c.csrf)), body)
}

const AUDIT_FROM: Input = Input::optional("from", "自", "From", FieldKind::Date);
const AUDIT_TO: Input = Input::optional("to", "至", "To", FieldKind::Date);
const AUDIT_ACCOUNT: Input = Input::optional("account", "账户", "Account", FieldKind::Text);
const AUDIT_EVENT: Input =
    Input::optional("event", "事件", "Event", FieldKind::Text).with_placeholder("login.failure");

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

/// The resident ID number of the person at the counter.
const PERSON_ID: Input =
    Input::required("id", "公民身份号码", "Resident ID number", FieldKind::Text).with_maxlength(18);
const QUERY_PIN: Input = Input::required(
    "pin",
    "查询密码（6位数字，由本人输入）",
    "Query PIN (6 digits, keyed in by the person)",
    FieldKind::Password,
)
.with_inputmode("numeric")
.with_pattern("[0-9]{6}")
.with_maxlength(6);
const QUERY_PIN_CONFIRM: Input =
    Input::required("pin_confirm", "再次输入", "Repeat the PIN", FieldKind::Password)
        .with_inputmode("numeric")
        .with_pattern("[0-9]{6}")
        .with_maxlength(6);
const AGENT_FIELDS: [Input; 3] = [
    Input::required(
        "credit_code",
        "统一社会信用代码",
        "Unified social credit code",
        FieldKind::Text,
    )
    .with_maxlength(18),
    Input::required("username", "用户名", "Username", FieldKind::Text),
    Input::required("display_name", "姓名", "Name", FieldKind::Text),
];
const DELEGATION_PERSON: Input =
    Input::required("person", "委托人身份号码", "Person's ID number", FieldKind::Text)
        .with_maxlength(18);
const DELEGATE: Input = Input::required("delegate", "被委托人账户", "Delegate's account", FieldKind::Text);
const SCOPE: Input = Input::required("scope", "委托查询事项", "Scope (comma-separated)", FieldKind::Text);
const VALIDITY: [Input; 2] = [
    Input::required("valid_from", "生效日期", "Valid from", FieldKind::Date),
    Input::required("valid_until", "截止日期", "Valid until", FieldKind::Date),
];
const DOCUMENT: Input = Input::required(
    "document_sha256",
    "委托书扫描件 SHA-256",
    "SHA-256 of the scanned authorization",
    FieldKind::Text,
)
.with_pattern("[0-9a-fA-F]{64}");
const RESET_USERNAME: Input = Input::required("username", "用户名", "Username", FieldKind::Text);

/// The clerk's confirmation that the person's ID document was checked.
fn id_checked() -> Markup {
    html! {
        label {
            input type="checkbox" name="checked" value="yes" required;
            " " (t("已核验本人有效身份证件", "ID document checked in person"))
        }
    }
}

async fn counter_page(c: &Caller, msg: Msg) -> Response {
    let token = &c.csrf;
    let body = html! {
        h1 { (t("柜台服务", "Counter services")) }
        (outcome_notice(&msg))
        fieldset {
            legend { (t("发放网上账户激活码", "Issue a portal activation code")) }
            form method="post" action="/counter/activation" id="activation" {
                (csrf(token))
                (PERSON_ID.empty())
                (id_checked())
                button { (t("发放", "Issue")) }
            }
        }
        fieldset {
            legend { (t("设置电话查询密码", "Set the telephone query PIN")) }
            form method="post" action="/counter/query-pin" id="query-pin" autocomplete="off" {
                (csrf(token))
                (PERSON_ID.empty())
                (QUERY_PIN.empty())
                (QUERY_PIN_CONFIRM.empty())
                (id_checked())
                button { (t("设置", "Set")) }
                p.en {
                    (t(
                        "不得为相同数字、连续数字或出生日期；连续5次输错锁定30分钟，重新设置即解锁。",
                        "Not one repeated digit, a run or the birth date; 5 wrong PINs in a row lock it for 30 minutes, setting it again unlocks it.",
                    ))
                }
            }
        }
        fieldset {
            legend { (t("用人单位经办人账户", "Employer agent account")) }
            form method="post" action="/counter/employer-agent" id="employer-agent" {
                (csrf(token))
                @for f in &AGENT_FIELDS { (f.empty()) }
                button { (t("创建", "Create")) }
            }
        }
        fieldset {
            legend { (t("登记书面委托", "Record a written authorization")) }
            form method="post" action="/counter/delegation" id="delegation" {
                (csrf(token))
                (DELEGATION_PERSON.empty())
                (DELEGATE.empty())
                (SCOPE.render(Some("registration,contributions")))
                @for f in &VALIDITY { (f.empty()) }
                (DOCUMENT.empty())
                button { (t("登记", "Record")) }
            }
        }
        fieldset {
            legend {
                (t(
                    "重置网上账户密码（参保人员、单位经办人、被委托人）",
                    "Reset a portal account's password (insured person, employer agent, delegate)"
                ))
            }
            form method="post" action="/counter/password-reset" id="counter-reset" {
                (csrf(token))
                (RESET_USERNAME.empty())
                (id_checked())
                button { (t("发放重置码", "Issue a reset code")) }
            }
        }
    };
    page("柜台服务 Counter", Some((&c.principal, &c.csrf)), body)
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
