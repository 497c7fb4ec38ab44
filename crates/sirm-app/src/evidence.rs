//! Every look-up is evidence (GB/T 22239-2019 安全审计 a, c). Each query of
//! a rights record writes a `query_log` row before it is answered (Art 21);
//! here the query log becomes tamper-evident: every period
//! (`[operations] seal_query_log_every`) the rows since the last seal are
//! digested and the digest appended to the ledger as a `querylog.sealed`
//! security event; `sirm verify` and `sirm check` recompute every seal. Exports (CSV files,
//! the audit trail) are recorded as `export` security events.

use crate::AuditEvent;
use serde::Serialize;

use crate::{AppError, Principal, Sirm};

/// Security event: the query log rows of a time range, digested.
pub const SEAL_EVENT: &str = "querylog.sealed";
/// Security event: a file was exported (CSV).
pub const EXPORT_EVENT: &str = "export";
/// Rows younger than this are left to the next seal (a query's row may
/// commit a little after its time was taken).
pub const SEAL_MARGIN_US: i64 = 60_000_000;

/// One `querylog.sealed` event, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seal {
    seq: u64,
    from_us: i64,
    to_us: i64,
    rows: u64,
    sha256: String,
}

fn parse_seal(seq: u64, detail: &str) -> Option<Seal> {
    let field = |k: &str| {
        detail
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='))
    };
    Some(Seal {
        seq,
        from_us: field("from_us")?.parse().ok()?,
        to_us: field("to_us")?.parse().ok()?,
        rows: field("rows")?.parse().ok()?,
        sha256: field("sha256")?.to_string(),
    })
}

/// What `sirm verify` found in the query log.
#[derive(Clone, Debug, Default, Serialize)]
pub struct QueryLogCheck {
    pub seals: u64,
    /// Rows covered by seals (all matched when `problems` is empty).
    pub sealed_rows: u64,
    /// Rows after the newest seal (not yet sealed).
    pub unsealed_rows: u64,
    pub problems: Vec<String>,
}

impl QueryLogCheck {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// `sirm serve`'s sealing loop: every `[operations] seal_query_log_every`
/// (default 5 minutes), and never stops on an error (it is logged).
pub async fn run_sealing(sirm: std::sync::Arc<Sirm>) {
    let every = sirm
        .config
        .operations
        .seal_query_log_every
        .as_deref()
        .map(|s| crate::backup::parse_interval("operations.seal_query_log_every", s))
        .transpose();
    let every = match every {
        Ok(e) => e.unwrap_or(std::time::Duration::from_secs(300)),
        Err(e) => {
            tracing::error!(error = %e, "the query log is not sealed");
            return;
        }
    };
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = sirm.seal_query_log().await {
            tracing::error!(error = %e, "sealing the query log failed");
        }
    }
}

impl Sirm {
    /// The seals, oldest first (`limit`: only the newest so many).
    async fn seals(&self, limit: i64) -> Result<Vec<Seal>, AppError> {
        let f = sirm_store::AuditFilter {
            kind: Some(sirm_domain::records::kind::SECURITY_EVENT.into()),
            event: Some(SEAL_EVENT.into()),
            limit,
            ..Default::default()
        };
        let mut out: Vec<Seal> = self
            .store
            .security_entries(&f)
            .await?
            .iter()
            .filter_map(|e| {
                let v = e.payload_value().unwrap_or_default();
                parse_seal(e.seq, v.get("detail")?.as_str()?)
            })
            .collect();
        out.sort_by_key(|s| s.seq);
        Ok(out)
    }

    /// Seal the query log rows since the last seal up to a minute ago (none
    /// when there are no new rows). Returns the rows sealed.
    pub async fn seal_query_log(&self) -> Result<u64, AppError> {
        self.seal_query_log_until(chrono::Utc::now().timestamp_micros() - SEAL_MARGIN_US)
            .await
    }

    /// [`Sirm::seal_query_log`] up to (not including) `to_us`.
    pub async fn seal_query_log_until(&self, to_us: i64) -> Result<u64, AppError> {
        let from_us = self.seals(1).await?.last().map_or(0, |s| s.to_us);
        if to_us <= from_us {
            return Ok(0);
        }
        let d = self.store.query_log_digest(from_us, to_us).await?;
        if d.rows == 0 {
            return Ok(0);
        }
        self.audit(
            AuditEvent::new("", "sirm", SEAL_EVENT)
                .by("sirm")
                .success(format!(
                    "from_us={from_us} to_us={to_us} rows={} sha256={}",
                    d.rows, d.sha256
                )),
        )
        .await?;
        Ok(d.rows)
    }

    /// Recompute every seal: a row changed, deleted or added inside a sealed
    /// range is named by its range; seals must follow each other.
    pub async fn check_query_log(&self) -> Result<QueryLogCheck, AppError> {
        let mut c = QueryLogCheck::default();
        let mut expect_from = 0;
        for s in self.seals(i64::MAX).await? {
            c.seals += 1;
            if s.from_us != expect_from {
                c.problems.push(format!(
                    "seal in entry {} starts at {} but the previous one ended at {expect_from}",
                    s.seq, s.from_us
                ));
            }
            let d = self.store.query_log_digest(s.from_us, s.to_us).await?;
            if d.rows != s.rows || d.sha256 != s.sha256 {
                c.problems.push(format!(
                    "query log rows {}..{} (sealed in entry {}): {} rows now, {} sealed; digest {}",
                    s.from_us,
                    s.to_us,
                    s.seq,
                    d.rows,
                    s.rows,
                    if d.sha256 == s.sha256 {
                        "equal"
                    } else {
                        "DIFFERS"
                    }
                ));
            }
            c.sealed_rows += s.rows;
            expect_from = s.to_us;
        }
        c.unsealed_rows = self
            .store
            .query_log_digest(expect_from, i64::MAX)
            .await?
            .rows;
        Ok(c)
    }

    /// Record that `who` exported a file (its name and rows): CSV downloads
    /// are evidence like look-ups.
    pub async fn record_export(
        &self,
        who: &Principal,
        file: &str,
        rows: usize,
    ) -> Result<(), AppError> {
        self.audit(AuditEvent::own(who, EXPORT_EVENT).success(format!("file={file} rows={rows}")))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_details_parse() {
        let s = parse_seal(7, "from_us=0 to_us=100 rows=3 sha256=ab12").expect("parses");
        assert_eq!(
            (s.from_us, s.to_us, s.rows, s.sha256.as_str()),
            (0, 100, 3, "ab12")
        );
        assert!(parse_seal(7, "from_us=0 rows=3").is_none());
    }
}
