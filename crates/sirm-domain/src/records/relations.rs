//! Insurance relationships (参保关系) per insurance type, person
//! de-registration (人员注销) and flexible employment (灵活就业登记) as they
//! travel in ledger payloads. Maternity insurance (生育保险) rides on
//! medical insurance (merged nationally since 2019), so a relationship is
//! one of the four types of [`Insurance`].

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::id::PersonKey;
use crate::rules::Insurance;

/// The Chinese name of an insurance type (险种).
pub fn insurance_zh(i: Insurance) -> &'static str {
    match i {
        Insurance::Pension => "基本养老保险",
        Insurance::Medical => "基本医疗保险（含生育保险）",
        Insurance::Unemployment => "失业保险",
        Insurance::WorkInjury => "工伤保险",
    }
}

/// The stored name of an insurance type (`pension`, `medical`,
/// `unemployment`, `work_injury`).
pub fn insurance_str(i: Insurance) -> &'static str {
    match i {
        Insurance::Pension => "pension",
        Insurance::Medical => "medical",
        Insurance::Unemployment => "unemployment",
        Insurance::WorkInjury => "work_injury",
    }
}

/// 参保 / 暂停 / 终止: one change of a person's relationships, for one or
/// more insurance types, from a date. The entry kind says which change
/// (`insurance.enrolled`, `insurance.suspended`, `insurance.terminated`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationChange {
    pub id: PersonKey,
    /// The insurance types changed, each once, at least one.
    pub insurances: Vec<Insurance>,
    pub effective_on: NaiveDate,
    pub reason: String,
}

/// Why a person's record is de-registered (人员注销原因).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeregistrationReason {
    /// 死亡: the death date is required.
    Death,
    /// 出国（境）定居.
    Emigration,
    /// 转出: the relationship moved to another region (the transfer).
    TransferOut,
    /// 其他: the note says what, the materials show it.
    Other,
}

impl DeregistrationReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DeregistrationReason::Death => "death",
            DeregistrationReason::Emigration => "emigration",
            DeregistrationReason::TransferOut => "transfer_out",
            DeregistrationReason::Other => "other",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            DeregistrationReason::Death => "死亡",
            DeregistrationReason::Emigration => "出国（境）定居",
            DeregistrationReason::TransferOut => "转出",
            DeregistrationReason::Other => "其他",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            DeregistrationReason::Death,
            DeregistrationReason::Emigration,
            DeregistrationReason::TransferOut,
            DeregistrationReason::Other,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// 人员注销登记: the person's record is closed (kept and readable); every
/// relationship still open ends on `effective_on`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonDeregistration {
    pub id: PersonKey,
    pub reason: DeregistrationReason,
    pub effective_on: NaiveDate,
    /// The death date (reason `death` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub death_date: Option<NaiveDate>,
    /// What happened (required for reason `other`; for `transfer_out` the
    /// region or agency taking the relationship over).
    #[serde(default)]
    pub note: String,
}

/// 灵活就业登记: a person insured on their own, at a base they chose
/// between the floor and the ceiling, in pension and medical insurance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlexibleRegistration {
    pub id: PersonKey,
    /// The chosen monthly base (缴费基数), within the floor and ceiling of
    /// the rule set for the start month.
    pub base: Decimal,
    pub start_on: NaiveDate,
}

/// 灵活就业人员缴费: one month of a flexibly employed person's
/// contributions, declared and paid by the person (at the counter),
/// computed by the rules engine from the registered base.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlexibleDeclaration {
    pub id: PersonKey,
    pub month: crate::rules::Month,
    /// The day the person's payment arrived.
    pub paid_on: NaiveDate,
}

/// A flexibly employed person's month as approved: computed and paid
/// (`flexible.assessed`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlexibleAssessed {
    pub id: PersonKey,
    pub month: crate::rules::Month,
    pub paid_on: NaiveDate,
    pub result: crate::rules::engine::FlexibleMonth,
}
