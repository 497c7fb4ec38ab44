//! Cross-checking with other departments (信息比对, Art 5) in the
//! maintenance officer's workbench: upload a department's file (streamed to
//! disk within `limits.declaration_upload_mib`), see what it found, and
//! work the queue of discrepancies — accept the proposed application (it
//! then runs the review chain), dismiss with a reason, or ask the employer
//! or person. Also the queue and the decision as JSON.

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use maud::{html, Markup};
use serde::Deserialize;
use sirm_app::crosscheck::{DiscrepancyRow, ImportReport};
use sirm_domain::records::crosscheck::FileKind;
use sirm_domain::records::{
    DiscrepancyEvidence as Evidence, DiscrepancyKind, Proposal, Resolution,
};

use super::body;
use super::ui::{csrf, error_notice, page, t};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

const TITLE: &str = "信息比对 Cross-checking";
const SHOWN: i64 = 500;

/// What the page says above the queue.
enum Notice {
    None,
    Imported(ImportReport),
    Error(ApiError),
}

fn kind_zh(kind: &str) -> &'static str {
    kind.parse::<DiscrepancyKind>()
        .map(DiscrepancyKind::name_zh)
        .unwrap_or("其他")
}

fn evidence_text(e: &Evidence) -> String {
    let mut parts = vec![format!("第{}行", e.line)];
    if let Some(m) = e.month {
        parts.push(format!("月份 {m}"));
    }
    if let Some(w) = e.taxable_wage {
        parts.push(format!("应税工资 {w}"));
    }
    match (e.declared_wage, e.taxable_wage) {
        (Some(w), _) => parts.push(format!("申报工资 {w}")),
        (None, Some(_)) => parts.push("当月未申报".into()),
        _ => {}
    }
    if let Some(d) = e.date {
        parts.push(format!("日期 {d}"));
    }
    if let Some(s) = &e.status {
        parts.push(format!("登记状态 {s}"));
    }
    if let Some(d) = &e.document {
        parts.push(format!("证明编号 {d}"));
    }
    if let Some(n) = e.months_after {
        parts.push(format!("其后记录 {n} 个月"));
    }
    if let Some(a) = e.amount_after {
        parts.push(format!("多发金额 {a}"));
    }
    parts.join("；")
}

fn proposal_zh(p: &Option<String>) -> String {
    p.as_deref()
        .and_then(|p| serde_json::from_str::<Proposal>(p).ok())
        .and_then(|p| {
            p.business_type
                .parse::<sirm_app::collection::BusinessType>()
                .ok()
        })
        .map(|bt| bt.name_zh().to_string())
        .unwrap_or_default()
}

fn queue(c: &Caller, rows: &[DiscrepancyRow]) -> Markup {
    html! {
        h2 { (t("待处理的比对差异", "Open discrepancies")) " (" span id="open-count" { (rows.len()) } ")" }
        table id="discrepancies" {
            tr {
                th { (t("差异", "Discrepancy")) } th { (t("对象", "Subject")) }
                th { (t("证据", "Evidence")) } th { (t("建议业务", "Proposed")) } th { (t("处理", "Action")) }
            }
            @for r in rows {
                @let ev: Evidence = serde_json::from_str(&r.evidence).unwrap_or_default();
                tr data-id=(r.discrepancy_id) data-kind=(r.kind) {
                    td { (kind_zh(&r.kind)) br; small { (r.discrepancy_id) } }
                    td { (short_subject(&r.subject)) }
                    td {
                        (evidence_text(&ev))
                        @if r.status == "answered" {
                            br;
                            span.answer {
                                (t("询问", "Asked")) "：" (r.reason) "；"
                                (t("答复", "Answer")) "（" (short_subject(&r.addressee)) "，" (r.answered_by) "）：" (r.answer)
                            }
                        }
                    }
                    td { (proposal_zh(&r.proposal)) }
                    td {
                        form method="post" action={ "/crosscheck/" (r.discrepancy_id) "/resolve" } {
                            (csrf(&c.csrf))
                            input name="reason" placeholder="理由（不予处理、核实时必填）" maxlength="400";
                            @if r.proposal.is_some() {
                                button name="resolution" value="accepted" { (t("受理建议业务", "Accept")) }
                            }
                            button name="resolution" value="dismissed" { (t("不予处理", "Dismiss")) }
                            button name="resolution" value="asked" { (t("通知核实", "Ask")) }
                        }
                    }
                }
            }
        }
    }
}

/// A subject as shown: an employer's credit code, a person's short blind index.
fn short_subject(s: &str) -> String {
    match s.split_once(':') {
        Some(("person", k)) => format!("参保人 {}…", k.chars().take(12).collect::<String>()),
        Some(("employer", code)) => format!("单位 {code}"),
        _ => s.to_string(),
    }
}

fn upload_form(c: &Caller, limits: &sirm_app::limits::LimitsConfig) -> Markup {
    html! {
        h2 { (t("导入部门比对文件", "Import a department file")) }
        form method="post" action="/crosscheck" enctype="multipart/form-data" id="crosscheck-upload" {
            (csrf(&c.csrf))
            label {
                (t("文件类型", "Kind")) " "
                select name="kind" {
                    @for k in FileKind::ALL {
                        option value=(k.as_str()) { (k.department_zh()) "：" (k.name_zh()) }
                    }
                }
            }
            label {
                (t("文件（XLSX 或 UTF-8 CSV，首行为列名，见比对文件格式说明）", "File (XLSX or UTF-8 CSV with a header line, docs/crosscheck.md)")) " "
                input name="file" type="file" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required;
            }
            (super::ui::upload_rules(limits, crate::routes::BodyClass::Declaration, ("XLSX 或 CSV（不收 .xls）", "XLSX or CSV (not .xls)"), Some(sirm_app::crosscheck::file::CSV_ENCODING), None))
            button { (t("导入并比对", "Import and match")) }
        }
    }
}

