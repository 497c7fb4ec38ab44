//! Transfer packages (转移接续, Art 10) of a 30-year career: 360 monthly
//! assessments (1996-01 to 2025-12) and the transfer out, each package
//! built and signed at the old region (every entry with its inclusion
//! proof against the latest signed checkpoint), sent as JSON, verified at
//! the new region (signatures, 362 inclusion proofs, the figures
//! recomputed) and accepted (the `transfer.received` entry appended with
//! its projection). Baseline measured in the same run: reading the same
//! person's record through the one query path (`Sirm::query_rights` at the
//! counter, query log included).
//!
//! `cargo bench -p sirm-app --features testkit --bench transfer -- [PACKAGES] [sqlite|postgres|both]`
//! (default 200 packages, both engines; PostgreSQL from
//! SIRM_TEST_POSTGRES_URL). Set-up (two demo installations, the career
//! appended unreviewed through the testkit) is not measured. Results:
//! docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use sirm_app::demo::{ensure_demo, DemoRequest};
use sirm_app::query::Channel;
use sirm_app::transfer::package::{verify_package, PackageMessage};
use sirm_app::{Access, OpenOptions, Sirm};
use sirm_domain::id::{CreditCode, PersonKey};
use sirm_domain::records::{
    self, bases_of, kind, transfer_inputs, ContributionAssessed, TransferReceived, TransferredOut,
};
use sirm_domain::rules::{engine, Month};
use sirm_ledger::Stream;

const NUMBER: &str = "ZY-B-1";

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(200);
    let engines: Vec<&str> = match args.get(1).map(String::as_str) {
        Some("sqlite") => vec!["sqlite"],
        Some("postgres") => vec!["postgres"],
        _ => vec!["sqlite", "postgres"],
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    for e in engines {
        rt.block_on(run(n, e));
    }
}

