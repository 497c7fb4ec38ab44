//! Workbooks built in memory: caps, bounds, damaged and hostile files.

use std::io::Write;

use super::bounded::*;
use super::caps::*;
use super::sheet::*;
use super::*;

fn limits() -> XlsxLimits {
    XlsxLimits {
        max_rows: 100,
        max_columns: 8,
        max_entry_bytes: 1 << 20,
        strings_in_memory: 1 << 20,
    }
}

/// A workbook zip with the given sheet XML (and shared strings).
fn book(sheet: &str, shared: Option<&str>) -> Vec<u8> {
    use std::io::Cursor;
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut put = |name: &str, body: &str| {
        z.start_file(name, o).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    };
    put(
        "_rels/.rels",
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    put(
        "xl/workbook.xml",
        r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    put(
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
    );
    put("xl/worksheets/sheet1.xml", sheet);
    if let Some(s) = shared {
        put("xl/sharedStrings.xml", s);
    }
    z.finish().unwrap().into_inner()
}

/// Deflate-compressed copy of `book`'s entries.
fn deflated(bytes: &[u8]) -> Vec<u8> {
    use std::io::Cursor;
    let mut src = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut body = Vec::new();
        f.read_to_end(&mut body).unwrap();
        z.start_file(name, o).unwrap();
        z.write_all(&body).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// Set the uncompressed size an entry declares (local and central
/// headers) to `size`.
fn lie_about_size(bytes: &mut [u8], entry: &str, size: u32) {
    let name = entry.as_bytes();
    let le16 = |b: &[u8], i: usize| usize::from(u16::from_le_bytes([b[i], b[i + 1]]));
    let mut patched = 0;
    for i in 0..bytes.len().saturating_sub(46) {
        let (size_at, name_at, len_at) = match bytes[i..i + 4] {
            [0x50, 0x4b, 0x03, 0x04] => (22, 30, 26),
            [0x50, 0x4b, 0x01, 0x02] => (24, 46, 28),
            _ => continue,
        };
        let n = le16(bytes, i + len_at);
        if bytes.get(i + name_at..i + name_at + n) == Some(name) {
            bytes[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2);
}

#[test]
fn inflated_bytes_are_counted_whatever_the_entry_declares() {
    let mut l = limits();
    l.max_entry_bytes = 64 * 1024;
    let filler = "<x/>".repeat(100_000);
    let bomb = deflated(&book(
        &format!(
            r#"<worksheet>{filler}<sheetData><row r="1"><c><v>1</v></c></row></sheetData></worksheet>"#
        ),
        None,
    ));
    assert!(bomb.len() < 8 * 1024, "{}", bomb.len());
    // Declared honestly: refused before reading.
    let e = read(&bomb, &l).unwrap_err().to_string();
    assert!(e.contains("limits.xlsx_max_entry_mib"), "{e}");
    // Declared small: refused while inflating (the zip reader stops
    // at the declared size; the count here stops at the cap).
    let mut lying = bomb.clone();
    lie_about_size(&mut lying, "xl/worksheets/sheet1.xml", 100);
    let e = read(&lying, &l).unwrap_err().to_string();
    assert!(
        e.contains("larger than its declared") || e.contains("limits.xlsx_max_entry_mib"),
        "{e}"
    );
    // The count itself, under any reader.
    let mut b = Bounded::new(std::io::Cursor::new(vec![b'x'; 5000]), 4096);
    let mut sink = Vec::new();
    assert!(b.read_to_end(&mut sink).is_err());
    assert_eq!(b.failure, Some(Failure::EntryTooLarge));
    assert!(sink.len() <= 4097, "{}", sink.len());
}

fn read(bytes: &[u8], l: &XlsxLimits) -> Result<Vec<Row>, XlsxError> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.xlsx");
    std::fs::write(&p, bytes).unwrap();
    let archive = Archive::new(dir.path().join("archive"));
    let mut rows = vec![];
    read_rows(&p, l, &archive, &mut |r| {
        rows.push(r.clone());
        Ok(())
    })?;
    Ok(rows)
}

fn sheet(dim: &str, data: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dim}"/><sheetData>{data}</sheetData></worksheet>"#
    )
}

#[test]
fn rows_cells_and_shared_strings() {
    let sst = r#"<sst><si><t>身份号码</t></si><si><r><t>1101</t></r><r><t>05</t></r><rPh><t>x</t></rPh></si><si><t> 8000 </t></si></sst>"#;
    let data = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>工资&amp;</t></is></c></row><row r="3"><c r="A3" t="s"><v>1</v></c><c r="B3"><v>5000.5</v></c><c r="C3"><v>1</v></c></row><row r="4"><c t="s"><v>2</v></c><c t="b"><v>1</v></c></row>"#;
    let bytes = book(&sheet("A1:C4", data), Some(sst));
    let err = read(&bytes, &limits()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "row 4 column B: unexpected cell: boolean TRUE"
    );
    let data = data.replace(r#"<c t="b"><v>1</v></c>"#, "");
    let rows = read(&book(&sheet("A1:C4", &data), Some(sst)), &limits()).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].a, Cell::Text("身份号码".into()));
    assert_eq!(rows[0].b, Cell::Text("工资&".into()));
    assert_eq!(
        (rows[1].number, &rows[1].a),
        (3, &Cell::Text("110105".into()))
    );
    assert_eq!(rows[1].b, Cell::Number(5000.5));
    assert_eq!(
        (rows[2].number, &rows[2].a),
        (4, &Cell::Text("8000".into()))
    );
    // The same with the shared strings spilled to disk.
    let mut l = limits();
    l.strings_in_memory = 4;
    let spilled = read(&book(&sheet("A1:C4", &data), Some(sst)), &l).unwrap();
    assert_eq!(spilled, rows);
}

#[test]
fn caps_are_named() {
    let bomb = book(
        &sheet(
            "A1:XFD1048576",
            r#"<row r="1"><c r="A1"><v>1</v></c></row>"#,
        ),
        None,
    );
    let e = read(&bomb, &limits()).unwrap_err().to_string();
    assert!(
        e.contains("limits.xlsx_max_columns") && e.contains("A1:XFD1048576"),
        "{e}"
    );
    let tall = book(&sheet("A1:B1000", ""), None);
    let e = read(&tall, &limits()).unwrap_err().to_string();
    assert!(
        e.contains("limits.xlsx_max_rows") && e.contains("100 rows"),
        "{e}"
    );
    let row = book(&sheet("A1", r#"<row r="101"><c><v>1</v></c></row>"#), None);
    let e = read(&row, &limits()).unwrap_err().to_string();
    assert!(
        e.contains("limits.xlsx_max_rows") && e.contains("row 101"),
        "{e}"
    );
    let wide: String = (0..20_000).map(|_| "<c><v>1</v></c>").collect();
    let wide = book(&sheet("A1", &format!("<row r=\"1\">{wide}</row>")), None);
    let e = read(&wide, &limits()).unwrap_err().to_string();
    assert!(
        e.contains("limits.xlsx_max_columns") && e.contains("cell I1"),
        "{e}"
    );
    let mut l = limits();
    l.max_entry_bytes = 2000;
    let big = book(&sheet("A1", &"<row><c><v>1</v></c></row>".repeat(90)), None);
    let e = read(&big, &l).unwrap_err().to_string();
    assert!(
        e.contains("limits.xlsx_max_entry_mib") && e.contains("sheet1.xml"),
        "{e}"
    );
}

#[test]
fn malformed_workbooks_are_refused_by_name() {
    let good = book(
        &sheet("A1", r#"<row r="1"><c r="A1"><v>1</v></c></row>"#),
        None,
    );
    let e = read(&good[..good.len() / 2], &limits())
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a readable XLSX workbook"), "{e}");
    let e = read(b"hello, world", &limits()).unwrap_err().to_string();
    assert!(e.contains("not a readable XLSX workbook"), "{e}");
    let doc = book("<!DOCTYPE x [<!ENTITY a \"b\">]><worksheet/>", None);
    let e = read(&doc, &limits()).unwrap_err().to_string();
    assert!(e.contains("DOCTYPE"), "{e}");
    let deep = book(&format!("<worksheet>{}", "<a>".repeat(100)), None);
    let e = read(&deep, &limits()).unwrap_err().to_string();
    assert!(e.contains("nested deeper"), "{e}");
    let long = book(
        &format!("<worksheet><sheetData>{}", "x".repeat(MAX_XML_TOKEN + 10)),
        None,
    );
    let mut l = limits();
    l.max_entry_bytes = 4 << 20;
    let e = read(&long, &l).unwrap_err().to_string();
    assert!(e.contains("XML token is longer"), "{e}");
    let truncated = book(
        &sheet("A1", "<row r=\"1\"><c><v>1</v></c></row>").replace("</sheetData></worksheet>", ""),
        None,
    );
    let e = read(&truncated, &limits()).unwrap_err().to_string();
    assert!(e.contains("truncated"), "{e}");
    let missing = book(
        &sheet("A1", r#"<row r="1"><c t="s"><v>7</v></c></row>"#),
        Some("<sst/>"),
    );
    let e = read(&missing, &limits()).unwrap_err().to_string();
    assert!(e.contains("shared string 7"), "{e}");
    let order = book(&sheet("A1", r#"<row r="2"/><row r="1"/>"#), None);
    let e = read(&order, &limits()).unwrap_err().to_string();
    assert!(e.contains("rows out of order"), "{e}");
    let no_a = book(
        &sheet("B1", r#"<row r="1"><c r="B1"><v>1</v></c></row>"#),
        None,
    );
    assert!(matches!(read(&no_a, &limits()), Err(XlsxError::NoColumnA)));
}

#[test]
fn lexer_bounds_tokens_in_every_state() {
    let mut b = Bounded::new(std::io::empty(), u64::MAX);
    assert!(b
        .scan(b"<a x=\"1>2\">text</a><?xml v?><!-- c -> -- --><![CDATA[ ]] > ]]>")
        .is_ok());
    assert_eq!(b.lex, Lex::Text);
    // '>' ends none of these tokens; each grows until the cap.
    for open in ["<!-- ", "<![CDATA[ ", "<a x=\"", "<?pi "] {
        let mut b = Bounded::new(std::io::empty(), u64::MAX);
        b.scan(open.as_bytes()).unwrap();
        let chunk = vec![b'>'; 4096];
        let mut r = Ok(());
        for _ in 0..(MAX_XML_TOKEN / 4096 + 2) {
            r = b.scan(&chunk);
            if r.is_err() {
                break;
            }
        }
        assert_eq!(r, Err(Failure::TokenTooLarge), "{open}");
    }
    let mut b = Bounded::new(std::io::empty(), u64::MAX);
    assert!(b.scan(&vec![b'x'; MAX_XML_TOKEN]).is_ok());
    assert_eq!(b.scan(b"x"), Err(Failure::TokenTooLarge));
    // Tags, text and closed tokens reset the count.
    let mut b = Bounded::new(std::io::empty(), u64::MAX);
    for _ in 0..(3 * MAX_XML_TOKEN / 16) {
        b.scan(b"<c r=\"A1\">1</c>").unwrap();
    }
    let mut b = Bounded::new(std::io::empty(), u64::MAX);
    assert_eq!(b.scan(b"<!DOCTYPE"), Err(Failure::Doctype));
}

#[test]
fn references() {
    assert_eq!(cell_ref("A1"), Some((0, Some(1))));
    assert_eq!(cell_ref("XFD1048576"), Some((16383, Some(1048576))));
    assert_eq!(cell_ref("B"), Some((1, None)));
    assert_eq!(cell_ref("1A"), None);
    assert_eq!(column_name(0), "A");
    assert_eq!(column_name(25), "Z");
    assert_eq!(column_name(26), "AA");
    assert_eq!(column_name(16383), "XFD");
}
