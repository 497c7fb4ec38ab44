//! `sirm id` — wiring placeholder, replaced by its work package.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct IdArgs {}

pub fn run(_args: &IdArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("sirm id is not built yet")
}
