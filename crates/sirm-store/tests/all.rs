//! Every integration test of `sirm-store` in one test binary: one link instead of
//! one per file (`autotests = false` in its Cargo.toml). Each file stays a
//! module of its own (`sirm-testkit` checks that none is left out); run one with `cargo test -p sirm-store --test all -- <file>::`.

mod columns;
mod conformance;
mod database_security;
