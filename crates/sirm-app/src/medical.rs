//! The employee medical personal account (职工医保个人账户) of one person,
//! derived from the record and recomputable (docs/medical.md): every paid
//! employee month credits the rule set's `medical_account_share` of the
//! employee's medical contribution, every month a pension was paid credits
//! the rule set's `medical_retiree_credit`, and every settlement debits its
//! account-paid part. The year's figures come from
//! `sirm_domain::rules::medical::medical_account_year` under the rule set
//! version in force for December of the year (`sirm calc medical-account`
//! answers the same). Nothing of the account is stored.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::rules::medical::{self, MedicalAccountYear, MedicalYearInputs};
use sirm_domain::rules::Month;
use sirm_domain::status::ContributionStatus;
use sirm_store::{BenefitPaymentRow, ContributionRow, MedicalSettlementRow};

use crate::{AppError, Sirm};

/// What the record shows of medical insurance.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MedicalRecord {
    /// The account year by year, oldest first, each with its rule set.
    pub years: Vec<MedicalYearView>,
    /// The closing balance of the last year (none without any year).
    pub balance: Option<Decimal>,
    /// Settlements at contracted hospitals and pharmacies, by date.
    pub settlements: Vec<MedicalSettlementRow>,
}

/// One account year and the rule set it was computed under.
#[derive(Clone, Debug, Serialize)]
pub struct MedicalYearView {
    #[serde(flatten)]
    pub year: MedicalAccountYear,
    pub rule_set: String,
}

/// The raw facts of the account: what each month credits (before the
/// share) and what settlements took, by year.
#[derive(Default)]
struct Facts {
    /// Employee medical contributions of paid months, by year.
    employee: BTreeMap<i32, Vec<(Month, Decimal)>>,
    /// Months a pension was paid, by year.
    retiree: BTreeMap<i32, Vec<Month>>,
    /// Account-paid parts of settlements, by year.
    debits: BTreeMap<i32, Vec<(Month, Decimal)>>,
}

impl Facts {
    fn of(
        contributions: &[ContributionRow],
        payments: &[BenefitPaymentRow],
        settlements: &[MedicalSettlementRow],
    ) -> Facts {
        let mut f = Facts::default();
        for c in contributions {
            // An employee's own month (a flexibly employed person's month
            // has no employer and no personal account credit).
            if c.status == ContributionStatus::Paid && !c.credit_code.is_empty() {
                f.employee
                    .entry(c.month.year())
                    .or_default()
                    .push((c.month, c.medical_employee));
            }
        }
        for p in payments {
            f.retiree.entry(p.month.year()).or_default().push(p.month);
        }
        for s in settlements {
            let m = Month::of_date(s.settled_on);
            f.debits
                .entry(m.year())
                .or_default()
                .push((m, s.account_paid));
        }
        f
    }

    fn years(&self) -> Vec<i32> {
        let mut y: Vec<i32> = self
            .employee
            .keys()
            .chain(self.retiree.keys())
            .chain(self.debits.keys())
            .copied()
            .collect();
        y.sort_unstable();
        y.dedup();
        match (y.first(), y.last()) {
            (Some(a), Some(b)) => (*a..=*b).collect(),
            _ => Vec::new(),
        }
    }
}

impl Sirm {
    /// The person's medical account year by year, from the rows given.
    pub async fn medical_account(
        &self,
        contributions: &[ContributionRow],
        payments: &[BenefitPaymentRow],
        settlements: Vec<MedicalSettlementRow>,
    ) -> Result<MedicalRecord, AppError> {
        let facts = Facts::of(contributions, payments, &settlements);
        let mut years = Vec::new();
        let mut opening = Decimal::ZERO;
        for year in facts.years() {
            let set = self.rules_for_year(year).await?;
            let p = set.year(year).map_err(|e| AppError::invalid("year", e))?;
            let b = &p.benefits;
            let employee: Vec<Decimal> = match b.medical_account_share {
                Some(_) => facts
                    .employee
                    .get(&year)
                    .map(|v| v.iter().map(|(_, d)| *d).collect())
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let retiree_months = match b.medical_retiree_credit {
                Some(_) => facts.retiree.get(&year).map(Vec::len).unwrap_or(0),
                None => 0,
            };
            let y = medical::medical_account_year(
                p.rounding.amount,
                &MedicalYearInputs {
                    year,
                    opening,
                    employee_contributions: employee,
                    share: b.medical_account_share.unwrap_or_default(),
                    retiree_months: u32::try_from(retiree_months).unwrap_or(u32::MAX),
                    retiree_credit: b.medical_retiree_credit.unwrap_or_default(),
                    debits: facts
                        .debits
                        .get(&year)
                        .map(|v| v.iter().map(|(_, d)| *d).collect())
                        .unwrap_or_default(),
                },
            )
            .map_err(|e| AppError::invalid("medical_account", e))?;
            opening = y.closing;
            years.push(MedicalYearView {
                rule_set: p.rule_set.to_string(),
                year: y,
            });
        }
        Ok(MedicalRecord {
            balance: years.last().map(|y| y.year.closing),
            years,
            settlements,
        })
    }

    /// What the person's account can pay for a settlement in `month`: the
    /// credits of every month up to it, less every settlement recorded
    /// (whatever its date) — so no year of the account goes below zero.
    pub(crate) async fn medical_available(
        &self,
        person_id: &str,
        month: Month,
    ) -> Result<Decimal, AppError> {
        let contributions = self.store.contributions_of(person_id).await?;
        let payments = self.store.benefit_payments_of(person_id).await?;
        let settlements = self.store.settlements_of(person_id).await?;
        let spent: Decimal = settlements.iter().map(|s| s.account_paid).sum();
        let upto = |m: &Month| *m <= month;
        let contributions: Vec<ContributionRow> = contributions
            .into_iter()
            .filter(|c| upto(&c.month))
            .collect();
        let payments: Vec<BenefitPaymentRow> =
            payments.into_iter().filter(|p| upto(&p.month)).collect();
        let credited = self
            .medical_account(&contributions, &payments, Vec::new())
            .await?
            .balance
            .unwrap_or_default();
        Ok(credited - spent)
    }
}
