//! Payloads of the corrections of rights records by the maintenance
//! officer (维护, Art 11, 12) beyond an unpaid month: a paid month settled
//! by supplementary payment (补缴) or refund (退费), an employment period
//! (就业期间), a settled account year recomputed (个人账户重新结算) and a
//! granted benefit recomputed (待遇重新核定). Re-exported by [`super`].
//!
//! Every correction's raw data carries `reason` (原因) and `method`
//! (处理方法); every entry carries the values `before` beside the new ones
//! and `corrects`, the sequence number of the entry that wrote what it
//! corrects — the maintenance log and the record read exactly these.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{check_text, BenefitGranted, RecordError};
use crate::id::{CreditCode, PersonKey};
use crate::rules::benefits::LateSurcharge;
use crate::rules::engine::{AccountResult, MonthAmounts, MonthResult};
use crate::rules::Month;
use crate::status::ContributionStatus;

/// Why (原因) and how it is handled (处理方法): both required.
pub fn check_reason_and_method(reason: &str, method: &str) -> Result<(), RecordError> {
    check_text("reason", reason, 400)?;
    check_text("method", method, 200)
}

/// 补缴: a paid person-month whose contribution base was too low. Raw
/// data: the corrected base and the day the supplementary payment arrived;
/// the difference and the late-payment surcharge are computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionSupplement {
    pub id: PersonKey,
    pub month: Month,
    /// The corrected contribution base (whole yuan, within floor and ceiling).
    pub base: Decimal,
    /// The day of the supplementary payment.
    pub paid_on: NaiveDate,
    pub reason: String,
    pub method: String,
}

/// 退费: a paid person-month whose base was too high (`base`: the corrected
/// base) or which was paid wrongly (no `base`: the whole month refunded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionRefund {
    pub id: PersonKey,
    pub month: Month,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Decimal>,
    /// The day of the refund.
    pub refunded_on: NaiveDate,
    pub reason: String,
    pub method: String,
}

/// A person-month's figures as they stood before a correction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthFigures {
    pub declared_wage: Decimal,
    pub base: Decimal,
    pub amounts: MonthAmounts,
    pub account_credit: Decimal,
    /// `id vN` of the rule set they were computed under.
    pub rule_set: String,
    pub status: ContributionStatus,
}

/// The entry of a 补缴 (`contribution.supplemented`) or a 退费
/// (`contribution.refunded`): old and new figures, their difference per
/// insurance type and payer, and for a 补缴 the surcharge on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionAdjusted {
    pub id: PersonKey,
    /// The employer of the month; none for a flexibly employed person's
    /// month (灵活就业, paid alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<CreditCode>,
    pub month: Month,
    /// The ledger entry that last wrote the month's figures.
    pub corrects: u64,
    pub before: MonthFigures,
    /// The month computed again by the rules engine with the corrected
    /// base; none when the whole month is refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<MonthResult>,
    /// New − old, per insurance type and payer (negative for a refund).
    pub difference: MonthAmounts,
    /// Σ `difference`: paid in addition (补缴) or, negative, refunded (退费).
    pub difference_total: Decimal,
    /// New − old credit of the personal account.
    pub account_credit_difference: Decimal,
    /// The day the month's contributions were due.
    pub due_on: NaiveDate,
    /// The day of the supplementary payment or the refund.
    pub settled_on: NaiveDate,
    /// 滞纳金 on `difference_total` from `due_on` to `settled_on` (补缴 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surcharge: Option<LateSurcharge>,
    /// `id vN` of the rule set in force for the month (rates, surcharge).
    pub rule_set: String,
    pub reason: String,
    pub method: String,
}

/// An employment's period (就业期间).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmploymentPeriod {
    pub start_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_on: Option<NaiveDate>,
}

/// 就业期间更正: the employment of `id` with `credit_code` that starts on
/// `start_on` (as recorded) gets the period `new_start_on`–`new_end_on`
/// (no end: still employed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmploymentCorrection {
    pub id: PersonKey,
    pub credit_code: CreditCode,
    pub start_on: NaiveDate,
    pub new_start_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_end_on: Option<NaiveDate>,
    pub reason: String,
    pub method: String,
}

