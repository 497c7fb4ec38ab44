//! Throughput of the rules engine: a full year for 1,000,000 persons — 12
//! months of bases, contributions for every insurance type and payer, the
//! monthly account credit, and year-end interest — on one core.
//!
//! `cargo bench -p sirm-domain --bench rules`. Throughput is reported in
//! person-months (12 per person). Target: ≥ 1,000,000 person-months/s per core.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rust_decimal::Decimal;
use sirm_domain::rules::{builtin, engine, Params};

const PERSONS: usize = 1_000_000;

struct Person {
    /// Declared monthly wage in fen.
    wage_fen: i64,
    industry_class: u8,
    opening_balance: Decimal,
}

fn persons() -> Vec<Person> {
    // Deterministic LCG: wages 2,000.00–60,000.00 (some below the floor, some
    // above the ceiling), classes 1–8, balances 0–200,000.00.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x >> 33
    };
    (0..PERSONS)
        .map(|_| Person {
            wage_fen: 200_000 + (next() % 5_800_000) as i64,
            industry_class: (next() % 8) as u8 + 1,
            opening_balance: Decimal::new((next() % 20_000_000) as i64, 2),
        })
        .collect()
}

/// One person's year; returns the closing balance.
#[inline]
fn person_year(p: &Params, person: &Person) -> Decimal {
    let mut credits = [Decimal::ZERO; 12];
    for (m, credit) in credits.iter_mut().enumerate() {
        // The wage moves a little month to month (a raise in July).
        let wage = Decimal::new(person.wage_fen + if m >= 6 { 30_000 } else { 0 }, 2);
        let r = engine::month(p, wage, person.industry_class).unwrap();
        black_box(&r.amounts);
        *credit = r.account_credit;
    }
    let rate = p.crediting_rate.unwrap();
    engine::account_year(p, person.opening_balance, rate, &credits)
        .unwrap()
        .closing_balance
}

fn full_year(c: &mut Criterion) {
    let book = builtin::rule_book().unwrap();
    let set = book.by_region("110105").unwrap();
    let params = set.year(2024).unwrap();
    let people = persons();

    let mut g = c.benchmark_group("rules");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements((PERSONS * 12) as u64));
    g.bench_function("full_year_1m_persons", |b| {
        b.iter(|| {
            let mut total = Decimal::ZERO;
            for person in &people {
                total += person_year(params, person);
            }
            black_box(total)
        })
    });
    g.finish();
}

criterion_group!(benches, full_year);
criterion_main!(benches);
