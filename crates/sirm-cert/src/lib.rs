//! SIRM certificates (社会保险个人权益记录管理办法 第十五条) rendered as PDF.
//!
//! Two kinds: 参保缴费证明 ([`CertificateKind::Contribution`]) and 待遇领取证明
//! ([`CertificateKind::Benefit`]). Rendering uses typst as a library with a
//! static template (`src/certificate.typ`); the certificate data is handed to
//! it as a JSON virtual file, so user strings are never spliced into markup.
//!
//! ```no_run
//! use sirm_cert::{render_pdf, extract_code, Certificate, CertificateKind, Fonts};
//! let fonts = Fonts::debian_default()?; // once per process
//! let cert = Certificate {
//!     kind: CertificateKind::Contribution,
//!     agency_name: "北京市东城区社会保险事业管理中心".into(),
//!     code: "7KQ2-9XHM-D4PA-R3TB".into(),
//!     verify_url: "http://127.0.0.1:8080/verify/7KQ2-9XHM-D4PA-R3TB".into(),
//!     issued_at: "2026-11-27 14:03".into(),
//!     person_name: "张三".into(),
//!     id_number_masked: "110105********0012".into(),
//!     period: "2016-01 至 2026-10".into(),
//!     summary: vec![("累计缴费月数".into(), "118".into())],
//!     table_header: vec!["月份".into(), "险种".into()],
//!     rows: vec![vec!["2026-10".into(), "基本养老保险".into()]],
//!     footer_note: "本证明可通过扫描二维码核验真伪".into(),
//! };
//! let pdf = render_pdf(&cert, &fonts)?;
//! assert_eq!(extract_code(&pdf).as_deref(), Some("7KQ2-9XHM-D4PA-R3TB"));
//! # Ok::<(), sirm_cert::CertError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fonts;
mod world;

use std::path::PathBuf;

use serde_json::{json, Value};
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;

pub use fonts::{Fonts, DEBIAN_NOTO_BOLD, DEBIAN_NOTO_DIR, DEBIAN_NOTO_REGULAR};

/// Prefix of the verification-code marker stored (uncompressed) in the PDF
/// keywords: in the document information dictionary and in the XMP metadata.
pub const CODE_MARKER: &str = "SIRM-CERT:";

/// Longest accepted verification code.
pub const MAX_CODE_LEN: usize = 64;

/// Longest accepted verification URL (it must fit in the QR code).
pub const MAX_URL_LEN: usize = 1024;

/// After each render, typst's memoization cache drops entries that were not
/// used by the last `CACHE_MAX_AGE` renders. Keeps memory bounded in a
/// long-running server while the template's parse/eval stays cached.
const CACHE_MAX_AGE: usize = 10;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// A font file could not be read.
    #[error("cannot read font file {}: {source}", path.display())]
    FontRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A font file was read but typst found no usable face in it.
    #[error("font file {} holds no usable font face (expected .ttc/.otc/.otf/.ttf)", path.display())]
    NoFontFace { path: PathBuf },
    /// None of the loaded faces covers Chinese.
    #[error("no loaded font covers Chinese text (tested with '参'): {paths}; use a CJK font such as Noto Sans CJK (Debian: fonts-noto-cjk)")]
    NoCjkFont { paths: String },
    /// The Debian default font file is missing.
    #[error("CJK font not found at {}: install fonts-noto-cjk or set [certificates] fonts", path.display())]
    DefaultFontsMissing { path: PathBuf },
    /// The certificate data cannot be rendered as given.
    #[error("invalid certificate: {0}")]
    InvalidInput(String),
    /// The QR code could not be built (e.g. URL too long).
    #[error("cannot build QR code: {0}")]
    Qr(String),
    /// Typst reported errors while compiling the document.
    #[error("typst compilation failed: {0}")]
    Typst(String),
    /// Typst reported errors while exporting the PDF.
    #[error("PDF export failed: {0}")]
    Pdf(String),
}

/// Which certificate to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateKind {
    /// 参保缴费证明
    Contribution,
    /// 待遇领取证明
    Benefit,
}

