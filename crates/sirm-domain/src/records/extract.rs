//! De-identified extracts (去标识化数据提取, Art 17): what a statistics
//! user asks for, and the ledger's record of what was released.

use serde::{Deserialize, Serialize};

use crate::rules::Month;

/// A measure an extract may carry per person (never an identifier).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtractField {
    /// Months with assessed contributions in the period.
    ContributionMonths,
    /// Sum of every assessed amount in the period (yuan).
    ContributionAmount,
    /// Unpaid months in the period before the current month (欠费月数).
    ArrearsMonths,
    /// The pension's status, if any (`granted`, `suspended`, `terminated`).
    BenefitStatus,
}

/// How the birth date is generalised (出生日期泛化).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BirthGeneralisation {
    /// The year of birth.
    Year,
    /// A five-year band (`1980–1984`).
    #[default]
    FiveYears,
    /// A ten-year band (`1980–1989`).
    TenYears,
    /// Left out.
    None,
}

/// How the region (the person's agency code) is generalised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionGeneralisation {
    /// The agency code as it is.
    Agency,
    /// Its first four digits (the prefecture, 地市).
    #[default]
    Prefix,
    /// Left out.
    None,
}

/// `disclosure.extract` as filed: who receives it, why, on what legal
/// basis, which period and measures, how generalised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractRequest {
    /// The statistics user's account that receives the extract.
    pub requester: String,
    /// Approved research or system development: what for (用途).
    pub purpose: String,
    /// The legal basis or approval document (法律依据).
    pub legal_basis: String,
    pub from: Month,
    pub to: Month,
    /// The measures per person; absent or empty: all four.
    #[serde(default)]
    pub fields: Vec<ExtractField>,
    #[serde(default)]
    pub birth: BirthGeneralisation,
    #[serde(default)]
    pub region: RegionGeneralisation,
}

impl ExtractRequest {
    /// The measures the extract carries (all four when none are named).
    pub fn measures(&self) -> Vec<ExtractField> {
        if self.fields.is_empty() {
            vec![
                ExtractField::ContributionMonths,
                ExtractField::ContributionAmount,
                ExtractField::ArrearsMonths,
                ExtractField::BenefitStatus,
            ]
        } else {
            self.fields.clone()
        }
    }
}

/// `disclosure.extract` in the ledger: the request, the k it passed, and
/// the extract's row count and SHA-256 (the sealed file's address in the
/// archive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractReleased {
    pub request: ExtractRequest,
    pub k: u64,
    pub rows: u64,
    pub sha256: String,
}
