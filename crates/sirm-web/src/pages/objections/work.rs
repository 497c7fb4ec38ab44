//! The maintenance officer's objections (维护人员): the queue by deadline
//! with overdue ones marked (`/objections`), one objection with its
//! evidence and the two outcomes — link a correction application taken for
//! it, or answer in writing (`/objections/{number}`, `…/link`,
//! `…/answer`), and the report by age and result (`/objection-report`,
//! `.csv`); the same as JSON for programs and tests.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use maud::html;
use serde::Deserialize;
use sirm_app::objections::{ObjectionReport, QueueRow};

use super::{detail_html, status_cell};
use crate::error::ApiError;
use crate::pages::ui::{csrf, error_notice, head_cells, page, t};
use crate::routes::Caller;
use crate::AppState;

/// `GET /objections`
pub async fn queue(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let rows: Vec<QueueRow> = match st.sirm.objection_queue(&c.principal).await {
        Ok(r) => r,
        Err(e) => return crate::pages::error_page(e.into()),
    };
    page(
        "异议核查 Objections",
        Some((&c.principal, &c.csrf)),
        html! {
            h1 { (t("异议核查（待办）", "Objections to re-check")) }
            p { a href="/objection-report" { (t("异议办理情况报表", "Report by age and result")) } }
            table id="objection-queue" {
                tr { (head_cells(&[("异议编号", "Number"), ("提出人", "Filed by"), ("提出日期", "Filed"),
                    ("记录项目", "Items"), ("办理时限", "Deadline"), ("剩余工作日", "Working days left"), ("状态", "Status")])) }
                @for r in &rows {
                    tr data-number=(r.view.number) class=[r.view.overdue.then_some("overdue")] {
                        td { a href={ "/objections/" (r.view.number) } { code { (r.view.number) } } }
                        td { (r.view.objector) }
                        td { (r.view.filed_on.to_string()) }
                        td { (r.view.items.join("；")) }
                        td { @if r.view.overdue { span.warn { (r.view.deadline.to_string()) } } @else { (r.view.deadline.to_string()) } }
                        td { (r.working_days_left) }
                        td { (status_cell(&r.view)) }
                    }
                }
            }
            @if rows.is_empty() { p { (t("没有待核查的异议。", "Nothing to re-check.")) } }
        },
    )
}

async fn detail_page(
    st: &AppState,
    c: &Caller,
    number: &str,
    error: Option<&ApiError>,
) -> Response {
    let d = match st.sirm.objection_detail(&c.principal, number).await {
        Ok(d) => d,
        Err(e) => return crate::pages::error_page(e.into()),
    };
    let open = d.view.status == sirm_domain::status::ObjectionStatus::Open;
    let n = d.view.number.clone();
    let mut r = page(
        "异议核查 Objection",
        Some((&c.principal, &c.csrf)),
        html! {
            h1 { (t("异议核查", "Objection")) " " code { (n) } }
            @if let Some(e) = error { (error_notice(e)) }
            (detail_html(&d, &format!("/my/objections/{n}/letter.pdf")))
            h2 { (t("证明材料", "Evidence")) }
            ul id="evidence" {
                @for (i, e) in d.evidence.iter().enumerate() {
                    li { a href={ "/objections/" (n) "/evidence/" (e.sha256) } {
                        (t(&format!("材料 {}", i + 1), &format!("File {}", i + 1))) } " (" (e.media_type) ", " (e.size) " B)" }
                }
            }
            @if open {
                h2 { (t("确有错误：关联更正业务", "An error: link the correction")) }
                p.en { (t("先在“受理新业务”中受理该人员的更正业务（维护），再在此填写其业务编号；更正业务审批通过后，本异议即办结为“已更正”。",
                    "Take the correction application for this person first, then name it here; its approval resolves the objection as corrected.")) }
                form method="post" action={ "/objections/" (n) "/link" } id="link" {
                    (csrf(&c.csrf))
                    label { (t("更正业务编号", "Correction application")) " " input name="application" required maxlength="40" placeholder="AP-…"; }
                    button { (t("关联", "Link")) }
                }
                h2 { (t("未发现错误：书面答复", "No error: answer in writing")) }
                form method="post" action={ "/objections/" (n) "/answer" } id="answer" {
                    (csrf(&c.csrf))
                    label { (t("核查情况和理由", "What was checked, and why the record stands")) " "
                        textarea name="reasons" rows="5" maxlength="2000" required {} }
                    button { (t("出具答复书", "Issue the written answer")) }
                }
            }
            p { a href="/objections" { (t("返回待办", "Back to the queue")) } }
        },
    );
    if let Some(e) = error {
        *r.status_mut() = e.status;
    }
    r
}

/// `GET /objections/{number}`
pub async fn detail(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(number): Path<String>,
) -> Response {
    detail_page(&st, &c, &number, None).await
}

