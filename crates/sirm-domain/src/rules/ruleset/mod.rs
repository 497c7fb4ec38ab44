//! Rule sets: versioned parameter documents, validated on load and resolved
//! per year into [`Params`] so the formulas do no lookups in the hot path.
//!
//! The file format (TOML or JSON, same keys) is documented in `docs/rules.md`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::de;
use super::doc::merge;
use super::error::RuleError;
use super::period::Month;
use super::rounding::Rounding;

mod book;
mod diff;
mod identity;
mod parse;
mod schema;
mod versions;
pub use diff::{diff, Change, RuleSetDiff};

pub use book::RuleBook;
pub use identity::{DocumentHash, RuleSetId, RuleSetRef, MAX_ID_LEN};
use parse::{check_contiguous, rename_to_params, Layer};
use schema::{Document, Head, HeadExtends, LayerDoc, ParamsDoc, YearKey, LAYER_KEYS};
pub use versions::{SuccessionError, Versions};

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

/// Insurance types that carry contributions (maternity is merged into medical).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Insurance {
    Pension,
    Medical,
    Unemployment,
    WorkInjury,
}

impl Insurance {
    pub const ALL: [Insurance; 4] = [
        Insurance::Pension,
        Insurance::Medical,
        Insurance::Unemployment,
        Insurance::WorkInjury,
    ];

    pub fn parse(s: &str) -> Option<Insurance> {
        Some(match s {
            "pension" => Insurance::Pension,
            "medical" => Insurance::Medical,
            "unemployment" => Insurance::Unemployment,
            "work_injury" => Insurance::WorkInjury,
            _ => return None,
        })
    }
}

/// Who pays a contribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    Employer,
    Employee,
}

impl Payer {
    pub fn parse(s: &str) -> Option<Payer> {
        Some(match s {
            "employer" => Payer::Employer,
            "employee" => Payer::Employee,
            _ => return None,
        })
    }
}

/// Employer and employee rate of one insurance type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PayerRates {
    pub employer: Decimal,
    pub employee: Decimal,
}

/// Contribution rates of one year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rates {
    pub pension: PayerRates,
    pub medical: PayerRates,
    pub unemployment: PayerRates,
    /// Employer rate by industry class; index 0 is class 1.
    pub work_injury: Vec<Decimal>,
}

impl Rates {
    /// The rate for an insurance type and payer. Work injury needs the
    /// employer's industry class; its employee rate is zero by statute.
    pub fn rate(
        &self,
        insurance: Insurance,
        payer: Payer,
        industry_class: Option<u8>,
    ) -> Result<Decimal, RuleError> {
        let pick = |r: &PayerRates| match payer {
            Payer::Employer => r.employer,
            Payer::Employee => r.employee,
        };
        Ok(match insurance {
            Insurance::Pension => pick(&self.pension),
            Insurance::Medical => pick(&self.medical),
            Insurance::Unemployment => pick(&self.unemployment),
            Insurance::WorkInjury => {
                let class = industry_class.ok_or_else(|| RuleError::missing("industry_class"))?;
                let rate = self
                    .work_injury
                    .get((class as usize).wrapping_sub(1))
                    .copied()
                    .ok_or_else(|| {
                        RuleError::invalid(
                            "industry_class",
                            class.to_string(),
                            format!(
                                "the rule set has work injury classes 1–{}",
                                self.work_injury.len()
                            ),
                        )
                    })?;
                match payer {
                    Payer::Employer => rate,
                    Payer::Employee => Decimal::ZERO,
                }
            }
        })
    }
}

/// Everything a formula needs for one year of one rule set, resolved on load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Params {
    pub rule_set: RuleSetRef,
    /// `None` for the rule set's defaults (no year requested).
    pub year: Option<i32>,
    /// The region's average monthly wage of the previous year, used for this
    /// year's bases (and as the denominator of the contribution index).
    pub avg_wage: Option<Decimal>,
    /// C: the average monthly wage used for pensions starting in this year.
    pub pension_base_wage: Option<Decimal>,
    pub floor_ratio: Decimal,
    pub ceiling_ratio: Decimal,
    /// `avg_wage × floor_ratio`, rounded by the base rule (when `avg_wage` is known).
    pub floor: Option<Decimal>,
    /// `avg_wage × ceiling_ratio`, rounded by the base rule.
    pub ceiling: Option<Decimal>,
    pub rates: Rates,
    /// The national crediting rate (记账利率) of this year, if published.
    pub crediting_rate: Option<Decimal>,
    pub transitional_coefficient: Option<Decimal>,
    /// Regional figures of the benefits beyond the pension.
    pub benefits: BenefitParams,
    pub rounding: Rounding,
}

