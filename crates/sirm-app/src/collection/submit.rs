//! Submission: the clerk takes an application at the counter with its
//! original materials (初审 = submitting it), or resubmits a returned one.

use sirm_domain::status::ApplicationStatus;
use std::str::FromStr;

use rand::RngCore;
use sirm_domain::records::{self, kind, ApplicationSubmitted, Material};
use sirm_domain::review::{self, Stage, Status, Step};
use sirm_ledger::Stream;
use sirm_store::Expect;

use super::registry::{self, taker_of, BusinessType};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};
use sirm_domain::RuleId;

impl Sirm {
    /// Raw data as the clerk or an API client entered it (ID numbers,
    /// names, addresses and phones in clear) → the form kept with the
    /// application and in the ledger: persons named by blind index,
    /// identifying fields sealed. Nothing in clear is stored (docs/privacy.md).
    pub async fn protect_data(
        &self,
        bt: BusinessType,
        data: serde_json::Value,
    ) -> Result<serde_json::Value, AppError> {
        registry::protect(self, bt, data).await
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
        self.submit_protected(who, bt, data, materials, None).await
    }

    /// Submit raw data already protected; `prepared`: the prepared
    /// application (`PR-…`) this submission takes, closed in the same append.
    pub(super) async fn submit_protected(
        &self,
        who: &Principal,
        bt: BusinessType,
        data: serde_json::Value,
        materials: Vec<Material>,
        prepared: Option<String>,
    ) -> Result<String, AppError> {
        let subject = registry::validate(self, who, bt, &data).await?.subject;
        self.refuse_open_duplicate(who, &subject).await?;
        require_materials(&materials)?;
        let id = new_id("AP");
        self.submit_inner(who, bt, &id, subject, data, materials, None, prepared)
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
        let app = self.returned_application(who, id, "resubmitted").await?;
        let bt = BusinessType::from_str(&app.business_type)?;
        let data = match data {
            Some(d) => self.protect_data(bt, d).await?,
            None => serde_json::from_str(&app.data).map_err(|e| AppError::invalid("data", e))?,
        };
        let subject = registry::validate(self, who, bt, &data).await?.subject;
        let mut old: Vec<Material> = serde_json::from_str(&app.materials).unwrap_or_default();
        old.append(&mut materials);
        self.submit_inner(who, bt, id, subject, data, old, Some(app.last_seq), None)
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
        prepared: Option<String>,
    ) -> Result<(), AppError> {
        let steps = match expect_seq {
            Some(_) => self.steps_of(id).await?,
            None => vec![],
        };
        let sub = Submission {
            bt,
            id,
            subject,
            data,
            materials,
            prepared: prepared.clone(),
        };
        let mut drafts = vec![self.submission_draft_of(who, sub, &steps)?];
        let mut expect = expect_seq.map(|s| Expect::ApplicationAt {
            id: id.to_string(),
            last_seq: s,
        });
        if let Some(pr) = &prepared {
            // Two officers taking it at once: the second finds it closed.
            expect = Some(Expect::NoEntry {
                subject: sirm_domain::records::application_subject(pr),
                kind: sirm_domain::records::kind::APPLICATION_PREPARED_CLOSED.to_string(),
            });
            // Taken from a prepared application: it is closed in the same append.
            drafts.push(super::prepared::closed_draft(
                self,
                pr,
                Some(id),
                "",
                &who.username,
            )?);
        }
        self.append_checked(drafts, expect).await
    }

    /// The `application.submitted` entry of an application taken (or
    /// resubmitted after `steps`) by `who`: the preliminary stage passed.
    /// Data are as kept (protected) and checked by the caller.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn submission_draft(
        &self,
        who: &Principal,
        bt: BusinessType,
        id: &str,
        subject: String,
        data: serde_json::Value,
        materials: Vec<Material>,
        steps: &[Step],
    ) -> Result<sirm_ledger::EntryDraft, AppError> {
        let sub = Submission {
            bt,
            id,
            subject,
            data,
            materials,
            prepared: None,
        };
        self.submission_draft_of(who, sub, steps)
    }

    fn submission_draft_of(
        &self,
        who: &Principal,
        sub: Submission<'_>,
        steps: &[Step],
    ) -> Result<sirm_ledger::EntryDraft, AppError> {
        let Submission {
            bt,
            id,
            subject,
            data,
            materials,
            prepared,
        } = sub;
        let chain = self.chain_for(bt);
        let next = Step {
            stage: Stage::Preliminary,
            actor: who.username.clone(),
            approve: true,
            reason: String::new(),
        };
        let st = review::apply(&chain, steps, &next)
            .map_err(|e| AppError::forbidden(RuleId::Review, e))?;
        let p = ApplicationSubmitted {
            application_id: id.to_string(),
            business_type: bt.as_str().to_string(),
            subject,
            data,
            materials,
            chain: chain.stages().to_vec(),
            status: st.summary(),
            next_stage: match st {
                Status::Pending { stage } => Some(stage),
                _ => None,
            },
            prepared,
        };
        draft(
            &self.config,
            Stream::Business,
            kind::APPLICATION_SUBMITTED,
            records::application_subject(id),
            &who.username,
            &p,
        )
    }

    /// One application in review per subject for declarations (the same
    /// employer-month cannot be declared twice at once).
    pub(crate) async fn refuse_open_duplicate(
        &self,
        who: &Principal,
        subject: &str,
    ) -> Result<(), AppError> {
        // One open declaration per employer and month; one open import
        // per rule set (a second would be decided against a version that
        // the first may already have replaced).
        let what = if subject.starts_with("declaration:") {
            "a declaration for this employer and month is already in review"
        } else if subject.starts_with("rule_set:") {
            "an import of this rule set is already in review: decide or withdraw it first"
        } else if subject.starts_with("medical_file:") {
            "this settlement file is already in review"
        } else if subject.starts_with("claim:") {
            "a claim of this kind for this person is already in review: decide or withdraw it first"
        } else {
            return Ok(());
        };
        let open = self
            .store
            .applications(&who.agency, None, None, 100_000)
            .await?
            .into_iter()
            .any(|a| {
                a.subject == subject
                    && matches!(
                        a.status,
                        ApplicationStatus::Pending | ApplicationStatus::Returned
                    )
            });
        if open {
            let rule = if subject.starts_with("claim:") {
                RuleId::ClaimOpen
            } else {
                RuleId::InReview
            };
            return Err(AppError::conflict_by(rule, format!("{subject}: {what}")));
        }
        Ok(())
    }
}

/// Every application (and prepared application) comes with its scanned
/// original materials (Art 6, 13).
pub(super) fn require_materials(materials: &[Material]) -> Result<(), AppError> {
    if materials.is_empty() {
        return Err(AppError::invalid_by(
            "materials",
            RuleId::MaterialsRequired,
            "attach the scanned original materials (Art 6, 13)",
        ));
    }
    Ok(())
}

/// A new random identifier `PREFIX-` and 16 hex digits.
pub(super) fn new_id(prefix: &str) -> String {
    let mut raw = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    format!("{prefix}-{}", hex::encode(raw))
}

/// What an `application.submitted` entry records of one submission.
struct Submission<'a> {
    bt: BusinessType,
    id: &'a str,
    subject: String,
    data: serde_json::Value,
    materials: Vec<Material>,
    /// The prepared application (`PR-…`) it takes, if any.
    prepared: Option<String>,
}
