//! Collection and review (Art 5–7, 11–13): business transactions taken at
//! the front desk with their original materials, passed through the review
//! chain, and — on the last approval — written to the ledger together with
//! the decision, atomically, or not at all.
//!
//! Raw data only: forms carry what was collected (names, dates, addresses);
//! nothing computed can be entered. Every ledger entry an application writes
//! names the application and the responsible person of each stage, which
//! makes the ledger the maintenance log of Art 12.

pub mod archive;
pub mod archive_seal;
pub mod declaration_file;
pub mod xlsx;

use std::str::FromStr;

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sirm_domain::access::Permission;
use sirm_domain::records::{
    self, kind, ApplicationDecided, ApplicationSubmitted, ApplicationWithdrawn, EmployerChange,
    EmployerDeregistration, EmployerRegistration, Material, PersonChange, PersonRegistration,
};
use sirm_domain::review::{self, Chain, Stage, Status, Step};
use sirm_ledger::{EntryDraft, Stream};
use sirm_store::{ApplicationRow, ApplicationStepRow, Expect, MaintenanceRow};

use crate::identity::Principal;
use crate::install::draft;
use crate::registration::{
    employer_change_draft, employer_deregistration_draft, employer_draft, employment_end_draft,
    employment_start_draft, person_change_draft, person_draft,
};
use crate::{AppError, Sirm};

pub use archive::Archive;

/// The business types (业务类型) that exist so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BusinessType {
    #[serde(rename = "person.register")]
    PersonRegister,
    #[serde(rename = "person.change")]
    PersonChange,
    #[serde(rename = "employer.register")]
    EmployerRegister,
    #[serde(rename = "employer.change")]
    EmployerChange,
    #[serde(rename = "employer.deregister")]
    EmployerDeregister,
    #[serde(rename = "employment.start")]
    EmploymentStart,
    #[serde(rename = "employment.end")]
    EmploymentEnd,
    #[serde(rename = "contribution.declare")]
    ContributionDeclare,
    #[serde(rename = "contribution.declare_file")]
    ContributionDeclareFile,
    #[serde(rename = "contribution.payment")]
    ContributionPayment,
    #[serde(rename = "account.settle")]
    AccountSettle,
    #[serde(rename = "benefit.retire")]
    BenefitRetire,
    #[serde(rename = "benefit.status")]
    BenefitStatus,
    /// A correction of registration details by the maintenance officer (Art 11).
    #[serde(rename = "person.correct")]
    PersonCorrect,
    /// A correction of employer registration details (Art 11).
    #[serde(rename = "employer.correct")]
    EmployerCorrect,
    /// A correction of one unpaid person-month of contributions (Art 11).
    #[serde(rename = "contribution.correct")]
    ContributionCorrect,
    /// A social insurance subsidy granted for a run of months.
    #[serde(rename = "subsidy.grant")]
    SubsidyGrant,
    /// The monthly benefit payment run of the agency.
    #[serde(rename = "benefit.payment_run")]
    BenefitPaymentRun,
    /// Erasure of a person's identifying data (maintenance officer, review
    /// chain): destroys the person's data key.
    #[serde(rename = "person.erase")]
    PersonErase,
}

impl BusinessType {
    pub const ALL: [BusinessType; 19] = [
        BusinessType::PersonRegister,
        BusinessType::PersonChange,
        BusinessType::EmployerRegister,
        BusinessType::EmployerChange,
        BusinessType::EmployerDeregister,
        BusinessType::EmploymentStart,
        BusinessType::EmploymentEnd,
        BusinessType::ContributionDeclare,
        BusinessType::ContributionDeclareFile,
        BusinessType::ContributionPayment,
        BusinessType::AccountSettle,
        BusinessType::BenefitRetire,
        BusinessType::BenefitStatus,
        BusinessType::PersonCorrect,
        BusinessType::EmployerCorrect,
        BusinessType::ContributionCorrect,
        BusinessType::SubsidyGrant,
        BusinessType::BenefitPaymentRun,
        BusinessType::PersonErase,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BusinessType::PersonRegister => "person.register",
            BusinessType::PersonChange => "person.change",
            BusinessType::EmployerRegister => "employer.register",
            BusinessType::EmployerChange => "employer.change",
            BusinessType::EmployerDeregister => "employer.deregister",
            BusinessType::EmploymentStart => "employment.start",
            BusinessType::EmploymentEnd => "employment.end",
            BusinessType::ContributionDeclare => "contribution.declare",
            BusinessType::ContributionDeclareFile => "contribution.declare_file",
            BusinessType::ContributionPayment => "contribution.payment",
            BusinessType::AccountSettle => "account.settle",
            BusinessType::BenefitRetire => "benefit.retire",
            BusinessType::BenefitStatus => "benefit.status",
            BusinessType::PersonCorrect => "person.correct",
            BusinessType::EmployerCorrect => "employer.correct",
            BusinessType::ContributionCorrect => "contribution.correct",
            BusinessType::SubsidyGrant => "subsidy.grant",
            BusinessType::BenefitPaymentRun => "benefit.payment_run",
            BusinessType::PersonErase => "person.erase",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            BusinessType::PersonRegister => "参保登记",
            BusinessType::PersonChange => "个人信息变更",
            BusinessType::EmployerRegister => "用人单位登记",
            BusinessType::EmployerChange => "用人单位变更登记",
            BusinessType::EmployerDeregister => "用人单位注销登记",
            BusinessType::EmploymentStart => "增员（就业登记）",
            BusinessType::EmploymentEnd => "减员（终止就业）",
            BusinessType::ContributionDeclare => "月度缴费申报",
            BusinessType::ContributionDeclareFile => "月度缴费申报（批量文件）",
            BusinessType::ContributionPayment => "缴费到账确认",
            BusinessType::AccountSettle => "个人账户年度结算",
            BusinessType::BenefitRetire => "退休待遇核定",
            BusinessType::BenefitStatus => "待遇暂停 / 终止",
            BusinessType::PersonCorrect => "个人信息更正（维护）",
            BusinessType::EmployerCorrect => "单位信息更正（维护）",
            BusinessType::ContributionCorrect => "缴费记录更正（维护）",
            BusinessType::SubsidyGrant => "社会保险补贴",
            BusinessType::BenefitPaymentRun => "月度待遇发放",
            BusinessType::PersonErase => "个人信息删除（维护）",
        }
    }
}

impl FromStr for BusinessType {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        BusinessType::ALL
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<&str> = BusinessType::ALL.iter().map(|b| b.as_str()).collect();
                AppError::invalid(
                    "business_type",
                    format!("{s:?} is not one of {}", all.join(", ")),
                )
            })
    }
}

/// Raw data of an application, validated into its record type.
enum Record {
    Person(PersonRegistration),
    PersonChange(PersonChange),
    Employer(EmployerRegistration),
    EmployerChange(EmployerChange),
    EmployerDeregister(EmployerDeregistration),
    EmploymentStart(records::EmploymentStart),
    EmploymentEnd(records::EmploymentEnd),
    Declaration(records::ContributionDeclaration),
    DeclarationFile(records::DeclarationFile),
    Payment(records::ContributionPaid),
    Settlement(records::AccountSettlement),
    Retirement(records::RetirementApplication),
    BenefitStatus(records::BenefitStatusChange),
    ContributionCorrect(records::ContributionCorrection),
    Subsidy(records::SubsidyGrant),
    PaymentRun(records::BenefitPaymentRun),
    Erase(records::PersonErasure),
}

