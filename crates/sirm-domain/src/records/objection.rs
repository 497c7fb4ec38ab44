//! Objections (异议核查, Art 16): a written request by the person (or a
//! delegate, the employer, a clerk at the counter for the person) to check
//! named items of the record, with evidence; its link to the correction
//! application that puts it right, or the written answer (核查答复书)
//! giving the reasons when nothing is wrong. Nothing here changes a record:
//! a correction goes through the review chain like any other.

use serde::{Deserialize, Serialize};

use crate::id::{CreditCode, PersonKey};
use crate::rules::Month;
use crate::sealed::Sealed;

/// `objection:<number>`: an objection and everything that happens to it.
pub fn objection_subject(number: &str) -> String {
    format!("objection:{number}")
}

/// One item of the record the objection is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ObjectionItem {
    /// 某月缴费记录: the contributions of one month.
    ContributionMonth { month: Month },
    /// 就业（参保）期间: the employment with one employer.
    Employment { credit_code: CreditCode },
    /// 登记信息: one registration field (`name`, `address`, `phone`, …).
    RegistrationField { field: String },
    /// 待遇支付: the benefit paid for one month.
    BenefitPayment { month: Month },
}

impl ObjectionItem {
    /// Whether an employer may object to it: its own employment and
    /// contribution items only.
    pub fn employer_may_object(&self) -> bool {
        matches!(
            self,
            ObjectionItem::ContributionMonth { .. } | ObjectionItem::Employment { .. }
        )
    }

    /// The item in Chinese, as the portal, the queue and the letter show it.
    pub fn zh(&self) -> String {
        match self {
            ObjectionItem::ContributionMonth { month } => format!("{month} 缴费记录"),
            ObjectionItem::Employment { credit_code } => {
                format!("就业期间（单位 {credit_code}）")
            }
            ObjectionItem::RegistrationField { field } => format!("登记信息：{field}"),
            ObjectionItem::BenefitPayment { month } => format!("{month} 待遇支付"),
        }
    }
}

/// Who filed the objection, in what capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objector {
    /// 本人 in the portal.
    Person,
    /// 受托人 within a written authorization in force.
    Delegate,
    /// 用人单位 for its own employee.
    Employer,
    /// 柜台 for the person present, ID document checked.
    Counter,
}

impl Objector {
    pub fn as_str(self) -> &'static str {
        match self {
            Objector::Person => "person",
            Objector::Delegate => "delegate",
            Objector::Employer => "employer",
            Objector::Counter => "counter",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Objector::Person => "本人",
            Objector::Delegate => "受托人",
            Objector::Employer => "用人单位",
            Objector::Counter => "柜台代为提交",
        }
    }
}

/// An archived evidence file (证明材料), sealed in the archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub sha256: String,
    pub media_type: String,
    pub size: u64,
}

/// `objection.filed`: the written objection as received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionFiled {
    /// 异议编号, e.g. `YY-20260105-7KQ2`.
    pub number: String,
    pub person: PersonKey,
    pub objector: Objector,
    /// The account that filed it (the person, delegate, agent or clerk).
    pub filed_by: String,
    /// The employer, when an employer's agent filed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<CreditCode>,
    pub items: Vec<ObjectionItem>,
    /// What the objector says is wrong, sealed under the person's data key.
    pub statement: Sealed,
    pub evidence: Vec<Evidence>,
    /// Agency date of filing and the answer's deadline (working days).
    pub filed_on: chrono::NaiveDate,
    pub deadline: chrono::NaiveDate,
}

/// `objection.linked`: the maintenance officer names the correction
/// application (in review) that puts the objection right. Its approval
/// resolves the objection as corrected; its withdrawal reopens it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionLinked {
    pub number: String,
    pub application_id: String,
    pub business_type: String,
}

/// The written answer (异议核查答复书) as printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionLetter {
    pub agency_name: String,
    pub number: String,
    /// The person, masked (`110105********0012`).
    pub id_masked: String,
    pub filed_on: String,
    pub answered_on: String,
    pub items: Vec<String>,
    /// The officer's reasons: what was checked and why the record stands.
    pub reasons: String,
    pub verify_url: String,
}

/// `objection.answered`: the objection re-checked and found without error,
/// answered in writing with a verifiable PDF signed by the agency key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionAnswered {
    /// Verification code (核验码), the certificates' alphabet.
    pub code: String,
    pub number: String,
    pub person: PersonKey,
    /// Local agency time (UTC+8) as printed.
    pub issued_at: String,
    pub letter: ObjectionLetter,
    pub pdf_sha256: String,
    pub pdf_bytes: u64,
    pub key_id: String,
    /// Signature over [`ObjectionAnswered::statement`], hex.
    pub signature: String,
}

impl ObjectionAnswered {
    /// The bytes the agency signs.
    pub fn statement(&self) -> Vec<u8> {
        format!(
            "SIRM objection answer v1\ncode {}\nobjection {}\nperson {}\nissued {}\npdf-sha256 {}\n",
            self.code, self.number, self.person, self.issued_at, self.pdf_sha256
        )
        .into_bytes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn items_read_from_tagged_json_and_unknown_kinds_are_refused() {
        let i: ObjectionItem =
            serde_json::from_str(r#"{"kind":"contribution_month","month":"2024-03"}"#).unwrap();
        assert_eq!(i.zh(), "2024-03 缴费记录");
        assert!(i.employer_may_object());
        let r: ObjectionItem =
            serde_json::from_str(r#"{"kind":"registration_field","field":"address"}"#).unwrap();
        assert!(!r.employer_may_object());
        assert!(serde_json::from_str::<ObjectionItem>(r#"{"kind":"salary"}"#).is_err());
        assert!(serde_json::from_str::<ObjectionItem>(
            r#"{"kind":"contribution_month","month":"2024-13"}"#
        )
        .is_err());
    }
}
