//! A witness and an agency as two processes on loopback (issue "Keeping the
//! records for ever", item 5): the agency submits its checkpoints (C2SP
//! tlog-witness), serves them cosigned, and `sirm verify --witness-key`
//! accepts them; then the agency's database is rolled back to an older
//! copy, and the witness, polling, catches it and keeps the evidence, and
//! `sirm verify` with the witness's checkpoint refuses the rolled-back
//! ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SIRM: &str = env!("CARGO_BIN_EXE_sirm");

fn sirm(args: &[&str]) -> Command {
    let mut c = Command::new(SIRM);
    c.env_remove("SIRM_DATA_DIR")
        .env_remove("SIRM_DATABASE_URL")
        .env_remove("SIRM_DATABASE_SCHEMA")
        .args(args);
    c
}

/// `sirm ARGS` against the installation in `data`, signed in as the demo
/// account the command needs.
fn at(data: &Path, args: &[&str]) -> Command {
    let scratch = data.parent().unwrap_or(data);
    let mut c = sirm_testkit::cli_command(SIRM, &sirm_app::OpenOptions::new(data), scratch, args);
    c.env_remove("SIRM_DATA_DIR")
        .env_remove("SIRM_DATABASE_URL")
        .env_remove("SIRM_DATABASE_SCHEMA")
        .arg("--data-dir")
        .arg(data)
        .args(args);
    c
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// A child process killed when dropped, with the address it printed.
struct Proc {
    child: Child,
    addr: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `cmd` and reads its stdout until a line containing `http://`.
fn start(mut cmd: Command) -> Proc {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("process ended before printing its address")
            .unwrap();
        if let Some(i) = line.find("http://") {
            let rest = &line[i + 7..];
            break rest[..rest.find('/').unwrap()].to_string();
        }
    };
    // Keep draining stdout so the process never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Proc { child, addr }
}

fn agency(data: &Path) -> Proc {
    let c = at(data, &["serve", "--listen", "127.0.0.1:0"]);
    start(c)
}

fn witness(key: &Path, pubkey: &Path, state: &Path, listen: &str, poll: Option<&str>) -> Proc {
    let mut c = sirm(&["witness", "serve", "--poll-every", "1", "--listen", listen]);
    c.arg("--key").arg(key).arg("--state").arg(state);
    c.arg("--log")
        .arg(format!("sirm:110105={}", pubkey.display()));
    if let Some(p) = poll {
        c.args(["--poll", &format!("http://{p}")]);
    }
    start(c)
}

fn logs(w: &Proc) -> serde_json::Value {
    let out = Command::new("curl")
        .args(["-sf", &format!("http://{}/logs", w.addr)])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn size(data: &Path) -> u64 {
    // Read in-process: `sirm checkpoint` would add the record of its run.
    sirm_testkit::ledger_tail(&sirm_app::OpenOptions::new(data), u64::MAX).0
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn a_witness_cosigns_and_catches_a_rolled_back_agency() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("agency");
    ok(sirm(&[
        "demo",
        "--no-serve",
        "--persons",
        "3",
        "--dir",
        data.to_str().unwrap(),
    ])
    .output()
    .unwrap());
    let wkey = tmp.path().join("w.key");
    let vkey_text = ok(sirm(&[
        "witness",
        "keygen",
        "--name",
        "witness.example/w1",
        "--out",
        wkey.to_str().unwrap(),
    ])
    .output()
    .unwrap());
    let vkey = tmp.path().join("w.vkey");
    std::fs::write(&vkey, &vkey_text).unwrap();
    let pubkey = tmp.path().join("agency.pub");
    std::fs::copy(data.join("keys/checkpoint.pub"), &pubkey).unwrap();
    let state = tmp.path().join("witness-state");

    let w = witness(&wkey, &pubkey, &state, "127.0.0.1:0", None);
    let waddr = w.addr.clone();
    let config = data.join("sirm.toml");
    let mut toml = std::fs::read_to_string(&config).unwrap();
    toml.push_str(&format!(
        "\n[[witness]]\nurl = \"http://{waddr}\"\nvkey = \"{}\"\n",
        vkey_text.trim()
    ));
    std::fs::write(&config, toml).unwrap();

    // The agency submits; the witness cosigns; the checkpoint is served cosigned.
    let a = agency(&data);
    let first = size(&data);
    wait_until("the first cosignature", || {
        logs(&w)["logs"]["sirm:110105"]["size"].as_u64() >= Some(first)
    });
    let served = Command::new("curl")
        .args([
            "-sf",
            &format!("http://{}/api/v1/ledger/checkpoint", a.addr),
        ])
        .output()
        .unwrap();
    let served: serde_json::Value = serde_json::from_slice(&served.stdout).unwrap();
    let cosigned = served["cosigned"].as_str().unwrap().to_string();
    assert!(
        cosigned.contains("\u{2014} witness.example/w1 "),
        "{cosigned}"
    );
    let mut v = at(
        &data,
        &[
            "verify",
            "--no-projections",
            "--witness-key",
            vkey.to_str().unwrap(),
        ],
    );
    let out = ok(v.output().unwrap());
    assert!(
        out.contains("cosigned by witness witness.example/w1"),
        "{out}"
    );

    // The database is copied now (the copy is what a rollback restores).
    drop(a);
    let old = tmp.path().join("rolled-back");
    copy_dir(&data, &old);

    // The agency goes on: more entries, cosigned.
    let a = agency(&data);
    let (_, recipient) = {
        let id = tmp.path().join("id");
        let r = ok(sirm(&["backup", "keygen", "--out", id.to_str().unwrap()])
            .output()
            .unwrap());
        (id, r.trim().to_string())
    };
    let bk = tmp.path().join("bk");
    let out = at(
        &data,
        &[
            "backup",
            "create",
            "--to",
            bk.to_str().unwrap(),
            "--recipient",
            &recipient,
        ],
    )
    .output()
    .unwrap();
    ok(out);
    let grown = size(&data);
    assert!(grown > first);
    wait_until("the newer cosignature", || {
        logs(&w)["logs"]["sirm:110105"]["size"].as_u64() == Some(grown)
    });
    let witnessed_note = logs(&w)["logs"]["sirm:110105"]["note"]
        .as_str()
        .unwrap()
        .to_string();
    drop(a);
    drop(w);

    // The rolled-back copy is served; the witness polls it and raises the alarm.
    let a_old = agency(&old);
    let w = witness(&wkey, &pubkey, &state, &waddr, Some(&a_old.addr));
    wait_until("the rollback alarm", || {
        logs(&w)["alarms"].as_array().is_some_and(|a| !a.is_empty())
    });
    let alarm = &logs(&w)["alarms"][0];
    assert!(
        alarm["kind"] == "rollback" || alarm["kind"] == "fork",
        "{alarm}"
    );
    assert!(
        alarm["presented"].as_str().unwrap().contains("sirm:110105"),
        "{alarm}"
    );
    // The witness still holds the larger size: it did not follow the rollback.
    assert_eq!(
        logs(&w)["logs"]["sirm:110105"]["size"].as_u64(),
        Some(grown)
    );
    drop(a_old);

    // Verified against the witness's checkpoint, the rolled-back ledger fails
    // and the real one passes.
    let note = tmp.path().join("witnessed.note");
    std::fs::write(&note, &witnessed_note).unwrap();
    for (dir, good) in [(&old, false), (&data, true)] {
        let mut v = at(
            dir,
            &[
                "verify",
                "--no-projections",
                "--witness-key",
                vkey.to_str().unwrap(),
                "--checkpoint",
                note.to_str().unwrap(),
            ],
        );
        let o = v.output().unwrap();
        assert_eq!(
            o.status.success(),
            good,
            "{}: {}",
            dir.display(),
            String::from_utf8_lossy(&o.stdout)
        );
    }
}