impl CertificateKind {
    /// The title printed on the certificate.
    pub fn title(self) -> &'static str {
        match self {
            CertificateKind::Contribution => "参保缴费证明",
            CertificateKind::Benefit => "待遇领取证明",
        }
    }

    fn intro(self) -> &'static str {
        match self {
            CertificateKind::Contribution => {
                "兹证明下列人员在本机构的社会保险参保缴费情况如下（依据本机构社会保险个人权益记录出具）："
            }
            CertificateKind::Benefit => {
                "兹证明下列人员在本机构的社会保险待遇领取情况如下（依据本机构社会保险个人权益记录出具）："
            }
        }
    }

    fn sections(self) -> [&'static str; 3] {
        match self {
            CertificateKind::Contribution => {
                ["一、参保人员信息", "二、缴费情况汇总", "三、缴费明细"]
            }
            CertificateKind::Benefit => {
                ["一、领取人员信息", "二、待遇情况汇总", "三、待遇领取明细"]
            }
        }
    }
}

/// The data of one certificate. All strings are printed literally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub kind: CertificateKind,
    /// e.g. "北京市东城区社会保险事业管理中心"
    pub agency_name: String,
    /// Verification code chosen by the caller, e.g. "7KQ2-9XHM-D4PA-R3TB".
    /// ASCII letters, digits, '-', '_' and '.', at most [`MAX_CODE_LEN`].
    pub code: String,
    /// Content of the QR code, e.g. "http://127.0.0.1:8080/verify/7KQ2-…".
    pub verify_url: String,
    /// Already formatted local time, e.g. "2026-11-27 14:03". When it has the
    /// form `YYYY-MM-DD[ HH:MM[:SS]]` it also becomes the PDF creation date.
    pub issued_at: String,
    pub person_name: String,
    /// Already masked by the caller, e.g. "110105********0012".
    pub id_number_masked: String,
    /// e.g. "2016-01 至 2026-10"
    pub period: String,
    /// Label/value lines, e.g. ("累计缴费月数", "118").
    pub summary: Vec<(String, String)>,
    /// Column titles of the detail table; empty for no table.
    pub table_header: Vec<String>,
    /// Detail rows; shorter rows are padded, longer rows are an error. The
    /// table paginates and repeats its header on every page.
    pub rows: Vec<Vec<String>>,
    /// Printed at the end of the document (last page).
    pub footer_note: String,
}

/// Render a certificate to PDF bytes.
///
/// Deterministic: the same `Certificate` and the same font files give
/// byte-identical output (no clock, no random identifiers).
pub fn render_pdf(cert: &Certificate, fonts: &Fonts) -> Result<Vec<u8>, CertError> {
    validate(cert)?;
    let data = template_data(cert, fonts);
    let data = serde_json::to_vec(&data).map_err(|e| CertError::InvalidInput(e.to_string()))?;
    let qr = qr_svg(&cert.verify_url)?;

    compile_pdf(fonts, data, qr, &cert.code)
}

/// Compile the static template against the given data and export the PDF.
fn compile_pdf(fonts: &Fonts, data: Vec<u8>, qr: String, code: &str) -> Result<Vec<u8>, CertError> {
    let world = world::CertWorld::new(fonts, data, qr)?;
    let result = typst::compile::<PagedDocument>(&world).output;
    let pdf = match result {
        Ok(document) => {
            let options = typst_pdf::PdfOptions {
                // Stable document id (hashed by krilla), never random.
                ident: Smart::Custom(format!("{CODE_MARKER}{code}")),
                // Fixed, so that the bytes do not depend on the typst version
                // string (they still depend on typst's layout/export code).
                creator: Smart::Custom(Some("SIRM sirm-cert".to_string())),
                // No clock: the date comes from issued_at via the template.
                timestamp: None,
                // No PDF structure tree: ~10% faster export and smaller
                // files; the text stays real, extractable text. Switch to
                // `true` if tagged (accessible) PDF becomes a requirement.
                tagged: false,
                ..Default::default()
            };
            typst_pdf::pdf(&document, &options)
                .map_err(|diags| CertError::Pdf(world.format_diagnostics(&diags)))
        }
        Err(diags) => Err(CertError::Typst(world.format_diagnostics(&diags))),
    };
    drop(world);
    typst::comemo::evict(CACHE_MAX_AGE);
    pdf
}

