//! Cross-checking (Art 5) at load-benchmark scale: a tax wage file of
//! ROWS rows matched against PERSONS persons × 120 months of contributions
//! (one row in 50 under-declared, so ROWS / 50 discrepancies written), then
//! the same file again (no new discrepancies); a deaths file of DEATHS rows
//! (one in 100 a registered person, half of those with a benefit). Each
//! import is timed beside reading the file alone (`crosscheck::file::read_csv`)
//! in the same run.
//!
//! `cargo bench -p sirm-app --features testkit --bench crosscheck -- [PERSONS] [ROWS] [DEATHS] [sqlite|postgres]`
//! (default 10,000 persons, 1,000,000 tax rows, 100,000 deaths, sqlite).
//! Set-up (persons with blind indexes of generated ID numbers,
//! contributions, benefits written straight into the projection tables;
//! the files written) is not measured. Results: docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::time::Instant;

use sirm_app::demo::{ensure_demo, DemoRequest};
use sirm_app::{Access, OpenOptions, Sirm};
use sirm_domain::id::{RegionCode, ResidentId};
use sirm_domain::records::crosscheck::FileKind;

const MONTHS: usize = 120;
const EMPLOYER: &str = "91110105170954632U";

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| !a.starts_with("--")).collect();
    let n = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let (persons, rows, deaths) = (n(1, 10_000), n(2, 1_000_000), n(3, 100_000));
    let engine = args.get(4).cloned().unwrap_or_else(|| "sqlite".into());
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(run(persons, rows, deaths, &engine));
}

/// The i-th generated ID number: registered persons from 1960, strangers from 1930.
fn id(i: usize, stranger: bool) -> ResidentId {
    let region: RegionCode = "110105".parse().unwrap();
    let base = if stranger { (1930, 1, 1) } else { (1960, 1, 1) };
    let day = chrono::NaiveDate::from_ymd_opt(base.0, base.1, base.2).unwrap()
        + chrono::Duration::days((i / 900) as i64);
    ResidentId::from_parts(&region, day, (i % 900 + 1) as u16).unwrap()
}

fn month(k: usize) -> String {
    format!("{}-{:02}", 2016 + k / 12, k % 12 + 1)
}