/// Regional figures of unemployment, maternity, work injury and the yearly
/// pension adjustment (`None`: the rule set has none for the year; a
/// calculation then needs the figure in its input).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BenefitParams {
    /// 失业保险金: the monthly unemployment benefit.
    pub unemployment_benefit: Option<Decimal>,
    /// Regional extension of maternity leave for a birth, in days.
    pub maternity_extra_days: Option<u32>,
    /// The monthly minimum wage (最低工资标准).
    pub min_wage: Option<Decimal>,
    /// The previous year's national urban per-capita disposable income.
    pub national_disposable_income: Option<Decimal>,
    pub pension_adjustment: Option<PensionAdjustment>,
    /// 丧葬补助金: the funeral grant on a death not from work injury.
    pub funeral_grant: Option<Decimal>,
    /// 抚恤金: survivors' compensation in months of the pension (or, before
    /// retirement, of the regional average monthly wage).
    pub survivor_months: Option<u32>,
    /// 职工医保个人账户: the share of the employee's own medical contribution
    /// credited to the medical personal account (1 = all of it).
    pub medical_account_share: Option<Decimal>,
    /// 职工医保个人账户: a retiree's fixed monthly credit (a regional amount).
    pub medical_retiree_credit: Option<Decimal>,
    /// 滞纳金: the late-payment surcharge per calendar day, a fraction of
    /// the overdue amount (national 0.0005, 社会保险法 Art 86).
    pub late_surcharge_rate: Option<Decimal>,
}

impl BenefitParams {
    /// `over`'s figures where it has them, these elsewhere (a
    /// `pension_adjustment` table replaces the one below it whole).
    pub(super) fn overlay(&self, over: &BenefitParams) -> BenefitParams {
        BenefitParams {
            unemployment_benefit: over.unemployment_benefit.or(self.unemployment_benefit),
            maternity_extra_days: over.maternity_extra_days.or(self.maternity_extra_days),
            min_wage: over.min_wage.or(self.min_wage),
            national_disposable_income: over
                .national_disposable_income
                .or(self.national_disposable_income),
            pension_adjustment: over
                .pension_adjustment
                .clone()
                .or_else(|| self.pension_adjustment.clone()),
            late_surcharge_rate: over.late_surcharge_rate.or(self.late_surcharge_rate),
            funeral_grant: over.funeral_grant.or(self.funeral_grant),
            survivor_months: over.survivor_months.or(self.survivor_months),
            medical_account_share: over.medical_account_share.or(self.medical_account_share),
            medical_retiree_credit: over.medical_retiree_credit.or(self.medical_retiree_credit),
        }
    }
}

/// The yearly pension adjustment (养老金调整): increase = `fixed` +
/// pension × `percent` + `per_year` × whole contribution years + the
/// `amount` of the highest `from_age` not above the pensioner's age.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PensionAdjustment {
    pub fixed: Decimal,
    pub percent: Decimal,
    pub per_year: Decimal,
    pub age_bonus: Vec<AgeBonus>,
}

/// An age bonus of the pension adjustment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AgeBonus {
    pub from_age: u32,
    pub amount: Decimal,
}

/// Retirement categories of the 2024 decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Category {
    #[serde(rename = "male")]
    Male,
    /// Women with an original retirement age of 55.
    #[serde(rename = "female_55")]
    Female55,
    /// Women with an original retirement age of 50.
    #[serde(rename = "female_50")]
    Female50,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Male, Category::Female55, Category::Female50];

    pub fn parse(s: &str) -> Option<Category> {
        Some(match s {
            "male" => Category::Male,
            "female_55" => Category::Female55,
            "female_50" => Category::Female50,
            _ => return None,
        })
    }

    pub fn key(self) -> &'static str {
        match self {
            Category::Male => "male",
            Category::Female55 => "female_55",
            Category::Female50 => "female_50",
        }
    }
}

