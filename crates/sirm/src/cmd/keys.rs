//! `sirm keys`: the personal-data keys as an operation (docs/privacy.md).
//! `status` shows which keys exist (no secret); `rotate` and `export` sign
//! in as a security administrator (`--as`); `import` restores the key
//! files from custodians' shares (the threshold is the control: it runs
//! when the keys are lost and nobody could sign in to a server without them).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use sirm_app::{Access, Sirm};

use super::install::Location;
use super::user::sign_in_password;

#[derive(Args, Debug)]
pub struct KeysArgs {
    /// The security administrator who acts (rotate, export).
    #[arg(long = "as", value_name = "USER", global = true)]
    pub as_user: Option<String>,
    /// Read the password of --as from this file (else SIRM_PASSWORD, else asked).
    #[arg(long, value_name = "FILE", global = true)]
    pub password_file: Option<PathBuf>,
    /// Second factor of --as.
    #[arg(long, value_name = "CODE", global = true)]
    pub totp: Option<String>,
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

pub async fn run(loc: &Location, args: &KeysArgs) -> anyhow::Result<ExitCode> {
    let opts = loc.open_options();
    match &args.command {
        KeysCommand::Status => {
            let sirm = Sirm::open(&opts, Access::Sign).await?;
            let s = sirm.key_status().await?;
            sirm.store.close().await;
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
                "keys",
                "cli",
                "keys.import",
                "success",
                &format!(
                    "index key {idx} and key-encryption key {kek} restored from {} shares",
                    shares.len()
                ),
                "cli",
            )
            .await?;
            sirm.store.close().await;
            println!(
                "restored {idx} and {kek} into {}",
                loc.data_dir.join("keys").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Rotate | KeysCommand::Export { .. } => {
            let Some(user) = args
                .as_user
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
            else {
                anyhow::bail!("--as USER is required: a security administrator signs in for this");
            };
            let password = sign_in_password(user, args.password_file.as_deref())?;
            let mut sirm = Sirm::open(&opts, Access::Sign).await?;
            let session = sirm
                .login(user, &password, args.totp.as_deref(), "cli")
                .await;
            let session = match session {
                Ok(s) => s,
                Err(e) => {
                    let _ = sirm.flush_refusals(true).await;
                    sirm.store.close().await;
                    eprintln!("refused: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
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
            let _ = sirm.logout(&session.token, "cli").await;
            let _ = sirm.flush_refusals(true).await;
            sirm.store.close().await;
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
