//! `sirm init`, `sirm migrate`, `sirm serve`, `sirm demo`, `sirm verify`,
//! `sirm rebuild`: the commands that work on an installation.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use sirm_app::install::{self, InitRequest};
use sirm_app::{Access, Sirm};
use sirm_domain::access::Permission as P;
use sirm_ledger::{CryptoProfile, SignedCheckpoint};

use super::operator::{end_guard, open_acting, read_guard, Operator};

pub use super::location::Location;

/// `--crypto`: the crypto profile of a new installation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Crypto {
    /// International, `sha256-ed25519`: SHA-256, Ed25519, HMAC-SHA-256, AES-256-GCM.
    #[default]
    #[value(alias = "sha256-ed25519")]
    Intl,
    /// 国密, `sm3-sm2`: SM3, SM2 (GB/T 32918), HMAC-SM3, SM4-GCM.
    #[value(alias = "sm3-sm2")]
    Gm,
}

impl Crypto {
    pub fn profile(self) -> CryptoProfile {
        match self {
            Crypto::Intl => CryptoProfile::Sha256Ed25519,
            Crypto::Gm => CryptoProfile::Sm3Sm2,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Region code (GB/T 2260) of the pooling region this agency serves.
    #[arg(long)]
    pub region: String,
    /// Agency name (社会保险经办机构名称).
    #[arg(long)]
    pub agency_name: String,
    /// Username of the first system administrator (系统管理员), chosen by
    /// the agency (no fixed name an attacker could guess).
    #[arg(long)]
    pub admin_user: String,
    /// Display name of the first system administrator.
    #[arg(long, default_value = "系统管理员")]
    pub admin_name: String,
    /// Read the administrator's password from this file (first line) instead of asking.
    #[arg(long)]
    pub admin_password_file: Option<PathBuf>,
    /// Username of the first security administrator (安全管理员); gets a
    /// one-time password, printed once, to be changed at first sign-in.
    #[arg(long)]
    pub security_admin_user: String,
    /// Display name of the first security administrator.
    #[arg(long, default_value = "安全管理员")]
    pub security_admin_name: String,
    /// Username of the first audit administrator (审计管理员); gets a
    /// one-time password, printed once, to be changed at first sign-in.
    #[arg(long)]
    pub audit_admin_user: String,
    /// Display name of the first audit administrator.
    #[arg(long, default_value = "审计管理员")]
    pub audit_admin_name: String,
    /// Crypto profile of the ledger and the personal fields, fixed for the
    /// installation's lifetime: intl (sha256-ed25519) or gm (国密 sm3-sm2).
    #[arg(long, value_enum, default_value_t = Crypto::Intl)]
    pub crypto: Crypto,
    /// The region's first rule set (TOML, or JSON by the `.json` name),
    /// put in force in the same transaction as the installation. Without
    /// it, business that needs figures is refused until one is imported
    /// (`sirm rules import`).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A checkpoint kept outside the database (signed note from
    /// /api/v1/ledger/checkpoint's `note`, or `sirm checkpoint`); repeatable.
    #[arg(long = "checkpoint")]
    pub checkpoints: Vec<PathBuf>,
    /// Public key to verify against (default: keys/checkpoint.pub in the data directory).
    #[arg(long)]
    pub public_key: Option<PathBuf>,
    /// Print the report as JSON (the projection pass under `projections`).
    #[arg(long)]
    pub json: bool,
    /// Skip the projection pass: by default every projection table is
    /// compared with a replay of the ledger, and the first differing table
    /// and key are reported (exit 1).
    #[arg(long)]
    pub no_projections: bool,
    /// Directory for the projection pass's scratch database (default: the
    /// system's temporary directory, $TMPDIR); it needs about as much free
    /// space as the projections take in the database. Removed afterwards.
    #[arg(long, value_name = "DIR")]
    pub scratch_dir: Option<PathBuf>,
    /// Also open every sealed personal field with the installation's keys
    /// (keys/index.key, keys/kek.key) and name the entry of any that fails
    /// authentication. The ordinary verification needs no key.
    #[arg(long)]
    pub keys: bool,
    /// A witness's verifier key file (`<name>+<id>+<base64>`, printed by
    /// `sirm witness keygen`); repeatable. Every --checkpoint must then
    /// carry a valid cosignature by each, and the newest checkpoint the
    /// witness cosigned (kept by the agency) is checked against the ledger:
    /// a ledger shorter than it was rolled back.
    #[arg(long = "witness-key", value_name = "FILE")]
    pub witness_keys: Vec<PathBuf>,
}

/// `sirm verify --json`: the ledger report with the projection pass.
#[derive(serde::Serialize)]
struct VerifyReport<'a> {
    #[serde(flatten)]
    ledger: &'a sirm_app::verify::Verification,
    /// `null` with `--no-projections`.
    projections: Option<&'a sirm_app::verify_projections::ProjectionCheck>,
    /// With `--keys`: every sealed field opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    sealed: Option<&'a sirm_app::privacy::check::SealedCheck>,
    /// The query log against its seals (`querylog.sealed`).
    query_log: &'a sirm_app::evidence::QueryLogCheck,
}

#[derive(Debug, clap::Args)]
pub struct RebuildArgs {
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

fn read_password(args: &InitArgs) -> anyhow::Result<String> {
    if let Some(path) = &args.admin_password_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the password file", path.display()))?;
        let line = text.lines().next().unwrap_or("").to_string();
        return Ok(line);
    }
    if !std::io::stdin().is_terminal() {
        bail!("no terminal to ask for the administrator password: use --admin-password-file FILE");
    }
    let p1 = rpassword::prompt_password(format!("Password for {}: ", args.admin_user))?;
    let p2 = rpassword::prompt_password("Repeat the password: ")?;
    if p1 != p2 {
        bail!("the two passwords differ; nothing was created");
    }
    Ok(p1)
}

pub async fn init(loc: &Location, args: &InitArgs) -> anyhow::Result<ExitCode> {
    let password = read_password(args)?;
    let rules = match &args.rules {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let name = path.to_string_lossy();
            Some((sirm_domain::rules::Format::of_name(&name), text))
        }
    };
    let report = install::init(
        &loc.open_options(),
        &InitRequest {
            region: args.region.clone(),
            agency_name: args.agency_name.clone(),
            admin_username: args.admin_user.clone(),
            admin_display_name: args.admin_name.clone(),
            admin_password: password,
            security_admin: (
                args.security_admin_user.clone(),
                args.security_admin_name.clone(),
            ),
            audit_admin: (args.audit_admin_user.clone(), args.audit_admin_name.clone()),
            profile: args.crypto.profile(),
            rules,
            demo: false,
        },
    )
    .await?;
    println!("SIRM installation created / 已创建");
    println!("  data directory: {}", report.data_dir);
    println!("  database:       {}", report.database);
    println!("  ledger origin:  {}", report.origin);
    println!("  crypto profile: {}", args.crypto.profile());
    println!("  signing key id: {} (keys/checkpoint.key, mode 0600 — keep it out of the database administrator's reach)", report.key_id);
    println!("  ledger entries: {}", report.tree_size);
    println!("The three administrators (三员分立) — hand each one-time password to its holder");
    println!("in person; it must be changed at first sign-in, and a second factor enrolled:");
    println!(
        "  {:<12} system administrator   (the password you chose)",
        args.admin_user
    );
    for (i, role) in [(0, "security administrator"), (1, "audit administrator ")] {
        if let Some(issued) = report.issued.get(i) {
            println!(
                "  {:<12} {role}   one-time password: {}",
                issued.username, issued.password
            );
        }
    }
    println!("Next: sirm serve --data-dir {}", report.data_dir);
    Ok(ExitCode::SUCCESS)
}