/// The schedule of one category: delay = 0 before the first affected birth
/// month, else `min(cap, ⌊k / step⌋ + 1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ScheduleStep {
    pub original_age_years: u32,
    pub first_affected_birth_month: Month,
    pub step_months: u32,
    pub cap_months: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RetirementSchedule {
    pub male: ScheduleStep,
    pub female_55: ScheduleStep,
    pub female_50: ScheduleStep,
}

impl RetirementSchedule {
    pub fn of(&self, c: Category) -> &ScheduleStep {
        match c {
            Category::Male => &self.male,
            Category::Female55 => &self.female_55,
            Category::Female50 => &self.female_50,
        }
    }
}

/// Minimum contribution months for a monthly pension by retirement year:
/// `base_months` before `first_rising_year`, then `+ step_months` a year up to
/// `max_months`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MinContribution {
    pub base_months: u32,
    pub first_rising_year: i32,
    pub step_months: u32,
    pub max_months: u32,
}

impl MinContribution {
    pub fn months(&self, retirement_year: i32) -> u32 {
        if retirement_year < self.first_rising_year {
            return self.base_months;
        }
        let steps = (retirement_year - self.first_rising_year + 1) as u32;
        self.base_months
            .saturating_add(self.step_months.saturating_mul(steps))
            .min(self.max_months)
    }
}

/// Payout months (计发月数) by whole retirement age.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PayoutTable {
    pub first_age: u32,
    pub months: Vec<u32>,
}

impl PayoutTable {
    pub fn last_age(&self) -> u32 {
        self.first_age + self.months.len() as u32 - 1
    }

    pub fn get(&self, age: u32) -> Option<u32> {
        age.checked_sub(self.first_age)
            .and_then(|i| self.months.get(i as usize))
            .copied()
    }
}

// ---------------------------------------------------------------------------
// Rule set
// ---------------------------------------------------------------------------

/// A loaded, validated rule set (a region's set is already merged over the
/// base set it extends).
#[derive(Clone, Debug)]
pub struct RuleSet {
    reference: RuleSetRef,
    title: String,
    region: Option<String>,
    extends: Option<RuleSetRef>,
    demo: bool,
    sources: Vec<String>,
    /// The first month this version is in force (`rule_set.valid_from`);
    /// `None`: every month (a region's first version).
    valid_from: Option<Month>,
    pub rounding: Rounding,
    pub retirement: RetirementSchedule,
    pub min_contribution: MinContribution,
    pub payout: PayoutTable,
    crediting_rates: BTreeMap<i32, Decimal>,
    defaults: Params,
    first_year: i32,
    years: Vec<Params>,
    document: Value,
}

/// Source format of a rule set document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    /// By file name: `.json` is JSON, anything else TOML.
    pub fn of_name(name: &str) -> Format {
        if name.to_ascii_lowercase().ends_with(".json") {
            Format::Json
        } else {
            Format::Toml
        }
    }
}

/// Parses TOML or JSON text into a document (TOML converted to the JSON model).
pub fn parse_document(text: &str, format: Format, what: &str) -> Result<Value, RuleError> {
    match format {
        Format::Json => serde_json::from_str(text).map_err(|e| RuleError::Syntax {
            what: what.to_owned(),
            format: "JSON",
            message: e.to_string(),
        }),
        Format::Toml => {
            let v: toml::Value = toml::from_str(text).map_err(|e| RuleError::Syntax {
                what: what.to_owned(),
                format: "TOML",
                message: e.to_string().trim().replace('\n', " "),
            })?;
            serde_json::to_value(v).map_err(|e| RuleError::Syntax {
                what: what.to_owned(),
                format: "TOML",
                message: e.to_string(),
            })
        }
    }
}

