//! Self-service: change password, enrol a second factor.

use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;

use super::ui::{csrf, notice, page, t, FieldKind, Outcome};
use super::ui::{hidden, FormField, Input};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

fn policy_text(p: &sirm_domain::access::PasswordPolicy) -> Markup {
    let mut zh = format!("至少 {} 位", p.min_length);
    let mut en = format!("at least {} characters", p.min_length);
    if p.min_classes > 1 {
        zh.push_str(&format!(
            "，包含大写字母、小写字母、数字、符号中的至少 {} 类",
            p.min_classes
        ));
        en.push_str(&format!(
            ", from at least {} of: upper-case, lower-case, digits, symbols",
            p.min_classes
        ));
    }
    if p.reject_common {
        zh.push_str("，不得使用常见密码");
        en.push_str(", not a common password");
    }
    if p.history > 1 {
        zh.push_str(&format!("，不得与最近 {} 次密码相同", p.history));
        en.push_str(&format!(", not one of your last {}", p.history));
    }
    if let Some(d) = p.max_age_days {
        zh.push_str(&format!("，每 {d} 天更换"));
        en.push_str(&format!(", changed every {d} days"));
    }
    html! { (zh) "。" span.en { (en) " (policy " (p.profile.as_str()) ")." } }
}

const CURRENT: Input = FormField::new(
    "current",
    "当前密码",
    "Current password",
    FieldKind::Password,
)
.input()
.with_autocomplete("current-password");
const NEW: Input = FormField::new("new", "新密码", "New password", FieldKind::Password)
    .input()
    .with_autocomplete("new-password");
const CONFIRM: Input = FormField::new(
    "confirm",
    "再次输入新密码",
    "New password again",
    FieldKind::Password,
)
.input()
.with_autocomplete("new-password");
const CURRENT_PASSWORD: Input = FormField::new(
    "current_password",
    "当前密码",
    "Current password",
    FieldKind::Password,
)
.input()
.with_autocomplete("current-password");
const CURRENT_CODE: Input = FormField::new(
    "current_code",
    "当前动态口令或恢复码",
    "Current code or recovery code",
    FieldKind::Text,
)
.input()
.with_autocomplete("one-time-code");
const CODE: Input = FormField::new("code", "动态口令", "Code", FieldKind::Text)
    .input()
    .with_inputmode("numeric");

fn password_body(
    token: &str,
    msg: Option<Outcome>,
    policy: &sirm_domain::access::PasswordPolicy,
    pending: bool,
) -> Markup {
    html! {
        h1 { (t("修改密码", "Change password")) }
        @if pending {
            div.err id="pending" {
                (t(
                    "首次登录或密码已到期：请先设置新密码，然后才能使用其他功能。",
                    "First sign-in or expired password: set a new password before anything else."
                ))
            }
        }
        (Outcome::render_opt(msg.as_ref()))
        p { (policy_text(policy)) }
        form method="post" action="/account/password" id="password" {
            (csrf(token))
            (CURRENT.empty())
            (NEW.empty())
            (CONFIRM.empty())
            button type="submit" { (t("保存", "Save")) }
        }
    }
}

pub async fn password_form(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Response {
    let pending = c.principal.pending == Some(sirm_app::Pending::PasswordChange);
    page(
        "修改密码 Password",
        Some((&c.principal, &c.csrf)),
        password_body(&c.csrf, None, &st.sirm.password_policy(), pending),
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    pub current: String,
    pub new: String,
    #[serde(default)]
    pub confirm: String,
}

pub async fn password_submit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<PasswordForm>,
) -> Response {
    let policy = st.sirm.password_policy();
    let pending = c.principal.pending == Some(sirm_app::Pending::PasswordChange);
    let result = if f.new != f.confirm {
        Err(sirm_app::AppError::invalid(
            "confirm",
            "the two new passwords differ / 两次输入的新密码不一致",
        ))
    } else {
        st.sirm
            .change_password(&c.principal, &f.current, &f.new)
            .await
    };
    match result {
        Ok(()) => {
            // Reload: the pending task may be gone.
            let p = st
                .sirm
                .principal(&c.principal.username, &c.principal.source)
                .await
                .unwrap_or(c.principal.clone());
            let (href, zh, en) = if p.pending == Some(sirm_app::Pending::SecondFactorEnrolment) {
                (
                    "/account/totp",
                    "下一步：绑定第二因素",
                    "Next: enrol a second factor",
                )
            } else {
                ("/home", "进入工作台", "Go to the workbench")
            };
            let body = html! {
                h1 { (t("修改密码", "Change password")) }
                (notice("ok", "密码已修改。Password changed."))
                p { a id="next" href=(href) { (t(zh, en)) } }
            };
            page("修改密码 Password", Some((&p, &c.csrf)), body)
        }
        Err(e) => {
            let e = ApiError::from(e);
            let mut r = page(
                "修改密码 Password",
                Some((&c.principal, &c.csrf)),
                password_body(&c.csrf, Some(Outcome::Err(e.clone())), &policy, pending),
            );
            *r.status_mut() = e.status;
            r
        }
    }
}

pub async fn totp_form(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let enrolled = st
        .sirm
        .second_factor_enrolled(&c.principal)
        .await
        .unwrap_or(true);
    match st.sirm.totp_begin(&c.principal).await {
        Ok(en) => {
            let body = html! {
                h1 { (t("绑定第二因素", "Enrol a second factor")) }
                p { (t("在身份验证器应用中添加以下密钥，然后输入显示的 6 位动态口令。", "Add this secret to an authenticator app (RFC 6238), then enter the 6-digit code it shows.")) }
                p { code id="secret" { (en.secret) } }
                p.en { code { (en.otpauth_uri) } }
                form method="post" action="/account/totp" id="totp" {
                    (csrf(&c.csrf))
                    (hidden("secret", &en.secret))
                    @if enrolled {
                        p { (t("更换第二因素须输入当前密码和当前验证器的动态口令（或一个恢复码）。", "Replacing your second factor needs your current password and a code of your current authenticator (or a recovery code).")) }
                        (CURRENT_PASSWORD.empty())
                        (CURRENT_CODE.empty())
                    }
                    (CODE.empty())
                    button type="submit" { (t("确认", "Confirm")) }
                }
            };
            page(
                "第二因素 Second factor",
                Some((&c.principal, &c.csrf)),
                body,
            )
        }
        Err(e) => super::error_page(ApiError::from(e)),
    }
}

#[derive(Deserialize)]
pub struct TotpForm {
    pub secret: String,
    pub code: String,
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub current_code: String,
}

pub async fn totp_submit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<TotpForm>,
) -> Response {
    match st
        .sirm
        .totp_confirm(
            &c.principal,
            &f.secret,
            &f.code,
            Some((f.current_password.as_str(), f.current_code.as_str())),
        )
        .await
    {
        Ok(codes) => {
            let body = html! {
                (notice("ok", "第二因素已绑定。Second factor enrolled."))
                p {
                    (t(
                        "请离线保存以下一次性恢复码，每个只能使用一次：",
                        "Keep these one-time recovery codes offline; each works once:"
                    ))
                }
                ol #recovery { @for code in &codes { li { code { (code) } } } }
                p { a href="/home" { (t("进入工作台", "Go to the workbench")) } }
            };
            page(
                "第二因素 Second factor",
                Some((&c.principal, &c.csrf)),
                body,
            )
        }
        Err(e) => super::error_page(ApiError::from(e)),
    }
}
