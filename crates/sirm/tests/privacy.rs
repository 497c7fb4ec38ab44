//! The proof that a database administrator sees nothing (privacy issue,
//! item 7): a demo installation is built, every person's ID number, name,
//! address and phone are read through the API as an entitled clerk, and the
//! raw bytes of the data directory (SQLite file, archive; the key files
//! aside), of a `pg_dump` of the schema and of the server's log are
//! searched for each of them: no hit. The same values are also what the
//! record shows through the counter (a person's full record still correct).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde_json::{json, Value};
use sirm_testkit::{both_engines, Engine, Options, StatusCode, TestApp};

both_engines!(
    no_identity_in_clear_on_disk_or_in_the_log,
    gm_no_identity_in_clear
);

/// The same proof under the 国密 profile (HMAC-SM3 blind index, SM4-GCM).
async fn gm_no_identity_in_clear(engine: Engine) {
    run(engine, true).await
}

async fn no_identity_in_clear_on_disk_or_in_the_log(engine: Engine) {
    run(engine, false).await
}

/// Everything the server logs (at DEBUG and above) in this test binary.
fn log_file() -> &'static PathBuf {
    static LOG: OnceLock<PathBuf> = OnceLock::new();
    LOG.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("sirm-privacy-{}.log", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        let writer = Mutex::new(file);
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_writer(writer)
            .with_ansi(false)
            .try_init();
        path
    })
}

/// Every file under `dir` except the key files.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "keys") {
                continue;
            }
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn find(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    !n.is_empty() && hay.windows(n.len()).any(|w| w == n)
}

async fn run(engine: Engine, gm: bool) {
    let log = log_file();
    let mut o = Options::new(engine).history().persons(30);
    if gm {
        o = o.gm();
    }
    let app = TestApp::start(o).await;
    assert_eq!(
        app.sirm.installation.profile,
        if gm { "sm3-sm2" } else { "sha256-ed25519" }
    );
    let clerk = app.login("clerk").await;
    let ids = sirm_app::testkit::person_ids(&app.sirm, 10_000)
        .await
        .unwrap();
    assert!(ids.len() > 30, "demo persons: {}", ids.len());
    // Every identifying value, read as the counter clerk reads it.
    let mut needles: Vec<(String, &str)> = Vec::new();
    for id in &ids {
        let (s, v) = clerk
            .post("/api/v1/persons/lookup", json!({ "id": id }))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let p = &v["person"];
        assert_eq!(
            p["id_number"],
            id.as_str(),
            "the record shows the ID number"
        );
        let opened = sirm_app::testkit::person_by_id(&app.sirm, id)
            .await
            .unwrap()
            .unwrap();
        for (field, expected) in [
            ("name", &opened.name),
            ("address", &opened.address),
            ("phone", &opened.phone),
        ] {
            let shown = p[field].as_str().unwrap_or_default();
            assert_eq!(shown, expected, "{field} through the counter");
            assert!(!shown.is_empty());
        }
        needles.push((id.clone(), "ID number"));
        needles.push((p["name"].as_str().unwrap().to_string(), "name"));
        needles.push((p["address"].as_str().unwrap().to_string(), "address"));
        needles.push((p["phone"].as_str().unwrap().to_string(), "phone"));
    }
    // The citizen's own record through the portal, and a certificate (its
    // PDF goes to the archive).
    let citizen = app.login("citizen").await;
    let (s, me) = citizen.get("/api/v1/my/record").await;
    assert_eq!(s, StatusCode::OK, "{me}");
    let mine = me["record"]["person"]["id_number"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        ids.contains(&mine),
        "the citizen's record is a demo person's"
    );
    let (s, cert) = citizen
        .post("/api/v1/my/certificates", json!({"kind": "contribution"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{cert}");

    // What lies on disk: the data directory (SQLite, archive), and the
    // PostgreSQL schema as pg_dump writes it.
    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut paths = Vec::new();
    files(app.opts.data_dir.root(), &mut paths);
    let mut archived = 0;
    for p in paths {
        let bytes = std::fs::read(&p).unwrap();
        if p.components().any(|c| c.as_os_str() == "archive") {
            // Every archived file (scans, declaration files, certificate
            // PDFs) is stored sealed, not only free of plain-text names.
            assert!(
                bytes.starts_with(b"SIRMAR1\n"),
                "{} is not sealed",
                p.display()
            );
            archived += 1;
        }
        blobs.push((p.display().to_string(), bytes));
    }
    assert!(
        archived >= 2,
        "scans and the certificate are in the archive: {archived}"
    );
    if engine == Engine::Postgres {
        let schema = app.opts.database_schema.clone().unwrap();
        let out = std::process::Command::new("pg_dump")
            .args([
                "--dbname",
                // The test's own database (a copy of the process's demo).
                &app.opts
                    .database_url
                    .clone()
                    .unwrap_or_else(sirm_testkit::postgres_url),
                "--schema",
                &schema,
            ])
            .output()
            .expect("pg_dump");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.len() > 100_000, "the dump holds the ledger");
        blobs.push(("pg_dump".into(), out.stdout));
    }
    std::io::stderr().flush().unwrap();
    blobs.push(("server log".into(), std::fs::read(log).unwrap()));
    assert!(
        blobs.iter().any(|(_, b)| find(b, "person:pk")),
        "the ledger names persons by blind index"
    );
    // Staff accounts carry their holders' names in clear (they are not
    // insured persons' records); a demo person who happens to share a
    // staff member's name is not a leak.
    let staff: Vec<&str> = sirm_app::demo::DEMO_ACCOUNTS.iter().map(|a| a.1).collect();
    needles.retain(|(n, what)| *what != "name" || !staff.iter().any(|s| s.contains(n.as_str())));
    let mut hits = Vec::new();
    for (needle, what) in &needles {
        for (name, bytes) in &blobs {
            if find(bytes, needle) {
                hits.push(format!("{what} {needle:?} in {name}"));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "{} identifiers in clear:\n{}",
        hits.len(),
        hits.join("\n")
    );
    let _: Value = cert;
}
