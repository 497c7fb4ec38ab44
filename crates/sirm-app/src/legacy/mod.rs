//! The legacy migration import (历史数据迁移, Art 9(4), docs/migration.md):
//! an export of the old system — a manifest and CSV files of employers,
//! persons, employment periods and monthly contributions — checked whole
//! (every bad row named with file, line, field and rule), archived, and
//! submitted as ONE application of business type `legacy.migration`.
//! Approval writes every fact as the ordinary record kinds in one streamed
//! transaction, after a `legacy.migrated` entry naming the manifest, the
//! files and the rule sets; the figures are recomputed by the rules engine,
//! and a legacy figure that differs is listed as a discrepancy.

pub mod export;
pub mod read;
pub(crate) mod stream;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sirm_domain::access::Permission;
use sirm_domain::records::Material;
use sirm_domain::rules::Month;
use sirm_domain::RuleId;

use crate::collection::BusinessType;
use crate::identity::Principal;
use crate::{AppError, Sirm};
pub use read::Export;

/// The layout version a manifest names.
pub const FORMAT: &str = "sirm-legacy/1";
/// The ledger kind of the batch entry that opens a migration's entries.
pub const KIND_MIGRATED: &str = "legacy.migrated";
/// Discrepancies kept in the application and the entry (the count is exact).
pub const KEEP_DISCREPANCIES: usize = 200;

/// `manifest.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    /// The old system's name (free text).
    pub source_system: String,
    pub exported_on: NaiveDate,
    pub files: Vec<ManifestFile>,
}

/// One file of the manifest: name, SHA-256 (hex) and data rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    pub name: String,
    pub sha256: String,
    pub rows: u64,
}

/// The rules a bad row breaks: id and Chinese name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Rule {
    Manifest,
    FileMissing,
    FileHash,
    RowCount,
    Header,
    Id,
    CreditCode,
    Date,
    Month,
    Amount,
    Value,
    Duplicate,
    UnknownPerson,
    UnknownEmployer,
    PeriodOverlap,
    MonthTwice,
    NotEmployed,
    PaymentMixed,
    Registered,
    RuleSet,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Manifest => "legacy.manifest",
            Rule::FileMissing => "legacy.file-missing",
            Rule::FileHash => "legacy.file-hash",
            Rule::RowCount => "legacy.row-count",
            Rule::Header => "legacy.header",
            Rule::Id => "legacy.id",
            Rule::CreditCode => "legacy.credit-code",
            Rule::Date => "legacy.date",
            Rule::Month => "legacy.month",
            Rule::Amount => "legacy.amount",
            Rule::Value => "legacy.value",
            Rule::Duplicate => "legacy.duplicate",
            Rule::UnknownPerson => "legacy.unknown-person",
            Rule::UnknownEmployer => "legacy.unknown-employer",
            Rule::PeriodOverlap => "legacy.period-overlap",
            Rule::MonthTwice => "legacy.month-twice",
            Rule::NotEmployed => "legacy.not-employed",
            Rule::PaymentMixed => "legacy.payment-mixed",
            Rule::Registered => "legacy.registered",
            Rule::RuleSet => "legacy.rule-set",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Rule::Manifest => "清单文件有误",
            Rule::FileMissing => "清单所列文件缺失或不可读",
            Rule::FileHash => "文件哈希值与清单不符",
            Rule::RowCount => "文件行数与清单不符",
            Rule::Header => "表头不符合迁移格式",
            Rule::Id => "公民身份号码有误（校验码、长度或出生日期）",
            Rule::CreditCode => "统一社会信用代码有误",
            Rule::Date => "日期有误",
            Rule::Month => "月份有误",
            Rule::Amount => "金额不是有效的十进制数",
            Rule::Value => "字段值有误",
            Rule::Duplicate => "记录重复",
            Rule::UnknownPerson => "引用了导出中不存在的人员",
            Rule::UnknownEmployer => "引用了导出中不存在的单位",
            Rule::PeriodOverlap => "就业期间重叠",
            Rule::MonthTwice => "同一人员同一月份重复",
            Rule::NotEmployed => "该月份不在该单位的就业期间内",
            Rule::PaymentMixed => "同一单位同一月份缴费状态不一致",
            Rule::Registered => "已在本系统登记",
            Rule::RuleSet => "该月份没有可用的规则集",
        }
    }
}

impl Serialize for BadRow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("BadRow", 6)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("rule", self.rule.as_str())?;
        st.serialize_field("message_zh", self.rule.zh())?;
        st.serialize_field("reason", &self.reason)?;
        st.end()
    }
}

/// A bad row: file, line (0: the file as a whole), field, rule and why.
/// Never an ID number in clear (a number is shown masked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub rule: Rule,
    pub reason: String,
}

