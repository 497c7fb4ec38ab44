//! The demo's rights history: ten years (2016–2025) of employment, monthly
//! contributions computed by the rules engine, payments (a few employers in
//! arrears at the end), year-end account settlements, and one retiree with a
//! granted pension and its monthly payments. Every figure is computed by the
//! same engine functions approval uses; nothing is typed in.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use sirm_domain::id::{CreditCode, RegionCode, ResidentId};
use sirm_domain::records::{self, kind};
use sirm_domain::rules::{engine, Category, Month};
use sirm_ledger::{EntryDraft, Stream};

use crate::install::draft;
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

/// What the history adds.
pub(super) struct History {
    pub drafts: Vec<EntryDraft>,
    /// The invented retiree (bound to the `retiree` demo account).
    pub retiree: ResidentId,
    /// The retiree's employer (the demo employer agent's employer).
    pub employer: CreditCode,
}

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::invalid("demo", e)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// Build the history. `first_seq` is the ledger sequence the first draft
/// returned will get (payments name the benefit entry they come from).
pub(super) fn history(
    cfg: &Config,
    rng: &mut ChaCha8Rng,
    persons: &[(ResidentId, NaiveDate)],
    firms: &[Firm],
    first_seq: u64,
) -> Result<History, AppError> {
    let book = crate::rules_book()?;
    let set = book.by_region(&cfg.agency_code).map_err(bad)?;
    let last = Month::new(2025, 12).ok_or_else(|| bad("month"))?;
    let open_firms: Vec<&Firm> = firms
        .iter()
        .filter(|f| f.deregistered_on.is_none() && f.registered_on < d(2025, 1, 1))
        .collect();
    if open_firms.is_empty() {
        return Err(bad("no employer to employ the demo persons"));
    }
    let mut drafts = Vec::new();
    // The retiree first: registered, employed 2016-01 to 2022-12, retired 2023-01.
    let region: RegionCode = "110105".parse().map_err(bad)?;
    let retiree = ResidentId::from_parts(&region, d(1962, 12, 15), 31).map_err(bad)?;
    drafts.push(person_draft(
        cfg,
        ACTOR,
        &records::PersonRegistration {
            id: retiree.clone(),
            name: "退休人员（演示）".into(),
            address: "北京市朝阳区劲松路1号".into(),
            phone: "13900000031".into(),
            registered_on: d(1996, 1, 1),
        },
    )?);
    let mut all: Vec<(ResidentId, NaiveDate)> = vec![(retiree.clone(), d(2016, 1, 1))];
    all.extend(persons.iter().cloned());

    // (employer, month) → total due; person → month → account credit (paid or not known yet).
    let mut due: BTreeMap<(String, Month), Decimal> = BTreeMap::new();
    let mut credits: BTreeMap<String, Vec<(Month, Decimal, String)>> = BTreeMap::new();
    let mut bases: BTreeMap<String, Vec<(Month, Decimal, String)>> = BTreeMap::new();
    let mut assessed = Vec::new();
    for (n, (id, registered_on)) in all.iter().enumerate() {
        let is_retiree = n == 0;
        // Most persons are employed; the demo citizen (first person) always.
        if !is_retiree && n > 1 && rng.gen_bool(0.15) {
            continue;
        }
        let firm = if is_retiree {
            open_firms[0]
        } else {
            open_firms[rng.gen_range(0..open_firms.len())]
        };
        let adult = id
            .birth_date()
            .with_year(id.birth_date().year() + 18)
            .unwrap_or(*registered_on);
        let start_on = (*registered_on)
            .max(firm.registered_on)
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
        drafts.push(employment_start_draft(
            cfg,
            ACTOR,
            &records::EmploymentStart {
                id: id.clone(),
                credit_code: firm.code.clone(),
                start_on,
            },
        )?);
        if is_retiree {
            drafts.push(draft(
                cfg,
                Stream::Business,
                kind::EMPLOYMENT_ENDED,
                records::person_subject(id),
                ACTOR,
                &records::EmploymentEnd {
                    id: id.clone(),
                    credit_code: firm.code.clone(),
                    end_on: d(2022, 12, 31),
                    reason: "退休".into(),
                },
            )?);
        }
        let mut wage = Decimal::from(rng.gen_range(45..=250u32) * 100);
        let mut m = start;
        while m <= end {
            if m.month() == 1 && m > start {
                // A yearly raise of 0–8 %, to the yuan.
                wage = (wage * (Decimal::from(100 + rng.gen_range(0..=8u32)) / Decimal::from(100)))
                    .round_dp(0);
            }
            let params = set.year(m.year()).map_err(bad)?;
            let result = engine::month(params, wage, firm.class).map_err(bad)?;
            let a = &result.amounts;
            let total = a.pension_employer
                + a.pension_employee
                + a.medical_employer
                + a.medical_employee
                + a.unemployment_employer
                + a.unemployment_employee
                + a.work_injury_employer;
            *due.entry((firm.code.to_string(), m)).or_default() += total;
            credits.entry(id.to_string()).or_default().push((
                m,
                result.account_credit,
                firm.code.to_string(),
            ));
            bases
                .entry(id.to_string())
                .or_default()
                .push((m, result.base, firm.code.to_string()));
            assessed.push(draft(
                cfg,
                Stream::Business,
                kind::CONTRIBUTION_ASSESSED,
                records::person_subject(id),
                ACTOR,
                &records::ContributionAssessed {
                    id: id.clone(),
                    credit_code: firm.code.clone(),
                    month: m,
                    result,
                },
            )?);
            m = m.add_months(1);
        }
    }
    drafts.extend(assessed);
    // Payments: every employer-month, except the last two months of every
    // seventh employer, starting with the second (arrears to show).
    let late: Vec<String> = open_firms
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 7 == 1)
        .map(|(_, f)| f.code.to_string())
        .collect();
    let unpaid = |code: &str, m: Month| late.iter().any(|c| c == code) && m > last.add_months(-2);
    for ((code, m), amount) in &due {
        if unpaid(code, *m) {
            continue;
        }
        let next = m.add_months(1);
        drafts.push(draft(
            cfg,
            Stream::Business,
            kind::CONTRIBUTION_PAID,
            format!("employer:{code}"),
            ACTOR,
            &records::ContributionPaid {
                credit_code: code.parse().map_err(bad)?,
                month: *m,
                paid_on: d(next.year(), next.month(), 10),
                amount: *amount,
            },
        )?);
    }
    // Year-end settlements, 2016–2025, from paid credits.
    let mut balances: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut retiree_balance = Decimal::ZERO;
    for year in 2016..=2025 {
        let params = set.year(year).map_err(bad)?;
        let Some(rate) = params.crediting_rate else {
            continue;
        };
        for (person, months) in &credits {
            let mut c = [Decimal::ZERO; 12];
            for (m, credit, code) in months {
                if m.year() == year && !unpaid(code, *m) {
                    c[(m.month() as usize).clamp(1, 12) - 1] += *credit;
                }
            }
            let opening = balances.get(person).copied().unwrap_or_default();
            if opening.is_zero() && c.iter().all(|x| x.is_zero()) {
                continue;
            }
            let result = engine::account_year(params, opening, rate, &c).map_err(bad)?;
            balances.insert(person.clone(), result.closing_balance);
            let id: ResidentId = person.parse().map_err(bad)?;
            if id == retiree && year == 2022 {
                retiree_balance = result.closing_balance;
            }
            drafts.push(draft(
                cfg,
                Stream::Business,
                kind::ACCOUNT_SETTLED,
                records::person_subject(&id),
                ACTOR,
                &records::AccountSettled { id, year, result },
            )?);
        }
    }
    // The retiree's pension, granted in 2023-01 with 120 deemed months, and
    // paid every month until 2025-12.
    let paid_bases: Vec<(Month, Decimal)> = bases
        .get(retiree.as_str())
        .map(|v| v.iter().map(|(m, b, _)| (*m, *b)).collect())
        .unwrap_or_default();
    let granted = crate::collection::benefit_of_record(
        set,
        &records::RetirementApplication {
            id: retiree.clone(),
            category: Category::Male,
            deemed_months: 120,
        },
        &paid_bases,
        retiree_balance,
        d(2023, 1, 5),
    )?;
    let granted_seq = first_seq + drafts.len() as u64;
    let total = granted.pension.total;
    let rule_set = granted.pension.rule_set.to_string();
    let start = granted.retirement.retirement_month;
    drafts.push(draft(
        cfg,
        Stream::Business,
        kind::BENEFIT_GRANTED,
        records::person_subject(&retiree),
        ACTOR,
        &granted,
    )?);
    let mut m = start;
    while m <= last {
        drafts.push(draft(
            cfg,
            Stream::Business,
            kind::BENEFIT_PAID,
            records::person_subject(&retiree),
            ACTOR,
            &records::BenefitPaid {
                id: retiree.clone(),
                month: m,
                amount: total,
                granted_seq,
                rule_set: rule_set.clone(),
            },
        )?);
        m = m.add_months(1);
    }
    Ok(History {
        drafts,
        retiree,
        employer: open_firms[0].code.clone(),
    })
}
