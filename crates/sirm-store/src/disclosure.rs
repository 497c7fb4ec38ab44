//! Disclosure grants and refusal letters (Art 19–21), as projected from
//! their ledger entries. The ledger entry (by `seq`) is the authority.

use chrono::NaiveDate;
use serde::Serialize;

use crate::rows::TableRow;
use crate::{Store, StoreError};

crate::table_row! {
/// One grant to a unit: who may read which items of whom, until when, how often.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DisclosureGrantRow in "disclosure_grant" {
    pub grant_id: String,
    pub application_id: String,
    pub unit_name: String,
    pub credit_code: String,
    pub officer: String,
    /// Blind indexes of the persons.
    pub persons: Vec<String>,
    pub items: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub uses_allowed: i64,
    pub uses_made: i64,
    pub granted_seq: i64,
}
}

crate::table_row! {
/// One written refusal (不予提供告知书), by verification code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DisclosureLetterRow in "disclosure_letter" {
    pub code: String,
    pub application_id: String,
    pub credit_code: String,
    pub issued_at: String,
    pub pdf_sha256: String,
    pub seq: i64,
}
}

impl Store {
    /// One grant by its id.
    pub async fn disclosure_grant(
        &self,
        grant_id: &str,
    ) -> Result<Option<DisclosureGrantRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM disclosure_grant WHERE grant_id = $1",
            DisclosureGrantRow::select_list()
        ))
        .bind(grant_id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(DisclosureGrantRow::from_row).transpose()
    }

    /// The grants naming `officer`, newest first.
    pub async fn disclosure_grants_of(
        &self,
        officer: &str,
    ) -> Result<Vec<DisclosureGrantRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM disclosure_grant WHERE officer = $1 ORDER BY granted_seq DESC",
            DisclosureGrantRow::select_list()
        ))
        .bind(officer)
        .fetch_all(&self.pool)
        .await?;
        DisclosureGrantRow::from_rows(&rows)
    }

    /// The refusal letter with this verification code, if any.
    pub async fn disclosure_letter(
        &self,
        code: &str,
    ) -> Result<Option<DisclosureLetterRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM disclosure_letter WHERE code = $1",
            DisclosureLetterRow::select_list()
        ))
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(DisclosureLetterRow::from_row).transpose()
    }

    /// The refusal letters of an application (normally one).
    pub async fn disclosure_letters_of(
        &self,
        application_id: &str,
    ) -> Result<Vec<DisclosureLetterRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM disclosure_letter WHERE application_id = $1 ORDER BY seq",
            DisclosureLetterRow::select_list()
        ))
        .bind(application_id)
        .fetch_all(&self.pool)
        .await?;
        DisclosureLetterRow::from_rows(&rows)
    }
}
