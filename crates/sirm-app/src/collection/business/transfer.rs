//! Transfer between regions (转移接续, Art 10), its three business types,
//! each through the review chain (`crate::transfer` has the messages):
//! `transfer.apply` (转入申请, new region), `transfer.out` (转出, old
//! region: figures from the rules engine, the record kept and marked),
//! `transfer.accept` (接收, new region: the kept package checked again).

use sirm_domain::records::{
    self, bases_of, kind, transfer_inputs, TransferApplied, TransferApply, TransferReceived,
    TransferStep, TransferredOut,
};
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::{person_of_agency, Business, DraftStream};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::transfer::{Direction, Step, TransferView};
use crate::{AppError, Sirm};

/// 转入申请.
pub(crate) struct Apply;

/// The transfer's number from its application's id.
fn number_of(sirm: &Sirm, application: &str) -> String {
    format!(
        "ZY-{}-{}",
        sirm.federation_agency(),
        application.strip_prefix("AP-").unwrap_or(application)
    )
}

fn applied(sirm: &Sirm, d: &TransferApply, number: String) -> Result<TransferApplied, AppError> {
    let today = crate::clock::today();
    Ok(TransferApplied {
        number,
        person: d.id.clone(),
        to_agency: sirm.federation_agency().to_string(),
        from_agency: d.from_agency.clone(),
        applied_on: today,
        deadline: sirm.transfer_deadline(today)?,
    })
}

impl Business for Apply {
    const NAME_ZH: &'static str = "养老保险关系转入申请";
    type Data = TransferApply;

    async fn check(sirm: &Sirm, who: &Principal, d: &TransferApply) -> Result<(), AppError> {
        person_of_agency(sirm, who, &d.id).await?;
        sirm.peer(&d.from_agency).await?;
        sirm.no_open_transfer(&d.id).await
    }

    async fn drafts(
        sirm: &Sirm,
        d: &TransferApply,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::TRANSFER_APPLIED,
            records::person_subject(&d.id),
            actor,
            &applied(sirm, d, "ZY-…".into())?,
        )?])
    }

    fn subject(d: &TransferApply, _drafts: &[EntryDraft]) -> String {
        records::person_subject(&d.id)
    }

    /// The entry with the transfer's number, which follows from the application's id.
    async fn on_approval(
        sirm: &Sirm,
        who: &Principal,
        d: &TransferApply,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Option<DraftStream>, AppError> {
        let mut e = draft(
            &sirm.config,
            Stream::Business,
            kind::TRANSFER_APPLIED,
            records::person_subject(&d.id),
            &who.username,
            &applied(sirm, d, number_of(sirm, application))?,
        )?;
        e.application = Some(application.to_string());
        e.actors = actors;
        Ok(Some(Box::new(std::iter::once(Ok(e)))))
    }
}

/// The transfer at `step` on this side, with the deadline not passed.
async fn at_step(
    sirm: &Sirm,
    number: &str,
    direction: Direction,
    step: Step,
) -> Result<TransferView, AppError> {
    let t = sirm.transfer_by_number(number).await?;
    if t.direction != direction || t.step != step {
        return Err(crate::transfer::wrong_step(format!(
            "transfer {number} is at step {}, not {}",
            t.step.named(),
            step.named()
        )));
    }
    if let Some(deadline) = t.deadline.filter(|d| *d < crate::clock::today()) {
        return Err(AppError::conflict_by(
            RuleId::TransferDeadline,
            format!("transfer {number}: the deadline {deadline} has passed"),
        ));
    }
    Ok(t)
}

/// 转出.
pub(crate) struct Out;

impl Business for Out {
    const NAME_ZH: &'static str = "养老保险关系转出";
    type Data = TransferStep;

    async fn check(sirm: &Sirm, who: &Principal, d: &TransferStep) -> Result<(), AppError> {
        let t = at_step(sirm, &d.number, Direction::Out, Step::LetterReceived).await?;
        person_of_agency(sirm, who, &t.person).await?;
        if sirm.transferred_out(&t.person).await? {
            return Err(AppError::conflict_by(
                RuleId::TransferNotInsured,
                "the person was transferred out of this region already",
            ));
        }
        Ok(())
    }

