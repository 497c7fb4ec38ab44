//! Administration pages: accounts and role requests (system administrator),
//! role approvals (security administrator), the security audit trail (audit
//! administrator), and counter services (clerk).
//!
//! This file: accounts and role approvals; `audit`: the audit trail;
//! `counter`: the counter services.

mod audit;
mod counter;
mod disclosure;

pub use audit::*;
pub use counter::*;
pub use disclosure::{organ_queries, organ_queries_csv};

use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Form};
use maud::html;
use serde::Deserialize;
use sirm_domain::access::Role;

use super::ui::{csrf, page, t, FieldKind};
use super::ui::{head_cells, outcome_notice, role_label, FormField};
use super::zh::status_zh;
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

pub(super) type Msg = Option<super::ui::Outcome>;

/// A page answering an action, with the error's status when it failed.
pub(super) fn with_status(mut r: Response, msg: &Msg) -> Response {
    if let Some(super::ui::Outcome::Err(e)) = msg {
        *r.status_mut() = e.status;
    }
    r
}

/// What an action's result says on the page.
pub(super) fn outcome<T>(res: Result<T, sirm_app::AppError>, ok: impl FnOnce(T) -> String) -> Msg {
    Some(match res {
        Ok(v) => super::ui::Outcome::Ok(ok(v)),
        Err(e) => super::ui::Outcome::Err(ApiError::from(e)),
    })
}

// ------------------------------------------------------------------ users

/// The new-account form's fields.
const NEW_USER: [FormField; 2] = [
    FormField::new("username", "用户名", "Username", FieldKind::Text),
    FormField::new("display_name", "姓名", "Display name", FieldKind::Text),
];

/// The accounts page; `typed`: what a refused new-account form held, shown
/// again with its error.
async fn users_page(st: &AppState, c: &Caller, msg: Msg, typed: Option<&AddUser>) -> Response {
    let users = match st.sirm.list_users(&c.principal).await {
        Ok(u) => u,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let locks = match st.sirm.account_locks(&c.principal).await {
        Ok(l) => l,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let role_options = html! {
        @for r in Role::ALL { option value=(r.as_str()) { (r.name_zh()) " " (r.as_str()) } }
    };
    let body = html! {
        h1 { (t("账户管理", "Accounts")) }
        @match &msg {
            Some(super::ui::Outcome::Err(e)) => {
                (super::ui::field_error_notice(e, &NEW_USER.map(|f| (f.name, f.zh))))
            }
            other => (outcome_notice(other)),
        }
        fieldset {
            legend { (t("新建工作人员账户", "New staff account")) }
            form method="post" action="/admin/users" id="add-user" {
                (csrf(&c.csrf))
                (NEW_USER[0].input().render(typed.map(|f| f.username.as_str())))
                (NEW_USER[1].input().render(typed.map(|f| f.display_name.as_str())))
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
                    ("状态", "Status"), ("锁定原因", "Why locked"), ("角色", "Roles")]))
                th {}
            }
            @for u in &users {
                @let (lock, lock_zh, lock_en) = if u.status == sirm_domain::status::AccountStatus::Active {
                    ("lock", "锁定", "Lock")
                } else {
                    ("unlock", "解锁", "Unlock")
                };
                tr data-user=(u.username) {
                    td { (u.username) }
                    td { (u.display_name) }
                    td { (status_zh(u.kind.as_str())) }
                    td { (status_zh(u.status.as_str())) }
                    td.lock-reason { @if let Some(n) = locks.get(&u.username) { (lock_note(n)) } }
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
                            select name="role" aria-label={ (t("申请授予的角色", "Role to request")) " " (u.username) } { (role_options) }
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

/// Why an account cannot sign in: by whom, when (Beijing time) and the
/// reason recorded; a lock after failed sign-ins with its end.
fn lock_note(n: &sirm_app::identity::locks::LockNote) -> maud::Markup {
    use sirm_app::identity::locks::LockCause;
    let when = super::local_time(n.time_us);
    let until = n.until_us.map(super::local_time).unwrap_or_default();
    html! {
        @match n.cause {
            LockCause::Administrator => {
                (t("管理员锁定", "Locked by an administrator")) "（" (n.by) "）"
            }
            LockCause::System => {
                (t("系统自动锁定，待管理员核查", "Locked by SIRM pending review"))
            }
            LockCause::Retired => {
                (t("账号已注销", "Retired")) "（" (n.by) "）"
            }
            LockCause::FailedSignIns => {
                @if n.whole_account {
                    (t("多个地址连续登录失败，账户暂时锁定", "Failed sign-ins from several addresses: account locked for a while"))
                } @else {
                    (t("连续登录失败，", "Failed sign-ins: ")) (n.sources) (t(" 个来源地址暂时锁定", " source address(es) locked for a while"))
                }
                br;
                small { (t("至 ", "until ")) (until) (t("（北京时间，到时自动解除；解锁可立即解除）", " (Beijing time; ends by itself, or unlock now)")) }
            }
        }
        br;
        small.lock-time { (when) (t("（北京时间）", " (Beijing time)")) }
        @if !n.reason.is_empty() && n.cause != LockCause::FailedSignIns {
            br;
            small { (t("理由：", "Reason: ")) (n.reason) }
        }
    }
}

pub async fn users(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    users_page(&st, &c, None, None).await
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
    let res = st
        .sirm
        .add_user(&c.principal, &f.username, &f.display_name)
        .await;
    // Refused: the form again as typed; created: empty for the next one.
    let typed = res.is_err().then_some(&f);
    let msg = outcome(res, |i| {
        format!("已创建 {}，初始密码（首次登录须修改）Created {}; issued password (must be changed at first sign-in): {}", i.username, i.username, i.password)
    });
    with_status(users_page(&st, &c, msg.clone(), typed).await, &msg)
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
    let msg = match action.as_str() {
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
        other => Some(super::ui::Outcome::Err(ApiError::bad_request(format!(
            "action: unknown action {other:?}"
        )))),
    };
    with_status(users_page(&st, &c, msg.clone(), None).await, &msg)
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
                    td { @if r.action == sirm_domain::status::RoleAction::Revoke { (t("撤销", "revoke")) } @else { (t("授予", "grant")) } }
                    td { (r.username) }
                    td { (role_label(&r.role)) }
                    td { (r.requested_by) }
                    td { (r.reason) }
                    td { (status_zh(r.status.as_str())) }
                    td {
                        @if r.status == sirm_domain::status::RoleRequestStatus::Pending {
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
    let msg = outcome(
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
    with_status(requests_page(&st, &c, msg.clone()).await, &msg)
}
