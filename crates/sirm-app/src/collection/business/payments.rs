//! Payments: contributions received (缴费到账确认) and the monthly benefit
//! payment run (月度待遇发放), whose amounts come from the ledger's grants.

use sirm_domain::records::{self, kind, BenefitPaymentRun, ContributionPaid};
use sirm_domain::status::ContributionStatus;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::Business;
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// 缴费到账确认: the amount received equals what was assessed.
pub(crate) struct ContributionPayment;

impl Business for ContributionPayment {
    const NAME_ZH: &'static str = "缴费到账确认";
    type Data = ContributionPaid;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("paid_on", d.paid_on)]
    }

    async fn check(sirm: &Sirm, _who: &Principal, p: &ContributionPaid) -> Result<(), AppError> {
        sirm.employer_open_in(&p.credit_code, p.month).await?;
        let rows = sirm
            .store
            .assessed_amounts(p.credit_code.as_str(), &p.month.to_string())
            .await?;
        if rows.is_empty() {
            return Err(AppError::not_found(
                RuleId::NotFoundContribution,
                format!(
                    "assessed contributions of {} for {}",
                    p.credit_code, p.month
                ),
            ));
        }
        if rows
            .iter()
            .any(|(_, status)| *status == ContributionStatus::Paid)
        {
            return Err(AppError::conflict_by(
                RuleId::AlreadyDone,
                format!("{} {} is already paid", p.credit_code, p.month),
            ));
        }
        let due: rust_decimal::Decimal = rows.iter().flat_map(|(amounts, _)| amounts).sum();
        if p.amount != due {
            return Err(AppError::invalid(
                "amount",
                format!(
                    "{} received does not equal the {} due for {} {}",
                    p.amount, due, p.credit_code, p.month
                ),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        p: &ContributionPaid,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::CONTRIBUTION_PAID,
            records::employer_subject(&p.credit_code),
            actor,
            p,
        )?])
    }
}

/// 月度待遇发放: every payable benefit of the agency for a month, streamed
/// at approval (the shared driver of `runs.rs`).
pub(crate) type PaymentRun = super::runs::Run<PensionRun>;

pub(crate) struct PensionRun;

impl super::runs::MonthlyRun for PensionRun {
    const NAME_ZH: &'static str = "月度待遇发放";
    const SUBJECT: &'static str = "benefit-payment";
    const WHAT: &'static str = "benefits";
    const NONE_PAYABLE: RuleId = RuleId::NotFoundBenefit;
    const ONE_PAYABLE: &'static str = "a benefit";
    type Data = BenefitPaymentRun;

    fn month(d: &BenefitPaymentRun) -> sirm_domain::rules::Month {
        d.month
    }

    async fn paid_in(
        sirm: &Sirm,
        agency: &str,
        month: sirm_domain::rules::Month,
    ) -> Result<i64, AppError> {
        Ok(sirm.store.payments_in(agency, &month.to_string()).await?)
    }

    async fn any_payable(
        sirm: &Sirm,
        agency: &str,
        month: sirm_domain::rules::Month,
    ) -> Result<bool, AppError> {
        Ok(!sirm
            .store
            .payable_benefits(agency, &month.to_string())
            .await?
            .is_empty())
    }

