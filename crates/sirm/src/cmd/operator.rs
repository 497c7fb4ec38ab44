//! Who runs a command. Administration on the command line is administration
//! too (GB/T 22239-2019 访问控制 d, 安全审计 a): every command that touches an
//! installation acts as a signed-in account holding the command's
//! permission, and is recorded as a `cli.command` security event.
//!
//! Two ways to sign in, flags valid before or after any subcommand:
//! - `--as USER` (password from `--password-file`, `SIRM_PASSWORD` or the
//!   terminal; `--totp CODE`): signs in for this one command and out again;
//! - `sirm login --as USER --session-file FILE` once, then `--session-file
//!   FILE` (or `SIRM_SESSION_FILE`) on each command: the session's idle
//!   timeout and lifetime apply, `sirm logout` ends it. Scripts use this, as
//!   a second-factor code works only once.

use sirm_app::AuditEvent;
use sirm_domain::RuleId;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use sirm_app::{Access, AppError, Principal, Sirm};
use sirm_domain::access::Permission;

use super::location::Location;

/// `--as`, `--password-file`, `--totp`, `--session-file`: global flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Operator {
    /// The account that acts: signs in for this one command (password, and
    /// the second factor when enrolled).
    #[arg(long = "as", value_name = "USER", global = true)]
    pub as_user: Option<String>,
    /// Read the password of --as from this file (first line); otherwise from
    /// the environment variable SIRM_PASSWORD, otherwise it is asked for.
    #[arg(long, value_name = "FILE", global = true)]
    pub password_file: Option<PathBuf>,
    /// Second factor of --as: the 6-digit authenticator code or a recovery code.
    #[arg(long, value_name = "CODE", global = true)]
    pub totp: Option<String>,
    /// A session opened by `sirm login` (the file holding its token).
    #[arg(long, value_name = "FILE", env = "SIRM_SESSION_FILE", global = true)]
    pub session_file: Option<PathBuf>,
}

/// A signed-in operator for the length of one command.
pub struct Acting {
    pub principal: Principal,
    token: String,
    /// Signed in by `--as` for this command: sign out at the end.
    one_shot: bool,
    /// A read-only command's `cli.command` record, written when it has run
    /// (so that `verify` reads the ledger exactly as it found it).
    record_at_end: Option<String>,
}

impl Operator {
    /// The `--as` account, trimmed, if given.
    pub fn user(&self) -> Option<&str> {
        self.as_user
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }

    /// Sign in (`--as`) or resume the `sirm login` session. A refused
    /// sign-in is counted in the refusal summaries, written before return.
    pub async fn sign_in(&self, sirm: &Sirm) -> Result<Acting, AppError> {
        if let Some(user) = self.user() {
            // Zeroised when dropped (剩余信息保护).
            let password = zeroize::Zeroizing::new(
                sign_in_password(user, self.password_file.as_deref()).map_err(|e| {
                    AppError::unauthenticated(RuleId::SignInRequired, format!("{e:#}"))
                })?,
            );
            return match sirm
                .login(user, &password, self.totp.as_deref(), "cli")
                .await
            {
                Ok(s) => Ok(Acting {
                    principal: s.principal,
                    token: s.token,
                    one_shot: true,
                    record_at_end: None,
                }),
                Err(e) => {
                    let _ = sirm.flush_refusals(true).await;
                    Err(e)
                }
            };
        }
        if let Some(file) = &self.session_file {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if let Ok(m) = std::fs::metadata(file) {
                    if m.permissions().mode() & 0o077 != 0 {
                        return Err(AppError::unauthenticated(RuleId::SignInRequired, format!(
                            "{}: a session file readable by others is refused (chmod 600, or sign in again)",
                            file.display()
                        )));
                    }
                }
            }
            let token = std::fs::read_to_string(file).map_err(|e| {
                AppError::unauthenticated(
                    RuleId::SignInRequired,
                    format!(
                        "{}: cannot read the session file ({e}); sign in with `sirm login`",
                        file.display()
                    ),
                )
            })?;
            let token = token.trim().to_string();
            return match sirm.session_principal(&token, "cli").await {
                Ok((principal, _)) => Ok(Acting {
                    principal,
                    token,
                    one_shot: false,
                    record_at_end: None,
                }),
                Err(e) => {
                    let _ = sirm.flush_refusals(true).await;
                    Err(AppError::unauthenticated(RuleId::SignInRequired, format!(
                        "the session in {} is no longer valid ({e}); sign in again with `sirm login`",
                        file.display()
                    )))
                }
            };
        }
        Err(AppError::unauthenticated(
            RuleId::SignInRequired,
            "this command acts on the installation: sign in with --as USER (and --totp CODE), \
             or `sirm login --as USER --session-file FILE` once and pass --session-file FILE \
             (or SIRM_SESSION_FILE)",
        ))
    }

    /// Sign in, check `need` through the one authorization check, and record
    /// the command (`cli.command`, with what it was asked to do).
    pub async fn act(
        &self,
        sirm: &Sirm,
        command: &str,
        need: Permission,
    ) -> Result<Acting, AppError> {
        let mut acting = self.sign_in(sirm).await?;
        if let Err(e) = sirm.authorize(&acting.principal, need).await {
            acting.end(sirm).await;
            return Err(e);
        }
        let detail = format!("sirm {command} (permission {})", need.as_str());
        if READ_ONLY.contains(&command) {
            acting.record_at_end = Some(detail);
        } else {
            record(sirm, &acting.principal.username, &detail).await?;
        }
        Ok(acting)
    }
}

