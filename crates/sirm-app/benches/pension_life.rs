//! The yearly pension adjustment for a million pensioners and the monthly
//! unemployment payment run for 100,000 claimants, each as one reviewed
//! application: filed by the clerk, every pensioner's increase listed for
//! the reviewers, reviewed, re-checked, approved — approval computes every
//! figure by the rules engine and appends every entry with its projection
//! in one transaction. Baselines measured in the same run: reading the same
//! rows (the pensioners to adjust; the claims and their ledger entries).
//!
//! `cargo bench -p sirm-app --features testkit --bench pension_life -- [PENSIONERS] [CLAIMANTS] [sqlite|postgres]`
//! (default 1,000,000 and 100,000 on sqlite; PostgreSQL from
//! SIRM_TEST_POSTGRES_URL). Set-up (persons and benefits written straight
//! into the projection tables, the claims appended unreviewed through the
//! testkit) is not measured. Results: docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use sirm_app::demo::{ensure_demo, DemoRequest};
use sirm_app::{Access, OpenOptions, Sirm};
use sirm_domain::records::{self, kind, UnemploymentClaim, UnemploymentGranted};
use sirm_domain::rules::{benefits, Month};

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| !a.starts_with("--")).collect();
    let pensioners: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let claimants: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let engine = args.get(3).cloned().unwrap_or_else(|| "sqlite".into());
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(run(pensioners, claimants, &engine));
}

/// Persons `pk…` (blind-index form) 1..=n and a granted benefit for each.
fn load_sql(engine: &str, n: usize) -> Vec<String> {
    let (series, pk, birth) = if engine == "postgres" {
        (
            format!("SELECT i FROM generate_series(1, {n}) i"),
            "'pk' || lpad(to_hex(i), 32, '0')",
            "to_char(date '1940-01-01' + (i % 9000), 'YYYY-MM-DD')",
        )
    } else {
        (
            format!("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s"),
            "'pk' || printf('%032x', i)",
            "date('1940-01-01', '+' || (i % 9000) || ' days')",
        )
    };
    vec![
        format!(
            "INSERT INTO person (person_id, name, gender, birth_date, address, phone, registered_on, agency, first_seq, last_seq, id_number) \
             SELECT {pk}, 'x', 'male', {birth}, 'x', 'x', '1990-01-01', '110105', 0, 0, 'x' FROM ({series}) t"
        ),
        format!(
            "INSERT INTO benefit (person_id, status, start_month, contribution_months, basic, account, transitional, total, rule_set, seq) \
             SELECT {pk}, 'granted', '2020-01', 180 + (i % 240), '1500.00', '800.00', '200.00', \
               CAST(2500 + (i % 2000) AS TEXT) || '.00', 'demo-110105 v1', 1 FROM ({series}) t"
        ),
        "ANALYZE".into(),
    ]
}

