//! Anonymous refusals, counted instead of written one by one.
//!
//! A request nobody is accountable for — a failed sign-in, a wrong query
//! PIN, a failed activation, a form without its anti-forgery token, a
//! request over a rate limit, an altered certificate presented for
//! verification — must never cost one ledger entry each: otherwise anyone
//! can grow the permanent ledger at will. Such refusals are counted here per
//! source address and written as **one** `refusals.summary` security event
//! per source per window (`[limits] refusal_window_seconds`, 60 s by
//! default): how many of each event, for which accounts, for what reasons.
//!
//! - Memory is bounded: at most [`MAX_SOURCES`] sources per window (further
//!   sources share one "other sources" summary) and at most [`MAX_KEYS`]
//!   distinct accounts and reasons per source (the rest are counted as
//!   "other").
//! - The counts live in the process until the window is written:
//!   `sirm serve` writes every window and once more at shutdown; a crash
//!   loses at most one window of counts (the failure counters that drive
//!   lockouts are in the database, not here).
//! - State changes that follow from anonymous requests but are bounded per
//!   account (a lockout, a PIN lockout) are still written one by one.

use crate::AuditEvent;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};

use crate::{AppError, Sirm};

/// Sources tracked per window; further sources are summed into one.
pub const MAX_SOURCES: usize = 1000;
/// Distinct accounts (and reasons) named per source summary.
pub const MAX_KEYS: usize = 20;
/// The summary's event name in the audit trail.
pub const SUMMARY_EVENT: &str = "refusals.summary";

#[derive(Default, Debug, Clone)]
struct Counts {
    total: u64,
    events: BTreeMap<String, u64>,
    accounts: BTreeMap<String, u64>,
    reasons: BTreeMap<String, u64>,
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    if let Some(n) = map.get_mut(key) {
        *n += 1;
    } else if map.len() < MAX_KEYS {
        map.insert(key.chars().take(80).collect(), 1);
    } else {
        *map.entry("(other)".into()).or_insert(0) += 1;
    }
}

impl Counts {
    fn add(&mut self, event: &str, account: Option<&str>, reason: &str) {
        self.total += 1;
        *self.events.entry(event.to_string()).or_insert(0) += 1;
        if let Some(a) = account.filter(|a| !a.is_empty()) {
            bump(&mut self.accounts, a);
        }
        if !reason.is_empty() {
            bump(&mut self.reasons, reason);
        }
    }

