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

    /// [`Install::demo`] under a crypto profile.
    fn demo_with(engine: Engine, persons: usize, crypto: Crypto) -> Install {
        let mut i = Install::new(engine);
        let n = persons.to_string();
        let data = i.data();
        let mut args = vec![
            "demo",
            "--dir",
            data.to_str().unwrap(),
            "--persons",
            &n,
            "--no-serve",
        ];
        args.extend_from_slice(crypto.args());
        let out = i.sirm(&args);
        assert!(out.status.success(), "demo failed: {}", text(&out));
        let key = std::fs::read_to_string(data.join("keys/checkpoint.pub")).unwrap();
        assert_eq!(
            PublicKey::from_text(&key).unwrap().profile(),
            crypto.profile()
        );
        i.sessions = Some(sirm_testkit::CliSessions::default());
        i
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

async fn init_creates_and_refuses_to_overwrite(engine: Engine, crypto: Crypto) {
    let i = Install::new(engine);
    let pw = write_file(i.dir.path(), "pw", "Str0ng-Passw0rd\n");
    let pw = pw.to_str().unwrap();
    let mut args = vec![
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
        "朝阳区社保中心",
        "--admin-password-file",
        pw,
    ];
    args.extend_from_slice(crypto.args());
    let out = i.sirm(&args);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stdout(&out).contains("signing key id"), "{}", text(&out));
    let profile = crypto.profile();
    assert!(
        stdout(&out).contains(&format!("crypto profile: {profile}")),
        "{}",
        text(&out)
    );
    let config = std::fs::read_to_string(i.data().join("sirm.toml")).unwrap();
    assert!(
        config.contains(&format!("profile = \"{profile}\"")),
        "{config}"
    );
    let key = i.data().join("keys/checkpoint.key");
    assert!(std::fs::read_to_string(&key)
        .unwrap()
        .starts_with(&format!("sirm-signing-key v1 {profile} ")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let key_before = std::fs::read(&key).unwrap();
    // Second init: refused, nothing changed.
    let again = i.sirm(&args);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(
        stderr(&again).contains("already holds a SIRM installation"),
        "{}",
        text(&again)
    );
    assert_eq!(std::fs::read(&key).unwrap(), key_before);
    // Verifying the live installation needs a signed-in operator (none
    // exists yet: the administrators have their first tasks ahead) …
    let v = i.sirm(&["verify"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(stderr(&v).contains("--as USER"), "{}", text(&v));
    // … an auditor's copy without the signing key needs none.
    if engine == Engine::Sqlite {
        let copy = i.dir.path().join("copy");
        std::fs::create_dir_all(copy.join("keys")).unwrap();
        for f in ["sirm.toml", "sirm.db", "sirm.db-wal", "keys/checkpoint.pub"] {
            if i.data().join(f).exists() {
                std::fs::copy(i.data().join(f), copy.join(f)).unwrap();
            }
        }
        let v = Command::new(SIRM)
            .env_remove("SIRM_DATA_DIR")
            .args(["--data-dir", copy.to_str().unwrap(), "verify"])
            .output()
            .unwrap();
        assert!(v.status.success(), "{}", text(&v));
        // init's 4 entries, and the configuration recorded when the
        // refused command opened the installation.
        assert!(stdout(&v).contains("ledger intact: "), "{}", text(&v));
    }
}

async fn init_rejects_bad_input_and_writes_nothing(engine: Engine) {
    let i = Install::new(engine);
    let weak = write_file(i.dir.path(), "weak", "password\n");
    let strong = write_file(i.dir.path(), "strong", "Str0ng-Passw0rd\n");
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "--region",
                "990105",
                "--agency-name",
                "x",
                "--admin-password-file",
                strong.to_str().unwrap(),
            ],
            "region",
        ),
        (
            &[
                "--region",
                "110105",
                "--agency-name",
                "x",
                "--admin-password-file",
                weak.to_str().unwrap(),
            ],
            "password",
        ),
        (
            &[
                "--region",
                "110105",
                "--agency-name",
                " ",
                "--admin-password-file",
                strong.to_str().unwrap(),
            ],
            "agency_name",
        ),
    ];
    for (args, field) in cases {
        let mut all = vec![
            "init",
            "--admin-user",
            "sysadmin",
            "--security-admin-user",
            "secadmin",
            "--audit-admin-user",
            "auditadmin",
        ];
        all.extend_from_slice(args);
        let out = i.sirm(&all);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let err = stderr(&out);
        assert!(
            err.contains(field),
            "expected the error to name {field}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
        assert!(!i.data().join("sirm.toml").exists());
        assert!(!i.data().join("keys").exists());
    }
}

async fn serve_answers_checkpoint_and_proofs(engine: Engine, crypto: Crypto) {
    let profile = crypto.profile();
    let i = Install::demo_with(engine, 40, crypto);
    let pubkey = PublicKey::from_text(
        &std::fs::read_to_string(i.data().join("keys/checkpoint.pub")).unwrap(),
    )
    .unwrap();
    let server = Server::start(&i);
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let url = format!("{}{}", server.base, path);
        let http = http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    assert_eq!(get("/healthz").await.text().await.unwrap(), "ok");
    let ready: serde_json::Value = get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["ready"], true);

    let cp: serde_json::Value = get("/api/v1/ledger/checkpoint").await.json().await.unwrap();
    let note = SignedCheckpoint::from_note(cp["note"].as_str().unwrap()).unwrap();
    note.verify(&pubkey).unwrap();
    // The checkpoint names its profile, in the JSON and in the signed note.
    assert_eq!(cp["profile"], profile.name());
    assert_eq!(note.profile, profile);
    let size = cp["tree_size"].as_u64().unwrap();
    assert_eq!(size, note.checkpoint.tree_size);
    assert_eq!(
        cp["root"].as_str().unwrap(),
        hex::encode(note.checkpoint.root)
    );

    // The answers are the proofs computed from all leaves, byte for byte:
    // many seqs and `from`s through the use case (the conformance suite
    // compares every pair at the store), a few over HTTP.
    let leaves = {
        let s = Store::connect(&i.store_config(), Role::App).await.unwrap();
        let l = s.leaf_hashes(size).await.unwrap();
        s.close().await;
        l
    };
    let hexes = |p: Vec<[u8; 32]>| p.iter().map(hex::encode).collect::<Vec<_>>();
    let want_inclusion =
        |seq: u64| hexes(merkle::inclusion_proof(profile, &leaves, seq - 1).unwrap());
    let want_consistency =
        |from: u64| hexes(merkle::consistency_proof(profile, &leaves, from).unwrap());
    let sirm = i.open_sirm().await;
    for n in (1..=40)
        .chain((41..size).step_by(97))
        .chain(size - 2..=size)
    {
        let p = sirm.inclusion_proof(n).await.unwrap();
        assert_eq!(p.proof, want_inclusion(n), "seq {n}");
        assert_eq!(p.leaf_hash, hex::encode(leaves[n as usize - 1]));
        let c = sirm.consistency_proof(n, None).await.unwrap();
        assert_eq!(c.proof, want_consistency(n), "from {n}");
        let from_root = merkle::root_of(profile, &leaves[..n as usize]);
        assert_eq!(c.from_root, hex::encode(from_root));
        assert_eq!(c.to_root, hex::encode(note.checkpoint.root));
    }
    sirm.store_for_maintenance().close().await;
    for n in [1, 16, 17, size / 2, size] {
        let p: serde_json::Value = get(&format!("/api/v1/ledger/proof/inclusion?seq={n}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(p["proof"], serde_json::json!(want_inclusion(n)), "seq {n}");
        let c: serde_json::Value = get(&format!("/api/v1/ledger/proof/consistency?from={n}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            c["proof"],
            serde_json::json!(want_consistency(n)),
            "from {n}"
        );
    }

    // Inclusion: check every proof client-side against the signed root.
    for seq in [1, size / 2, size] {
        let p: serde_json::Value = get(&format!("/api/v1/ledger/proof/inclusion?seq={seq}"))
            .await
            .json()
            .await
            .unwrap();
        let leaf: [u8; 32] = hex::decode(p["leaf_hash"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let proof: Vec<[u8; 32]> = p["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                hex::decode(h.as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap()
            })
            .collect();
        merkle::verify_inclusion(profile, &leaf, seq - 1, size, &proof, &note.checkpoint.root)
            .unwrap();
    }
    // Consistency from the genesis batch (tree size 2) to now.
    let c: serde_json::Value = get("/api/v1/ledger/proof/consistency?from=2")
        .await
        .json()
        .await
        .unwrap();
    let proof: Vec<[u8; 32]> = c["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            hex::decode(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect();
    let from_root: [u8; 32] = hex::decode(c["from_root"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    merkle::verify_consistency(profile, 2, size, &from_root, &note.checkpoint.root, &proof)
        .unwrap();

    // Bad input: named parameter, 400, JSON error.
    for (path, needle) in [
        ("/api/v1/ledger/proof/inclusion?seq=0", "seq"),
        (
            &format!("/api/v1/ledger/proof/inclusion?seq={}", size + 1)[..],
            "seq",
        ),
        ("/api/v1/ledger/proof/inclusion?seq=abc", "seq"),
        ("/api/v1/ledger/proof/inclusion", "seq"),
        ("/api/v1/ledger/proof/consistency?from=5&to=3", "from"),
    ] {
        let r = get(path).await;
        assert_eq!(r.status(), 400, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_parameter");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(needle),
            "{path}: {body}"
        );
    }
    assert_eq!(get("/no/such/route").await.status(), 404);

    let api: serde_json::Value = get("/api/v1/openapi.json").await.json().await.unwrap();
    for path in [
        "/api/v1/ledger/checkpoint",
        "/api/v1/ledger/proof/inclusion",
        "/api/v1/ledger/proof/consistency",
        "/api/v1/certificates/{code}",
    ] {
        assert!(
            api["paths"][path]["get"].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    let page = get("/").await.text().await.unwrap();
    assert!(page.contains("社会保险个人权益记录"), "{page}");
}

async fn rebuild_reports_the_same_digest(engine: Engine) {
    let i = Install::demo(engine, 60);
    let out = i.sirm(&["rebuild", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["before"]["digest"], r["after"]["digest"]);
    assert!(r["replayed"].as_u64().unwrap() > 60);
    // A projection edited behind the applier's back: rebuild repairs it and says so.
    i.tamper(&["UPDATE person SET name = '改' WHERE person_id IS NOT NULL"])
        .await;
    let out = i.sirm(&["rebuild", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r2: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r2["after"]["digest"], r["after"]["digest"]);
    assert_ne!(r2["before"]["digest"], r["after"]["digest"]);
}

/// `sirm verify` on a tampered ledger: exit 1, first bad entry named.
fn expect_altered(i: &Install, extra: &[&str], seq: u64, needle: &str) {
    let mut args = vec!["verify"];
    args.extend_from_slice(extra);
    let out = i.sirm(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let s = stdout(&out);
    assert!(
        s.contains(&format!("first bad entry is {seq}")),
        "expected entry {seq}: {s}"
    );
    assert!(s.contains(needle), "expected {needle:?}: {s}");
}

async fn tamper_payload_byte(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    // The genesis batch: the agency (seq 1, no "reason" in it: replacing it
    // changes nothing), then the three administrators' accounts.
    i.tamper(&["UPDATE ledger_entry SET payload = replace(payload, '\"reason\"', '\"Reason\"') WHERE seq = 1"]).await;
    let i2 = i;
    i2.tamper(&["UPDATE ledger_entry SET payload = replace(payload, '\"username\":\"', '\"username\":\"x') WHERE seq = 3"]).await;
    expect_altered(&i2, &[], 3, "entry 3: content does not match");
}

async fn tamper_delete_entry(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    i.tamper(&["DELETE FROM ledger_entry WHERE seq = 20"]).await;
    expect_altered(&i, &[], 20, "20");
}

async fn tamper_swap_entries(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    i.tamper(&[
        "UPDATE ledger_entry SET seq = -1 WHERE seq = 15",
        "UPDATE ledger_entry SET seq = 15 WHERE seq = 16",
        "UPDATE ledger_entry SET seq = 16 WHERE seq = -1",
    ])
    .await;
    expect_altered(&i, &[], 15, "entry 15");
}

async fn tamper_forged_entry(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    let n = i.tree_size().await;
    // A forged row copied from a real one, with a self-consistent leaf hash
    // recomputed by the forger: only the missing signature betrays it.
    let forged = sirm_ledger::Entry::from_stored(
        n + 1,
        4_102_444_800_000_000,
        "110105".into(),
        "business",
        "person.changed".into(),
        "person:forged".into(),
        None,
        "[\"clerk\"]",
        "{\"note\":\"forged\"}".into(),
    )
    .unwrap();
    let leaf = hex::encode(forged.leaf_hash(crypto.profile()));
    let leaf_sql = match engine {
        Engine::Sqlite => format!("X'{leaf}'"),
        Engine::Postgres => format!("'\\x{leaf}'::bytea"),
    };
    let sql = format!(
        "INSERT INTO ledger_entry (seq, time_us, agency, stream, kind, subject, application, actors, payload, leaf_hash) \
         VALUES ({}, 4102444800000000, '110105', 'business', 'person.changed', 'person:forged', NULL, '[\"clerk\"]', '{{\"note\":\"forged\"}}', {leaf_sql})",
        n + 1
    );
    i.tamper(&[&sql]).await;
    expect_altered(&i, &[], n + 1, &format!("{}", n + 1));
}

async fn tamper_truncate_tail(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    let kept = i.dir.path().join("kept.note");
    let out = i.sirm(&["checkpoint", "--out", kept.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    // Remove the whole last batch and its checkpoint. The stored tree
    // nodes of the removed entries betray it...
    // (`sirm demo`'s first batch: the agency, the three administrators
    // and the demo region's rule set.)
    i.tamper(&[
        "DELETE FROM ledger_entry WHERE seq > 5",
        "DELETE FROM ledger_checkpoint WHERE tree_size > 5",
    ])
    .await;
    let plain = i.sirm(&["verify", "--no-projections"]);
    assert_eq!(plain.status.code(), Some(1), "{}", text(&plain));
    assert!(
        stdout(&plain).contains(
            "stored tree node level 4 index 0 (entries 1–16): covers entries beyond the ledger's 5"
        ),
        "{}",
        text(&plain)
    );
    // ...until they go too: the rest is self-consistent, so only a
    // checkpoint kept outside can tell.
    i.tamper(&["DELETE FROM ledger_node"]).await;
    let plain = i.sirm(&["verify", "--no-projections"]);
    assert!(plain.status.success(), "{}", text(&plain));
    // The projections still hold what the removed entries made.
    let out = i.sirm(&["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stdout(&out).contains("PROJECTIONS DIFFER FROM THE LEDGER"),
        "{}",
        text(&out)
    );
    // The plain verification passed and recorded its run (`cli.command`,
    // entry 6 of the truncated ledger); the checkpoint kept outside still
    // names the truncation: the entries after it are missing.
    expect_altered(
        &i,
        &["--checkpoint", kept.to_str().unwrap()],
        7,
        "tail truncated",
    );
}

async fn tamper_rewritten_leaf_hash_is_caught_by_signature(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    // Content and leaf hash rewritten together: the signed root disagrees.
    let rewrite = match engine {
        Engine::Sqlite => "UPDATE ledger_entry SET leaf_hash = zeroblob(32) WHERE seq = 10",
        Engine::Postgres => {
            "UPDATE ledger_entry SET leaf_hash = decode(repeat('00', 32), 'hex') WHERE seq = 10"
        }
    };
    i.tamper(&[rewrite]).await;
    expect_altered(&i, &[], 10, "entry 10");
}

/// `sirm verify` on projections edited behind the applier's back: one
/// column of one row, a deleted row, an extra row, in different tables —
/// each exits 1 naming the table, the key and what differs (also in JSON);
/// untouched and rebuilt, exit 0; `--no-projections` skips the pass.
async fn tamper_projections(engine: Engine) {
    let i = Install::demo(engine, 30);
    let out = i.sirm(&["verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stdout(&out).contains("projections match the ledger: 17 tables"),
        "{}",
        text(&out)
    );
    // A person with contributions, and the retiree's benefit.
    let store = Store::connect(&i.store_config(), Role::App).await.unwrap();
    let mut person = None;
    for p in store.person_ids(30).await.unwrap() {
        if let Some(c) = store.contributions_of(&p).await.unwrap().first() {
            person = Some((p, c.month.clone()));
            break;
        }
    }
    let (pid, month) = person.expect("a demo person with contributions");
    let retiree = store
        .account("retiree")
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap();
    let total = store.benefit_row(&retiree).await.unwrap().unwrap().total;
    store.close().await;

    let cases = [
        (
            format!("UPDATE person SET name = '改名' WHERE person_id = '{pid}'"),
            "person",
            format!("row person_id={pid}: column name is \"改名\" in the table"),
            "column_value",
        ),
        (
            format!("UPDATE benefit SET total = '99999.00' WHERE person_id = '{retiree}'"),
            "benefit",
            format!(
                "row person_id={retiree}: column total is \"99999.00\" in the table, \"{total}\" from the ledger"
            ),
            "column_value",
        ),
        (
            format!("DELETE FROM contribution WHERE person_id = '{pid}' AND month = '{month}'"),
            "contribution",
            format!("row person_id={pid}, month={month}: missing"),
            "missing_row",
        ),
        (
            "INSERT INTO account_role (username, role, granted_seq) VALUES ('clerk', 'approver', 1)"
                .to_string(),
            "account_role",
            "row username=clerk, role=approver: extra row".to_string(),
            "extra_row",
        ),
    ];
    for (sql, table, needle, kind) in cases {
        i.tamper(&[&sql]).await;
        let out = i.sirm(&["verify"]);
        assert_eq!(out.status.code(), Some(1), "{sql}: {}", text(&out));
        let s = stdout(&out);
        assert!(s.contains("ledger intact"), "{s}");
        assert!(
            s.contains(&format!(
                "PROJECTIONS DIFFER FROM THE LEDGER: first difference in table {table}"
            )),
            "{sql}: {s}"
        );
        assert!(s.contains(&needle), "expected {needle:?}: {s}");
        let out = i.sirm(&["verify", "--json"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(v["projections"]["difference"]["table"], table, "{v}");
        assert_eq!(v["projections"]["difference"]["kind"], kind, "{v}");
        assert!(
            v["report"].is_object(),
            "the ledger report is still there: {v}"
        );
        // Skipped on request; then put right by a rebuild.
        let out = i.sirm(&["verify", "--no-projections"]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            stdout(&out).contains("projections not checked"),
            "{}",
            text(&out)
        );
        assert_eq!(i.sirm(&["rebuild"]).status.code(), Some(1));
        let out = i.sirm(&["verify"]);
        assert!(out.status.success(), "{}", text(&out));
    }
}

/// A stored tree node altered: `sirm verify` names it (the entries are
/// intact), and no proof through it is served.
async fn tamper_tree_node(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    let zero = match engine {
        Engine::Sqlite => "zeroblob(32)",
        Engine::Postgres => "decode(repeat('00', 32), 'hex')",
    };
    i.tamper(&[&format!(
        "UPDATE ledger_node SET hash = {zero} WHERE level = 4 AND idx = 1"
    )])
    .await;
    let out = i.sirm(&["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let s = stdout(&out);
    // The entries themselves are intact: no bad entry, one bad node.
    assert!(s.starts_with("LEDGER ALTERED\n"), "{s}");
    assert!(
        s.contains(
            "stored tree node level 4 index 1 (entries 17–32): disagrees with the leaf hashes"
        ),
        "{s}"
    );
    assert_eq!(
        s.lines()
            .filter(|l| !l.starts_with("projections") && !l.starts_with("query log"))
            .count(),
        2,
        "{s}"
    );
    // A proof through that node is refused, never served wrong.
    let server = Server::start(&i);
    let r = reqwest::get(format!(
        "{}/api/v1/ledger/proof/inclusion?seq=1",
        server.base
    ))
    .await
    .unwrap();
    assert!(r.status().is_server_error(), "{}", r.status());
    let r = reqwest::get(format!(
        "{}/api/v1/ledger/proof/inclusion?seq=20",
        server.base
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
}

async fn bad_configuration_is_a_one_line_error(engine: Engine) {
    let i = Install::demo(engine, 5);
    // Unknown schema version.
    let bump = match engine {
        Engine::Sqlite => "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99, 'future', 1, X'00', 0)",
        Engine::Postgres => "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99, 'future', TRUE, '\\x00'::bytea, 0)",
    };
    i.tamper(&[bump]).await;
    let out = i.sirm(&["verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("schema version 99 is unknown"),
        "{}",
        text(&out)
    );
    assert_eq!(stderr(&out).trim().lines().count(), 1, "{}", text(&out));
}

async fn missing_or_wrong_key_refused(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 5, crypto);
    let key = i.data().join("keys/checkpoint.key");
    let original = std::fs::read(&key).unwrap();
    // A well-formed key of the other profile: refused, naming both profiles.
    let (profile, other) = match crypto {
        CryptoProfile::Sha256Ed25519 => (CryptoProfile::Sha256Ed25519, CryptoProfile::Sm3Sm2),
        CryptoProfile::Sm3Sm2 => (CryptoProfile::Sm3Sm2, CryptoProfile::Sha256Ed25519),
    };
    let foreign = other.generate_signing_key();
    std::fs::write(&key, foreign.to_file_text()).unwrap();
    let out = i.sirm(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains(&format!(
            "profile {profile} does not match the key's profile {other}"
        )),
        "{}",
        text(&out)
    );
    let foreign_pub = write_file(i.dir.path(), "foreign.pub", &foreign.public_key().to_text());
    let out = i.sirm(&["verify", "--public-key", foreign_pub.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains(&format!(
            "this is a {other} public key, but the installation uses the {profile} profile"
        )),
        "{}",
        text(&out)
    );
    // A different, well-formed key of the right profile.
    std::fs::write(&key, profile.generate_signing_key().to_file_text()).unwrap();
    let out = i.sirm(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("does not belong to this installation"),
        "{}",
        text(&out)
    );
    // No key at all.
    std::fs::remove_file(&key).unwrap();
    let out = i.sirm(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("checkpoint.key: signing key file is missing"),
        "{}",
        text(&out)
    );
    // A garbled key.
    std::fs::write(&key, "not a key").unwrap();
    let out = i.sirm(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("checkpoint.key"), "{}", text(&out));
    // Verification needs only the public key.
    std::fs::write(&key, original).unwrap();
    assert!(i.sirm(&["verify"]).status.success());
}

/// Kill the server in the middle of writing a large approval: the ledger
/// and the projections show nothing of it, the application still waits for
/// approval, and approving again afterwards writes every row.
async fn kill_during_large_approval_leaves_nothing(engine: Engine) {
    const ROWS: usize = 40_000;
    let i = Install::demo(engine, 5);
    let mut opts = sirm_app::OpenOptions::new(i.data());
    if let Some(s) = &i.schema {
        opts.database_url = Some(i.pg_url.clone());
        opts.database_schema = Some(s.clone());
    }
    // Set-up through the ledger: ROWS persons employed by the agent's employer.
    let employer = {
        let sirm = sirm_app::Sirm::open(&opts, sirm_app::Access::Sign)
            .await
            .unwrap();
        let employer: sirm_domain::id::CreditCode = sirm
            .store_for_maintenance()
            .account("agent")
            .await
            .unwrap()
            .unwrap()
            .employer
            .unwrap()
            .parse()
            .unwrap();
        let region: sirm_domain::id::RegionCode = "110105".parse().unwrap();
        let mut csv = String::from("id,wage\n");
        let mut drafts = Vec::with_capacity(ROWS * 2);
        let mut details = Vec::with_capacity(ROWS);
        for n in 0..ROWS {
            let birth = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
                + chrono::Duration::days((n / 999) as i64);
            let id = sirm_domain::id::ResidentId::from_parts(&region, birth, (n % 999 + 1) as u16)
                .unwrap();
            csv.push_str(&format!("{id},{}.00\n", 5000 + n % 3000));
            details.push(sirm_domain::records::PersonDetails {
                id,
                name: "测试".into(),
                address: "北京市朝阳区".into(),
                phone: "13800000000".into(),
                registered_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            });
        }
        for reg in sirm_app::testkit::sealed_persons(&sirm, &details)
            .await
            .unwrap()
        {
            drafts.push(sirm_app::registration::person_draft(&sirm.config, "test", &reg).unwrap());
            let job = sirm_domain::records::EmploymentStart {
                id: reg.id.clone(),
                credit_code: employer.clone(),
                start_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            };
            drafts.push(
                sirm_app::registration::employment_start_draft(&sirm.config, "test", &job).unwrap(),
            );
        }
        // 80,000 registrations in one go: no flow takes that many at once.
        sirm_app::testkit::append_stream_unreviewed(&sirm, drafts.into_iter().map(Ok))
            .await
            .unwrap();
        sirm.store_for_maintenance().close().await;
        std::fs::write(i.dir.path().join("big.csv"), csv).unwrap();
        employer.to_string()
    };
    let pw = write_file(
        i.dir.path(),
        "pw",
        &format!("{}\n", sirm_app::demo::DEMO_PASSWORD),
    );
    let out = i.sirm(&[
        "import",
        "declaration",
        i.dir.path().join("big.csv").to_str().unwrap(),
        "--employer",
        &employer,
        "--month",
        "2024-05",
        "--as",
        "clerk",
        "--password-file",
        pw.to_str().unwrap(),
        "--totp",
        &sirm_testkit::demo_code("clerk").await,
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["accepted"], ROWS as u64);
    let id = report["application_id"].as_str().unwrap().to_string();

    let http = reqwest::Client::new();
    let login = |base: String, user: &'static str| {
        let http = http.clone();
        async move {
            let v: serde_json::Value = http
                .post(format!("{base}/api/v1/session"))
                .json(&serde_json::json!({"username": user, "password": sirm_app::demo::DEMO_PASSWORD, "second_factor": sirm_testkit::demo_code(user).await}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["token"].as_str().unwrap().to_string()
        }
    };
    let decide = |base: String, token: String, stage: &'static str| {
        let http = http.clone();
        let id = id.clone();
        async move {
            http.post(format!("{base}/api/v1/applications/{id}/decision"))
                .bearer_auth(token)
                .json(&serde_json::json!({"stage": stage, "approve": true}))
                .send()
                .await
        }
    };
    let mut server = Server::start(&i);
    for (user, stage) in [("reviewer", "review"), ("rechecker", "recheck")] {
        let t = login(server.base.clone(), user).await;
        let r = decide(server.base.clone(), t, stage).await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let t = login(server.base.clone(), "approver").await; // (a sign-in is an audit entry)
    let size_before = i.tree_size().await;
    let pending = tokio::spawn(decide(server.base.clone(), t, "approval"));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no rollback by the server
    server.child.wait().unwrap();
    assert!(
        pending.await.unwrap().is_err(),
        "the approval finished before the kill; raise ROWS"
    );
    // Nothing of the approval is anywhere.
    assert_eq!(i.tree_size().await, size_before);
    let out = i.sirm(&["verify"]);
    assert!(out.status.success(), "{}", text(&out));
    let store = Store::connect(&i.store_config(), Role::App).await.unwrap();
    assert_eq!(store.assessed_count(&employer, "2024-05").await.unwrap(), 0);
    let app = store.application(&id).await.unwrap().unwrap();
    assert_eq!(
        (app.status.as_str(), app.next_stage.as_deref()),
        ("pending", Some("approval"))
    );
    store.close().await;
    // Approving again after the restart writes all of it.
    let server = Server::start(&i);
    let t = login(server.base.clone(), "approver").await;
    let r = decide(server.base.clone(), t, "approval").await.unwrap();
    assert_eq!(r.status(), 200);
    drop(server);
    let store = Store::connect(&i.store_config(), Role::App).await.unwrap();
    assert_eq!(
        store.assessed_count(&employer, "2024-05").await.unwrap(),
        ROWS as i64
    );
    store.close().await;
    let out = i.sirm(&["verify"]);
    assert!(out.status.success(), "{}", text(&out));
}

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
