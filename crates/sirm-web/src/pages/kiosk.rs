//! The self-service terminal (自助终端, Art 14): the portal in kiosk mode —
//! large type, an on-screen keypad, sign-in with the resident ID number and
//! the query PIN set at the counter (no account needed), automatic sign-out
//! after 60 s without input (in the page and on the server), no browser
//! chrome needed. `sirm serve --kiosk` sends `/` here.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;
use sirm_app::query::Channel;
use sirm_app::Principal;
use sirm_domain::id::PersonKey;

use super::ui::{csrf, t, FieldKind};
use super::ui::{FormField, Input};
use crate::routes::{cookie, set_cookie, Source, PRELOGIN_COOKIE};
use crate::AppState;

pub const KIOSK_COOKIE: &str = "sirm_kiosk";

/// A certificate issued on the terminal: its kind, code and PDF.
type Printed = (sirm_app::certificate::CertificateKind, String, Vec<u8>);

/// Signed-in kiosk sessions (in memory: a terminal session is short-lived
/// and ends with the process).
#[derive(Default)]
pub struct KioskSessions {
    map: Mutex<HashMap<String, (PersonKey, Principal, Instant)>>,
    /// The certificate last issued in a session, for its print view.
    printed: Mutex<HashMap<String, Printed>>,
}

