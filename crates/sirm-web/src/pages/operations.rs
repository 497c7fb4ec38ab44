//! `/operations` (数据库管理员): the newest backup per destination, the last
//! readability check, recent backup and check events, storage (Art 9).

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::{csrf_field, esc, page, t};
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

pub async fn operations(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let s = match st.sirm.operations_status().await {
        Ok(s) => s,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let mut dests = String::new();
    for d in &s.destinations {
        let state = match &d.problem {
            None => format!("<span>{}</span>", t("正常", "ok")),
            Some(p) => format!(
                "<strong class=\"alarm\">{}</strong> {}",
                t("异常", "PROBLEM"),
                esc(p)
            ),
        };
        dests.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{state}</td></tr>",
            esc(&d.name),
            esc(&d.path),
            d.tree_size,
            esc(d.created.as_deref().unwrap_or("—")),
            d.behind,
            d.increments,
            bytes(d.bytes),
        ));
    }
    if s.destinations.is_empty() {
        dests = format!(
            "<tr><td colspan=\"8\"><strong class=\"alarm\">{}</strong></td></tr>",
            t(
                "未配置备份目的地（sirm.toml 中的 [[backup.destinations]]）",
                "No backup destination configured ([[backup.destinations]] in sirm.toml)"
            )
        );
    }
    let check = match &s.last_check {
        None => format!(
            "<p class=\"alarm\">{}</p>",
            t(
                "尚未进行可读性检测（sirm check）",
                "No readability check yet (sirm check)"
            )
        ),
        Some(e) => format!(
            "<p id=\"last-check\">{} {} · {} · {}</p>",
            t("最近一次检测：", "Last check:"),
            esc(&e.time),
            if e.outcome == "success" {
                format!("<span>{}</span>", t("无异常", "no findings"))
            } else {
                format!(
                    "<strong class=\"alarm\">{}</strong>",
                    t("发现问题", "FINDINGS")
                )
            },
            esc(&e.detail)
        ),
    };
    let alarm = match &s.alarm {
        None => String::new(),
        Some(a) => format!(
            "<div class=\"err\" id=\"check-alarm\"><strong>{}</strong> {} · {}\
             <form method=\"post\" action=\"/operations/acknowledge\" id=\"acknowledge\">{}\
             <input type=\"hidden\" name=\"check\" value=\"{}\">\
             <label>{} <input name=\"note\" required minlength=\"4\" maxlength=\"300\"></label>\
             <button>{}</button></form></div>",
            t(
                "可读性检测发现问题，尚未处理",
                "The readability check found problems, not yet handled"
            ),
            esc(&a.time),
            esc(&a.detail),
            csrf_field(&c.csrf),
            a.seq,
            t("处理情况", "What was done"),
            t("确认已处理", "Mark as handled")
        ),
    };
    let mut events = String::new();
    for e in &s.recent {
        events.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.seq,
            esc(&e.time),
            esc(&e.event),
            esc(&e.outcome),
            esc(&e.detail)
        ));
    }
    let body = format!(
        "<h1>{}</h1>{alarm}\
         <p id=\"storage\">{} {} · {} {}</p>\
         <h2>{}</h2><table id=\"backups\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{dests}</table>\
         <h2>{}</h2>{check}\
         <h2>{}</h2><table id=\"operations-events\"><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{events}</table>\
         <p>{}</p>",
        t("运行维护", "Operations"),
        t("账本条目", "Ledger entries"),
        s.ledger_entries,
        t("数据库文件", "Database file"),
        s.database_bytes.map_or_else(|| "PostgreSQL".to_string(), bytes),
        t("备份", "Backups"),
        t("目的地", "Destination"),
        t("位置", "Path"),
        t("覆盖至条目", "Up to entry"),
        t("时间 (UTC)", "Time (UTC)"),
        t("落后条目", "Entries behind"),
        t("增量", "Increments"),
        t("大小", "Size"),
        t("状态", "State"),
        t("可读性检测", "Readability check"),
        t("近期事件", "Recent events"),
        t("时间 (UTC)", "Time (UTC)"),
        t("事件", "Event"),
        t("结果", "Outcome"),
        t("详情", "Detail"),
        t(
            "备份、恢复与检测的操作说明见 docs/operations.md。",
            "How to back up, restore and check: docs/operations.md."
        ),
    );
    page("运行维护 Operations", Some((&c.principal, &c.csrf)), &body)
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
    match st
        .sirm
        .acknowledge_check_alarm(&c.principal, f.check, &f.note)
        .await
    {
        Ok(()) => Redirect::to("/operations").into_response(),
        Err(e) => super::error_page(ApiError::from(e)),
    }
}

/// The open alarms (`sirm_app::alarms`) as a block for an administrator's
/// workbench: each with when, what, from where, and — for the security,
/// audit and database administrators — a form to acknowledge it.
pub async fn alarms_block(st: &AppState, c: &Caller) -> String {
    let alarms = match st.sirm.open_alarms().await {
        Ok(a) if !a.is_empty() => a,
        _ => return String::new(),
    };
    use sirm_domain::access::Permission as P;
    let may_ack = [P::SecurityConfig, P::AuditRead, P::DatabaseMaintain]
        .iter()
        .any(|p| c.principal.may(*p));
    let mut rows = String::new();
    for a in alarms.iter().take(50) {
        let form = if may_ack {
            format!(
                "<form method=\"post\" action=\"/alarms/acknowledge\">{}\
                 <input type=\"hidden\" name=\"alarm\" value=\"{}\">\
                 <input name=\"note\" required minlength=\"4\" maxlength=\"300\" aria-label=\"{}\">\
                 <button>{}</button></form>",
                csrf_field(&c.csrf),
                a.seq,
                t("处理情况", "What was done"),
                t("确认已处理", "Mark as handled")
            )
        } else {
            String::new()
        };
        rows.push_str(&format!(
            "<tr data-alarm=\"{}\" data-kind=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{form}</td></tr>",
            a.seq,
            esc(&a.kind),
            esc(&a.time),
            t(&esc(&a.kind_zh), &esc(&a.kind)),
            esc(&a.source),
            esc(&a.detail),
        ));
    }
    format!(
        "<div class=\"err\" id=\"alarms\"><strong>{} ({})</strong><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>{rows}</table></div>",
        t("未处理的告警", "Open alarms"),
        alarms.len(),
        t("时间", "Time"),
        t("告警", "Alarm"),
        t("来源", "Source"),
        t("详情", "Detail"),
    )
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
    match st
        .sirm
        .acknowledge_alarm(&c.principal, f.alarm, &f.note)
        .await
    {
        Ok(()) => Redirect::to("/home").into_response(),
        Err(e) => super::error_page(ApiError::from(e)),
    }
}
