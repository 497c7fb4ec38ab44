//! Backups and restores (Art 9, 25; docs/operations.md).
//!
//! A backup destination holds, for one installation:
//!
//! ```text
//! increments/<sha256>.age      encrypted increments (increment.rs), content-addressed, never rewritten
//! manifests/<size>-<time>.json signed manifests (manifest.rs), one per run, in clear
//! ```
//!
//! Each run adds one increment (the entries since the newest manifest, the
//! archive files not yet backed up, a snapshot of the state tables and the
//! configuration) and one manifest listing every increment so far. The
//! manifest is written last: a run that dies before it leaves an unused
//! object and no change to what a restore reads.
//!
//! Invariants:
//! - A backup never holds a key: not the signing key, not the personal-data
//!   keys. Keys are kept by custodians (`sirm keys export`) and brought to a
//!   restore separately; what a backup holds is ciphertext twice over (sealed
//!   fields and archive, then age for the backup recipients).
//! - A run adds to a destination only when the destination's newest manifest
//!   is this installation's and its root is this ledger's root at that size
//!   (no backup of another history, none after a rollback).
//! - A restore writes only into an empty target and removes what it wrote if
//!   any step fails (restore.rs).

mod check;
mod create;
mod increment;
mod manifest;
mod migrate;
mod restore;
mod schedule;
mod status;

use std::path::PathBuf;
use std::sync::Arc;

pub use check::{BackupCheck, CheckReport, CHECK_EVENT};
pub use create::{list, BackupReport, BACKUP_FAILED, BACKUP_STARTED};
pub use increment::{InstallationRecord, Record, INCREMENT_FORMAT};
pub use manifest::{IncrementRef, Manifest, MANIFEST_FORMAT};
pub use migrate::{migrate_engine, MigrationReport, MIGRATED_MARKER, MIGRATION_EVENT};
pub use restore::{restore, PublishedCheck, RestoreReport, RestoreRequest, PUBLISHED_NOTE};
pub use schedule::{check_schedule, run_schedule};
pub use status::{DestinationStatus, OperationsEvent, OperationsStatus, CHECK_ACK_EVENT};

use object_store::ObjectStore;

use crate::AppError;

/// What went wrong in a backup or a restore.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("backup configuration: {0}")]
    Config(String),
    #[error("backup destination {name}: {reason}")]
    Destination { name: String, reason: String },
    #[error("manifest {name}: {reason}")]
    Manifest { name: String, reason: String },
    #[error("manifest {name} is a backup of another agency ({agency}, origin {origin}): its public key is not this installation's")]
    OtherAgency {
        name: String,
        origin: String,
        agency: String,
    },
    #[error("increment {object}: {reason}")]
    Increment { object: String, reason: String },
    #[error("{0}")]
    Diverged(String),
    #[error("restore target {target}: {reason}")]
    Target { target: String, reason: String },
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Format(String),
}

impl From<BackupError> for AppError {
    fn from(e: BackupError) -> Self {
        AppError::Backup(e.to_string())
    }
}

/// `[backup]` in `sirm.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupConfig {
    /// age recipients (`age1…`) every increment is encrypted for; the
    /// matching identities are kept off the server, by the custodians.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Where backups go: at least two (one of them off-site) in production.
    #[serde(default)]
    pub destinations: Vec<DestinationConfig>,
    /// `sirm serve` backs up to every destination this often, e.g. `"1h"`,
    /// `"15m"`, `"1d"` (also `s`); absent: only `sirm backup create` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
}

/// `[operations]` in `sirm.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationsConfig {
    /// `sirm serve` runs the readability check (`sirm check`) this often,
    /// e.g. `"1d"`; absent: only `sirm check` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_every: Option<String>,
    /// `sirm serve` seals the query log this often (`querylog.sealed`,
    /// `sirm_app::evidence`); absent: every 5 minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_query_log_every: Option<String>,
}

/// Parses an interval such as `90s`, `15m`, `1h`, `1d` (at least 10 s).
pub fn parse_interval(field: &str, s: &str) -> Result<std::time::Duration, BackupError> {
    let bad = || {
        BackupError::Config(format!(
            "{field} = {s:?}: expected a whole number and a unit s, m, h or d (e.g. \"1h\"), at least 10s"
        ))
    };
    let s = s.trim();
    let (num, unit) = s.split_at(s.len().saturating_sub(1));
    let n: u64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60).ok_or_else(bad)?,
        "h" => n.checked_mul(3600).ok_or_else(bad)?,
        "d" => n.checked_mul(86_400).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    if secs < 10 {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs(secs))
}

