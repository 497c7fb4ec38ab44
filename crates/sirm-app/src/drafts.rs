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

/// The draft that creates an account (账号), by `actor`: the security
/// stream's `account.created` about the account itself.
pub fn account_created(
    config: &Config,
    actor: &str,
    a: &sirm_domain::records::AccountCreated,
) -> Result<EntryDraft, AppError> {
    draft(
        config,
        Stream::Security,
        sirm_domain::records::kind::ACCOUNT_CREATED,
        sirm_domain::records::account_subject(&a.username),
        actor,
        a,
    )
}
