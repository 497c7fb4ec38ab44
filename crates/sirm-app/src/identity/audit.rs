//! The security audit trail: security-stream entries of the ledger, readable
//! only by the audit administrator (filters; CSV export of a filtered range).

use crate::AuditEvent;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::RuleId;
use sirm_store::AuditFilter;

use super::Principal;
use crate::{AppError, Sirm};

/// Filters as a user gives them.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub from: Option<NaiveDate>,
    /// Inclusive last day.
    pub to: Option<NaiveDate>,
    pub account: Option<String>,
    /// A security event name (`login.failure`, `role.approve`, …).
    pub event: Option<String>,
    pub limit: Option<i64>,
}

/// One row of the audit trail.
#[derive(Clone, Debug, Serialize)]
pub struct AuditRow {
    pub seq: u64,
    /// UTC, RFC 3339.
    pub time: String,
    pub account: String,
    pub source: String,
    pub event: String,
    pub outcome: String,
    pub actor: String,
    pub detail: String,
}

fn day_start_us(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map(|t| Utc.from_utc_datetime(&t).timestamp_micros())
        .unwrap_or(0)
}

impl Sirm {
    pub async fn audit_trail(
        &self,
        who: &Principal,
        q: &AuditQuery,
    ) -> Result<Vec<AuditRow>, AppError> {
        self.authorize(who, Permission::AuditRead).await?;
        self.audit_rows(q).await
    }

    async fn audit_rows(&self, q: &AuditQuery) -> Result<Vec<AuditRow>, AppError> {
        if let (Some(f), Some(t)) = (q.from, q.to) {
            if t < f {
                return Err(AppError::invalid_by(
                    "to",
                    RuleId::DateOrder,
                    "is before from",
                ));
            }
        }
        let filter = AuditFilter {
            from_us: q.from.map(day_start_us),
            to_us: q.to.and_then(|d| d.succ_opt()).map(day_start_us),
            account: q.account.clone().filter(|a| !a.is_empty()),
            kind: Some(sirm_domain::records::kind::SECURITY_EVENT.to_string()),
            event: q.event.clone().filter(|e| !e.is_empty()),
            limit: q.limit.unwrap_or(1000).clamp(1, 100_000),
        };
        let entries = self.store.security_entries(&filter).await?;
        let mut rows = Vec::with_capacity(entries.len());
        for e in entries {
            let v = e.payload_value()?;
            let get = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            let (account, source, event, outcome, detail) = (
                get("account"),
                get("source"),
                get("event"),
                get("outcome"),
                get("detail"),
            );
            rows.push(AuditRow {
                seq: e.seq,
                time: sirm_ledger::format_time(&e.time),
                account,
                source,
                event,
                outcome,
                actor: e.actors.join(" "),
                detail,
            });
        }
        Ok(rows)
    }

    /// CSV of a filtered range (UTF-8 with BOM, for spreadsheet programs).
    pub async fn audit_csv(&self, who: &Principal, q: &AuditQuery) -> Result<String, AppError> {
        self.authorize(who, Permission::AuditExport).await?;
        let rows = self.audit_rows(q).await?;
        let n = rows.len();
        let out = crate::export::csv(
            &[
                "seq", "time_utc", "account", "source", "event", "outcome", "actor", "detail",
            ],
            rows.into_iter().map(|r| {
                [
                    r.seq.to_string(),
                    r.time,
                    r.account,
                    r.source,
                    r.event,
                    r.outcome,
                    r.actor,
                    r.detail,
                ]
            }),
        )?;
        let out = String::from_utf8(out).map_err(|e| AppError::invalid("csv", e))?;
        self.audit(AuditEvent::own(who, "audit.export").success(format!("{n} rows")))
            .await?;
        Ok(out)
    }
}
