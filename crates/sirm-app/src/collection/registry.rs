//! The registry of business types: one line per business type names its
//! code (as stored with the application and in the review configuration)
//! and its implementation of [`Business`]. The `BusinessType` enum and the
//! dispatch from a `BusinessType` to its implementation are generated from
//! these lines, so adding a business type is one family module plus one
//! line here.

use serde::{Deserialize, Serialize};
use sirm_domain::access::Permission;

use super::business::{
    self, accounts, benefits, contributions, corrections, disclosure, employment, extract,
    id_change, injury, injury_pay, legacy, maternity, medical, paid_months, payments, pension_life,
    recomputations, registration, relations, rule_sets, subsidies, transfer, unemployment,
    Business, DraftStream, Validated,
};
use crate::identity::Principal;
use crate::{AppError, Sirm};

macro_rules! registry {
    ($($(#[$doc:meta])* $variant:ident = $code:literal => $imp:ty,)*) => {
        /// The business types (业务类型) that exist so far.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum BusinessType {
            $($(#[$doc])* #[serde(rename = $code)] $variant,)*
        }

        const COUNT: usize = [$($code),*].len();

        impl BusinessType {
            pub const ALL: [BusinessType; COUNT] = [$(BusinessType::$variant),*];

            /// The code stored with the application, e.g. `person.register`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(BusinessType::$variant => $code,)*
                }
            }

            /// The name the counter and the reviewers see.
            pub fn name_zh(self) -> &'static str {
                match self {
                    $(BusinessType::$variant => <$imp as Business>::NAME_ZH,)*
                }
            }

            /// Whether a rejection is answered in writing (and closes the application).
            pub fn written_refusal(self) -> bool {
                match self {
                    $(BusinessType::$variant => <$imp as Business>::WRITTEN_REFUSAL,)*
                }
            }

            /// Who takes (and resubmits or withdraws) an application of this type.
            pub fn taker(self) -> Permission {
                match self {
                    $(BusinessType::$variant => <$imp as Business>::TAKER,)*
                }
            }
        }

        /// Raw data as entered → as kept (see [`Business::protect`]).
        pub(crate) async fn protect(
            sirm: &Sirm,
            bt: BusinessType,
            data: serde_json::Value,
        ) -> Result<serde_json::Value, AppError> {
            match bt {
                $(BusinessType::$variant => <$imp as Business>::protect(sirm, data).await,)*
            }
        }

        /// Parse and check raw data against what is registered now, and
        /// build the entries approval would write: its subject and drafts.
        pub(crate) async fn validate(
            sirm: &Sirm,
            who: &Principal,
            bt: BusinessType,
            data: &serde_json::Value,
        ) -> Result<Validated, AppError> {
            match bt {
                $(BusinessType::$variant => business::validate_as::<$imp>(sirm, who, data).await,)*
            }
        }

        /// The entries streamed at approval, for the types that stream.
        pub(crate) async fn approval_stream(
            sirm: &Sirm,
            who: &Principal,
            bt: BusinessType,
            data: &serde_json::Value,
            application: &str,
            actors: Vec<String>,
        ) -> Result<Option<DraftStream>, AppError> {
            match bt {
                $(BusinessType::$variant => {
                    business::stream_as::<$imp>(sirm, who, data, application, actors).await
                })*
            }
        }

        /// The entries a rejection writes with the decision (see
        /// [`Business::on_rejection`]).
        pub(crate) async fn rejection_drafts(
            sirm: &Sirm,
            who: &Principal,
            bt: BusinessType,
            data: &serde_json::Value,
            application: &str,
            reason: &str,
        ) -> Result<Vec<sirm_ledger::EntryDraft>, AppError> {
            match bt {
                $(BusinessType::$variant => {
                    business::rejection_as::<$imp>(sirm, who, data, application, reason).await
                })*
            }
        }
    };
}