impl BadRow {
    pub fn at(file: &str, line: u64, field: &str, rule: Rule, reason: impl Into<String>) -> Self {
        BadRow {
            file: file.to_string(),
            line,
            field: field.to_string(),
            rule,
            reason: reason.into(),
        }
    }
    pub fn file(file: &str, rule: Rule, reason: impl Into<String>) -> Self {
        Self::at(file, 0, "", rule, reason)
    }
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, " 第 {} 行 (line {})", self.line, self.line)?;
        }
        if !self.field.is_empty() {
            write!(f, " {}", self.field)?;
        }
        write!(
            f,
            ": {} [{}] {}",
            self.rule.zh(),
            self.rule.as_str(),
            self.reason
        )
    }
}

/// A legacy figure the rules engine computes differently (kept, not replaced).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discrepancy {
    pub file: String,
    pub line: u64,
    pub month: Month,
    pub field: String,
    pub legacy: Decimal,
    pub recomputed: Decimal,
    /// The rule set (id, version) that recomputed it.
    pub rule_set: String,
}

/// The raw data of a `legacy.migration` application: the archived files
/// (their hashes are in the ledger with the application), what they hold,
/// and the discrepancies found at intake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyMigration {
    pub manifest_sha256: String,
    pub source_system: String,
    pub exported_on: NaiveDate,
    pub files: Vec<ManifestFile>,
    pub employers: u64,
    pub persons: u64,
    pub employments: u64,
    pub contribution_months: u64,
    pub discrepancy_count: u64,
    pub discrepancies: Vec<Discrepancy>,
}

/// The `legacy.migrated` entry: what was migrated, from which files, under
/// which rule sets. The entries that follow it in the same append carry
/// the same application id: that names the migrated range without a
/// field added to any existing payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyMigrated {
    pub manifest_sha256: String,
    pub source_system: String,
    pub exported_on: NaiveDate,
    pub files: Vec<ManifestFile>,
    pub rule_sets: Vec<String>,
    pub employers: u64,
    pub persons: u64,
    pub employments: u64,
    pub contribution_months: u64,
    pub payments: u64,
    pub discrepancy_count: u64,
    pub discrepancies: Vec<Discrepancy>,
}

/// What `sirm import legacy` reports.
#[derive(Clone, Debug, Serialize)]
pub struct LegacyReport {
    pub application_id: String,
    pub manifest_sha256: String,
    pub employers: u64,
    pub persons: u64,
    pub employments: u64,
    pub contribution_months: u64,
    pub discrepancy_count: u64,
    pub discrepancies: Vec<Discrepancy>,
}

/// The outcome of an import: submitted, or refused with every bad row.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LegacyOutcome {
    Submitted(LegacyReport),
    Refused { bad: Vec<BadRow> },
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

pub(crate) fn sha256_file(path: &Path) -> Result<String, String> {
    crate::medical_file::sha256_of(path).map_err(|e| e.to_string())
}

/// The entries an approval streams.
pub(crate) type Drafts =
    Box<dyn Iterator<Item = Result<sirm_ledger::EntryDraft, sirm_store::StoreError>> + Send>;

/// The subject that keeps one application per manifest in review.
pub(crate) fn subject_of(manifest_sha256: &str) -> String {
    format!("legacy:{manifest_sha256}")
}

/// Archived files by name, for reading an export at approval.
pub(crate) struct Archived(pub(crate) BTreeMap<String, PathBuf>);

impl read::Source for Archived {
    fn path(&self, name: &str) -> Option<PathBuf> {
        self.0.get(name).cloned()
    }
}

impl Sirm {
    /// Check an export in `dir` whole, against itself and the installation;
    /// when nothing is wrong archive its files and submit one
    /// `legacy.migration` application. Nothing is archived or written when
    /// anything is wrong.
    pub async fn submit_legacy(
        &self,
        who: &Principal,
        dir: &Path,
    ) -> Result<LegacyOutcome, AppError> {
        self.authorize(who, Permission::RecordCollect).await?;
        let dir_owned = dir.to_path_buf();
        let (today, now) = (crate::clock::today(), crate::clock::current_month());
        let read = tokio::task::spawn_blocking(move || read::read(&dir_owned, today, now))
            .await
            .map_err(|e| AppError::invalid("legacy", e))?;
        let export = match read {
            Ok(e) => e,
            Err(bad) => return Ok(LegacyOutcome::Refused { bad }),
        };
        self.refuse_migrated(&export.manifest_sha256).await?;
        let bad = self.against_installation(who, &export).await?;
        if !bad.is_empty() {
            return Ok(LegacyOutcome::Refused { bad });
        }
        let (discrepancies, bad) = self.legacy_discrepancies(&export).await?;
        if !bad.is_empty() {
            return Ok(LegacyOutcome::Refused { bad });
        }
        let archive = self.archive();
        let mut materials: Vec<Material> = Vec::new();
        for name in std::iter::once(read::MANIFEST).chain(read::FILES) {
            let media = if name.ends_with(".json") {
                "application/json"
            } else {
                "text/csv"
            };
            materials.push(archive.put_file(name, &dir.join(name), media).await?);
        }
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let data = LegacyMigration {
            manifest_sha256: export.manifest_sha256.clone(),
            source_system: export.manifest.source_system.clone(),
            exported_on: export.manifest.exported_on,
            files: export.manifest.files.clone(),
            employers: count(export.employers.len()),
            persons: count(export.persons.len()),
            employments: count(export.jobs.len()),
            contribution_months: count(export.months.len()),
            discrepancy_count: count(discrepancies.len()),
            discrepancies: discrepancies
                .iter()
                .take(KEEP_DISCREPANCIES)
                .cloned()
                .collect(),
        };
        let value = serde_json::to_value(&data).map_err(|e| AppError::invalid("data", e))?;
        let id = self
            .submit_application(
                who,
                BusinessType::LegacyMigration.as_str(),
                value,
                materials,
            )
            .await?;
        Ok(LegacyOutcome::Submitted(LegacyReport {
            application_id: id,
            manifest_sha256: data.manifest_sha256,
            employers: data.employers,
            persons: data.persons,
            employments: data.employments,
            contribution_months: data.contribution_months,
            discrepancy_count: data.discrepancy_count,
            discrepancies,
        }))
    }

