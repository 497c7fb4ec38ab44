//! Every integration test of `sirm-web` in one test binary: one link instead of
//! one per file (`autotests = false` in its Cargo.toml). Each file stays a
//! module of its own (`sirm-testkit` checks that none is left out); run one with `cargo test -p sirm-web --test all -- <file>::`.

mod claims;
mod collection;
mod contractor;
mod corrections;
mod crosscheck;
mod disclosure;
mod employer_declarations;
mod extracts;
mod id_change;
mod identity;
mod injury_runs;
mod medical;
mod mlps;
mod objections;
mod openapi;
mod operations;
mod organs;
mod pension_life;
mod privacy;
mod qa;
mod relations;
mod replica;
mod rule_sets;
mod screens;
mod security;
mod security_followup;
mod statistics;
mod tls;
mod transfer;
mod uploads;
