//! The route table: every route with the access it requires. The router is
//! built from this table only (see `lib.rs`), and the route-matrix test walks
//! it for every role — a route without a declared guard cannot exist.
//!
//! The guard is the web half of the one authorization check: it resolves the
//! session, checks CSRF on state-changing requests, and calls
//! `Sirm::authorize` with the route's permission; the use case then checks
//! its own permission again through the same function.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sirm_app::AppError;
use sirm_domain::access::Permission;
use sirm_domain::RuleId;

use crate::error::ApiError;
use crate::ratelimit::RateClass;
use crate::AppState;

pub const SESSION_COOKIE: &str = "sirm_session";
pub const PRELOGIN_COOKIE: &str = "sirm_csrf";

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account, including one with a pending task (password
    /// change, second-factor enrolment) — only self-service routes use this.
    SignedIn,
    /// A signed-in account holding this permission.
    Perm(Permission),
    /// A signed-in account holding any of these (the use case then checks
    /// the exact one, e.g. the permission of the application's next stage).
    AnyPerm(&'static [Permission]),
}

impl Guard {
    /// Does the route administer the installation (see
    /// `Permission::is_administration`)? Such routes answer only the
    /// management terminals (`[server] admin_networks`).
    pub fn administers(&self) -> bool {
        match self {
            Guard::Public | Guard::SignedIn => false,
            Guard::Perm(p) => p.is_administration(),
            Guard::AnyPerm(ps) => ps.iter().all(|p| p.is_administration()),
        }
    }

    /// Would an account with exactly `roles` pass this guard?
    pub fn admits(&self, roles: &[sirm_domain::access::Role]) -> bool {
        match self {
            Guard::Public | Guard::SignedIn => true,
            Guard::Perm(p) => sirm_domain::access::allows(roles, *p),
            Guard::AnyPerm(ps) => ps.iter().any(|p| sirm_domain::access::allows(roles, *p)),
        }
    }
}

/// Does a route answer with JSON or with HTML pages?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Api,
    Page,
}

/// How large a request body a route takes (`[limits]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyClass {
    /// A form or JSON body without files (`limits.form_kib`).
    Form,
    /// An application with its scanned materials (`limits.application_upload_mib`).
    Application,
    /// A declaration file (`limits.declaration_upload_mib`).
    Declaration,
    /// A certificate PDF presented for verification (`limits.certificate_upload_mib`).
    Certificate,
}

impl BodyClass {
    pub fn bytes(self, l: &sirm_app::limits::LimitsConfig) -> usize {
        match self {
            BodyClass::Form => l.form_bytes(),
            BodyClass::Application => l.application_bytes(),
            BodyClass::Declaration => l.declaration_bytes(),
            BodyClass::Certificate => l.certificate_bytes(),
        }
    }

    /// The `[limits]` key of the class.
    pub const fn setting(self) -> &'static str {
        match self {
            BodyClass::Form => "form_kib",
            BodyClass::Application => "application_upload_mib",
            BodyClass::Declaration => "declaration_upload_mib",
            BodyClass::Certificate => "certificate_upload_mib",
        }
    }
}

/// One entry of the route table.
#[derive(Clone, Debug)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub guard: Guard,
    pub kind: Kind,
    /// The per-source rate class; every public route has one.
    pub rate: Option<RateClass>,
    pub body: BodyClass,
}

impl RouteSpec {
    pub const fn new(method: Method, path: &'static str, guard: Guard, kind: Kind) -> Self {
        RouteSpec {
            method,
            path,
            guard,
            kind,
            rate: None,
            body: BodyClass::Form,
        }
    }
    pub const fn rate(mut self, c: RateClass) -> Self {
        self.rate = Some(c);
        self
    }
    pub const fn body(mut self, b: BodyClass) -> Self {
        self.body = b;
        self
    }
}

pub use crate::caller::{Caller, Source};

/// The value of the request cookie `name` (the first of that name in the
/// `Cookie` headers), as sent: no percent-decoding, quotes kept.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(::cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