/// One backup destination: a directory (`path`) or an S3-compatible
/// bucket (`bucket`, with `endpoint`, `region`, `access_key_id`, `prefix`;
/// the secret key from the environment variable
/// `SIRM_BACKUP_SECRET_ACCESS_KEY`, never from this file).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationConfig {
    /// A short name, e.g. `local` or `offsite` (in events and reports).
    pub name: String,
    /// A directory (a mounted off-site volume, a removable medium).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// Key prefix inside the bucket (e.g. the agency code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Endpoint URL of an S3-compatible service (default: AWS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
}

impl DestinationConfig {
    /// Where it is, for messages (no secret).
    pub fn label(&self) -> String {
        match (&self.path, &self.bucket) {
            (Some(p), _) => p.display().to_string(),
            (None, Some(b)) => format!(
                "s3://{b}/{}{}",
                self.prefix.as_deref().unwrap_or(""),
                self.endpoint
                    .as_deref()
                    .map(|e| format!(" at {e}"))
                    .unwrap_or_default()
            ),
            (None, None) => "(nowhere)".into(),
        }
    }

    /// `DIR` or `s3://BUCKET[/PREFIX]` (endpoint, region and access key id
    /// from `SIRM_BACKUP_S3_ENDPOINT`, `SIRM_BACKUP_S3_REGION`,
    /// `SIRM_BACKUP_ACCESS_KEY_ID`), as given on a command line.
    pub fn from_spec(name: &str, spec: &str) -> DestinationConfig {
        match spec.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                DestinationConfig {
                    name: name.into(),
                    bucket: Some(bucket.into()),
                    prefix: (!prefix.is_empty()).then(|| prefix.trim_end_matches('/').to_string()),
                    endpoint: std::env::var("SIRM_BACKUP_S3_ENDPOINT").ok(),
                    region: std::env::var("SIRM_BACKUP_S3_REGION").ok(),
                    access_key_id: std::env::var("SIRM_BACKUP_ACCESS_KEY_ID").ok(),
                    ..Default::default()
                }
            }
            None => DestinationConfig {
                name: name.into(),
                path: Some(PathBuf::from(spec)),
                ..Default::default()
            },
        }
    }

    /// Whether a backup could be there at all (a directory that exists;
    /// a bucket is asked).
    pub fn may_exist(&self) -> bool {
        self.path.as_ref().is_none_or(|p| p.exists())
    }
}

/// An opened destination.
#[derive(Clone)]
pub struct Destination {
    pub name: String,
    pub(crate) store: Arc<dyn ObjectStore>,
    /// Where it is, for messages.
    pub label: String,
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Destination")
            .field("name", &self.name)
            .field("label", &self.label)
            .finish()
    }
}

impl Destination {
    /// Opens a configured destination (a directory is created when
    /// `create`; a bucket must exist).
    pub fn open(cfg: &DestinationConfig, create: bool) -> Result<Self, BackupError> {
        let bad = |reason: String| BackupError::Destination {
            name: cfg.name.clone(),
            reason,
        };
        match (&cfg.path, &cfg.bucket) {
            (Some(p), None) => Destination::directory(&cfg.name, p, create),
            (None, Some(bucket)) => {
                let s3 = crate::collection::archive::s3_store(
                    bucket,
                    cfg.region.as_deref(),
                    cfg.endpoint.as_deref(),
                    cfg.access_key_id.as_deref(),
                    "SIRM_BACKUP_SECRET_ACCESS_KEY",
                )
                .map_err(bad)?;
                let store: Arc<dyn ObjectStore> =
                    match cfg.prefix.as_deref().filter(|p| !p.is_empty()) {
                        Some(prefix) => {
                            Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
                        }
                        None => Arc::new(s3),
                    };
                Ok(Destination {
                    name: cfg.name.clone(),
                    store,
                    label: cfg.label(),
                })
            }
            _ => Err(bad(
                "give exactly one of path (a directory) or bucket (S3)".into()
            )),
        }
    }

