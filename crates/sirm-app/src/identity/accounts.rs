//! Account administration (system administrator) and role grants
//! (requested by the system administrator, effective only after the security
//! administrator approves; separation of duties checked at request, at
//! approval, and on every request afterwards).

use std::str::FromStr;

use rand::RngCore;
use serde::Serialize;
use sirm_domain::access::{self, Permission, Role};
use sirm_domain::records::{
    self, kind, AccountCreated, AccountStatusChange, RoleDecision, RoleRequested, RoleRevoked,
};
use sirm_ledger::Stream;
use sirm_store::{AccountRow, RoleRequestRow};

use super::{time_us, Principal};
use crate::install::{check_username, draft};
use crate::{password, AppError, Sirm};

/// A password issued by an administrator or clerk: shown once, must be
/// changed at first sign-in.
#[derive(Clone, Debug, Serialize)]
pub struct Issued {
    pub username: String,
    pub password: String,
}

/// Outcome of a role request.
#[derive(Clone, Debug, Serialize)]
pub struct RoleRequestOutcome {
    pub request_id: String,
    /// `pending`, or `approved` for the bootstrap of the first security administrator.
    pub status: String,
}

/// A random password that satisfies both shipped policy profiles.
pub(crate) fn issue_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut raw = [0u8; 14];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let body: String = raw
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}-7a", &body[..7], &body[7..])
}

fn parse_role(s: &str) -> Result<Role, AppError> {
    Role::from_str(s).map_err(|e| AppError::invalid("role", e))
}

fn roles_of(row: &AccountRow) -> Result<Vec<Role>, AppError> {
    row.roles.iter().map(|r| parse_role(r)).collect()
}

