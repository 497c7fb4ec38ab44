//! Stable rule ids: one name for every rule that refuses an action (and for
//! every other reason a user is refused, such as a wrong password or a
//! malformed ID number), carried
//! from the domain through the application errors to the JSON answer
//! (`{"error":{"code","rule","message"}}`) and to the Chinese messages of the
//! pages. Each id is written once, in the table of [`rule_ids!`]; nothing
//! parses a rule id back out of an English message.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares [`RuleId`] with its strings, [`RuleId::ALL`] and [`RuleId::as_str`].
macro_rules! rule_ids {
    ($( $(#[doc = $doc:literal])* $variant:ident = $id:literal, )*) => {
        /// A stable rule id, e.g. `art26-admin-business` or `password.min_length`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl RuleId {
            /// Every rule id, in declaration order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),*];

            /// The stable id as written in messages, JSON and the docs.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)*
                }
            }
        }
    };
}

rule_ids! {
    /// An administrator role never together with a business or query role (Art 26).
    Art26AdminBusiness = "art26-admin-business",
    /// One administrator role per account (三员分立, DBA included).
    ThreeAdminsSeparate = "three-admins-separate",
    /// Staff roles and external roles never in one account.
    StaffExternal = "staff-external",
    /// An institutional external capacity is an account of its own.
    ExternalCapacity = "external-capacity",
    /// An outside maintenance helper's account holds that role only (Art 11, 28(6)).
    ContractorAlone = "contractor-alone",
    /// An outside maintenance helper acts only under a confidentiality
    /// agreement on file and in force (Art 11).
    ContractorAgreement = "contractor.agreement",
    /// A permission not granted to any of the caller's roles.
    DenyByDefault = "deny-by-default",
    /// A password change or second factor is due before anything else.
    PendingTask = "pending-task",
    /// A record of another agency.
    AgencyScope = "agency-scope",
    /// One person never acts on two stages of one transaction (Art 7).
    FourEyes = "four-eyes",
    /// A review decision for a stage the application is not waiting for.
    StageOrder = "stage-order",
    /// A review decision refused by the review workflow.
    Review = "review",
    /// A form or request without a valid anti-forgery token.
    Csrf = "csrf",
    /// Administrator functions answer only the management terminals.
    AdminNetworks = "admin-networks",
    /// An external account is reset at the counter after an ID check.
    ExternalResetAtCounter = "external-reset-at-counter",
    /// Who may reset an administrator's password.
    AdminReset = "admin-reset",
    /// The last active holder of an administrator role stays.
    LastAdministrator = "last-administrator",
    /// An alarm about one's own account is handled by another administrator.
    OwnAlarm = "own-alarm",
    /// No writing after a restore that lost published ledger history.
    PublishedHistory = "published-history",
    /// A delegate acts only while the authorization is valid.
    DelegationValidity = "delegation-validity",
    /// A channel gives only the content configured for it (Art 14).
    QueryableContent = "queryable-content",
    /// A password shorter than the policy's minimum.
    PasswordMinLength = "password.min_length",
    /// A password longer than the policy's maximum.
    PasswordMaxLength = "password.max_length",
    /// Too few character classes.
    PasswordClasses = "password.classes",
    /// A password on the common-password list.
    PasswordCommon = "password.common",
    /// A password containing the username.
    PasswordContainsUsername = "password.contains_username",
    /// One of the last passwords used again.
    PasswordReuse = "password.reuse",
    /// A password policy configuration that is not sane.
    PasswordPolicyConfig = "password.policy_config",
    /// A query PIN that is not exactly six digits.
    PinFormat = "pin.format",
    /// One digit six times.
    PinRepeated = "pin.repeated",
    /// An ascending or descending run.
    PinSequence = "pin.sequence",
    /// The birth date of the ID number.
    PinBirthDate = "pin.birth_date",
    /// No approved rule set of the region is in force for the month (Art 6).
    RuleSetMissing = "rule-set.missing",
    /// A rule set file that fails validation (the message names the dotted key).
    RuleSetInvalid = "rule-set.invalid",
    /// Demo figures only in installations created by `sirm demo`.
    RuleSetDemo = "rule-set.demo",
    /// A rule set serves the installation's own pooling region.
    RuleSetRegion = "rule-set.region",
    /// Versions count up by one and take force after the previous one.
    RuleSetSuccession = "rule-set.succession",
    /// A new version never changes figures already computed.
    RuleSetPastFigures = "rule-set.past-figures",
    // Refusals that are not policy rules but that a user meets and must be
    // told about in their language: each names one reason, stably.
    /// A sign-in refused: unknown account, wrong password or a locked
    /// account (one answer for all, so it tells nothing about the account).
    SignInRefused = "sign-in.refused",
    /// A wrong second factor (authenticator code or recovery code).
    SignInSecondFactor = "sign-in.second-factor",
    /// Not signed in, or the session has ended.
    SignInRequired = "sign-in.required",
    /// A session idle or old beyond the configured limits.
    SessionExpired = "session.expired",
    /// An account locked by an administrator or disabled after long disuse.
    AccountLocked = "account.locked",
    /// Portal activation refused (ID number, name and code do not match a
    /// valid code, or the username is taken).
    ActivationFailed = "activation.failed",
    /// A password reset code that does not match, is used or expired.
    ResetCodeRefused = "reset-code.refused",
    /// The current password given to change a credential is wrong.
    PasswordCurrent = "password.current",
    /// The two query PINs typed differ.
    PinMismatch = "pin.mismatch",
    /// An account that exists already.
    AccountExists = "account.exists",
    /// A username another account holds.
    UsernameTaken = "username.taken",
    /// A username outside the allowed form.
    UsernameFormat = "username.format",
    /// A person or employer registered already.
    RegistrationDuplicate = "registration.duplicate",
    /// An administrator acting on their own account (lock, unlock, retire,
    /// reset): another administrator does it.
    OwnAccount = "own-account",
    /// A role the account holds already.
    RoleHeld = "role.held",
    /// The same role request is waiting for its decision already.
    RoleRequestPending = "role-request.pending",
    /// A request about something decided or done already (an application,
    /// a role request, a certificate, an alarm …).
    AlreadyDone = "already-done",
    /// What was shown changed before the decision arrived (another person
    /// acted a moment earlier).
    StaleView = "stale-view",
    /// An application without the scanned original materials it needs.
    MaterialsRequired = "materials.required",
    /// A material that is not PDF, PNG or JPEG.
    MaterialsType = "materials.type",
    /// A rejection or return without a reason.
    ReviewReasonRequired = "review.reason-required",
    /// Resubmitting an application that is not returned.
    ReviewNotReturned = "review.not-returned",
    /// A declared person not employed by the employer in the month.
    DeclarationNotEmployed = "declaration.not-employed",
    /// One person twice in one declaration.
    DeclarationPersonTwice = "declaration.person-twice",
    /// A declaration file line that is not "ID number,monthly wage".
    DeclarationLine = "declaration.line",
    /// A declared wage that is not an amount of at most two decimals, not
    /// negative.
    DeclarationWage = "declaration.wage",
    /// A workbook's ID column stored as numbers (digits lost).
    DeclarationIdAsNumber = "declaration.id-as-number",
    /// A month already assessed for the person or the employer.
    DeclarationAssessed = "declaration.assessed",
    /// An employer's agent declaring for another employer (or marking a
    /// counter declaration as filed online).
    DeclarationOwnEmployer = "declaration.own-employer",
    /// An open application about the same subject (a declaration of the
    /// employer and month, an import of the rule set) is in review.
    InReview = "application.in-review",
    /// An employment overlapping another of the same person and employer.
    EmploymentOverlap = "employment.overlap",
    /// An employer de-registered (注销): no employment starts from its
    /// de-registration date, no declaration or payment for a later month.
    EmployerDeregistered = "employer.deregistered",
    /// A person de-registered (人员注销): no employment start, declaration,
    /// enrolment or flexible registration after it; the record stays readable.
    PersonDeregistered = "person.deregistered",
    /// An action for an insurance type the person is not enrolled in
    /// (a suspension, a termination, a flexible declaration).
    InsuranceNotEnrolled = "insurance.not-enrolled",
    /// An enrolment in an insurance type the person is enrolled in already.
    InsuranceEnrolled = "insurance.enrolled",
    /// A list of insurance types that is empty, names one twice, or names
    /// a type the business does not take.
    InsuranceTypes = "insurance.types",
    /// A de-registration whose reason lacks what it needs (the death date
    /// for a death, the note for another reason).
    DeregistrationReason = "deregistration.reason",
    /// A flexible employment base outside the floor and ceiling of the
    /// rule set in force.
    FlexibleBase = "flexible.base",
    /// A flexible employment registration of a person with an open
    /// employment (the employer insures them).
    FlexibleEmployed = "flexible.employed",
    /// A resident ID number that fails GB 11643 (length, region, birth
    /// date, check digit).
    IdResident = "id.resident",
    /// A unified social credit code that fails GB 32100.
    IdCreditCode = "id.credit-code",
    /// A date that is not `YYYY-MM-DD`, or a month that is not `YYYY-MM`.
    DateFormat = "date.format",
    /// Two dates in the wrong order (an end before its start).
    DateOrder = "date.order",
    /// A date that must not lie after today (a registration, an employment's
    /// start or end, a payment received, a change already in effect).
    DateFuture = "date.future",
    /// A phone number that is not 7–20 characters of digits, spaces, `+`
    /// and `-`.
    PhoneFormat = "phone.format",
    /// A written authorization's scope naming an item that is not a
    /// queryable item.
    DelegationScope = "delegation.scope",
    /// A counter service for a person (activation code, query PIN, password
    /// reset) asked without the clerk's confirmation that the person's ID
    /// document was checked in person.
    IdDocumentUnchecked = "id-document.unchecked",
    /// A benefit certificate asked for a person with no benefit on record.
    CertificateNoBenefit = "certificate.no-benefit",
    /// A written authorization's document hash that is not a SHA-256.
    DelegationDocument = "delegation.document",
    /// An application's data that does not have the business type's form
    /// (an unknown or missing field, a value of the wrong kind).
    ApplicationData = "application.data",
    /// A required field left empty.
    FieldRequired = "field.required",
    /// A statistics report asked for a period longer than it covers.
    StatisticsPeriod = "statistics.period",
    /// An organ officer's account that belongs to no organ of
    /// `[disclosure.organs]` (Art 18).
    DisclosureOrgan = "disclosure.organ",
    /// An organ query whose basis names no law the organ's kind may rely
    /// on, or a unit's application without a legal basis (法律依据, Art 19 (2)).
    DisclosureBasis = "disclosure.basis",
    /// An organ query without a case or document number.
    DisclosureCaseNumber = "disclosure.case-number",
    /// Record items outside the requester's prescribed scope (Art 18, 22).
    DisclosureScope = "disclosure.scope",
    /// More persons in one query, or in one day, than the prescribed
    /// volume (Art 22: no bulk exchange).
    DisclosureVolume = "disclosure.volume",
    /// A unit's application for disclosure without its credentials (有效证明文件, Art 19 (1)).
    DisclosureCredentials = "disclosure.credentials",
    /// A requested validity or number of uses out of bounds.
    DisclosureValidity = "disclosure.validity",
    /// The officer named to read is not an active account of the unit officer role.
    DisclosureOfficer = "disclosure.officer",
    /// A disclosure grant read outside its validity.
    GrantExpired = "disclosure.grant-expired",
    /// A disclosure grant read after its last allowed use.
    GrantUsedUp = "disclosure.grant-used-up",
    /// A published statistic never shows a cell of fewer persons than
    /// `[disclosure] min_cell` (nor one that subtraction would give back).
    DisclosureSmallCell = "disclosure.small-cell",
    /// A de-identified extract is released only when every combination of
    /// its quasi-identifiers holds at least `[disclosure] k` records.
    DisclosureKAnonymity = "disclosure.k-anonymity",
    /// A disability grade outside 1–10 (劳动能力鉴定, 工伤保险条例 Art 22).
    InjuryGrade = "injury.grade",
    /// A work-injury claim about an injury that is not recognised (工伤认定 first).
    InjuryNotRecognised = "injury.not-recognised",
    /// A disability benefit asked before the disability grade is assessed.
    InjuryNotAssessed = "injury.not-assessed",
    /// A second claim of the same kind for the same person while one is open
    /// (in review), or one already granted for the same injury or event.
    ClaimOpen = "claim.open",
    /// A claim for an insurance the person is not enrolled in (not insured
    /// with an employer at the date the claim is about).
    ClaimNotEnrolled = "claim.not-enrolled",
    /// A wage a benefit is computed from that the record does not hold (no
    /// contribution base in the 12 months before an injury, no wages of the
    /// employer in the previous year).
    ClaimWage = "claim.wage",
    /// A maternity claim without a birth or miscarriage record (生育/流产登记 first).
    MaternityNoEvent = "maternity.no-event",
    /// A settlement whose parts (fund, account, self) do not add up to its
    /// total, or a part negative or of more than two decimal places.
    MedicalSettlementParts = "medical.settlement-parts",
    /// A settlement paying more from the medical personal account than it holds.
    MedicalAccountOverdrawn = "medical.account-overdrawn",
    /// A settlement file with bad rows (every one listed), or none.
    MedicalSettlementFile = "medical.settlement-file",
    // What was not found, by kind (the English message names the thing;
    // the pages say which kind in Chinese, never the identifier).
    /// No such application (or not one the requester may see).
    NotFoundApplication = "not-found.application",
    /// No such account.
    NotFoundAccount = "not-found.account",
    /// No such insured person in the requester's agency.
    NotFoundPerson = "not-found.person",
    /// No such employer in the requester's agency.
    NotFoundEmployer = "not-found.employer",
    /// No such certificate.
    NotFoundCertificate = "not-found.certificate",
    /// No such original material (scanned document).
    NotFoundMaterial = "not-found.material",
    /// No such role request.
    NotFoundRoleRequest = "not-found.role-request",
    /// No such record, or none the requester may see.
    NotFoundRecord = "not-found.record",
    /// No written authorization in force for the person.
    NotFoundAuthorization = "not-found.authorization",
    /// No contributions assessed for the person or employer and month.
    NotFoundContribution = "not-found.contribution",
    /// No open employment of the person with the employer.
    NotFoundEmployment = "not-found.employment",
    /// No benefit (of the person, or payable in the month).
    NotFoundBenefit = "not-found.benefit",
    /// No such rule set version.
    NotFoundRuleSet = "not-found.rule-set",
    /// No signed checkpoint yet (an empty ledger).
    NotFoundCheckpoint = "not-found.checkpoint",
    /// No such upload job (finished long ago, or another's).
    NotFoundUpload = "not-found.upload",
    /// No such disclosure grant of the officer (or the person is not in it).
    NotFoundGrant = "not-found.grant",
    /// No such statistics report.
    NotFoundReport = "not-found.report",
    /// A prepared maintenance application (外包协助维护预填).
    NotFoundPrepared = "not-found.prepared",
    // Corrections of paid months, employments, account years and benefits
    // (Art 11).
    /// A 补缴 or 退费 is of a paid month only (an unpaid one is corrected
    /// by `contribution.correct`).
    CorrectionNotPaid = "correction.not-paid",
    /// The corrected base equals the base on record.
    CorrectionBaseUnchanged = "correction.base-unchanged",
    /// A 补缴 raises the base, a 退费 lowers it.
    CorrectionBaseDirection = "correction.base-direction",
    /// A corrected base is a whole yuan within the year's floor and ceiling.
    CorrectionBaseBounds = "correction.base-bounds",
    /// An account year is recomputed only once it is settled.
    CorrectionNotSettled = "correction.not-settled",
    /// A recomputation that changes no figure is not recorded.
    CorrectionNoChange = "correction.no-change",
    /// A corrected employment period overlaps another employment of the
    /// person or lies in the future.
    CorrectionPeriod = "correction.period",
    /// An objection names no item of the record (Art 16).
    ObjectionItems = "objection.items",
    /// An objection comes without evidence files (Art 16: 提供相关证明材料).
    ObjectionEvidence = "objection.evidence",
    /// The caller may not object for this person or item (not the person,
    /// no authorization in force, not the employer of the item).
    ObjectionNotEntitled = "objection.not-entitled",
    /// The objection is no longer open for this step (linked, corrected, answered).
    ObjectionClosed = "objection.closed",
    /// The correction application named does not fit the objection
    /// (not a correction, another person, not in review).
    ObjectionLink = "objection.link",
    /// Too many open objections of the person at once.
    ObjectionTooMany = "objection.too-many",
    /// No such objection, or none the caller may see.
    NotFoundObjection = "not-found.objection",
    /// A department file's header names a column its kind does not have,
    /// or lacks one it needs (docs/crosscheck.md).
    CrosscheckColumns = "crosscheck.columns",
    /// A department file's header is that of another kind of file.
    CrosscheckWrongKind = "crosscheck.wrong-kind",
    /// A department file that is not UTF-8 text (e.g. GBK): save it as UTF-8.
    CrosscheckEncoding = "crosscheck.encoding",
    /// A row of a department file that cannot be read (a field malformed or missing).
    CrosscheckRow = "crosscheck.row",
    /// A row repeated in the same department file.
    CrosscheckDuplicateRow = "crosscheck.duplicate-row",
    /// A discrepancy already resolved, or one without a proposed action to accept.
    CrosscheckResolved = "crosscheck.resolved",
    /// No such discrepancy.
    NotFoundDiscrepancy = "not-found.discrepancy",
    /// An ID-number change to the number the person holds already.
    IdChangeSame = "id-change.same",
    /// An ID-number change to a number another person holds (as their
    /// number or as one they changed to), or one the person held before.
    IdChangeTaken = "id-change.taken",
    /// An ID-number change naming a discrepancy that is not an open
    /// `id_changed` discrepancy of this person and this new number.
    IdChangeDiscrepancy = "id-change.discrepancy",
    /// A peer agency unknown here, or a peer entry that is malformed (code,
    /// URL, key of another profile) (Art 10, docs/transfer.md).
    TransferPeer = "transfer.peer",
    /// A federation request or package whose signature does not verify
    /// under the peer's key, or outside the replay window, or replayed.
    TransferSignature = "transfer.signature",
    /// The person is not insured (registered, not transferred out) in the
    /// region asked to transfer out.
    TransferNotInsured = "transfer.not-insured",
    /// The person has a transfer open already.
    TransferOpen = "transfer.open",
    /// A step taken after its deadline (the letter's, 15 working days).
    TransferDeadline = "transfer.deadline",
    /// A package whose figures differ from the recomputation.
    TransferFigures = "transfer.figures",
    /// A package whose entries or proofs do not match its signed checkpoint.
    TransferProof = "transfer.proof",
    /// The transfer is not at the step asked for.
    TransferStep = "transfer.step",
    /// No such transfer, or none the caller may see.
    NotFoundTransfer = "not-found.transfer",
    // Unemployment insurance and the pension's whole life (失业保险, 养老金
    // 恢复发放 / 年度调整 / 死亡待遇).
    /// Not eligible for unemployment benefit (失业保险条例 Art 14): fewer
    /// than 12 months contributed since the last claim, or the job not
    /// lost involuntarily.
    UnemploymentIneligible = "unemployment.ineligible",
    /// A second open claim of the same kind (an open unemployment claim).
    /// No open unemployment claim of the person.
    NotFoundClaim = "not-found.claim",
    /// A resumption of a benefit that is not suspended.
    BenefitNotSuspended = "benefit.not-suspended",
    /// A yearly pension adjustment for a year already adjusted (or in review).
    AdjustmentYearDone = "adjustment.year-done",
    /// A death date before the person's registration.
    DeathBeforeRegistration = "death.before-registration",
    /// A death recorded already.
    DeathRecorded = "death.recorded",
}

/// A string that is no known rule id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule id {0:?}")]
pub struct UnknownRuleId(pub String);

impl FromStr for RuleId {
    type Err = UnknownRuleId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuleId::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRuleId(s.to_owned()))
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for r in RuleId::ALL {
            assert!(seen.insert(r.as_str()), "{r} twice");
            assert_eq!(r.as_str().parse::<RuleId>(), Ok(*r));
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(json, format!("\"{r}\""));
            assert_eq!(serde_json::from_str::<RuleId>(&json).unwrap(), *r);
        }
        assert!("no-such-rule".parse::<RuleId>().is_err());
        assert_eq!(RuleId::PasswordMinLength, "password.min_length");
    }
}
