//! What `sirm serve` runs on its own: backups to every configured
//! destination every `[backup] every`, the readability check every
//! `[operations] check_every`. The first of each runs one interval (at most
//! one minute) after the server starts, then at the interval, so a server that is restarted
//! often still backs up. Failures are logged and recorded in the ledger by
//! the runs themselves; the schedule goes on.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::{parse_interval, parse_recipients, Destination};
use crate::{AppError, Sirm};

/// `[backup]` and `[operations]` as the schedule reads them.
struct Schedule {
    backup_every: Option<Duration>,
    check_every: Option<Duration>,
    recipients: Vec<age::x25519::Recipient>,
}

fn schedule_of(cfg: &crate::Config) -> Result<Schedule, AppError> {
    let backup_every = cfg
        .backup
        .every
        .as_deref()
        .map(|s| parse_interval("[backup] every", s))
        .transpose()?;
    let check_every = cfg
        .operations
        .check_every
        .as_deref()
        .map(|s| parse_interval("[operations] check_every", s))
        .transpose()?;
    let recipients = if !cfg.backup.recipients.is_empty() || backup_every.is_some() {
        parse_recipients(&cfg.backup.recipients)?
    } else {
        Vec::new()
    };
    if backup_every.is_some() && cfg.backup.destinations.is_empty() {
        return Err(super::BackupError::Config(
            "[backup] every is set but no [[backup.destinations]]".into(),
        )
        .into());
    }
    for d in &cfg.backup.destinations {
        if d.path.is_some() == d.bucket.is_some() {
            return Err(super::BackupError::Config(format!(
                "[[backup.destinations]] {}: give exactly one of path (a directory) or bucket (S3)",
                d.name
            ))
            .into());
        }
    }
    Ok(Schedule {
        backup_every,
        check_every,
        recipients,
    })
}

/// Checks `[backup]` and `[operations]` the way [`run_schedule`] reads
/// them (so `sirm serve` refuses a bad schedule at start).
pub fn check_schedule(cfg: &crate::Config) -> Result<(), AppError> {
    if let Some(s) = &cfg.operations.seal_query_log_every {
        super::parse_interval("operations.seal_query_log_every", s)?;
    }
    schedule_of(cfg).map(drop)
}

/// Runs for ever (abort the task to stop it). Returns at once when nothing
/// is scheduled; returns an error when the schedule is misconfigured.
pub async fn run_schedule(sirm: Arc<Sirm>) -> Result<(), AppError> {
    let Schedule {
        backup_every,
        check_every,
        recipients,
    } = schedule_of(&sirm.config)?;
    if backup_every.is_none() && check_every.is_none() {
        return Ok(());
    }
    let destinations: Vec<Destination> = sirm
        .config
        .backup
        .destinations
        .iter()
        .map(|d| Destination::open(d, true))
        .collect::<Result<_, _>>()?;
    let start = Instant::now();
    let first = |every: Duration| start + every.min(Duration::from_secs(60));
    let mut next_backup = backup_every.map(first);
    let mut next_check = check_every.map(first);
    loop {
        let Some(due) = [next_backup, next_check].into_iter().flatten().min() else {
            return Ok(());
        };
        tokio::time::sleep_until(due).await;
        let now = Instant::now();
        if let (Some(at), Some(every)) = (next_backup, backup_every) {
            if at <= now {
                for dest in &destinations {
                    match sirm.backup_to(dest, &recipients).await {
                        Ok(r) => {
                            tracing::info!(destination = %r.destination, tree_size = r.tree_size, bytes = r.bytes, seconds = r.seconds, "scheduled backup done")
                        }
                        Err(e) => {
                            tracing::error!(destination = %dest.name, error = %e, "scheduled backup failed")
                        }
                    }
                }
                next_backup = Some(Instant::now() + every);
            }
        }
        if let (Some(at), Some(every)) = (next_check, check_every) {
            if at <= now {
                match sirm.check(&destinations, None, None).await {
                    Ok(r) if r.is_clean() => {
                        tracing::info!(seconds = r.seconds, "scheduled check: no findings")
                    }
                    Ok(r) => {
                        tracing::error!(findings = r.findings.len(), first = %r.findings.first().cloned().unwrap_or_default(), "scheduled check FOUND PROBLEMS")
                    }
                    Err(e) => tracing::error!(error = %e, "scheduled check failed"),
                }
                next_check = Some(Instant::now() + every);
            }
        }
    }
}
