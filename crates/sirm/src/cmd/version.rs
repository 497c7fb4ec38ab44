//! `sirm version`: what this binary is (version, commit, hash of itself).

use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    println!("sirm {}", env!("CARGO_PKG_VERSION"));
    Ok(ExitCode::SUCCESS)
}
