//! Security headers on every response: a Content-Security-Policy that
//! allows scripts only from this origin (no inline script anywhere), no
//! framing by other origins, no MIME sniffing, no referrer leaving the site,
//! and HSTS when the installation is served over TLS: `security_headers`
//! adds it when `secure` is set — `[security] secure_cookies`, or SIRM
//! serving TLS itself (`build_with(…, tls)` in `lib.rs`); a request that a
//! trusted proxy marks `X-Forwarded-Proto: https` gets HSTS (and `Secure`
//! cookies) from `client_addr::client_addr` instead (docs/tls.md).

use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::Response;

/// The policy of every page. Styles may be inline (the pages carry their
/// own style sheet); scripts come only from `/static/`; forms post only here;
/// frames (scanned materials shown to reviewers) only from here.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

pub async fn security_headers(State(secure): State<bool>, mut r: Response) -> Response {
    let h = r.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_FRAME_OPTIONS, "SAMEORIGIN");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    if secure {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    r
}
