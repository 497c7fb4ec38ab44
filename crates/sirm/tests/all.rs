//! Every integration test of `sirm` in one test binary: one link instead of
//! one per file (`autotests = false` in its Cargo.toml). Each file stays a
//! module of its own (`sirm-testkit` checks that none is left out); run one with `cargo test -p sirm --test all -- <file>::`.

mod backup;
mod cli_calc;
mod cli_calc_benefits;
mod cli_id;
mod cli_rules;
mod cli_user;
mod e2e;
mod keys;
mod legacy;
mod operator;
mod privacy;
mod serve_tls;
mod upload_memory;
mod version;
mod witness;
