//! The supervisor's report of organ queries (Art 18, 21): every query by
//! an administrative or judicial organ in a period, for the audit
//! administrator; persons appear as short pseudonyms (Art 26).

use axum::extract::{Query, State};
use axum::response::Response;
use axum::Extension;
use chrono::NaiveDate;
use maud::html;
use serde::Deserialize;
use sirm_app::disclosure::organ::OrganQueryRow;

use super::super::ui::{head_cells, page, t, FieldKind, FormField, Input};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct PeriodParams {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Rows the report shows at most.
const LIMIT: i64 = 5000;

/// The period `[from, to]` in Beijing time as microseconds (default: the
/// last 30 days).
fn period(p: &PeriodParams) -> Result<(NaiveDate, NaiveDate, i64, i64), ApiError> {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let to = super::audit::date("to", &p.to)?.unwrap_or(today);
    let from = super::audit::date("from", &p.from)?.unwrap_or(to - chrono::Duration::days(30));
    if from > to {
        return Err(sirm_app::AppError::Invalid {
            field: "from".into(),
            rule: Some(sirm_domain::RuleId::DateOrder),
            message: format!("from {from} lies after to {to}"),
        }
        .into());
    }
    let us = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp_micros()
            - 8 * 3_600_000_000
    };
    Ok((from, to, us(from), us(to + chrono::Duration::days(1))))
}

fn cells(r: &OrganQueryRow) -> Vec<String> {
    vec![
        crate::pages::local_time(r.time_us),
        r.organ.clone(),
        r.officer.clone(),
        r.person.clone(),
        r.items.clone(),
        r.basis.clone(),
    ]
}

const HEAD: [(&str, &str); 6] = [
    ("时间", "Time"),
    ("机关", "Organ"),
    ("查询人员", "Officer"),
    ("被查询人（化名）", "Person (pseudonym)"),
    ("内容", "Items"),
    ("机关名称、案号与依据", "Organ, case, basis"),
];

pub async fn organ_queries(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(p): Query<PeriodParams>,
) -> Response {
    // A bad period: the form again with what was typed and the error.
    let (from, to, from_us, to_us) = match period(&p) {
        Ok(x) => x,
        Err(e) => {
            let body = html! {
                h1 { (t("行政/司法机关查询情况", "Queries by organs")) }
                (crate::pages::ui::error_notice(&e))
                form method="get" action="/disclosure/organ-queries" id="organ-filter" {
                    (FROM.render(p.from.as_deref()))
                    (TO.render(p.to.as_deref()))
                    button { (t("筛选", "Filter")) }
                }
            };
            let mut resp = page(
                "机关查询 Organ queries",
                Some((&c.principal, &c.csrf)),
                body,
            );
            *resp.status_mut() = e.status;
            return resp;
        }
    };
    let rows = match st
        .sirm
        .organ_query_report(&c.principal, from_us, to_us, LIMIT)
        .await
    {
        Ok(r) => r,
        Err(e) => return crate::pages::error_page(ApiError::from(e)),
    };
    let body = html! {
        h1 { (t("行政/司法机关查询情况", "Queries by organs")) }
        form method="get" action="/disclosure/organ-queries" id="organ-filter" {
            (FROM.render(Some(&from.to_string())))
            (TO.render(Some(&to.to_string())))
            button { (t("筛选", "Filter")) }
        }
        p {
            a id="csv" href={ "/disclosure/organ-queries.csv?from=" (from) "&to=" (to) } {
                (t("导出 CSV", "Export CSV"))
            }
            " · " (rows.len()) " " (t("条（北京时间）", "rows (Beijing time)"))
        }
        table id="organ-queries" {
            tr { (head_cells(&HEAD)) }
            @for r in &rows {
                tr { @for v in cells(r) { td { (v) } } }
            }
        }
    };
    page(
        "机关查询 Organ queries",
        Some((&c.principal, &c.csrf)),
        body,
    )
}

/// The same report as a CSV download (recorded as an export).
pub async fn organ_queries_csv(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(p): Query<PeriodParams>,
) -> Result<Response, ApiError> {
    let (_, _, from_us, to_us) = period(&p)?;
    let rows = st
        .sirm
        .organ_query_report(&c.principal, from_us, to_us, LIMIT)
        .await?;
    let rows: Vec<Vec<String>> = rows.iter().map(cells).collect();
    let head: Vec<&str> = HEAD.iter().map(|(zh, _)| *zh).collect();
    Ok(crate::pages::csv_response(&st, &c, "organ-queries.csv", &head.join(","), &rows).await)
}

const FROM: Input = FormField::new("from", "自", "From", FieldKind::Date)
    .optional()
    .input();
const TO: Input = FormField::new("to", "至", "To", FieldKind::Date)
    .optional()
    .input();
