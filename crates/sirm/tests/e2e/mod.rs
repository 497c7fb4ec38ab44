//! End-to-end tests of the `sirm` binary: real installations on SQLite and
//! PostgreSQL, a real HTTP server on a random port, and the tamper suite —
//! every way of altering the ledger that `sirm verify` must catch and name.
//! The tests that hash and sign run under both crypto profiles (`gm_sqlite::`,
//! `gm_postgres::` for 国密 sm3-sm2).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use sirm_ledger::{merkle, CryptoProfile, PublicKey, SignedCheckpoint};
use sirm_store::{Engine, Role, Store, StoreConfig};

mod install;
mod serve;
mod tamper;
mod template;

#[allow(unused_imports)]
use install::*;
#[allow(unused_imports)]
use serve::*;
#[allow(unused_imports)]
use tamper::*;

const SIRM: &str = env!("CARGO_BIN_EXE_sirm");

/// The crypto profile of the installation under test.
type Crypto = CryptoProfile;

/// `--crypto` of an installation and its profile.
trait CryptoArgs {
    fn args(self) -> &'static [&'static str];
    fn profile(self) -> CryptoProfile;
}

impl CryptoArgs for CryptoProfile {
    fn args(self) -> &'static [&'static str] {
        match self {
            CryptoProfile::Sm3Sm2 => &["--crypto", "gm"],
            _ => &[],
        }
    }
    fn profile(self) -> CryptoProfile {
        self
    }
}

/// One installation under test: a temporary data directory, and for
/// PostgreSQL a schema of its own.
pub(crate) struct Install {
    pub(crate) dir: tempfile::TempDir,
    engine: Engine,
    schema: Option<String>,
    pg_url: String,
    /// Demo installations have the demo accounts: commands that act on the
    /// installation run with a session of one of them.
    sessions: Option<sirm_testkit::CliSessions>,
}

