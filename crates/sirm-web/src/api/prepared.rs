//! Outside maintenance helpers (Art 11, 28(6)): their confidentiality
//! agreements (`/api/v1/agreements`, the system administrator) and the
//! maintenance applications they prepare for a maintenance officer
//! (`/api/v1/prepared`: listed, taken, declined).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use sirm_app::collection::archive::MAX_MATERIAL_BYTES;
use sirm_app::identity::contractor::AgreementFiling;

use super::collection::{decode_into, MaterialBody};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementBody {
    /// The outside maintenance helper's account.
    pub username: String,
    /// The agreement's number.
    pub number: String,
    /// The contractor that signed it.
    pub party: String,
    /// `YYYY-MM-DD`.
    pub valid_from: chrono::NaiveDate,
    /// `YYYY-MM-DD`: the account acts until this day, included.
    pub valid_until: chrono::NaiveDate,
    /// The signed agreement, scanned.
    pub file: MaterialBody,
}

/// File the confidentiality agreement (保密协议) of an outside maintenance
/// helper's account (system administrator). The role
/// `maintenance_contractor` is granted only while one is in force, and the
/// account acts only within its period (rule `contractor.agreement`).
#[utoipa::path(post, path = "/api/v1/agreements", tag = "identity", request_body = AgreementBody, responses((status = 201), (status = 400, body = crate::error::ErrorBody)))]
pub async fn file_agreement(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<AgreementBody>,
) -> Result<Response, ApiError> {
    let archive = st.sirm.archive();
    let mut incoming = archive.incoming().await?;
    decode_into(
        &b.file.name,
        &b.file.content_base64,
        &mut incoming,
        MAX_MATERIAL_BYTES as u64,
    )
    .await?;
    let file = archive.put_incoming(&b.file.name, incoming).await?;
    st.sirm
        .file_agreement(
            &c.principal,
            &b.username,
            AgreementFiling {
                number: b.number,
                party: b.party,
                valid_from: b.valid_from,
                valid_until: b.valid_until,
                file,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"filed": true})),
    )
        .into_response())
}

/// Prepared maintenance applications: all of the agency's for a
/// maintenance officer, their own for an outside helper.
#[utoipa::path(get, path = "/api/v1/prepared", tag = "collection", responses((status = 200)))]
pub async fn list(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Response, ApiError> {
    Ok(Json(st.sirm.prepared_applications(&c.principal).await?).into_response())
}

/// A maintenance officer takes a prepared application: it becomes their
/// application (初审) and goes up the review chain.
#[utoipa::path(post, path = "/api/v1/prepared/{id}/take", tag = "collection", responses((status = 201), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn take(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let app = st.sirm.take_prepared(&c.principal, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"application_id": app})),
    )
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DeclineBody {
    pub reason: String,
}

/// A maintenance officer declines a prepared application with a reason.
#[utoipa::path(post, path = "/api/v1/prepared/{id}/decline", tag = "collection", request_body = DeclineBody, responses((status = 200), (status = 404, body = crate::error::ErrorBody)))]
pub async fn decline(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<DeclineBody>,
) -> Result<Response, ApiError> {
    st.sirm
        .decline_prepared(&c.principal, &id, &b.reason)
        .await?;
    Ok(Json(serde_json::json!({"declined": true})).into_response())
}