    /// A directory destination, created if missing (when `create`).
    pub fn directory(
        name: &str,
        path: &std::path::Path,
        create: bool,
    ) -> Result<Self, BackupError> {
        let bad = |reason: String| BackupError::Destination {
            name: name.into(),
            reason,
        };
        if create {
            std::fs::create_dir_all(path)
                .map_err(|e| bad(format!("{}: cannot create: {e}", path.display())))?;
        } else if !path.is_dir() {
            return Err(bad(format!("{}: no such directory", path.display())));
        }
        let fs = object_store::local::LocalFileSystem::new_with_prefix(path)
            .map_err(|e| bad(format!("{}: {e}", path.display())))?;
        Ok(Destination {
            name: name.into(),
            store: Arc::new(fs),
            label: path.display().to_string(),
        })
    }

    pub(crate) fn err(&self, reason: impl std::fmt::Display) -> BackupError {
        BackupError::Destination {
            name: format!("{} ({})", self.name, self.label),
            reason: reason.to_string(),
        }
    }

    /// Every manifest object name, oldest first.
    pub(crate) async fn manifest_names(&self) -> Result<Vec<String>, BackupError> {
        use futures::TryStreamExt;
        let prefix = object_store::path::Path::from("manifests");
        let mut names: Vec<String> = self
            .store
            .list(Some(&prefix))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        names.retain(|n| n.ends_with(".json"));
        names.sort();
        Ok(names)
    }

    pub(crate) async fn get(&self, name: &str) -> Result<Vec<u8>, BackupError> {
        let got = self
            .store
            .get(&object_store::path::Path::from(name))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => self.err(format!("{name} is missing")),
                other => self.err(other),
            })?;
        Ok(got.bytes().await.map_err(|e| self.err(e))?.to_vec())
    }

    pub(crate) async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), BackupError> {
        self.store
            .put(&object_store::path::Path::from(name), bytes.into())
            .await
            .map(|_| ())
            .map_err(|e| self.err(format!("cannot write {name}: {e}")))
    }

    /// The manifest `name`, parsed (not yet verified).
    pub(crate) async fn manifest(&self, name: &str) -> Result<Manifest, BackupError> {
        let bytes = self.get(name).await?;
        serde_json::from_slice(&bytes).map_err(|e| BackupError::Manifest {
            name: name.into(),
            reason: format!("not a manifest: {e}"),
        })
    }
}

/// Parses age recipients (`age1…`).
pub fn parse_recipients(list: &[String]) -> Result<Vec<age::x25519::Recipient>, BackupError> {
    if list.is_empty() {
        return Err(BackupError::Config(
            "no recipients: set [backup] recipients in sirm.toml (or --recipient); `sirm backup keygen` makes a pair"
                .into(),
        ));
    }
    list.iter()
        .map(|r| {
            r.trim().parse::<age::x25519::Recipient>().map_err(|e| {
                BackupError::Config(format!(
                    "recipient {:?} is not an age X25519 recipient: {e}",
                    r.trim()
                ))
            })
        })
        .collect()
}

/// Reads age X25519 identities (`AGE-SECRET-KEY-1…` lines; `#` comments).
pub fn read_identities(path: &std::path::Path) -> Result<Vec<age::x25519::Identity>, BackupError> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| BackupError::Config(format!("{}: {e}", path.display())))?,
    );
    let ids: Result<Vec<_>, _> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.parse::<age::x25519::Identity>().map_err(|_| {
                BackupError::Config(format!(
                    "{}: a line is not an age identity (AGE-SECRET-KEY-1…)",
                    path.display()
                ))
            })
        })
        .collect();
    let ids = ids?;
    if ids.is_empty() {
        return Err(BackupError::Config(format!(
            "{}: no age identity in the file",
            path.display()
        )));
    }
    Ok(ids)
}

/// A new identity: (the file text with the secret, the recipient).
pub fn generate_identity() -> (zeroize::Zeroizing<String>, String) {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    let text = zeroize::Zeroizing::new(format!(
        "# SIRM backup identity (age X25519). Keep it off the server, with the custodians.\n# recipient: {recipient}\n{}\n",
        id.to_string().expose_secret()
    ));
    (text, recipient)
}
