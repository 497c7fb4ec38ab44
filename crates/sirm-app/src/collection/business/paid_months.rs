//! Corrections of a **paid** person-month by the maintenance officer
//! (Art 11): a base too low is settled by supplementary payment (补缴,
//! with the late-payment surcharge on the difference), a base too high or a
//! month paid wrongly by refund (退费). The rules engine computes the month
//! again under the rule set in force for it; the entry keeps the figures
//! before, the new ones, their difference and what it corrects.

use rust_decimal::Decimal;
use sirm_domain::access::Permission;
use sirm_domain::records::{
    self, kind, ContributionAdjusted, ContributionRefund, ContributionSupplement, MonthFigures,
};
use sirm_domain::rules::engine::{self, MonthAmounts};
use sirm_domain::rules::{benefits, Month};
use sirm_domain::status::ContributionStatus;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};
use sirm_store::{ContributionRow, RecordPart};

use super::{person_of_agency, Business};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// 补缴（维护）: a paid month's base raised; the difference and the
/// surcharge are due.
pub(crate) struct Supplement;

impl Business for Supplement {
    const NAME_ZH: &'static str = "补缴（维护）";
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = ContributionSupplement;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("paid_on", d.paid_on)]
    }

    async fn check(
        sirm: &Sirm,
        who: &Principal,
        s: &ContributionSupplement,
    ) -> Result<(), AppError> {
        person_of_agency(sirm, who, &s.id).await?;
        s.validate().map_err(AppError::invalid_record)
    }

    async fn drafts(
        sirm: &Sirm,
        s: &ContributionSupplement,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let change = Change {
            id: &s.id,
            month: s.month,
            base: Some(s.base),
            settled_on: s.paid_on,
            refund: false,
            reason: &s.reason,
            method: &s.method,
        };
        let adjusted = adjust(sirm, change).await?;
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::CONTRIBUTION_SUPPLEMENTED,
            records::person_subject(&s.id),
            actor,
            &adjusted,
        )?])
    }
}

/// 退费（维护）: a paid month's base lowered, or the whole month refunded.
pub(crate) struct Refund;

impl Business for Refund {
    const NAME_ZH: &'static str = "退费（维护）";
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = ContributionRefund;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("refunded_on", d.refunded_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, r: &ContributionRefund) -> Result<(), AppError> {
        person_of_agency(sirm, who, &r.id).await?;
        r.validate().map_err(AppError::invalid_record)
    }

    async fn drafts(
        sirm: &Sirm,
        r: &ContributionRefund,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let change = Change {
            id: &r.id,
            month: r.month,
            base: r.base,
            settled_on: r.refunded_on,
            refund: true,
            reason: &r.reason,
            method: &r.method,
        };
        let adjusted = adjust(sirm, change).await?;
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::CONTRIBUTION_REFUNDED,
            records::person_subject(&r.id),
            actor,
            &adjusted,
        )?])
    }
}

/// What a 补缴 or 退费 asks for.
struct Change<'a> {
    id: &'a sirm_domain::id::PersonKey,
    month: Month,
    /// The corrected base; none: the whole month refunded.
    base: Option<Decimal>,
    settled_on: chrono::NaiveDate,
    refund: bool,
    reason: &'a str,
    method: &'a str,
}

/// The month on record, computed again with the corrected base; refused
/// (naming the field and rule) unless the month is paid and the base is a
/// whole yuan within the year's bounds that moves the way the type says.
async fn adjust(sirm: &Sirm, c: Change<'_>) -> Result<ContributionAdjusted, AppError> {
    let row = sirm
        .store
        .contributions_of(c.id.as_str())
        .await?
        .into_iter()
        .find(|r| r.month == c.month)
        .ok_or_else(|| {
            AppError::not_found(
                RuleId::NotFoundContribution,
                format!("contributions of {} for {}", c.id.short(), c.month),
            )
        })?;
    if row.status != ContributionStatus::Paid {
        return Err(AppError::invalid_by(
            "month",
            RuleId::CorrectionNotPaid,
            format!(
                "{} {} is {}, not paid: an unpaid month is corrected by contribution.correct",
                c.id.short(),
                c.month,
                row.status
            ),
        ));
    }
    let set = sirm.rules_for_month(c.month).await?;
    let params = set
        .year(c.month.year())
        .map_err(|e| AppError::invalid("month", e))?;
    // A flexibly employed person's month has no employer (credit code
    // empty): computed again as flexible employment (灵活就业).
    let credit_code: Option<sirm_domain::id::CreditCode> = match row.credit_code.as_str() {
        "" => None,
        code => Some(
            code.parse()
                .map_err(|e| AppError::invalid_id("credit_code", e))?,
        ),
    };
    let result = match c.base {
        Some(base) => {
            check_base(params, &row, base, c.refund)?;
            let month = match &credit_code {
                Some(code) => {
                    let class = sirm.industry_class(code).await?;
                    let enrolled = sirm.enrolled_in(c.id, c.month).await?;
                    engine::month_enrolled(params, base, class, enrolled)
                }
                None => engine::flexible_month(params, base).map(|f| f.as_month()),
            };
            Some(month.map_err(|e| AppError::invalid("base", e))?)
        }
        None => None,
    };
    let before = figures_of(&row);
    let after = result.as_ref().map_or(zero(), |r| r.amounts);
    let difference = minus(&after, &before.amounts);
    let difference_total = difference.total();
    let new_credit = result.as_ref().map_or(Decimal::ZERO, |r| r.account_credit);
    let due_on = benefits::contribution_due_on(c.month);
    let surcharge = if c.refund {
        None
    } else {
        let rate = params.benefits.late_surcharge_rate.ok_or_else(|| {
            AppError::invalid(
                "rule_set",
                format!("{} has no late_surcharge_rate", set.reference()),
            )
        })?;
        Some(
            benefits::late_surcharge(
                params.rounding.amount,
                rate,
                difference_total,
                due_on,
                c.settled_on,
            )
            .map_err(|e| AppError::invalid("paid_on", e))?,
        )
    };
    let corrects = sirm
        .store
        .written_by(
            RecordPart::Contribution,
            c.id.as_str(),
            &c.month.to_string(),
        )
        .await?
        .and_then(|s| u64::try_from(s).ok())
        .unwrap_or(0);
    Ok(ContributionAdjusted {
        id: c.id.clone(),
        credit_code,
        month: c.month,
        corrects,
        account_credit_difference: new_credit - before.account_credit,
        before,
        result,
        difference,
        difference_total,
        due_on,
        settled_on: c.settled_on,
        surcharge,
        rule_set: set.reference().to_string(),
        reason: c.reason.trim().to_string(),
        method: c.method.trim().to_string(),
    })
}

