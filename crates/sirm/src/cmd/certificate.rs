//! `sirm certificate verify FILE.pdf`: the same check as the public page
//! `/verify`, against the installation's ledger (read-only; the public key
//! file suffices). Staff sign in on a live installation (`operator.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use sirm_app::certificate::Verdict;
use sirm_app::{Access, Sirm};

use super::install::Location;
use super::operator::{end_guard, read_guard, Operator};
use sirm_domain::access::Permission as P;

#[derive(Args, Debug)]
pub struct CertificateArgs {
    #[command(subcommand)]
    pub command: CertificateCommand,
}

#[derive(Subcommand, Debug)]
pub enum CertificateCommand {
    /// Check a certificate PDF (or a verification code) against the ledger:
    /// genuine (exit 0), altered or revoked (exit 1), unknown code (exit 2).
    Verify(VerifyArgs),
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The certificate PDF.
    #[arg(required_unless_present = "code")]
    pub file: Option<PathBuf>,
    /// Check a verification code instead of a file.
    #[arg(long, conflicts_with = "file")]
    pub code: Option<String>,
    /// Print the whole result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(
    loc: &Location,
    op: &Operator,
    args: &CertificateArgs,
) -> anyhow::Result<ExitCode> {
    match &args.command {
        CertificateCommand::Verify(a) => {
            // The public page /verify needs no account; the command line
            // reaches into the installation, so staff sign in.
            let guard = match read_guard(loc, op, "certificate verify", P::PersonQuery).await? {
                Ok(g) => g,
                Err(code) => return Ok(code),
            };
            let out = verify(loc, a).await;
            end_guard(guard).await;
            out
        }
    }
}

async fn verify(loc: &Location, args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let sirm = Sirm::open(&loc.open_options(), Access::Read).await?;
    let result = match (&args.file, &args.code) {
        (Some(path), _) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("{}: cannot read the file", path.display()))?;
            sirm.verify_certificate_file(&bytes, "sirm certificate verify")
                .await
        }
        (None, Some(code)) => {
            sirm.verify_certificate(code, None, "sirm certificate verify")
                .await
        }
        (None, None) => anyhow::bail!("give a PDF file or --code"),
    };
    let v = match result {
        Ok(v) => v,
        Err(sirm_app::AppError::NotFound { .. }) => {
            println!("NOT FOUND: no certificate was issued with this code");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let verdict = match v.verdict {
            Verdict::Genuine => "GENUINE",
            Verdict::Altered => "ALTERED",
            Verdict::Revoked => "REVOKED",
        };
        println!(
            "{verdict}: {} {} ({})",
            v.title, v.code, v.content.agency_name
        );
        println!(
            "  person {} {}, period {}, issued {}",
            v.content.person_name, v.content.id_masked, v.content.period, v.issued_at
        );
        if let Some(f) = &v.file {
            println!(
                "  file sha256 {} {} issued {}",
                f.sha256,
                if f.matches { "==" } else { "!=" },
                v.pdf_sha256
            );
        }
        println!(
            "  agency signature {} (key {}); ledger entry {} {}",
            if v.signature_valid {
                "valid"
            } else {
                "INVALID"
            },
            v.key_id,
            v.seq,
            if v.anchored {
                "proven against the signed checkpoint"
            } else {
                "NOT proven against the signed checkpoint"
            }
        );
        if let Some(r) = &v.revoked {
            println!("  revoked by entry {}: {}", r.seq, r.reason);
        }
        if !v.unverified_revocations.is_empty() {
            println!(
                "  revocation entries of this person that fail verification (one may revoke this certificate): {:?}",
                v.unverified_revocations
            );
        }
    }
    Ok(if v.verdict == Verdict::Genuine {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
