//! Certificates (Art 15) on the web: the person (or a delegate) issues and
//! downloads them in the portal (`/my/certificates`), anyone verifies them
//! without signing in (`/verify/<code>`, or by uploading the PDF at
//! `/verify`), and a maintenance officer revokes one (`/certificates`).
//! The same checks as JSON: `GET /api/v1/certificates/{code}` and
//! `POST /api/v1/certificates/verify` (body: the PDF).
//!
//! This file: issuing and downloading (portal and counter); `verify`: the
//! public check; `revoke`: the maintenance officer's page.

mod revoke;
mod verify;

pub use revoke::*;
pub use verify::*;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use maud::{html, Markup};
use serde::{Deserialize, Serialize};
use sirm_app::certificate::{CertificateKind, CertificateRequest, IssuedCertificate};
use sirm_app::query::Channel;
use sirm_app::AppError;
use sirm_domain::id::ResidentId;
use sirm_domain::rules::Month;

use super::ui::{csrf, field_error_notice, notice_opt, page, t, FieldKind};
use super::ui::{head_cells, hidden, FormField, Input};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

/// `scheme://host` the request came to, for the QR code when
/// `[certificates] public_url` is not set.
pub(crate) fn base_url(st: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("127.0.0.1");
    let scheme = if st.sirm.config.security.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

fn kind_label(kind: &str) -> Markup {
    match kind {
        "contribution" => t("参保缴费证明", "Contribution certificate"),
        "benefit" => t("待遇领取证明", "Benefit certificate"),
        "work_injury_benefit" => t("工伤保险待遇证明", "Work-injury benefit certificate"),
        "maternity_benefit" => t("生育保险待遇证明", "Maternity benefit certificate"),
        other => html! { (other) },
    }
}

/// The period fields of the issue forms.
const FROM: Input = FormField::new(
    "from",
    "起始月份（可空：自有记录起）",
    "From month (empty: from the first on record)",
    FieldKind::Month,
)
.optional()
.input();
const TO: Input = FormField::new(
    "to",
    "截止月份（可空：至最近记录）",
    "To month (empty: to the last on record)",
    FieldKind::Month,
)
.optional()
.input();
const COUNTER_FROM: Input = FormField::new("from", "起", "From", FieldKind::Month)
    .optional()
    .input();
const COUNTER_TO: Input = FormField::new("to", "止", "To", FieldKind::Month)
    .optional()
    .input();

fn parse_month(field: &str, s: Option<&str>) -> Result<Option<Month>, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Month::parse(s)
            .map(Some)
            .map_err(|e| ApiError::from(AppError::invalid(field, format!("{s:?}: {e}")))),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// A delegate: the written authorization (`DL-…`) naming the person.
    pub delegation: Option<String>,
    /// The code just issued (highlighted).
    pub issued: Option<String>,
}

/// The issue form and the list of issued certificates.
pub async fn my_certificates(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<ListQuery>,
) -> Response {
    list_page(
        &st,
        &c,
        q.delegation.as_deref(),
        q.issued.as_deref(),
        None,
        None,
    )
    .await
}

