//! Statistics without identities (Art 17) at load-benchmark scale: each
//! predefined report (one `GROUP BY` in the database, suppression in Rust,
//! the read registered in the ledger) and a de-identified extract with its
//! k-anonymity check, timed beside `SELECT COUNT(*)` over the same
//! contribution table in the same run.
//!
//! `cargo bench -p sirm-app --features testkit --bench statistics -- [PERSONS] [MONTHS] [sqlite|postgres] [bounded]`
//! (default 200,000 persons × 120 months = 2.4 × 10⁷ contribution rows on
//! sqlite). Set-up (persons, employers and contributions written straight
//! into the projection tables by `INSERT … SELECT` in the database, then
//! the statistics summaries filled from them by the SQL `sirm migrate`
//! uses) is not part of any report's time; the summaries' fill is timed and
//! printed on its own. The twelve months' groups are also aggregated from
//! the contribution rows (as before the summaries) in the same run. A fourth argument `bounded` times only the reports of one
//! month and of twelve months. Results: docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use sirm_app::demo::{ensure_demo, DemoRequest};
use sirm_app::disclosure::statistics::{extract, ReportKind, ReportParams};
use sirm_app::{Access, OpenOptions, Sirm};
use sirm_domain::records::{BirthGeneralisation, ExtractRequest, RegionGeneralisation};
use sirm_domain::rules::Month;

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| !a.starts_with("--")).collect();
    let persons: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let months: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(120);
    let engine = args.get(3).cloned().unwrap_or_else(|| "sqlite".into());
    // `bounded`: only the reports of one month and of twelve months.
    let bounded = args.get(4).is_some_and(|a| a == "bounded");
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(run(persons, months, &engine, bounded));
}

/// Persons, eight employers (industry classes 1–8) and `months` months of
/// contributions per person from 2016-01, by `INSERT … SELECT`.
fn load_sql(engine: &str, persons: usize, months: usize) -> Vec<String> {
    let amounts = "'8000.00','8000.00','1280.00','640.00','800.00','160.00','40.00','40.00','16.00','640.00','bench'";
    if engine == "postgres" {
        vec![
            "INSERT INTO employer (credit_code, name, region, address, industry_class, status, registered_on, agency, first_seq, last_seq) \
             SELECT 'BENCH' || c, 'x', '110105', 'x', c, 'active', '2010-01-01', '110105', 0, 0 FROM generate_series(1, 8) c".into(),
            format!("INSERT INTO person (person_id, name, gender, birth_date, address, phone, registered_on, agency, first_seq, last_seq, id_number) \
             SELECT 'bench' || lpad(i::text, 9, '0'), 'x', CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END, \
               to_char(date '1960-01-01' + (i % 15000), 'YYYY-MM-DD'), 'x', 'x', '2010-01-01', '11010' || (i % 5), 0, 0, 'x' \
             FROM generate_series(1, {persons}) i"),
            format!("INSERT INTO contribution (person_id, month, credit_code, declared_wage, base, pension_employer, pension_employee, \
               medical_employer, medical_employee, unemployment_employer, unemployment_employee, work_injury_employer, account_credit, rule_set, status, seq) \
             SELECT p.person_id, to_char(date '2016-01-01' + make_interval(months => k), 'YYYY-MM'), \
               'BENCH' || (1 + abs(hashtext(p.person_id)) % 8), {amounts}, \
               CASE WHEN k % 37 = 0 THEN 'assessed' ELSE 'paid' END, 0 \
             FROM person p CROSS JOIN generate_series(0, {}) k WHERE p.person_id LIKE 'bench%'", months - 1),
            "ANALYZE".into(),
        ]
    } else {
        vec![
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 8) \
             INSERT INTO employer (credit_code, name, region, address, industry_class, status, registered_on, agency, first_seq, last_seq) \
             SELECT 'BENCH' || i, 'x', '110105', 'x', i, 'active', '2010-01-01', '110105', 0, 0 FROM c".into(),
            format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {persons}) \
             INSERT INTO person (person_id, name, gender, birth_date, address, phone, registered_on, agency, first_seq, last_seq, id_number) \
             SELECT printf('bench%09d', i), 'x', CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END, \
               date('1960-01-01', '+' || (i % 15000) || ' days'), 'x', 'x', '2010-01-01', '11010' || (i % 5), 0, 0, 'x' FROM n"),
            format!("WITH RECURSIVE m(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM m WHERE k < {}) \
             INSERT INTO contribution (person_id, month, credit_code, declared_wage, base, pension_employer, pension_employee, \
               medical_employer, medical_employee, unemployment_employer, unemployment_employee, work_injury_employer, account_credit, rule_set, status, seq) \
             SELECT p.person_id, substr(date('2016-01-01', '+' || k || ' months'), 1, 7), \
               'BENCH' || (1 + CAST(substr(p.person_id, 6) AS INTEGER) % 8), {amounts}, \
               CASE WHEN k % 37 = 0 THEN 'assessed' ELSE 'paid' END, 0 \
             FROM person p CROSS JOIN m WHERE p.person_id LIKE 'bench%'", months - 1),
            "ANALYZE".into(),
        ]
    }
}