/// Find the verification code in a PDF produced by [`render_pdf`], reading
/// the raw bytes only. Looks for the `SIRM-CERT:<code>` keyword, which is
/// stored uncompressed. Returns `None` when it is absent.
pub fn extract_code(pdf: &[u8]) -> Option<String> {
    let marker = CODE_MARKER.as_bytes();
    let mut from = 0;
    while let Some(pos) = find(&pdf[from..], marker) {
        let start = from + pos + marker.len();
        let code: Vec<u8> = pdf[start..]
            .iter()
            .take(MAX_CODE_LEN + 1)
            .take_while(|b| is_code_byte(**b))
            .copied()
            .collect();
        if !code.is_empty() && code.len() <= MAX_CODE_LEN {
            return String::from_utf8(code).ok();
        }
        from = start;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn is_code_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

fn validate(cert: &Certificate) -> Result<(), CertError> {
    let bad = |msg: String| Err(CertError::InvalidInput(msg));
    if cert.code.is_empty() || cert.code.len() > MAX_CODE_LEN {
        return bad(format!("code must be 1..={MAX_CODE_LEN} characters"));
    }
    if !cert.code.bytes().all(is_code_byte) {
        return bad("code may only contain ASCII letters, digits, '-', '_' and '.'".into());
    }
    if cert.verify_url.trim().is_empty() {
        return bad("verify_url is empty".into());
    }
    if cert.verify_url.len() > MAX_URL_LEN {
        return bad(format!("verify_url is longer than {MAX_URL_LEN} bytes"));
    }
    // The marker must only occur once, in the keywords, so that
    // extract_code cannot be fooled by text that ends up in metadata
    // (author = agency name) or in link annotations (verify_url).
    let strings = [
        &cert.agency_name,
        &cert.verify_url,
        &cert.issued_at,
        &cert.person_name,
        &cert.id_number_masked,
        &cert.period,
        &cert.footer_note,
    ];
    let all = strings
        .into_iter()
        .chain(cert.summary.iter().flat_map(|(l, v)| [l, v]))
        .chain(cert.table_header.iter())
        .chain(cert.rows.iter().flatten());
    for s in all {
        if s.contains(CODE_MARKER) {
            return bad(format!("text must not contain the marker {CODE_MARKER:?}"));
        }
    }
    let ncols = cert.table_header.len();
    if ncols == 0 && !cert.rows.is_empty() {
        return bad("rows given without table_header".into());
    }
    if let Some((i, row)) = cert.rows.iter().enumerate().find(|(_, r)| r.len() > ncols) {
        return bad(format!(
            "row {} has {} cells but the header has {ncols} columns",
            i + 1,
            row.len()
        ));
    }
    Ok(())
}

/// The JSON value read by the template as `/data.json`.
fn template_data(cert: &Certificate, fonts: &Fonts) -> Value {
    let ncols = cert.table_header.len();
    let rows: Vec<Vec<&str>> = cert
        .rows
        .iter()
        .map(|r| {
            let mut cells: Vec<&str> = r.iter().map(String::as_str).collect();
            cells.resize(ncols, "");
            cells
        })
        .collect();
    let align: Vec<&str> = (0..ncols)
        .map(|c| {
            let mut any = false;
            let numeric = rows.iter().all(|r| {
                let cell = r[c].trim();
                if cell.is_empty() {
                    return true;
                }
                any = true;
                looks_numeric(cell)
            });
            if numeric && any {
                "right"
            } else {
                "center"
            }
        })
        .collect();
    // Relative column widths from the longest cell (CJK counts double).
    let widths: Vec<usize> = (0..ncols)
        .map(|c| {
            let longest = rows
                .iter()
                .map(|r| display_width(r[c]))
                .chain(std::iter::once(display_width(&cert.table_header[c])))
                .max()
                .unwrap_or(0);
            longest.clamp(4, 40) + 3
        })
        .collect();
    let fixed_rows = !rows.is_empty() && cells_fit_one_line(&rows, &widths);
    let [section_person, section_summary, section_detail] = cert.kind.sections();
    json!({
        "title": cert.kind.title(),
        "intro": cert.kind.intro(),
        "section_person": section_person,
        "section_summary": section_summary,
        "section_detail": section_detail,
        "marker": format!("{CODE_MARKER}{}", cert.code),
        "date": parse_date(&cert.issued_at),
        "fonts": fonts.families,
        "agency_name": cert.agency_name,
        "code": cert.code,
        "verify_url": cert.verify_url,
        "verify_url_display": breakable(&cert.verify_url, 40),
        "issued_at": cert.issued_at,
        "person_name": cert.person_name,
        "id_number": cert.id_number_masked,
        "period": cert.period,
        "summary": cert.summary.iter().map(|(l, v)| [l, v]).collect::<Vec<_>>(),
        "header": cert.table_header,
        "rows": rows,
        "align": align,
        "widths": widths,
        "fixed_rows": fixed_rows,
        "footer_note": cert.footer_note,
    })
}

/// Width of the A4 text area in pt (210 mm minus 2 x 2.2 cm margins, as in
/// the template).
const TEXT_WIDTH_PT: f64 = 595.28 - 2.0 * 62.36;
/// Detail table: font size and horizontal cell inset in pt (as in the template).
const TABLE_FONT_PT: f64 = 9.0;
const TABLE_INSET_X_PT: f64 = 4.0;

/// Conservative estimate of whether every body cell fits on one line in its
/// column; only then are body rows given a fixed height (faster layout).
/// When in doubt the rows stay auto-height, which is always correct.
fn cells_fit_one_line(rows: &[Vec<&str>], widths: &[usize]) -> bool {
    let total: usize = widths.iter().sum();
    if total == 0 {
        return false;
    }
    let column_pt: Vec<f64> = widths
        .iter()
        .map(|w| TEXT_WIDTH_PT * *w as f64 / total as f64 - 2.0 * TABLE_INSET_X_PT - 2.0)
        .collect();
    rows.iter().all(|row| {
        row.iter()
            .zip(&column_pt)
            .all(|(cell, avail)| estimated_width_em(cell) * TABLE_FONT_PT <= *avail)
    })
}

/// Upper bound of the advance width of `s` in em for Noto Sans CJK (CJK and
/// full-width forms are 1 em; Latin is narrower; unknown scripts count 1.3).
fn estimated_width_em(s: &str) -> f64 {
    s.chars()
        .map(|c| match c {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => 1000.0, // forced line break
            'A'..='Z' | 'm' | 'w' | '@' | '%' | '&' | '#' => 0.9,
            ' '..='~' => 0.62,
            '\u{1100}'..='\u{115F}'
            | '\u{2E80}'..='\u{A4CF}'
            | '\u{AC00}'..='\u{D7A3}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{FE30}'..='\u{FE4F}'
            | '\u{FF00}'..='\u{FF60}'
            | '\u{FFE0}'..='\u{FFE6}' => 1.0,
            _ => 1.3,
        })
        .sum()
}

/// Insert zero-width spaces into runs of more than `max` characters without
/// a break opportunity, so that a long URL wraps instead of leaving the page.
/// Typical URLs (short runs) are returned unchanged.
fn breakable(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = 0;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if run == max {
                out.push('\u{200B}');
                run = 0;
            }
            run += 1;
        } else {
            run = 0;
        }
        out.push(c);
    }
    out
}

