//! `GET /api/v1/statistics` (统计用户, Art 17): aggregate figures without
//! anything that identifies a person; each read registered (Art 21).

use axum::extract::State;
use axum::{Extension, Json};
use serde::Serialize;

use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

/// Aggregate figures, as of `as_of`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StatisticsBody {
    /// Registered insured persons (参保人数).
    pub persons: u64,
    /// Registered employers (参保单位数).
    pub employers: u64,
    /// Facts in the ledger.
    pub ledger_entries: u64,
    /// RFC 3339.
    pub as_of: String,
}

/// Aggregate figures for the statistics user (permission `statistics_read`).
#[utoipa::path(get, path = "/api/v1/statistics", tag = "statistics", responses(
    (status = 200, body = StatisticsBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn statistics(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Json<StatisticsBody>, ApiError> {
    let s = st.sirm.statistics(&c.principal).await?;
    Ok(Json(StatisticsBody {
        persons: s.persons,
        employers: s.employers,
        ledger_entries: s.ledger_entries,
        as_of: s.as_of,
    }))
}

/// Parameters of a report, each `YYYY-MM`: `month` (insured persons), or
/// the period `from`..=`to` (the others). Absent: the latest month with
/// contributions (and the eleven months before it).
#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
pub struct ReportQuery {
    pub month: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl ReportQuery {
    pub fn params(&self) -> sirm_app::disclosure::statistics::ReportParams {
        sirm_app::disclosure::statistics::ReportParams {
            month: self.month.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

/// One published cell: `persons` and `amount` are null where suppressed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CellBody {
    pub persons: Option<u64>,
    /// Yuan, as a decimal string (reports with amounts only).
    pub amount: Option<String>,
    /// Hidden by rule `disclosure.small-cell`.
    pub suppressed: bool,
}

/// One row: its key (one value per row heading) and cells (one per column).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportRowBody {
    pub key: Vec<String>,
    pub cells: Vec<CellBody>,
    /// Where the columns add up.
    pub total: Option<CellBody>,
}

/// A predefined report with small cells suppressed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportBody {
    pub report: String,
    pub title_zh: String,
    pub parameters: std::collections::BTreeMap<String, String>,
    pub row_heads: Vec<String>,
    pub columns: Vec<String>,
    pub with_amount: bool,
    pub rows: Vec<ReportRowBody>,
    pub column_totals: Vec<CellBody>,
    pub total: CellBody,
    /// `[disclosure] min_cell`.
    pub min_cell: u64,
    /// Cells and totals suppressed.
    pub suppressed: usize,
    /// `disclosure.small-cell`.
    pub suppression_rule: String,
    pub as_of: String,
}

fn cell(c: sirm_app::disclosure::statistics::Cell) -> CellBody {
    CellBody {
        persons: c.persons,
        amount: c.amount.map(|a| a.to_string()),
        suppressed: c.suppressed,
    }
}

impl From<sirm_app::disclosure::statistics::Report> for ReportBody {
    fn from(r: sirm_app::disclosure::statistics::Report) -> Self {
        ReportBody {
            report: r.report.to_string(),
            title_zh: r.title_zh.to_string(),
            parameters: r.parameters,
            row_heads: r.row_heads.iter().map(|s| s.to_string()).collect(),
            columns: r.columns,
            with_amount: r.with_amount,
            rows: r
                .rows
                .into_iter()
                .map(|row| ReportRowBody {
                    key: row.key,
                    cells: row.cells.into_iter().map(cell).collect(),
                    total: row.total.map(cell),
                })
                .collect(),
            column_totals: r.column_totals.into_iter().map(cell).collect(),
            total: cell(r.total),
            min_cell: r.min_cell,
            suppressed: r.suppressed,
            suppression_rule: r.suppression_rule.to_string(),
            as_of: r.as_of,
        }
    }
}

/// A predefined report (`insured`, `contributions`, `arrears`,
/// `benefits`) for the statistics user: aggregates only, cells of fewer
/// than `[disclosure] min_cell` persons suppressed with their complements;
/// the read is registered (`statistics.read`).
#[utoipa::path(get, path = "/api/v1/statistics/reports/{report}", tag = "statistics",
    params(("report" = String, Path, description = "insured | contributions | arrears | benefits"), ReportQuery),
    responses((status = 200, body = ReportBody), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn report(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    axum::extract::Path(report): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<ReportQuery>,
) -> Result<Json<ReportBody>, ApiError> {
    let kind: sirm_app::disclosure::statistics::ReportKind = report.parse()?;
    let r = st
        .sirm
        .statistics_report(&c.principal, kind, &q.params())
        .await?;
    Ok(Json(r.into()))
}
