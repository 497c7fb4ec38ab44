//! The demo's life of the other insurance types, through the same use
//! cases and review chain as the workbench, on persons after the 13th of
//! the generation (so the tests' small demos have none of it):
//! - an unemployment claim (失业登记及失业保险金申领) after a job ended at
//!   the end of 2025, two monthly payment runs, and its end on
//!   re-employment (失业保险金停止领取);
//! - the death of an insured person (死亡登记及待遇结算): funeral grant and
//!   the personal account balance paid to the heirs;
//! - two months paid by the flexibly employed person the generator
//!   registered (灵活就业人员缴费);
//! - the yearly pension adjustment of 2026 as one reviewed batch.
//!
//! The work-injury payment runs follow the demo injury (`claims.rs`).
//!
//! Each person is picked for the rule its business checks (enrolled,
//! employed, months paid), so any seed builds.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sirm_domain::id::PersonKey;
use sirm_domain::rules::Month;
use sirm_domain::status::ContributionStatus;

use super::claims::{chain, through};
use crate::collection::{ensure_relation, Insurance};
use crate::{AppError, Sirm};

/// How many persons after the 13th the generator hands over.
pub(super) const CANDIDATES: usize = 12;

/// The persons the generator hands over for this file.
#[derive(Clone, Debug, Default)]
pub(super) struct LifePersons {
    /// The person registered as flexibly employed (灵活就业), if any.
    pub flexible: Option<PersonKey>,
    /// Persons after the 13th of the generation (none in a small demo).
    pub others: Vec<PersonKey>,
}

impl LifePersons {
    /// Whether the demo claims (`claims.rs`) should leave the person alone.
    pub(super) fn avoids(&self, pk: &PersonKey) -> bool {
        self.flexible.as_ref() == Some(pk) || self.others.contains(pk)
    }
}

fn on(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The life of the other insurance types (nothing in a small demo).
pub(super) async fn demo_life(sirm: &Sirm, life: &LifePersons) -> Result<(), AppError> {
    if life.others.is_empty() {
        return Ok(());
    }
    let chain = chain(sirm).await?;
    let job_ended = on(2025, 12, 31);
    let mut used = None;
    // An unemployment claim: employed now for a year or more, insured for
    // unemployment when the job ends.
    for pk in &life.others {
        let Some(id) = sirm.id_of(pk).await? else {
            continue;
        };
        let jobs = sirm.store.employments_of(pk.as_str()).await?;
        let [job] = jobs.as_slice() else {
            continue;
        };
        if job.end_on.is_some() || job.start_on >= on(2024, 12, 1) {
            continue;
        }
        let paid = sirm
            .store
            .contributions_of(pk.as_str())
            .await?
            .iter()
            .filter(|c| {
                c.status == ContributionStatus::Paid
                    && c.unemployment_employer + c.unemployment_employee > Decimal::ZERO
            })
            .count();
        if paid < 12
            || ensure_relation(sirm, pk, Insurance::Unemployment, job_ended, "date")
                .await
                .is_err()
        {
            continue;
        }
        let id = id.as_str();
        through(
            sirm,
            &chain,
            "employment.end",
            serde_json::json!({"id": id, "credit_code": job.credit_code, "end_on": job_ended,
                               "reason": "劳动合同期满，用人单位不再续订"}),
            "终止劳动合同证明书",
        )
        .await?;
        through(
            sirm,
            &chain,
            "unemployment.claim",
            serde_json::json!({"id": id, "registered_on": on(2026, 1, 8), "job_ended_on": job_ended,
                               "involuntary": true, "reason": "劳动合同期满未续订"}),
            "失业登记表",
        )
        .await?;
        for month in ["2026-01", "2026-02"] {
            through(
                sirm,
                &chain,
                "unemployment.payment_run",
                serde_json::json!({"month": month}),
                "失业保险金发放表",
            )
            .await?;
        }
        through(
            sirm,
            &chain,
            "unemployment.stop",
            serde_json::json!({"id": id, "ended_on": on(2026, 3, 2), "reason": "重新就业"}),
            "就业登记证明",
        )
        .await?;
        used = Some(pk.clone());
        break;
    }
    // A death of an insured person (not a pensioner): funeral grant and
    // the account balance to the heirs.
    for pk in &life.others {
        if used.as_ref() == Some(pk) || sirm.store.benefit_row(pk.as_str()).await?.is_some() {
            continue;
        }
        let Some(id) = sirm.id_of(pk).await? else {
            continue;
        };
        if sirm.store.employments_of(pk.as_str()).await?.is_empty() {
            continue;
        }
        through(
            sirm,
            &chain,
            "benefit.death",
            serde_json::json!({"id": id.as_str(), "died_on": on(2026, 6, 15),
                               "source": "民政部门火化信息"}),
            "死亡证明",
        )
        .await?;
        break;
    }
    // Two months of the flexibly employed person, from the month enrolled.
    if let Some(pk) = &life.flexible {
        flexible_months(sirm, &chain, pk).await?;
    }
    // The yearly pension adjustment of 2026 (every pensioner of the agency).
    through(
        sirm,
        &chain,
        "benefit.adjust",
        serde_json::json!({"year": 2026}),
        "养老金调整审批表",
    )
    .await?;
    Ok(())
}

/// The flexibly employed person's first two months without contributions
/// (from the month enrolled), paid on the 20th.
async fn flexible_months(
    sirm: &Sirm,
    chain: &[crate::identity::Principal; 4],
    pk: &PersonKey,
) -> Result<(), AppError> {
    let Some(id) = sirm.id_of(pk).await? else {
        return Ok(());
    };
    let rows = sirm.store.relations_of(pk.as_str()).await?;
    let Some(from) = rows
        .iter()
        .find(|r| r.insurance == "pension" && r.payer == "flexible")
        .and_then(|r| r.enrolled_on.get(..7).and_then(|m| Month::parse(m).ok()))
    else {
        return Ok(());
    };
    // Months without contributions (the history may have the person
    // employed in the first months of the registration).
    let taken: Vec<Month> = sirm
        .store
        .contributions_of(pk.as_str())
        .await?
        .iter()
        .map(|c| c.month)
        .collect();
    let now = Month::of_date(crate::clock::today());
    let mut month = from;
    let mut paid = 0;
    while paid < 2 && month < now {
        if taken.contains(&month) {
            month = month.add_months(1);
            continue;
        }
        let paid_on = NaiveDate::from_ymd_opt(month.year(), month.month(), 20).unwrap_or_default();
        through(
            sirm,
            chain,
            "flexible.declare",
            serde_json::json!({"id": id.as_str(), "month": month, "paid_on": paid_on}),
            "灵活就业人员缴费凭证",
        )
        .await?;
        paid += 1;
        month = month.add_months(1);
    }
    Ok(())
}