registry! {
    PersonRegister = "person.register" => registration::PersonRegister,
    PersonChange = "person.change" => registration::PersonChangeOf,
    EmployerRegister = "employer.register" => registration::EmployerRegister,
    EmployerChange = "employer.change" => registration::EmployerChangeOf,
    EmployerDeregister = "employer.deregister" => registration::EmployerDeregister,
    EmploymentStart = "employment.start" => employment::EmploymentStarts,
    EmploymentEnd = "employment.end" => employment::EmploymentEnds,
    ContributionDeclare = "contribution.declare" => contributions::Declare,
    ContributionDeclareFile = "contribution.declare_file" => contributions::DeclareFile,
    ContributionPayment = "contribution.payment" => payments::ContributionPayment,
    AccountSettle = "account.settle" => accounts::Settle,
    BenefitRetire = "benefit.retire" => benefits::Retire,
    BenefitStatus = "benefit.status" => benefits::Status,
    /// A correction of registration details by the maintenance officer (Art 11).
    PersonCorrect = "person.correct" => corrections::PersonCorrect,
    /// A correction of employer registration details (Art 11).
    EmployerCorrect = "employer.correct" => corrections::EmployerCorrect,
    /// A correction of one unpaid person-month of contributions (Art 11).
    ContributionCorrect = "contribution.correct" => corrections::ContributionCorrect,
    /// A social insurance subsidy granted for a run of months.
    SubsidyGrant = "subsidy.grant" => subsidies::Grant,
    /// The monthly benefit payment run of the agency.
    BenefitPaymentRun = "benefit.payment_run" => payments::PaymentRun,
    /// Erasure of a person's identifying data (maintenance officer, review
    /// chain): destroys the person's data key.
    PersonErase = "person.erase" => corrections::PersonErase,
    /// A regional rule set or a new version of it (maintenance officer,
    /// review chain; Art 6).
    RuleSetImport = "rule_set.import" => rule_sets::Import,
    /// Another unit's written application to query rights records
    /// (对外提供信息申请, Art 19–20): approval grants, rejection refuses in writing.
    DisclosureApplication = "disclosure.application" => disclosure::Application,
    /// A de-identified extract for a statistics user (Art 17), filed by
    /// the clerk on the statistics user's behalf.
    DisclosureExtract = "disclosure.extract" => extract::Extract,
    /// A paid month's base raised: the difference and the late-payment
    /// surcharge (补缴, maintenance officer, Art 11).
    ContributionSupplement = "contribution.supplement" => paid_months::Supplement,
    /// A paid month's base lowered, or the whole month refunded (退费, Art 11).
    ContributionRefund = "contribution.refund" => paid_months::Refund,
    /// An employment's period corrected (就业期间更正, Art 11).
    EmploymentCorrect = "employment.correct" => recomputations::EmploymentCorrect,
    /// A settled account year computed again after a correction (Art 11).
    AccountRecompute = "account.recompute" => recomputations::AccountRecompute,
    /// A granted benefit computed again from the corrected record (Art 11).
    BenefitRecompute = "benefit.recompute" => recomputations::BenefitRecompute,
    /// A transfer-in application at the new region (转入申请, Art 10).
    TransferApply = "transfer.apply" => transfer::Apply,
    /// A transfer out at the old region (转出, Art 10): figures computed.
    TransferOut = "transfer.out" => transfer::Out,
    /// Acceptance of a verified package at the new region (接收, Art 10).
    TransferAccept = "transfer.accept" => transfer::Accept,
    /// 工伤认定: a work injury recognised, with the decision document.
    InjuryRecognise = "injury.recognise" => injury::Recognise,
    /// 劳动能力鉴定: the disability grade (1–10) of a recognised injury.
    InjuryAssess = "injury.assess" => injury::Assess,
    /// 工伤伤残待遇核定: one-time disability subsidy and monthly allowance.
    InjuryDisability = "injury.disability" => injury::DisabilityBenefit,
    /// 因工死亡待遇核定: funeral grant, death subsidy, dependents' pensions.
    InjuryDeath = "injury.death" => injury::DeathBenefit,
    /// The monthly run of the work-injury disability allowances and
    /// dependents' pensions of the agency (工伤待遇月度发放).
    InjuryPaymentRun = "injury.payment_run" => injury_pay::PaymentRun,
    /// 生育/流产登记: a birth or miscarriage recorded.
    MaternityRecord = "maternity.record" => maternity::RecordEvent,
    /// 生育津贴核定: the maternity allowance.
    MaternityAllowance = "maternity.allowance" => maternity::Allowance,
    /// 生育医疗费用登记: medical expenses recorded as paid.
    MaternityMedical = "maternity.medical" => maternity::Medical,
    /// Enrolment in insurance types (险种参保, docs/relations.md).
    InsuranceEnrol = "insurance.enrol" => relations::Enrol,
    /// Contributions of insurance types suspended (暂停缴费).
    InsuranceSuspend = "insurance.suspend" => relations::Suspend,
    /// Insurance types terminated (终止参保).
    InsuranceTerminate = "insurance.terminate" => relations::Terminate,
    /// A person's record de-registered (人员注销: death, emigration,
    /// transfer out, other).
    PersonDeregister = "person.deregister" => relations::Deregister,
    /// Flexible employment registration (灵活就业登记).
    FlexibleRegister = "flexible.register" => relations::FlexibleRegister,
    /// A flexibly employed person's month, declared and paid (灵活就业人员缴费).
    FlexibleDeclare = "flexible.declare" => relations::FlexibleDeclare,
    /// Unemployment registration and benefit claim (失业登记及失业保险金申领).
    UnemploymentClaim = "unemployment.claim" => unemployment::Claim,
    /// An unemployment claim ended (re-employment or another reason).
    UnemploymentStop = "unemployment.stop" => unemployment::Stop,
    /// The monthly unemployment benefit payment run of the agency.
    UnemploymentPaymentRun = "unemployment.payment_run" => unemployment::PaymentRun,
    /// A suspended benefit paid again (待遇恢复发放).
    BenefitResume = "benefit.resume" => pension_life::Resume,
    /// The yearly pension adjustment of the agency, one batch (基本养老金年度调整).
    BenefitAdjust = "benefit.adjust" => pension_life::Adjust,
    /// The death of an insured person or pensioner and what it settles.
    BenefitDeath = "benefit.death" => pension_life::Death,
    /// A person's resident ID number changed (人员身份证号码变更, maintenance
    /// officer, review chain): the new number becomes an alias of the person.
    PersonIdChange = "person.id_change" => id_change::PersonIdChangeOf,
    /// Settlement records of contracted hospitals and pharmacies imported
    /// as a file (医疗费用结算记录导入, docs/medical.md).
    MedicalSettlementFile = "medical.settlement_file" => medical::SettlementImport,
    /// A legacy system's export migrated as one batch (历史数据迁移, Art 9(4),
    /// docs/migration.md).
    LegacyMigration = "legacy.migration" => legacy::Migration,
}

