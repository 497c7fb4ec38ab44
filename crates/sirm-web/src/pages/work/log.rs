//! The maintenance log (Art 12): every change to a record with its
//! responsible persons, filterable, as a page and as CSV.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;
use sirm_app::collection::{LogEntry, LogFilter, LOG_PAGE};
use sirm_domain::access::Permission;
use sirm_domain::review::Stage;

use super::shown::People;
use crate::error::ApiError;
use crate::pages::glossary;
use crate::pages::{csv_response, error_page, local_time, ui};
use crate::routes::Caller;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct LogQuery {
    pub subject: Option<String>,
    pub kind: Option<String>,
    pub officer: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Keyset cursor: the page of entries before this sequence number.
    pub before: Option<i64>,
}

impl LogQuery {
    fn filter(&self) -> LogFilter {
        LogFilter {
            subject: self.subject.clone(),
            kind: self.kind.clone(),
            officer: self.officer.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

/// The entry kinds an officer filters by, with their Chinese names.
const KINDS: [(&str, &str); 15] = [
    ("person.registered", "参保登记"),
    ("person.changed", "个人信息变更"),
    ("person.id_changed", "身份证号码变更"),
    ("employer.registered", "单位登记"),
    ("employer.changed", "单位信息变更"),
    ("employer.deregistered", "单位注销"),
    ("employment.started", "就业开始"),
    ("employment.ended", "就业结束"),
    ("contribution.assessed", "缴费核定"),
    ("contribution.paid", "缴费到账"),
    ("contribution.corrected", "缴费更正"),
    ("account.settled", "个人账户结算"),
    ("benefit.granted", "待遇核定"),
    ("benefit.status", "待遇状态"),
    ("subsidy.granted", "补贴核定"),
];

/// An entry kind's Chinese name (the glossary's; the code itself where
/// neither lists it).
fn kind_zh(kind: &str) -> &str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, zh)| *zh)
        .or_else(|| glossary::kind_zh(kind))
        .unwrap_or(kind)
}

/// A log entry's subject as read: `person:…` and `employer:…` in Chinese.
fn subject_zh(subject: &str) -> String {
    if let Some(p) = subject.strip_prefix("person:") {
        format!("参保人员 {p}")
    } else if let Some(e) = subject.strip_prefix("employer:") {
        format!("用人单位 {e}")
    } else {
        subject.to_string()
    }
}

/// A review stage's Chinese name from its stored code.
fn stage_zh(code: &str) -> &str {
    Stage::ALL
        .iter()
        .find(|s| s.as_str() == code)
        .map(|s| s.name_zh())
        .unwrap_or(code)
}

