//! Integration tests. They need fonts-noto-cjk (Debian) and, for the PDF text
//! checks, `pdftotext` (poppler-utils): a missing tool fails the test rather
//! than skipping the check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use sirm_cert::{
    extract_code, render_pdf, CertError, Certificate, CertificateKind, FontSource, Fonts,
};

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        Fonts::debian_default().unwrap_or_else(|e| panic!("these tests need fonts-noto-cjk: {e}"))
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Text of the PDF via pdftotext. Panics when pdftotext is missing: a text
/// check that cannot run is a failure, not a pass.
fn pdftotext(pdf: &[u8]) -> String {
    if let Err(e) = Command::new("pdftotext").arg("-v").output() {
        panic!("these tests need pdftotext (apt-get install poppler-utils): {e}");
    }
    let dir = tempdir();
    let path = dir.join("cert.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext failed: {out:?}");
    std::fs::remove_dir_all(&dir).ok();
    String::from_utf8(out.stdout).unwrap()
}

fn tempdir() -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("sirm-cert-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Page count from the raw bytes: "/Type /Page" objects (not "/Pages").
fn page_count(pdf: &[u8]) -> usize {
    let mut count = 0;
    for needle in [&b"/Type /Page"[..], &b"/Type/Page"[..]] {
        let mut i = 0;
        while let Some(p) = pdf[i..].windows(needle.len()).position(|w| w == needle) {
            let end = i + p + needle.len();
            if pdf.get(end) != Some(&b's') {
                count += 1;
            }
            i = end;
        }
    }
    count
}

#[test]
fn renders_both_kinds() {
    for cert in [common::contribution(120), common::benefit(34)] {
        let pdf = render_pdf(&cert, fonts()).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{:?}", cert.kind);
        assert!(pdf.len() > 10_000);
        let tail = &pdf[pdf.len() - 32..];
        assert!(tail.windows(5).any(|w| w == b"%%EOF"));
        assert_eq!(extract_code(&pdf).as_deref(), Some(cert.code.as_str()));
    }
}

#[test]
fn output_is_deterministic() {
    let cert = common::contribution(120);
    let a = render_pdf(&cert, fonts()).unwrap();
    let b = render_pdf(&cert, fonts()).unwrap();
    assert_eq!(sha256_hex(&a), sha256_hex(&b));
    assert!(a == b, "two renders differ");

    // Cold memoization cache and a freshly loaded Fonts: still identical.
    let fresh = Fonts::debian_default().unwrap();
    let c = render_pdf(&cert, &fresh).unwrap();
    assert!(a == c, "render after cache eviction / font reload differs");

    // Any change of content changes the bytes (and so the ledger hash).
    let mut other = cert.clone();
    other.rows[5][4] = "640.01".into();
    let d = render_pdf(&other, fonts()).unwrap();
    assert_ne!(sha256_hex(&a), sha256_hex(&d));
}

#[test]
fn deterministic_across_threads() {
    let cert = common::benefit(34);
    let reference = render_pdf(&cert, fonts()).unwrap();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| render_pdf(&cert, fonts()).unwrap()))
            .collect();
        for h in handles {
            assert!(h.join().unwrap() == reference);
        }
    });
}

#[test]
fn extract_code_finds_code_and_none_without_marker() {
    let cert = common::benefit(3);
    let pdf = render_pdf(&cert, fonts()).unwrap();
    assert_eq!(extract_code(&pdf).as_deref(), Some("Q8ZP-2M4K-T7WC-H5NR"));

    // Remove every marker occurrence (Info dictionary and XMP).
    let marker = b"SIRM-CERT:";
    let mut stripped = pdf.clone();
    let mut found = 0;
    let mut i = 0;
    while let Some(p) = stripped[i..]
        .windows(marker.len())
        .position(|w| w == marker)
    {
        stripped[i + p..i + p + marker.len()].copy_from_slice(b"XXXX-XXXX:");
        i += p + marker.len();
        found += 1;
    }
    assert!(found >= 1);
    assert_eq!(extract_code(&stripped), None);
    assert_eq!(extract_code(b"%PDF-1.7 not a certificate"), None);
}

const HOSTILE: &str = r#"#set text(red) *粗* [x] \ $x^2$ "q" <lab> @ref _u_ `raw` // c /* c */ = H ~ -- #{panic("boom")} \u{41}"#;

