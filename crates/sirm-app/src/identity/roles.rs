//! Role grants: requested by the system administrator, effective only after
//! the security administrator approves; separation of duties checked at
//! request, at approval, and on every request afterwards.

use crate::AuditEvent;
use rand::RngCore;
use serde::Serialize;
use sirm_domain::access::{self, Permission, Role};
use sirm_domain::records::{self, kind, RoleDecision, RoleRequested};
use sirm_domain::status::RoleRequestStatus;
use sirm_domain::RuleId;
use sirm_ledger::Stream;
use sirm_store::{AccountRow, RoleRequestRow};

use super::accounts::{last_holder_guard, parse_role, roles_of};
use super::Principal;
use crate::drafts::draft;
use crate::{AppError, Sirm};

/// Outcome of a role request.
#[derive(Clone, Debug, Serialize)]
pub struct RoleRequestOutcome {
    pub request_id: String,
    /// `pending`: it takes effect when the security administrator approves.
    pub status: String,
}

impl Sirm {
    /// Refuse with the separation-of-duty rule, and audit the refusal.
    pub(super) async fn sod_refusal(
        &self,
        who: &Principal,
        v: access::SodViolation,
        target: &str,
    ) -> AppError {
        let _ = self
            .audit(AuditEvent::on(who, target, "role.refused").denied(v.to_string()))
            .await;
        AppError::Forbidden {
            rule: v.rule,
            message: v.to_string(),
        }
    }

    /// The system administrator asks for `role` to be granted to `username`.
    /// Refused at once if the grant would break a separation-of-duty rule.
    pub async fn request_role(
        &self,
        who: &Principal,
        username: &str,
        role: &str,
        reason: &str,
    ) -> Result<RoleRequestOutcome, AppError> {
        let target = self.managed_account(who, username).await?;
        let role = parse_role(role)?;
        records::check_text("reason", reason, 400).map_err(AppError::invalid_record)?;
        let current = roles_of(&target)?;
        if current.contains(&role) {
            return Err(AppError::conflict_by(
                RuleId::RoleHeld,
                format!("{} already holds {}", target.username, role.as_str()),
            ));
        }
        if let Err(v) = access::check_grant(&current, role) {
            return Err(self.sod_refusal(who, v, &target.username).await);
        }
        if role == Role::MaintenanceContractor {
            self.require_agreement(&target.username).await?;
        }
        self.file_role_request(
            who,
            &target,
            role,
            reason,
            kind::ROLE_REQUESTED,
            "role.request",
        )
        .await
    }

    pub async fn role_requests(
        &self,
        who: &Principal,
        status: Option<&str>,
    ) -> Result<Vec<RoleRequestRow>, AppError> {
        if !who.may(Permission::RoleApprove) {
            self.authorize(who, Permission::AccountManage).await?;
        } else {
            self.authorize(who, Permission::RoleApprove).await?;
        }
        Ok(self.store.role_requests(status).await?)
    }

