//! The rule set document as typed serde structs, read from the merged
//! `serde_json::Value` through [`crate::rules::de`] (errors name the dotted
//! key, the value and a reason; no serde prose is read).
//!
//! Every table refuses keys it does not know (`deny_unknown_fields`, the
//! allowed list being the fields in declaration order). The leaf newtypes
//! carry our value rules and implement `Deserialize` themselves: decimals are
//! strings (a bare number is refused, never converted), integers are in a
//! range, months are `YYYY-MM`, year keys are four digits in range. Checks
//! spanning fields (contiguous years, rising payout months, the rates of a
//! year over the defaults) are in `parse.rs`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

use super::super::doc::{decimal_str, integer_str, BARE_NUMBER};
use super::super::period::Month;
use super::super::rounding::RoundingMode;
use super::RuleSetId;

/// Years a rule set may hold.
pub(super) const YEAR_RANGE: (i64, i64) = (1990, 2100);

// ---------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------

/// A whole rule set document (after the `extends` merge).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Document {
    pub rule_set: Meta,
    pub rounding: RoundingDoc,
    pub defaults: Option<LayerDoc>,
    /// A `null` year is an empty one.
    pub years: Option<BTreeMap<YearKey, Option<LayerDoc>>>,
    pub crediting_rates: Option<BTreeMap<YearKey, CreditingRate>>,
    pub retirement: RetirementDoc,
    pub min_contribution: MinContributionDoc,
    pub payout_months: BTreeMap<AgeKey, IntIn<1, 1200>>,
}

/// `[rule_set]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Meta {
    pub id: RuleSetId,
    pub version: Version,
    pub title: String,
    pub region: Option<RegionKey>,
    pub extends: Option<ExtendsDoc>,
    pub demo: Option<bool>,
    pub sources: Option<StringList>,
    /// Free text, read for its type only.
    #[serde(rename = "notes")]
    pub _notes: Option<String>,
    pub valid_from: Option<MonthValue>,
}

/// `rule_set.extends`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExtendsDoc {
    pub id: RuleSetId,
    pub version: Version,
}

/// The id of a document, read before anything else so that every later
/// error can name the rule set.
#[derive(Deserialize)]
pub(super) struct Head {
    pub rule_set: HeadId,
}

#[derive(Deserialize)]
pub(super) struct HeadId {
    pub id: String,
}

/// `rule_set.extends` of a document before the merge.
#[derive(Deserialize)]
pub(super) struct HeadExtends {
    pub rule_set: HeadExtendsMeta,
}

#[derive(Deserialize)]
pub(super) struct HeadExtendsMeta {
    pub extends: Option<ExtendsDoc>,
}

/// `[rounding]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RoundingDoc {
    pub base: RoundingRuleDoc,
    pub amount: RoundingRuleDoc,
    pub index: RoundingRuleDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RoundingRuleDoc {
    pub scale: IntIn<0, 10>,
    pub mode: RoundingMode,
}

/// `[retirement]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RetirementDoc {
    pub male: ScheduleStepDoc,
    pub female_55: ScheduleStepDoc,
    pub female_50: ScheduleStepDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScheduleStepDoc {
    pub original_age_years: IntIn<16, 80>,
    pub first_affected_birth_month: MonthValue,
    pub step_months: IntIn<1, 120>,
    pub cap_months: IntIn<0, 240>,
}

/// `[min_contribution]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MinContributionDoc {
    pub base_months: IntIn<0, 1200>,
    pub first_rising_year: IntIn<{ YEAR_RANGE.0 }, { YEAR_RANGE.1 }>,
    pub step_months: IntIn<0, 120>,
    pub max_months: IntIn<0, 1200>,
}

