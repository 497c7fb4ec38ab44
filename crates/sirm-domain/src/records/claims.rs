//! Work-injury (工伤, 工伤保险条例) and maternity (生育) claims as they travel
//! in ledger payloads: the decisions recorded (injury recognition 工伤认定,
//! disability assessment 劳动能力鉴定, a birth or miscarriage 生育/流产登记),
//! and the benefits granted with every intermediate value and the rule set
//! version they were computed under (the formulas are
//! [`crate::rules::benefits`]'s).
//!
//! A work injury is keyed by the person and the injury date, a maternity
//! event by the person and the event date.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{check_text, RecordError};
use crate::id::{CreditCode, PersonKey};
use crate::rules::ruleset::RuleSetRef;
use crate::rules::Month;

/// Entry kinds of this file.
pub mod claim_kind {
    /// 工伤认定: a work injury recognised (decision with its document).
    pub const INJURY_RECOGNISED: &str = "injury.recognised";
    /// 劳动能力鉴定: a disability grade 1–10 assessed.
    pub const INJURY_ASSESSED: &str = "injury.assessed";
    /// 工伤伤残待遇核定: one-time subsidy and monthly allowance granted.
    pub const INJURY_DISABILITY_GRANTED: &str = "injury.disability_granted";
    /// 因工死亡待遇核定: funeral grant, death subsidy, dependents' pensions.
    pub const INJURY_DEATH_GRANTED: &str = "injury.death_granted";
    /// 生育/流产登记: a birth or miscarriage recorded.
    pub const MATERNITY_RECORDED: &str = "maternity.recorded";
    /// 生育津贴核定: the maternity allowance granted.
    pub const MATERNITY_ALLOWANCE_GRANTED: &str = "maternity.allowance_granted";
    /// 生育医疗费用: medical expenses recorded as paid.
    pub const MATERNITY_MEDICAL_PAID: &str = "maternity.medical_paid";
    /// 工伤待遇月度发放: one monthly work-injury item paid (or, when the
    /// employer pays it, recorded as the employer's) for one month.
    pub const INJURY_PAID: &str = "injury.paid";
}

/// The highest disability grade (十级); 1 is the most severe.
pub const MAX_GRADE: u8 = 10;

/// 工伤认定: the decision of the labour administration that an injury is a
/// work injury (the decision document is the application's material).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjuryRecognition {
    pub id: PersonKey,
    /// The employer at the time of the injury.
    pub credit_code: CreditCode,
    pub injury_date: NaiveDate,
    /// The recognition decision's number, e.g. "朝人社工伤认字〔2026〕18号".
    pub decision_no: String,
    pub decided_on: NaiveDate,
    /// What happened, briefly.
    pub description: String,
}

impl InjuryRecognition {
    pub fn validate(&self) -> Result<(), RecordError> {
        check_text("decision_no", &self.decision_no, 100)?;
        check_text("description", &self.description, 400)?;
        if self.decided_on < self.injury_date {
            return Err(RecordError::Order {
                field: "decided_on",
                message: format!(
                    "{} is before injury_date {}",
                    self.decided_on, self.injury_date
                ),
            });
        }
        Ok(())
    }
}

/// 劳动能力鉴定: the disability grade of a recognised work injury.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisabilityAssessment {
    pub id: PersonKey,
    pub injury_date: NaiveDate,
    /// 1 (most severe) to 10 (a wider integer, so that any number is
    /// refused by rule `injury.grade` rather than by the parser).
    pub grade: i64,
    pub decision_no: String,
    pub assessed_on: NaiveDate,
}

impl DisabilityAssessment {
    /// The grade is checked by the caller, which names its own rule
    /// (`injury.grade`); here the text and the dates.
    pub fn validate(&self) -> Result<(), RecordError> {
        check_text("decision_no", &self.decision_no, 100)?;
        if self.assessed_on < self.injury_date {
            return Err(RecordError::Order {
                field: "assessed_on",
                message: format!(
                    "{} is before injury_date {}",
                    self.assessed_on, self.injury_date
                ),
            });
        }
        Ok(())
    }
}

/// A claim about one recognised injury (the disability benefit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjuryClaim {
    pub id: PersonKey,
    pub injury_date: NaiveDate,
}

/// 因工死亡: the claim after a death from a recognised work injury.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjuryDeathClaim {
    pub id: PersonKey,
    pub injury_date: NaiveDate,
    pub died_on: NaiveDate,
    /// The dependents (供养亲属) as words: `spouse`, `other`, or either
    /// with `_alone` for a lone elderly person or an orphan (+10 %).
    #[serde(default)]
    pub dependents: Vec<String>,
}

/// The own wage (本人工资): the average of the contribution bases of the 12
/// months before the injury month that the record holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnWage {
    /// The months and bases averaged (at most 12).
    pub months: Vec<(Month, Decimal)>,
    /// Their average, unrounded.
    pub average: Decimal,
}

/// The regional figures a work-injury benefit used, from the rule set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjuryFigures {
    /// The rule set version in force for the month computed.
    pub rule_set: RuleSetRef,
    /// The year whose parameters were used (the injury's year).
    pub year: i32,
    /// The regional average monthly wage (the own wage's 60 %–300 % bounds).
    pub avg_wage: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_wage: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_disposable_income: Option<Decimal>,
}

