//! Cross-checking with other departments (信息比对, Art 5): a department's
//! file is read (`file.rs`), archived as the original material and recorded
//! in the ledger with its hash, department and row count
//! (`crosscheck.imported`); each row is matched to the record
//! (`matching.rs`) and every difference not recorded before becomes a
//! `crosscheck.discrepancy` in the maintenance officer's queue, with its
//! evidence and a proposed application. The officer accepts (the prepared
//! application is submitted and runs the review chain), dismisses with a
//! reason, or asks the employer or person (`crosscheck.resolved`), who
//! answers in the portal (`questions.rs`, `crosscheck.answered`). Nothing
//! here changes a record: only the review chain does.
//!
//! A discrepancy's id is its identity — kind, subject and the month or
//! fact — so a file imported again records no discrepancy twice.

pub mod file;
mod matching;
mod questions;
pub(crate) mod workbook;

use std::collections::HashSet;
use std::path::Path;

use rand::RngCore;
use serde::Serialize;
use sha2::Digest;
use sirm_domain::access::Permission;
use sirm_domain::records::crosscheck::FileKind;
use sirm_domain::records::{
    self, kind, CrosscheckDiscrepancy, CrosscheckImported, CrosscheckResolved, DiscrepancyKind,
    Material, Proposal, RejectedLine, Resolution,
};
use sirm_domain::RuleId;
use sirm_ledger::Stream;
pub use sirm_store::{CrosscheckImportRow, DiscrepancyRow};

use crate::collection::BusinessType;
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

pub use matching::{Finding, Phases};

/// What an import did.
#[derive(Clone, Debug, Serialize)]
pub struct ImportReport {
    pub import_id: String,
    pub kind: FileKind,
    pub file_sha256: String,
    pub rows: u64,
    pub accepted: u64,
    pub rejected_count: u64,
    pub rejected: Vec<RejectedLine>,
    /// New discrepancies recorded.
    pub discrepancies: u64,
    /// Discrepancies found again, already recorded before.
    pub known: u64,
    /// Time spent in each phase, for profiling (not reported).
    #[serde(skip)]
    pub phases: Phases,
}

/// The identity of a discrepancy: kind, subject and the month or fact.
pub fn discrepancy_id(kind: DiscrepancyKind, subject: &str, fact: &str) -> String {
    let h = sha2::Sha256::digest(format!("{}\n{subject}\n{fact}", kind.as_str()).as_bytes());
    format!("XD-{}", hex::encode(&h[..10]))
}

