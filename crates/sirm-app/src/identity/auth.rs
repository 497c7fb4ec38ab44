//! Sign-in, sessions, password changes and second factors.
//!
//! - Passwords are argon2id hashes; an unknown account costs the same
//!   argon2 verification as a known one, so timing does not tell them apart.
//! - Sessions are server-side: the cookie holds a random token, the
//!   database only its SHA-256. Idle timeout and absolute lifetime come from
//!   `[security]` in `sirm.toml`; logout deletes the session.
//! - Every outcome (success, failure, lockout, logout, change, enrolment) is
//!   a security event in the ledger.

use crate::AuditEvent;
use sirm_domain::status::AccountStatus;
use sirm_domain::RuleId;
use std::sync::OnceLock;

use chrono::Duration;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sirm_domain::access::{totp, Permission};

use super::{Pending, Principal};
use crate::clock::time_us;
use crate::{password, AppError, Sirm};

/// What a successful sign-in hands back.
#[derive(Clone, Debug, Serialize)]
pub struct Session {
    /// The bearer token (cookie value). Shown once; only its hash is stored.
    pub token: String,
    /// Anti-CSRF token: every state-changing request must echo it.
    pub csrf: String,
    pub principal: Principal,
}

/// A second-factor enrolment in progress.
#[derive(Clone, Debug, Serialize)]
pub struct TotpEnrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// A hash to verify against when the account does not exist, so that
/// failures take the same time either way.
pub(crate) fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| password::hash("timing-equaliser-Aa1!").unwrap_or_default())
}

const WRONG: &str = "wrong username or password";

/// Failure rows of other addresses older than this are dropped at a success.
const STALE_FAILURES_US: i64 = 24 * 3600 * 1_000_000;

impl Sirm {
    /// The one answer to every failed sign-in — unknown account, wrong
    /// password, locked account — so the answer never tells whether an
    /// account exists or is locked (the audit trail records which it was).
    fn sign_in_refused(&self) -> AppError {
        let p = self.password_policy();
        AppError::unauthenticated(RuleId::SignInRefused, format!(
            "{WRONG}, or the account is locked (after {} failed attempts an account is locked for {} minutes; an administrator can also lock it)",
            p.lockout_threshold, p.lockout_minutes
        ))
    }
}

/// The key failed sign-ins are counted under: an IPv4 address, or the /64
/// of an IPv6 address (one host usually holds a whole /64); other sources
/// (`cli`) as given.
pub fn source_key(source: &str) -> String {
    use std::net::IpAddr;
    match source.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Err(_) => source.chars().take(64).collect(),
    }
}

/// How many addresses locked out of one account lock the whole account
/// (guessing spread over several addresses).
pub const LOCKED_SOURCES_FOR_ACCOUNT_LOCK: i64 = 3;

/// Longest username and password looked at (argon2 input and the stored
/// failure rows stay bounded; longer input cannot be right anyway).
const MAX_USERNAME: usize = 64;
const MAX_PASSWORD: usize = 1024;

