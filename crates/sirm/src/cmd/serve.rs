//! `sirm serve` and `sirm demo`: the commands that run the server.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use sirm_app::demo::{self, DemoRequest, DEMO_ACCOUNTS, DEMO_EXTERNAL, DEMO_PASSWORD};
use sirm_app::{Access, Sirm};

use super::install::{Crypto, Location};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "SIRM_LISTEN")]
    pub listen: String,
    /// Self-service terminal mode: `/` opens the kiosk (ID number + query PIN,
    /// large type, on-screen keypad, sign-out after 60 s idle).
    #[arg(long)]
    pub kiosk: bool,
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Directory of the demo installation (an ordinary data directory).
    #[arg(long, default_value = "./sirm-demo")]
    pub dir: PathBuf,
    /// Seed of the invented data (same seed, same data).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Number of invented persons.
    #[arg(long, default_value_t = 1000)]
    pub persons: usize,
    /// Also create this many insured-person portal accounts `bench-00001`…
    /// (password: the demo password), bound to persons spread over the demo,
    /// for load benchmarks (`scripts/load-bench`).
    #[arg(long, default_value_t = 0)]
    pub bench_accounts: usize,
    /// Every person employed with contributions for all 120 months of
    /// 2016–2025 (about 120 contribution rows per person; the scale of the
    /// load benchmark) instead of the ordinary mix of careers.
    #[arg(long)]
    pub full_careers: bool,
    /// Crypto profile of a new demo installation: intl (sha256-ed25519) or
    /// gm (国密 sm3-sm2). An existing demo keeps its own.
    #[arg(long, value_enum, default_value_t = Crypto::Intl)]
    pub crypto: Crypto,
    /// Only build the installation; do not serve it.
    #[arg(long)]
    pub no_serve: bool,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
}

pub(crate) async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

pub async fn run_server(sirm: Sirm, listen: &str) -> anyhow::Result<ExitCode> {
    run_server_with(sirm, listen, sirm_web::ServeOptions::default()).await
}

pub async fn run_server_with(
    sirm: Sirm,
    listen: &str,
    opts: sirm_web::ServeOptions,
) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("SIRM serving {} at http://{addr}/", sirm.config.agency_name);
    println!("  signed checkpoint: http://{addr}/api/v1/ledger/checkpoint");
    println!("  OpenAPI:           http://{addr}/api/v1/openapi.json");
    if opts.kiosk {
        println!("  self-service kiosk: http://{addr}/kiosk (also at /)");
    }
    println!("Press Ctrl-C to stop.");
    sirm_web::serve_with(Arc::new(sirm), listener, shutdown_signal(), opts).await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn serve(loc: &Location, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let sirm = Sirm::open(&loc.open_options(), Access::Sign).await?;
    sirm_app::backup::check_schedule(&sirm.config)?;
    run_server_with(
        sirm,
        &args.listen,
        sirm_web::ServeOptions { kiosk: args.kiosk },
    )
    .await
}

pub async fn demo(loc: &Location, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let mut opts = loc.open_options();
    opts.data_dir = sirm_app::DataDir::new(&args.dir);
    let started = std::time::Instant::now();
    println!(
        "Preparing the demo installation in {} …",
        args.dir.display()
    );
    let report = demo::ensure_demo(
        &opts,
        &DemoRequest {
            seed: args.seed,
            persons: args.persons,
            history: true,
            bench_accounts: args.bench_accounts,
            full_careers: args.full_careers,
            profile: args.crypto.profile(),
        },
    )
    .await?;
    if report.created {
        println!(
            "Created in {:.1} s: {} persons, {} employers, {} ledger entries.",
            started.elapsed().as_secs_f64(),
            report.persons,
            report.employers,
            report.entries
        );
    } else {
        println!(
            "Using the existing demo installation: {} persons, {} employers, {} ledger entries.",
            report.persons, report.employers, report.entries
        );
    }
    println!();
    println!("Demo logins / 演示账号 (password for all / 密码: {DEMO_PASSWORD}):");
    for (user, display, role, role_zh) in DEMO_ACCOUNTS.iter().chain(DEMO_EXTERNAL) {
        println!("  {user:<12} {role_zh:<12} {role:<20} {display}");
    }
    println!();
    println!("Staff sign in with a second factor. Demo TOTP secrets (add one to an");
    println!("authenticator app, or print the current code with `sirm totp-code SECRET`;");
    println!("each code works once):");
    for (user, _, _, _) in DEMO_ACCOUNTS {
        println!("  {user:<12} {}", demo::demo_totp_secret(user));
    }
    println!();
    println!(
        "Verify it any time:  SIRM_DATA_DIR={} sirm verify",
        args.dir.display()
    );
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let sirm = Sirm::open(&opts, Access::Sign).await?;
    println!("Sign in at http://{}/login", args.listen);
    run_server(sirm, &args.listen).await
}