fn source_of(req: &Request) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// A `Set-Cookie` header value with the project's attributes: `Path=/`,
/// `HttpOnly`, `SameSite=Strict`, `Secure` when asked (HTTPS adds it anyway,
/// see `client_addr`), and `Max-Age` when given (0 removes the cookie).
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = ::cookie::Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(::cookie::SameSite::Strict);
    if secure {
        c = c.secure(true);
    }
    if let Some(a) = max_age {
        c = c.max_age(::cookie::time::Duration::seconds(a));
    }
    c.build().to_string()
}

fn refuse(kind: Kind, e: AppError, path: &str) -> Response {
    match (kind, &e) {
        (Kind::Page, AppError::Unauthenticated { .. }) => {
            let next: String = serde_urlencoded::to_string([("next", path)]).unwrap_or_default();
            let mut r = Redirect::to(&format!("/login?{next}")).into_response();
            if let Ok(v) = set_cookie(SESSION_COOKIE, "", false, Some(0)).parse() {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        (Kind::Page, _) => crate::pages::error_page(ApiError::from(e)),
        (Kind::Api, _) => ApiError::from(e).into_response(),
    }
}

fn csrf_refusal(kind: Kind) -> Response {
    let e = ApiError {
        status: StatusCode::FORBIDDEN,
        code: "csrf",
        rule: Some(RuleId::Csrf),
        field: None,
        message: "表单已失效，请刷新页面后重试 / refused by rule csrf: the form or request is missing a valid anti-forgery token; reload the page and try again".into(),
    };
    match kind {
        Kind::Api => e.into_response(),
        Kind::Page => crate::pages::error_page(e),
    }
}

/// An administrator route asked for from outside `[server] admin_networks`:
/// 403 before any session is looked at, counted in the source's refusal
/// summary, and an alarm (once per source and period, `sirm_app::alarms`).
async fn outside_admin_networks(st: &AppState, spec: &RouteSpec, source: &str) -> Response {
    let what = format!("{} {}", spec.method, spec.path);
    st.sirm
        .refused(source, "admin_network.refused", None, &what);
    st.sirm
        .raise_alarm_or_log(
            sirm_app::alarms::AlarmKind::OutsideAdminNetwork,
            source,
            "",
            &format!("{what} from outside server.admin_networks"),
        )
        .await;
    let e = ApiError {
        status: StatusCode::FORBIDDEN,
        code: "forbidden",
        rule: Some(RuleId::AdminNetworks),
        field: None,
        message: "管理功能只能从管理终端访问 / refused by rule admin-networks: administrator functions answer only the management terminals (server.admin_networks)".into(),
    };
    match spec.kind {
        Kind::Api => e.into_response(),
        Kind::Page => crate::pages::error_page(e),
    }
}

/// A size cap as people read it: "64 MiB", "256 KiB".
pub fn size_text(max: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if max.is_multiple_of(MIB) {
        format!("{} MiB", max / MIB)
    } else {
        format!("{} KiB", max / 1024)
    }
}

fn too_large(kind: Kind, class: BodyClass, max: usize) -> Response {
    let size = size_text(max);
    let e = ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "payload_too_large",
        rule: None,
        field: None,
        message: format!(
            "请求内容超过上限 {size} / the request exceeds the limit of {size} (cap limits.{}); nothing was kept",
            class.setting()
        ),
    };
    match kind {
        Kind::Api => e.into_response(),
        Kind::Page => crate::pages::error_page(e),
    }
}

fn changes_state(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Read a form body's `csrf` field, giving the request back intact.
async fn form_csrf(req: Request) -> Result<(Request, Option<String>), Response> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|_| {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "payload_too_large",
            rule: None,
            field: None,
            message: "请求内容过大或无法读取 / request body too large or unreadable".into(),
        }
        .into_response()
    })?;
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|kv| kv.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

/// How much of a multipart body is read to find its first part.
const MULTIPART_PEEK: usize = 16 * 1024;

