//! The work queue (待办), one application as a reviewer sees it (with the
//! entries approval would write), and its materials.

use sirm_domain::status::ApplicationStatus;
use std::str::FromStr;

use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::records::Material;
use sirm_domain::review::Stage;
use sirm_store::{ApplicationRow, ApplicationStepRow};

use super::registry::{self, taker_of, BusinessType};
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// A review step with when it was taken and the staff member's name.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewStep {
    #[serde(flatten)]
    pub step: ApplicationStepRow,
    /// When the step was written (µs since the epoch; the page shows
    /// Beijing time).
    pub time_us: Option<i64>,
    /// The actor's display name, empty when the account has none.
    pub actor_name: String,
}

/// What an application's status means, in the one vocabulary of the API
/// and the screens: `pending`, `approved`, `returned`, `withdrawn` (by the
/// clerk), or `refused` — the stored status `withdrawn` of a type that
/// answers a rejection in writing (a unit's disclosure application,
/// Art 20 (2)): it was refused, not withdrawn. The stored `status` keeps
/// its value (clients read it); `outcome` says what it means.
pub fn outcome(status: ApplicationStatus, business_type: &str) -> &'static str {
    let written = business_type
        .parse::<BusinessType>()
        .is_ok_and(|bt| bt.written_refusal());
    match status {
        ApplicationStatus::Withdrawn if written => "refused",
        other => other.as_str(),
    }
}

/// An application with its steps and what it will write.
#[derive(Clone, Debug, Serialize)]
pub struct ApplicationView {
    pub application: ApplicationRow,
    /// What the status means ([`outcome`]): `refused` where the stored
    /// status reads `withdrawn` for a refusal in writing.
    pub outcome: &'static str,
    pub steps: Vec<ReviewStep>,
    pub materials: Vec<Material>,
    /// The ledger entries approval will append (kind and payload), computed
    /// from the raw data now — what the reviewer is approving.
    pub effect: Vec<serde_json::Value>,
    /// Why the record cannot be written now, if it cannot (e.g. the person
    /// was registered meanwhile).
    pub blocked: Option<String>,
    /// A declaration file not yet decided: what approval writes, computed
    /// (totals per insurance type, a sample of rows, the rejected rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_preview: Option<super::declaration_file::FilePreview>,
}

impl Sirm {
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

    /// The business type of an application of `who`'s agency; `None` when
    /// there is no such application (or its type is not known here).
    pub async fn application_business_type(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<Option<BusinessType>, AppError> {
        Ok(self
            .store
            .application(id)
            .await?
            .filter(|a| a.agency == who.agency)
            .and_then(|a| BusinessType::from_str(&a.business_type).ok()))
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
        let mut names = std::collections::BTreeMap::new();
        let mut steps = Vec::new();
        for step in self.store.application_steps(id).await? {
            let time_us = self.entry_time_us(step.seq).await?;
            let actor_name = self.display_name(&mut names, &step.actor).await?;
            steps.push(ReviewStep {
                step,
                time_us,
                actor_name,
            });
        }
        let materials: Vec<Material> = serde_json::from_str(&app.materials).unwrap_or_default();
        let bt = BusinessType::from_str(&app.business_type)?;
        let data: serde_json::Value =
            serde_json::from_str(&app.data).map_err(|e| AppError::invalid("data", e))?;
        let (effect, blocked) = match registry::validate(self, who, bt, &data).await {
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
            Err(e) if app.status == ApplicationStatus::Approved => {
                (vec![], Some(format!("written to the ledger ({e})")))
            }
            Err(e) => (vec![], Some(e.to_string())),
        };
        let mut app = app;
        app.data = self.reveal_json(&data).await?.to_string();
        let file_preview = match (bt, app.status) {
            (BusinessType::ContributionDeclareFile, ApplicationStatus::Pending)
            | (BusinessType::ContributionDeclareFile, ApplicationStatus::Returned) => {
                match serde_json::from_value(data.clone()) {
                    // A file that cannot be read again says so in `blocked`
                    // (the same checks): no preview then.
                    Ok(d) if blocked.is_none() => self.declaration_file_preview(&d).await.ok(),
                    _ => None,
                }
            }
            _ => None,
        };
        let outcome = outcome(app.status, &app.business_type);
        Ok(ApplicationView {
            outcome,
            application: app,
            steps,
            materials,
            effect,
            blocked,
            file_preview,
        })
    }

    /// When ledger entry `seq` was written (µs since the epoch).
    async fn entry_time_us(&self, seq: i64) -> Result<Option<i64>, AppError> {
        let Ok(seq) = u64::try_from(seq) else {
            return Ok(None);
        };
        Ok(self
            .store
            .entry(seq)
            .await?
            .map(|e| e.time.timestamp_micros()))
    }

    /// A staff account's display name (looked up once per page), empty
    /// when it has none.
    async fn display_name(
        &self,
        seen: &mut std::collections::BTreeMap<String, String>,
        username: &str,
    ) -> Result<String, AppError> {
        if let Some(n) = seen.get(username) {
            return Ok(n.clone());
        }
        let name = self
            .store
            .account(username)
            .await?
            .map(|a| a.display_name)
            .unwrap_or_default();
        seen.insert(username.to_string(), name.clone());
        Ok(name)
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
            .ok_or_else(|| {
                AppError::not_found(
                    sirm_domain::RuleId::NotFoundMaterial,
                    format!("material {sha256} of application {id}"),
                )
            })?;
        let bytes = self.archive().get(sha256).await?;
        Ok((m, bytes))
    }
}
