//! One module per top-level command group. Each exposes a clap `Args` type and a
//! `run` function; `main.rs` only dispatches.

pub mod calc;
pub mod id;
pub mod rules;
