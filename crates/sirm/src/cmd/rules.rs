//! `sirm rules validate FILE` and `sirm rules show [--region R] [--year Y]`.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;
use sirm_domain::rules::RuleSet;

use super::calc::{input_error, load_book};

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Load and validate a rule set file (TOML or JSON). A regional set is
    /// checked against the embedded national set it extends.
    Validate {
        /// The rule set file.
        file: PathBuf,
    },
    /// Show the loaded rule sets, one rule set, or one year's resolved parameters.
    Show {
        /// Pooling region code (6 digits); without it, the national set.
        #[arg(long)]
        region: Option<String>,
        /// Show the resolved parameters of this year.
        #[arg(long)]
        year: Option<i32>,
        /// Use this rule set file instead of the embedded demo region set.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
}

fn summary(s: &RuleSet) -> serde_json::Value {
    let years: Vec<i32> = s.years().collect();
    json!({
        "id": s.id(),
        "version": s.version(),
        "title": s.title(),
        "region": s.region(),
        "extends": s.extends(),
        "demo": s.is_demo(),
        "years": years,
        "sources": s.sources(),
    })
}

pub fn run(args: &RulesArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        RulesCommand::Validate { file } => {
            let book = match load_book(Some(file)) {
                Ok(b) => b,
                Err(e) => return Ok(input_error(e)),
            };
            let Some(set) = book.sets().last() else {
                return Ok(input_error(format_args!("{}: no rule set", file.display())));
            };
            let years: Vec<i32> = set.years().collect();
            let span = match (years.first(), years.last()) {
                (Some(a), Some(b)) => format!("years {a}–{b}"),
                _ => "no yearly parameters".to_owned(),
            };
            println!("ok: {} ({}), {span}", set.reference(), set.title());
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Show {
            region,
            year,
            rules,
        } => {
            let book = match load_book(rules.as_ref()) {
                Ok(b) => b,
                Err(e) => return Ok(input_error(e)),
            };
            let set = match region {
                Some(r) => match book.by_region(r) {
                    Ok(s) => s,
                    Err(e) => return Ok(input_error(e)),
                },
                None => match book.base() {
                    Some(s) => s,
                    None => return Ok(input_error("no base rule set loaded")),
                },
            };
            let out = match year {
                Some(y) => match set.year(*y) {
                    Ok(p) => json!({ "rule_set": summary(set), "year": y, "params": p }),
                    Err(e) => return Ok(input_error(e)),
                },
                None if region.is_none() && rules.is_none() => json!({
                    "rule_sets": book.sets().iter().map(summary).collect::<Vec<_>>(),
                    "national": set.document(),
                }),
                None => json!({ "rule_set": summary(set), "document": set.document() }),
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
