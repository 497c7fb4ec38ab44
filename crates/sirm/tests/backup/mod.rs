//! Backups and restores through the `sirm` binary (issue "Keeping the
//! records for ever", items 1–2 and "Bad input"): incremental encrypted
//! backups with a signed manifest, restores across engines (SQLite →
//! PostgreSQL → SQLite) that verify and keep credentials and personal-data
//! keys, and every bad backup, target or history refused with the reason,
//! leaving no half-restored installation and the live one untouched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod check_and_s3;
mod crashes;
mod restore;

#[allow(unused_imports)]
use check_and_s3::*;
#[allow(unused_imports)]
use crashes::*;
#[allow(unused_imports)]
use restore::*;

const SIRM: &str = env!("CARGO_BIN_EXE_sirm");

fn pg_url() -> String {
    std::env::var("SIRM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Where an installation lives: a data directory, and a PostgreSQL schema
/// (dropped when this is dropped) or the SQLite file in the directory.
struct Target {
    data: PathBuf,
    schema: Option<String>,
    /// Sessions of the demo accounts commands act as (made on first use).
    sessions: sirm_testkit::CliSessions,
}

impl Target {
    fn sqlite(data: PathBuf) -> Target {
        Target {
            data,
            schema: None,
            sessions: Default::default(),
        }
    }
    fn postgres(data: PathBuf) -> Target {
        let schema = format!("bk_{}", hex::encode(rand::random::<[u8; 6]>()));
        Target {
            data,
            schema: Some(schema),
            sessions: Default::default(),
        }
    }
    /// `sirm <args>` against this installation, not yet run.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(SIRM);
        c.env_remove("SIRM_DATA_DIR")
            .env_remove("SIRM_DATABASE_URL")
            .env_remove("SIRM_DATABASE_SCHEMA")
            .arg("--data-dir")
            .arg(&self.data);
        if let Some(s) = &self.schema {
            c.args(["--database-url", &pg_url(), "--database-schema", s]);
        }
        c.env_remove("SIRM_SESSION_FILE");
        let scratch = self.data.parent().unwrap_or(&self.data);
        if self.data.join("sirm.toml").exists() {
            if let Some(f) = self.sessions.for_args(&self.open_options(), scratch, args) {
                c.env("SIRM_SESSION_FILE", f);
            }
        }
        c.args(args);
        c
    }
    fn open_options(&self) -> sirm_app::OpenOptions {
        let mut o = sirm_app::OpenOptions::new(&self.data);
        if let Some(s) = &self.schema {
            o.database_url = Some(pg_url());
            o.database_schema = Some(s.clone());
        }
        o
    }
    fn sirm(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
    fn ok(&self, args: &[&str]) -> String {
        let o = self.sirm(args);
        assert!(o.status.success(), "sirm {args:?}: {}", err(&o));
        String::from_utf8_lossy(&o.stdout).to_string()
    }
    /// Tree size of the latest checkpoint (read in-process: `sirm
    /// checkpoint` would add the record of its own run).
    fn size(&self) -> u64 {
        sirm_testkit::ledger_tail(&self.open_options(), u64::MAX).0
    }
    /// What was appended after entry `after` (kinds, or security event names).
    fn since(&self, after: u64) -> Vec<String> {
        sirm_testkit::ledger_tail(&self.open_options(), after).1
    }
    fn verify_ok(&self) {
        let out = self.ok(&["verify", "--keys"]);
        assert!(out.contains("ledger intact"), "{out}");
        assert!(out.contains("projections match"), "{out}");
        assert!(out.contains("sealed fields open"), "{out}");
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(s) = &self.schema {
            let url = pg_url();
            let db = url.rsplit('/').next().unwrap_or("test").to_string();
            let role = sirm_store::PgInstallation::derive(&db, s).runtime_role;
            let _ = Command::new("psql")
                .args([
                    &url,
                    "-qc",
                    &format!(
                        "DROP SCHEMA IF EXISTS \"{s}\" CASCADE; DROP ROLE IF EXISTS \"{role}\""
                    ),
                ])
                .output();
        }
    }
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

fn demo(data: PathBuf) -> Target {
    let t = Target::sqlite(data);
    let dir = t.data.to_str().unwrap().to_string();
    t.ok(&["demo", "--no-serve", "--persons", "4", "--dir", &dir]);
    t
}

/// A backup identity in `dir`; returns (identity file, recipient).
fn identity(dir: &Path, name: &str) -> (PathBuf, String) {
    let file = dir.join(name);
    let o = Command::new(SIRM)
        .args(["backup", "keygen", "--out", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    (file, String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn backup(t: &Target, to: &Path, recipient: &str) -> serde_json::Value {
    let out = t.ok(&[
        "backup",
        "create",
        "--to",
        to.to_str().unwrap(),
        "--recipient",
        recipient,
        "--json",
    ]);
    serde_json::from_str(out.trim()).unwrap()
}

fn restore(t: &Target, from: &Path, keys: &Path, id: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "restore",
        "--from",
        from.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--identity",
        id.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    t.sirm(&args)
}

fn increments(dest: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dest.join("increments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn newest_manifest(dest: &Path) -> PathBuf {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dest.join("manifests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v.pop().unwrap()
}

struct Moto(std::process::Child);
impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ------------------------------------------------------------ crash safety
