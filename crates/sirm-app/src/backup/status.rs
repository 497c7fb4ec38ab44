//! What the operations page and `/metrics` show: the ledger's size, the
//! newest backup at each configured destination, the last readability
//! check and recent backup events. Counts, sizes and times only — nothing
//! about a person.

use serde::Serialize;

use super::{Destination, BACKUP_FAILED, BACKUP_STARTED, CHECK_EVENT};
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
        Ok(OperationsStatus {
            ledger_entries,
            database_bytes,
            destinations,
            last_check,
            recent,
        })
    }
}
