//! Statistics without identities (Art 17): aggregate counts for the
//! statistics user (统计用户) — nothing that identifies a person. Each
//! read is registered (Art 21) as a `statistics.read` security event. The
//! disclosure-control issue builds the full statistics on this.

use crate::AuditEvent;
use serde::Serialize;
use sirm_domain::access::Permission;

use crate::{AppError, Principal, Sirm};

/// Aggregate figures of the installation, as of now.
#[derive(Clone, Debug, Serialize)]
pub struct Statistics {
    /// Registered insured persons (参保人数).
    pub persons: u64,
    /// Registered employers (参保单位数).
    pub employers: u64,
    /// Facts in the ledger.
    pub ledger_entries: u64,
    /// RFC 3339 time of the figures.
    pub as_of: String,
}

impl Sirm {
    pub async fn statistics(&self, who: &Principal) -> Result<Statistics, AppError> {
        self.authorize(who, Permission::StatisticsRead).await?;
        let c = self.store.counts().await?;
        self.audit(
            AuditEvent::own(who, "statistics.read")
                .success("aggregate counts (persons, employers, ledger entries)"),
        )
        .await?;
        Ok(Statistics {
            persons: c.persons,
            employers: c.employers,
            ledger_entries: c.entries,
            as_of: chrono::Utc::now().to_rfc3339(),
        })
    }
}
