//! `sirm check` finding damaged backups and archive files; backups to an S3-compatible bucket.

use super::*;

pub(super) fn walk_files(dir: &Path) -> Vec<PathBuf> {
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

#[test]
pub(super) fn check_finds_damaged_backups_and_archive_files_and_serve_backs_up_on_schedule() {
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

/// moto's S3 server on a free port (scripts/test installs `moto_server`).
pub(super) fn moto() -> (Moto, String) {
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
pub(super) fn backups_to_an_s3_bucket_restore_and_an_unreachable_one_is_named() {
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
