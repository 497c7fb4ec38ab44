//! Bad key files and old data directories (privacy issue, "Bad input"): a
//! missing, garbled, foreign or mismatched index key or key-encryption key,
//! a key file of the other profile, a data directory of the old format —
//! each a one-line error naming the file and what is wrong, exit 2, nothing
//! changed. `sirm keys status` names the keys without showing a secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Output;

const SIRM: &str = env!("CARGO_BIN_EXE_sirm");

fn sirm(data: &Path, args: &[&str]) -> Output {
    let scratch = data.parent().unwrap_or(data);
    sirm_testkit::cli_command(SIRM, &sirm_app::OpenOptions::new(data), scratch, args)
        .env_remove("SIRM_DATA_DIR")
        .env_remove("SIRM_DATABASE_URL")
        .env_remove("SIRM_DATABASE_SCHEMA")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

/// `sirm serve` refused with exit 2 and one line containing each needle.
fn refused(data: &Path, needles: &[&str]) {
    let o = sirm(data, &["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let e = err(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    for n in needles {
        assert!(e.contains(n), "{n:?} not in {e}");
    }
}

/// The ledger's size, read in-process (`sirm checkpoint` would add the
/// record of its own run).
fn ledger_size(data: &Path) -> u64 {
    sirm_testkit::ledger_tail(&sirm_app::OpenOptions::new(data), u64::MAX).0
}

#[test]
fn bad_key_files_and_old_formats_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let other = dir.path().join("other");
    for d in [&data, &other] {
        let o = sirm(
            d,
            &[
                "demo",
                "--no-serve",
                "--persons",
                "3",
                "--dir",
                d.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", err(&o));
    }
    let size = ledger_size(&data);
    let keys = data.join("keys");
    let idx = std::fs::read(keys.join("index.key")).unwrap();
    let kek = std::fs::read(keys.join("kek.key")).unwrap();

    // Status: fingerprints, no secret.
    let o = sirm(&data, &["keys", "status"]);
    assert!(o.status.success(), "{}", err(&o));
    let status = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        status.contains("idx-") && status.contains("kek-"),
        "{status}"
    );
    let secret = String::from_utf8_lossy(&idx)
        .split_whitespace()
        .last()
        .unwrap()
        .to_string();
    assert!(!status.contains(&secret), "status shows no key");

    // Missing.
    std::fs::remove_file(keys.join("index.key")).unwrap();
    refused(&data, &["index.key", "missing"]);
    std::fs::write(keys.join("index.key"), &idx).unwrap();
    std::fs::remove_file(keys.join("kek.key")).unwrap();
    refused(&data, &["kek.key", "missing"]);
    // Garbled.
    std::fs::write(
        keys.join("kek.key"),
        "sirm-kek v1 sha256-ed25519 kek-00000000 zz\n",
    )
    .unwrap();
    refused(&data, &["kek.key"]);
    // Another installation's keys.
    std::fs::copy(other.join("keys/kek.key"), keys.join("kek.key")).unwrap();
    refused(
        &data,
        &["kek.key", "this installation's key-encryption key is"],
    );
    std::fs::write(keys.join("kek.key"), &kek).unwrap();
    std::fs::copy(other.join("keys/index.key"), keys.join("index.key")).unwrap();
    refused(
        &data,
        &["index.key", "does not belong to this installation"],
    );
    // A key file of the other profile.
    let gm = String::from_utf8_lossy(&idx).replace("sha256-ed25519", "sm3-sm2");
    std::fs::write(keys.join("index.key"), gm).unwrap();
    refused(&data, &["index.key", "profile"]);
    std::fs::write(keys.join("index.key"), &idx).unwrap();

    // A data directory of the old format (no `format` in sirm.toml).
    let toml = std::fs::read_to_string(data.join("sirm.toml")).unwrap();
    let old: String = toml
        .lines()
        .filter(|l| !l.starts_with("format"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(data.join("sirm.toml"), old).unwrap();
    refused(&data, &["format 1", "identities in clear", "format 3"]);
    let o = sirm(&data, &["migrate"]);
    assert_eq!(o.status.code(), Some(2), "migrate refuses too: {}", err(&o));
    // Format 2: checkpoints in the pre-C2SP note format.
    std::fs::write(
        data.join("sirm.toml"),
        toml.replace("format = 3", "format = 2"),
    )
    .unwrap();
    refused(&data, &["format 2", "pre-C2SP", "format 3"]);
    std::fs::write(data.join("sirm.toml"), toml).unwrap();

    // Nothing changed but the records of the commands that ran.
    let tail = sirm_testkit::ledger_tail(&sirm_app::OpenOptions::new(&data), size).1;
    assert!(tail.iter().all(|e| e == "cli.command"), "{tail:?}");
    let o = sirm(&data, &["verify", "--keys"]);
    assert!(o.status.success(), "{}", err(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains("sealed fields open"), "{out}");

    // A data key lost behind SIRM's back: the ordinary verification needs
    // no key and passes; `--keys` names the entries it can no longer open.
    let db = data.join("sirm.db");
    let del = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg("DELETE FROM person_key WHERE person_id = (SELECT person_id FROM person ORDER BY person_id LIMIT 1)")
        .output()
        .expect("sqlite3");
    assert!(
        del.status.success(),
        "{}",
        String::from_utf8_lossy(&del.stderr)
    );
    assert!(sirm(&data, &["verify", "--no-projections"])
        .status
        .success());
    let o = sirm(&data, &["verify", "--no-projections", "--keys"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.contains("SEALED FIELDS DO NOT OPEN") && out.contains("entry "),
        "{out}"
    );
}
