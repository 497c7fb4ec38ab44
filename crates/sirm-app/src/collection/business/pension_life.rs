//! The pension's whole life after the grant: resumption after a
//! suspension (待遇恢复发放), the yearly adjustment as one reviewed batch
//! (基本养老金年度调整), and the death of an insured person or pensioner
//! (死亡待遇结算: payments end, those made after death are recovered, the
//! funeral grant and survivors' compensation from the rule set, the
//! personal account balance to the heirs).

use chrono::Datelike;
use rust_decimal::Decimal;
use sirm_domain::records::{
    self, kind, BenefitResumption, DeathRecorded, DeathReport, PensionAdjusted,
    PensionAdjustmentRun,
};
use sirm_domain::rules::{benefits, death, Month};
use sirm_domain::status::BenefitStatus;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::{Business, DraftStream};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// 待遇恢复发放: a suspended benefit paid again from the grant in force.
pub(crate) struct Resume;

impl Business for Resume {
    const NAME_ZH: &'static str = "待遇恢复发放";
    type Data = BenefitResumption;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("effective_on", d.effective_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, r: &BenefitResumption) -> Result<(), AppError> {
        sirm.person_of_agency(who, &r.id).await?;
        records::check_text("reason", &r.reason, 400).map_err(AppError::invalid_record)?;
        match sirm.store.benefit_of(r.id.as_str()).await? {
            None => Err(AppError::not_found(
                RuleId::NotFoundBenefit,
                format!("a benefit of {}", r.id.short()),
            )),
            Some((BenefitStatus::Suspended, ..)) => Ok(()),
            Some((status, ..)) => Err(AppError::conflict_by(
                RuleId::BenefitNotSuspended,
                format!("the benefit of {} is {status}, not suspended", r.id.short()),
            )),
        }
    }

    async fn drafts(
        sirm: &Sirm,
        r: &BenefitResumption,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let subject = records::person_subject(&r.id);
        let grant = sirm
            .store
            .subject_entries_of_kinds(&subject, &[kind::BENEFIT_GRANTED, kind::BENEFIT_RECOMPUTED])
            .await?
            .into_iter()
            .map(|e| e.seq)
            .max()
            .ok_or_else(|| {
                AppError::not_found(
                    RuleId::NotFoundBenefit,
                    format!("a benefit.granted entry of {}", r.id.short()),
                )
            })?;
        let mut resumed = r.clone();
        resumed.granted_seq = Some(u64::try_from(grant).unwrap_or(0));
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::BENEFIT_RESUMED,
            subject,
            actor,
            &resumed,
        )?])
    }
}

/// 基本养老金年度调整: every pensioner of the agency whose benefit started
/// before the year, adjusted by the year's regional formula (rule set
/// `pension_adjustment`), as one batch: computed for the reviewers
/// ([`Sirm::pension_adjustment_preview`]), streamed at approval. Once per
/// year.
pub(crate) struct Adjust;

impl Business for Adjust {
    const NAME_ZH: &'static str = "基本养老金年度调整";
    type Data = PensionAdjustmentRun;

    async fn check(sirm: &Sirm, who: &Principal, r: &PensionAdjustmentRun) -> Result<(), AppError> {
        let this_year = crate::clock::today().year();
        if r.year > this_year {
            return Err(AppError::invalid_by(
                "year",
                RuleId::DateFuture,
                format!("{} is after this year", r.year),
            ));
        }
        if sirm.store.adjusted_in(&who.agency, r.year).await? > 0 {
            return Err(AppError::conflict_by(
                RuleId::AdjustmentYearDone,
                format!("year: pensions for {} are already adjusted", r.year),
            ));
        }
        adjustment_of_year(sirm, r.year).await?;
        Ok(())
    }

