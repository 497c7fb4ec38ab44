//! Witness cosignatures of checkpoints (`checkpoint_cosignature`,
//! migration 16): kept after the application verified them; served with
//! the checkpoint they cosign.

use crate::ledger_rows::i64_of;
use crate::rows::read_each;
use crate::{Store, StoreError};

impl Store {
    /// Keeps a cosignature line of `witness` for the checkpoint at `tree_size`.
    pub async fn insert_cosignature(
        &self,
        tree_size: u64,
        witness: &str,
        line: &str,
        now_us: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO checkpoint_cosignature (tree_size, witness, line, created_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (witness, tree_size) DO NOTHING",
        )
        .bind(i64_of(tree_size))
        .bind(witness)
        .bind(line)
        .bind(now_us)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The largest tree size `witness` cosigned here, if any.
    pub async fn cosigned_size(&self, witness: &str) -> Result<Option<u64>, StoreError> {
        let v: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(tree_size) FROM checkpoint_cosignature WHERE witness = $1",
        )
        .bind(witness)
        .fetch_one(&self.pool)
        .await?;
        v.map(|s| crate::ledger_rows::u64_in(s, "checkpoint_cosignature", "tree_size"))
            .transpose()
    }

    /// The newest cosigned tree size and every cosignature line for it
    /// (witness name, line).
    pub async fn newest_cosigned(
        &self,
    ) -> Result<Option<(u64, Vec<(String, String)>)>, StoreError> {
        let size: Option<i64> =
            sqlx::query_scalar("SELECT MAX(tree_size) FROM checkpoint_cosignature")
                .fetch_one(&self.pool)
                .await?;
        let Some(size) = size else { return Ok(None) };
        let rows = sqlx::query("SELECT witness, line FROM checkpoint_cosignature WHERE tree_size = $1 ORDER BY witness")
            .bind(size)
            .fetch_all(&self.pool)
            .await?;
        let lines = read_each("checkpoint_cosignature", &["witness", "line"], &rows, |r| {
            Ok((r.text("witness")?, r.text("line")?))
        })?;
        Ok(Some((
            crate::ledger_rows::u64_in(size, "ledger_checkpoint", "tree_size")?,
            lines,
        )))
    }
}