fn parse<T: serde::de::DeserializeOwned>(data: &serde_json::Value) -> Result<T, AppError> {
    serde_json::from_value(data.clone()).map_err(|e| {
        // serde names the field: "unknown field `x`", "missing field `name`", "invalid …".
        AppError::invalid("data", e)
    })
}

/// Who takes (and resubmits or withdraws) an application of this business
/// type: corrections are the maintenance officer's (Art 11), the rest the clerk's.
pub fn taker_of(business_type: &str) -> Permission {
    if [
        BusinessType::PersonCorrect,
        BusinessType::EmployerCorrect,
        BusinessType::ContributionCorrect,
        BusinessType::PersonErase,
    ]
    .iter()
    .any(|b| b.as_str() == business_type)
    {
        Permission::RecordMaintain
    } else {
        Permission::RecordCollect
    }
}

/// Name the line and field of a bad declaration line before serde would
/// (serde's message does not say which line).
fn check_lines(data: &serde_json::Value) -> Result<(), AppError> {
    let Some(lines) = data.get("lines").and_then(|l| l.as_array()) else {
        return Ok(());
    };
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let id = line.get("id").and_then(|v| v.as_str()).unwrap_or("");
        if let Err(e) = id.parse::<sirm_domain::id::ResidentId>() {
            return Err(AppError::invalid(format!("lines[{n}].id"), e));
        }
        match line.get("declared_wage") {
            Some(serde_json::Value::String(w))
                if w.trim().parse::<rust_decimal::Decimal>().is_ok() => {}
            Some(v) => {
                return Err(AppError::invalid(
                    format!("lines[{n}].declared_wage"),
                    format!("{v} is not a decimal amount (write it as a string, e.g. \"8000.00\")"),
                ))
            }
            None => {
                return Err(AppError::invalid(
                    format!("lines[{n}].declared_wage"),
                    "is missing",
                ))
            }
        }
    }
    Ok(())
}

/// Raw data checked against the record, with what approval would write.
struct Validated {
    rec: Record,
    subject: String,
    drafts: Vec<EntryDraft>,
}

/// An application with its steps and what it will write.
#[derive(Clone, Debug, Serialize)]
pub struct ApplicationView {
    pub application: ApplicationRow,
    pub steps: Vec<ApplicationStepRow>,
    pub materials: Vec<Material>,
    /// The ledger entries approval will append (kind and payload), computed
    /// from the raw data now — what the reviewer is approving.
    pub effect: Vec<serde_json::Value>,
    /// Why the record cannot be written now, if it cannot (e.g. the person
    /// was registered meanwhile).
    pub blocked: Option<String>,
}

impl Sirm {
    pub fn archive(&self) -> Archive {
        self.archive.clone()
    }

    /// The review chain configured for a business type (default: all four stages).
    pub fn chain_for(&self, bt: BusinessType) -> Chain {
        self.config
            .review
            .get(bt.as_str())
            .cloned()
            .unwrap_or_else(Chain::full)
    }

    /// Parse and check raw data against what is registered now, and build
    /// the entries approval would write (computed figures included): the
    /// record, its subject, and those drafts.
    async fn validate(
        &self,
        who: &Principal,
        bt: BusinessType,
        data: &serde_json::Value,
    ) -> Result<Validated, AppError> {
        let rec = match bt {
            BusinessType::PersonRegister => Record::Person(parse(data)?),
            BusinessType::PersonChange => Record::PersonChange(parse(data)?),
            BusinessType::EmployerRegister => Record::Employer(parse(data)?),
            BusinessType::EmployerChange => Record::EmployerChange(parse(data)?),
            BusinessType::EmployerDeregister => Record::EmployerDeregister(parse(data)?),
            BusinessType::EmploymentStart => Record::EmploymentStart(parse(data)?),
            BusinessType::EmploymentEnd => Record::EmploymentEnd(parse(data)?),
            BusinessType::ContributionDeclare => Record::Declaration(parse(data)?),
            BusinessType::ContributionDeclareFile => Record::DeclarationFile(parse(data)?),
            BusinessType::ContributionPayment => Record::Payment(parse(data)?),
            BusinessType::AccountSettle => Record::Settlement(parse(data)?),
            BusinessType::BenefitRetire => Record::Retirement(parse(data)?),
            BusinessType::BenefitStatus => Record::BenefitStatus(parse(data)?),
            BusinessType::PersonCorrect => Record::PersonChange(parse(data)?),
            BusinessType::EmployerCorrect => Record::EmployerChange(parse(data)?),
            BusinessType::ContributionCorrect => Record::ContributionCorrect(parse(data)?),
            BusinessType::SubsidyGrant => Record::Subsidy(parse(data)?),
            BusinessType::BenefitPaymentRun => Record::PaymentRun(parse(data)?),
            BusinessType::PersonErase => Record::Erase(parse(data)?),
        };
        self.check_state(who, &rec).await?;
        // Build the drafts once: they carry every field check and, for
        // contributions, the computation itself.
        let drafts = self.record_drafts(&rec, &who.username).await?;
        let subject = match &rec {
            Record::Declaration(d) => format!("declaration:{}:{}", d.credit_code, d.month),
            Record::DeclarationFile(d) => format!("declaration:{}:{}", d.credit_code, d.month),
            Record::Settlement(a) => format!("declaration:settlement:{}", a.year),
            Record::PaymentRun(r) => format!("declaration:benefit-payment:{}", r.month),
            _ => drafts
                .first()
                .map(|d| d.subject.clone())
                .unwrap_or_default(),
        };
        Ok(Validated {
            rec,
            subject,
            drafts,
        })
    }