impl KioskSessions {
    /// Idle limit (`SIRM_KIOSK_IDLE_SECONDS`, default 60).
    pub fn idle() -> Duration {
        let secs = std::env::var("SIRM_KIOSK_IDLE_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .filter(|s| *s > 0)
            .unwrap_or(60u64);
        Duration::from_secs(secs)
    }

    fn start(&self, id: PersonKey, who: Principal) -> String {
        let token = super::login::random_token();
        if let Ok(mut m) = self.map.lock() {
            let idle = Self::idle();
            m.retain(|_, (_, _, t)| t.elapsed() < idle);
            m.insert(token.clone(), (id, who, Instant::now()));
            if let Ok(mut p) = self.printed.lock() {
                p.retain(|k, _| m.contains_key(k));
            }
        }
        token
    }

    /// The session of `token` if it has not been idle too long (touching it).
    fn get(&self, token: &str) -> Option<(PersonKey, Principal)> {
        let mut m = self.map.lock().ok()?;
        let idle = Self::idle();
        match m.get_mut(token) {
            Some((id, who, t)) if t.elapsed() < idle => {
                *t = Instant::now();
                Some((id.clone(), who.clone()))
            }
            Some(_) => {
                m.remove(token);
                None
            }
            None => None,
        }
    }

    fn end(&self, token: &str) {
        if let Ok(mut m) = self.map.lock() {
            m.remove(token);
        }
        if let Ok(mut p) = self.printed.lock() {
            p.remove(token);
        }
    }

    fn keep_printed(&self, token: &str, pdf: Printed) {
        if let Ok(mut p) = self.printed.lock() {
            p.insert(token.to_string(), pdf);
        }
    }

    fn printed(&self, token: &str) -> Option<Printed> {
        self.printed.lock().ok()?.get(token).cloned()
    }
}

const KIOSK_STYLE: &str = r#"body{font-family:"Noto Sans CJK SC",system-ui,sans-serif;margin:0;background:#0b4f6c;color:#1f2933;font-size:1.6rem}
main{max-width:60rem;margin:1rem auto;background:#fff;padding:1.5rem;border-radius:.6rem}
h1{font-size:2.4rem;margin:.2rem 0 1rem} h2{font-size:1.8rem} .en{color:#52606d;font-size:.7em}
input{font-size:2rem;padding:.4rem;width:100%;box-sizing:border-box;letter-spacing:.1em}
label{display:block;margin:.6rem 0}
.keys{display:grid;grid-template-columns:repeat(3,1fr);gap:.6rem;margin:1rem 0}
.keys button,.big{font-size:2.2rem;padding:1rem;border-radius:.5rem;border:1px solid #9aa5b1;background:#f5f7fa}
.big{background:#0b4f6c;color:#fff;width:100%}
table{border-collapse:collapse;width:100%;font-size:1.2rem} td,th{padding:.4rem;border-bottom:1px solid #ddd;text-align:left}
.num,.nowrap{white-space:nowrap} td:has(.num){text-align:right} tr.total td{font-weight:bold;border-top:2px solid #9aa5b1}
details.year{overflow-x:auto;margin:.4rem 0;border:1px solid #ddd} details.year>summary{cursor:pointer;padding:.6rem;font-weight:bold}
.err{background:#fde2e2;border:1px solid #e12d39;padding:.8rem;margin:.8rem 0}
.big .en{color:#d9e8f0}
#idle{position:fixed;right:1rem;bottom:1rem;background:#fff;padding:.4rem .8rem;border-radius:.4rem;font-size:1.2rem}"#;

fn kiosk_page(title: &str, body: Markup) -> Html<String> {
    let body = html! {
        body.kiosk {
            main { (body) }
            script src="/static/kiosk.js" {}
        }
    };
    super::ui::document(title, KIOSK_STYLE, html! {}, body)
}

/// The on-screen keypad's digit keys (and `X`, the ID number's check letter).
const KEYS: [&str; 11] = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0"];

const ID_NUMBER: Input = FormField::new(
    "id_number",
    "公民身份号码",
    "Resident ID number",
    FieldKind::Text,
)
.input()
.with_id("id_number")
.with_maxlength(18)
.with_inputmode("none")
.with_autofocus();
const PIN: Input = FormField::new(
    "pin",
    "查询密码（6 位，柜台设置）",
    "Query PIN (6 digits, set at the counter)",
    FieldKind::Password,
)
.input()
.with_id("pin")
.with_maxlength(6)
.with_inputmode("none");

/// The sign-in screen; after a refusal the ID number typed stays (never
/// the PIN).
fn login_html(token: &str, error: Option<&str>, id_number: Option<&str>) -> Markup {
    html! {
        h1 { (t("社会保险自助查询", "Social insurance self-service")) }
        @if let Some(e) = error { div.err id="err" { (e) } }
        form method="post" action="/kiosk" id="kiosk-login" autocomplete="off" {
            (csrf(token))
            (ID_NUMBER.render(id_number))
            (PIN.empty())
            div.keys {
                @for k in KEYS { button type="button" data-key=(k) { (k) } }
                button type="button" data-key="del" { "⌫" }
            }
            button.big type="submit" { (t("查询", "Look up")) }
        }
        p.en { (t("查询免费。离开时请点“退出”；60 秒无操作自动退出。", "Free of charge. Press “Exit” when you leave; idle for 60 s signs you out.")) }
    }
}

fn with_prelogin(mut r: Response, st: &AppState, token: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        PRELOGIN_COOKIE,
        token,
        st.sirm.config.security.secure_cookies,
        None,
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// The kiosk's sign-in screen.
pub async fn home(State(st): State<AppState>) -> Response {
    let token = super::login::random_token();
    let r = kiosk_page("自助查询", login_html(&token, None, None)).into_response();
    with_prelogin(r, &st, &token)
}

#[derive(Deserialize)]
pub struct KioskLogin {
    pub id_number: String,
    pub pin: String,
}

/// ID number + query PIN: the same checks, refusal and lockout as the
/// telephone channel.
pub async fn login(
    State(st): State<AppState>,
    Extension(Source(source)): Extension<Source>,
    Form(f): Form<KioskLogin>,
) -> Response {
    match st
        .sirm
        .verify_query_pin(&f.id_number, &f.pin, &source, "kiosk")
        .await
    {
        Ok((id, who)) => {
            let token = st.kiosk.start(id, who);
            let mut r = Redirect::to("/kiosk/record").into_response();
            if let Ok(v) = HeaderValue::from_str(&set_cookie(
                KIOSK_COOKIE,
                &token,
                st.sirm.config.security.secure_cookies,
                None,
            )) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(_) => {
            // One Chinese sentence: what is wrong and what to do (the
            // English detail stays in the log, never on the terminal).
            let token = super::login::random_token();
            let typed = f.id_number.trim();
            let mut r = kiosk_page(
                "自助查询",
                login_html(
                    &token,
                    Some("身份号码或查询密码不正确，或查询密码已暂时锁定。请核对后重新输入；忘记查询密码请到柜台重置。"),
                    (!typed.is_empty() && typed.len() <= 18).then_some(typed),
                ),
            )
            .into_response();
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            with_prelogin(r, &st, &token)
        }
    }
}

/// The person's record on the terminal, signed out after the idle limit.
pub async fn record(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let Some((id, who)) = cookie(&headers, KIOSK_COOKIE).and_then(|t| st.kiosk.get(&t)) else {
        return Redirect::to("/kiosk").into_response();
    };
    let view = match st.sirm.query_rights(&who, Channel::Kiosk, &id, None).await {
        Ok(v) => v,
        Err(e) => {
            let m = super::zh::error_zh(&crate::error::ApiError::from(e));
            return kiosk_page("自助查询", html! { div.err { (m) } }).into_response();
        }
    };
    let idle = KioskSessions::idle().as_secs();
    let token = super::login::random_token();
    // A public terminal: the ID number and phone masked (others may look
    // over the person's shoulder).
    let mut record = view.record.clone();
    record.person.id_number = super::portal::mask(&record.person.id_number);
    record.person.phone = mask_phone(&record.person.phone);
    let rights = super::record::rights(&record, super::portal::sections(&view));
    let body = html! {
        form method="post" action="/kiosk/logout" id="exit" {
            (csrf(&token))
            button.big { (t("退出", "Exit")) }
        }
        (rights)
        form method="post" action="/kiosk/certificate" id="print" {
            (csrf(&token))
            button.big name="kind" value="contribution" { (t("打印参保缴费证明", "Print contribution certificate")) }
            " "
            button.big name="kind" value="benefit" { (t("打印待遇领取证明", "Print benefit certificate")) }
        }
        div #idle {
            (t("无操作自动退出", "Signing out in")) " "
            span #left data-idle=(idle) { (idle) }
            " " (t("秒", "s"))
        }
    };
    let mut r = kiosk_page("我的权益记录", body).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    with_prelogin(r, &st, &token)
}

#[derive(Deserialize)]
pub struct KioskCertificate {
    pub kind: String,
}

/// Issue a certificate on the terminal (channel `kiosk`, whole record
/// period) and show the print view: the PDF goes to the printer by itself
/// (`kiosk.js` prints the frame holding it; a terminal's Chromium runs with
/// `--kiosk-printing`, so without a dialog), the page says "请取走证明" and
/// the idle countdown keeps running, then signs the person out.
pub async fn certificate(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<KioskCertificate>,
) -> Response {
    let Some(token) = cookie(&headers, KIOSK_COOKIE) else {
        return Redirect::to("/kiosk").into_response();
    };
    let Some((id, who)) = st.kiosk.get(&token) else {
        return Redirect::to("/kiosk").into_response();
    };
    let result = async {
        let req = sirm_app::certificate::CertificateRequest {
            kind: sirm_app::certificate::CertificateKind::parse(&f.kind)?,
            from: None,
            to: None,
            base_url: super::certificate::base_url(&st, &headers),
        };
        st.sirm
            .issue_certificate(&who, Channel::Kiosk, &id, &req)
            .await
    }
    .await;
    match result {
        Ok(done) => {
            st.kiosk
                .keep_printed(&token, (done.kind, done.code, done.pdf));
            let idle = KioskSessions::idle().as_secs();
            let form_token = super::login::random_token();
            let body = html! {
                h1 #take { "请取走证明" } p.en { "Please take your certificate" }
                p { (t("证明已送往打印机，请在下方出纸口取走。没有出纸？请联系工作人员，或在柜台、网上服务大厅免费出具。",
                       "The certificate was sent to the printer; take it from the tray below. Nothing printed? Ask the staff, or have it issued free at the counter or online.")) }
                iframe #cert src="/kiosk/certificate.pdf" title="证明 PDF" width="100%" height="240" {}
                p { a.big href="/kiosk/record" { (t("返回我的记录", "Back to my record")) } }
                form method="post" action="/kiosk/logout" id="exit" {
                    (csrf(&form_token))
                    button.big { (t("退出", "Exit")) }
                }
                div #idle {
                    (t("无操作自动退出", "Signing out in")) " "
                    span #left data-idle=(idle) { (idle) }
                    " " (t("秒", "s"))
                }
            };
            let mut r = kiosk_page("请取走证明", body).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            with_prelogin(r, &st, &form_token)
        }
        Err(e) => {
            let m = super::zh::error_zh(&crate::error::ApiError::from(e));
            kiosk_page(
                "自助查询",
                html! {
                    div.err id="err" { (m) }
                    p { a.big href="/kiosk/record" { (t("返回", "Back")) } }
                },
            )
            .into_response()
        }
    }
}

/// The certificate just issued in this terminal session, inline (the print
/// view's frame); 404 without one.
pub async fn printed(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let token = cookie(&headers, KIOSK_COOKIE).filter(|t| st.kiosk.get(t).is_some());
    match token.and_then(|t| st.kiosk.printed(&t)) {
        Some((kind, code, pdf)) => super::certificate::pdf_response(kind, &code, pdf, true),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A phone number with all but its last four digits hidden.
fn mask_phone(phone: &str) -> String {
    let n = phone.chars().count();
    phone
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i + 4 < n && c.is_ascii_digit() {
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// Sign out of the terminal.
pub async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(t) = cookie(&headers, KIOSK_COOKIE) {
        st.kiosk.end(&t);
    }
    let mut r = Redirect::to("/kiosk").into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        KIOSK_COOKIE,
        "",
        st.sirm.config.security.secure_cookies,
        Some(0),
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
