//! The JSON interface of the engine: `sirm calc <rule>` is argument parsing
//! around [`calc`]. Input and output formats are in `docs/rules.md`.
//!
//! Every input may carry `region` (a pooling region code) or `rule_set` (an
//! id) to choose the rule set — the base (national) set when neither is given —
//! `year` to choose that year's parameters, and `params` to override
//! parameters for this one calculation. Unknown keys are refused.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::benefits;
use super::calc_benefits;
use super::doc::{self, array, check_keys, date, show, to_value, Obj};
use super::engine;
use super::error::RuleError;
use super::ruleset::{Category, Insurance, Params, Payer, RuleBook, RuleSet};

/// The rules `calc` knows, in the order `sirm calc --help` lists them.
pub const RULES: &[&str] = &[
    "base",
    "contribution",
    "account",
    "contribution-years",
    "retirement-age",
    "pension",
    "contribution-index",
    "month",
    "flexible-month",
    "unemployment-benefit",
    "maternity-allowance",
    "work-injury-disability",
    "work-injury-death",
    "pension-adjustment",
    "pension-transfer",
    "late-surcharge",
    "medical-account",
];

/// Computes `rule` for a JSON `input` under the rule sets of `book`.
/// `today` is the date a birth date must not be after (when the input gives
/// no `as_of`). Returns the output document.
pub fn calc(
    book: &RuleBook,
    rule: &str,
    input: &Value,
    today: NaiveDate,
) -> Result<Value, RuleError> {
    let o = Obj::new(input, "")?;
    let mut set_owned: Option<RuleSet> = None;
    let set: &RuleSet = match (o.opt_str("rule_set")?, o.opt_str("region")?) {
        (Some(id), region) => {
            let s = book.by_id(id).ok_or_else(|| {
                let known: Vec<&str> = book.sets().iter().map(RuleSet::id).collect();
                RuleError::invalid(
                    "rule_set",
                    format!("{id:?}"),
                    format!("no such rule set (loaded: {})", known.join(", ")),
                )
            })?;
            if let Some(r) = region {
                if s.region() != Some(r) {
                    return Err(RuleError::invalid(
                        "region",
                        format!("{r:?}"),
                        format!("rule set {} is not for this region", s.reference()),
                    ));
                }
            }
            s
        }
        (None, Some(r)) => {
            if r.len() != 6 || !r.bytes().all(|c| c.is_ascii_digit()) {
                return Err(RuleError::invalid(
                    "region",
                    format!("{r:?}"),
                    "must be a 6-digit region code",
                ));
            }
            book.by_region(r)?
        }
        (None, None) => book.base().ok_or_else(|| RuleError::missing("rule_set"))?,
    };
    let mut overridden: Vec<String> = Vec::new();
    if let Some(pv) = o.get("params") {
        let s = set.with_overrides(pv)?;
        if let Some(m) = pv.as_object() {
            overridden = m.keys().cloned().collect();
        }
        set_owned = Some(s);
    }
    let set: &RuleSet = set_owned.as_ref().unwrap_or(set);
    let year = o.opt_int("year", 1990, 2100)?.map(|y| y as i32);
    let p = set.params(year)?;
    let mut request = input.clone();

    let result = match rule {
        "base" => {
            check_keys(&o, &["declared_wage", "avg_wage"])?;
            let wage = o.dec("declared_wage")?;
            match o.opt_dec("avg_wage")? {
                Some(avg) => to_value(engine::base_with_avg_wage(p, avg, wage)?),
                None if year.is_some() => to_value(engine::base_in(p, wage)?),
                None => return Err(RuleError::missing("avg_wage")),
            }
        }
        "contribution" => {
            check_keys(&o, &["base", "insurance", "payer", "industry_class"])?;
            let base = o.dec("base")?;
            let ins_s = o.str("insurance")?;
            let insurance = Insurance::parse(ins_s).ok_or_else(|| {
                let why = if ins_s == "maternity" {
                    "maternity insurance is merged into medical: use \"medical\""
                } else {
                    "must be pension, medical, unemployment or work_injury"
                };
                RuleError::invalid("insurance", format!("{ins_s:?}"), why)
            })?;
            let payer_s = o.str("payer")?;
            if payer_s == "flexible" {
                if insurance != Insurance::Pension || o.get("industry_class").is_some() {
                    return Err(RuleError::invalid(
                        "payer",
                        format!("{payer_s:?}"),
                        "flexible employment (灵活就业) is computed for pension only",
                    ));
                }
                return finish(
                    set,
                    rule,
                    overridden,
                    request,
                    to_value(benefits::flexible_pension(p.rounding.amount, base)?),
                );
            }
            let payer = Payer::parse(payer_s).ok_or_else(|| {
                RuleError::invalid(
                    "payer",
                    format!("{payer_s:?}"),
                    "must be employer, employee or flexible (pension only)",
                )
            })?;
            let class = o.opt_int("industry_class", 1, 32)?.map(|c| c as u8);
            if insurance != Insurance::WorkInjury && class.is_some() {
                return Err(RuleError::invalid(
                    "industry_class",
                    show(o.req("industry_class")?),
                    "applies to work_injury only",
                ));
            }
            to_value(engine::contribution(p, base, insurance, payer, class)?)
        }
        "account" => {
            check_keys(&o, &["opening_balance", "rate", "credits"])?;
            let opening = o.dec("opening_balance")?;
            let rate = match o.opt_dec("rate")? {
                Some(r) => r,
                None => rate_of_year(set, p, year)?,
            };
            let credits = credits(&o)?;
            to_value(engine::account_year(p, opening, rate, &credits)?)
        }
        "contribution-years" => {
            check_keys(&o, &["paid_months", "deemed_months"])?;
            let arr = array(&o, "paid_months")?;
            let mut months = Vec::with_capacity(arr.len());
            for (i, v) in arr.iter().enumerate() {
                months.push(doc::month(v, &format!("paid_months[{i}]"))?);
            }
            let deemed = o.int("deemed_months", 0, 1200)? as u32;
            to_value(with_ref(set, engine::contribution_years(&months, deemed)))
        }
        "retirement-age" => {
            check_keys(&o, &["birth_date", "category", "as_of"])?;
            let birth = date(&o, "birth_date")?;
            let cat_s = o.str("category")?;
            let category = Category::parse(cat_s).ok_or_else(|| {
                RuleError::invalid(
                    "category",
                    format!("{cat_s:?}"),
                    "must be male, female_55 or female_50",
                )
            })?;
            let as_of = match o.get("as_of") {
                Some(_) => date(&o, "as_of")?,
                None => {
                    if let Value::Object(m) = &mut request {
                        m.insert("as_of".to_owned(), Value::String(today.to_string()));
                    }
                    today
                }
            };
            to_value(engine::retirement(set, birth, category, as_of)?)
        }
        "pension" => {
            check_keys(
                &o,
                &[
                    "avg_wage",
                    "contribution_index",
                    "contribution_months",
                    "account_balance",
                    "retirement_age_years",
                    "deemed_years",
                    "transitional_coefficient",
                ],
            )?;
            let avg_wage = match o.opt_dec("avg_wage")? {
                Some(c) => c,
                None => match (year, p.pension_base_wage) {
                    (Some(_), Some(c)) => c,
                    (Some(y), None) => {
                        return Err(RuleError::missing(format!("years.{y}.pension_base_wage")))
                    }
                    (None, _) => return Err(RuleError::missing("avg_wage")),
                },
            };
            let inputs = engine::PensionInputs {
                year,
                avg_wage,
                contribution_index: o.dec("contribution_index")?,
                contribution_months: o.int("contribution_months", 0, 1200)? as u32,
                account_balance: o.dec("account_balance")?,
                retirement_age_years: o.int("retirement_age_years", 0, 150)? as u32,
                deemed_years: o.opt_dec("deemed_years")?,
                transitional_coefficient: o.opt_dec("transitional_coefficient")?,
            };
            to_value(engine::pension(set, &inputs)?)
        }
        "contribution-index" => {
            check_keys(&o, &["months"])?;
            let arr = array(&o, "months")?;
            let mut rows = Vec::with_capacity(arr.len());
            for (i, v) in arr.iter().enumerate() {
                let path = format!("months[{i}]");
                let m = Obj::new(v, &path)?;
                m.deny_unknown(&["base", "avg_wage"])?;
                rows.push((m.dec("base")?, m.dec("avg_wage")?));
            }
            to_value(with_ref(
                set,
                engine::contribution_index(p.rounding.index, &rows)?,
            ))
        }
        "month" => {
            check_keys(&o, &["declared_wage", "industry_class", "enrolled"])?;
            if year.is_none() {
                return Err(RuleError::missing("year"));
            }
            let wage = o.dec("declared_wage")?;
            let class = o.int("industry_class", 1, 32)? as u8;
            match o.get("enrolled") {
                None => to_value(engine::month(p, wage, class)?),
                Some(v) => to_value(engine::month_enrolled(p, wage, class, enrolled_of(v)?)?),
            }
        }
        "flexible-month" => {
            check_keys(&o, &["base"])?;
            if year.is_none() {
                return Err(RuleError::missing("year"));
            }
            to_value(engine::flexible_month(p, o.dec("base")?)?)
        }
        other => match calc_benefits::compute(other, &o, p) {
            Some(r) => r?,
            None => {
                return Err(RuleError::invalid(
                    "rule",
                    format!("{other:?}"),
                    format!("must be one of {}", RULES.join(", ")),
                ));
            }
        },
    };
    finish(set, rule, overridden, request, result)
}

