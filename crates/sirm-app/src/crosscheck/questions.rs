//! Asking the employer or person (核查询问): a discrepancy the maintenance
//! officer resolves as "asked" is addressed to whoever can explain it — the
//! employer for what it declares, the person for their own identity — and
//! shows in that employer's or person's portal until answered. The answer
//! (`crosscheck.answered`, one per question) puts the discrepancy back in
//! the officer's open queue with the answer beside it; nothing here
//! changes a record.

use sirm_domain::access::Permission;
use sirm_domain::records::crosscheck::MAX_ANSWER_CHARS;
use sirm_domain::records::{self, kind, CrosscheckAnswered, DiscrepancyEvidence};
use sirm_domain::RuleId;
use sirm_ledger::Stream;
use sirm_store::DiscrepancyRow;

use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// Questions listed at most, per addressee.
const MAX_LISTED: i64 = 200;

/// Whom a discrepancy is asked of: the employer for what an employer
/// declares or is (under-declaration, contributions for a dead person,
/// unknown person on its payroll, de-registered yet active), the person
/// for their own identity (ID or name changed); nobody inside SIRM for a
/// death (the family is asked outside) or an employer not registered.
pub(super) fn addressee_of(row: &DiscrepancyRow) -> Option<String> {
    let evidence: Option<DiscrepancyEvidence> = serde_json::from_str(&row.evidence).ok();
    let employer_in_evidence = || {
        evidence
            .as_ref()
            .and_then(|e| e.credit_code.as_ref())
            .map(records::employer_subject)
    };
    match row.kind.as_str() {
        "under_declared" | "death_with_contributions" | "unknown_person" => employer_in_evidence(),
        "employer_deregistered" => row
            .subject
            .starts_with("employer:")
            .then(|| row.subject.clone()),
        "id_changed" | "name_changed" => row
            .subject
            .starts_with("person:")
            .then(|| row.subject.clone()),
        _ => None,
    }
}

impl Sirm {
    /// The addressees `who` answers for: its employer (an employer's
    /// agent) and itself (an insured person).
    fn addressees(&self, who: &Principal) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(code) = who
            .employer
            .as_ref()
            .filter(|_| who.may(Permission::EmployerRecordRead))
        {
            out.push(format!("employer:{code}"));
        }
        if let Some(pk) = who
            .person_id
            .as_ref()
            .filter(|_| who.may(Permission::OwnRecordRead))
        {
            out.push(format!("person:{pk}"));
        }
        out
    }

    /// The questions asked of `who` (its employer's and its own), asked or
    /// answered, oldest first. Staff and others have none.
    pub async fn crosscheck_questions(
        &self,
        who: &Principal,
    ) -> Result<Vec<DiscrepancyRow>, AppError> {
        let addressees = self.addressees(who);
        if addressees.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .discrepancies_asked_of(&addressees, MAX_LISTED)
            .await?)
    }

    /// Answer a question asked of `who`: once, in at most
    /// [`MAX_ANSWER_CHARS`] characters. A question asked of someone else is
    /// "not found", like a missing one.
    pub async fn answer_crosscheck_question(
        &self,
        who: &Principal,
        id: &str,
        answer: &str,
    ) -> Result<(), AppError> {
        let addressees = self.addressees(who);
        let not_found =
            || AppError::not_found(RuleId::NotFoundDiscrepancy, format!("question {id}"));
        let row = self
            .store
            .discrepancy(id)
            .await?
            .filter(|r| !r.addressee.is_empty() && addressees.contains(&r.addressee))
            .ok_or_else(not_found)?;
        if who.may(Permission::EmployerRecordRead) {
            self.authorize(who, Permission::EmployerRecordRead).await?;
        } else {
            self.authorize(who, Permission::OwnRecordRead).await?;
        }
        if row.status != "asked" {
            return Err(AppError::conflict_by(
                RuleId::CrosscheckResolved,
                format!("question {id} is already {}", row.status),
            ));
        }
        let answer = answer.trim();
        records::check_text("answer", answer, MAX_ANSWER_CHARS)
            .map_err(AppError::invalid_record)?;
        // Two answers at once: the second finds the question answered.
        let expect = sirm_store::Expect::DiscrepancyAt {
            id: id.to_string(),
            status: row.status.clone(),
            resolved_seq: row.resolved_seq,
        };
        self.append_with(
            vec![draft(
                &self.config,
                Stream::Business,
                kind::CROSSCHECK_ANSWERED,
                row.subject.clone(),
                &who.username,
                &CrosscheckAnswered {
                    discrepancy_id: id.to_string(),
                    answer: answer.to_string(),
                },
            )?],
            Some(expect),
        )
        .await?;
        Ok(())
    }
}
