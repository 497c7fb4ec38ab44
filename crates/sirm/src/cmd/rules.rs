//! `sirm rules` — wiring placeholder, replaced by its work package.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct RulesArgs {}

pub fn run(_args: &RulesArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("sirm rules is not built yet")
}
