//! `sirm user …`: account and role administration from the command line.
//!
//! Every command signs in as `--as USER` (password, and the second factor
//! when enrolled), calls exactly the use case the web UI calls — so the same
//! permission check, separation-of-duty rules and security audit trail apply
//! — and signs out again, also when the use case refuses.
//!
//! Exit status: 0 done; 1 refused (wrong credentials, a rule, bad input);
//! 2 usage or configuration errors (returned as `Err`, printed by `main`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use serde_json::json;
use sirm_app::identity::auth::Session;
use sirm_app::{Access, AppError, Sirm};
use sirm_domain::access::Role;

use super::install::Location;
use super::operator::{first_line, sign_in_password, Operator};

/// The subcommand. Who acts is `--as` (with `--password-file`, `--totp`),
/// global flags given before or after the subcommand (`operator.rs`).
#[derive(Debug, clap::Args)]
#[command(after_help = GROUP_HELP)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

const GROUP_HELP: &str = "\
Each command signs in as --as USER, goes through the same use case, permission \
check and security audit trail as the web UI, and signs out again.
Exit status: 0 done; 1 refused (wrong credentials, a rule, bad input); 2 usage or configuration error.

Example (the system administrator creates an account and asks for a role):
  sirm user --as sysadmin --totp 123456 add zhangsan --name 张三
  sirm user --as sysadmin --totp 654321 request-role zhangsan clerk --reason \"counter 3\"";

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a staff account with no roles; prints its issued password once
    /// (system administrator).
    Add {
        /// Username: 3–32 characters a–z, 0–9, '.', '_' or '-', starting with a letter.
        username: String,
        /// Display name (e.g. the person's name).
        #[arg(long, value_name = "DISPLAY")]
        name: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the accounts of your agency: username, display name, kind,
    /// status, roles (system administrator).
    List {
        /// Print the accounts as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lock an account: it can no longer sign in; its sessions end (system administrator).
    Lock {
        username: String,
        /// Why (recorded in the ledger).
        #[arg(long, value_name = "R")]
        reason: String,
    },
    /// Retire an account for good: never deleted (its history stays, the
    /// name is never reused), never signs in or unlocks again (system
    /// administrator; not the last holder of the security or audit administrator role).
    Retire {
        username: String,
        /// Why (recorded in the ledger).
        #[arg(long, value_name = "R")]
        reason: String,
    },
    /// Unlock an account locked by an administrator or after failed sign-ins
    /// (system administrator).
    Unlock {
        username: String,
        /// Why (recorded in the ledger).
        #[arg(long, value_name = "R")]
        reason: String,
    },
    /// Reset a staff account's password: the current password stops working,
    /// its sessions end, and a one-time reset code (valid 24 hours) is printed
    /// for its owner, who chooses a new password with `sirm user --as NAME
    /// reset --code CODE` or at /reset (system administrator). External
    /// accounts are reset at the counter.
    ResetPassword {
        username: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ask for ROLE to be granted to USERNAME; it takes effect when the
    /// security administrator approves it (system administrator).
    #[command(after_help = roles_help())]
    RequestRole {
        username: String,
        /// The role (machine name, see the list below).
        role: String,
        /// Why the account needs the role (recorded in the ledger).
        #[arg(long, value_name = "R")]
        reason: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the pending role requests (security or system administrator).
    Requests {
        /// Print the requests as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Approve a pending role request (security administrator; not the
    /// requester, not the account concerned).
    ApproveRole {
        request_id: String,
        /// Why (recorded in the ledger).
        #[arg(long, value_name = "R", default_value = "")]
        reason: String,
    },
    /// Reject a pending role request (security administrator).
    RejectRole {
        request_id: String,
        /// Why (recorded in the ledger).
        #[arg(long, value_name = "R")]
        reason: String,
    },
    /// Ask for a role to be taken away from an account; like a grant, it
    /// takes effect when a security administrator approves it (system
    /// administrator).
    #[command(after_help = roles_help())]
    RevokeRole {
        username: String,
        /// The role (machine name, see the list below).
        role: String,
        /// Why (recorded in the ledger).
        #[arg(long, value_name = "R")]
        reason: String,
    },
    /// Change your own password (the current one is the one you sign in
    /// with, from --password-file, SIRM_PASSWORD or the prompt).
    Passwd {
        /// Read the new password from this file (first line); otherwise it is
        /// asked for twice.
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
    /// Choose a new password with the one-time reset code an administrator
    /// or the counter handed you (no sign-in: --as names your account; the
    /// code comes from --code, the new password from --new-password-file or
    /// the terminal).
    Reset {
        /// The one-time reset code (XXXX-XXXX-XXXX-XXXX).
        #[arg(long, value_name = "CODE")]
        code: String,
        /// Read the new password from this file (first line); otherwise it is
        /// asked for twice.
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
    /// Enrol a TOTP second factor (RFC 6238). Without --secret: print a new
    /// secret and its otpauth:// URI to add to an authenticator app. With
    /// --secret and --code: confirm, and print ten one-time recovery codes.
    EnrolTotp {
        /// The secret printed by the first step.
        #[arg(long, requires = "code")]
        secret: Option<String>,
        /// The current 6-digit code shown by the authenticator app.
        #[arg(long, requires = "secret")]
        code: Option<String>,
        /// Replacing an enrolled second factor: a further code of the current
        /// authenticator (not the one used to sign in) or a recovery code.
        #[arg(long, value_name = "CODE")]
        current_code: Option<String>,
    },
}

/// The role list shown by `request-role --help` and `revoke-role --help`.
fn roles_help() -> String {
    let mut s = String::from("Roles:\n");
    for r in Role::ALL {
        s.push_str(&format!(
            "  {:<20} {:<9} {} — {} ({})\n",
            r.as_str(),
            r.class().as_str(),
            r.name_zh(),
            r.name_en(),
            r.article()
        ));
    }
    s.push_str(
        "An administrator role is never held together with a business or query role \
         (rule art26-admin-business, Art 26), and one account holds at most one \
         administrator role (three-admins-separate).",
    );
    s
}

/// The new password of `passwd`: file, else asked twice.
fn new_password(file: Option<&Path>) -> anyhow::Result<String> {
    if let Some(path) = file {
        return first_line(path, "new password");
    }
    if !std::io::stdin().is_terminal() {
        bail!("no new password: use --new-password-file FILE (there is no terminal to ask)");
    }
    let p1 = rpassword::prompt_password("New password: ")?;
    let p2 = rpassword::prompt_password("Repeat the new password: ")?;
    if p1 != p2 {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(p1)
}

/// Errors that are an answer ("no"), not a failure of the installation.
fn is_refusal(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid { .. }
            | AppError::Forbidden { .. }
            | AppError::Conflict { .. }
            | AppError::NotFound { .. }
            | AppError::Unauthenticated { .. }
            | AppError::SecondFactorRequired
    )
}

/// The one-line message of a refusal.
fn refusal_message(e: &AppError) -> String {
    let msg = match e {
        // A separation-of-duty refusal already begins with "refused by rule …".
        AppError::Forbidden { rule, message }
            if message.starts_with(&format!("refused by rule {rule}")) =>
        {
            message.clone()
        }
        AppError::SecondFactorRequired => format!("{e} (pass it with --totp CODE)"),
        other => other.to_string(),
    };
    msg.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a command ended with: success, or a refusal (exit 1).
pub(crate) type Outcome = Result<(), AppError>;

pub async fn run(loc: &Location, op: &Operator, args: &UserArgs) -> anyhow::Result<ExitCode> {
    let Some(user) = op.user() else {
        bail!("--as USER is required: the account that acts (e.g. sirm user --as sysadmin list)");
    };
    if let UserCommand::Reset {
        code,
        new_password_file,
    } = &args.command
    {
        let new = new_password(new_password_file.as_deref())?;
        let sirm = Sirm::open(&loc.open_options(), Access::Sign).await?;
        let result = sirm.complete_reset(user, code, &new, "cli").await;
        let flushed = sirm.flush_refusals(true).await;
        sirm.store_for_maintenance().close().await;
        flushed?;
        if result.is_ok() {
            println!("new password of {user} set; sign in with it");
        }
        return finish(result);
    }
    let password = sign_in_password(user, op.password_file.as_deref())?;
    // Read everything the command needs before signing in.
    let new_pw = match &args.command {
        UserCommand::Passwd { new_password_file } => {
            Some(new_password(new_password_file.as_deref())?)
        }
        _ => None,
    };
    let sirm = Sirm::open(&loc.open_options(), Access::Sign).await?;
    let session = match sirm.login(user, &password, op.totp.as_deref(), "cli").await {
        Ok(s) => s,
        Err(e) => {
            // A refused sign-in is counted; write its summary before exiting.
            let flushed = sirm.flush_refusals(true).await;
            sirm.store_for_maintenance().close().await;
            flushed?;
            return finish(Err(e));
        }
    };
    let result = execute(&sirm, &session, &args.command, &password, new_pw.as_deref()).await;
    let logout = sirm.logout(&session.token, "cli").await;
    let flushed = sirm.flush_refusals(true).await;
    sirm.store_for_maintenance().close().await;
    flushed?;
    match (result, logout) {
        (Ok(()), Err(e)) => Err(anyhow::Error::new(e).context("signing out failed")),
        (result, Err(e)) => {
            eprintln!("warning: signing out failed: {e}");
            finish(result)
        }
        (result, Ok(())) => finish(result),
    }
}

/// Exit status of an outcome: refusals print one line and exit 1; anything
/// else (database, ledger) is returned to `main` (exit 2).
pub(crate) fn finish(outcome: Outcome) -> anyhow::Result<ExitCode> {
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if is_refusal(&e) => {
            eprintln!("error: {}", refusal_message(&e));
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

fn print_json(v: &impl serde::Serialize) -> Outcome {
    match serde_json::to_string_pretty(v) {
        Ok(s) => {
            println!("{s}");
            Ok(())
        }
        Err(e) => Err(AppError::invalid("json", e)),
    }
}

/// Terminal columns taken by `s` (East Asian wide characters take two).
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let u = u32::from(c);
            let wide = matches!(u,
                0x1100..=0x115F
                | 0x2E80..=0x303E
                | 0x3041..=0x33FF
                | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF
                | 0xA000..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6
                | 0x20000..=0x3FFFD);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Print rows as aligned columns (the last column is not padded).
fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        let last = cells.len().saturating_sub(1);
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            out.push_str(cell);
            if i < last {
                out.push_str(&" ".repeat(w - width(cell) + 2));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

fn print_issued(what: &str, username: &str, password: &str) {
    println!("{what}");
    println!("issued password: {password}");
    println!(
        "Shown only this once. {username} must change it at the first sign-in \
         (sirm user --as {username} passwd)."
    );
}

async fn execute(
    sirm: &Sirm,
    session: &Session,
    command: &UserCommand,
    password: &str,
    new_pw: Option<&str>,
) -> Outcome {
    let me = &session.principal;
    match command {
        UserCommand::Add {
            username,
            name,
            json,
        } => {
            let issued = sirm.add_user(me, username, name).await?;
            if *json {
                return print_json(&json!({
                    "username": issued.username,
                    "password": issued.password,
                    "must_change": true,
                }));
            }
            print_issued(
                &format!(
                    "account {} created (no roles yet: sirm user request-role {} ROLE)",
                    issued.username, issued.username
                ),
                &issued.username,
                &issued.password,
            );
        }
        UserCommand::List { json } => {
            let rows = sirm.list_users(me).await?;
            if *json {
                return print_json(&rows);
            }
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|a| {
                    vec![
                        a.username.clone(),
                        a.display_name.clone(),
                        a.kind.to_string(),
                        a.status.to_string(),
                        if a.roles.is_empty() {
                            "-".to_string()
                        } else {
                            a.roles.join(",")
                        },
                    ]
                })
                .collect();
            print_table(&["USERNAME", "NAME", "KIND", "STATUS", "ROLES"], &table);
        }
        UserCommand::Lock { username, reason } => {
            sirm.lock_user(me, username, reason).await?;
            println!("account {username} locked; its sessions have ended");
        }
        UserCommand::Retire { username, reason } => {
            sirm.retire_user(me, username, reason).await?;
            println!("account {username} retired: its history stays; it never signs in again");
        }
        UserCommand::Unlock { username, reason } => {
            sirm.unlock_user(me, username, reason).await?;
            println!("account {username} unlocked");
        }
        UserCommand::ResetPassword { username, json } => {
            let reset = sirm.reset_password(me, username).await?;
            if *json {
                return print_json(&reset);
            }
            println!(
                "password of {} reset: the old one no longer works and its sessions have ended",
                reset.username
            );
            println!(
                "one-time reset code: {} (valid until {}, Beijing time)",
                reset.code, reset.expires
            );
            println!(
                "Hand it to its owner in person; they choose a new password at /reset \
                 (the code works once). They will see at their next sign-in who reset it."
            );
        }
        UserCommand::RequestRole {
            username,
            role,
            reason,
            json,
        } => {
            let out = sirm.request_role(me, username, role, reason).await?;
            if *json {
                return print_json(&out);
            }
            println!("request id: {}", out.request_id);
            println!("status: {}", out.status);
            println!(
                "The role takes effect when a security administrator approves it: \
                 sirm user approve-role {}",
                out.request_id
            );
        }
        UserCommand::Requests { json } => {
            let rows = sirm.role_requests(me, Some("pending")).await?;
            if *json {
                return print_json(&rows);
            }
            if rows.is_empty() {
                println!("no pending role requests");
                return Ok(());
            }
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.request_id.clone(),
                        // A revocation approved takes the role away: say so.
                        if r.action == sirm_domain::status::RoleAction::Revoke {
                            "REVOKE".into()
                        } else {
                            "grant".into()
                        },
                        r.username.clone(),
                        r.role.clone(),
                        r.requested_by.clone(),
                        r.reason.clone(),
                    ]
                })
                .collect();
            print_table(
                &[
                    "REQUEST",
                    "ACTION",
                    "USERNAME",
                    "ROLE",
                    "REQUESTED BY",
                    "REASON",
                ],
                &table,
            );
        }
        UserCommand::ApproveRole { request_id, reason } => {
            sirm.decide_role(me, request_id, true, reason).await?;
            println!("role request {request_id} approved (grant or revocation as requested); in effect now");
        }
        UserCommand::RejectRole { request_id, reason } => {
            sirm.decide_role(me, request_id, false, reason).await?;
            println!("role request {request_id} rejected");
        }
        UserCommand::RevokeRole {
            username,
            role,
            reason,
        } => {
            let out = sirm.request_revocation(me, username, role, reason).await?;
            println!("request id: {}", out.request_id);
            println!(
                "{username} keeps {role} until a security administrator approves: \
                 sirm user approve-role {}",
                out.request_id
            );
        }
        UserCommand::Passwd { .. } => {
            let Some(new) = new_pw else {
                return Err(AppError::invalid("new_password", "missing"));
            };
            // The current password is the one just used to sign in.
            sirm.change_password(me, password, new).await?;
            println!("password of {} changed", me.username);
        }
        UserCommand::Reset { .. } => {
            return Err(AppError::invalid("reset", "handled before signing in"));
        }
        UserCommand::EnrolTotp {
            secret,
            code,
            current_code,
        } => match (secret, code) {
            (Some(secret), Some(code)) => {
                let current = current_code.as_deref().map(|c| (password, c));
                let codes = sirm.totp_confirm(me, secret, code, current).await?;
                println!("second factor enrolled for {}", me.username);
                println!(
                    "recovery codes (each works once instead of a code; shown only now — \
                     keep them somewhere safe):"
                );
                for c in codes {
                    println!("  {c}");
                }
            }
            _ => {
                let e = sirm.totp_begin(me).await?;
                println!("secret: {}", e.secret);
                println!("otpauth URI: {}", e.otpauth_uri);
                println!(
                    "Add it to your authenticator app, then confirm with the code it shows:\n  \
                     sirm user --as {} enrol-totp --secret {} --code CODE",
                    me.username, e.secret
                );
            }
        },
    }
    Ok(())
}
