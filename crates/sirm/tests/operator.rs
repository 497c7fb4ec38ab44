//! Administration on the command line is administration too (GB/T
//! 22239-2019 访问控制 d, 安全审计 a): every command that touches an
//! installation needs a signed-in account with the command's permission,
//! and is recorded (`cli.command`). `--as` signs in for one command; `sirm
//! login` keeps a session for the commands that follow.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use sirm_testkit::{both_engines, Engine, Options, TestApp};

const SIRM: &str = env!("CARGO_BIN_EXE_sirm");

both_engines!(two_processes_appending_to_one_ledger_leave_it_verifiable);

fn sirm(data: &Path, args: &[&str]) -> Output {
    Command::new(SIRM)
        .env_remove("SIRM_DATA_DIR")
        .env_remove("SIRM_DATABASE_URL")
        .env_remove("SIRM_DATABASE_SCHEMA")
        .env_remove("SIRM_SESSION_FILE")
        .env_remove("SIRM_PASSWORD")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n{}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn rebuild_needs_a_signed_in_database_administrator() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("demo");
    let o = sirm(
        &data,
        &[
            "demo",
            "--dir",
            data.to_str().unwrap(),
            "--persons",
            "4",
            "--no-serve",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let opts = sirm_app::OpenOptions::new(&data);
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, sirm_app::demo::DEMO_PASSWORD).unwrap();
    let pw = pw.to_str().unwrap();
    let (before, _) = sirm_testkit::ledger_tail(&opts, u64::MAX);

    // Nobody signed in: refused, nothing rebuilt, nothing written.
    for cmd in [
        &["rebuild"][..],
        &["migrate"],
        &["check"],
        &["keys", "status"],
    ] {
        let o = sirm(&data, cmd);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}: {}", text(&o));
        assert!(text(&o).contains("--as USER"), "{cmd:?}: {}", text(&o));
    }
    // A clerk: signed in, but without database_maintain.
    let code = sirm_testkit::demo_code("clerk").await;
    let o = sirm(
        &data,
        &[
            "--as",
            "clerk",
            "--password-file",
            pw,
            "--totp",
            &code,
            "rebuild",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("database_maintain"), "{}", text(&o));
    let (_, tail) = sirm_testkit::ledger_tail(&opts, before);
    assert!(!tail.contains(&"cli.command".to_string()), "{tail:?}");

    // The database administrator, once with --as …
    let code = sirm_testkit::demo_code("dba").await;
    let o = sirm(
        &data,
        &[
            "rebuild",
            "--as",
            "dba",
            "--password-file",
            pw,
            "--totp",
            &code,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("identical"), "{}", text(&o));
    // … then with a session kept by `sirm login` (a code works once).
    let session = tmp.path().join("dba.session");
    let code = sirm_testkit::demo_code("dba").await;
    let o = sirm(
        &data,
        &[
            "login",
            "--as",
            "dba",
            "--password-file",
            pw,
            "--totp",
            &code,
            "--session-file",
            session.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&session).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    for cmd in [&["rebuild"][..], &["verify"], &["keys", "status"]] {
        let mut args = vec!["--session-file", session.to_str().unwrap()];
        args.extend_from_slice(cmd);
        let o = sirm(&data, &args);
        assert!(o.status.success(), "{cmd:?}: {}", text(&o));
    }
    // The assessor's live check: one line per item; management networks
    // not set yet, then set.
    let o = sirm(
        &data,
        &["--session-file", session.to_str().unwrap(), "assess"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.lines()
            .any(|l| l.starts_with("not configured") && l.contains("入侵防范 c")),
        "{out}"
    );
    let toml = data.join("sirm.toml");
    let mut cfg = std::fs::read_to_string(&toml).unwrap();
    cfg.push_str("\n[server]\nadmin_networks = [\"10.1.2.0/24\"]\n");
    std::fs::write(&toml, cfg).unwrap();
    let o = sirm(
        &data,
        &["--session-file", session.to_str().unwrap(), "assess"],
    );
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.lines()
            .any(|l| l.starts_with("ok") && l.contains("入侵防范 c") && l.contains("10.1.2.0/24")),
        "{out}"
    );
    // Each command is recorded, by whom and with which permission.
    let (_, tail) = sirm_testkit::ledger_tail(&opts, before);
    let commands = tail.iter().filter(|e| *e == "cli.command").count();
    assert_eq!(commands, 6, "{tail:?}");
    // The session ends with `sirm logout`; the file is gone.
    let o = sirm(
        &data,
        &["logout", "--session-file", session.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(!session.exists());
    let o = sirm(
        &data,
        &["--session-file", session.to_str().unwrap(), "rebuild"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

/// `sirm ARGS` against the installation `opts` opens (its data directory,
/// and its PostgreSQL schema if it has one), signed in by `session`.
fn sirm_on(opts: &sirm_app::OpenOptions, session: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(SIRM);
    c.env_remove("SIRM_DATA_DIR")
        .env_remove("SIRM_DATABASE_URL")
        .env_remove("SIRM_DATABASE_SCHEMA")
        .env_remove("SIRM_SESSION_FILE")
        .env_remove("SIRM_PASSWORD")
        .arg("--data-dir")
        .arg(opts.data_dir.root())
        .arg("--session-file")
        .arg(session);
    if let (Some(url), Some(schema)) = (&opts.database_url, &opts.database_schema) {
        c.args(["--database-url", url, "--database-schema", schema]);
    }
    c.args(args).output().unwrap()
}

/// Two `sirm` processes append to one ledger (one SQLite data directory, or
/// one PostgreSQL schema) at the same time: every signed-in command records
/// itself (`cli.command`), so each `sirm keys status` appends one entry.
/// Afterwards the ledger holds exactly the sum of both processes' entries
/// and `sirm verify` finds it intact (one chain, no fork, no lost entry).
async fn two_processes_appending_to_one_ledger_leave_it_verifiable(engine: Engine) {
    const PER_PROCESS: u64 = 8;
    let app = TestApp::start(Options::new(engine).persons(4)).await;
    let opts = app.opts.clone();
    let (before, _) = sirm_testkit::ledger_tail(&opts, u64::MAX);
    let sessions: Vec<_> = (0..2)
        .map(|i| {
            let file = app.dir().join(format!("dba-{i}.session"));
            assert!(sirm_testkit::cli_session(&opts, "dba", &file));
            file
        })
        .collect();
    // Both processes start together and append in a loop.
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let workers: Vec<_> = sessions
        .iter()
        .map(|session| {
            let (opts, session, start) = (opts.clone(), session.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                (0..PER_PROCESS)
                    .map(|_| sirm_on(&opts, &session, &["keys", "status"]))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for w in workers {
        for o in w.join().unwrap() {
            assert!(o.status.success(), "{}", text(&o));
        }
    }
    let (after, tail) = sirm_testkit::ledger_tail(&opts, before);
    assert_eq!(after - before, 2 * PER_PROCESS, "{tail:?}");
    assert!(tail.iter().all(|k| k == "cli.command"), "{tail:?}");
    let o = sirm_on(&opts, &sessions[0], &["verify"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// Upgrading a PostgreSQL installation from before per-installation roles:
/// the new SIRM refuses to open it until `sirm migrate`, whose database
/// administrator signs in through the schema owner's connection (the
/// runtime role does not exist yet) before the owner migrates.
#[tokio::test]
async fn migrate_signs_in_before_the_runtime_role_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("pg");
    let url = sirm_testkit::postgres_url();
    let schema = sirm_testkit::unique("op_");
    let pg = |args: &[&str]| {
        let mut c = Command::new(SIRM);
        c.env_remove("SIRM_DATA_DIR")
            .env_remove("SIRM_SESSION_FILE")
            .env_remove("SIRM_PASSWORD")
            .args(["--data-dir", data.to_str().unwrap()])
            .args(["--database-url", &url, "--database-schema", &schema])
            .args(args);
        c.output().unwrap()
    };
    let o = pg(&[
        "demo",
        "--dir",
        data.to_str().unwrap(),
        "--persons",
        "4",
        "--no-serve",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let mut opts = sirm_app::OpenOptions::new(&data);
    opts.database_url = Some(url.clone());
    opts.database_schema = Some(schema.clone());
    let cfg = opts.store_config(None);
    let owner = sirm_store::Store::connect(&cfg, sirm_store::Role::Owner)
        .await
        .unwrap();
    let role = owner.pg_installation().unwrap().runtime_role.clone();
    // What an older SIRM left: the template role's grants, no own role.
    for s in [
        format!("GRANT USAGE ON SCHEMA \"{schema}\" TO sirm_app"),
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"{schema}\" TO sirm_app"
        ),
        format!("DROP OWNED BY \"{role}\""),
        format!("DROP ROLE \"{role}\""),
    ] {
        owner.execute_raw(&s).await.unwrap();
    }
    let o = pg(&["verify"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("run `sirm migrate`"), "{}", text(&o));
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, sirm_app::demo::DEMO_PASSWORD).unwrap();
    let code = sirm_testkit::demo_code("dba").await;
    let o = pg(&[
        "migrate",
        "--as",
        "dba",
        "--password-file",
        pw.to_str().unwrap(),
        "--totp",
        &code,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    // Its own role again: the installation opens and verifies.
    let session = tmp.path().join("s");
    assert!(sirm_testkit::cli_session(&opts, "dba", &session));
    let o = pg(&["--session-file", session.to_str().unwrap(), "verify"]);
    assert!(o.status.success(), "{}", text(&o));
    for s in [
        format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
        format!("DROP OWNED BY \"{role}\""),
        format!("DROP ROLE IF EXISTS \"{role}\""),
    ] {
        let _ = owner.execute_raw(&s).await;
    }
    owner.close().await;
}
