//! `sirm version`: what this binary is (version, commit, hash of itself).
//!
//! The commit, tree state, profile, compiler and target are recorded at build
//! time by `crates/sirm/build.rs`; the SHA-256 is computed now over the file
//! this process was started from, so that an operator can compare it with the
//! hash of the binary that was reviewed or built (docs/supply-chain.md).

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use sha2::{Digest, Sha256};

/// The build description, without the SHA-256 (which needs the file). Also
/// what `sirm --version` prints after the program name.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit: ",
    env!("SIRM_GIT_COMMIT"),
    "\ntree: ",
    env!("SIRM_GIT_TREE"),
    "\nprofile: ",
    env!("SIRM_BUILD_PROFILE"),
    "\nrustc: ",
    env!("SIRM_BUILD_RUSTC"),
    "\ntarget: ",
    env!("SIRM_BUILD_TARGET"),
);

pub fn run() -> anyhow::Result<ExitCode> {
    println!("sirm {LONG_VERSION}");
    let exe = std::env::current_exe().context("cannot locate the running executable")?;
    let digest = sha256_file(&exe)
        .with_context(|| format!("cannot hash the running executable {}", exe.display()))?;
    println!("executable: {}", exe.display());
    println!("sha256: {digest}");
    Ok(ExitCode::SUCCESS)
}

/// Lower-case hex SHA-256 of a file, read in fixed-size chunks.
fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(hex::encode(hasher.finalize()))
}