/// Approximate printed width in half-em units: wide (CJK) characters count 2.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) < 0x1100 { 1 } else { 2 })
        .sum()
}

/// Amounts and counts ("12,345.67", "118", "-3.5", "12,345.67 元") are right aligned.
fn looks_numeric(cell: &str) -> bool {
    let s = cell.strip_suffix('元').unwrap_or(cell).trim_end();
    let s = s.strip_prefix('-').unwrap_or(s);
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// `YYYY-MM-DD[ HH:MM[:SS]]` (also with 'T') -> date components, else null.
fn parse_date(s: &str) -> Value {
    let s = s.trim();
    let (date, time) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let num = |p: &str, len: usize| -> Option<u32> {
        if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
            p.parse().ok()
        } else {
            None
        }
    };
    let parsed = (|| {
        let mut d = date.split('-');
        let year = num(d.next()?, 4)?;
        let month = num(d.next()?, 2)?;
        let day = num(d.next()?, 2)?;
        if d.next().is_some() {
            return None;
        }
        let (hour, minute, second) = match time {
            None => (0, 0, 0),
            Some(t) => {
                let mut t = t.split(':');
                let h = num(t.next()?, 2)?;
                let m = num(t.next()?, 2)?;
                let s = match t.next() {
                    Some(s) => num(s, 2)?,
                    None => 0,
                };
                if t.next().is_some() {
                    return None;
                }
                (h, m, s)
            }
        };
        // Let typst validate the calendar date (e.g. no 2026-02-30).
        Datetime::from_ymd_hms(
            i32::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
            u8::try_from(hour).ok()?,
            u8::try_from(minute).ok()?,
            u8::try_from(second).ok()?,
        )?;
        Some((year, month, day, hour, minute, second))
    })();
    match parsed {
        Some((year, month, day, hour, minute, second)) => json!({
            "year": year, "month": month, "day": day,
            "hour": hour, "minute": minute, "second": second,
        }),
        None => Value::Null,
    }
}

