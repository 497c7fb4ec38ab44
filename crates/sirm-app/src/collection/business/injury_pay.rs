//! 工伤待遇月度发放: the monthly run of the work-injury items — the
//! disability allowance (伤残津贴: grades 1–4 paid by the fund; grades 5–6
//! recorded as the employer's to pay) and the dependents' pensions after a
//! death from a work injury (供养亲属抚恤金, paid by the fund) — through the
//! shared run driver of `runs.rs`.
//!
//! Whom to pay comes from the `claim_benefit` projection (monthly items of
//! the agency's persons whose first month has come); what to pay never
//! does: each item's grant entry (`injury.disability_granted` /
//! `injury.death_granted`) is read from the ledger, re-hashed against its
//! leaf hash and checked to be that person's, and a row that disagrees
//! refuses the whole run. A disability allowance is paid up to the month
//! of the person's death (a death recorded by `benefit.death` or an
//! `injury.death_granted`), never after.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sirm_domain::id::PersonKey;
use sirm_domain::records::{
    self, claim_kind, DeathGranted, DisabilityGranted, InjuryPaid, InjuryPaymentRun,
};
use sirm_domain::rules::Month;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};
use sirm_store::ClaimBenefitRow;

use crate::drafts::draft;
use crate::{AppError, Sirm};

/// The business type (`injury.payment_run`).
pub(crate) type PaymentRun = super::runs::Run<InjuryRun>;

pub(crate) struct InjuryRun;

/// The application subject of the run for a month.
fn run_subject(month: Month) -> String {
    format!(
        "declaration:{}:{month}",
        <InjuryRun as super::runs::MonthlyRun>::SUBJECT
    )
}

impl super::runs::MonthlyRun for InjuryRun {
    const NAME_ZH: &'static str = "工伤待遇月度发放";
    const SUBJECT: &'static str = "injury-payment";
    const WHAT: &'static str = "work-injury allowances and dependents' pensions";
    const NONE_PAYABLE: RuleId = RuleId::NotFoundClaim;
    const ONE_PAYABLE: &'static str = "a work-injury disability allowance or dependent's pension";
    type Data = InjuryPaymentRun;

    fn month(d: &InjuryPaymentRun) -> Month {
        d.month
    }

    /// A run of the month approved before (its entries and the decision
    /// are appended in one transaction).
    async fn paid_in(sirm: &Sirm, agency: &str, month: Month) -> Result<i64, AppError> {
        Ok(sirm
            .store
            .approved_with_subject(agency, &run_subject(month))
            .await?)
    }

    async fn any_payable(sirm: &Sirm, agency: &str, month: Month) -> Result<bool, AppError> {
        Ok(!due(sirm, agency, month).await?.is_empty())
    }

    async fn payments(
        sirm: &Sirm,
        agency: &str,
        month: Month,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Vec<EntryDraft>, AppError> {
        payment_drafts(sirm, agency, month, application, actors).await
    }
}

/// The monthly items of the agency due for `month`: first month come, and
/// a disability allowance only up to the month of the person's death.
pub(crate) async fn due(
    sirm: &Sirm,
    agency: &str,
    month: Month,
) -> Result<Vec<ClaimBenefitRow>, AppError> {
    let rows = sirm
        .store
        .due_injury_items(agency, &month.to_string())
        .await?;
    let mut died: HashMap<String, Option<NaiveDate>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if r.item == "disability_allowance" {
            if !died.contains_key(&r.person_id) {
                let id: PersonKey = r
                    .person_id
                    .parse()
                    .map_err(|e| AppError::invalid("person_id", e))?;
                let d = died_on(sirm, &id).await?;
                died.insert(r.person_id.clone(), d);
            }
            if let Some(Some(on)) = died.get(&r.person_id) {
                if Month::of_date(*on) < month {
                    continue;
                }
            }
        }
        out.push(r);
    }
    Ok(out)
}

/// The person's date of death, if recorded: `benefit.death` (the death
/// projection) or a death from a work injury (`injury.death_granted`).
async fn died_on(sirm: &Sirm, id: &PersonKey) -> Result<Option<NaiveDate>, AppError> {
    let mut dates = Vec::new();
    if let Some(d) = sirm.store.death_of(id.as_str()).await? {
        dates.push(d.died_on);
    }
    for row in sirm
        .store
        .subject_entries_of_kind(
            &records::person_subject(id),
            claim_kind::INJURY_DEATH_GRANTED,
            0,
        )
        .await?
    {
        if let Ok(g) = serde_json::from_str::<DeathGranted>(&row.payload) {
            dates.push(g.died_on);
        }
    }
    Ok(dates.into_iter().min())
}

