//! Employment: 增员 (an employment starts) and 减员 (it ends).

use sirm_domain::records::{EmploymentEnd, EmploymentStart};
use sirm_domain::RuleId;
use sirm_ledger::EntryDraft;

use super::{person_of_agency, Business};
use crate::identity::Principal;
use crate::registration::{employment_end_draft, employment_start_draft};
use crate::{AppError, Sirm};

/// 增员（就业登记）.
pub(crate) struct EmploymentStarts;

impl Business for EmploymentStarts {
    const NAME_ZH: &'static str = "增员（就业登记）";
    type Data = EmploymentStart;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("start_on", d.start_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, e: &EmploymentStart) -> Result<(), AppError> {
        person_of_agency(sirm, who, &e.id).await?;
        if e.start_on < sirm.birth_date_of(&e.id).await? {
            return Err(AppError::invalid_by(
                "start_on",
                RuleId::DateOrder,
                "is before the birth date in the ID number",
            ));
        }
        super::registration::employer_of_agency(sirm, who, &e.credit_code).await?;
        sirm.person_not_deregistered("id", &e.id).await?;
        sirm.employer_open_on(&e.credit_code, e.start_on).await?;
        let start = e.start_on;
        for job in sirm.store.employments_of(e.id.as_str()).await? {
            // Overlap: an open employment, or one that ends on or after this start.
            let overlaps = job.end_on.is_none_or(|end| end >= start);
            if overlaps {
                return Err(AppError::conflict_by(RuleId::EmploymentOverlap, format!(
                    "start_on {start}: overlaps the employment with {} from {}{}; end that one first",
                    job.credit_code,
                    job.start_on,
                    job.end_on
                        .map(|e| format!(" to {e}"))
                        .unwrap_or_else(|| " (still open)".into())
                )));
            }
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        e: &EmploymentStart,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let mut drafts = vec![employment_start_draft(&sirm.config, actor, e)?];
        // Re-employment ends an open unemployment claim (失业保险条例 Art 15).
        if let Some(end) =
            super::unemployment::end_of_claim(sirm, &e.id, e.start_on, "再就业 (employment start)")
                .await?
        {
            drafts.push(crate::drafts::draft(
                &sirm.config,
                sirm_ledger::Stream::Business,
                sirm_domain::records::kind::UNEMPLOYMENT_ENDED,
                sirm_domain::records::person_subject(&e.id),
                actor,
                &end,
            )?);
        }
        Ok(drafts)
    }
}

/// 减员（终止就业）.
pub(crate) struct EmploymentEnds;

impl Business for EmploymentEnds {
    const NAME_ZH: &'static str = "减员（终止就业）";
    type Data = EmploymentEnd;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("end_on", d.end_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, e: &EmploymentEnd) -> Result<(), AppError> {
        person_of_agency(sirm, who, &e.id).await?;
        let open = sirm
            .store
            .employments_of(e.id.as_str())
            .await?
            .into_iter()
            .find(|j| j.credit_code == e.credit_code.as_str() && j.end_on.is_none())
            .ok_or_else(|| {
                AppError::not_found(
                    RuleId::NotFoundEmployment,
                    format!(
                        "an open employment of {} with {}",
                        e.id.short(),
                        e.credit_code
                    ),
                )
            })?;
        if e.end_on < open.start_on {
            return Err(AppError::invalid_by(
                "end_on",
                RuleId::DateOrder,
                format!("is before the start {}", open.start_on),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        e: &EmploymentEnd,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![employment_end_draft(&sirm.config, actor, e)?])
    }
}