    /// The security administrator decides on a pending role request (a
    /// grant or a revocation).
    pub async fn decide_role(
        &self,
        who: &Principal,
        request_id: &str,
        approve: bool,
        reason: &str,
    ) -> Result<(), AppError> {
        self.authorize(who, Permission::RoleApprove).await?;
        let req = self
            .store
            .role_requests(None)
            .await?
            .into_iter()
            .find(|r| r.request_id == request_id)
            .ok_or_else(|| {
                AppError::not_found(
                    RuleId::NotFoundRoleRequest,
                    format!("role request {request_id}"),
                )
            })?;
        // Another agency's request is the same "not found" as a missing one.
        self.account_or_404(who, &req.username).await.map_err(|_| {
            AppError::not_found(
                RuleId::NotFoundRoleRequest,
                format!("role request {request_id}"),
            )
        })?;
        let reason = if reason.trim().is_empty() && approve {
            "approved"
        } else {
            reason
        };
        records::check_text("reason", reason, 400).map_err(AppError::invalid_record)?;
        if req.status != RoleRequestStatus::Pending {
            return Err(AppError::conflict_by(
                RuleId::AlreadyDone,
                format!("role request {request_id} is already {}", req.status),
            ));
        }
        if req.requested_by == who.username || req.username == who.username {
            return Err(AppError::forbidden(
                RuleId::FourEyes,
                "a role request is decided by someone other than its requester and its subject",
            ));
        }
        let role = parse_role(&req.role)?;
        let revoke = req.action == sirm_domain::status::RoleAction::Revoke;
        let mut guarded = Vec::new();
        if approve {
            let target = self.account_or_404(who, &req.username).await?;
            let held = roles_of(&target)?;
            if revoke {
                if !held.contains(&role) {
                    return Err(AppError::conflict(format!(
                        "{} no longer holds {}",
                        target.username,
                        role.as_str()
                    )));
                }
                self.keep_last_holder(who, &target, role, "revoke").await?;
                guarded.push(role);
            } else if let Err(v) = access::check_grant(&held, role) {
                return Err(self.sod_refusal(who, v, &target.username).await);
            } else if role == Role::MaintenanceContractor {
                self.require_agreement(&target.username).await?;
            }
        }
        let dec = RoleDecision {
            request_id: req.request_id.clone(),
            username: req.username.clone(),
            role: req.role.clone(),
            reason: reason.to_string(),
        };
        let k = if approve {
            kind::ROLE_APPROVED
        } else {
            kind::ROLE_REJECTED
        };
        let d = draft(
            &self.config,
            Stream::Security,
            k,
            records::account_subject(&req.username),
            &who.username,
            &dec,
        )?;
        let event = match (approve, revoke) {
            (true, false) => "role.approve",
            (true, true) => "role.revoke",
            (false, _) => "role.reject",
        };
        let ev = self.audit_draft(AuditEvent::on(who, &req.username, event).success(format!(
            "{} {} {} ({reason})",
            req.request_id, req.action, req.role
        )))?;
        self.append_with(vec![d, ev], last_holder_guard(&req.username, &guarded))
            .await?;
        Ok(())
    }

    /// The system administrator asks for `role` to be taken from
    /// `username`; like a grant, it takes effect only when the security
    /// administrator approves (so no one person can strip the others of
    /// their roles and crown a puppet).
    pub async fn request_revocation(
        &self,
        who: &Principal,
        username: &str,
        role: &str,
        reason: &str,
    ) -> Result<RoleRequestOutcome, AppError> {
        let target = self.managed_account(who, username).await?;
        let role = parse_role(role)?;
        if !target.roles.iter().any(|r| r == role.as_str()) {
            return Err(AppError::conflict(format!(
                "{} does not hold {}",
                target.username,
                role.as_str()
            )));
        }
        records::check_text("reason", reason, 400).map_err(AppError::invalid_record)?;
        self.keep_last_holder(who, &target, role, "revoke").await?;
        self.file_role_request(
            who,
            &target,
            role,
            reason,
            kind::ROLE_REVOCATION_REQUESTED,
            "role.revocation_request",
        )
        .await
    }

    /// Append a grant or revocation request (`kind`) with its audit event,
    /// unless one about the same account and role is already pending.
    pub(super) async fn file_role_request(
        &self,
        who: &Principal,
        target: &AccountRow,
        role: Role,
        reason: &str,
        kind: &str,
        event: &str,
    ) -> Result<RoleRequestOutcome, AppError> {
        if self
            .store
            .role_requests(Some("pending"))
            .await?
            .iter()
            .any(|r| r.username == target.username && r.role == role.as_str())
        {
            return Err(AppError::conflict_by(
                RuleId::RoleRequestPending,
                format!(
                    "a request about {} holding {} is already pending",
                    target.username,
                    role.as_str()
                ),
            ));
        }
        let mut raw = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let request_id = format!("RR-{}", hex::encode(raw));
        let req = RoleRequested {
            request_id: request_id.clone(),
            username: target.username.clone(),
            role: role.as_str().to_string(),
            reason: reason.to_string(),
        };
        let drafts = vec![
            draft(
                &self.config,
                Stream::Security,
                kind,
                records::account_subject(&target.username),
                &who.username,
                &req,
            )?,
            self.audit_draft(
                AuditEvent::on(who, &target.username, event)
                    .success(format!("{request_id} {} ({reason})", role.as_str())),
            )?,
        ];
        self.append(drafts).await?;
        Ok(RoleRequestOutcome {
            request_id,
            status: "pending".into(),
        })
    }
}