/// What the grant entry says of one monthly item: amount, payer, first
/// month.
fn granted_item(
    kind: &str,
    payload: &str,
    item: &str,
    id: &PersonKey,
) -> Option<(Decimal, String, Month)> {
    match kind {
        claim_kind::INJURY_DISABILITY_GRANTED if item == "disability_allowance" => {
            let g: DisabilityGranted = serde_json::from_str(payload).ok()?;
            (g.id == *id && g.allowance_payer != "none").then(|| {
                (
                    g.monthly_allowance,
                    g.allowance_payer.clone(),
                    g.start_month,
                )
            })
        }
        claim_kind::INJURY_DEATH_GRANTED => {
            let g: DeathGranted = serde_json::from_str(payload).ok()?;
            let rest = item.strip_prefix("dependent_pension_")?;
            let (n, relation) = rest.split_once('_')?;
            let n: usize = n.parse().ok()?;
            let d = g.dependent_pensions.get(n.checked_sub(1)?)?;
            (g.id == *id && d.relation == relation).then(|| {
                (
                    d.monthly,
                    "fund".to_string(),
                    Month::of_date(g.died_on).add_months(1),
                )
            })
        }
        _ => None,
    }
}

/// One `injury.paid` entry per due item, its amount from the grant entry.
pub(crate) async fn payment_drafts(
    sirm: &Sirm,
    agency: &str,
    month: Month,
    application: &str,
    actors: Vec<String>,
) -> Result<Vec<EntryDraft>, AppError> {
    let items = due(sirm, agency, month).await?;
    let seqs: Vec<u64> = items
        .iter()
        .filter_map(|r| u64::try_from(r.seq).ok())
        .collect();
    let mut entries = HashMap::new();
    for row in sirm.store.entries_by_seq(&seqs).await? {
        entries.insert(row.seq, row);
    }
    let profile = sirm_ledger::CryptoProfile::from_name(&sirm.config.profile)?;
    let mut out = Vec::with_capacity(items.len());
    for r in items {
        let id: PersonKey = r
            .person_id
            .parse()
            .map_err(|e| AppError::invalid("person_id", e))?;
        let refuse = |what: String| {
            AppError::conflict(format!(
                "work-injury item {} of {} (entry {}): {what}; the claim table disagrees with the \
                 ledger, so nothing is paid — run `sirm verify`, then `sirm rebuild`, and approve again",
                r.item,
                id.short(),
                r.seq
            ))
        };
        let stored = entries
            .get(&r.seq)
            .cloned()
            .ok_or_else(|| refuse("no such ledger entry".into()))?;
        let (entry, leaf) = stored
            .decode()
            .map_err(|e| refuse(format!("the entry is unreadable: {e}")))?;
        if entry.leaf_hash(profile).as_slice() != leaf.as_slice() {
            return Err(refuse(
                "the entry does not match its recorded leaf hash".into(),
            ));
        }
        let subject = records::person_subject(&id);
        let (amount, payer, start) = (entry.subject == subject)
            .then(|| granted_item(&entry.kind, &entry.payload, &r.item, &id))
            .flatten()
            .ok_or_else(|| refuse("the entry is not this person's grant of the item".into()))?;
        if amount != r.amount || payer != r.payer || start.to_string() != r.start_month {
            return Err(refuse(format!(
                "{} from {} paid by {} in the table, {amount} from {start} paid by {payer} in the ledger",
                r.amount, r.start_month, r.payer
            )));
        }
        let credit_code = r
            .credit_code
            .parse()
            .map_err(|e| AppError::invalid("credit_code", e))?;
        let p = InjuryPaid {
            id: id.clone(),
            month,
            injury_date: r.claim_date,
            item: r.item.clone(),
            amount,
            payer,
            credit_code,
            granted_seq: entry.seq,
            rule_set: r.rule_set.clone(),
        };
        let mut d = draft(
            &sirm.config,
            Stream::Business,
            claim_kind::INJURY_PAID,
            subject,
            "sirm",
            &p,
        )?;
        d.application = Some(application.to_string());
        d.actors = actors.clone();
        out.push(d);
    }
    Ok(out)
}

/// A person's work-injury payments, from the ledger (`injury.paid` has no
/// projection table), by month.
pub(crate) async fn payments_of(sirm: &Sirm, id: &PersonKey) -> Result<Vec<InjuryPaid>, AppError> {
    let mut out: Vec<InjuryPaid> = sirm
        .store
        .subject_entries_of_kind(&records::person_subject(id), claim_kind::INJURY_PAID, 0)
        .await?
        .into_iter()
        .map(|row| {
            serde_json::from_str(&row.payload).map_err(|e| {
                AppError::conflict(format!("entry {} is not an injury.paid: {e}", row.seq))
            })
        })
        .collect::<Result<_, _>>()?;
    out.sort_by(|a, b| (a.month, &a.item).cmp(&(b.month, &b.item)));
    Ok(out)
}
