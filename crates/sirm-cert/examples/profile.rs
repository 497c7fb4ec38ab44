//! Throughput check: `cargo run --release --example profile -- [N] [ROWS]`
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let rows: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let fonts = sirm_cert::Fonts::debian_default()?;
    let base = common::contribution(rows);
    // Warm-up (first render builds the typst library and shapes the template).
    sirm_cert::render_pdf(&base, &fonts)?;
    let t = Instant::now();
    let mut each = Vec::new();
    for i in 0..n {
        let t1 = Instant::now();
        let mut cert = base.clone();
        cert.person_name = format!("测试{i}");
        cert.code = format!("BENCH-{i:08}");
        cert.rows[0][2] = common::money(i * 100);
        sirm_cert::render_pdf(&cert, &fonts)?;
        each.push(t1.elapsed().as_secs_f64() * 1000.0);
    }
    each.sort_by(f64::total_cmp);
    println!(
        "per render: min {:.1} ms, median {:.1} ms",
        each[0],
        each[each.len() / 2]
    );
    let el = t.elapsed();
    // Two threads sharing one Fonts (a server handling concurrent requests).
    let threads = 2u64;
    let t = Instant::now();
    std::thread::scope(|s| {
        for k in 0..threads {
            let (fonts, base) = (&fonts, &base);
            s.spawn(move || {
                for i in 0..n / threads {
                    let mut cert = base.clone();
                    cert.person_name = format!("并行{k}-{i}");
                    cert.code = format!("PAR-{k}-{i:06}");
                    cert.rows[0][2] = common::money(i * 100 + k);
                    if let Err(e) = sirm_cert::render_pdf(&cert, fonts) {
                        eprintln!("render failed: {e}");
                    }
                }
            });
        }
    });
    let el2 = t.elapsed();
    println!(
        "{} distinct certificates x {rows} rows, {threads} threads: {:.1}/s",
        n / threads * threads,
        (n / threads * threads) as f64 / el2.as_secs_f64()
    );
    if let Ok(path) = std::env::var("SIRM_TIMING_OUT") {
        let mut cert = base.clone();
        cert.person_name = "计时".into();
        typst_timing::enable();
        sirm_cert::render_pdf(&cert, &fonts)?;
        typst_timing::disable();
        let f = std::fs::File::create(path)?;
        typst_timing::export_json(f, |_| (String::new(), 0))?;
    }
    println!(
        "{n} distinct certificates x {rows} rows, sequential: {:.1} ms each, {:.1}/s",
        el.as_secs_f64() * 1000.0 / n as f64,
        n as f64 / el.as_secs_f64()
    );
    Ok(())
}
