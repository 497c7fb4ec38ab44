//! Insurance relationships (参保关系): enrolment, suspension and termination
//! per insurance type, person de-registration (人员注销) and flexible
//! employment registration (灵活就业登记). See `docs/relations.md`.

use sirm_domain::records::{
    self, insurance_str, kind, FlexibleAssessed, FlexibleDeclaration, FlexibleRegistration,
    PersonDeregistration, RelationChange,
};
use sirm_domain::rules::{Insurance, Month};
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::{person_of_agency, Business};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// The list of types: at least one, each once.
fn check_types(insurances: &[Insurance]) -> Result<(), AppError> {
    if insurances.is_empty() {
        return Err(AppError::invalid_by(
            "insurances",
            RuleId::InsuranceTypes,
            "name at least one insurance type",
        ));
    }
    for (n, i) in insurances.iter().enumerate() {
        if insurances[..n].contains(i) {
            return Err(AppError::invalid_by(
                format!("insurances[{}]", n + 1),
                RuleId::InsuranceTypes,
                format!("{} is named twice", insurance_str(*i)),
            ));
        }
    }
    Ok(())
}

/// Which change of a relationship a business type makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Enrol,
    Suspend,
    Terminate,
}

/// Checks shared by the three changes: the person is of the agency and
/// not de-registered, the date not before registration, and each type in
/// a state the change applies to (enrol: not active; suspend: active;
/// terminate: active or suspended).
async fn check_change(
    sirm: &Sirm,
    who: &Principal,
    c: &RelationChange,
    change: Change,
) -> Result<(), AppError> {
    let person = sirm.person_of_agency(who, &c.id).await?;
    sirm.person_not_deregistered("id", &c.id).await?;
    check_types(&c.insurances)?;
    if c.effective_on < person.registered_on {
        return Err(AppError::invalid_by(
            "effective_on",
            RuleId::DateOrder,
            format!("is before the registration on {}", person.registered_on),
        ));
    }
    if c.reason.trim().is_empty() {
        return Err(AppError::invalid_by(
            "reason",
            RuleId::FieldRequired,
            "say why",
        ));
    }
    let (views, _) = sirm.relations_of(&c.id).await?;
    for (n, i) in c.insurances.iter().enumerate() {
        let field = format!("insurances[{}]", n + 1);
        let name = insurance_str(*i);
        let status = views
            .iter()
            .find(|v| v.insurance == name)
            .map(|v| v.status)
            .unwrap_or("not_enrolled");
        match (change, status) {
            (Change::Enrol, "active") => {
                return Err(AppError::invalid_by(
                    field,
                    RuleId::InsuranceEnrolled,
                    format!("{} is enrolled in {name} already", c.id.short()),
                ))
            }
            (Change::Suspend, s) if s != "active" => {
                return Err(AppError::invalid_by(
                    field,
                    RuleId::InsuranceNotEnrolled,
                    format!("{} is not enrolled in {name} ({s})", c.id.short()),
                ))
            }
            (Change::Terminate, "terminated" | "not_enrolled") => {
                return Err(AppError::invalid_by(
                    field,
                    RuleId::InsuranceNotEnrolled,
                    format!("{} is not enrolled in {name} ({status})", c.id.short()),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

fn change_draft(
    sirm: &Sirm,
    kind: &str,
    c: &RelationChange,
    actor: &str,
) -> Result<Vec<EntryDraft>, AppError> {
    Ok(vec![draft(
        &sirm.config,
        Stream::Business,
        kind,
        records::person_subject(&c.id),
        actor,
        c,
    )?])
}

/// 参保登记（险种）: enrolment in insurance types.
pub(crate) struct Enrol;

impl Business for Enrol {
    const NAME_ZH: &'static str = "险种参保";
    type Data = RelationChange;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("effective_on", d.effective_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, c: &RelationChange) -> Result<(), AppError> {
        check_change(sirm, who, c, Change::Enrol).await
    }

    async fn drafts(
        sirm: &Sirm,
        c: &RelationChange,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        change_draft(sirm, kind::INSURANCE_ENROLLED, c, actor)
    }
}

/// 暂停参保（中断缴费）: contributions stop after the month of the date;
/// the relationship and its history stay.
pub(crate) struct Suspend;

impl Business for Suspend {
    const NAME_ZH: &'static str = "险种暂停缴费";
    type Data = RelationChange;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("effective_on", d.effective_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, c: &RelationChange) -> Result<(), AppError> {
        check_change(sirm, who, c, Change::Suspend).await
    }

    async fn drafts(
        sirm: &Sirm,
        c: &RelationChange,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        change_draft(sirm, kind::INSURANCE_SUSPENDED, c, actor)
    }
}

/// 终止参保: the relationship in these types ends.
pub(crate) struct Terminate;

impl Business for Terminate {
    const NAME_ZH: &'static str = "险种终止参保";
    type Data = RelationChange;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("effective_on", d.effective_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, c: &RelationChange) -> Result<(), AppError> {
        check_change(sirm, who, c, Change::Terminate).await
    }

    async fn drafts(
        sirm: &Sirm,
        c: &RelationChange,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        change_draft(sirm, kind::INSURANCE_TERMINATED, c, actor)
    }
}

/// 人员注销登记: death, emigration, transfer out or another reason (with
/// materials, as every application). The record stays and reads 已注销.
pub(crate) struct Deregister;

impl Business for Deregister {
    const NAME_ZH: &'static str = "人员注销登记";
    type Data = PersonDeregistration;

    async fn check(sirm: &Sirm, who: &Principal, d: &PersonDeregistration) -> Result<(), AppError> {
        person_of_agency(sirm, who, &d.id).await?;
        sirm.check_deregistration(d).await
    }

    async fn drafts(
        sirm: &Sirm,
        d: &PersonDeregistration,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![sirm.deregistration_draft(d, actor)?])
    }
}

/// 灵活就业登记: pension and medical insurance on the person's own, at a
/// base between the floor and ceiling of the start month's rule set.
pub(crate) struct FlexibleRegister;

impl Business for FlexibleRegister {
    const NAME_ZH: &'static str = "灵活就业登记";
    type Data = FlexibleRegistration;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("start_on", d.start_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, f: &FlexibleRegistration) -> Result<(), AppError> {
        let person = sirm.person_of_agency(who, &f.id).await?;
        sirm.person_not_deregistered("id", &f.id).await?;
        if f.start_on < person.registered_on {
            return Err(AppError::invalid_by(
                "start_on",
                RuleId::DateOrder,
                format!("is before the registration on {}", person.registered_on),
            ));
        }
        let open = sirm
            .store
            .employments_of(f.id.as_str())
            .await?
            .into_iter()
            .find(|j| j.end_on.is_none_or(|end| end >= f.start_on));
        if let Some(job) = open {
            return Err(AppError::conflict_by(
                RuleId::FlexibleEmployed,
                format!(
                    "start_on {}: {} is employed by {} from {}; end that employment first",
                    f.start_on,
                    f.id.short(),
                    job.credit_code,
                    job.start_on
                ),
            ));
        }
        let month = Month::of_date(f.start_on);
        let set = sirm.rules_for_month(month).await?;
        let p = set
            .year(month.year())
            .map_err(|e| AppError::invalid("start_on", e))?;
        let (Some(floor), Some(ceiling)) = (p.floor, p.ceiling) else {
            return Err(AppError::invalid(
                "start_on",
                format!("the rule set has no average wage for {}", month.year()),
            ));
        };
        if f.base < floor || f.base > ceiling || f.base.scale() > 2 {
            return Err(AppError::invalid_by(
                "base",
                RuleId::FlexibleBase,
                format!(
                    "{} is not an amount between the floor {floor} and the ceiling {ceiling} of {}",
                    f.base,
                    month.year()
                ),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        f: &FlexibleRegistration,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::FLEXIBLE_REGISTERED,
            records::person_subject(&f.id),
            actor,
            f,
        )?])
    }
}

/// 灵活就业人员缴费: one month of a flexibly employed person, declared and
/// paid by the person; computed from the registered base by the rules
/// engine (pension 20 %, 8 % to the account; medical at the region's rate).
pub(crate) struct FlexibleDeclare;

impl FlexibleDeclare {
    /// The registered base of a person flexibly enrolled in pension for
    /// the month.
    async fn base_for(
        sirm: &Sirm,
        d: &FlexibleDeclaration,
    ) -> Result<rust_decimal::Decimal, AppError> {
        let rows = sirm.store.relations_of(d.id.as_str()).await?;
        let pension = rows
            .iter()
            .find(|r| r.insurance == "pension" && r.payer == "flexible")
            .filter(|r| {
                let from = r.enrolled_on.get(..7).and_then(|m| Month::parse(m).ok());
                from.is_some_and(|from| d.month >= from)
                    && crate::relations::enrolled_from_rows([*r], d.month).pension
            })
            .ok_or_else(|| {
                AppError::invalid_by(
                    "month",
                    RuleId::InsuranceNotEnrolled,
                    format!(
                        "{} is not flexibly employed in pension insurance in {}",
                        d.id.short(),
                        d.month
                    ),
                )
            })?;
        pension.base.parse().map_err(|_| {
            AppError::invalid(
                "base",
                format!("stored base {:?} is not an amount", pension.base),
            )
        })
    }
}

impl Business for FlexibleDeclare {
    const NAME_ZH: &'static str = "灵活就业人员缴费";
    type Data = FlexibleDeclaration;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("paid_on", d.paid_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, d: &FlexibleDeclaration) -> Result<(), AppError> {
        person_of_agency(sirm, who, &d.id).await?;
        super::contributions::month_has_come(d.month)?;
        if let Some(gone) = sirm.store.deregistration_of(d.id.as_str()).await? {
            if d.month > Month::of_date(gone.effective_on) {
                return Err(AppError::conflict_by(
                    RuleId::PersonDeregistered,
                    format!(
                        "{} was de-registered on {}: nothing is declared for {}",
                        d.id.short(),
                        gone.effective_on,
                        d.month
                    ),
                ));
            }
        }
        Self::base_for(sirm, d).await?;
        if sirm
            .store
            .contributions_of(d.id.as_str())
            .await?
            .iter()
            .any(|c| c.month == d.month)
        {
            return Err(AppError::conflict_by(
                RuleId::DeclarationAssessed,
                format!("{} already has contributions for {}", d.id.short(), d.month),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        d: &FlexibleDeclaration,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let base = Self::base_for(sirm, d).await?;
        let set = sirm.rules_for_month(d.month).await?;
        let params = set
            .year(d.month.year())
            .map_err(|e| AppError::invalid("month", e))?;
        let result = sirm_domain::rules::engine::flexible_month(params, base)
            .map_err(|e| AppError::invalid("base", e))?;
        let p = FlexibleAssessed {
            id: d.id.clone(),
            month: d.month,
            paid_on: d.paid_on,
            result,
        };
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::FLEXIBLE_ASSESSED,
            records::person_subject(&d.id),
            actor,
            &p,
        )?])
    }
}