async fn run(persons: usize, rows: usize, deaths: usize, engine: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = OpenOptions::new(dir.path().join("data"));
    if engine == "postgres" {
        opts.database_url = Some(
            std::env::var("SIRM_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        );
        opts.database_schema = Some(format!("bench_xc_{}", std::process::id()));
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
    let officer = sirm.principal("maintainer", "bench").await.unwrap();
    let store = sirm.store_for_maintenance();

    // Set-up: persons by blind index, 120 months each, benefits for some.
    let t = Instant::now();
    let keys: Vec<String> = (0..persons)
        .map(|i| sirm.person_key(&id(i, false)).unwrap().to_string())
        .collect();
    for chunk in keys.chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|k| {
                format!("('{k}','x','male','1960-01-01','x','x','2010-01-01','110105',0,0,'x')")
            })
            .collect();
        store
            .execute_raw(&format!(
                "INSERT INTO person (person_id, name, gender, birth_date, address, phone, registered_on, agency, first_seq, last_seq, id_number) VALUES {}",
                values.join(",")
            ))
            .await
            .unwrap();
    }
    let amounts = "'8000.00','8000.00','1280.00','640.00','800.00','160.00','40.00','40.00','16.00','640.00','bench'";
    let months_sql = if engine == "postgres" {
        format!("SELECT p.person_id, to_char(date '2016-01-01' + make_interval(months => k), 'YYYY-MM'), 'BENCH', {amounts}, 'paid', 0 \
                 FROM person p CROSS JOIN generate_series(0, {}) k WHERE p.person_id LIKE 'pk%'", MONTHS - 1)
    } else {
        format!("WITH RECURSIVE m(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM m WHERE k < {}) \
                 SELECT p.person_id, substr(date('2016-01-01', '+' || k || ' months'), 1, 7), 'BENCH', {amounts}, 'paid', 0 \
                 FROM person p CROSS JOIN m WHERE p.person_id LIKE 'pk%'", MONTHS - 1)
    };
    store
        .execute_raw(&format!(
            "INSERT INTO contribution (person_id, month, credit_code, declared_wage, base, pension_employer, pension_employee, \
             medical_employer, medical_employee, unemployment_employer, unemployment_employee, work_injury_employer, account_credit, rule_set, status, seq) {months_sql}"
        ))
        .await
        .unwrap();
    // Every 200th person draws a pension, paid for 2025.
    for (j, k) in keys.iter().enumerate().filter(|(j, _)| j % 200 == 0) {
        let _ = j;
        store
            .execute_raw(&format!(
                "INSERT INTO benefit (person_id, status, start_month, contribution_months, basic, account, transitional, total, rule_set, seq) \
                 VALUES ('{k}', 'granted', '2025-01', 180, '2000.00', '1000.00', '0.00', '3000.00', 'bench', 0)"
            ))
            .await
            .unwrap();
        let pays: Vec<String> = (1..=12)
            .map(|m| format!("('{k}','2025-{m:02}','3000.00',0,'bench',0)"))
            .collect();
        store
            .execute_raw(&format!(
                "INSERT INTO benefit_payment (person_id, month, amount, granted_seq, rule_set, seq) VALUES {}",
                pays.join(",")
            ))
            .await
            .unwrap();
    }
    store.execute_raw("ANALYZE").await.unwrap();
    println!(
        "{engine}: set-up {persons} persons × {MONTHS} months = {} contribution rows in {:.0} s",
        persons * MONTHS,
        t.elapsed().as_secs_f64()
    );

    // The files.
    let tax = dir.path().join("tax.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tax).unwrap());
        writeln!(f, "id_number,credit_code,month,taxable_wage").unwrap();
        let ids: Vec<String> = (0..persons).map(|i| id(i, false).to_string()).collect();
        for r in 0..rows {
            let (p, k) = (r % persons, (r / persons) % MONTHS);
            let wage = if r % 50 == 0 { "9000.00" } else { "8100.00" };
            writeln!(f, "{},{EMPLOYER},{},{wage}", ids[p], month(k)).unwrap();
        }
    }
    let dead = dir.path().join("deaths.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&dead).unwrap());
        writeln!(f, "id_number,died_on,certificate_no").unwrap();
        for r in 0..deaths {
            // One in 100 a registered person (every other of them with a
            // pension), the rest never insured here.
            let who = if r % 100 == 0 {
                id((r / 100) % persons, false)
            } else {
                id(r, true)
            };
            writeln!(f, "{who},2025-03-10,D{r:08}").unwrap();
        }
    }

    for (kind, path, what) in [
        (FileKind::TaxWage, &tax, "tax wage"),
        (FileKind::TaxWage, &tax, "tax wage again"),
        (FileKind::Death, &dead, "deaths"),
        (FileKind::Death, &dead, "deaths again"),
    ] {
        let t = Instant::now();
        let read = sirm_app::crosscheck::file::read_csv(path, kind).unwrap();
        let read_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let r = sirm
            .import_crosscheck(&officer, kind, "bench.csv", path)
            .await
            .unwrap();
        println!(
            "{engine}: {what}: {} rows — read alone {read_s:.2} s; import (read, match, archive, append) {:.2} s: {} new discrepancies, {} known, {} rejected",
            read.total,
            t.elapsed().as_secs_f64(),
            r.discrepancies,
            r.known,
            r.rejected_count
        );
        let phases: Vec<String> = r
            .phases
            .iter()
            .map(|(what, d)| format!("{what} {:.2} s", d.as_secs_f64()))
            .collect();
        println!("{engine}: {what}: phases: {}", phases.join("; "));
    }
    if engine == "postgres" {
        store
            .execute_raw(&format!(
                "DROP SCHEMA {} CASCADE",
                opts.database_schema.clone().unwrap()
            ))
            .await
            .ok();
    }
}
