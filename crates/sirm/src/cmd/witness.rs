//! `sirm witness …`: a witness for the supervising department (docs/witness.md).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sirm_app::witness::Witness;
use sirm_ledger::WitnessKey;

#[derive(Debug, clap::Args)]
pub struct WitnessArgs {
    #[command(subcommand)]
    pub command: WitnessCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum WitnessCommand {
    /// Make a witness key: the secret goes to --out, the verifier key
    /// (what agencies and verifiers are configured with) is printed.
    Keygen(KeygenArgs),
    /// Run the witness: C2SP tlog-witness `POST /add-checkpoint`, `GET /logs`;
    /// with --poll, also fetch and check each agency's checkpoints itself.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// The witness's name, a schema-less URL, e.g. `witness.example/w1`.
    #[arg(long)]
    pub name: String,
    /// Where to write the secret key (created 0600; refused if it exists).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The witness's secret key file (from `sirm witness keygen`).
    #[arg(long)]
    pub key: PathBuf,
    /// A log it witnesses: `ORIGIN=FILE`, FILE the agency's public key
    /// (keys/checkpoint.pub); repeatable.
    #[arg(long = "log", value_name = "ORIGIN=FILE", required = true)]
    pub logs: Vec<String>,
    /// Directory of the witness's state (the newest cosigned checkpoint per log, alarms).
    #[arg(long)]
    pub state: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: String,
    /// An agency to poll (its base URL, e.g. http://127.0.0.1:8080); repeatable.
    #[arg(long = "poll", value_name = "URL")]
    pub polls: Vec<String>,
    /// Seconds between polls.
    #[arg(long, default_value_t = 5)]
    pub poll_every: u64,
}

pub async fn run(args: &WitnessArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        WitnessCommand::Keygen(a) => keygen(a),
        WitnessCommand::Serve(a) => serve(a).await,
    }
}

fn keygen(args: &KeygenArgs) -> anyhow::Result<ExitCode> {
    let key = WitnessKey::generate(&args.name)?;
    sirm_app::write_new_secret(&args.out, format!("{}\n", &*key.to_skey()).as_bytes())?;
    println!("{}", key.verifier().to_vkey());
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(&args.key)
            .with_context(|| format!("{}: cannot read", args.key.display()))?,
    );
    let key = WitnessKey::from_skey(&text)
        .with_context(|| format!("{}: not a witness key", args.key.display()))?;
    let mut logs = BTreeMap::new();
    for l in &args.logs {
        let (origin, file) = l
            .split_once('=')
            .with_context(|| format!("--log {l}: expected ORIGIN=FILE"))?;
        let pk = sirm_app::read_public_key_file(std::path::Path::new(file))?;
        logs.insert(origin.to_string(), pk);
    }
    let witness = Arc::new(Witness::open(key, logs, &args.state).map_err(anyhow::Error::msg)?);
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    println!(
        "witness {} at http://{}/ (add-checkpoint, logs)",
        witness.name(),
        listener.local_addr()?
    );
    for base in args.polls.clone() {
        tokio::spawn(
            witness
                .clone()
                .poll_forever(base, Duration::from_secs(args.poll_every.max(1))),
        );
    }
    sirm_web::witness::serve(witness, listener, super::serve::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}
