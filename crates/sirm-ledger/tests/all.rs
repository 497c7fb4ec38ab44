//! Every integration test of `sirm-ledger` in one test binary: one link instead of
//! one per file (`autotests = false` in its Cargo.toml). Each file stays a
//! module of its own (`sirm-testkit` checks that none is left out); run one with `cargo test -p sirm-ledger --test all -- <file>::`.

mod c2sp_interop;
mod gm_vectors;
mod merkle;
mod verify;
