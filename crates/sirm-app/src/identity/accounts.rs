//! Account administration (system administrator): staff accounts, their
//! status, password resets. Role grants are in [`super::roles`].

use crate::AuditEvent;
use sirm_domain::status::AccountStatus;
use sirm_domain::RuleId;
use std::str::FromStr;

use rand::RngCore;
use serde::Serialize;
use sirm_domain::access::{Permission, Role};
use sirm_domain::records::{self, kind, AccountCreated, AccountStatusChange};
use sirm_ledger::Stream;
use sirm_store::AccountRow;

use super::username::check_username;
use super::Principal;
use crate::clock::time_us;
use crate::drafts::draft;
use crate::{password, AppError, Sirm};

/// How long a password-reset code works.
pub const RESET_HOURS: i64 = 24;

/// A one-time password-reset code, shown once to whoever hands it to the
/// account's owner.
#[derive(Clone, Debug, Serialize)]
pub struct ResetCode {
    pub username: String,
    pub code: String,
    /// Beijing time, `YYYY-MM-DD HH:MM`.
    pub expires: String,
}

/// 16 characters from an unambiguous alphabet (~80 bits), `XXXX-XXXX-XXXX-XXXX`.
fn reset_code() -> String {
    crate::codes::grouped_code(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
}

/// Upper case, without spaces and dashes (how the code is typed does not matter).
fn normalize_reset_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// A password issued by an administrator or clerk: shown once, must be
/// changed at first sign-in.
#[derive(Clone, Debug, Serialize)]
pub struct Issued {
    pub username: String,
    pub password: String,
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

pub(super) fn parse_role(s: &str) -> Result<Role, AppError> {
    Role::from_str(s).map_err(|e| AppError::invalid("role", e))
}

pub(super) fn roles_of(row: &AccountRow) -> Result<Vec<Role>, AppError> {
    row.roles.iter().map(|r| parse_role(r)).collect()
}

impl Sirm {
    /// An account of the administrator's own agency; another agency's
    /// account is the same "not found" as a missing one.
    pub(super) async fn account_or_404(
        &self,
        who: &Principal,
        username: &str,
    ) -> Result<AccountRow, AppError> {
        let username = username.trim().to_lowercase();
        self.store
            .account(&username)
            .await?
            .filter(|a| a.agency == who.agency)
            .ok_or_else(|| {
                AppError::not_found(RuleId::NotFoundAccount, format!("account {username}"))
            })
    }

    /// An account `who` manages ([`Permission::AccountManage`]), of their
    /// own agency (see [`Sirm::account_or_404`]).
    pub(super) async fn managed_account(
        &self,
        who: &Principal,
        username: &str,
    ) -> Result<AccountRow, AppError> {
        self.authorize(who, Permission::AccountManage).await?;
        self.account_or_404(who, username).await
    }

    /// Create a staff account with no roles and an issued password.
    pub async fn add_user(
        &self,
        who: &Principal,
        username: &str,
        display_name: &str,
    ) -> Result<Issued, AppError> {
        self.authorize(who, Permission::AccountManage).await?;
        let username = self.fresh_username(username, display_name).await?;
        let a = AccountCreated {
            username: username.clone(),
            display_name: display_name.trim().to_string(),
            agency: who.agency.clone(),
            roles: vec![],
            kind: sirm_domain::status::AccountKind::Staff,
            person_id: None,
            employer: None,
        };
        self.create_with_issued_password(who, &a, "staff account, no roles")
            .await
    }

    /// The normalised name of a new account: well formed, with an
    /// acceptable display name, and held by no account yet.
    pub(crate) async fn fresh_username(
        &self,
        username: &str,
        display_name: &str,
    ) -> Result<String, AppError> {
        let username = username.trim().to_lowercase();
        check_username(&username)?;
        records::check_text("display_name", display_name, 100).map_err(AppError::invalid_record)?;
        if self.store.account(&username).await?.is_some() {
            return Err(AppError::conflict_by(
                RuleId::AccountExists,
                format!("account {username} already exists"),
            ));
        }
        Ok(username)
    }

    /// Append the `account.created` entry with its audit event, then issue
    /// a password that must be changed at first sign-in.
    pub(crate) async fn create_with_issued_password(
        &self,
        who: &Principal,
        a: &AccountCreated,
        detail: &str,
    ) -> Result<Issued, AppError> {
        let username = a.username.clone();
        let created = crate::drafts::account_created(&self.config, &who.username, a)?;
        let ev =
            self.audit_draft(AuditEvent::on(who, &username, "account.create").success(detail))?;
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

    /// The account a status change acts on: another account of the
    /// caller's agency, not retired, and a reason given.
    async fn status_target(
        &self,
        who: &Principal,
        username: &str,
        reason: &str,
        action: &str,
    ) -> Result<AccountRow, AppError> {
        let target = self.managed_account(who, username).await?;
        if target.username == who.username {
            return Err(AppError::invalid_by(
                "username",
                RuleId::OwnAccount,
                format!("you cannot {action} your own account"),
            ));
        }
        records::check_text("reason", reason, 400).map_err(AppError::invalid_record)?;
        if target.status == AccountStatus::Retired {
            return Err(AppError::conflict_by(
                RuleId::AlreadyDone,
                format!(
                    "{} is retired: a retired account is never locked, unlocked or used again (create a new account)",
                    target.username
                ),
            ));
        }
        Ok(target)
    }

    async fn set_status(
        &self,
        who: &Principal,
        username: &str,
        lock: bool,
        reason: &str,
    ) -> Result<(), AppError> {
        let target = self
            .status_target(who, username, reason, "lock or unlock")
            .await?;
        let (k, event, guard) = if lock {
            (
                kind::ACCOUNT_LOCKED,
                "account.lock",
                Some("lock the account"),
            )
        } else {
            (kind::ACCOUNT_UNLOCKED, "account.unlock", None)
        };
        self.append_status_change(who, &target, k, event, reason, guard)
            .await?;
        if lock {
            self.store.delete_sessions_of(&target.username).await?;
        } else {
            self.store.clear_all_failures(&target.username).await?;
        }
        Ok(())
    }

    /// A lock, unlock or retirement as one append: the ledger entry and its
    /// security event; with `guard` (what is done, for the message), the
    /// last holder of the security or audit administrator role is kept,
    /// checked again inside the append transaction (two at once cannot both
    /// pass the rule).
    async fn append_status_change(
        &self,
        who: &Principal,
        target: &AccountRow,
        entry_kind: &str,
        event: &str,
        reason: &str,
        guard: Option<&str>,
    ) -> Result<(), AppError> {
        let mut guarded = Vec::new();
        if let Some(what) = guard {
            for role in roles_of(target)? {
                self.keep_last_holder(who, target, role, what).await?;
                guarded.push(role);
            }
        }
        let p = AccountStatusChange {
            username: target.username.clone(),
            reason: reason.to_string(),
        };
        let d = draft(
            &self.config,
            Stream::Security,
            entry_kind,
            records::account_subject(&target.username),
            &who.username,
            &p,
        )?;
        let ev = self.audit_draft(AuditEvent::on(who, &target.username, event).success(reason))?;
        self.append_with(vec![d, ev], last_holder_guard(&target.username, &guarded))
            .await
            .map(drop)
    }

    pub async fn lock_user(
        &self,
        who: &Principal,
        username: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        self.set_status(who, username, true, reason).await
    }

    /// Lock an account pending review after a reading pattern that raised
    /// an alarm (Art 22: no bulk exchange): done by SIRM itself, recorded
    /// like a lock by the system administrator, who unlocks it after
    /// looking into it. An administrator account is never locked this way.
    pub(crate) async fn suspend_for_review(
        &self,
        who: &Principal,
        reason: &str,
    ) -> Result<(), AppError> {
        let Some(target) = self.store.account(&who.username).await? else {
            return Ok(());
        };
        if target.status != AccountStatus::Active || who.roles.iter().any(|r| r.is_admin()) {
            return Ok(());
        }
        let system = Principal {
            username: "sirm".into(),
            display_name: "SIRM".into(),
            agency: who.agency.clone(),
            kind: sirm_domain::status::AccountKind::Staff,
            roles: vec![],
            person_id: None,
            employer: None,
            source: who.source.clone(),
            pending: None,
            session: None,
            notice: None,
        };
        self.append_status_change(
            &system,
            &target,
            kind::ACCOUNT_LOCKED,
            "account.lock",
            reason,
            None,
        )
        .await?;
        self.store.delete_sessions_of(&target.username).await?;
        Ok(())
    }

    pub async fn unlock_user(
        &self,
        who: &Principal,
        username: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        self.set_status(who, username, false, reason).await
    }

    /// Retire an account for good (访问控制: 及时删除或停用多余的、过期的账户):
    /// never deleted — its history stays in the ledger and its name is never
    /// given to anyone else — but it never signs in again, its sessions
    /// end, and it cannot be unlocked. The last holder of the security or audit
    /// administrator role cannot be retired (rule `last-administrator`).
    pub async fn retire_user(
        &self,
        who: &Principal,
        username: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        let target = self.status_target(who, username, reason, "retire").await?;
        self.append_status_change(
            who,
            &target,
            kind::ACCOUNT_RETIRED,
            "account.retire",
            reason,
            Some("retire the account"),
        )
        .await?;
        self.store.delete_sessions_of(&target.username).await?;
        Ok(())
    }

    /// The system administrator resets a staff account's password: the
    /// current password stops working, the account's sessions end, and a
    /// one-time reset code (valid [`RESET_HOURS`] hours) is handed to the
    /// account's owner — not a password: the code only lets its user choose
    /// a new password, once ([`Sirm::complete_reset`]), and a second factor
    /// stays as it was. The user is told at the next sign-in who reset it and
    /// when. External accounts (insured persons, delegates, employer agents)
    /// are reset only at the counter after an ID check ([`Sirm::counter_reset`]).
    pub async fn reset_password(
        &self,
        who: &Principal,
        username: &str,
    ) -> Result<ResetCode, AppError> {
        let target = self.managed_account(who, username).await?;
        if target.kind != sirm_domain::status::AccountKind::Staff {
            return Err(AppError::forbidden(
                RuleId::ExternalResetAtCounter,
                format!(
                    "{} is an external account (insured person, delegate or employer agent): its owner resets it at the counter after an ID check (外部用户账户须本人持有效身份证件到柜台重置)",
                    target.username
                ),
            ));
        }
        // The system administrator must not be able to take over (or shut
        // out) the administrators who check them (三员分立): their
        // passwords are not reset on the system administrator's word.
        if let Some(role) = roles_of(&target)?
            .into_iter()
            .find(|r| matches!(r, Role::SecurityAdmin | Role::AuditAdmin))
        {
            let msg = format!(
                "{} holds {} ({}): the system administrator cannot reset the password of the security or audit administrator (三员分立); see docs/roles.md for the recovery procedure",
                target.username,
                role.as_str(),
                role.name_zh()
            );
            self.audit(
                AuditEvent::on(who, &target.username, "password.reset")
                    .denied(format!("admin-reset: {msg}")),
            )
            .await?;
            return Err(AppError::forbidden(RuleId::AdminReset, msg));
        }
        self.issue_reset(who, &target, "issued by the system administrator")
            .await
    }

    /// The clerk resets an external account's password at the counter after
    /// checking its owner's ID document (the same one-time code).
    pub async fn counter_reset(
        &self,
        who: &Principal,
        username: &str,
        _checked: super::external::IdDocumentChecked,
    ) -> Result<ResetCode, AppError> {
        self.authorize(who, Permission::ExternalActivate).await?;
        let target = self
            .account_or_404(who, username)
            .await
            .ok()
            .filter(|a| a.kind == sirm_domain::status::AccountKind::External)
            .ok_or_else(|| {
                AppError::not_found(
                    RuleId::NotFoundAccount,
                    format!("external account {username}"),
                )
            })?;
        self.issue_reset(
            who,
            &target,
            "issued at the counter after the owner's ID document was checked",
        )
        .await
    }

    async fn issue_reset(
        &self,
        who: &Principal,
        target: &AccountRow,
        how: &str,
    ) -> Result<ResetCode, AppError> {
        if target.username == who.username {
            return Err(AppError::invalid_by(
                "username",
                RuleId::OwnAccount,
                "change your own password under 修改密码 / Password instead",
            ));
        }
        let code = reset_code();
        let now = time_us();
        let expires = now + RESET_HOURS * 3_600_000_000;
        self.store
            .issue_password_reset(
                &target.username,
                &sha256_hex(&normalize_reset_code(&code)),
                &who.username,
                now,
                expires,
            )
            .await?;
        self.audit(
            AuditEvent::on(who, &target.username, "password.reset").success(format!(
                "one-time reset code {how}; sessions ended; valid {RESET_HOURS} hours"
            )),
        )
        .await?;
        Ok(ResetCode {
            username: target.username.clone(),
            code,
            expires: chrono::DateTime::from_timestamp_micros(expires)
                .map(|t| {
                    t.with_timezone(&crate::clock::agency_offset())
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
        })
    }

    /// Anyone holding a reset code chooses the new password (no sign-in).
    /// Every failure gets the same answer and is counted as an anonymous
    /// refusal.
    pub async fn complete_reset(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
        source: &str,
    ) -> Result<(), AppError> {
        let username = username.trim().to_lowercase();
        let policy = self.password_policy();
        if let Err(v) = policy.check_new_password(new_password, &username) {
            return Err(AppError::invalid_by("new_password", v.rule, v));
        }
        let code = normalize_reset_code(code);
        let refused = || {
            AppError::unauthenticated(RuleId::ResetCodeRefused,
                "the username and reset code do not match a valid reset code (a code works once, for 24 hours) / 用户名与重置码不符，或重置码已使用、已过期",
            )
        };
        if username.chars().count() > 64 || code.chars().count() > 64 {
            self.refused(source, "password.reset_use", None, "malformed");
            return Err(refused());
        }
        let keep = policy.history.max(1);
        let code_hash = sha256_hex(&code);
        let hash = password::hash_async(new_password).await?;
        // Nothing about the account (not even the password history) is
        // looked at before the code is known to be right.
        if !self
            .store
            .password_reset_valid(&username, &code_hash, time_us())
            .await?
        {
            let known = self.store.account(&username).await?.is_some();
            self.refused(
                source,
                "password.reset_use",
                known.then_some(username.as_str()),
                "wrong, used or expired reset code",
            );
            return Err(refused());
        }
        for h in self.store.password_history(&username, keep).await? {
            if password::verify_async(new_password, &h).await? {
                return Err(AppError::invalid(
                    "new_password",
                    format!(
                        "rule password.reuse: may not repeat any of the last {keep} passwords (policy {})",
                        policy.profile.as_str()
                    ),
                ));
            }
        }
        let Some(used) = self
            .store
            .take_password_reset(&username, &code_hash, time_us())
            .await?
        else {
            self.refused(
                source,
                "password.reset_use",
                Some(username.as_str()),
                "reset code used concurrently",
            );
            return Err(refused());
        };
        self.store
            .set_password(&username, &hash, false, time_us(), keep)
            .await?;
        self.audit(
            AuditEvent::new(&username, source, "password.reset_use").success(format!(
                "new password chosen with the reset code issued by {}",
                used.issued_by
            )),
        )
        .await?;
        Ok(())
    }

    /// Refuse to leave nobody holding `security_admin` or `audit_admin`
    /// (the early check, with an audit event; `last_holder_guard` repeats
    /// it inside the append transaction).
    ///
    /// (rule `last-administrator`): without them nobody approves roles or
    /// reads the audit trail, and the bootstrap exists only in `sirm init`.
    pub(super) async fn keep_last_holder(
        &self,
        who: &Principal,
        target: &AccountRow,
        role: Role,
        what: &str,
    ) -> Result<(), AppError> {
        if !matches!(role, Role::SecurityAdmin | Role::AuditAdmin) {
            return Ok(());
        }
        let others = self
            .store
            .accounts()
            .await?
            .iter()
            .filter(|a| {
                a.username != target.username
                    && a.status == AccountStatus::Active
                    && a.roles.iter().any(|r| r == role.as_str())
            })
            .count();
        if others > 0 {
            return Ok(());
        }
        let msg = format!(
            "{} is the last active {} ({}); grant the role to another person first, then {what}",
            target.username,
            role.as_str(),
            role.name_zh()
        );
        self.audit(
            AuditEvent::on(who, &target.username, "role.refused")
                .denied(format!("last-administrator: {msg}")),
        )
        .await?;
        Err(AppError::forbidden(RuleId::LastAdministrator, msg))
    }
}

/// The in-transaction form of rule `last-administrator` for the roles
/// [`Sirm::keep_last_holder`] guards.
pub(super) fn last_holder_guard(username: &str, roles: &[Role]) -> Option<sirm_store::Expect> {
    let roles: Vec<String> = roles
        .iter()
        .filter(|r| matches!(r, Role::SecurityAdmin | Role::AuditAdmin))
        .map(|r| r.as_str().to_string())
        .collect();
    (!roles.is_empty()).then(|| sirm_store::Expect::OtherActiveHolders {
        username: username.to_string(),
        roles,
    })
}