/// 伤残待遇: what `work-injury-disability` computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisabilityGranted {
    pub id: PersonKey,
    pub injury_date: NaiveDate,
    pub credit_code: CreditCode,
    pub grade: u8,
    pub own_wage: OwnWage,
    pub figures: InjuryFigures,
    pub wage_used: Decimal,
    pub wage_clamped: bool,
    pub lump_sum_months: u32,
    pub lump_sum: Decimal,
    pub allowance_rate: Decimal,
    pub monthly_allowance: Decimal,
    pub raised_to_min_wage: bool,
    /// `fund`, `employer` or `none`.
    pub allowance_payer: String,
    /// The first month the allowance is due (the month after assessment).
    pub start_month: Month,
}

/// One dependent's monthly pension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DependentGranted {
    pub relation: String,
    pub alone: bool,
    pub rate: Decimal,
    pub monthly: Decimal,
}

/// 因工死亡待遇: what `work-injury-death` computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeathGranted {
    pub id: PersonKey,
    pub injury_date: NaiveDate,
    pub died_on: NaiveDate,
    pub credit_code: CreditCode,
    pub own_wage: OwnWage,
    pub figures: InjuryFigures,
    pub wage_used: Decimal,
    pub funeral_grant: Decimal,
    pub death_subsidy: Decimal,
    pub dependent_pensions: Vec<DependentGranted>,
    pub dependents_total: Decimal,
    pub capped: bool,
}

/// 生育/流产登记.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaternityEventRecord {
    pub id: PersonKey,
    /// The employer paying the allowance.
    pub credit_code: CreditCode,
    /// `birth`, `miscarriage_under_4_months` or `miscarriage_4_months_or_more`.
    pub event: String,
    pub event_date: NaiveDate,
    #[serde(default, deserialize_with = "super::yes_or_no")]
    pub difficult_birth: bool,
    /// Babies born (births; 1 for a miscarriage).
    #[serde(default = "one")]
    pub babies: u32,
    /// The medical institution (医疗机构).
    pub institution: String,
}

fn one() -> u32 {
    1
}

impl MaternityEventRecord {
    pub fn validate(&self) -> Result<(), RecordError> {
        if crate::rules::benefits::MaternityEvent::parse(&self.event).is_none() {
            return Err(RecordError::Value {
                field: "event",
                message: format!(
                    "{:?} is not one of {}",
                    self.event,
                    crate::rules::benefits::MaternityEvent::NAMES.join(", ")
                ),
            });
        }
        if !(1..=10).contains(&self.babies) {
            return Err(RecordError::Value {
                field: "babies",
                message: format!("{} is not 1 to 10", self.babies),
            });
        }
        if self.event != "birth" && (self.babies != 1 || self.difficult_birth) {
            return Err(RecordError::Value {
                field: "event",
                message: "a miscarriage has no babies count or difficult birth".into(),
            });
        }
        check_text("institution", &self.institution, 200)
    }
}

/// A claim about one maternity event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaternityClaim {
    pub id: PersonKey,
    pub event_date: NaiveDate,
}

/// 生育津贴: what `maternity-allowance` computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaternityAllowanceGranted {
    pub id: PersonKey,
    pub event_date: NaiveDate,
    pub credit_code: CreditCode,
    pub event: String,
    pub rule_set: RuleSetRef,
    /// The previous year, whose wages were averaged.
    pub wage_year: i32,
    /// Person-months of the employer in that year.
    pub wage_months: u32,
    /// Their average contribution base (unrounded).
    pub employer_avg_monthly_wage: Decimal,
    pub base_days: u32,
    pub difficult_birth_days: u32,
    pub multiple_birth_days: u32,
    pub extra_days: u32,
    pub days: u32,
    pub amount: Decimal,
}

/// 生育医疗费用: medical expenses paid for a maternity event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaternityMedical {
    pub id: PersonKey,
    pub event_date: NaiveDate,
    pub amount: Decimal,
    pub institution: String,
    pub paid_on: NaiveDate,
}

impl MaternityMedical {
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.amount <= Decimal::ZERO || self.amount.scale() > 2 {
            return Err(RecordError::Value {
                field: "amount",
                message: "must be more than zero, at most two decimal places (fen)".into(),
            });
        }
        check_text("institution", &self.institution, 200)
    }
}

/// 工伤待遇月度发放: raw data of the monthly run of the work-injury
/// allowances and dependents' pensions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjuryPaymentRun {
    pub month: Month,
}

/// `injury.paid`: one monthly work-injury item for one month — the
/// disability allowance (伤残津贴) or one dependent's pension (供养亲属抚恤金)
/// — its amount taken from the grant entry `granted_seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjuryPaid {
    pub id: PersonKey,
    pub month: Month,
    pub injury_date: NaiveDate,
    /// `disability_allowance` or `dependent_pension_<n>_<relation>`.
    pub item: String,
    pub amount: Decimal,
    /// `fund` (paid by the work-injury insurance fund) or `employer`
    /// (grades 5–6: recorded as the employer's to pay).
    pub payer: String,
    pub credit_code: CreditCode,
    /// The `injury.disability_granted` or `injury.death_granted` entry.
    pub granted_seq: u64,
    pub rule_set: String,
}
