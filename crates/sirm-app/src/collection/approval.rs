//! Approval: a reviewer's decision at a stage of the review chain (Art 7),
//! the clerk's withdrawal of a returned application, and the application's
//! steps as the review module replays them. On the last approval the
//! record is written with the decision, atomically.

use sirm_domain::status::ApplicationStatus;
use std::str::FromStr;

use sirm_domain::records::{self, kind, ApplicationDecided, ApplicationWithdrawn};
use sirm_domain::review::{self, Chain, Stage, Status, Step};
use sirm_ledger::{EntryDraft, Stream};
use sirm_store::{ApplicationRow, Expect};

use super::registry::{self, taker_of, BusinessType};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};
use sirm_domain::RuleId;

impl Sirm {
    /// The review chain configured for a business type (default: all four stages).
    pub fn chain_for(&self, bt: BusinessType) -> Chain {
        self.config
            .review
            .get(bt.as_str())
            .cloned()
            .unwrap_or_else(Chain::full)
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
        .map_err(AppError::invalid_record)?;
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
            review::ReviewError::ReasonRequired => {
                AppError::invalid_by("reason", RuleId::ReviewReasonRequired, e)
            }
            // Another reviewer decided this stage first (HTTP 409).
            review::ReviewError::AlreadyDecided { .. } => {
                AppError::conflict_by(RuleId::StaleView, e.to_string())
            }
            // The message names the rule (stage-order, four-eyes).
            other => AppError::Forbidden {
                rule: other.rule().unwrap_or(RuleId::Review),
                message: other.to_string(),
            },
        })?;
        let decided = ApplicationDecided {
            application_id: id.to_string(),
            stage,
            approve,
            reason: next.reason.clone(),
            status: st.summary(),
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
            let record = registry::validate(self, who, bt, &data)
                .await
                .map_err(|e| {
                    AppError::conflict(format!(
                        "cannot write the record now: {e}; reject the application with this reason"
                    ))
                })?
                .drafts;
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
            if let Some(rows) =
                registry::approval_stream(self, who, bt, &data, id, actors.clone()).await?
            {
                // A file of any size, every account, every benefit: the
                // decision and every computed row in one streamed transaction.
                let stream = drafts.into_iter().map(Ok).chain(rows);
                self.append_stream_with(stream, expect).await?;
                return Ok(st.name().to_string());
            }
            for mut d in record {
                d.application = Some(id.to_string());
                d.actors = actors.clone();
                drafts.push(d);
            }
            let re_keys = drafts
                .iter()
                .any(|d| d.kind == sirm_domain::records::kind::PERSON_ID_CHANGED);
            self.append_checked(drafts, expect).await?;
            if re_keys {
                // This process uses the new number at once (others within
                // the alias check interval, privacy/aliases.rs).
                self.refresh_aliases().await?;
            }
            return Ok(st.name().to_string());
        }
        if matches!(st, Status::Returned { .. }) && bt.written_refusal() {
            // A type that answers a rejection in writing (a disclosure
            // application, Art 20 (2)) writes its answer with the decision.
            let data: serde_json::Value =
                serde_json::from_str(&app.data).map_err(|e| AppError::invalid("data", e))?;
            let answer = registry::rejection_drafts(self, who, bt, &data, id, &next.reason).await?;
            drafts.extend(answer);
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
        let app = self.returned_application(who, id, "withdrawn").await?;
        records::check_text("reason", reason, 400).map_err(AppError::invalid_record)?;
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

    pub(super) async fn steps_of(&self, id: &str) -> Result<Vec<Step>, AppError> {
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

    /// A returned application of `who`'s agency, which `who` may take in
    /// (to be `done`: withdrawn, resubmitted); any other status is refused.
    pub(crate) async fn returned_application(
        &self,
        who: &Principal,
        id: &str,
        done: &str,
    ) -> Result<ApplicationRow, AppError> {
        let app = self.application_of_agency(who, id).await?;
        self.authorize(who, taker_of(&app.business_type)).await?;
        if app.status != ApplicationStatus::Returned {
            return Err(AppError::conflict_by(
                RuleId::ReviewNotReturned,
                format!(
                    "application {id} is {}; only a returned application can be {done}",
                    app.status
                ),
            ));
        }
        Ok(app)
    }

    pub(crate) async fn application_of_agency(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<ApplicationRow, AppError> {
        let app = self.store.application(id).await?.ok_or_else(|| {
            AppError::not_found(RuleId::NotFoundApplication, format!("application {id}"))
        })?;
        if app.agency != who.agency {
            return Err(AppError::not_found(
                RuleId::NotFoundApplication,
                format!("application {id}"),
            ));
        }
        Ok(app)
    }

    pub(super) async fn append_checked(
        &self,
        drafts: Vec<EntryDraft>,
        expect: Option<Expect>,
    ) -> Result<(), AppError> {
        self.append_with(drafts, expect).await.map(drop)
    }
}
