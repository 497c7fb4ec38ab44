//! One error type for every handler. Internal errors are logged and answered
//! with a generic message; the client never sees database details. Codes are
//! stable and machine-readable (the UI translates them).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use sirm_app::AppError;
use sirm_domain::RuleId;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// The rule that refused the request, when a rule did.
    pub rule: Option<RuleId>,
    /// The parameter at fault, when one is (a form shows its label).
    pub field: Option<String>,
    pub message: String,
}

/// Every stable error code (each has a Chinese sentence in `pages/zh.rs`).
pub const CODES: &[&str] = &[
    "invalid_parameter",
    "unauthenticated",
    "second_factor_required",
    "forbidden",
    "csrf",
    "not_found",
    "conflict",
    "ivr_refused",
    "rate_limited",
    "payload_too_large",
    "busy",
    "internal",
];

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
    /// Stable id of the rule or reason that refused the request (e.g.
    /// `art26-admin-business`, `password.min_length`, `csrf`,
    /// `sign-in.refused`, `id.resident`); absent when none is named.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub rule: Option<RuleId>,
    /// The parameter at fault (e.g. `registered_on`, `phone`, `scope`,
    /// `from`), when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Human-readable explanation naming the parameter or the rule at fault.
    pub message: String,
}

impl ApiError {
    /// An error that no rule names.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            rule: None,
            field: None,
            message: message.into(),
        }
    }

    /// A refusal by a named rule.
    pub fn by_rule(
        status: StatusCode,
        code: &'static str,
        rule: RuleId,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            rule: Some(rule),
            ..ApiError::new(status, code, message)
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_parameter", message)
    }
}

/// An identifier typed into `field` (a resident ID number, a credit code):
/// trimmed and parsed; a malformed one is refused by its rule
/// ([`AppError::invalid_id`]), naming the field.
pub fn parse_id<T>(field: &str, text: &str) -> Result<T, AppError>
where
    T: std::str::FromStr<Err = sirm_domain::id::IdError>,
{
    text.trim()
        .parse()
        .map_err(|e| AppError::invalid_id(field, e))
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let (status, code) = match &e {
            AppError::Invalid { .. } => (StatusCode::BAD_REQUEST, "invalid_parameter"),
            AppError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Unauthenticated { .. } => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            AppError::SecondFactorRequired => (StatusCode::UNAUTHORIZED, "second_factor_required"),
            AppError::IvrRefused => (StatusCode::UNAUTHORIZED, "ivr_refused"),
            AppError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
            AppError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            other => {
                tracing::error!(error = %other, "request failed");
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; the incident is logged",
                );
            }
        };
        let field = match &e {
            AppError::Invalid { field, .. } => Some(field.clone()),
            _ => None,
        };
        ApiError {
            status,
            code,
            rule: e.rule(),
            field,
            message: e.to_string(),
        }
    }
}

impl From<ApiError> for sirm_app::progress::JobFailure {
    fn from(e: ApiError) -> Self {
        sirm_app::progress::JobFailure {
            code: e.code,
            rule: e.rule,
            message: e.message,
        }
    }
}

impl From<&sirm_app::progress::JobFailure> for ApiError {
    /// A background job's failure, shown like the error of a request (its
    /// status is the generic one of its code; only pages show it).
    fn from(f: &sirm_app::progress::JobFailure) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: f.code,
            rule: f.rule,
            field: None,
            message: f.message.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                rule: self.rule,
                field: self.field,
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(e: ApiError) -> serde_json::Value {
        let r = e.into_response();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .expect("body");
        serde_json::from_slice(&bytes).expect("json")
    }

    #[tokio::test]
    async fn rule_in_json_only_when_a_rule_refused() {
        let v = body_of(ApiError::from(AppError::forbidden(RuleId::FourEyes, "x"))).await;
        assert_eq!(
            v,
            serde_json::json!({"error": {"code": "forbidden", "rule": "four-eyes",
                "message": "refused by rule four-eyes: x"}})
        );
        let v = body_of(ApiError::bad_request("bad")).await;
        assert_eq!(
            v,
            serde_json::json!({"error": {"code": "invalid_parameter", "message": "bad"}})
        );
    }
}
