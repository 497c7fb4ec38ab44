//! The employer agent's own monthly declaration (Art 6, 互联网经办): a
//! file, or rows typed into the form, checked exactly as at the counter
//! (`sirm_app::collection::declaration_online`), shown with its accepted
//! and rejected rows and the employees it leaves out, and submitted only
//! when the agent confirms. The checked result waits on the progress
//! board for the agent who sent it (one hour); the credit code is always
//! the agent's own.

use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use sirm_app::collection::declaration_online::OnlineCheck;
use sirm_domain::RuleId;

use super::ui::{csrf, error_notice, page, t};
use super::upload::{read_form, DeclarationForm};
use super::{body, zh};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

const TITLE: &str = "网上申报 Online declaration";
/// The template's header: the Chinese name and the key of each field.
const HEADER: &str = "身份号码(id_number),月工资(declared_wage)";

fn job_key(token: &str) -> String {
    format!("online-declaration:{token}")
}

/// What the agent typed, shown again after a refusal.
#[derive(Default)]
struct Typed {
    month: String,
    rows: String,
}

fn form(st: &AppState, c: &Caller, typed: &Typed, error: Option<&ApiError>) -> Markup {
    let mib = body::Cap::declaration(&st.sirm.config.limits).bytes / (1024 * 1024);
    let code = c.principal.employer.as_deref().unwrap_or("");
    html! {
        h1 { (t("网上申报月工资", "Declare monthly wages online")) }
        p { (t("用人单位统一社会信用代码", "Employer's credit code")) " " code id="own-code" { (code) } }
        @if let Some(e) = error { (error_notice(e)) }
        p {
            (t("先下载模板：每行“身份号码,月工资”，金额可写千分位（如 \"12,345.60\"，用逗号分隔时须加引号）。", "Download the template first: one \"ID number,monthly wage\" per line; amounts may use thousands separators (quote them in a comma-separated file)."))
            " " a id="template" href="/employer/declarations/template.csv" { (t("下载模板（CSV）", "Template (CSV)")) }
        }
        p.en {
            (t("格式：CSV（UTF-8 或 GBK 编码）或 XLSX；大小不超过 ", "Formats: CSV (UTF-8 or GBK) or XLSX; at most ")) (mib) " MiB。"
            (t("提交前先校验，显示接受和拒绝的行，确认后才提交审核。", "The file is checked and shown with its accepted and rejected rows; it goes to review only when you confirm."))
        }
        form method="post" action="/employer/declarations" enctype="multipart/form-data" id="declare" {
            (csrf(&c.csrf))
            label { (t("费款所属期", "Month")) " *" input name="month" type="month" required value=(typed.month); }
            label {
                (t("申报文件", "File")) " "
                input name="file" type="file" accept=".csv,.xlsx,text/csv";
            }
            label {
                (t("或直接填写（每行“身份号码,月工资”）", "Or type the rows (\"ID number,monthly wage\" per line)")) br;
                textarea name="rows" rows="6" cols="48" { (typed.rows) }
            }
            button { (t("校验", "Check")) }
        }
    }
}

fn form_page(st: &AppState, c: &Caller, typed: &Typed, error: Option<&ApiError>) -> Response {
    let mut r = page(
        TITLE,
        Some((&c.principal, &c.csrf)),
        form(st, c, typed, error),
    );
    if let Some(e) = error {
        *r.status_mut() = e.status;
    }
    r
}

pub async fn new_form(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    form_page(&st, &c, &Typed::default(), None)
}

/// The template: the header row only (UTF-8 with a BOM, which Excel reads).
pub async fn template() -> Response {
    super::csv_attachment(format!("\u{feff}{HEADER}\r\n"), "declaration-template.csv")
}

