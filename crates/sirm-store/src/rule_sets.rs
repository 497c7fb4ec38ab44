//! What rule sets as installation data need from the store: whether a new
//! version was approved since the rules were loaded, and which figures a
//! version taking force from a month would touch.

use serde::Serialize;

use crate::rows::TableRow;
use crate::{ContributionRow, Store, StoreError};

/// Figures of the agency already computed from a month on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ComputedSince {
    /// Persons with contributions assessed for a month at or after it.
    pub persons: i64,
    /// Their assessed person-months.
    pub person_months: i64,
    /// The last month with contributions assessed (`YYYY-MM`).
    pub last_month: Option<String>,
    /// Personal account years settled for its year or later.
    pub account_years: i64,
}

impl Store {
    /// Sequence number of the newest entry of `kind` in `stream` (through
    /// the `(stream, kind, seq)` index).
    pub async fn last_seq_of_kind(
        &self,
        stream: &str,
        kind: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT MAX(seq) FROM ledger_entry WHERE stream = $1 AND kind = $2")
                .bind(stream)
                .bind(kind)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Figures of `agency` computed for `month` (`YYYY-MM`) or later.
    pub async fn computed_since(
        &self,
        agency: &str,
        month: &str,
    ) -> Result<ComputedSince, StoreError> {
        let (persons, person_months, last_month): (i64, i64, Option<String>) = sqlx::query_as(
            "SELECT COUNT(DISTINCT c.person_id), COUNT(*), MAX(c.month) FROM contribution c \
             JOIN person p ON p.person_id = c.person_id WHERE p.agency = $1 AND c.month >= $2",
        )
        .bind(agency)
        .bind(month)
        .fetch_one(&self.pool)
        .await?;
        let year: i64 = month.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
        let account_years: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM account_year a JOIN person p ON p.person_id = a.person_id \
             WHERE p.agency = $1 AND a.year >= $2",
        )
        .bind(agency)
        .bind(year)
        .fetch_one(&self.pool)
        .await?;
        Ok(ComputedSince {
            persons,
            person_months,
            last_month,
            account_years,
        })
    }

    /// The agency's computed person-months from `month` on, at most
    /// `limit` (by month, then person): what a recalculation recomputes.
    pub async fn contributions_since(
        &self,
        agency: &str,
        month: &str,
        limit: i64,
    ) -> Result<Vec<ContributionRow>, StoreError> {
        let cols: Vec<String> = ContributionRow::COLUMNS
            .iter()
            .map(|c| format!("c.{c}"))
            .collect();
        let rows = sqlx::query(&format!(
            "SELECT {} FROM contribution c JOIN person p ON p.person_id = c.person_id \
             WHERE p.agency = $1 AND c.month >= $2 ORDER BY c.month, c.person_id LIMIT $3",
            cols.join(", ")
        ))
        .bind(agency)
        .bind(month)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        ContributionRow::from_rows(&rows)
    }
}
