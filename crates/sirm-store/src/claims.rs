//! Work-injury (工伤) and maternity (生育) claims as projected from their
//! ledger entries (`projection/claims.rs`), and the wages their benefits
//! are computed from.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::rules::Month;

use crate::rows::TableRow;
use crate::{Store, StoreError};

crate::table_row! {
/// One work injury: recognised, assessed, benefits granted or died.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InjuryClaimRow in "injury_claim" {
    pub person_id: String,
    pub injury_date: NaiveDate,
    pub credit_code: String,
    pub decision_no: String,
    pub decided_on: NaiveDate,
    /// 0 until assessed, then 1–10.
    pub grade: i64,
    /// Empty until assessed.
    pub assessed_on: String,
    /// `recognised`, `assessed`, `granted` or `died`.
    pub status: String,
    pub seq: i64,
    pub last_seq: i64,
}
}

crate::table_row! {
/// One birth or miscarriage recorded, and whether its allowance is granted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MaternityClaimRow in "maternity_claim" {
    pub person_id: String,
    pub event_date: NaiveDate,
    pub credit_code: String,
    pub event: String,
    pub difficult_birth: bool,
    pub babies: i64,
    pub institution: String,
    /// `recorded` or `granted`.
    pub status: String,
    pub seq: i64,
    pub last_seq: i64,
}
}

crate::table_row! {
/// One benefit item granted (or, for medical expenses, paid).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClaimBenefitRow in "claim_benefit" {
    pub person_id: String,
    /// `work_injury` or `maternity`.
    pub insurance: String,
    /// The injury or event date the item belongs to.
    pub claim_date: NaiveDate,
    /// `disability_lump_sum`, `disability_allowance`, `funeral_grant`,
    /// `death_subsidy`, `dependent_pension_<n>_<relation>`,
    /// `maternity_allowance`, `medical:<paid_on>:<institution>`.
    pub item: String,
    pub amount: Decimal,
    /// A monthly amount (else one-time).
    pub monthly: bool,
    /// `fund` or `employer`.
    pub payer: String,
    pub credit_code: String,
    /// The first month a monthly item is due; empty for one-time items.
    pub start_month: String,
    /// `id vN` of the rule set computed under; empty for a paid expense.
    pub rule_set: String,
    pub seq: i64,
}
}

/// A person's work injuries, maternity events and claim benefits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClaimRows {
    pub injuries: Vec<InjuryClaimRow>,
    pub maternity: Vec<MaternityClaimRow>,
    pub benefits: Vec<ClaimBenefitRow>,
}

impl Store {
    /// One work injury of a person.
    pub async fn injury_claim(
        &self,
        person_id: &str,
        injury_date: NaiveDate,
    ) -> Result<Option<InjuryClaimRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM injury_claim WHERE person_id = $1 AND injury_date = $2",
            InjuryClaimRow::select_list()
        ))
        .bind(person_id)
        .bind(injury_date.to_string())
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(InjuryClaimRow::from_row).transpose()
    }

    /// One maternity event of a person.
    pub async fn maternity_claim(
        &self,
        person_id: &str,
        event_date: NaiveDate,
    ) -> Result<Option<MaternityClaimRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM maternity_claim WHERE person_id = $1 AND event_date = $2",
            MaternityClaimRow::select_list()
        ))
        .bind(person_id)
        .bind(event_date.to_string())
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(MaternityClaimRow::from_row).transpose()
    }

    /// Everything claimed by one person, oldest first.
    pub async fn claims_of(&self, person_id: &str) -> Result<ClaimRows, StoreError> {
        let injuries = sqlx::query(&format!(
            "SELECT {} FROM injury_claim WHERE person_id = $1 ORDER BY injury_date",
            InjuryClaimRow::select_list()
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        let maternity = sqlx::query(&format!(
            "SELECT {} FROM maternity_claim WHERE person_id = $1 ORDER BY event_date",
            MaternityClaimRow::select_list()
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        let benefits = sqlx::query(&format!(
            "SELECT {} FROM claim_benefit WHERE person_id = $1 ORDER BY seq, item",
            ClaimBenefitRow::select_list()
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ClaimRows {
            injuries: injuries
                .iter()
                .map(InjuryClaimRow::from_row)
                .collect::<Result<_, _>>()?,
            maternity: maternity
                .iter()
                .map(MaternityClaimRow::from_row)
                .collect::<Result<_, _>>()?,
            benefits: benefits
                .iter()
                .map(ClaimBenefitRow::from_row)
                .collect::<Result<_, _>>()?,
        })
    }

    /// The benefit items an employer pays itself (e.g. the grade 5–6
    /// disability allowance), newest first.
    pub async fn employer_paid_benefits(
        &self,
        credit_code: &str,
    ) -> Result<Vec<ClaimBenefitRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM claim_benefit WHERE credit_code = $1 AND payer = 'employer' ORDER BY seq DESC",
            ClaimBenefitRow::select_list()
        ))
        .bind(credit_code)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ClaimBenefitRow::from_row).collect()
    }

    /// A person's contribution bases for `from`..=`to` (assessed or paid;
    /// refunded months are not wages on record).
    pub async fn bases_between(
        &self,
        person_id: &str,
        from: Month,
        to: Month,
    ) -> Result<Vec<(Month, Decimal)>, StoreError> {
        let q = sqlx::query(
            "SELECT month, base FROM contribution WHERE person_id = $1 AND month >= $2 AND month <= $3 \
             AND status <> 'refunded' ORDER BY month",
        )
        .bind(person_id)
        .bind(from.to_string())
        .bind(to.to_string())
        ;
        self.tuples("contribution", &["month", "base"], q).await
    }

    /// An employer's contribution bases of one year (every person-month
    /// assessed or paid), for its average monthly wage.
    pub async fn employer_bases_of_year(
        &self,
        credit_code: &str,
        year: i32,
    ) -> Result<Vec<(Month, Decimal)>, StoreError> {
        let q = sqlx::query(
            "SELECT month, base FROM contribution WHERE credit_code = $1 AND month >= $2 AND month <= $3 \
             AND status <> 'refunded' ORDER BY month",
        )
        .bind(credit_code)
        .bind(format!("{year:04}-01"))
        .bind(format!("{year:04}-12"))
        ;
        self.tuples("contribution", &["month", "base"], q).await
    }
}
