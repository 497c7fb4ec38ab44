//! Identity and access (Art 7, 11, 14, 15, 26; GB/T 22239 level 3): who is
//! acting, what they may do, and the security audit trail.
//!
//! The one authorization check is [`Sirm::authorize`]: every use case that
//! needs a permission calls it first, deny by default. [`Sirm::principal`]
//! reloads the account on every request, so a lock, a revoked role or a role
//! set that breaks separation of duties takes effect at once.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod contractor;
pub mod event;
pub mod external;
pub mod ivr;
pub mod locks;
pub mod refusals;
pub mod roles;
pub mod username;

use sirm_domain::status::AccountStatus;
use sirm_domain::RuleId;
use std::str::FromStr;

use crate::{AppError, Sirm};
use chrono::Utc;
pub use event::AuditEvent;
use serde::Serialize;
use sirm_domain::access::{self, Permission, Role, RoleClass};

/// Something the signed-in account still has to do before anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pending {
    /// First login with an issued password, or the password expired.
    PasswordChange,
    /// An administrator role requires a second factor that is not enrolled.
    SecondFactorEnrolment,
}

/// The account acting in a request, as loaded for that request.
#[derive(Clone, Debug, Serialize)]
pub struct Principal {
    pub username: String,
    pub display_name: String,
    pub agency: String,
    pub kind: sirm_domain::status::AccountKind,
    pub roles: Vec<Role>,
    pub person_id: Option<String>,
    pub employer: Option<String>,
    /// Where the request came from (IP address, or `cli`).
    pub source: String,
    pub pending: Option<Pending>,
    /// The session this request came with (its token's hash), if any.
    #[serde(skip)]
    pub session: Option<String>,
    /// A message for the user on this session's pages (e.g. that the
    /// password was reset, by whom and when).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

impl Principal {
    /// Does the principal's role set allow `p` (ignoring pending tasks)?
    /// Self-service (own password, second factor, sign-out) belongs to every
    /// signed-in account, even one without roles.
    pub fn may(&self, p: Permission) -> bool {
        p == Permission::SelfService || access::allows(&self.roles, p)
    }

    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r.class() == RoleClass::Admin)
    }

    /// Every permission this principal holds now.
    pub fn permissions(&self) -> Vec<Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(|p| self.pending.is_none() || *p == Permission::SelfService)
            .filter(|p| self.may(*p))
            .collect()
    }
}

impl Sirm {
    /// Load the account `username` as the principal of a request from
    /// `source`. Refused when the account is unknown or locked, or when its
    /// role set breaks a separation-of-duty rule (checked on every request,
    /// Art 26).
    pub async fn principal(&self, username: &str, source: &str) -> Result<Principal, AppError> {
        let acct = self.store.account(username).await?;
        let cred = match acct {
            Some(_) => self.store.credential_state(username).await?,
            None => None,
        };
        self.principal_of(username, acct, cred.as_ref(), source)
            .await
    }

    /// The principal from its account and credential state, already read
    /// (by [`Sirm::principal`], or with the session in one statement).
    pub(crate) async fn principal_of(
        &self,
        username: &str,
        acct: Option<sirm_store::AccountRow>,
        cred: Option<&sirm_store::CredentialRow>,
        source: &str,
    ) -> Result<Principal, AppError> {
        let acct = acct
            .ok_or_else(|| AppError::unauthenticated(RuleId::SignInRequired, "unknown account"))?;
        if acct.status != AccountStatus::Active {
            return Err(AppError::unauthenticated(
                RuleId::AccountLocked,
                format!("account {username} is locked"),
            ));
        }
        let mut roles = Vec::with_capacity(acct.roles.len());
        for r in &acct.roles {
            roles.push(Role::from_str(r).map_err(|e| AppError::invalid("role", e))?);
        }
        if let Err(v) = access::check_role_set(&roles) {
            self.audit(
                AuditEvent::new(username, source, "permission.denied").denied(v.to_string()),
            )
            .await?;
            return Err(AppError::Forbidden {
                rule: v.rule,
                message: v.to_string(),
            });
        }
        let pending = self.pending_for(cred, &roles);
        Ok(Principal {
            username: acct.username,
            display_name: acct.display_name,
            agency: acct.agency,
            kind: acct.kind,
            roles,
            person_id: acct.person_id,
            employer: acct.employer,
            source: source.to_string(),
            pending,
            session: None,
            notice: None,
        })
    }

    fn pending_for(
        &self,
        cred: Option<&sirm_store::CredentialRow>,
        roles: &[Role],
    ) -> Option<Pending> {
        let Some(cred) = cred else {
            return Some(Pending::PasswordChange);
        };
        let policy = self.password_policy();
        let changed = chrono::DateTime::from_timestamp_micros(cred.changed_us).unwrap_or_default();
        if cred.must_change || policy.needs_rotation(changed, Utc::now()) {
            return Some(Pending::PasswordChange);
        }
        let needs_2fa = roles.iter().any(|r| r.class() == RoleClass::Admin)
            || (self.config.security.second_factor_for_staff
                && roles.iter().any(|r| r.class() != RoleClass::External));
        if needs_2fa && cred.totp_secret.is_none() {
            return Some(Pending::SecondFactorEnrolment);
        }
        None
    }

    /// THE authorization check. Deny by default; a denial is audited.
    pub async fn authorize(&self, who: &Principal, p: Permission) -> Result<(), AppError> {
        if who.pending.is_some() && p != Permission::SelfService {
            let what = match who.pending {
                Some(Pending::PasswordChange) => "change your password first",
                _ => "enrol a second factor first",
            };
            self.audit(
                AuditEvent::own(who, "permission.denied").denied(format!("{}: {what}", p.as_str())),
            )
            .await?;
            return Err(AppError::forbidden(
                RuleId::PendingTask,
                format!("{what} (permission {} refused until then)", p.as_str()),
            ));
        }
        if who.may(p) {
            return self.contractor_gate(who, p).await;
        }
        let roles: Vec<&str> = who.roles.iter().map(|r| r.as_str()).collect();
        let detail = format!(
            "permission {} not held by roles [{}]",
            p.as_str(),
            roles.join(", ")
        );
        if self.denials.take(&who.username, chrono::Utc::now()) {
            self.audit(AuditEvent::own(who, "permission.denied").denied(&detail))
                .await?;
        } else {
            // Past the account's budget: counted in the source's summary.
            self.refused(
                &who.source,
                "permission.denied",
                Some(&who.username),
                &detail,
            );
        }
        Err(AppError::forbidden(
            RuleId::DenyByDefault,
            format!(
                "permission {} is not granted to your roles ({})",
                p.as_str(),
                roles.join(", ")
            ),
        ))
    }

    /// The password policy in force (from `sirm.toml`).
    pub fn password_policy(&self) -> access::PasswordPolicy {
        access::PasswordPolicy::profile(self.config.security.password_profile)
    }
}
