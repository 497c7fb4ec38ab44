//! `sirm id`: check identifiers (resident ID number, unified social credit code,
//! region code). A thin wrapper over `sirm_domain::id`.

use std::process::ExitCode;

use chrono::Utc;
use serde_json::{json, Value};
use sirm_domain::id::{self, IdError, IdKind, Identified};

/// Identifier commands.
#[derive(Debug, clap::Args)]
#[command(
    about = "Check identifiers: resident ID numbers (GB 11643), unified social credit codes (GB 32100), region codes (GB/T 2260)"
)]
pub struct IdArgs {
    #[command(subcommand)]
    pub command: IdCommand,
}

/// `sirm id <command>`.
#[derive(Debug, clap::Subcommand)]
pub enum IdCommand {
    /// Validate one identifier and print one line of JSON.
    ///
    /// The kind is guessed unless --kind is given: 18 digits (optionally ending
    /// in X) is a resident ID number, 18 characters with letters a unified social
    /// credit code, 6 digits a region code.
    ///
    /// Valid: {"valid":true,"kind":"resident_id","id":...,"birth_date":...,"gender":...,"region":...}
    /// (credit codes add "authority" and "org_type"). Invalid:
    /// {"valid":false,"kind":...,"input":...,"error":...,"code":...,"part":...}, where
    /// "error" names the wrong part.
    ///
    /// Exit status: 0 valid, 1 invalid, 2 usage error.
    Check {
        /// The identifier to check (a lower-case x or letters are normalised).
        code: String,
        /// Force the kind instead of guessing it.
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
    },
}

/// `--kind` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// Resident ID number (公民身份号码), 18 characters.
    ResidentId,
    /// Unified social credit code (统一社会信用代码), 18 characters.
    CreditCode,
    /// Region code (行政区划代码), 6 digits.
    Region,
}

impl From<KindArg> for IdKind {
    fn from(kind: KindArg) -> IdKind {
        match kind {
            KindArg::ResidentId => IdKind::ResidentId,
            KindArg::CreditCode => IdKind::CreditCode,
            KindArg::Region => IdKind::Region,
        }
    }
}

pub fn run(args: &IdArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        IdCommand::Check { code, kind } => {
            let (line, valid) = check(code, kind.map(IdKind::from));
            println!("{line}");
            Ok(if valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// The JSON report for `code` and whether it is valid.
fn check(code: &str, kind: Option<IdKind>) -> (Value, bool) {
    let today = Utc::now().date_naive();
    let result = match kind {
        Some(kind) => id::parse_as(kind, code, today),
        None => id::identify(code, today),
    };
    match result {
        Ok(identified) => (valid_json(&identified), true),
        Err(err) => (invalid_json(code, kind, &err), false),
    }
}

fn valid_json(identified: &Identified) -> Value {
    match identified {
        Identified::ResidentId(rid) => json!({
            "valid": true,
            "kind": IdKind::ResidentId.as_str(),
            "id": rid.as_str(),
            "birth_date": rid.birth_date().format("%Y-%m-%d").to_string(),
            "gender": rid.gender().as_str(),
            "region": rid.region().as_str(),
            "sequence": rid.sequence(),
            "masked": rid.masked(),
        }),
        Identified::CreditCode(cc) => json!({
            "valid": true,
            "kind": IdKind::CreditCode.as_str(),
            "id": cc.as_str(),
            "region": cc.region().as_str(),
            "authority": cc.authority().code().to_string(),
            "authority_name": cc.authority().name_zh(),
            "org_type": cc.org_type().code().to_string(),
            "org_type_name": cc.org_type().name_zh(),
            "organisation_code": cc.organisation_code(),
        }),
        Identified::Region(region) => json!({
            "valid": true,
            "kind": IdKind::Region.as_str(),
            "id": region.as_str(),
            "level": region.level().as_str(),
        }),
    }
}

fn invalid_json(input: &str, forced: Option<IdKind>, err: &IdError) -> Value {
    let kind = forced.or_else(|| err.kind()).map(IdKind::as_str);
    json!({
        "valid": false,
        "kind": kind,
        "input": input,
        "error": err.to_string(),
        "code": err.code(),
        "part": err.part(),
    })
}
