//! `/api/v1/applications`, `/api/v1/maintenance-log`: business transactions
//! through the review chain, for programs (and tests) rather than browsers.

use std::borrow::Cow;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine as _;
use serde::Deserialize;

use sirm_app::collection::archive::{Incoming, MAX_MATERIAL_BYTES};

use crate::error::ApiError;
use crate::pages::body;
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

/// The body as parsed: material contents borrowed from the body, decoded
/// one at a time.
#[derive(Deserialize)]
struct SubmitIn<'a> {
    business_type: String,
    data: serde_json::Value,
    #[serde(borrow)]
    materials: Vec<MaterialIn<'a>>,
}

#[derive(Deserialize)]
struct MaterialIn<'a> {
    name: String,
    #[serde(borrow)]
    content_base64: Cow<'a, str>,
}

/// Base64 decoded in pieces into the archive's scratch file (memory holds
/// one piece, not the material).
pub(crate) async fn decode_into(
    name: &str,
    text: &str,
    out: &mut Incoming,
    max: u64,
) -> Result<(), ApiError> {
    const PIECE: usize = 64 * 1024; // a multiple of 4
    let text = text.trim().as_bytes();
    if (text.len() as u64 / 4).saturating_mul(3) > max {
        return Err(body::material_too_large(name, max / 1024 / 1024));
    }
    let mut buf = Vec::with_capacity(PIECE / 4 * 3);
    for piece in text.chunks(PIECE) {
        buf.clear();
        base64::engine::general_purpose::STANDARD
            .decode_vec(piece, &mut buf)
            .map_err(|e| ApiError::bad_request(format!("materials: {name}: not base64 ({e})")))?;
        out.write(&buf).await?;
    }
    Ok(())
}

/// Take an application at the counter (the clerk's preliminary review).
/// The body is at most `limits.application_upload_mib`.
#[utoipa::path(post, path = "/api/v1/applications", tag = "collection", request_body = SubmitBody, responses((status = 201), (status = 400, body = crate::error::ErrorBody), (status = 413, description = "larger than limits.application_upload_mib, or a material larger than the archive allows", body = crate::error::ErrorBody)))]
pub async fn submit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    headers: HeaderMap,
    request: axum::body::Body,
) -> Result<Response, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(ApiError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "invalid_parameter",
            rule: None,
            field: None,
            message: "expected a request with Content-Type: application/json".into(),
        });
    }
    let cap = body::Cap::application(&st.sirm.config.limits);
    let bytes = body::body_bytes(request, "body", &cap).await?;
    let b: SubmitIn<'_> =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let archive = st.sirm.archive();
    let mut materials = vec![];
    for m in &b.materials {
        let mut incoming = archive.incoming().await?;
        decode_into(
            &m.name,
            &m.content_base64,
            &mut incoming,
            MAX_MATERIAL_BYTES as u64,
        )
        .await?;
        materials.push(archive.put_incoming(&m.name, incoming).await?);
    }
    // An outside maintenance helper prepares; a maintenance officer takes it.
    if c.principal
        .may(sirm_domain::access::Permission::RecordPrepare)
    {
        let id = st
            .sirm
            .prepare_application(&c.principal, &b.business_type, b.data, materials)
            .await?;
        return Ok((
            StatusCode::CREATED,
            Json(serde_json::json!({ "prepared_id": id })),
        )
            .into_response());
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
#[schema(as = ApplicationDecisionBody)]
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

/// Filters of the maintenance log in a URL (no subject: a person's ID
/// number never goes into a URL).
#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct LogFilter {
    /// First local (UTC+8) day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last local (UTC+8) day, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Username of a responsible person.
    pub officer: Option<String>,
    /// An entry kind, e.g. `contribution.corrected`.
    pub kind: Option<String>,
    /// Keyset cursor: the `next` of the previous page.
    pub before: Option<i64>,
    /// Entries per page, 1–500 (default 100).
    pub limit: Option<usize>,
}

/// The maintenance log (Art 12), one page newest first:
/// `{"entries": [...], "next": cursor or null}`; each entry with its
/// time, kind, subject (masked), application, before and after values,
/// reason, handling method, evidence, origin and the responsible person
/// of each stage. A malformed `from` or `to` is refused (400, rule
/// `date.format`, naming the field).
#[utoipa::path(get, path = "/api/v1/maintenance-log", tag = "collection", params(LogFilter), responses((status = 200), (status = 400)))]
pub async fn maintenance_log(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    axum::extract::Query(q): axum::extract::Query<LogFilter>,
) -> Result<Response, ApiError> {
    let filter = sirm_app::collection::LogFilter {
        subject: None,
        kind: q.kind,
        officer: q.officer,
        from: q.from,
        to: q.to,
    };
    let page = st
        .sirm
        .maintenance_log(
            &c.principal,
            &filter,
            q.before,
            q.limit.unwrap_or(sirm_app::collection::LOG_PAGE),
        )
        .await?;
    Ok(Json(page).into_response())
}