/// The `csrf` token of a multipart body, which must be its first part (the
/// pages put the hidden field first). Only the first few KiB are read; the
/// request is given back with the body intact (read part, then the rest).
async fn multipart_csrf(req: Request, boundary: &str) -> (Request, Option<String>) {
    use futures::StreamExt;
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut token = None;
    let mut failed = None;
    loop {
        // Checked after every chunk, however large it was.
        if let Some(t) = first_part_csrf(&buf, boundary) {
            token = t;
            break;
        }
        if buf.len() >= MULTIPART_PEEK {
            break;
        }
        match stream.next().await {
            Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failed = Some(e);
                break;
            }
            None => break,
        }
    }
    let head = futures::stream::iter(
        std::iter::once(Ok::<_, axum::Error>(axum::body::Bytes::from(buf))).chain(failed.map(Err)),
    );
    let body = Body::from_stream(head.chain(stream));
    (Request::from_parts(parts, body), token)
}

/// `Some(token)` when the buffer holds the whole first part (`Some(None)`:
/// the first part is not a `csrf` field, or malformed); `None`: need more.
fn first_part_csrf(buf: &[u8], boundary: &str) -> Option<Option<String>> {
    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }
    let open = format!("--{boundary}\r\n");
    if buf.len() < open.len() {
        return None;
    }
    if !buf.starts_with(open.as_bytes()) {
        return Some(None);
    }
    let rest = &buf[open.len()..];
    let hend = find(rest, b"\r\n\r\n")?;
    let Ok(headers) = std::str::from_utf8(&rest[..hend]) else {
        return Some(None);
    };
    let is_csrf = headers.split("\r\n").any(|l| {
        l.to_ascii_lowercase().starts_with("content-disposition:")
            && l.split(';').any(|p| p.trim() == "name=\"csrf\"")
    });
    if !is_csrf {
        return Some(None);
    }
    let value = &rest[hend + 4..];
    let close = format!("\r\n--{boundary}");
    let vend = find(value, close.as_bytes())?;
    Some(std::str::from_utf8(&value[..vend]).ok().map(str::to_string))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The guard middleware of one route. In order: the per-source rate limit
