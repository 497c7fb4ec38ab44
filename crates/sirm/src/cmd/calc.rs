//! `sirm calc` — wiring placeholder, replaced by its work package.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CalcArgs {}

pub fn run(_args: &CalcArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("sirm calc is not built yet")
}
