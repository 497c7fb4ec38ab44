//! `sirm calc <rule> --input FILE|-`: compute one rule of the rules engine from
//! a JSON input and print the result, with every intermediate value, as JSON.
//! The computation is `sirm_domain::rules::calc::calc`; this file reads files
//! and prints. Bad input prints `error: <key> = <value>: <reason>` on stderr and
//! exits with status 1.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use sirm_app::{Access, Sirm};
use sirm_domain::rules::{builtin, calc, Format, RuleBook};

use super::install::Location;

#[derive(Debug, clap::Args)]
pub struct CalcArgs {
    /// The rule to compute.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(calc::RULES))]
    pub rule: String,
    /// JSON input file, or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    pub input: String,
    /// A rule set file (TOML or JSON) used instead of the embedded demo region
    /// set; a base set (no `extends`) replaces the embedded national set.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Compute under a rule set version approved in the installation at
    /// --data-dir (an auditor recomputing a recorded figure with the
    /// parameters of its time); opens the installation read-only.
    #[arg(long, conflicts_with = "rules")]
    pub installation: bool,
    /// The approved version (with --installation; default the newest).
    #[arg(long, requires = "installation")]
    pub version: Option<u32>,
}

/// Prints a one-line input error and returns exit status 1.
pub(crate) fn input_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(1)
}

/// The embedded rule sets, or the national set plus `--rules FILE`.
pub(crate) fn load_book(rules: Option<&PathBuf>) -> Result<RuleBook, String> {
    match rules {
        None => builtin::rule_book().map_err(|e| format!("embedded rule sets: {e}")),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--rules {}: {e}", path.display()))?;
            let doc = sirm_domain::rules::ruleset::parse_document(
                &text,
                Format::of_name(&path.to_string_lossy()),
                &path.display().to_string(),
            )
            .map_err(|e| e.to_string())?;
            let is_base = doc.get("rule_set").and_then(|m| m.get("extends")).is_none();
            let mut book = if is_base {
                RuleBook::new()
            } else {
                builtin::national_book().map_err(|e| e.to_string())?
            };
            book.add_document(&doc)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(book)
        }
    }
}

pub fn run(args: &CalcArgs) -> anyhow::Result<ExitCode> {
    let book = match load_book(args.rules.as_ref()) {
        Ok(b) => b,
        Err(e) => return Ok(input_error(e)),
    };
    compute(args, &book)
}

/// `sirm calc --installation [--version N]`: the book of one approved
/// version of the installation's rule set (the national base beside it).
pub async fn run_installed(loc: &Location, args: &CalcArgs) -> anyhow::Result<ExitCode> {
    let sirm = Sirm::open(&loc.open_options(), Access::Read).await?;
    let rules = sirm.installed_rules().await;
    sirm.store_for_maintenance().close().await;
    let rules = rules?;
    let set = match args.version {
        Some(v) => rules.region.version(v),
        None => rules.region.latest(),
    };
    let Some(set) = set else {
        return Ok(input_error(match args.version {
            Some(v) => format!("--version {v}: no such approved version in this installation"),
            None => "no rule set approved in this installation".into(),
        }));
    };
    let mut book = RuleBook::new();
    book.push((*rules.national).clone());
    book.push((**set).clone());
    compute(args, &book)
}

fn compute(args: &CalcArgs, book: &RuleBook) -> anyhow::Result<ExitCode> {
    let text = if args.input == "-" {
        let mut s = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut s) {
            return Ok(input_error(format_args!(
                "--input -: cannot read standard input: {e}"
            )));
        }
        s
    } else {
        match std::fs::read_to_string(&args.input) {
            Ok(s) => s,
            Err(e) => return Ok(input_error(format_args!("--input {}: {e}", args.input))),
        }
    };
    let input: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return Ok(input_error(format_args!("input is not valid JSON: {e}"))),
    };
    let today = chrono::Local::now().date_naive();
    match calc::calc(book, &args.rule, &input, today) {
        Ok(out) => {
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(input_error(e)),
    }
}