/// "初审 clerk → 审核 reviewer → …".
fn responsible(e: &LogEntry) -> String {
    e.responsible
        .iter()
        .map(|(stage, who)| {
            if stage.is_empty() {
                who.clone()
            } else {
                format!("{} {who}", stage_zh(stage))
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// A JSON value as `label: value` lines (the glossary's Chinese labels,
/// persons by masked ID number and name).
fn lines(v: &Value, people: &People) -> Vec<(String, String)> {
    let mut out = Vec::new();
    glossary::flatten("", v, &mut out);
    out.into_iter()
        .map(|(k, x)| {
            let shown = glossary::value_zh(glossary::last_key(&k), &people.show(&x));
            (glossary::path_zh(&k), shown)
        })
        .collect()
}

fn joined(v: &Value) -> String {
    let mut out = Vec::new();
    glossary::flatten("", v, &mut out);
    out.into_iter()
        .map(|(k, x)| format!("{k}={x}"))
        .collect::<Vec<_>>()
        .join("; ")
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
const FILTER_LABELS: [(&str, &str); 5] = [
    ("subject", "对象"),
    ("kind", "内容"),
    ("officer", "责任人"),
    ("from", "起始日期（自）"),
    ("to", "截止日期（至）"),
];

/// The filter as hidden fields (the export and the next page repeat it).
fn hidden_filter(q: &LogQuery) -> Markup {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    html! {
        input type="hidden" name="subject" value=(v(&q.subject));
        input type="hidden" name="kind" value=(v(&q.kind));
        input type="hidden" name="officer" value=(v(&q.officer));
        input type="hidden" name="from" value=(v(&q.from));
        input type="hidden" name="to" value=(v(&q.to));
    }
}

async fn maintenance_page(st: &AppState, c: &Caller, q: &LogQuery) -> Response {
    // A refused filter (a malformed day, `to` before `from`) is shown above
    // the form as typed, naming its field; no rows are listed.
    let (page, refused) = match st
        .sirm
        .maintenance_log(&c.principal, &q.filter(), q.before, LOG_PAGE)
        .await
        .map_err(ApiError::from)
    {
        Ok(p) => (Some(p), None),
        Err(e) if e.field.is_some() => (None, Some(e)),
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
    let kind = v(&q.kind);
    let entries = page.as_ref().map(|p| p.entries.as_slice()).unwrap_or(&[]);
    let values: Vec<&Value> = entries
        .iter()
        .flat_map(|e| e.before.iter().chain(std::iter::once(&e.after)))
        .collect();
    let people = People::of(st, &values).await;
    let body = html! {
        h1 { (ui::t("维护日志", "Maintenance log")) }
        p.hint { (ui::t(
            "每次维护的时间、内容（更正前与更正后）、维护原因、处理方法、证明材料、来源（异议、核查差异）及各环节责任人（第十二条）。按时间倒序，每页 100 条。",
            "Each change's time, content (before and after), reason, handling method, evidence, origin and the responsible person of each stage (Art 12). Newest first, 100 per page.")) }
        @if let Some(e) = &refused { (ui::field_error_notice(e, &FILTER_LABELS)) }
        form method="post" action="/maintenance-log" id="log-filter" {
            (ui::csrf(&c.csrf))
            label { (ui::t("对象（身份号码或信用代码）", "Subject (ID number or credit code)")) " " input name="subject" value=(v(&q.subject)); }
            label { (ui::t("内容", "Kind")) " "
                select name="kind" {
                    option value="" { (ui::t("全部", "All")) }
                    @for (k, zh) in KINDS {
                        option value=(k) selected[kind == k] { (zh) }
                    }
                }
            }
            label { (ui::t("责任人", "Officer")) " " input name="officer" value=(v(&q.officer)); }
            label { (ui::t("自", "From")) " " input type="date" name="from" value=(v(&q.from)); }
            label { (ui::t("至", "To")) " " input type="date" name="to" value=(v(&q.to)); }
            button { (ui::t("筛选", "Filter")) }
        }
        form method="post" action="/maintenance-log/export.csv" id="csv" {
            (ui::csrf(&c.csrf))
            (hidden_filter(q))
            button { (ui::t("导出全部符合条件的记录（CSV）", "Export every matching entry (CSV)")) }
        }
        table #log {
            tr {
                th { "#" }
                th { (ui::t("时间（北京时间）", "Time (UTC+8)")) }
                th { (ui::t("内容", "Kind")) }
                th { (ui::t("对象", "Subject")) }
                th { (ui::t("业务", "Application")) }
                th { (ui::t("更正前", "Before")) }
                th { (ui::t("更正后", "After")) }
                th { (ui::t("维护原因", "Reason")) }
                th { (ui::t("处理方法", "Handling method")) }
                th { (ui::t("证明材料", "Evidence")) }
                th { (ui::t("来源", "Origin")) }
                th { (ui::t("各环节责任人", "Responsible persons")) }
            }
            @for e in entries {
                tr data-kind=(e.kind) {
                    td { (e.seq) }
                    td { (local_time(e.time_us)) }
                    td { (kind_zh(&e.kind)) }
                    td { (subject_zh(&e.subject)) }
                    td {
                        (e.business_name) br;
                        @if may_open {
                            a href={ "/applications/" (e.application) } { (e.application) }
                        } @else {
                            (e.application)
                        }
                    }
                    td.before {
                        @match &e.before {
                            Some(b) => { @for (k, x) in lines(b, &people) { div { (k) "：" (x) } } }
                            None => { (ui::t("（新增）", "(new)")) }
                        }
                    }
                    td.after { @for (k, x) in lines(&e.after, &people) { div { (k) "：" (x) } } }
                    td { (e.reason) }
                    td { (e.method) }
                    td {
                        @for m in &e.evidence {
                            div {
                                @if may_open {
                                    a href={ "/applications/" (e.application) "/materials/" (m.sha256) } { (m.name) }
                                } @else {
                                    (m.name)
                                }
                            }
                        }
                    }
                    td { @for o in &e.origin { div { (o) } } }
                    td { (responsible(e)) }
                }
            }
        }
        @if let Some(next) = page.as_ref().and_then(|p| p.next) {
            form method="post" action="/maintenance-log" id="next-page" {
                (ui::csrf(&c.csrf))
                (hidden_filter(q))
                input type="hidden" name="before" value=(next);
                button { (ui::t("下一页（更早的记录）", "Next page (older entries)")) }
            }
        } @else if page.is_some() {
            p #log-end { (ui::t("已到最早的记录。", "No older entries.")) }
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
/// page's filter (subject included). Every matching entry, not one page.
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
    match st.sirm.maintenance_log_all(&c.principal, &q.filter()).await {
        Ok(entries) => {
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    vec![
                        e.seq.to_string(),
                        local_time(e.time_us),
                        e.kind.clone(),
                        e.subject.clone(),
                        e.application.clone(),
                        e.business_type.clone(),
                        e.before.as_ref().map(joined).unwrap_or_default(),
                        joined(&e.after),
                        e.reason.clone(),
                        e.method.clone(),
                        e.evidence
                            .iter()
                            .map(|m| format!("{} sha256:{}", m.name, m.sha256))
                            .collect::<Vec<_>>()
                            .join("; "),
                        e.origin.join("; "),
                        responsible(e),
                    ]
                })
                .collect();
            csv_response(
                st,
                c,
                "sirm-maintenance-log.csv",
                "seq,time_utc+8,kind,subject,application,business_type,before,after,reason,method,evidence,origin,responsible_persons",
                &rows,
            )
            .await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
