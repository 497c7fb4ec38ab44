//! Reading patterns that no legitimate work produces (Art 22: 不得向他人
//!提供全部或者超出规定范围的个人权益记录; Art 28(5)): one account reading
//! many different persons within an hour, many at night, or looking up
//! many ID numbers that are not registered (an enumeration). Each raises a
//! `bulk-read` alarm on the administrators' workbench and in the audit
//! trail, and with `[disclosure.volume] suspend` (the default) locks the
//! account pending review: the system administrator unlocks it after
//! looking into it.
//!
//! Counted in this process's memory per account (the hard caps that must
//! survive a restart — an organ's daily volume — are counted from the
//! query log instead). Memory is bounded: per account at most the
//! threshold's number of persons and misses are kept; a crossing starts
//! the count afresh, so an account unlocked after review that goes on
//! reading is locked again at its next crossing.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Timelike;
use sirm_domain::id::PersonKey;

use crate::alarms::AlarmKind;
use crate::config::disclosure::VolumeConfig;
use crate::{Principal, Sirm};

/// The window every threshold counts in.
const WINDOW: Duration = Duration::from_secs(3600);

/// What one account did lately.
#[derive(Default)]
struct Tally {
    /// Each different person read, with when it was last read.
    persons: HashMap<String, Instant>,
    /// When a looked-up person was not found.
    misses: VecDeque<Instant>,
}

/// A pattern crossed its threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// What it is, in English (the audit trail's detail).
    pub what: String,
}

/// Per-account tallies of this process, and each statistics user's
/// reports of the day.
#[derive(Default)]
pub(crate) struct ReadWatch(
    Mutex<HashMap<String, Tally>>,
    Mutex<HashMap<String, (chrono::NaiveDate, u32)>>,
);

impl ReadWatch {
    /// One statistics report for `account` on `day`: whether it is within
    /// `per_day` (counted only when it is).
    pub(crate) fn statistics_read(
        &self,
        account: &str,
        day: chrono::NaiveDate,
        per_day: u32,
    ) -> bool {
        let mut g = self.1.lock().unwrap_or_else(|p| p.into_inner());
        let e = g.entry(account.to_string()).or_insert((day, 0));
        if e.0 != day {
            *e = (day, 0);
        }
        if e.1 >= per_day {
            return false;
        }
        e.1 += 1;
        true
    }

    /// A person read by `account`; the pattern if this read crosses a
    /// threshold (then the count starts afresh).
    fn read(
        &self,
        account: &str,
        subject: &str,
        cfg: &VolumeConfig,
        night: bool,
        now: Instant,
    ) -> Option<Pattern> {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let t = g.entry(account.to_string()).or_default();
        t.persons.retain(|_, at| now.duration_since(*at) < WINDOW);
        let limit = if night {
            cfg.night_persons_per_hour
        } else {
            cfg.persons_per_hour
        };
        // Keep at most one over the limit: enough to know it was crossed.
        if t.persons.len() <= limit as usize || t.persons.contains_key(subject) {
            t.persons.insert(subject.to_string(), now);
        }
        if t.persons.len() > limit as usize {
            let what = format!(
                "{} different persons read within an hour{} (threshold {limit})",
                t.persons.len(),
                if night { " at night" } else { "" }
            );
            // Counting starts afresh: an account unlocked after review that
            // goes on reading is reported (and locked) again at the next
            // crossing, not waved through for the rest of the hour.
            t.persons.clear();
            return Some(Pattern { what });
        }
        None
    }

    /// A person looked up by `account` and not found.
    fn miss(&self, account: &str, cfg: &VolumeConfig, now: Instant) -> Option<Pattern> {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let t = g.entry(account.to_string()).or_default();
        while t
            .misses
            .front()
            .is_some_and(|at| now.duration_since(*at) >= WINDOW)
        {
            t.misses.pop_front();
        }
        if t.misses.len() <= cfg.misses_per_hour as usize {
            t.misses.push_back(now);
        }
        if t.misses.len() > cfg.misses_per_hour as usize {
            let what = format!(
                "{} persons looked up and not found within an hour (threshold {}): an enumeration",
                t.misses.len(),
                cfg.misses_per_hour
            );
            t.misses.clear();
            return Some(Pattern { what });
        }
        None
    }
}

/// Between 22:00 and 06:00 Beijing time.
fn is_night() -> bool {
    let h = crate::clock::agency_now().hour();
    !(6..22).contains(&h)
}

