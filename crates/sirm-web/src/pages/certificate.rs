//! Certificates (Art 15) on the web: the person (or a delegate) issues and
//! downloads them in the portal (`/my/certificates`), anyone verifies them
//! without signing in (`/verify/<code>`, or by uploading the PDF at
//! `/verify`), and a maintenance officer revokes one (`/certificates`).
//! The same checks as JSON: `GET /api/v1/certificates/{code}` and
//! `POST /api/v1/certificates/verify` (body: the PDF).

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use serde::{Deserialize, Serialize};
use sirm_app::certificate::{
    CertificateCheck, CertificateKind, CertificateRequest, IssuedCertificate, Verdict,
};
use sirm_app::query::Channel;
use sirm_app::AppError;
use sirm_domain::id::ResidentId;
use sirm_domain::rules::Month;

use super::{body, esc, notice, page, t};
use crate::error::ApiError;
use crate::routes::{Caller, Source};
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

fn kind_label(kind: &str) -> String {
    match kind {
        "contribution" => t("参保缴费证明", "Contribution certificate"),
        "benefit" => t("待遇领取证明", "Benefit certificate"),
        other => esc(other),
    }
}

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
    list_page(&st, &c, q.delegation.as_deref(), q.issued.as_deref(), None).await
}

async fn list_page(
    st: &AppState,
    c: &Caller,
    delegation: Option<&str>,
    issued: Option<&str>,
    error: Option<String>,
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
    let id_field = delegation
        .map(|d| {
            format!(
                "<input type=\"hidden\" name=\"delegation\" value=\"{}\">",
                esc(d)
            )
        })
        .unwrap_or_default();
    let mut list = String::new();
    for r in &rows {
        let state = if r.revoked_seq != 0 {
            format!(
                "<span class=\"err\">{}</span>：{}",
                t("已作废", "revoked"),
                esc(&r.revoked_reason)
            )
        } else {
            t("有效", "in force")
        };
        let mark = if issued == Some(r.code.as_str()) {
            " class=\"new\""
        } else {
            ""
        };
        list.push_str(&format!(
            "<tr{mark}><td>{}</td><td>{} {} {}</td><td>{}</td><td><code>{}</code></td><td>{}</td>\
             <td><a class=\"download\" href=\"/my/certificates/{}/pdf\">{}</a> · <a href=\"/verify/{}\">{}</a></td></tr>",
            kind_label(&r.kind),
            esc(&r.from_month),
            t("至", "to"),
            esc(&r.to_month),
            esc(&r.issued_at),
            esc(&r.code),
            state,
            esc(&r.code),
            t("下载 PDF", "Download PDF"),
            esc(&r.code),
            t("核验", "Verify"),
        ));
    }
    let done = issued
        .map(|code| {
            notice(
                "ok",
                &format!("已出具，核验码 {code}。Issued; verification code {code}."),
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>{}</h1>{}{}\
         <form method=\"post\" action=\"/my/certificates\" id=\"issue\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">{id_field}\
         <label>{} <select name=\"kind\" id=\"kind\">\
         <option value=\"contribution\">参保缴费证明 Contribution certificate</option>\
         <option value=\"benefit\">待遇领取证明 Benefit certificate</option></select></label>\
         <label>{} <input name=\"from\" type=\"month\"></label>\
         <label>{} <input name=\"to\" type=\"month\"></label>\
         <p class=\"en\">{}</p><button>{}</button></form>\
         <h2>{}</h2>{}",
        t("出具证明", "Certificates"),
        error.map(|e| notice("err", &e)).unwrap_or_default(),
        done,
        esc(&c.csrf),
        t("证明种类", "Kind"),
        t("起始月份（可空：自有记录起）", "From month (empty: from the first on record)"),
        t("截止月份（可空：至最近记录）", "To month (empty: to the last on record)"),
        t(
            "免费出具。证明为 PDF，附核验码和二维码；任何人可在本系统核验页面核验真伪。",
            "Free of charge. A PDF with a verification code and a QR code; anyone can check it on the verification page."
        ),
        t("出具", "Issue"),
        t("已出具的证明", "Issued certificates"),
        if rows.is_empty() {
            format!("<p>{}</p>", t("尚无。", "None yet."))
        } else {
            format!(
                "<table id=\"certificates\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>{list}</table>",
                t("种类", "Kind"),
                t("期间", "Period"),
                t("出具时间", "Issued"),
                t("核验码", "Code"),
                t("状态", "State"),
            )
        },
    );
    page(
        "出具证明 Certificates",
        Some((&c.principal, &c.csrf)),
        &body,
    )
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
                Some(e.message.clone()),
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
pub fn counter_form(c: &Caller, person_id: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/persons/certificates\" id=\"counter-certificate\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{}\">\
         <strong>{}</strong> <select name=\"kind\">\
         <option value=\"contribution\">参保缴费证明</option><option value=\"benefit\">待遇领取证明</option></select>\
         <label>{} <input name=\"from\" type=\"month\"></label><label>{} <input name=\"to\" type=\"month\"></label>\
         <button>{}</button></form>",
        esc(&c.csrf),
        esc(person_id),
        t("出具证明（本人到场）", "Certificate (person present)"),
        t("起", "From"),
        t("止", "To"),
        t("出具并下载 PDF", "Issue and download PDF"),
    )
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

// ---- verification (public) ----

fn verdict_html(v: &CertificateCheck) -> String {
    let (class, zh, en) = match v.verdict {
        Verdict::Genuine => ("ok", "真实有效", "Genuine"),
        Verdict::Altered => (
            "err",
            "与出具记录不符（已被篡改或不是本机构出具的文件）",
            "Altered: does not match what was issued",
        ),
        Verdict::Revoked => ("err", "已作废", "Revoked"),
    };
    let mut reasons = Vec::new();
    if let Some(f) = &v.file {
        if f.matches {
            reasons.push(t(
                "上传的文件与出具的 PDF 逐字节一致。",
                "The uploaded file is byte for byte the PDF issued.",
            ));
        } else {
            reasons.push(format!(
                "{} SHA-256 {} ≠ {}",
                t(
                    "上传的文件与出具的 PDF 不一致：",
                    "The uploaded file differs from the PDF issued:"
                ),
                esc(&f.sha256),
                esc(&v.pdf_sha256)
            ));
        }
    }
    if let Some(r) = &v.revoked {
        reasons.push(format!(
            "{}{}（{} {}）",
            t("作废原因：", "Reason: "),
            esc(&r.reason),
            t("账本记录", "ledger entry"),
            r.seq
        ));
    }
    if !v.unverified_revocations.is_empty() {
        reasons.push(format!(
            "{} {:?}",
            t(
                "此人的作废记录未能通过账本验证，无法确认本证明是否已作废：账本记录",
                "A revocation record of this person fails verification against the ledger, so whether this certificate was revoked cannot be confirmed: ledger entries",
            ),
            v.unverified_revocations
        ));
    }
    reasons.push(if v.signature_valid {
        t("本机构签名有效。", "The agency's signature is valid.")
    } else {
        t("本机构签名无效！", "The agency's signature does NOT check!")
    });
    reasons.push(if v.anchored {
        t(
            "出具记录在账本中，并由已签名的检查点证明（包含证明已验证）。",
            "The issuing record is in the ledger, proven against a signed checkpoint (inclusion proof checked).",
        )
    } else {
        t(
            "出具记录不能由账本检查点证明！",
            "The issuing record cannot be proven against the ledger's checkpoint!",
        )
    });
    format!(
        "<div class=\"{class}\" id=\"verdict\" data-verdict=\"{}\"><strong>{}</strong></div><ul id=\"reasons\">{}</ul>",
        serde_json::to_value(v.verdict)
            .ok()
            .and_then(|x| x.as_str().map(str::to_string))
            .unwrap_or_default(),
        t(zh, en),
        reasons
            .iter()
            .map(|r| format!("<li>{r}</li>"))
            .collect::<String>()
    )
}

fn content_html(v: &CertificateCheck) -> String {
    let c = &v.content;
    let mut summary = String::new();
    for (l, val) in &c.summary {
        summary.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(l),
            esc(val)
        ));
    }
    let head: String = c
        .header
        .iter()
        .map(|h| format!("<th>{}</th>", esc(h)))
        .collect();
    let rows: String = c
        .rows
        .iter()
        .map(|r| {
            format!(
                "<tr>{}</tr>",
                r.iter()
                    .map(|x| format!("<td>{}</td>", esc(x)))
                    .collect::<String>()
            )
        })
        .collect();
    let proof = v
        .inclusion
        .as_ref()
        .map(|p| {
            format!(
                "<p class=\"en\">{} {} · {} {} · {} <code>{}</code> · {} <code>{}</code></p>",
                t("账本记录", "Ledger entry"),
                v.seq,
                t("检查点大小", "checkpoint size"),
                p.tree_size,
                t("根", "root"),
                esc(&p.root),
                t("签名密钥", "key"),
                esc(&v.key_id)
            )
        })
        .unwrap_or_default();
    format!(
        "<h2>{} <code id=\"code\">{}</code></h2>\
         <table class=\"kv\" id=\"content\"><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
         <tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
         <tr><th>{}</th><td>{}</td></tr>{summary}</table>\
         <details><summary>{} ({})</summary><table>{}{rows}</table></details>\
         {proof}<p class=\"en\">PDF SHA-256 <code>{}</code></p>",
        esc(&v.title),
        esc(&v.code),
        t("出具机构", "Agency"),
        esc(&c.agency_name),
        t("姓名", "Name"),
        esc(&c.person_name),
        t("公民身份号码", "ID number"),
        esc(&c.id_masked),
        t("证明期间", "Period"),
        esc(&c.period),
        t("出具时间", "Issued"),
        esc(&v.issued_at),
        t("种类", "Kind"),
        esc(&v.title),
        t("明细", "Details"),
        c.rows.len(),
        if head.is_empty() { String::new() } else { format!("<tr>{head}</tr>") },
        esc(&v.pdf_sha256),
    )
}

fn verify_forms(token: &str) -> String {
    format!(
        "<form method=\"get\" action=\"/verify\" id=\"by-code\"><label>{} <input name=\"code\" id=\"code-input\" placeholder=\"XXXX-XXXX-XXXX-XXXX\" maxlength=\"40\" required></label><button>{}</button></form>\
         <form method=\"post\" action=\"/verify\" enctype=\"multipart/form-data\" id=\"by-file\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label>{} <input name=\"file\" id=\"file-input\" type=\"file\" accept=\".pdf,application/pdf\" required></label><button>{}</button></form>",
        t("核验码", "Verification code"),
        t("核验", "Verify"),
        esc(token),
        t("或上传证明 PDF 文件", "or upload the certificate PDF"),
        t("核验文件", "Verify file"),
    )
}

fn not_found_html() -> String {
    format!(
        "<div class=\"err\" id=\"verdict\" data-verdict=\"not_found\"><strong>{}</strong></div>",
        t(
            "没有以此核验码出具的证明。请核对核验码（字母不区分大小写，不含 0、1、I、L、O）。",
            "No certificate was issued with this code. Check the code (letters in any case; it never contains 0, 1, I, L or O)."
        )
    )
}

fn verify_page(st: &AppState, status: StatusCode, result: String) -> Response {
    super::login::public_form(st, status, "证明核验 Verify a certificate", |token| {
        format!(
            "<h1>{}</h1><p class=\"en\">{}</p>{result}<h2>{}</h2>{}",
            t("社会保险证明核验", "Verify a social insurance certificate"),
            t(
                "无需登录。核验结果以本机构账本记录为准。",
                "No sign-in needed. The answer comes from this agency's ledger."
            ),
            t("核验其他证明", "Verify another"),
            verify_forms(token)
        )
    })
}

#[derive(Deserialize, Default)]
pub struct CodeQuery {
    pub code: Option<String>,
}

/// `/verify` (a form), or `/verify?code=` (redirects to `/verify/<code>`).
pub async fn verify_home(State(st): State<AppState>, Query(q): Query<CodeQuery>) -> Response {
    if let Some(code) = q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        // A code is letters and digits: normalised, it is a safe path segment.
        return match sirm_app::certificate::normalize_code(code) {
            Some(code) => Redirect::to(&format!("/verify/{code}")).into_response(),
            None => verify_page(&st, StatusCode::NOT_FOUND, not_found_html()),
        };
    }
    verify_page(&st, StatusCode::OK, String::new())
}