impl Install {
    pub(crate) fn new(engine: Engine) -> Install {
        let pg_url = std::env::var("SIRM_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = (engine == Engine::Postgres)
            .then(|| format!("e_{}", hex::encode(rand::random::<[u8; 8]>())));
        Install {
            dir: tempfile::tempdir().unwrap(),
            engine,
            schema,
            pg_url,
            sessions: None,
        }
    }

    pub(crate) fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `sirm <args>` against this installation.
    pub(crate) fn sirm(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(SIRM);
        c.env_remove("SIRM_DATA_DIR")
            .env_remove("SIRM_DATABASE_URL")
            .env_remove("SIRM_DATABASE_SCHEMA")
            .arg("--data-dir")
            .arg(self.data());
        if let Some(s) = &self.schema {
            c.args(["--database-url", &self.pg_url, "--database-schema", s]);
        }
        c.env_remove("SIRM_SESSION_FILE");
        if let Some(sessions) = &self.sessions {
            if let Some(f) = sessions.for_args(&self.open_options(), self.dir.path(), args) {
                c.env("SIRM_SESSION_FILE", f);
            }
        }
        c.args(args);
        c
    }

    pub(crate) fn open_options(&self) -> sirm_app::OpenOptions {
        let mut o = sirm_app::OpenOptions::new(self.data());
        if let Some(s) = &self.schema {
            o.database_url = Some(self.pg_url.clone());
            o.database_schema = Some(s.clone());
        }
        o
    }

    /// A demo installation of `persons` persons: two signed batches.
    pub(crate) fn demo(engine: Engine, persons: usize) -> Install {
        Install::demo_with(engine, persons, CryptoProfile::Sha256Ed25519)
    }

    /// [`Install::demo`] under a crypto profile: a copy of a demo built
    /// once per test process for each (engine, persons, profile) — see
    /// [`template`].
    fn demo_with(engine: Engine, persons: usize, crypto: Crypto) -> Install {
        let t = template::get(engine, persons, crypto);
        let mut i = Install::new(engine);
        template::copy_dir(&t.data, &i.data());
        if let Some(db) = &t.database {
            let clone = template::clone_database(&i.pg_url, db);
            i.pg_url = template::database_url(&i.pg_url, &clone);
            i.schema = Some(template::SCHEMA.to_string());
            // The copy is another database: its runtime role is its own
            // (`sirm_store::PgInstallation`), made by the owner's migrate.
            let cfg = i.store_config();
            std::thread::spawn(move || {
                tokio::runtime::Runtime::new().unwrap().block_on(async {
                    let owner = Store::connect(&cfg, Role::Owner).await.unwrap();
                    owner.migrate().await.unwrap();
                    owner.close().await;
                })
            })
            .join()
            .unwrap();
        }
        let key = std::fs::read_to_string(i.data().join("keys/checkpoint.pub")).unwrap();
        assert_eq!(
            PublicKey::from_text(&key).unwrap().profile(),
            crypto.profile()
        );
        i.sessions = Some(sirm_testkit::CliSessions::default());
        i
    }

    /// A fresh `sirm demo` of `persons` persons (what [`template`] copies).
    fn build_demo(&self, persons: usize, crypto: Crypto) {
        let n = persons.to_string();
        let data = self.data();
        let mut args = vec![
            "demo",
            "--dir",
            data.to_str().unwrap(),
            "--persons",
            &n,
            "--no-serve",
        ];
        args.extend_from_slice(crypto.args());
        let out = self.sirm(&args);
        assert!(out.status.success(), "demo failed: {}", text(&out));
    }

    fn store_config(&self) -> StoreConfig {
        match &self.schema {
            Some(s) => {
                let mut c = StoreConfig::new(self.pg_url.clone());
                c.pg_schema = Some(s.clone());
                c
            }
            None => StoreConfig::sqlite_file(&self.data().join("sirm.db")),
        }
    }

    /// Raw SQL as the database owner, with the append-only guards lifted —
    /// what an attacker with database access would do.
    async fn tamper(&self, statements: &[&str]) {
        let owner = Store::connect(&self.store_config(), Role::Owner)
            .await
            .unwrap();
        match self.engine {
            Engine::Sqlite => {
                for t in [
                    "ledger_entry_no_update",
                    "ledger_entry_no_delete",
                    "ledger_checkpoint_no_delete",
                    "ledger_node_no_update",
                    "ledger_node_no_delete",
                ] {
                    owner
                        .execute_raw(&format!("DROP TRIGGER IF EXISTS {t}"))
                        .await
                        .unwrap();
                }
            }
            Engine::Postgres => {
                for t in ["ledger_entry", "ledger_checkpoint", "ledger_node"] {
                    owner
                        .execute_raw(&format!("ALTER TABLE {t} DISABLE TRIGGER USER"))
                        .await
                        .unwrap();
                }
            }
        }
        for s in statements {
            owner.execute_raw(s).await.unwrap();
        }
        // Put the guards back, so the only trace is in the data itself.
        match self.engine {
            Engine::Sqlite => {
                for (t, table, op) in [
                    ("ledger_entry_no_update", "ledger_entry", "UPDATE"),
                    ("ledger_entry_no_delete", "ledger_entry", "DELETE"),
                    ("ledger_checkpoint_no_delete", "ledger_checkpoint", "DELETE"),
                    ("ledger_node_no_update", "ledger_node", "UPDATE"),
                    ("ledger_node_no_delete", "ledger_node", "DELETE"),
                ] {
                    owner
                        .execute_raw(&format!(
                            "CREATE TRIGGER {t} BEFORE {op} ON {table} \
                             BEGIN SELECT RAISE(ABORT, '{table} is append-only (SIRM ledger guard)'); END"
                        ))
                        .await
                        .unwrap();
                }
            }
            Engine::Postgres => {
                for t in ["ledger_entry", "ledger_checkpoint", "ledger_node"] {
                    owner
                        .execute_raw(&format!("ALTER TABLE {t} ENABLE TRIGGER USER"))
                        .await
                        .unwrap();
                }
            }
        }
        owner.close().await;
    }

    /// The installation opened in-process, read-only.
    async fn open_sirm(&self) -> sirm_app::Sirm {
        let mut opts = sirm_app::OpenOptions::new(self.data());
        if let Some(s) = &self.schema {
            opts.database_url = Some(self.pg_url.clone());
            opts.database_schema = Some(s.clone());
        }
        sirm_app::Sirm::open(&opts, sirm_app::Access::Read)
            .await
            .unwrap()
    }

    async fn tree_size(&self) -> u64 {
        let s = Store::connect(&self.store_config(), Role::App)
            .await
            .unwrap();
        let n = s.head().await.unwrap().unwrap().checkpoint.tree_size;
        s.close().await;
        n
    }
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub(crate) fn write_file(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// A running `sirm serve` on a random port; killed on drop.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(i: &Install) -> Server {
        let mut child = i
            .command(&["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .unwrap();
            if let Some(pos) = line.find("http://") {
                break line[pos..].trim_end_matches('/').to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------------- tests

sirm_testkit::both_engines!(
    init_rejects_bad_input_and_writes_nothing,
    rebuild_reports_the_same_digest,
    tamper_projections,
    bad_configuration_is_a_one_line_error,
    kill_during_large_approval_leaves_nothing,
    ;
    profiles:
    init_creates_and_refuses_to_overwrite,
    serve_answers_checkpoint_and_proofs,
    tamper_payload_byte,
    tamper_delete_entry,
    tamper_swap_entries,
    tamper_forged_entry,
    tamper_truncate_tail,
    tamper_rewritten_leaf_hash_is_caught_by_signature,
    tamper_tree_node,
    missing_or_wrong_key_refused,
);

#[test]
fn unreachable_database_is_a_one_line_error() {
    let i = Install::new(Engine::Sqlite);
    let pw = write_file(i.dir.path(), "pw", "Str0ng-Passw0rd\n");
    let out = Command::new(SIRM)
        .args([
            "--data-dir",
            i.data().to_str().unwrap(),
            "--database-url",
            "postgres://postgres@127.0.0.1:1/none",
        ])
        .args([
            "init",
            "--admin-user",
            "sysadmin",
            "--security-admin-user",
            "secadmin",
            "--audit-admin-user",
            "auditadmin",
            "--region",
            "110105",
            "--agency-name",
            "x",
            "--admin-password-file",
            pw.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("cannot open database postgres://postgres@127.0.0.1:1/none"),
        "{}",
        text(&out)
    );
    assert!(!i.data().join("sirm.toml").exists());
    // And a data directory without an installation.
    let out = i.sirm(&["verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("holds no SIRM installation"),
        "{}",
        text(&out)
    );
}

#[test]
fn help_on_every_command() {
    for cmd in [
        "init",
        "serve",
        "demo",
        "verify",
        "rebuild",
        "checkpoint",
        "migrate",
        "id",
        "calc",
        "rules",
    ] {
        let out = Command::new(SIRM).args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success(), "{cmd} --help: {}", text(&out));
        assert!(stdout(&out).contains("Usage"), "{cmd}");
    }
}
