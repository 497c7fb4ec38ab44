//! Every integration test of `sirm-web` in one test binary: one link instead of
//! one per file (`autotests = false` in its Cargo.toml). Each file stays a
//! module of its own; run one with `cargo test -p sirm-web --test all -- <file>::`.

mod collection;
mod identity;
mod mlps;
mod operations;
mod privacy;
mod security;
mod security_followup;
mod tls;
mod uploads;

/// A test file that is not a module here would never be built or run.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let listed = include_str!("all.rs");
    for entry in std::fs::read_dir(dir).expect("tests directory") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        if let Some(module) = name.strip_suffix(".rs") {
            assert!(
                module == "all" || listed.contains(&format!("\nmod {module};\n")),
                "tests/{name} is not listed as `mod {module};` in tests/all.rs"
            );
        }
    }
}
