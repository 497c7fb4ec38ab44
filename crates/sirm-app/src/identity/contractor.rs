//! Outside maintenance helpers (外包协助维护人员, Art 11, 28(6)): people
//! from an IT contractor who help maintain data. Their accounts are of
//! their own kind (the role `maintenance_contractor`, never with another
//! role: rule `contractor-alone`) and act only while a confidentiality
//! agreement (保密协议) filed with the account is in force (rule
//! `contractor.agreement`): the role is granted only with one, and every
//! request outside its period is refused. Every action of theirs is an
//! event of the security audit trail under their own name. What they may
//! do — prepare a maintenance application that a maintenance officer
//! takes or declines — is in `collection/prepared.rs`.

use chrono::NaiveDate;
use sirm_domain::access::{Permission, Role};
use sirm_domain::records::{self, kind, ConfidentialityAgreement, Material};
use sirm_domain::RuleId;
use sirm_ledger::Stream;

use super::Principal;
use crate::drafts::draft;
use crate::{AppError, AuditEvent, Sirm};

/// A confidentiality agreement as the system administrator files it (the
/// scan already archived).
#[derive(Clone, Debug)]
pub struct AgreementFiling {
    pub number: String,
    pub party: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub file: Material,
}

impl Sirm {
    /// The system administrator files the confidentiality agreement of an
    /// outside maintenance helper's account (Art 11). A later filing
    /// replaces an earlier one (a renewal). The account can be granted the
    /// role `maintenance_contractor` only while one is in force.
    pub async fn file_agreement(
        &self,
        who: &Principal,
        username: &str,
        a: AgreementFiling,
    ) -> Result<(), AppError> {
        let target = self.managed_account(who, username).await?;
        for (field, text) in [("number", &a.number), ("party", &a.party)] {
            records::check_text(field, text, 200).map_err(AppError::invalid_record)?;
        }
        if a.valid_until < a.valid_from {
            return Err(AppError::invalid_by(
                "valid_until",
                RuleId::DateOrder,
                format!("{} is before valid_from ({})", a.valid_until, a.valid_from),
            ));
        }
        if a.valid_until < crate::clock::today() {
            return Err(AppError::invalid_by(
                "valid_until",
                RuleId::ContractorAgreement,
                format!("the agreement ended on {}", a.valid_until),
            ));
        }
        let p = ConfidentialityAgreement {
            username: target.username.clone(),
            number: a.number.trim().to_string(),
            party: a.party.trim().to_string(),
            valid_from: a.valid_from,
            valid_until: a.valid_until,
            file: a.file,
        };
        let d = draft(
            &self.config,
            Stream::Security,
            kind::ACCOUNT_AGREEMENT,
            records::account_subject(&target.username),
            &who.username,
            &p,
        )?;
        let ev = self.audit_draft(
            AuditEvent::on(who, &target.username, "agreement.filed").success(format!(
                "保密协议 {} ({}) {} – {}",
                p.number, p.party, p.valid_from, p.valid_until
            )),
        )?;
        self.append(vec![d, ev]).await?;
        Ok(())
    }

    /// The confidentiality agreement of `username` in force on `day`: the
    /// latest filed, read from the ledger itself (not from an editable
    /// table), if its period covers the day.
    pub async fn agreement_in_force(
        &self,
        username: &str,
        day: NaiveDate,
    ) -> Result<Option<ConfidentialityAgreement>, AppError> {
        let rows = self
            .store
            .subject_entries_of_kind(
                &records::account_subject(username),
                kind::ACCOUNT_AGREEMENT,
                0,
            )
            .await?;
        let latest = rows
            .iter()
            .rev()
            .find_map(|r| serde_json::from_str::<ConfidentialityAgreement>(&r.payload).ok());
        Ok(latest.filter(|a| a.valid_from <= day && day <= a.valid_until))
    }

    /// Refused unless `username` has an agreement in force today.
    pub(super) async fn require_agreement(&self, username: &str) -> Result<(), AppError> {
        match self.agreement_in_force(username, crate::clock::today()).await? {
            Some(_) => Ok(()),
            None => Err(AppError::forbidden(
                RuleId::ContractorAgreement,
                format!(
                    "{username}: an outside maintenance helper acts only under a confidentiality agreement on file and in force (Art 11)"
                ),
            )),
        }
    }

    /// For an outside maintenance helper: refused outside the agreement's
    /// period (the refusal audited), else the action audited under the
    /// helper's name. Nothing for anyone else.
    pub(super) async fn contractor_gate(
        &self,
        who: &Principal,
        p: Permission,
    ) -> Result<(), AppError> {
        if !who.roles.contains(&Role::MaintenanceContractor) || p == Permission::SelfService {
            return Ok(());
        }
        if let Err(e) = self.require_agreement(&who.username).await {
            self.audit(AuditEvent::own(who, "contractor.action").denied(format!(
                "{}: no confidentiality agreement in force",
                p.as_str()
            )))
            .await?;
            return Err(e);
        }
        self.audit(AuditEvent::own(who, "contractor.action").success(p.as_str()))
            .await
    }
}
