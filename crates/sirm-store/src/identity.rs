//! Identity storage: account projections, role requests, delegations, and the
//! mutable security state that is deliberately *not* in the ledger
//! (password hashes and history, failure counters, second-factor secrets,
//! sessions, activation codes). Every change to that state is audited as a
//! security event in the ledger by `sirm-app`.

use serde::Serialize;
use sirm_ledger::Entry;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::rows::prefixed;
use crate::{Store, StoreError};

/// An account with its roles in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountRow {
    pub username: String,
    pub display_name: String,
    pub agency: String,
    /// `staff` or `external`.
    pub kind: String,
    /// `active` or `locked`.
    pub status: String,
    pub person_id: Option<String>,
    pub employer: Option<String>,
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleRequestRow {
    pub request_id: String,
    pub username: String,
    pub role: String,
    pub requested_by: String,
    pub reason: String,
    pub status: String,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub requested_seq: i64,
    /// `grant` or `revoke`.
    pub action: String,
}

/// Mutable credential state of one account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CredentialRow {
    pub password_hash: String,
    pub must_change: bool,
    pub changed_us: i64,
    pub failed_count: i64,
    pub locked_until_us: i64,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    /// SHA-256 hex of each unused recovery code.
    pub recovery_codes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub username: String,
    pub csrf: String,
    pub source: String,
    pub created_us: i64,
    pub last_seen_us: i64,
    /// A message for the session's user (e.g. that the password was reset).
    pub notice: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DelegationRow {
    pub delegation_id: String,
    pub person_id: String,
    pub delegate_username: String,
    pub scope: Vec<String>,
    pub valid_from: String,
    pub valid_until: String,
}

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

fn account_row(r: &AnyRow, roles: Vec<String>) -> Result<AccountRow, sqlx::Error> {
    account_row_at(r, 0, roles)
}

/// The account columns starting at column `at` ([`ACCOUNT_COLUMNS`]).
fn account_row_at(r: &AnyRow, at: usize, roles: Vec<String>) -> Result<AccountRow, sqlx::Error> {
    Ok(AccountRow {
        username: r.try_get(at)?,
        display_name: r.try_get(at + 1)?,
        agency: r.try_get(at + 2)?,
        kind: r.try_get(at + 3)?,
        status: r.try_get(at + 4)?,
        person_id: r.try_get(at + 5)?,
        employer: r.try_get(at + 6)?,
        roles,
    })
}

const ACCOUNT_COLUMNS: &str = "username, display_name, agency, kind, status, person_id, employer";

const SESSION_COLUMNS: &str = "username, csrf, source, created_us, last_seen_us, notice";

/// The session columns, first in the row ([`SESSION_COLUMNS`]).
fn session_row(r: &AnyRow) -> Result<SessionRow, sqlx::Error> {
    Ok(SessionRow {
        username: r.try_get(0)?,
        csrf: r.try_get(1)?,
        source: r.try_get(2)?,
        created_us: r.try_get(3)?,
        last_seen_us: r.try_get(4)?,
        notice: r.try_get(5)?,
    })
}

const CREDENTIAL_COLUMNS: &str = "password_hash, must_change, changed_us, failed_count, \
     locked_until_us, totp_secret, totp_last_step, recovery_codes";