    /// Does the record fit what is registered now?
    async fn check_state(&self, who: &Principal, rec: &Record) -> Result<(), AppError> {
        match rec {
            Record::Person(p) => {
                if self.store.person(p.id.as_str()).await?.is_some() {
                    return Err(AppError::Conflict(format!(
                        "person {} is already registered",
                        p.id.short()
                    )));
                }
            }
            Record::PersonChange(c) => {
                self.person_of_agency(who, &c.id).await?;
            }
            Record::Erase(e) => {
                self.person_of_agency(who, &e.id).await?;
                for (f, v, max) in [("reason", &e.reason, 400), ("basis", &e.basis, 400)] {
                    records::check_text(f, v, max).map_err(|err| AppError::invalid(f, err))?;
                }
                if matches!(
                    self.data_key(&e.id, false).await?,
                    Some(crate::privacy::DataKey::Erased)
                ) {
                    return Err(AppError::Conflict(format!(
                        "the personal data of {} was erased already",
                        e.id.short()
                    )));
                }
            }
            Record::Employer(e) => {
                if self
                    .store
                    .employer_exists(e.credit_code.as_str(), &who.agency)
                    .await?
                {
                    return Err(AppError::Conflict(format!(
                        "employer {} is already registered",
                        e.credit_code
                    )));
                }
            }
            Record::EmployerChange(EmployerChange { credit_code, .. })
            | Record::EmployerDeregister(EmployerDeregistration { credit_code, .. }) => {
                if !self
                    .store
                    .employer_exists(credit_code.as_str(), &who.agency)
                    .await?
                {
                    return Err(AppError::NotFound(format!(
                        "employer {credit_code} in agency {}",
                        who.agency
                    )));
                }
            }
            Record::EmploymentStart(e) => {
                self.person_of_agency_for(who, &e.id).await?;
                if e.start_on < self.birth_date_of(&e.id).await? {
                    return Err(AppError::invalid(
                        "start_on",
                        "is before the birth date in the ID number",
                    ));
                }
                if !self
                    .store
                    .employer_exists(e.credit_code.as_str(), &who.agency)
                    .await?
                {
                    return Err(AppError::NotFound(format!(
                        "employer {} in agency {}",
                        e.credit_code, who.agency
                    )));
                }
                let start = e.start_on.to_string();
                for job in self.store.employments_of(e.id.as_str()).await? {
                    // Overlap: an open employment, or one that ends on or after this start.
                    let overlaps = match &job.end_on {
                        None => true,
                        Some(end) => *end >= start,
                    };
                    if overlaps {
                        return Err(AppError::Conflict(format!(
                            "start_on {start}: overlaps the employment with {} from {}{}; end that one first",
                            job.credit_code,
                            job.start_on,
                            job.end_on.as_deref().map(|e| format!(" to {e}")).unwrap_or_else(|| " (still open)".into())
                        )));
                    }
                }
            }
            Record::Declaration(d) => self.check_declaration(who, d).await?,
            Record::ContributionCorrect(c) => {
                self.person_of_agency_for(who, &c.id).await?;
                records::check_text("reason", &c.reason, 400)
                    .map_err(|e| AppError::invalid("reason", e))?;
                if c.declared_wage.is_sign_negative() {
                    return Err(AppError::invalid("declared_wage", "must not be negative"));
                }
                match self
                    .store
                    .contribution_month(c.id.as_str(), &c.month.to_string())
                    .await?
                {
                    None => {
                        return Err(AppError::NotFound(format!(
                            "contributions of {} for {}",
                            c.id.short(),
                            c.month
                        )))
                    }
                    Some((_, _, status)) if status == "paid" => {
                        return Err(AppError::Conflict(format!(
                            "{} {} is already paid: a paid month is settled by refund or supplementary payment, not corrected",
                            c.id.short(),
                            c.month
                        )))
                    }
                    Some(_) => {}
                }
            }
            Record::Subsidy(g) => {
                self.person_of_agency_for(who, &g.id).await?;
                g.validate().map_err(|e| {
                    let (field, msg) = e.split_once(": ").unwrap_or(("data", e.as_str()));
                    AppError::invalid(field.to_string(), msg.to_string())
                })?;
                let taken = self
                    .store
                    .subsidised_months(
                        g.id.as_str(),
                        &g.kind,
                        &g.from_month.to_string(),
                        &g.to_month.to_string(),
                    )
                    .await?;
                if let Some(m) = taken.first() {
                    return Err(AppError::Conflict(format!(
                        "from_month: {} already has a {} subsidy for {m}",
                        g.id.short(),
                        g.kind
                    )));
                }
            }
            Record::PaymentRun(r) => {
                let this_month =
                    sirm_domain::rules::Month::of_date(chrono::Utc::now().date_naive());
                if r.month > this_month {
                    return Err(AppError::invalid(
                        "month",
                        format!("{} is in the future", r.month),
                    ));
                }
                if self
                    .store
                    .payments_in(&who.agency, &r.month.to_string())
                    .await?
                    > 0
                {
                    return Err(AppError::Conflict(format!(
                        "benefits for {} are already paid",
                        r.month
                    )));
                }
                if self
                    .store
                    .payable_benefits(&who.agency, &r.month.to_string())
                    .await?
                    .is_empty()
                {
                    return Err(AppError::NotFound(format!(
                        "a benefit payable for {}",
                        r.month
                    )));
                }
            }
            Record::BenefitStatus(b) => {
                self.person_of_agency_for(who, &b.id).await?;
                if b.status != "suspended" && b.status != "terminated" {
                    return Err(AppError::invalid(
                        "status",
                        format!("{:?} is not suspended or terminated", b.status),
                    ));
                }
                records::check_text("reason", &b.reason, 400)
                    .map_err(|e| AppError::invalid("reason", e))?;
                match self.store.benefit_of(b.id.as_str()).await? {
                    None => {
                        return Err(AppError::NotFound(format!("a benefit of {}", b.id.short())))
                    }
                    Some((status, ..)) if status == "terminated" => {
                        return Err(AppError::Conflict(format!(
                            "the benefit of {} is already terminated",
                            b.id.short()
                        )))
                    }
                    Some(_) => {}
                }
            }
            Record::Retirement(r) => {
                self.person_of_agency_for(who, &r.id).await?;
                if self.store.benefit_of(r.id.as_str()).await?.is_some() {
                    return Err(AppError::Conflict(format!(
                        "{} already has a benefit granted",
                        r.id.short()
                    )));
                }
                // Eligibility and pension are computed by `record_drafts`.
            }
            Record::Settlement(a) => {
                let this_year = chrono::Datelike::year(&chrono::Utc::now().date_naive());
                if a.year > this_year {
                    return Err(AppError::invalid(
                        "year",
                        format!("{} is in the future", a.year),
                    ));
                }
                let book = crate::rules_book()?;
                let set = book
                    .by_region(&self.config.agency_code)
                    .map_err(|e| AppError::invalid("rule_set", e))?;
                let params = set.year(a.year).map_err(|e| AppError::invalid("year", e))?;
                if params.crediting_rate.is_none() {
                    return Err(AppError::invalid(
                        "year",
                        format!("no crediting rate (记账利率) is published for {}", a.year),
                    ));
                }
                if self.store.settled_count(a.year).await? > 0 {
                    return Err(AppError::Conflict(format!(
                        "personal accounts are already settled for {}",
                        a.year
                    )));
                }
            }
            Record::Payment(p) => {
                let rows = self
                    .store
                    .assessed_amounts(p.credit_code.as_str(), &p.month.to_string())
                    .await?;
                if rows.is_empty() {
                    return Err(AppError::NotFound(format!(
                        "assessed contributions of {} for {}",
                        p.credit_code, p.month
                    )));
                }
                if rows.iter().any(|r| r[7] == "paid") {
                    return Err(AppError::Conflict(format!(
                        "{} {} is already paid",
                        p.credit_code, p.month
                    )));
                }
                let mut due = rust_decimal::Decimal::ZERO;
                for r in &rows {
                    for a in &r[..7] {
                        due += a
                            .parse::<rust_decimal::Decimal>()
                            .map_err(|e| AppError::invalid("amount", e))?;
                    }
                }
                if p.amount != due {
                    return Err(AppError::invalid(
                        "amount",
                        format!(
                            "{} received does not equal the {} due for {} {}",
                            p.amount, due, p.credit_code, p.month
                        ),
                    ));
                }
            }
            Record::DeclarationFile(d) => {
                if self
                    .store
                    .employer_class(d.credit_code.as_str(), &who.agency)
                    .await?
                    .is_none()
                {
                    return Err(AppError::NotFound(format!(
                        "employer {} in agency {}",
                        d.credit_code, who.agency
                    )));
                }
                if self
                    .store
                    .assessed_count(d.credit_code.as_str(), &d.month.to_string())
                    .await?
                    > 0
                {
                    return Err(AppError::Conflict(format!(
                        "{} already has contributions assessed for {}",
                        d.credit_code, d.month
                    )));
                }
                // The archived file must still be there, unaltered.
                self.archive().verified_path(&d.file.sha256).await?;
            }
            Record::EmploymentEnd(e) => {
                self.person_of_agency_for(who, &e.id).await?;
                let open = self
                    .store
                    .employments_of(e.id.as_str())
                    .await?
                    .into_iter()
                    .find(|j| j.credit_code == e.credit_code.as_str() && j.end_on.is_none())
                    .ok_or_else(|| {
                        AppError::NotFound(format!(
                            "an open employment of {} with {}",
                            e.id.short(),
                            e.credit_code
                        ))
                    })?;
                if e.end_on.to_string() < open.start_on {
                    return Err(AppError::invalid(
                        "end_on",
                        format!("is before the start {}", open.start_on),
                    ));
                }
            }
        }
        Ok(())
    }

