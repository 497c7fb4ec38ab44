//! Unemployment insurance (失业保险条例): the registration and claim
//! (失业登记及失业保险金申领), the monthly payment run (失业保险金月度发放)
//! and the end of a claim (失业保险金停止领取; also written by an
//! employment start, and by a death).

use rust_decimal::Decimal;
use sirm_domain::records::{
    self, kind, UnemploymentClaim, UnemploymentEnded, UnemploymentGranted, UnemploymentPaid,
    UnemploymentPaymentRun, UnemploymentStop,
};
use sirm_domain::rules::{benefits, Month};
use sirm_domain::status::ContributionStatus;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::Business;
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// 失业登记及失业保险金申领: eligibility, duration and monthly amount
/// computed by the rules engine at submission and again at approval.
pub(crate) struct Claim;

impl Business for Claim {
    const NAME_ZH: &'static str = "失业登记及失业保险金申领";
    type Data = UnemploymentClaim;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![
            ("registered_on", d.registered_on),
            ("job_ended_on", d.job_ended_on),
        ]
    }

    async fn check(sirm: &Sirm, who: &Principal, c: &UnemploymentClaim) -> Result<(), AppError> {
        let person = sirm.person_of_agency(who, &c.id).await?;
        records::check_text("reason", &c.reason, 200).map_err(AppError::invalid_record)?;
        if c.registered_on < c.job_ended_on {
            return Err(AppError::invalid_by(
                "registered_on",
                RuleId::DateOrder,
                format!(
                    "{} is before the job ended ({})",
                    c.registered_on, c.job_ended_on
                ),
            ));
        }
        if c.job_ended_on < person.registered_on {
            return Err(AppError::invalid_by(
                "job_ended_on",
                RuleId::DateOrder,
                "is before the person's registration",
            ));
        }
        // Insured for unemployment when the job ended (参保关系).
        super::claims::ensure_relation(
            sirm,
            &c.id,
            super::claims::Insurance::Unemployment,
            c.job_ended_on,
            "job_ended_on",
        )
        .await?;
        if sirm.store.death_of(c.id.as_str()).await?.is_some() {
            return Err(AppError::conflict_by(
                RuleId::DeathRecorded,
                format!("{} is recorded as deceased", c.id.short()),
            ));
        }
        if let Some(open) = open_claim(sirm, &c.id).await? {
            return Err(AppError::conflict_by(
                RuleId::ClaimOpen,
                format!(
                    "id: {} has an open unemployment claim since {} (entry {}); end it first",
                    c.id.short(),
                    open.start_month,
                    open.seq
                ),
            ));
        }
        for job in sirm.store.employments_of(c.id.as_str()).await? {
            if job.end_on.is_none_or(|end| end > c.job_ended_on) {
                return Err(AppError::invalid_by(
                    "job_ended_on",
                    RuleId::UnemploymentIneligible,
                    format!(
                        "the employment with {} from {} is still open (or ends later): record its end (减员) first",
                        job.credit_code, job.start_on
                    ),
                ));
            }
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        c: &UnemploymentClaim,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let granted = compute_claim(sirm, c).await?;
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::UNEMPLOYMENT_GRANTED,
            records::person_subject(&c.id),
            actor,
            &granted,
        )?])
    }
}

/// The person's open claim, if any.
pub(crate) async fn open_claim(
    sirm: &Sirm,
    id: &sirm_domain::id::PersonKey,
) -> Result<Option<sirm_store::UnemploymentClaimRow>, AppError> {
    Ok(sirm
        .store
        .unemployment_claims_of(id.as_str())
        .await?
        .into_iter()
        .find(|c| c.status == "open"))
}

