//! Transfer between regions (转移接续, Art 10, docs/transfer.md): the
//! federation routes another installation calls with a signed request
//! (`/federation/v1/letters`, `/federation/v1/packages`: public, rate
//! limited, bodies bounded, no session), and the staff routes that send the
//! letter and the package, take in files, list transfers and manage peers.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use sirm_app::transfer::auth::{self, SignedHeaders};
use sirm_app::transfer::letter::{Channel, SignedLetter};
use sirm_app::transfer::package::PackageMessage;
use sirm_app::transfer::{Peer, TransferView};
use sirm_app::AppError;
use sirm_domain::RuleId;

use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

fn signed_headers(h: &HeaderMap) -> Result<SignedHeaders, ApiError> {
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| {
                ApiError::from(AppError::Forbidden {
                    rule: RuleId::TransferSignature,
                    message: format!(
                        "refused by rule transfer.signature: header {name} is missing"
                    ),
                })
            })
    };
    Ok(SignedHeaders {
        agency: get(auth::H_AGENCY)?,
        timestamp: get(auth::H_TIMESTAMP)?.parse().map_err(|_| {
            ApiError::from(AppError::Forbidden {
                rule: RuleId::TransferSignature,
                message: "refused by rule transfer.signature: the timestamp is not a number".into(),
            })
        })?,
        nonce: get(auth::H_NONCE)?,
        signature: get(auth::H_SIGNATURE)?,
    })
}

/// A contact letter (联系函) from a peer, in a request signed with the
/// peer agency's key (headers `sirm-agency`, `sirm-timestamp`,
/// `sirm-nonce`, `sirm-signature`). Refusals name their rule
/// (`transfer.peer`, `transfer.signature`, `transfer.not-insured`,
/// `transfer.open`, `transfer.deadline`) and are recorded here.
#[utoipa::path(post, path = "/federation/v1/letters", tag = "transfer",
    request_body(content = String, content_type = "application/json", description = "A signed letter: {letter, signature}"), responses(
    (status = 202), (status = 400, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn receive_letter(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let h = signed_headers(&headers)?;
    let number = st.sirm.receive_letter(&h, &body).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "number": number })),
    )
        .into_response())
}

/// A transfer package (转移信息包) from a peer, signed request as for
/// letters. Checked at once (signatures, checkpoint, proofs, figures);
/// refusals name their rule (`transfer.proof`, `transfer.figures` …).
#[utoipa::path(post, path = "/federation/v1/packages", tag = "transfer",
    request_body(content = String, content_type = "application/json", description = "{id_number, package: {body, signature}}"), responses(
    (status = 202), (status = 400, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn receive_package(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let h = signed_headers(&headers)?;
    let number = st.sirm.receive_package(&h, &body).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "number": number })),
    )
        .into_response())
}

/// The agency's transfers, open ones by deadline first.
#[utoipa::path(get, path = "/api/v1/transfers", tag = "transfer", responses((status = 200)))]
pub async fn list(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Json<Vec<TransferView>>, ApiError> {
    Ok(Json(st.sirm.list_transfers(&c.principal).await?))
}

/// One transfer: its steps, deadline, holder, figures, refusal.
#[utoipa::path(get, path = "/api/v1/transfers/{number}", tag = "transfer", responses(
    (status = 200), (status = 404, body = crate::error::ErrorBody)))]
pub async fn detail(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(number): Path<String>,
) -> Result<Json<TransferView>, ApiError> {
    Ok(Json(st.sirm.transfer(&c.principal, &number).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    /// `online` (posted to the peer) or `file` (returned for download).
    #[schema(value_type = String, example = "online")]
    pub channel: Channel,
}

/// Send the signed contact letter of an approved transfer-in application.
#[utoipa::path(post, path = "/api/v1/transfers/{number}/letter", tag = "transfer", request_body = SendBody,
    responses((status = 200), (status = 409, body = crate::error::ErrorBody)))]
pub async fn send_letter(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(number): Path<String>,
    Json(b): Json<SendBody>,
) -> Result<Response, ApiError> {
    let sent = st
        .sirm
        .send_letter(&c.principal, &number, b.channel)
        .await?;
    Ok(Json(sent).into_response())
}

/// Send the signed package of an approved transfer out.
#[utoipa::path(post, path = "/api/v1/transfers/{number}/package", tag = "transfer", request_body = SendBody,
    responses((status = 200), (status = 409, body = crate::error::ErrorBody)))]
pub async fn send_package(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(number): Path<String>,
    Json(b): Json<SendBody>,
) -> Result<Response, ApiError> {
    let sent = st
        .sirm
        .send_package(&c.principal, &number, b.channel)
        .await?;
    Ok(Json(sent).into_response())
}

/// A letter or package file (from a SIRM installation reached offline),
/// checked exactly as one posted online, minus the request signature.
#[utoipa::path(post, path = "/api/v1/transfers/import", tag = "transfer",
    responses((status = 202), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn import(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(v): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let number = if v.get("letter").is_some() {
        let l: SignedLetter = serde_json::from_value(v)
            .map_err(|e| AppError::invalid_by("letter", RuleId::ApplicationData, e))?;
        st.sirm.import_letter(&c.principal, l).await?
    } else {
        let p: PackageMessage = serde_json::from_value(v)
            .map_err(|e| AppError::invalid_by("package", RuleId::ApplicationData, e))?;
        st.sirm.import_package(&c.principal, p).await?
    };
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "number": number })),
    )
        .into_response())
}

/// The peers (对端经办机构) this installation knows.
#[utoipa::path(get, path = "/api/v1/peers", tag = "transfer", responses((status = 200)))]
pub async fn peers(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Json<Vec<Peer>>, ApiError> {
    Ok(Json(st.sirm.list_peers(&c.principal).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeerBody {
    pub agency: String,
    pub region: String,
    pub name: String,
    /// Base URL; empty for an agency not on SIRM.
    #[serde(default)]
    pub url: String,
    /// `sirm-public-key v1 <profile> <hex>` (the peer's `keys/checkpoint.pub`).
    pub public_key: String,
}

/// Add or replace a peer (security administrator; audited).
#[utoipa::path(post, path = "/api/v1/peers", tag = "transfer", request_body = PeerBody,
    responses((status = 201), (status = 400, body = crate::error::ErrorBody)))]
pub async fn add_peer(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<PeerBody>,
) -> Result<Response, ApiError> {
    st.sirm
        .add_peer(
            &c.principal,
            Peer {
                agency: b.agency,
                region: b.region,
                name: b.name,
                url: b.url,
                public_key: b.public_key,
                source: String::new(),
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"added": true})),
    )
        .into_response())
}

/// Remove a peer added through the ledger (security administrator; audited).
#[utoipa::path(delete, path = "/api/v1/peers/{agency}", tag = "transfer",
    responses((status = 200), (status = 403, body = crate::error::ErrorBody)))]
pub async fn remove_peer(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(agency): Path<String>,
) -> Result<Response, ApiError> {
    st.sirm.remove_peer(&c.principal, &agency).await?;
    Ok(Json(serde_json::json!({"removed": true})).into_response())
}
