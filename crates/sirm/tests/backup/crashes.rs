//! SIGKILL at random points loses nothing acknowledged; `sirm migrate-engine` there and back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::*;

/// `sirm serve` started on a free port; returns the child and its address.
pub(super) fn serve(t: &Target) -> (std::process::Child, String) {
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

/// Certificates issued (acknowledged with their code) until the deadline;
/// `acked` counts them as they come.
pub(super) async fn issue_until(
    addr: &str,
    until: std::time::Instant,
    acked: Arc<AtomicUsize>,
) -> Vec<String> {
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
                        acked.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
            _ => break,
        }
    }
    codes
}

pub(super) async fn crash_cycles(
    t: &Target,
    tmp: &Path,
    serve_kills: usize,
    backup_kills: usize,
) -> usize {
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
        // Kill at a random point while certificates (appends) are issued:
        // up to 1.5 s after the first one is acknowledged (how long the
        // server takes to start and sign in depends on the machine's load).
        let acked_now = Arc::new(AtomicUsize::new(0));
        let issuing = tokio::spawn({
            let addr = addr.clone();
            let acked_now = acked_now.clone();
            let until = std::time::Instant::now() + std::time::Duration::from_secs(120);
            async move { issue_until(&addr, until, acked_now).await }
        });
        let started = std::time::Instant::now();
        while acked_now.load(Ordering::SeqCst) == 0
            && started.elapsed() < std::time::Duration::from_secs(60)
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(
            rand::random::<u64>() % 1500,
        ))
        .await;
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

pub(super) fn store_config(t: &Target) -> sirm_store::StoreConfig {
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
#[test]
pub(super) fn sigkill_at_random_points_loses_nothing_acknowledged() {
    let tmp = tempfile::tempdir().unwrap();
    let sqlite = demo(tmp.path().join("sqlite"));
    let pg = Target::postgres(tmp.path().join("pg"));
    let dir = pg.data.to_str().unwrap().to_string();
    pg.ok(&["demo", "--no-serve", "--persons", "4", "--dir", &dir]);
    // The two engines' cycles run side by side, each on a runtime of its
    // own: a cycle mostly waits (for its random kill point, for `sirm
    // verify`), so the test takes half the time of one engine after the
    // other.
    let kills: usize = std::thread::scope(|s| {
        let runs: Vec<_> = [&sqlite, &pg]
            .into_iter()
            .map(|t| {
                let tmp = tmp.path();
                s.spawn(move || {
                    tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                        .unwrap()
                        .block_on(crash_cycles(t, tmp, 15, 10))
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).sum()
    });
    assert!(kills >= 50, "{kills} kills");
}

/// `sirm migrate-engine` SQLite → PostgreSQL → SQLite: equal root and
/// projection digest, the originals kept read-only, both ledgers record it.
#[test]
pub(super) fn migrate_engine_there_and_back_keeps_the_original_read_only() {
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
