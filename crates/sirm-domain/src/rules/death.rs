//! The death of an insured person or pensioner, not from work injury
//! (社会保险法 Art 17; 国发〔2005〕38号: the personal account may be
//! inherited): the funeral grant (丧葬补助金, the rule set's
//! `funeral_grant`), the survivors' compensation (抚恤金, the rule set's
//! `survivor_months` times the monthly pension — before retirement, times
//! the regional average monthly wage), the benefit paid for months after
//! the month of death (to recover, 追回), and the personal account balance
//! paid to the heirs (个人账户余额继承).
//!
//! A pensioner's account balance is what is left after the account
//! pension paid so far: the closing balance at retirement less the account
//! part of every month paid (at least zero).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::engine::nonneg;
use super::error::RuleError;
use super::rounding::RoundingRule;

/// What a death settles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeathSettlement {
    /// The rule set's funeral grant.
    pub funeral_grant: Decimal,
    /// The rule set's months of survivors' compensation.
    pub survivor_months: u32,
    /// What a month of compensation is: the monthly pension, or the
    /// regional average monthly wage before retirement.
    pub survivor_base: Decimal,
    /// survivor_months × survivor_base.
    pub survivor_compensation: Decimal,
    /// Months paid after the month of death, and their total (recovered).
    pub recovered_months: u32,
    pub recovered: Decimal,
    /// The account balance before the account pension paid.
    pub account_balance_before: Decimal,
    /// The account pension paid so far (months paid up to the month of
    /// death × the monthly account pension).
    pub account_paid: Decimal,
    /// account_balance_before − account_paid, at least 0: to the heirs.
    pub account_to_heirs: Decimal,
    /// funeral_grant + survivor_compensation + account_to_heirs − recovered.
    pub net_to_heirs: Decimal,
}

/// The inputs of [`death_settlement`].
#[derive(Clone, Debug)]
pub struct DeathInputs {
    pub funeral_grant: Decimal,
    pub survivor_months: u32,
    pub survivor_base: Decimal,
    /// Payments recorded for months after the month of death.
    pub recovered_months: u32,
    pub recovered: Decimal,
    pub account_balance: Decimal,
    /// Months paid up to the month of death.
    pub months_paid_due: u32,
    /// The monthly account pension (0 before retirement).
    pub monthly_account_pension: Decimal,
}

pub fn death_settlement(
    amount: RoundingRule,
    i: &DeathInputs,
) -> Result<DeathSettlement, RuleError> {
    nonneg(i.funeral_grant, "funeral_grant")?;
    nonneg(i.survivor_base, "survivor_base")?;
    nonneg(i.recovered, "recovered")?;
    nonneg(i.account_balance, "account_balance")?;
    nonneg(i.monthly_account_pension, "monthly_account_pension")?;
    let survivor = amount.apply(i.survivor_base * Decimal::from(i.survivor_months));
    let paid = amount.apply(i.monthly_account_pension * Decimal::from(i.months_paid_due));
    let to_heirs = (amount.apply(i.account_balance) - paid).max(Decimal::ZERO);
    let funeral = amount.apply(i.funeral_grant);
    let recovered = amount.apply(i.recovered);
    Ok(DeathSettlement {
        funeral_grant: funeral,
        survivor_months: i.survivor_months,
        survivor_base: amount.apply(i.survivor_base),
        survivor_compensation: survivor,
        recovered_months: i.recovered_months,
        recovered,
        account_balance_before: amount.apply(i.account_balance),
        account_paid: paid,
        account_to_heirs: to_heirs,
        net_to_heirs: funeral + survivor + to_heirs - recovered,
    })
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
    fn a_pensioner_dying_with_payments_after_death() {
        // 9 months of a 3000.00 pension, 5000.00 funeral grant; 2 months
        // paid after death (6000.00); 40000.00 in the account, 139.00 a
        // month of it paid for 24 months (3336.00).
        let r = death_settlement(
            FEN,
            &DeathInputs {
                funeral_grant: dec!(5000),
                survivor_months: 9,
                survivor_base: dec!(3000),
                recovered_months: 2,
                recovered: dec!(6000),
                account_balance: dec!(40000),
                months_paid_due: 24,
                monthly_account_pension: dec!(139),
            },
        )
        .unwrap();
        assert_eq!(r.survivor_compensation, dec!(27000.00));
        assert_eq!(r.account_paid, dec!(3336.00));
        assert_eq!(r.account_to_heirs, dec!(36664.00));
        assert_eq!(r.net_to_heirs, dec!(62664.00));
    }

    #[test]
    fn the_account_to_heirs_is_never_negative() {
        let r = death_settlement(
            FEN,
            &DeathInputs {
                funeral_grant: dec!(5000),
                survivor_months: 0,
                survivor_base: dec!(0),
                recovered_months: 0,
                recovered: dec!(0),
                account_balance: dec!(100),
                months_paid_due: 200,
                monthly_account_pension: dec!(139),
            },
        )
        .unwrap();
        assert_eq!(r.account_to_heirs, dec!(0));
    }
}
