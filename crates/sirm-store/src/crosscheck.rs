//! Cross-checking with other departments (Art 5): the files taken in and
//! the maintenance officer's queue of discrepancies, as projected from
//! their ledger entries; and the reads the matching needs from the record
//! (whole tables read once, not row by row).

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::rules::Month;
use sirm_domain::status::BenefitStatus;

use crate::rows::TableRow;
use crate::{Store, StoreError};

crate::table_row! {
/// One department file taken in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CrosscheckImportRow in "crosscheck_import" {
    pub import_id: String,
    pub kind: String,
    pub department: String,
    pub file_sha256: String,
    pub rows_read: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub discrepancies: i64,
    pub known: i64,
    pub actor: String,
    pub seq: i64,
}
}

crate::table_row! {
/// One discrepancy in the maintenance officer's queue (evidence and
/// proposal as JSON text; persons by blind index).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiscrepancyRow in "crosscheck_discrepancy" {
    pub discrepancy_id: String,
    pub import_id: String,
    pub kind: String,
    pub subject: String,
    pub fact: String,
    pub evidence: String,
    pub proposal: Option<String>,
    pub status: String,
    pub reason: String,
    pub application_id: Option<String>,
    pub seq: i64,
    pub resolved_seq: i64,
    /// Asked of: `employer:<credit code>` or `person:<blind index>` ('' none).
    pub addressee: String,
    /// The addressee's answer ('' until answered).
    pub answer: String,
    pub answered_by: String,
}
}

crate::table_row! {
/// A declared person-month as the matching reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredRow in "contribution" {
    pub person_id: String,
    pub month: Month,
    pub credit_code: String,
    pub declared_wage: Decimal,
    pub status: sirm_domain::status::ContributionStatus,
}
}

crate::table_row! {
/// A benefit's status as the matching reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenefitStatusRow in "benefit" {
    pub person_id: String,
    pub status: BenefitStatus,
}
}

crate::table_row! {
/// An employer's status as the matching reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployerStatusRow in "employer" {
    pub credit_code: String,
    pub status: String,
}
}

impl Store {
    /// The files taken in, newest first.
    pub async fn crosscheck_imports(
        &self,
        limit: i64,
    ) -> Result<Vec<CrosscheckImportRow>, StoreError> {
        let rows = sqlx::query(&CrosscheckImportRow::select("ORDER BY seq DESC LIMIT $1"))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        CrosscheckImportRow::from_rows(&rows)
    }

    /// One file taken in, by its import id.
    pub async fn crosscheck_import(
        &self,
        import_id: &str,
    ) -> Result<Option<CrosscheckImportRow>, StoreError> {
        let r = sqlx::query(&CrosscheckImportRow::select("WHERE import_id = $1"))
            .bind(import_id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(CrosscheckImportRow::from_row).transpose()
    }

    /// Discrepancies of one status (`open`, `accepted` …) or all, oldest first.
    pub async fn discrepancies(
        &self,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DiscrepancyRow>, StoreError> {
        let rows = match status {
            // Open: not yet resolved, or answered and back with the officer.
            Some(s) => {
                sqlx::query(&DiscrepancyRow::select(
                    "WHERE status IN ($1, $2) ORDER BY seq LIMIT $3",
                ))
                .bind(s)
                .bind(if s == "open" { "answered" } else { s })
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&DiscrepancyRow::select("ORDER BY seq LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        DiscrepancyRow::from_rows(&rows)
    }

    /// The discrepancies asked of `addressees` (asked or answered), oldest
    /// first, at most `limit`.
    pub async fn discrepancies_asked_of(
        &self,
        addressees: &[String],
        limit: i64,
    ) -> Result<Vec<DiscrepancyRow>, StoreError> {
        let mut out = Vec::new();
        for a in addressees {
            let rows = sqlx::query(&DiscrepancyRow::select(
                "WHERE addressee = $1 AND status IN ('asked', 'answered') ORDER BY seq LIMIT $2",
            ))
            .bind(a)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            out.extend(DiscrepancyRow::from_rows(&rows)?);
        }
        out.sort_by_key(|r| r.seq);
        Ok(out)
    }

    /// One discrepancy by its id.
    pub async fn discrepancy(&self, id: &str) -> Result<Option<DiscrepancyRow>, StoreError> {
        let r = sqlx::query(&DiscrepancyRow::select("WHERE discrepancy_id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(DiscrepancyRow::from_row).transpose()
    }

    /// The ids of every discrepancy recorded (a re-import writes none again).
    pub async fn discrepancy_ids(&self) -> Result<HashSet<String>, StoreError> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT discrepancy_id FROM crosscheck_discrepancy")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    /// Every registered person's blind index.
    pub async fn registered_person_ids(&self) -> Result<HashSet<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT person_id FROM person")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    /// The declared person-months from `from` to `to`, keyed by person and month.
    pub async fn declared_between(
        &self,
        from: Month,
        to: Month,
    ) -> Result<HashMap<(String, Month), DeclaredRow>, StoreError> {
        // On a SQLite file, read straight with rusqlite on one thread (a
        // million person-months in one hand-off, see `bulk.rs`).
        if let Some(bulk) = &self.bulk {
            let sql = DeclaredRow::select("WHERE month >= ?1 AND month <= ?2");
            let (from, to) = (from.to_string(), to.to_string());
            return bulk
                .read(move |c| {
                    let mut stmt = c.prepare(&sql)?;
                    let mut rows = stmt.query([from.as_str(), to.as_str()])?;
                    let mut out = HashMap::new();
                    while let Some(r) = rows.next()? {
                        let d = DeclaredRow::from_row(r)?;
                        out.insert((d.person_id.clone(), d.month), d);
                    }
                    Ok(out)
                })
                .await;
        }
        let rows = sqlx::query(&DeclaredRow::select("WHERE month >= $1 AND month <= $2"))
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(&self.pool)
            .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in &rows {
            let d = DeclaredRow::from_row(r)?;
            out.insert((d.person_id.clone(), d.month), d);
        }
        Ok(out)
    }

    /// Every benefit's status, by person.
    pub async fn benefit_statuses(&self) -> Result<HashMap<String, BenefitStatus>, StoreError> {
        let rows = sqlx::query(&BenefitStatusRow::select(""))
            .fetch_all(&self.pool)
            .await?;
        let rows = BenefitStatusRow::from_rows(&rows)?;
        Ok(rows.into_iter().map(|r| (r.person_id, r.status)).collect())
    }

    /// Every employer's status (`active`, `deregistered`), by credit code.
    pub async fn employer_statuses(&self) -> Result<HashMap<String, String>, StoreError> {
        let rows = sqlx::query(&EmployerStatusRow::select(""))
            .fetch_all(&self.pool)
            .await?;
        let rows = EmployerStatusRow::from_rows(&rows)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.credit_code, r.status))
            .collect())
    }

    /// The last month each employer declared for, by credit code.
    pub async fn last_declared_months(&self) -> Result<HashMap<String, Month>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT credit_code, MAX(month) FROM contribution GROUP BY credit_code")
                .fetch_all(&self.pool)
                .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for (code, month) in rows {
            let m = Month::parse(&month).map_err(|e| StoreError::CorruptColumn {
                table: "contribution",
                column: "month".into(),
                problem: format!("{month:?}: {e}"),
            })?;
            out.insert(code, m);
        }
        Ok(out)
    }
}
