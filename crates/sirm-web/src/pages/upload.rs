//! The batch path in the workbench: a clerk uploads a monthly declaration
//! file (CSV or XLSX); the file is streamed to disk chunk by chunk (within
//! `limits.declaration_upload_mib`), checked row by row in
//! the background while the page shows progress, and becomes one
//! application. Large approvals run in the background too, with progress on
//! the application page.

use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use sirm_app::collection::declaration_file::upload_job;
use sirm_app::progress::JobView;

use super::body;
use super::ui::{csrf, error_notice, page, t, upload_rules};
use crate::error::{parse_id, ApiError};
use crate::routes::BodyClass;
use crate::routes::Caller;
use crate::AppState;
use sirm_app::collection::declaration_file;
use sirm_app::limits::LimitsConfig;

fn form(c: &Caller, limits: &LimitsConfig, error: Option<&ApiError>) -> Markup {
    html! {
        h1 { (t("批量申报（文件）", "Declaration file")) }
        @if let Some(e) = error { (error_notice(e)) }
        form method="post" action="/declarations" enctype="multipart/form-data" id="upload" {
            (csrf(&c.csrf))
            label {
                (t("用人单位统一社会信用代码", "Employer's credit code")) " "
                input name="credit_code" required maxlength="18";
            }
            label { (t("费款所属期", "Month")) " " input name="month" type="month" required; }
            label {
                (t("申报文件（CSV：每行“身份号码,月工资”；或 XLSX：A 列身份号码（文本），B 列工资）", "File (CSV: \"ID number,monthly wage\" per line; or XLSX: ID in column A as text, wage in column B)")) " "
                input name="file" type="file" accept=".csv,.xlsx,text/csv" required;
            }
            (upload_rules(limits, BodyClass::Declaration, ("CSV 或 XLSX（不收 .xls）", "CSV or XLSX (not .xls)"), Some(declaration_file::CSV_ENCODING), None))
            p.en { (t("逐行校验：错误行注明行号和原因，正确行保留；校验完成后生成一笔待审核业务。", "Checked row by row: bad rows are listed with line number and reason, good rows kept; then one application goes to review.")) }
            button { (t("上传并校验", "Upload and check")) }
        }
        progress id="sent" max="100" value="0" hidden {}
    }
}

pub async fn upload_form(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    page(
        "批量申报 Declaration file",
        Some((&c.principal, &c.csrf)),
        form(&c, &st.sirm.config.limits, None),
    )
}

/// The parts of a declaration form (the counter's or the employer's):
/// text fields, and the file streamed to disk, all within the
/// declaration upload cap (`limits.declaration_upload_mib`).
#[derive(Default)]
pub(crate) struct DeclarationForm {
    pub(crate) credit_code: String,
    pub(crate) month: String,
    /// Rows typed into the form ("ID number,monthly wage" per line).
    pub(crate) rows: String,
    pub(crate) name: String,
    pub(crate) file: Option<sirm_app::collection::archive::Incoming>,
}

/// Read the parts into `f`; on an error, `f` keeps what was read before it
/// (the page shows it again).
pub(crate) async fn read_form(
    st: &AppState,
    mp: &mut Multipart,
    f: &mut DeclarationForm,
) -> Result<(), ApiError> {
    let limits = &st.sirm.config.limits;
    let cap = body::Cap::declaration(limits);
    // The body's cap covers every part; the file alone may not pass it either.
    let mut budget = body::Budget::new(cap);
    let archive = st.sirm.archive();
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(body::multipart_error("upload", &cap, &e)),
        };
        let part = field.name().unwrap_or("").to_string();
        let text = match part.as_str() {
            "credit_code" | "month" | "rows" => {
                Some(body::text(&mut field, &part, limits.form_bytes(), &mut budget).await?)
            }
            "file" => {
                f.name = field.file_name().unwrap_or("declaration.csv").to_string();
                let mut incoming = archive.incoming().await?;
                let r = body::whole_file(&mut field, "file", &mut incoming, &mut budget).await;
                f.file = Some(incoming);
                r?;
                None
            }
            _ => {
                body::skip(&mut field, &part, &mut budget).await?;
                None
            }
        };
        match (part.as_str(), text) {
            ("credit_code", Some(t)) => f.credit_code = t.trim().to_string(),
            ("month", Some(t)) => f.month = t.trim().to_string(),
            ("rows", Some(t)) => f.rows = t,
            _ => {}
        }
    }
    Ok(())
}

