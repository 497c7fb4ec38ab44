//! SIRM certificates (社会保险个人权益记录管理办法 第十五条) rendered as PDF.
//!
//! Two kinds: 参保缴费证明 ([`CertificateKind::Contribution`]) and 待遇领取证明
//! ([`CertificateKind::Benefit`]). The layout is computed here (`layout.rs`:
//! pages of text runs, rectangles and the QR code) and written with krilla
//! (`pdf.rs`), which embeds subsets of the CJK fonts. No markup language is
//! involved, so user strings are always printed literally.
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
#![deny(clippy::panic)]

mod fonts;
mod layout;
mod pdf;

use std::path::PathBuf;

pub use fonts::{
    FontSource, Fonts, DEBIAN_NOTO_BOLD, DEBIAN_NOTO_DIR, DEBIAN_NOTO_REGULAR, EMBEDDED_BOLD,
    EMBEDDED_REGULAR,
};

/// Prefix of the verification-code marker stored (uncompressed) in the PDF
/// keywords: in the document information dictionary and in the XMP metadata.
pub const CODE_MARKER: &str = "SIRM-CERT:";

/// Longest accepted verification code.
pub const MAX_CODE_LEN: usize = 64;

/// Longest accepted verification URL (it must fit in the QR code).
pub const MAX_URL_LEN: usize = 1024;

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
    /// A font file was read but holds no usable face.
    #[error("font file {} holds no usable font face (expected .ttc/.otc/.otf/.ttf)", path.display())]
    NoFontFace { path: PathBuf },
    /// None of the loaded faces covers Chinese.
    #[error("no loaded font covers Chinese text (tested with '参'): {paths}; use a CJK font such as Noto Sans CJK (Debian: fonts-noto-cjk)")]
    NoCjkFont { paths: String },
    /// The Debian default font file is missing.
    #[error("CJK font not found at {}: install fonts-noto-cjk or set [certificates] fonts", path.display())]
    DefaultFontsMissing { path: PathBuf },
    /// A character of the text has no glyph in the font: the certificate
    /// is refused rather than printed with a blank box in, say, a name.
    #[error("the font {family} has no glyph for U+{:04X} ({ch}) in {field}; configure a font that covers it in [certificates] fonts (e.g. Debian's fonts-noto-cjk or a GB 18030 font)", u32::from(*ch))]
    MissingGlyph {
        /// The field of [`Certificate`] ("person_name", "rows", …).
        field: String,
        ch: char,
        family: String,
    },
    /// The certificate data cannot be rendered as given.
    #[error("invalid certificate: {0}")]
    InvalidInput(String),
    /// The QR code could not be built (e.g. URL too long).
    #[error("cannot build QR code: {0}")]
    Qr(String),
    /// The PDF writer failed.
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
    /// 工伤保险待遇证明: the work-injury benefits granted.
    WorkInjuryBenefit,
    /// 生育保险待遇证明: the maternity benefits granted and paid.
    MaternityBenefit,
    /// 失业保险待遇证明: the unemployment benefit granted and paid.
    UnemploymentBenefit,
    /// 医疗保险个人账户证明: the medical personal account year by year.
    MedicalAccount,
    /// 不予提供告知书: the written refusal of a unit's application to query
    /// rights records (Art 20 (2)); "person" fields name the unit.
    DisclosureRefusal,
    /// 异议核查答复书: the written answer to an objection found without
    /// error (Art 16), giving the reasons.
    ObjectionAnswer,
}

impl CertificateKind {
    /// Every kind.
    pub const ALL: [CertificateKind; 8] = [
        CertificateKind::Contribution,
        CertificateKind::Benefit,
        CertificateKind::WorkInjuryBenefit,
        CertificateKind::MaternityBenefit,
        CertificateKind::UnemploymentBenefit,
        CertificateKind::MedicalAccount,
        CertificateKind::DisclosureRefusal,
        CertificateKind::ObjectionAnswer,
    ];

