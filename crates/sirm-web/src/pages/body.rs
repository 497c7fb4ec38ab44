//! Upload bodies read under the `[limits]` caps: multipart parts and raw
//! bodies are streamed chunk by chunk into scratch files (memory holds one
//! chunk, never the file), text parts are bounded, and every refusal is a
//! clear 413 naming the field and the cap — also when the request body's
//! own length limit trips while a part is being read.

use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;
use sirm_app::collection::archive::Incoming;
use sirm_app::limits::LimitsConfig;

use crate::error::ApiError;

/// What one request may carry, and the setting that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cap {
    pub bytes: u64,
    /// The limit as shown (MiB).
    pub mib: u64,
    /// The `sirm.toml` setting, e.g. `limits.declaration_upload_mib`.
    pub setting: &'static str,
}

impl Cap {
    fn mib(mib: u64, setting: &'static str) -> Cap {
        Cap {
            bytes: mib.saturating_mul(LimitsConfig::MIB),
            mib,
            setting,
        }
    }
    /// `POST /declarations`: one declaration file.
    pub fn declaration(l: &LimitsConfig) -> Cap {
        Cap::mib(l.declaration_upload_mib, "limits.declaration_upload_mib")
    }
    /// An application with its scanned materials (the whole body).
    pub fn application(l: &LimitsConfig) -> Cap {
        Cap::mib(l.application_upload_mib, "limits.application_upload_mib")
    }
    /// A PDF presented for verification.
    pub fn certificate(l: &LimitsConfig) -> Cap {
        Cap::mib(l.certificate_upload_mib, "limits.certificate_upload_mib")
    }
}

/// 413: "文件超过上限 N MiB / the file exceeds the limit of N MiB", naming
/// the field and the cap.
pub fn too_large(field: &str, cap: &Cap) -> ApiError {
    ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "payload_too_large",
        rule: None,
        field: Some(field.to_string()),
        message: format!(
            "文件超过上限 {mib} MiB / the file exceeds the limit of {mib} MiB (field {field}, cap {setting})",
            mib = cap.mib,
            setting = cap.setting
        ),
    }
}

/// 413 for one scanned material beyond its own limit.
pub fn material_too_large(file: &str, mib: u64) -> ApiError {
    ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "payload_too_large",
        rule: None,
        field: Some("material".into()),
        message: format!(
            "材料超过上限 {mib} MiB / the material exceeds the limit of {mib} MiB (field material, {file})"
        ),
    }
}

/// A multipart read error: the body's length limit is the clear 413 of
/// [`too_large`], anything else a 400 naming the field.
pub fn multipart_error(field: &str, cap: &Cap, e: &MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(field, cap)
    } else {
        ApiError::bad_request(format!("{field}: the upload could not be read ({e})"))
    }
}

/// Whether an error (or one of its sources) is a body length limit.
fn is_length_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Bytes of one request counted against its cap.
#[derive(Debug)]
pub struct Budget {
    pub cap: Cap,
    pub used: u64,
}

impl Budget {
    pub fn new(cap: Cap) -> Self {
        Budget { cap, used: 0 }
    }

    fn take(&mut self, field: &str, n: usize) -> Result<(), ApiError> {
        self.used = self.used.saturating_add(n as u64);
        if self.used > self.cap.bytes {
            return Err(too_large(field, &self.cap));
        }
        Ok(())
    }
}

/// A text part of at most `max` bytes (the form limit), counted.
pub async fn text(
    field: &mut Field<'_>,
    name: &str,
    max: usize,
    budget: &mut Budget,
) -> Result<String, ApiError> {
    let mut out = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(c)) => {
                budget.take(name, c.len())?;
                if out.len() + c.len() > max {
                    return Err(ApiError {
                        status: StatusCode::PAYLOAD_TOO_LARGE,
                        code: "payload_too_large",
                        rule: None,
                        field: Some(name.to_string()),
                        message: format!(
                            "字段超过上限 {kib} KiB / the field exceeds the limit of {kib} KiB (field {name}, cap limits.form_kib)",
                            kib = max / 1024
                        ),
                    });
                }
                out.extend_from_slice(&c);
            }
            Ok(None) => break,
            Err(e) => return Err(multipart_error(name, &budget.cap, &e)),
        }
    }
    String::from_utf8(out).map_err(|_| ApiError::bad_request(format!("{name}: not UTF-8 text")))
}