async fn run(persons: usize, months: usize, engine: &str, bounded: bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = OpenOptions::new(dir.path().join("data"));
    if engine == "postgres" {
        opts.database_url = Some(
            std::env::var("SIRM_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        );
        opts.database_schema = Some(format!("bench_stats_{}", std::process::id()));
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
    // A statistics user, as an installation gets one.
    let sysadmin = sirm.principal("sysadmin", "bench").await.unwrap();
    let secadmin = sirm.principal("secadmin", "bench").await.unwrap();
    sirm.add_user(&sysadmin, "stats", "stats").await.unwrap();
    let rr = sirm
        .request_role(&sysadmin, "stats", "statistics_user", "bench")
        .await
        .unwrap();
    sirm.decide_role(&secadmin, &rr.request_id, true, "")
        .await
        .unwrap();
    // A chosen password, so no first-login change is pending.
    let hash = sirm_app::password::hash(sirm_app::demo::DEMO_PASSWORD).unwrap();
    sirm.store_for_maintenance()
        .set_password(
            "stats",
            &hash,
            false,
            chrono::Utc::now().timestamp_micros(),
            5,
        )
        .await
        .unwrap();
    let stats = sirm.principal("stats", "bench").await.unwrap();

    let t = Instant::now();
    for sql in load_sql(engine, persons, months) {
        sirm.store_for_maintenance()
            .execute_raw(&sql)
            .await
            .unwrap();
    }
    let rows = persons * months;
    println!(
        "{engine}: set-up {persons} persons × {months} months = {rows} contribution rows in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    // The rows went in behind the applier's back: the statistics summaries
    // are filled by the SQL `sirm migrate` fills them with (the applier
    // keeps them equal to it, tests/statistics.rs).
    let t = Instant::now();
    sirm.store_for_maintenance()
        .fill_statistics_summaries()
        .await
        .unwrap();
    println!(
        "{engine}: set-up of the statistics summaries from {rows} rows: {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let n = sirm
        .store_for_maintenance()
        .execute_raw("SELECT COUNT(*) FROM contribution")
        .await
        .unwrap();
    let _ = n;
    println!(
        "{engine}: baseline SELECT COUNT(*) FROM contribution: {:.3} s",
        t.elapsed().as_secs_f64()
    );
    let last = Month::parse("2016-01")
        .unwrap()
        .add_months(months as i32 - 1);
    let whole = ReportParams {
        month: None,
        from: Some("2016-01".into()),
        to: Some(last.to_string()),
    };
    for (kind, params, what) in [
        (ReportKind::Insured, ReportParams::default(), "latest month"),
        (
            ReportKind::Contributions,
            ReportParams::default(),
            "12 months",
        ),
        (ReportKind::Contributions, whole.clone(), "all months"),
        (ReportKind::Arrears, whole.clone(), "all months"),
        (ReportKind::Benefits, whole.clone(), "all months"),
    ]
    .into_iter()
    .take(if bounded { 2 } else { 5 })
    {
        let t = Instant::now();
        let r = sirm.statistics_report(&stats, kind, &params).await.unwrap();
        println!(
            "{engine}: report {} ({what}): {:.3} s ({} rows, {} suppressed)",
            kind.as_str(),
            t.elapsed().as_secs_f64(),
            r.rows.len(),
            r.suppressed
        );
    }
    // The same twelve months' groups, from the summary and (as before it)
    // from the contribution rows, in the store, without suppression.
    let (f, t12) = (last.add_months(-11).to_string(), last.to_string());
    let current = last.add_months(1).to_string();
    let t = Instant::now();
    let a = sirm
        .store_for_maintenance()
        .contribution_groups(&f, &t12, &current)
        .await
        .unwrap();
    let summary_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let b = sirm
        .store_for_maintenance()
        .contribution_groups_from_rows(&f, &t12, &current)
        .await
        .unwrap();
    println!(
        "{engine}: contribution groups of 12 months: from the summary {summary_s:.3} s, \
         from the rows {:.3} s ({} groups, equal: {})",
        t.elapsed().as_secs_f64(),
        a.len(),
        {
            let key = |g: &sirm_store::ContributionGroup| (g.month.clone(), g.industry_class);
            let (mut a, mut b) = (a.clone(), b.clone());
            a.sort_by_key(key);
            b.sort_by_key(key);
            a == b
        }
    );
    if bounded {
        return drop_schema(engine, &opts).await;
    }
    let req = ExtractRequest {
        requester: "stats".into(),
        purpose: "bench".into(),
        legal_basis: "bench".into(),
        from: Month::parse("2016-01").unwrap(),
        to: last,
        fields: vec![],
        birth: BirthGeneralisation::FiveYears,
        region: RegionGeneralisation::Prefix,
    };
    let t = Instant::now();
    let sources = extract::sources(&sirm, &req).await.unwrap();
    let read_s = t.elapsed().as_secs_f64();
    let built = extract::build(&sirm, &req, &sources, "AP-bench").unwrap();
    println!(
        "{engine}: extract of {} persons over {months} months: read {read_s:.2} s, k-anonymity check + pseudonyms + CSV {:.2} s, total {:.2} s ({} MB)",
        built.rows,
        t.elapsed().as_secs_f64() - read_s,
        t.elapsed().as_secs_f64(),
        built.csv.len() / 1_000_000
    );
    drop_schema(engine, &opts).await;
}

async fn drop_schema(engine: &str, opts: &OpenOptions) {
    if engine == "postgres" {
        sirm_store::Store::connect(
            &{
                let mut c = sirm_store::StoreConfig::new(opts.database_url.clone().unwrap());
                c.pg_schema = opts.database_schema.clone();
                c
            },
            sirm_store::Role::Owner,
        )
        .await
        .unwrap()
        .execute_raw(&format!(
            "DROP SCHEMA {} CASCADE",
            opts.database_schema.clone().unwrap()
        ))
        .await
        .ok();
    }
}
