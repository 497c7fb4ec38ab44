//! The `sirm` command line. Argument parsing and dispatch only: every command
//! is a use case in `sirm-app` (or a pure function of `sirm-domain`).
//!
//! Exit status: 0 success; 1 the answer is "no" (invalid identifier, altered
//! ledger, bad calculation input); 2 usage or configuration errors.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

use cmd::install::Location;

#[derive(Debug, Parser)]
#[command(
    name = "sirm",
    version,
    long_version = cmd::version::LONG_VERSION,
    about = "SIRM — social insurance personal rights records (社会保险个人权益记录管理)"
)]
struct Cli {
    #[command(flatten)]
    location: Location,
    #[command(flatten)]
    operator: cmd::operator::Operator,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new installation: database, migrations, signing key, first administrator.
    Init(cmd::install::InitArgs),
    /// Serve the web UI and the HTTP API.
    Serve(cmd::serve::ServeArgs),
    /// Build (if absent) and serve a demo installation with invented data.
    Demo(cmd::serve::DemoArgs),
    /// Verify the whole ledger (every entry, the Merkle tree, every signed checkpoint,
    /// the append-only guards) and every projection table against a replay of the ledger.
    Verify(cmd::install::VerifyArgs),
    /// Drop and rebuild every projection from the ledger; report digests before and after.
    Rebuild(cmd::install::RebuildArgs),
    /// Print the latest signed checkpoint (a signed note to keep outside the database).
    Checkpoint(cmd::install::CheckpointArgs),
    /// Apply pending database migrations (as the schema owner; a database administrator signs in).
    Migrate,
    /// Sign in once for the commands that follow (--as USER --session-file FILE).
    Login,
    /// End the session of --session-file.
    Logout,
    /// Manage accounts and roles (as a signed-in administrator; same use cases and audit trail as the web UI).
    User(cmd::user::UserArgs),
    /// Import a file as a business transaction (a monthly declaration).
    Import(cmd::import::ImportArgs),
    /// The legacy migration: write an invented export (docs/migration.md).
    Legacy(cmd::legacy::LegacyArgs),
    /// Print the current TOTP code of a base32 secret (demo and testing aid).
    TotpCode(cmd::install::TotpCodeArgs),
    /// A new client credential for the telephone (IVR) system and the `[ivr]` line for sirm.toml.
    IvrClient,
    /// Check an identifier (resident ID number, unified social credit code, region code).
    Id(cmd::id::IdArgs),
    /// Certificates (Art 15): verify a certificate PDF against the ledger.
    Certificate(cmd::certificate::CertificateArgs),
    /// Compute one rule of the rules engine from a JSON input.
    Calc(cmd::calc::CalcArgs),
    /// Validate or show rule sets.
    Rules(cmd::rules::RulesArgs),
    /// Personal-data keys: status, rotation, custodian shares (docs/privacy.md).
    Keys(cmd::keys::KeysArgs),
    /// Peer agencies for transfers between regions (docs/transfer.md).
    Peer(cmd::peer::PeerArgs),
    /// Applications about a person's data: erasure through the review chain.
    Person(cmd::person::PersonArgs),
    /// Backups: create (encrypted, incremental, signed manifest), list, keygen (docs/operations.md).
    Backup(cmd::backup::BackupArgs),
    /// Restore a backup into a new, empty installation (--data-dir, or --database-url/--database-schema).
    Restore(cmd::backup::RestoreArgs),
    /// Readability check (Art 9): verify the ledger and projections, re-hash
    /// every archived file, check the newest backup of each destination.
    Check(cmd::backup::CheckArgs),
    /// Copy the installation into the other engine (SQLite ↔ PostgreSQL), prove it, keep the original read-only.
    MigrateEngine(cmd::backup::MigrateEngineArgs),
    /// A witness for the supervising department: keygen, serve (C2SP tlog-witness; docs/witness.md).
    Witness(cmd::witness::WitnessArgs),
    /// Print the version, the commit it was built from and a hash of this binary.
    Version,
    /// The live status of each checkable item of the level-3 assessment (docs/mlps-level3.md).
    Assess(cmd::install::AssessArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Id(args) => cmd::id::run(args),
        Command::Rules(args) if !args.needs_installation() => cmd::rules::run(args),
        Command::Calc(args) if !args.installation => cmd::calc::run(args),
        Command::TotpCode(args) => cmd::install::totp_code(args),
        Command::Version => cmd::version::run(),
        Command::Legacy(args) => cmd::legacy::run(args),
        Command::IvrClient => cmd::install::ivr_client(),
        other => run_async(&cli.location, &cli.operator, other),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run_async(
    loc: &Location,
    op: &cmd::operator::Operator,
    command: &Command,
) -> anyhow::Result<ExitCode> {
    init_tracing();
    // Everything this process creates (database, archive, keys, scratch
    // files) is readable by its owner only.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        match command {
            Command::Init(a) => cmd::install::init(loc, a).await,
            Command::Serve(a) => cmd::serve::serve(loc, a).await,
            Command::Demo(a) => cmd::serve::demo(loc, a).await,
            Command::Verify(a) => cmd::install::verify(loc, op, a).await,
            Command::Rebuild(a) => cmd::install::rebuild(loc, op, a).await,
            Command::Checkpoint(a) => cmd::install::checkpoint(loc, op, a).await,
            Command::Migrate => cmd::install::migrate(loc, op).await,
            Command::User(a) => cmd::user::run(loc, op, a).await,
            Command::Import(a) => cmd::import::run(loc, op, a).await,
            Command::Certificate(a) => cmd::certificate::run(loc, op, a).await,
            Command::Keys(a) => cmd::keys::run(loc, op, a).await,
            Command::Person(a) => cmd::person::run(loc, op, a).await,
            Command::Peer(a) => cmd::peer::run(loc, op, a).await,
            Command::Rules(a) => cmd::rules::run_installed(loc, op, a).await,
            Command::Calc(a) => cmd::calc::run_installed(loc, a).await,
            Command::Backup(a) => cmd::backup::run(loc, op, a).await,
            Command::Restore(a) => cmd::backup::restore(loc, a).await,
            Command::Check(a) => cmd::backup::check(loc, op, a).await,
            Command::MigrateEngine(a) => cmd::backup::migrate_engine(loc, op, a).await,
            Command::Witness(a) => cmd::witness::run(a).await,
            Command::Login => cmd::operator::login(loc, op).await,
            Command::Assess(a) => cmd::install::assess(loc, op, a).await,
            Command::Logout => cmd::operator::logout(loc, op).await,
            Command::Id(_)
            | Command::TotpCode(_)
            | Command::Version
            | Command::IvrClient
            | Command::Legacy(_) => {
                anyhow::bail!("internal: synchronous command dispatched as async")
            }
        }
    })
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SIRM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