/// Commands that only read: recorded after they ran.
const READ_ONLY: &[&str] = &["verify", "checkpoint", "certificate verify", "assess"];

async fn record(sirm: &Sirm, who: &str, detail: &str) -> Result<(), AppError> {
    sirm.audit(AuditEvent::new(who, "cli", "cli.command").success(detail))
        .await
}

impl Acting {
    /// The command found the installation damaged (a failed verification):
    /// append nothing more to it — no record, no sign-out event; a
    /// `--as` session is removed without one.
    pub async fn end_untouched(self, sirm: &Sirm) {
        if self.one_shot {
            if let Err(e) = sirm.drop_session(&self.token).await {
                eprintln!("warning: ending the session failed: {e}");
            }
        }
    }

    /// Sign out when signed in for this command only; a `sirm login`
    /// session stays open.
    pub async fn end(self, sirm: &Sirm) {
        if let Some(detail) = &self.record_at_end {
            if let Err(e) = record(sirm, &self.principal.username, detail).await {
                eprintln!("warning: the command could not be recorded: {e}");
            }
        }
        if self.one_shot {
            if let Err(e) = sirm.logout(&self.token, "cli").await {
                eprintln!("warning: signing out failed: {e}");
            }
        }
        let _ = sirm.flush_refusals(true).await;
    }
}

/// Open the installation, sign in and check `need`: the start of every
/// administration command. A refusal is printed and gives exit status 1.
pub async fn open_acting(
    loc: &Location,
    op: &Operator,
    access: Access,
    command: &str,
    need: Permission,
) -> anyhow::Result<Result<(Sirm, Acting), ExitCode>> {
    let sirm = Sirm::open(&loc.open_options(), access).await?;
    match op.act(&sirm, command, need).await {
        Ok(a) => Ok(Ok((sirm, a))),
        Err(e) => {
            sirm.store_for_maintenance().close().await;
            eprintln!("error: refused: {e}");
            Ok(Err(ExitCode::from(1)))
        }
    }
}

/// The password of `--as`: file, then `SIRM_PASSWORD`, then the terminal.
pub fn sign_in_password(user: &str, file: Option<&Path>) -> anyhow::Result<String> {
    if let Some(path) = file {
        return first_line(path, "password");
    }
    if let Ok(p) = std::env::var("SIRM_PASSWORD") {
        if !p.is_empty() {
            return Ok(p);
        }
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "no password for {user}: use --password-file FILE or the environment variable \
             SIRM_PASSWORD (there is no terminal to ask)"
        );
    }
    Ok(rpassword::prompt_password(format!(
        "Password for {user}: "
    ))?)
}

/// The first line of a file holding a secret.
pub fn first_line(path: &Path, what: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the {what} file", path.display()))?;
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        bail!("{}: the {what} file is empty", path.display());
    }
    Ok(line)
}