/// The output document: the rule, the rule set it ran under, the request
/// as read, then the result's keys.
fn finish(
    set: &RuleSet,
    rule: &str,
    overridden: Vec<String>,
    request: Value,
    result: Value,
) -> Result<Value, RuleError> {
    let mut out = Map::new();
    out.insert("rule".to_owned(), Value::String(rule.to_owned()));
    out.insert(
        "rule_set".to_owned(),
        json!({
            "id": set.id(),
            "version": set.version(),
            "title": set.title(),
            "region": set.region(),
            "extends": set.extends(),
            "demo": set.is_demo(),
            // The approved document's hash (`sirm calc --installation`);
            // absent for files and when params override a figure.
            "hash": set.reference().hash,
            "params_overridden": overridden,
        }),
    );
    out.insert("request".to_owned(), request);
    if let Value::Object(m) = result {
        for (k, v) in m {
            if k != "rule_set" {
                out.insert(k, v);
            }
        }
    }
    Ok(Value::Object(out))
}

#[derive(Serialize)]
struct WithRef<T: Serialize> {
    rule_set: super::ruleset::RuleSetRef,
    #[serde(flatten)]
    result: T,
}

fn with_ref<T: Serialize>(set: &RuleSet, result: T) -> WithRef<T> {
    WithRef {
        rule_set: set.reference(),
        result,
    }
}

