//! `sirm keys`: the personal-data keys as an operation (docs/privacy.md).
//! `status` shows which keys exist (no secret; an administrator who may
//! verify the ledger); `rotate` and `export` sign in as a security
//! administrator (`--as` or a session); `import` restores the key
//! files from custodians' shares (the threshold is the control: it runs
//! when the keys are lost and nobody could sign in to a server without them).

use sirm_app::AuditEvent;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use sirm_app::{Access, Sirm};

use super::install::Location;
use super::operator::{open_acting, Operator};
use sirm_domain::access::Permission as P;

/// The subcommand; the security administrator signs in with the global
/// `--as` (or a `sirm login` session).
#[derive(Args, Debug)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Which keys there are, their fingerprints and what the database expects (no secret shown).
    Status,
    /// Re-wrap every person's data key under a new key-encryption key (the ledger is not touched).
    Rotate,
    /// Split the index key and the key-encryption key into shares for custodians.
    Export {
        /// Number of shares (custodians).
        #[arg(long)]
        shares: u8,
        /// Shares needed to restore.
        #[arg(long)]
        threshold: u8,
        /// Directory to write one file per share into (0600 each).
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore keys/index.key and keys/kek.key from at least the threshold of shares.
    Import {
        /// The share files.
        #[arg(required = true)]
        shares: Vec<PathBuf>,
    },
}

pub async fn run(loc: &Location, op: &Operator, args: &KeysArgs) -> anyhow::Result<ExitCode> {
    let opts = loc.open_options();
    match &args.command {
        KeysCommand::Status => {
            let (sirm, acting) =
                match open_acting(loc, op, Access::Sign, "keys status", P::LedgerVerify).await? {
                    Ok(s) => s,
                    Err(code) => return Ok(code),
                };
            let s = sirm.key_status().await;
            acting.end(&sirm).await;
            sirm.store_for_maintenance().close().await;
            let s = s?;
            println!("profile            {} ({})", s.profile, s.field_cipher);
            println!("signing key        {}", s.signing_key_id);
            println!("index key          {}  {}", s.index_key, s.index_key_file);
            println!("key-encryption     {}  {}", s.keks.join(", "), s.kek_file);
            for (name, value) in &s.registry {
                println!("database expects   {name} = {value}");
            }
            for (kek, n, erased) in &s.data_keys {
                println!("data keys          {n} wrapped under {kek} ({erased} erased)");
            }
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Import { shares } => {
            let (idx, kek) = sirm_app::privacy::custody::import_key_shares(&opts, shares).await?;
            let sirm = Sirm::open(&opts, Access::Sign).await?;
            sirm.audit(
                AuditEvent::new("keys", "cli", "keys.import")
                    .by("cli")
                    .success(format!(
                        "index key {idx} and key-encryption key {kek} restored from {} shares",
                        shares.len()
                    )),
            )
            .await?;
            sirm.store_for_maintenance().close().await;
            println!(
                "restored {idx} and {kek} into {}",
                loc.data_dir.join("keys").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Rotate | KeysCommand::Export { .. } => {
            let what = match &args.command {
                KeysCommand::Rotate => "keys rotate",
                _ => "keys export",
            };
            let (sirm, session) =
                match open_acting(loc, op, Access::Sign, what, P::SecurityConfig).await? {
                    Ok(s) => s,
                    Err(code) => return Ok(code),
                };
            let mut sirm = sirm;
            let who = session.principal.clone();
            let result = match &args.command {
                KeysCommand::Rotate => sirm.rotate_kek(&who).await.map(|r| {
                    println!(
                        "key-encryption key {} replaced by {}; {} data keys re-wrapped",
                        r.old, r.new, r.rewrapped
                    )
                }),
                KeysCommand::Export {
                    shares,
                    threshold,
                    out,
                } => sirm
                    .export_key_shares(&who, *shares, *threshold, out)
                    .await
                    .map(|files| {
                        println!(
                            "{} shares written, {threshold} needed to restore:",
                            files.len()
                        );
                        for f in files {
                            println!("  {}", f.display());
                        }
                    }),
                _ => Ok(()),
            };
            session.end(&sirm).await;
            sirm.store_for_maintenance().close().await;
            match result {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => {
                    eprintln!("refused: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
