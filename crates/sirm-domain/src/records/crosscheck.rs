//! Cross-checking with other departments (信息比对, Art 5): the files other
//! departments send (tax wages, deaths, ID changes, employer status,
//! public-institution staff, a contracted institution's settlements), the
//! discrepancies their rows reveal against the record, and how the
//! maintenance officer resolved each. Persons are named by blind index.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::RejectedLine;
use crate::id::{CreditCode, PersonKey};
use crate::rules::Month;

/// The kinds of department file (one documented format each, docs/crosscheck.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// Taxable wages (税务部门): person, employer, month, taxable wage.
    TaxWage,
    /// Deaths (民政部门): person, date of death, certificate number.
    Death,
    /// Household and ID changes (公安部门): old/new ID number, new name, date.
    IdChange,
    /// Employer status (市场监管部门): credit code, status, date.
    EmployerStatus,
    /// Public-institution staff (机构编制部门): person, institution, from/to.
    InstitutionStaff,
    /// A contracted service institution's settlement (定点服务机构结算).
    Settlement,
}

impl FileKind {
    pub const ALL: [FileKind; 6] = [
        FileKind::TaxWage,
        FileKind::Death,
        FileKind::IdChange,
        FileKind::EmployerStatus,
        FileKind::InstitutionStaff,
        FileKind::Settlement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::TaxWage => "tax_wage",
            FileKind::Death => "death",
            FileKind::IdChange => "id_change",
            FileKind::EmployerStatus => "employer_status",
            FileKind::InstitutionStaff => "institution_staff",
            FileKind::Settlement => "settlement",
        }
    }

    /// The department that sends files of this kind.
    pub fn department_zh(self) -> &'static str {
        match self {
            FileKind::TaxWage => "税务部门",
            FileKind::Death => "民政部门",
            FileKind::IdChange => "公安部门",
            FileKind::EmployerStatus => "市场监督管理部门",
            FileKind::InstitutionStaff => "机构编制部门",
            FileKind::Settlement => "定点服务机构",
        }
    }

    /// What the file holds, in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            FileKind::TaxWage => "个人所得税工资薪金数据",
            FileKind::Death => "死亡人员信息",
            FileKind::IdChange => "户籍及身份号码变更信息",
            FileKind::EmployerStatus => "市场主体登记状态",
            FileKind::InstitutionStaff => "机关事业单位编制人员信息",
            FileKind::Settlement => "定点服务机构结算数据",
        }
    }

    /// The columns of the header line, in order: (key, Chinese label).
    /// A header may use either; a column marked optional may be empty.
    pub fn columns(self) -> &'static [(&'static str, &'static str)] {
        match self {
            FileKind::TaxWage => &[
                ("id_number", "身份号码"),
                ("credit_code", "统一社会信用代码"),
                ("month", "所属期"),
                ("taxable_wage", "应税工资"),
            ],
            FileKind::Death => &[
                ("id_number", "身份号码"),
                ("died_on", "死亡日期"),
                ("certificate_no", "死亡证明编号"),
            ],
            FileKind::IdChange => &[
                ("old_id_number", "原身份号码"),
                ("new_id_number", "新身份号码"),
                ("new_name", "变更后姓名"),
                ("changed_on", "变更日期"),
            ],
            FileKind::EmployerStatus => &[
                ("credit_code", "统一社会信用代码"),
                ("status", "登记状态"),
                ("status_on", "状态日期"),
            ],
            FileKind::InstitutionStaff => &[
                ("id_number", "身份号码"),
                ("institution", "单位统一社会信用代码"),
                ("from", "编制起始日期"),
                ("to", "编制终止日期"),
            ],
            FileKind::Settlement => &[
                ("id_number", "身份号码"),
                ("institution", "机构统一社会信用代码"),
                ("date", "结算日期"),
                ("item", "结算项目"),
                ("amount", "金额"),
            ],
        }
    }
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for FileKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        FileKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                let all: Vec<&str> = FileKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("{s:?} is not one of {}", all.join(", "))
            })
    }
}