#[test]
fn hostile_strings_render_literally() {
    let mut cert = common::contribution(3);
    cert.person_name = format!("王{HOSTILE}");
    cert.agency_name = format!("中心 {HOSTILE}");
    cert.period = "#(1+1) ] [ }{".into();
    cert.issued_at = "$ @x <y>".into();
    cert.id_number_masked = "110105****\\****0012".into();
    cert.summary.push(("#label".into(), "*v*".into()));
    cert.table_header[1] = "#h()".into();
    cert.rows[0][1] = "<row>".into();
    cert.rows[1][1] = "#{".into();
    cert.footer_note = format!("note {HOSTILE}");
    let pdf = render_pdf(&cert, fonts()).expect("hostile strings must not break the document");
    assert_eq!(extract_code(&pdf).as_deref(), Some(common::CODE));
    let text: String = pdftotext(&pdf).split_whitespace().collect();
    for literal in [
        // The agency line is one centred line (the name wraps in its column).
        "中心#settext(red)*粗*[x]\\$x^2$\"q\"<lab>@ref_u_`raw`//c/*c*/=H~--#{panic(\"boom\")}\\u{41}",
        "#(1+1)][}{",
        "$@x<y>",
        "110105****\\****0012",
        "#label",
        "*v*",
        "#h()",
        "<row>",
    ] {
        assert!(text.contains(literal), "missing {literal:?} in {text}");
    }
}

#[test]
fn invalid_input_is_rejected() {
    let mut cert = common::benefit(2);
    cert.code = "AB CD".into();
    assert!(matches!(
        render_pdf(&cert, fonts()),
        Err(CertError::InvalidInput(_))
    ));

    let mut cert = common::benefit(2);
    cert.person_name = "SIRM-CERT:FAKE".into();
    assert!(matches!(
        render_pdf(&cert, fonts()),
        Err(CertError::InvalidInput(_))
    ));

    let mut cert = common::benefit(2);
    cert.rows[1].push("extra".into());
    let err = render_pdf(&cert, fonts()).unwrap_err();
    assert!(err.to_string().contains("row 2"), "{err}");

    let mut cert = common::benefit(2);
    cert.verify_url = String::new();
    assert!(matches!(
        render_pdf(&cert, fonts()),
        Err(CertError::InvalidInput(_))
    ));
}

#[test]
fn edge_cases_render() {
    // Short rows are padded, no table, no summary, empty strings, long URL.
    let mut cert = common::benefit(3);
    cert.rows[0].truncate(2);
    render_pdf(&cert, fonts()).unwrap();

    let mut cert = common::benefit(0);
    cert.summary.clear();
    cert.table_header.clear();
    cert.person_name.clear();
    cert.issued_at = "2026年11月27日".into(); // not parseable: no PDF date, still renders
    cert.verify_url = format!("http://127.0.0.1:8080/verify/{}", "A".repeat(600));
    let pdf = render_pdf(&cert, fonts()).unwrap();
    assert!(pdf.starts_with(b"%PDF"));

    let cert = common::benefit(0); // header but no rows
    render_pdf(&cert, fonts()).unwrap();
}

#[test]
fn three_hundred_rows_paginate_with_repeated_header() {
    let cert = common::contribution(300);
    let pdf = render_pdf(&cert, fonts()).unwrap();
    let pages = page_count(&pdf);
    assert!(
        pages >= 6,
        "300 rows should need several pages, got {pages}"
    );
    let text = pdftotext(&pdf);
    // The header is repeated on every page.
    assert!(text.matches("缴费基数").count() >= pages, "{pages} pages");
    let compact: String = text.split_whitespace().collect();
    assert!(
        compact.contains(&format!("第{pages}页")),
        "last page number"
    );
    assert!(compact.contains(&format!("共{pages}页")));
    // The closing note is on the last page only.
    let last = text.split('\u{c}').rfind(|p| !p.trim().is_empty()).unwrap();
    assert!(last.contains("特此证明"));
    assert!(last.contains("本证明可通过扫描二维码"));
}

#[test]
fn pdf_text_contains_name_and_code() {
    let cert = common::contribution(120);
    let pdf = render_pdf(&cert, fonts()).unwrap();
    let text = pdftotext(&pdf);
    assert!(text.contains("张三丰"), "{text}");
    assert!(text.contains(common::CODE));
    assert!(text.contains("参保缴费证明"));
    assert!(text.contains("北京市东城区社会保险事业管理中心"));
    assert!(text.contains("110105********0012"));
    assert!(text.contains("12,345.67"));

    let cert = common::benefit(34);
    let pdf = render_pdf(&cert, fonts()).unwrap();
    let text = pdftotext(&pdf);
    assert!(text.contains("待遇领取证明"));
    assert!(text.contains("李秀英"));
    assert!(text.contains("Q8ZP-2M4K-T7WC-H5NR"));
}

