//! Per-person data keys, stored only wrapped (docs/privacy.md). A mutable
//! table outside the ledger: rotation re-wraps rows, erasure clears one.

use crate::rows::{read_each, TableRow};
use crate::{Store, StoreError};

crate::table_row! {
/// One person's wrapped data key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonKeyRow in "person_key" {
    pub person_id: String,
    /// The data key sealed under the key-encryption key (base64); `None`
    /// once erased.
    pub wrapped: Option<String>,
    /// Id of the key-encryption key that wrapped it.
    pub kek_id: String,
    pub created_us: i64,
    pub erased_us: Option<i64>,
}
}

impl Store {
    /// The wrapped data key of one person, if one was ever made.
    pub async fn person_key(&self, person_id: &str) -> Result<Option<PersonKeyRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM person_key WHERE person_id = $1",
            PersonKeyRow::select_list()
        ))
        .bind(person_id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(PersonKeyRow::from_row).transpose()
    }

    /// Stores wrapped data keys of persons who have none yet; rows that
    /// exist are left as they are (the first key made for a person wins).
    pub async fn insert_person_keys(
        &self,
        rows: &[(String, String, String)],
        now_us: i64,
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = crate::engine::begin_write(&self.pool, self.engine).await?;
        for chunk in rows.chunks(200) {
            let mut sql = String::from(
                "INSERT INTO person_key (person_id, wrapped, kek_id, created_us) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let b = i * 4;
                sql.push_str(&format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
            }
            sql.push_str(" ON CONFLICT (person_id) DO NOTHING");
            let mut q = sqlx::query(&sql);
            for (pid, wrapped, kek) in chunk {
                q = q.bind(pid).bind(wrapped).bind(kek).bind(now_us);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Up to `limit` rows after `after` in key order (for rotation and status).
    pub async fn person_keys_after(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<PersonKeyRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM person_key WHERE person_id > $1 ORDER BY person_id LIMIT $2",
            PersonKeyRow::select_list()
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        PersonKeyRow::from_rows(&rows)
    }

    /// Number of data keys per key-encryption key, and of erased ones.
    pub async fn person_key_counts(&self) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT kek_id, COUNT(*), SUM(CASE WHEN wrapped IS NULL THEN 1 ELSE 0 END) \
             FROM person_key GROUP BY kek_id ORDER BY kek_id",
        )
        .fetch_all(&self.pool)
        .await?;
        read_each("person_key", &["kek_id", "keys", "erased"], &rows, |r| {
            // SUM over no erased key is NULL: none erased.
            let erased = r.opt_int("erased")?.unwrap_or(0);
            Ok((r.text("kek_id")?, r.int("keys")?, erased))
        })
    }

    /// Replaces wrapped keys (rotation), each only if it is still wrapped
    /// under `old_kek` — a key erased meanwhile stays erased. All or nothing.
    pub async fn rewrap_person_keys(
        &self,
        rows: &[(String, String)],
        old_kek: &str,
        new_kek: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = crate::engine::begin_write(&self.pool, self.engine).await?;
        let mut n = 0;
        for (pid, wrapped) in rows {
            n += sqlx::query(
                "UPDATE person_key SET wrapped = $1, kek_id = $2 \
                 WHERE person_id = $3 AND kek_id = $4 AND wrapped IS NOT NULL",
            )
            .bind(wrapped)
            .bind(new_kek)
            .bind(pid)
            .bind(old_kek)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Destroys one person's data key (erasure): the row stays, `wrapped`
    /// is cleared. Returns whether a key was destroyed.
    pub async fn erase_person_key(&self, person_id: &str, now_us: i64) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE person_key SET wrapped = NULL, erased_us = $1 \
             WHERE person_id = $2 AND wrapped IS NOT NULL",
        )
        .bind(now_us)
        .bind(person_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }
}

impl Store {
    /// The key registry: (name, value) pairs, e.g. `index` → fingerprint,
    /// `kek` → id of the current key-encryption key.
    pub async fn key_registry(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT name, value FROM key_registry ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        read_each("key_registry", &["name", "value"], &rows, |r| {
            Ok((r.text("name")?, r.text("value")?))
        })
    }

    /// Records (or replaces) one key registry entry.
    pub async fn set_key_registry(
        &self,
        name: &str,
        value: &str,
        now_us: i64,
    ) -> Result<(), StoreError> {
        self.put_stamped(
            ("key_registry", ["name", "value", "changed_us"]),
            name,
            value,
            now_us,
        )
        .await
    }
}