    async fn record_drafts(&self, rec: &Record, actor: &str) -> Result<Vec<EntryDraft>, AppError> {
        let c = &self.config;
        if let Record::Declaration(d) = rec {
            return self.assess(d, actor).await;
        }
        Ok(vec![match rec {
            Record::Person(p) => person_draft(c, actor, p)?,
            Record::PersonChange(p) => person_change_draft(c, actor, p)?,
            Record::Employer(e) => employer_draft(c, actor, e)?,
            Record::EmployerChange(e) => employer_change_draft(c, actor, e)?,
            Record::EmployerDeregister(e) => employer_deregistration_draft(c, actor, e)?,
            Record::EmploymentStart(e) => employment_start_draft(c, actor, e)?,
            Record::EmploymentEnd(e) => employment_end_draft(c, actor, e)?,
            Record::Erase(e) => draft(
                c,
                Stream::Business,
                kind::PERSON_ERASED,
                records::person_subject(&e.id),
                actor,
                e,
            )?,
            Record::Payment(p) => draft(
                c,
                Stream::Business,
                kind::CONTRIBUTION_PAID,
                records::employer_subject(&p.credit_code),
                actor,
                p,
            )?,
            // Streamed at approval (see `decide_application`).
            Record::Declaration(_) | Record::DeclarationFile(_) => return Ok(vec![]),
            Record::Settlement(_) | Record::PaymentRun(_) => return Ok(vec![]),
            Record::Subsidy(g) => draft(
                c,
                Stream::Business,
                kind::SUBSIDY_GRANTED,
                records::person_subject(&g.id),
                actor,
                g,
            )?,
            Record::ContributionCorrect(k) => {
                let corrected = self.correct_contribution(k).await?;
                draft(
                    c,
                    Stream::Business,
                    kind::CONTRIBUTION_CORRECTED,
                    records::person_subject(&k.id),
                    actor,
                    &corrected,
                )?
            }
            Record::BenefitStatus(b) => draft(
                c,
                Stream::Business,
                kind::BENEFIT_STATUS,
                records::person_subject(&b.id),
                actor,
                b,
            )?,
            Record::Retirement(r) => {
                let granted = self.compute_benefit(r).await?;
                draft(
                    c,
                    Stream::Business,
                    kind::BENEFIT_GRANTED,
                    records::person_subject(&r.id),
                    actor,
                    &granted,
                )?
            }
        }])
    }

    /// Raw data as the clerk or an API client entered it (ID numbers,
    /// names, addresses and phones in clear) → the form kept with the
    /// application and in the ledger: persons named by blind index,
    /// identifying fields sealed. Nothing in clear is stored (docs/privacy.md).
    pub async fn protect_data(
        &self,
        bt: BusinessType,
        data: serde_json::Value,
    ) -> Result<serde_json::Value, AppError> {
        let to_json = |v: Result<serde_json::Value, serde_json::Error>| {
            v.map_err(|e| AppError::invalid("data", e))
        };
        match bt {
            BusinessType::PersonRegister => {
                let d: records::PersonDetails = parse(&data)?;
                to_json(serde_json::to_value(self.seal_registration(&d).await?))
            }
            BusinessType::PersonChange | BusinessType::PersonCorrect => {
                let d: records::PersonChangeDetails = parse(&data)?;
                to_json(serde_json::to_value(self.seal_change(&d).await?))
            }
            _ => {
                check_lines(&data)?;
                let mut data = data;
                let key = |field: &str, v: &mut serde_json::Value| -> Result<(), AppError> {
                    if let Some(text) = v.as_str() {
                        let id: sirm_domain::id::ResidentId = text
                            .trim()
                            .parse()
                            .map_err(|e| AppError::invalid(field.to_string(), e))?;
                        *v = serde_json::Value::String(self.person_key(&id)?.to_string());
                    }
                    Ok(())
                };
                if let Some(v) = data.get_mut("id") {
                    key("id", v)?;
                }
                if let Some(lines) = data.get_mut("lines").and_then(|l| l.as_array_mut()) {
                    for (i, line) in lines.iter_mut().enumerate() {
                        if let Some(v) = line.get_mut("id") {
                            key(&format!("lines[{}].id", i + 1), v)?;
                        }
                    }
                }
                Ok(data)
            }
        }
    }

    /// The clerk takes an application at the counter (初审 = submitting it).
    pub async fn submit_application(
        &self,
        who: &Principal,
        business_type: &str,
        data: serde_json::Value,
        materials: Vec<Material>,
    ) -> Result<String, AppError> {
        let bt = BusinessType::from_str(business_type)?;
        self.authorize(who, taker_of(bt.as_str())).await?;
        let data = self.protect_data(bt, data).await?;
        let subject = self.validate(who, bt, &data).await?.subject;
        self.refuse_open_duplicate(who, &subject).await?;
        if materials.is_empty() {
            return Err(AppError::invalid(
                "materials",
                "attach the scanned original materials (Art 6, 13)",
            ));
        }
        let mut raw = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let id = format!("AP-{}", hex::encode(raw));
        self.submit_inner(who, bt, &id, subject, data, materials, None)
            .await?;
        Ok(id)
    }

