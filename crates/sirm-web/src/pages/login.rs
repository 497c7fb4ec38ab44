//! Sign-in and sign-out pages, the landing page, and online activation.

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use rand::RngCore;
use serde::Deserialize;

use super::{csrf_field, esc, layout, notice, t};
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
    body: impl FnOnce(&str) -> String,
) -> Response {
    let token = random_token();
    let mut r = (status, layout(title, None, &body(&token))).into_response();
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

fn login_body(
    token: &str,
    next: &str,
    error: Option<&str>,
    need_code: bool,
    username: &str,
) -> String {
    format!(
        "<h1>{}</h1>{}<form method=\"post\" action=\"/login\" id=\"login\">{}<input type=\"hidden\" name=\"next\" value=\"{}\">\
         <label>{} <input name=\"username\" autocomplete=\"username\" required value=\"{}\"></label>\
         <label>{} <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <label>{} <input name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" placeholder=\"123456\"></label>{}\
         <button type=\"submit\">{}</button></form><p><a href=\"/activate\">{}</a></p>",
        t("登录", "Sign in"),
        error.map(|e| notice("err", e)).unwrap_or_default(),
        csrf_field(token),
        esc(next),
        t("用户名", "Username"),
        esc(username),
        t("密码", "Password"),
        t("动态口令或恢复码", "Authenticator code or recovery code"),
        if need_code { format!("<p class=\"en\">{}</p>", t("此账户需要第二因素。", "This account needs its second factor.")) } else { String::new() },
        t("登录", "Sign in"),
        t("参保人员开通网上账户", "Insured persons: activate your portal account"),
    )
}

pub async fn login_form(State(st): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    public_form(&st, StatusCode::OK, "登录 Sign in", |tok| {
        login_body(tok, &next, None, false, "")
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
            let msg = ApiError::from(e).message;
            public_form(&st, StatusCode::UNAUTHORIZED, "登录 Sign in", |tok| {
                login_body(tok, &next, Some(&msg), need, &f.username)
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

fn activate_body(token: &str, msg: Option<(&str, &str)>, f: Option<&ActivateForm>) -> String {
    let v = |get: fn(&ActivateForm) -> &str| esc(f.map(get).unwrap_or(""));
    if matches!(msg, Some(("ok", _))) {
        return format!(
            "<h1>{}</h1>{}<p><a id=\"signin\" href=\"/login\">{}</a></p>",
            t("开通网上账户", "Activate your portal account"),
            notice("ok", msg.map(|(_, m)| m).unwrap_or("")),
            t("现在登录", "Sign in now")
        );
    }
    format!(
        "<h1>{}</h1><p>{}</p>{}<form method=\"post\" action=\"/activate\" id=\"activate\">{}\
         <label>{} <input name=\"id\" required maxlength=\"18\" value=\"{}\"></label>\
         <label>{} <input name=\"name\" required value=\"{}\"></label>\
         <label>{} <input name=\"code\" required inputmode=\"numeric\" value=\"{}\"></label>\
         <label>{} <input name=\"username\" required value=\"{}\"></label>\
         <label>{} <input name=\"password\" type=\"password\" autocomplete=\"new-password\" required></label>\
         <button type=\"submit\">{}</button></form>",
        t("开通网上账户", "Activate your portal account"),
        t("激活码由经办机构柜台在核验身份证件后发放。", "The activation code is issued at the agency counter after your ID document is checked."),
        msg.map(|(c, m)| notice(c, m)).unwrap_or_default(),
        csrf_field(token),
        t("公民身份号码", "Resident ID number"),
        v(|f| &f.id),
        t("姓名", "Name"),
        v(|f| &f.name),
        t("激活码", "Activation code"),
        v(|f| &f.code),
        t("设置用户名", "Choose a username"),
        v(|f| &f.username),
        t("设置密码", "Choose a password"),
        t("开通", "Activate"),
    )
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
        Ok(()) => public_form(&st, StatusCode::OK, "开通账户 Activate", |tok| {
            activate_body(
                tok,
                Some(("ok", "账户已开通，请登录。Your account is active: sign in.")),
                None,
            )
        }),
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status;
            public_form(&st, status, "开通账户 Activate", |tok| {
                activate_body(tok, Some(("err", &e.message)), Some(&f))
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
    let (size, root, time) = match sirm.store.head().await {
        Ok(Some(cp)) => (
            cp.checkpoint.tree_size.to_string(),
            hex::encode(cp.checkpoint.root),
            sirm_ledger::format_time(&cp.checkpoint.time),
        ),
        _ => ("0".into(), "—".into(), "—".into()),
    };
    let body = format!(
        "<h1>{title}</h1><p>{agency} <span class=\"en\">({origin})</span></p>\
         <p><a href=\"/login\">{signin}</a> · <a href=\"/activate\">{activate}</a></p>\
         <h2>{ledger}</h2><table>\
         <tr><th>{entries}</th><td>{size}</td></tr><tr><th>{rootl}</th><td><code>{root}</code></td></tr>\
         <tr><th>{signed}</th><td>{time}</td></tr><tr><th>{keyid}</th><td><code>{key_id}</code></td></tr></table>\
         <p><a href=\"/api/v1/ledger/checkpoint\">{cp}</a> · <a href=\"/api/v1/openapi.json\">OpenAPI</a></p>",
        title = t("社会保险个人权益记录管理系统", "SIRM — social insurance rights records"),
        agency = esc(&sirm.config.agency_name),
        origin = esc(&sirm.config.origin),
        signin = t("工作人员与参保人员登录", "Sign in"),
        activate = t("开通网上账户", "Activate a portal account"),
        ledger = t("账本", "Ledger"),
        entries = t("记录条数", "entries"),
        rootl = t("树根", "root"),
        signed = t("签名时间", "signed at"),
        keyid = t("公钥标识", "key id"),
        key_id = esc(&sirm.public_key.key_id()),
        cp = t("已签名检查点", "signed checkpoint"),
    );
    super::page("SIRM", None, &body)
}

fn reset_body(token: &str, msg: Option<(&str, &str)>, username: &str) -> String {
    if matches!(msg, Some(("ok", _))) {
        return format!(
            "<h1>{}</h1>{}<p><a id=\"signin\" href=\"/login\">{}</a></p>",
            t("重置密码", "Reset your password"),
            notice("ok", msg.map(|(_, m)| m).unwrap_or("")),
            t("现在登录", "Sign in now")
        );
    }
    format!(
        "<h1>{}</h1><p>{}</p>{}<form method=\"post\" action=\"/reset\" id=\"reset\" autocomplete=\"off\">{}\
         <label>{} <input name=\"username\" required value=\"{}\"></label>\
         <label>{} <input name=\"code\" required placeholder=\"XXXX-XXXX-XXXX-XXXX\"></label>\
         <label>{} <input name=\"new_password\" type=\"password\" autocomplete=\"new-password\" required></label>\
         <button type=\"submit\">{}</button></form>",
        t("重置密码", "Reset your password"),
        t("重置码由系统管理员（工作人员账户）或经办机构柜台（参保人员、单位经办人、被委托人，须核验身份证件）发放，只能使用一次，24 小时内有效。", "A reset code is issued by the system administrator (staff accounts) or at the agency counter after an ID check (insured persons, employer agents, delegates); it works once, within 24 hours."),
        msg.map(|(c, m)| notice(c, m)).unwrap_or_default(),
        csrf_field(token),
        t("用户名", "Username"),
        esc(username),
        t("重置码", "Reset code"),
        t("新密码", "New password"),
        t("设置新密码", "Set the new password"),
    )
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
        Ok(()) => public_form(&st, StatusCode::OK, "重置密码 Reset", |tok| {
            reset_body(
                tok,
                Some((
                    "ok",
                    "新密码已设置，请登录。Your new password is set: sign in.",
                )),
                &f.username,
            )
        }),
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status;
            public_form(&st, status, "重置密码 Reset", |tok| {
                reset_body(tok, Some(("err", &e.message)), &f.username)
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
