//! Backup and restore at ledger speed (issue "Keeping the records for
//! ever", Speed): a ledger of N entries (default 1,000,000) backed up in
//! full, 10,000 more backed up incrementally, then restored into a new
//! installation (which replays, rebuilds the projections and verifies).
//! Beside it, in the same run, the baseline a naive operator would use:
//! copying the SQLite file (no encryption, no check, not consistent while
//! the server writes).
//!
//! `cargo bench -p sirm-app --features testkit --bench backup -- [N] [sqlite|postgres]`
//! Set-up (appending the entries) is not measured. Results: docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sirm_app::AuditEvent;
use std::time::Instant;

use sirm_app::backup::{self, Destination, RestoreRequest};
use sirm_app::demo::{ensure_demo, DemoRequest};
use sirm_app::{Access, OpenOptions, Sirm};

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| !a.starts_with("--")).collect();
    let n: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let engine = args.get(2).cloned().unwrap_or_else(|| "sqlite".into());
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(run(n, &engine));
}

fn opts_for(dir: &std::path::Path, engine: &str, schema: &str) -> OpenOptions {
    let mut o = OpenOptions::new(dir);
    if engine == "postgres" {
        o.database_url = Some(
            std::env::var("SIRM_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        );
        o.database_schema = Some(format!("{schema}_{}", std::process::id()));
    }
    o
}

async fn append(sirm: &Sirm, count: usize, from: usize) {
    let mut i = from;
    while i < from + count {
        let chunk = (from + count - i).min(10_000);
        let drafts = (i..i + chunk)
            .map(|k| {
                sirm.audit_draft(
                    AuditEvent::new("bench", "127.0.0.1", "bench.event").success(format!(
                        "event {k} with some detail text to give it a realistic size"
                    )),
                )
                .unwrap()
            })
            .collect();
        sirm_app::testkit::append_unreviewed(sirm, drafts)
            .await
            .unwrap();
        i += chunk;
    }
}

async fn run(n: usize, engine: &str) {
    let dir = tempfile::tempdir().unwrap();
    let opts = opts_for(&dir.path().join("live"), engine, "bench_backup");
    ensure_demo(
        &opts,
        &DemoRequest {
            seed: 1,
            persons: 10,
            history: false,
            bench_accounts: 0,
            full_careers: false,
            profile: Default::default(),
        },
    )
    .await
    .unwrap();
    let sirm = Sirm::open(&opts, Access::Sign).await.unwrap();
    let t = Instant::now();
    append(&sirm, n, 0).await;
    let size = sirm
        .store_for_maintenance()
        .head()
        .await
        .unwrap()
        .unwrap()
        .checkpoint
        .tree_size;
    println!(
        "set-up: {size} entries ({engine}) in {:.1} s (not measured)",
        t.elapsed().as_secs_f64()
    );

    if engine == "sqlite" {
        let t = Instant::now();
        let bytes = std::fs::copy(opts.data_dir.sqlite_path(), dir.path().join("copy.db")).unwrap();
        println!(
            "baseline, copying the SQLite file: {:.2} s ({} MB)",
            t.elapsed().as_secs_f64(),
            bytes / 1_000_000
        );
    }

    let (id_text, recipient) = backup::generate_identity();
    let identity = id_text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .parse()
        .unwrap();
    let recipients = backup::parse_recipients(&[recipient]).unwrap();
    let dest = Destination::directory("bench", &dir.path().join("backup"), true).unwrap();
    let t = Instant::now();
    let full = sirm.backup_to(&dest, &recipients).await.unwrap();
    println!(
        "full backup: {:.2} s, {} entries, {} MB encrypted",
        t.elapsed().as_secs_f64(),
        full.entries,
        full.bytes / 1_000_000
    );
    append(&sirm, 10_000, n).await;
    let t = Instant::now();
    let inc = sirm.backup_to(&dest, &recipients).await.unwrap();
    println!(
        "incremental backup: {:.2} s, {} entries, {} KB encrypted",
        t.elapsed().as_secs_f64(),
        inc.entries,
        inc.bytes / 1000
    );
    let key_dir = opts.data_dir.root().join("keys");
    sirm.store_for_maintenance().close().await;
    drop(sirm);

    let target = opts_for(&dir.path().join("restored"), engine, "bench_restored");
    let t = Instant::now();
    let r = backup::restore(RestoreRequest {
        from: dest,
        target: target.clone(),
        keys_dir: key_dir,
        identities: vec![identity],
        at: None,
        published: None,
        accept_data_loss: false,
        successor_origin: None,
    })
    .await
    .unwrap();
    println!(
        "restore (replay, tree, projections, state, full verification): {:.2} s, {} entries from {} increments",
        t.elapsed().as_secs_f64(),
        r.entries,
        r.increments
    );
    if engine == "postgres" {
        for o in [&opts, &target] {
            let s = sirm_store::Store::connect(&o.store_config(None), sirm_store::Role::Owner)
                .await
                .unwrap();
            s.execute_raw(&format!(
                "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                o.database_schema.clone().unwrap()
            ))
            .await
            .unwrap();
        }
    }
}