/// `[defaults]` and each `[years.YYYY]`: absent keys are `None`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LayerDoc {
    pub avg_wage: Option<Positive>,
    pub pension_base_wage: Option<Positive>,
    pub floor_ratio: Option<Positive>,
    pub ceiling_ratio: Option<Positive>,
    pub rates: Option<RatesDoc>,
    pub transitional_coefficient: Option<TransitionalCoefficient>,
    /// 失业保险金: the regional monthly unemployment benefit.
    pub unemployment_benefit: Option<Positive>,
    /// Regional extension of maternity leave for a birth (days).
    pub maternity_extra_days: Option<IntIn<0, 365>>,
    /// The regional monthly minimum wage (最低工资标准).
    pub min_wage: Option<Positive>,
    /// The previous year's national urban per-capita disposable income
    /// (annual), for the work-injury death subsidy.
    pub national_disposable_income: Option<Positive>,
    /// The yearly pension adjustment (养老金调整) of this year.
    pub pension_adjustment: Option<AdjustmentDoc>,
    /// 丧葬补助金: the funeral grant on the death of an insured person or
    /// pensioner (not from work injury), a regional fixed amount.
    pub funeral_grant: Option<Positive>,
    /// 抚恤金: the survivors' compensation, in months of the deceased's
    /// monthly pension (a pensioner) or of the regional average monthly
    /// wage (an insured person not yet retired).
    pub survivor_months: Option<IntIn<0, 120>>,
    /// 职工医保个人账户: the share (0–1) of the employee's own medical
    /// contribution credited to the medical personal account.
    pub medical_account_share: Option<ContributionRate>,
    /// 职工医保个人账户: a retiree's fixed monthly credit (a regional amount).
    pub medical_retiree_credit: Option<Positive>,
    /// 滞纳金: the late-payment surcharge per day (national 0.0005).
    pub late_surcharge_rate: Option<ContributionRate>,
}

/// `pension_adjustment` of a layer: absent parts count nothing.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AdjustmentDoc {
    pub fixed: Option<Dec>,
    pub percent: Option<Dec>,
    pub per_year: Option<Dec>,
    pub age_bonus: Option<Vec<AgeBonusDoc>>,
}

/// One age bonus: `amount` from `from_age` (whole years) on.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AgeBonusDoc {
    pub from_age: IntIn<0, 150>,
    pub amount: Dec,
}

/// The `params` of a calc input: the layer keys (which override
/// `[defaults]` and every year), then the sections (merged over the
/// document's and read with it). Read for its checks only: the merge works
/// on the document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(super) struct ParamsDoc {
    avg_wage: Option<Positive>,
    pension_base_wage: Option<Positive>,
    floor_ratio: Option<Positive>,
    ceiling_ratio: Option<Positive>,
    rates: Option<RatesDoc>,
    transitional_coefficient: Option<TransitionalCoefficient>,
    unemployment_benefit: Option<Positive>,
    maternity_extra_days: Option<IntIn<0, 365>>,
    min_wage: Option<Positive>,
    national_disposable_income: Option<Positive>,
    pension_adjustment: Option<AdjustmentDoc>,
    funeral_grant: Option<Positive>,
    survivor_months: Option<IntIn<0, 120>>,
    medical_account_share: Option<ContributionRate>,
    medical_retiree_credit: Option<Positive>,
    late_surcharge_rate: Option<ContributionRate>,
    rounding: Option<IgnoredAny>,
    crediting_rates: Option<IgnoredAny>,
    retirement: Option<IgnoredAny>,
    min_contribution: Option<IgnoredAny>,
    payout_months: Option<IgnoredAny>,
}

/// The keys of [`ParamsDoc`] that are layer keys (the fields of [`LayerDoc`]).
pub(super) const LAYER_KEYS: &[&str] = &[
    "avg_wage",
    "pension_base_wage",
    "floor_ratio",
    "ceiling_ratio",
    "rates",
    "transitional_coefficient",
    "unemployment_benefit",
    "maternity_extra_days",
    "min_wage",
    "national_disposable_income",
    "pension_adjustment",
    "funeral_grant",
    "survivor_months",
    "medical_account_share",
    "medical_retiree_credit",
    "late_surcharge_rate",
];

/// `rates` of a layer.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RatesDoc {
    pub pension: Option<PayerRatesDoc>,
    pub medical: Option<PayerRatesDoc>,
    pub unemployment: Option<PayerRatesDoc>,
    /// Employer rate by industry class.
    pub work_injury: Option<BTreeMap<ClassKey, ContributionRate>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PayerRatesDoc {
    pub employer: Option<ContributionRate>,
    pub employee: Option<ContributionRate>,
}

