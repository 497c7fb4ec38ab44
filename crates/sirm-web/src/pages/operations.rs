//! `/operations` (数据库管理员): the newest backup per destination, the last
//! readability check, recent backup and check events, storage (Art 9).

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;

use super::ui::{csrf, page, t, FieldKind};
use super::ui::{head_cells, FormField, Input};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / f64::from(1u32 << 30)),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// What was done about an alarm (acknowledging it).
const NOTE: Input = FormField::new("note", "处理情况", "What was done", FieldKind::Text)
    .input()
    .with_minlength(4)
    .with_maxlength(300);

pub async fn operations(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let s = match st.sirm.operations_status().await {
        Ok(s) => s,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let body = html! {
        h1 { (t("运行维护", "Operations")) }
        @if let Some(a) = &s.alarm {
            div.err id="check-alarm" {
                strong {
                    (t(
                        "可读性检测发现问题，尚未处理",
                        "The readability check found problems, not yet handled"
                    ))
                }
                " " (a.time) " · " (a.detail)
                form method="post" action="/operations/acknowledge" id="acknowledge" {
                    (csrf(&c.csrf))
                    input type="hidden" name="check" value=(a.seq);
                    (NOTE.empty())
                    button { (t("确认已处理", "Mark as handled")) }
                }
            }
        }
        p id="storage" {
            (t("账本条目", "Ledger entries")) " " (s.ledger_entries)
            " · " (t("数据库文件", "Database file")) " "
            (s.database_bytes.map_or_else(|| "PostgreSQL".to_string(), bytes))
        }
        h2 { (t("备份", "Backups")) }
        table id="backups" {
            tr {
                (head_cells(&[("目的地", "Destination"), ("位置", "Path"), ("覆盖至条目", "Up to entry"),
                    ("时间 (UTC)", "Time (UTC)"), ("落后条目", "Entries behind"), ("增量", "Increments"),
                    ("大小", "Size"), ("状态", "State")]))
            }
            @for d in &s.destinations {
                tr {
                    td { (d.name) } td { (d.path) } td { (d.tree_size) }
                    td { (d.created.as_deref().unwrap_or("—")) }
                    td { (d.behind) } td { (d.increments) } td { (bytes(d.bytes)) }
                    td {
                        @match &d.problem {
                            None => span { (t("正常", "ok")) },
                            Some(p) => { strong.alarm { (t("异常", "PROBLEM")) } " " (p) },
                        }
                    }
                }
            }
            @if s.destinations.is_empty() {
                tr {
                    td colspan="8" {
                        strong.alarm {
                            (t(
                                "未配置备份目的地（sirm.toml 中的 [[backup.destinations]]）",
                                "No backup destination configured ([[backup.destinations]] in sirm.toml)"
                            ))
                        }
                    }
                }
            }
        }
        h2 { (t("可读性检测", "Readability check")) }
        @match &s.last_check {
            None => p.alarm { (t("尚未进行可读性检测（sirm check）", "No readability check yet (sirm check)")) },
            Some(e) => p id="last-check" {
                (t("最近一次检测：", "Last check:")) " " (e.time) " · "
                @if e.outcome == "success" {
                    span { (t("无异常", "no findings")) }
                } @else {
                    strong.alarm { (t("发现问题", "FINDINGS")) }
                }
                " · " (e.detail)
            },
        }
        h2 { (t("近期事件", "Recent events")) }
        table id="operations-events" {
            tr {
                th { "#" }
                (head_cells(&[("时间 (UTC)", "Time (UTC)"), ("事件", "Event"), ("结果", "Outcome"),
                    ("详情", "Detail")]))
            }
            @for e in &s.recent {
                tr { td { (e.seq) } td { (e.time) } td { (e.event) } td { (e.outcome) } td { (e.detail) } }
            }
        }
        p {
            (t(
                "备份、恢复与检测的操作说明见 docs/operations.md。",
                "How to back up, restore and check: docs/operations.md."
            ))
        }
    };
    page("运行维护 Operations", Some((&c.principal, &c.csrf)), body)
}

#[derive(Deserialize)]
pub struct AckForm {
    pub check: u64,
    pub note: String,
}

/// `POST /operations/acknowledge`: the database administrator marks the
/// failed check as handled (a `check.acknowledged` event).
pub async fn acknowledge(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<AckForm>,
) -> Response {
    let res = st
        .sirm
        .acknowledge_check_alarm(&c.principal, f.check, &f.note)
        .await;
    acknowledged(res, "/operations")
}

/// After an acknowledgement: on to `to`, or the error page.
fn acknowledged(res: Result<(), sirm_app::AppError>, to: &str) -> Response {
    match res {
        Ok(()) => Redirect::to(to).into_response(),
        Err(e) => super::error_page(ApiError::from(e)),
    }
}

/// The open alarms (`sirm_app::alarms`) as a block for an administrator's
/// workbench: each with when, what, from where, and — for the security,
/// audit and database administrators — a form to acknowledge it. Nothing
/// when there is none.
pub async fn alarms_markup(st: &AppState, c: &Caller) -> Markup {
    let alarms = match st.sirm.open_alarms().await {
        Ok(a) if !a.is_empty() => a,
        _ => return html! {},
    };
    use sirm_domain::access::Permission as P;
    let may_ack = [P::SecurityConfig, P::AuditRead, P::DatabaseMaintain]
        .iter()
        .any(|p| c.principal.may(*p));
    html! {
        div.err id="alarms" {
            strong { (t("未处理的告警", "Open alarms")) " (" (alarms.len()) ")" }
            table {
                tr {
                    (head_cells(&[("时间（北京时间）", "Time (UTC+8)"), ("告警", "Alarm"), ("来源", "Source"), ("详情", "Detail")]))
                    th {}
                }
                @for a in alarms.iter().take(50) {
                    tr data-alarm=(a.seq) data-kind=(a.kind) {
                        td {
                            // Beijing time, as every other page shows times.
                            (chrono::DateTime::parse_from_rfc3339(&a.time)
                                .map(|d| super::local_time(d.timestamp_micros()))
                                .unwrap_or_else(|_| a.time.clone()))
                        }
                        td { (t(&a.kind_zh, &a.kind)) }
                        td { (a.source) }
                        td { (a.detail) }
                        td {
                            @if may_ack {
                                form method="post" action="/alarms/acknowledge" {
                                    (csrf(&c.csrf))
                                    input type="hidden" name="alarm" value=(a.seq);
                                    input name="note" required minlength="4" maxlength="300"
                                        aria-label="处理情况 What was done";
                                    button { (t("确认已处理", "Mark as handled")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct AlarmAckForm {
    pub alarm: u64,
    pub note: String,
}

/// `POST /alarms/acknowledge`: an administrator records that an alarm is
/// handled (an `alarm.acknowledged` event); it leaves the workbenches.
pub async fn acknowledge_alarm(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<AlarmAckForm>,
) -> Response {
    let res = st
        .sirm
        .acknowledge_alarm(&c.principal, f.alarm, &f.note)
        .await;
    acknowledged(res, "/home")
}
