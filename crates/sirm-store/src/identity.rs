//! Identity storage: account projections, role requests, delegations, and the
//! mutable security state that is deliberately *not* in the ledger
//! (password hashes and history, failure counters, second-factor secrets,
//! sessions, activation codes). Every change to that state is audited as a
//! security event in the ledger by `sirm-app`.

use sirm_ledger::Entry;

use crate::identity_rows::{
    AccountRow, CredentialRow, DelegationRow, RoleRequestRow, SessionAccount, SessionRow,
};
use crate::rows::{prefixed, read_each, Reader, TableRow};
use crate::{Store, StoreError};

/// Filter of the security audit trail.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub from_us: Option<i64>,
    pub to_us: Option<i64>,
    /// Exact account name.
    pub account: Option<String>,
    /// Entry kind, e.g. `security.event`, `role.approved`.
    pub kind: Option<String>,
    /// Security event name inside a `security.event` payload, e.g. `login.failure`.
    pub event: Option<String>,
    pub limit: i64,
}

impl Store {
    pub async fn account(&self, username: &str) -> Result<Option<AccountRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM account WHERE username = $1",
            AccountRow::select_list()
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let roles = self.roles_of(username).await?;
                Ok(Some(AccountRow {
                    roles,
                    ..AccountRow::from_row(&r)?
                }))
            }
        }
    }

    /// The external account bound to an insured person, if any.
    pub async fn account_of_person(
        &self,
        person_id: &str,
    ) -> Result<Option<AccountRow>, StoreError> {
        let name: Option<String> =
            sqlx::query_scalar("SELECT username FROM account WHERE person_id = $1")
                .bind(person_id)
                .fetch_optional(&self.pool)
                .await?;
        match name {
            None => Ok(None),
            Some(n) => self.account(&n).await,
        }
    }

    pub async fn roles_of(&self, username: &str) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT role FROM account_role WHERE username = $1 ORDER BY role")
                .bind(username)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn accounts(&self) -> Result<Vec<AccountRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM account ORDER BY username",
            AccountRow::select_list()
        ))
        .fetch_all(&self.pool)
        .await?;
        let roles = sqlx::query("SELECT username, role FROM account_role ORDER BY username, role")
            .fetch_all(&self.pool)
            .await?;
        let roles = read_each("account_role", &["username", "role"], &roles, |r| {
            Ok((r.text("username")?, r.text("role")?))
        })?;
        let mut out = AccountRow::from_rows(&rows)?;
        for account in &mut out {
            account.roles = roles
                .iter()
                .filter(|(u, _)| *u == account.username)
                .map(|(_, role)| role.clone())
                .collect();
        }
        Ok(out)
    }

    pub async fn role_requests(
        &self,
        status: Option<&str>,
    ) -> Result<Vec<RoleRequestRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} \
             FROM role_request WHERE ($1 IS NULL OR status = $1) ORDER BY requested_seq",
            RoleRequestRow::select_list()
        ))
        .bind(status.map(str::to_string))
        .fetch_all(&self.pool)
        .await?;
        RoleRequestRow::from_rows(&rows)
    }

    pub async fn credential_state(
        &self,
        username: &str,
    ) -> Result<Option<CredentialRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM credential WHERE username = $1",
            CredentialRow::select_list()
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(CredentialRow::from_row).transpose()
    }

    /// Set a new password hash, remember it in the history (keeping `keep`
    /// most recent), reset failures.
    pub async fn set_password(
        &self,
        username: &str,
        hash: &str,
        must_change: bool,
        now_us: i64,
        keep: usize,
    ) -> Result<(), StoreError> {
        let mut tx = crate::engine::begin_write(&self.pool, self.engine).await?;
        sqlx::query(
            "INSERT INTO credential (username, password_hash, updated_us, must_change, changed_us, failed_count, locked_until_us) \
             VALUES ($1, $2, $3, $4, $5, 0, 0) ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, \
             updated_us = excluded.updated_us, must_change = excluded.must_change, changed_us = excluded.changed_us, \
             failed_count = 0, locked_until_us = 0",
        )
        .bind(username)
        .bind(hash)
        .bind(now_us)
        .bind(i64::from(must_change))
        .bind(now_us)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO password_history (username, password_hash, changed_us) VALUES ($1, $2, $3)")
            .bind(username)
            .bind(hash)
            .bind(now_us)
            .execute(&mut *tx)
            .await?;
        let old: Vec<i64> = sqlx::query_scalar(
            "SELECT changed_us FROM password_history WHERE username = $1 ORDER BY changed_us DESC",
        )
        .bind(username)
        .fetch_all(&mut *tx)
        .await?;
        if let Some(cut) = old.get(keep.max(1)) {
            sqlx::query("DELETE FROM password_history WHERE username = $1 AND changed_us <= $2")
                .bind(username)
                .bind(*cut)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Password hashes used before, newest first.
    pub async fn password_history(
        &self,
        username: &str,
        n: usize,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT password_hash FROM password_history WHERE username = $1 ORDER BY changed_us DESC LIMIT $2",
        )
        .bind(username)
        .bind(i64::try_from(n).unwrap_or(0))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Count one failed login; lock until `lock_until_us` when `threshold` is
    /// reached. Returns the new failure count and whether it locked now.
    pub async fn record_failure(
        &self,
        username: &str,
        threshold: i64,
        lock_until_us: i64,
    ) -> Result<(i64, bool), StoreError> {
        let mut tx = crate::engine::begin_write(&self.pool, self.engine).await?;
        sqlx::query("UPDATE credential SET failed_count = failed_count + 1 WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        let count: Option<i64> =
            sqlx::query_scalar("SELECT failed_count FROM credential WHERE username = $1")
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
        let count = count.unwrap_or(0);
        let lock = threshold > 0 && count >= threshold;
        if lock {
            sqlx::query(
                "UPDATE credential SET locked_until_us = $1, failed_count = 0 WHERE username = $2",
            )
            .bind(lock_until_us)
            .bind(username)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok((count, lock))
    }

    pub async fn clear_failures(&self, username: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE credential SET failed_count = 0, locked_until_us = 0 WHERE username = $1",
        )
        .bind(username)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_totp(
        &self,
        username: &str,
        secret: Option<&str>,
        recovery_code_hashes: &[String],
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE credential SET totp_secret = $1, totp_last_step = NULL, recovery_codes = $2 WHERE username = $3",
        )
        .bind(secret.map(str::to_string))
        .bind(recovery_code_hashes.join(","))
        .bind(username)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every stored (sealed) TOTP secret: `(username, stored)`.
    pub async fn totp_secrets(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT username, totp_secret FROM credential WHERE totp_secret IS NOT NULL ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await?;
        read_each("credential", &["username", "totp_secret"], &rows, |r| {
            Ok((r.text("username")?, r.text("totp_secret")?))
        })
    }

    /// Replace a stored TOTP secret by the same secret sealed anew (key
    /// rotation), only if it is still `old`; the step and recovery codes stay.
    pub async fn reseal_totp_secret(
        &self,
        username: &str,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE credential SET totp_secret = $1 WHERE username = $2 AND totp_secret = $3",
        )
        .bind(new)
        .bind(username)
        .bind(old)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn set_totp_last_step(&self, username: &str, step: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE credential SET totp_last_step = $1 WHERE username = $2")
            .bind(step)
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn set_recovery_codes(
        &self,
        username: &str,
        hashes: &[String],
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE credential SET recovery_codes = $1 WHERE username = $2")
            .bind(hashes.join(","))
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_session(
        &self,
        id_hash: &str,
        username: &str,
        csrf: &str,
        source: &str,
        now_us: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO web_session (id_hash, username, csrf, source, created_us, last_seen_us) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id_hash)
        .bind(username)
        .bind(csrf)
        .bind(source)
        .bind(now_us)
        .bind(now_us)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM web_session WHERE id_hash = $1",
            SessionRow::select_list()
        ))
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(SessionRow::from_row).transpose()
    }

    /// The session `id_hash` with its account, roles and credential state,
    /// in one statement (one row per role): the per-request look-up of every
    /// signed-in call.
    pub async fn session_account(
        &self,
        id_hash: &str,
    ) -> Result<Option<SessionAccount>, StoreError> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "SELECT {}, {}, r.role, {} \
                 FROM web_session s \
                 LEFT JOIN account a ON a.username = s.username \
                 LEFT JOIN account_role r ON r.username = s.username \
                 LEFT JOIN credential c ON c.username = s.username \
                 WHERE s.id_hash = $1 ORDER BY r.role",
                prefixed("s", &SessionRow::select_list()),
                prefixed("a", &AccountRow::select_list()),
                prefixed("c", &CredentialRow::select_list()),
            )
        });
        let rows = sqlx::query(&SQL)
            .bind(id_hash)
            .fetch_all(&self.pool)
            .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        // Columns: session, account, the role, credential (each as its
        // mapping declares them).
        let account_at = SessionRow::COLUMNS.len();
        let role_at = account_at + AccountRow::COLUMNS.len();
        let credential_at = role_at + 1;
        let present = |at: usize, table: &'static str, column: &'static str| {
            let columns: &'static [&'static str] = match table {
                "account" => AccountRow::COLUMNS,
                _ => CredentialRow::COLUMNS,
            };
            Reader::at(table, columns, first, at)
                .opt_text(column)
                .map(|v| v.is_some())
        };
        let roles = rows
            .iter()
            .map(|r| Reader::at("account_role", &["role"], r, role_at).opt_text("role"))
            .filter_map(Result::transpose)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(SessionAccount {
            session: SessionRow::from_row(first)?,
            account: if present(account_at, "account", "username")? {
                Some(AccountRow {
                    roles,
                    ..AccountRow::from_row_at(first, account_at)?
                })
            } else {
                None
            },
            credential: if present(credential_at, "credential", "password_hash")? {
                Some(CredentialRow::from_row_at(first, credential_at)?)
            } else {
                None
            },
        }))
    }

    pub async fn touch_session(&self, id_hash: &str, now_us: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE web_session SET last_seen_us = $1 WHERE id_hash = $2")
            .bind(now_us)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query("DELETE FROM web_session WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?
            .rows_affected()
            > 0)
    }

    pub async fn delete_sessions_of(&self, username: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM web_session WHERE username = $1")
            .bind(username)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    pub async fn insert_activation_code(
        &self,
        code_hash: &str,
        person_id: &str,
        issued_by: &str,
        expires_us: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO activation_code (code_hash, person_id, issued_by, expires_us) VALUES ($1, $2, $3, $4)",
        )
        .bind(code_hash)
        .bind(person_id)
        .bind(issued_by)
        .bind(expires_us)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Use a one-time activation code: true only the first time, before expiry,
    /// for the person it was issued for.
    pub async fn take_activation_code(
        &self,
        code_hash: &str,
        person_id: &str,
        now_us: i64,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE activation_code SET used_us = $1 WHERE code_hash = $2 AND person_id = $3 \
             AND used_us IS NULL AND expires_us > $4",
        )
        .bind(now_us)
        .bind(code_hash)
        .bind(person_id)
        .bind(now_us)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn delegations_of(&self, delegate: &str) -> Result<Vec<DelegationRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM delegation WHERE delegate_username = $1 ORDER BY recorded_seq",
            DelegationRow::select_list()
        ))
        .bind(delegate)
        .fetch_all(&self.pool)
        .await?;
        DelegationRow::from_rows(&rows)
    }

    /// Security-stream ledger entries matching `filter`, newest first.
    pub async fn security_entries(&self, filter: &AuditFilter) -> Result<Vec<Entry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, time_us, agency, stream, kind, subject, application, actors, payload, leaf_hash \
             FROM ledger_entry WHERE stream = 'security' \
             AND ($1 IS NULL OR time_us >= $1) AND ($2 IS NULL OR time_us < $2) \
             AND ($3 IS NULL OR subject = $3) AND ($4 IS NULL OR kind = $4) \
             AND ($5 IS NULL OR payload LIKE $5) \
             ORDER BY seq DESC LIMIT $6",
        )
        .bind(filter.from_us)
        .bind(filter.to_us)
        .bind(filter.account.as_ref().map(|a| format!("account:{a}")))
        .bind(filter.kind.clone())
        .bind(filter.event.as_ref().map(|e| format!("%\"event\":{}%", serde_json::Value::String(e.replace('%', "")))))
        .bind(if filter.limit > 0 { filter.limit } else { 1000 })
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(crate::ledger_rows::entry_of).collect()
    }
}

impl Store {
    /// Does an employer with this credit code exist in `agency`?
    pub async fn employer_exists(
        &self,
        credit_code: &str,
        agency: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM employer WHERE credit_code = $1 AND agency = $2",
        )
        .bind(credit_code)
        .bind(agency)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }
}

impl Store {
    /// Resident ID numbers of registered persons, in order (at most `limit`).
    pub async fn person_ids(&self, limit: i64) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT person_id FROM person ORDER BY person_id LIMIT $1")
                .bind(limit)
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

impl Store {
    /// One recorded authorization (委托书) by its id.
    pub async fn delegation(&self, id: &str) -> Result<Option<DelegationRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM delegation WHERE delegation_id = $1",
            DelegationRow::select_list()
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(DelegationRow::from_row).transpose()
    }
}