// ---------------------------------------------------------------------------
// Leaf values
// ---------------------------------------------------------------------------

const NOT_WHOLE: &str = "not a whole number";

/// An integer in `LO..=HI`: a JSON integer or a string of digits.
#[derive(Clone, Copy, Debug)]
pub(super) struct IntIn<const LO: i64, const HI: i64>(pub i64);

/// A rule set version.
pub(super) type Version = IntIn<1, { u32::MAX as i64 }>;

impl<const LO: i64, const HI: i64> IntIn<LO, HI> {
    fn check<E: de::Error>(n: i64) -> Result<Self, E> {
        if (LO..=HI).contains(&n) {
            Ok(IntIn(n))
        } else {
            Err(E::custom(format!("must be between {LO} and {HI}")))
        }
    }

    /// The value; it fits a `u32` whenever `LO >= 0` and `HI <= u32::MAX`.
    pub fn u32(self) -> u32 {
        u32::try_from(self.0).unwrap_or_default()
    }
}

impl<'de, const LO: i64, const HI: i64> Deserialize<'de> for IntIn<LO, HI> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const LO: i64, const HI: i64>;
        impl<const LO: i64, const HI: i64> Visitor<'_> for V<LO, HI> {
            type Value = IntIn<LO, HI>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(NOT_WHOLE)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                IntIn::check(n)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                i64::try_from(n)
                    .map_err(|_| E::custom(NOT_WHOLE))
                    .and_then(IntIn::check)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                integer_str(s)
                    .ok_or_else(|| E::custom(NOT_WHOLE))
                    .and_then(IntIn::check)
            }
        }
        d.deserialize_any(V::<LO, HI>)
    }
}

/// A decimal held in a string; a bare JSON/TOML number is refused.
#[derive(Clone, Copy, Debug)]
pub(super) struct Dec(pub Decimal);

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("not a decimal number")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Dec, E> {
                decimal_str(s).map(Dec).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Dec, E> {
                Err(E::custom(BARE_NUMBER))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Dec, E> {
                Err(E::custom(BARE_NUMBER))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Dec, E> {
                Err(E::custom(BARE_NUMBER))
            }
        }
        d.deserialize_any(V)
    }
}

/// A decimal above zero (wages, ratios).
#[derive(Clone, Copy, Debug)]
pub(super) struct Positive(pub Decimal);

impl<'de> Deserialize<'de> for Positive {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Dec(v) = Dec::deserialize(d)?;
        if v <= Decimal::ZERO {
            return Err(de::Error::custom("must be positive"));
        }
        Ok(Positive(v))
    }
}

/// The bounds of a [`Bounded`] decimal.
pub(super) trait Bounds {
    /// What the value is, for the reason ("a contribution rate").
    const WHAT: &'static str;
    fn lo() -> Decimal;
    fn hi() -> Decimal;
}

/// A decimal within the bounds `B`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Bounded<B>(pub Decimal, PhantomData<B>);

impl<'de, B: Bounds> Deserialize<'de> for Bounded<B> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Dec(v) = Dec::deserialize(d)?;
        let (lo, hi) = (B::lo(), B::hi());
        if v < lo || v > hi {
            return Err(de::Error::custom(format!(
                "{} must be between {lo} and {hi}",
                B::WHAT
            )));
        }
        Ok(Bounded(v, PhantomData))
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) struct ContributionBounds;
impl Bounds for ContributionBounds {
    const WHAT: &'static str = "a contribution rate";
    fn lo() -> Decimal {
        Decimal::ZERO
    }
    fn hi() -> Decimal {
        Decimal::ONE
    }
}
pub(super) type ContributionRate = Bounded<ContributionBounds>;

#[derive(Clone, Copy, Debug)]
pub(super) struct CreditingBounds;
impl Bounds for CreditingBounds {
    const WHAT: &'static str = "a crediting rate";
    fn lo() -> Decimal {
        Decimal::ZERO
    }
    fn hi() -> Decimal {
        Decimal::ONE
    }
}
pub(super) type CreditingRate = Bounded<CreditingBounds>;