/// `/verify/<code>`: what was issued, and whether it is genuine.
pub async fn verify_code(
    State(st): State<AppState>,
    Extension(Source(source)): Extension<Source>,
    Path(code): Path<String>,
) -> Response {
    match st.sirm.verify_certificate(&code, None, &source).await {
        Ok(v) => verify_page(
            &st,
            StatusCode::OK,
            format!("{}{}", verdict_html(&v), content_html(&v)),
        ),
        Err(AppError::NotFound(_)) => verify_page(&st, StatusCode::NOT_FOUND, not_found_html()),
        Err(e) => super::error_page(e.into()),
    }
}

/// The uploaded PDF: streamed to a scratch file chunk by chunk within
/// `limits.certificate_upload_mib`, then read back (a certificate is a few
/// hundred KiB; the cap bounds what is read).
async fn read_file(st: &AppState, mut mp: Multipart) -> Result<Vec<u8>, ApiError> {
    let cap = body::Cap::certificate(&st.sirm.config.limits);
    let mut budget = body::Budget::new(cap);
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| body::multipart_error("file", &cap, &e))?
    {
        if field.name() == Some("file") {
            let mut incoming = st.sirm.archive().incoming().await?;
            body::file_into(
                &mut field,
                "file",
                &mut incoming,
                &mut budget,
                cap.bytes,
                &|| body::too_large("file", &cap),
            )
            .await?;
            return read_back(&incoming).await;
        }
        let name = field.name().unwrap_or("").to_string();
        body::skip(&mut field, &name, &mut budget).await?;
    }
    Err(ApiError::bad_request("file: no file was sent"))
}

