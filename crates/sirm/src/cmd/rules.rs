//! `sirm rules validate FILE` and `sirm rules show [--region R] [--year Y]`
//! (the embedded sets or a file); `sirm rules list`, `sirm rules show
//! --installation [--version N]` (the versions approved in the installation
//! at `--data-dir`) and `sirm rules import FILE` (an application for the
//! review chain, by the maintenance officer signed in with `--as`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use sirm_app::{Access, Sirm};
use sirm_domain::rules::{Format, RuleSet};

use super::calc::{input_error, load_book};
use super::install::Location;
use super::operator::Operator;
use super::outcome::finish;

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
        /// Show a version approved in the installation at --data-dir
        /// (with --version N; default the newest) instead.
        #[arg(long, conflicts_with_all = ["rules", "region"])]
        installation: bool,
        /// The approved version to show (with --installation).
        #[arg(long, requires = "installation")]
        version: Option<u32>,
    },
    /// List the versions of the region's rule set approved in the
    /// installation at --data-dir: version, in force from, hash, years.
    List,
    /// Apply to put a rule set (or a new version of it) in force: an
    /// application for the review chain, taken by the maintenance officer
    /// (--as); the reviewers see which figures change.
    Import {
        /// The rule set file (TOML, or JSON by the `.json` name).
        file: PathBuf,
        /// Why: the announcement that published the figures.
        #[arg(long)]
        reason: String,
        /// The scanned announcement (PDF, PNG or JPEG).
        #[arg(long)]
        material: PathBuf,
        /// Recompute the person-months already computed from the version's
        /// valid_from on (重新核算): the reviewers see each one, old and
        /// new; approval writes a correction for each.
        #[arg(long)]
        recalculate: bool,
    },
}

impl RulesArgs {
    /// Does the command read or write an installation?
    pub fn needs_installation(&self) -> bool {
        match &self.command {
            RulesCommand::Validate { .. } => false,
            RulesCommand::Show { installation, .. } => *installation,
            RulesCommand::List | RulesCommand::Import { .. } => true,
        }
    }
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
        RulesCommand::List | RulesCommand::Import { .. } => {
            anyhow::bail!("internal: installation command dispatched without one")
        }
        RulesCommand::Show {
            region,
            year,
            rules,
            ..
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

/// The commands on an installation: `list`, `show --installation`, `import`.
pub async fn run_installed(
    loc: &Location,
    op: &Operator,
    args: &RulesArgs,
) -> anyhow::Result<ExitCode> {
    match &args.command {
        RulesCommand::List => {
            let sirm = Sirm::open(&loc.open_options(), Access::Read).await?;
            let rules = sirm.installed_rules().await;
            sirm.store_for_maintenance().close().await;
            let rules = rules?;
            if rules.region.all().is_empty() {
                println!(
                    "no rule set approved for region {}: import one with `sirm rules import FILE`",
                    sirm.config.agency_code
                );
            }
            for s in rules.region.all() {
                println!(
                    "{}  in force from {}  {}{}  hash {}  years {}",
                    s.reference(),
                    s.valid_from()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| "the start".into()),
                    s.title(),
                    if s.is_demo() { "  [demo figures]" } else { "" },
                    s.reference().hash.map(|h| h.to_hex()).unwrap_or_default(),
                    span(s),
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Show { year, version, .. } => {
            let sirm = Sirm::open(&loc.open_options(), Access::Read).await?;
            let rules = sirm.installed_rules().await;
            sirm.store_for_maintenance().close().await;
            let rules = rules?;
            let set = match version {
                Some(v) => rules.region.version(*v),
                None => rules.region.latest(),
            };
            let Some(set) = set else {
                return Ok(input_error(match version {
                    Some(v) => format!("--version {v}: no such approved version"),
                    None => "no rule set approved in this installation".into(),
                }));
            };
            let mut info = summary(set);
            info["valid_from"] = json!(set.valid_from());
            info["hash"] = json!(set.reference().hash);
            let out = match year {
                Some(y) => match set.year(*y) {
                    Ok(p) => json!({ "rule_set": info, "year": y, "params": p }),
                    Err(e) => return Ok(input_error(e)),
                },
                None => json!({ "rule_set": info, "document": set.document() }),
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Import {
            file,
            reason,
            material,
            recalculate,
        } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("{}: cannot read the rule set", file.display()))?;
            let format = match Format::of_name(&file.to_string_lossy()) {
                Format::Json => "json",
                Format::Toml => "toml",
            };
            let (name, bytes) = super::operator::read_material(material)?;
            let (sirm, session) = match super::operator::open_signed_in(loc, op).await? {
                Ok(signed_in) => signed_in,
                Err(code) => return Ok(code),
            };
            let result = async {
                let data = json!({"format": format, "text": text, "reason": reason,
                                  "recalculate": recalculate});
                let import: sirm_domain::records::RuleSetImport =
                    serde_json::from_value(data.clone())
                        .map_err(|e| sirm_app::AppError::invalid("data", e))?;
                let preview = sirm.preview_rule_set(&session.principal, &import).await?;
                let m = sirm.archive().put(&name, &bytes).await?;
                let app = sirm
                    .submit_application(&session.principal, "rule_set.import", data, vec![m])
                    .await?;
                Ok((app, preview))
            }
            .await;
            session.end(&sirm).await;
            sirm.store_for_maintenance().close().await;
            finish(result.map(|(app, p)| {
                println!(
                    "application {app} (规则集导入) submitted for review: {} v{}{}",
                    p.new.id,
                    p.new.version,
                    p.new
                        .valid_from
                        .as_deref()
                        .map(|m| format!(", in force from {m}"))
                        .unwrap_or_default()
                );
                for c in &p.diff.changes {
                    println!(
                        "  {}: {} -> {}",
                        c.key,
                        c.old.as_deref().unwrap_or("(none)"),
                        c.new.as_deref().unwrap_or("(removed)")
                    );
                }
                if !p.recalculation.is_empty() {
                    println!(
                        "recalculation (重新核算): {} person-months change",
                        p.recalculation.len()
                    );
                    for l in &p.recalculation {
                        println!(
                            "  {} {}: base {} -> {}, contributions {} -> {}",
                            l.person, l.month, l.old_base, l.new_base, l.old_total, l.new_total
                        );
                    }
                }
            }))
        }
        RulesCommand::Validate { .. } => {
            anyhow::bail!("internal: file command dispatched as an installation command")
        }
    }
}

fn span(s: &RuleSet) -> String {
    let years: Vec<i32> = s.years().collect();
    match (years.first(), years.last()) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => "none".into(),
    }
}