async fn list_page(
    st: &AppState,
    c: &Caller,
    delegation: Option<&str>,
    issued: Option<&str>,
    error: Option<ApiError>,
    typed: Option<&IssueForm>,
) -> Response {
    let delegation = delegation.map(str::trim).filter(|d| !d.is_empty());
    let subject = match super::portal::subject_of(st, c, delegation, None).await {
        Ok(s) => s,
        Err(e) => return super::error_page(e),
    };
    let rows = match st
        .sirm
        .certificates_of(&c.principal, Channel::Portal, &subject)
        .await
    {
        Ok(r) => r,
        Err(e) => return super::error_page(e.into()),
    };
    let done =
        issued.map(|code| format!("已出具，核验码 {code}。Issued; verification code {code}."));
    let body = html! {
        h1 { (t("出具证明", "Certificates")) }
        @if let Some(e) = &error {
            (field_error_notice(e, &[("kind", "证明种类"), (FROM.field.name, FROM.field.zh), (TO.field.name, TO.field.zh)]))
        }
        (notice_opt(done.as_deref().map(|m| ("ok", m))))
        form method="post" action="/my/certificates" id="issue" {
            (csrf(&c.csrf))
            @if let Some(d) = delegation { (hidden("delegation", d)) }
            label {
                (t("证明种类", "Kind")) " "
                select name="kind" id="kind" {
                    @let chosen = typed.map(|f| f.kind.as_str());
                    option value="contribution" selected[chosen == Some("contribution")] { "参保缴费证明 Contribution certificate" }
                    option value="benefit" selected[chosen == Some("benefit")] { "待遇领取证明 Benefit certificate" }
                    option value="work_injury_benefit" selected[chosen == Some("work_injury_benefit")] { "工伤保险待遇证明 Work-injury benefit certificate" }
                    option value="maternity_benefit" selected[chosen == Some("maternity_benefit")] { "生育保险待遇证明 Maternity benefit certificate" }
                }
            }
            (FROM.render(typed.and_then(|f| f.from.as_deref())))
            (TO.render(typed.and_then(|f| f.to.as_deref())))
            p.en {
                (t(
                    "免费出具。证明为 PDF，附核验码和二维码；任何人可在本系统核验页面核验真伪。",
                    "Free of charge. A PDF with a verification code and a QR code; anyone can check it on the verification page."
                ))
            }
            button { (t("出具", "Issue")) }
        }
        h2 { (t("已出具的证明", "Issued certificates")) }
        @if rows.is_empty() {
            p { (t("尚无。", "None yet.")) }
        } @else {
            table #certificates {
                tr {
                    (head_cells(&[("种类", "Kind"), ("期间", "Period"), ("出具时间", "Issued"),
                        ("核验码", "Code"), ("状态", "State")]))
                    th {}
                }
                @for r in &rows {
                    tr class=[(issued == Some(r.code.as_str())).then_some("new")] {
                        td { (kind_label(&r.kind)) }
                        td { (r.from_month) " " (t("至", "to")) " " (r.to_month) }
                        td { (r.issued_at) }
                        td { code { (r.code) } }
                        td {
                            @if r.revoked_seq != 0 {
                                span.err { (t("已作废", "revoked")) } "：" (r.revoked_reason)
                            } @else {
                                (t("有效", "in force"))
                            }
                        }
                        td {
                            a.download href={ "/my/certificates/" (r.code) "/pdf" } { (t("下载 PDF", "Download PDF")) }
                            " · "
                            a href={ "/verify/" (r.code) } { (t("核验", "Verify")) }
                        }
                    }
                }
            }
        }
    };
    page("出具证明 Certificates", Some((&c.principal, &c.csrf)), body)
}

#[derive(Deserialize)]
pub struct IssueForm {
    pub kind: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The person's ID number (JSON body only).
    pub id: Option<String>,
    /// A delegate: the written authorization (`DL-…`) naming the person.
    pub delegation: Option<String>,
}

/// What an issue form asks for.
fn request(
    st: &AppState,
    headers: &HeaderMap,
    f: &IssueForm,
) -> Result<CertificateRequest, ApiError> {
    Ok(CertificateRequest {
        kind: CertificateKind::parse(&f.kind)?,
        from: parse_month("from", f.from.as_deref())?,
        to: parse_month("to", f.to.as_deref())?,
        base_url: base_url(st, headers),
    })
}

async fn issue(
    st: &AppState,
    c: &Caller,
    headers: &HeaderMap,
    f: &IssueForm,
) -> Result<IssuedCertificate, ApiError> {
    let req = request(st, headers, f)?;
    let id = super::portal::subject_of(st, c, f.delegation.as_deref(), f.id.as_deref()).await?;
    Ok(st
        .sirm
        .issue_certificate(&c.principal, Channel::Portal, &id, &req)
        .await?)
}

/// Issue from the portal form, then back to the list with the new one.
pub async fn issue_form(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    headers: HeaderMap,
    Form(f): Form<IssueForm>,
) -> Response {
    match issue(&st, &c, &headers, &f).await {
        Ok(done) => {
            let mut q = vec![("issued", done.code.as_str())];
            q.extend(f.delegation.as_deref().map(|d| ("delegation", d.trim())));
            let q = serde_urlencoded::to_string(q).unwrap_or_default();
            Redirect::to(&format!("/my/certificates?{q}")).into_response()
        }
        Err(e) => {
            list_page(
                &st,
                &c,
                f.delegation.as_deref(),
                None,
                Some(e.clone()),
                Some(&f),
            )
            .await
        }
    }
}

