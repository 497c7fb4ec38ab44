//! Disclosure to other units (对外提供, Art 19–21): a unit's written
//! application as kept, the grant its approval writes, each read under a
//! grant, and the written refusal (不予提供告知书) its rejection issues.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::id::{CreditCode, PersonKey};

/// `disclosure:<grant or application id>`: a grant, its reads, a refusal.
pub fn disclosure_subject(id: &str) -> String {
    format!("disclosure:{id}")
}

/// A unit's application to query rights records (对外提供信息申请, Art 19),
/// as kept with the application: persons by blind index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureApplication {
    /// 申请单位名称.
    pub unit_name: String,
    /// The unit's unified social credit code (统一社会信用代码).
    pub credit_code: CreditCode,
    /// Contact person and telephone (联系方式).
    pub contact: String,
    /// Purpose of the query (查询目的).
    pub purpose: String,
    /// Legal basis (法律依据): the law and its article. Empty is refused by
    /// rule `disclosure.basis` (not by the form's parser).
    #[serde(default)]
    pub basis: String,
    /// The persons asked about.
    pub persons: Vec<PersonKey>,
    /// The queryable items asked for (`registration`, `contributions`, …).
    pub items: Vec<String>,
    /// Requested validity of the grant.
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Requested number of reads.
    pub uses: u32,
    /// The unit officer account (`unit_officer`) that will read.
    pub officer: String,
    /// SHA-256 of the archived scan of the unit's credentials (有效证明文件).
    /// Empty is refused by rule `disclosure.credentials`.
    #[serde(default)]
    pub credentials: String,
}

/// A grant (准予提供, Art 20 (1)): who may read what of whom, until when,
/// how many times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureGranted {
    pub grant_id: String,
    pub application_id: String,
    pub unit_name: String,
    pub credit_code: CreditCode,
    pub officer: String,
    pub persons: Vec<PersonKey>,
    pub items: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub uses_allowed: u32,
    pub purpose: String,
    pub basis: String,
    pub credentials: String,
}

/// One read under a grant (Art 21: 登记): the use it consumed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureUsed {
    pub grant_id: String,
    pub person: PersonKey,
    pub items: Vec<String>,
    /// 1 for the first read, up to the grant's `uses_allowed`.
    pub use_no: u32,
}

/// What a refusal letter says, as printed (ID numbers masked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalLetter {
    pub agency_name: String,
    pub unit_name: String,
    pub credit_code: String,
    pub application_id: String,
    /// The date of the decision (agency time).
    pub decided_on: String,
    pub purpose: String,
    /// The basis the unit stated.
    pub basis: String,
    /// The rejecting reviewer's reasons.
    pub reason: String,
    /// The persons the unit named, masked (`110101********4354`).
    pub persons_masked: Vec<String>,
    /// The items asked for, in Chinese.
    pub items: Vec<String>,
    pub verify_url: String,
}

/// A written refusal (不予提供告知书, Art 20 (2)) issued as a verifiable PDF.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureRefused {
    /// Verification code (核验码), the certificates' alphabet.
    pub code: String,
    pub application_id: String,
    pub credit_code: CreditCode,
    /// Local agency time (UTC+8) as printed.
    pub issued_at: String,
    pub letter: RefusalLetter,
    pub pdf_sha256: String,
    pub pdf_bytes: u64,
    pub key_id: String,
    /// ed25519 signature over [`DisclosureRefused::statement`], hex.
    pub signature: String,
}

impl DisclosureRefused {
    /// The bytes the agency signs: the letter's identifying fields and the
    /// PDF hash.
    pub fn statement(&self) -> Vec<u8> {
        format!(
            "SIRM disclosure refusal v1\ncode {}\napplication {}\nunit {}\nissued {}\npdf-sha256 {}\n",
            self.code, self.application_id, self.credit_code, self.issued_at, self.pdf_sha256
        )
        .into_bytes()
    }
}