/// The verification URL as a QR code (error correction M) in SVG.
fn qr_svg(url: &str) -> Result<String, CertError> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| CertError::Qr(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(4, 4)
        .build())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod unit_tests {
    use super::*;

    #[test]
    fn date_parsing() {
        assert_eq!(parse_date("2026-11-27 14:03")["minute"], 3);
        assert_eq!(parse_date("2026-11-27T14:03:09")["second"], 9);
        assert_eq!(parse_date("2026-11-27")["hour"], 0);
        assert!(parse_date("2026-02-30 10:00").is_null());
        assert!(parse_date("2026年11月27日").is_null());
        assert!(parse_date("").is_null());
    }

    #[test]
    fn fixed_rows_only_when_cells_fit() {
        let widths = [10, 15, 11, 11, 11, 7];
        let row = vec![
            "2026-10",
            "基本养老保险",
            "8,000.00",
            "1,280.00",
            "640.00",
            "已缴",
        ];
        assert!(cells_fit_one_line(std::slice::from_ref(&row), &widths));
        let mut long = row.clone();
        long[5] = "这是一段很长很长很长很长很长的说明文字";
        assert!(!cells_fit_one_line(&[row.clone(), long], &widths));
        let mut newline = row;
        newline[1] = "a\nb";
        assert!(!cells_fit_one_line(&[newline], &widths));
        assert!(estimated_width_em("WWW") > estimated_width_em("111"));
    }

    #[test]
    fn long_runs_get_break_opportunities() {
        let url = "http://127.0.0.1:8080/verify/7KQ2-9XHM-D4PA-R3TB";
        assert_eq!(breakable(url, 40), url);
        let long = format!("http://x/{}", "A".repeat(100));
        assert_eq!(breakable(&long, 40).matches('\u{200B}').count(), 2);
    }

    #[test]
    fn numeric_detection() {
        assert!(looks_numeric("12,345.67"));
        assert!(looks_numeric("12,345.67 元"));
        assert!(looks_numeric("-3.5"));
        assert!(!looks_numeric("2026-10"));
        assert!(!looks_numeric("已缴"));
    }

    #[test]
    fn extract_code_from_bytes() {
        assert_eq!(
            extract_code(b"xx<pdf:Keywords>SIRM-CERT:AB-12</pdf:Keywords>").as_deref(),
            Some("AB-12")
        );
        assert_eq!(extract_code(b"SIRM-CERT:"), None);
        assert_eq!(extract_code(b"nothing here"), None);
    }

    #[test]
    fn typst_diagnostics_become_errors() {
        let fonts = match Fonts::debian_default() {
            Ok(f) => f,
            Err(e) => {
                eprintln!("NOTE: skipped, {e}");
                return;
            }
        };
        // Data without the fields the template reads: a typst error, which
        // must come back as CertError::Typst with a location, not a panic.
        let err = compile_pdf(&fonts, b"{}".to_vec(), qr_svg("x").unwrap(), "X").unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, CertError::Typst(_)), "{msg}");
        assert!(msg.contains("/main.typ:"), "{msg}");
        assert!(msg.contains("title"), "{msg}");

        let err = compile_pdf(&fonts, b"not json".to_vec(), qr_svg("x").unwrap(), "X").unwrap_err();
        assert!(matches!(err, CertError::Typst(_)), "{err}");
        assert!(err.to_string().contains("json"), "{err}");
    }

    #[test]
    fn qr_is_svg() {
        let svg = qr_svg("http://127.0.0.1:8080/verify/X").unwrap();
        assert!(svg.contains("<svg"));
    }
}