fn report(r: &ImportReport) -> Markup {
    html! {
        div id="import-report" data-import=(r.import_id) {
            p {
                (t("已导入", "Imported")) " " (r.import_id) "：" (t("行数", "rows")) " " b id="rows" { (r.rows) }
                " · " (t("接受", "accepted")) " " b id="accepted" { (r.accepted) }
                " · " (t("拒绝", "rejected")) " " b id="rejected" { (r.rejected_count) }
                " · " (t("新差异", "new discrepancies")) " " b id="new" { (r.discrepancies) }
                " · " (t("已记录的差异", "already recorded")) " " b id="known" { (r.known) }
            }
            @if !r.rejected.is_empty() {
                table id="rejected-lines" {
                    tr { th { (t("行号", "Line")) } th { (t("原因", "Reason")) } }
                    @for x in &r.rejected {
                        tr {
                            td { (x.line) }
                            td {
                                @if let Some(rule) = x.rule { (super::zh::rule_zh(rule)) br; }
                                span.en { (x.reason) }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn render(st: &AppState, c: &Caller, notice: Notice) -> Response {
    let rows = st
        .sirm
        .discrepancies(&c.principal, Some("open"), SHOWN)
        .await;
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let status = match &notice {
        Notice::Error(e) => Some(e.status),
        _ => None,
    };
    let body = html! {
        h1 { (t("信息比对", "Cross-checking with other departments")) }
        @match &notice {
            Notice::None => {},
            Notice::Imported(r) => (report(r)),
            Notice::Error(e) => (error_notice(e)),
        }
        (upload_form(c, &st.sirm.config.limits))
        (queue(c, &rows))
    };
    let mut resp = page(TITLE, Some((&c.principal, &c.csrf)), body);
    if let Some(s) = status {
        *resp.status_mut() = s;
    }
    resp
}

/// The queue and the upload form.
pub async fn queue_page(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    render(&st, &c, Notice::None).await
}

/// Receive a department file (streamed to disk), import and match it.
pub async fn upload(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    mut mp: Multipart,
) -> Response {
    let limits = &st.sirm.config.limits;
    let cap = body::Cap::declaration(limits);
    let mut budget = body::Budget::new(cap);
    let archive = st.sirm.archive();
    let (mut kind, mut name, mut file) = (String::new(), String::new(), None);
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let e = body::multipart_error("upload", &cap, &e);
                return render(&st, &c, Notice::Error(e)).await;
            }
        };
        let part = field.name().unwrap_or("").to_string();
        let read = match part.as_str() {
            "kind" => body::text(&mut field, &part, limits.form_bytes(), &mut budget)
                .await
                .map(|t| kind = t.trim().to_string()),
            "file" => body::file_part(&mut field, "file", "crosscheck.csv", &archive, &mut budget)
                .await
                .map(|(n, f)| {
                    name = n;
                    file = Some(f);
                }),
            _ => body::skip(&mut field, &part, &mut budget).await,
        };
        if let Err(e) = read {
            return render(&st, &c, Notice::Error(e)).await;
        }
    }
    let kind: FileKind = match kind.parse() {
        Ok(k) => k,
        Err(e) => {
            let e =
                sirm_app::AppError::invalid_by("kind", sirm_domain::RuleId::CrosscheckWrongKind, e);
            return render(&st, &c, Notice::Error(e.into())).await;
        }
    };
    let Some(scratch) = file.filter(|f| f.size() > 0) else {
        let e = sirm_app::AppError::invalid_by(
            "file",
            sirm_domain::RuleId::FieldRequired,
            "choose a non-empty CSV file",
        );
        return render(&st, &c, Notice::Error(e.into())).await;
    };
    let r = st
        .sirm
        .import_crosscheck(&c.principal, kind, &name, scratch.path())
        .await;
    drop(scratch);
    match r {
        Ok(report) => render(&st, &c, Notice::Imported(report)).await,
        Err(e) => render(&st, &c, Notice::Error(e.into())).await,
    }
}

#[derive(Deserialize)]
pub struct ResolveForm {
    pub resolution: Resolution,
    #[serde(default)]
    pub reason: String,
}

/// Accept, dismiss or ask; an accepted discrepancy opens its application.
pub async fn resolve(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Form(f): Form<ResolveForm>,
) -> Response {
    match st
        .sirm
        .resolve_discrepancy(&c.principal, &id, f.resolution, &f.reason)
        .await
    {
        Ok(Some(app)) => Redirect::to(&format!("/applications/{app}")).into_response(),
        Ok(None) => Redirect::to("/crosscheck").into_response(),
        Err(e) => render(&st, &c, Notice::Error(e.into())).await,
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub status: Option<String>,
}

/// The queue as JSON (`?status=open|accepted|dismissed|asked`, default
/// all; `open` includes those answered by the employer or person asked).
pub async fn list_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<DiscrepancyRow>>, ApiError> {
    Ok(Json(
        st.sirm
            .discrepancies(&c.principal, q.status.as_deref(), 100_000)
            .await?,
    ))
}

#[derive(Deserialize)]
pub struct ResolveBody {
    pub resolution: Resolution,
    #[serde(default)]
    pub reason: String,
}

/// Resolve one discrepancy: `{"resolution": "accepted"|"dismissed"|"asked", "reason"}`.
pub async fn resolve_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<ResolveBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let app = st
        .sirm
        .resolve_discrepancy(&c.principal, &id, b.resolution, &b.reason)
        .await?;
    Ok(Json(serde_json::json!({ "application_id": app })))
}
