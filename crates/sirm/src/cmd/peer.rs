//! `sirm peer add|list|remove`: the agencies this installation knows as
//! peers for transfers between regions (Art 10, docs/transfer.md). The
//! security administrator signs in; each change is a `peer.added` /
//! `peer.removed` entry with its security event, as through the API.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use sirm_app::transfer::Peer;
use sirm_app::Access;
use sirm_domain::access::Permission as P;

use super::install::Location;
use super::operator::{open_acting, Operator};

#[derive(Args, Debug)]
pub struct PeerArgs {
    #[command(subcommand)]
    command: PeerCommand,
}

#[derive(Subcommand, Debug)]
enum PeerCommand {
    /// Add (or replace) a peer agency.
    Add {
        /// The agency code the peer signs under.
        #[arg(long)]
        agency: String,
        #[arg(long)]
        region: String,
        #[arg(long)]
        name: String,
        /// Base URL of its server; omit for an agency not on SIRM (files).
        #[arg(long, default_value = "")]
        url: String,
        /// The peer's `keys/checkpoint.pub`.
        #[arg(long)]
        public_key: PathBuf,
    },
    /// List the peers (`[[peers]]` in sirm.toml and those added here).
    List,
    /// Remove a peer added with `sirm peer add`.
    Remove {
        #[arg(long)]
        agency: String,
    },
}

pub async fn run(loc: &Location, op: &Operator, args: &PeerArgs) -> anyhow::Result<ExitCode> {
    let what = match &args.command {
        PeerCommand::Add { .. } => "peer add",
        PeerCommand::List => "peer list",
        PeerCommand::Remove { .. } => "peer remove",
    };
    let (sirm, acting) = match open_acting(loc, op, Access::Sign, what, P::SecurityConfig).await? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let who = acting.principal.clone();
    let result = match &args.command {
        PeerCommand::Add {
            agency,
            region,
            name,
            url,
            public_key,
        } => match std::fs::read_to_string(public_key) {
            Ok(key) => sirm
                .add_peer(
                    &who,
                    Peer {
                        agency: agency.clone(),
                        region: region.clone(),
                        name: name.clone(),
                        url: url.clone(),
                        public_key: key.trim().to_string(),
                        source: String::new(),
                    },
                )
                .await
                .map(|()| println!("peer {agency} added"))
                .map_err(anyhow::Error::from),
            Err(e) => Err(anyhow::anyhow!("{}: {e}", public_key.display())),
        },
        PeerCommand::List => sirm
            .list_peers(&who)
            .await
            .map(|peers| {
                for p in peers {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        p.agency,
                        p.region,
                        p.name,
                        if p.url.is_empty() { "(files)" } else { &p.url },
                        p.source
                    );
                }
            })
            .map_err(anyhow::Error::from),
        PeerCommand::Remove { agency } => sirm
            .remove_peer(&who, agency)
            .await
            .map(|()| println!("peer {agency} removed"))
            .map_err(anyhow::Error::from),
    };
    acting.end(&sirm).await;
    sirm.store_for_maintenance().close().await;
    result.map(|()| ExitCode::SUCCESS)
}
