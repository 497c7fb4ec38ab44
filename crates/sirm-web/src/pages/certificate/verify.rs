//! Verifying a certificate without signing in: by code (`/verify/<code>`)
//! or by uploading the PDF (`/verify`), and the same as JSON
//! (`GET /api/v1/certificates/{code}`, `POST /api/v1/certificates/verify`).

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use maud::{html, Markup};
use serde::Deserialize;
use sirm_app::certificate::{CertificateCheck, CertificateKind, Verdict};
use sirm_app::AppError;

use super::super::body;
use super::super::ui::{csrf, error_notice, t, FieldKind};
use super::super::ui::{FormField, Input};
use crate::error::ApiError;
use crate::routes::Source;
use crate::AppState;

/// The verdict and the reasons for it.
pub(super) fn verdict_html(v: &CertificateCheck) -> Markup {
    let (class, zh, en) = match v.verdict {
        Verdict::Genuine => ("ok", "真实有效", "Genuine"),
        Verdict::Altered => (
            "err",
            "与出具记录不符（已被篡改或不是本机构出具的文件）",
            "Altered: does not match what was issued",
        ),
        Verdict::Revoked => ("err", "已作废", "Revoked"),
    };
    let verdict = serde_json::to_value(v.verdict)
        .ok()
        .and_then(|x| x.as_str().map(str::to_string))
        .unwrap_or_default();
    html! {
        div class=(class) id="verdict" data-verdict=(verdict) { strong { (t(zh, en)) } }
        ul #reasons {
            @if let Some(f) = &v.file {
                li {
                    @if f.matches {
                        (t(
                            "上传的文件与出具的 PDF 逐字节一致。",
                            "The uploaded file is byte for byte the PDF issued.",
                        ))
                    } @else {
                        (t(
                            "上传的文件与出具的 PDF 不一致：",
                            "The uploaded file differs from the PDF issued:",
                        ))
                        " SHA-256 " (f.sha256) " ≠ " (v.pdf_sha256)
                    }
                }
            }
            @if let Some(r) = &v.revoked {
                li {
                    (t("作废原因：", "Reason: ")) (r.reason)
                    "（" (t("账本记录", "ledger entry")) " " (r.seq) "）"
                }
            }
            @if !v.unverified_revocations.is_empty() {
                li {
                    (t(
                        "此人的作废记录未能通过账本验证，无法确认本证明是否已作废：账本记录",
                        "A revocation record of this person fails verification against the ledger, so whether this certificate was revoked cannot be confirmed: ledger entries",
                    ))
                    " " (format!("{:?}", v.unverified_revocations))
                }
            }
            li {
                @if v.signature_valid {
                    (t("本机构签名有效。", "The agency's signature is valid."))
                } @else {
                    (t("本机构签名无效！", "The agency's signature does NOT check!"))
                }
            }
            li {
                @if v.anchored {
                    (t(
                        "出具记录在账本中，并由已签名的检查点证明（包含证明已验证）。",
                        "The issuing record is in the ledger, proven against a signed checkpoint (inclusion proof checked).",
                    ))
                } @else {
                    (t(
                        "出具记录不能由账本检查点证明！",
                        "The issuing record cannot be proven against the ledger's checkpoint!",
                    ))
                }
            }
        }
    }
}

/// What the certificate says, as issued, and how it is anchored.
pub(super) fn content_html(v: &CertificateCheck) -> Markup {
    let c = &v.content;
    // A letter names its own three lines (the kind's printed labels).
    let [name_zh, id_zh, period_zh] = v.kind.labels();
    let [name_en, id_en, period_en] = match v.kind {
        CertificateKind::DisclosureRefusal => ["Unit", "Credit code", "Application"],
        CertificateKind::ObjectionAnswer => ["Objection", "ID number", "Filed"],
        _ => ["Name", "ID number", "Period"],
    };
    html! {
        h2 { (v.title) " " code #code { (v.code) } }
        table.kv #content {
            tr { th { (t("出具机构", "Agency")) } td { (c.agency_name) } }
            tr { th { (t(name_zh, name_en)) } td { (c.person_name) } }
            tr { th { (t(id_zh, id_en)) } td { (c.id_masked) } }
            tr { th { (t(period_zh, period_en)) } td { (c.period) } }
            tr { th { (t("出具时间", "Issued")) } td { (v.issued_at) } }
            tr { th { (t("种类", "Kind")) } td { (v.title) } }
            @for (l, val) in &c.summary { tr { th { (l) } td { (val) } } }
        }
        details {
            summary { (t("明细", "Details")) " (" (c.rows.len()) ")" }
            table {
                @if !c.header.is_empty() {
                    tr { @for h in &c.header { th { (h) } } }
                }
                @for r in &c.rows {
                    tr { @for x in r { td { (x) } } }
                }
            }
        }
        @if let Some(p) = &v.inclusion {
            p.en {
                (t("账本记录", "Ledger entry")) " " (v.seq)
                " · " (t("检查点大小", "checkpoint size")) " " (p.tree_size)
                " · " (t("根", "root")) " " code { (p.root) }
                " · " (t("签名密钥", "key")) " " code { (v.key_id) }
            }
        }
        p.en { "PDF SHA-256 " code { (v.pdf_sha256) } }
    }
}

