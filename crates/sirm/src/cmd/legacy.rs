//! The legacy migration (历史数据迁移, docs/migration.md):
//! `sirm legacy export-demo --persons N --out DIR` writes an invented
//! export (no installation needed); `sirm import legacy DIR` checks an
//! export whole and submits it as one application to the review chain.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sirm_app::legacy::LegacyOutcome;

use super::install::Location;
use super::operator::Operator;
use super::outcome::{finish, Outcome};

#[derive(Debug, clap::Args)]
pub struct LegacyArgs {
    #[command(subcommand)]
    pub command: LegacyCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum LegacyCommand {
    /// Write an invented legacy export (manifest.json and CSV files, docs/migration.md), deterministic for a seed.
    ExportDemo {
        /// Invented persons.
        #[arg(long, default_value_t = 100)]
        persons: usize,
        /// Seed of the generator (same seed, same files).
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// The directory to write (created; must not hold an export).
        #[arg(long)]
        out: PathBuf,
    },
}

/// `sirm legacy …` (no installation).
pub fn run(args: &LegacyArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        LegacyCommand::ExportDemo { persons, seed, out } => {
            let outcome: Outcome = sirm_app::legacy::export::write_demo(out, *persons, *seed)
                .map(|s| {
                    println!(
                        "export written to {}: {} employers, {} persons, {} employment periods, {} contribution months; manifest SHA-256 {}",
                        out.display(),
                        s.employers,
                        s.persons,
                        s.employments,
                        s.contribution_months,
                        s.manifest_sha256
                    );
                });
            finish(outcome)
        }
    }
}

/// `sirm import legacy DIR`.
pub async fn import(
    loc: &Location,
    op: &Operator,
    dir: &Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let (sirm, session) = match super::operator::open_signed_in(loc, op).await? {
        Ok(signed_in) => signed_in,
        Err(code) => return Ok(code),
    };
    let started = std::time::Instant::now();
    let result = sirm.submit_legacy(&session.principal, dir).await;
    session.end(&sirm).await;
    sirm.store_for_maintenance().close().await;
    let outcome = match result {
        Ok(o) => o,
        Err(e) => return finish(Err(e)),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&outcome).unwrap_or_default()
        );
    }
    match outcome {
        LegacyOutcome::Submitted(r) => {
            if !json {
                println!(
                    "application {} submitted for review (审核) in {:.1} s",
                    r.application_id,
                    started.elapsed().as_secs_f64()
                );
                println!(
                    "  employers {}, persons {}, employment periods {}, contribution months {}",
                    r.employers, r.persons, r.employments, r.contribution_months
                );
                println!(
                    "  discrepancies (legacy figure ≠ recomputed, kept for the reviewers): {}",
                    r.discrepancy_count
                );
                for x in r.discrepancies.iter().take(20) {
                    println!(
                        "    {} line {} {} {}: legacy {}, recomputed {} ({})",
                        x.file, x.line, x.month, x.field, x.legacy, x.recomputed, x.rule_set
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        LegacyOutcome::Refused { bad } => {
            if !json {
                eprintln!(
                    "error: 迁移数据有 {} 处错误，未导入任何数据 / {} problem(s), nothing imported:",
                    bad.len(),
                    bad.len()
                );
                for b in &bad {
                    eprintln!("  {b}");
                }
            }
            Ok(ExitCode::from(1))
        }
    }
}
