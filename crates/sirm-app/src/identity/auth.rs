//! Sign-in, sessions, password changes and second factors.
//!
//! - Passwords are argon2id hashes; an unknown account costs the same
//!   argon2 verification as a known one, so timing does not tell them apart.
//! - Sessions are server-side: the cookie holds a random token, the
//!   database only its SHA-256. Idle timeout and absolute lifetime come from
//!   `[security]` in `sirm.toml`; logout deletes the session.
//! - Every outcome (success, failure, lockout, logout, change, enrolment) is
//!   a security event in the ledger.

use std::sync::OnceLock;

use chrono::Duration;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sirm_domain::access::{totp, Permission};

use super::{time_us, Pending, Principal};
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

impl Sirm {
    /// The one answer to every failed sign-in — unknown account, wrong
    /// password, locked account — so the answer never tells whether an
    /// account exists or is locked (the audit trail records which it was).
    fn sign_in_refused(&self) -> AppError {
        let p = self.password_policy();
        AppError::Unauthenticated(format!(
            "{WRONG}, or the account is locked (after {} failed attempts an account is locked for {} minutes; an administrator can also lock it)",
            p.lockout_threshold, p.lockout_minutes
        ))
    }
}

impl Sirm {
    /// Sign in with username, password and (when enrolled) a second factor.
    pub async fn login(
        &self,
        username: &str,
        pw: &str,
        second_factor: Option<&str>,
        source: &str,
    ) -> Result<Session, AppError> {
        let username = username.trim().to_lowercase();
        let now = time_us();
        let account = self.store.account(&username).await?;
        let cred = self.store.credential_state(&username).await?;
        let (Some(account), Some(cred)) = (account, cred) else {
            let _ = password::verify(pw, dummy_hash());
            self.audit(
                &username,
                source,
                "login.failure",
                "failure",
                "unknown account",
                "anonymous",
            )
            .await?;
            return Err(self.sign_in_refused());
        };
        let ok = password::verify(pw, &cred.password_hash);
        if account.status != "active" {
            self.audit(
                &username,
                source,
                "login.failure",
                "failure",
                "account locked by an administrator",
                "anonymous",
            )
            .await?;
            return Err(self.sign_in_refused());
        }
        if cred.locked_until_us > now {
            self.audit(
                &username,
                source,
                "login.failure",
                "failure",
                "account locked after failed attempts",
                "anonymous",
            )
            .await?;
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
                .check_second_factor(
                    &username,
                    source,
                    secret,
                    cred.totp_last_step,
                    &cred.recovery_codes,
                    code,
                )
                .await?
            {
                // Counts towards the lockout like a wrong password.
                self.failed_attempt(&username, source, "wrong second factor")
                    .await?;
                return Err(AppError::Unauthenticated(
                    "wrong second factor (code or recovery code)".into(),
                ));
            }
        }
        self.store.clear_failures(&username).await?;
        let principal = self.principal(&username, source).await?;
        let token = random_hex(32);
        let csrf = random_hex(16);
        self.store
            .create_session(&sha256_hex(&token), &username, &csrf, source, now)
            .await?;
        self.audit(&username, source, "login.success", "success", "", &username)
            .await?;
        Ok(Session {
            token,
            csrf,
            principal,
        })
    }

    /// Count a failure, lock at the policy's threshold, audit both.
    async fn failed_attempt(
        &self,
        username: &str,
        source: &str,
        why: &str,
    ) -> Result<AppError, AppError> {
        let policy = self.password_policy();
        let until = time_us() + i64::from(policy.lockout_minutes) * 60_000_000;
        let (count, locked) = self
            .store
            .record_failure(username, i64::from(policy.lockout_threshold), until)
            .await?;
        self.audit(
            username,
            source,
            "login.failure",
            "failure",
            &format!("{why} (failure {count})"),
            "anonymous",
        )
        .await?;
        if locked {
            self.audit(
                username,
                source,
                "lockout",
                "success",
                &format!(
                    "locked for {} minutes after {} failed attempts (policy {})",
                    policy.lockout_minutes,
                    policy.lockout_threshold,
                    policy.profile.as_str()
                ),
                "sirm",
            )
            .await?;
        }
        Ok(self.sign_in_refused())
    }

