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
        let steps = self.store.application_steps(id).await?;
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
