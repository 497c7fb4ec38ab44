//! The maintenance log (Art 12): every change to a record with its
//! responsible persons, filterable, as a page and as CSV.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use maud::html;
use serde::Deserialize;
use serde_json::Value;
use sirm_domain::access::Permission;

use crate::error::ApiError;
use crate::pages::{csv_response, error_page, local_time, ui};
use crate::routes::Caller;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct LogQuery {
    pub subject: Option<String>,
    pub officer: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One maintenance-log entry as shown and exported.
struct LogRow {
    seq: String,
    /// Local time (UTC+8).
    time: String,
    kind: String,
    subject: String,
    application: String,
    reason: String,
    /// The responsible persons, in order, joined by " → ".
    actors: String,
    /// The change itself (the entry's payload).
    content: String,
}

impl LogRow {
    /// The CSV columns (responsible persons and content in one column).
    fn into_csv(self) -> Vec<String> {
        vec![
            self.seq,
            self.time,
            self.kind,
            self.subject,
            self.application,
            self.reason,
            format!("{} | {}", self.actors, self.content),
        ]
    }
}

async fn log_rows(st: &AppState, c: &Caller, q: &LogQuery) -> Result<Vec<LogRow>, ApiError> {
    // As typed (ID number, credit code or kind:identifier): the use case
    // turns an ID number into its blind index.
    let subject = q.subject.as_deref();
    let officer = q
        .officer
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let rows = st
        .sirm
        .maintenance_log(
            &c.principal,
            subject,
            q.from.as_deref(),
            q.to.as_deref(),
            officer,
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let payload: Value = serde_json::from_str(&r.payload).unwrap_or(Value::Null);
            let reason = payload
                .get("reason")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            let actors: Vec<String> = serde_json::from_str(&r.actors).unwrap_or_default();
            LogRow {
                seq: r.seq.to_string(),
                time: local_time(r.time_us),
                kind: r.kind,
                subject: r.subject,
                application: r.application.unwrap_or_default(),
                reason,
                actors: actors.join(" → "),
                content: r.payload,
            }
        })
        .collect())
}

/// The maintenance log without a subject filter (`GET`: a person's ID
/// number never goes into a URL; filtering by subject posts the form).
pub async fn maintenance_log(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(mut q): Query<LogQuery>,
) -> Response {
    q.subject = None;
    maintenance_page(&st, &c, &q).await
}

/// The maintenance log filtered by the posted form (subject included).
pub async fn maintenance_log_post(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    axum::Form(q): axum::Form<LogQuery>,
) -> Response {
    maintenance_page(&st, &c, &q).await
}

/// The filter's fields with their Chinese labels (a refusal names its field
/// by its label).
const FILTER_LABELS: [(&str, &str); 4] = [
    ("subject", "对象"),
    ("officer", "责任人"),
    ("from", "起始日期（自）"),
    ("to", "截止日期（至）"),
];

async fn maintenance_page(st: &AppState, c: &Caller, q: &LogQuery) -> Response {
    // A refused filter (a malformed day, `to` before `from`) is shown above
    // the form as typed, naming its field; no rows are listed.
    let (rows, refused) = match log_rows(st, c, q).await {
        Ok(r) => (r, None),
        Err(e) if e.field.is_some() => (Vec::new(), Some(e)),
        Err(e) => return error_page(e),
    };
    let may_open = [
        Permission::RecordCollect,
        Permission::RecordReview,
        Permission::RecordRecheck,
        Permission::RecordApprove,
    ]
    .iter()
    .any(|p| c.principal.may(*p));
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let body = html! {
        h1 { (ui::t("维护日志", "Maintenance log")) }
        @if let Some(e) = &refused { (ui::field_error_notice(e, &FILTER_LABELS)) }
        form method="post" action="/maintenance-log" id="log-filter" {
            (ui::csrf(&c.csrf))
            label { (ui::t("对象（身份号码或信用代码）", "Subject (ID number or credit code)")) " " input name="subject" value=(v(&q.subject)); }
            label { (ui::t("责任人", "Officer")) " " input name="officer" value=(v(&q.officer)); }
            label { (ui::t("自", "From")) " " input type="date" name="from" value=(v(&q.from)); }
            label { (ui::t("至", "To")) " " input type="date" name="to" value=(v(&q.to)); }
            button { (ui::t("筛选", "Filter")) }
        }
        form method="post" action="/maintenance-log/export.csv" id="csv" {
            (ui::csrf(&c.csrf))
            input type="hidden" name="subject" value=(v(&q.subject));
            input type="hidden" name="officer" value=(v(&q.officer));
            input type="hidden" name="from" value=(v(&q.from));
            input type="hidden" name="to" value=(v(&q.to));
            button { (ui::t("导出 CSV", "Export CSV")) }
        }
        table #log {
            tr {
                th { "#" }
                th { (ui::t("时间（北京时间）", "Time (UTC+8)")) }
                th { (ui::t("内容", "Kind")) }
                th { (ui::t("对象", "Subject")) }
                th { (ui::t("业务", "Application")) }
                th { (ui::t("原因", "Reason")) }
                th { (ui::t("各环节责任人", "Responsible persons")) }
                th { (ui::t("变更内容", "Content")) }
            }
            @for r in &rows {
                tr {
                    td { (r.seq) }
                    td { (r.time) }
                    td { (r.kind) }
                    td { (r.subject) }
                    td {
                        @if may_open {
                            a href={ "/applications/" (r.application) } { (r.application) }
                        } @else {
                            (r.application)
                        }
                    }
                    td { (r.reason) }
                    td { (r.actors) }
                    td { code { (r.content) } }
                }
            }
        }
    };
    let mut r = ui::page(
        "维护日志 Maintenance log",
        Some((&c.principal, &c.csrf)),
        body,
    );
    if let Some(e) = refused {
        *r.status_mut() = e.status;
    }
    r
}

/// The maintenance log as CSV: `GET` without a subject, `POST` with the
/// page's filter (subject included).
pub async fn maintenance_csv(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(mut q): Query<LogQuery>,
) -> Response {
    q.subject = None;
    maintenance_csv_of(&st, &c, &q).await
}

pub async fn maintenance_csv_post(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    axum::Form(q): axum::Form<LogQuery>,
) -> Response {
    maintenance_csv_of(&st, &c, &q).await
}

async fn maintenance_csv_of(st: &AppState, c: &Caller, q: &LogQuery) -> Response {
    match log_rows(st, c, q).await {
        Ok(rows) => {
            csv_response(
                st,
                c,
                "sirm-maintenance-log.csv",
                "seq,time_utc+8,kind,subject,application,reason,responsible_persons_and_content",
                &rows.into_iter().map(LogRow::into_csv).collect::<Vec<_>>(),
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}