/// `sirm login`: sign in once and keep the session's token in a file
/// (mode 0600) for the commands that follow.
pub async fn login(loc: &Location, op: &Operator) -> anyhow::Result<ExitCode> {
    let Some(file) = op.session_file.clone() else {
        bail!("--session-file FILE (or SIRM_SESSION_FILE) is required: where the session is kept");
    };
    if op.user().is_none() {
        bail!("--as USER is required: the account that signs in");
    }
    let sirm = Sirm::open(&loc.open_options(), Access::Sign).await?;
    let signed = Operator {
        session_file: None,
        ..op.clone()
    }
    .sign_in(&sirm)
    .await;
    sirm.store_for_maintenance().close().await;
    let acting = match signed {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: refused: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    match std::fs::remove_file(&file) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("{}: cannot replace", file.display())),
    }
    sirm_app::write_new_secret(&file, acting.token.as_bytes())?;
    println!(
        "signed in as {} ({}); session kept in {} until `sirm logout` or it times out",
        acting.principal.username,
        acting
            .principal
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `sirm logout`: end the session of `--session-file` and remove the file.
pub async fn logout(loc: &Location, op: &Operator) -> anyhow::Result<ExitCode> {
    let Some(file) = &op.session_file else {
        bail!("--session-file FILE (or SIRM_SESSION_FILE) is required");
    };
    let token = first_line(file, "session")?;
    let sirm = Sirm::open(&loc.open_options(), Access::Sign).await?;
    let out = sirm.logout(token.trim(), "cli").await;
    sirm.store_for_maintenance().close().await;
    out?;
    std::fs::remove_file(file).with_context(|| format!("{}: cannot remove", file.display()))?;
    println!("signed out; {} removed", file.display());
    Ok(ExitCode::SUCCESS)
}

/// For the read-only commands (`verify`, `checkpoint`): on a live
/// installation (its signing key is here and it was not migrated away) the
/// operator signs in and the command is recorded, as for every other
/// command; on a read-only copy (an auditor's copy with the public key
/// only, or an original kept read-only by `sirm migrate-engine`) nothing
/// can be recorded, so it runs without, and says so.
pub async fn read_guard(
    loc: &Location,
    op: &Operator,
    command: &str,
    need: Permission,
) -> anyhow::Result<Result<Option<(Sirm, Acting)>, ExitCode>> {
    let dir = &loc.open_options().data_dir;
    let read_only =
        !dir.key_path().exists() || dir.root().join(sirm_app::backup::MIGRATED_MARKER).exists();
    if read_only {
        eprintln!(
            "note: read-only copy (no signing key, or migrated away): sirm {command} runs without sign-in and records nothing"
        );
        return Ok(Ok(None));
    }
    // An installation that cannot be opened for writing (a wrong or
    // damaged key, a damaged ledger) is exactly what verification must
    // still examine: read-only then, and said so.
    let mut opts = loc.open_options();
    opts.append_nothing_at_open = true;
    let sirm = match Sirm::open(&opts, Access::Sign).await {
        Ok(s) => s,
        // A wrong or damaged key file: the read-only examination can still
        // run (anything else, e.g. an unknown schema, is the answer itself).
        Err(e @ (AppError::Config { .. } | AppError::KeyMissing(_) | AppError::File { .. })) => {
            eprintln!(
                "note: the installation does not open for writing ({e}); sirm {command} runs read-only and records nothing"
            );
            return Ok(Ok(None));
        }
        Err(e) => return Err(e.into()),
    };
    match op.act(&sirm, command, need).await {
        Ok(a) => Ok(Ok(Some((sirm, a)))),
        Err(e) => {
            sirm.store_for_maintenance().close().await;
            eprintln!("error: refused: {e}");
            Ok(Err(ExitCode::from(1)))
        }
    }
}

/// End what [`read_guard`] began.
pub async fn end_guard(guard: Option<(Sirm, Acting)>) {
    if let Some((sirm, acting)) = guard {
        acting.end(&sirm).await;
        sirm.store_for_maintenance().close().await;
    }
}

/// Open the installation for appending and sign in. A refused sign-in is
/// the command's answer: `Ok(Err(exit code))`, the refusal printed and the
/// store closed.
pub async fn open_signed_in(
    loc: &Location,
    op: &Operator,
) -> anyhow::Result<Result<(Sirm, Acting), ExitCode>> {
    let sirm = Sirm::open(&loc.open_options(), Access::Sign).await?;
    match op.sign_in(&sirm).await {
        Ok(acting) => Ok(Ok((sirm, acting))),
        Err(e) => {
            sirm.store_for_maintenance().close().await;
            Ok(Err(super::outcome::finish(Err(e))?))
        }
    }
}

/// A scanned material named on the command line: its file name and bytes.
pub fn read_material(path: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("{}: cannot read the material", path.display()))?;
    Ok((file_name(path, "material"), bytes))
}

/// The last part of `path`, or `default` when it has none in UTF-8.
pub fn file_name(path: &Path, default: &str) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(default)
        .to_string()
}
