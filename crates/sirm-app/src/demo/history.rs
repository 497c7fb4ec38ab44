//! The demo's rights history: ten years (2016–2025) of employment, monthly
//! contributions computed by the rules engine, payments (a few employers in
//! arrears at the end), year-end account settlements, and one retiree with a
//! granted pension and its monthly payments. Every figure is computed by the
//! same engine functions approval uses; nothing is typed in.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use sirm_domain::id::{CreditCode, PersonKey, RegionCode, ResidentId};
use sirm_domain::records::{self, kind};
use sirm_domain::rules::{engine, Category, Month};
use sirm_ledger::Stream;

use super::Emit;
use crate::drafts::draft;
use crate::registration::{employment_start_draft, person_draft};
use crate::{AppError, Config};

const ACTOR: &str = "sirm-demo";

/// An employer the history may employ persons at.
pub(super) struct Firm {
    pub code: CreditCode,
    pub class: u8,
    pub registered_on: NaiveDate,
    pub deregistered_on: Option<NaiveDate>,
}

/// What the history adds (its entries go to the [`Emit`]).
pub(super) struct History {
    /// The invented retiree (bound to the `retiree` demo account).
    pub retiree: PersonKey,
    /// The retiree's employer (the demo employer agent's employer).
    pub employer: CreditCode,
}

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::invalid("demo", e)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// Build the history, streaming its drafts to `out` in ledger order.
/// `out.count()` tells the sequence number the next draft gets (payments
/// name the benefit entry they come from).
///
/// Memory does not grow with the contribution rows: a first pass draws
/// every random choice (employer, first wage, yearly raises) into a small
/// plan per person; the contributions are then computed and emitted person
/// by person, and the year-end settlements recompute each year's credits
/// from the plans. The order and content of the entries are those of the
/// earlier all-in-memory generator.
pub(super) fn history(
    cfg: &Config,
    rng: &mut ChaCha8Rng,
    persons: &[(ResidentId, NaiveDate)],
    firms: &[Firm],
    full_careers: bool,
    out: &mut Emit,
) -> Result<History, AppError> {
    // The demo region's set, as `sirm demo` put it in force (same hash).
    let profile = sirm_ledger::CryptoProfile::from_name(&cfg.profile).map_err(bad)?;
    let set = crate::rulesets::parse_rule_set(
        profile,
        sirm_domain::rules::Format::Toml,
        sirm_domain::rules::builtin::DEMO_110105_TOML,
    )?;
    let set = &set;
    let first = Month::new(2016, 1).ok_or_else(|| bad("month"))?;
    let last = Month::new(2025, 12).ok_or_else(|| bad("month"))?;
    let months = (last.months_since(first) + 1) as usize;
    // Full careers start in 2016-01: only employers registered by then.
    let registered_by = if full_careers {
        d(2016, 1, 2)
    } else {
        d(2025, 1, 1)
    };
    let mut open_firms: Vec<&Firm> = firms
        .iter()
        .filter(|f| f.deregistered_on.is_none() && f.registered_on < registered_by)
        .collect();
    if open_firms.is_empty() {
        return Err(bad("no employer to employ the demo persons"));
    }
    // The retiree works at the first open employer until 2022-12 and needs
    // 60 paid months beside 120 deemed ones: with some seeds (`sirm demo
    // --seed 9`) that employer registered after 2018-01 and the retirement
    // was refused half-way through the build. The earliest employer then.
    if open_firms[0].registered_on > d(2018, 1, 1) {
        if let Some(i) = (0..open_firms.len()).min_by_key(|i| open_firms[*i].registered_on) {
            open_firms.swap(0, i);
        }
    }
    // The rank of each open employer by credit code (payments go in that order).
    let mut by_code: Vec<usize> = (0..open_firms.len()).collect();
    by_code.sort_by(|a, b| {
        open_firms[*a]
            .code
            .as_str()
            .cmp(open_firms[*b].code.as_str())
    });
    let mut rank = vec![0usize; open_firms.len()];
    for (r, f) in by_code.iter().enumerate() {
        rank[*f] = r;
    }
    // The retiree first: registered, employed 2016-01 to 2022-12, retired 2023-01.
    let region: RegionCode = "110105".parse().map_err(bad)?;
    let retiree = ResidentId::from_parts(&region, d(1962, 12, 15), 31).map_err(bad)?;
    let sealed = out.seal_person(&records::PersonDetails {
        id: retiree.clone(),
        name: "周建国".into(),
        address: "北京市朝阳区劲松路1号".into(),
        phone: "13900000031".into(),
        registered_on: d(1996, 1, 1),
    })?;
    out.push(person_draft(cfg, ACTOR, &sealed)?)?;
    let retiree_pk = sealed.id;
    let retiree_entry = (retiree.clone(), d(2016, 1, 1));
    let all = std::iter::once(&retiree_entry).chain(persons.iter());

    // Pass 1: employment and every random draw, in the generator's order.
    let mut plans: Vec<Plan> = Vec::new();
    for (n, (id, registered_on)) in all.enumerate() {
        let is_retiree = n == 0;
        // Most persons are employed; the demo citizen (first person) always.
        if !is_retiree && n > 1 && !full_careers && rng.gen_bool(0.15) {
            continue;
        }
        let firm = if is_retiree {
            0
        } else {
            rng.gen_range(0..open_firms.len())
        };
        let adult = id
            .birth_date()
            .with_year(id.birth_date().year() + 18)
            .unwrap_or(*registered_on);
        let start_on = (*registered_on)
            .max(open_firms[firm].registered_on)
            .max(adult)
            .max(d(2016, 1, 1));
        let start = Month::of_date(start_on);
        let end = if is_retiree {
            Month::new(2022, 12).ok_or_else(|| bad("month"))?
        } else {
            last
        };
        if start > end {
            continue;
        }
        let pk = out.person_key(id);
        out.push(employment_start_draft(
            cfg,
            ACTOR,
            &records::EmploymentStart {
                id: pk.clone(),
                credit_code: open_firms[firm].code.clone(),
                start_on,
            },
        )?)?;
        if is_retiree {
            out.push(draft(
                cfg,
                Stream::Business,
                kind::EMPLOYMENT_ENDED,
                records::person_subject(&pk),
                ACTOR,
                &records::EmploymentEnd {
                    id: pk.clone(),
                    credit_code: open_firms[firm].code.clone(),
                    end_on: d(2022, 12, 31),
                    reason: "退休".into(),
                },
            )?)?;
        }
        let first_wage = rng.gen_range(45..=250u32) * 100;
        let mut raises = Vec::new();
        let mut m = start;
        while m <= end {
            if m.month() == 1 && m > start {
                // A yearly raise of 0–8 %, to the yuan.
                raises.push(rng.gen_range(0..=8u32) as u8);
            }
            m = m.add_months(1);
        }
        plans.push(Plan {
            retiree: is_retiree,
            id: pk,
            firm,
            start,
            end,
            first_wage,
            raises,
        });
    }

    // Pass 2: the monthly contributions, person by person.
    // (employer rank, month) → total due.
    let mut due: Vec<Option<Decimal>> = vec![None; open_firms.len() * months];
    let mut retiree_bases: Vec<(Month, Decimal)> = Vec::new();
    for plan in &plans {
        let firm = open_firms[plan.firm];
        let mut wages = plan.wages();
        let mut m = plan.start;
        while m <= plan.end {
            let wage = wages.next(m);
            let params = set.year(m.year()).map_err(bad)?;
            let result = engine::month(params, wage, firm.class).map_err(bad)?;
            let total = result.amounts.total();
            let slot = rank[plan.firm] * months + m.months_since(first) as usize;
            let cell = due.get_mut(slot).ok_or_else(|| bad("month out of range"))?;
            *cell = Some(cell.unwrap_or_default() + total);
            if plan.retiree {
                retiree_bases.push((m, result.base));
            }
            out.push(draft(
                cfg,
                Stream::Business,
                kind::CONTRIBUTION_ASSESSED,
                records::person_subject(&plan.id),
                ACTOR,
                &records::ContributionAssessed {
                    id: plan.id.clone(),
                    credit_code: firm.code.clone(),
                    month: m,
                    result,
                },
            )?)?;
            m = m.add_months(1);
        }
    }
    // Payments: every employer-month, except the last two months of every
    // seventh employer, starting with the second (arrears to show).
    let unpaid = |firm: usize, m: Month| firm % 7 == 1 && m > last.add_months(-2);
    for (r, f) in by_code.iter().enumerate() {
        for (i, amount) in due[r * months..(r + 1) * months].iter().enumerate() {
            let (Some(amount), m) = (amount, first.add_months(i as i32)) else {
                continue;
            };
            if unpaid(*f, m) {
                continue;
            }
            let next = m.add_months(1);
            let code = &open_firms[*f].code;
            out.push(draft(
                cfg,
                Stream::Business,
                kind::CONTRIBUTION_PAID,
                format!("employer:{code}"),
                ACTOR,
                &records::ContributionPaid {
                    credit_code: code.clone(),
                    month: m,
                    paid_on: d(next.year(), next.month(), 10),
                    amount: *amount,
                },
            )?)?;
        }
    }
    drop(due);
    // Year-end settlements, 2016–2025, from paid credits, persons in ID order.
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by(|a, b| plans[*a].id.as_str().cmp(plans[*b].id.as_str()));
    let mut wages: Vec<Wages> = plans.iter().map(Plan::wages).collect();
    let mut balances = vec![Decimal::ZERO; plans.len()];
    let mut retiree_balance = Decimal::ZERO;
    for year in 2016..=2025 {
        let params = set.year(year).map_err(bad)?;
        let Some(rate) = params.crediting_rate else {
            continue;
        };
        for &n in &order {
            let plan = &plans[n];
            let mut c = [Decimal::ZERO; 12];
            for month in 1..=12 {
                let m = Month::new(year, month).ok_or_else(|| bad("month"))?;
                if m < plan.start || m > plan.end {
                    continue;
                }
                let wage = wages[n].next(m);
                let credit = engine::month(params, wage, open_firms[plan.firm].class)
                    .map_err(bad)?
                    .account_credit;
                if !unpaid(plan.firm, m) {
                    c[(month as usize).clamp(1, 12) - 1] += credit;
                }
            }
            let opening = balances[n];
            if opening.is_zero() && c.iter().all(|x| x.is_zero()) {
                continue;
            }
            let result = engine::account_year(params, opening, rate, &c).map_err(bad)?;
            balances[n] = result.closing_balance;
            if plan.retiree && year == 2022 {
                retiree_balance = result.closing_balance;
            }
            out.push(draft(
                cfg,
                Stream::Business,
                kind::ACCOUNT_SETTLED,
                records::person_subject(&plan.id),
                ACTOR,
                &records::AccountSettled {
                    id: plan.id.clone(),
                    year,
                    result,
                },
            )?)?;
        }
    }
    // The retiree's pension, granted in 2023-01 with 120 deemed months, and
    // paid every month until 2025-12.
    let granted = crate::collection::benefit_of_record(
        set,
        &records::RetirementApplication {
            id: retiree_pk.clone(),
            category: Category::Male,
            deemed_months: 120,
        },
        retiree.birth_date(),
        &retiree_bases,
        retiree_balance,
        d(2023, 1, 5),
    )?;
    let granted_seq = out.next_seq();
    let total = granted.pension.total;
    let rule_set = granted.pension.rule_set.to_string();
    let start = granted.retirement.retirement_month;
    out.push(draft(
        cfg,
        Stream::Business,
        kind::BENEFIT_GRANTED,
        records::person_subject(&retiree_pk),
        ACTOR,
        &granted,
    )?)?;
    let mut m = start;
    while m <= last {
        out.push(draft(
            cfg,
            Stream::Business,
            kind::BENEFIT_PAID,
            records::person_subject(&retiree_pk),
            ACTOR,
            &records::BenefitPaid {
                id: retiree_pk.clone(),
                month: m,
                amount: total,
                granted_seq,
                rule_set: rule_set.clone(),
            },
        )?)?;
        m = m.add_months(1);
    }
    Ok(History {
        retiree: retiree_pk,
        employer: open_firms[0].code.clone(),
    })
}

/// One employed person's history, as drawn in the first pass.
struct Plan {
    retiree: bool,
    /// The person's blind index (settlements go in its order, as approval's do).
    id: PersonKey,
    /// Index into the open employers.
    firm: usize,
    start: Month,
    end: Month,
    /// The first month's wage in yuan.
    first_wage: u32,
    /// The raise (percent) of every January after the first month.
    raises: Vec<u8>,
}

impl Plan {
    fn wages(&self) -> Wages<'_> {
        Wages {
            start: self.start,
            wage: Decimal::from(self.first_wage),
            raises: self.raises.iter(),
        }
    }
}

/// A person's monthly wage, month after month.
struct Wages<'a> {
    start: Month,
    wage: Decimal,
    raises: std::slice::Iter<'a, u8>,
}

impl Wages<'_> {
    /// The wage of `m`; call once for every month from the first, in order.
    fn next(&mut self, m: Month) -> Decimal {
        if m.month() == 1 && m > self.start {
            // A yearly raise of 0–8 %, to the yuan.
            let r = u32::from(self.raises.next().copied().unwrap_or(0));
            self.wage = (self.wage * (Decimal::from(100 + r) / Decimal::from(100))).round_dp(0);
        }
        self.wage
    }
}
