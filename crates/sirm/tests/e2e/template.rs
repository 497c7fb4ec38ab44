//! Demo installations built once per test process and copied for each test.
//!
//! `sirm demo` takes seconds (about ten on PostgreSQL in a debug build), and
//! dozens of tests each want a fresh demo to tamper with. Each (engine,
//! persons, crypto profile) is built once; a test gets a copy of its data
//! directory and, on PostgreSQL, a copy of its database
//! (`CREATE DATABASE … TEMPLATE`), so what one test alters no other sees.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use super::*;
pub(super) use sirm_testkit::template::{copy_dir, database_url};

/// The schema of template databases (and so of their copies).
pub(super) const SCHEMA: &str = "demo";

/// A demo built once: its data directory and, on PostgreSQL, the database
/// that holds it.
pub(super) struct Template {
    pub(super) data: PathBuf,
    pub(super) database: Option<String>,
}

type Key = (bool, usize, bool);
/// Each key's template, built at most once.
type Templates = Mutex<HashMap<Key, Arc<OnceLock<Arc<Template>>>>>;

/// The template for (engine, persons, profile), built on first use; tests
/// asking for another template meanwhile do not wait for this one.
pub(super) fn get(engine: Engine, persons: usize, crypto: Crypto) -> Arc<Template> {
    static ALL: OnceLock<Templates> = OnceLock::new();
    let key = (
        engine == Engine::Postgres,
        persons,
        crypto == CryptoProfile::Sm3Sm2,
    );
    let cell = ALL
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry(key)
        .or_default()
        .clone();
    cell.get_or_init(|| Arc::new(build(engine, persons, crypto)))
        .clone()
}

fn build(engine: Engine, persons: usize, crypto: Crypto) -> Template {
    let mut i = Install::new(engine);
    // Kept for the whole test process, under cargo's scratch directory.
    let data = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("demo-{}", hex::encode(rand::random::<[u8; 6]>())));
    let database = (engine == Engine::Postgres).then(|| {
        let db = format!("tpl_{}", hex::encode(rand::random::<[u8; 6]>()));
        psql(&i.pg_url, &format!("CREATE DATABASE {db}"));
        i.pg_url = database_url(&i.pg_url, &db);
        i.schema = Some(SCHEMA.to_string());
        db
    });
    i.build_demo(persons, crypto);
    std::fs::rename(i.data(), &data).unwrap_or_else(|_| copy_dir(&i.data(), &data));
    Template { data, database }
}

/// A new database copied from the template database `template`; its name.
pub(super) fn clone_database(url: &str, template: &str) -> String {
    let db = format!("e_{}", hex::encode(rand::random::<[u8; 8]>()));
    // The copy needs the template to have no session: the demo's closing
    // connections may still be ending, and another test may be copying.
    for attempt in 0.. {
        let out = Command::new("psql")
            .args([url, "-v", "ON_ERROR_STOP=1", "-qc"])
            .arg(format!("CREATE DATABASE {db} TEMPLATE {template}"))
            .output()
            .expect("psql runs");
        if out.status.success() {
            return db;
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("being accessed by other users") && attempt < 100,
            "CREATE DATABASE {db} TEMPLATE {template}: {err}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    unreachable!()
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-qc", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