/// A department file taken in: archived as the original material, its
/// hash, department, rows, and the rows refused with why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosscheckImported {
    pub import_id: String,
    pub kind: FileKind,
    /// The sending department (Chinese), as [`FileKind::department_zh`].
    pub department: String,
    /// SHA-256 of the file (its address in the archive).
    pub file_sha256: String,
    pub size: u64,
    /// Data rows read (the header not counted).
    pub rows: u64,
    pub accepted: u64,
    pub rejected_count: u64,
    /// The first refused rows (at most 200) with their reasons.
    pub rejected: Vec<RejectedLine>,
    /// New discrepancies written with this import.
    pub discrepancies: u64,
    /// Discrepancies found again that were already recorded.
    pub known: u64,
    /// The file's media type when not CSV (an XLSX workbook).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// What a discrepancy is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyKind {
    /// Declared wage lower than the taxable wage beyond the tolerance (少报缴费基数).
    UnderDeclared,
    /// A death while a benefit is paid (死亡后仍领取待遇).
    DeathWithBenefit,
    /// A death while contributions are declared after it (死亡后仍申报缴费).
    DeathWithContributions,
    /// Public security changed the person's ID number (公民身份号码变更).
    IdChanged,
    /// Public security recorded a change of name (姓名变更).
    NameChanged,
    /// An employer de-registered by market regulation still declares or is active here.
    EmployerDeregistered,
    /// A person in the file is not registered here (未参保登记).
    UnknownPerson,
    /// An employer in the file is not registered here (单位未登记).
    UnknownEmployer,
}

impl DiscrepancyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiscrepancyKind::UnderDeclared => "under_declared",
            DiscrepancyKind::DeathWithBenefit => "death_with_benefit",
            DiscrepancyKind::DeathWithContributions => "death_with_contributions",
            DiscrepancyKind::IdChanged => "id_changed",
            DiscrepancyKind::NameChanged => "name_changed",
            DiscrepancyKind::EmployerDeregistered => "employer_deregistered",
            DiscrepancyKind::UnknownPerson => "unknown_person",
            DiscrepancyKind::UnknownEmployer => "unknown_employer",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            DiscrepancyKind::UnderDeclared => "少报缴费工资",
            DiscrepancyKind::DeathWithBenefit => "死亡后仍领取待遇",
            DiscrepancyKind::DeathWithContributions => "死亡后仍申报缴费",
            DiscrepancyKind::IdChanged => "公民身份号码变更",
            DiscrepancyKind::NameChanged => "姓名变更",
            DiscrepancyKind::EmployerDeregistered => "单位已注销仍在参保",
            DiscrepancyKind::UnknownPerson => "人员未参保登记",
            DiscrepancyKind::UnknownEmployer => "单位未参保登记",
        }
    }
}

impl std::str::FromStr for DiscrepancyKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(s.to_string()))
            .map_err(|_| format!("{s:?} is no discrepancy kind"))
    }
}

/// The evidence of a discrepancy: the file's line and what it says beside
/// what the record says. Only the fields that apply are present.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscrepancyEvidence {
    /// The line of the department file.
    pub line: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<CreditCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<Month>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxable_wage: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_wage: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// A certificate or document number of the department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The new ID number's blind index (ID changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_person: Option<PersonKey>,
    /// What the record holds after the fact: e.g. months paid or declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months_after: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_after: Option<Decimal>,
    /// The department's status word (employer status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// The action proposed for a discrepancy: an application of an existing
/// business type, prepared from it, which the maintenance officer submits
/// by accepting (it then runs the review chain). `data` is kept protected
/// (blind indexes, sealed names), as an application's data is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    pub business_type: String,
    pub data: serde_json::Value,
}

