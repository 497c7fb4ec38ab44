//! `sirm restore`: a backup replayed into a new installation, checked
//! against the signed manifest and, when given, the newest checkpoint the
//! agency published (a kept note): a restore that is shorter than what was
//! published is **data loss up to entry N**, one that disagrees is refused as
//! a **fork**.
//!
//! Nothing is half-restored: the target must be empty, and if any step
//! fails everything the restore wrote is removed (the data directory it
//! created; the PostgreSQL schema, if it created it).

use crate::AuditEvent;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use sirm_ledger::{CryptoProfile, PublicKey, SignedCheckpoint};
use sirm_store::{Installation, Role, Store, StoredRow};

use super::increment::{blob_bytes, IncrementReader, Record, INCREMENT_FORMAT};
use super::manifest::Manifest;
use super::{BackupError, Destination};
use crate::{Access, AppError, DataDir, OpenOptions, Sirm};

/// Security event that opens a successor log after a data loss.
pub const SUCCESSION_EVENT: &str = "ledger.succession";

/// Entries imported per transaction.
const IMPORT_CHUNK: usize = 10_000;

/// Name of the file in a restored data directory that holds the newest
/// checkpoint the agency published, when the restore is shorter than it
/// (the installation then refuses to sign: see [`Sirm::published_floor`]).
pub const PUBLISHED_NOTE: &str = "published-checkpoint.note";

/// What to restore, from where, into what.
pub struct RestoreRequest {
    pub from: Destination,
    /// The new installation: data directory, and PostgreSQL URL and schema
    /// (absent: the SQLite file in the data directory).
    pub target: OpenOptions,
    /// The installation's key files (`checkpoint.key`, `checkpoint.pub`,
    /// `index.key`, `kek.key`), as the custodians brought them back.
    pub keys_dir: PathBuf,
    /// age identities able to decrypt the backup.
    pub identities: Vec<age::x25519::Identity>,
    /// Restore the newest backup whose tree size is at most this.
    pub at: Option<u64>,
    /// The newest checkpoint known to have been published (a kept note).
    pub published: Option<String>,
    /// Restore even when entries after the backup were published (lost).
    pub accept_data_loss: bool,
    /// After a data loss, continue as a successor log under this new origin
    /// (its first entry records the loss) instead of a frozen installation.
    pub successor_origin: Option<String>,
}

/// How the restored ledger compares with the published checkpoint.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum PublishedCheck {
    /// No published checkpoint was given: a loss after the backup cannot be seen.
    NotGiven,
    /// The published checkpoint is part of the restored history.
    Consistent { published: u64 },
    /// Entries `restored + 1 ..= published` were published and are lost.
    DataLoss { restored: u64, published: u64 },
}

#[derive(Clone, Debug, Serialize)]
pub struct RestoreReport {
    pub manifest: String,
    pub tree_size: u64,
    pub root: String,
    pub entries: u64,
    pub increments: usize,
    pub blobs: u64,
    pub state_rows: u64,
    pub published: PublishedCheck,
    /// The restore recorded in the ledger: a `backup.restored` event, or
    /// for a successor log its `ledger.succession` event (not when frozen).
    pub recorded: bool,
    /// The origin the restored installation signs under, when it became a
    /// successor log after a data loss.
    pub successor_origin: Option<String>,
    pub seconds: f64,
}

fn target_err(req: &RestoreRequest, reason: impl Into<String>) -> BackupError {
    BackupError::Target {
        target: req.target.data_dir.root().display().to_string(),
        reason: reason.into(),
    }
}

