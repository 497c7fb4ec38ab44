//! `sirm legacy export-demo`: an invented legacy export in the layout of
//! docs/migration.md, deterministic for a seed and valid by construction:
//! employers registered before 2015, persons with one or two employment
//! periods in 2016–2025, every month of each period with a declared wage,
//! the base the demo rule set computes (about one month in a hundred off
//! by a yuan, to show discrepancies) and a payment status (the last two
//! months of every seventh employer unpaid).

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use sirm_domain::id::{CreditCode, RegionCode, ResidentId};
use sirm_domain::rules::Month;

use super::read::{self, CONTRIBUTIONS, EMPLOYERS, EMPLOYMENT, PERSONS};
use super::{Manifest, ManifestFile, FORMAT};
use crate::AppError;

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "秀英", "建华",
];
const STREETS: &[&str] = &["朝阳路", "建国路", "望京街", "酒仙桥路", "安立路"];
const FIRMS: &[&str] = &["华信", "京通", "宏达", "远景", "明德", "恒泰"];
const BIRTH_REGIONS: &[&str] = &["110105", "110101", "120101", "310104", "440305"];

/// What the generator wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExportSummary {
    pub employers: u64,
    pub persons: u64,
    pub employments: u64,
    pub contribution_months: u64,
    pub manifest_sha256: String,
}

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::invalid("export-legacy", e)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or("")
}

fn between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    from + Duration::days(rng.gen_range(0..=(to - from).num_days().max(0)))
}

/// GB 11714 organisation code: 8 digits and a check character.
fn org_code(rng: &mut ChaCha8Rng) -> String {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let digits: Vec<u32> = (0..8).map(|_| rng.gen_range(0..10)).collect();
    let sum: u32 = digits.iter().zip(W).map(|(d, w)| d * w).sum();
    let check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).unwrap_or('0'),
    };
    let mut s: String = digits
        .iter()
        .filter_map(|d| char::from_digit(*d, 10))
        .collect();
    s.push(check);
    s
}

fn writer(dir: &Path, name: &str) -> Result<csv::Writer<std::fs::File>, AppError> {
    let mut w = csv::Writer::from_path(dir.join(name)).map_err(bad)?;
    w.write_record(read::header_of(name)).map_err(bad)?;
    Ok(w)
}

