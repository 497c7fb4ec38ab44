//! The pages' scripts, served as files so that the Content-Security-Policy
//! allows no inline script (`headers.rs`). They live in `assets/`.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

const SIRM_JS: &str = include_str!("../assets/sirm.js");
const KIOSK_JS: &str = include_str!("../assets/kiosk.js");

fn js(body: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

pub async fn sirm_js() -> Response {
    js(SIRM_JS)
}

pub async fn kiosk_js() -> Response {
    js(KIOSK_JS)
}
