//! `sirm backup …` and `sirm restore` (docs/operations.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use sirm_app::backup::{self, Destination, DestinationConfig, PublishedCheck, RestoreRequest};
use sirm_app::{Access, Sirm};

use super::install::Location;
use super::operator::{open_acting, Operator};
use sirm_domain::access::Permission as P;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: BackupCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum BackupCommand {
    /// Back up to every destination in `[backup]` of sirm.toml, or to --to.
    Create(CreateArgs),
    /// Make a backup identity (age X25519): the secret goes to --out, the
    /// recipient to put in `[backup] recipients` is printed.
    Keygen(KeygenArgs),
    /// List the backups at a destination (manifests, newest last), verified.
    List(ListArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// A directory, or s3://BUCKET[/PREFIX], to back up to instead of the
    /// configured destinations (S3: endpoint, region and access key id from
    /// SIRM_BACKUP_S3_ENDPOINT, SIRM_BACKUP_S3_REGION,
    /// SIRM_BACKUP_ACCESS_KEY_ID; the secret from SIRM_BACKUP_SECRET_ACCESS_KEY).
    #[arg(long)]
    pub to: Option<String>,
    /// An age recipient (age1…) instead of the configured ones; repeatable.
    #[arg(long = "recipient")]
    pub recipients: Vec<String>,
    /// Print the reports as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the identity (created 0600; refused if it exists).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The backup: a directory, or s3://BUCKET[/PREFIX] (docs/operations.md).
    #[arg(long)]
    pub from: String,
    /// The agency's public key (default: keys/checkpoint.pub in the data
    /// directory); no database is needed.
    #[arg(long)]
    pub public_key: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup to restore from: a directory, or s3://BUCKET[/PREFIX].
    #[arg(long)]
    pub from: String,
    /// Directory with the installation's key files (checkpoint.key,
    /// checkpoint.pub, index.key, kek.key), as the custodians brought them.
    #[arg(long)]
    pub keys: PathBuf,
    /// File with the age identity able to decrypt the backup.
    #[arg(long)]
    pub identity: PathBuf,
    /// Restore the newest backup ending at or before this entry.
    #[arg(long)]
    pub at: Option<u64>,
    /// The newest checkpoint the agency published (a signed note kept
    /// outside, e.g. by `sirm checkpoint --out`): a shorter restore is
    /// reported as data loss, a different history refused as a fork.
    #[arg(long)]
    pub published: Option<PathBuf>,
    /// Restore even though published entries are missing from the backup;
    /// the installation will refuse to sign new checkpoints.
    #[arg(long)]
    pub accept_data_loss: bool,
    /// After a data loss, continue as a successor log under this new origin
    /// (e.g. sirm:110105.r1): its first entry records the loss; witnesses
    /// must be told the new origin (docs/operations.md).
    #[arg(long, value_name = "ORIGIN")]
    pub successor_origin: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(loc: &Location, op: &Operator, args: &BackupArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        BackupCommand::Keygen(a) => keygen(a),
        BackupCommand::List(a) => list(loc, a).await,
        BackupCommand::Create(a) => create(loc, op, a).await,
    }
}

fn keygen(args: &KeygenArgs) -> anyhow::Result<ExitCode> {
    let (text, recipient) = backup::generate_identity();
    sirm_app::write_new_secret(&args.out, text.as_bytes())?;
    println!("{recipient}");
    Ok(ExitCode::SUCCESS)
}

async fn list(loc: &Location, args: &ListArgs) -> anyhow::Result<ExitCode> {
    let key_path = args
        .public_key
        .clone()
        .unwrap_or_else(|| loc.data_dir.join("keys").join("checkpoint.pub"));
    let key = sirm_app::read_public_key_file(&key_path)?;
    let dest = Destination::open(&DestinationConfig::from_spec("backup", &args.from), false)?;
    for (name, m) in backup::list(&dest, &key).await? {
        println!(
            "{name}  entries 1..={}  root {}  {} increments  {}",
            m.tree_size,
            m.root,
            m.increments.len(),
            m.created
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn create(loc: &Location, op: &Operator, args: &CreateArgs) -> anyhow::Result<ExitCode> {
    let (sirm, acting) =
        match open_acting(loc, op, Access::Sign, "backup create", P::DatabaseMaintain).await? {
            Ok(s) => s,
            Err(code) => return Ok(code),
        };
    let out = create_with(&sirm, args).await;
    acting.end(&sirm).await;
    sirm.store_for_maintenance().close().await;
    out
}

async fn create_with(sirm: &Sirm, args: &CreateArgs) -> anyhow::Result<ExitCode> {
    let cfg = sirm.config.backup.clone();
    let recipients = if args.recipients.is_empty() {
        &cfg.recipients
    } else {
        &args.recipients
    };
    let recipients = backup::parse_recipients(recipients)?;
    let dests: Vec<Destination> = match &args.to {
        Some(p) => vec![Destination::open(
            &DestinationConfig::from_spec("cli", p),
            true,
        )?],
        None => {
            if cfg.destinations.is_empty() {
                anyhow::bail!(
                    "no destination: give --to DIR or set [[backup.destinations]] in sirm.toml"
                );
            }
            cfg.destinations
                .iter()
                .map(|d| Destination::open(d, true))
                .collect::<Result<_, _>>()?
        }
    };
    let mut failed = false;
    for dest in &dests {
        match sirm.backup_to(dest, &recipients).await {
            Ok(r) => {
                if args.json {
                    println!("{}", serde_json::to_string(&r)?);
                } else {
                    println!(
                        "backup to {} ({}): entries {}..={} ({} new), {} archive files, {} state rows, {} bytes, {:.2} s; manifest {}",
                        r.destination,
                        dest.label,
                        r.tree_size - r.entries + 1,
                        r.tree_size,
                        r.entries,
                        r.blobs,
                        r.state_rows,
                        r.bytes,
                        r.seconds,
                        r.manifest
                    );
                }
            }
            Err(e) => {
                eprintln!("error: backup to {} ({}): {e}", dest.name, dest.label);
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// A backup (directory or s3://BUCKET[/PREFIX]) to check besides the
    /// configured destinations; repeatable.
    #[arg(long = "backup")]
    pub backups: Vec<String>,
    /// An age identity: also restore each newest backup into a scratch
    /// directory and verify it (a custodian present, e.g. at a drill).
    #[arg(long)]
    pub identity: Option<PathBuf>,
    /// Where scratch copies go (default: the system's temporary directory).
    #[arg(long)]
    pub scratch_dir: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `sirm check`: exit 0 when nothing was found, 1 with findings.
pub async fn check(loc: &Location, op: &Operator, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let (sirm, acting) = match open_acting(loc, op, Access::Sign, "check", P::LedgerVerify).await? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let out = check_with(&sirm, args).await;
    acting.end(&sirm).await;
    sirm.store_for_maintenance().close().await;
    out
}

async fn check_with(sirm: &Sirm, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let mut dests: Vec<Destination> = sirm
        .config
        .backup
        .destinations
        .iter()
        .map(|d| Destination::open(d, false))
        .collect::<Result<_, _>>()?;
    for (i, p) in args.backups.iter().enumerate() {
        dests.push(Destination::open(
            &DestinationConfig::from_spec(&format!("backup-{}", i + 1), p),
            false,
        )?);
    }
    let ids = args
        .identity
        .as_deref()
        .map(backup::read_identities)
        .transpose()?;
    let r = sirm
        .check(&dests, ids.as_deref(), args.scratch_dir.as_deref())
        .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!(
            "ledger: {} entries, {}; projections {}; {} archive files re-hashed",
            r.ledger_entries,
            if r.ledger_intact {
                "intact"
            } else {
                "NOT INTACT"
            },
            if r.projections_match {
                "match the ledger"
            } else {
                "DIFFER from the ledger"
            },
            r.archive_files
        );
        for b in &r.backups {
            match &b.problem {
                None => println!(
                    "backup {}: up to entry {} ({} behind the ledger), {} increments, {} bytes, hashes match{}",
                    b.destination,
                    b.tree_size,
                    b.behind,
                    b.increments,
                    b.bytes,
                    if b.restored { ", restored and verified" } else { "" }
                ),
                Some(p) => println!("backup {}: PROBLEM: {p}", b.destination),
            }
        }
        if r.findings.is_empty() {
            println!("no findings ({:.1} s)", r.seconds);
        } else {
            println!("{} FINDINGS:", r.findings.len());
            for f in &r.findings {
                println!("  {f}");
            }
        }
    }
    Ok(if r.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub async fn restore(loc: &Location, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    let published = match &args.published {
        Some(p) => Some(
            std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?,
        ),
        None => None,
    };
    let req = RestoreRequest {
        from: Destination::open(&DestinationConfig::from_spec("backup", &args.from), false)?,
        target: loc.open_options(),
        keys_dir: args.keys.clone(),
        identities: backup::read_identities(&args.identity)?,
        at: args.at,
        published,
        accept_data_loss: args.accept_data_loss,
        successor_origin: args.successor_origin.clone(),
    };
    let r = backup::restore(req).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "restored {} entries ({} increments, {} archive files, {} state rows) from {} into {} in {:.2} s",
        r.entries,
        r.increments,
        r.blobs,
        r.state_rows,
        r.manifest,
        loc.data_dir.display(),
        r.seconds
    );
    println!(
        "root at entry {}: {} (as the signed manifest says); ledger verified",
        r.tree_size, r.root
    );
    match r.published {
        PublishedCheck::NotGiven => println!(
            "no published checkpoint given (--published): entries published after entry {} could not be checked for",
            r.tree_size
        ),
        PublishedCheck::Consistent { published } => {
            println!("the published checkpoint at entry {published} is part of the restored history")
        }
        PublishedCheck::DataLoss { restored, published } => match &r.successor_origin {
            Some(o) => println!(
                "DATA LOSS up to entry {published}: entries {}..={published} were published and are not in the backup; \
                 this installation continues as the successor log {o}, whose first entry records the loss",
                restored + 1
            ),
            None => println!(
                "DATA LOSS up to entry {published}: entries {}..={published} were published and are not in the backup; \
                 this installation will not sign new checkpoints (docs/operations.md)",
                restored + 1
            ),
        },
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct MigrateEngineArgs {
    /// The new engine: `sqlite` (the file in --to-data-dir) or a
    /// postgres://… URL.
    #[arg(long)]
    pub to: String,
    /// PostgreSQL schema of the copy.
    #[arg(long)]
    pub to_schema: Option<String>,
    /// The copy's data directory (new, empty): configuration, keys, archive.
    #[arg(long)]
    pub to_data_dir: PathBuf,
}

/// `sirm migrate-engine`: copy into the other engine, prove it, keep the
/// original read-only.
pub async fn migrate_engine(
    loc: &Location,
    op: &Operator,
    args: &MigrateEngineArgs,
) -> anyhow::Result<ExitCode> {
    // Signed in and recorded here, before the original turns read-only.
    let (sirm, acting) =
        match open_acting(loc, op, Access::Sign, "migrate-engine", P::DatabaseMaintain).await? {
            Ok(s) => s,
            Err(code) => return Ok(code),
        };
    acting.end(&sirm).await;
    sirm.store_for_maintenance().close().await;
    let mut to = sirm_app::OpenOptions::new(&args.to_data_dir);
    if args.to != "sqlite" {
        to.database_url = Some(args.to.clone());
        to.database_schema = args.to_schema.clone();
    }
    let r = backup::migrate_engine(&loc.open_options(), to).await?;
    println!(
        "migrated {} entries from {} to {} in {:.1} s: root {} and projection digest {} equal in both; \
         the original is kept read-only beside the copy, and both ledgers record the migration",
        r.tree_size, r.from, r.to, r.seconds, r.root, r.projection_digest
    );
    Ok(ExitCode::SUCCESS)
}
