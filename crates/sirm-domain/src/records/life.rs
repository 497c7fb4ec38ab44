//! Unemployment insurance (失业保险条例) and the pension's whole life
//! (resumption, the yearly adjustment, death) as they travel in ledger
//! payloads: the raw data of each business type, and the entry its
//! approval writes with the figures the rules engine computed.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::id::PersonKey;
use crate::rules::benefits::{PensionAdjustmentResult, UnemploymentBenefit};
use crate::rules::death::DeathSettlement;
use crate::rules::Month;

/// 失业登记及失业保险金申领: raw data as collected at the counter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnemploymentClaim {
    pub id: PersonKey,
    /// The day the person registered as unemployed (失业登记).
    pub registered_on: NaiveDate,
    /// The day the last job ended.
    pub job_ended_on: NaiveDate,
    /// Not by the person's own will (非因本人意愿中断就业).
    pub involuntary: bool,
    /// Why the job ended (e.g. 劳动合同期满未续订, 被用人单位解除劳动合同).
    pub reason: String,
}

/// `unemployment.granted`: the claim with its eligibility, duration and
/// monthly amount computed by the rules engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnemploymentGranted {
    pub claim: UnemploymentClaim,
    /// Months of unemployment insurance contributions paid, counted after
    /// the month the previous claim started (reset for a new spell).
    pub contribution_months: u32,
    /// The previous claim's ledger sequence, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_claim_seq: Option<u64>,
    /// First and last month payable.
    pub start_month: Month,
    pub end_month: Month,
    pub benefit: UnemploymentBenefit,
    pub rule_set: String,
}

/// 失业保险金月度发放: raw data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnemploymentPaymentRun {
    pub month: Month,
}

/// `unemployment.paid`: one claimant's benefit for one month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnemploymentPaid {
    pub id: PersonKey,
    pub month: Month,
    pub amount: Decimal,
    /// The `unemployment.granted` entry the amount comes from.
    pub claim_seq: u64,
    pub rule_set: String,
}

/// 失业保险金停止领取: raw data (re-employment, or another reason).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnemploymentStop {
    pub id: PersonKey,
    pub ended_on: NaiveDate,
    pub reason: String,
}

/// `unemployment.ended`: a claim ended, with the months paid and the
/// months left unused (which a later claim may carry over, at most 24 in
/// all).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnemploymentEnded {
    pub id: PersonKey,
    pub ended_on: NaiveDate,
    pub reason: String,
    pub claim_seq: u64,
    pub paid_months: u32,
    pub unused_months: u32,
}

/// 待遇恢复发放: raw data; `granted_seq` (the grant in force again) is
/// filled in when the entry is drafted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitResumption {
    pub id: PersonKey,
    pub effective_on: NaiveDate,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_seq: Option<u64>,
}

/// 基本养老金年度调整: raw data of the one batch of a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PensionAdjustmentRun {
    pub year: i32,
}

/// `benefit.adjusted`: one pensioner's increase of a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PensionAdjusted {
    pub id: PersonKey,
    pub year: i32,
    /// The grant (`benefit.granted` / `benefit.recomputed`) adjusted.
    pub granted_seq: u64,
    /// The monthly pension before: the grant's total or the last
    /// adjustment's new pension.
    pub pension_before: Decimal,
    pub contribution_months: u32,
    /// Age reached in the adjustment year.
    pub age: u32,
    pub result: PensionAdjustmentResult,
    pub rule_set: String,
}

/// 死亡登记及待遇结算: raw data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeathReport {
    pub id: PersonKey,
    pub died_on: NaiveDate,
    /// Where the death is known from (e.g. 民政部门火化信息, 家属申报).
    pub source: String,
}

/// `benefit.death`: the death with what it settles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeathRecorded {
    pub report: DeathReport,
    /// A pensioner (a benefit granted) or an insured person.
    pub pensioner: bool,
    /// The open unemployment claim ended with the death, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_seq: Option<u64>,
    pub settlement: DeathSettlement,
    pub rule_set: String,
}