/// Restores the backup `req` names. See the module documentation.
pub async fn restore(req: RestoreRequest) -> Result<RestoreReport, AppError> {
    let started = Instant::now();
    let root = req.target.data_dir.root().to_path_buf();
    let dir_existed = root.exists();
    if dir_existed
        && std::fs::read_dir(&root)
            .map_err(|e| target_err(&req, e.to_string()))?
            .next()
            .is_some()
    {
        return Err(target_err(
            &req,
            "is not empty: a restore writes only into a new, empty data directory",
        )
        .into());
    }
    let public_key = crate::read_public_key_file(&req.keys_dir.join("checkpoint.pub"))?;
    for f in ["checkpoint.key", "index.key", "kek.key"] {
        if !req.keys_dir.join(f).is_file() {
            return Err(AppError::KeyMissing(format!(
                "{}: missing; a restore needs every key file of the installation (docs/operations.md)",
                req.keys_dir.join(f).display()
            )));
        }
    }
    let (name, manifest) = choose_manifest(&req, &public_key).await?;
    let published = match &req.published {
        Some(note) => {
            let cp = SignedCheckpoint::from_note(note).map_err(|e| {
                BackupError::Diverged(format!(
                    "the published checkpoint is not a signed note: {e}"
                ))
            })?;
            cp.verify(&public_key).map_err(|e| {
                BackupError::Diverged(format!(
                    "the published checkpoint is not signed by this agency's key: {e}"
                ))
            })?;
            if cp.checkpoint.tree_size > manifest.tree_size
                && !req.accept_data_loss
                && req.successor_origin.is_none()
            {
                return Err(BackupError::Diverged(format!(
                    "data loss up to entry {}: the newest backup ({name}) ends at entry {}, but the agency published a \
                     checkpoint at entry {}; entries {}..={} are not in any backup here. Nothing was restored. \
                     Restore with --successor-origin NEW to continue as a successor log that records the loss, or with \
                     --accept-data-loss to keep what there is read-only (docs/operations.md, \"After a data loss\")",
                    cp.checkpoint.tree_size,
                    manifest.tree_size,
                    cp.checkpoint.tree_size,
                    manifest.tree_size + 1,
                    cp.checkpoint.tree_size
                ))
                .into());
            }
            Some(cp)
        }
        None => None,
    };

    let store_cfg = req.target.store_config(None);
    let schema_existed = match (&store_cfg.pg_schema, store_cfg.engine()?) {
        (Some(schema), sirm_store::Engine::Postgres) => Some((
            schema.clone(),
            sirm_store::pg_schema_exists(&store_cfg.url, schema).await?,
        )),
        _ => None,
    };
    std::fs::create_dir_all(&root).map_err(|e| target_err(&req, e.to_string()))?;
    let result = replay(&req, &name, &manifest, published.as_ref(), started).await;
    if result.is_err() {
        // Remove what this restore wrote.
        if let Some((schema, false)) = &schema_existed {
            if let Ok(store) = Store::connect(&store_cfg, Role::Owner).await {
                let role = store.pg_installation().map(|p| p.runtime_role.clone());
                let _ = store
                    .execute_raw(&format!(
                        "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                        schema.replace('"', "")
                    ))
                    .await;
                // The installation's own runtime role goes with its schema.
                if let Some(r) = role {
                    let _ = store
                        .execute_raw(&format!("DROP ROLE IF EXISTS \"{}\"", r.replace('"', "")))
                        .await;
                }
                store.close().await;
            }
        }
        if dir_existed {
            if let Ok(rd) = std::fs::read_dir(&root) {
                for e in rd.flatten() {
                    let p = e.path();
                    let _ = if p.is_dir() {
                        std::fs::remove_dir_all(&p)
                    } else {
                        std::fs::remove_file(&p)
                    };
                }
            }
        } else {
            let _ = std::fs::remove_dir_all(&root);
        }
    }
    result
}

/// The manifest to restore: the newest, or the newest at most `req.at`;
/// verified against the installation's public key.
async fn choose_manifest(
    req: &RestoreRequest,
    key: &PublicKey,
) -> Result<(String, Manifest), AppError> {
    let names = req.from.manifest_names().await?;
    if names.is_empty() {
        return Err(req.from.err("holds no backup (no manifests/*.json)").into());
    }
    let size_of = |n: &str| -> Option<u64> {
        n.strip_prefix("manifests/")
            .and_then(|r| r.get(..20))
            .and_then(|d| d.parse().ok())
    };
    let name = match req.at {
        None => names.last().cloned(),
        Some(at) => names
            .iter()
            .rev()
            .find(|n| size_of(n).is_some_and(|s| s <= at))
            .cloned(),
    }
    .ok_or_else(|| {
        let sizes: Vec<String> = names
            .iter()
            .filter_map(|n| size_of(n))
            .map(|s| s.to_string())
            .collect();
        req.from.err(format!(
            "no backup at or before entry {}; backups end at entries {}",
            req.at.unwrap_or(0),
            sizes.join(", ")
        ))
    })?;
    let manifest = req.from.manifest(&name).await?;
    manifest.verify(&name, key)?;
    if size_of(&name) != Some(manifest.tree_size) {
        return Err(BackupError::Manifest {
            name,
            reason: format!(
                "names a tree size other than the {} it signs",
                manifest.tree_size
            ),
        }
        .into());
    }
    Ok((name, manifest))
}

