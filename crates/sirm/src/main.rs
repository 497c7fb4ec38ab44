//! The `sirm` command line. Argument parsing and dispatch only: every command is
//! a use case in `sirm-app` (or a pure function of `sirm-domain`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Debug, Parser)]
#[command(name = "sirm", version, about = "SIRM — social insurance personal rights records (社会保险个人权益记录)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check an identifier (resident ID number, unified social credit code, region code).
    Id(cmd::id::IdArgs),
    /// Compute one rule of the rules engine from a JSON input.
    Calc(cmd::calc::CalcArgs),
    /// Validate or show rule sets.
    Rules(cmd::rules::RulesArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Id(args) => cmd::id::run(args),
        Command::Calc(args) => cmd::calc::run(args),
        Command::Rules(args) => cmd::rules::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