impl Sirm {
    /// Count a person read by `who` (the one query path calls this after
    /// every answer); raise the alarm and suspend when a pattern is crossed.
    pub(crate) async fn watch_read(&self, who: &Principal, subject: &PersonKey) {
        let cfg = &self.config.disclosure.volume;
        if let Some(p) = self.reads.read(
            &who.username,
            subject.as_str(),
            cfg,
            is_night(),
            Instant::now(),
        ) {
            self.on_pattern(who, p).await;
        }
    }

    /// Count a person looked up by `who` and not found.
    pub(crate) async fn watch_miss(&self, who: &Principal) {
        let cfg = &self.config.disclosure.volume;
        if let Some(p) = self.reads.miss(&who.username, cfg, Instant::now()) {
            self.on_pattern(who, p).await;
        }
    }

    async fn on_pattern(&self, who: &Principal, p: Pattern) {
        let detail = format!("account {}: {}", who.username, p.what);
        // One alarm per account (the watch reports an account once per
        // window), so the source names the account as well as the address.
        let source = format!("{} {}", who.source, who.username);
        self.raise_alarm_or_log(AlarmKind::BulkRead, &source, &who.username, &detail)
            .await;
        if self.config.disclosure.volume.suspend {
            let reason = format!("suspended pending review (Art 22): {}", p.what);
            if let Err(e) = self.suspend_for_review(who, &reason).await {
                tracing::error!(error = %e, "suspending the account failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> VolumeConfig {
        VolumeConfig {
            persons_per_hour: 3,
            night_persons_per_hour: 1,
            misses_per_hour: 2,
            suspend: true,
            statistics_per_day: 2,
        }
    }

    #[test]
    fn statistics_reports_are_counted_per_account_and_day() {
        let w = ReadWatch::default();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let per_day = cfg().statistics_per_day;
        assert!(w.statistics_read("a", day, per_day));
        assert!(w.statistics_read("a", day, per_day));
        assert!(
            !w.statistics_read("a", day, per_day),
            "the third of the day"
        );
        assert!(w.statistics_read("b", day, per_day), "another account");
        assert!(
            w.statistics_read("a", day.succ_opt().unwrap(), per_day),
            "the next day"
        );
    }

    #[test]
    fn many_different_persons_cross_and_counting_starts_afresh() {
        let w = ReadWatch::default();
        let t0 = Instant::now();
        // The same person again and again is no pattern.
        for _ in 0..10 {
            assert_eq!(w.read("a", "p1", &cfg(), false, t0), None);
        }
        assert_eq!(w.read("a", "p2", &cfg(), false, t0), None);
        assert_eq!(w.read("a", "p3", &cfg(), false, t0), None);
        let p = w.read("a", "p4", &cfg(), false, t0);
        assert!(p.is_some_and(|p| p.what.contains("4 different persons")));
        // Counting starts afresh after a crossing: four more different
        // persons cross again (an account unlocked after review is not
        // waved through); other accounts are counted apart.
        for p in ["p5", "p6", "p7"] {
            assert_eq!(w.read("a", p, &cfg(), false, t0), None);
        }
        assert!(w.read("a", "p8", &cfg(), false, t0).is_some());
        assert_eq!(w.read("b", "p4", &cfg(), false, t0), None);
        // Reads older than the window no longer count.
        let later = t0 + WINDOW + Duration::from_secs(1);
        for p in ["p1", "p2", "p3"] {
            assert_eq!(w.read("c", p, &cfg(), false, t0), None);
        }
        assert_eq!(w.read("c", "p9", &cfg(), false, later), None);
    }

    #[test]
    fn the_night_threshold_is_lower() {
        let w = ReadWatch::default();
        let t0 = Instant::now();
        assert_eq!(w.read("a", "p1", &cfg(), true, t0), None);
        assert!(w.read("a", "p2", &cfg(), true, t0).is_some());
    }

    #[test]
    fn misses_count_as_an_enumeration() {
        let w = ReadWatch::default();
        let t0 = Instant::now();
        assert_eq!(w.miss("a", &cfg(), t0), None);
        assert_eq!(w.miss("a", &cfg(), t0), None);
        assert!(w
            .miss("a", &cfg(), t0)
            .is_some_and(|p| p.what.contains("enumeration")));
        // …and again after three more, not only once an hour.
        assert_eq!(w.miss("a", &cfg(), t0), None);
        assert_eq!(w.miss("a", &cfg(), t0), None);
        assert!(w.miss("a", &cfg(), t0).is_some());
    }
}