#[derive(Serialize)]
pub struct IssuedJson {
    pub code: String,
    pub kind: CertificateKind,
    pub seq: u64,
    pub pdf_sha256: String,
    pub verify_url: String,
    pub download: String,
}

#[utoipa::path(post, path = "/api/v1/my/certificates", tag = "certificates",
    request_body(content = Object, description = "{\"kind\": \"contribution\" | \"benefit\", \"from\": \"YYYY-MM\", \"to\": \"YYYY-MM\", \"id\": delegated person (optional)}"),
    responses(
        (status = 200, description = "issued: code, kind, seq, pdf_sha256, verify_url, download", body = Object),
        (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
/// `POST /api/v1/my/certificates` `{ "kind": "contribution", "from": "2020-01", "to": "2020-12", "id": … }`
pub async fn issue_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    headers: HeaderMap,
    Json(f): Json<IssueForm>,
) -> Result<Json<IssuedJson>, ApiError> {
    let done = issue(&st, &c, &headers, &f).await?;
    Ok(Json(IssuedJson {
        download: format!("/my/certificates/{}/pdf", done.code),
        code: done.code,
        kind: done.kind,
        seq: done.seq,
        pdf_sha256: done.pdf_sha256,
        verify_url: done.verify_url,
    }))
}

/// The PDF as issued (byte for byte), as a download.
pub async fn download(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(code): Path<String>,
) -> Response {
    match st
        .sirm
        .certificate_pdf(&c.principal, Channel::Portal, &code)
        .await
    {
        Ok((row, pdf)) => match CertificateKind::parse(&row.kind) {
            Ok(kind) => pdf_response(kind, &row.code, pdf, false),
            Err(e) => super::error_page(e.into()),
        },
        Err(e) => super::error_page(e.into()),
    }
}

/// The counter's form on the person lookup page: issue a certificate for
/// the person present and hand over the PDF (to print).
pub fn counter_form_markup(c: &Caller, person_id: &str) -> Markup {
    html! {
        form method="post" action="/persons/certificates" id="counter-certificate" {
            (csrf(&c.csrf))
            (hidden("id", person_id))
            strong { (t("出具证明（本人到场）", "Certificate (person present)")) } " "
            select name="kind" {
                option value="contribution" { "参保缴费证明" }
                option value="benefit" { "待遇领取证明" }
                option value="work_injury_benefit" { "工伤保险待遇证明" }
                option value="maternity_benefit" { "生育保险待遇证明" }
            }
            (COUNTER_FROM.empty())
            (COUNTER_TO.empty())
            button { (t("出具并下载 PDF", "Issue and download PDF")) }
        }
    }
}

/// The PDF as a download (`inline`: shown in the browser, e.g. to print on a
/// self-service terminal).
pub(crate) fn pdf_response(
    kind: CertificateKind,
    code: &str,
    pdf: Vec<u8>,
    inline: bool,
) -> Response {
    let name = format!("{}-{code}.pdf", kind.as_str());
    let mut r = (StatusCode::OK, pdf).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{}; filename=\"{name}\"",
        if inline { "inline" } else { "attachment" }
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `POST /persons/certificates`: the query officer issues for the person
/// present (channel `counter`, logged like every query) and gets the PDF.
pub async fn counter_issue(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    headers: HeaderMap,
    Form(f): Form<IssueForm>,
) -> Response {
    let result = async {
        let req = request(&st, &headers, &f)?;
        let id: ResidentId =
            f.id.as_deref()
                .unwrap_or("")
                .trim()
                .parse()
                .map_err(|e| ApiError::from(AppError::invalid("id", format!("{e}"))))?;
        Ok::<_, ApiError>(
            st.sirm
                .issue_certificate(
                    &c.principal,
                    Channel::Counter,
                    &st.sirm.person_key(&id)?,
                    &req,
                )
                .await?,
        )
    }
    .await;
    match result {
        Ok(done) => pdf_response(done.kind, &done.code, done.pdf, false),
        Err(e) => super::error_page(e),
    }
}
