//! The employee medical personal account (职工医保个人账户, 国办发〔2021〕14号):
//! credited with the rule set's `medical_account_share` of the employee's
//! own medical contribution for every month paid, and — for a retiree —
//! the rule set's `medical_retiree_credit` for every month the pension was
//! paid; debited with what settlements at contracted hospitals and
//! pharmacies took from it (个人账户支付). No interest is credited. A year:
//! opening (last year's closing) + credits − debits = closing, never below
//! zero. Derived from the record and recomputable: nothing of it is stored.
//!
//! Also the check of one settlement record (医疗费用结算): the fund, the
//! account and the person's own payment add up to the total.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::engine::nonneg;
use super::error::RuleError;
use super::rounding::RoundingRule;

/// One year of the medical personal account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicalAccountYear {
    pub year: i32,
    pub opening: Decimal,
    /// The share of the employee's medical contribution credited.
    pub share: Decimal,
    /// Months paid as an employee, and what they credited.
    pub employee_months: u32,
    pub employee_credits: Decimal,
    /// Months of a retiree's fixed credit, its amount, and their total.
    pub retiree_months: u32,
    pub retiree_credit: Decimal,
    pub retiree_credits: Decimal,
    /// employee_credits + retiree_credits.
    pub credits: Decimal,
    /// Paid from the account in settlements of the year.
    pub debits: Decimal,
    /// opening + credits − debits.
    pub closing: Decimal,
}

/// The inputs of [`medical_account_year`].
#[derive(Clone, Debug, Default)]
pub struct MedicalYearInputs {
    pub year: i32,
    pub opening: Decimal,
    /// The employee medical contribution of each month paid in the year.
    pub employee_contributions: Vec<Decimal>,
    pub share: Decimal,
    pub retiree_months: u32,
    pub retiree_credit: Decimal,
    /// The account-paid part of each settlement of the year.
    pub debits: Vec<Decimal>,
}

/// What one month's employee medical contribution credits.
pub fn employee_credit(
    amount: RoundingRule,
    contribution: Decimal,
    share: Decimal,
) -> Result<Decimal, RuleError> {
    nonneg(contribution, "employee_contributions")?;
    check_share(share)?;
    Ok(amount.apply(contribution * share))
}

fn check_share(share: Decimal) -> Result<(), RuleError> {
    if share.is_sign_negative() || share > Decimal::ONE {
        return Err(RuleError::invalid(
            "share",
            format!("\"{share}\""),
            "must lie between 0 and 1",
        ));
    }
    Ok(())
}

/// One year of the account (the caller refuses a year below zero with
/// [`check_not_overdrawn`]: a record is shown as it is).
pub fn medical_account_year(
    amount: RoundingRule,
    i: &MedicalYearInputs,
) -> Result<MedicalAccountYear, RuleError> {
    nonneg(i.opening, "opening")?;
    nonneg(i.retiree_credit, "retiree_credit")?;
    check_share(i.share)?;
    let mut employee = Decimal::ZERO;
    for c in &i.employee_contributions {
        employee += employee_credit(amount, *c, i.share)?;
    }
    let retiree_credit = amount.apply(i.retiree_credit);
    let retiree = retiree_credit * Decimal::from(i.retiree_months);
    let mut debits = Decimal::ZERO;
    for d in &i.debits {
        debits += amount.apply(nonneg(*d, "debits")?);
    }
    let opening = amount.apply(i.opening);
    let credits = employee + retiree;
    let closing = opening + credits - debits;
    Ok(MedicalAccountYear {
        year: i.year,
        opening,
        share: i.share,
        employee_months: u32::try_from(i.employee_contributions.len()).unwrap_or(u32::MAX),
        employee_credits: employee,
        retiree_months: i.retiree_months,
        retiree_credit,
        retiree_credits: retiree,
        credits,
        debits,
        closing,
    })
}

/// Refuse a year whose debits take the account below zero.
pub fn check_not_overdrawn(y: &MedicalAccountYear) -> Result<(), RuleError> {
    if y.closing.is_sign_negative() && !y.closing.is_zero() {
        return Err(RuleError::invalid(
            "debits",
            format!("\"{}\"", y.debits),
            format!(
                "exceed the balance of {} (opening {} + credits {}): the medical account may not go below zero",
                y.opening + y.credits,
                y.opening,
                y.credits
            ),
        ));
    }
    Ok(())
}