/// One difference between a department's row and the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosscheckDiscrepancy {
    pub discrepancy_id: String,
    pub import_id: String,
    pub kind: DiscrepancyKind,
    /// `person:<blind index>` or `employer:<credit code>`.
    pub subject: String,
    /// The month or fact the discrepancy is about (part of its identity).
    pub fact: String,
    pub evidence: DiscrepancyEvidence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Proposal>,
}

/// How the maintenance officer resolved a discrepancy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The proposed application was submitted (it runs the review chain).
    Accepted,
    /// Not a discrepancy after all, with a reason.
    Dismissed,
    /// The employer or person was asked to explain or correct (待核实).
    Asked,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Accepted => "accepted",
            Resolution::Dismissed => "dismissed",
            Resolution::Asked => "asked",
        }
    }
}

/// A discrepancy resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosscheckResolved {
    pub discrepancy_id: String,
    pub resolution: Resolution,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// Asked: whom (`employer:<credit code>` or `person:<blind index>`);
    /// absent when asked outside SIRM (no one to address, e.g. a death).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addressee: Option<String>,
}

/// The asked employer's or person's answer to a discrepancy (核查答复).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosscheckAnswered {
    pub discrepancy_id: String,
    pub answer: String,
}

/// Longest answer kept (characters).
pub const MAX_ANSWER_CHARS: usize = 1000;

/// The benefit paid for months after a benefit stopped being due
/// (待遇多发): months after the month of `last_due_day`, with their total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overpaid {
    /// The first month overpaid (absent when none was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_month: Option<Month>,
    pub months: u32,
    pub total: Decimal,
}

/// The payments recorded for months after the month of `last_due_day`
/// (for a death: the day of death; the month of death is still due).
pub fn overpaid_after(last_due_day: NaiveDate, payments: &[(Month, Decimal)]) -> Overpaid {
    let last_due = Month::of_date(last_due_day);
    let mut over: Vec<&(Month, Decimal)> = payments.iter().filter(|(m, _)| *m > last_due).collect();
    over.sort_by_key(|(m, _)| *m);
    Overpaid {
        from_month: over.first().map(|(m, _)| *m),
        months: over.len() as u32,
        total: over.iter().map(|(_, a)| *a).sum(),
    }
}

/// The parameters of the under-declaration check: is `declared` lower
/// than `taxable` by more than `tolerance` (a fraction, e.g. 0.05)?
pub fn under_declared(declared: Decimal, taxable: Decimal, tolerance: Decimal) -> bool {
    declared < taxable * (Decimal::ONE - tolerance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn m(y: i32, mo: u32) -> Month {
        Month::new(y, mo).unwrap()
    }

    #[test]
    fn overpaid_counts_months_after_the_month_of_death() {
        let pays: Vec<(Month, Decimal)> = (1..=12).map(|i| (m(2025, i), dec!(3000.50))).collect();
        let died = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
        let o = overpaid_after(died, &pays);
        assert_eq!(o.from_month, Some(m(2025, 4)));
        assert_eq!(o.months, 9);
        assert_eq!(o.total, dec!(27004.50));
        // The last day of a month: nothing of that month is overpaid.
        let o = overpaid_after(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(), &pays);
        assert_eq!((o.months, o.total, o.from_month), (0, Decimal::ZERO, None));
    }

    #[test]
    fn under_declaration_respects_the_tolerance() {
        assert!(!under_declared(dec!(9500), dec!(10000), dec!(0.05)));
        assert!(under_declared(dec!(9499.99), dec!(10000), dec!(0.05)));
        assert!(!under_declared(dec!(12000), dec!(10000), dec!(0)));
    }

    #[test]
    fn kinds_round_trip() {
        for k in FileKind::ALL {
            assert_eq!(k.as_str().parse::<FileKind>(), Ok(k));
        }
        assert_eq!(
            "death_with_benefit".parse::<DiscrepancyKind>(),
            Ok(DiscrepancyKind::DeathWithBenefit)
        );
    }
}