    /// The clerk resubmits a returned application (possibly corrected).
    pub async fn resubmit_application(
        &self,
        who: &Principal,
        id: &str,
        data: Option<serde_json::Value>,
        mut materials: Vec<Material>,
    ) -> Result<(), AppError> {
        let app = self.application_of_agency(who, id).await?;
        self.authorize(who, taker_of(&app.business_type)).await?;
        if app.status != "returned" {
            return Err(AppError::Conflict(format!(
                "application {id} is {}, not returned",
                app.status
            )));
        }
        let bt = BusinessType::from_str(&app.business_type)?;
        let data = match data {
            Some(d) => self.protect_data(bt, d).await?,
            None => serde_json::from_str(&app.data).map_err(|e| AppError::invalid("data", e))?,
        };
        let subject = self.validate(who, bt, &data).await?.subject;
        let mut old: Vec<Material> = serde_json::from_str(&app.materials).unwrap_or_default();
        old.append(&mut materials);
        self.submit_inner(who, bt, id, subject, data, old, Some(app.last_seq))
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn submit_inner(
        &self,
        who: &Principal,
        bt: BusinessType,
        id: &str,
        subject: String,
        data: serde_json::Value,
        materials: Vec<Material>,
        expect_seq: Option<i64>,
    ) -> Result<(), AppError> {
        let chain = self.chain_for(bt);
        let steps = match expect_seq {
            Some(_) => self.steps_of(id).await?,
            None => vec![],
        };
        let next = Step {
            stage: Stage::Preliminary,
            actor: who.username.clone(),
            approve: true,
            reason: String::new(),
        };
        let st =
            review::apply(&chain, &steps, &next).map_err(|e| AppError::forbidden("review", e))?;
        let p = ApplicationSubmitted {
            application_id: id.to_string(),
            business_type: bt.as_str().to_string(),
            subject,
            data,
            materials,
            chain: chain.stages().to_vec(),
            status: st.name().to_string(),
            next_stage: match st {
                Status::Pending { stage } => Some(stage),
                _ => None,
            },
        };
        let d = draft(
            &self.config,
            Stream::Business,
            kind::APPLICATION_SUBMITTED,
            records::application_subject(id),
            &who.username,
            &p,
        )?;
        let expect = expect_seq.map(|s| Expect::ApplicationAt {
            id: id.to_string(),
            last_seq: s,
        });
        self.append_checked(vec![d], expect).await
    }

    async fn steps_of(&self, id: &str) -> Result<Vec<Step>, AppError> {
        self.store
            .application_steps(id)
            .await?
            .into_iter()
            .map(|s| {
                Ok(Step {
                    stage: Stage::parse(&s.stage).map_err(|e| AppError::invalid("stage", e))?,
                    actor: s.actor,
                    approve: s.approve,
                    reason: s.reason,
                })
            })
            .collect()
    }

    /// Every line: a person employed by the declaring employer in that month,
    /// declared once, not already assessed for the month.
    async fn check_declaration(
        &self,
        who: &Principal,
        d: &records::ContributionDeclaration,
    ) -> Result<(), AppError> {
        if self
            .store
            .employer_class(d.credit_code.as_str(), &who.agency)
            .await?
            .is_none()
        {
            return Err(AppError::NotFound(format!(
                "employer {} in agency {}",
                d.credit_code, who.agency
            )));
        }
        if d.lines.is_empty() {
            return Err(AppError::invalid("lines", "declare at least one employee"));
        }
        let first = format!("{}-01", d.month);
        let last = format!("{}-31", d.month);
        let mut seen = std::collections::BTreeSet::new();
        for (i, line) in d.lines.iter().enumerate() {
            let n = i + 1;
            if !seen.insert(line.id.as_str().to_string()) {
                return Err(AppError::invalid(
                    format!("lines[{n}].id"),
                    format!("{} is declared twice", line.id.short()),
                ));
            }
            if line.declared_wage.is_sign_negative() {
                return Err(AppError::invalid(
                    format!("lines[{n}].declared_wage"),
                    "must not be negative",
                ));
            }
            let employed = self
                .store
                .employments_of(line.id.as_str())
                .await?
                .iter()
                .any(|j| {
                    j.credit_code == d.credit_code.as_str()
                        && j.start_on <= last
                        && j.end_on.as_deref().is_none_or(|e| e >= first.as_str())
                });
            if !employed {
                return Err(AppError::invalid(
                    format!("lines[{n}].id"),
                    format!(
                        "{} is not employed by {} in {}",
                        line.id.short(),
                        d.credit_code,
                        d.month
                    ),
                ));
            }
            if self
                .store
                .contributions_of(line.id.as_str())
                .await?
                .iter()
                .any(|c| c.month == d.month.to_string())
            {
                return Err(AppError::Conflict(format!(
                    "lines[{n}]: {} already has contributions assessed for {}",
                    line.id.short(),
                    d.month
                )));
            }
        }
        Ok(())
    }

    /// Compute every line with the rules engine (Art 6): base, contributions,
    /// account credit — one `contribution.assessed` entry per person-month.
    async fn assess(
        &self,
        d: &records::ContributionDeclaration,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let book = crate::rules_book()?;
        let set = book
            .by_region(&self.config.agency_code)
            .map_err(|e| AppError::invalid("rule_set", e))?;
        let params = set
            .year(d.month.year())
            .map_err(|e| AppError::invalid("month", e))?;
        let class = self
            .store
            .employer_class(d.credit_code.as_str(), &self.config.agency_code)
            .await?
            .map(|(c, _)| u8::try_from(c).unwrap_or(1))
            .unwrap_or(1);
        let mut out = Vec::with_capacity(d.lines.len());
        for (i, line) in d.lines.iter().enumerate() {
            let result = sirm_domain::rules::engine::month(params, line.declared_wage, class)
                .map_err(|e| AppError::invalid(format!("lines[{}].declared_wage", i + 1), e))?;
            let p = records::ContributionAssessed {
                id: line.id.clone(),
                credit_code: d.credit_code.clone(),
                month: d.month,
                result,
            };
            out.push(draft(
                &self.config,
                Stream::Business,
                kind::CONTRIBUTION_ASSESSED,
                records::person_subject(&line.id),
                actor,
                &p,
            )?);
        }
        Ok(out)
    }

    /// Eligibility and pension of a retirement application, computed from
    /// the record (paid bases, last closing balance) by [`benefit_of_record`].
    async fn compute_benefit(
        &self,
        r: &records::RetirementApplication,
    ) -> Result<records::BenefitGranted, AppError> {
        let today = chrono::Utc::now().date_naive();
        let book = crate::rules_book()?;
        let set = book
            .by_region(&self.config.agency_code)
            .map_err(|e| AppError::invalid("rule_set", e))?;
        let mut bases = Vec::new();
        for (month, base) in self.store.paid_bases(r.id.as_str()).await? {
            let m = sirm_domain::rules::Month::parse(&month)
                .map_err(|e| AppError::invalid("month", e))?;
            let b: rust_decimal::Decimal =
                base.parse().map_err(|e| AppError::invalid("base", e))?;
            bases.push((m, b));
        }
        let balance = match self.store.account_years_of(r.id.as_str()).await?.last() {
            Some(y) => y
                .closing_balance
                .parse()
                .map_err(|e| AppError::invalid("account", e))?,
            None => rust_decimal::Decimal::ZERO,
        };
        let birth_date = self.birth_date_of(&r.id).await?;
        benefit_of_record(set, r, birth_date, &bases, balance, today)
    }

    /// A registered person's birth date (kept in clear on the person row:
    /// the rules engine needs it and must be recomputable without keys).
    pub(crate) async fn birth_date_of(
        &self,
        id: &sirm_domain::id::PersonKey,
    ) -> Result<chrono::NaiveDate, AppError> {
        let row = self
            .store
            .person(id.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("person {}", id.short())))?;
        row.birth_date
            .parse()
            .map_err(|e| AppError::invalid("birth_date", e))
    }

    /// The corrected person-month, computed again with the rules engine for
    /// the employer and month on record.
    async fn correct_contribution(
        &self,
        k: &records::ContributionCorrection,
    ) -> Result<records::ContributionCorrected, AppError> {
        let (credit_code, previous, _) = self
            .store
            .contribution_month(k.id.as_str(), &k.month.to_string())
            .await?
            .ok_or_else(|| {
                AppError::NotFound(format!("contributions of {} for {}", k.id.short(), k.month))
            })?;
        let credit_code: sirm_domain::id::CreditCode = credit_code
            .parse()
            .map_err(|e| AppError::invalid("credit_code", e))?;
        let previous_declared_wage = previous
            .parse()
            .map_err(|e| AppError::invalid("declared_wage", e))?;
        let decl = records::ContributionDeclaration {
            credit_code,
            month: k.month,
            lines: vec![records::DeclarationLine {
                id: k.id.clone(),
                declared_wage: k.declared_wage,
            }],
        };
        let assessed: records::ContributionAssessed = self
            .assess(&decl, "sirm")
            .await?
            .into_iter()
            .next()
            .and_then(|d| serde_json::from_value(d.payload).ok())
            .ok_or_else(|| AppError::invalid("declared_wage", "could not be assessed"))?;
        Ok(records::ContributionCorrected {
            assessed,
            previous_declared_wage,
            reason: k.reason.clone(),
        })
    }

