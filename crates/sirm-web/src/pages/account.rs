//! Self-service: change password, enrol a second factor.

use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;

use super::{csrf_field, esc, notice, page, t};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

fn policy_text(p: &sirm_domain::access::PasswordPolicy) -> String {
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
    format!(
        "{zh}。<span class=\"en\">{en} (policy {}).</span>",
        p.profile.as_str()
    )
}

fn password_body(
    csrf: &str,
    msg: Option<(&str, &str)>,
    policy: &sirm_domain::access::PasswordPolicy,
    pending: bool,
) -> String {
    let why = if pending {
        format!(
            "<div class=\"err\" id=\"pending\">{}</div>",
            t(
                "首次登录或密码已到期：请先设置新密码，然后才能使用其他功能。",
                "First sign-in or expired password: set a new password before anything else."
            )
        )
    } else {
        String::new()
    };
    format!(
        "<h1>{}</h1>{why}{}<p>{}</p><form method=\"post\" action=\"/account/password\" id=\"password\">{}\
         <label>{} <input name=\"current\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <label>{} <input name=\"new\" type=\"password\" autocomplete=\"new-password\" required></label>\
         <label>{} <input name=\"confirm\" type=\"password\" autocomplete=\"new-password\" required></label>\
         <button type=\"submit\">{}</button></form>",
        t("修改密码", "Change password"),
        msg.map(|(c, m)| notice(c, m)).unwrap_or_default(),
        policy_text(policy),
        csrf_field(csrf),
        t("当前密码", "Current password"),
        t("新密码", "New password"),
        t("再次输入新密码", "New password again"),
        t("保存", "Save"),
    )
}

pub async fn password_form(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Response {
    let pending = c.principal.pending == Some(sirm_app::Pending::PasswordChange);
    page(
        "修改密码 Password",
        Some((&c.principal, &c.csrf)),
        &password_body(&c.csrf, None, &st.sirm.password_policy(), pending),
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
            let next = if p.pending == Some(sirm_app::Pending::SecondFactorEnrolment) {
                format!(
                    "<p><a id=\"next\" href=\"/account/totp\">{}</a></p>",
                    t("下一步：绑定第二因素", "Next: enrol a second factor")
                )
            } else {
                format!(
                    "<p><a id=\"next\" href=\"/home\">{}</a></p>",
                    t("进入工作台", "Go to the workbench")
                )
            };
            let body = format!(
                "<h1>{}</h1>{}{next}",
                t("修改密码", "Change password"),
                notice("ok", "密码已修改。Password changed.")
            );
            page("修改密码 Password", Some((&p, &c.csrf)), &body)
        }
        Err(e) => {
            let e = ApiError::from(e);
            let mut r = page(
                "修改密码 Password",
                Some((&c.principal, &c.csrf)),
                &password_body(&c.csrf, Some(("err", &e.message)), &policy, pending),
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
    let current = if enrolled {
        format!(
            "<p>{}</p><label>{} <input name=\"current_password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <label>{} <input name=\"current_code\" autocomplete=\"one-time-code\" required></label>",
            t("更换第二因素须输入当前密码和当前验证器的动态口令（或一个恢复码）。", "Replacing your second factor needs your current password and a code of your current authenticator (or a recovery code)."),
            t("当前密码", "Current password"),
            t("当前动态口令或恢复码", "Current code or recovery code"),
        )
    } else {
        String::new()
    };
    match st.sirm.totp_begin(&c.principal).await {
        Ok(en) => {
            let body = format!(
                "<h1>{}</h1><p>{}</p><p><code id=\"secret\">{}</code></p><p class=\"en\"><code>{}</code></p>\
                 <form method=\"post\" action=\"/account/totp\" id=\"totp\">{}<input type=\"hidden\" name=\"secret\" value=\"{}\">{current}\
                 <label>{} <input name=\"code\" inputmode=\"numeric\" required></label><button type=\"submit\">{}</button></form>",
                t("绑定第二因素", "Enrol a second factor"),
                t("在身份验证器应用中添加以下密钥，然后输入显示的 6 位动态口令。", "Add this secret to an authenticator app (RFC 6238), then enter the 6-digit code it shows."),
                esc(&en.secret),
                esc(&en.otpauth_uri),
                csrf_field(&c.csrf),
                esc(&en.secret),
                t("动态口令", "Code"),
                t("确认", "Confirm"),
            );
            page(
                "第二因素 Second factor",
                Some((&c.principal, &c.csrf)),
                &body,
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
            let list: Vec<String> = codes
                .iter()
                .map(|c| format!("<li><code>{}</code></li>", esc(c)))
                .collect();
            let body = format!(
                "{}<p>{}</p><ol id=\"recovery\">{}</ol><p><a href=\"/home\">{}</a></p>",
                notice("ok", "第二因素已绑定。Second factor enrolled."),
                t(
                    "请离线保存以下一次性恢复码，每个只能使用一次：",
                    "Keep these one-time recovery codes offline; each works once:"
                ),
                list.join(""),
                t("进入工作台", "Go to the workbench"),
            );
            page(
                "第二因素 Second factor",
                Some((&c.principal, &c.csrf)),
                &body,
            )
        }
        Err(e) => super::error_page(ApiError::from(e)),
    }
}
