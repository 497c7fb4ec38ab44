//! Medical insurance (基本医疗保险) as it travels in ledger payloads: a file
//! of settlement records (医疗费用结算记录) from contracted hospitals and
//! pharmacies, and each settlement recorded against the person.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Material;
use crate::id::PersonKey;

/// 医疗费用结算记录导入: the archived file (CSV or XLSX) and what it holds.
/// Every row was checked at the counter and is checked again at approval:
/// the file is taken whole or not at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementFile {
    pub file: Material,
    pub rows: u64,
    /// The sum of the rows' totals and of their account-paid parts.
    pub total: Decimal,
    pub account_paid: Decimal,
}

/// `medical.settled`: one settlement at a contracted institution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MedicalSettled {
    pub id: PersonKey,
    pub settled_on: NaiveDate,
    /// The contracted hospital's or pharmacy's code (定点医药机构编码).
    pub institution: String,
    pub total: Decimal,
    /// Paid by the pooled fund (统筹基金支付).
    pub fund_paid: Decimal,
    /// Paid from the medical personal account (个人账户支付).
    pub account_paid: Decimal,
    /// Paid by the person (个人自付).
    pub self_paid: Decimal,
    /// The file it came in and its line there.
    pub file_sha256: String,
    pub line: u64,
}
