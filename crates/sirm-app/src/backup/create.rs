//! `sirm backup create`: one run adds one increment and one signed manifest
//! to a destination, and records itself in the ledger.

use crate::AuditEvent;
use std::collections::BTreeSet;
use std::time::Instant;

use futures::StreamExt as _;
use serde::Serialize;
use sirm_ledger::format_time;

use super::increment::{
    blob_record, IncrementWriter, InstallationRecord, Record, INCREMENT_FORMAT,
};
use super::manifest::{IncrementRef, Manifest, MANIFEST_FORMAT};
use super::{BackupError, Destination};
use crate::{AppError, Sirm};

/// What one run did.
#[derive(Clone, Debug, Serialize)]
pub struct BackupReport {
    pub destination: String,
    pub manifest: String,
    pub tree_size: u64,
    pub root: String,
    /// Ledger entries and checkpoints in this run's increment.
    pub entries: u64,
    pub checkpoints: u64,
    /// Archive files new in this run.
    pub blobs: u64,
    pub state_rows: u64,
    /// Size of this run's increment (encrypted), bytes.
    pub bytes: u64,
    /// Increments the destination now holds for this installation.
    pub increments: usize,
    pub seconds: f64,
}

/// Security event that starts a backup run (inside the backup it starts).
pub const BACKUP_STARTED: &str = "backup.started";
/// Security event of a run that failed.
pub const BACKUP_FAILED: &str = "backup.failed";

impl Sirm {
    /// Backs up to `dest` for `recipients`. The run is recorded in the
    /// ledger *before* the snapshot is taken (a `backup.started` security
    /// event naming the destination and the previous run's size, root,
    /// bytes and duration), so the backup holds its own record and a restore
    /// of the newest backup lacks nothing that was published before it. A
    /// run that fails is recorded as `backup.failed`. This run's own size,
    /// root and duration are in its signed manifest and in the next run's
    /// event.
    pub async fn backup_to(
        &self,
        dest: &Destination,
        recipients: &[age::x25519::Recipient],
    ) -> Result<BackupReport, AppError> {
        let started = Instant::now();
        let result = self.backup_run(dest, recipients, started).await;
        if let Err(e) = &result {
            let detail = format!("destination={} {e}", dest.name);
            let draft = self.audit_draft(
                AuditEvent::new("sirm", "backup", BACKUP_FAILED)
                    .failure(&detail)
                    .long(),
            )?;
            self.append(vec![draft]).await?;
            self.raise_alarm_or_log(
                crate::alarms::AlarmKind::BackupFailed,
                "backup",
                "",
                &detail,
            )
            .await;
        }
        result
    }

