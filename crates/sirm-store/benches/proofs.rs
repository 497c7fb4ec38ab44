//! Proof latency from stored tree state at growing ledger sizes, beside
//! the leaf scan proofs used before (`Store::leaf_hashes` + `sirm-ledger`'s
//! reference functions).
//!
//! `cargo bench -p sirm-store --bench proofs` — per engine, one database
//! for each size of `SIRM_BENCH_PROOF_SIZES` (default `100000,10000000`),
//! grown by `Store::append_stream` (500,000 entries per transaction); then,
//! the sizes taking turns 100 at a time, 2,000 inclusion proofs of random
//! entries and 2,000 consistency proofs from a random older size to the
//! head per size, one at a time, each as the API serves it: read the head
//! checkpoint, read the proof, check it against the signed root; and 2,000
//! reads of the head checkpoint alone, the cheapest read there is, for
//! scale. The leaf scan runs at sizes up to
//! `SIRM_BENCH_BASELINE_MAX` (default 100000). At the largest size: a full
//! verification without and with the stored-tree check, and the upgrade
//! from schema 12 (`Store::migrate` catching up the stored tree state).
//! PostgreSQL from
//! `SIRM_TEST_POSTGRES_URL`; `SIRM_BENCH_SKIP_POSTGRES=1` skips it. The
//! databases are deleted at the end. Results: docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::Utc;
use futures::TryStreamExt;
use rand::{Rng, SeedableRng};
use sirm_ledger::{merkle, CryptoProfile, EntryDraft, SigningKey, Stream, Verifier};
use sirm_store::{Role, Store, StoreConfig};

const P: CryptoProfile = CryptoProfile::Sha256Ed25519;
const PROOFS: usize = 2_000;
const BASELINE_RUNS: usize = 20;
const APPEND_CHUNK: u64 = 500_000;

fn draft(i: u64) -> EntryDraft {
    // About the size of a person registration payload (~200 bytes), as in
    // the append benchmark.
    EntryDraft {
        time: Utc::now(),
        agency: "110105".into(),
        stream: Stream::Business,
        kind: "bench.note".into(),
        subject: format!("bench:{i}"),
        application: None,
        actors: vec!["bench".into()],
        payload: serde_json::json!({
            "address": format!("北京市朝阳区朝阳路{}号", i % 300),
            "id": "11010519900307122X",
            "name": "测试人员",
            "phone": "13800000000",
            "registered_on": "2020-01-01",
            "serial": i,
        }),
    }
}

