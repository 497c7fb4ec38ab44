//! Sign-in safety state (mutable, not in the ledger; `sirm-app` audits every
//! change): failed sign-ins per account and source, one-time password-reset
//! codes, single-use second-factor steps and recovery codes, session notices.

use sqlx::Row;

use crate::{Store, StoreError};

/// A password reset that was issued and has now been used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsedReset {
    pub issued_by: String,
    pub issued_us: i64,
}

impl Store {
    /// Until when `source` may not sign in to `username` (0 = it may).
    pub async fn source_locked_until(
        &self,
        username: &str,
        source: &str,
    ) -> Result<i64, StoreError> {
        let v: Option<i64> = sqlx::query_scalar(
            "SELECT locked_until_us FROM sign_in_failure WHERE username = $1 AND source = $2",
        )
        .bind(username)
        .bind(source)
        .fetch_optional(&self.pool)
        .await?;
        Ok(v.unwrap_or(0))
    }

    /// Count one failed sign-in of `username` from `source` in one statement;
    /// at `threshold` the source is locked out of the account until
    /// `lock_until_us` and its count starts again. Returns the count reached
    /// and whether it locked now.
    pub async fn record_source_failure(
        &self,
        username: &str,
        source: &str,
        threshold: i64,
        lock_until_us: i64,
        now_us: i64,
    ) -> Result<(i64, bool), StoreError> {
        // A failure that arrives while the source is locked (a request that
        // was already past the lock check when another one locked it)
        // neither counts nor locks again: one lock, one lockout event.
        let (after, locked_until): (i64, i64) = sqlx::query_as(
            "INSERT INTO sign_in_failure (username, source, failures, locked_until_us, last_us) \
             VALUES ($1, $2, CASE WHEN 1 >= $3 THEN 0 ELSE 1 END, CASE WHEN 1 >= $3 THEN $4 ELSE 0 END, $5) \
             ON CONFLICT (username, source) DO UPDATE SET \
             failures = CASE WHEN sign_in_failure.locked_until_us > $5 THEN sign_in_failure.failures \
                             WHEN sign_in_failure.failures + 1 >= $3 THEN 0 ELSE sign_in_failure.failures + 1 END, \
             locked_until_us = CASE WHEN sign_in_failure.locked_until_us > $5 THEN sign_in_failure.locked_until_us \
                                    WHEN sign_in_failure.failures + 1 >= $3 THEN $4 ELSE sign_in_failure.locked_until_us END, \
             last_us = $5 \
             RETURNING failures, locked_until_us",
        )
        .bind(username)
        .bind(source)
        .bind(threshold)
        .bind(lock_until_us)
        .bind(now_us)
        .fetch_one(&self.pool)
        .await?;
        // Locked by this failure: the lock just set is this call's.
        Ok(if after == 0 && locked_until == lock_until_us {
            (threshold, true)
        } else {
            (after, false)
        })
    }