    /// The figures of `pension_transfer` (RULES.md "Pension transfer") over
    /// the person's entries, under the rule set in force this month.
    async fn drafts(
        sirm: &Sirm,
        d: &TransferStep,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let t = sirm.transfer_by_number(&d.number).await?;
        let entries = sirm
            .store
            .entries_for_subject(&records::person_subject(&t.person))
            .await?;
        let (balance, history) = transfer_inputs(
            sirm.federation_agency(),
            entries
                .iter()
                .map(|e| (e.kind.as_str(), e.payload.as_str())),
            &sirm.unpaid_months(&t.person).await?,
        )
        .map_err(|e| AppError::Unsealed(format!("an entry of the person: {e}")))?;
        let month = crate::clock::current_month();
        let set = sirm.rules_for_month(month).await?;
        let rounding = set
            .year(month.year())
            .map_err(|e| AppError::invalid("rule_set", e))?
            .rounding
            .amount;
        let figures =
            sirm_domain::rules::benefits::pension_transfer(rounding, balance, &bases_of(&history))
                .map_err(|e| AppError::invalid("figures", e))?;
        let out = TransferredOut {
            number: d.number.clone(),
            person: t.person.clone(),
            to_agency: t.peer.clone(),
            rule_set: set.reference(),
            rounding,
            account_balance: balance,
            history,
            figures,
            transferred_on: crate::clock::today(),
        };
        // The old record ends here (Art 10): de-registered with reason
        // transfer out (人员注销), kept and readable, nothing started,
        // enrolled or declared after it — in the same append.
        let deregistered = sirm
            .deregister_for_transfer(
                &t.person,
                out.transferred_on,
                &format!("转出至 {}（{}）", t.peer, d.number),
                actor,
            )
            .await?;
        Ok(vec![
            draft(
                &sirm.config,
                Stream::Business,
                kind::TRANSFER_OUT,
                records::person_subject(&t.person),
                actor,
                &out,
            )?,
            deregistered,
        ])
    }
}

impl Sirm {
    /// The person's months here not fully paid (欠费): any contribution row
    /// of the month not paid. They travel as arrears.
    async fn unpaid_months(
        &self,
        person: &sirm_domain::id::PersonKey,
    ) -> Result<std::collections::BTreeSet<sirm_domain::rules::Month>, AppError> {
        Ok(self
            .store
            .contributions_of(person.as_str())
            .await?
            .into_iter()
            .filter(|c| c.status != sirm_domain::status::ContributionStatus::Paid)
            .map(|c| c.month)
            .collect())
    }
}

/// 接收.
pub(crate) struct Accept;

impl Business for Accept {
    const NAME_ZH: &'static str = "养老保险关系接收";
    type Data = TransferStep;

    async fn check(sirm: &Sirm, who: &Principal, d: &TransferStep) -> Result<(), AppError> {
        let t = at_step(sirm, &d.number, Direction::In, Step::PackageReceived).await?;
        person_of_agency(sirm, who, &t.person).await?;
        sirm.kept_package(&t.person, &d.number).await.map(drop)
    }

    async fn drafts(
        sirm: &Sirm,
        d: &TransferStep,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let t = sirm.transfer_by_number(&d.number).await?;
        let (kept, v) = sirm.kept_package(&t.person, &d.number).await?;
        let received = TransferReceived {
            number: d.number.clone(),
            person: t.person.clone(),
            from_agency: kept.from_agency,
            checkpoint: v.checkpoint.to_note(),
            rule_set: v.out.rule_set,
            figures: v.out.figures,
            history: v.out.history,
            received_on: crate::clock::today(),
        };
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::TRANSFER_RECEIVED,
            records::person_subject(&t.person),
            actor,
            &received,
        )?])
    }
}
