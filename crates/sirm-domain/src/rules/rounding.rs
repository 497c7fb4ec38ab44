//! Rounding rules. They are part of the rule set (Art 6, invariant 9): the code
//! never picks a scale or a mode on its own.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How a value is rounded to its scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// 四舍五入: halves away from zero.
    HalfUp,
    /// Banker's rounding: halves to the even digit.
    HalfEven,
    /// Truncate towards zero.
    Down,
    /// Away from zero (any remainder rounds up).
    Up,
}

impl RoundingMode {
    pub fn parse(s: &str) -> Option<RoundingMode> {
        Some(match s {
            "half_up" => RoundingMode::HalfUp,
            "half_even" => RoundingMode::HalfEven,
            "down" => RoundingMode::Down,
            "up" => RoundingMode::Up,
            _ => return None,
        })
    }

    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::Down => RoundingStrategy::ToZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
        }
    }
}

/// A scale (digits after the point) and a mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundingRule {
    pub scale: u32,
    pub mode: RoundingMode,
}

impl RoundingRule {
    pub const fn new(scale: u32, mode: RoundingMode) -> Self {
        RoundingRule { scale, mode }
    }

    /// Rounds and then fixes the scale, so `2200` prints as `2200.00` at scale 2.
    #[inline]
    pub fn apply(self, value: Decimal) -> Decimal {
        let mut d = value.round_dp_with_strategy(self.scale, self.mode.strategy());
        d.rescale(self.scale);
        d
    }
}

/// The rounding rules of a rule set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rounding {
    /// Contribution bases, floors and ceilings (default: whole yuan, half up).
    pub base: RoundingRule,
    /// Contribution amounts, interest, balances and pensions (default: fen, half up).
    pub amount: RoundingRule,
    /// The average contribution index (default: 4 places, half up).
    pub index: RoundingRule,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn modes() {
        let r = |mode| RoundingRule::new(2, mode);
        assert_eq!(r(RoundingMode::HalfUp).apply(dec!(1.005)), dec!(1.01));
        assert_eq!(r(RoundingMode::HalfEven).apply(dec!(1.005)), dec!(1.00));
        assert_eq!(r(RoundingMode::Down).apply(dec!(1.009)), dec!(1.00));
        assert_eq!(r(RoundingMode::Up).apply(dec!(1.001)), dec!(1.01));
        assert_eq!(
            r(RoundingMode::HalfUp).apply(dec!(2200)).to_string(),
            "2200.00"
        );
        assert_eq!(
            RoundingRule::new(0, RoundingMode::HalfUp)
                .apply(dec!(7162.5))
                .to_string(),
            "7163"
        );
    }
}