/// Receive the file (or the typed rows), check it, and show the result.
pub async fn check(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    mut mp: Multipart,
) -> Response {
    let mut f = DeclarationForm::default();
    let read = read_form(&st, &mut mp, &mut f).await;
    let typed = Typed {
        month: f.month.clone(),
        rows: f.rows.clone(),
    };
    let fail = |e: ApiError| form_page(&st, &c, &typed, Some(&e));
    if let Err(e) = read {
        return fail(e);
    }
    let month = match sirm_domain::rules::Month::parse(&f.month) {
        Ok(m) => m,
        Err(e) => {
            return fail(sirm_app::AppError::invalid_by("month", RuleId::DateFormat, e).into())
        }
    };
    let mut file = f.file.take().filter(|i| i.size() > 0);
    if file.is_none() && !f.rows.trim().is_empty() {
        let typed_file = async {
            let mut i = st.sirm.archive().incoming().await?;
            i.write(f.rows.as_bytes()).await?;
            i.finish().await?;
            Ok::<_, sirm_app::AppError>(i)
        };
        match typed_file.await {
            Ok(i) => (file, f.name) = (Some(i), "typed-rows.csv".into()),
            Err(e) => return fail(e.into()),
        }
    }
    let Some(file) = file else {
        return fail(
            sirm_app::AppError::invalid_by(
                "file",
                RuleId::FieldRequired,
                "choose a CSV or XLSX file, or type the rows",
            )
            .into(),
        );
    };
    let claimed = Some(f.credit_code.as_str()).filter(|s| !s.is_empty());
    let checked = st
        .sirm
        .check_online_declaration(&c.principal, claimed, month, &f.name, file.path())
        .await;
    drop(file);
    let checked = match checked {
        Ok(v) => v,
        Err(e) => return fail(e.into()),
    };
    let token = super::upload::new_token();
    let job = st
        .sirm
        .progress
        .start(&job_key(&token), &c.principal.username, "checked");
    job.finish(Ok(serde_json::to_string(&checked).unwrap_or_default()));
    Redirect::to(&format!("/employer/declarations/checks/{token}")).into_response()
}

/// A checked file of this agent's, or the "not found" page's error.
fn checked_of(st: &AppState, c: &Caller, token: &str) -> Result<OnlineCheck, ApiError> {
    st.sirm
        .progress
        .get(&job_key(token))
        .map(|j| j.view())
        .filter(|v| v.owner == c.principal.username)
        .and_then(|v| v.finished)
        .and_then(Result::ok)
        .and_then(|json| serde_json::from_str(&json).ok())
        .ok_or_else(|| {
            ApiError::from(sirm_app::AppError::not_found(
                RuleId::NotFoundUpload,
                "checked declaration (checked results are kept for an hour: upload again)",
            ))
        })
}

/// The field a rejected row's reason is about, in Chinese.
fn field_zh(rule: Option<RuleId>) -> &'static str {
    match rule {
        Some(RuleId::DeclarationWage) => "月工资",
        Some(RuleId::DeclarationLine) | None => "整行",
        Some(_) => "身份号码",
    }
}

