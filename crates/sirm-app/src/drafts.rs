//! Ledger drafts: one entry of a record type of `sirm-domain`, stamped with
//! the agency and the actor, ready for the one append path.

use chrono::Utc;
use sirm_ledger::{EntryDraft, Stream};

use crate::{AppError, Config};

/// Build a ledger draft for `payload` (a record type of `sirm-domain`).
pub fn draft<T: serde::Serialize>(
    config: &Config,
    stream: Stream,
    kind: &str,
    subject: String,
    actor: &str,
    payload: &T,
) -> Result<EntryDraft, AppError> {
    Ok(EntryDraft {
        time: Utc::now(),
        agency: config.agency_code.clone(),
        stream,
        kind: kind.to_string(),
        subject,
        application: None,
        actors: vec![actor.to_string()],
        payload: serde_json::to_value(payload).map_err(|e| AppError::invalid("payload", e))?,
    })
}