const CODE: Input = FormField::new("code", "核验码", "Verification code", FieldKind::Text)
    .input()
    .with_id("code-input")
    .with_placeholder("XXXX-XXXX-XXXX-XXXX")
    .with_maxlength(40);

fn verify_forms(token: &str, limits: &sirm_app::limits::LimitsConfig) -> Markup {
    html! {
        form method="get" action="/verify" id="by-code" {
            (CODE.empty())
            button { (t("核验", "Verify")) }
        }
        form method="post" action="/verify" enctype="multipart/form-data" id="by-file" {
            (csrf(token))
            label {
                (t("或上传证明 PDF 文件", "or upload the certificate PDF")) " "
                input name="file" id="file-input" type="file" accept=".pdf,application/pdf" required;
            }
            (crate::pages::ui::upload_rules(limits, crate::routes::BodyClass::Certificate, ("本机构出具的证明 PDF", "a PDF certificate issued by this agency"), None, None))
            button { (t("核验文件", "Verify file")) }
        }
    }
}

pub(super) fn not_found_html() -> Markup {
    html! {
        div.err id="verdict" data-verdict="not_found" {
            strong {
                (t(
                    "没有以此核验码出具的证明。请核对核验码（字母不区分大小写，不含 0、1、I、L、O）。",
                    "No certificate was issued with this code. Check the code (letters in any case; it never contains 0, 1, I, L or O)."
                ))
            }
        }
    }
}

fn verify_page(st: &AppState, status: StatusCode, result: Markup) -> Response {
    super::super::login::public_form(st, status, "证明核验 Verify a certificate", |token| {
        html! {
            h1 { (t("社会保险证明核验", "Verify a social insurance certificate")) }
            p.en {
                (t(
                    "无需登录。核验结果以本机构账本记录为准。",
                    "No sign-in needed. The answer comes from this agency's ledger."
                ))
            }
            (result)
            h2 { (t("核验其他证明", "Verify another")) }
            (verify_forms(token, &st.sirm.config.limits))
        }
    })
}

/// The verdict and the content together.
fn checked(v: &CertificateCheck) -> Markup {
    html! { (verdict_html(v)) (content_html(v)) }
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
    verify_page(&st, StatusCode::OK, html! {})
}

/// `/verify/<code>`: what was issued, and whether it is genuine.
pub async fn verify_code(
    State(st): State<AppState>,
    Extension(Source(source)): Extension<Source>,
    Path(code): Path<String>,
) -> Response {
    match st.sirm.verify_certificate(&code, None, &source).await {
        Ok(v) => verify_page(&st, StatusCode::OK, checked(&v)),
        Err(AppError::NotFound { .. }) => verify_page(&st, StatusCode::NOT_FOUND, not_found_html()),
        Err(e) => super::super::error_page(e.into()),
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
            body::whole_file(&mut field, "file", &mut incoming, &mut budget).await?;
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
        Err(e) => return verify_page(&st, e.status, error_notice(&e)),
    };
    match st.sirm.verify_certificate_file(&bytes, &source).await {
        Ok(v) => verify_page(&st, StatusCode::OK, checked(&v)),
        Err(AppError::NotFound { .. }) => verify_page(&st, StatusCode::NOT_FOUND, not_found_html()),
        Err(e) => {
            let e = ApiError::from(e);
            verify_page(
                &st,
                StatusCode::BAD_REQUEST,
                html! {
                    div.err id="verdict" data-verdict="not_certificate" { strong { (e.message) } }
                },
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
