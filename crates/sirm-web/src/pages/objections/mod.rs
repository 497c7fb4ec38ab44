//! Objections (异议核查, Art 16) on the web. The objector's side is here:
//! the portal list and form (`/my/objections`: the person or a delegate,
//! evidence uploaded into the sealed archive), one objection's steps
//! (`/my/objections/{number}`), its written answer as PDF, and the same as
//! JSON (`POST /api/v1/objections` for every entitled filer — the person,
//! a delegate, an employer's agent, a clerk at the counter — and
//! `GET /api/v1/objections/{number}`). The maintenance officer's queue,
//! re-check and report are in `work.rs`.

pub mod filers;
pub mod work;

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{Map, Value};
use sirm_app::objections::{ObjectionDetail, ObjectionFiling, ObjectionView, REGISTRATION_FIELDS};
use sirm_domain::records::{Material, ObjectionItem};
use sirm_domain::RuleId;

use super::ui::{csrf, field_error_notice, head_cells, page, t};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

/// The form's fields by name, for an error naming one.
pub(crate) const LABELS: &[(&str, &str)] = &[
    ("items", "有异议的记录项目"),
    ("evidence", "证明材料"),
    ("statement", "异议内容"),
    ("id", "委托人公民身份号码"),
];

/// Item rows the portal form offers.
const FORM_ITEMS: usize = 3;

const KINDS: &[(&str, &str, &str)] = &[
    ("contribution_month", "某月缴费记录", "月份 YYYY-MM"),
    ("employment", "就业期间", "单位统一社会信用代码"),
    (
        "registration_field",
        "登记信息",
        "字段（姓名、地址、联系电话…）",
    ),
    ("benefit_payment", "某月待遇支付", "月份 YYYY-MM"),
];

fn bad_item(n: usize, msg: impl std::fmt::Display) -> ApiError {
    sirm_app::AppError::invalid_by(format!("items[{n}]"), RuleId::ObjectionItems, msg).into()
}

/// One item row of the form (`item_kind_N`, `item_value_N`); `None` when
/// the row is left empty.
fn form_item(form: &Map<String, Value>, n: usize) -> Result<Option<ObjectionItem>, ApiError> {
    let get = |k: String| {
        form.get(&k)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or("")
            .to_string()
    };
    let kind = get(format!("item_kind_{n}"));
    let value = get(format!("item_value_{n}"));
    if kind.is_empty() {
        return Ok(None);
    }
    let mut obj = serde_json::json!({ "kind": kind });
    let key = match kind.as_str() {
        "contribution_month" | "benefit_payment" => "month",
        "employment" => "credit_code",
        "registration_field" => "field",
        other => return Err(bad_item(n, format!("{other:?} is not an item kind"))),
    };
    let value = match REGISTRATION_FIELDS.iter().find(|(_, zh)| *zh == value) {
        Some((f, _)) if key == "field" => (*f).to_string(),
        _ => value,
    };
    obj[key] = Value::String(value);
    serde_json::from_value(obj)
        .map(Some)
        .map_err(|e| bad_item(n, e))
}

/// The filing a portal form describes.
fn filing_of(
    form: &Map<String, Value>,
    evidence: Vec<Material>,
) -> Result<ObjectionFiling, ApiError> {
    let mut items = Vec::new();
    for n in 1..=FORM_ITEMS {
        if let Some(i) = form_item(form, n)? {
            items.push(i);
        }
    }
    let text = |k: &str| {
        form.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    Ok(ObjectionFiling {
        id: Some(text("id")).filter(|s| !s.trim().is_empty()),
        items,
        statement: text("statement"),
        evidence,
        id_document_checked: text("id_document_checked") == "true",
    })
}

pub(crate) fn status_cell(v: &ObjectionView) -> Markup {
    html! {
        span data-status=(v.status.as_str()) { (v.status_zh) }
        @if v.overdue { " " span.warn { (t("已超期", "overdue")) } }
    }
}

fn list_html(list: &[ObjectionView]) -> Markup {
    html! {
        table id="objections" {
            tr { (head_cells(&[("异议编号", "Number"), ("提出日期", "Filed"), ("记录项目", "Items"),
                ("办理时限", "Deadline"), ("状态", "Status")])) }
            @for v in list {
                tr data-number=(v.number) {
                    td { a href={ "/my/objections/" (v.number) } { code { (v.number) } } }
                    td { (v.filed_on.to_string()) }
                    td { (v.items.join("；")) }
                    td { (v.deadline.to_string()) }
                    td { (status_cell(v)) }
                }
            }
        }
        @if list.is_empty() { p { (t("暂无异议。", "No objections.")) } }
    }
}

/// Who fills the form in, and so what it asks besides the items.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filer {
    /// The person: nothing more.
    Person,
    /// A delegate: the person's ID number.
    Delegate,
    /// An employer's agent: the employee's ID number.
    Employer,
    /// A clerk: the ID number and the ID document check.
    Counter,
}