/// `sirm migrate`: a database administrator signs in first (with the
/// schema as it is), then the schema owner applies what is pending.
pub async fn migrate(loc: &Location, op: &Operator) -> anyhow::Result<ExitCode> {
    let mut opts = loc.open_options();
    opts.pending_migrations_ok = true;
    let sirm = Sirm::open(&opts, Access::Sign).await?;
    let acting = match op.act(&sirm, "migrate", P::DatabaseMaintain).await {
        Ok(a) => a,
        Err(e) => {
            sirm.store_for_maintenance().close().await;
            eprintln!("error: refused: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let store = sirm_store::Store::connect(
        &opts.store_config(Some(&sirm.config)),
        sirm_store::Role::Owner,
    )
    .await?;
    let migrated = async {
        let before = store.schema_state().await?;
        store.migrate().await?;
        let after = store.schema_state().await?;
        Ok::<_, sirm_store::StoreError>((before, after))
    }
    .await;
    store.close().await;
    acting.end(&sirm).await;
    sirm.store_for_maintenance().close().await;
    let (before, after) = migrated?;
    println!("schema: {before:?} → {after:?}");
    Ok(ExitCode::SUCCESS)
}

pub async fn verify(loc: &Location, op: &Operator, args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let guard = match read_guard(loc, op, "verify", P::LedgerVerify).await? {
        Ok(g) => g,
        Err(code) => return Ok(code),
    };
    let out = verify_ledger(loc, args).await;
    let failed = !matches!(&out, Ok(code) if *code == ExitCode::SUCCESS);
    match guard {
        Some((sirm, acting)) if failed => {
            // A failed verification needs a human, but nothing is appended
            // to a ledger that may be damaged (it could blur the evidence):
            // the alarm goes to the webhook and syslog (sirm_app::alarms).
            sirm_app::alarms::notify_outside(
                &sirm.config.alarms,
                sirm_app::alarms::AlarmKind::CheckFailed,
                "cli",
                "sirm verify failed: the ledger, the projections or the query log differ, or a witness is missing",
            )
            .await;
            acting.end_untouched(&sirm).await;
            sirm.store_for_maintenance().close().await;
        }
        g => end_guard(g).await,
    }
    out
}

async fn verify_ledger(loc: &Location, args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let opts = loc.open_options();
    let mut sirm = Sirm::open(&opts, Access::Read).await?;
    if let Some(p) = &args.public_key {
        let key = sirm_app::read_public_key_file(p)?;
        // A key of another profile can verify nothing here: say so, rather
        // than report every checkpoint as altered.
        if key.profile() != sirm.public_key.profile() {
            bail!(
                "{}: this is a {} public key, but the installation uses the {} profile",
                p.display(),
                key.profile(),
                sirm.public_key.profile()
            );
        }
        sirm.public_key = key;
    }
    let mut witnesses = Vec::new();
    for path in &args.witness_keys {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read witness key", path.display()))?;
        witnesses.push(
            sirm_ledger::WitnessVerifier::from_vkey(&text)
                .with_context(|| format!("{}: not a witness verifier key", path.display()))?,
        );
    }
    let mut external = Vec::new();
    let mut witness_lines = Vec::new();
    let mut witnessed = true;
    let mut notes = Vec::new();
    for path in &args.checkpoints {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read checkpoint", path.display()))?;
        notes.push((path.display().to_string(), text));
    }
    if !witnesses.is_empty() {
        if let Some(note) = sirm.cosigned_note().await? {
            notes.push(("the newest cosigned checkpoint kept here".into(), note));
        }
    }
    for (name, text) in &notes {
        let cp = SignedCheckpoint::from_note(text)
            .with_context(|| format!("{name}: not a SIRM signed checkpoint"))?;
        for w in &witnesses {
            match w.verify_note(text) {
                Ok(t) => witness_lines.push(format!(
                    "{name} (entry {}) cosigned by witness {} at {}",
                    cp.checkpoint.tree_size,
                    w.name(),
                    chrono::DateTime::from_timestamp(i64::try_from(t).unwrap_or(0), 0)
                        .map(|d| d.to_rfc3339())
                        .unwrap_or_default()
                )),
                Err(e) => {
                    witnessed = false;
                    witness_lines.push(format!(
                        "NOT WITNESSED: {name} (entry {}): {e}",
                        cp.checkpoint.tree_size
                    ));
                }
            }
        }
        external.push(cp);
    }
    if !witnesses.is_empty() && notes.is_empty() {
        witnessed = false;
        witness_lines.push("NOT WITNESSED: no checkpoint cosigned by the witness is kept here and none was given (--checkpoint)".into());
    }
    let v = sirm.verify(external).await?;
    let projections = if args.no_projections {
        None
    } else {
        Some(sirm.verify_projections(args.scratch_dir.as_deref()).await?)
    };
    let sealed = if args.keys {
        let mut keyed_opts = opts.clone();
        keyed_opts.append_nothing_at_open = true;
        let keyed = Sirm::open(&keyed_opts, Access::Sign).await?;
        let s = keyed.verify_sealed().await?;
        keyed.store_for_maintenance().close().await;
        Some(s)
    } else {
        None
    };
    let query_log = sirm.check_query_log().await?;
    let intact = v.is_intact()
        && query_log.is_intact()
        && witnessed
        && projections.as_ref().is_none_or(|p| p.matches())
        && sealed.as_ref().is_none_or(|s| s.is_intact());
    if args.json {
        let report = VerifyReport {
            ledger: &v,
            projections: projections.as_ref(),
            sealed: sealed.as_ref(),
            query_log: &query_log,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        if v.is_intact() {
            println!(
                "ledger intact: {} entries, {} signed checkpoints checked, root {}",
                v.report.entries, v.report.checkpoints, v.report.root
            );
        } else {
            match v.report.first_bad_seq() {
                Some(seq) => println!("LEDGER ALTERED: first bad entry is {seq}"),
                None => println!("LEDGER ALTERED"),
            }
            for line in v.lines() {
                println!("  {line}");
            }
        }
        match &projections {
            None => println!("projections not checked (--no-projections)"),
            Some(p) => match &p.difference {
                None => println!(
                    "projections match the ledger: {} tables, {} rows, {} entries replayed",
                    p.tables, p.rows, p.entries
                ),
                Some(d) => {
                    println!(
                        "PROJECTIONS DIFFER FROM THE LEDGER: first difference in table {}",
                        d.table
                    );
                    println!("  {d}");
                    println!("  (`sirm rebuild` rewrites every projection from the ledger)");
                }
            },
        }
        if query_log.is_intact() {
            println!(
                "query log sealed: {} rows in {} seals match ({} newer rows not yet sealed)",
                query_log.sealed_rows, query_log.seals, query_log.unsealed_rows
            );
        } else {
            println!("QUERY LOG ALTERED:");
            for p in &query_log.problems {
                println!("  {p}");
            }
        }
        for l in &witness_lines {
            println!("{l}");
        }
        if let Some(s) = &sealed {
            if s.is_intact() {
                println!(
                    "sealed fields open: {} values in {} entries ({} of erased persons not opened)",
                    s.opened, s.entries, s.erased
                );
            } else {
                println!("SEALED FIELDS DO NOT OPEN: {} values", s.failed);
                for (seq, field, why) in &s.failures {
                    println!("  entry {seq}: {field}: {why}");
                }
            }
        }
    }
    sirm.store_for_maintenance().close().await;
    Ok(if intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub async fn rebuild(
    loc: &Location,
    op: &Operator,
    args: &RebuildArgs,
) -> anyhow::Result<ExitCode> {
    let (sirm, acting) =
        match open_acting(loc, op, Access::Sign, "rebuild", P::DatabaseMaintain).await? {
            Ok(s) => s,
            Err(code) => return Ok(code),
        };
    let r = sirm.rebuild().await;
    acting.end(&sirm).await;
    let r = r?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!(
            "replayed {} ledger entries into the projections",
            r.replayed
        );
        println!("digest before: {}", r.before.digest);
        println!("digest after:  {}", r.after.digest);
        for (table, rows) in &r.after.rows {
            println!("  {table:<22} {rows} rows");
        }
        println!(
            "{}",
            if r.same() {
                "identical: the projections are exactly what the ledger says"
            } else {
                "DIFFERENT: the projections had drifted from the ledger and are now rebuilt from it"
            }
        );
    }
    sirm.store_for_maintenance().close().await;
    Ok(if r.same() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[derive(Debug, clap::Args)]
pub struct CheckpointArgs {
    /// Write the signed note to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Print the latest signed checkpoint as a signed note, for keeping outside
/// the database (`sirm verify --checkpoint FILE` later proves the ledger only grew).
pub async fn checkpoint(
    loc: &Location,
    op: &Operator,
    args: &CheckpointArgs,
) -> anyhow::Result<ExitCode> {
    let guard = match read_guard(loc, op, "checkpoint", P::LedgerVerify).await? {
        Ok(g) => g,
        Err(code) => return Ok(code),
    };
    let sirm = Sirm::open(&loc.open_options(), Access::Read).await?;
    let cp = sirm.latest_checkpoint().await?;
    cp.verify(&sirm.public_key)
        .context("the latest stored checkpoint does not verify; run `sirm verify`")?;
    let note = cp.to_note();
    match &args.out {
        Some(path) => std::fs::write(path, &note)
            .with_context(|| format!("{}: cannot write", path.display()))?,
        None => print!("{note}"),
    }
    sirm.store_for_maintenance().close().await;
    end_guard(guard).await;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct TotpCodeArgs {
    /// Base32 TOTP secret (e.g. a demo administrator's, printed by `sirm demo`).
    pub secret: String,
}

/// Print the current RFC 6238 code of a secret (for the demo and for testing).
pub fn totp_code(args: &TotpCodeArgs) -> anyhow::Result<ExitCode> {
    use sirm_domain::access::totp;
    let secret =
        totp::TotpSecret::from_base32(&args.secret).map_err(|e| anyhow::anyhow!("secret: {e}"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    println!("{}", totp::code(&secret, now, 30, 6));
    Ok(ExitCode::SUCCESS)
}

/// `sirm ivr-client`: a new credential for the telephone (IVR) system. The
/// credential is printed once (hand it to the IVR system's operators); only
/// its hash goes into `sirm.toml`.
pub fn ivr_client() -> anyhow::Result<ExitCode> {
    let (token, hash) = sirm_app::identity::ivr::new_client_credential();
    println!(
        "credential (give it to the telephone system; it sends it as the X-SIRM-Client header):"
    );
    println!("  {token}");
    println!("add its hash to sirm.toml and restart `sirm serve`:");
    println!("  [ivr]");
    println!("  clients = [\"{hash}\"]");
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct AssessArgs {
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `sirm assess`: one line per checkable item of the level-3 binder
/// (docs/mlps-level3.md): ok / attention / not configured. Exit 1 when an
/// item needs attention.
pub async fn assess(loc: &Location, op: &Operator, args: &AssessArgs) -> anyhow::Result<ExitCode> {
    let guard = match read_guard(loc, op, "assess", P::LedgerVerify).await? {
        Ok(g) => g,
        Err(code) => return Ok(code),
    };
    let sirm = Sirm::open(&loc.open_options(), Access::Read).await?;
    let findings = sirm.mlps_assessment().await;
    sirm.store_for_maintenance().close().await;
    end_guard(guard).await;
    let findings = findings?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&findings)?);
    } else {
        for x in &findings {
            println!("{:<15} {}  {}", x.status.as_str(), x.item, x.what);
        }
        println!("{}", sirm_version_line());
    }
    let attention = findings
        .iter()
        .any(|x| x.status == sirm_app::assess::Status::Attention);
    Ok(if attention {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The binary under assessment (可信验证): `sirm version` has the hash.
fn sirm_version_line() -> String {
    format!(
        "binary: sirm {} (run `sirm version` for its commit and SHA-256; docs/supply-chain.md)",
        env!("CARGO_PKG_VERSION")
    )
}
