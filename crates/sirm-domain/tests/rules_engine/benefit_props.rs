//! Property tests of the other insurance types, the transfer and the
//! surcharge: each result recomputed here from RULES.md's formula, written
//! out independently of `rules/benefits.rs`, for random inputs.

use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use sirm_domain::rules::benefits::{self, Dependent, MaternityEvent};
use sirm_domain::rules::ruleset::{AgeBonus, PensionAdjustment};
use sirm_domain::rules::{Month, RoundingMode, RoundingRule};

const FEN: RoundingRule = RoundingRule::new(2, RoundingMode::HalfUp);

/// Half up to the fen, as RULES.md says for every amount.
fn fen(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn yuan() -> impl Strategy<Value = Decimal> {
    (0i64..10_000_000).prop_map(|c| Decimal::new(c, 2))
}

fn positive_yuan() -> impl Strategy<Value = Decimal> {
    (100i64..10_000_000).prop_map(|c| Decimal::new(c, 2))
}

proptest! {
    #[test]
    fn unemployment_recomputed(months in 0u32..400, involuntary: bool, carried in 0u32..=24, monthly in positive_yuan()) {
        let r = benefits::unemployment_benefit(FEN, months, involuntary, carried, monthly).unwrap();
        let band = if months >= 120 { 24 } else if months >= 60 { 18 } else if months >= 12 { 12 } else { 0 };
        let eligible = involuntary && months >= 12;
        let duration = if eligible { (band + carried).min(24) } else { 0 };
        prop_assert_eq!(r.eligible, eligible);
        prop_assert_eq!(r.duration_months, duration);
        prop_assert_eq!(r.total_amount, fen(monthly * Decimal::from(duration)));
        prop_assert!(r.duration_months <= 24);
    }

    #[test]
    fn maternity_recomputed(wage in yuan(), ev in 0usize..3, difficult: bool, babies in 1u32..6, extra in 0u32..120) {
        let event = [MaternityEvent::Birth, MaternityEvent::MiscarriageUnder4Months, MaternityEvent::Miscarriage4MonthsOrMore][ev];
        let r = benefits::maternity_allowance(FEN, wage, event, difficult, babies, extra).unwrap();
        let days = match ev {
            0 => 98 + if difficult { 15 } else { 0 } + 15 * (babies - 1) + extra,
            1 => 15,
            _ => 42,
        };
        prop_assert_eq!(r.days, days);
        prop_assert_eq!(r.amount, fen(wage * Decimal::from(days) / Decimal::from(30)));
    }

    #[test]
    fn disability_recomputed(own in yuan(), avg in positive_yuan(), grade in 1u8..=10, min in proptest::option::of(yuan())) {
        let r = benefits::work_injury_disability(FEN, own, avg, grade, min).unwrap();
        let lo = avg * Decimal::new(6, 1);
        let hi = avg * Decimal::from(3);
        let used = if own < lo { lo } else if own > hi { hi } else { own };
        let months = [27u32, 25, 23, 21, 18, 16, 13, 11, 9, 7][usize::from(grade - 1)];
        let rate = [90i64, 85, 80, 75, 70, 60, 0, 0, 0, 0][usize::from(grade - 1)];
        let raw = used * Decimal::new(rate, 2);
        let allowance = match min {
            Some(m) if grade <= 6 && raw < m => m,
            _ => raw,
        };
        prop_assert_eq!(r.wage_used, fen(used));
        prop_assert_eq!(r.lump_sum, fen(used * Decimal::from(months)));
        prop_assert_eq!(r.monthly_allowance, fen(allowance));
    }

    #[test]
    fn death_total_never_exceeds_the_wage_used(own in yuan(), avg in positive_yuan(), income in yuan(), deps in proptest::collection::vec((any::<bool>(), any::<bool>()), 0..6)) {
        let dependents: Vec<Dependent> = deps.iter().enumerate()
            .map(|(i, (spouse, alone))| Dependent { spouse: *spouse && i == 0, alone: *alone })
            .collect();
        let r = benefits::work_injury_death(FEN, own, avg, income, &dependents).unwrap();
        let lo = avg * Decimal::new(6, 1);
        let hi = avg * Decimal::from(3);
        let used = if own < lo { lo } else if own > hi { hi } else { own };
        let rates: Decimal = dependents.iter()
            .map(|d| Decimal::new(if d.spouse { 40 } else { 30 }, 2) + Decimal::new(if d.alone { 10 } else { 0 }, 2))
            .sum();
        prop_assert_eq!(r.capped, rates > Decimal::ONE);
        prop_assert_eq!(r.dependents_total, fen(used * rates.min(Decimal::ONE)));
        prop_assert!(r.dependents_total <= fen(used));
        prop_assert_eq!(r.funeral_grant, fen(avg * Decimal::from(6)));
        prop_assert_eq!(r.death_subsidy, fen(income * Decimal::from(20)));
    }

    #[test]
    fn adjustment_recomputed(pension in yuan(), years in 0i64..600, age in 50u32..100, fixed in yuan(), pm in 0i64..100, per_year in 0i64..1000, b70 in 0i64..10_000, b80 in 0i64..10_000) {
        let a = PensionAdjustment {
            fixed,
            percent: Decimal::new(pm, 3),
            per_year: Decimal::new(per_year, 2),
            age_bonus: vec![
                AgeBonus { from_age: 70, amount: Decimal::new(b70, 2) },
                AgeBonus { from_age: 80, amount: Decimal::new(b80, 2) },
            ],
        };
        let years = Decimal::new(years, 1);
        let r = benefits::pension_adjustment(FEN, pension, years, age, &a).unwrap();
        let bonus = if age >= 80 { Decimal::new(b80, 2) } else if age >= 70 { Decimal::new(b70, 2) } else { Decimal::ZERO };
        let increase = fen(fixed + pension * Decimal::new(pm, 3) + Decimal::new(per_year, 2) * years.trunc() + bonus);
        prop_assert_eq!(r.increase, increase);
        prop_assert_eq!(r.new_pension, fen(pension) + increase);
    }

    #[test]
    fn transfer_and_surcharge_recomputed(balance in yuan(), bases in proptest::collection::btree_map(1990i32..2030, 0i64..5_000_000, 0..40), overdue in yuan(), late in -30i64..4000) {
        let list: Vec<(Month, Decimal)> = bases.iter()
            .map(|(y, b)| (Month::new(*y, 6).unwrap(), Decimal::new(*b, 2)))
            .collect();
        let t = benefits::pension_transfer(FEN, balance, &list).unwrap();
        let counted: Decimal = list.iter().filter(|(m, _)| m.year() >= 1998).map(|(_, b)| *b).sum();
        prop_assert_eq!(t.pooled_transfer, fen(counted * Decimal::new(12, 2)));
        prop_assert_eq!(t.account_transfer, fen(balance));
        let due = chrono::NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
        let paid = due + chrono::Duration::days(late);
        let s = benefits::late_surcharge(FEN, Decimal::new(5, 4), overdue, due, paid).unwrap();
        let days = late.max(0);
        prop_assert_eq!(i64::from(s.days), days);
        prop_assert_eq!(s.surcharge, fen(overdue * Decimal::new(5, 4) * Decimal::from(days)));
    }
}