fn sizes() -> Vec<u64> {
    std::env::var("SIRM_BENCH_PROOF_SIZES")
        .unwrap_or_else(|_| "100000,10000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("SIRM_BENCH_PROOF_SIZES: sizes"))
        .collect()
}

fn baseline_max() -> u64 {
    std::env::var("SIRM_BENCH_BASELINE_MAX")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
}

struct Stats {
    p50: Duration,
    p99: Duration,
    mean: Duration,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        p50: at(0.5),
        p99: at(0.99),
        mean: v.iter().sum::<Duration>() / v.len() as u32,
    }
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Inclusion proof of `seq` as `Sirm::inclusion_proof` serves it.
async fn inclusion(store: &Store, seq: u64) {
    let cp = store.head().await.unwrap().unwrap();
    let size = cp.checkpoint.tree_size;
    let p = store.inclusion_proof(P, size, seq - 1).await.unwrap();
    merkle::verify_inclusion(P, &p.leaf, seq - 1, size, &p.proof, &cp.checkpoint.root).unwrap();
}

/// Consistency proof from `from` to the head as `Sirm::consistency_proof`
/// serves it.
async fn consistency(store: &Store, from: u64) {
    let cp = store.head().await.unwrap().unwrap();
    let to = cp.checkpoint.tree_size;
    let p = store.consistency_proof(P, from, to).await.unwrap();
    assert_eq!(p.new_root, cp.checkpoint.root);
    merkle::verify_consistency(P, from, to, &p.old_root, &p.new_root, &p.proof).unwrap();
}

/// The same two proofs the way they were computed before: every leaf hash.
async fn inclusion_by_scan(store: &Store, seq: u64) {
    let cp = store.head().await.unwrap().unwrap();
    let size = cp.checkpoint.tree_size;
    let leaves = store.leaf_hashes(size).await.unwrap();
    let proof = merkle::inclusion_proof(P, &leaves, seq - 1).unwrap();
    let leaf = leaves[seq as usize - 1];
    merkle::verify_inclusion(P, &leaf, seq - 1, size, &proof, &cp.checkpoint.root).unwrap();
}

async fn consistency_by_scan(store: &Store, from: u64) {
    let cp = store.head().await.unwrap().unwrap();
    let to = cp.checkpoint.tree_size;
    let leaves = store.leaf_hashes(to).await.unwrap();
    let old_root = merkle::root_of(P, &leaves[..from as usize]);
    let new_root = merkle::root_of(P, &leaves);
    let proof = merkle::consistency_proof(P, &leaves, from).unwrap();
    merkle::verify_consistency(P, from, to, &old_root, &new_root, &proof).unwrap();
}

/// One database of one engine grown to one size.
struct Db {
    size: u64,
    cfg: StoreConfig,
    owner: Store,
    store: Store,
    _dir: Option<tempfile::TempDir>,
}

async fn open(engine: &str) -> (StoreConfig, Option<tempfile::TempDir>) {
    if engine == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        (
            StoreConfig::sqlite_file(&dir.path().join("bench.db")),
            Some(dir),
        )
    } else {
        let url = std::env::var("SIRM_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let mut c = StoreConfig::new(url);
        c.pg_schema = Some(format!("bench_{}", hex::encode(rand::random::<[u8; 6]>())));
        (c, None)
    }
}

async fn grow(engine: &str, size: u64, key: &SigningKey) -> Db {
    let (cfg, dir) = open(engine).await;
    let owner = Store::connect(&cfg, Role::Owner).await.unwrap();
    owner.migrate().await.unwrap();
    let store = Store::connect(&cfg, Role::App).await.unwrap();
    let t = Instant::now();
    let mut have = 0u64;
    while have < size {
        let end = (have + APPEND_CHUNK).min(size);
        store
            .append_stream((have..end).map(|i| Ok(draft(i))), key, "sirm:bench", None)
            .await
            .unwrap();
        have = end;
    }
    // Statistics, as autovacuum keeps them on a live database; on SQLite,
    // the write-ahead log copied into the database file and emptied, as the
    // automatic checkpoints keep it between ordinary appends (a reader
    // looks every page up in a log of half a million entries otherwise).
    owner.analyze().await.unwrap();
    if engine == "sqlite" {
        owner
            .execute_raw("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
    }
    println!(
        "{engine} {size}: grown in {:.1} s ({:.0} entries/s, stored tree nodes included)",
        t.elapsed().as_secs_f64(),
        size as f64 / t.elapsed().as_secs_f64()
    );
    Db {
        size,
        cfg,
        owner,
        store,
        _dir: dir,
    }
}

/// Samples of one size: inclusion, consistency, head checkpoint alone.
#[derive(Default)]
struct Samples {
    inclusion: Vec<Duration>,
    consistency: Vec<Duration>,
    head: Vec<Duration>,
}

async fn run(engine: &str) {
    let key: SigningKey = P.generate_signing_key();
    let mut rng = rand::rngs::StdRng::seed_from_u64(6962);
    let mut dbs = Vec::new();
    for size in sizes() {
        dbs.push(grow(engine, size, &key).await);
    }
    for db in &dbs {
        for _ in 0..200 {
            inclusion(&db.store, rng.gen_range(1..=db.size)).await;
        }
    }
    // The sizes take turns, 100 proofs of each kind at a time, so that
    // whatever else the machine does falls on all of them alike.
    let mut samples: Vec<Samples> = dbs.iter().map(|_| Samples::default()).collect();
    for _ in 0..PROOFS / 100 {
        for (db, s) in dbs.iter().zip(samples.iter_mut()) {
            for _ in 0..100 {
                let seq = rng.gen_range(1..=db.size);
                let t = Instant::now();
                inclusion(&db.store, seq).await;
                s.inclusion.push(t.elapsed());
                let from = rng.gen_range(1..=db.size);
                let t = Instant::now();
                consistency(&db.store, from).await;
                s.consistency.push(t.elapsed());
                // The yardstick of a trivial read: the head checkpoint
                // alone (every proof above reads it first).
                let t = Instant::now();
                db.store.head().await.unwrap();
                s.head.push(t.elapsed());
            }
        }
    }
    let mut first: Option<(Stats, Stats)> = None;
    for (db, s) in dbs.iter().zip(samples) {
        let (i, c, h) = (stats(s.inclusion), stats(s.consistency), stats(s.head));
        let ratio = first
            .as_ref()
            .map(|(i0, c0)| {
                format!(
                    "; vs the first size: p50 ×{:.2} / ×{:.2}, mean ×{:.2} / ×{:.2}",
                    i.p50.as_secs_f64() / i0.p50.as_secs_f64(),
                    c.p50.as_secs_f64() / c0.p50.as_secs_f64(),
                    i.mean.as_secs_f64() / i0.mean.as_secs_f64(),
                    c.mean.as_secs_f64() / c0.mean.as_secs_f64(),
                )
            })
            .unwrap_or_default();
        println!(
            "{engine} {}: inclusion p50 {} p99 {} mean {}; consistency p50 {} p99 {} mean {}; \
             head checkpoint alone p50 {} p99 {} mean {}{ratio}",
            db.size,
            us(i.p50),
            us(i.p99),
            us(i.mean),
            us(c.p50),
            us(c.p99),
            us(c.mean),
            us(h.p50),
            us(h.p99),
            us(h.mean)
        );
        if first.is_none() {
            first = Some((i, c));
        }
    }
    for db in &dbs {
        if db.size > baseline_max() {
            continue;
        }
        let mut inc = Vec::new();
        let mut con = Vec::new();
        for _ in 0..BASELINE_RUNS {
            let t = Instant::now();
            inclusion_by_scan(&db.store, rng.gen_range(1..=db.size)).await;
            inc.push(t.elapsed());
            let t = Instant::now();
            consistency_by_scan(&db.store, rng.gen_range(1..=db.size)).await;
            con.push(t.elapsed());
        }
        let (i, c) = (stats(inc), stats(con));
        println!(
            "{engine} {}: leaf scan inclusion p50 {} mean {}; consistency p50 {} mean {}",
            db.size,
            ms(i.p50),
            ms(i.mean),
            ms(c.p50),
            ms(c.mean)
        );
    }
    if let Some(db) = dbs.last() {
        largest(engine, db, &key).await;
    }
    for db in dbs {
        db.store.close().await;
        if let Some(schema) = &db.cfg.pg_schema {
            db.owner
                .execute_raw(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .await
                .unwrap();
        }
        db.owner.close().await;
    }
}

/// At the largest size: `sirm verify`'s scan without and with the
/// stored-tree check, and an upgrade from schema 12.
async fn largest(engine: &str, db: &Db, key: &SigningKey) {
    let (store, owner, have) = (&db.store, &db.owner, db.size);
    // `sirm verify` at the largest size: the full scan as before, then with
    // the stored-tree check fed the same rows.
    for with_nodes in [false, true] {
        let t = Instant::now();
        let cps = store.checkpoints().await.unwrap();
        let mut v = Verifier::new(P, key.public_key(), cps, vec![]);
        let mut nodes = store.node_check(P);
        let mut rows = store.scan();
        while let Some(row) = rows.try_next().await.unwrap() {
            if with_nodes {
                nodes.push(row.seq, &row.leaf_hash).await.unwrap();
            }
            let (e, leaf) = row.decode().unwrap();
            v.push(&e, Some(&leaf.try_into().unwrap()));
        }
        drop(rows);
        assert!(v.finish().is_intact());
        let checked = if with_nodes {
            let report = nodes.finish().await.unwrap();
            assert!(report.is_intact());
            report.checked
        } else {
            0
        };
        println!(
            "{engine} {have}: full verification {:.2} s ({checked} stored tree nodes checked)",
            t.elapsed().as_secs_f64(),
        );
    }
    // An upgrade from schema 12: the node table gone, then `sirm migrate`
    // creates it and catches it up from the leaf hashes.
    owner.execute_raw("DROP TABLE ledger_node").await.unwrap();
    owner
        .execute_raw("DELETE FROM _sqlx_migrations WHERE version = 14")
        .await
        .unwrap();
    let t = Instant::now();
    owner.migrate().await.unwrap();
    println!(
        "{engine} {have}: migrate from 12 (catch-up of the stored tree) {:.2} s",
        t.elapsed().as_secs_f64()
    );
    inclusion(store, have / 3).await;
}

fn main() {
    // `cargo bench` passes `--bench`; a filter, if any, names the engine.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let mut engines = vec!["sqlite"];
    if std::env::var("SIRM_BENCH_SKIP_POSTGRES").is_err() {
        engines.push("postgres");
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    for engine in engines {
        if filter.is_empty() || filter.iter().any(|f| engine.contains(f.as_str())) {
            rt.block_on(run(engine));
        }
    }
}
