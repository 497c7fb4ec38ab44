//! The security audit trail (audit administrator): filtered on the page,
//! exported as CSV.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::Extension;
use chrono::NaiveDate;
use maud::html;
use serde::Deserialize;
use sirm_app::identity::audit::AuditQuery;

use super::super::ui::{head_cells, FormField, Input};
use super::super::ui::{page, t, FieldKind};
use crate::error::ApiError;
use crate::pages::csv_attachment;
use crate::pages::glossary;
use crate::pages::work::shown::People;
use crate::routes::Caller;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct AuditParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub account: Option<String>,
    pub event: Option<String>,
    pub limit: Option<i64>,
}

pub(super) fn date(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                sirm_app::AppError::Invalid {
                    field: field.to_string(),
                    rule: Some(sirm_domain::RuleId::DateFormat),
                    message: format!("{s:?} is not a date (YYYY-MM-DD)"),
                }
                .into()
            }),
    }
}

pub fn audit_query(p: &AuditParams) -> Result<AuditQuery, ApiError> {
    Ok(AuditQuery {
        from: date("from", &p.from)?,
        to: date("to", &p.to)?,
        account: p.account.clone().filter(|s| !s.trim().is_empty()),
        event: p.event.clone().filter(|s| !s.trim().is_empty()),
        limit: p.limit,
    })
}

pub async fn audit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(p): Query<AuditParams>,
) -> Response {
    let q = match audit_query(&p) {
        Ok(q) => q,
        Err(e) => return super::super::error_page(e),
    };
    let rows = match st.sirm.audit_trail(&c.principal, &q).await {
        Ok(r) => r,
        Err(e) => return super::super::error_page(ApiError::from(e)),
    };
    let details: Vec<&str> = rows.iter().map(|r| r.detail.as_str()).collect();
    let people = People::in_texts(&st, &details).await;
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let qs = serde_urlencoded::to_string([
        ("from", v(&p.from)),
        ("to", v(&p.to)),
        ("account", v(&p.account)),
        ("event", v(&p.event)),
    ])
    .unwrap_or_default();
    let body = html! {
        h1 { (t("安全审计", "Security audit trail")) }
        form method="get" action="/audit" id="audit-filter" {
            (AUDIT_FROM.render(p.from.as_deref().or(Some(""))))
            (AUDIT_TO.render(p.to.as_deref().or(Some(""))))
            (AUDIT_ACCOUNT.render(p.account.as_deref().or(Some(""))))
            (AUDIT_EVENT.render(p.event.as_deref().or(Some(""))))
            button { (t("筛选", "Filter")) }
        }
        p {
            a id="csv" href={ "/audit/export.csv?" (qs) } { (t("导出 CSV", "Export CSV")) }
            " · " (rows.len()) " " (t("条", "rows")) " · "
            a id="organ-queries" href="/disclosure/organ-queries" {
                (t("行政/司法机关查询情况", "Queries by organs"))
            }
        }
        table id="audit" {
            tr {
                th { "#" }
                (head_cells(&[("时间（北京时间）", "Time (UTC+8)"), ("账户", "Account"), ("来源地址", "Source"),
                    ("事件", "Event"), ("结果", "Outcome"), ("操作人", "Actor"), ("详情", "Detail")]))
            }
            @for r in &rows {
                tr data-event=(r.event) {
                    td { (r.seq) } td { (beijing(&r.time)) } td { (people.show_text(&r.account)) } td { (r.source) }
                    td { (glossary::event_zh(&r.event).unwrap_or(&r.event)) }
                    td { (outcome_zh(&r.outcome)) } td { (r.actor) } td { (detail(&people.show_text(&r.detail))) }
                }
            }
        }
    };
    page("安全审计 Audit", Some((&c.principal, &c.csrf)), body)
}

/// An RFC 3339 time as Beijing time (as it is when it does not parse).
fn beijing(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| crate::pages::local_time(d.timestamp_micros()))
        .unwrap_or_else(|_| t.to_string())
}

/// An event's detail: its text, and a JSON object in it (a configuration
/// section's values) as `key = value` lines folded under 内容, never a blob.
fn detail(d: &str) -> maud::Markup {
    let parsed = d.find('{').and_then(|i| {
        serde_json::from_str::<serde_json::Value>(&d[i..])
            .ok()
            .filter(|v| v.is_object())
            .map(|v| (&d[..i], v))
    });
    match parsed {
        Some((head, v)) => {
            let mut rows = Vec::new();
            glossary::flatten("", &v, &mut rows);
            html! {
                (head.trim_end())
                @if !rows.is_empty() {
                    details {
                        summary { (t("内容", "Values")) " (" (rows.len()) ")" }
                        @for (k, x) in &rows { div { (k) " = " (x) } }
                    }
                }
            }
        }
        None => html! { (d) },
    }
}

fn outcome_zh(o: &str) -> &str {
    match o {
        "success" => "成功",
        "failure" => "失败",
        "denied" => "拒绝",
        other => other,
    }
}

const AUDIT_FROM: Input = FormField::new("from", "自", "From", FieldKind::Date)
    .optional()
    .input();
const AUDIT_TO: Input = FormField::new("to", "至", "To", FieldKind::Date)
    .optional()
    .input();
const AUDIT_ACCOUNT: Input = FormField::new("account", "账户", "Account", FieldKind::Text)
    .optional()
    .input();
const AUDIT_EVENT: Input = FormField::new("event", "事件", "Event", FieldKind::Text)
    .optional()
    .input()
    .with_placeholder("login.failure");

/// The filtered audit trail as a CSV download; a malformed filter or a
/// refusal is the JSON error.
pub async fn audit_csv(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(p): Query<AuditParams>,
) -> Result<Response, ApiError> {
    let csv = st.sirm.audit_csv(&c.principal, &audit_query(&p)?).await?;
    Ok(csv_attachment(csv, "sirm-audit.csv"))
}