#[test]
fn fonts_are_embedded() {
    let pdf = render_pdf(&common::benefit(3), fonts()).unwrap();
    // CID fonts with an embedded, subsetted CFF program (FontFile3) and a
    // ToUnicode map so the text is real text.
    let has = |s: &[u8]| pdf.windows(s.len()).any(|w| w == s);
    assert!(has(b"FontFile3") || has(b"FontFile2"));
    assert!(has(b"ToUnicode"));
    assert!(has(b"NotoSansCJK"));
    // Subsetted: far smaller than the 19 MB collection.
    assert!(pdf.len() < 1_000_000);
}

#[test]
fn fonts_load_errors_name_the_path() {
    let missing = PathBuf::from("/nonexistent/dir/NoSuchFont.ttc");
    let err = Fonts::load(std::slice::from_ref(&missing)).unwrap_err();
    assert!(matches!(err, CertError::FontRead { .. }));
    assert!(
        err.to_string().contains("/nonexistent/dir/NoSuchFont.ttc"),
        "{err}"
    );

    let dir = tempdir();
    let junk = dir.join("junk.ttf");
    std::fs::File::create(&junk)
        .unwrap()
        .write_all(b"this is not a font")
        .unwrap();
    let err = Fonts::load(std::slice::from_ref(&junk)).unwrap_err();
    assert!(matches!(err, CertError::NoFontFace { .. }), "{err}");
    assert!(err.to_string().contains("junk.ttf"), "{err}");

    let err = Fonts::load(&[]).unwrap_err();
    assert!(matches!(err, CertError::NoCjkFont { .. }));

    // A real font without Chinese glyphs, if one is installed.
    let latin = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.is_file());
    match latin {
        Some(p) => {
            let err = Fonts::load(&[p]).unwrap_err();
            assert!(matches!(err, CertError::NoCjkFont { .. }), "{err}");
            assert!(err.to_string().contains("参"));
        }
        None => eprintln!("NOTE: no Latin-only font installed; NoCjkFont check skipped"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fonts_prefer_simplified_chinese() {
    assert_eq!(fonts().families()[0], "Noto Sans CJK SC");
}

#[test]
fn kinds_have_titles() {
    assert_eq!(CertificateKind::Contribution.title(), "参保缴费证明");
    assert_eq!(CertificateKind::Benefit.title(), "待遇领取证明");
    let _: fn(&Certificate, &Fonts) -> Result<Vec<u8>, CertError> = render_pdf;
}

/// A machine without fonts-noto-cjk and with configured files that do not
/// exist: the embedded subset (GB 2312) prints every kind's template text
/// and the demo's data; a character outside it is refused, naming the field.
#[test]
fn embedded_font_when_none_is_installed() {
    let nowhere = [PathBuf::from("/nonexistent/fonts/Regular.ttc")];
    let (fonts, why) = Fonts::configured_or_embedded(&nowhere).unwrap();
    assert_eq!(fonts.source(), FontSource::Embedded);
    assert!(fonts.paths().is_empty());
    assert_eq!(fonts.families(), ["Noto Sans CJK SC"; 2]);
    let why = why.expect("the reason for the fallback").to_string();
    assert!(why.contains("/nonexistent/fonts/Regular.ttc"), "{why}");

    for kind in CertificateKind::ALL {
        let mut cert = common::contribution(2);
        cert.kind = kind;
        cert.person_name = "欧阳旭".into();
        let pdf = render_pdf(&cert, &fonts).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        if kind == CertificateKind::Contribution {
            let text: String = pdftotext(&pdf).split_whitespace().collect();
            for s in ["参保缴费证明", "欧阳旭", "特此证明。", common::CODE] {
                assert!(text.contains(s), "missing {s:?} in {text}");
            }
        }
    }

    // 堃 (U+5803) is a name character outside GB 2312: refused by the
    // subset, printed by the full font.
    let mut cert = common::contribution(2);
    cert.person_name = "王堃".into();
    match render_pdf(&cert, &fonts) {
        Err(CertError::MissingGlyph { field, ch, .. }) => {
            assert_eq!((field.as_str(), ch), ("person_name", '堃'));
        }
        other => panic!("expected MissingGlyph, got {other:?}"),
    }
    let err = render_pdf(&cert, &fonts).unwrap_err().to_string();
    assert!(
        err.contains("U+5803") && err.contains("[certificates] fonts"),
        "{err}"
    );
    render_pdf(&cert, self::fonts()).expect("Noto Sans CJK SC has 堃");

    // A configured file that exists but is no font is an error, not a fallback.
    let junk = tempdir().join("junk.ttf");
    std::fs::write(&junk, b"not a font").unwrap();
    let err = Fonts::configured_or_embedded(&[junk]).unwrap_err();
    assert!(matches!(err, CertError::NoFontFace { .. }), "{err}");
}