/// A file part streamed into `out`; at most `part_max` bytes for this part
/// (`on_part_cap` says how to refuse more), all parts within the budget.
pub async fn file_into(
    field: &mut Field<'_>,
    name: &str,
    out: &mut Incoming,
    budget: &mut Budget,
    part_max: u64,
    on_part_cap: &(dyn Fn() -> ApiError + Sync),
) -> Result<u64, ApiError> {
    loop {
        match field.chunk().await {
            Ok(Some(c)) => {
                budget.take(name, c.len())?;
                if out.size() + c.len() as u64 > part_max {
                    return Err(on_part_cap());
                }
                out.write(&c).await.map_err(ApiError::from)?;
            }
            Ok(None) => break,
            Err(e) => return Err(multipart_error(name, &budget.cap, &e)),
        }
    }
    out.finish().await.map_err(ApiError::from)?;
    Ok(out.size())
}

/// A file part that may take the whole request's cap: beyond it, the 413
/// of [`too_large`] naming the field.
pub async fn whole_file(
    field: &mut Field<'_>,
    name: &str,
    out: &mut Incoming,
    budget: &mut Budget,
) -> Result<u64, ApiError> {
    let cap = budget.cap;
    file_into(field, name, out, budget, cap.bytes, &|| {
        too_large(name, &cap)
    })
    .await
}

/// A part nobody asked for: read and dropped, counted.
/// A file part (`name` in the form) streamed into the archive's incoming
/// area: the file's own name (or `default_name`) and the scratch file.
pub async fn file_part(
    field: &mut Field<'_>,
    name: &str,
    default_name: &str,
    archive: &sirm_app::collection::Archive,
    budget: &mut Budget,
) -> Result<(String, Incoming), ApiError> {
    let file_name = field.file_name().unwrap_or(default_name).to_string();
    let mut incoming = archive.incoming().await.map_err(ApiError::from)?;
    whole_file(field, name, &mut incoming, budget).await?;
    Ok((file_name, incoming))
}

pub async fn skip(field: &mut Field<'_>, name: &str, budget: &mut Budget) -> Result<(), ApiError> {
    loop {
        match field.chunk().await {
            Ok(Some(c)) => budget.take(name, c.len())?,
            Ok(None) => return Ok(()),
            Err(e) => return Err(multipart_error(name, &budget.cap, &e)),
        }
    }
}

/// A whole raw body streamed into `out`, within `cap`.
pub async fn body_into(
    body: Body,
    field: &str,
    out: &mut Incoming,
    cap: &Cap,
) -> Result<u64, ApiError> {
    let mut budget = Budget::new(*cap);
    let mut body = body;
    while let Some(chunk) = next_data(&mut body).await {
        let c = chunk.map_err(|e| read_error(field, cap, &e))?;
        budget.take(field, c.len())?;
        out.write(&c).await.map_err(ApiError::from)?;
    }
    out.finish().await.map_err(ApiError::from)?;
    Ok(out.size())
}

/// A whole raw body collected in memory, within `cap` (for bodies that
/// are parsed as a whole, e.g. JSON).
pub async fn body_bytes(body: Body, field: &str, cap: &Cap) -> Result<Vec<u8>, ApiError> {
    let mut budget = Budget::new(*cap);
    let mut out = Vec::new();
    let mut body = body;
    while let Some(chunk) = next_data(&mut body).await {
        let c = chunk.map_err(|e| read_error(field, cap, &e))?;
        budget.take(field, c.len())?;
        out.extend_from_slice(&c);
    }
    Ok(out)
}

fn read_error(field: &str, cap: &Cap, e: &axum::Error) -> ApiError {
    if is_length_limit(e) {
        too_large(field, cap)
    } else {
        ApiError::bad_request(format!("{field}: the upload could not be read ({e})"))
    }
}

/// The next data frame of a body (trailers skipped).
async fn next_data(s: &mut Body) -> Option<Result<axum::body::Bytes, axum::Error>> {
    use http_body_util::BodyExt;
    loop {
        match s.frame().await? {
            Ok(frame) => match frame.into_data() {
                Ok(data) => return Some(Ok(data)),
                Err(_) => continue, // trailers
            },
            Err(e) => return Some(Err(e)),
        }
    }
}
