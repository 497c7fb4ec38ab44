//! `/api/v1/pension-adjustments`: the yearly pension adjustment
//! (基本养老金年度调整) of the caller's agency as the batch would write it,
//! every pensioner's increase, for the clerk who files the run and the
//! reviewers who decide it (as JSON, or as CSV).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;

use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// The adjustment year, e.g. 2026.
    pub year: i32,
}

/// Every pensioner's increase for the year:
/// `{"year", "pensioners", "total_increase", "lines": [...]}`, each line
/// with the person's short blind index (never the ID number), the pension
/// before, whole contribution years, age, the four parts, the increase and
/// the new pension. A year without a `pension_adjustment` in the rule set
/// is refused (400, rule `rule-set.missing`, field `year`).
#[utoipa::path(get, path = "/api/v1/pension-adjustments", tag = "collection", params(YearQuery), responses((status = 200), (status = 400), (status = 404)))]
pub async fn preview(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let lines = st
        .sirm
        .pension_adjustment_preview(&c.principal, q.year)
        .await?;
    let total: rust_decimal::Decimal = lines.iter().map(|l| l.increase).sum();
    Ok(Json(serde_json::json!({
        "year": q.year,
        "pensioners": lines.len(),
        "total_increase": total.to_string(),
        "lines": lines,
    }))
    .into_response())
}

/// The same list as a CSV download (recorded as an export).
pub async fn preview_csv(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let lines = st
        .sirm
        .pension_adjustment_preview(&c.principal, q.year)
        .await?;
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.person.clone(),
                l.pension_before.to_string(),
                l.contribution_years.to_string(),
                l.age.to_string(),
                l.fixed.to_string(),
                l.by_percent.to_string(),
                l.by_years.to_string(),
                l.age_bonus.to_string(),
                l.increase.to_string(),
                l.new_pension.to_string(),
            ]
        })
        .collect();
    Ok(crate::pages::csv_response(
        &st,
        &c,
        &format!("pension-adjustment-{}.csv", q.year),
        "人员(索引),调整前月养老金,缴费年限,年龄,定额调整,挂钩调整(比例),挂钩调整(年限),高龄倾斜,增加额,调整后月养老金",
        &rows,
    )
    .await)
}