    async fn payments(
        sirm: &Sirm,
        agency: &str,
        month: sirm_domain::rules::Month,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Vec<EntryDraft>, AppError> {
        payment_drafts(sirm, agency, month, application, actors).await
    }
}

/// One `benefit.paid` entry per payable benefit of the agency for `month`.
/// Whom to pay comes from the benefit projection; what to pay never does:
/// each benefit's `benefit.granted` ledger entry (the `seq` the row names)
/// is read, re-hashed against its stored leaf hash and checked to be that
/// person's grant, and the amount is the grant's monthly total. A row
/// that disagrees with the ledger (total, rule set, start month, or
/// "granted" while the ledger suspended or terminated it) refuses the
/// whole run, naming the benefit: projection tables are writable behind
/// SIRM's back, and `sirm verify` / `sirm rebuild` must be run first.
async fn payment_drafts(
    sirm: &Sirm,
    agency: &str,
    month: sirm_domain::rules::Month,
    application: &str,
    actors: Vec<String>,
) -> Result<Vec<EntryDraft>, AppError> {
    use std::collections::{BTreeMap, HashMap};
    let rows = sirm
        .store
        .payable_benefits(agency, &month.to_string())
        .await?;
    let profile = sirm_ledger::CryptoProfile::from_name(&sirm.config.profile)?;
    let seqs: Vec<u64> = rows
        .iter()
        .map(|b| u64::try_from(b.seq).unwrap_or(0))
        .collect();
    let mut grants: HashMap<i64, sirm_store::StoredRow> = sirm
        .store
        .entries_by_seq(&seqs)
        .await?
        .into_iter()
        .map(|r| (r.seq, r))
        .collect();
    // The last suspension, termination or death of each person, from the
    // ledger, unless a resumption (待遇恢复发放) came after it.
    let mut ended: BTreeMap<String, i64> = BTreeMap::new();
    for k in [kind::BENEFIT_STATUS, kind::BENEFIT_DEATH] {
        for r in sirm
            .store
            .entries_of_kind(Stream::Business.as_str(), k)
            .await?
        {
            let last = ended.entry(r.subject.clone()).or_insert(r.seq);
            *last = (*last).max(r.seq);
        }
    }
    for r in sirm
        .store
        .entries_of_kind(Stream::Business.as_str(), kind::BENEFIT_RESUMED)
        .await?
    {
        if ended.get(&r.subject).is_some_and(|s| *s < r.seq) {
            ended.remove(&r.subject);
        }
    }
    let mut adjusted = super::pension_life::adjustments_in_force(sirm, agency, month).await?;
    let mut out = Vec::with_capacity(rows.len());
    for b in rows {
        let id: sirm_domain::id::PersonKey = b
            .person_id
            .parse()
            .map_err(|e| AppError::invalid("person_id", e))?;
        let refuse = |what: String| {
            AppError::conflict(format!(
                "benefit of {} (benefit table row naming entry {}): {what}; the benefit \
                 table disagrees with the ledger, so nothing is paid — run `sirm verify`, \
                 then `sirm rebuild`, and approve again",
                id.short(),
                b.seq
            ))
        };
        let subject = records::person_subject(&id);
        // (A suspension or termination also moves the row's `seq` to its
        // entry: `>=`.)
        if let Some(seq) = ended.get(&subject).filter(|s| **s >= b.seq) {
            return Err(refuse(format!(
                "the table says granted, but ledger entry {seq} suspended or terminated it"
            )));
        }
        let stored = grants
            .remove(&b.seq)
            .ok_or_else(|| refuse("no such ledger entry".into()))?;
        let (entry, leaf) = stored
            .decode()
            .map_err(|e| refuse(format!("the entry is unreadable: {e}")))?;
        if entry.leaf_hash(profile).as_slice() != leaf.as_slice() {
            return Err(refuse(
                "the entry does not match its recorded leaf hash".into(),
            ));
        }
        // The grant in force: a `benefit.granted` entry, or a
        // `benefit.recomputed` one (待遇重新核定) with the grant it computed.
        let granted: records::BenefitGranted = (entry.subject == subject)
            .then(|| match entry.kind.as_str() {
                kind::BENEFIT_GRANTED => serde_json::from_str(&entry.payload).ok(),
                kind::BENEFIT_RECOMPUTED => {
                    serde_json::from_str::<records::BenefitRecomputed>(&entry.payload)
                        .ok()
                        .map(|r| r.granted)
                }
                _ => None,
            })
            .flatten()
            .filter(|g: &records::BenefitGranted| g.id == id)
            .ok_or_else(|| refuse("the entry is not this person's benefit.granted".into()))?;
        let pension = &granted.pension;
        for (column, table, ledger) in [
            ("total", b.total.to_string(), pension.total.to_string()),
            ("rule_set", b.rule_set.clone(), pension.rule_set.to_string()),
            (
                "start_month",
                b.start_month.to_string(),
                granted.retirement.retirement_month.to_string(),
            ),
        ] {
            if table != ledger {
                return Err(refuse(format!(
                    "{column} is {table} in the table, {ledger} in the ledger"
                )));
            }
        }
        // The yearly adjustments of this grant, each checked against the
        // ledger and chained from the grant's total.
        let amount = match adjusted.remove(&b.person_id) {
            Some(chain) => {
                super::pension_life::adjusted_pension(profile, entry.seq, pension.total, chain)
                    .map_err(refuse)?
            }
            None => pension.total,
        };
        let p = records::BenefitPaid {
            id: id.clone(),
            month,
            amount,
            granted_seq: entry.seq,
            rule_set: pension.rule_set.to_string(),
        };
        let mut d = draft(
            &sirm.config,
            Stream::Business,
            kind::BENEFIT_PAID,
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