    /// The title printed on the certificate.
    pub fn title(self) -> &'static str {
        match self {
            CertificateKind::Contribution => "参保缴费证明",
            CertificateKind::Benefit => "待遇领取证明",
            CertificateKind::WorkInjuryBenefit => "工伤保险待遇证明",
            CertificateKind::MaternityBenefit => "生育保险待遇证明",
            CertificateKind::UnemploymentBenefit => "失业保险待遇证明",
            CertificateKind::MedicalAccount => "医疗保险个人账户证明",
            CertificateKind::DisclosureRefusal => "不予提供告知书",
            CertificateKind::ObjectionAnswer => "异议核查答复书",
        }
    }

    pub(crate) fn intro(self) -> &'static str {
        match self {
            CertificateKind::Contribution => {
                "兹证明下列人员在本机构的社会保险参保缴费情况如下（依据本机构社会保险个人权益记录出具）："
            }
            CertificateKind::Benefit => {
                "兹证明下列人员在本机构的社会保险待遇领取情况如下（依据本机构社会保险个人权益记录出具）："
            }
            CertificateKind::WorkInjuryBenefit => {
                "兹证明下列人员在本机构的工伤保险待遇核定情况如下（依据本机构社会保险个人权益记录出具）："
            }
            CertificateKind::MaternityBenefit => {
                "兹证明下列人员在本机构的生育保险待遇核定及支付情况如下（依据本机构社会保险个人权益记录出具）："
            }
            CertificateKind::UnemploymentBenefit => {
                "兹证明下列人员在本机构的失业保险金核定及领取情况如下（依据本机构社会保险个人权益记录出具）："
            }
            CertificateKind::MedicalAccount => {
                "兹证明下列人员在本机构的职工基本医疗保险个人账户情况如下（依据本机构社会保险个人权益记录出具）："
            }
            CertificateKind::DisclosureRefusal => {
                "本机构收到你单位查询社会保险个人权益记录的书面申请。经审核，该申请无法律依据，依照《社会保险个人权益记录管理办法》第二十条第二项，本机构不予提供。具体如下："
            }
            CertificateKind::ObjectionAnswer => {
                "本机构收到对下列社会保险个人权益记录的书面核查申请。依照《社会保险个人权益记录管理办法》第十六条，本机构已进行复核，未发现记录存在错误，现将核查结果和理由答复如下："
            }
        }
    }

    pub(crate) fn sections(self) -> [&'static str; 3] {
        match self {
            CertificateKind::Contribution => {
                ["一、参保人员信息", "二、缴费情况汇总", "三、缴费明细"]
            }
            CertificateKind::Benefit
            | CertificateKind::WorkInjuryBenefit
            | CertificateKind::MaternityBenefit
            | CertificateKind::UnemploymentBenefit => {
                ["一、领取人员信息", "二、待遇情况汇总", "三、待遇领取明细"]
            }
            CertificateKind::MedicalAccount => [
                "一、参保人员信息",
                "二、个人账户情况汇总",
                "三、个人账户年度明细",
            ],
            CertificateKind::DisclosureRefusal => [
                "一、申请单位",
                "二、申请内容及不予提供的理由",
                "三、申请查询的人员",
            ],
            CertificateKind::ObjectionAnswer => [
                "一、核查申请",
                "二、核查结果及理由",
                "三、提出异议的记录项目",
            ],
        }
    }

    /// The closing sentence above the QR code.
    pub(crate) fn closing(self) -> &'static str {
        match self {
            CertificateKind::Contribution
            | CertificateKind::Benefit
            | CertificateKind::WorkInjuryBenefit
            | CertificateKind::MaternityBenefit
            | CertificateKind::UnemploymentBenefit
            | CertificateKind::MedicalAccount => "特此证明。",
            CertificateKind::DisclosureRefusal | CertificateKind::ObjectionAnswer => "特此告知。",
        }
    }

    /// The labels of the first section's three lines.
    pub fn person_labels(self) -> [&'static str; 3] {
        match self {
            CertificateKind::Contribution
            | CertificateKind::Benefit
            | CertificateKind::WorkInjuryBenefit
            | CertificateKind::MaternityBenefit
            | CertificateKind::UnemploymentBenefit
            | CertificateKind::MedicalAccount => ["姓名", "公民身份号码", "证明期间"],
            CertificateKind::DisclosureRefusal => ["单位名称", "统一社会信用代码", "申请编号"],
            CertificateKind::ObjectionAnswer => ["异议编号", "公民身份号码", "提出日期"],
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
    let qr = qr_modules(&cert.verify_url)?;
    let no_face = |f: &fonts::Face| CertError::Pdf(format!("cannot read font {}", f.family));
    let regular = fonts
        .regular
        .metrics()
        .ok_or_else(|| no_face(&fonts.regular))?;
    let bold = fonts.bold.metrics().ok_or_else(|| no_face(&fonts.bold))?;
    check_coverage(cert, &regular, &fonts.regular.family)?;
    let pages = layout::layout(cert, &regular, &bold, qr);
    let faces = pdf::Faces {
        regular: (&fonts.regular, &regular),
        bold: (&fonts.bold, &bold),
    };
    pdf::write(cert, &pages, &faces)
}

/// Refuse a certificate whose text has a character the (regular) face
/// lacks, naming the field; the bold face prints only template text and
/// labels, which `pdf::write` checks as it draws them.
fn check_coverage(
    cert: &Certificate,
    m: &fonts::Metrics<'_>,
    family: &str,
) -> Result<(), CertError> {
    let fields: [(&str, Vec<&String>); 10] = [
        ("agency_name", vec![&cert.agency_name]),
        ("person_name", vec![&cert.person_name]),
        ("id_number_masked", vec![&cert.id_number_masked]),
        ("period", vec![&cert.period]),
        ("issued_at", vec![&cert.issued_at]),
        ("verify_url", vec![&cert.verify_url]),
        (
            "summary",
            cert.summary.iter().flat_map(|(l, v)| [l, v]).collect(),
        ),
        ("table_header", cert.table_header.iter().collect()),
        ("rows", cert.rows.iter().flatten().collect()),
        ("footer_note", vec![&cert.footer_note]),
    ];
    for (field, strings) in fields {
        if let Some(ch) = strings.into_iter().find_map(|s| m.first_missing(s)) {
            return Err(CertError::MissingGlyph {
                field: field.to_string(),
                ch,
                family: family.to_string(),
            });
        }
    }
    Ok(())
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

/// The verification URL as QR code modules (error correction M, no quiet
/// zone: the layout leaves white space around it), row by row.
fn qr_modules(url: &str) -> Result<(usize, Vec<bool>), CertError> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| CertError::Qr(e.to_string()))?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok((code.width(), dark))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod unit_tests {
    use super::*;

    #[test]
    fn date_parsing() {
        assert_eq!(
            pdf::parse_ymd_hms("2026-11-27 14:03"),
            Some((2026, 11, 27, 14, 3, 0))
        );
        assert_eq!(
            pdf::parse_ymd_hms("2026-11-27T14:03:09"),
            Some((2026, 11, 27, 14, 3, 9))
        );
        assert_eq!(
            pdf::parse_ymd_hms("2024-02-29"),
            Some((2024, 2, 29, 0, 0, 0))
        );
        assert!(pdf::parse_ymd_hms("2026-02-30 10:00").is_none());
        assert!(pdf::parse_ymd_hms("2026年11月27日").is_none());
        assert!(pdf::parse_ymd_hms("").is_none());
    }

    #[test]
    fn numeric_detection() {
        assert!(layout::looks_numeric("12,345.67"));
        assert!(layout::looks_numeric("12,345.67 元"));
        assert!(layout::looks_numeric("-3.5"));
        assert!(!layout::looks_numeric("2026-10"));
        assert!(!layout::looks_numeric("已缴"));
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
    fn qr_modules_are_square() {
        let (n, dark) = qr_modules("http://127.0.0.1:8080/verify/X").unwrap();
        assert_eq!(dark.len(), n * n);
        assert!(dark.iter().any(|d| *d) && dark.iter().any(|d| !*d));
    }
}