impl RuleSet {
    /// Loads a rule set from a parsed document. A document with
    /// `rule_set.extends` must be given the base it names (same id and version);
    /// its keys are merged over the base's.
    pub fn from_document(doc: &Value, base: Option<&RuleSet>) -> Result<RuleSet, RuleError> {
        let head: Head = de::read(doc, "")?;
        let id = head.rule_set.id;
        let wrap = |e: RuleError| e.in_rule_set(&id);
        let head: HeadExtends = de::read(doc, "").map_err(wrap)?;
        let merged = match head.rule_set.extends {
            None => doc.clone(),
            Some(ext) => {
                let (want_id, want_version) = (ext.id, ext.version.0);
                let base = base.ok_or_else(|| {
                    wrap(RuleError::invalid(
                        "rule_set.extends.id",
                        format!("{:?}", want_id.as_str()),
                        "the base rule set is not loaded",
                    ))
                })?;
                if base.reference.id != want_id || i64::from(base.version()) != want_version {
                    return Err(wrap(RuleError::invalid(
                        "rule_set.extends",
                        format!("{want_id} v{want_version}"),
                        format!("the loaded base rule set is {}", base.reference),
                    )));
                }
                let mut m = base.document.clone();
                if let Value::Object(map) = &mut m {
                    // Identity and yearly (regional) parameters are the
                    // region's own; everything else is inherited.
                    map.remove("rule_set");
                    map.remove("years");
                }
                merge(&mut m, doc);
                m
            }
        };
        Self::resolve(merged).map_err(wrap)
    }

    /// Parses text (TOML or JSON) and loads it; see [`RuleSet::from_document`].
    pub fn parse(text: &str, format: Format, base: Option<&RuleSet>) -> Result<RuleSet, RuleError> {
        let doc = parse_document(text, format, "rule set")?;
        Self::from_document(&doc, base)
    }

    /// This rule set with `params` (the `params` object of a calc input)
    /// overriding its parameters for one calculation. Layer keys
    /// (`floor_ratio`, `rates`, …) override the defaults and every year;
    /// section keys (`payout_months`, `retirement`, …) override the section.
    pub fn with_overrides(&self, params: &Value) -> Result<RuleSet, RuleError> {
        // Keys, types and ranges of the layer keys, naming params.* keys;
        // the sections are read with the document they are merged into.
        let _: ParamsDoc = de::read(params, "params")?;
        let mut layer = Map::new();
        let mut doc = self.document.clone();
        if let Value::Object(p) = params {
            for (k, v) in p {
                if LAYER_KEYS.contains(&k.as_str()) {
                    layer.insert(k.clone(), v.clone());
                } else {
                    let mut top = Map::new();
                    top.insert(k.clone(), v.clone());
                    merge(&mut doc, &Value::Object(top));
                }
            }
        }
        let layer = Value::Object(layer);
        if let Value::Object(root) = &mut doc {
            let defaults = root
                .entry("defaults")
                .or_insert_with(|| Value::Object(Map::new()));
            merge(defaults, &layer);
            if let Some(Value::Object(years)) = root.get_mut("years") {
                for y in years.values_mut() {
                    if y.is_null() {
                        *y = Value::Object(Map::new());
                    }
                    merge(y, &layer);
                }
            }
        }
        Self::resolve(doc).map_err(|e| rename_to_params(e, params))
    }