fn result_body(c: &Caller, token: &str, v: &OnlineCheck) -> Markup {
    html! {
        h1 { (t("校验结果（尚未提交）", "Checked (not submitted yet)")) }
        p {
            (t("费款所属期", "Month")) " " b { (v.month.to_string()) } " · "
            (t("行数", "Rows")) " " b id="rows" { (v.rows) } " · "
            (t("接受", "Accepted")) " " b id="accepted" { (v.accepted) } " · "
            (t("拒绝", "Rejected")) " " b id="rejected" { (v.rejected_count) }
        }
        @if !v.rejected.is_empty() {
            h2 { (t("被拒绝的行", "Rejected rows")) }
            table id="rejected-rows" {
                tr { th { (t("行号", "Line")) } th { (t("字段", "Field")) } th { (t("原因", "Reason")) } }
                @for r in &v.rejected {
                    tr {
                        td { (r.line) }
                        td { (field_zh(r.rule)) }
                        td {
                            @if let Some(rule) = r.rule { (zh::rule_zh(rule)) br; }
                            span.en { (r.reason) }
                        }
                    }
                }
            }
            p { a id="rejected-csv" href={ "/employer/declarations/checks/" (token) "/rejected.csv" } { (t("下载被拒绝的行（CSV）", "Download the rejected rows (CSV)")) } }
        }
        h2 { (t("本月未申报的在职职工", "Employees not declared this month")) }
        p { (t("人数", "Count")) " " b id="not-declared" { (v.not_declared_count) } }
        @if !v.not_declared.is_empty() {
            table id="not-declared-list" {
                tr { th { (t("身份号码", "ID")) } th { (t("姓名", "Name")) } }
                @for n in &v.not_declared { tr { td { (n.id_number) } td { (n.name) } } }
            }
        }
        @if v.declaration.is_some() {
            form method="post" action={ "/employer/declarations/checks/" (token) "/submit" } id="confirm" {
                (csrf(&c.csrf))
                p { (t("确认后，接受的行作为一笔申报提交经办机构审核；被拒绝的行不提交，改正后可另行申报。", "On confirmation the accepted rows go to the agency's review as one declaration; rejected rows are not submitted.")) }
                button { (t("确认提交", "Confirm and submit")) }
            }
        } @else {
            p id="nothing" { (t("没有可以接受的行：请改正后重新上传。", "No row can be accepted: correct the rows and upload again.")) }
        }
        p { a href="/employer/declarations/new" { (t("重新上传", "Upload again")) } }
    }
}

pub async fn checked_page(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(token): Path<String>,
) -> Response {
    match checked_of(&st, &c, &token) {
        Ok(v) => page(
            TITLE,
            Some((&c.principal, &c.csrf)),
            result_body(&c, &token, &v),
        ),
        Err(e) => super::error_page(e),
    }
}

/// The rejected rows as sent, with line and reason, to correct and send again.
pub async fn rejected_csv(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(token): Path<String>,
) -> Response {
    let v = match checked_of(&st, &c, &token) {
        Ok(v) => v,
        Err(e) => return super::error_page(e),
    };
    let rows = v.rejected.iter().zip(&v.rejected_text).map(|(r, text)| {
        let reason = r
            .rule
            .map_or_else(|| r.reason.clone(), |rule| zh::rule_zh(rule).to_string());
        [
            r.line.to_string(),
            field_zh(r.rule).into(),
            reason,
            text.clone(),
        ]
    });
    let head = ["行号(line)", "字段(field)", "原因(reason)", "原行内容(row)"];
    match sirm_app::export::csv(&head, rows) {
        Ok(out) => super::csv_attachment(out, "rejected-rows.csv"),
        Err(e) => super::error_page(e.into()),
    }
}

/// Confirmation: the checked file goes to review as one application.
pub async fn submit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(token): Path<String>,
) -> Response {
    let r = match checked_of(&st, &c, &token) {
        Ok(v) => st
            .sirm
            .submit_online_declaration(&c.principal, &v)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match r {
        Ok(id) => page(
            TITLE,
            Some((&c.principal, &c.csrf)),
            html! {
                h1 { (t("已提交，等待经办机构审核", "Submitted; awaiting the agency's review")) }
                p id="submitted" { (t("业务编号", "Application")) " " b id="application" { (id) } }
                p { a href="/employer" { (t("返回单位首页", "Back to the employer page")) } }
            },
        ),
        Err(e) => super::error_page(e),
    }
}

/// A GET of a form's POST address (a reload, a bookmark): back to the form.
pub async fn to_form() -> Response {
    Redirect::to("/employer/declarations/new").into_response()
}

/// A GET of the confirmation's address: back to the checked result (the
/// agent's own; another's answers as a missing one).
pub async fn to_checked(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(token): Path<String>,
) -> Response {
    match checked_of(&st, &c, &token) {
        Ok(_) => Redirect::to(&format!("/employer/declarations/checks/{token}")).into_response(),
        Err(e) => super::error_page(e),
    }
}