/// A settlement's parts: each at least zero, at most two decimal places,
/// fund + account + self = total. `Err((field, reason))` names the part.
pub fn check_settlement(
    total: Decimal,
    fund_paid: Decimal,
    account_paid: Decimal,
    self_paid: Decimal,
) -> Result<(), (&'static str, String)> {
    for (k, v) in [
        ("total", total),
        ("fund_paid", fund_paid),
        ("account_paid", account_paid),
        ("self_paid", self_paid),
    ] {
        if v.is_sign_negative() && !v.is_zero() {
            return Err((k, format!("{v} is negative")));
        }
        if v.normalize().scale() > 2 {
            return Err((k, format!("{v} has more than two decimal places")));
        }
    }
    let sum = fund_paid + account_paid + self_paid;
    if sum != total {
        return Err((
            "total",
            format!(
                "fund_paid {fund_paid} + account_paid {account_paid} + self_paid {self_paid} = {sum}, not the total {total}"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const FEN: RoundingRule = RoundingRule {
        scale: 2,
        mode: super::super::rounding::RoundingMode::HalfUp,
    };

    #[test]
    fn a_year_of_an_employee_and_a_retiree() {
        // 12 months of 2 % of 9000.00 (180.00) all credited, 2 retiree
        // months of 110.00, two settlements of 300.00 and 45.50.
        let y = medical_account_year(
            FEN,
            &MedicalYearInputs {
                year: 2025,
                opening: dec!(1000),
                employee_contributions: vec![dec!(180); 12],
                share: dec!(1),
                retiree_months: 2,
                retiree_credit: dec!(110),
                debits: vec![dec!(300), dec!(45.50)],
            },
        )
        .unwrap();
        assert_eq!(y.employee_credits, dec!(2160.00));
        assert_eq!(y.retiree_credits, dec!(220.00));
        assert_eq!(y.credits, dec!(2380.00));
        assert_eq!(y.debits, dec!(345.50));
        assert_eq!(y.closing, dec!(3034.50));
    }

    #[test]
    fn a_share_is_rounded_per_month_and_overdrawing_is_refused() {
        assert_eq!(
            employee_credit(FEN, dec!(166.67), dec!(0.5)).unwrap(),
            dec!(83.34)
        );
        assert!(employee_credit(FEN, dec!(100), dec!(1.5)).is_err());
        let y = medical_account_year(
            FEN,
            &MedicalYearInputs {
                year: 2025,
                opening: dec!(10),
                debits: vec![dec!(10.01)],
                share: dec!(1),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(y.closing, dec!(-0.01));
        let e = check_not_overdrawn(&y).unwrap_err();
        assert_eq!(e.key(), Some("debits"));
    }

    #[test]
    fn settlement_parts_add_up() {
        assert!(check_settlement(dec!(500), dec!(300), dec!(150), dec!(50)).is_ok());
        let (k, _) = check_settlement(dec!(500), dec!(300), dec!(150), dec!(49.99)).unwrap_err();
        assert_eq!(k, "total");
        let (k, _) = check_settlement(dec!(1), dec!(0), dec!(-1), dec!(2)).unwrap_err();
        assert_eq!(k, "account_paid");
        let (k, _) = check_settlement(dec!(1.005), dec!(1.005), dec!(0), dec!(0)).unwrap_err();
        assert_eq!(k, "total");
    }

    #[test]
    fn sirm_calc_medical_account_takes_the_figures_from_the_rule_set() {
        // The worked example of docs/rules.md: 3 months of 180.00 (the demo
        // share is 1), 2 retiree months of the demo 110.00, 300.00 paid.
        let book = crate::rules::builtin::rule_book().unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let input = serde_json::json!({"region": "110105", "year": 2025, "opening": "1000.00",
            "employee_contributions": ["180.00", "180.00", "180.00"], "retiree_months": 2,
            "debits": ["300.00"]});
        let out = crate::rules::calc::calc(&book, "medical-account", &input, today).unwrap();
        assert_eq!(out["share"], serde_json::json!("1"));
        assert_eq!(out["employee_credits"], serde_json::json!("540.00"));
        assert_eq!(out["retiree_credits"], serde_json::json!("220.00"));
        assert_eq!(out["closing"], serde_json::json!("1460.00"));
        // Overdrawn: refused naming debits.
        let input = serde_json::json!({"region": "110105", "year": 2025, "opening": "10.00",
            "debits": ["10.01"]});
        let e = crate::rules::calc::calc(&book, "medical-account", &input, today).unwrap_err();
        assert_eq!(e.key(), Some("debits"));
    }
}