/// of a public route, the body bound, the session, the anti-forgery token,
/// the route's permission. Anonymous refusals are counted, never written to
/// the ledger one by one (`sirm_app::identity::refusals`).
pub async fn guard(
    State((st, spec)): State<(AppState, RouteSpec)>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = crate::ratelimit::peer(&req);
    let source = source_of(&req);
    if let Some(class) = spec.rate {
        if let Some(t) = st.limiters.refusal(class, ip) {
            st.sirm.refused(&source, "rate_limited", None, class.name());
            return t.respond(spec.kind == Kind::Page);
        }
    }
    if spec.guard.administers() && !st.sirm.config.server.is_admin_source(ip) {
        return outside_admin_networks(&st, &spec, &source).await;
    }
    let max = spec.body.bytes(&st.sirm.config.limits);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return too_large(spec.kind, spec.body, max);
    }
    let req_body = std::mem::take(req.body_mut());
    // A body without a declared length that runs over the cap fails deep in
    // a handler's parser; the flag lets the answer name the cap all the same.
    let over_cap = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = over_cap.clone();
    *req.body_mut() = Body::new(http_body_util::BodyExt::map_err(
        http_body_util::Limited::new(req_body, max),
        move |e| {
            if e.is::<http_body_util::LengthLimitError>() {
                flag.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            e
        },
    ));
    req.extensions_mut().insert(Source(source.clone()));
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    // Where sign-in leads back to: this page; for a form sent after the
    // session ended, whose URL takes only POST, the workbench home (pages
    // send no Referer: `Referrer-Policy: no-referrer`).
    let return_to = if req.method() == Method::GET {
        path.clone()
    } else {
        "/home".to_string()
    };
    let cookie_token = cookie(&headers, SESSION_COOKIE).filter(|t| !t.is_empty());
    let bearer_token = bearer(&headers);
    let via_cookie = bearer_token.is_none() && cookie_token.is_some();
    let token = bearer_token.or(cookie_token);

    let mut caller = None;
    if let Some(t) = token {
        match st.sirm.session_principal(&t, &source).await {
            Ok((principal, csrf)) => {
                caller = Some(Caller {
                    principal,
                    csrf,
                    token: t,
                })
            }
            Err(e) if spec.guard != Guard::Public => {
                if let Some(t) = st.limiters.refusal(RateClass::Pages, ip) {
                    return t.respond(spec.kind == Kind::Page);
                }
                return refuse(spec.kind, e, &return_to);
            }
            Err(_) => {}
        }
    }
    if caller.is_none() && spec.guard != Guard::Public {
        // Anonymous calls of signed-in routes share the public pages' budget.
        if let Some(t) = st.limiters.refusal(RateClass::Pages, ip) {
            st.sirm.refused(&source, "rate_limited", None, "anonymous");
            return t.respond(spec.kind == Kind::Page);
        }
    }

    if changes_state(req.method()) {
        let needs_session_csrf = spec.guard != Guard::Public && via_cookie;
        let needs_prelogin_csrf = spec.guard == Guard::Public && spec.kind == Kind::Page;
        if needs_session_csrf || needs_prelogin_csrf {
            let expected = if needs_session_csrf {
                caller.as_ref().map(|c| c.csrf.clone())
            } else {
                cookie(&headers, PRELOGIN_COOKIE)
            };
            let header_token = headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let ctype = content_type(&headers).to_string();
            let given = match header_token {
                Some(t) => Some(t),
                None if ctype.starts_with("application/x-www-form-urlencoded") => {
                    match form_csrf(req).await {
                        Ok((r, t)) => {
                            req = r;
                            t
                        }
                        Err(_) if over_cap.load(std::sync::atomic::Ordering::Relaxed) => {
                            return too_large(spec.kind, spec.body, max)
                        }
                        Err(resp) => return resp,
                    }
                }
                None if ctype.starts_with("multipart/form-data") => {
                    let boundary = ctype
                        .split(';')
                        .filter_map(|p| p.trim().strip_prefix("boundary="))
                        .map(|b| b.trim_matches('"').to_string())
                        .next();
                    match boundary {
                        Some(b) => {
                            let (r, t) = multipart_csrf(req, &b).await;
                            req = r;
                            t
                        }
                        None => None,
                    }
                }
                None => None,
            };
            let ok =
                matches!((&expected, &given), (Some(e), Some(g)) if !e.is_empty() && same(e, g));
            if !ok {
                let who = caller.as_ref().map(|c| c.principal.username.clone());
                st.sirm.refused(
                    &source,
                    "csrf.refused",
                    who.as_deref(),
                    &format!("{} {path}", spec.method),
                );
                return crate::pages::with_signed_in(csrf_refusal(spec.kind), caller.as_ref());
            }
        }
    }

    match spec.guard {
        Guard::Public => {}
        Guard::SignedIn => {
            if caller.is_none() {
                return refuse(
                    spec.kind,
                    AppError::unauthenticated(RuleId::SignInRequired, "sign in first"),
                    &return_to,
                );
            }
        }
        Guard::Perm(p) => {
            let Some(c) = &caller else {
                return refuse(
                    spec.kind,
                    AppError::unauthenticated(RuleId::SignInRequired, "sign in first"),
                    &return_to,
                );
            };
            if let Err(e) = st.sirm.authorize(&c.principal, p).await {
                return crate::pages::with_signed_in(refuse(spec.kind, e, &return_to), Some(c));
            }
        }
        Guard::AnyPerm(ps) => {
            let Some(c) = &caller else {
                return refuse(
                    spec.kind,
                    AppError::unauthenticated(RuleId::SignInRequired, "sign in first"),
                    &return_to,
                );
            };
            // Held by none: the refusal names the first.
            if !ps
                .iter()
                .any(|p| c.principal.may(*p) && c.principal.pending.is_none())
            {
                if let Some(p) = ps.first() {
                    if let Err(e) = st.sirm.authorize(&c.principal, *p).await {
                        let r = refuse(spec.kind, e, &return_to);
                        return crate::pages::with_signed_in(r, Some(c));
                    }
                }
            }
        }
    }
    // Any of a person's ID numbers finds them: this process's copy of the
    // aliases follows `person_alias`, where another server process on the
    // same database may have just applied an ID change (privacy/aliases.rs;
    // checked at most every 200 ms, not on every request).
    if let Err(e) = st.sirm.refresh_aliases_if_due().await {
        return refuse(spec.kind, e, &return_to);
    }
    // A page's own refusal (403) is shown again with who is signed in.
    let shown_as = caller.clone().filter(|_| spec.kind == Kind::Page);
    if let Some(c) = caller {
        req.extensions_mut().insert(c);
    }
    let mut resp = crate::pages::with_signed_in(next.run(req).await, shown_as.as_ref());
    if spec.kind == Kind::Api {
        resp = crate::api::rejection::as_error_body(resp).await;
    }
    if over_cap.load(std::sync::atomic::Ordering::Relaxed) {
        // A handler that answered 413 itself (a page or our JSON) named the
        // cap and the field; anything else (axum's plain-text rejection, a
        // multipart parse error) is replaced by the answer naming the cap.
        let ours = resp.status() == StatusCode::PAYLOAD_TOO_LARGE
            && resp
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/json"));
        if !ours {
            return too_large(spec.kind, spec.body, max);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_read_and_written_with_the_project_attributes() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            "a=1; sirm_session=tok=en ; b".parse().unwrap(),
        );
        h.append(header::COOKIE, "sirm_csrf=\"q\"".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("tok=en"));
        assert_eq!(cookie(&h, PRELOGIN_COOKIE).as_deref(), Some("\"q\""));
        assert_eq!(cookie(&h, "a").as_deref(), Some("1"));
        assert_eq!(cookie(&h, "b"), None);
        assert_eq!(cookie(&HeaderMap::new(), "a"), None);
        let attrs = |s: &str| {
            let mut v: Vec<String> = s.split("; ").map(str::to_string).collect();
            v[1..].sort();
            v
        };
        assert_eq!(
            attrs(&set_cookie(SESSION_COOKIE, "t", false, None)),
            ["sirm_session=t", "HttpOnly", "Path=/", "SameSite=Strict"]
        );
        assert_eq!(
            attrs(&set_cookie(PRELOGIN_COOKIE, "", true, Some(0))),
            [
                "sirm_csrf=",
                "HttpOnly",
                "Max-Age=0",
                "Path=/",
                "SameSite=Strict",
                "Secure"
            ]
        );
    }

    #[test]
    fn first_multipart_part() {
        let b = "XyZ";
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n1,2\r\n--XyZ--\r\n";
        assert_eq!(first_part_csrf(body, b), Some(Some("abc123".into())));
        // Not yet complete: need more.
        assert_eq!(first_part_csrf(&body[..40], b), None);
        assert_eq!(first_part_csrf(&body[..3], b), None);
        // First part is another field: no token.
        let other =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--XyZ--\r\n";
        assert_eq!(first_part_csrf(other, b), Some(None));
        // A field merely named like csrf is not it.
        let sly =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf2\"\r\n\r\nx\r\n--XyZ--\r\n";
        assert_eq!(first_part_csrf(sly, b), Some(None));
        assert_eq!(first_part_csrf(b"garbage-garbage", b), Some(None));
    }

    /// The token is found whatever the chunking: one chunk holding the token
    /// part and far more than the peek size (as a browser's upload can
    /// arrive), or many tiny chunks; and the body is handed on intact.
    #[tokio::test]
    async fn multipart_token_in_any_chunking() {
        let b = "XyZ";
        let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n".to_vec();
        body.extend(std::iter::repeat_n(b'x', 3 * MULTIPART_PEEK));
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        let one = Request::new(Body::from(body.clone()));
        let (req, token) = multipart_csrf(one, b).await;
        assert_eq!(token.as_deref(), Some("tok"));
        let back = axum::body::to_bytes(req.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(back.as_ref(), body.as_slice());
        let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> = body
            .chunks(7)
            .map(|c| Ok(axum::body::Bytes::copy_from_slice(c)))
            .collect();
        let many = Request::new(Body::from_stream(futures::stream::iter(chunks)));
        let (req, token) = multipart_csrf(many, b).await;
        assert_eq!(token.as_deref(), Some("tok"));
        let back = axum::body::to_bytes(req.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(back.as_ref(), body.as_slice());
    }
}
