//! The entries a migration's approval writes, in one streamed transaction
//! after the decision: the `legacy.migrated` batch entry, then employer
//! registrations, person registrations (sealed under new data keys),
//! employment starts and ends, one `contribution.assessed` per person-month
//! computed by the rules engine from the declared wage, and one
//! `contribution.paid` per paid employer-month of the recomputed amounts.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use sirm_domain::records::{self, kind, EmploymentEnd, EmploymentStart, PersonRegistration};
use sirm_domain::rules::Month;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::read::{self, Export};
use super::{Archived, LegacyMigrated, LegacyMigration, KIND_MIGRATED};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::registration::{
    employer_draft, employment_end_draft, employment_start_draft, person_draft,
};
use crate::{AppError, Config, Sirm};

impl Sirm {
    /// The export of an application, read again from the archive and
    /// checked whole (the files must be the ones whose hashes the
    /// application names).
    pub(crate) async fn archived_export(&self, d: &LegacyMigration) -> Result<Export, AppError> {
        let archive = self.archive();
        let mut guards = Vec::new();
        let mut paths = BTreeMap::new();
        let m = archive.verified_path(&d.manifest_sha256).await?;
        paths.insert(read::MANIFEST.to_string(), m.path().to_path_buf());
        guards.push(m);
        for f in &d.files {
            let a = archive.verified_path(&f.sha256).await?;
            paths.insert(f.name.clone(), a.path().to_path_buf());
            guards.push(a);
        }
        let (today, now) = (crate::clock::today(), crate::clock::current_month());
        let src = Archived(paths);
        let read = tokio::task::spawn_blocking(move || read::read(&src, today, now))
            .await
            .map_err(|e| AppError::invalid("legacy", e))?;
        drop(guards);
        let export = read.map_err(|bad| refusal(&bad))?;
        if export.manifest_sha256 != d.manifest_sha256 || export.manifest.files != d.files {
            return Err(AppError::conflict_by(
                RuleId::ApplicationData,
                "the archived manifest is not the one of the application",
            ));
        }
        Ok(export)
    }

    /// Every check of the intake, again: the files, the installation, not migrated yet.
    pub(crate) async fn check_migration(
        &self,
        who: &Principal,
        d: &LegacyMigration,
    ) -> Result<Export, AppError> {
        self.refuse_migrated(&d.manifest_sha256).await?;
        let export = self.archived_export(d).await?;
        let bad = self.against_installation(who, &export).await?;
        if !bad.is_empty() {
            return Err(refusal(&bad));
        }
        Ok(export)
    }

    /// The approval's entries (see the module documentation).
    pub(crate) async fn migration_stream(
        &self,
        who: &Principal,
        d: &LegacyMigration,
        application: &str,
        actors: Vec<String>,
    ) -> Result<super::Drafts, AppError> {
        let export = self.check_migration(who, d).await?;
        let (discrepancies, bad) = self.legacy_discrepancies(&export).await?;
        if !bad.is_empty() {
            return Err(refusal(&bad));
        }
        let params = self.month_params(&export).await?;
        let vault = self.vault()?.clone();
        // Each person's data key (made now, or the one a killed earlier
        // approval made: never two keys for one person).
        let mut regs: Vec<PersonRegistration> = Vec::with_capacity(export.persons.len());
        for (_, p) in &export.persons {
            let pk = vault.person_key(&p.id);
            let dek = self.live_data_key(&pk, true).await?;
            regs.push(vault.seal_details(&dek, p)?);
        }
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let paid: BTreeSet<(usize, Month)> = export
            .months
            .iter()
            .filter(|m| m.paid_on.is_some())
            .map(|m| (m.employer, m.month))
            .collect();
        let rule_sets: BTreeSet<String> = params.values().map(|(_, n)| n.clone()).collect();
        let actor = who.username.clone();
        let cfg = &self.config;
        let mut head = vec![draft(
            cfg,
            Stream::Business,
            KIND_MIGRATED,
            super::subject_of(&d.manifest_sha256),
            &actor,
            &LegacyMigrated {
                manifest_sha256: d.manifest_sha256.clone(),
                source_system: d.source_system.clone(),
                exported_on: d.exported_on,
                files: d.files.clone(),
                rule_sets: rule_sets.into_iter().collect(),
                employers: count(export.employers.len()),
                persons: count(export.persons.len()),
                employments: count(export.jobs.len()),
                contribution_months: count(export.months.len()),
                payments: count(paid.len()),
                discrepancy_count: count(discrepancies.len()),
                discrepancies: discrepancies
                    .into_iter()
                    .take(super::KEEP_DISCREPANCIES)
                    .collect(),
            },
        )?];
        for (_, e) in &export.employers {
            head.push(employer_draft(cfg, &actor, e)?);
        }
        for r in &regs {
            head.push(person_draft(cfg, &actor, r)?);
        }
        for j in &export.jobs {
            let id = regs[j.person].id.clone();
            let credit_code = export.employers[j.employer].1.credit_code.clone();
            head.push(employment_start_draft(
                cfg,
                &actor,
                &EmploymentStart {
                    id: id.clone(),
                    credit_code: credit_code.clone(),
                    start_on: j.start_on,
                },
            )?);
            if let Some(end_on) = j.end_on {
                head.push(employment_end_draft(
                    cfg,
                    &actor,
                    &EmploymentEnd {
                        id,
                        credit_code,
                        end_on,
                        reason: j.end_reason.clone(),
                    },
                )?);
            }
        }
        let stamp = Stamp {
            application: application.to_string(),
            actors,
        };
        let head: Vec<_> = head.into_iter().map(|d| Ok(stamp.on(d))).collect();
        let tail = Tail {
            cfg: cfg.clone(),
            actor,
            stamp,
            keys: regs.into_iter().map(|r| r.id).collect(),
            export,
            params,
            next: 0,
            due: BTreeMap::new(),
            payments: None,
        };
        Ok(Box::new(head.into_iter().chain(tail)))
    }
}