    fn detail(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
        let list = |m: &BTreeMap<String, u64>| {
            let mut v: Vec<(&String, &u64)> = m.iter().collect();
            v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            v.iter()
                .map(|(k, n)| format!("{k} ×{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut s = format!(
            "{} refusals {}–{}: {}",
            self.total,
            sirm_ledger::format_time(&from),
            sirm_ledger::format_time(&to),
            list(&self.events)
        );
        if !self.accounts.is_empty() {
            s.push_str(&format!("; accounts: {}", list(&self.accounts)));
        }
        if !self.reasons.is_empty() {
            s.push_str(&format!("; reasons: {}", list(&self.reasons)));
        }
        s
    }
}

#[derive(Debug)]
struct Window {
    start: DateTime<Utc>,
    sources: HashMap<String, Counts>,
    /// Sources beyond [`MAX_SOURCES`]: how many, and their counts summed.
    others: (u64, Counts),
}

impl Window {
    fn new(start: DateTime<Utc>) -> Self {
        Window {
            start,
            sources: HashMap::new(),
            others: (0, Counts::default()),
        }
    }
}

/// The per-process tally (one per opened installation).
#[derive(Debug)]
pub struct RefusalTally {
    window: Mutex<Window>,
}

impl Default for RefusalTally {
    fn default() -> Self {
        RefusalTally {
            window: Mutex::new(Window::new(Utc::now())),
        }
    }
}

impl RefusalTally {
    /// Count one refusal. True when it is the first from `source` in this
    /// window (callers log only that one, so a flood does not fill the log).
    pub fn count(&self, source: &str, event: &str, account: Option<&str>, reason: &str) -> bool {
        let mut w = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = w.sources.get_mut(source) {
            c.add(event, account, reason);
            return false;
        }
        if w.sources.len() >= MAX_SOURCES {
            w.others.0 += 1;
            w.others.1.add(event, account, reason);
            return false;
        }
        let mut c = Counts::default();
        c.add(event, account, reason);
        w.sources.insert(source.chars().take(64).collect(), c);
        true
    }

    /// Refusals counted in the current window (all sources).
    pub fn pending(&self) -> u64 {
        let w = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        w.sources.values().map(|c| c.total).sum::<u64>() + w.others.1.total
    }

    /// Take the window if it is over (or `force`), starting a new one.
    fn take(&self, now: DateTime<Utc>, length: Duration, force: bool) -> Option<Window> {
        let mut w = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        if !force && now - w.start < length {
            return None;
        }
        Some(std::mem::replace(&mut *w, Window::new(now)))
    }
}

impl Sirm {
    /// Count an anonymous refusal (see the module documentation); it reaches
    /// the ledger in the source's next summary.
    pub fn refused(&self, source: &str, event: &str, account: Option<&str>, reason: &str) {
        let source = &source_key(source);
        if self.refusals.count(source, event, account, reason) {
            tracing::info!(source, event, "refused (further refusals from this source are counted, not logged, until the window is written)");
        }
    }

    /// Write the refusals of the window that has ended (or of the current
    /// one, with `force`) as one `refusals.summary` security event per
    /// source, all in one append. Returns how many events were written.
    pub async fn flush_refusals(&self, force: bool) -> Result<usize, AppError> {
        let length = Duration::seconds(i64::from(self.config.limits.refusal_window_seconds));
        let now = Utc::now();
        let Some(w) = self.refusals.take(now, length, force) else {
            return Ok(0);
        };
        let mut sources: Vec<(String, Counts)> = w.sources.into_iter().collect();
        sources.sort_by(|a, b| a.0.cmp(&b.0));
        if w.others.0 > 0 {
            sources.push((format!("({} other sources)", w.others.0), w.others.1));
        }
        let flood = self.config.alarms.flood_refusals;
        let floods: Vec<(String, u64)> = sources
            .iter()
            .filter(|(_, c)| c.total >= flood)
            .map(|(s, c)| (s.clone(), c.total))
            .collect();
        let mut drafts = Vec::with_capacity(sources.len());
        for (source, counts) in &sources {
            drafts.push(
                self.audit_draft(
                    AuditEvent::new("", source, SUMMARY_EVENT)
                        .by("anonymous")
                        .denied(counts.detail(w.start, now))
                        .long(),
                )?,
            );
        }
        if drafts.is_empty() {
            return Ok(0);
        }
        let n = drafts.len();
        self.append(drafts).await?;
        for (source, total) in floods {
            // An alarm that cannot be written never blocks the summaries.
            self.raise_alarm_or_log(
                crate::alarms::AlarmKind::Flood,
                &source,
                "",
                &format!(
                    "{total} refused requests in one window (alarms.flood_refusals = {flood})"
                ),
            )
            .await;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_bounded_and_summarised() {
        let t = RefusalTally::default();
        assert!(t.count(
            "192.0.2.1",
            "login.failure",
            Some("sysadmin"),
            "wrong password"
        ));
        for i in 0..100 {
            assert!(!t.count(
                "192.0.2.1",
                "login.failure",
                Some(&format!("user{i}")),
                "unknown account"
            ));
        }
        for i in 0..(MAX_SOURCES + 5) {
            t.count(
                &format!("10.0.{}.{}", i / 256, i % 256),
                "csrf.refused",
                None,
                "",
            );
        }
        assert_eq!(t.pending(), 101 + MAX_SOURCES as u64 + 5);
        let now = Utc::now();
        assert!(t.take(now, Duration::seconds(60), false).is_none());
        let w = t.take(now, Duration::seconds(60), true).unwrap();
        assert_eq!(w.sources.len(), MAX_SOURCES);
        // 1 source made room for only MAX_SOURCES - 1 of the 10.0.x.y.
        assert_eq!(w.others.0, 6);
        let c = &w.sources["192.0.2.1"];
        assert_eq!(c.total, 101);
        assert_eq!(c.accounts.len(), MAX_KEYS + 1);
        assert_eq!(c.accounts["(other)"], 101 - MAX_KEYS as u64);
        let d = c.detail(w.start, now);
        assert!(d.starts_with("101 refusals"), "{d}");
        assert!(d.contains("login.failure ×101"), "{d}");
        assert!(d.contains("unknown account ×100"), "{d}");
        assert_eq!(t.pending(), 0);
    }
}

/// Permission denials of signed-in accounts written one by one per account
/// and minute; beyond that they go into the refusal summary. A signed-in
/// insured person (anyone can activate a portal account) must not be able
/// to grow the ledger one entry per request either.
pub const DENIALS_WRITTEN_PER_MINUTE: u32 = 10;
/// Accounts tracked at once (further ones are summarised at once).
const MAX_DENIAL_ACCOUNTS: usize = 10_000;

/// How many denials each account had written in the current minute.
#[derive(Debug, Default)]
pub struct DenialBudget {
    inner: Mutex<(i64, HashMap<String, u32>)>,
}

impl DenialBudget {
    /// Whether this denial of `account` may be written on its own now.
    pub fn take(&self, account: &str, now: DateTime<Utc>) -> bool {
        let minute = now.timestamp() / 60;
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if g.0 != minute {
            *g = (minute, HashMap::new());
        }
        if let Some(n) = g.1.get_mut(account) {
            *n += 1;
            return *n <= DENIALS_WRITTEN_PER_MINUTE;
        }
        if g.1.len() >= MAX_DENIAL_ACCOUNTS {
            return false;
        }
        g.1.insert(account.to_string(), 1);
        true
    }
}

pub use crate::sources::source_key;