    /// Refused when a `legacy.migrated` entry names this manifest already.
    pub(crate) async fn refuse_migrated(&self, manifest_sha256: &str) -> Result<(), AppError> {
        let done = self
            .store
            .entries_of_kind(sirm_ledger::Stream::Business.as_str(), KIND_MIGRATED)
            .await?;
        for e in done {
            let p: LegacyMigrated = serde_json::from_str(&e.payload)
                .map_err(|err| AppError::invalid("legacy.migrated", err))?;
            if p.manifest_sha256 == manifest_sha256 {
                return Err(AppError::conflict_by(
                    RuleId::AlreadyDone,
                    format!(
                        "legacy.migrated: 该清单已迁移 / the export with manifest SHA-256 {manifest_sha256} was migrated already (ledger entry {})",
                        e.seq
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Employers and persons of the export not yet registered here.
    pub(crate) async fn against_installation(
        &self,
        who: &Principal,
        export: &Export,
    ) -> Result<Vec<BadRow>, AppError> {
        let mut bad = Vec::new();
        for (line, e) in &export.employers {
            if self
                .store
                .employer_exists(e.credit_code.as_str(), &who.agency)
                .await?
            {
                bad.push(BadRow::at(
                    read::EMPLOYERS,
                    *line,
                    "credit_code",
                    Rule::Registered,
                    format!("{} is registered already", e.credit_code),
                ));
            }
        }
        let vault = self.vault()?;
        for (line, p) in &export.persons {
            let pk = vault.person_key(&p.id);
            if self.store.person(pk.as_str()).await?.is_some()
                || self.store.alias_target(pk.as_str()).await?.is_some()
            {
                bad.push(BadRow::at(
                    read::PERSONS,
                    *line,
                    "id_number",
                    Rule::Registered,
                    format!("{} is registered already", p.id.masked()),
                ));
            }
        }
        Ok(bad)
    }

    /// Each month's figures recomputed under the rule set in force for it:
    /// the legacy base where it differs, and the months no rule set covers.
    pub(crate) async fn legacy_discrepancies(
        &self,
        export: &Export,
    ) -> Result<(Vec<Discrepancy>, Vec<BadRow>), AppError> {
        let params = self.month_params(export).await?;
        let mut out = Vec::new();
        let mut bad = Vec::new();
        for m in &export.months {
            let Some((p, rule_set)) = params.get(&m.month) else {
                bad.push(BadRow::at(
                    read::CONTRIBUTIONS,
                    m.line,
                    "month",
                    Rule::RuleSet,
                    format!("no rule set of this installation covers {}", m.month),
                ));
                continue;
            };
            let class = export.employers[m.employer].1.industry_class;
            match sirm_domain::rules::engine::month(p, m.declared_wage, class) {
                Ok(r) if r.base != m.base => out.push(Discrepancy {
                    file: read::CONTRIBUTIONS.into(),
                    line: m.line,
                    month: m.month,
                    field: "base".into(),
                    legacy: m.base,
                    recomputed: r.base,
                    rule_set: rule_set.clone(),
                }),
                Ok(_) => {}
                Err(e) => bad.push(BadRow::at(
                    read::CONTRIBUTIONS,
                    m.line,
                    "declared_wage",
                    Rule::RuleSet,
                    e.to_string(),
                )),
            }
        }
        Ok((out, bad))
    }

    /// The parameters (and rule set name) in force for every month of the export.
    pub(crate) async fn month_params(
        &self,
        export: &Export,
    ) -> Result<BTreeMap<Month, (sirm_domain::rules::ruleset::Params, String)>, AppError> {
        let mut out = BTreeMap::new();
        let months: std::collections::BTreeSet<Month> =
            export.months.iter().map(|m| m.month).collect();
        for m in months {
            let Ok(set) = self.rules_for_month(m).await else {
                continue;
            };
            if let Ok(p) = set.year(m.year()) {
                let name = format!("{} v{}", p.rule_set.id, p.rule_set.version);
                out.insert(m, (p.clone(), name));
            }
        }
        Ok(out)
    }
}
