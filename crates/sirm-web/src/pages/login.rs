//! Sign-in and sign-out pages, the landing page, and online activation.

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use rand::RngCore;
use serde::Deserialize;

use super::ui::{csrf, error_notice, layout, notice, t, FieldKind, Outcome};
use super::ui::{hidden, FormField, Input};
use crate::error::ApiError;
use crate::routes::{set_cookie, Caller, Source, PRELOGIN_COOKIE, SESSION_COOKIE};
use crate::AppState;

pub(crate) fn random_token() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Where to go after signing in: only a path of this site. Anything a
/// browser could read as another origin (`//host`, `/\\host`, a scheme,
/// control characters, a backslash anywhere) falls back to `/home`.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    let ok = |n: &str| {
        n.starts_with('/')
            && n.len() <= 2000
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(|c| c.is_control() || c.is_whitespace())
            && n.parse::<axum::http::Uri>().is_ok_and(|u| {
                u.scheme().is_none() && u.authority().is_none() && u.path().starts_with('/')
            })
    };
    match next {
        Some(n) if ok(n) => n.to_string(),
        _ => "/home".into(),
    }
}

/// Render a public form page with a fresh pre-login anti-forgery cookie.
pub(crate) fn public_form(
    st: &AppState,
    status: StatusCode,
    title: &str,
    body: impl FnOnce(&str) -> Markup,
) -> Response {
    let token = random_token();
    let mut r = (status, layout(title, None, body(&token))).into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        PRELOGIN_COOKIE,
        &token,
        st.sirm.config.security.secure_cookies,
        None,
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

const USERNAME: Input = FormField::new("username", "用户名", "Username", FieldKind::Text)
    .input()
    .with_autocomplete("username");
const PASSWORD: Input = FormField::new("password", "密码", "Password", FieldKind::Password)
    .input()
    .with_autocomplete("current-password");
const SECOND_FACTOR: Input = FormField::new(
    "code",
    "动态口令或恢复码",
    "Authenticator code or recovery code",
    FieldKind::Text,
)
.optional()
.input()
.with_inputmode("numeric")
.with_autocomplete("one-time-code")
.with_placeholder("123456");

fn login_body(
    token: &str,
    next: &str,
    error: Option<&ApiError>,
    need_code: bool,
    username: &str,
) -> Markup {
    html! {
        h1 { (t("登录", "Sign in")) }
        @if let Some(e) = error { (error_notice(e)) }
        form method="post" action="/login" id="login" {
            (csrf(token))
            (hidden("next", next))
            (USERNAME.render(Some(username)))
            (PASSWORD.empty())
            (SECOND_FACTOR.empty())
            @if need_code {
                p.en { (t("此账户需要第二因素。", "This account needs its second factor.")) }
            }
            button type="submit" { (t("登录", "Sign in")) }
        }
        p { a href="/activate" { (t("参保人员开通网上账户", "Insured persons: activate your portal account")) } }
    }
}

pub async fn login_form(State(st): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    // Sent here from a page: say why (not signed in, or the session ended).
    let why = q.next.is_some().then(|| {
        ApiError::from(sirm_app::AppError::unauthenticated(
            sirm_domain::RuleId::SignInRequired,
            "sign in to continue (not signed in, or the session has ended)",
        ))
    });
    public_form(&st, StatusCode::OK, "登录 Sign in", |tok| {
        login_body(tok, &next, why.as_ref(), false, "")
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub next: String,
}

pub async fn login_submit(
    State(st): State<AppState>,
    Extension(Source(source)): Extension<Source>,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(Some(&f.next));
    let code = Some(f.code.as_str()).filter(|c| !c.trim().is_empty());
    match st.sirm.login(&f.username, &f.password, code, &source).await {
        Ok(s) => {
            let target = match s.principal.pending {
                Some(sirm_app::Pending::PasswordChange) => "/account/password".to_string(),
                Some(sirm_app::Pending::SecondFactorEnrolment) => "/account/totp".to_string(),
                None => next,
            };
            let mut r = Redirect::to(&target).into_response();
            if let Ok(v) = HeaderValue::from_str(&set_cookie(
                SESSION_COOKIE,
                &s.token,
                st.sirm.config.security.secure_cookies,
                None,
            )) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            let need = matches!(e, sirm_app::AppError::SecondFactorRequired);
            let e = ApiError::from(e);
            public_form(&st, StatusCode::UNAUTHORIZED, "登录 Sign in", |tok| {
                login_body(tok, &next, Some(&e), need, &f.username)
            })
        }
    }
}

pub async fn logout(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Extension(Source(source)): Extension<Source>,
) -> Response {
    let _ = st.sirm.logout(&c.token, &source).await;
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        SESSION_COOKIE,
        "",
        st.sirm.config.security.secure_cookies,
        Some(0),
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// The page after a form that worked: the message and the way to sign in.
fn done_body(title: Markup, msg: &str) -> Markup {
    html! {
        h1 { (title) }
        (notice("ok", msg))
        p { a id="signin" href="/login" { (t("现在登录", "Sign in now")) } }
    }
}

const ACTIVATE_FIELDS: [Input; 4] = [
    FormField::new(
        "id",
        "公民身份号码",
        "Resident ID number",
        FieldKind::ResidentId,
    )
    .input()
    .with_maxlength(18),
    FormField::new("name", "姓名", "Name", FieldKind::Text).input(),
    FormField::new("code", "激活码", "Activation code", FieldKind::Text)
        .input()
        .with_inputmode("numeric"),
    FormField::new(
        "username",
        "设置用户名",
        "Choose a username",
        FieldKind::Text,
    )
    .input(),
];
const NEW_PASSWORD: Input = FormField::new(
    "password",
    "设置密码",
    "Choose a password",
    FieldKind::Password,
)
.input()
.with_autocomplete("new-password");

fn activate_body(token: &str, msg: Option<&Outcome>, f: Option<&ActivateForm>) -> Markup {
    if let Some(Outcome::Ok(m)) = msg {
        return done_body(t("开通网上账户", "Activate your portal account"), m);
    }
    let value = |name: &str| -> &str {
        match (f, name) {
            (Some(f), "id") => &f.id,
            (Some(f), "name") => &f.name,
            (Some(f), "code") => &f.code,
            (Some(f), "username") => &f.username,
            _ => "",
        }
    };
    html! {
        h1 { (t("开通网上账户", "Activate your portal account")) }
        p { (t("激活码由经办机构柜台在核验身份证件后发放。", "The activation code is issued at the agency counter after your ID document is checked.")) }
        (Outcome::render_opt(msg))
        form method="post" action="/activate" id="activate" {
            (csrf(token))
            @for field in &ACTIVATE_FIELDS { (field.render(Some(value(field.field.name)))) }
            (NEW_PASSWORD.empty())
            button type="submit" { (t("开通", "Activate")) }
        }
    }
}

pub async fn activate_form(State(st): State<AppState>) -> Response {
    public_form(&st, StatusCode::OK, "开通账户 Activate", |tok| {
        activate_body(tok, None, None)
    })
}

#[derive(Deserialize)]
pub struct ActivateForm {
    pub id: String,
    pub name: String,
    pub code: String,
    pub username: String,
    pub password: String,
}

pub async fn activate_submit(
    State(st): State<AppState>,
    Extension(Source(source)): Extension<Source>,
    Form(f): Form<ActivateForm>,
) -> Response {
    match st
        .sirm
        .activate(&f.id, &f.name, &f.code, &f.username, &f.password, &source)
        .await
    {
        Ok(()) => {
            let done = Outcome::Ok("账户已开通，请登录。Your account is active: sign in.".into());
            public_form(&st, StatusCode::OK, "开通账户 Activate", |tok| {
                activate_body(tok, Some(&done), None)
            })
        }
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status;
            let refused = Outcome::Err(e);
            public_form(&st, status, "开通账户 Activate", |tok| {
                activate_body(tok, Some(&refused), Some(&f))
            })
        }
    }
}

/// The landing page: what this installation is and where the ledger stands.
pub async fn index(State(st): State<AppState>) -> Response {
    if st.kiosk_mode {
        return axum::response::Redirect::to("/kiosk").into_response();
    }
    let sirm = &st.sirm;
    let (size, root, time) = match sirm.ledger_head().await {
        Ok(Some(cp)) => (
            cp.checkpoint.tree_size.to_string(),
            hex::encode(cp.checkpoint.root),
            sirm_ledger::format_time(&cp.checkpoint.time),
        ),
        _ => ("0".into(), "—".into(), "—".into()),
    };
    let key_id = sirm.public_key.key_id();
    let body = html! {
        h1 { (t("社会保险个人权益记录管理系统", "SIRM — social insurance rights records")) }
        p { (sirm.config.agency_name) " " span.en { "(" (sirm.config.origin) ")" } }
        p {
            a href="/login" { (t("工作人员与参保人员登录", "Sign in")) }
            " · "
            a href="/activate" { (t("开通网上账户", "Activate a portal account")) }
        }
        h2 { (t("账本", "Ledger")) }
        table {
            tr { th { (t("记录条数", "entries")) } td { (size) } }
            tr { th { (t("树根", "root")) } td { code { (root) } } }
            tr { th { (t("签名时间", "signed at")) } td { (time) } }
            tr { th { (t("公钥标识", "key id")) } td { code { (key_id) } } }
        }
        p {
            a href="/api/v1/ledger/checkpoint" { (t("已签名检查点", "signed checkpoint")) }
            " · "
            a href="/api/v1/openapi.json" { "OpenAPI" }
        }
    };
    super::ui::page("SIRM", None, body)
}

const RESET_USERNAME: Input =
    FormField::new("username", "用户名", "Username", FieldKind::Text).input();
const RESET_CODE: Input = FormField::new("code", "重置码", "Reset code", FieldKind::Text)
    .input()
    .with_placeholder("XXXX-XXXX-XXXX-XXXX");
const RESET_PASSWORD: Input = FormField::new(
    "new_password",
    "新密码",
    "New password",
    FieldKind::Password,
)
.input()
.with_autocomplete("new-password");

fn reset_body(token: &str, msg: Option<&Outcome>, username: &str) -> Markup {
    if let Some(Outcome::Ok(m)) = msg {
        return done_body(t("重置密码", "Reset your password"), m);
    }
    html! {
        h1 { (t("重置密码", "Reset your password")) }
        p { (t("重置码由系统管理员（工作人员账户）或经办机构柜台（参保人员、单位经办人、被委托人，须核验身份证件）发放，只能使用一次，24 小时内有效。", "A reset code is issued by the system administrator (staff accounts) or at the agency counter after an ID check (insured persons, employer agents, delegates); it works once, within 24 hours.")) }
        (Outcome::render_opt(msg))
        form method="post" action="/reset" id="reset" autocomplete="off" {
            (csrf(token))
            (RESET_USERNAME.render(Some(username)))
            (RESET_CODE.empty())
            (RESET_PASSWORD.empty())
            button type="submit" { (t("设置新密码", "Set the new password")) }
        }
    }
}

pub async fn reset_form(State(st): State<AppState>) -> Response {
    public_form(&st, StatusCode::OK, "重置密码 Reset", |tok| {
        reset_body(tok, None, "")
    })
}

#[derive(Deserialize)]
pub struct ResetForm {
    pub username: String,
    pub code: String,
    pub new_password: String,
}

pub async fn reset_submit(
    State(st): State<AppState>,
    Extension(Source(source)): Extension<Source>,
    Form(f): Form<ResetForm>,
) -> Response {
    match st
        .sirm
        .complete_reset(&f.username, &f.code, &f.new_password, &source)
        .await
    {
        Ok(()) => {
            let done =
                Outcome::Ok("新密码已设置，请登录。Your new password is set: sign in.".into());
            public_form(&st, StatusCode::OK, "重置密码 Reset", |tok| {
                reset_body(tok, Some(&done), &f.username)
            })
        }
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status;
            let refused = Outcome::Err(e);
            public_form(&st, status, "重置密码 Reset", |tok| {
                reset_body(tok, Some(&refused), &f.username)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_origin_paths() {
        for good in ["/home", "/my/record?year=2024", "/applications/APP-1"] {
            assert_eq!(safe_next(Some(good)), good);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "\\\\evil.example",
            "https://evil.example",
            "http:/evil.example",
            "evil.example",
            "/ /evil",
            "/\t/evil.example",
            "/%0d%0aSet-Cookie:x",
            "",
        ] {
            let got = safe_next(Some(bad));
            assert!(
                got == "/home" || (bad.starts_with("/%") && got == bad),
                "{bad:?} -> {got:?}"
            );
        }
        assert_eq!(safe_next(None), "/home");
    }
}
