//! `sirm check` (Art 9(2)): are the records kept, readable and backed up?
//! Full ledger verification, every projection against a replay, every
//! archived file opened and re-hashed, and each configured destination's
//! newest backup checked: its manifest signed by this agency, its root this
//! ledger's root at that size, every increment present with its hash. With
//! a backup identity (a custodian present, e.g. at a drill) the newest
//! backup is also restored into a scratch directory and verified there.
//! The result is a `check.completed` security event.

use crate::AuditEvent;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Destination, RestoreRequest};
use crate::{AppError, OpenOptions, Sirm};

/// Security event of a readability check.
pub const CHECK_EVENT: &str = "check.completed";

/// One destination's newest backup, as checked.
#[derive(Clone, Debug, Serialize)]
pub struct BackupCheck {
    pub destination: String,
    pub manifest: Option<String>,
    pub tree_size: u64,
    /// Entries the live ledger has beyond the backup.
    pub behind: u64,
    pub increments: usize,
    pub bytes: u64,
    /// Restored into a scratch directory and verified (identity given).
    pub restored: bool,
    pub problem: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub ledger_entries: u64,
    pub ledger_intact: bool,
    pub projections_match: bool,
    pub archive_files: u64,
    pub backups: Vec<BackupCheck>,
    /// Every problem found, one line each (empty: all good).
    pub findings: Vec<String>,
    pub seconds: f64,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

impl Sirm {
    /// Runs the readability check and records it. `identities`: restore each
    /// newest backup into a scratch directory under `scratch` (default: the
    /// system's temporary directory) as well.
    pub async fn check(
        &self,
        destinations: &[Destination],
        identities: Option<&[age::x25519::Identity]>,
        scratch: Option<&Path>,
    ) -> Result<CheckReport, AppError> {
        let started = Instant::now();
        let mut findings = Vec::new();
        let v = self.verify(Vec::new()).await?;
        if !v.is_intact() {
            findings.extend(v.lines().into_iter().map(|l| format!("ledger: {l}")));
        }
        let p = self.verify_projections(scratch).await?;
        if !p.matches() {
            let d = p.difference.as_ref();
            findings.push(format!(
                "projections differ from the ledger: table {} key {} {}",
                d.map_or("?", |d| d.table.as_str()),
                d.map(|d| d.key_text()).unwrap_or_default(),
                d.and_then(|d| d.column.clone()).unwrap_or_default()
            ));
        }
        // The query log against its seals (`querylog.sealed`).
        let q = self.check_query_log().await?;
        findings.extend(q.problems.iter().map(|p| format!("query log: {p}")));
        let mut archive_files = 0u64;
        for address in self.archive.stored_addresses().await? {
            archive_files += 1;
            if let Err(e) = self.archive.get(&address).await {
                findings.push(format!("archive file {address}: {e}"));
            }
        }
        let mut backups = Vec::new();
        for dest in destinations {
            let c = self.check_backup(dest, identities, scratch).await;
            if let Some(problem) = &c.problem {
                findings.push(format!("backup {}: {problem}", c.destination));
            }
            backups.push(c);
        }
        let report = CheckReport {
            ledger_entries: v.report.entries,
            ledger_intact: v.is_intact(),
            projections_match: p.matches(),
            archive_files,
            backups,
            findings,
            seconds: started.elapsed().as_secs_f64(),
        };
        let detail = format!(
            "entries={} ledger={} projections={} archive_files={} backups={} findings={}{}",
            report.ledger_entries,
            if report.ledger_intact {
                "intact"
            } else {
                "NOT INTACT"
            },
            if report.projections_match {
                "match"
            } else {
                "DIFFER"
            },
            report.archive_files,
            report
                .backups
                .iter()
                .map(|b| format!(
                    "{}:{}",
                    b.destination,
                    if b.problem.is_none() { "ok" } else { "PROBLEM" }
                ))
                .collect::<Vec<_>>()
                .join(","),
            report.findings.len(),
            report
                .findings
                .first()
                .map(|f| format!(" first: {f}"))
                .unwrap_or_default()
        );
        let ev = AuditEvent::new("sirm", "check", CHECK_EVENT).long();
        let ev = if report.is_clean() {
            ev.success(detail)
        } else {
            ev.failure(detail)
        };
        let draft = self.audit_draft(ev)?;
        self.append(vec![draft]).await?;
        Ok(report)
    }

    async fn check_backup(
        &self,
        dest: &Destination,
        identities: Option<&[age::x25519::Identity]>,
        scratch: Option<&Path>,
    ) -> BackupCheck {
        let mut c = BackupCheck {
            destination: dest.name.clone(),
            manifest: None,
            tree_size: 0,
            behind: 0,
            increments: 0,
            bytes: 0,
            restored: false,
            problem: None,
        };
        if let Err(e) = self
            .check_backup_inner(dest, identities, scratch, &mut c)
            .await
        {
            c.problem = Some(e.to_string());
        }
        c
    }

    async fn check_backup_inner(
        &self,
        dest: &Destination,
        identities: Option<&[age::x25519::Identity]>,
        scratch: Option<&Path>,
        c: &mut BackupCheck,
    ) -> Result<(), AppError> {
        let names = dest.manifest_names().await?;
        let name = names.last().ok_or_else(|| dest.err("holds no backup"))?;
        let m = dest.manifest(name).await?;
        m.verify(name, &self.public_key)?;
        c.manifest = Some(name.clone());
        c.tree_size = m.tree_size;
        c.increments = m.increments.len();
        let live = self
            .store
            .head()
            .await?
            .map_or(0, |h| h.checkpoint.tree_size);
        c.behind = live.saturating_sub(m.tree_size);
        let ours = self.store.checkpoint_at(m.tree_size).await?;
        if ours
            .map(|(cp, _)| hex::encode(cp.checkpoint.root))
            .as_deref()
            != Some(m.root.as_str())
        {
            return Err(super::BackupError::Diverged(format!(
                "its root at entry {} is not this ledger's root there",
                m.tree_size
            ))
            .into());
        }
        for inc in &m.increments {
            let bytes = dest.get(&inc.object).await?;
            c.bytes += bytes.len() as u64;
            if hex::encode(Sha256::digest(&bytes)) != inc.sha256 {
                return Err(super::BackupError::Increment {
                    object: inc.object.clone(),
                    reason: "content does not match the manifest's SHA-256: corrupted or truncated"
                        .into(),
                }
                .into());
            }
        }
        if let Some(ids) = identities {
            let base = scratch
                .map(Path::to_path_buf)
                .unwrap_or_else(std::env::temp_dir);
            let tmp = tempfile::Builder::new()
                .prefix("sirm-check-")
                .tempdir_in(&base)
                .map_err(|e| super::BackupError::Io(format!("{}: {e}", base.display())))?;
            let report = super::restore(RestoreRequest {
                from: dest.clone(),
                target: OpenOptions::new(tmp.path().join("restored")),
                keys_dir: self.dir.root().join("keys"),
                identities: ids.to_vec(),
                at: None,
                published: None,
                accept_data_loss: false,
                successor_origin: None,
            })
            .await?;
            if report.root != m.root {
                return Err(super::BackupError::Diverged(
                    "the restored root differs from the manifest's".into(),
                )
                .into());
            }
            c.restored = true;
        }
        Ok(())
    }
}