/// Write an export of `persons` invented persons into `dir` (created; it
/// must not hold an export already).
pub fn write_demo(dir: &Path, persons: usize, seed: u64) -> Result<ExportSummary, AppError> {
    if dir.join(read::MANIFEST).exists() {
        return Err(bad(format!("{} holds an export already", dir.display())));
    }
    std::fs::create_dir_all(dir).map_err(bad)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let region: RegionCode = "110105".parse().map_err(bad)?;
    let set = crate::rulesets::parse_rule_set(
        sirm_ledger::CryptoProfile::default(),
        sirm_domain::rules::Format::Toml,
        sirm_domain::rules::builtin::DEMO_110105_TOML,
    )?;
    // Employers.
    let mut w = writer(dir, EMPLOYERS)?;
    let mut codes = BTreeSet::new();
    let mut firms: Vec<(CreditCode, u8)> = Vec::new();
    for _ in 0..(persons / 25).max(3) {
        let code = loop {
            let c = CreditCode::from_body(&format!("91{}{}", region.as_str(), org_code(&mut rng)))
                .map_err(bad)?;
            if codes.insert(c.clone()) {
                break c;
            }
        };
        let class: u8 = rng.gen_range(1..=8);
        let name = format!(
            "北京{}{}有限公司",
            pick(&mut rng, FIRMS),
            pick(&mut rng, FIRMS)
        );
        let address = format!(
            "北京市朝阳区{}{}号",
            pick(&mut rng, STREETS),
            rng.gen_range(1..300)
        );
        let on = between(&mut rng, d(2005, 1, 1), d(2014, 12, 31));
        w.write_record([
            code.as_str(),
            &name,
            &address,
            &class.to_string(),
            &on.to_string(),
        ])
        .map_err(bad)?;
        firms.push((code, class));
    }
    w.flush().map_err(bad)?;
    // Persons, their employment and their months.
    let mut wp = writer(dir, PERSONS)?;
    let mut we = writer(dir, EMPLOYMENT)?;
    let mut wc = writer(dir, CONTRIBUTIONS)?;
    let (first, last) = (
        Month::new(2016, 1).ok_or_else(|| bad("month"))?,
        Month::new(2025, 12).ok_or_else(|| bad("month"))?,
    );
    let unpaid = |firm: usize, m: Month| firm % 7 == 1 && m > last.add_months(-2);
    let mut ids = BTreeSet::new();
    let (mut jobs, mut months) = (0u64, 0u64);
    for _ in 0..persons {
        let id = loop {
            let r: RegionCode = pick(&mut rng, BIRTH_REGIONS).parse().map_err(bad)?;
            let birth = between(&mut rng, d(1965, 1, 1), d(1995, 12, 31));
            let id = ResidentId::from_parts(&r, birth, rng.gen_range(1..=999)).map_err(bad)?;
            if ids.insert(id.clone()) {
                break id;
            }
        };
        let adult = id
            .birth_date()
            .with_year(id.birth_date().year() + 18)
            .unwrap_or(d(2015, 1, 1));
        let registered_on = between(&mut rng, adult.max(d(2005, 1, 1)), d(2015, 12, 31));
        wp.write_record([
            id.as_str(),
            &format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN)),
            &format!(
                "北京市朝阳区{}{}号",
                pick(&mut rng, STREETS),
                rng.gen_range(1..300)
            ),
            &format!("139{:08}", rng.gen_range(0..100_000_000u32)),
            &registered_on.to_string(),
        ])
        .map_err(bad)?;
        // One period to the end, or two: a change of employer.
        let start = first.add_months(rng.gen_range(0..24));
        let mut periods = vec![(rng.gen_range(0..firms.len()), start, last, "")];
        if rng.gen_bool(0.3) {
            let cut = start.add_months(rng.gen_range(6..60));
            if cut < last {
                periods[0].2 = cut;
                periods[0].3 = "合同期满";
                let next = (periods[0].0 + 1) % firms.len();
                periods.push((next, cut.add_months(1), last, ""));
            }
        }
        let mut wage = Decimal::from(rng.gen_range(45..=250u32) * 100);
        for (firm, from, to, reason) in periods {
            let end_on = if to < last {
                to.last_day().to_string()
            } else {
                String::new()
            };
            we.write_record([
                id.as_str(),
                firms[firm].0.as_str(),
                &from.first_day().to_string(),
                &end_on,
                if end_on.is_empty() { "" } else { reason },
            ])
            .map_err(bad)?;
            jobs += 1;
            let mut m = from;
            while m <= to {
                if m.month() == 1 && m > from {
                    let r = Decimal::from(100 + rng.gen_range(0..=8u32)) / Decimal::from(100);
                    wage = (wage * r).round_dp(0);
                }
                let p = set.year(m.year()).map_err(bad)?;
                let mut base = sirm_domain::rules::engine::month(p, wage, firms[firm].1)
                    .map_err(bad)?
                    .base;
                if rng.gen_ratio(1, 100) {
                    base += Decimal::ONE;
                }
                let paid = !unpaid(firm, m);
                let paid_on = if paid {
                    let n = m.add_months(1);
                    d(n.year(), n.month(), 10).to_string()
                } else {
                    String::new()
                };
                wc.write_record([
                    id.as_str(),
                    firms[firm].0.as_str(),
                    &m.to_string(),
                    &format!("{wage:.2}"),
                    &format!("{base:.2}"),
                    if paid { "paid" } else { "unpaid" },
                    &paid_on,
                ])
                .map_err(bad)?;
                months += 1;
                m = m.add_months(1);
            }
        }
    }
    for w in [&mut wp, &mut we, &mut wc] {
        w.flush().map_err(bad)?;
    }
    let manifest_sha256 = write_manifest(dir, "演示旧系统 (invented)", d(2026, 1, 5))?;
    Ok(ExportSummary {
        employers: u64::try_from(firms.len()).unwrap_or(0),
        persons: u64::try_from(persons).unwrap_or(0),
        employments: jobs,
        contribution_months: months,
        manifest_sha256,
    })
}

/// (Re)write `manifest.json` of the files in `dir`: each file's SHA-256
/// and data rows. Returns the manifest's SHA-256.
pub fn write_manifest(
    dir: &Path,
    source_system: &str,
    exported_on: NaiveDate,
) -> Result<String, AppError> {
    let mut files = Vec::new();
    for name in read::FILES {
        let path = dir.join(name);
        if !path.exists() {
            continue;
        }
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&path)
            .map_err(bad)?;
        let rows = rdr.records().filter(|r| r.is_ok()).count();
        files.push(ManifestFile {
            name: name.to_string(),
            sha256: super::sha256_file(&path).map_err(bad)?,
            rows: u64::try_from(rows).unwrap_or(0),
        });
    }
    let m = Manifest {
        format: FORMAT.to_string(),
        source_system: source_system.to_string(),
        exported_on,
        files,
    };
    let text = serde_json::to_vec_pretty(&m).map_err(bad)?;
    std::fs::write(dir.join(read::MANIFEST), &text).map_err(bad)?;
    Ok(super::sha256_hex(&text))
}
