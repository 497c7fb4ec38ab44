//! `sirm calc <rule> --input FILE|-`: compute one rule of the rules engine from
//! a JSON input and print the result, with every intermediate value, as JSON.
//! The computation is `sirm_domain::rules::calc::calc`; this file reads files
//! and prints. Bad input prints `error: <key> = <value>: <reason>` on stderr and
//! exits with status 1.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use sirm_domain::rules::{builtin, calc, Format, RuleBook};

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
    let book = match load_book(args.rules.as_ref()) {
        Ok(b) => b,
        Err(e) => return Ok(input_error(e)),
    };
    let today = chrono::Local::now().date_naive();
    match calc::calc(&book, &args.rule, &input, today) {
        Ok(out) => {
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(input_error(e)),
    }
}