    /// A successful sign-in from `source`: its failures and lock are gone.
    /// Rows of other sources last touched before `stale_us` are dropped too
    /// (the table stays small).
    pub async fn clear_source_failures(
        &self,
        username: &str,
        source: &str,
        stale_us: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM sign_in_failure WHERE (username = $1 AND source = $2) OR last_us < $3",
        )
        .bind(username)
        .bind(source)
        .bind(stale_us)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Use TOTP step `step` of `username`: true only for the first caller
    /// (a later or concurrent sign-in with the same or an older step loses).
    pub async fn take_totp_step(&self, username: &str, step: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE credential SET totp_last_step = $1 \
             WHERE username = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(username)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Replace the recovery codes `before` by `after` only if they are still
    /// `before`: two sign-ins with one recovery code cannot both succeed.
    pub async fn swap_recovery_codes(
        &self,
        username: &str,
        before: &[String],
        after: &[String],
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE credential SET recovery_codes = $1 WHERE username = $2 AND recovery_codes = $3",
        )
        .bind(after.join(","))
        .bind(username)
        .bind(before.join(","))
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Issue a one-time reset code for `username` (replacing an earlier
    /// one): the current password stops working at once and must be
    /// replaced; who reset it and when are kept for the user's next sign-in.
    pub async fn issue_password_reset(
        &self,
        username: &str,
        code_hash: &str,
        issued_by: &str,
        now_us: i64,
        expires_us: i64,
    ) -> Result<(), StoreError> {
        let mut tx = crate::engine::begin_write(&self.pool, self.engine).await?;
        sqlx::query(
            "INSERT INTO password_reset (username, code_hash, issued_by, issued_us, expires_us) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO UPDATE SET \
             code_hash = excluded.code_hash, issued_by = excluded.issued_by, \
             issued_us = excluded.issued_us, expires_us = excluded.expires_us",
        )
        .bind(username)
        .bind(code_hash)
        .bind(issued_by)
        .bind(now_us)
        .bind(expires_us)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO credential (username, password_hash, updated_us, must_change, changed_us, failed_count, locked_until_us) \
             VALUES ($1, '', $2, 1, $2, 0, 0) ON CONFLICT (username) DO UPDATE SET password_hash = '', \
             updated_us = excluded.updated_us, must_change = 1, failed_count = 0, locked_until_us = 0",
        )
        .bind(username)
        .bind(now_us)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE credential SET reset_by = $1, reset_us = $2 WHERE username = $3")
            .bind(issued_by)
            .bind(now_us)
            .bind(username)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM web_session WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether `code_hash` is `username`'s unexpired reset code (without using it).
    pub async fn password_reset_valid(
        &self,
        username: &str,
        code_hash: &str,
        now_us: i64,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM password_reset WHERE username = $1 AND code_hash = $2 AND expires_us > $3",
        )
        .bind(username)
        .bind(code_hash)
        .bind(now_us)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Use the reset code of `username`: `Some` only the first time, before
    /// it expires, with the right code.
    pub async fn take_password_reset(
        &self,
        username: &str,
        code_hash: &str,
        now_us: i64,
    ) -> Result<Option<UsedReset>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM password_reset WHERE username = $1 AND code_hash = $2 AND expires_us > $3 \
             RETURNING issued_by, issued_us",
        )
        .bind(username)
        .bind(code_hash)
        .bind(now_us)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(UsedReset {
                issued_by: r.try_get(0)?,
                issued_us: r.try_get(1)?,
            })
        })
        .transpose()
    }

    /// Who reset `username`'s password and when, if the user has not been
    /// told yet; reading it clears it (the next sign-in's notice).
    pub async fn take_reset_notice(
        &self,
        username: &str,
    ) -> Result<Option<(String, i64)>, StoreError> {
        let row = sqlx::query(
            "SELECT reset_by, reset_us FROM credential WHERE username = $1 AND reset_by IS NOT NULL",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let by: String = row.try_get(0)?;
        let at: i64 = row.try_get::<Option<i64>, _>(1)?.unwrap_or(0);
        // Cleared only if nobody reset it again in between.
        let cleared = sqlx::query(
            "UPDATE credential SET reset_by = NULL, reset_us = NULL \
             WHERE username = $1 AND reset_by = $2 AND reset_us = $3",
        )
        .bind(username)
        .bind(&by)
        .bind(at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok((cleared == 1).then_some((by, at)))
    }

    /// Put a notice on a session (shown on its pages until it ends).
    pub async fn set_session_notice(&self, id_hash: &str, notice: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE web_session SET notice = $1 WHERE id_hash = $2")
            .bind(notice)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// End every session of `username` except `keep` (a password change
    /// keeps the session it was made in).
    pub async fn delete_other_sessions(
        &self,
        username: &str,
        keep: &str,
    ) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM web_session WHERE username = $1 AND id_hash <> $2")
                .bind(username)
                .bind(keep)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}

impl Store {
    /// How many addresses are locked out of `username` now.
    pub async fn locked_sources(&self, username: &str, now_us: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM sign_in_failure WHERE username = $1 AND locked_until_us > $2",
        )
        .bind(username)
        .bind(now_us)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Lock the whole account until `until_us` (guessing from several addresses).
    pub async fn lock_account_until(
        &self,
        username: &str,
        until_us: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE credential SET locked_until_us = $1 WHERE username = $2")
            .bind(until_us)
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forget every failure and lock of `username` (an administrator unlocked it).
    pub async fn clear_all_failures(&self, username: &str) -> Result<(), StoreError> {
        let mut tx = crate::engine::begin_write(&self.pool, self.engine).await?;
        sqlx::query("DELETE FROM sign_in_failure WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE credential SET failed_count = 0, locked_until_us = 0 WHERE username = $1",
        )
        .bind(username)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