    /// One `benefit.paid` entry per payable benefit of the agency for `month`.
    /// Whom to pay comes from the benefit projection; what to pay never does:
    /// each benefit's `benefit.granted` ledger entry (the `seq` the row names)
    /// is read, re-hashed against its stored leaf hash and checked to be that
    /// person's grant, and the amount is the grant's monthly total. A row
    /// that disagrees with the ledger (total, rule set, start month, or
    /// "granted" while the ledger suspended or terminated it) refuses the
    /// whole run, naming the benefit: projection tables are writable behind
    /// SIRM's back, and `sirm verify` / `sirm rebuild` must be run first.
    async fn payment_drafts(
        &self,
        agency: &str,
        month: sirm_domain::rules::Month,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Vec<EntryDraft>, AppError> {
        use std::collections::{BTreeMap, HashMap};
        let rows = self
            .store
            .payable_benefits(agency, &month.to_string())
            .await?;
        let profile = sirm_ledger::CryptoProfile::from_name(&self.config.profile)?;
        let seqs: Vec<u64> = rows
            .iter()
            .map(|b| u64::try_from(b.seq).unwrap_or(0))
            .collect();
        let mut grants: HashMap<i64, sirm_store::StoredRow> = self
            .store
            .entries_by_seq(&seqs)
            .await?
            .into_iter()
            .map(|r| (r.seq, r))
            .collect();
        // The last suspension or termination of each person, from the ledger.
        let mut ended: BTreeMap<String, i64> = BTreeMap::new();
        for r in self
            .store
            .entries_of_kind(Stream::Business.as_str(), kind::BENEFIT_STATUS)
            .await?
        {
            ended.insert(r.subject.clone(), r.seq);
        }
        let mut out = Vec::with_capacity(rows.len());
        for b in rows {
            let id: sirm_domain::id::PersonKey = b
                .person_id
                .parse()
                .map_err(|e| AppError::invalid("person_id", e))?;
            let refuse = |what: String| {
                AppError::Conflict(format!(
                    "benefit of {} (benefit table row naming entry {}): {what}; the benefit \
                     table disagrees with the ledger, so nothing is paid — run `sirm verify`, \
                     then `sirm rebuild`, and approve again",
                    id.short(),
                    b.seq
                ))
            };
            let subject = records::person_subject(&id);
            // (A suspension or termination also moves the row's `seq` to its
            // entry: `>=`.)
            if let Some(seq) = ended.get(&subject).filter(|s| **s >= b.seq) {
                return Err(refuse(format!(
                    "the table says granted, but ledger entry {seq} suspended or terminated it"
                )));
            }
            let stored = grants
                .remove(&b.seq)
                .ok_or_else(|| refuse("no such ledger entry".into()))?;
            let (entry, leaf) = stored
                .decode()
                .map_err(|e| refuse(format!("the entry is unreadable: {e}")))?;
            if entry.leaf_hash(profile).as_slice() != leaf.as_slice() {
                return Err(refuse(
                    "the entry does not match its recorded leaf hash".into(),
                ));
            }
            let granted: records::BenefitGranted = (entry.kind == kind::BENEFIT_GRANTED
                && entry.subject == subject)
                .then(|| serde_json::from_str(&entry.payload).ok())
                .flatten()
                .filter(|g: &records::BenefitGranted| g.id == id)
                .ok_or_else(|| refuse("the entry is not this person's benefit.granted".into()))?;
            let pension = &granted.pension;
            for (column, table, ledger) in [
                ("total", &b.total, pension.total.to_string()),
                ("rule_set", &b.rule_set, pension.rule_set.to_string()),
                (
                    "start_month",
                    &b.start_month,
                    granted.retirement.retirement_month.to_string(),
                ),
            ] {
                if *table != ledger {
                    return Err(refuse(format!(
                        "{column} is {table} in the table, {ledger} in the ledger"
                    )));
                }
            }
            let p = records::BenefitPaid {
                id: id.clone(),
                month,
                amount: pension.total,
                granted_seq: entry.seq,
                rule_set: pension.rule_set.to_string(),
            };
            let mut d = draft(
                &self.config,
                Stream::Business,
                kind::BENEFIT_PAID,
                subject,
                "sirm",
                &p,
            )?;
            d.application = Some(application.to_string());
            d.actors = actors.clone();
            out.push(d);
        }
        Ok(out)
    }

    /// Year-end settlement of every account with an opening balance or paid
    /// credits in `year` (monthly-accumulation interest, RULES.md).
    async fn settlement_drafts(
        &self,
        year: i32,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Vec<EntryDraft>, AppError> {
        use std::collections::BTreeMap;
        let book = crate::rules_book()?;
        let set = book
            .by_region(&self.config.agency_code)
            .map_err(|e| AppError::invalid("rule_set", e))?;
        let params = set.year(year).map_err(|e| AppError::invalid("year", e))?;
        let rate = params
            .crediting_rate
            .ok_or_else(|| AppError::invalid("year", format!("no crediting rate for {year}")))?;
        let mut accounts: BTreeMap<String, (rust_decimal::Decimal, [rust_decimal::Decimal; 12])> =
            BTreeMap::new();
        for (person, closing) in self.store.closings(year - 1).await? {
            let b = closing
                .parse()
                .map_err(|e| AppError::invalid("closing_balance", e))?;
            accounts
                .entry(person)
                .or_insert((
                    rust_decimal::Decimal::ZERO,
                    [rust_decimal::Decimal::ZERO; 12],
                ))
                .0 = b;
        }
        for (person, month, credit) in self
            .store
            .paid_credits(&self.config.agency_code, year)
            .await?
        {
            let m: usize = month.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
            let c: rust_decimal::Decimal = credit
                .parse()
                .map_err(|e| AppError::invalid("account_credit", e))?;
            let slot = accounts.entry(person).or_insert((
                rust_decimal::Decimal::ZERO,
                [rust_decimal::Decimal::ZERO; 12],
            ));
            slot.1[m.clamp(1, 12) - 1] += c;
        }
        let mut out = Vec::with_capacity(accounts.len());
        for (person, (opening, credits)) in accounts {
            let id: sirm_domain::id::PersonKey = person
                .parse()
                .map_err(|e| AppError::invalid("person_id", e))?;
            let result = sirm_domain::rules::engine::account_year(params, opening, rate, &credits)
                .map_err(|e| AppError::invalid("account", e))?;
            let p = records::AccountSettled {
                id: id.clone(),
                year,
                result,
            };
            let mut d = draft(
                &self.config,
                Stream::Business,
                kind::ACCOUNT_SETTLED,
                records::person_subject(&id),
                "sirm",
                &p,
            )?;
            d.application = Some(application.to_string());
            d.actors = actors.clone();
            out.push(d);
        }
        Ok(out)
    }

    /// One application in review per subject for declarations (the same
    /// employer-month cannot be declared twice at once).
    async fn refuse_open_duplicate(&self, who: &Principal, subject: &str) -> Result<(), AppError> {
        if !subject.starts_with("declaration:") {
            return Ok(());
        }
        let open = self
            .store
            .applications(&who.agency, None, None, 100_000)
            .await?
            .into_iter()
            .any(|a| a.subject == subject && (a.status == "pending" || a.status == "returned"));
        if open {
            return Err(AppError::Conflict(format!(
                "{subject}: a declaration for this employer and month is already in review"
            )));
        }
        Ok(())
    }

    async fn person_of_agency_for(
        &self,
        who: &Principal,
        id: &sirm_domain::id::PersonKey,
    ) -> Result<(), AppError> {
        self.person_of_agency(who, id).await.map(drop)
    }

    async fn application_of_agency(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<ApplicationRow, AppError> {
        let app = self
            .store
            .application(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("application {id}")))?;
        if app.agency != who.agency {
            return Err(AppError::NotFound(format!("application {id}")));
        }
        Ok(app)
    }

    /// A reviewer's decision at `stage`. On the last approval the record is
    /// written to the ledger with the decision, atomically.
    pub async fn decide_application(
        &self,
        who: &Principal,
        id: &str,
        stage: &str,
        approve: bool,
        reason: &str,
    ) -> Result<String, AppError> {
        let stage = Stage::parse(stage).map_err(|e| AppError::invalid("stage", e))?;
        if stage == Stage::Preliminary {
            return Err(AppError::invalid(
                "stage",
                "the preliminary review is the clerk's submission",
            ));
        }
        self.authorize(who, stage.permission()).await?;
        records::check_text(
            "reason",
            if reason.trim().is_empty() {
                "-"
            } else {
                reason
            },
            400,
        )
        .map_err(|e| AppError::invalid("reason", e))?;
        let app = self.application_of_agency(who, id).await?;
        let bt = BusinessType::from_str(&app.business_type)?;
        let chain: Chain =
            serde_json::from_str(&app.chain).map_err(|e| AppError::invalid("chain", e))?;
        let steps = self.steps_of(id).await?;
        let next = Step {
            stage,
            actor: who.username.clone(),
            approve,
            reason: reason.trim().to_string(),
        };
        let st = review::apply(&chain, &steps, &next).map_err(|e| match e {
            review::ReviewError::ReasonRequired => AppError::invalid("reason", e),
            // Another reviewer decided this stage first (HTTP 409).
            review::ReviewError::AlreadyDecided { .. } => AppError::Conflict(e.to_string()),
            other => AppError::Forbidden {
                rule: "review".into(),
                message: other.to_string(),
            },
        })?;
        let decided = ApplicationDecided {
            application_id: id.to_string(),
            stage,
            approve,
            reason: next.reason.clone(),
            status: st.name().to_string(),
            next_stage: match st {
                Status::Pending { stage } => Some(stage),
                _ => None,
            },
        };
        let mut drafts = vec![draft(
            &self.config,
            Stream::Business,
            kind::APPLICATION_DECIDED,
            records::application_subject(id),
            &who.username,
            &decided,
        )?];
        if st == Status::Approved {
            let data: serde_json::Value =
                serde_json::from_str(&app.data).map_err(|e| AppError::invalid("data", e))?;
            let Validated {
                rec,
                drafts: record,
                ..
            } = self.validate(who, bt, &data).await.map_err(|e| {
                AppError::Conflict(format!(
                    "cannot write the record now: {e}; reject the application with this reason"
                ))
            })?;
            // The responsible person of each stage, in order (Art 12).
            let mut actors: Vec<String> = steps
                .iter()
                .skip(
                    steps
                        .iter()
                        .rposition(|s| s.stage == Stage::Preliminary && s.approve)
                        .unwrap_or(0),
                )
                .filter(|s| s.approve)
                .map(|s| s.actor.clone())
                .collect();
            actors.push(who.username.clone());
            let expect = Some(Expect::ApplicationAt {
                id: id.to_string(),
                last_seq: app.last_seq,
            });
            if let Record::Settlement(a) = &rec {
                let rows = self.settlement_drafts(a.year, id, actors).await?;
                let stream = drafts.into_iter().map(Ok).chain(rows.into_iter().map(Ok));
                self.append_stream_with(stream, expect).await?;
                return Ok(st.name().to_string());
            }
            if let Record::PaymentRun(r) = &rec {
                let rows = self
                    .payment_drafts(&who.agency, r.month, id, actors)
                    .await?;
                let stream = drafts.into_iter().map(Ok).chain(rows.into_iter().map(Ok));
                self.append_stream_with(stream, expect).await?;
                return Ok(st.name().to_string());
            }
            if let Record::DeclarationFile(d) = &rec {
                // A file of any size: the decision and every computed row in
                // one streamed transaction.
                let rows = self.file_drafts(d, id, actors).await?;
                let stream = drafts.into_iter().map(Ok).chain(rows);
                self.append_stream_with(stream, expect).await?;
                return Ok(st.name().to_string());
            }
            for mut d in record {
                d.application = Some(id.to_string());
                d.actors = actors.clone();
                drafts.push(d);
            }
            self.append_checked(drafts, expect).await?;
            return Ok(st.name().to_string());
        }
        self.append_checked(
            drafts,
            Some(Expect::ApplicationAt {
                id: id.to_string(),
                last_seq: app.last_seq,
            }),
        )
        .await?;
        Ok(st.name().to_string())
    }

    /// The clerk withdraws a returned application.
    pub async fn withdraw_application(
        &self,
        who: &Principal,
        id: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        let app = self.application_of_agency(who, id).await?;
        self.authorize(who, taker_of(&app.business_type)).await?;
        if app.status != "returned" {
            return Err(AppError::Conflict(format!(
                "application {id} is {}; only a returned application can be withdrawn",
                app.status
            )));
        }
        records::check_text("reason", reason, 400).map_err(|e| AppError::invalid("reason", e))?;
        let p = ApplicationWithdrawn {
            application_id: id.to_string(),
            reason: reason.to_string(),
        };
        let d = draft(
            &self.config,
            Stream::Business,
            kind::APPLICATION_WITHDRAWN,
            records::application_subject(id),
            &who.username,
            &p,
        )?;
        self.append_checked(
            vec![d],
            Some(Expect::ApplicationAt {
                id: id.to_string(),
                last_seq: app.last_seq,
            }),
        )
        .await?;
        Ok(())
    }

    /// The work queue: applications waiting for a stage the principal may act
    /// on and has not acted on in this round; for clerks also the returned ones.
    pub async fn work_queue(&self, who: &Principal) -> Result<Vec<ApplicationRow>, AppError> {
        let stages: Vec<Stage> = Stage::ALL
            .into_iter()
            .filter(|s| *s != Stage::Preliminary && who.may(s.permission()))
            .collect();
        if stages.is_empty()
            && !who.may(Permission::RecordCollect)
            && !who.may(Permission::RecordMaintain)
        {
            self.authorize(who, Permission::RecordReview).await?;
        }
        let mut out = Vec::new();
        for s in stages {
            for app in self
                .store
                .applications(&who.agency, Some("pending"), Some(s.as_str()), 500)
                .await?
            {
                let steps = self.steps_of(&app.application_id).await?;
                let round = steps
                    .iter()
                    .rposition(|x| x.stage == Stage::Preliminary && x.approve)
                    .unwrap_or(0);
                if !steps[round..].iter().any(|x| x.actor == who.username) {
                    out.push(app);
                }
            }
        }
        for app in self
            .store
            .applications(&who.agency, Some("returned"), None, 500)
            .await?
        {
            if who.may(taker_of(&app.business_type)) {
                out.push(app);
            }
        }
        Ok(out)
    }

    /// One application as a reviewer sees it.
    pub async fn application_view(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<ApplicationView, AppError> {
        if !(who.may(Permission::RecordCollect)
            || who.may(Permission::RecordMaintain)
            || who.may(Permission::RecordReview)
            || who.may(Permission::RecordRecheck)
            || who.may(Permission::RecordApprove))
        {
            self.authorize(who, Permission::RecordReview).await?;
        }
        let app = self.application_of_agency(who, id).await?;
        let steps = self.store.application_steps(id).await?;
        let materials: Vec<Material> = serde_json::from_str(&app.materials).unwrap_or_default();
        let bt = BusinessType::from_str(&app.business_type)?;
        let data: serde_json::Value =
            serde_json::from_str(&app.data).map_err(|e| AppError::invalid("data", e))?;
        let (effect, blocked) = match self.validate(who, bt, &data).await {
            Ok(v) => {
                let mut effect = Vec::with_capacity(v.drafts.len());
                for d in v.drafts {
                    // The reviewer reads what they approve: opened here.
                    effect.push(serde_json::json!({
                        "kind": d.kind,
                        "subject": d.subject,
                        "payload": self.reveal_json(&d.payload).await?,
                    }));
                }
                (effect, None)
            }
            Err(e) if app.status == "approved" => {
                (vec![], Some(format!("written to the ledger ({e})")))
            }
            Err(e) => (vec![], Some(e.to_string())),
        };
        let mut app = app;
        app.data = self.reveal_json(&data).await?.to_string();
        Ok(ApplicationView {
            application: app,
            steps,
            materials,
            effect,
            blocked,
        })
    }

    /// A material of an application the principal may see.
    pub async fn material(
        &self,
        who: &Principal,
        id: &str,
        sha256: &str,
    ) -> Result<(Material, Vec<u8>), AppError> {
        let view = self.application_view(who, id).await?;
        let m = view
            .materials
            .into_iter()
            .find(|m| m.sha256 == sha256)
            .ok_or_else(|| AppError::NotFound(format!("material {sha256} of application {id}")))?;
        let bytes = self.archive().get(sha256).await?;
        Ok((m, bytes))
    }

    /// The maintenance log (Art 12): approved changes with their application,
    /// reason, handling and the responsible person of each stage.
    /// The maintenance log (维护日志) of the principal's agency. `subject`
    /// as typed: a resident ID number, a credit code, or `kind:identifier`.
    /// Rows come back opened for the officer: payloads with ID numbers and
    /// names, subjects with the masked ID number.
    pub async fn maintenance_log(
        &self,
        who: &Principal,
        subject: Option<&str>,
        from_us: Option<i64>,
        to_us: Option<i64>,
        officer: Option<&str>,
    ) -> Result<Vec<MaintenanceRow>, AppError> {
        self.authorize(who, Permission::PersonQuery).await?;
        let subject = match subject.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) if s.contains(':') => Some(s.to_string()),
            Some(s) => match s.parse::<sirm_domain::id::ResidentId>() {
                Ok(id) => Some(records::person_subject(&self.person_key(&id)?)),
                Err(_) => Some(format!("employer:{s}")),
            },
        };
        let rows = self
            .store
            .maintenance_log(&who.agency, subject.as_deref(), from_us, to_us, 1000)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for mut r in rows
            .into_iter()
            .filter(|r| officer.is_none_or(|o| r.actors.contains(&format!("\"{o}\""))))
        {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&r.payload) {
                r.payload = self.reveal_json(&v).await?.to_string();
            }
            if let Some(pk) = r
                .subject
                .strip_prefix("person:")
                .and_then(|p| p.parse::<sirm_domain::id::PersonKey>().ok())
            {
                r.subject = match self.person_view(&pk).await? {
                    Some(v) => format!("person:{}", v.id_masked()),
                    None => format!("person:{}", pk.short()),
                };
            }
            out.push(r);
        }
        Ok(out)
    }

