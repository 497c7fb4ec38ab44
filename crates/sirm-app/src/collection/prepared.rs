//! Maintenance prepared by an outside helper (外包协助维护, Art 11, 28(6)):
//! an outside maintenance helper (`record_prepare`) fills in a
//! maintenance application — raw data checked as at submission, the
//! materials archived — and it waits as a prepared application (`PR-…`).
//! Only a maintenance officer of the agency makes it an application: taking
//! it is their own preliminary review (初审), after which the review chain
//! runs as for any other; or they decline it with a reason. The helper
//! never completes a maintenance, and never appears on a stage of one.

use std::collections::HashMap;

use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::records::{self, kind, ApplicationPrepared, Material, PreparedClosed};
use sirm_domain::RuleId;
use sirm_ledger::Stream;
use std::str::FromStr;

use super::registry::{self, BusinessType};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// A prepared maintenance application as the officer and the helper see it.
#[derive(Clone, Debug, Serialize)]
pub struct PreparedView {
    pub prepared_id: String,
    pub business_type: String,
    pub business_name: String,
    /// The subject, a person's with the masked ID number.
    pub subject: String,
    pub prepared_by: String,
    pub time_us: i64,
    /// The raw data, opened.
    pub data: serde_json::Value,
    pub materials: Vec<Material>,
    /// `open`, `taken` or `declined`.
    pub status: &'static str,
    /// The application it became, when taken.
    pub application: Option<String>,
    /// The officer's reason, when declined.
    pub reason: String,
}

impl Sirm {
    /// An outside maintenance helper prepares a maintenance application
    /// (a business type the maintenance officer takes): the raw data is
    /// protected and checked as at submission; nothing reaches the review
    /// chain until a maintenance officer takes it.
    pub async fn prepare_application(
        &self,
        who: &Principal,
        business_type: &str,
        data: serde_json::Value,
        materials: Vec<Material>,
    ) -> Result<String, AppError> {
        self.authorize(who, Permission::RecordPrepare).await?;
        let bt = BusinessType::from_str(business_type)?;
        if bt.taker() != Permission::RecordMaintain {
            return Err(AppError::forbidden(
                RuleId::DenyByDefault,
                format!(
                    "{}: only maintenance applications (taken by a maintenance officer) can be prepared",
                    bt.as_str()
                ),
            ));
        }
        super::submit::require_materials(&materials)?;
        let data = self.protect_data(bt, data).await?;
        let subject = registry::validate(self, who, bt, &data).await?.subject;
        let id = super::submit::new_id("PR");
        let p = ApplicationPrepared {
            prepared_id: id.clone(),
            business_type: bt.as_str().to_string(),
            subject,
            data,
            materials,
        };
        let d = draft(
            &self.config,
            Stream::Business,
            kind::APPLICATION_PREPARED,
            records::application_subject(&id),
            &who.username,
            &p,
        )?;
        self.append(vec![d]).await?;
        Ok(id)
    }

    /// The prepared maintenance applications of the agency, newest first:
    /// all of them for a maintenance officer, their own for a helper.
    /// Read from the ledger's own entries.
    pub async fn prepared_applications(
        &self,
        who: &Principal,
    ) -> Result<Vec<PreparedView>, AppError> {
        let officer = who.may(Permission::RecordMaintain);
        if !officer {
            self.authorize(who, Permission::RecordPrepare).await?;
        }
        let closed: HashMap<String, (PreparedClosed, bool)> = self
            .store
            .entries_of_kind(Stream::Business.as_str(), kind::APPLICATION_PREPARED_CLOSED)
            .await?
            .into_iter()
            .filter(|r| r.agency == who.agency)
            .filter_map(|r| serde_json::from_str::<PreparedClosed>(&r.payload).ok())
            .map(|c| {
                let taken = c.application.is_some();
                (c.prepared_id.clone(), (c, taken))
            })
            .collect();
        let mut out = Vec::new();
        for r in self
            .store
            .entries_of_kind(Stream::Business.as_str(), kind::APPLICATION_PREPARED)
            .await?
            .into_iter()
            .rev()
            .filter(|r| r.agency == who.agency)
        {
            let by: Vec<String> = serde_json::from_str(&r.actors).unwrap_or_default();
            let prepared_by = by.into_iter().next().unwrap_or_default();
            if !officer && prepared_by != who.username {
                continue;
            }
            let Ok(p) = serde_json::from_str::<ApplicationPrepared>(&r.payload) else {
                continue;
            };
            let (status, application, reason) = match closed.get(&p.prepared_id) {
                None => ("open", None, String::new()),
                Some((c, true)) => ("taken", c.application.clone(), c.reason.clone()),
                Some((c, false)) => ("declined", None, c.reason.clone()),
            };
            out.push(PreparedView {
                business_name: BusinessType::from_str(&p.business_type)
                    .map(|b| b.name_zh().to_string())
                    .unwrap_or_default(),
                subject: self.shown_subject(&p.subject).await?,
                data: {
                    let mut d = self.reveal_json(&p.data).await?;
                    super::maintenance::mask_ids(&mut d);
                    d
                },
                prepared_id: p.prepared_id,
                business_type: p.business_type,
                prepared_by,
                time_us: r.time_us,
                materials: p.materials,
                status,
                application,
                reason,
            });
        }
        Ok(out)
    }

