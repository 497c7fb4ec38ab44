//! The framework's own refusals of a JSON route's request (axum's
//! plain-text answers to a body that is not JSON, or not of the handler's
//! shape) answered as the documented error body instead: a program calling
//! the API reads one error format, and the message names what was wrong.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The longest framework message kept (they are one line).
const MAX_MESSAGE: usize = 16 * 1024;

/// A 4xx plain-text answer of a JSON route, as the error body: 400
/// `invalid_parameter` (a 415 keeps its status). Any other answer as it is.
pub async fn as_error_body(resp: Response) -> Response {
    let status = resp.status();
    let plain = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return resp;
    }
    let bytes = axum::body::to_bytes(resp.into_body(), MAX_MESSAGE)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    let status = if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        status
    } else {
        StatusCode::BAD_REQUEST
    };
    let message = if text.is_empty() {
        "the request is malformed".to_string()
    } else {
        format!("body: {text}")
    };
    ApiError::new(status, "invalid_parameter", message).into_response()
}
