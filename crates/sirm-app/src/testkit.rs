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
