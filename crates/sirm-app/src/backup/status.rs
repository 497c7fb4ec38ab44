//! What the operations page and `/metrics` show: the ledger's size, the
//! newest backup at each configured destination, the last readability
//! check and recent backup events. Counts, sizes and times only — nothing
//! about a person.

use crate::AuditEvent;
use serde::Serialize;
use sirm_domain::RuleId;

use super::{Destination, BACKUP_FAILED, BACKUP_STARTED, CHECK_EVENT};
use sirm_domain::access::Permission;

/// Security event: a database administrator has handled a failed check.
pub const CHECK_ACK_EVENT: &str = "check.acknowledged";
use crate::{AppError, Sirm};

/// One destination's newest backup.
#[derive(Clone, Debug, Serialize)]
pub struct DestinationStatus {
    pub name: String,
    pub path: String,
    /// Tree size of the newest manifest (0: none).
    pub tree_size: u64,
    /// RFC 3339 time of the newest manifest.
    pub created: Option<String>,
    /// Seconds since then.
    pub age_seconds: Option<i64>,
    /// Entries the ledger has beyond it.
    pub behind: u64,
    pub increments: usize,
    pub bytes: u64,
    pub problem: Option<String>,
}

/// A recorded operations event (backup or check).
#[derive(Clone, Debug, Serialize)]
pub struct OperationsEvent {
    pub seq: u64,
    pub time: String,
    pub event: String,
    pub outcome: String,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct OperationsStatus {
    pub ledger_entries: u64,
    /// The SQLite file's size (PostgreSQL: not measured here).
    pub database_bytes: Option<u64>,
    pub destinations: Vec<DestinationStatus>,
    pub last_check: Option<OperationsEvent>,
    /// Newest first.
    pub recent: Vec<OperationsEvent>,
    /// The newest check, when it found problems and nobody has handled it
    /// yet (shown on every administrator's workbench).
    pub alarm: Option<OperationsEvent>,
}

impl Sirm {
    /// The operations status (the route's guard authorizes the page; this
    /// returns nothing about a person).
    pub async fn operations_status(&self) -> Result<OperationsStatus, AppError> {
        let ledger_entries = self
            .store
            .head()
            .await?
            .map_or(0, |h| h.checkpoint.tree_size);
        let database_bytes = if self.config.database_url.is_none() {
            std::fs::metadata(self.dir.sqlite_path())
                .ok()
                .map(|m| m.len())
        } else {
            None
        };
        let now = chrono::Utc::now();
        let mut destinations = Vec::new();
        for d in &self.config.backup.destinations {
            let mut s = DestinationStatus {
                name: d.name.clone(),
                path: d.label(),
                tree_size: 0,
                created: None,
                age_seconds: None,
                behind: ledger_entries,
                increments: 0,
                bytes: 0,
                problem: None,
            };
            if !d.may_exist() {
                s.problem = Some("no backup yet (the directory does not exist)".into());
                destinations.push(s);
                continue;
            }
            let newest = async {
                let dest = Destination::open(d, false)?;
                let names = dest.manifest_names().await?;
                match names.last() {
                    Some(n) => {
                        let m = dest.manifest(n).await?;
                        m.verify(n, &self.public_key)?;
                        Ok::<_, super::BackupError>(Some(m))
                    }
                    None => Ok(None),
                }
            }
            .await;
            match newest {
                Ok(Some(m)) => {
                    s.tree_size = m.tree_size;
                    s.behind = ledger_entries.saturating_sub(m.tree_size);
                    s.increments = m.increments.len();
                    s.bytes = m.increments.iter().map(|i| i.bytes).sum();
                    s.age_seconds = chrono::DateTime::parse_from_rfc3339(&m.created)
                        .ok()
                        .map(|t| (now - t.with_timezone(&chrono::Utc)).num_seconds());
                    s.created = Some(m.created);
                }
                Ok(None) => s.problem = Some("no backup yet".into()),
                Err(e) => s.problem = Some(e.to_string()),
            }
            destinations.push(s);
        }
        let events = |name: &'static str, limit: i64| sirm_store::AuditFilter {
            kind: Some(sirm_domain::records::kind::SECURITY_EVENT.into()),
            event: Some(name.into()),
            limit,
            ..Default::default()
        };
        let mut recent = Vec::new();
        for name in [BACKUP_STARTED, BACKUP_FAILED, CHECK_EVENT] {
            for e in self.store.security_entries(&events(name, 10)).await? {
                let v = e.payload_value().unwrap_or_default();
                let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                recent.push(OperationsEvent {
                    seq: e.seq,
                    time: sirm_ledger::format_time(&e.time),
                    event: s("event"),
                    outcome: s("outcome"),
                    detail: s("detail"),
                });
            }
        }
        recent.sort_by_key(|e| std::cmp::Reverse(e.seq));
        let last_check = recent.iter().find(|e| e.event == CHECK_EVENT).cloned();
        recent.truncate(15);
        let alarm = self.check_alarm().await?;
        Ok(OperationsStatus {
            ledger_entries,
            database_bytes,
            destinations,
            last_check,
            recent,
            alarm,
        })
    }

    /// The newest readability check, if it found problems and no
    /// `check.acknowledged` event came after it.
    pub async fn check_alarm(&self) -> Result<Option<OperationsEvent>, AppError> {
        let newest = |name: &'static str| sirm_store::AuditFilter {
            kind: Some(sirm_domain::records::kind::SECURITY_EVENT.into()),
            event: Some(name.into()),
            limit: 1,
            ..Default::default()
        };
        let Some(check) = self
            .store
            .security_entries(&newest(CHECK_EVENT))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let v = check.payload_value().unwrap_or_default();
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        if s("outcome") == "success" {
            return Ok(None);
        }
        let acked = self
            .store
            .security_entries(&newest(CHECK_ACK_EVENT))
            .await?
            .first()
            .is_some_and(|a| a.seq > check.seq);
        if acked {
            return Ok(None);
        }
        Ok(Some(OperationsEvent {
            seq: check.seq,
            time: sirm_ledger::format_time(&check.time),
            event: s("event"),
            outcome: s("outcome"),
            detail: s("detail"),
        }))
    }

    /// A database administrator records that the failed check `seq` is
    /// handled, with what was done; the alarm leaves the workbenches.
    pub async fn acknowledge_check_alarm(
        &self,
        who: &crate::Principal,
        seq: u64,
        note: &str,
    ) -> Result<(), AppError> {
        self.authorize(who, Permission::DatabaseMaintain).await?;
        let note = note.trim();
        if note.chars().count() < 4 {
            return Err(AppError::invalid(
                "note",
                "say what was done (at least 4 characters)",
            ));
        }
        match self.check_alarm().await? {
            Some(a) if a.seq == seq => {}
            _ => {
                return Err(AppError::conflict_by(
                    RuleId::AlreadyDone,
                    "that check is not the open alarm (already handled, or a newer check ran)",
                ))
            }
        }
        let draft = self.audit_draft(
            AuditEvent::new(&who.username, "operations", CHECK_ACK_EVENT)
                .success(format!("check={seq} note={note}")),
        )?;
        self.append(vec![draft]).await?;
        Ok(())
    }
}
