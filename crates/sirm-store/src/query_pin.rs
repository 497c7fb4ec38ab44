//! The telephone / self-service query PIN (查询密码): mutable security state
//! kept outside the ledger, like passwords — only an argon2id hash, the
//! consecutive failures and the lock. `sirm-app` audits every change in the
//! ledger's security stream; `set_seq` is the seq of the entry that set it.

use crate::rows::read_opt;
use crate::{Store, StoreError};

/// A person's query PIN state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryPinRow {
    pub person_id: String,
    /// argon2id PHC string.
    pub pin_hash: String,
    /// Consecutive wrong PINs since the last success, set or lock.
    pub failures: i64,
    /// Locked until this time (µs since the epoch); 0 = not locked.
    pub locked_until_us: i64,
    /// Ledger seq of the audit entry that set the PIN.
    pub set_seq: i64,
}

const QUERY_PIN_COLUMNS: &[&str] = &[
    "person_id",
    "pin_hash",
    "failures",
    "locked_until_us",
    "set_seq",
];

impl Store {
    pub async fn query_pin(&self, person_id: &str) -> Result<Option<QueryPinRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM query_pin WHERE person_id = $1",
            QUERY_PIN_COLUMNS.join(", ")
        ))
        .bind(person_id)
        .fetch_optional(&self.pool)
        .await?;
        read_opt("query_pin", QUERY_PIN_COLUMNS, row.as_ref(), |r| {
            Ok(QueryPinRow {
                person_id: r.text("person_id")?,
                pin_hash: r.text("pin_hash")?,
                failures: r.int("failures")?,
                locked_until_us: r.int("locked_until_us")?,
                set_seq: r.int("set_seq")?,
            })
        })
    }

    /// Set (or replace) a person's PIN hash; failures and lock are cleared.
    pub async fn set_query_pin(
        &self,
        person_id: &str,
        pin_hash: &str,
        set_seq: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO query_pin (person_id, pin_hash, failures, locked_until_us, set_seq) VALUES ($1, $2, 0, 0, $3) \
             ON CONFLICT (person_id) DO UPDATE SET pin_hash = excluded.pin_hash, failures = 0, \
             locked_until_us = 0, set_seq = excluded.set_seq",
        )
        .bind(person_id)
        .bind(pin_hash)
        .bind(set_seq)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Count one wrong PIN in one statement (concurrent calls cannot lose a
    /// count); at `threshold` the PIN locks until `lock_until_us` and the count
    /// starts again. Returns the count reached and whether it locked now.
    pub async fn record_query_pin_failure(
        &self,
        person_id: &str,
        threshold: i64,
        lock_until_us: i64,
    ) -> Result<(i64, bool), StoreError> {
        let after: Option<i64> = sqlx::query_scalar(
            "UPDATE query_pin SET \
             failures = CASE WHEN failures + 1 >= $2 THEN 0 ELSE failures + 1 END, \
             locked_until_us = CASE WHEN failures + 1 >= $2 THEN $3 ELSE locked_until_us END \
             WHERE person_id = $1 RETURNING failures",
        )
        .bind(person_id)
        .bind(threshold)
        .bind(lock_until_us)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match after {
            // A failure always leaves at least 1, unless it locked.
            Some(0) => (threshold, true),
            Some(n) => (n, false),
            None => (0, false),
        })
    }

    /// A right PIN: failures and an expired lock are cleared (no write when
    /// there is nothing to clear).
    pub async fn clear_query_pin_failures(&self, person_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE query_pin SET failures = 0, locked_until_us = 0 \
             WHERE person_id = $1 AND (failures <> 0 OR locked_until_us <> 0)",
        )
        .bind(person_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
