//! Uploads under the `[limits]` caps, over real HTTP, on SQLite and
//! PostgreSQL. Hostile and malformed declaration files at
//! `POST /declarations` — the 1.5 KB workbook whose dimension runs from A1
//! to XFD1048576, a zip bomb, a truncated zip, a text file named .xlsx, a
//! row of 20,000 cells, too many rows, a 100 MB CSV line, GBK text (read as
//! GBK, its bad row named) —
//! are each refused with a clear error naming what is wrong (the cap, when
//! it is a cap); nothing is written, and the server keeps answering. Every
//! upload route refuses a body beyond its cap with a 413 naming the field
//! and the cap, also when the body comes without a length.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use base64::Engine as _;
use serde_json::{json, Value};
use sirm_testkit::{both_engines, Client, Engine, Options, StatusCode, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

both_engines!(
    break_in_3_workbook_bomb_and_hostile_uploads_refused,
    over_size_bodies_get_413_naming_the_cap,
);

const MONTH: &str = "2024-07";

// ---------------------------------------------------------------- helpers

/// The agent's employer, with `n` demo persons (their ID numbers) employed by it
/// since 2024-01-01 (set up through the ledger directly).
pub(crate) async fn employer_with_staff(app: &TestApp, n: i64) -> (String, Vec<String>) {
    let employer = app.employer_of("agent").await;
    // ID numbers, as declaration files hold them; the ledger takes the
    // blind index.
    let persons = sirm_app::testkit::person_ids(&app.sirm, n).await.unwrap();
    let drafts: Vec<_> = persons
        .iter()
        .map(|p| {
            let job = sirm_domain::records::EmploymentStart {
                id: sirm_app::testkit::pk_of(&app.sirm, p)
                    .unwrap()
                    .parse()
                    .unwrap(),
                credit_code: employer.parse().unwrap(),
                start_on: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            };
            Ok(
                sirm_app::registration::employment_start_draft(&app.sirm.config, "test", &job)
                    .unwrap(),
            )
        })
        .collect();
    sirm_app::testkit::append_stream_unreviewed(&app.sirm, drafts)
        .await
        .unwrap();
    (employer, persons)
}

/// Outcome of a declaration upload: refused at once (status, page), or
/// taken and checked in the background (the report, or the refusal).
#[derive(Debug)]
pub(crate) enum Declared {
    Refused(StatusCode, String),
    Report(Value),
    Failed(String),
}

impl Declared {
    fn failed(&self) -> &str {
        match self {
            Declared::Failed(m) => m,
            other => panic!("expected a refused file, got {other:?}"),
        }
    }
    fn refused(&self) -> (StatusCode, &str) {
        match self {
            Declared::Refused(s, page) => (*s, page),
            other => panic!("expected a refusal at upload, got {other:?}"),
        }
    }
    pub(crate) fn report(&self) -> &Value {
        match self {
            Declared::Report(r) => r,
            other => panic!("expected a report, got {other:?}"),
        }
    }
}

/// Upload a declaration file as a browser does (session cookie, CSRF
/// token first in the form) and wait for its check.
async fn declare(clerk: &Client, employer: &str, name: &str, bytes: Vec<u8>) -> Declared {
    declare_for(clerk, employer, MONTH, name, bytes).await
}

pub(crate) async fn declare_for(
    clerk: &Client,
    employer: &str,
    month: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Declared {
    let form = clerk
        .multipart_form()
        .text("credit_code", employer.to_string())
        .text("month", month.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    let r = clerk.send_multipart("/declarations", form).await;
    let status = r.status();
    if status != StatusCode::SEE_OTHER {
        return Declared::Refused(status, r.text().await.unwrap());
    }
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let token = location.strip_prefix("/declarations/jobs/").unwrap();
    for _ in 0..1200 {
        let (s, job) = clerk
            .get(&format!("/api/v1/declarations/jobs/{token}"))
            .await;
        assert_eq!(s, StatusCode::OK, "{job}");
        if let Some(ok) = job["finished"]["Ok"].as_str() {
            return Declared::Report(serde_json::from_str(ok).unwrap());
        }
        if let Some(err) = job["finished"]["Err"]["message"].as_str() {
            return Declared::Failed(err.to_string());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the check of {name} did not finish");
}

/// A workbook zip: the package and workbook parts, the given first sheet,
/// and shared strings when given; entries deflated.
fn workbook(sheet: &str, shared: Option<&str>) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    let mut put = |name: &str, body: &[u8]| {
        z.start_file(name, o).unwrap();
        z.write_all(body).unwrap();
    };
    put("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#);
    put("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#);
    put("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#);
    put("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#);
    put("xl/worksheets/sheet1.xml", sheet.as_bytes());
    if let Some(s) = shared {
        put("xl/sharedStrings.xml", s.as_bytes());
    }
    z.finish().unwrap().into_inner()
}

fn sheet(dimension: &str, rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    )
}

/// A request written by hand: `chunked` sends the body without a length,
/// as a streaming client does. The status and the answer's text.
async fn raw(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
    chunked: bool,
) -> (u16, String) {
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if chunked {
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
    } else {
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    }
    let (mut rd, mut wr) = s.split();
    let write = async {
        wr.write_all(head.as_bytes()).await?;
        if chunked {
            for piece in body.chunks(64 * 1024) {
                wr.write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                    .await?;
                wr.write_all(piece).await?;
                wr.write_all(b"\r\n").await?;
            }
            wr.write_all(b"0\r\n\r\n").await?;
        } else {
            wr.write_all(body).await?;
        }
        wr.flush().await
    };
    let read = async {
        let mut out = Vec::new();
        let _ = rd.read_to_end(&mut out).await;
        out
    };
    // The server may answer before the body is sent: read while writing.
    let (_, answer) = tokio::join!(write, read);
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A multipart body: text fields, then one file part.
fn multipart(boundary: &str, fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        write!(
            b,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        )
        .unwrap();
    }
    let (name, filename, bytes) = file;
    write!(
        b,
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .unwrap();
    b.extend_from_slice(bytes);
    write!(b, "\r\n--{boundary}--\r\n").unwrap();
    b
}

async fn alive(app: &TestApp) {
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ok");
}

fn scratch_files(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.opts.data_dir.root().join("archive"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.starts_with('.') && n.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

// ------------------------------------------------------------------ tests

async fn break_in_3_workbook_bomb_and_hostile_uploads_refused(engine: Engine) {
    let app = TestApp::start(Options::new(engine).tune(|s| {
        s.config.limits.xlsx_max_rows = 50;
        s.config.limits.xlsx_max_columns = 4;
        s.config.limits.xlsx_max_entry_mib = 1;
    }))
    .await;
    let (employer, persons) = employer_with_staff(&app, 3).await;
    let clerk = app.login("clerk").await;
    let before = app.ledger_size().await;
    let row = |n: u64, id: &str, wage: &str| {
        format!(
            r#"<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{id}</t></is></c><c r="B{n}"><v>{wage}</v></c></row>"#
        )
    };

    // The issue's workbook: 1.5 KB whose dimension claims A1:XFD1048576.
    let bomb = workbook(&sheet("A1:XFD1048576", &row(1, &persons[0], "8000")), None);
    assert!(bomb.len() < 2048, "the bomb is {} bytes", bomb.len());
    let e = declare(&clerk, &employer, "bomb.xlsx", bomb).await;
    let e = e.failed();
    assert!(
        e.contains("XLSX 超过上限")
            && e.contains("the workbook exceeds the limit of 4 columns")
            && e.contains("limits.xlsx_max_columns")
            && e.contains("A1:XFD1048576"),
        "{e}"
    );
    alive(&app).await;
    assert_eq!(app.ledger_size().await, before);

    // The same bomb under the default caps (64 columns) is refused too.
    let big = workbook(&sheet("A1:XFD1048576", ""), None);
    let e = declare(&clerk, &employer, "bomb.xlsx", big).await;
    assert!(e.failed().contains("limits.xlsx_max_columns"), "{e:?}");

    // A zip bomb: one entry inflating beyond the 1 MiB cap (a few KB sent).
    let filler = "<x/>".repeat(600_000);
    let zbomb = workbook(
        &format!(
            r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{filler}<sheetData>{}</sheetData></worksheet>"#,
            row(1, &persons[0], "8000")
        ),
        None,
    );
    assert!(zbomb.len() < 64 * 1024, "{}", zbomb.len());
    let e = declare(&clerk, &employer, "zip-bomb.xlsx", zbomb).await;
    let e = e.failed();
    assert!(
        e.contains("xl/worksheets/sheet1.xml")
            && e.contains("beyond the limit of 1 MiB")
            && e.contains("limits.xlsx_max_entry_mib"),
        "{e}"
    );

    // One row of 20,000 cells.
    let cells: String = (0..20_000).map(|_| "<c><v>1</v></c>").collect();
    let wide = workbook(&sheet("A1", &format!(r#"<row r="1">{cells}</row>"#)), None);
    let e = declare(&clerk, &employer, "wide.xlsx", wide).await;
    let e = e.failed();
    assert!(
        e.contains("limit of 4 columns") && e.contains("cell E1"),
        "{e}"
    );

    // More rows than the cap (the dimension says nothing).
    let rows: String = (1..=60).map(|n| row(n, &persons[0], "8000")).collect();
    let tall = workbook(&sheet("A1", &rows), None);
    let e = declare(&clerk, &employer, "tall.xlsx", tall).await;
    let e = e.failed();
    assert!(
        e.contains("the workbook exceeds the limit of 50 rows")
            && e.contains("limits.xlsx_max_rows")
            && e.contains("row 51"),
        "{e}"
    );

    // A truncated workbook, and text named .xlsx.
    let good = workbook(&sheet("A1:B1", &row(1, &persons[0], "8000")), None);
    let e = declare(
        &clerk,
        &employer,
        "cut.xlsx",
        good[..good.len() / 2].to_vec(),
    )
    .await;
    assert!(e.failed().contains("not a readable XLSX workbook"), "{e:?}");
    let e = declare(&clerk, &employer, "text.xlsx", b"id,wage\n1,2\n".to_vec()).await;
    assert!(e.failed().contains("not a readable XLSX workbook"), "{e:?}");
    // An Excel 97-2003 file.
    let mut xls = vec![0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
    xls.extend_from_slice(&[0u8; 504]);
    let e = declare(&clerk, &employer, "old.xls", xls).await;
    assert!(e.failed().contains(".xls"), "{e:?}");

    // A CSV of one 100 MB line, and one that is not UTF-8 (GBK).
    let mut line = persons[0].clone().into_bytes();
    line.extend_from_slice(b",8000");
    line.resize(100 * 1024 * 1024, b'0');
    let e = declare(&clerk, &employer, "line.csv", line).await;
    let e = e.failed();
    assert!(
        e.contains("line 1 is longer than 65536 bytes") && e.contains("CSV 行过长"),
        "{e}"
    );
    // Not UTF-8: read as GBK (the wage "工资" is no amount).
    let gbk = [persons[1].as_bytes(), b",\xb9\xa4\xd7\xca\n"].concat();
    let e = declare(&clerk, &employer, "gbk.csv", gbk).await;
    let e = e.failed();
    assert!(
        e.contains("line 1: declared_wage: \"工资\" is not a decimal amount"),
        "{e}"
    );

    // An empty file is refused at once.
    let e = declare(&clerk, &employer, "empty.csv", vec![]).await;
    let (status, page) = e.refused();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("choose a non-empty CSV or XLSX file"),
        "{page}"
    );

    // Nothing was written, nothing was left behind, the server answers.
    alive(&app).await;
    assert_eq!(app.ledger_size().await, before);
    assert_eq!(scratch_files(&app), Vec::<String>::new());

    // Good files under the same caps: an XLSX with shared strings (IDs as
    // text), its bad rows named by row number, and a CSV.
    let sst = format!(
        r#"<sst><si><t>公民身份号码</t></si><si><t>月工资</t></si><si><t>{}</t></si><si><t>{}</t></si></sst>"#,
        persons[0], persons[1]
    );
    let good = workbook(
        &sheet(
            "A1:B4",
            r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>8000</v></c></row><row r="3"><c r="A3"><v>110105199003071220</v></c><c r="B3"><v>6000</v></c></row><row r="4"><c r="A4" t="s"><v>3</v></c><c r="B4" t="inlineStr"><is><t>abc</t></is></c></row>"#,
        ),
        Some(&sst),
    );
    let r = declare(&clerk, &employer, "good.xlsx", good).await;
    let r = r.report();
    assert_eq!(
        (r["accepted"].as_u64(), r["rejected_count"].as_u64()),
        (Some(1), Some(2)),
        "{r}"
    );
    let lines: Vec<u64> = r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4], "{r}");
    assert!(r["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("column A holds a number"));
    assert!(r["rejected"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("\"abc\" is not a decimal amount"));
    assert_eq!(r["rejected"][0]["rule"], "declaration.id-as-number", "{r}");
    assert_eq!(r["rejected"][1]["rule"], "declaration.wage", "{r}");
    let id = r["application_id"].as_str().unwrap().to_string();
    // The accepted rows are kept as CSV, line = row; the workbook beside it.
    let a = app
        .sirm
        .store_for_maintenance()
        .application(&id)
        .await
        .unwrap()
        .unwrap();
    let materials: Vec<Value> = serde_json::from_str(&a.materials).unwrap();
    let csv = app
        .sirm
        .archive()
        .get(materials[0]["sha256"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        format!("\n{},8000\n", persons[0])
    );
    assert!(materials[1]["media_type"]
        .as_str()
        .unwrap()
        .contains("spreadsheetml"));
    assert!(app.ledger_size().await > before);

    let csv = format!("{},7000\n{},7500.50\n", persons[2], persons[1]);
    let r = declare_for(&clerk, &employer, "2024-08", "good.csv", csv.into_bytes()).await;
    assert_eq!(r.report()["accepted"], 2, "{r:?}");
    assert_eq!(scratch_files(&app), Vec::<String>::new());
}

async fn over_size_bodies_get_413_naming_the_cap(engine: Engine) {
    let app = TestApp::start(Options::new(engine).tune(|s| {
        s.config.limits.declaration_upload_mib = 1;
        s.config.limits.application_upload_mib = 1;
        s.config.limits.certificate_upload_mib = 1;
    }))
    .await;
    let (employer, persons) = employer_with_staff(&app, 1).await;
    let clerk = app.login("clerk").await;
    let before = app.ledger_size().await;
    let two_mib = |head: &[u8]| {
        let mut v = head.to_vec();
        v.resize(2 * 1024 * 1024, b'7');
        v
    };
    let bearer = ("Authorization", format!("Bearer {}", clerk.token));
    let boundary = "sirm-test-boundary";
    let mp = (
        "Content-Type",
        format!("multipart/form-data; boundary={boundary}"),
    );

    // A declaration file over 1 MiB, with and without a length.
    for chunked in [false, true] {
        let body = multipart(
            boundary,
            &[("credit_code", &employer), ("month", MONTH)],
            (
                "file",
                "big.csv",
                &two_mib(format!("{},8000\n", persons[0]).as_bytes()),
            ),
        );
        let (s, page) = raw(
            &app,
            "/declarations",
            &[bearer.clone(), mp.clone()],
            &body,
            chunked,
        )
        .await;
        assert_eq!(s, 413, "chunked {chunked}: {page}");
        // With a length the guard refuses before reading; without one the
        // handler names the field when the cap is crossed.
        assert!(
            page.contains("超过上限 1 MiB")
                && page.contains("limits.declaration_upload_mib")
                && (!chunked
                    || page.contains("文件超过上限 1 MiB / the file exceeds the limit of 1 MiB")
                        && page.contains("field file")),
            "{page}"
        );
    }
    // Just under the cap, the same route takes the file.
    let ok = declare(
        &clerk,
        &employer,
        "small.csv",
        format!("{},8000\n", persons[0]).into_bytes(),
    )
    .await;
    assert_eq!(ok.report()["accepted"], 1, "{ok:?}");
    let taken = app.ledger_size().await;
    assert!(taken > before);

    // An application's materials over 1 MiB (the workbench form).
    let body = multipart(
        boundary,
        &[
            ("business_type", "person.register"),
            ("id", "110105199003071220"),
            ("name", "王小明"),
        ],
        ("material", "scan.pdf", &two_mib(b"%PDF-1.4 ")),
    );
    for chunked in [false, true] {
        let (s, page) = raw(
            &app,
            "/applications",
            &[bearer.clone(), mp.clone()],
            &body,
            chunked,
        )
        .await;
        assert_eq!(s, 413, "{page}");
        assert!(
            page.contains("超过上限 1 MiB")
                && page.contains("limits.application_upload_mib")
                && (!chunked || page.contains("field material")),
            "{page}"
        );
    }
    // The same through the JSON API (base64 material).
    let json_body = serde_json::to_vec(&json!({
        "business_type": "person.register",
        "data": {"id": "110105199003071220", "name": "王小明", "address": "北京", "phone": "13800001111", "registered_on": "2026-01-01"},
        "materials": [{"name": "scan.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(two_mib(b"%PDF-1.4 "))}]
    }))
    .unwrap();
    let js = ("Content-Type", "application/json".to_string());
    for chunked in [false, true] {
        let (s, text) = raw(
            &app,
            "/api/v1/applications",
            &[bearer.clone(), js.clone()],
            &json_body,
            chunked,
        )
        .await;
        assert_eq!(s, 413, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"]["code"], "payload_too_large", "{v}");
        let m = v["error"]["message"].as_str().unwrap();
        assert!(
            m.contains("limits.application_upload_mib") && (!chunked || m.contains("field body")),
            "{m}"
        );
    }
    // A certificate PDF over 1 MiB: the public page and the API.
    let cookie = ("Cookie", "sirm_csrf=t0k3n".to_string());
    let token = ("X-CSRF-Token", "t0k3n".to_string());
    let body = multipart(boundary, &[], ("file", "cert.pdf", &two_mib(b"%PDF-1.7 ")));
    for chunked in [false, true] {
        let (s, page) = raw(
            &app,
            "/verify",
            &[cookie.clone(), token.clone(), mp.clone()],
            &body,
            chunked,
        )
        .await;
        assert_eq!(s, 413, "{page}");
        assert!(
            page.contains("超过上限 1 MiB") && page.contains("limits.certificate_upload_mib"),
            "{page}"
        );
        let pdf = ("Content-Type", "application/pdf".to_string());
        let (s, text) = raw(
            &app,
            "/api/v1/certificates/verify",
            &[pdf],
            &two_mib(b"%PDF-1.7 "),
            chunked,
        )
        .await;
        assert_eq!(s, 413, "{text}");
        assert!(text.contains("limits.certificate_upload_mib"), "{text}");
    }
    alive(&app).await;
    assert_eq!(
        app.ledger_size().await,
        taken,
        "nothing over a cap was written"
    );
    // Within the caps both work: a small JSON application; a small PDF is
    // read (and found not to be a certificate).
    let small = json!({
        "business_type": "person.register",
        "data": {"id": "110105199003071220", "name": "王小明", "address": "北京市朝阳区", "phone": "13800001111", "registered_on": "2026-01-01"},
        "materials": [{"name": "scan.png", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n scan")}]
    });
    let (s, v) = clerk.post("/api/v1/applications", small).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let r = app
        .http
        .post(app.url("/api/v1/certificates/verify"))
        .header("content-type", "application/pdf")
        .body(b"%PDF-1.7 not a certificate".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("no SIRM verification code"));

    assert!(app.ledger_size().await > taken);
    assert_eq!(scratch_files(&app), Vec::<String>::new());
}
