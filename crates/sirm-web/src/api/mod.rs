//! JSON API handlers, grouped by resource.

pub mod health;
pub mod ledger;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use utoipa::OpenApi;

use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "SIRM API",
        description = "Social insurance personal rights records (社会保险个人权益记录管理). \
                       Ledger checkpoints and proofs let anyone check that no record was altered."
    ),
    paths(health::healthz, health::readyz, ledger::checkpoint, ledger::inclusion, ledger::consistency),
    components(schemas(
        ledger::CheckpointDto,
        ledger::InclusionDto,
        ledger::ConsistencyDto,
        health::Ready,
        crate::error::ErrorBody,
        crate::error::ErrorDetail
    )),
    tags((name = "ledger", description = "Verifiable ledger (Art 6, 12, 28)"), (name = "health"))
)]
pub struct ApiDoc;

pub async fn openapi_json() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

pub async fn not_found() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        message: "no such route".into(),
    }
}
