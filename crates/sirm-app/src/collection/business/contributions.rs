//! Contributions: the monthly declaration (月度缴费申报), entered line by
//! line or as a file, assessed by the rules engine (Art 6).

use sirm_domain::id::CreditCode;
use sirm_domain::records::{self, kind, ContributionDeclaration, DeclarationFile};
use sirm_domain::rules::Month;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::{Business, DraftStream};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// 月度缴费申报: lines entered at the counter.
pub(crate) struct Declare;

impl Business for Declare {
    const NAME_ZH: &'static str = "月度缴费申报";
    type Data = ContributionDeclaration;

    async fn check(
        sirm: &Sirm,
        who: &Principal,
        d: &ContributionDeclaration,
    ) -> Result<(), AppError> {
        check_declaration(sirm, who, d).await
    }

    async fn drafts(
        sirm: &Sirm,
        d: &ContributionDeclaration,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        assess(sirm, d, actor).await
    }

    fn subject(d: &ContributionDeclaration, _: &[EntryDraft]) -> String {
        format!("declaration:{}:{}", d.credit_code, d.month)
    }
}

/// 月度缴费申报（批量文件）: an archived file, streamed at approval.
pub(crate) struct DeclareFile;

impl Business for DeclareFile {
    const NAME_ZH: &'static str = "月度缴费申报（批量文件）";
    type Data = DeclarationFile;

    async fn check(sirm: &Sirm, who: &Principal, d: &DeclarationFile) -> Result<(), AppError> {
        // Filed online only by the employer's own agent, for that employer
        // (an object-level check: the credit code is the agent's own). An
        // agent files nothing else; `online` names an account bound to
        // the employer (checked again whenever the application is read).
        let own = |employer: Option<&str>| employer == Some(d.credit_code.as_str());
        let refused = || {
            AppError::forbidden(
                RuleId::DeclarationOwnEmployer,
                "an employer's agent declares for their own employer only",
            )
        };
        if who.employer.is_some()
            && (d.online.as_deref() != Some(who.username.as_str()) || !own(who.employer.as_deref()))
        {
            return Err(refused());
        }
        if let Some(agent) = &d.online {
            let account = sirm.store.account(agent).await?;
            if !own(account.as_ref().and_then(|a| a.employer.as_deref())) {
                return Err(refused());
            }
        }
        month_has_come(d.month)?;
        sirm.employer_of_agency(&d.credit_code, &who.agency).await?;
        sirm.employer_open_in(&d.credit_code, d.month).await?;
        if sirm
            .store
            .assessed_count(d.credit_code.as_str(), &d.month.to_string())
            .await?
            > 0
        {
            return Err(AppError::conflict_by(
                RuleId::DeclarationAssessed,
                format!(
                    "{} already has contributions assessed for {}",
                    d.credit_code, d.month
                ),
            ));
        }
        // The archived file must still be there, unaltered.
        sirm.archive().verified_path(&d.file.sha256).await?;
        Ok(())
    }

    /// Streamed at approval (see [`Business::on_approval`]).
    async fn drafts(_: &Sirm, _: &DeclarationFile, _: &str) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![])
    }

    fn subject(d: &DeclarationFile, _: &[EntryDraft]) -> String {
        format!("declaration:{}:{}", d.credit_code, d.month)
    }

    /// A file of any size: the decision and every computed row in one
    /// streamed transaction.
    async fn on_approval(
        sirm: &Sirm,
        _who: &Principal,
        d: &DeclarationFile,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Option<DraftStream>, AppError> {
        Ok(Some(Box::new(
            sirm.file_drafts(d, application, actors).await?,
        )))
    }
}