    async fn check_second_factor(
        &self,
        username: &str,
        source: &str,
        secret: &str,
        last_step: Option<i64>,
        recovery: &[String],
        code: &str,
    ) -> Result<bool, AppError> {
        let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
            let secret = totp::TotpSecret::from_base32(secret)
                .map_err(|e| AppError::invalid("totp_secret", e))?;
            let now = chrono::Utc::now().timestamp();
            if let Some(step) = totp::verify(&secret, &digits, now, 1, last_step) {
                self.store.set_totp_last_step(username, step).await?;
                return Ok(true);
            }
            return Ok(false);
        }
        let h = sha256_hex(&totp::normalize_recovery_code(code));
        if recovery.iter().any(|r| r == &h) {
            let left: Vec<String> = recovery.iter().filter(|r| **r != h).cloned().collect();
            self.store.set_recovery_codes(username, &left).await?;
            self.audit(
                username,
                source,
                "recovery_code.used",
                "success",
                &format!("{} left", left.len()),
                username,
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
            AppError::Unauthenticated("not signed in (or the session has ended)".into())
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
                &s.username,
                source,
                "session.expired",
                "success",
                &why,
                "sirm",
            )
            .await?;
            return Err(AppError::Unauthenticated(format!(
                "session expired ({why}); sign in again"
            )));
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
            Ok(p) => Ok((p, s.csrf)),
            Err(e) => {
                self.store.delete_session(&id).await?;
                Err(e)
            }
        }
    }

    /// Sign out: the session is deleted on the server.
    pub async fn logout(&self, token: &str, source: &str) -> Result<(), AppError> {
        let id = sha256_hex(token);
        if let Some(s) = self.store.session(&id).await? {
            self.store.delete_session(&id).await?;
            self.audit(&s.username, source, "logout", "success", "", &s.username)
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
        let cred = self
            .store
            .credential_state(&who.username)
            .await?
            .ok_or_else(|| {
                AppError::Unauthenticated("no password is set for this account".into())
            })?;
        if !password::verify(old, &cred.password_hash) {
            self.audit(
                &who.username,
                &who.source,
                "password.change",
                "failure",
                "current password wrong",
                &who.username,
            )
            .await?;
            return Err(AppError::invalid("current_password", "is wrong"));
        }
        let policy = self.password_policy();
        if let Err(v) = policy.check_new_password(new, &who.username) {
            self.audit(
                &who.username,
                &who.source,
                "password.change",
                "failure",
                &v.to_string(),
                &who.username,
            )
            .await?;
            return Err(AppError::invalid("new_password", v));
        }
        let keep = policy.history.max(1);
        for h in self.store.password_history(&who.username, keep).await? {
            if password::verify(new, &h) {
                let msg = format!(
                    "rule password.reuse: may not repeat any of the last {keep} passwords (policy {})",
                    policy.profile.as_str()
                );
                self.audit(
                    &who.username,
                    &who.source,
                    "password.change",
                    "failure",
                    &msg,
                    &who.username,
                )
                .await?;
                return Err(AppError::invalid("new_password", msg));
            }
        }
        let hash = password::hash(new)?;
        self.store
            .set_password(&who.username, &hash, false, time_us(), keep)
            .await?;
        self.audit(
            &who.username,
            &who.source,
            "password.change",
            "success",
            "",
            &who.username,
        )
        .await?;
        Ok(())
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
    /// Returns ten one-time recovery codes (shown once; stored hashed).
    pub async fn totp_confirm(
        &self,
        who: &Principal,
        secret: &str,
        code: &str,
    ) -> Result<Vec<String>, AppError> {
        if who.pending == Some(Pending::PasswordChange) {
            return Err(AppError::forbidden(
                "pending-task",
                "change your password first",
            ));
        }
        let s =
            totp::TotpSecret::from_base32(secret).map_err(|e| AppError::invalid("secret", e))?;
        let now = chrono::Utc::now().timestamp();
        let Some(step) = totp::verify(&s, code.trim(), now, 1, None) else {
            self.audit(
                &who.username,
                &who.source,
                "totp.enrol",
                "failure",
                "code did not match",
                &who.username,
            )
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
        self.store
            .set_totp(&who.username, Some(secret), &hashes)
            .await?;
        // The enrolment code is used: it cannot sign in again (no replay).
        self.store.set_totp_last_step(&who.username, step).await?;
        self.audit(
            &who.username,
            &who.source,
            "totp.enrol",
            "success",
            "",
            &who.username,
        )
        .await?;
        Ok(codes)
    }
}