    async fn append_checked(
        &self,
        drafts: Vec<EntryDraft>,
        expect: Option<Expect>,
    ) -> Result<(), AppError> {
        self.append_with(drafts, expect).await.map(drop)
    }
}

/// Eligibility and pension from a person's record: statutory retirement
/// month reached by `today`, minimum contribution months met, pension by
/// 国发〔2005〕38号 (RULES.md). `bases` are the paid months with their
/// contribution bases; `balance` the personal account's last closing balance.
pub fn benefit_of_record(
    set: &sirm_domain::rules::ruleset::RuleSet,
    r: &records::RetirementApplication,
    birth_date: chrono::NaiveDate,
    bases: &[(sirm_domain::rules::Month, rust_decimal::Decimal)],
    balance: rust_decimal::Decimal,
    today: chrono::NaiveDate,
) -> Result<records::BenefitGranted, AppError> {
    use sirm_domain::rules::engine;
    let ret = engine::retirement(set, birth_date, r.category, today)
        .map_err(|e| AppError::invalid("category", e))?;
    let this_month = sirm_domain::rules::Month::of_date(today);
    if ret.retirement_month > this_month {
        return Err(AppError::invalid(
            "id",
            format!(
                "statutory retirement month is {} ({} years {} months); not reached",
                ret.retirement_month, ret.age_years, ret.age_months
            ),
        ));
    }
    let paid_months = bases.len() as u32;
    let months = paid_months + r.deemed_months;
    if months < ret.min_contribution_months {
        return Err(AppError::invalid(
            "contribution_months",
            format!("{months} months ({paid_months} paid + {} deemed) are fewer than the {} required for retirement in {}", r.deemed_months, ret.min_contribution_months, ret.retirement_month),
        ));
    }
    let mut ratios = Vec::with_capacity(bases.len());
    for (month, base) in bases {
        let year = month.year();
        let avg = set
            .year(year)
            .ok()
            .and_then(|p| p.avg_wage)
            .ok_or_else(|| AppError::invalid("rule_set", format!("no average wage for {year}")))?;
        ratios.push((*base, avg));
    }
    let retire_year = ret.retirement_month.year();
    let params = set
        .year(retire_year)
        .map_err(|e| AppError::invalid("retirement year", e))?;
    let index = if ratios.is_empty() {
        engine::IndexResult {
            months: 0,
            sum_of_ratios: rust_decimal::Decimal::ZERO,
            index_unrounded: rust_decimal::Decimal::ZERO,
            rounding: params.rounding.index,
            index: rust_decimal::Decimal::ZERO,
        }
    } else {
        engine::contribution_index(params.rounding.index, &ratios)
            .map_err(|e| AppError::invalid("contribution_index", e))?
    };
    let c = params.pension_base_wage.ok_or_else(|| {
        AppError::invalid(
            "rule_set",
            format!("no pension base wage (C) for {retire_year}"),
        )
    })?;
    let deemed_years = (r.deemed_months > 0)
        .then(|| rust_decimal::Decimal::from(r.deemed_months) / rust_decimal::Decimal::from(12u32));
    let pension = engine::pension(
        set,
        &engine::PensionInputs {
            year: Some(retire_year),
            avg_wage: c,
            contribution_index: index.index,
            contribution_months: months,
            account_balance: balance,
            retirement_age_years: ret.age_years,
            deemed_years,
            transitional_coefficient: None,
        },
    )
    .map_err(|e| AppError::invalid("pension", e))?;
    Ok(records::BenefitGranted {
        id: r.id.clone(),
        retirement: ret,
        paid_months,
        deemed_months: r.deemed_months,
        index,
        pension,
    })
}
