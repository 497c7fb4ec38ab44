//! `sirm migrate-engine` (Art 9(4)): an installation copied into the other
//! engine (SQLite → PostgreSQL or back) through a backup and a restore,
//! proved by an equal tree root and an equal projection digest, with the
//! original kept beside it, read-only, and the migration recorded in both
//! ledgers.

use crate::AuditEvent;
use std::path::PathBuf;

use serde::Serialize;

use super::{restore, Destination, RestoreRequest};
use crate::{Access, AppError, OpenOptions, Sirm};

/// The file in a migrated-from data directory that keeps it read-only.
pub const MIGRATED_MARKER: &str = "MIGRATED";

/// Security event of an engine migration (in both ledgers).
pub const MIGRATION_EVENT: &str = "engine.migrated";

#[derive(Clone, Debug, Serialize)]
pub struct MigrationReport {
    pub from: String,
    pub to: String,
    pub tree_size: u64,
    pub root: String,
    pub projection_digest: String,
    pub seconds: f64,
}

fn describe(o: &OpenOptions, cfg: Option<&crate::Config>) -> String {
    let c = o.store_config(cfg);
    match &c.pg_schema {
        Some(s) => format!("{} schema {s}", c.redacted_url()),
        None => c.redacted_url(),
    }
}

/// Migrates the installation at `from` into `to` (a new, empty data
/// directory and database). Afterwards `from` refuses to be opened for
/// writing ([`MIGRATED_MARKER`]).
pub async fn migrate_engine(
    from: &OpenOptions,
    to: OpenOptions,
) -> Result<MigrationReport, AppError> {
    let started = std::time::Instant::now();
    // Refuse a target that is not empty before anything is written here.
    let root = to.data_dir.root();
    if root.exists()
        && std::fs::read_dir(root)
            .map_err(|e| super::BackupError::Io(format!("{}: {e}", root.display())))?
            .next()
            .is_some()
    {
        return Err(super::BackupError::Target {
            target: root.display().to_string(),
            reason: "is not empty: the copy goes into a new, empty data directory".into(),
        }
        .into());
    }
    let source = Sirm::open(from, Access::Sign).await?;
    let from_text = describe(from, Some(&source.config));
    let to_text = describe(&to, None);
    let detail = format!(
        "from={from_text} to={to_text} (this installation is kept read-only beside the copy)"
    );
    let draft = source.audit_draft(
        AuditEvent::new("sirm", "migrate-engine", MIGRATION_EVENT)
            .success(detail)
            .long(),
    )?;
    source.append(vec![draft]).await?;
    let scratch = tempfile::Builder::new()
        .prefix(".sirm-migrate-")
        .tempdir_in(source.dir.root())
        .map_err(|e| super::BackupError::Io(format!("scratch directory: {e}")))?;
    let (identity_text, recipient) = super::generate_identity();
    let identity: age::x25519::Identity = identity_text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| {
            super::BackupError::Config("internal: a generated identity does not parse".into())
        })?;
    let dest = Destination::directory("migration", &scratch.path().join("backup"), true)?;
    let recipients = super::parse_recipients(&[recipient])?;
    let b = source.backup_to(&dest, &recipients).await?;
    let source_digest = source.store.projection_digest().await?;
    let keys_dir: PathBuf = source.dir.root().join("keys");
    source.store.close().await;
    drop(source);

    let r = restore(RestoreRequest {
        from: dest,
        target: to.clone(),
        keys_dir,
        identities: vec![identity],
        at: None,
        published: None,
        accept_data_loss: false,
        successor_origin: None,
    })
    .await?;
    if r.root != b.root || r.tree_size != b.tree_size {
        return Err(super::BackupError::Diverged(
            "the copy's root differs from the original's".into(),
        )
        .into());
    }
    let copy = Sirm::open(&to, Access::Sign).await?;
    // The copy's only entry beyond the original is its `backup.restored`
    // security event, which has no projection: the digests must be equal.
    let copy_digest = copy.store.projection_digest().await?;
    if copy_digest.digest != source_digest.digest {
        return Err(super::BackupError::Diverged(format!(
            "projection digest of the copy {} differs from the original's {}",
            copy_digest.digest, source_digest.digest
        ))
        .into());
    }
    let draft = copy.audit_draft(
        AuditEvent::new("sirm", "migrate-engine", MIGRATION_EVENT)
            .success(format!(
                "from={from_text} to={to_text} tree_size={} root={} projection_digest={}",
                b.tree_size, b.root, copy_digest.digest
            ))
            .long(),
    )?;
    copy.append(vec![draft]).await?;
    copy.store.close().await;
    std::fs::write(
        from.data_dir.root().join(MIGRATED_MARKER),
        format!(
            "This installation was migrated to {to_text} (data directory {}) at entry {}; it is kept read-only.\n",
            to.data_dir.root().display(),
            b.tree_size
        ),
    )
    .map_err(|e| super::BackupError::Io(e.to_string()))?;
    Ok(MigrationReport {
        from: from_text,
        to: to_text,
        tree_size: b.tree_size,
        root: b.root,
        projection_digest: copy_digest.digest,
        seconds: started.elapsed().as_secs_f64(),
    })
}
