//! Ledger entries as stored: the `ledger_entry` row, its one mapping, its
//! insert statement, and the conversions of stored figures (sequence
//! numbers, digests, times) that every ledger reader shares.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sirm_ledger::{Checkpoint, CryptoProfile, Digest, Entry, SignedCheckpoint};

use crate::engine::Engine;
use crate::rows::{RawRow, TableRow};
use crate::StoreError;

/// Hex for byte columns in backup files.
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s).map_err(serde::de::Error::custom)
    }
}

crate::table_row! {
/// A ledger row as stored, before decoding. Verification decodes it itself so
/// that an unreadable row becomes a finding, not an abort.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRow in "ledger_entry" {
    pub seq: i64,
    pub time_us: i64,
    pub agency: String,
    pub stream: String,
    pub kind: String,
    pub subject: String,
    pub application: Option<String>,
    pub actors: String,
    pub payload: String,
    #[serde(with = "hex_bytes")]
    pub leaf_hash: Vec<u8>,
}
}

impl StoredRow {
    pub fn decode(self) -> Result<(Entry, Vec<u8>), String> {
        let seq = u64::try_from(self.seq)
            .map_err(|_| format!("negative sequence number {}", self.seq))?;
        let entry = Entry::from_stored(
            seq,
            self.time_us,
            self.agency,
            &self.stream,
            self.kind,
            self.subject,
            self.application,
            &self.actors,
            self.payload,
        )
        .map_err(|e| e.to_string())?;
        Ok((entry, self.leaf_hash))
    }
}

crate::table_row! {
/// A `ledger_checkpoint` row as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointRow in "ledger_checkpoint" {
    pub tree_size: i64,
    pub time_us: i64,
    pub origin: String,
    #[serde(with = "hex_bytes")]
    pub root: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub frontier: Vec<u8>,
    pub profile: String,
    pub key_id: String,
    #[serde(with = "hex_bytes")]
    pub signature: Vec<u8>,
}
}

impl CheckpointRow {
    /// The signed checkpoint, with its stored frontier bytes.
    pub(crate) fn signed(self) -> Result<(SignedCheckpoint, Vec<u8>), StoreError> {
        let tree_size = self.tree_size;
        let profile = CryptoProfile::from_name(&self.profile)
            .map_err(|e| StoreError::Corrupt(format!("checkpoint {tree_size}: {e}")))?;
        Ok((
            SignedCheckpoint {
                checkpoint: Checkpoint {
                    origin: self.origin,
                    tree_size: u64_in(tree_size, "ledger_checkpoint", "tree_size")?,
                    root: digest_of(&self.root, &format!("checkpoint {tree_size} root"))?,
                    time: time_of(self.time_us)?,
                },
                profile,
                key_id: self.key_id,
                signature: self.signature,
            },
            self.frontier,
        ))
    }
}

/// `SELECT <checkpoint columns> FROM ledger_checkpoint `, to be completed.
pub(crate) fn select_checkpoints(rest: &str) -> String {
    format!(
        "SELECT {} FROM ledger_checkpoint {rest}",
        CheckpointRow::select_list()
    )
}

/// `SELECT <entry columns> FROM ledger_entry `, to be completed.
pub(crate) fn select_entries(rest: &str) -> String {
    format!("SELECT {ENTRY_COLUMNS} FROM ledger_entry {rest}")
}

/// The columns of `ledger_entry`, as a select list.
pub(crate) const ENTRY_COLUMNS: &str =
    "seq, time_us, agency, stream, kind, subject, application, actors, payload, leaf_hash";

/// A stored row decoded into a ledger entry; an undecodable one is corrupt.
pub(crate) fn entry_of<R: RawRow + ?Sized>(r: &R) -> Result<Entry, StoreError> {
    StoredRow::from_row(r)?
        .decode()
        .map(|(e, _)| e)
        .map_err(StoreError::Corrupt)
}

/// A multi-row INSERT. SQLite gets anonymous `?` parameters (cheap to prepare
/// by the thousand), PostgreSQL numbered `$n`.
pub(crate) fn insert_entries_sql(engine: Engine, rows: usize) -> String {
    let mut sql = format!("INSERT INTO ledger_entry ({ENTRY_COLUMNS}) VALUES ");
    let mut n = 1;
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..10 {
            if c > 0 {
                sql.push(',');
            }
            match engine {
                Engine::Sqlite => sql.push('?'),
                Engine::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
            n += 1;
        }
        sql.push(')');
    }
    sql
}

/// A stored count or index (never negative in a sound database).
/// A count, size or index read from `table.column`: never negative (a
/// negative one is a corrupt row, named, not read as 0).
pub(crate) fn u64_in(v: i64, table: &'static str, column: &str) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::CorruptColumn {
        table,
        column: column.to_string(),
        problem: format!("negative value {v}"),
    })
}

/// A count or index as the engines store it.
pub(crate) fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn digest_of(bytes: &[u8], what: &str) -> Result<Digest, StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what}: expected 32 bytes, got {}", bytes.len())))
}

pub(crate) fn time_of(us: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(us)
        .ok_or_else(|| StoreError::Corrupt(format!("time {us} out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_columns_are_the_row_mapping() {
        assert_eq!(ENTRY_COLUMNS, StoredRow::select_list());
    }

    /// A negative size or index is a corrupt row, named, never read as 0.
    #[test]
    fn negative_counts_are_corrupt_columns() {
        assert_eq!(u64_in(7, "ledger_node", "idx").ok(), Some(7));
        let e = u64_in(-3, "ledger_checkpoint", "tree_size").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("ledger_checkpoint") && text.contains("tree_size") && text.contains("-3"),
            "{text}"
        );
    }
}