    /// Streamed at approval (see [`Business::on_approval`]).
    async fn drafts(
        _: &Sirm,
        _: &PensionAdjustmentRun,
        _: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![])
    }

    fn subject(r: &PensionAdjustmentRun, _: &[EntryDraft]) -> String {
        format!("declaration:pension-adjustment:{}", r.year)
    }

    async fn on_approval(
        sirm: &Sirm,
        who: &Principal,
        r: &PensionAdjustmentRun,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Option<DraftStream>, AppError> {
        if sirm.store.adjusted_in(&who.agency, r.year).await? > 0 {
            return Err(AppError::conflict_by(
                RuleId::AdjustmentYearDone,
                format!("year: pensions for {} are already adjusted", r.year),
            ));
        }
        let lines = adjustment_lines(sirm, &who.agency, r.year).await?;
        let config = sirm.config.clone();
        let application = application.to_string();
        Ok(Some(Box::new(lines.into_iter().map(move |a| {
            let subject = records::person_subject(&a.id);
            let mut d = draft(
                &config,
                Stream::Business,
                kind::BENEFIT_ADJUSTED,
                subject,
                "sirm",
                &a,
            )
            .map_err(|e| sirm_store::StoreError::Inconsistent(e.to_string()))?;
            d.application = Some(application.clone());
            d.actors = actors.clone();
            Ok(d)
        }))))
    }
}

/// The year's rule set and adjustment formula.
async fn adjustment_of_year(
    sirm: &Sirm,
    year: i32,
) -> Result<
    (
        sirm_domain::rules::Params,
        sirm_domain::rules::ruleset::PensionAdjustment,
    ),
    AppError,
> {
    let set = sirm.rules_for_year(year).await?;
    let params = set
        .year(year)
        .map_err(|e| AppError::invalid_by("year", RuleId::RuleSetMissing, e))?
        .clone();
    let adj = params.benefits.pension_adjustment.clone().ok_or_else(|| {
        AppError::invalid_by(
            "year",
            RuleId::RuleSetMissing,
            format!("{} has no pension_adjustment for {year}", set.reference()),
        )
    })?;
    Ok((params, adj))
}

/// Every pensioner's increase for `year`, by person: the pension before
/// (the grant's total, or the last adjustment's new pension of the same
/// grant), whole contribution years, the age reached in the year.
pub(crate) async fn adjustment_lines(
    sirm: &Sirm,
    agency: &str,
    year: i32,
) -> Result<Vec<PensionAdjusted>, AppError> {
    let (params, adj) = adjustment_of_year(sirm, year).await?;
    let bases = sirm.store.adjustment_bases(agency, year).await?;
    if bases.is_empty() {
        return Err(AppError::not_found(
            RuleId::NotFoundBenefit,
            format!("a pension granted before {year}"),
        ));
    }
    let rule_set = params.rule_set.to_string();
    let twelve = Decimal::from(12u32);
    let mut out = Vec::with_capacity(bases.len());
    for b in bases {
        let id: sirm_domain::id::PersonKey = b
            .person_id
            .parse()
            .map_err(|e| AppError::invalid("person_id", e))?;
        let before = b.last_pension.unwrap_or(b.total);
        let months = u32::try_from(b.contribution_months).unwrap_or(0);
        let age = u32::try_from(year - b.birth_date.year()).unwrap_or(0);
        let result = benefits::pension_adjustment(
            params.rounding.amount,
            before,
            Decimal::from(months) / twelve,
            age,
            &adj,
        )
        .map_err(|e| AppError::invalid("pension", e))?;
        out.push(PensionAdjusted {
            id,
            year,
            granted_seq: u64::try_from(b.granted_seq).unwrap_or(0),
            pension_before: before,
            contribution_months: months,
            age,
            result,
            rule_set: rule_set.clone(),
        });
    }
    Ok(out)
}

/// 参保人员死亡待遇结算: the death of an insured person or pensioner (not
/// from work injury; named `benefit.death`, apart from a person's
/// de-registration).
pub(crate) struct Death;

impl Business for Death {
    const NAME_ZH: &'static str = "参保人员死亡待遇结算";
    type Data = DeathReport;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("died_on", d.died_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, d: &DeathReport) -> Result<(), AppError> {
        let person = sirm.person_of_agency(who, &d.id).await?;
        records::check_text("source", &d.source, 200).map_err(AppError::invalid_record)?;
        if d.died_on < person.registered_on {
            return Err(AppError::invalid_by(
                "died_on",
                RuleId::DeathBeforeRegistration,
                format!(
                    "{} is before the person's registration ({})",
                    d.died_on, person.registered_on
                ),
            ));
        }
        if sirm.store.death_of(d.id.as_str()).await?.is_some() {
            return Err(AppError::conflict_by(
                RuleId::DeathRecorded,
                format!("the death of {} is recorded already", d.id.short()),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        d: &DeathReport,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let recorded = compute_death(sirm, d).await?;
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::BENEFIT_DEATH,
            records::person_subject(&d.id),
            actor,
            &recorded,
        )?])
    }
}