pub(crate) fn form_html(
    c: &Caller,
    limits: &sirm_app::limits::LimitsConfig,
    filer: Filer,
    action: &str,
) -> Markup {
    let id_label = match filer {
        Filer::Person => None,
        Filer::Delegate => Some(("委托人公民身份号码", "The person's ID number")),
        Filer::Employer => Some(("职工公民身份号码", "The employee's ID number")),
        Filer::Counter => Some(("参保人员公民身份号码", "The person's ID number")),
    };
    html! {
        h2 { (t("提出书面核查申请", "File an objection")) }
        form method="post" action=(action) enctype="multipart/form-data" id="objection" {
            (csrf(&c.csrf))
            @if let Some((zh, en)) = id_label {
                label { (t(zh, en)) " "
                    input name="id" maxlength="18" autocomplete="off" required; }
            }
            @if filer == Filer::Counter {
                label { input type="checkbox" name="id_document_checked" value="true";
                    " " (t("已当面核验本人有效身份证件", "The person's ID document was checked in person")) }
            }
            @for n in 1..=FORM_ITEMS {
                fieldset.item {
                    legend { (t(&format!("有异议的记录项目 {n}"), &format!("Item {n}"))) }
                    label { (t("项目", "Kind")) " "
                        select name={ "item_kind_" (n) } {
                            option value="" { "—" }
                            @for (k, zh, _) in KINDS { option value=(k) { (zh) } }
                        }
                    }
                    label { (t("月份 / 单位代码 / 登记字段", "Month / employer code / field")) " "
                        input name={ "item_value_" (n) } maxlength="40"
                            placeholder=(KINDS.iter().map(|(_, _, p)| *p).collect::<Vec<_>>().join(" / ")); }
                }
            }
            label { (t("异议内容（哪里不对、应当是什么）", "What is wrong, and what it should be")) " "
                textarea name="statement" rows="5" maxlength="2000" required {} }
            label { (t("证明材料（PDF、PNG、JPEG，可多选）", "Evidence (PDF, PNG, JPEG)")) " "
                input name="material" type="file" multiple accept=".pdf,.png,.jpg,.jpeg" required; }
            (crate::pages::ui::material_rules(limits))
            button { (t("提交异议", "File the objection")) }
        }
    }
}

