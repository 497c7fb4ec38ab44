//! The predefined reports (预定义统计报表) and how a table of aggregates
//! becomes what is published: counts below `[disclosure] min_cell`
//! suppressed, and their complements (`suppress.rs`).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::RuleId;

use super::suppress::{suppress, Grid, Member};
use crate::AppError;

/// The reports the statistics user may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// Insured persons by region, age band and gender × insurance type.
    Insured,
    /// Contributions by month × industry class.
    Contributions,
    /// Arrears (欠费) by month × industry class.
    Arrears,
    /// Benefits by kind.
    Benefits,
}

impl ReportKind {
    pub const ALL: [ReportKind; 4] = [
        ReportKind::Insured,
        ReportKind::Contributions,
        ReportKind::Arrears,
        ReportKind::Benefits,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Insured => "insured",
            ReportKind::Contributions => "contributions",
            ReportKind::Arrears => "arrears",
            ReportKind::Benefits => "benefits",
        }
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            ReportKind::Insured => "参保人数（地区 × 年龄段 × 性别 × 险种）",
            ReportKind::Contributions => "缴费金额（月份 × 行业类别）",
            ReportKind::Arrears => "欠费（月份 × 行业类别）",
            ReportKind::Benefits => "待遇（按类别）",
        }
    }

    pub fn title_en(self) -> &'static str {
        match self {
            ReportKind::Insured => "Insured persons by region, age band, gender and insurance type",
            ReportKind::Contributions => "Contributions by month and industry class",
            ReportKind::Arrears => "Arrears by month and industry class",
            ReportKind::Benefits => "Benefits by kind",
        }
    }
}

impl std::str::FromStr for ReportKind {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        ReportKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                AppError::not_found(
                    RuleId::NotFoundReport,
                    format!(
                        "no report {s:?}; the reports are insured, contributions, arrears, benefits"
                    ),
                )
            })
    }
}

/// One published cell: `None` where suppressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub persons: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
    pub suppressed: bool,
}

/// One row of a report: its key (one value per row heading), its cells
/// (one per column) and, where the columns add up, its total.
#[derive(Clone, Debug, Serialize)]
pub struct ReportRow {
    pub key: Vec<String>,
    pub cells: Vec<Cell>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<Cell>,
}

/// A report as published.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub report: &'static str,
    pub title_zh: &'static str,
    /// The parameters the report was computed with (defaults filled in).
    pub parameters: BTreeMap<String, String>,
    /// What the parts of a row's key are, e.g. `region`, `age_band`, `gender`.
    pub row_heads: Vec<&'static str>,
    pub columns: Vec<String>,
    /// Whether cells carry an amount (yuan) beside the persons.
    pub with_amount: bool,
    pub rows: Vec<ReportRow>,
    pub column_totals: Vec<Cell>,
    pub total: Cell,
    /// The threshold applied (`[disclosure] min_cell`).
    pub min_cell: u64,
    /// How many cells and totals are suppressed.
    pub suppressed: usize,
    /// The rule suppressed cells are hidden by (`disclosure.small-cell`).
    pub suppression_rule: &'static str,
    /// RFC 3339 time of the figures.
    pub as_of: String,
}

/// Aggregates before suppression: rows × columns of person counts and,
/// optionally, amounts.
pub(crate) struct Table {
    pub row_keys: Vec<Vec<String>>,
    pub columns: Vec<String>,
    pub persons: Vec<u64>,
    pub amounts: Option<Vec<Decimal>>,
    pub row_totals: bool,
}

pub(crate) struct Published {
    pub columns: Vec<String>,
    pub rows: Vec<ReportRow>,
    pub column_totals: Vec<Cell>,
    pub total: Cell,
    pub suppressed: usize,
}

impl Table {
    /// Suppress and publish.
    pub fn publish(self, min_cell: u64) -> Published {
        let grid = Grid {
            rows: self.row_keys.len(),
            cols: self.columns.len(),
            counts: self.persons.clone(),
            row_totals: self.row_totals,
        };
        let s = suppress(&grid, min_cell);
        let cols = grid.cols;
        let amount_of = |m: Member| -> Option<Decimal> {
            let a = self.amounts.as_ref()?;
            let at = |r: usize, c: usize| a.get(r * cols + c).copied().unwrap_or_default();
            Some(match m {
                Member::Cell(r, c) => at(r, c),
                Member::Row(r) => (0..cols).map(|c| at(r, c)).sum(),
                Member::Col(c) => (0..grid.rows).map(|r| at(r, c)).sum(),
                Member::Grand => a.iter().copied().sum(),
            })
        };
        let cell = |m: Member| -> Cell {
            if s.is(cols, m) {
                Cell {
                    persons: None,
                    amount: None,
                    suppressed: true,
                }
            } else {
                Cell {
                    persons: Some(grid.count(m)),
                    amount: amount_of(m),
                    suppressed: false,
                }
            }
        };
        let rows = self
            .row_keys
            .iter()
            .enumerate()
            .map(|(r, key)| ReportRow {
                key: key.clone(),
                cells: (0..cols).map(|c| cell(Member::Cell(r, c))).collect(),
                total: self.row_totals.then(|| cell(Member::Row(r))),
            })
            .collect();
        Published {
            columns: self.columns.clone(),
            rows,
            column_totals: (0..cols).map(|c| cell(Member::Col(c))).collect(),
            total: cell(Member::Grand),
            suppressed: s.len(),
        }
    }
}

/// A dense table from sparse groups: `(row key, column, persons, amount)`.
pub(crate) fn table_of(
    groups: impl IntoIterator<Item = (Vec<String>, String, u64, Option<Decimal>)>,
    columns: Vec<String>,
    row_totals: bool,
    with_amount: bool,
) -> Table {
    let mut cells: BTreeMap<Vec<String>, Vec<(u64, Decimal)>> = BTreeMap::new();
    for (key, col, persons, amount) in groups {
        let Some(c) = columns.iter().position(|x| *x == col) else {
            continue;
        };
        let row = cells
            .entry(key)
            .or_insert_with(|| vec![(0, Decimal::ZERO); columns.len()]);
        row[c].0 += persons;
        row[c].1 += amount.unwrap_or_default();
    }
    let row_keys: Vec<Vec<String>> = cells.keys().cloned().collect();
    let flat: Vec<(u64, Decimal)> = cells.into_values().flatten().collect();
    Table {
        row_keys,
        columns,
        persons: flat.iter().map(|(p, _)| *p).collect(),
        amounts: with_amount.then(|| flat.iter().map(|(_, a)| *a).collect()),
        row_totals,
    }
}
