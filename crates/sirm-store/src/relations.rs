//! Insurance relationships (参保关系) and person de-registrations (人员注销)
//! as projected from their ledger entries (`projection/relations.rs`).

use chrono::NaiveDate;
use serde::Serialize;

use crate::rows::TableRow;
use crate::{Store, StoreError};

crate::table_row! {
/// One person's relationship in one insurance type. A type without a row
/// is held through employment (enrolled with the first employment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RelationRow in "insurance_relation" {
    /// Blind index of the person.
    pub person_id: String,
    /// `pension`, `medical`, `unemployment`, `work_injury`.
    pub insurance: String,
    /// `active`, `suspended`, `terminated`.
    pub status: String,
    /// `employee` (through an employer) or `flexible` (灵活就业, alone).
    pub payer: String,
    /// Start of the current period (`YYYY-MM-DD`); empty when the type was
    /// held through employment before its first row.
    pub enrolled_on: String,
    /// Date of the last change (`YYYY-MM-DD`).
    pub changed_on: String,
    pub reason: String,
    /// The chosen base of a flexibly employed person, else empty.
    pub base: String,
    pub last_seq: i64,
}
}

crate::table_row! {
/// A person's de-registration: why and from when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeregistrationRow in "person_deregistration" {
    pub person_id: String,
    /// `death`, `emigration`, `transfer_out`, `other`.
    pub reason: String,
    pub effective_on: NaiveDate,
    /// `YYYY-MM-DD` for a death, else empty.
    pub death_date: String,
    pub note: String,
    pub seq: i64,
}
}

impl Store {
    /// One person's relationship rows, by insurance type.
    pub async fn relations_of(&self, person_id: &str) -> Result<Vec<RelationRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM insurance_relation WHERE person_id = $1 ORDER BY insurance",
            RelationRow::select_list()
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        RelationRow::from_rows(&rows)
    }

    /// Every relationship row not active (suspended or terminated), in one
    /// read: what a declaration needs to leave types out, loaded once for
    /// all its lines (the table holds few such rows).
    pub async fn relations_not_active(&self) -> Result<Vec<RelationRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM insurance_relation WHERE status <> 'active'",
            RelationRow::select_list()
        ))
        .fetch_all(&self.pool)
        .await?;
        RelationRow::from_rows(&rows)
    }

    /// A person's de-registration, if de-registered.
    pub async fn deregistration_of(
        &self,
        person_id: &str,
    ) -> Result<Option<DeregistrationRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM person_deregistration WHERE person_id = $1",
            DeregistrationRow::select_list()
        ))
        .bind(person_id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(DeregistrationRow::from_row).transpose()
    }

    /// Every de-registration (few: read once per declaration file).
    pub async fn deregistrations(&self) -> Result<Vec<DeregistrationRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM person_deregistration",
            DeregistrationRow::select_list()
        ))
        .fetch_all(&self.pool)
        .await?;
        DeregistrationRow::from_rows(&rows)
    }

    /// The de-registration date of an employer, if de-registered.
    pub async fn employer_deregistered_on(
        &self,
        credit_code: &str,
    ) -> Result<Option<NaiveDate>, StoreError> {
        let on: Option<Option<String>> = sqlx::query_scalar(
            "SELECT deregistered_on FROM employer WHERE credit_code = $1 AND status = 'deregistered'",
        )
        .bind(credit_code)
        .fetch_optional(&self.pool)
        .await?;
        match on.flatten() {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| StoreError::CorruptColumn {
                    table: "employer",
                    column: "deregistered_on".to_string(),
                    problem: format!("{text:?} is not a date (YYYY-MM-DD)"),
                }),
        }
    }
}
