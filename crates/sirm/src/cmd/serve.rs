//! `sirm serve` and `sirm demo`: the commands that run the server.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use sirm_app::demo::{self, DemoRequest, DEMO_ACCOUNTS, DEMO_EXTERNAL, DEMO_PASSWORD};
use sirm_app::server::Transport;
use sirm_app::{Access, DataDir, Sirm};

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
    /// Serve over HTTPS with a self-signed certificate for localhost and
    /// 127.0.0.1, made once and kept in the demo's `keys/`.
    #[arg(long)]
    pub https: bool,
}

pub(crate) async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

pub async fn run_server(sirm: Sirm, listen: &str) -> anyhow::Result<ExitCode> {
    run_server_with(sirm, listen, sirm_web::ServeOptions::default()).await
}

/// Serve `sirm` on `listen` as `[server]` says: HTTPS with `tls_cert` /
/// `tls_key`, plain HTTP only on loopback or with `allow_plain_http`.
/// Refuses (before serving anything) a certificate or key that cannot be
/// served and plain HTTP where it is not allowed.
pub async fn run_server_with(
    mut sirm: Sirm,
    listen: &str,
    opts: sirm_web::ServeOptions,
) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let transport = sirm.config.server.transport(sirm.dir.root(), addr.ip())?;
    let tls = match &transport {
        Transport::Https { cert, key } => Some(sirm_web::tls::load(cert, key)?),
        Transport::PlainLoopback | Transport::PlainAllowed => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "SIRM serving {} at {scheme}://{addr}/",
        sirm.config.agency_name
    );
    println!("  sign in:           {scheme}://{addr}/login");
    println!("  signed checkpoint: {scheme}://{addr}/api/v1/ledger/checkpoint");
    println!("  OpenAPI:           {scheme}://{addr}/api/v1/openapi.json");
    if opts.kiosk {
        println!("  self-service kiosk: {scheme}://{addr}/kiosk (also at /)");
    }
    match (&transport, &tls) {
        (Transport::Https { cert, .. }, Some(t)) => {
            println!(
                "  TLS 1.2/1.3 certificate {} ({} in chain)",
                cert.display(),
                t.chain_len
            );
            println!("  certificate SHA-256 / 证书指纹: {}", t.fingerprint);
            // Links the server writes (certificate verification URLs) say
            // https; cookies are Secure and HSTS is sent (also enforced per
            // response by sirm-web whenever TLS is on).
            sirm.config.security.secure_cookies = true;
        }
        (Transport::PlainAllowed, _) => println!(
            "  不加密 / plain HTTP on {addr}: only behind a TLS proxy named in trusted_proxies \
             ([server] allow_plain_http = true)"
        ),
        _ => {}
    }
    if !sirm.config.server.trusted_proxies.is_empty() {
        let proxies: Vec<String> = sirm
            .config
            .server
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        println!(
            "  trusted proxies (X-Forwarded-For believed): {}",
            proxies.join(", ")
        );
    }
    println!("Press Ctrl-C to stop.");
    tracing::info!(%addr, scheme, "serving");
    sirm_web::serve_tls(
        Arc::new(sirm),
        listener,
        shutdown_signal(),
        opts,
        tls.map(|t| t.config),
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// `sirm.toml` holds the database and key settings: refuse to serve from
/// one that anyone but its owner can change (checked before opening, as
/// opening tightens the modes of the data directory).
fn check_config_mode(dir: &DataDir) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.config_path();
        match std::fs::metadata(&path) {
            Ok(m) if m.permissions().mode() & 0o022 != 0 => anyhow::bail!(
                "{}: 配置文件可被他人修改 / is writable by group or others (mode {:04o}); \
                 run `chmod 600 {}` and start again",
                path.display(),
                m.permissions().mode() & 0o7777,
                path.display()
            ),
            // Absent: opening says the directory holds no installation.
            Ok(_) | Err(_) => {}
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

pub async fn serve(loc: &Location, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    check_config_mode(&DataDir::new(&loc.data_dir))?;
    let sirm = Sirm::open(&loc.open_options(), Access::Sign).await?;
    sirm_app::backup::check_schedule(&sirm.config)?;
    run_server_with(
        sirm,
        &args.listen,
        sirm_web::ServeOptions { kiosk: args.kiosk },
    )
    .await
}

/// The demo's self-signed certificate for localhost and 127.0.0.1, made
/// once: `keys/tls-cert.pem` and `keys/tls-key.pem` (both 0600).
fn demo_certificate(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let cert = dir.join("keys").join("tls-cert.pem");
    let key = dir.join("keys").join("tls-key.pem");
    match (cert.exists(), key.exists()) {
        (true, true) => return Ok((cert, key)),
        (false, false) => {}
        _ => anyhow::bail!(
            "{} / {}: only one of the demo certificate and key exists; remove it to make a new pair",
            cert.display(),
            key.display()
        ),
    }
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .context("demo certificate")?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "SIRM demo (localhost)");
    // Valid from the start of this month for two years.
    let today = chrono::Utc::now().date_naive();
    use chrono::Datelike;
    let month = u8::try_from(today.month()).unwrap_or(1);
    params.not_before = rcgen::date_time_ymd(today.year(), month, 1);
    params.not_after = rcgen::date_time_ymd(today.year() + 2, month, 1);
    let key_pair = rcgen::KeyPair::generate().context("demo certificate key")?;
    let issued = params.self_signed(&key_pair).context("demo certificate")?;
    // The key first: a certificate on disk always has its key.
    sirm_app::write_new_secret(&key, key_pair.serialize_pem().as_bytes())?;
    sirm_app::write_new_secret(&cert, issued.pem().as_bytes())?;
    println!(
        "Made a self-signed certificate for localhost: {}",
        cert.display()
    );
    Ok((cert, key))
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
    println!("Administration on the command line signs in too (docs/mlps-level3.md), e.g.:");
    println!(
        "  SIRM_DATA_DIR={} sirm login --as dba --totp $(sirm totp-code {}) --session-file dba.session",
        args.dir.display(),
        demo::demo_totp_secret("dba")
    );
    println!(
        "  SIRM_DATA_DIR={} SIRM_SESSION_FILE=dba.session sirm verify",
        args.dir.display()
    );
    println!(
        "The demo telephone (IVR) system calls /api/v1/ivr/summary with the header X-SIRM-Client: {}",
        demo::DEMO_IVR_CLIENT
    );
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let tls = if args.https {
        Some(demo_certificate(&args.dir)?)
    } else {
        None
    };
    let mut sirm = Sirm::open(&opts, Access::Sign).await?;
    if let Some((cert, key)) = tls {
        println!(
            "HTTPS with a self-signed certificate: your browser asks you to accept it; \
             compare its SHA-256 fingerprint with the one below. / 自签名证书：请核对下面的证书指纹。"
        );
        // Served with the demo certificate; the demo's sirm.toml is not changed.
        sirm.config.server.tls_cert = Some(cert);
        sirm.config.server.tls_key = Some(key);
    }
    run_server(sirm, &args.listen).await
}