/// What a death settles, from the record and the rule set in force for
/// the month of death.
pub(crate) async fn compute_death(sirm: &Sirm, d: &DeathReport) -> Result<DeathRecorded, AppError> {
    let pid = d.id.as_str();
    let month = Month::of_date(d.died_on);
    let set = sirm.rules_for_month(month).await?;
    let params = set
        .year(month.year())
        .map_err(|e| AppError::invalid("died_on", e))?;
    let missing = |key: &str| {
        AppError::invalid_by(
            "rule_set",
            RuleId::RuleSetMissing,
            format!("{} has no {key} for {}", set.reference(), month.year()),
        )
    };
    let funeral = params
        .benefits
        .funeral_grant
        .ok_or_else(|| missing("funeral_grant"))?;
    let survivor_months = params
        .benefits
        .survivor_months
        .ok_or_else(|| missing("survivor_months"))?;
    let benefit = sirm.store.benefit_row(pid).await?;
    let mut payments: Vec<(Month, Decimal)> = sirm
        .store
        .benefit_payments_of(pid)
        .await?
        .into_iter()
        .map(|p| (p.month, p.amount))
        .collect();
    let pension_months_due = payments.iter().filter(|(m, _)| *m <= month).count() as u32;
    payments.extend(
        sirm.store
            .unemployment_payments_of(pid)
            .await?
            .into_iter()
            .map(|p| (p.month, p.amount)),
    );
    let over = records::crosscheck::overpaid_after(d.died_on, &payments);
    let balance = sirm
        .store
        .account_years_of(pid)
        .await?
        .last()
        .map(|y| y.closing_balance)
        .unwrap_or_default();
    let (survivor_base, monthly_account) = match &benefit {
        Some(b) => {
            let last = sirm
                .store
                .adjustments_of(pid)
                .await?
                .into_iter()
                .rfind(|a| a.granted_seq == b.seq && a.year <= i64::from(month.year()))
                .map(|a| a.new_pension);
            (last.unwrap_or(b.total), b.account)
        }
        None => (
            params.avg_wage.ok_or_else(|| missing("avg_wage"))?,
            Decimal::ZERO,
        ),
    };
    let settlement = death::death_settlement(
        params.rounding.amount,
        &death::DeathInputs {
            funeral_grant: funeral,
            survivor_months,
            survivor_base,
            recovered_months: over.months,
            recovered: over.total,
            account_balance: balance,
            months_paid_due: if benefit.is_some() {
                pension_months_due
            } else {
                0
            },
            monthly_account_pension: monthly_account,
        },
    )
    .map_err(|e| AppError::invalid("died_on", e))?;
    let claim = super::unemployment::open_claim(sirm, &d.id).await?;
    Ok(DeathRecorded {
        report: d.clone(),
        pensioner: benefit.is_some(),
        claim_seq: claim.map(|c| u64::try_from(c.seq).unwrap_or(0)),
        settlement,
        rule_set: params.rule_set.to_string(),
    })
}

/// One line of the yearly adjustment as the reviewers see it before
/// approval (and as its CSV lists it).
#[derive(Clone, Debug, serde::Serialize)]
pub struct AdjustmentPreviewLine {
    /// The person's short blind index (never the ID number).
    pub person: String,
    pub pension_before: Decimal,
    pub contribution_years: u32,
    pub age: u32,
    pub fixed: Decimal,
    pub by_percent: Decimal,
    pub by_years: Decimal,
    pub age_bonus: Decimal,
    pub increase: Decimal,
    pub new_pension: Decimal,
}

