//! `/api/v1/applications`, `/api/v1/maintenance-log`: business transactions
//! through the review chain, for programs (and tests) rather than browsers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine as _;
use serde::Deserialize;

use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MaterialBody {
    pub name: String,
    /// The scanned file, base64.
    pub content_base64: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SubmitBody {
    /// `person.register`, `person.change`, `employer.register`, `employer.change`, `employer.deregister`.
    pub business_type: String,
    /// Raw data of the business type (see the record types).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub materials: Vec<MaterialBody>,
}

/// Take an application at the counter (the clerk's preliminary review).
#[utoipa::path(post, path = "/api/v1/applications", tag = "collection", request_body = SubmitBody, responses((status = 201), (status = 400, body = crate::error::ErrorBody)))]
pub async fn submit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<SubmitBody>,
) -> Result<Response, ApiError> {
    let archive = st.sirm.archive();
    let mut materials = vec![];
    for m in &b.materials {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(m.content_base64.trim())
            .map_err(|e| {
                ApiError::bad_request(format!("materials: {}: not base64 ({e})", m.name))
            })?;
        materials.push(archive.put(&m.name, &bytes).await?);
    }
    let id = st
        .sirm
        .submit_application(&c.principal, &b.business_type, b.data, materials)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "application_id": id })),
    )
        .into_response())
}

/// The caller's work queue.
#[utoipa::path(get, path = "/api/v1/applications/queue", tag = "collection", responses((status = 200)))]
pub async fn queue(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Response, ApiError> {
    Ok(Json(st.sirm.work_queue(&c.principal).await?).into_response())
}

/// One application: raw data, materials, computed effect, history.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "collection", responses((status = 200), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(st.sirm.application_view(&c.principal, &id).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecisionBody {
    /// `review`, `recheck` or `approval`.
    pub stage: String,
    pub approve: bool,
    #[serde(default)]
    pub reason: String,
}

/// Decide the application's current stage.
#[utoipa::path(post, path = "/api/v1/applications/{id}/decision", tag = "collection", request_body = DecisionBody, responses((status = 200), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn decide(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<DecisionBody>,
) -> Result<Response, ApiError> {
    let status = st
        .sirm
        .decide_application(&c.principal, &id, &b.stage, b.approve, &b.reason)
        .await?;
    Ok(Json(serde_json::json!({ "status": status })).into_response())
}

/// The maintenance log (Art 12).
#[utoipa::path(get, path = "/api/v1/maintenance-log", tag = "collection", responses((status = 200)))]
pub async fn maintenance_log(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Response, ApiError> {
    Ok(Json(
        st.sirm
            .maintenance_log(&c.principal, None, None, None, None)
            .await?,
    )
    .into_response())
}
