//! A person's rights record (个人权益记录) assembled from the projections:
//! registration, employment history, contributions per month and insurance
//! type, contribution years, the personal account year by year, benefit
//! eligibility, payments and subsidies — each figure with the rule set that
//! produced it. Also the collector's arrears (欠费) list.
//!
//! Assembling does not authorize: the query use cases that call
//! [`Sirm::rights_of`] decide who may see which items.

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::id::{CreditCode, ResidentId};
use sirm_domain::rules::Month;
use sirm_store::{
    AccountYearRow, BenefitPaymentRow, BenefitRow, ContributionRow, EmploymentRow, PersonRow,
    SubsidyRow,
};

use crate::identity::Principal;
use crate::{AppError, Sirm};

/// Contribution years (缴费年限) as counted from paid months.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContributionYears {
    /// Months whose contributions arrived.
    pub paid_months: u32,
    /// Assessed months before the current month that are not paid (欠费).
    pub arrears_months: u32,
    /// `paid_months` as whole years and remaining months.
    pub years: u32,
    pub months: u32,
    pub first_paid: Option<String>,
    pub last_paid: Option<String>,
}

/// Everything the record holds on one person.
#[derive(Clone, Debug, Serialize)]
pub struct RightsRecord {
    pub person: PersonRow,
    pub employments: Vec<EmploymentRow>,
    pub contributions: Vec<ContributionRow>,
    pub contribution_years: ContributionYears,
    pub account_years: Vec<AccountYearRow>,
    /// Closing balance of the last settled year, decimal text.
    pub account_balance: Option<String>,
    pub benefit: Option<BenefitRow>,
    pub payments: Vec<BenefitPaymentRow>,
    pub subsidies: Vec<SubsidyRow>,
}

/// Is an assessed, unpaid month in arrears? (Due by the end of the month
/// after the one it is for; SIRM counts every unpaid month before the
/// current one.)
pub fn in_arrears(month: &str, status: &str, current: Month) -> bool {
    status != "paid" && month < current.to_string().as_str()
}

/// Contribution years from a person's contribution rows.
pub fn contribution_years(rows: &[ContributionRow], current: Month) -> ContributionYears {
    let paid: Vec<&ContributionRow> = rows.iter().filter(|c| c.status == "paid").collect();
    let n = u32::try_from(paid.len()).unwrap_or(u32::MAX);
    ContributionYears {
        paid_months: n,
        arrears_months: u32::try_from(
            rows.iter()
                .filter(|c| in_arrears(&c.month, &c.status, current))
                .count(),
        )
        .unwrap_or(u32::MAX),
        years: n / 12,
        months: n % 12,
        first_paid: paid.first().map(|c| c.month.clone()),
        last_paid: paid.last().map(|c| c.month.clone()),
    }
}

/// What an employer owes for one month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArrearsRow {
    pub credit_code: String,
    pub employer_name: String,
    pub month: String,
    pub persons: u32,
    /// Employer and employee parts together, yuan.
    pub due: Decimal,
}

/// The current month in the agency's time zone (UTC+8).
pub fn current_month() -> Month {
    let now = chrono::Utc::now() + chrono::Duration::hours(8);
    Month::of_date(now.date_naive())
}

impl Sirm {
    /// Assemble the rights record of a registered person. No authorization
    /// here: callers are the query use cases, which authorize first.
    pub async fn rights_of(&self, id: &ResidentId) -> Result<RightsRecord, AppError> {
        let person = self
            .store
            .person(id.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("person {}", id.masked())))?;
        let pid = id.as_str();
        let contributions = self.store.contributions_of(pid).await?;
        let account_years = self.store.account_years_of(pid).await?;
        Ok(RightsRecord {
            employments: self.store.employments_of(pid).await?,
            contribution_years: contribution_years(&contributions, current_month()),
            contributions,
            account_balance: account_years.last().map(|y| y.closing_balance.clone()),
            account_years,
            benefit: self.store.benefit_row(pid).await?,
            payments: self.store.benefit_payments_of(pid).await?,
            subsidies: self.store.subsidies_of(pid).await?,
            person,
        })
    }

    /// A person's whole record for staff of the person's agency.
    pub async fn person_rights(
        &self,
        who: &Principal,
        id: &ResidentId,
    ) -> Result<RightsRecord, AppError> {
        self.person_in_agency(who, id).await?;
        self.rights_of(id).await
    }

    /// Employer-months in arrears in the principal's agency (optionally one
    /// employer), oldest first within each employer.
    pub async fn arrears(
        &self,
        who: &Principal,
        credit_code: Option<&CreditCode>,
    ) -> Result<Vec<ArrearsRow>, AppError> {
        self.authorize(who, Permission::PersonQuery).await?;
        let rows = self
            .store
            .unpaid(
                &who.agency,
                credit_code.map(|c| c.as_str()),
                &current_month().to_string(),
            )
            .await?;
        let mut out: Vec<ArrearsRow> = Vec::new();
        for r in rows {
            let mut due = Decimal::ZERO;
            for a in &r.amounts {
                due += a
                    .parse::<Decimal>()
                    .map_err(|e| AppError::invalid("amount", e))?;
            }
            match out.last_mut() {
                Some(last) if last.credit_code == r.credit_code && last.month == r.month => {
                    last.persons += 1;
                    last.due += due;
                }
                _ => out.push(ArrearsRow {
                    employer_name: String::new(),
                    credit_code: r.credit_code,
                    month: r.month,
                    persons: 1,
                    due,
                }),
            }
        }
        let mut names = std::collections::HashMap::new();
        for row in &mut out {
            if !names.contains_key(&row.credit_code) {
                let name = self
                    .store
                    .employer_name(&row.credit_code)
                    .await?
                    .unwrap_or_default();
                names.insert(row.credit_code.clone(), name);
            }
            row.employer_name = names.get(&row.credit_code).cloned().unwrap_or_default();
        }
        Ok(out)
    }
}
