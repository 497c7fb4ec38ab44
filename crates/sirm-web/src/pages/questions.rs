//! Questions from the agency (核查询问): a discrepancy the maintenance
//! officer asked an employer or a person about (`sirm_app::crosscheck`
//! `questions.rs`), shown to that employer's agent or that person with a
//! form to answer it once; also as JSON.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use maud::html;
use serde::Deserialize;
use sirm_app::crosscheck::DiscrepancyRow;
use sirm_domain::records::crosscheck::MAX_ANSWER_CHARS;
use sirm_domain::records::{DiscrepancyEvidence, DiscrepancyKind};

use super::ui::{csrf, error_notice, page, t};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

const TITLE: &str = "核查询问 Questions from the agency";

/// What a question is about, in words the employer or person knows: the
/// kind and the month or date; never the department's other figures.
fn about(r: &DiscrepancyRow) -> String {
    let kind = r
        .kind
        .parse::<DiscrepancyKind>()
        .map(DiscrepancyKind::name_zh)
        .unwrap_or("其他");
    let e: DiscrepancyEvidence = serde_json::from_str(&r.evidence).unwrap_or_default();
    let mut s = kind.to_string();
    if let Some(m) = e.month {
        s.push_str(&format!("（{m}）"));
    } else if let Some(d) = e.date {
        s.push_str(&format!("（{d}）"));
    }
    s
}

fn status_zh(s: &str) -> &'static str {
    match s {
        "asked" => "待答复",
        "answered" => "已答复，待经办机构处理",
        _ => "已处理",
    }
}

async fn render(st: &AppState, c: &Caller, error: Option<ApiError>) -> Response {
    let rows = match st.sirm.crosscheck_questions(&c.principal).await {
        Ok(r) => r,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let status = error.as_ref().map(|e| e.status);
    let body = html! {
        h1 { (t("核查询问", "Questions from the agency")) }
        p { (t(
            "社会保险经办机构在与其他部门信息比对中发现以下情况，请核实后答复（每项答复一次，最多1000字）。如需更正记录，请携带证明材料到经办机构办理。",
            "While cross-checking with other departments the agency found the following; please check and answer each once (at most 1000 characters). To correct a record, bring your documents to the agency."
        )) }
        @if let Some(e) = &error { (error_notice(e)) }
        @if rows.is_empty() {
            p id="no-questions" { (t("没有待答复的询问。", "No questions.")) }
        } @else {
            table id="questions" {
                tr {
                    th { (t("事项", "About")) } th { (t("经办机构的询问", "The agency's question")) }
                    th { (t("状态", "Status")) } th { (t("答复", "Answer")) }
                }
                @for r in &rows {
                    tr data-id=(r.discrepancy_id) {
                        td { (about(r)) br; small { (r.discrepancy_id) } }
                        td { (r.reason) }
                        td { (status_zh(&r.status)) }
                        td {
                            @if r.status == "asked" {
                                form method="post" action={ "/questions/" (r.discrepancy_id) "/answer" } {
                                    (csrf(&c.csrf))
                                    label {
                                        (t("答复", "Answer")) " "
                                        textarea name="answer" required maxlength=(MAX_ANSWER_CHARS) rows="3" {}
                                    }
                                    button { (t("提交答复", "Send the answer")) }
                                }
                            } @else {
                                (r.answer)
                            }
                        }
                    }
                }
            }
        }
    };
    let mut resp = page(TITLE, Some((&c.principal, &c.csrf)), body);
    if let Some(s) = status {
        *resp.status_mut() = s;
    }
    resp
}

/// `GET /questions`: the questions asked of the signed-in employer agent's
/// employer or of the signed-in person.
pub async fn questions_page(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Response {
    render(&st, &c, None).await
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    pub answer: String,
}

/// `POST /questions/{id}/answer`.
pub async fn answer(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Response {
    match st
        .sirm
        .answer_crosscheck_question(&c.principal, &id, &f.answer)
        .await
    {
        Ok(()) => Redirect::to("/questions").into_response(),
        Err(e) => render(&st, &c, Some(e.into())).await,
    }
}

/// `GET /api/v1/questions`.
pub async fn list_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Json<Vec<DiscrepancyRow>>, ApiError> {
    Ok(Json(st.sirm.crosscheck_questions(&c.principal).await?))
}

/// `POST /api/v1/questions/{id}/answer` with `{"answer": "…"}`.
pub async fn answer_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(f): Json<AnswerForm>,
) -> Result<Json<serde_json::Value>, ApiError> {
    st.sirm
        .answer_crosscheck_question(&c.principal, &id, &f.answer)
        .await?;
    Ok(Json(
        serde_json::json!({ "discrepancy_id": id, "status": "answered" }),
    ))
}
