//! The `sirm calc` rules of the other insurance types, the transfer and the
//! late-payment surcharge: reading their JSON input (figures a rule set holds
//! may be left out when `region`/`year` choose one) and calling
//! [`super::benefits`]. Formats in `docs/rules.md`.

use rust_decimal::Decimal;
use serde_json::Value;

use super::benefits::{self, Dependent, MaternityEvent};
use super::doc::{self, array, check_keys, date, show, to_value, Obj};
use super::error::RuleError;
use super::medical;
use super::ruleset::{AgeBonus, Params, PensionAdjustment};

/// `rule` computed under `p`, or `None` when it is none of this file's.
pub(super) fn compute(rule: &str, o: &Obj<'_>, p: &Params) -> Option<Result<Value, RuleError>> {
    let amount = p.rounding.amount;
    let b = &p.benefits;
    let r = match rule {
        "unemployment-benefit" => (|| {
            check_keys(
                o,
                &[
                    "contribution_months",
                    "involuntary",
                    "carried_months",
                    "monthly_amount",
                ],
            )?;
            let months = o.int("contribution_months", 0, 1200)? as u32;
            let involuntary = bool_of(o, "involuntary")?
                .ok_or_else(|| RuleError::missing(o.key("involuntary")))?;
            let carried = o.opt_int("carried_months", 0, 24)?.unwrap_or(0) as u32;
            let monthly = figure(
                o,
                "monthly_amount",
                b.unemployment_benefit,
                p,
                "unemployment_benefit",
            )?;
            Ok(to_value(benefits::unemployment_benefit(
                amount,
                months,
                involuntary,
                carried,
                monthly,
            )?))
        })(),
        "maternity-allowance" => (|| {
            check_keys(
                o,
                &[
                    "employer_avg_monthly_wage",
                    "event",
                    "difficult_birth",
                    "babies",
                    "extra_days",
                ],
            )?;
            let wage = o.dec("employer_avg_monthly_wage")?;
            let ev = o.str("event")?;
            let event = MaternityEvent::parse(ev).ok_or_else(|| {
                RuleError::invalid(
                    "event",
                    format!("{ev:?}"),
                    format!("must be one of {}", MaternityEvent::NAMES.join(", ")),
                )
            })?;
            let difficult = bool_of(o, "difficult_birth")?.unwrap_or(false);
            let babies = o.opt_int("babies", 1, 10)?.unwrap_or(1) as u32;
            let extra = match o.opt_int("extra_days", 0, 365)? {
                Some(d) => d as u32,
                None => b.maternity_extra_days.unwrap_or(0),
            };
            Ok(to_value(benefits::maternity_allowance(
                amount, wage, event, difficult, babies, extra,
            )?))
        })(),
        "work-injury-disability" => (|| {
            check_keys(o, &["own_wage", "avg_wage", "grade", "min_wage"])?;
            let own = o.dec("own_wage")?;
            let avg = figure(o, "avg_wage", p.avg_wage, p, "avg_wage")?;
            let grade = o.int("grade", 1, 10)? as u8;
            let min_wage = o.opt_dec("min_wage")?;
            Ok(to_value(benefits::work_injury_disability(
                amount, own, avg, grade, min_wage,
            )?))
        })(),
        "work-injury-death" => (|| {
            check_keys(
                o,
                &[
                    "own_wage",
                    "avg_wage",
                    "national_disposable_income",
                    "dependents",
                ],
            )?;
            let own = o.dec("own_wage")?;
            let avg = figure(o, "avg_wage", p.avg_wage, p, "avg_wage")?;
            let income = figure(
                o,
                "national_disposable_income",
                b.national_disposable_income,
                p,
                "national_disposable_income",
            )?;
            let mut dependents = Vec::new();
            if o.get("dependents").is_some() {
                for (i, v) in array(o, "dependents")?.iter().enumerate() {
                    let path = format!("dependents[{i}]");
                    let d = Obj::new(v, &path)?;
                    d.deny_unknown(&["relation", "alone"])?;
                    let rel = d.str("relation")?;
                    let spouse = match rel {
                        "spouse" => true,
                        "other" => false,
                        _ => {
                            return Err(RuleError::invalid(
                                d.key("relation"),
                                format!("{rel:?}"),
                                "must be spouse or other",
                            ))
                        }
                    };
                    let alone = bool_of(&d, "alone")?.unwrap_or(false);
                    dependents.push(Dependent { spouse, alone });
                }
            }
            if dependents.iter().filter(|d| d.spouse).count() > 1 {
                return Err(RuleError::invalid(
                    "dependents",
                    "(list)".to_owned(),
                    "names more than one spouse",
                ));
            }
            Ok(to_value(benefits::work_injury_death(
                amount,
                own,
                avg,
                income,
                &dependents,
            )?))
        })(),
        "pension-adjustment" => (|| {
            check_keys(
                o,
                &[
                    "pension",
                    "contribution_years",
                    "age",
                    "fixed",
                    "percent",
                    "per_year",
                    "age_bonus",
                ],
            )?;
            let pension = o.dec("pension")?;
            let years = years_of(o, "contribution_years")?;
            let age = o.int("age", 0, 150)? as u32;
            let a = adjustment(o, b.pension_adjustment.as_ref(), p)?;
            Ok(to_value(benefits::pension_adjustment(
                amount, pension, years, age, &a,
            )?))
        })(),
        "pension-transfer" => (|| {
            check_keys(o, &["account_balance", "bases"])?;
            let balance = o.dec("account_balance")?;
            let mut bases = Vec::new();
            for (i, v) in array(o, "bases")?.iter().enumerate() {
                let path = format!("bases[{i}]");
                let m = Obj::new(v, &path)?;
                m.deny_unknown(&["month", "base"])?;
                let month = doc::month(m.req("month")?, &m.key("month"))?;
                bases.push((month, m.dec("base")?));
            }
            Ok(to_value(benefits::pension_transfer(
                amount, balance, &bases,
            )?))
        })(),
        "late-surcharge" => (|| {
            check_keys(o, &["amount", "due_date", "paid_date", "daily_rate"])?;
            let overdue = o.dec("amount")?;
            let due = date(o, "due_date")?;
            let paid = date(o, "paid_date")?;
            let rate = figure(
                o,
                "daily_rate",
                b.late_surcharge_rate,
                p,
                "late_surcharge_rate",
            )?;
            Ok(to_value(benefits::late_surcharge(
                amount, rate, overdue, due, paid,
            )?))
        })(),
        "medical-account" => (|| {
            check_keys(
                o,
                &[
                    "opening",
                    "employee_contributions",
                    "share",
                    "retiree_months",
                    "retiree_credit",
                    "debits",
                ],
            )?;
            let retiree_months = o.opt_int("retiree_months", 0, 12)?.unwrap_or(0) as u32;
            let retiree_credit = if retiree_months == 0 {
                o.opt_dec("retiree_credit")?.unwrap_or_default()
            } else {
                figure(
                    o,
                    "retiree_credit",
                    b.medical_retiree_credit,
                    p,
                    "medical_retiree_credit",
                )?
            };
            let contributions = decimals(o, "employee_contributions")?;
            let share = if contributions.is_empty() {
                o.opt_dec("share")?.unwrap_or(Decimal::ONE)
            } else {
                figure(
                    o,
                    "share",
                    b.medical_account_share,
                    p,
                    "medical_account_share",
                )?
            };
            let y = medical::medical_account_year(
                amount,
                &medical::MedicalYearInputs {
                    year: p.year.unwrap_or_default(),
                    opening: o.opt_dec("opening")?.unwrap_or_default(),
                    employee_contributions: contributions,
                    share,
                    retiree_months,
                    retiree_credit,
                    debits: decimals(o, "debits")?,
                },
            )?;
            medical::check_not_overdrawn(&y)?;
            Ok(to_value(y))
        })(),
        _ => return None,
    };
    Some(r)
}