async fn replay(
    req: &RestoreRequest,
    name: &str,
    manifest: &Manifest,
    published: Option<&SignedCheckpoint>,
    started: Instant,
) -> Result<RestoreReport, AppError> {
    let dir = &req.target.data_dir;
    copy_keys(&req.keys_dir, dir)?;
    let store = Store::connect(&req.target.store_config(None), Role::Owner).await?;
    store.migrate().await?;
    if !store.is_empty_target().await? {
        return Err(target_err(
            req,
            "the database already holds an installation: a restore writes only into an empty one",
        )
        .into());
    }
    let archive = crate::collection::Archive::new(dir.root().join("archive"));
    let mut entries = 0u64;
    let mut blobs = 0u64;
    let mut installation_done = false;
    let mut state: Vec<(String, Vec<serde_json::Value>)> = Vec::new();
    let mut config_text = None;
    let last_index = manifest.increments.len().saturating_sub(1);
    for (i, inc) in manifest.increments.iter().enumerate() {
        let bytes = req.from.get(&inc.object).await?;
        let mut reader = IncrementReader::open(&inc.object, &bytes, &inc.sha256, &req.identities)?;
        let bad = |reason: String| BackupError::Increment {
            object: inc.object.clone(),
            reason,
        };
        let mut rows: Vec<StoredRow> = Vec::with_capacity(IMPORT_CHUNK);
        let mut checkpoints = Vec::new();
        let mut seen_header = false;
        let mut counted = (0u64, 0u64, 0u64, 0u64);
        while let Some(record) = reader.next_record()? {
            match record {
                Record::Header {
                    format,
                    origin,
                    first_seq,
                    last_seq,
                } => {
                    // The origin may differ between increments: a successor
                    // log (docs/operations.md) continues a backup under its
                    // new origin; the manifest's signature covers every
                    // increment's hash.
                    if format != INCREMENT_FORMAT
                        || first_seq != inc.first_seq
                        || last_seq != inc.last_seq
                    {
                        return Err(bad(format!(
                            "header ({format}, {origin}, entries {first_seq}..={last_seq}) does not match the manifest"
                        ))
                        .into());
                    }
                    seen_header = true;
                }
                _ if !seen_header => {
                    return Err(bad("does not start with its header".into()).into())
                }
                Record::Installation(r) => {
                    if r.public_key != manifest.public_key {
                        return Err(
                            bad("installation record of another installation".into()).into()
                        );
                    }
                    if !installation_done {
                        store
                            .create_installation(&Installation {
                                origin: r.origin,
                                agency_code: r.agency_code,
                                agency_name: r.agency_name,
                                profile: r.profile,
                                public_key: r.public_key,
                                created: chrono::DateTime::from_timestamp_micros(r.created_us)
                                    .ok_or_else(|| bad("installation time out of range".into()))?,
                            })
                            .await?;
                        installation_done = true;
                    }
                }
                Record::Entry(row) => {
                    counted.0 += 1;
                    rows.push(row);
                    if rows.len() >= IMPORT_CHUNK {
                        store
                            .import_ledger(&rows, &[])
                            .await
                            .map_err(|e| bad(e.to_string()))?;
                        entries += rows.len() as u64;
                        rows.clear();
                    }
                }
                Record::Checkpoint(c) => {
                    counted.1 += 1;
                    checkpoints.push(c);
                }
                Record::Blob { address, data } => {
                    counted.2 += 1;
                    let stored = blob_bytes(&data)
                        .map_err(|e| bad(format!("archive file {address}: {e}")))?;
                    archive.put_stored(&address, &stored).await?;
                    blobs += 1;
                }
                Record::State { table, row } => {
                    counted.3 += 1;
                    if i == last_index {
                        if sirm_store::state_table(&table).is_none() {
                            return Err(bad(format!("unknown state table {table}")).into());
                        }
                        match state.last_mut() {
                            Some((t, v)) if *t == table => v.push(serde_json::Value::Array(row)),
                            _ => state.push((table, vec![serde_json::Value::Array(row)])),
                        }
                    }
                }
                Record::Config { text } => {
                    if i == last_index {
                        config_text = Some(text);
                    }
                }
                Record::End {
                    entries: e,
                    checkpoints: c,
                    blobs: b,
                    state_rows: s,
                } => {
                    if (e, c, b, s) != counted {
                        return Err(bad(format!(
                            "end line counts ({e} entries, {c} checkpoints, {b} files, {s} state rows) differ from its content"
                        ))
                        .into());
                    }
                }
            }
        }
        store
            .import_ledger(&rows, &checkpoints)
            .await
            .map_err(|e| bad(e.to_string()))?;
        entries += rows.len() as u64;
        if inc.last_seq >= inc.first_seq && entries != inc.last_seq {
            return Err(bad(format!(
                "holds entries up to {entries}, the manifest says {}",
                inc.last_seq
            ))
            .into());
        }
    }
    if !installation_done {
        return Err(BackupError::Format("the backup holds no installation record".into()).into());
    }
    if entries != manifest.tree_size {
        return Err(BackupError::Format(format!(
            "the increments hold {entries} entries, the manifest signs {}",
            manifest.tree_size
        ))
        .into());
    }
    store.finish_import().await?;

    let profile = CryptoProfile::from_name(&manifest.profile)?;
    let root_now =
        sirm_ledger::merkle::root_of(profile, &store.leaf_hashes(manifest.tree_size).await?);
    if hex::encode(root_now) != manifest.root {
        return Err(BackupError::Diverged(format!(
            "the restored ledger's root {} is not the root {} the manifest signs",
            hex::encode(root_now),
            manifest.root
        ))
        .into());
    }
    let check = match published {
        None => PublishedCheck::NotGiven,
        Some(cp) if cp.checkpoint.tree_size <= manifest.tree_size => {
            let at = sirm_ledger::merkle::root_of(
                profile,
                &store.leaf_hashes(cp.checkpoint.tree_size).await?,
            );
            if at != cp.checkpoint.root {
                return Err(BackupError::Diverged(format!(
                    "fork: the agency published root {} at entry {}, but this backup's history has root {} there; refused",
                    hex::encode(cp.checkpoint.root),
                    cp.checkpoint.tree_size,
                    hex::encode(at)
                ))
                .into());
            }
            PublishedCheck::Consistent {
                published: cp.checkpoint.tree_size,
            }
        }
        Some(cp) => PublishedCheck::DataLoss {
            restored: manifest.tree_size,
            published: cp.checkpoint.tree_size,
        },
    };
    let mut state_rows = 0u64;
    for (table, rows) in &state {
        let t = sirm_store::state_table(table)
            .ok_or_else(|| BackupError::Format(format!("unknown state table {table}")))?;
        let mut rows: Vec<Vec<serde_json::Value>> = rows
            .iter()
            .map(|r| r.as_array().cloned().unwrap_or_default())
            .collect();
        if t.name == "checkpoint_cosignature" {
            // The snapshot is taken after the entries: cosignatures of
            // checkpoints beyond the backup are of a history this ledger
            // does not hold.
            rows.retain(|r| {
                r.first()
                    .and_then(serde_json::Value::as_u64)
                    .is_some_and(|size| size <= manifest.tree_size)
            });
        }
        store.load_state(t, &rows).await?;
        state_rows += rows.len() as u64;
    }
    store.close().await;

    // Configuration: the backup's, pointed at the new database; the archive
    // files were restored into the local directory.
    let text = config_text
        .ok_or_else(|| BackupError::Format("the backup holds no configuration".into()))?;
    let mut config: crate::Config = toml::from_str(&text)
        .map_err(|e| BackupError::Format(format!("the backup's sirm.toml: {e}")))?;
    config.database_url = req.target.database_url.clone();
    config.database_schema = req.target.database_schema.clone();
    config.archive = Default::default();
    let previous_origin = config.origin.clone();
    let successor = match (&check, &req.successor_origin) {
        (PublishedCheck::DataLoss { .. }, Some(new)) => {
            if *new == previous_origin {
                return Err(BackupError::Diverged(
                    "the successor origin must differ from the published one".into(),
                )
                .into());
            }
            if new.is_empty()
                || new
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '+')
            {
                return Err(BackupError::Diverged(format!(
                    "successor origin {new:?}: one word without spaces or \"+\""
                ))
                .into());
            }
            config.origin = new.clone();
            true
        }
        (_, Some(_)) => return Err(BackupError::Diverged(
            "--successor-origin is for a restore with data loss; nothing published was lost here"
                .into(),
        )
        .into()),
        _ => false,
    };
    dir.write_config(&config)?;
    if let (PublishedCheck::DataLoss { .. }, Some(cp), false) = (&check, published, successor) {
        std::fs::write(dir.root().join(PUBLISHED_NOTE), cp.to_note())
            .map_err(|e| target_err(req, e.to_string()))?;
    }

    // Open it as the server would, verify, and record the restore.
    let sirm = Sirm::open(&req.target, Access::Sign).await?;
    let v = sirm
        .verify(
            published
                .cloned()
                .into_iter()
                .filter(|c| c.checkpoint.tree_size <= manifest.tree_size)
                .collect(),
        )
        .await?;
    if !v.is_intact() {
        return Err(BackupError::Diverged(format!(
            "the restored ledger does not verify: {}",
            v.lines().join("; ")
        ))
        .into());
    }
    if let (true, Some(cp)) = (successor, published) {
        // The successor log's first entry: what was lost, from which log.
        let detail = format!(
            "previous_origin={previous_origin} restored_to={} published={} published_root={} lost={}..={} from={} manifest={name}",
            manifest.tree_size,
            cp.checkpoint.tree_size,
            hex::encode(cp.checkpoint.root),
            manifest.tree_size + 1,
            cp.checkpoint.tree_size,
            req.from.name
        );
        let draft = sirm.audit_draft(
            AuditEvent::new("sirm", "restore", SUCCESSION_EVENT)
                .success(&detail)
                .long(),
        )?;
        sirm.append(vec![draft]).await?;
    }
    let recorded = successor
        || check == PublishedCheck::NotGiven
        || matches!(check, PublishedCheck::Consistent { .. });
    if recorded && !successor {
        let detail = format!(
            "from={} manifest={name} tree_size={} root={} published={}",
            req.from.name,
            manifest.tree_size,
            manifest.root,
            match &check {
                PublishedCheck::Consistent { published } => published.to_string(),
                _ => "not given".into(),
            }
        );
        let draft = sirm.audit_draft(
            AuditEvent::new("sirm", "restore", "backup.restored")
                .success(&detail)
                .long(),
        )?;
        sirm.append(vec![draft]).await?;
    }
    sirm.store.close().await;
    Ok(RestoreReport {
        manifest: name.into(),
        tree_size: manifest.tree_size,
        root: manifest.root.clone(),
        entries,
        increments: manifest.increments.len(),
        blobs,
        state_rows,
        published: check,
        recorded,
        successor_origin: successor.then(|| config.origin.clone()),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Copies the key files into the new data directory (0600, directory 0700).
fn copy_keys(from: &Path, dir: &DataDir) -> Result<(), AppError> {
    let keys = dir.root().join("keys");
    let err = |p: &Path, e: std::io::Error| AppError::File {
        path: p.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(&keys).map_err(|e| err(&keys, e))?;
    for f in ["checkpoint.key", "checkpoint.pub", "index.key", "kek.key"] {
        let src = from.join(f);
        let dst = keys.join(f);
        std::fs::copy(&src, &dst).map_err(|e| err(&src, e))?;
    }
    dir.secure()
}
