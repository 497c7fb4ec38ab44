//! Retirement ages, minimum contribution months and the payout-months table, against RULES.md.

use super::*;

#[test]
pub(super) fn retirement_schedule_hand_table() {
    let set = national();
    for &(cat, birth, delay, years, months, retire) in SCHEDULE {
        let born = d(&format!("{birth}-15"));
        let r = engine::retirement(&set, born, Category::parse(cat).unwrap(), today()).unwrap();
        assert_eq!(
            (
                r.delay_months,
                r.age_years,
                r.age_months,
                r.retirement_month.to_string()
            ),
            (delay, years, months, retire.to_owned()),
            "{cat} born {birth}"
        );
    }
    let out = run(
        "retirement-age",
        json!({"birth_date": "1965-03-31", "category": "male"}),
    )
    .unwrap();
    assert_eq!(s(&out, "retirement_month"), "2025-04");
    assert_eq!(out["delay_months"], json!(1));
    assert_eq!(out["request"]["as_of"], json!("2026-06-01"));
}

#[test]
pub(super) fn retirement_schedule_every_step_boundary() {
    // For every step d of every category: its first and last birth months both
    // give delay d, and the month before the first gives d − 1.
    let set = national();
    for (cat, first, step, cap, orig) in [
        (Category::Male, "1965-01", 4, 36, 60),
        (Category::Female55, "1970-01", 4, 36, 55),
        (Category::Female50, "1975-01", 2, 60, 50),
    ] {
        let first = m(first);
        for delay in 1..=cap {
            let lo = first.add_months((delay - 1) * step);
            let hi = lo.add_months(step - 1);
            for (birth, want) in [(lo, delay), (hi, delay), (lo.add_months(-1), delay - 1)] {
                let date = NaiveDate::from_ymd_opt(birth.year(), birth.month(), 1).unwrap();
                let r = engine::retirement(&set, date, cat, today()).unwrap();
                assert_eq!(r.delay_months as i32, want, "{cat:?} born {birth}");
                assert_eq!(
                    r.retirement_month,
                    birth.add_months(orig * 12 + want),
                    "{cat:?} born {birth}"
                );
            }
        }
        // Beyond the cap the delay stays at the cap.
        let after = first.add_months(cap * step + 120);
        let date = NaiveDate::from_ymd_opt(after.year(), after.month(), 1).unwrap();
        assert_eq!(
            engine::retirement(&set, date, cat, today())
                .unwrap()
                .delay_months as i32,
            cap
        );
    }
}

#[test]
pub(super) fn min_contribution_months_2029_to_2040() {
    let set = national();
    let want = [180, 186, 192, 198, 204, 210, 216, 222, 228, 234, 240, 240];
    for (i, y) in (2029..=2040).enumerate() {
        assert_eq!(
            engine::min_contribution_months(&set, y),
            want[i],
            "retirement year {y}"
        );
    }
    assert_eq!(engine::min_contribution_months(&set, 2025), 180);
    assert_eq!(engine::min_contribution_months(&set, 2060), 240);
    // Through the schedule: men born 1968-12 retire 2029-12 (15 years); 1969-01 → 2030-02 (15.5).
    let r = engine::retirement(&set, d("1968-12-01"), Category::Male, today()).unwrap();
    assert_eq!(r.min_contribution_months, 180);
    let r = engine::retirement(&set, d("1969-01-01"), Category::Male, today()).unwrap();
    assert_eq!(r.min_contribution_months, 186);
    let r = engine::retirement(&set, d("1980-01-01"), Category::Male, today()).unwrap();
    assert_eq!(r.min_contribution_months, 240);
}

#[test]
pub(super) fn payout_months_whole_table_matches_rules_md() {
    // Every age 40–70 in order, none missing.
    let ages: Vec<u32> = PAYOUT_MONTHS_RULES_MD.iter().map(|&(a, _)| a).collect();
    assert_eq!(ages, (40..=70).collect::<Vec<u32>>());
    // The national set and the demo region (which inherits the table).
    for set in [national(), demo()] {
        for &(age, months) in &PAYOUT_MONTHS_RULES_MD {
            assert_eq!(
                engine::payout_months(&set, age).unwrap(),
                months,
                "{} age {age}",
                set.id()
            );
        }
    }
    // The same figure reaches `sirm calc pension` output, for every age.
    for &(age, months) in &PAYOUT_MONTHS_RULES_MD {
        let out = run(
            "pension",
            json!({"avg_wage": "8000", "contribution_index": "1.0",
                   "contribution_months": 180, "account_balance": "0",
                   "retirement_age_years": age}),
        )
        .unwrap();
        assert_eq!(out["payout_months"], json!(months), "age {age}: {out}");
    }
}

#[test]
pub(super) fn payout_months_outside_the_table_refused() {
    let set = national();
    for age in [0, 39, 71, 120] {
        let e = engine::payout_months(&set, age).unwrap_err();
        assert_eq!(e.key(), Some("retirement_age_years"));
        assert!(e.to_string().contains(&age.to_string()));
    }
}