async fn read_back(f: &sirm_app::collection::archive::Incoming) -> Result<Vec<u8>, ApiError> {
    tokio::fs::read(f.path()).await.map_err(|e| {
        ApiError::from(AppError::File {
            path: f.path().to_path_buf(),
            message: e.to_string(),
        })
    })
}

/// `POST /verify`: the uploaded PDF compared with what was issued.
pub async fn verify_upload(
    State(st): State<AppState>,
    Extension(Source(source)): Extension<Source>,
    mp: Multipart,
) -> Response {
    let bytes = match read_file(&st, mp).await {
        Ok(b) => b,
        Err(e) => {
            return verify_page(&st, e.status, notice("err", &e.message.clone()));
        }
    };
    match st.sirm.verify_certificate_file(&bytes, &source).await {
        Ok(v) => verify_page(
            &st,
            StatusCode::OK,
            format!("{}{}", verdict_html(&v), content_html(&v)),
        ),
        Err(AppError::NotFound(_)) => verify_page(&st, StatusCode::NOT_FOUND, not_found_html()),
        Err(e) => {
            let e = ApiError::from(e);
            verify_page(
                &st,
                StatusCode::BAD_REQUEST,
                format!(
                    "<div class=\"err\" id=\"verdict\" data-verdict=\"not_certificate\"><strong>{}</strong></div>",
                    esc(&e.message.clone())
                ),
            )
        }
    }
}

