//! Every integration test of `sirm-domain` in one test binary: one link instead of
//! one per file (`autotests = false` in its Cargo.toml). Each file stays a
//! module of its own (`sirm-testkit` checks that none is left out); run one with `cargo test -p sirm-domain --test all -- <file>::`.

mod access_docs;
mod id_props;
mod rules_engine;