    /// A maintenance officer takes a prepared application: it becomes an
    /// application submitted by the officer (their preliminary review),
    /// checked again against the record as it is now, and goes up the
    /// review chain. Returns the application id.
    pub async fn take_prepared(&self, who: &Principal, id: &str) -> Result<String, AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        let p = self.open_prepared(who, id).await?;
        let bt = BusinessType::from_str(&p.business_type)?;
        self.submit_protected(who, bt, p.data, p.materials, Some(p.prepared_id))
            .await
    }

    /// A maintenance officer declines a prepared application with a reason.
    pub async fn decline_prepared(
        &self,
        who: &Principal,
        id: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        records::check_text("reason", reason, 400).map_err(AppError::invalid_record)?;
        let p = self.open_prepared(who, id).await?;
        let d = closed_draft(self, &p.prepared_id, None, reason, &who.username)?;
        let expect = sirm_store::Expect::NoEntry {
            subject: records::application_subject(&p.prepared_id),
            kind: kind::APPLICATION_PREPARED_CLOSED.to_string(),
        };
        self.append_with(vec![d], Some(expect)).await?;
        Ok(())
    }

    /// An open prepared application of the principal's agency (another
    /// agency's, or a closed one, is not found).
    async fn open_prepared(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<ApplicationPrepared, AppError> {
        let not_found = || AppError::not_found(RuleId::NotFoundPrepared, format!("prepared {id}"));
        let subject = records::application_subject(id);
        let rows = self
            .store
            .subject_entries_of_kind(&subject, kind::APPLICATION_PREPARED, 0)
            .await?;
        let row = rows
            .into_iter()
            .find(|r| r.agency == who.agency)
            .ok_or_else(not_found)?;
        let closed = self
            .store
            .subject_entries_of_kind(&subject, kind::APPLICATION_PREPARED_CLOSED, 0)
            .await?;
        if !closed.is_empty() {
            return Err(AppError::conflict_by(
                RuleId::AlreadyDone,
                format!("prepared {id} is already taken or declined"),
            ));
        }
        serde_json::from_str(&row.payload).map_err(|_| not_found())
    }

    /// A subject as staff see it: a person's with the masked ID number.
    async fn shown_subject(&self, subject: &str) -> Result<String, AppError> {
        if let Some(pk) = subject
            .strip_prefix("person:")
            .and_then(|p| p.parse::<sirm_domain::id::PersonKey>().ok())
        {
            return Ok(match self.person_view(&pk).await? {
                Some(v) => format!("person:{}", v.id_masked()),
                None => format!("person:{}", pk.short()),
            });
        }
        Ok(subject.to_string())
    }
}

/// The entry that closes a prepared application: taken as `application`,
/// or declined (`None`) with a reason.
pub(super) fn closed_draft(
    sirm: &Sirm,
    prepared: &str,
    application: Option<&str>,
    reason: &str,
    actor: &str,
) -> Result<sirm_ledger::EntryDraft, AppError> {
    draft(
        &sirm.config,
        Stream::Business,
        kind::APPLICATION_PREPARED_CLOSED,
        records::application_subject(prepared),
        actor,
        &PreparedClosed {
            prepared_id: prepared.to_string(),
            application: application.map(str::to_string),
            reason: reason.to_string(),
        },
    )
}