async fn list_page(st: &AppState, c: &Caller, error: Option<&ApiError>) -> Response {
    let own = c.principal.person_id.is_some();
    let list = if own {
        st.sirm
            .my_objections(&c.principal, None)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut r = page(
        "异议核查 Objections",
        Some((&c.principal, &c.csrf)),
        html! {
            h1 { (t("权益记录异议核查", "Objections to my record")) }
            p.en { (t("对本人社会保险个人权益记录有异议的，可以提出书面核查申请并提供证明材料（《社会保险个人权益记录管理办法》第十六条）。经办机构复核后，确有错误的予以更正，否则书面答复理由。",
                "If you think your record is wrong, file a written objection with evidence (Art 16). The agency re-checks it: an error is corrected, otherwise you get a written answer with the reasons.")) }
            @if let Some(e) = error { (field_error_notice(e, LABELS)) }
            @if own { (list_html(&list)) }
            (form_html(c, &st.sirm.config.limits, if own { Filer::Person } else { Filer::Delegate }, "/my/objections"))
        },
    );
    if let Some(e) = error {
        *r.status_mut() = e.status;
    }
    r
}

/// `GET /my/objections`
pub async fn my_objections(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Response {
    list_page(&st, &c, None).await
}

/// `POST /my/objections` (multipart: items, statement, evidence files).
pub async fn file_form(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    mut mp: Multipart,
) -> Response {
    let (form, evidence, error) = crate::pages::work::intake::read_multipart(&st, &mut mp).await;
    if let Some(e) = error {
        return list_page(&st, &c, Some(&e)).await;
    }
    let done = match filing_of(&form, evidence) {
        Ok(f) => st
            .sirm
            .file_objection(&c.principal, f)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match done {
        Ok(number) => Redirect::to(&format!("/my/objections/{number}")).into_response(),
        Err(e) => list_page(&st, &c, Some(&e)).await,
    }
}

pub(crate) fn detail_html(d: &ObjectionDetail, pdf_href: &str) -> Markup {
    let v = &d.view;
    html! {
        table id="objection" data-status=(v.status.as_str()) {
            tr { th { (t("异议编号", "Number")) } td { code { (v.number) } } }
            tr { th { (t("提出人", "Filed by")) } td { (v.objector) } }
            tr { th { (t("提出日期", "Filed")) } td { (v.filed_on.to_string()) } }
            tr { th { (t("办理时限", "Deadline")) } td { (v.deadline.to_string()) } }
            tr { th { (t("状态", "Status")) } td id="status" { (status_cell(v)) } }
            tr { th { (t("记录项目", "Items")) } td { (v.items.join("；")) } }
            tr { th { (t("异议内容", "Statement")) } td { (d.statement) } }
            tr { th { (t("证明材料", "Evidence")) } td { (d.evidence.len()) " " (t("份", "file(s)")) } }
        }
        h2 { (t("办理进度", "Steps")) }
        ol id="steps" { @for (when, what) in &d.steps { li { @if !when.is_empty() { (when) " " } (what) } } }
        @if v.status == sirm_domain::status::ObjectionStatus::Corrected {
            p.ok id="corrected" { (t("记录已更正。", "The record was corrected.")) " "
                a href="/my/record" { (t("查看我的权益记录", "See my record")) } }
        }
        @if !v.letter_code.is_empty() {
            p id="letter" {
                a.download href=(pdf_href) { (t("下载异议核查答复书（PDF）", "Download the written answer (PDF)")) }
                " " a href={ "/verify/" (v.letter_code) } { (t("核验", "Verify")) }
            }
        }
    }
}

/// `GET /my/objections/{number}`
pub async fn my_objection(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(number): Path<String>,
) -> Response {
    match st.sirm.objection_detail(&c.principal, &number).await {
        Ok(d) => page(
            "异议核查 Objection",
            Some((&c.principal, &c.csrf)),
            html! {
                h1 { (t("异议核查", "Objection")) " " code { (d.view.number) } }
                (detail_html(&d, &format!("/my/objections/{}/letter.pdf", d.view.number)))
                p { a href="/my/objections" { (t("返回", "Back")) } }
            },
        ),
        Err(e) => super::error_page(e.into()),
    }
}

/// `GET /my/objections/{number}/letter.pdf` (also the officer's).
pub async fn letter_pdf(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(number): Path<String>,
) -> Response {
    match st.sirm.objection_letter_pdf(&c.principal, &number).await {
        Ok(pdf) => (
            [
                (header::CONTENT_TYPE, "application/pdf"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            pdf,
        )
            .into_response(),
        Err(e) => super::error_page(e.into()),
    }
}

/// An evidence file in a JSON filing.
#[derive(Deserialize)]
pub struct EvidenceIn {
    pub name: String,
    pub content_base64: String,
}

/// `POST /api/v1/objections`: `{ "id"?: person's ID number, "items": [{"kind":
/// "contribution_month", "month": "2024-03"}, …], "statement": "…",
/// "evidence": [{"name", "content_base64"}], "id_document_checked"?: bool }`.
#[derive(Deserialize)]
pub struct FileBody {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub items: Vec<ObjectionItem>,
    #[serde(default)]
    pub statement: String,
    #[serde(default)]
    pub evidence: Vec<EvidenceIn>,
    #[serde(default)]
    pub id_document_checked: bool,
}

/// `POST /api/v1/objections` → 201 `{ "number": … }`.
pub async fn file_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    request: axum::body::Body,
) -> Result<Response, ApiError> {
    let cap = super::body::Cap::application(&st.sirm.config.limits);
    let bytes = super::body::body_bytes(request, "body", &cap).await?;
    let b: FileBody =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let archive = st.sirm.archive();
    let mut evidence = Vec::new();
    for m in &b.evidence {
        let mut incoming = archive.incoming().await?;
        crate::api::collection::decode_into(
            &m.name,
            &m.content_base64,
            &mut incoming,
            sirm_app::collection::archive::MAX_MATERIAL_BYTES as u64,
        )
        .await?;
        evidence.push(archive.put_incoming(&m.name, incoming).await?);
    }
    let number = st
        .sirm
        .file_objection(
            &c.principal,
            ObjectionFiling {
                id: b.id,
                items: b.items,
                statement: b.statement,
                evidence,
                id_document_checked: b.id_document_checked,
            },
        )
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({ "number": number })),
    )
        .into_response())
}

/// `GET /api/v1/my/objections`: the objections about one's own record.
pub async fn list_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Json<Vec<ObjectionView>>, ApiError> {
    Ok(Json(st.sirm.my_objections(&c.principal, None).await?))
}

/// `GET /api/v1/objections/{number}`
pub async fn detail_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(number): Path<String>,
) -> Result<Json<ObjectionDetail>, ApiError> {
    Ok(Json(st.sirm.objection_detail(&c.principal, &number).await?))
}