impl std::str::FromStr for BusinessType {
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

/// Who takes (and resubmits or withdraws) an application of this business
/// type: corrections are the maintenance officer's (Art 11), the rest the
/// clerk's (also for a code that names no business type).
pub fn taker_of(business_type: &str) -> Permission {
    business_type
        .parse::<BusinessType>()
        .map(BusinessType::taker)
        .unwrap_or(Permission::RecordCollect)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One code per business type, the same in serde, `as_str` and `FromStr`.
    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for bt in BusinessType::ALL {
            assert!(seen.insert(bt.as_str()), "{} twice", bt.as_str());
            assert_eq!(bt.as_str().parse::<BusinessType>().ok(), Some(bt));
            assert_eq!(
                serde_json::to_value(bt).ok(),
                Some(serde_json::Value::String(bt.as_str().into()))
            );
            assert!(!bt.name_zh().is_empty());
        }
        assert!("person.unknown".parse::<BusinessType>().is_err());
    }

    /// Corrections and erasure are the maintenance officer's (Art 11).
    #[test]
    fn takers() {
        let maintained: Vec<&str> = BusinessType::ALL
            .into_iter()
            .filter(|b| b.taker() == Permission::RecordMaintain)
            .map(BusinessType::as_str)
            .collect();
        assert_eq!(
            maintained,
            [
                "person.correct",
                "employer.correct",
                "contribution.correct",
                "person.erase",
                "rule_set.import",
                "contribution.supplement",
                "contribution.refund",
                "employment.correct",
                "account.recompute",
                "benefit.recompute",
                "person.id_change"
            ]
        );
        assert_eq!(taker_of("no.such"), Permission::RecordCollect);
    }
}