/// A corrected base: a whole yuan within [floor, ceiling] of the month's
/// year, other than the base on record, higher for a 补缴 and lower for a
/// 退费.
fn check_base(
    params: &sirm_domain::rules::ruleset::Params,
    row: &ContributionRow,
    base: Decimal,
    refund: bool,
) -> Result<(), AppError> {
    let (floor, ceiling) = match (params.floor, params.ceiling) {
        (Some(f), Some(c)) => (f, c),
        _ => {
            return Err(AppError::invalid(
                "month",
                format!("the rule set has no average wage for {}", row.month.year()),
            ))
        }
    };
    if !base.fract().is_zero() || base < floor || base > ceiling {
        return Err(AppError::invalid_by(
            "base",
            RuleId::CorrectionBaseBounds,
            format!(
                "{base} is not a whole yuan within the {} floor {floor} and ceiling {ceiling}",
                row.month.year()
            ),
        ));
    }
    if base == row.base {
        return Err(AppError::invalid_by(
            "base",
            RuleId::CorrectionBaseUnchanged,
            format!("{base} is the base on record"),
        ));
    }
    if refund != (base < row.base) {
        let (way, what) = if refund {
            ("lowers", "a refund")
        } else {
            ("raises", "a supplementary payment")
        };
        return Err(AppError::invalid_by(
            "base",
            RuleId::CorrectionBaseDirection,
            format!(
                "{what} {way} the base: {base} against {} on record",
                row.base
            ),
        ));
    }
    Ok(())
}

/// A contribution row's figures.
fn figures_of(r: &ContributionRow) -> MonthFigures {
    MonthFigures {
        declared_wage: r.declared_wage,
        base: r.base,
        amounts: MonthAmounts {
            pension_employer: r.pension_employer,
            pension_employee: r.pension_employee,
            medical_employer: r.medical_employer,
            medical_employee: r.medical_employee,
            unemployment_employer: r.unemployment_employer,
            unemployment_employee: r.unemployment_employee,
            work_injury_employer: r.work_injury_employer,
        },
        account_credit: r.account_credit,
        rule_set: r.rule_set.clone(),
        status: r.status,
    }
}

/// No amount in any insurance type.
pub(crate) fn zero() -> MonthAmounts {
    let z = Decimal::ZERO;
    MonthAmounts {
        pension_employer: z,
        pension_employee: z,
        medical_employer: z,
        medical_employee: z,
        unemployment_employer: z,
        unemployment_employee: z,
        work_injury_employer: z,
    }
}

/// `a + b`, insurance type by insurance type.
pub(crate) fn plus(a: &MonthAmounts, b: &MonthAmounts) -> MonthAmounts {
    minus(a, &minus(&zero(), b))
}

/// `a − b`, insurance type by insurance type.
fn minus(a: &MonthAmounts, b: &MonthAmounts) -> MonthAmounts {
    MonthAmounts {
        pension_employer: a.pension_employer - b.pension_employer,
        pension_employee: a.pension_employee - b.pension_employee,
        medical_employer: a.medical_employer - b.medical_employer,
        medical_employee: a.medical_employee - b.medical_employee,
        unemployment_employer: a.unemployment_employer - b.unemployment_employer,
        unemployment_employee: a.unemployment_employee - b.unemployment_employee,
        work_injury_employer: a.work_injury_employer - b.work_injury_employer,
    }
}