/// Receive the file (streamed to disk), start checking it in the background,
/// and send the browser to the job page.
pub async fn upload(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    mut mp: Multipart,
) -> Response {
    let fail_with = |e: ApiError| {
        let mut r = page(
            "批量申报 Declaration file",
            Some((&c.principal, &c.csrf)),
            form(&c, &st.sirm.config.limits, Some(&e)),
        );
        *r.status_mut() = e.status;
        r
    };
    let mut f = DeclarationForm::default();
    if let Err(e) = read_form(&st, &mut mp, &mut f).await {
        return fail_with(e);
    }
    let DeclarationForm {
        credit_code: code,
        month,
        name,
        file,
        ..
    } = f;
    let credit_code: sirm_domain::id::CreditCode = match parse_id("credit_code", &code) {
        Ok(c) => c,
        Err(e) => return fail_with(e.into()),
    };
    let month = match sirm_domain::rules::Month::parse(&month) {
        Ok(m) => m,
        Err(e) => {
            return fail_with(
                sirm_app::AppError::invalid_by("month", sirm_domain::RuleId::DateFormat, e).into(),
            )
        }
    };
    let Some(scratch) = file.filter(|f| f.size() > 0) else {
        return fail_with(
            sirm_app::AppError::invalid_by(
                "file",
                sirm_domain::RuleId::FieldRequired,
                "choose a non-empty CSV or XLSX file",
            )
            .into(),
        );
    };
    let token = new_token();
    let job = st
        .sirm
        .progress
        .start(&upload_job(&token), &c.principal.username, "checking");
    let sirm = st.sirm.clone();
    let who = c.principal.clone();
    tokio::spawn(async move {
        let j = job.clone();
        let mut progress = move |n: u64| j.set_done(n);
        let r = sirm
            .submit_declaration_file(
                &who,
                &credit_code,
                month,
                &name,
                scratch.path(),
                &mut progress,
            )
            .await;
        drop(scratch);
        job.finish(match r {
            Ok(report) => Ok(serde_json::to_string(&report).unwrap_or_default()),
            Err(e) => Err(ApiError::from(e).into()),
        });
    });
    Redirect::to(&format!("/declarations/jobs/{token}")).into_response()
}

/// A fresh job token (128 random bits, hex): unguessable, it names a
/// job on the progress board.
pub(crate) fn new_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn visible(v: &JobView, c: &Caller) -> bool {
    v.owner == c.principal.username
}

/// Progress of a file being checked; the report when done.
pub async fn job_page(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(token): Path<String>,
) -> Response {
    let Some(view) = st
        .sirm
        .progress
        .get(&upload_job(&token))
        .map(|j| j.view())
        .filter(|v| visible(v, &c))
    else {
        return super::error_page(ApiError::from(sirm_app::AppError::not_found(
            sirm_domain::RuleId::NotFoundUpload,
            "upload job",
        )));
    };
    let (refresh, body) = match &view.finished {
        None => (
            true,
            html! {
                h1 { (t("正在校验申报文件", "Checking the declaration file")) }
                p id="job" data-state="running" {
                    (t("已校验", "Checked")) " " b id="done" { (view.done) } " " (t("行", "rows"))
                }
                progress {}
            },
        ),
        Some(Err(e)) => (
            false,
            html! {
                h1 { (t("申报文件未受理", "Declaration file not taken")) }
                div id="job" data-state="failed" { (error_notice(&ApiError::from(e))) }
                p { a href="/declarations/new" { (t("重新上传", "Upload again")) } }
            },
        ),
        Some(Ok(json)) => {
            let r: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
            let id = r["application_id"].as_str().unwrap_or("");
            let rejected = r["rejected"].as_array().into_iter().flatten().take(200);
            (
                false,
                html! {
                    h1 { (t("已受理，转审核", "Taken; sent to review")) }
                    p id="job" data-state="done" {
                        (t("业务编号", "Application")) " "
                        a id="application" href={ "/applications/" (id) } { (id) }
                    }
                    p {
                        (t("行数", "Rows")) " " b id="rows" { (r["rows"]) } " · "
                        (t("接受", "accepted")) " " b id="accepted" { (r["accepted"]) } " · "
                        (t("拒绝", "rejected")) " " b id="rejected" { (r["rejected_count"]) }
                    }
                    table id="rejected-lines" {
                        tr { th { (t("行号", "Line")) } th { (t("原因", "Reason")) } }
                        @for x in rejected {
                            tr {
                                td { (x["line"]) }
                                td {
                                    @if let Some(rule) = x["rule"].as_str().and_then(|r| r.parse::<sirm_domain::RuleId>().ok()) {
                                        (super::zh::rule_zh(rule)) br;
                                    }
                                    span.en { (x["reason"].as_str().unwrap_or("")) }
                                }
                            }
                        }
                    }
                },
            )
        }
    };
    let mut resp = page(
        "批量申报 Declaration file",
        Some((&c.principal, &c.csrf)),
        body,
    );
    if refresh {
        resp.headers_mut()
            .insert("refresh", axum::http::HeaderValue::from_static("1"));
    }
    resp
}

/// The job as JSON (for scripts and tests).
pub async fn job_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let view = st
        .sirm
        .progress
        .get(&upload_job(&token))
        .map(|j| j.view())
        .filter(|v| visible(v, &c))
        .ok_or_else(|| {
            ApiError::from(sirm_app::AppError::not_found(
                sirm_domain::RuleId::NotFoundUpload,
                "upload job",
            ))
        })?;
    Ok(axum::Json(view).into_response())
}
