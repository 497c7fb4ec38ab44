//! Medical insurance settlements as projected (`projection/medical.rs`);
//! the ledger entries their `seq` names are the authority.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::{Store, StoreError};

crate::table_row! {
/// One settlement at a contracted hospital or pharmacy (医疗费用结算).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MedicalSettlementRow in "medical_settlement" {
    pub seq: i64,
    pub person_id: String,
    pub settled_on: NaiveDate,
    pub institution: String,
    pub total: Decimal,
    pub fund_paid: Decimal,
    pub account_paid: Decimal,
    pub self_paid: Decimal,
    pub file_sha256: String,
    pub line: i64,
}
}

impl Store {
    /// A person's settlements, by date and then as recorded.
    pub async fn settlements_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<MedicalSettlementRow>, StoreError> {
        self.rows(
            sqlx::query(
                "SELECT seq, person_id, settled_on, institution, total, fund_paid, account_paid, \
                 self_paid, file_sha256, line FROM medical_settlement WHERE person_id = $1 \
                 ORDER BY settled_on, seq",
            )
            .bind(person_id),
        )
        .await
    }

    /// Whether the settlements of the file with this hash are recorded.
    pub async fn settlement_file_recorded(&self, sha256: &str) -> Result<bool, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM medical_settlement WHERE file_sha256 = $1")
                .bind(sha256)
                .fetch_one(&self.pool)
                .await?;
        Ok(n > 0)
    }
}
