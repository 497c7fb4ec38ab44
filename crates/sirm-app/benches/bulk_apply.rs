//! The projection applier in bulk (issue 15, item 1): N entries of each
//! kind that bulk work produces — person registrations (登记), hirings
//! (增员), account years (个人账户年度结算), benefit payments (待遇发放) —
//! appended in one transaction per kind through `Store::append_stream`,
//! beside N entries of a kind without projection (the raw ledger rate) in
//! the same run; then `sirm rebuild` of the whole projection state (same
//! applier), which must give the same digest.
//!
//! `cargo bench -p sirm-app --features testkit --bench bulk_apply -- [N] [sqlite|postgres]`
//! (default 100,000 on sqlite; PostgreSQL from SIRM_TEST_POSTGRES_URL).
//! Results: docs/benchmarks.md, "Projections applied in bulk".
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use rust_decimal::Decimal;
use sirm_app::demo::{ensure_demo, DemoRequest};
use sirm_app::{Access, OpenOptions, Sirm};
use sirm_domain::id::{CreditCode, PersonKey};
use sirm_domain::records::{self, kind};
use sirm_domain::rules::{engine, Month};
use sirm_domain::sealed::Sealed;

const EMPLOYER: &str = "91110105170954632U";
const AGENCY: &str = "110105";

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| !a.starts_with("--")).collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let engine = args.get(2).cloned().unwrap_or_else(|| "sqlite".into());
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(run(n, &engine));
}

fn pk(i: usize) -> PersonKey {
    format!("pk{i:032x}").parse().unwrap()
}

fn draft<T: serde::Serialize>(kind: &str, i: usize, payload: &T) -> sirm_ledger::EntryDraft {
    sirm_app::testkit::business_draft(
        AGENCY,
        kind,
        &records::person_subject(&pk(i)),
        serde_json::to_value(payload).unwrap(),
    )
}

async fn timed(sirm: &Sirm, label: &str, drafts: Vec<sirm_ledger::EntryDraft>) -> f64 {
    let n = drafts.len();
    let t = Instant::now();
    sirm_app::testkit::append_stream_unreviewed(sirm, drafts.into_iter().map(Ok))
        .await
        .unwrap();
    let s = t.elapsed().as_secs_f64();
    println!(
        "  {label:<40} {n} entries in {s:6.2} s = {:>7.0} entries/s",
        n as f64 / s
    );
    s
}

async fn run(n: usize, engine_name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = OpenOptions::new(dir.path().join("data"));
    if engine_name == "postgres" {
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
    let set = sirm_domain::rules::builtin::rule_book().unwrap();
    let params = set.by_region(AGENCY).unwrap().year(2025).unwrap().clone();
    let sealed = Sealed::parse("enc1:QmVuY2hCZW5jaEJlbmNo").unwrap();
    let employer: CreditCode = EMPLOYER.parse().unwrap();
    println!("{engine_name}: {n} entries per kind, one transaction each");

    let ledger_only: Vec<_> = (1..=n)
        .map(|i| draft("bench.note", i, &serde_json::json!({ "i": i })))
        .collect();
    let ledger_s = timed(&sirm, "ledger only (no projection)", ledger_only).await;

    let persons: Vec<_> = (1..=n)
        .map(|i| {
            let p = records::PersonRegistration {
                id: pk(i),
                id_number: sealed.clone(),
                name: sealed.clone(),
                address: sealed.clone(),
                phone: sealed.clone(),
                gender: if i % 2 == 0 {
                    sirm_domain::id::Gender::Female
                } else {
                    sirm_domain::id::Gender::Male
                },
                birth_date: chrono::NaiveDate::from_ymd_opt(1960 + (i % 40) as i32, 1, 1).unwrap(),
                registered_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            };
            draft(kind::PERSON_REGISTERED, i, &p)
        })
        .collect();
    let mut projected_s = timed(&sirm, "person.registered", persons).await;

    let hirings: Vec<_> = (1..=n)
        .map(|i| {
            let p = records::EmploymentStart {
                id: pk(i),
                credit_code: employer.clone(),
                start_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            };
            draft(kind::EMPLOYMENT_STARTED, i, &p)
        })
        .collect();
    projected_s += timed(&sirm, "employment.started", hirings).await;

    let credits = [Decimal::new(40000, 2); 12];
    let year = engine::account_year(
        &params,
        Decimal::new(100000, 2),
        Decimal::new(3, 2),
        &credits,
    )
    .unwrap();
    let settled: Vec<_> = (1..=n)
        .map(|i| {
            let p = records::AccountSettled {
                id: pk(i),
                year: 2025,
                result: year,
            };
            draft(kind::ACCOUNT_SETTLED, i, &p)
        })
        .collect();
    projected_s += timed(&sirm, "account.settled", settled).await;

    let paid: Vec<_> = (1..=n)
        .map(|i| {
            let p = records::BenefitPaid {
                id: pk(i),
                month: Month::new(2026, 1).unwrap(),
                amount: Decimal::new(350000 + i as i64 % 1000, 2),
                granted_seq: 1,
                rule_set: params.rule_set.to_string(),
            };
            draft(kind::BENEFIT_PAID, i, &p)
        })
        .collect();
    projected_s += timed(&sirm, "benefit.paid", paid).await;
    println!(
        "  projected kinds together: {:.0} entries/s (ledger only: {:.0} entries/s)",
        (4 * n) as f64 / projected_s,
        n as f64 / ledger_s
    );

    let before = store.projection_digest().await.unwrap();
    let t = Instant::now();
    let replayed = store.rebuild_projections(10_000).await.unwrap();
    let s = t.elapsed().as_secs_f64();
    let after = store.projection_digest().await.unwrap();
    assert_eq!(before, after, "rebuild changed the projection digest");
    println!(
        "  rebuild: {replayed} entries in {s:.2} s = {:.0} entries/s, same digest {}",
        replayed as f64 / s,
        &after.digest[..16]
    );
}