/// The claim with its figures: months of unemployment contributions paid
/// since the month the last claim started (reset for a new spell), the
/// unused months of an ended last claim carried over, the regional monthly
/// amount of the rule set in force for the month of registration.
pub(crate) async fn compute_claim(
    sirm: &Sirm,
    c: &UnemploymentClaim,
) -> Result<UnemploymentGranted, AppError> {
    let claims = sirm.store.unemployment_claims_of(c.id.as_str()).await?;
    let last = claims.last();
    let counted_after = last.map(|l| l.start_month);
    let contribution_months = sirm
        .store
        .contributions_of(c.id.as_str())
        .await?
        .iter()
        .filter(|r| {
            r.status == ContributionStatus::Paid
                && r.unemployment_employer + r.unemployment_employee > Decimal::ZERO
                && counted_after.is_none_or(|after| r.month > after)
        })
        .count() as u32;
    let carried = last
        .filter(|l| l.status == "ended")
        .map(|l| u32::try_from(l.unused_months).unwrap_or(0))
        .unwrap_or(0);
    let month = Month::of_date(c.registered_on);
    let set = sirm.rules_for_month(month).await?;
    let params = set
        .year(month.year())
        .map_err(|e| AppError::invalid("registered_on", e))?;
    let monthly = params.benefits.unemployment_benefit.ok_or_else(|| {
        AppError::invalid_by(
            "rule_set",
            RuleId::RuleSetMissing,
            format!(
                "{} has no unemployment_benefit for {}",
                set.reference(),
                month.year()
            ),
        )
    })?;
    let benefit = benefits::unemployment_benefit(
        params.rounding.amount,
        contribution_months,
        c.involuntary,
        carried,
        monthly,
    )
    .map_err(|e| AppError::invalid("monthly_amount", e))?;
    if !benefit.eligible {
        let (field, why) = if !c.involuntary {
            (
                "involuntary",
                "the job was not lost involuntarily (非因本人意愿中断就业)".to_string(),
            )
        } else {
            (
                "contribution_months",
                format!(
                    "{contribution_months} months of unemployment insurance contributions paid{}, fewer than the 12 required",
                    counted_after
                        .map(|m| format!(" after {m} (the last claim's start)"))
                        .unwrap_or_default()
                ),
            )
        };
        return Err(AppError::invalid_by(
            field,
            RuleId::UnemploymentIneligible,
            why,
        ));
    }
    let duration = i32::try_from(benefit.duration_months).unwrap_or(24);
    Ok(UnemploymentGranted {
        claim: c.clone(),
        contribution_months,
        previous_claim_seq: last.map(|l| u64::try_from(l.seq).unwrap_or(0)),
        start_month: month,
        end_month: month.add_months(duration - 1),
        benefit,
        rule_set: params.rule_set.to_string(),
    })
}

/// 失业保险金停止领取: re-employment or another reason; the months left
/// unused may be carried over to the next claim.
pub(crate) struct Stop;