/// The credential columns starting at column `at` ([`CREDENTIAL_COLUMNS`]).
fn credential_row(r: &AnyRow, at: usize) -> Result<CredentialRow, sqlx::Error> {
    let codes: Option<String> = r.try_get(at + 7)?;
    Ok(CredentialRow {
        password_hash: r.try_get(at)?,
        must_change: r.try_get::<i64, _>(at + 1)? != 0,
        changed_us: r.try_get(at + 2)?,
        failed_count: r.try_get(at + 3)?,
        locked_until_us: r.try_get(at + 4)?,
        totp_secret: r.try_get(at + 5)?,
        totp_last_step: r.try_get(at + 6)?,
        recovery_codes: codes
            .map(|c| {
                c.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// What a request's bearer needs, read in one statement: the session, its
/// account with the roles in force, and the account's credential state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionAccount {
    pub session: SessionRow,
    /// `None` when the account no longer exists.
    pub account: Option<AccountRow>,
    /// `None` when the account has no credential yet.
    pub credential: Option<CredentialRow>,
}

impl Store {
    pub async fn account(&self, username: &str) -> Result<Option<AccountRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM account WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let roles = self.roles_of(username).await?;
                Ok(Some(account_row(&r, roles)?))
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
            "SELECT {ACCOUNT_COLUMNS} FROM account ORDER BY username"
        ))
        .fetch_all(&self.pool)
        .await?;
        let roles = sqlx::query("SELECT username, role FROM account_role ORDER BY username, role")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let name: String = r.try_get(0)?;
            let mine = roles
                .iter()
                .filter(|x| {
                    x.try_get::<String, _>(0)
                        .map(|u| u == name)
                        .unwrap_or(false)
                })
                .filter_map(|x| x.try_get::<String, _>(1).ok())
                .collect();
            out.push(account_row(r, mine)?);
        }
        Ok(out)
    }

    pub async fn role_requests(
        &self,
        status: Option<&str>,
    ) -> Result<Vec<RoleRequestRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT request_id, username, role, requested_by, reason, status, decided_by, decision_reason, requested_seq, action \
             FROM role_request WHERE ($1 IS NULL OR status = $1) ORDER BY requested_seq",
        )
        .bind(status.map(str::to_string))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RoleRequestRow {
                    request_id: r.try_get(0)?,
                    username: r.try_get(1)?,
                    role: r.try_get(2)?,
                    requested_by: r.try_get(3)?,
                    reason: r.try_get(4)?,
                    status: r.try_get(5)?,
                    decided_by: r.try_get(6)?,
                    decision_reason: r.try_get(7)?,
                    requested_seq: r.try_get(8)?,
                    action: r.try_get(9)?,
                })
            })
            .collect()
    }

    pub async fn credential_state(
        &self,
        username: &str,
    ) -> Result<Option<CredentialRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM credential WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| credential_row(&r, 0)).transpose()?)
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
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
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
            "SELECT {SESSION_COLUMNS} FROM web_session WHERE id_hash = $1"
        ))
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| session_row(&r)).transpose()?)
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
                prefixed("s", SESSION_COLUMNS),
                prefixed("a", ACCOUNT_COLUMNS),
                prefixed("c", CREDENTIAL_COLUMNS),
            )
        });
        let rows = sqlx::query(&SQL)
            .bind(id_hash)
            .fetch_all(&self.pool)
            .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        // Columns: session 0–5, account 6–12, role 13, credential 14–21.
        let roles = rows
            .iter()
            .filter_map(|r| r.try_get::<Option<String>, _>(13).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let has_account = first.try_get::<Option<String>, _>(6)?.is_some();
        let has_credential = first.try_get::<Option<String>, _>(14)?.is_some();
        Ok(Some(SessionAccount {
            session: session_row(first)?,
            account: if has_account {
                Some(account_row_at(first, 6, roles)?)
            } else {
                None
            },
            credential: if has_credential {
                Some(credential_row(first, 14)?)
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
        let rows = sqlx::query(
            "SELECT delegation_id, person_id, delegate_username, scope, valid_from, valid_until \
             FROM delegation WHERE delegate_username = $1 ORDER BY recorded_seq",
        )
        .bind(delegate)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(delegation_row).collect::<Result<_, _>>()?)
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
        let r = sqlx::query(
            "SELECT delegation_id, person_id, delegate_username, scope, valid_from, valid_until \
             FROM delegation WHERE delegation_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.map(|r| delegation_row(&r)).transpose()?)
    }
}

fn delegation_row(r: &sqlx::any::AnyRow) -> Result<DelegationRow, sqlx::Error> {
    let scope: String = r.try_get(3)?;
    Ok(DelegationRow {
        delegation_id: r.try_get(0)?,
        person_id: r.try_get(1)?,
        delegate_username: r.try_get(2)?,
        scope: scope
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        valid_from: r.try_get(4)?,
        valid_until: r.try_get(5)?,
    })
}
