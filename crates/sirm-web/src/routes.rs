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
use sirm_app::{AppError, Principal};
use sirm_domain::access::Permission;

use crate::error::ApiError;
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

/// One entry of the route table.
#[derive(Clone, Debug)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub guard: Guard,
    pub kind: Kind,
}

/// The signed-in caller of a request (inserted by the guard).
#[derive(Clone, Debug)]
pub struct Caller {
    pub principal: Principal,
    pub csrf: String,
    pub token: String,
}

/// The client's address (for the audit trail).
#[derive(Clone, Debug)]
pub struct Source(pub String);

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
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

/// A cookie header value with the project's attributes.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    c
}

fn refuse(kind: Kind, e: AppError, path: &str) -> Response {
    match (kind, &e) {
        (Kind::Page, AppError::Unauthenticated(_)) => {
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
        message: "refused by rule csrf: the form or request is missing a valid anti-forgery token; reload the page and try again".into(),
    };
    match kind {
        Kind::Api => e.into_response(),
        Kind::Page => crate::pages::error_page(e),
    }
}

fn changes_state(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Read a form body's `csrf` field, giving the request back intact.
async fn form_csrf(req: Request) -> Result<(Request, Option<String>), Response> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 2 * 1024 * 1024)
        .await
        .map_err(|_| {
            ApiError::bad_request("request body too large or unreadable").into_response()
        })?;
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|kv| kv.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The guard middleware of one route.
pub async fn guard(
    State((st, spec)): State<(AppState, RouteSpec)>,
    mut req: Request,
    next: Next,
) -> Response {
    let source = source_of(&req);
    req.extensions_mut().insert(Source(source.clone()));
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
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
            Err(e) if spec.guard != Guard::Public => return refuse(spec.kind, e, &path),
            Err(_) => {}
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
            let query_token = req.uri().query().and_then(|q| {
                serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                    .ok()?
                    .into_iter()
                    .find(|(k, _)| k == "csrf")
                    .map(|(_, v)| v)
            });
            let given = match header_token.or(query_token) {
                Some(t) => Some(t),
                None if is_form(&headers) => match form_csrf(req).await {
                    Ok((r, t)) => {
                        req = r;
                        t
                    }
                    Err(resp) => return resp,
                },
                None => None,
            };
            let ok =
                matches!((&expected, &given), (Some(e), Some(g)) if !e.is_empty() && same(e, g));
            if !ok {
                let who = caller
                    .as_ref()
                    .map(|c| c.principal.username.clone())
                    .unwrap_or_default();
                let _ = st
                    .sirm
                    .audit(
                        &who,
                        &source,
                        "csrf.refused",
                        "denied",
                        &format!("{} {path}", spec.method),
                        if who.is_empty() { "anonymous" } else { &who },
                    )
                    .await;
                return csrf_refusal(spec.kind);
            }
        }
    }

    match spec.guard {
        Guard::Public => {}
        Guard::SignedIn => {
            if caller.is_none() {
                return refuse(
                    spec.kind,
                    AppError::Unauthenticated("sign in first".into()),
                    &path,
                );
            }
        }
        Guard::Perm(p) => {
            let Some(c) = &caller else {
                return refuse(
                    spec.kind,
                    AppError::Unauthenticated("sign in first".into()),
                    &path,
                );
            };
            if let Err(e) = st.sirm.authorize(&c.principal, p).await {
                return refuse(spec.kind, e, &path);
            }
        }
        Guard::AnyPerm(ps) => {
            let Some(c) = &caller else {
                return refuse(
                    spec.kind,
                    AppError::Unauthenticated("sign in first".into()),
                    &path,
                );
            };
            // Held by none: the refusal names the first.
            if !ps
                .iter()
                .any(|p| c.principal.may(*p) && c.principal.pending.is_none())
            {
                if let Some(p) = ps.first() {
                    if let Err(e) = st.sirm.authorize(&c.principal, *p).await {
                        return refuse(spec.kind, e, &path);
                    }
                }
            }
        }
    }
    if let Some(c) = caller {
        req.extensions_mut().insert(c);
    }
    next.run(req).await
}
