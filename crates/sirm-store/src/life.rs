//! Unemployment claims and payments, yearly pension adjustments and deaths
//! as projected (`projection/life.rs`); the ledger entries their `seq`
//! names are the authority.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::rules::Month;

use crate::fetch::Param;
use crate::ledger_rows::{StoredRow, ENTRY_COLUMNS};
use crate::rows::TableRow as _;
use crate::{Store, StoreError};

crate::table_row! {
/// One unemployment claim (失业保险金申领) with its computed figures and,
/// once ended, how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnemploymentClaimRow in "unemployment_claim" {
    pub seq: i64,
    pub person_id: String,
    /// `open` or `ended`.
    pub status: String,
    pub registered_on: NaiveDate,
    pub start_month: Month,
    pub end_month: Month,
    pub contribution_months: i64,
    pub carried_months: i64,
    pub duration_months: i64,
    pub monthly_amount: Decimal,
    pub total_amount: Decimal,
    pub rule_set: String,
    /// Empty while open.
    pub ended_on: String,
    pub end_reason: String,
    pub paid_months: i64,
    pub unused_months: i64,
    pub last_seq: i64,
}
}

crate::table_row! {
/// One month of unemployment benefit paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnemploymentPaymentRow in "unemployment_payment" {
    pub person_id: String,
    pub month: Month,
    pub amount: Decimal,
    pub claim_seq: i64,
    pub rule_set: String,
    pub seq: i64,
}
}

crate::table_row! {
/// One pensioner's yearly adjustment (养老金年度调整).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PensionAdjustmentRow in "pension_adjustment" {
    pub person_id: String,
    pub year: i64,
    pub granted_seq: i64,
    pub pension_before: Decimal,
    pub increase: Decimal,
    pub new_pension: Decimal,
    pub rule_set: String,
    pub seq: i64,
}
}

crate::table_row! {
/// A death recorded with what it settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeathRow in "death" {
    pub person_id: String,
    pub died_on: NaiveDate,
    pub pensioner: bool,
    pub recovered: Decimal,
    pub funeral_grant: Decimal,
    pub survivor_compensation: Decimal,
    pub account_to_heirs: Decimal,
    pub rule_set: String,
    pub seq: i64,
}
}

crate::table_row! {
/// A pensioner to adjust: the grant in force, its monthly total, the
/// contribution months, the birth date, and the pension after the last
/// adjustment of the same grant (if any). Read from a join, not a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdjustmentBaseRow in "benefit" {
    pub person_id: String,
    pub granted_seq: i64,
    pub total: Decimal,
    pub contribution_months: i64,
    pub birth_date: NaiveDate,
    pub last_pension: Option<Decimal>,
}
}

const CLAIM_COLUMNS: &str = "seq, person_id, status, registered_on, start_month, end_month, \
     contribution_months, carried_months, duration_months, monthly_amount, total_amount, rule_set, \
     ended_on, end_reason, paid_months, unused_months, last_seq";

/// The select of the payable claims: claim columns, then `rest` (more
/// columns and the FROM clause; empty: the claim table alone).
fn payable_claims_sql(rest: &str) -> String {
    let cols: Vec<String> = CLAIM_COLUMNS
        .split(", ")
        .map(|c| format!("c.{}", c.trim()))
        .collect();
    let from = if rest.is_empty() {
        " FROM unemployment_claim c"
    } else {
        rest
    };
    format!(
        "SELECT {}{from} JOIN person p ON p.person_id = c.person_id WHERE {PAYABLE} ORDER BY c.person_id",
        cols.join(", ")
    )
}

/// Open claims of the agency `$1` payable for the month `$2`.
const PAYABLE: &str =
    "p.agency = $1 AND c.status = 'open' AND c.start_month <= $2 AND c.end_month >= $2";

impl Store {
    /// A person's unemployment claims, oldest first.
    pub async fn unemployment_claims_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<UnemploymentClaimRow>, StoreError> {
        self.rows(
            sqlx::query(&format!(
                "SELECT {CLAIM_COLUMNS} FROM unemployment_claim WHERE person_id = $1 ORDER BY seq"
            ))
            .bind(person_id),
        )
        .await
    }

    /// A person's unemployment benefit payments, by month.
    pub async fn unemployment_payments_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<UnemploymentPaymentRow>, StoreError> {
        self.rows(
            sqlx::query(
                "SELECT person_id, month, amount, claim_seq, rule_set, seq FROM unemployment_payment \
                 WHERE person_id = $1 ORDER BY month",
            )
            .bind(person_id),
        )
        .await
    }

    /// Open claims of `agency` payable for `month` (started on or before
    /// it, ending on or after it), by person.
    pub async fn payable_claims(
        &self,
        agency: &str,
        month: &str,
    ) -> Result<Vec<UnemploymentClaimRow>, StoreError> {
        self.read_many(
            payable_claims_sql(""),
            vec![Param::Text(agency.into()), Param::Text(month.into())],
            |r| UnemploymentClaimRow::from_row(r),
        )
        .await
    }