async fn run(pensioners: usize, claimants: usize, engine: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = OpenOptions::new(dir.path().join("data"));
    if engine == "postgres" {
        opts.database_url = Some(
            std::env::var("SIRM_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        );
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
    let store = sirm.store_for_maintenance();
    let t = Instant::now();
    for sql in load_sql(engine, pensioners.max(claimants)) {
        store.execute_raw(&sql).await.unwrap();
    }
    // The claims: real `unemployment.granted` entries (the run checks each
    // against the ledger), for the first `claimants` persons.
    let set = sirm_domain::rules::builtin::rule_book().unwrap();
    let p = set.by_region("110105").unwrap().year(2026).unwrap().clone();
    let agency = "110105".to_string();
    let drafts = (1..=claimants).map(move |i| {
        let id: sirm_domain::id::PersonKey = format!("pk{i:032x}").parse().unwrap();
        let benefit = benefits::unemployment_benefit(
            p.rounding.amount,
            60 + (i % 100) as u32,
            true,
            0,
            p.benefits.unemployment_benefit.unwrap(),
        )
        .unwrap();
        let start = Month::new(2026, 1).unwrap();
        let g = UnemploymentGranted {
            claim: UnemploymentClaim {
                id: id.clone(),
                registered_on: start.first_day(),
                job_ended_on: start.first_day(),
                involuntary: true,
                reason: "bench".into(),
            },
            contribution_months: 60 + (i % 100) as u32,
            previous_claim_seq: None,
            start_month: start,
            end_month: start.add_months(benefit.duration_months as i32 - 1),
            benefit,
            rule_set: p.rule_set.to_string(),
        };
        Ok(sirm_app::testkit::business_draft(
            &agency,
            kind::UNEMPLOYMENT_GRANTED,
            &records::person_subject(&id),
            serde_json::to_value(&g).unwrap(),
        ))
    });
    sirm_app::testkit::append_stream_unreviewed(&sirm, drafts.collect::<Vec<_>>())
        .await
        .unwrap();
    if engine == "postgres" {
        store.execute_raw("ANALYZE").await.unwrap();
    }
    println!(
        "set-up: {pensioners} pensioners, {claimants} unemployment claims, in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let clerk = sirm.principal("clerk", "bench").await.unwrap();
    let material = sirm
        .archive()
        .put("bench.pdf", b"%PDF-1.4 bench run")
        .await
        .unwrap();
    let review = |id: String| {
        let sirm = &sirm;
        async move {
            let t = Instant::now();
            for (user, stage) in [("reviewer", "review"), ("rechecker", "recheck")] {
                let p = sirm.principal(user, "bench").await.unwrap();
                sirm.decide_application(&p, &id, stage, true, "ok")
                    .await
                    .unwrap();
            }
            let review_s = t.elapsed().as_secs_f64();
            let approver = sirm.principal("approver", "bench").await.unwrap();
            let t = Instant::now();
            sirm.decide_application(&approver, &id, "approval", true, "ok")
                .await
                .unwrap();
            (review_s, t.elapsed().as_secs_f64())
        }
    };

    // ---- The yearly adjustment.
    let t = Instant::now();
    let base = store.adjustment_bases("110105", 2026).await.unwrap();
    let baseline_s = t.elapsed().as_secs_f64();
    assert_eq!(base.len(), pensioners.max(claimants));
    drop(base);
    let all = Instant::now();
    let t = Instant::now();
    let id = sirm
        .submit_application(
            &clerk,
            "benefit.adjust",
            serde_json::json!({"year": 2026}),
            vec![material.clone()],
        )
        .await
        .unwrap();
    let submit_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let lines = sirm.pension_adjustment_preview(&clerk, 2026).await.unwrap();
    let preview_s = t.elapsed().as_secs_f64();
    let total: rust_decimal::Decimal = lines.iter().map(|l| l.increase).sum();
    let n = lines.len();
    drop(lines);
    let (review_s, approve_s) = review(id).await;
    let total_s = all.elapsed().as_secs_f64();
    assert_eq!(store.adjusted_in("110105", 2026).await.unwrap() as usize, n);
    println!(
        "{engine}: yearly adjustment of {n} pensioners (total increase {total}): file {submit_s:.2} s, \
         every increase listed for the reviewers {preview_s:.1} s, review + re-check {review_s:.2} s, \
         approval (compute + append + project, one transaction) {approve_s:.1} s = {total_s:.1} s; \
         baseline: reading the same pensioners {baseline_s:.1} s"
    );

    // ---- The monthly unemployment payment run.
    let t = Instant::now();
    let claims = store.payable_claims("110105", "2026-06").await.unwrap();
    let seqs: Vec<u64> = claims.iter().map(|c| c.seq as u64).collect();
    let entries = store.entries_by_seq(&seqs).await.unwrap();
    let baseline_s = t.elapsed().as_secs_f64();
    assert_eq!(entries.len(), claimants);
    let all = Instant::now();
    let t = Instant::now();
    let id = sirm
        .submit_application(
            &clerk,
            "unemployment.payment_run",
            serde_json::json!({"month": "2026-06"}),
            vec![material],
        )
        .await
        .unwrap();
    let submit_s = t.elapsed().as_secs_f64();
    let (review_s, approve_s) = review(id).await;
    let total_s = all.elapsed().as_secs_f64();
    assert_eq!(
        store
            .unemployment_payments_in("110105", "2026-06")
            .await
            .unwrap() as usize,
        claimants
    );
    println!(
        "{engine}: unemployment payment run of {claimants} claimants: file {submit_s:.2} s, review + re-check \
         {review_s:.2} s, approval (each claim's ledger entry re-hashed, compute + append + project) {approve_s:.1} s \
         = {total_s:.1} s; baseline: reading the same claims and their ledger entries {baseline_s:.1} s"
    );
}
