//! `sirm version` says what the binary is: its version, the commit it was
//! built from, the build profile and the SHA-256 of the executable itself.
#![allow(clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_sirm");

/// The value of the first `key: value` line of `output`.
fn field<'a>(output: &'a str, key: &str) -> Option<&'a str> {
    output
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(": "))
}

fn run_version() -> String {
    let out = Command::new(BIN)
        .arg("version")
        .output()
        .expect("run sirm version");
    assert!(
        out.status.success(),
        "sirm version failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn version_prints_the_sha256_of_the_binary_itself() {
    let output = run_version();
    let bytes = std::fs::read(BIN).expect("read the sirm binary");
    let expected = hex::encode(Sha256::digest(&bytes));
    let printed = field(&output, "sha256").expect("a sha256 line");
    assert_eq!(printed, expected, "output was:\n{output}");

    let exe = field(&output, "executable").expect("an executable line");
    assert_eq!(
        Path::new(exe).canonicalize().expect("printed path exists"),
        Path::new(BIN).canonicalize().expect("binary path exists"),
    );
}

#[test]
fn version_prints_version_commit_and_profile() {
    let output = run_version();
    let first = output.lines().next().expect("some output");
    assert_eq!(first, format!("sirm {}", env!("CARGO_PKG_VERSION")));

    let commit = field(&output, "commit").expect("a commit line");
    let is_hash = commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit());
    assert!(
        is_hash || commit == "unknown",
        "commit is neither 40 hex digits nor unknown: {commit:?}"
    );

    let tree = field(&output, "tree").expect("a tree line");
    if commit == "unknown" {
        assert_eq!(tree, "unknown");
    } else {
        assert!(tree == "clean" || tree == "dirty", "tree: {tree:?}");
    }

    let profile = field(&output, "profile").expect("a profile line");
    let expected_profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    // The test and the binary are built with the same profile.
    assert_eq!(profile, expected_profile);

    assert!(field(&output, "rustc").is_some_and(|v| v.starts_with("rustc ")));
    assert!(field(&output, "target").is_some_and(|v| !v.is_empty()));
}

/// When built from this git checkout, the commit is the checkout's HEAD
/// (the build script reruns when HEAD moves).
#[test]
fn version_commit_is_the_checkout_head() {
    let output = run_version();
    let commit = field(&output, "commit").expect("a commit line");
    if commit == "unknown" {
        return; // built outside git (a source tarball): nothing to compare with.
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let head = Command::new("git")
        .arg("-C")
        .arg(&workspace)
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git runs, since the build script found a commit");
    assert!(head.status.success());
    assert_eq!(commit, String::from_utf8_lossy(&head.stdout).trim());
}