/// The entry of an employment correction (`employment.corrected`), with
/// its effect on the months assessed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmploymentCorrected {
    pub id: PersonKey,
    pub credit_code: CreditCode,
    /// The ledger entry that started the employment.
    pub corrects: u64,
    pub before: EmploymentPeriod,
    pub start_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_on: Option<NaiveDate>,
    /// Months assessed for this employer that now lie outside the period
    /// (to be refunded or corrected).
    pub months_outside: Vec<Month>,
    /// Months of the period before the current month with nothing
    /// assessed for this employer (to be declared).
    pub months_unassessed: Vec<Month>,
    pub reason: String,
    pub method: String,
}

/// 个人账户重新结算: a settled year of a person's account computed again
/// after a correction upstream (a 补缴 or 退费 of one of its months).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRecomputation {
    pub id: PersonKey,
    pub year: i32,
    pub reason: String,
    pub method: String,
}

/// A settled account year's figures as they stood.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountYearFigures {
    pub opening_balance: Decimal,
    pub credits: Decimal,
    pub interest: Decimal,
    pub closing_balance: Decimal,
    pub rule_set: String,
}

/// The entry of an account year recomputed (`account.recomputed`): the
/// difference of the closing balance is carried forward as the opening
/// balance of the next year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRecomputed {
    pub id: PersonKey,
    pub year: i32,
    /// The ledger entry that last wrote the year.
    pub corrects: u64,
    pub before: AccountYearFigures,
    pub result: AccountResult,
    /// New − old closing balance, carried forward to `year + 1`.
    pub difference: Decimal,
    /// Whether `year + 1` is settled already (then it is recomputed in turn).
    pub next_year_settled: bool,
    pub reason: String,
    pub method: String,
}

/// 待遇重新核定: a granted benefit computed again from the corrected record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitRecomputation {
    pub id: PersonKey,
    pub reason: String,
    pub method: String,
}

/// A granted benefit's figures as they stood.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitFigures {
    pub contribution_months: u32,
    pub basic: Decimal,
    pub account: Decimal,
    pub transitional: Decimal,
    pub total: Decimal,
    pub rule_set: String,
}

/// The entry of a benefit recomputed (`benefit.recomputed`): the new
/// grant with everything it was computed from, and what the months paid
/// so far owe (underpaid, positive) or were paid too much (overpaid,
/// negative). Payment runs pay `granted.pension.total` from then on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitRecomputed {
    pub id: PersonKey,
    /// The `benefit.granted` or `benefit.recomputed` entry it replaces.
    pub corrects: u64,
    pub before: BenefitFigures,
    pub granted: BenefitGranted,
    /// Months paid so far and what was paid for them.
    pub months_paid: u32,
    pub paid_total: Decimal,
    /// `months_paid` × the new monthly total.
    pub due_total: Decimal,
    /// `due_total` − `paid_total`: > 0 underpaid (补发), < 0 overpaid (多发).
    pub difference: Decimal,
    pub reason: String,
    pub method: String,
}

impl ContributionSupplement {
    pub fn validate(&self) -> Result<(), RecordError> {
        check_reason_and_method(&self.reason, &self.method)
    }
}

impl ContributionRefund {
    pub fn validate(&self) -> Result<(), RecordError> {
        check_reason_and_method(&self.reason, &self.method)
    }
}

impl EmploymentCorrection {
    pub fn validate(&self) -> Result<(), RecordError> {
        check_reason_and_method(&self.reason, &self.method)?;
        if self.new_end_on.is_some_and(|e| e < self.new_start_on) {
            return Err(RecordError::Order {
                field: "new_end_on",
                message: format!(
                    "{} is before new_start_on {}",
                    self.new_end_on.map(|d| d.to_string()).unwrap_or_default(),
                    self.new_start_on
                ),
            });
        }
        Ok(())
    }
}
