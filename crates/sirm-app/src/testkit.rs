//! **Not production API.** Compiled only with the cargo feature `testkit`,
//! which only the workspace's dev-dependencies enable (`sirm-web`, `sirm`):
//! with resolver 2 a dev-dependency's features never reach the release
//! binary. Every change of rights reaches the ledger through a use case that
//! authorizes a principal and, for business records, through the review
//! chain; tests that need ledger input no real flow can produce (a person
//! recorded by another agency, 40,000 registrations in one go) append it
//! here, and the name says what it skips.

use sirm_ledger::EntryDraft;
use sirm_store::AppendOutcome;

use crate::{AppError, Sirm};

/// Append `drafts` as one batch, with no principal, no authorization and no
/// review. Tests only.
pub async fn append_unreviewed(
    sirm: &Sirm,
    drafts: Vec<EntryDraft>,
) -> Result<AppendOutcome, AppError> {
    sirm.append(drafts).await
}

/// Stream any number of drafts into the ledger in one transaction, with no
/// principal, no authorization and no review. Tests only.
pub async fn append_stream_unreviewed<I>(sirm: &Sirm, drafts: I) -> Result<AppendOutcome, AppError>
where
    I: IntoIterator<Item = Result<EntryDraft, sirm_store::StoreError>>,
    I::IntoIter: Send,
{
    sirm.append_stream_with(drafts, None).await
}

/// A person's registration as the clerk's use case would seal it (data key
/// made and stored), ready for [`append_unreviewed`]. Tests only.
pub async fn sealed_person(
    sirm: &Sirm,
    details: &sirm_domain::records::PersonDetails,
) -> Result<sirm_domain::records::PersonRegistration, AppError> {
    sirm.seal_registration(details).await
}

/// The blind index of an ID number. Tests only (production code reaches it
/// through [`Sirm::person_key`]).
pub fn person_key(
    sirm: &Sirm,
    id: &sirm_domain::id::ResidentId,
) -> Result<sirm_domain::id::PersonKey, AppError> {
    sirm.person_key(id)
}

/// Many registrations sealed at once (data keys made here and stored in
/// bulk), for tests that load thousands of persons. Tests only.
pub async fn sealed_persons(
    sirm: &Sirm,
    details: &[sirm_domain::records::PersonDetails],
) -> Result<Vec<sirm_domain::records::PersonRegistration>, AppError> {
    let vault = sirm.vault()?;
    let mut keys = Vec::with_capacity(details.len());
    let mut out = Vec::with_capacity(details.len());
    for d in details {
        let pk = vault.person_key(&d.id);
        let dek = sirm_ledger::SecretKey::generate();
        let (wrapped, kek) = vault.wrap(&pk, &dek);
        keys.push((pk.as_str().to_string(), wrapped, kek));
        out.push(vault.seal_details(&dek, d)?);
    }
    sirm.store
        .insert_person_keys(&keys, chrono::Utc::now().timestamp_micros())
        .await?;
    Ok(out)
}

/// The ID numbers (opened) of up to `limit` registered persons, in blind
/// index order — what tests used to read from `person.person_id` before
/// identities were sealed. Tests only.
pub async fn person_ids(sirm: &Sirm, limit: i64) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for pk in sirm.store.person_ids(limit).await? {
        let pk: sirm_domain::id::PersonKey =
            pk.parse().map_err(|e| AppError::invalid("person_id", e))?;
        if let Some(id) = sirm.id_of(&pk).await? {
            out.push(id.as_str().to_string());
        }
    }
    Ok(out)
}

/// A registered person's opened details by ID number (`None` if not
/// registered). Tests only.
pub async fn person_by_id(
    sirm: &Sirm,
    id: &str,
) -> Result<Option<crate::privacy::PersonView>, AppError> {
    let rid: sirm_domain::id::ResidentId = id.parse().map_err(|e| AppError::invalid("id", e))?;
    let pk = sirm.person_key(&rid)?;
    sirm.person_view(&pk).await
}

/// The blind index of an ID number given as text. Tests only.
pub fn pk_of(sirm: &Sirm, id: &str) -> Result<String, AppError> {
    let rid: sirm_domain::id::ResidentId = id.parse().map_err(|e| AppError::invalid("id", e))?;
    Ok(sirm.person_key(&rid)?.to_string())
}

/// A business-stream ledger entry draft of `kind` about `subject`, by the
/// actor `tester`, ready for [`append_unreviewed`]. Tests only.
pub fn business_draft(
    agency: &str,
    kind: &str,
    subject: &str,
    payload: serde_json::Value,
) -> EntryDraft {
    EntryDraft {
        time: chrono::Utc::now(),
        agency: agency.to_string(),
        stream: sirm_ledger::Stream::Business,
        kind: kind.to_string(),
        subject: subject.to_string(),
        application: None,
        actors: vec!["tester".to_string()],
        payload,
    }
}

/// Build and sign the package of transfer `number` of `person` to `to`,
/// without the step checks of `send_package` (the transfer benchmark).
pub async fn build_package(
    sirm: &Sirm,
    number: &str,
    person: &sirm_domain::id::PersonKey,
    to: &str,
) -> Result<crate::transfer::package::PackageMessage, AppError> {
    sirm.build_package(number, person, to).await
}
