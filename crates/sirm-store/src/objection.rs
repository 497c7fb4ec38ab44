//! Objections (异议核查, Art 16) as projected from their ledger entries and
//! from the correction application each is linked to. The ledger entries
//! (by `filed_seq`, and the `objection:<number>` subject) are the authority.

use chrono::NaiveDate;
use serde::Serialize;
use sirm_domain::status::ObjectionStatus;

use crate::rows::TableRow;
use crate::{Store, StoreError};

crate::table_row! {
/// One objection: whose, by whom, about what, until when, where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectionRow in "objection" {
    pub number: String,
    /// Blind index of the person.
    pub person_id: String,
    /// `person`, `delegate`, `employer`, `counter`.
    pub objector: String,
    pub filed_by: String,
    /// The employer's credit code when an employer filed it, else empty.
    pub employer: String,
    /// The items as JSON (`sirm_domain::records::ObjectionItem`).
    pub items: String,
    /// The evidence files as JSON (`sirm_domain::records::Evidence`).
    pub evidence: String,
    pub filed_on: NaiveDate,
    pub deadline: NaiveDate,
    pub status: ObjectionStatus,
    /// The linked correction application, else empty.
    pub application_id: String,
    /// The written answer's verification code, else empty.
    pub letter_code: String,
    /// Ledger time of the outcome (corrected or answered), else empty.
    pub resolved_at: String,
    pub filed_seq: i64,
    pub last_seq: i64,
}
}

impl Store {
    /// One objection by its number.
    pub async fn objection(&self, number: &str) -> Result<Option<ObjectionRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM objection WHERE number = $1",
            ObjectionRow::select_list()
        ))
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(ObjectionRow::from_row).transpose()
    }

    /// The objections about one person, newest first.
    pub async fn objections_of(&self, person_id: &str) -> Result<Vec<ObjectionRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM objection WHERE person_id = $1 ORDER BY filed_seq DESC",
            ObjectionRow::select_list()
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        ObjectionRow::from_rows(&rows)
    }

    /// Every objection, oldest deadline first (at most `limit`).
    pub async fn objections(&self, limit: i64) -> Result<Vec<ObjectionRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM objection ORDER BY deadline, filed_seq LIMIT $1",
            ObjectionRow::select_list()
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        ObjectionRow::from_rows(&rows)
    }

    /// The objection answered by the letter with this verification code.
    pub async fn objection_by_letter(
        &self,
        code: &str,
    ) -> Result<Option<ObjectionRow>, StoreError> {
        if code.is_empty() {
            return Ok(None);
        }
        let r = sqlx::query(&format!(
            "SELECT {} FROM objection WHERE letter_code = $1",
            ObjectionRow::select_list()
        ))
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(ObjectionRow::from_row).transpose()
    }

    /// The objections linked to a correction application.
    pub async fn objections_linked_to(
        &self,
        application_id: &str,
    ) -> Result<Vec<ObjectionRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM objection WHERE application_id = $1 ORDER BY filed_seq",
            ObjectionRow::select_list()
        ))
        .bind(application_id)
        .fetch_all(&self.pool)
        .await?;
        ObjectionRow::from_rows(&rows)
    }
}