/// A list of decimal amounts (absent: none).
fn decimals(o: &Obj<'_>, k: &str) -> Result<Vec<Decimal>, RuleError> {
    if o.get(k).is_none() {
        return Ok(Vec::new());
    }
    array(o, k)?
        .iter()
        .enumerate()
        .map(|(i, v)| doc::decimal(v, &format!("{}[{i}]", o.key(k))))
        .collect()
}

/// A JSON `true`/`false` (absent or null: `None`).
fn bool_of(o: &Obj<'_>, k: &str) -> Result<Option<bool>, RuleError> {
    match o.get(k) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(RuleError::invalid(
            o.key(k),
            show(v),
            "must be true or false",
        )),
    }
}

/// A figure from the input, else the rule set's for the year, else missing
/// (naming the input key and the rule set key that would hold it).
fn figure(
    o: &Obj<'_>,
    k: &str,
    from_set: Option<Decimal>,
    p: &Params,
    set_key: &str,
) -> Result<Decimal, RuleError> {
    if let Some(v) = o.opt_dec(k)? {
        return Ok(v);
    }
    from_set.ok_or_else(|| {
        RuleError::missing(match p.year {
            Some(y) => format!("{k} (or years.{y}.{set_key} in the rule set)"),
            None => format!("{k} (or region and year, whose rule set gives {set_key})"),
        })
    })
}

/// Contribution years: a whole number or a decimal string.
fn years_of(o: &Obj<'_>, k: &str) -> Result<Decimal, RuleError> {
    match o.req(k)? {
        Value::String(_) => o.dec(k),
        _ => Ok(Decimal::from(o.int(k, 0, 100)?)),
    }
}

/// The adjustment: the input's parts over the rule set's (a part neither
/// gives counts nothing; at least one must be given by one of them).
fn adjustment(
    o: &Obj<'_>,
    from_set: Option<&PensionAdjustment>,
    p: &Params,
) -> Result<PensionAdjustment, RuleError> {
    let keys = ["fixed", "percent", "per_year", "age_bonus"];
    if from_set.is_none() && keys.iter().all(|k| o.get(k).is_none()) {
        return Err(RuleError::missing(match p.year {
            Some(y) => format!("fixed, percent, per_year or age_bonus (or years.{y}.pension_adjustment in the rule set)"),
            None => "fixed, percent, per_year or age_bonus (or region and year, whose rule set gives pension_adjustment)".to_owned(),
        }));
    }
    let base = from_set.cloned().unwrap_or_default();
    let age_bonus = match o.get("age_bonus") {
        None => base.age_bonus,
        Some(_) => {
            let mut out = Vec::new();
            for (i, v) in array(o, "age_bonus")?.iter().enumerate() {
                let path = format!("age_bonus[{i}]");
                let b = Obj::new(v, &path)?;
                b.deny_unknown(&["from_age", "amount"])?;
                out.push(AgeBonus {
                    from_age: b.int("from_age", 0, 150)? as u32,
                    amount: b.dec("amount")?,
                });
            }
            out
        }
    };
    Ok(PensionAdjustment {
        fixed: o.opt_dec("fixed")?.unwrap_or(base.fixed),
        percent: o.opt_dec("percent")?.unwrap_or(base.percent),
        per_year: o.opt_dec("per_year")?.unwrap_or(base.per_year),
        age_bonus,
    })
}