impl Business for Stop {
    const NAME_ZH: &'static str = "失业保险金停止领取";
    type Data = UnemploymentStop;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("ended_on", d.ended_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, s: &UnemploymentStop) -> Result<(), AppError> {
        sirm.person_of_agency(who, &s.id).await?;
        records::check_text("reason", &s.reason, 200).map_err(AppError::invalid_record)?;
        let open = open_claim(sirm, &s.id).await?.ok_or_else(|| {
            AppError::not_found(
                RuleId::NotFoundClaim,
                format!("an open unemployment claim of {}", s.id.short()),
            )
        })?;
        if s.ended_on < open.registered_on {
            return Err(AppError::invalid_by(
                "ended_on",
                RuleId::DateOrder,
                format!(
                    "is before the claim's registration ({})",
                    open.registered_on
                ),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        s: &UnemploymentStop,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let ended = end_of_claim(sirm, &s.id, s.ended_on, &s.reason).await?;
        ended
            .map(|e| {
                draft(
                    &sirm.config,
                    Stream::Business,
                    kind::UNEMPLOYMENT_ENDED,
                    records::person_subject(&s.id),
                    actor,
                    &e,
                )
            })
            .into_iter()
            .collect()
    }
}

/// The end of the person's open claim on `ended_on` (none open: `None`):
/// the months paid and those left unused.
pub(crate) async fn end_of_claim(
    sirm: &Sirm,
    id: &sirm_domain::id::PersonKey,
    ended_on: chrono::NaiveDate,
    reason: &str,
) -> Result<Option<UnemploymentEnded>, AppError> {
    let Some(open) = open_claim(sirm, id).await? else {
        return Ok(None);
    };
    let paid = sirm
        .store
        .unemployment_payments_of(id.as_str())
        .await?
        .iter()
        .filter(|p| p.claim_seq == open.seq)
        .count() as u32;
    let duration = u32::try_from(open.duration_months).unwrap_or(0);
    Ok(Some(UnemploymentEnded {
        id: id.clone(),
        ended_on,
        reason: reason.to_string(),
        claim_seq: u64::try_from(open.seq).unwrap_or(0),
        paid_months: paid,
        unused_months: duration.saturating_sub(paid),
    }))
}

/// 失业保险金月度发放: every payable claim of the agency for a month,
/// streamed at approval (the shared driver of `runs.rs`).
pub(crate) type PaymentRun = super::runs::Run<ClaimRun>;

pub(crate) struct ClaimRun;

impl super::runs::MonthlyRun for ClaimRun {
    const NAME_ZH: &'static str = "失业保险金月度发放";
    const SUBJECT: &'static str = "unemployment-payment";
    const WHAT: &'static str = "unemployment benefits";
    const NONE_PAYABLE: RuleId = RuleId::NotFoundClaim;
    const ONE_PAYABLE: &'static str = "an unemployment claim";
    type Data = UnemploymentPaymentRun;

    fn month(d: &UnemploymentPaymentRun) -> Month {
        d.month
    }

    async fn paid_in(sirm: &Sirm, agency: &str, month: Month) -> Result<i64, AppError> {
        Ok(sirm
            .store
            .unemployment_payments_in(agency, &month.to_string())
            .await?)
    }

    async fn any_payable(sirm: &Sirm, agency: &str, month: Month) -> Result<bool, AppError> {
        Ok(sirm
            .store
            .has_payable_claims(agency, &month.to_string())
            .await?)
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

/// One `unemployment.paid` entry per payable claim. Whom to pay comes
/// from the claim projection; what to pay from each claim's
/// `unemployment.granted` ledger entry, re-hashed against its leaf hash
/// and checked to be that person's claim; a row that disagrees with the
/// ledger refuses the whole run, naming the claim.
pub(crate) async fn payment_drafts(
    sirm: &Sirm,
    agency: &str,
    month: Month,
    application: &str,
    actors: Vec<String>,
) -> Result<Vec<EntryDraft>, AppError> {
    let rows = sirm
        .store
        .payable_claims_with_entries(agency, &month.to_string())
        .await?;
    let profile = sirm_ledger::CryptoProfile::from_name(&sirm.config.profile)?;
    let mut out = Vec::with_capacity(rows.len());
    for (c, stored) in rows {
        let id: sirm_domain::id::PersonKey = c
            .person_id
            .parse()
            .map_err(|e| AppError::invalid("person_id", e))?;
        let refuse = |what: String| {
            AppError::conflict(format!(
                "unemployment claim of {} (entry {}): {what}; the claim table disagrees with the \
                 ledger, so nothing is paid — run `sirm verify`, then `sirm rebuild`, and approve again",
                id.short(),
                c.seq
            ))
        };
        let stored = stored.ok_or_else(|| refuse("no such ledger entry".into()))?;
        let (entry, leaf) = stored
            .decode()
            .map_err(|e| refuse(format!("the entry is unreadable: {e}")))?;
        if entry.leaf_hash(profile).as_slice() != leaf.as_slice() {
            return Err(refuse(
                "the entry does not match its recorded leaf hash".into(),
            ));
        }
        let subject = records::person_subject(&id);
        let granted: UnemploymentGranted = (entry.subject == subject
            && entry.kind == kind::UNEMPLOYMENT_GRANTED)
            .then(|| serde_json::from_str(&entry.payload).ok())
            .flatten()
            .filter(|g: &UnemploymentGranted| g.claim.id == id)
            .ok_or_else(|| refuse("the entry is not this person's unemployment.granted".into()))?;
        if granted.benefit.monthly_amount != c.monthly_amount
            || granted.end_month != c.end_month
            || granted.start_month != c.start_month
        {
            return Err(refuse(format!(
                "monthly amount {} from {} to {} in the table, {} from {} to {} in the ledger",
                c.monthly_amount,
                c.start_month,
                c.end_month,
                granted.benefit.monthly_amount,
                granted.start_month,
                granted.end_month
            )));
        }
        let p = UnemploymentPaid {
            id: id.clone(),
            month,
            amount: granted.benefit.monthly_amount,
            claim_seq: entry.seq,
            rule_set: granted.rule_set.clone(),
        };
        let mut d = draft(
            &sirm.config,
            Stream::Business,
            kind::UNEMPLOYMENT_PAID,
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
