//! Render one sample of each kind: `cargo run --release --example samples -- OUT_DIR`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| ".".to_string());
    let t = Instant::now();
    let fonts = sirm_cert::Fonts::debian_default()?;
    println!("fonts loaded in {:?}: {:?}", t.elapsed(), fonts);
    for (name, cert) in [
        ("sample-contribution.pdf", common::contribution(120)),
        ("sample-benefit.pdf", common::benefit(34)),
    ] {
        let t = Instant::now();
        let pdf = sirm_cert::render_pdf(&cert, &fonts)?;
        let path = std::path::Path::new(&out).join(name);
        std::fs::write(&path, &pdf)?;
        println!(
            "{} ({} bytes) in {:?}",
            path.display(),
            pdf.len(),
            t.elapsed()
        );
    }
    Ok(())
}