/// Every line: a person employed by the declaring employer in that month,
/// declared once, not already assessed for the month.
async fn check_declaration(
    sirm: &Sirm,
    who: &Principal,
    d: &ContributionDeclaration,
) -> Result<(), AppError> {
    month_has_come(d.month)?;
    sirm.employer_of_agency(&d.credit_code, &who.agency).await?;
    sirm.employer_open_in(&d.credit_code, d.month).await?;
    if d.lines.is_empty() {
        return Err(AppError::invalid("lines", "declare at least one employee"));
    }
    let (first, last) = (d.month.first_day(), d.month.last_day());
    let mut seen = std::collections::BTreeSet::new();
    for (i, line) in d.lines.iter().enumerate() {
        let n = i + 1;
        if !seen.insert(line.id.as_str().to_string()) {
            return Err(AppError::invalid_by(
                format!("lines[{n}].id"),
                RuleId::DeclarationPersonTwice,
                format!("{} is declared twice", line.id.short()),
            ));
        }
        if line.declared_wage.is_sign_negative() {
            return Err(AppError::invalid_by(
                format!("lines[{n}].declared_wage"),
                RuleId::DeclarationWage,
                "must not be negative",
            ));
        }
        let employed = sirm
            .store
            .employments_of(line.id.as_str())
            .await?
            .iter()
            .any(|j| {
                j.credit_code == d.credit_code.as_str()
                    && j.start_on <= last
                    && j.end_on.is_none_or(|e| e >= first)
            });
        if !employed {
            return Err(AppError::invalid_by(
                format!("lines[{n}].id"),
                RuleId::DeclarationNotEmployed,
                format!(
                    "{} is not employed by {} in {}",
                    line.id.short(),
                    d.credit_code,
                    d.month
                ),
            ));
        }
        if let Some(gone) = sirm.store.deregistration_of(line.id.as_str()).await? {
            if d.month > Month::of_date(gone.effective_on) {
                return Err(AppError::invalid_by(
                    format!("lines[{n}].id"),
                    RuleId::PersonDeregistered,
                    format!(
                        "{} was de-registered on {} ({}): nothing is declared for {}",
                        line.id.short(),
                        gone.effective_on,
                        gone.reason,
                        d.month
                    ),
                ));
            }
        }
        if sirm
            .store
            .contributions_of(line.id.as_str())
            .await?
            .iter()
            .any(|c| c.month == d.month)
        {
            return Err(AppError::conflict_by(
                RuleId::DeclarationAssessed,
                format!(
                    "lines[{n}]: {} already has contributions assessed for {}",
                    line.id.short(),
                    d.month
                ),
            ));
        }
    }
    Ok(())
}

/// Compute every line with the rules engine (Art 6): base, contributions
/// (for the insurance types the person is enrolled in), account credit — one `contribution.assessed` entry per person-month.
pub(crate) async fn assess(
    sirm: &Sirm,
    d: &ContributionDeclaration,
    actor: &str,
) -> Result<Vec<EntryDraft>, AppError> {
    let set = sirm.rules_for_month(d.month).await?;
    let params = set
        .year(d.month.year())
        .map_err(|e| AppError::invalid("month", e))?;
    let class = sirm.industry_class(&d.credit_code).await?;
    // The types each person is enrolled in for the month: one read for
    // every line (docs/relations.md).
    let enrolled = crate::relations::Exclusions::load(sirm, d.month).await?;
    let mut out = Vec::with_capacity(d.lines.len());
    for (i, line) in d.lines.iter().enumerate() {
        let result = sirm_domain::rules::engine::month_enrolled(
            params,
            line.declared_wage,
            class,
            enrolled.of(line.id.as_str()),
        )
        .map_err(|e| AppError::invalid(format!("lines[{}].declared_wage", i + 1), e))?;
        let p = records::ContributionAssessed {
            id: line.id.clone(),
            credit_code: d.credit_code.clone(),
            month: d.month,
            result,
        };
        out.push(draft(
            &sirm.config,
            Stream::Business,
            kind::CONTRIBUTION_ASSESSED,
            records::person_subject(&line.id),
            actor,
            &p,
        )?);
    }
    Ok(out)
}

/// A declaration is for a month that has come (the agency's current month
/// or earlier): wages of a month ahead are not known yet (rule
/// `date.future`).
pub(crate) fn month_has_come(month: Month) -> Result<(), AppError> {
    let now = crate::clock::current_month();
    if month > now {
        return Err(AppError::invalid_by(
            "month",
            RuleId::DateFuture,
            format!("{month} has not come yet (this month is {now})"),
        ));
    }
    Ok(())
}

impl Sirm {
    /// Refuse unless the employer `credit_code` is registered with `agency`
    /// (one of another agency is the same "not found" as a missing one).
    pub(crate) async fn employer_of_agency(
        &self,
        credit_code: &CreditCode,
        agency: &str,
    ) -> Result<(), AppError> {
        match self
            .store
            .employer_class(credit_code.as_str(), agency)
            .await?
        {
            Some(_) => Ok(()),
            None => Err(AppError::not_found(
                RuleId::NotFoundEmployer,
                format!("employer {credit_code} in agency {agency}"),
            )),
        }
    }

    /// The work-injury industry class (行业风险类别, 1–8) of an employer of
    /// this agency, which chooses its work-injury rate.
    pub(crate) async fn industry_class(&self, credit_code: &CreditCode) -> Result<u8, AppError> {
        let agency = &self.config.agency_code;
        let (class, _) = self
            .store
            .employer_class(credit_code.as_str(), agency)
            .await?
            .ok_or_else(|| {
                AppError::not_found(
                    RuleId::NotFoundEmployer,
                    format!("employer {credit_code} in agency {agency}"),
                )
            })?;
        u8::try_from(class)
            .ok()
            .filter(|c| (1..=8).contains(c))
            .ok_or_else(|| {
                AppError::invalid(
                    "industry_class",
                    format!("stored industry class {class} of {credit_code} is not 1–8"),
                )
            })
    }
}