/// The media types a department file is archived under.
const CSV: &str = "text/csv";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl Sirm {
    /// Take in a department file of `kind` (XLSX or UTF-8 CSV, docs/crosscheck.md):
    /// read it (refused whole for a bad header or encoding; bad rows
    /// listed), archive it, match every good row against the record, and
    /// append the import with its new discrepancies in one transaction.
    pub async fn import_crosscheck(
        &self,
        who: &Principal,
        kind: FileKind,
        name: &str,
        path: &Path,
    ) -> Result<ImportReport, AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        self.refresh_aliases().await?;
        let workbook = file::is_workbook(path)?;
        if !workbook && name.to_ascii_lowercase().ends_with(".xls") {
            return Err(AppError::invalid_by(
                "file",
                RuleId::CrosscheckEncoding,
                format!("{kind} files are read as XLSX or UTF-8 CSV: save the old .xls workbook as .xlsx"),
            ));
        }
        let mut t = std::time::Instant::now();
        let p = path.to_path_buf();
        let src = file::XlsxSource {
            limits: crate::collection::xlsx::XlsxLimits::from_config(&self.config.limits),
            archive: self.archive(),
        };
        let read = tokio::task::spawn_blocking(move || file::read(&p, kind, &src))
            .await
            .map_err(|e| AppError::invalid_by("file", RuleId::CrosscheckRow, e))??;
        let read_time = t.elapsed();
        t = std::time::Instant::now();
        // The file is sealed into the archive while its rows are matched.
        let archive = self.archive();
        let (ext, media) = if workbook {
            ("xlsx", XLSX)
        } else {
            ("csv", CSV)
        };
        let (archived_as, src) = (format!("crosscheck-{kind}.{ext}"), path.to_path_buf());
        let archiving =
            tokio::spawn(async move { archive.put_file(&archived_as, &src, media).await });
        let ((found, mut phases), known_ids) =
            tokio::try_join!(matching::findings(self, kind, &read.rows), async {
                Ok::<_, AppError>(self.store.discrepancy_ids().await?)
            },)?;
        phases.insert(0, ("file read", read_time));
        phases.push(("matching in all", t.elapsed()));
        t = std::time::Instant::now();
        let material = archiving
            .await
            .map_err(|e| AppError::invalid_by("file", RuleId::CrosscheckRow, e))??;
        phases.push(("archive waited for", t.elapsed()));
        t = std::time::Instant::now();
        let mut raw = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let import_id = format!("XI-{}", hex::encode(raw));
        let mut fresh: HashSet<String> = HashSet::new();
        let mut drafts = Vec::with_capacity(found.len() + 1);
        let mut known = 0u64;
        for f in found {
            let id = discrepancy_id(f.kind, &f.subject, &f.fact);
            if known_ids.contains(&id) {
                known += 1;
                continue;
            }
            if !fresh.insert(id.clone()) {
                continue;
            }
            drafts.push(draft(
                &self.config,
                Stream::Business,
                kind::CROSSCHECK_DISCREPANCY,
                f.subject.clone(),
                &who.username,
                &CrosscheckDiscrepancy {
                    discrepancy_id: id,
                    import_id: import_id.clone(),
                    kind: f.kind,
                    subject: f.subject,
                    fact: f.fact,
                    evidence: f.evidence,
                    proposal: f.proposal,
                },
            )?);
        }
        let imported = CrosscheckImported {
            import_id: import_id.clone(),
            kind,
            department: kind.department_zh().to_string(),
            file_sha256: material.sha256.clone(),
            size: material.size,
            rows: read.total,
            accepted: read.rows.len() as u64,
            rejected_count: read.rejected_count,
            rejected: read.rejected.clone(),
            discrepancies: drafts.len() as u64,
            known,
            media_type: workbook.then(|| XLSX.to_string()),
        };
        drafts.insert(
            0,
            draft(
                &self.config,
                Stream::Business,
                kind::CROSSCHECK_IMPORTED,
                format!("crosscheck:{import_id}"),
                &who.username,
                &imported,
            )?,
        );
        phases.push(("entries built", t.elapsed()));
        t = std::time::Instant::now();
        self.append_stream_with(drafts.into_iter().map(Ok), None)
            .await?;
        phases.push(("appended and projected", t.elapsed()));
        tracing::debug!(?phases, rows = imported.rows, "cross-check file imported");
        Ok(ImportReport {
            import_id,
            kind,
            file_sha256: material.sha256,
            rows: imported.rows,
            accepted: imported.accepted,
            rejected_count: imported.rejected_count,
            rejected: imported.rejected,
            discrepancies: imported.discrepancies,
            known,
            phases,
        })
    }

    /// The maintenance officer's queue: discrepancies of a status (`open`
    /// by default), oldest first.
    pub async fn discrepancies(
        &self,
        who: &Principal,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DiscrepancyRow>, AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        // The installation's department files are its own agency's: staff
        // of another agency see none of them.
        if who.agency != self.config.agency_code {
            return Ok(Vec::new());
        }
        Ok(self.store.discrepancies(status, limit).await?)
    }

    /// The department files taken in, newest first.
    pub async fn crosscheck_imports(
        &self,
        who: &Principal,
        limit: i64,
    ) -> Result<Vec<CrosscheckImportRow>, AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        if who.agency != self.config.agency_code {
            return Ok(Vec::new());
        }
        Ok(self.store.crosscheck_imports(limit).await?)
    }

    /// Resolve an open discrepancy. Accepting submits its proposed
    /// application (taken by the maintenance officer, the department's
    /// file as its material) in the same append as the resolution, and
    /// returns the application's id; dismissing or asking needs a reason.
    pub async fn resolve_discrepancy(
        &self,
        who: &Principal,
        id: &str,
        resolution: Resolution,
        reason: &str,
    ) -> Result<Option<String>, AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        // Another agency's discrepancy is "not found", like a missing one.
        let row = self
            .store
            .discrepancy(id)
            .await?
            .filter(|_| who.agency == self.config.agency_code)
            .ok_or_else(|| {
                AppError::not_found(RuleId::NotFoundDiscrepancy, format!("discrepancy {id}"))
            })?;
        // Open, or answered by the employer or person asked.
        if row.status != "open" && row.status != "answered" {
            return Err(AppError::conflict_by(
                RuleId::CrosscheckResolved,
                format!("discrepancy {id} is already {}", row.status),
            ));
        }
        let reason = reason.trim();
        // A reason is required to dismiss or ask, optional to accept.
        if resolution != Resolution::Accepted || !reason.is_empty() {
            records::check_text("reason", reason, 400).map_err(AppError::invalid_record)?;
        }
        let mut drafts = Vec::new();
        let mut application_id = None;
        if resolution == Resolution::Accepted {
            let proposal: Proposal = match &row.proposal {
                Some(p) => serde_json::from_str(p)
                    .map_err(|e| AppError::invalid_by("proposal", RuleId::ApplicationData, e))?,
                None => {
                    return Err(AppError::conflict_by(
                        RuleId::CrosscheckResolved,
                        format!("discrepancy {id} has no proposed application: dismiss it or ask"),
                    ))
                }
            };
            let bt: BusinessType = proposal.business_type.parse()?;
            let subject = crate::collection::validate_business(self, who, bt, &proposal.data)
                .await?
                .subject;
            self.refuse_open_duplicate(who, &subject).await?;
            let import = self.store.crosscheck_import(&row.import_id).await?;
            let material = self
                .import_material(&row.import_id, import.as_ref())
                .await?;
            let mut raw = [0u8; 8];
            rand::rngs::OsRng.fill_bytes(&mut raw);
            let app = format!("AP-{}", hex::encode(raw));
            drafts.push(self.submission_draft(
                who,
                bt,
                &app,
                subject,
                proposal.data,
                vec![material],
                &[],
            )?);
            application_id = Some(app);
        }
        drafts.push(draft(
            &self.config,
            Stream::Business,
            kind::CROSSCHECK_RESOLVED,
            row.subject.clone(),
            &who.username,
            &CrosscheckResolved {
                discrepancy_id: id.to_string(),
                resolution,
                reason: reason.to_string(),
                application_id: application_id.clone(),
                addressee: (resolution == Resolution::Asked)
                    .then(|| questions::addressee_of(&row))
                    .flatten(),
            },
        )?);
        // Two officers resolving it at once: the second finds it moved on.
        let expect = sirm_store::Expect::DiscrepancyAt {
            id: id.to_string(),
            status: row.status.clone(),
            resolved_seq: row.resolved_seq,
        };
        self.append_with(drafts, Some(expect)).await?;
        Ok(application_id)
    }

    /// The archived department file of an import, as an application's material.
    async fn import_material(
        &self,
        import_id: &str,
        import: Option<&CrosscheckImportRow>,
    ) -> Result<Material, AppError> {
        let i = import.ok_or_else(|| {
            AppError::not_found(RuleId::NotFoundMaterial, format!("import {import_id}"))
        })?;
        let entry = self
            .store
            .entry(u64::try_from(i.seq).unwrap_or(0))
            .await?
            .ok_or_else(|| {
                AppError::not_found(RuleId::NotFoundMaterial, format!("import {import_id}"))
            })?;
        let p: CrosscheckImported = serde_json::from_str(&entry.payload)
            .map_err(|e| AppError::invalid_by("import", RuleId::ApplicationData, e))?;
        let media_type = p.media_type.unwrap_or_else(|| CSV.into());
        let ext = if media_type == XLSX { "xlsx" } else { "csv" };
        Ok(Material {
            sha256: p.file_sha256,
            name: format!("crosscheck-{}.{ext}", p.kind),
            media_type,
            size: p.size,
        })
    }
}
