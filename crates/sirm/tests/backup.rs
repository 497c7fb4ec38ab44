//! Backups and restores through the `sirm` binary (issue "Keeping the
//! records for ever", items 1–2 and "Bad input"): incremental encrypted
//! backups with a signed manifest, restores across engines (SQLite →
//! PostgreSQL → SQLite) that verify and keep credentials and personal-data
//! keys, and every bad backup, target or history refused with the reason,
//! leaving no half-restored installation and the live one untouched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

#[test]
fn incremental_backups_restore_across_engines_and_back() {
    let tmp = tempfile::tempdir().unwrap();
    let live = demo(tmp.path().join("live"));
    let (id, recipient) = identity(tmp.path(), "backup.id");
    let dest = tmp.path().join("offsite");

    let first = backup(&live, &dest, &recipient);
    let size = live.size();
    assert_eq!(first["entries"], first["tree_size"]);
    assert!(first["blobs"].as_u64().unwrap() > 0, "{first}");
    // The second run adds only what is new: the record of the command and
    // its own start event.
    let second = backup(&live, &dest, &recipient);
    assert_eq!(live.since(size), ["cli.command", "backup.started"]);
    assert_eq!(second["entries"], 2, "{second}");
    assert_eq!(second["blobs"], 0, "{second}");
    let second_size = second["tree_size"].as_u64().unwrap();
    assert_eq!(second_size, size + 2);
    assert_eq!(increments(&dest).len(), 2);

    // Nothing personal in clear on the medium: the demo persons' names and
    // ID numbers are nowhere in the files (and the increments are age files).
    for inc in increments(&dest) {
        let bytes = std::fs::read(&inc).unwrap();
        assert!(
            bytes.starts_with(b"age-encryption.org/v1"),
            "{}",
            inc.display()
        );
    }
    let manifest = std::fs::read_to_string(newest_manifest(&dest)).unwrap();
    assert!(!manifest.contains("AGE-SECRET-KEY"), "{manifest}");
    let all: Vec<u8> = increments(&dest)
        .iter()
        .flat_map(|p| std::fs::read(p).unwrap())
        .collect();
    assert!(
        !all.windows(7).any(|w| w == b"keys/ch"),
        "no key file in a backup"
    );

    // SQLite → PostgreSQL, checked against the published checkpoint.
    let published = tmp.path().join("published.note");
    live.ok(&["checkpoint", "--out", published.to_str().unwrap()]);
    let pg = Target::postgres(tmp.path().join("restored-pg"));
    let o = restore(
        &pg,
        &dest,
        &live.data.join("keys"),
        &id,
        &["--published", published.to_str().unwrap(), "--json"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["published"]["result"], "consistent", "{report}");
    assert_eq!(report["recorded"], true);
    // The restored ledger is the live one plus the restore's own event.
    assert_eq!(pg.size(), second_size + 1);
    pg.verify_ok();
    assert_eq!(pg.since(second_size + 1), ["cli.command"]);
    let live_note = std::fs::read_to_string(&published).unwrap();
    let pg_out = pg.ok(&["verify", "--checkpoint", published.to_str().unwrap()]);
    assert!(pg_out.contains("ledger intact"), "{pg_out}\n{live_note}");

    // PostgreSQL → SQLite: back up the restored installation, restore it.
    let dest2 = tmp.path().join("from-pg");
    backup(&pg, &dest2, &recipient);
    let back = Target::sqlite(tmp.path().join("restored-sqlite"));
    let o = restore(&back, &dest2, &live.data.join("keys"), &id, &[]);
    assert!(o.status.success(), "{}", err(&o));
    back.verify_ok();
    // The personal-data key rows and the key registry came back (the
    // sealed fields opened above prove the wrapped keys are the live ones).
    let registry = |out: String| -> Vec<String> {
        out.lines()
            .filter(|l| l.starts_with("database expects") || l.starts_with("data keys"))
            .map(str::to_string)
            .collect()
    };
    let live_keys = registry(live.ok(&["keys", "status"]));
    assert_eq!(live_keys.len(), 3, "{live_keys:?}");
    assert_eq!(live_keys, registry(back.ok(&["keys", "status"])));

    // An older backup on request (--at): the first run's manifest.
    let at = Target::sqlite(tmp.path().join("restored-at"));
    let first_size = first["tree_size"].as_u64().unwrap().to_string();
    let o = restore(
        &at,
        &dest,
        &live.data.join("keys"),
        &id,
        &["--at", &first_size],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(at.size(), first["tree_size"].as_u64().unwrap() + 1);
}

/// The restore is refused with `needle` in its one-line error, and the
/// target does not exist afterwards.
fn refused(o: &Output, target: &Target, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", err(o));
    let e = err(o);
    assert!(e.contains(needle), "{needle:?} not in {e}");
    assert!(
        !target.data.exists(),
        "half-restored target left at {}",
        target.data.display()
    );
}

#[test]
fn bad_backups_and_targets_are_refused_and_nothing_is_half_restored() {
    let tmp = tempfile::tempdir().unwrap();
    let live = demo(tmp.path().join("live"));
    let other = demo(tmp.path().join("other"));
    let (id, recipient) = identity(tmp.path(), "backup.id");
    let (wrong_id, _) = identity(tmp.path(), "wrong.id");
    let keys = live.data.join("keys");
    let dest = tmp.path().join("dest");
    backup(&live, &dest, &recipient);
    let size_before = live.size();
    let t = || Target::sqlite(tmp.path().join("restored"));

    // A corrupted increment: one byte flipped.
    let inc = increments(&dest).pop().unwrap();
    let good = std::fs::read(&inc).unwrap();
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    std::fs::write(&inc, &bad).unwrap();
    let name = inc.file_name().unwrap().to_str().unwrap().to_string();
    refused(&restore(&t(), &dest, &keys, &id, &[]), &t(), &name);
    // Truncated.
    std::fs::write(&inc, &good[..good.len() / 3]).unwrap();
    refused(
        &restore(&t(), &dest, &keys, &id, &[]),
        &t(),
        "corrupted or truncated",
    );
    std::fs::write(&inc, &good).unwrap();

    // A manifest with a wrong signature (its root changed).
    let m = newest_manifest(&dest);
    let text = std::fs::read_to_string(&m).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let root = v["root"].as_str().unwrap();
    let forged = text.replace(root, &"0".repeat(64));
    std::fs::write(&m, forged).unwrap();
    refused(
        &restore(&t(), &dest, &keys, &id, &[]),
        &t(),
        "wrong signature",
    );
    std::fs::write(&m, &text).unwrap();

    // A backup of another agency (the keys brought are another installation's).
    refused(
        &restore(&t(), &dest, &other.data.join("keys"), &id, &[]),
        &t(),
        "another agency",
    );
    // The wrong age identity.
    refused(
        &restore(&t(), &dest, &keys, &wrong_id, &[]),
        &t(),
        "cannot decrypt",
    );
    // An unreachable destination.
    refused(
        &restore(&t(), &tmp.path().join("nowhere"), &keys, &id, &[]),
        &t(),
        "no such directory",
    );

    // A non-empty target is refused and left as it was.
    let occupied = t();
    std::fs::create_dir_all(&occupied.data).unwrap();
    std::fs::write(occupied.data.join("notes.txt"), "keep me").unwrap();
    let o = restore(&occupied, &dest, &keys, &id, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("not empty"), "{}", err(&o));
    assert_eq!(
        std::fs::read_to_string(occupied.data.join("notes.txt")).unwrap(),
        "keep me"
    );
    std::fs::remove_dir_all(&occupied.data).unwrap();

    // A destination that cannot be created: refused before anything is
    // written, saying why; the live installation still verifies.
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let o = live.sirm(&[
        "backup",
        "create",
        "--to",
        file.join("sub").to_str().unwrap(),
        "--recipient",
        &recipient,
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(err(&o).contains("cannot create"), "{}", err(&o));
    // A recipient that is not one.
    let o = live.sirm(&[
        "backup",
        "create",
        "--to",
        dest.to_str().unwrap(),
        "--recipient",
        "age1nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("not an age X25519 recipient"),
        "{}",
        err(&o)
    );
    live.verify_ok();
    let after = live.since(size_before);
    assert!(
        after.iter().all(|e| e == "cli.command"),
        "a refused run appends nothing but the record of the command: {after:?}"
    );

    // After all that, the good backup still restores.
    let ok = t();
    let o = restore(&ok, &dest, &keys, &id, &[]);
    assert!(o.status.success(), "{}", err(&o));
    ok.verify_ok();
}

#[test]
fn data_loss_and_forks_are_told_apart_and_a_short_restore_signs_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let live = demo(tmp.path().join("live"));
    let (id, recipient) = identity(tmp.path(), "backup.id");
    let keys = live.data.join("keys");
    let dest = tmp.path().join("dest");
    let b = backup(&live, &dest, &recipient);
    let backed_up = b["tree_size"].as_u64().unwrap();
    // The agency goes on and publishes more (here: another backup run elsewhere).
    backup(&live, &tmp.path().join("elsewhere"), &recipient);
    let published = tmp.path().join("published.note");
    live.ok(&["checkpoint", "--out", published.to_str().unwrap()]);
    let published_size: u64 = std::fs::read_to_string(&published)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(published_size > backed_up);
    let pub_arg = published.to_str().unwrap();

    // Data loss: refused unless accepted, naming the entries lost.
    let t = Target::sqlite(tmp.path().join("short"));
    let o = restore(&t, &dest, &keys, &id, &["--published", pub_arg]);
    refused(&o, &t, &format!("data loss up to entry {published_size}"));
    let o = restore(
        &t,
        &dest,
        &keys,
        &id,
        &["--published", pub_arg, "--accept-data-loss", "--json"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["published"]["result"], "data_loss", "{report}");
    assert_eq!(report["published"]["restored"], backed_up);
    assert_eq!(report["published"]["published"], published_size);
    assert_eq!(report["recorded"], false);
    // It reads and verifies, but signs nothing: any append would fork the
    // published history.
    assert_eq!(t.size(), backed_up);
    let out = t.ok(&["verify"]);
    assert!(out.contains("ledger intact"), "{out}");
    let o = t.sirm(&[
        "backup",
        "create",
        "--to",
        tmp.path().join("x").to_str().unwrap(),
        "--recipient",
        &recipient,
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(err(&o).contains("published-history"), "{}", err(&o));
    assert_eq!(t.size(), backed_up);

    // Or it continues as a successor log under a new origin, whose first
    // entry records the loss; it signs again, under the new origin only.
    let succ = Target::sqlite(tmp.path().join("successor"));
    let o = restore(
        &succ,
        &dest,
        &keys,
        &id,
        &[
            "--published",
            pub_arg,
            "--successor-origin",
            "sirm:110105.r1",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["published"]["result"], "data_loss", "{report}");
    assert_eq!(report["successor_origin"], "sirm:110105.r1");
    assert_eq!(report["recorded"], true);
    assert_eq!(succ.size(), backed_up + 1);
    let note = succ.ok(&["checkpoint"]);
    assert!(note.starts_with("sirm:110105.r1\n"), "{note}");
    backup(&succ, &tmp.path().join("successor-dest"), &recipient);
    let out = succ.ok(&["verify"]);
    assert!(out.contains("ledger intact"), "{out}");
    // The same origin again is refused.
    let again = Target::sqlite(tmp.path().join("same-origin"));
    let o = restore(
        &again,
        &dest,
        &keys,
        &id,
        &["--published", pub_arg, "--successor-origin", "sirm:110105"],
    );
    refused(&o, &again, "must differ");

    // A fork: restore without the note (allowed: nothing to compare), then
    // that installation records its restore — a different entry after the
    // backup than the live one published. A backup of it, checked against
    // the published note, is refused as a fork.
    let forked = Target::sqlite(tmp.path().join("forked"));
    let o = restore(&forked, &dest, &keys, &id, &[]);
    assert!(o.status.success(), "{}", err(&o));
    let fork_dest = tmp.path().join("fork-dest");
    backup(&forked, &fork_dest, &recipient);
    let t2 = Target::sqlite(tmp.path().join("from-fork"));
    refused(
        &restore(&t2, &fork_dest, &keys, &id, &["--published", pub_arg]),
        &t2,
        "fork",
    );

    // The live installation refuses to add to the forked history's
    // destination, and the restored one refuses to add to the live one's
    // (which is ahead of it: a rollback).
    let o = live.sirm(&[
        "backup",
        "create",
        "--to",
        fork_dest.to_str().unwrap(),
        "--recipient",
        &recipient,
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        err(&o).contains("rolled back") || err(&o).contains("another history"),
        "{}",
        err(&o)
    );
    let o = forked.sirm(&[
        "backup",
        "create",
        "--to",
        tmp.path().join("elsewhere").to_str().unwrap(),
        "--recipient",
        &recipient,
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        err(&o).contains("rolled back") || err(&o).contains("another history"),
        "{}",
        err(&o)
    );
}

#[test]
fn check_finds_damaged_backups_and_archive_files_and_serve_backs_up_on_schedule() {
    let tmp = tempfile::tempdir().unwrap();
    let live = demo(tmp.path().join("live"));
    let (id, recipient) = identity(tmp.path(), "backup.id");
    let local = tmp.path().join("local");
    let offsite = tmp.path().join("offsite");
    let config = live.data.join("sirm.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[backup]\nrecipients = [\"{recipient}\"]\nevery = \"10s\"\n\n\
         [[backup.destinations]]\nname = \"local\"\npath = \"{}\"\n\n\
         [[backup.destinations]]\nname = \"offsite\"\npath = \"{}\"\n",
        local.display(),
        offsite.display()
    ));
    std::fs::write(&config, text).unwrap();

    // `sirm serve` backs up to both destinations on its own.
    let mut server = Command::new(SIRM)
        .env_remove("SIRM_DATA_DIR")
        .env_remove("SIRM_DATABASE_URL")
        .env_remove("SIRM_DATABASE_SCHEMA")
        .arg("--data-dir")
        .arg(&live.data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let has_backup = |d: &Path| {
        d.join("manifests")
            .read_dir()
            .is_ok_and(|mut r| r.next().is_some())
    };
    while !(has_backup(&local) && has_backup(&offsite)) {
        assert!(
            std::time::Instant::now() < deadline,
            "no scheduled backup within 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let _ = server.kill();
    let _ = server.wait();

    // A clean check, restoring the newest backups as a drill would.
    let o = live.sirm(&["check", "--identity", id.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["findings"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(r["backups"].as_array().unwrap().len(), 2, "{r}");
    assert_eq!(r["backups"][0]["restored"], true, "{r}");
    assert!(r["archive_files"].as_u64().unwrap() > 0);

    // A damaged increment off-site and an altered archive file: found,
    // named, exit 1, and the check itself is in the ledger.
    let inc = increments(&offsite).pop().unwrap();
    let mut bytes = std::fs::read(&inc).unwrap();
    let n = bytes.len() - 10;
    bytes.truncate(n);
    std::fs::write(&inc, bytes).unwrap();
    let archived = walk_files(&live.data.join("archive"));
    let victim = archived.first().unwrap();
    let mut a = std::fs::read(victim).unwrap();
    let last = a.len() - 1;
    a[last] ^= 1;
    std::fs::write(victim, a).unwrap();
    let o = live.sirm(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains("backup offsite: PROBLEM"), "{out}");
    assert!(
        out.contains(inc.file_name().unwrap().to_str().unwrap()),
        "{out}"
    );
    assert!(
        out.contains(victim.file_name().unwrap().to_str().unwrap()),
        "{out}"
    );
    assert!(out.contains("backup local: up to entry"), "{out}");
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else if p.file_name().unwrap().to_str().unwrap().len() == 64 {
            out.push(p);
        }
    }
    out.sort();
    out
}

struct Moto(std::process::Child);
impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// moto's S3 server on a free port (scripts/test installs `moto_server`).
fn moto() -> (Moto, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("moto_server (pip install 'moto[server]'; scripts/test installs it)");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if Command::new("curl")
            .args(["-sf", "-o", "/dev/null", &base])
            .status()
            .is_ok_and(|s| s.success())
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (Moto(child), base)
}

#[test]
fn backups_to_an_s3_bucket_restore_and_an_unreachable_one_is_named() {
    let (_moto, base) = moto();
    let made = Command::new("curl")
        .args(["-sf", "-X", "PUT", &format!("{base}/sirm-backup")])
        .status()
        .unwrap();
    assert!(made.success());
    let tmp = tempfile::tempdir().unwrap();
    let live = demo(tmp.path().join("live"));
    let (id, recipient) = identity(tmp.path(), "backup.id");
    let s3 = |t: &Target, args: &[&str], endpoint: &str| -> Output {
        t.command(args)
            .env("SIRM_BACKUP_S3_ENDPOINT", endpoint)
            .env("SIRM_BACKUP_ACCESS_KEY_ID", "test-key")
            .env("SIRM_BACKUP_SECRET_ACCESS_KEY", "test-secret")
            .output()
            .unwrap()
    };
    let to = "s3://sirm-backup/110105";
    for _ in 0..2 {
        let o = s3(
            &live,
            &[
                "backup",
                "create",
                "--to",
                to,
                "--recipient",
                &recipient,
                "--json",
            ],
            &base,
        );
        assert!(o.status.success(), "{}", err(&o));
    }
    let o = s3(&live, &["backup", "list", "--from", to], &base);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2);
    let restored = Target::sqlite(tmp.path().join("restored"));
    let keys = live.data.join("keys");
    let o = s3(
        &restored,
        &[
            "restore",
            "--from",
            to,
            "--keys",
            keys.to_str().unwrap(),
            "--identity",
            id.to_str().unwrap(),
        ],
        &base,
    );
    assert!(o.status.success(), "{}", err(&o));
    restored.verify_ok();

    // An unreachable endpoint: named, and the failed run recorded as one
    // `backup.failed` event and an alarm (besides the record of the command).
    let before = live.size();
    let o = s3(
        &live,
        &["backup", "create", "--to", to, "--recipient", &recipient],
        "http://127.0.0.1:9",
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(err(&o).contains("backup to cli"), "{}", err(&o));
    assert_eq!(
        live.since(before),
        ["cli.command", "backup.failed", "alarm.raised"]
    );
}

// ------------------------------------------------------------ crash safety

/// `sirm serve` started on a free port; returns the child and its address.
fn serve(t: &Target) -> (std::process::Child, String) {
    use std::io::BufRead as _;
    let mut child = t
        .command(&["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("serve ended early").unwrap();
        if let Some(i) = line.find("http://") {
            let rest = &line[i + 7..];
            break rest[..rest.find('/').unwrap()].to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// Certificates issued (acknowledged with their code) until the deadline.
async fn issue_until(addr: &str, until: std::time::Instant) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut codes = Vec::new();
    let Ok(r) = http
        .post(format!("http://{addr}/api/v1/session"))
        .json(
            &serde_json::json!({"username": "citizen", "password": sirm_app::demo::DEMO_PASSWORD}),
        )
        .send()
        .await
    else {
        return codes;
    };
    let Ok(v) = r.json::<serde_json::Value>().await else {
        return codes;
    };
    let token = v["token"].as_str().unwrap_or_default().to_string();
    while std::time::Instant::now() < until {
        let r = http
            .post(format!("http://{addr}/api/v1/my/certificates"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"kind": "contribution"}))
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => {
                if let Ok(v) = r.json::<serde_json::Value>().await {
                    if let Some(c) = v["code"].as_str() {
                        codes.push(c.to_string());
                    }
                }
            }
            _ => break,
        }
    }
    codes
}

async fn crash_cycles(t: &Target, tmp: &Path, serve_kills: usize, backup_kills: usize) -> usize {
    let (_, recipient) = identity(tmp, &format!("crash-{}.id", t.schema.is_some()));
    let dest = tmp.join(format!("crash-dest-{}", t.schema.is_some()));
    backup(t, &dest, &recipient);
    let store = sirm_store::Store::connect(&store_config(t), sirm_store::Role::App)
        .await
        .unwrap();
    let mut kills = 0;
    let mut acked = Vec::new();
    for i in 0..serve_kills {
        let (mut child, addr) = serve(t);
        // Kill at a random point while certificates (appends) are issued.
        let run = std::time::Duration::from_millis(300 + rand::random::<u64>() % 1500);
        let until = std::time::Instant::now() + run;
        let issuing = tokio::spawn({
            let addr = addr.clone();
            async move { issue_until(&addr, until + std::time::Duration::from_secs(60)).await }
        });
        tokio::time::sleep_until(until.into()).await;
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        let codes = issuing.await.unwrap();
        let out = t.ok(&["verify"]);
        assert!(
            out.contains("ledger intact") && out.contains("projections match"),
            "cycle {i}: {out}"
        );
        for c in &codes {
            assert!(
                store.certificate(c).await.unwrap().is_some(),
                "cycle {i}: acknowledged certificate {c} is missing after the crash"
            );
        }
        acked.extend(codes);
    }
    assert!(
        !acked.is_empty(),
        "no certificate was acknowledged in {serve_kills} cycles"
    );
    for i in 0..backup_kills {
        // Kill a backup run at a random point.
        let mut child = t
            .command(&[
                "backup",
                "create",
                "--to",
                dest.to_str().unwrap(),
                "--recipient",
                &recipient,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(
            rand::random::<u64>() % 400,
        ));
        let _ = child.kill();
        child.wait().unwrap();
        kills += 1;
        let out = t.ok(&["verify"]);
        assert!(out.contains("ledger intact"), "backup kill {i}: {out}");
        let o = t.sirm(&["check", "--backup", dest.to_str().unwrap()]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "backup kill {i}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    // After every crash, the backups still restore, and hold every
    // acknowledged certificate.
    backup(t, &dest, &recipient);
    let id = tmp.join(format!("crash-{}.id", t.schema.is_some()));
    let restored = Target::sqlite(tmp.join(format!("crash-restored-{}", t.schema.is_some())));
    let o = restore(&restored, &dest, &t.data.join("keys"), &id, &[]);
    assert!(o.status.success(), "{}", err(&o));
    let rstore = sirm_store::Store::connect(&store_config(&restored), sirm_store::Role::App)
        .await
        .unwrap();
    for c in &acked {
        assert!(
            rstore.certificate(c).await.unwrap().is_some(),
            "{c} not in the restored backup"
        );
    }
    kills
}

fn store_config(t: &Target) -> sirm_store::StoreConfig {
    match &t.schema {
        Some(s) => {
            let mut c = sirm_store::StoreConfig::new(pg_url());
            c.pg_schema = Some(s.clone());
            c
        }
        None => sirm_store::StoreConfig::sqlite_file(&t.data.join("sirm.db")),
    }
}

/// SIGKILL at random points while the server appends (certificates issued)
/// and while backups run, 50 times across both engines: after each, the
/// ledger and projections verify, every acknowledged write is there, the
/// backup destination checks clean; at the end the backups restore with
/// every acknowledged write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_nothing_acknowledged() {
    let tmp = tempfile::tempdir().unwrap();
    let sqlite = demo(tmp.path().join("sqlite"));
    let pg = Target::postgres(tmp.path().join("pg"));
    let dir = pg.data.to_str().unwrap().to_string();
    pg.ok(&["demo", "--no-serve", "--persons", "4", "--dir", &dir]);
    let mut kills = 0;
    for t in [&sqlite, &pg] {
        kills += crash_cycles(t, tmp.path(), 15, 10).await;
    }
    assert!(kills >= 50, "{kills} kills");
}

/// `sirm migrate-engine` SQLite → PostgreSQL → SQLite: equal root and
/// projection digest, the originals kept read-only, both ledgers record it.
#[test]
fn migrate_engine_there_and_back_keeps_the_original_read_only() {
    let tmp = tempfile::tempdir().unwrap();
    let live = demo(tmp.path().join("live"));
    let size = live.size();
    let pg = Target::postgres(tmp.path().join("pg"));
    let schema = pg.schema.clone().unwrap();
    let out = live.ok(&[
        "migrate-engine",
        "--to",
        &pg_url(),
        "--to-schema",
        &schema,
        "--to-data-dir",
        pg.data.to_str().unwrap(),
    ]);
    assert!(out.contains("equal in both"), "{out}");
    pg.verify_ok();
    // The original: readable, verifiable, but not writable any more.
    let o = live.sirm(&["verify"]);
    assert!(o.status.success());
    let o = live.sirm(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("migrated to"), "{}", err(&o));
    // Both ledgers hold the migration event; the copy holds every entry of
    // the original (its event and backup run included) and its own two.
    assert!(pg.size() >= size + 2);
    let back = Target::sqlite(tmp.path().join("back"));
    let out = pg.ok(&[
        "migrate-engine",
        "--to",
        "sqlite",
        "--to-data-dir",
        back.data.to_str().unwrap(),
    ]);
    assert!(out.contains("equal in both"), "{out}");
    back.verify_ok();
    // A non-empty target is refused, the source stays writable.
    let fresh = demo(tmp.path().join("fresh"));
    let o = fresh.sirm(&[
        "migrate-engine",
        "--to",
        "sqlite",
        "--to-data-dir",
        back.data.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("not empty"), "{}", err(&o));
    let o = fresh.sirm(&[
        "backup",
        "keygen",
        "--out",
        tmp.path().join("k").to_str().unwrap(),
    ]);
    assert!(o.status.success());
}