fn rate_of_year(set: &RuleSet, p: &Params, year: Option<i32>) -> Result<Decimal, RuleError> {
    match (year, p.crediting_rate) {
        (Some(_), Some(r)) => Ok(r),
        (Some(y), None) => Err(RuleError::invalid(
            "year",
            y.to_string(),
            format!(
                "rule set {} has no crediting rate for this year (crediting_rates.{y}); give \"rate\"",
                set.reference()
            ),
        )),
        (None, _) => Err(RuleError::missing("rate")),
    }
}

fn credits(o: &Obj<'_>) -> Result<[Decimal; 12], RuleError> {
    let arr = array(o, "credits")?;
    let mut out = [Decimal::ZERO; 12];
    let mut seen = [false; 12];
    for (i, v) in arr.iter().enumerate() {
        let path = format!("credits[{i}]");
        let c = Obj::new(v, &path)?;
        c.deny_unknown(&["month", "amount"])?;
        let m = c.int("month", 1, 12)? as usize;
        if seen[m - 1] {
            return Err(RuleError::invalid(
                c.key("month"),
                m.to_string(),
                "appears twice (give one credit per month, the month's total)",
            ));
        }
        seen[m - 1] = true;
        out[m - 1] = c.dec("amount")?;
    }
    Ok(out)
}

/// `enrolled`: the insurance types a person-month is enrolled in, as a
/// list of `pension`, `medical`, `unemployment`, `work_injury`.
fn enrolled_of(v: &Value) -> Result<engine::Enrolled, RuleError> {
    let bad = |why: &str| RuleError::invalid("enrolled", show(v), why);
    let list = v
        .as_array()
        .ok_or_else(|| bad("must be a list of insurance types"))?;
    let mut e = engine::Enrolled {
        pension: false,
        medical: false,
        unemployment: false,
        work_injury: false,
    };
    for item in list {
        match item.as_str().and_then(Insurance::parse) {
            Some(Insurance::Pension) => e.pension = true,
            Some(Insurance::Medical) => e.medical = true,
            Some(Insurance::Unemployment) => e.unemployment = true,
            Some(Insurance::WorkInjury) => e.work_injury = true,
            None => {
                return Err(bad(
                    "must hold pension, medical, unemployment or work_injury",
                ))
            }
        }
    }
    Ok(e)
}