/// `GET /api/v1/certificates/{code}`: the check as JSON.
#[utoipa::path(get, path = "/api/v1/certificates/{code}", tag = "certificates",
    params(("code" = String, Path, description = "verification code, XXXX-XXXX-XXXX-XXXX")),
    responses(
        (status = 200, description = "verdict (genuine, altered, revoked), content, signature and inclusion proof", body = Object),
        (status = 404, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn verify_api(
    State(st): State<AppState>,
    Extension(Source(source)): Extension<Source>,
    Path(code): Path<String>,
) -> Result<Json<CertificateCheck>, ApiError> {
    Ok(Json(
        st.sirm.verify_certificate(&code, None, &source).await?,
    ))
}

/// `POST /api/v1/certificates/verify` with the PDF as the body.
#[utoipa::path(post, path = "/api/v1/certificates/verify", tag = "certificates",
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "the certificate PDF"),
    responses(
        (status = 200, description = "as GET /api/v1/certificates/{code}, with the file's hash compared", body = Object),
        (status = 400, body = crate::error::ErrorBody),
        (status = 413, description = "larger than limits.certificate_upload_mib", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn verify_file_api(
    State(st): State<AppState>,
    Extension(Source(source)): Extension<Source>,
    request: axum::body::Body,
) -> Result<Json<CertificateCheck>, ApiError> {
    // Streamed to a scratch file within limits.certificate_upload_mib.
    let cap = body::Cap::certificate(&st.sirm.config.limits);
    let mut incoming = st.sirm.archive().incoming().await?;
    body::body_into(request, "body", &mut incoming, &cap).await?;
    let bytes = read_back(&incoming).await?;
    Ok(Json(
        st.sirm.verify_certificate_file(&bytes, &source).await?,
    ))
}

// ---- revocation (staff) ----

#[derive(Deserialize)]
pub struct RevokeForm {
    pub code: String,
    pub reason: String,
}

/// The maintenance officer's page: look a certificate up, revoke it.
pub async fn staff_page(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<CodeQuery>,
) -> Response {
    staff_body(&st, &c, q.code.as_deref(), None).await
}

async fn staff_body(
    st: &AppState,
    c: &Caller,
    code: Option<&str>,
    msg: Option<String>,
) -> Response {
    let mut found = String::new();
    if let Some(code) = code.map(str::trim).filter(|s| !s.is_empty()) {
        found = match st
            .sirm
            .verify_certificate_as(&c.principal, code)
            .await
        {
            Ok(v) => format!(
                "{}{}<form method=\"post\" action=\"/certificates/revoke\" id=\"revoke\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"code\" value=\"{}\">\
                 <label>{} <input name=\"reason\" required maxlength=\"400\"></label><button>{}</button></form>",
                verdict_html(&v),
                content_html(&v),
                esc(&c.csrf),
                esc(&v.code),
                t("作废原因", "Reason"),
                t("作废此证明", "Revoke this certificate"),
            ),
            Err(AppError::NotFound(_)) => not_found_html(),
            Err(e) => notice("err", &ApiError::from(e).message),
        };
    }
    let body = format!(
        "<h1>{}</h1>{}<form method=\"get\" action=\"/certificates\"><label>{} <input name=\"code\" required></label><button>{}</button></form>{found}",
        t("证明管理", "Certificates"),
        msg.map(|m| notice("ok", &m)).unwrap_or_default(),
        t("核验码", "Verification code"),
        t("查找", "Find"),
    );
    page(
        "证明管理 Certificates",
        Some((&c.principal, &c.csrf)),
        &body,
    )
}

pub async fn revoke(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<RevokeForm>,
) -> Response {
    match st
        .sirm
        .revoke_certificate(&c.principal, &f.code, &f.reason)
        .await
    {
        Ok(seq) => {
            staff_body(
                &st,
                &c,
                Some(&f.code),
                Some(format!(
                    "已作废（账本记录 {seq}）。Revoked (ledger entry {seq})."
                )),
            )
            .await
        }
        Err(e) => super::error_page(e.into()),
    }
}