    async fn backup_run(
        &self,
        dest: &Destination,
        recipients: &[age::x25519::Recipient],
        started: Instant,
    ) -> Result<BackupReport, AppError> {
        let vault = self.vault.as_ref().ok_or_else(|| {
            AppError::KeyMissing("a backup needs the installation opened with its keys".into())
        })?;
        let live = self
            .store
            .head()
            .await?
            .ok_or_else(|| BackupError::Io("the ledger is empty: nothing to back up".into()))?
            .checkpoint
            .tree_size;

        // What the destination already holds, checked to be this history.
        let names = dest.manifest_names().await?;
        let previous = match names.last() {
            Some(name) => {
                let m = dest.manifest(name).await?;
                m.verify(name, &self.public_key)?;
                if m.tree_size > live {
                    return Err(BackupError::Diverged(format!(
                        "destination {} holds a backup up to entry {} but this ledger has only {live} entries: \
                         this installation may have been rolled back; refusing to add to that backup",
                        dest.name, m.tree_size
                    ))
                    .into());
                }
                let ours = self.store.checkpoint_at(m.tree_size).await?;
                let our_root = ours.map(|(c, _)| hex::encode(c.checkpoint.root));
                if our_root.as_deref() != Some(m.root.as_str()) {
                    return Err(BackupError::Diverged(format!(
                        "destination {}: manifest {name} covers entry {} with root {}, but this ledger's root there is {}: \
                         the backup is of another history; refusing to add to it",
                        dest.name,
                        m.tree_size,
                        m.root,
                        our_root.unwrap_or_else(|| "not a checkpoint".into())
                    ))
                    .into());
                }
                Some(m)
            }
            None => None,
        };
        let detail = match &previous {
            Some(m) => format!(
                "destination={} previous: tree_size={} root={} increments={} bytes={} milliseconds={}",
                dest.name,
                m.tree_size,
                m.root,
                m.increments.len(),
                m.increments.last().map_or(0, |i| i.bytes),
                m.milliseconds
            ),
            None => format!("destination={} previous: none (first backup here)", dest.name),
        };
        let draft = self.audit_draft(
            AuditEvent::new("sirm", "backup", BACKUP_STARTED)
                .success(&detail)
                .long(),
        )?;
        let head = self.append(vec![draft]).await?.checkpoint;
        let size = head.checkpoint.tree_size;
        let after = previous.as_ref().map_or(0, |m| m.tree_size);
        let known: BTreeSet<String> = previous
            .iter()
            .flat_map(|m| m.increments.iter().flat_map(|i| i.blobs.iter().cloned()))
            .collect();

        let scratch = tempfile::Builder::new()
            .prefix(".sirm-backup-")
            .tempdir_in(self.dir.root())
            .map_err(|e| BackupError::Io(format!("scratch directory: {e}")))?;
        let mut w = IncrementWriter::create(scratch.path().join("increment.age"), recipients)?;
        w.write(&Record::Header {
            format: INCREMENT_FORMAT.into(),
            origin: self.config.origin.clone(),
            first_seq: after + 1,
            last_seq: size,
        })?;
        let inst = &self.installation;
        w.write(&Record::Installation(InstallationRecord {
            origin: inst.origin.clone(),
            agency_code: inst.agency_code.clone(),
            agency_name: inst.agency_name.clone(),
            profile: inst.profile.clone(),
            public_key: inst.public_key.clone(),
            created_us: inst.created.timestamp_micros(),
        }))?;
        let mut rows = self.store.scan_range(after, size);
        while let Some(row) = rows.next().await {
            w.write(&Record::Entry(row?))?;
        }
        drop(rows);
        let mut cps = self.store.scan_checkpoint_rows(after, size);
        while let Some(cp) = cps.next().await {
            w.write(&Record::Checkpoint(cp?))?;
        }
        drop(cps);
        let profile = vault.profile();
        let mut blob_ids = Vec::new();
        for address in self.archive.stored_addresses().await? {
            let id = hex::encode(
                &profile.keyed_hash(
                    vault.index_key(),
                    format!("sirm backup blob\n{address}").as_bytes(),
                )[..16],
            );
            if known.contains(&id) {
                continue;
            }
            let stored = self.archive.stored_bytes(&address).await?;
            w.write(&blob_record(&address, &stored))?;
            blob_ids.push(id);
        }
        for table in sirm_store::STATE_TABLES {
            let mut rows = self.store.scan_state(table);
            while let Some(row) = rows.next().await {
                w.write(&Record::State {
                    table: table.name.into(),
                    row: row?,
                })?;
            }
        }
        let config_path = self.dir.config_path();
        let text = std::fs::read_to_string(&config_path)
            .map_err(|e| BackupError::Io(format!("{}: {e}", config_path.display())))?;
        w.write(&Record::Config { text })?;
        let (entries, checkpoints, blobs, state_rows) =
            (w.entries, w.checkpoints, w.blobs, w.state_rows);
        let (path, sha256, bytes) = w.finish()?;
        let object = format!("increments/{sha256}.age");
        let data = std::fs::read(&path)
            .map_err(|e| BackupError::Io(format!("{}: {e}", path.display())))?;
        dest.put(&object, data).await?;

        let mut increments = previous.map(|m| m.increments).unwrap_or_default();
        increments.push(IncrementRef {
            object,
            sha256,
            bytes,
            first_seq: after + 1,
            last_seq: size,
            blobs: blob_ids,
        });
        let key = self.signing_key().ok_or_else(|| {
            AppError::KeyMissing("a backup manifest is signed with the agency key".into())
        })?;
        let mut manifest = Manifest {
            format: MANIFEST_FORMAT.into(),
            origin: self.config.origin.clone(),
            agency_code: self.config.agency_code.clone(),
            profile: self.config.profile.clone(),
            public_key: self.public_key.to_hex(),
            created: format_time(&chrono::Utc::now()),
            tree_size: size,
            root: hex::encode(head.checkpoint.root),
            checkpoint: head.to_note(),
            increments,
            recipients: recipients.iter().map(ToString::to_string).collect(),
            milliseconds: 0,
            signature: String::new(),
        };
        manifest.milliseconds = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        manifest.sign(key)?;
        let name = manifest.object_name();
        let json =
            serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Format(e.to_string()))?;
        dest.put(&name, json).await?;
        Ok(BackupReport {
            destination: dest.name.clone(),
            manifest: name,
            tree_size: size,
            root: manifest.root.clone(),
            entries,
            checkpoints,
            blobs,
            state_rows,
            bytes,
            increments: manifest.increments.len(),
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// Every backup at `dest`, oldest first, each manifest verified to be of the
/// installation whose public key is `key` and signed by it. Needs no
/// database (a restore is planned with it).
pub async fn list(
    dest: &Destination,
    key: &sirm_ledger::PublicKey,
) -> Result<Vec<(String, Manifest)>, AppError> {
    let mut out = Vec::new();
    for name in dest.manifest_names().await? {
        let m = dest.manifest(&name).await?;
        m.verify(&name, key)?;
        out.push((name, m));
    }
    Ok(out)
}
