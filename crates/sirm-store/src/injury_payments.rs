//! The monthly work-injury items (伤残津贴, 供养亲属抚恤金) a payment run
//! pays: read from the `claim_benefit` projection (whom to pay), with the
//! run's own test of "already run" on the review projection. The payments
//! themselves (`injury.paid`) have no projection table: they are read
//! from the ledger through its `(subject, seq)` index.

use crate::claims::ClaimBenefitRow;
use crate::rows::TableRow as _;
use crate::{Store, StoreError};

/// Monthly work-injury items of persons of the agency `$1` due for the
/// month `$2` (first month on or before it).
const DUE: &str = "insurance = 'work_injury' AND monthly = 1 AND start_month <> '' \
     AND start_month <= $2 AND person_id IN (SELECT person_id FROM person WHERE agency = $1)";

impl Store {
    /// The monthly work-injury items of `agency` due for `month`, by
    /// person, injury date and item.
    pub async fn due_injury_items(
        &self,
        agency: &str,
        month: &str,
    ) -> Result<Vec<ClaimBenefitRow>, StoreError> {
        self.rows(
            sqlx::query(&format!(
                "SELECT {} FROM claim_benefit WHERE {DUE} ORDER BY person_id, claim_date, item, seq",
                ClaimBenefitRow::select_list()
            ))
            .bind(agency)
            .bind(month),
        )
        .await
    }

    /// How many applications of `agency` with this subject are approved
    /// (a monthly run already made for its month).
    pub async fn approved_with_subject(
        &self,
        agency: &str,
        subject: &str,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM application WHERE status = 'approved' AND agency = $1 AND subject = $2",
        )
        .bind(agency)
        .bind(subject)
        .fetch_one(&self.pool)
        .await?)
    }
}
