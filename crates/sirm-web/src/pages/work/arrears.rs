//! Arrears (欠费): employer-months whose assessed contributions have not
//! arrived, as a page, CSV and JSON.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use maud::html;
use serde::Deserialize;

use crate::error::{parse_id, ApiError};
use crate::pages::{csv_response, error_page, ui};
use crate::routes::Caller;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct ArrearsQuery {
    pub employer: Option<String>,
}

async fn arrears_rows(
    st: &AppState,
    c: &Caller,
    q: &ArrearsQuery,
) -> Result<Vec<sirm_app::rights::ArrearsRow>, ApiError> {
    let employer = match q
        .employer
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(e) => Some(parse_id::<sirm_domain::id::CreditCode>("employer", e)?),
    };
    Ok(st.sirm.arrears(&c.principal, employer.as_ref()).await?)
}

/// Employer-months whose assessed contributions have not arrived (欠费).
pub async fn arrears(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<ArrearsQuery>,
) -> Response {
    let rows = match arrears_rows(&st, &c, &q).await {
        Ok(r) => r,
        Err(e) => return error_page(e),
    };
    let total: rust_decimal::Decimal = rows.iter().map(|r| r.due).sum();
    let employer = q.employer.as_deref().unwrap_or("");
    let body = html! {
        h1 { (ui::t("欠费明细", "Arrears")) }
        form method="get" action="/arrears" {
            label {
                (ui::t("用人单位统一社会信用代码", "Employer's credit code")) " "
                input name="employer" value=(employer) maxlength="18";
            }
            button { (ui::t("筛选", "Filter")) }
        }
        p { a #csv href={ "/arrears/export.csv?employer=" (employer) } { (ui::t("导出 CSV", "Export CSV")) } }
        table #arrears {
            tr {
                th { (ui::t("统一社会信用代码", "Credit code")) }
                th { (ui::t("单位名称", "Employer")) }
                th { (ui::t("费款所属期", "Month")) }
                th { (ui::t("人数", "Persons")) }
                th { (ui::t("欠缴金额（元）", "Due (yuan)")) }
            }
            @for r in &rows {
                tr {
                    td { (r.credit_code) }
                    td { (r.employer_name) }
                    td { (r.month) }
                    td { (r.persons) }
                    td { (r.due) }
                }
            }
            tr { th colspan="4" { (ui::t("合计", "Total")) } th #arrears-total { (total) } }
        }
    };
    ui::page("欠费明细 Arrears", Some((&c.principal, &c.csrf)), body)
}

pub async fn arrears_csv(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<ArrearsQuery>,
) -> Response {
    match arrears_rows(&st, &c, &q).await {
        Ok(rows) => {
            csv_response(
                &st,
                &c,
                "sirm-arrears.csv",
                "credit_code,employer,month,persons,due",
                &rows
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.credit_code,
                            r.employer_name,
                            r.month.to_string(),
                            r.persons.to_string(),
                            r.due.to_string(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

/// The arrears list as JSON.
pub async fn arrears_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<ArrearsQuery>,
) -> Result<Response, ApiError> {
    Ok(axum::Json(arrears_rows(&st, &c, &q).await?).into_response())
}