    /// Reads a merged document as the typed [`schema::Document`], then
    /// checks what spans keys and resolves every year.
    fn resolve(doc: Value) -> Result<RuleSet, RuleError> {
        let d: Document = de::read(&doc, "")?;
        let meta = d.rule_set;
        let reference = RuleSetRef {
            id: meta.id,
            version: meta.version.u32(),
            hash: None,
        };
        let region = meta.region.map(|r| r.0);
        let extends = meta.extends.map(|e| RuleSetRef {
            id: e.id,
            version: e.version.u32(),
            hash: None,
        });

        let rounding = parse::rounding(&d.rounding);
        let retirement = parse::retirement(&d.retirement);
        let min_contribution = parse::min_contribution(&d.min_contribution)?;
        let payout = parse::payout(&d.payout_months)?;
        let crediting_rates = parse::crediting_rates(&d.crediting_rates.unwrap_or_default())?;

        let defaults_layer = Layer::of(&d.defaults.unwrap_or_default(), "defaults");
        let defaults = defaults_layer.resolve(
            reference,
            None,
            "defaults",
            "defaults",
            region.is_some(),
            rounding,
            &crediting_rates,
        )?;

        let year_docs = d.years.unwrap_or_default();
        check_contiguous(year_docs.keys().map(|y| y.0), "years")?;
        let mut years = Vec::with_capacity(year_docs.len());
        let first_year = year_docs.keys().next().map_or(0, |y| y.0);
        for (YearKey(y), layer) in &year_docs {
            let path = format!("years.{y}");
            let layer = Layer::of(layer.as_ref().unwrap_or(&LayerDoc::default()), &path);
            years.push(defaults_layer.overlay(&layer).resolve(
                reference,
                Some(*y),
                &path,
                "defaults",
                region.is_some(),
                rounding,
                &crediting_rates,
            )?);
        }

        Ok(RuleSet {
            reference,
            title: meta.title,
            region,
            extends,
            demo: meta.demo.unwrap_or(false),
            sources: meta.sources.unwrap_or_default().0,
            valid_from: meta.valid_from.map(|m| m.0),
            rounding,
            retirement,
            min_contribution,
            payout,
            crediting_rates,
            defaults,
            first_year,
            years,
            document: doc,
        })
    }

    pub fn reference(&self) -> RuleSetRef {
        self.reference
    }
    pub fn id(&self) -> &str {
        self.reference.id.as_str()
    }
    pub fn version(&self) -> u32 {
        self.reference.version
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    /// The pooling region (6-digit code) of a regional set; `None` for a base set.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    pub fn extends(&self) -> Option<RuleSetRef> {
        self.extends
    }
    /// True when the figures are invented demo figures.
    pub fn is_demo(&self) -> bool {
        self.demo
    }
    pub fn sources(&self) -> &[String] {
        &self.sources
    }
    /// This set stamped with the hash of its document as approved: every
    /// result computed under it records the hash.
    pub fn with_document_hash(mut self, hash: DocumentHash) -> RuleSet {
        self.reference.hash = Some(hash);
        self.defaults.rule_set = self.reference;
        for p in &mut self.years {
            p.rule_set = self.reference;
        }
        self
    }
    /// The first month this version is in force; `None` for every month.
    pub fn valid_from(&self) -> Option<Month> {
        self.valid_from
    }
    /// The merged document (what `sirm rules show` prints).
    pub fn document(&self) -> &Value {
        &self.document
    }
    /// Parameters when no year is requested.
    pub fn defaults(&self) -> &Params {
        &self.defaults
    }
    /// Years with parameters, ascending.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().filter_map(|p| p.year)
    }
    pub fn crediting_rates(&self) -> &BTreeMap<i32, Decimal> {
        &self.crediting_rates
    }

    /// The resolved parameters of `year`; an error if the set has no such year.
    #[inline]
    pub fn year(&self, year: i32) -> Result<&Params, RuleError> {
        year.checked_sub(self.first_year)
            .filter(|i| *i >= 0)
            .and_then(|i| self.years.get(i as usize))
            .ok_or_else(|| self.no_year(year))
    }

    /// `year(y)` when a year is given, else the defaults.
    pub fn params(&self, year: Option<i32>) -> Result<&Params, RuleError> {
        match year {
            Some(y) => self.year(y),
            None => Ok(&self.defaults),
        }
    }

    fn no_year(&self, year: i32) -> RuleError {
        let available = match (
            self.years.first().and_then(|p| p.year),
            self.years.last().and_then(|p| p.year),
        ) {
            (Some(a), Some(b)) => format!("it has {a}–{b}"),
            _ => "it holds no yearly parameters".to_owned(),
        };
        RuleError::NoYear {
            rule_set: self.reference.to_string(),
            year,
            available,
        }
    }

    /// Errors unless `given` is this rule set (used when recomputing).
    pub fn check_ref(&self, recorded: RuleSetRef) -> Result<(), RuleError> {
        if recorded.matches(&self.reference) {
            Ok(())
        } else {
            Err(RuleError::RuleSetMismatch {
                recorded: recorded.to_string(),
                given: self.reference.to_string(),
            })
        }
    }
}
