//! One error type for every handler. Internal errors are logged and answered
//! with a generic message; the client never sees database details. Codes are
//! stable and machine-readable (the UI translates them).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use sirm_app::AppError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `invalid_parameter`, `unauthenticated`,
    /// `second_factor_required`, `forbidden`, `csrf`, `not_found`, `conflict`,
    /// `ivr_refused` (telephone channel: ID number and query PIN refused),
    /// `rate_limited` (HTTP 429), `payload_too_large` (HTTP 413: a body or
    /// upload beyond its `[limits]` cap, named in the message), `busy` (HTTP
    /// 503), `internal`.
    pub code: String,
    /// Human-readable explanation naming the parameter or the rule at fault.
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_parameter",
            message: message.into(),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let (status, code) = match &e {
            AppError::Invalid { .. } => (StatusCode::BAD_REQUEST, "invalid_parameter"),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            AppError::SecondFactorRequired => (StatusCode::UNAUTHORIZED, "second_factor_required"),
            AppError::IvrRefused => (StatusCode::UNAUTHORIZED, "ivr_refused"),
            AppError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            other => {
                tracing::error!(error = %other, "request failed");
                return ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "internal",
                    message: "internal error; the incident is logged".into(),
                };
            }
        };
        ApiError {
            status,
            code,
            message: e.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