impl Sirm {
    async fn account_or_404(&self, username: &str) -> Result<AccountRow, AppError> {
        self.store
            .account(username)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("account {username}")))
    }

    /// Refuse with the separation-of-duty rule, and audit the refusal.
    async fn sod_refusal(
        &self,
        who: &Principal,
        v: access::SodViolation,
        target: &str,
    ) -> AppError {
        let _ = self
            .audit(
                target,
                &who.source,
                "role.refused",
                "denied",
                &v.to_string(),
                &who.username,
            )
            .await;
        AppError::Forbidden {
            rule: v.rule.to_string(),
            message: v.to_string(),
        }
    }

    /// Create a staff account with no roles and an issued password.
    pub async fn add_user(
        &self,
        who: &Principal,
        username: &str,
        display_name: &str,
    ) -> Result<Issued, AppError> {
        self.authorize(who, Permission::AccountManage).await?;
        let username = username.trim().to_lowercase();
        check_username(&username)?;
        records::check_text("display_name", display_name, 100)
            .map_err(|e| AppError::invalid("display_name", e))?;
        if self.store.account(&username).await?.is_some() {
            return Err(AppError::Conflict(format!(
                "account {username} already exists"
            )));
        }
        let a = AccountCreated {
            username: username.clone(),
            display_name: display_name.trim().to_string(),
            agency: who.agency.clone(),
            roles: vec![],
            kind: "staff".into(),
            person_id: None,
            employer: None,
        };
        let d = draft(
            &self.config,
            Stream::Security,
            kind::ACCOUNT_CREATED,
            records::account_subject(&username),
            &who.username,
            &a,
        )?;
        self.create_with_issued_password(who, d, username, "staff account, no roles")
            .await
    }

    /// Append an `account.created` draft with its audit event, then issue a
    /// password that must be changed at first sign-in.
    pub(crate) async fn create_with_issued_password(
        &self,
        who: &Principal,
        created: sirm_ledger::EntryDraft,
        username: String,
        detail: &str,
    ) -> Result<Issued, AppError> {
        let ev = self.audit_draft(
            &username,
            &who.source,
            "account.create",
            "success",
            detail,
            &who.username,
        )?;
        self.append(vec![created, ev]).await?;
        let pw = issue_password();
        self.store
            .set_password(
                &username,
                &password::hash(&pw)?,
                true,
                time_us(),
                self.password_policy().history.max(1),
            )
            .await?;
        Ok(Issued {
            username,
            password: pw,
        })
    }

    pub async fn list_users(&self, who: &Principal) -> Result<Vec<AccountRow>, AppError> {
        self.authorize(who, Permission::AccountManage).await?;
        Ok(self
            .store
            .accounts()
            .await?
            .into_iter()
            .filter(|a| a.agency == who.agency)
            .collect())
    }

    async fn set_status(
        &self,
        who: &Principal,
        username: &str,
        lock: bool,
        reason: &str,
    ) -> Result<(), AppError> {
        self.authorize(who, Permission::AccountManage).await?;
        let target = self.account_or_404(username).await?;
        if target.username == who.username {
            return Err(AppError::invalid(
                "username",
                "you cannot lock or unlock your own account",
            ));
        }
        records::check_text("reason", reason, 400).map_err(|e| AppError::invalid("reason", e))?;
        let k = if lock {
            kind::ACCOUNT_LOCKED
        } else {
            kind::ACCOUNT_UNLOCKED
        };
        let p = AccountStatusChange {
            username: target.username.clone(),
            reason: reason.to_string(),
        };
        let d = draft(
            &self.config,
            Stream::Security,
            k,
            records::account_subject(&target.username),
            &who.username,
            &p,
        )?;
        let event = if lock {
            "account.lock"
        } else {
            "account.unlock"
        };
        let ev = self.audit_draft(
            &target.username,
            &who.source,
            event,
            "success",
            reason,
            &who.username,
        )?;
        self.append(vec![d, ev]).await?;
        if lock {
            self.store.delete_sessions_of(&target.username).await?;
        } else {
            self.store.clear_failures(&target.username).await?;
        }
        Ok(())
    }

    pub async fn lock_user(
        &self,
        who: &Principal,
        username: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        self.set_status(who, username, true, reason).await
    }

    pub async fn unlock_user(
        &self,
        who: &Principal,
        username: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        self.set_status(who, username, false, reason).await
    }

    /// Issue a new password (to be changed at next sign-in); ends the
    /// account's sessions and clears a lockout.
    pub async fn reset_password(
        &self,
        who: &Principal,
        username: &str,
    ) -> Result<Issued, AppError> {
        self.authorize(who, Permission::AccountManage).await?;
        let target = self.account_or_404(username).await?;
        let pw = issue_password();
        self.store
            .set_password(
                &target.username,
                &password::hash(&pw)?,
                true,
                time_us(),
                self.password_policy().history.max(1),
            )
            .await?;
        self.store.delete_sessions_of(&target.username).await?;
        self.audit(
            &target.username,
            &who.source,
            "password.reset",
            "success",
            "issued by an administrator",
            &who.username,
        )
        .await?;
        Ok(Issued {
            username: target.username,
            password: pw,
        })
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
        self.authorize(who, Permission::AccountManage).await?;
        let role = parse_role(role)?;
        let target = self.account_or_404(username).await?;
        records::check_text("reason", reason, 400).map_err(|e| AppError::invalid("reason", e))?;
        let current = roles_of(&target)?;
        if current.contains(&role) {
            return Err(AppError::Conflict(format!(
                "{} already holds {}",
                target.username,
                role.as_str()
            )));
        }
        if let Err(v) = access::check_grant(&current, role) {
            return Err(self.sod_refusal(who, v, &target.username).await);
        }
        if self
            .store
            .role_requests(Some("pending"))
            .await?
            .iter()
            .any(|r| r.username == target.username && r.role == role.as_str())
        {
            return Err(AppError::Conflict(format!(
                "a request for {} to hold {} is already pending",
                target.username,
                role.as_str()
            )));
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
        let subject = records::account_subject(&target.username);
        let mut drafts = vec![draft(
            &self.config,
            Stream::Security,
            kind::ROLE_REQUESTED,
            subject.clone(),
            &who.username,
            &req,
        )?];
        drafts.push(self.audit_draft(
            &target.username,
            &who.source,
            "role.request",
            "success",
            &format!("{request_id} {} ({reason})", role.as_str()),
            &who.username,
        )?);
        // Bootstrap: the very first security administrator cannot be approved
        // by a security administrator; the grant takes effect at once and the
        // ledger says why.
        let bootstrap = role == Role::SecurityAdmin
            && !self
                .store
                .accounts()
                .await?
                .iter()
                .any(|a| a.roles.iter().any(|r| r == Role::SecurityAdmin.as_str()));
        if bootstrap {
            let dec = RoleDecision {
                request_id: request_id.clone(),
                username: target.username.clone(),
                role: role.as_str().to_string(),
                reason: "bootstrap: no security administrator exists yet".into(),
            };
            drafts.push(draft(
                &self.config,
                Stream::Security,
                kind::ROLE_APPROVED,
                subject,
                "sirm-bootstrap",
                &dec,
            )?);
            drafts.push(self.audit_draft(
                &target.username,
                &who.source,
                "role.approve",
                "success",
                &format!(
                    "{request_id} {}: bootstrap of the first security administrator",
                    role.as_str()
                ),
                "sirm-bootstrap",
            )?);
        }
        self.append(drafts).await?;
        Ok(RoleRequestOutcome {
            request_id,
            status: if bootstrap {
                "approved".into()
            } else {
                "pending".into()
            },
        })
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

    /// The security administrator decides on a pending role request.
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
            .ok_or_else(|| AppError::NotFound(format!("role request {request_id}")))?;
        let reason = if reason.trim().is_empty() && approve {
            "approved"
        } else {
            reason
        };
        records::check_text("reason", reason, 400).map_err(|e| AppError::invalid("reason", e))?;
        if req.status != "pending" {
            return Err(AppError::Conflict(format!(
                "role request {request_id} is already {}",
                req.status
            )));
        }
        if req.requested_by == who.username || req.username == who.username {
            return Err(AppError::forbidden(
                "four-eyes",
                "a role request is decided by someone other than its requester and its subject",
            ));
        }
        let role = parse_role(&req.role)?;
        if approve {
            let target = self.account_or_404(&req.username).await?;
            if let Err(v) = access::check_grant(&roles_of(&target)?, role) {
                return Err(self.sod_refusal(who, v, &target.username).await);
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
        let event = if approve {
            "role.approve"
        } else {
            "role.reject"
        };
        let ev = self.audit_draft(
            &req.username,
            &who.source,
            event,
            "success",
            &format!("{} {} ({reason})", req.request_id, req.role),
            &who.username,
        )?;
        self.append(vec![d, ev]).await?;
        Ok(())
    }

    /// Take a role away (effective at once).
    pub async fn revoke_role(
        &self,
        who: &Principal,
        username: &str,
        role: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        self.authorize(who, Permission::AccountManage).await?;
        let role = parse_role(role)?;
        let target = self.account_or_404(username).await?;
        if !target.roles.iter().any(|r| r == role.as_str()) {
            return Err(AppError::Conflict(format!(
                "{} does not hold {}",
                target.username,
                role.as_str()
            )));
        }
        records::check_text("reason", reason, 400).map_err(|e| AppError::invalid("reason", e))?;
        let p = RoleRevoked {
            username: target.username.clone(),
            role: role.as_str().to_string(),
            reason: reason.to_string(),
        };
        let d = draft(
            &self.config,
            Stream::Security,
            kind::ROLE_REVOKED,
            records::account_subject(&target.username),
            &who.username,
            &p,
        )?;
        let ev = self.audit_draft(
            &target.username,
            &who.source,
            "role.revoke",
            "success",
            &format!("{} ({reason})", role.as_str()),
            &who.username,
        )?;
        self.append(vec![d, ev]).await?;
        Ok(())
    }
}
