//! `cargo bench --bench render`: render throughput with fonts loaded once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../tests/common/mod.rs"]
mod common;

fn bench(c: &mut Criterion) {
    let fonts = match sirm_cert::Fonts::debian_default() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("skipping bench: {e}");
            return;
        }
    };
    let mut group = c.benchmark_group("render_pdf");
    group.throughput(Throughput::Elements(1));
    group.sample_size(60);

    // Same certificate every iteration .
    let cert120 = common::contribution(120);
    group.bench_function("contribution_120_rows_same", |b| {
        b.iter(|| sirm_cert::render_pdf(&cert120, &fonts).map(|p| p.len()))
    });

    // A different certificate every iteration (realistic: each person differs).
    let mut n = 0u64;
    group.bench_function("contribution_120_rows_distinct", |b| {
        b.iter(|| {
            n += 1;
            let mut cert = common::contribution(120);
            cert.person_name = format!("测试{n}");
            cert.code = format!("BENCH-{n:08}");
            cert.rows[0][2] = common::money(n * 100);
            sirm_cert::render_pdf(&cert, &fonts).map(|p| p.len())
        })
    });

    // Two certificates per iteration, one per thread (both cores busy): the
    // throughput a server handling concurrent requests gets.
    group.throughput(Throughput::Elements(2));
    let mut m = 0u64;
    group.bench_function("contribution_120_rows_distinct_2_threads", |b| {
        b.iter(|| {
            m += 1;
            std::thread::scope(|s| {
                for k in 0..2u64 {
                    let fonts = &fonts;
                    s.spawn(move || {
                        let mut cert = common::contribution(120);
                        cert.person_name = format!("并行{m}-{k}");
                        cert.code = format!("PAR-{m:08}-{k}");
                        cert.rows[0][2] = common::money(m * 100 + k);
                        sirm_cert::render_pdf(&cert, fonts).map(|p| p.len())
                    });
                }
            })
        })
    });
    group.throughput(Throughput::Elements(1));

    let benefit = common::benefit(34);
    group.bench_function("benefit_34_rows", |b| {
        b.iter(|| sirm_cert::render_pdf(&benefit, &fonts).map(|p| p.len()))
    });
    group.finish();

    let mut g = c.benchmark_group("fonts");
    g.sample_size(10);
    g.bench_function("load_debian_default", |b| {
        b.iter(|| sirm_cert::Fonts::debian_default().map(|f| f.paths().len()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
