//! The million-row declaration: file → checked at the counter → four-stage
//! review → approval computes and appends every row (one transaction) →
//! verified. Compared, in the same run on PostgreSQL, with plain row-by-row
//! INSERTs into a table with a conventional audit trigger.
//!
//! `cargo bench -p sirm-app --bench declaration -- [ROWS] [sqlite|postgres]`
//! (default 1,000,000 rows on sqlite; PostgreSQL from SIRM_TEST_POSTGRES_URL).
//! Set-up (persons and their employment) writes projection rows directly and
//! is not measured; `employment.person_id` is the blind index (`pk…`) of each
//! CSV row's ID number, as the counter check looks it up. Results: docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use sirm_app::demo::{ensure_demo, DemoRequest};
use sirm_app::{Access, OpenOptions, Sirm};
use sirm_domain::id::{RegionCode, ResidentId};
use sirm_domain::rules::Month;

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| !a.starts_with("--")).collect();
    let rows: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let engine = args.get(2).cloned().unwrap_or_else(|| "sqlite".into());
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(run(rows, &engine));
}

async fn run(rows: usize, engine: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = OpenOptions::new(dir.path().join("data"));
    let pg_url = std::env::var("SIRM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    if engine == "postgres" {
        opts.database_url = Some(pg_url.clone());
        opts.database_schema = Some(format!("bench_{}", std::process::id()));
    }
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
    let employer = sirm
        .store_for_maintenance()
        .account("agent")
        .await
        .unwrap()
        .unwrap()
        .employer
        .unwrap();

    // Set-up, not measured: `rows` employed persons and the CSV.
    let t = Instant::now();
    let region: RegionCode = "110105".parse().unwrap();
    let mut csv = String::with_capacity(rows * 30);
    csv.push_str("id,wage\n");
    let mut values = Vec::new();
    for i in 0..rows {
        let birth = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()
            + chrono::Duration::days((i / 999) as i64);
        let id = ResidentId::from_parts(&region, birth, (i % 999 + 1) as u16).unwrap();
        csv.push_str(&format!("{},{}.00\n", id, 4000 + (i % 20_000)));
        // The projection names a person by the blind index of the ID number
        // (docs/privacy.md); the CSV, the counter's input, holds ID numbers.
        let pk = sirm.person_key(&id).unwrap();
        values.push(format!(
            "('{pk}','{employer}','2020-01-01',NULL,NULL,'110105',0,NULL)"
        ));
        if values.len() == 5000 || i + 1 == rows {
            sirm.store_for_maintenance()
                .execute_raw(&format!(
                    "INSERT INTO employment (person_id, credit_code, start_on, end_on, end_reason, agency, start_seq, end_seq) VALUES {}",
                    values.join(",")
                ))
                .await
                .unwrap();
            values.clear();
        }
    }
    println!(
        "set-up: {rows} employed persons, CSV {} MB, in {:.1} s",
        csv.len() / 1_000_000,
        t.elapsed().as_secs_f64()
    );

    let csv_dir = tempfile::tempdir().unwrap();
    let csv_path = csv_dir.path().join("bench.csv");
    std::fs::write(&csv_path, &csv).unwrap();
    let all = Instant::now();
    let clerk = sirm.principal("clerk", "bench").await.unwrap();
    let t = Instant::now();
    let report = sirm
        .submit_declaration_file(
            &clerk,
            &employer.parse().unwrap(),
            Month::parse("2026-06").unwrap(),
            "bench.csv",
            &csv_path,
            &mut |_| {},
        )
        .await
        .unwrap();
    let submit_s = t.elapsed().as_secs_f64();
    assert_eq!(report.accepted as usize, rows);
    let id = report.application_id;
    let t = Instant::now();
    for (user, stage) in [("reviewer", "review"), ("rechecker", "recheck")] {
        let p = sirm.principal(user, "bench").await.unwrap();
        sirm.decide_application(&p, &id, stage, true, "ok")
            .await
            .unwrap();
    }
    let approver = sirm.principal("approver", "bench").await.unwrap();
    let t_approve = Instant::now();
    sirm.decide_application(&approver, &id, "approval", true, "ok")
        .await
        .unwrap();
    let approve_s = t_approve.elapsed().as_secs_f64();
    let review_s = t.elapsed().as_secs_f64() - approve_s;
    let total_s = all.elapsed().as_secs_f64();
    let t = Instant::now();
    let v = sirm.verify(vec![]).await.unwrap();
    let verify_s = t.elapsed().as_secs_f64();
    assert!(v.is_intact());
    println!(
        "{engine}: {rows} rows: counter check + archive {submit_s:.1} s, review + re-check {review_s:.2} s, \
         approval (compute + append + project, one transaction) {approve_s:.1} s = {total_s:.1} s file to approved \
         ({:.0} rows/s); full verification of {} entries {verify_s:.1} s",
        rows as f64 / total_s,
        v.report.entries
    );

    if engine == "postgres" {
        // The conventional way: row-by-row INSERTs into a table with an audit trigger.
        let owner = sirm_store::Store::connect(
            &{
                let mut c = sirm_store::StoreConfig::new(pg_url);
                c.pg_schema = Some(format!("bench_{}", std::process::id()));
                c
            },
            sirm_store::Role::Owner,
        )
        .await
        .unwrap();
        for ddl in [
            "CREATE TABLE conv_contribution (id BIGSERIAL PRIMARY KEY, person_id TEXT, month TEXT, wage NUMERIC, base NUMERIC, pension_employee NUMERIC)",
            "CREATE TABLE conv_audit (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ DEFAULT now(), who TEXT DEFAULT current_user, op TEXT, row_data JSONB)",
            "CREATE FUNCTION conv_audit_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             INSERT INTO conv_audit (op, row_data) VALUES (TG_OP, to_jsonb(NEW)); RETURN NEW; END $$",
            "CREATE TRIGGER conv_audit_trg AFTER INSERT ON conv_contribution FOR EACH ROW EXECUTE FUNCTION conv_audit_fn()",
        ] {
            owner.execute_raw(ddl).await.unwrap();
        }
        let t = Instant::now();
        let n = rows.min(200_000);
        for (i, line) in csv.lines().skip(1).take(n).enumerate() {
            let (id, wage) = line.split_once(',').unwrap();
            owner
                .execute_raw(&format!(
                    "INSERT INTO conv_contribution (person_id, month, wage, base, pension_employee) VALUES ('{id}', '2026-06', {wage}, {wage}, {wage} * 0.08)"
                ))
                .await
                .unwrap();
            let _ = i;
        }
        let conv_s = t.elapsed().as_secs_f64();
        println!(
            "postgres conventional: {n} row-by-row INSERTs with an audit trigger (autocommit) in {conv_s:.1} s ({:.0} rows/s; no review, no computation, no proof)",
            n as f64 / conv_s
        );
    }
}