async fn install(dir: &std::path::Path, engine: &str, code: &str) -> Sirm {
    let mut opts = OpenOptions::new(dir.join(code));
    if engine == "postgres" {
        opts.database_url = Some(
            std::env::var("SIRM_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        );
        opts.database_schema = Some(format!("bench_{code}_{}", std::process::id()).to_lowercase());
    }
    ensure_demo(
        &opts,
        &DemoRequest {
            seed: 1,
            persons: 4,
            history: false,
            bench_accounts: 0,
            full_careers: false,
            profile: Default::default(),
        },
    )
    .await
    .unwrap();
    let mut sirm = Sirm::open(&opts, Access::Sign).await.unwrap();
    sirm.config.federation.agency = Some(code.into());
    sirm
}

/// 360 months of assessments and the transfer out to B, appended unreviewed.
async fn career(a: &Sirm, pk: &PersonKey) {
    let set = sirm_domain::rules::builtin::rule_book().unwrap();
    let params = set.by_region("110105").unwrap().year(2025).unwrap().clone();
    let result = engine::month(&params, Decimal::from(8000), 1).unwrap();
    let code = CreditCode::from_body("91110105MA01ABCD1").unwrap();
    let subject = records::person_subject(pk);
    let drafts = (1996..=2025)
        .flat_map(|y| (1..=12).map(move |m| Month::new(y, m).unwrap()))
        .map(|month| {
            let e = ContributionAssessed {
                id: pk.clone(),
                credit_code: code.clone(),
                month,
                result,
            };
            sirm_app::install::draft(
                &a.config,
                Stream::Business,
                kind::CONTRIBUTION_ASSESSED,
                subject.clone(),
                "bench",
                &e,
            )
            .unwrap()
        })
        .collect();
    sirm_app::testkit::append_unreviewed(a, drafts)
        .await
        .unwrap();
    let entries = a
        .store_for_maintenance()
        .entries_for_subject(&subject)
        .await
        .unwrap();
    let (balance, history) = transfer_inputs(
        "A",
        entries
            .iter()
            .map(|e| (e.kind.as_str(), e.payload.as_str())),
        &BTreeSet::new(),
    )
    .unwrap();
    let rounding = params.rounding.amount;
    let figures =
        sirm_domain::rules::benefits::pension_transfer(rounding, balance, &bases_of(&history))
            .unwrap();
    println!(
        "  career: {} months counted since 1998-01, {} before",
        figures.months_counted, figures.months_before_1998
    );
    let out = TransferredOut {
        number: NUMBER.into(),
        person: pk.clone(),
        to_agency: "B".into(),
        rule_set: result.rule_set,
        rounding,
        account_balance: balance,
        history,
        figures,
        transferred_on: chrono::Utc::now().date_naive(),
    };
    let d = sirm_app::install::draft(
        &a.config,
        Stream::Business,
        kind::TRANSFER_OUT,
        subject,
        "bench",
        &out,
    )
    .unwrap();
    sirm_app::testkit::append_unreviewed(a, vec![d])
        .await
        .unwrap();
}

fn per_second(n: usize, d: Duration) -> String {
    format!(
        "{:>9.1}/s  ({:.2} ms each)",
        n as f64 / d.as_secs_f64(),
        d.as_secs_f64() * 1000.0 / n as f64
    )
}

async fn run(n: usize, engine: &str) {
    let dir = tempfile::tempdir().unwrap();
    let a = install(dir.path(), engine, "A").await;
    let b = install(dir.path(), engine, "B").await;
    let pk: PersonKey = a
        .store_for_maintenance()
        .account("citizen")
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap()
        .parse()
        .unwrap();
    career(&a, &pk).await;
    let clerk = a.principal("clerk", "bench").await.unwrap();

    // Baseline: the same record through the one query path.
    let t = Instant::now();
    for _ in 0..n {
        let v = a
            .query_rights(&clerk, Channel::Counter, &pk, None)
            .await
            .unwrap();
        assert!(v.record.contributions.len() >= 360);
    }
    let query = t.elapsed();

    // Build and sign at A, as the JSON that travels.
    let t = Instant::now();
    let mut wire = Vec::with_capacity(n);
    for _ in 0..n {
        let msg = sirm_app::testkit::build_package(&a, NUMBER, &pk, "B")
            .await
            .unwrap();
        wire.push(serde_json::to_vec(&msg).unwrap());
    }
    let build = t.elapsed();
    let bytes = wire[0].len();
    let entries = serde_json::from_slice::<PackageMessage>(&wire[0])
        .unwrap()
        .package
        .body
        .entries
        .len();

    // Verify at B: parse, signatures, every proof, the figures recomputed.
    let t = Instant::now();
    let mut verified = Vec::with_capacity(n);
    for w in &wire {
        let msg: PackageMessage = serde_json::from_slice(w).unwrap();
        verified.push(verify_package(&msg.package, &a.public_key, "A", "B").unwrap());
    }
    let verify = t.elapsed();

    // Accept at B: the transfer.received entry with its projection, one
    // append (one transaction, one signed checkpoint) each.
    let subject = records::person_subject(&pk);
    let t = Instant::now();
    for (i, v) in verified.into_iter().enumerate() {
        let received = TransferReceived {
            number: format!("{NUMBER}-{i}"),
            person: pk.clone(),
            from_agency: "A".into(),
            checkpoint: v.checkpoint.to_note(),
            rule_set: v.out.rule_set,
            figures: v.out.figures,
            history: v.out.history,
            received_on: chrono::Utc::now().date_naive(),
        };
        let d = sirm_app::install::draft(
            &b.config,
            Stream::Business,
            kind::TRANSFER_RECEIVED,
            subject.clone(),
            "bench",
            &received,
        )
        .unwrap();
        sirm_app::testkit::append_unreviewed(&b, vec![d])
            .await
            .unwrap();
    }
    let accept = t.elapsed();
    let total = build + verify + accept;
    println!(
        "transfer {engine}: {n} packages of a 30-year career ({entries} entries with proofs, {} KiB of JSON)",
        bytes / 1024
    );
    println!(
        "  baseline: record read through the query path  {}",
        per_second(n, query)
    );
    println!(
        "  build + sign (old region)                     {}",
        per_second(n, build)
    );
    println!(
        "  verify (new region)                           {}",
        per_second(n, verify)
    );
    println!(
        "  accept: transfer.received appended            {}",
        per_second(n, accept)
    );
    println!(
        "  whole package, built to accepted              {}",
        per_second(n, total)
    );
    for s in [&a, &b] {
        s.store_for_maintenance().close().await;
    }
}