/// The refusal of an export with bad rows (at approval: the files or the
/// installation changed since the intake).
pub(crate) fn refusal(bad: &[super::BadRow]) -> AppError {
    let mut text = format!("{} problem(s), nothing migrated: ", bad.len());
    for (i, b) in bad.iter().take(50).enumerate() {
        if i > 0 {
            text.push_str("; ");
        }
        text.push_str(&b.to_string());
    }
    if bad.len() > 50 {
        text.push_str(&format!("; … and {} more", bad.len() - 50));
    }
    AppError::invalid_by("file", RuleId::ApplicationData, text)
}

struct Stamp {
    application: String,
    actors: Vec<String>,
}

impl Stamp {
    fn on(&self, mut d: EntryDraft) -> EntryDraft {
        d.application = Some(self.application.clone());
        d.actors = self.actors.clone();
        d
    }
}

/// The person-months, computed one at a time, then the payments.
struct Tail {
    cfg: Config,
    actor: String,
    stamp: Stamp,
    keys: Vec<sirm_domain::id::PersonKey>,
    export: Export,
    params: BTreeMap<Month, (sirm_domain::rules::ruleset::Params, String)>,
    next: usize,
    /// (employer, month) → (paid on, total due) of the paid employer-months.
    due: BTreeMap<(usize, Month), (chrono::NaiveDate, Decimal)>,
    payments:
        Option<std::collections::btree_map::IntoIter<(usize, Month), (chrono::NaiveDate, Decimal)>>,
}

impl Tail {
    fn month(&mut self, i: usize) -> Result<EntryDraft, String> {
        let m = &self.export.months[i];
        let (p, _) = self
            .params
            .get(&m.month)
            .ok_or_else(|| format!("{} line {}: no rule set", read::CONTRIBUTIONS, m.line))?;
        let employer = &self.export.employers[m.employer].1;
        let result = sirm_domain::rules::engine::month(p, m.declared_wage, employer.industry_class)
            .map_err(|e| format!("{} line {}: {e}", read::CONTRIBUTIONS, m.line))?;
        if let Some(on) = m.paid_on {
            let cell = self
                .due
                .entry((m.employer, m.month))
                .or_insert((on, Decimal::ZERO));
            cell.1 += result.amounts.total();
        }
        let id = &self.keys[m.person];
        draft(
            &self.cfg,
            Stream::Business,
            kind::CONTRIBUTION_ASSESSED,
            records::person_subject(id),
            &self.actor,
            &records::ContributionAssessed {
                id: id.clone(),
                credit_code: employer.credit_code.clone(),
                month: m.month,
                result,
            },
        )
        .map_err(|e| e.to_string())
    }
}

impl Iterator for Tail {
    type Item = Result<EntryDraft, sirm_store::StoreError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.next < self.export.months.len() {
            let i = self.next;
            self.next += 1;
            return Some(
                self.month(i)
                    .map(|d| self.stamp.on(d))
                    .map_err(sirm_store::StoreError::Inconsistent),
            );
        }
        let payments = self
            .payments
            .get_or_insert_with(|| std::mem::take(&mut self.due).into_iter());
        let ((employer, month), (paid_on, amount)) = payments.next()?;
        let code = self.export.employers[employer].1.credit_code.clone();
        Some(
            draft(
                &self.cfg,
                Stream::Business,
                kind::CONTRIBUTION_PAID,
                records::employer_subject(&code),
                &self.actor,
                &records::ContributionPaid {
                    credit_code: code,
                    month,
                    paid_on,
                    amount,
                },
            )
            .map(|d| self.stamp.on(d))
            .map_err(|e| sirm_store::StoreError::Inconsistent(e.to_string())),
        )
    }
}
