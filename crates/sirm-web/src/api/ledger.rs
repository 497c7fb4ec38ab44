//! `/api/v1/ledger/*`: signed checkpoints and Merkle proofs. Proofs carry
//! hashes only — no entry content, no personal data.

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use sirm_ledger::SignedCheckpoint;

use crate::error::ApiError;
use crate::AppState;

/// A signed checkpoint: the ledger's tree size and root at a time, signed by
/// the agency key.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckpointDto {
    /// Names the ledger, e.g. `sirm:110105`.
    pub origin: String,
    pub tree_size: u64,
    /// RFC 6962 Merkle tree root, hex.
    pub root: String,
    /// RFC 3339, UTC.
    pub time: String,
    /// Hash and signature profile, e.g. `sha256-ed25519`.
    pub profile: String,
    pub key_id: String,
    /// Signature over `note`'s body, base64.
    pub signature: String,
    /// The checkpoint as a signed note: keep it to check later that the log only grew.
    pub note: String,
    /// The newest checkpoint a witness cosigned, as a note with every
    /// cosignature (C2SP tlog-cosignature lines; docs/witness.md); absent
    /// when no witness has cosigned yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cosigned: Option<String>,
}

impl From<&SignedCheckpoint> for CheckpointDto {
    fn from(s: &SignedCheckpoint) -> Self {
        use base64::Engine as _;
        CheckpointDto {
            origin: s.checkpoint.origin.clone(),
            tree_size: s.checkpoint.tree_size,
            root: hex::encode(s.checkpoint.root),
            time: sirm_ledger::format_time(&s.checkpoint.time),
            profile: s.profile.name().to_string(),
            key_id: s.key_id.clone(),
            signature: base64::engine::general_purpose::STANDARD.encode(&s.signature),
            note: s.to_note(),
            cosigned: None,
        }
    }
}

/// The latest signed checkpoint.
#[utoipa::path(get, path = "/api/v1/ledger/checkpoint", tag = "ledger", responses(
    (status = 200, description = "latest signed checkpoint", body = CheckpointDto),
    (status = 404, description = "ledger empty", body = crate::error::ErrorBody)))]
pub async fn checkpoint(State(st): State<AppState>) -> Result<Json<CheckpointDto>, ApiError> {
    let cp = st.sirm.latest_checkpoint().await?;
    let mut dto = CheckpointDto::from(&cp);
    dto.cosigned = st.sirm.cosigned_note().await?;
    Ok(Json(dto))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct InclusionQuery {
    /// Sequence number of the entry (1-based).
    pub seq: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InclusionDto {
    pub seq: u64,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// RFC 6962 leaf hash of the entry, hex.
    pub leaf_hash: String,
    pub root: String,
    /// Audit path, hex hashes, leaf to root.
    pub proof: Vec<String>,
    pub checkpoint: CheckpointDto,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ConsistencyQuery {
    /// Older tree size.
    pub from: Option<String>,
    /// Newer tree size (default: the latest checkpoint).
    pub to: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsistencyDto {
    pub from: u64,
    pub to: u64,
    pub from_root: String,
    pub to_root: String,
    pub proof: Vec<String>,
    pub checkpoint: CheckpointDto,
}

fn parse_u64(name: &str, v: Option<&String>) -> Result<Option<u64>, ApiError> {
    match v {
        None => Ok(None),
        Some(s) => s.trim().parse::<u64>().map(Some).map_err(|_| {
            ApiError::bad_request(format!(
                "invalid {name}: {s:?} is not a positive whole number"
            ))
        }),
    }
}

fn required(name: &str, v: Option<u64>) -> Result<u64, ApiError> {
    v.ok_or_else(|| ApiError::bad_request(format!("missing query parameter {name}")))
}

/// Inclusion proof of one entry in the latest checkpoint's tree.
#[utoipa::path(get, path = "/api/v1/ledger/proof/inclusion", tag = "ledger", params(InclusionQuery), responses(
    (status = 200, description = "audit path", body = InclusionDto),
    (status = 400, description = "bad or out-of-range seq", body = crate::error::ErrorBody)))]
pub async fn inclusion(
    State(st): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<InclusionDto>, ApiError> {
    let seq = required("seq", parse_u64("seq", q.seq.as_ref())?)?;
    let p = st.sirm.inclusion_proof(seq).await?;
    Ok(Json(InclusionDto {
        seq: p.seq,
        leaf_index: p.leaf_index,
        tree_size: p.tree_size,
        leaf_hash: p.leaf_hash,
        root: p.root,
        proof: p.proof,
        checkpoint: CheckpointDto::from(&p.checkpoint),
    }))
}

/// Consistency proof: the tree of size `to` extends the tree of size `from`.
#[utoipa::path(get, path = "/api/v1/ledger/proof/consistency", tag = "ledger", params(ConsistencyQuery), responses(
    (status = 200, description = "consistency proof", body = ConsistencyDto),
    (status = 400, description = "bad or out-of-range sizes", body = crate::error::ErrorBody)))]
pub async fn consistency(
    State(st): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<ConsistencyDto>, ApiError> {
    let from = required("from", parse_u64("from", q.from.as_ref())?)?;
    let to = parse_u64("to", q.to.as_ref())?;
    let p = st.sirm.consistency_proof(from, to).await?;
    Ok(Json(ConsistencyDto {
        from: p.from,
        to: p.to,
        from_root: p.from_root,
        to_root: p.to_root,
        proof: p.proof,
        checkpoint: CheckpointDto::from(&p.checkpoint),
    }))
}