impl Sirm {
    /// Every pensioner's increase for `year` as the batch would write it:
    /// what the reviewers check before approving `benefit.adjust`.
    pub async fn pension_adjustment_preview(
        &self,
        who: &Principal,
        year: i32,
    ) -> Result<Vec<AdjustmentPreviewLine>, AppError> {
        use sirm_domain::access::Permission;
        // The clerk who files the run and every reviewer along the chain.
        let p = [
            Permission::RecordCollect,
            Permission::RecordReview,
            Permission::RecordRecheck,
            Permission::RecordApprove,
        ]
        .into_iter()
        .find(|p| who.may(*p))
        .unwrap_or(Permission::RecordReview);
        self.authorize(who, p).await?;
        Ok(adjustment_lines(self, &who.agency, year)
            .await?
            .into_iter()
            .map(|a| AdjustmentPreviewLine {
                person: a.id.short(),
                pension_before: a.pension_before,
                contribution_years: a.result.whole_years,
                age: a.age,
                fixed: a.result.fixed,
                by_percent: a.result.by_percent,
                by_years: a.result.by_years,
                age_bonus: a.result.age_bonus,
                increase: a.result.increase,
                new_pension: a.result.new_pension,
            })
            .collect())
    }
}

/// An adjustment row with its ledger entry (if the entry exists).
pub(crate) type AdjustmentWithEntry = (
    sirm_store::PensionAdjustmentRow,
    Option<sirm_store::StoredRow>,
);

/// The yearly adjustments in force for `month` of each pensioner of
/// `agency` (years up to the month's), with their ledger entries, by
/// person.
pub(crate) async fn adjustments_in_force(
    sirm: &Sirm,
    agency: &str,
    month: Month,
) -> Result<std::collections::HashMap<String, Vec<AdjustmentWithEntry>>, AppError> {
    let rows = sirm.store.adjustments_upto(agency, month.year()).await?;
    let seqs: Vec<u64> = rows
        .iter()
        .map(|a| u64::try_from(a.seq).unwrap_or(0))
        .collect();
    let mut entries: std::collections::HashMap<i64, sirm_store::StoredRow> = sirm
        .store
        .entries_by_seq(&seqs)
        .await?
        .into_iter()
        .map(|r| (r.seq, r))
        .collect();
    let mut out: std::collections::HashMap<String, Vec<_>> = std::collections::HashMap::new();
    for a in rows {
        // A missing entry is reported when the chain is checked.
        let e = entries.remove(&a.seq);
        out.entry(a.person_id.clone()).or_default().push((a, e));
    }
    Ok(out)
}

/// The monthly pension after the adjustments of the grant `granted_seq`
/// (whose total is `total`): each adjustment row's ledger entry re-hashed,
/// of this grant, its pension before equal to the previous pension, its
/// new pension equal to the row's. Rows of another grant (before a
/// recomputation) are skipped. A disagreement is the reason returned.
pub(crate) fn adjusted_pension(
    profile: sirm_ledger::CryptoProfile,
    granted_seq: u64,
    total: Decimal,
    chain: Vec<AdjustmentWithEntry>,
) -> Result<Decimal, String> {
    let mut pension = total;
    for (row, stored) in chain {
        if u64::try_from(row.granted_seq).ok() != Some(granted_seq) {
            continue;
        }
        let stored = stored.ok_or_else(|| format!("adjustment entry {} is missing", row.seq))?;
        let (entry, leaf) = stored
            .decode()
            .map_err(|e| format!("adjustment entry {} is unreadable: {e}", row.seq))?;
        if entry.leaf_hash(profile).as_slice() != leaf.as_slice() {
            return Err(format!(
                "adjustment entry {} does not match its recorded leaf hash",
                row.seq
            ));
        }
        let a: PensionAdjusted = (entry.kind == kind::BENEFIT_ADJUSTED)
            .then(|| serde_json::from_str(&entry.payload).ok())
            .flatten()
            .filter(|a: &PensionAdjusted| {
                a.granted_seq == granted_seq && i64::from(a.year) == row.year
            })
            .ok_or_else(|| {
                format!(
                    "entry {} is not this grant's benefit.adjusted for {}",
                    row.seq, row.year
                )
            })?;
        if a.pension_before != pension {
            return Err(format!(
                "the {} adjustment starts from {}, but the pension was {pension}",
                row.year, a.pension_before
            ));
        }
        if a.result.new_pension != row.new_pension {
            return Err(format!(
                "new_pension of {} is {} in the table, {} in the ledger",
                row.year, row.new_pension, a.result.new_pension
            ));
        }
        pension = a.result.new_pension;
    }
    Ok(pension)
}