#[derive(Deserialize)]
pub struct LinkBody {
    pub application: String,
}

#[derive(Deserialize)]
pub struct AnswerBody {
    pub reasons: String,
}

/// `POST /objections/{number}/link`
pub async fn link_form(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(number): Path<String>,
    Form(f): Form<LinkBody>,
) -> Response {
    match st
        .sirm
        .link_objection(&c.principal, &number, &f.application)
        .await
    {
        Ok(()) => Redirect::to(&format!("/objections/{number}")).into_response(),
        Err(e) => detail_page(&st, &c, &number, Some(&e.into())).await,
    }
}

/// `POST /objections/{number}/answer`
pub async fn answer_form(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    headers: HeaderMap,
    Path(number): Path<String>,
    Form(f): Form<AnswerBody>,
) -> Response {
    let base = crate::pages::certificate::base_url(&st, &headers);
    match st
        .sirm
        .answer_objection(&c.principal, &number, &f.reasons, &base)
        .await
    {
        Ok(_) => Redirect::to(&format!("/objections/{number}")).into_response(),
        Err(e) => detail_page(&st, &c, &number, Some(&e.into())).await,
    }
}

/// `POST /api/v1/objections/{number}/link` `{ "application": "AP-…" }`
pub async fn link_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(number): Path<String>,
    Json(b): Json<LinkBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    st.sirm
        .link_objection(&c.principal, &number, &b.application)
        .await?;
    Ok(Json(serde_json::json!({ "linked": b.application })))
}

/// `POST /api/v1/objections/{number}/answer` `{ "reasons": "…" }` → the
/// letter's verification code.
pub async fn answer_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    headers: HeaderMap,
    Path(number): Path<String>,
    Json(b): Json<AnswerBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let base = crate::pages::certificate::base_url(&st, &headers);
    let code = st
        .sirm
        .answer_objection(&c.principal, &number, &b.reasons, &base)
        .await?;
    Ok(Json(serde_json::json!({ "code": code })))
}

/// `GET /objections/{number}/evidence/{sha256}`: one evidence file, opened.
pub async fn evidence(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((number, sha)): Path<(String, String)>,
) -> Response {
    match st
        .sirm
        .objection_evidence(&c.principal, &number, &sha)
        .await
    {
        Ok((e, bytes)) => {
            let mut r = Response::new(Body::from(bytes));
            let h = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&e.media_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            );
            h.insert(
                "x-content-type-options",
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            r
        }
        Err(e) => crate::pages::error_page(e.into()),
    }
}

/// `GET /api/v1/objection-queue`
pub async fn queue_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Json<Vec<QueueRow>>, ApiError> {
    Ok(Json(st.sirm.objection_queue(&c.principal).await?))
}

/// `GET /api/v1/objection-report`
pub async fn report_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Json<ObjectionReport>, ApiError> {
    Ok(Json(st.sirm.objection_report(&c.principal).await?))
}

/// `GET /objection-report`
pub async fn report(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let r = match st.sirm.objection_report(&c.principal).await {
        Ok(r) => r,
        Err(e) => return crate::pages::error_page(e.into()),
    };
    page(
        "异议办理情况 Objections report",
        Some((&c.principal, &c.csrf)),
        html! {
            h1 { (t("异议办理情况（按办理时长和结果）", "Objections by age and result")) }
            p { a href="/objection-report.csv" { (t("导出 CSV", "Export CSV")) } }
            table id="by-result" {
                tr { (head_cells(&[("结果", "Result"), ("件数", "Count")])) }
                @for (s, n) in &r.by_result {
                    tr data-status=(s.as_str()) { td { (sirm_app::objections::status_zh(*s)) } td { (n) } }
                }
                tr { td { (t("超期", "Late")) } td id="late" { (r.late) } }
            }
            table id="by-age" {
                tr { (head_cells(&[("已办理工作日", "Working days"), ("件数", "Count")])) }
                @for (band, n) in &r.by_age { tr { td { (band) } td { (n) } } }
            }
            table id="report-rows" {
                tr { (head_cells(&[("异议编号", "Number"), ("提出日期", "Filed"), ("办理时限", "Deadline"),
                    ("状态", "Status"), ("已办理工作日", "Age"), ("超期", "Late")])) }
                @for row in &r.rows {
                    tr data-number=(row.number) {
                        td { a href={ "/objections/" (row.number) } { code { (row.number) } } }
                        td { (row.filed_on.to_string()) }
                        td { (row.deadline.to_string()) }
                        td { (row.status_zh) }
                        td { (row.age_working_days) }
                        td { @if row.late { span.warn { (t("是", "yes")) } } @else { (t("否", "no")) } }
                    }
                }
            }
        },
    )
}

/// `GET /objection-report.csv`
pub async fn report_csv(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    match st.sirm.objection_report_csv(&c.principal).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"objections.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => crate::pages::error_page(e.into()),
    }
}
