//! `sirm import declaration FILE --employer CODE --month YYYY-MM`: the batch
//! path of monthly declarations. Signs in like every command (`--as` or a `sirm login` session), checks
//! every row (bad rows listed with line number and reason, good rows kept),
//! and submits one application to the review chain; approval in the
//! workbench computes and appends every row in one transaction.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sirm_app::AppError;
use sirm_domain::id::CreditCode;
use sirm_domain::rules::Month;

use super::install::Location;
use super::operator::Operator;
use super::outcome::{finish, Outcome};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub command: ImportCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// A monthly contribution declaration: CSV (UTF-8), one `ID number,monthly wage` per line (a header line is allowed), or XLSX (first sheet: ID number in column A as text, wage in column B).
    Declaration {
        /// The CSV file.
        file: PathBuf,
        /// The declaring employer's unified social credit code.
        #[arg(long)]
        employer: String,
        /// The month declared (YYYY-MM).
        #[arg(long)]
        month: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A legacy system's export (历史数据迁移, docs/migration.md): DIR holds manifest.json and the CSV files; checked whole, then submitted as one application to the review chain.
    Legacy {
        /// The export directory.
        dir: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A department's file for cross-checking (信息比对, Art 5), by the maintenance officer: KIND is tax_wage, death, id_change, employer_status, institution_staff or settlement; FILE is UTF-8 CSV with a header line (docs/crosscheck.md). The file is archived and recorded; discrepancies go to the maintenance officer's queue.
    Crosscheck {
        /// The kind of file.
        kind: String,
        /// The CSV file.
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(loc: &Location, op: &Operator, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let (file, employer, month, json) = match &args.command {
        ImportCommand::Declaration {
            file,
            employer,
            month,
            json,
        } => (file, employer, month, json),
        ImportCommand::Crosscheck { kind, file, json } => {
            return crosscheck(loc, op, kind, file, *json).await
        }
        ImportCommand::Legacy { dir, json } => {
            return super::legacy::import(loc, op, dir, *json).await
        }
    };
    let employer: CreditCode = match employer.parse() {
        Ok(c) => c,
        Err(e) => return finish(Err(AppError::invalid("--employer", e))),
    };
    let month: Month = match Month::parse(month) {
        Ok(m) => m,
        Err(e) => return finish(Err(AppError::invalid("--month", e))),
    };
    std::fs::metadata(file).with_context(|| format!("{}: cannot read", file.display()))?;
    let name = super::operator::file_name(file, "declaration.csv");
    let (sirm, session) = match super::operator::open_signed_in(loc, op).await? {
        Ok(signed_in) => signed_in,
        Err(code) => return Ok(code),
    };
    let started = std::time::Instant::now();
    let mut progress = |rows: u64| {
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\r  checked {rows} rows ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
        let _ = err.flush();
    };
    let result: Outcome = match sirm
        .submit_declaration_file(
            &session.principal,
            &employer,
            month,
            &name,
            file,
            &mut progress,
        )
        .await
    {
        Ok(report) => {
            eprintln!();
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                println!(
                    "application {} submitted for review (审核)",
                    report.application_id
                );
                println!(
                    "  rows {}, accepted {}, rejected {}",
                    report.rows, report.accepted, report.rejected_count
                );
                for r in report.rejected.iter().take(20) {
                    println!("  line {}: {}", r.line, r.reason);
                }
                if report.rejected_count > 20 {
                    println!(
                        "  … {} more rejected rows are listed in the application",
                        report.rejected_count - 20
                    );
                }
            }
            Ok(())
        }
        Err(e) => Err(e),
    };
    session.end(&sirm).await;
    sirm.store_for_maintenance().close().await;
    finish(result)
}

/// `sirm import crosscheck KIND FILE`.
async fn crosscheck(
    loc: &Location,
    op: &Operator,
    kind: &str,
    file: &std::path::Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let kind: sirm_domain::records::crosscheck::FileKind = match kind.parse() {
        Ok(k) => k,
        Err(e) => {
            return finish(Err(AppError::invalid_by(
                "KIND",
                sirm_domain::RuleId::CrosscheckWrongKind,
                e,
            )))
        }
    };
    std::fs::metadata(file).with_context(|| format!("{}: cannot read", file.display()))?;
    let name = super::operator::file_name(file, "crosscheck.csv");
    let (sirm, session) = match super::operator::open_signed_in(loc, op).await? {
        Ok(signed_in) => signed_in,
        Err(code) => return Ok(code),
    };
    let result: Outcome = match sirm
        .import_crosscheck(&session.principal, kind, &name, file)
        .await
    {
        Ok(r) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            } else {
                println!(
                    "import {} ({}) recorded, file SHA-256 {}",
                    r.import_id, r.kind, r.file_sha256
                );
                println!(
                    "  rows {}, accepted {}, rejected {}; new discrepancies {}, already recorded {}",
                    r.rows, r.accepted, r.rejected_count, r.discrepancies, r.known
                );
                for x in r.rejected.iter().take(20) {
                    println!("  {}", x.reason);
                }
            }
            Ok(())
        }
        Err(e) => Err(e),
    };
    session.end(&sirm).await;
    sirm.store_for_maintenance().close().await;
    finish(result)
}