    /// Whether any claim of `agency` is payable for `month` (one row read).
    pub async fn has_payable_claims(&self, agency: &str, month: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT c.seq FROM unemployment_claim c JOIN person p ON p.person_id = c.person_id \
             WHERE {PAYABLE} LIMIT 1"
        ))
        .bind(agency)
        .bind(month)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// [`Store::payable_claims`], each with the ledger entry its `seq`
    /// names (`None`: no such entry), in one read.
    pub async fn payable_claims_with_entries(
        &self,
        agency: &str,
        month: &str,
    ) -> Result<Vec<(UnemploymentClaimRow, Option<StoredRow>)>, StoreError> {
        let entry: Vec<String> = ENTRY_COLUMNS
            .split(", ")
            .map(|c| format!("e.{c}"))
            .collect();
        self.read_many(
            payable_claims_sql(&format!(
                ", {} FROM unemployment_claim c LEFT JOIN ledger_entry e ON e.seq = c.seq",
                entry.join(", ")
            )),
            vec![Param::Text(agency.into()), Param::Text(month.into())],
            |r| {
                let claim = UnemploymentClaimRow::from_row(r)?;
                let at = UnemploymentClaimRow::COLUMNS.len();
                let entry = match r.int_at(at) {
                    Ok(None) => None,
                    _ => Some(StoredRow::from_row_at(r, at)?),
                };
                Ok((claim, entry))
            },
        )
        .await
    }

    /// How many unemployment payments of `agency` exist for `month`.
    pub async fn unemployment_payments_in(
        &self,
        agency: &str,
        month: &str,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM unemployment_payment u JOIN person p ON p.person_id = u.person_id \
             WHERE p.agency = $1 AND u.month = $2",
        )
        .bind(agency)
        .bind(month)
        .fetch_one(&self.pool)
        .await?)
    }

    /// A person's yearly adjustments, by year.
    pub async fn adjustments_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<PensionAdjustmentRow>, StoreError> {
        self.rows(
            sqlx::query(
                "SELECT person_id, year, granted_seq, pension_before, increase, new_pension, rule_set, seq \
                 FROM pension_adjustment WHERE person_id = $1 ORDER BY year",
            )
            .bind(person_id),
        )
        .await
    }

    /// The adjustments of pensioners of `agency` of `year` or before, by
    /// person and year.
    pub async fn adjustments_upto(
        &self,
        agency: &str,
        year: i32,
    ) -> Result<Vec<PensionAdjustmentRow>, StoreError> {
        self.rows(
            sqlx::query(
                "SELECT a.person_id, a.year, a.granted_seq, a.pension_before, a.increase, a.new_pension, \
                 a.rule_set, a.seq FROM pension_adjustment a JOIN person p ON p.person_id = a.person_id \
                 WHERE p.agency = $1 AND a.year <= $2 ORDER BY a.person_id, a.year",
            )
            .bind(agency)
            .bind(i64::from(year)),
        )
        .await
    }

    /// How many pensioners of `agency` were adjusted for `year`.
    pub async fn adjusted_in(&self, agency: &str, year: i32) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM pension_adjustment a JOIN person p ON p.person_id = a.person_id \
             WHERE p.agency = $1 AND a.year = $2",
        )
        .bind(agency)
        .bind(i64::from(year))
        .fetch_one(&self.pool)
        .await?)
    }

    /// The pensioners of `agency` to adjust for `year`: benefits granted
    /// (paid, not suspended or ended) that started before the year, with
    /// the pension after the last adjustment of the same grant; by person.
    pub async fn adjustment_bases(
        &self,
        agency: &str,
        year: i32,
    ) -> Result<Vec<AdjustmentBaseRow>, StoreError> {
        self.read_many(
            "SELECT b.person_id AS person_id, b.seq AS granted_seq, b.total AS total, \
             b.contribution_months AS contribution_months, p.birth_date AS birth_date, \
             (SELECT a.new_pension FROM pension_adjustment a WHERE a.person_id = b.person_id \
              AND a.granted_seq = b.seq AND a.year < $3 ORDER BY a.year DESC LIMIT 1) AS last_pension \
             FROM benefit b JOIN person p ON p.person_id = b.person_id \
             WHERE p.agency = $1 AND b.status = 'granted' AND b.start_month < $2 \
             ORDER BY b.person_id"
                .into(),
            vec![
                Param::Text(agency.into()),
                Param::Text(format!("{year:04}-01")),
                Param::Int(i64::from(year)),
            ],
            |r| AdjustmentBaseRow::from_row(r),
        )
        .await
    }

    /// A person's death, if recorded.
    pub async fn death_of(&self, person_id: &str) -> Result<Option<DeathRow>, StoreError> {
        self.row(
            sqlx::query(
                "SELECT person_id, died_on, pensioner, recovered, funeral_grant, survivor_compensation, \
                 account_to_heirs, rule_set, seq FROM death WHERE person_id = $1",
            )
            .bind(person_id),
        )
        .await
    }
}
