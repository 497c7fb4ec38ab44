//! `sirm person --as MAINTAINER erase ID --reason … --basis … --material FILE`:
//! takes the erasure of a person's identifying data (个人信息删除) as an
//! application; it passes the review chain like every other (审核 → 复核 →
//! 审批 in the workbench), and on approval the person's data key is
//! destroyed (docs/privacy.md).

use std::path::PathBuf;
use std::process::ExitCode;

use super::install::Location;
use super::operator::Operator;
use super::outcome::finish;

/// The subcommand; the maintenance officer who takes the application signs
/// in with the global `--as` (or a `sirm login` session).
#[derive(Debug, clap::Args)]
pub struct PersonArgs {
    #[command(subcommand)]
    pub command: PersonCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum PersonCommand {
    /// Apply for the erasure of a person's identifying data (review chain; the data key is destroyed on approval).
    Erase {
        /// The resident ID number.
        id: String,
        /// Why (e.g. the person's request and the retention period that ended).
        #[arg(long)]
        reason: String,
        /// The law or decision that demands it.
        #[arg(long)]
        basis: String,
        /// The scanned decision or request (PDF, PNG or JPEG).
        #[arg(long)]
        material: PathBuf,
    },
}

pub async fn run(loc: &Location, op: &Operator, args: &PersonArgs) -> anyhow::Result<ExitCode> {
    let PersonCommand::Erase {
        id,
        reason,
        basis,
        material,
    } = &args.command;
    let (name, bytes) = super::operator::read_material(material)?;
    let (sirm, session) = match super::operator::open_signed_in(loc, op).await? {
        Ok(signed_in) => signed_in,
        Err(code) => return Ok(code),
    };
    let result = async {
        let m = sirm.archive().put(&name, &bytes).await?;
        let data = serde_json::json!({"id": id, "reason": reason, "basis": basis});
        sirm.submit_application(&session.principal, "person.erase", data, vec![m])
            .await
    }
    .await;
    session.end(&sirm).await;
    sirm.store_for_maintenance().close().await;
    finish(result.map(|app| {
        println!("application {app} (个人信息删除) submitted for review (审核); the data key is destroyed when it is approved");
    }))
}