/// RULES.md: a regional coefficient of 1.0 %–1.4 %.
#[derive(Clone, Copy, Debug)]
pub(super) struct TransitionalBounds;
impl Bounds for TransitionalBounds {
    const WHAT: &'static str = "a transitional coefficient";
    fn lo() -> Decimal {
        Decimal::new(10, 3)
    }
    fn hi() -> Decimal {
        Decimal::new(14, 3)
    }
}
pub(super) type TransitionalCoefficient = Bounded<TransitionalBounds>;

/// A month `YYYY-MM`.
#[derive(Clone, Copy, Debug)]
pub(super) struct MonthValue(pub Month);

impl<'de> Deserialize<'de> for MonthValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Month::parse(&s).map(MonthValue).map_err(de::Error::custom)
    }
}

/// A 6-digit pooling region code.
#[derive(Clone, Debug)]
pub(super) struct RegionKey(pub String);

impl<'de> Deserialize<'de> for RegionKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() != 6 || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(de::Error::custom("must be a 6-digit region code"));
        }
        Ok(RegionKey(s))
    }
}

/// A list of strings.
#[derive(Clone, Debug, Default)]
pub(super) struct StringList(pub Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("must be a list of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringList, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(StringList(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Implements `Deserialize` for a key newtype read from a string by `parse`
/// (whose error is the reason).
macro_rules! key_from_str {
    ($ty:ident, $what:literal, $parse:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$ty, E> {
                        let parse: fn(&str) -> Result<$ty, String> = $parse;
                        parse(s).map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// A year key: four digits, within [`YEAR_RANGE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct YearKey(pub i32);

key_from_str!(YearKey, "a year key must be four digits", |s| {
    let four = "a year key must be four digits";
    if s.len() != 4 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(four.to_owned());
    }
    let y: i64 = s.parse().map_err(|_| four.to_owned())?;
    if y < YEAR_RANGE.0 || y > YEAR_RANGE.1 {
        return Err(format!("year must be {}–{}", YEAR_RANGE.0, YEAR_RANGE.1));
    }
    i32::try_from(y).map(YearKey).map_err(|_| four.to_owned())
});

/// An age key of the payout table: a whole number of years.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct AgeKey(pub u32);

key_from_str!(AgeKey, "an age key must be a whole number of years", |s| {
    let why = "an age key must be a whole number of years";
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(why.to_owned());
    }
    s.parse().map(AgeKey).map_err(|_| why.to_owned())
});

/// An industry class key of the work injury rates: 1–32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct ClassKey(pub u8);

key_from_str!(ClassKey, "an industry class key must be 1–32", |s| {
    match s.parse::<u8>() {
        Ok(c) if (1..=32).contains(&c) && s.bytes().all(|b| b.is_ascii_digit()) => Ok(ClassKey(c)),
        _ => Err("an industry class key must be 1–32".to_owned()),
    }
});

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::super::de;
    use super::super::super::error::RuleError;
    use super::*;

    /// `LAYER_KEYS` (which `with_overrides` merges into every layer) are
    /// the keys of a layer and the first keys of `params`.
    #[test]
    fn layer_keys_are_the_layer_fields() {
        for k in LAYER_KEYS {
            // A known key holding null is absent; an unknown one is refused.
            assert!(
                de::read::<LayerDoc>(&json!({ *k: null }), "l").is_ok(),
                "{k}"
            );
        }
        match de::read::<LayerDoc>(&json!({"zz": 1}), "l") {
            Err(RuleError::UnknownKey { allowed, .. }) => {
                assert_eq!(allowed, LAYER_KEYS.join(", "))
            }
            other => panic!("{:?}", other.err()),
        }
        match de::read::<ParamsDoc>(&json!({"zz": 1}), "params") {
            Err(RuleError::UnknownKey { key, allowed }) => {
                assert_eq!(key, "params.zz");
                assert!(allowed.starts_with(&LAYER_KEYS.join(", ")), "{allowed}");
                assert!(
                    allowed.ends_with("min_contribution, payout_months"),
                    "{allowed}"
                );
            }
            other => panic!("{:?}", other.err()),
        }
    }
}