impl Sirm {
    /// Sign in with username, password and (when enrolled) a second factor.
    ///
    /// Failures are anonymous refusals: counted per source and written as a
    /// summary (`identity/refusals.rs`), never one ledger entry each. The
    /// lockout (GB/T 22239) is per account *and source address*: after the
    /// policy's threshold of failures from one address, that address cannot
    /// sign in to that account for the lockout period, while the owner
    /// elsewhere still can; when [`LOCKED_SOURCES_FOR_ACCOUNT_LOCK`]
    /// addresses are locked out of one account at once, the account itself
    /// locks (docs/roles.md, "Lockout").
    pub async fn login(
        &self,
        username: &str,
        pw: &str,
        second_factor: Option<&str>,
        source: &str,
    ) -> Result<Session, AppError> {
        let username: String = username.trim().to_lowercase();
        // Zeroised when dropped (剩余信息保护).
        let pw = zeroize::Zeroizing::new(pw.chars().take(MAX_PASSWORD).collect::<String>());
        let now = time_us();
        let key = source_key(source);
        let known = if username.chars().count() <= MAX_USERNAME {
            let account = self.store.account(&username).await?;
            let cred = self.store.credential_state(&username).await?;
            account.zip(cred)
        } else {
            None
        };
        let Some((account, cred)) = known else {
            let _ = password::verify_async(&pw, dummy_hash()).await?;
            // The typed name is not kept: it may be a mistyped password.
            self.refused(source, "login.failure", None, "unknown account");
            return Err(self.sign_in_refused());
        };
        if self.store.source_locked_until(&username, &key).await? > now {
            self.refused(
                source,
                "login.failure",
                Some(&username),
                "this address is locked out after failed attempts",
            );
            return Err(self.sign_in_refused());
        }
        let ok = password::verify_async(&pw, &cred.password_hash).await?;
        if account.status != AccountStatus::Active {
            self.refused(
                source,
                "login.failure",
                Some(&username),
                "account locked by an administrator",
            );
            return Err(self.sign_in_refused());
        }
        if cred.locked_until_us > now {
            self.refused(
                source,
                "login.failure",
                Some(&username),
                "account locked after failed attempts from several addresses",
            );
            return Err(self.sign_in_refused());
        }
        if !ok {
            return Err(self
                .failed_attempt(&username, source, "wrong password")
                .await?);
        }
        if let Some(secret) = &cred.totp_secret {
            let Some(code) = second_factor.map(str::trim).filter(|c| !c.is_empty()) else {
                return Err(AppError::SecondFactorRequired);
            };
            if !self
                .check_second_factor(&username, source, secret, &cred.recovery_codes, code)
                .await?
            {
                // Counts towards the lockout like a wrong password.
                self.failed_attempt(&username, source, "wrong second factor")
                    .await?;
                return Err(AppError::unauthenticated(
                    RuleId::SignInSecondFactor,
                    "wrong second factor (code or recovery code)",
                ));
            }
        }
        if account.kind == sirm_domain::status::AccountKind::Staff {
            self.disable_if_unused(&username, cred.changed_us, source)
                .await?;
        }
        self.store.clear_failures(&username).await?;
        self.store
            .clear_source_failures(&username, &key, now - STALE_FAILURES_US)
            .await?;
        let mut principal = self.principal(&username, source).await?;
        let token = random_hex(32);
        let csrf = random_hex(16);
        let id = sha256_hex(&token);
        principal.session = Some(id.clone());
        self.store
            .create_session(&id, &username, &csrf, source, now)
            .await?;
        if let Some((by, at)) = self.store.take_reset_notice(&username).await? {
            let when = chrono::DateTime::from_timestamp_micros(at)
                .map(|t| {
                    t.with_timezone(&crate::clock::agency_offset())
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default();
            self.store
                .set_session_notice(
                    &id,
                    &format!("您的密码已于 {when}（北京时间）由 {by} 重置。如非本人申请，请立即联系经办机构。 Your password was reset by {by} at {when} (Beijing time); if you did not ask for this, contact the agency at once."),
                )
                .await?;
        }
        self.audit(AuditEvent::new(&username, source, "login.success").success(""))
            .await?;
        Ok(Session {
            token,
            csrf,
            principal,
        })
    }

    /// Count a failure (per account and source), lock the source at the
    /// policy's threshold and the account when several sources are locked;
    /// locks are audited one by one (bounded per account), failures summarised.
    async fn failed_attempt(
        &self,
        username: &str,
        source: &str,
        why: &str,
    ) -> Result<AppError, AppError> {
        let policy = self.password_policy();
        let now = time_us();
        let until = now + i64::from(policy.lockout_minutes) * 60_000_000;
        let key = source_key(source);
        let (count, locked) = self
            .store
            .record_source_failure(
                username,
                &key,
                i64::from(policy.lockout_threshold),
                until,
                now,
            )
            .await?;
        self.refused(source, "login.failure", Some(username), why);
        if locked {
            let detail = format!(
                "sign-in from {key} locked for {} minutes after {count} failed attempts (policy {}); other addresses are not affected",
                policy.lockout_minutes,
                policy.profile.as_str()
            );
            self.audit(
                AuditEvent::new(username, source, "lockout")
                    .by("sirm")
                    .success(detail),
            )
            .await?;
            if self.holds_admin_role(username).await? {
                // An alarm that cannot be written never blocks the refusal.
                self.raise_alarm_or_log(
                    crate::alarms::AlarmKind::AdminLockout,
                    source,
                    username,
                    &format!("administrator account {username}: sign-in from {key} locked after {count} failed attempts"),
                )
                .await;
            }
            let sources = self.store.locked_sources(username, now).await?;
            if sources >= LOCKED_SOURCES_FOR_ACCOUNT_LOCK {
                self.store.lock_account_until(username, until).await?;
                let detail = format!(
                    "account locked for {} minutes: {sources} addresses are locked out after failed attempts (guessing from several addresses)",
                    policy.lockout_minutes
                );
                self.audit(
                    AuditEvent::new(username, source, "lockout")
                        .by("sirm")
                        .success(detail),
                )
                .await?;
            }
        }
        Ok(self.sign_in_refused())
    }

    /// Does the account hold an administrator role (三员 or database)?
    async fn holds_admin_role(&self, username: &str) -> Result<bool, AppError> {
        Ok(self.store.roles_of(username).await?.iter().any(|r| {
            r.parse::<sirm_domain::access::Role>()
                .is_ok_and(|r| r.is_admin())
        }))
    }

    /// A TOTP secret as stored: sealed under the key-encryption key, bound
    /// to its account (never in clear in the database or a backup).
    pub fn seal_totp(&self, username: &str, base32: &str) -> Result<String, AppError> {
        Ok(self
            .vault()?
            .seal_secret(&format!("totp:{username}"), base32.as_bytes()))
    }

    /// TOTP secrets written in clear by an earlier SIRM are sealed when the
    /// installation is first opened to write (no second factor stays in
    /// clear in the database or the next backup).
    pub(crate) async fn seal_clear_totp_secrets(&self) -> Result<(), AppError> {
        for (username, stored) in self.store.totp_secrets().await? {
            if stored.starts_with(crate::privacy::SECRET_PREFIX) {
                continue;
            }
            let sealed = self.seal_totp(&username, &stored)?;
            self.store
                .reseal_totp_secret(&username, &stored, &sealed)
                .await?;
        }
        Ok(())
    }

    /// The TOTP secret of a stored (sealed) one; the opened bytes are
    /// zeroised when dropped.
    fn open_totp(&self, username: &str, stored: &str) -> Result<totp::TotpSecret, AppError> {
        let bytes = self
            .vault()?
            .open_secret(&format!("totp:{username}"), stored)?;
        let text = std::str::from_utf8(&bytes).map_err(|e| AppError::invalid("totp_secret", e))?;
        totp::TotpSecret::from_base32(text).map_err(|e| AppError::invalid("totp_secret", e))
    }

    /// A staff account unused for `[security] inactive_days` (no sign-in, no
    /// unlock, no password set within the period) is locked now, in the
    /// ledger like an administrator's lock, and the sign-in refused.
    async fn disable_if_unused(
        &self,
        username: &str,
        password_set_us: i64,
        source: &str,
    ) -> Result<(), AppError> {
        let days = self.config.security.inactive_days;
        if days == 0 {
            return Ok(());
        }
        let newest = |event: &str| sirm_store::AuditFilter {
            kind: Some(sirm_domain::records::kind::SECURITY_EVENT.into()),
            account: Some(username.to_string()),
            event: Some(event.into()),
            limit: 1,
            ..Default::default()
        };
        let mut last = password_set_us;
        for event in ["login.success", "account.unlock"] {
            if let Some(e) = self.store.security_entries(&newest(event)).await?.first() {
                last = last.max(e.time.timestamp_micros());
            }
        }
        let limit = i64::from(days) * 86_400_000_000;
        if time_us() - last <= limit {
            return Ok(());
        }
        // Administrators are not locked automatically (the last security or
        // audit administrator could never be unlocked): an alarm instead.
        if self.holds_admin_role(username).await? {
            self.raise_alarm_or_log(
                crate::alarms::AlarmKind::UnusedAdmin,
                source,
                username,
                &format!("administrator account {username} not used for more than {days} days (security.inactive_days): check it is still needed"),
            )
            .await;
            return Ok(());
        }
        let reason = format!("not used for more than {days} days (security.inactive_days)");
        let p = sirm_domain::records::AccountStatusChange {
            username: username.to_string(),
            reason: reason.clone(),
        };
        let d = crate::drafts::draft(
            &self.config,
            sirm_ledger::Stream::Security,
            sirm_domain::records::kind::ACCOUNT_LOCKED,
            sirm_domain::records::account_subject(username),
            "sirm",
            &p,
        )?;
        let ev = self.audit_draft(
            AuditEvent::new(username, source, "account.lock")
                .by("sirm")
                .success(&reason),
        )?;
        self.append(vec![d, ev]).await?;
        self.store.delete_sessions_of(username).await?;
        Err(AppError::unauthenticated(RuleId::AccountLocked, format!(
            "账号超过 {days} 天未使用，已自动停用，请联系系统管理员解锁 / this account was not used for more than {days} days and is now disabled; ask the system administrator to unlock it"
        )))
    }

    /// Check a TOTP code or a recovery code; a code is used up atomically
    /// (two concurrent sign-ins with one code: one wins).
    async fn check_second_factor(
        &self,
        username: &str,
        source: &str,
        secret: &str,
        recovery: &[String],
        code: &str,
    ) -> Result<bool, AppError> {
        let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
            let secret = self.open_totp(username, secret)?;
            let now = chrono::Utc::now().timestamp();
            // Any step in the window; the store takes it only if it is newer
            // than the last one used.
            if let Some(step) = totp::verify(&secret, &digits, now, 1, None) {
                return Ok(self.store.take_totp_step(username, step).await?);
            }
            return Ok(false);
        }
        let code: String = code.chars().take(64).collect();
        let h = sha256_hex(&totp::normalize_recovery_code(&code));
        if recovery.iter().any(|r| r == &h) {
            let left: Vec<String> = recovery.iter().filter(|r| **r != h).cloned().collect();
            if !self
                .store
                .swap_recovery_codes(username, recovery, &left)
                .await?
            {
                return Ok(false);
            }
            self.audit(
                AuditEvent::new(username, source, "recovery_code.used")
                    .success(format!("{} left", left.len())),
            )
            .await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// The principal of a session token, enforcing idle timeout and absolute
    /// lifetime. Refreshes the idle clock.
    pub async fn session_principal(
        &self,
        token: &str,
        source: &str,
    ) -> Result<(Principal, String), AppError> {
        let id = sha256_hex(token);
        // Session, account, roles and credential state in one statement.
        let found = self.store.session_account(&id).await?.ok_or_else(|| {
            AppError::unauthenticated(
                RuleId::SignInRequired,
                "not signed in (or the session has ended)",
            )
        })?;
        let s = found.session;
        let now = time_us();
        let sec = &self.config.security;
        let idle = Duration::minutes(i64::from(sec.idle_timeout_minutes))
            .num_microseconds()
            .unwrap_or(i64::MAX);
        let life = Duration::hours(i64::from(sec.session_lifetime_hours))
            .num_microseconds()
            .unwrap_or(i64::MAX);
        let why = if now - s.last_seen_us > idle {
            Some(format!(
                "idle for more than {} minutes",
                sec.idle_timeout_minutes
            ))
        } else if now - s.created_us > life {
            Some(format!("older than {} hours", sec.session_lifetime_hours))
        } else {
            None
        };
        if let Some(why) = why {
            self.store.delete_session(&id).await?;
            self.audit(
                AuditEvent::new(&s.username, source, "session.expired")
                    .by("sirm")
                    .success(&why),
            )
            .await?;
            return Err(AppError::unauthenticated(
                RuleId::SessionExpired,
                format!("session expired ({why}); sign in again"),
            ));
        }
        // Write the idle clock at most once a minute.
        if now - s.last_seen_us > 60_000_000 {
            self.store.touch_session(&id, now).await?;
        }
        match self
            .principal_of(
                &s.username,
                found.account,
                found.credential.as_ref(),
                source,
            )
            .await
        {
            Ok(mut p) => {
                p.session = Some(id);
                p.notice = s.notice;
                Ok((p, s.csrf))
            }
            Err(e) => {
                self.store.delete_session(&id).await?;
                Err(e)
            }
        }
    }

    /// End a session without writing anything to the ledger: for a command
    /// that found the ledger damaged and must not append to it.
    pub async fn drop_session(&self, token: &str) -> Result<(), AppError> {
        self.store.delete_session(&sha256_hex(token)).await?;
        Ok(())
    }

    /// Sign out: the session is deleted on the server.
    pub async fn logout(&self, token: &str, source: &str) -> Result<(), AppError> {
        let id = sha256_hex(token);
        if let Some(s) = self.store.session(&id).await? {
            self.store.delete_session(&id).await?;
            self.audit(AuditEvent::new(&s.username, source, "logout").success(""))
                .await?;
        }
        Ok(())
    }

    /// Change one's own password (policy, history, audit).
    pub async fn change_password(
        &self,
        who: &Principal,
        old: &str,
        new: &str,
    ) -> Result<(), AppError> {
        self.authorize(who, Permission::SelfService).await?;
        let cred = self.own_credential(who).await?;
        if !password::verify_async(old, &cred.password_hash).await? {
            self.audit(AuditEvent::own(who, "password.change").failure("current password wrong"))
                .await?;
            return Err(AppError::invalid_by(
                "current_password",
                RuleId::PasswordCurrent,
                "is wrong",
            ));
        }
        let policy = self.password_policy();
        if let Err(v) = policy.check_new_password(new, &who.username) {
            self.audit(AuditEvent::own(who, "password.change").failure(v.to_string()))
                .await?;
            return Err(AppError::invalid_by("new_password", v.rule, v));
        }
        let keep = policy.history.max(1);
        for h in self.store.password_history(&who.username, keep).await? {
            if password::verify_async(new, &h).await? {
                let msg = format!(
                    "rule password.reuse: may not repeat any of the last {keep} passwords (policy {})",
                    policy.profile.as_str()
                );
                self.audit(AuditEvent::own(who, "password.change").failure(&msg))
                    .await?;
                return Err(AppError::invalid_by(
                    "new_password",
                    RuleId::PasswordReuse,
                    msg,
                ));
            }
        }
        let hash = password::hash_async(new).await?;
        self.store
            .set_password(&who.username, &hash, false, time_us(), keep)
            .await?;
        // Every other session of the account ends (a thief's included).
        let ended = match &who.session {
            Some(keep) => {
                self.store
                    .delete_other_sessions(&who.username, keep)
                    .await?
            }
            None => self.store.delete_sessions_of(&who.username).await?,
        };
        self.audit(
            AuditEvent::own(who, "password.change")
                .success(format!("{ended} other sessions ended")),
        )
        .await?;
        Ok(())
    }

    /// The signed-in account's credential state.
    async fn own_credential(&self, who: &Principal) -> Result<sirm_store::CredentialRow, AppError> {
        self.store
            .credential_state(&who.username)
            .await?
            .ok_or_else(|| {
                AppError::unauthenticated(
                    RuleId::SignInRequired,
                    "no password is set for this account",
                )
            })
    }

    /// Whether the signed-in account has a second factor enrolled (then
    /// re-enrolling needs the current password and code).
    pub async fn second_factor_enrolled(&self, who: &Principal) -> Result<bool, AppError> {
        Ok(self
            .store
            .credential_state(&who.username)
            .await?
            .is_some_and(|c| c.totp_secret.is_some()))
    }

    /// Start enrolling a TOTP second factor: a new secret to scan.
    pub async fn totp_begin(&self, who: &Principal) -> Result<TotpEnrolment, AppError> {
        self.authorize(who, Permission::SelfService).await?;
        let mut raw = [0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let secret = totp::generate_secret(raw);
        Ok(TotpEnrolment {
            otpauth_uri: totp::otpauth_uri(&secret, "SIRM", &who.username),
            secret: secret.to_base32(),
        })
    }

    /// Finish enrolment: the code proves the authenticator holds `secret`.
    /// Re-enrolling (a second factor is already enrolled) also needs the
    /// current password and a code of the current authenticator (or a
    /// recovery code): a stolen session alone cannot move the second factor.
    /// Returns ten one-time recovery codes (shown once; stored hashed).
    pub async fn totp_confirm(
        &self,
        who: &Principal,
        secret: &str,
        code: &str,
        current: Option<(&str, &str)>,
    ) -> Result<Vec<String>, AppError> {
        if who.pending == Some(Pending::PasswordChange) {
            return Err(AppError::forbidden(
                RuleId::PendingTask,
                "change your password first",
            ));
        }
        let cred = self.own_credential(who).await?;
        if let Some(old_secret) = &cred.totp_secret {
            let Some((password, old_code)) =
                current.filter(|(p, c)| !p.is_empty() && !c.trim().is_empty())
            else {
                return Err(AppError::invalid(
                    "current_password",
                    "re-enrolling a second factor needs your current password and a code of your current authenticator (or a recovery code)",
                ));
            };
            let ok = password::verify_async(password, &cred.password_hash).await?
                && self
                    .check_second_factor(
                        &who.username,
                        &who.source,
                        old_secret,
                        &cred.recovery_codes,
                        old_code.trim(),
                    )
                    .await?;
            if !ok {
                self.audit(
                    AuditEvent::own(who, "totp.enrol")
                        .failure("re-enrolment: current password or current code wrong"),
                )
                .await?;
                return Err(AppError::invalid_by(
                    "current_password",
                    RuleId::PasswordCurrent,
                    "the current password or the current authenticator code is wrong",
                ));
            }
        }
        let s =
            totp::TotpSecret::from_base32(secret).map_err(|e| AppError::invalid("secret", e))?;
        let now = chrono::Utc::now().timestamp();
        let Some(step) = totp::verify(&s, code.trim(), now, 1, None) else {
            self.audit(AuditEvent::own(who, "totp.enrol").failure("code did not match"))
                .await?;
            return Err(AppError::invalid(
                "code",
                "does not match the secret (check the clock of the device)",
            ));
        };
        let mut raw = [0u8; 120];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let codes = totp::recovery_codes(&raw, 10);
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| sha256_hex(&totp::normalize_recovery_code(c)))
            .collect();
        let sealed = self.seal_totp(&who.username, secret)?;
        self.store
            .set_totp(&who.username, Some(&sealed), &hashes)
            .await?;
        // The enrolment code is used: it cannot sign in again (no replay).
        self.store.take_totp_step(&who.username, step).await?;
        self.audit(AuditEvent::own(who, "totp.enrol").success(""))
            .await?;
        Ok(codes)
    }
}
