//! Alarms (GB/T 22239-2019 入侵防范 f): security events that need a human.
//!
//! An alarm is an `alarm.raised` security event in the ledger (so it cannot
//! be made to disappear), shown on every administrator's workbench until an
//! administrator acknowledges it with what was done — an `alarm.acknowledged`
//! event naming the alarm's sequence number, itself in the audit trail.
//! Raised for: a lockout of an administrator account, a flood of refused
//! requests from one source, a request for an administrator route from
//! outside `[server] admin_networks`, a failed backup, a failed readability
//! check or verification, a bulk or abnormal reading pattern
//! (`disclosure/volume.rs`). The same alarm (kind and source) is raised at most
//! once per [`REPEAT_AFTER`], so a flood cannot write the ledger one-for-one.
//! Each raised alarm is also sent to `[alarms] webhook` (JSON POST) and/or
//! the local syslog (`[alarms] syslog = true`, `/dev/log`).

use crate::AuditEvent;
use sirm_domain::RuleId;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sirm_domain::access::Permission;

use crate::{AppError, Principal, Sirm};

/// Security event: an alarm is raised.
pub const ALARM_EVENT: &str = "alarm.raised";
/// Security event: an administrator handled an alarm.
pub const ACK_EVENT: &str = "alarm.acknowledged";
/// The same alarm from the same source is raised again only after this.
pub const REPEAT_AFTER: Duration = Duration::from_secs(600);

/// `[alarms]` in `sirm.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlarmsConfig {
    /// POST every raised alarm as JSON to this URL (e.g. the agency's
    /// monitoring); failures are logged, never block the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    /// Also write each raised alarm as a syslog line to `/dev/log`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub syslog: bool,
    /// Refused requests from one source within one refusal window
    /// (`[limits] refusal_window_seconds`) that count as a flood.
    pub flood_refusals: u64,
}

impl Default for AlarmsConfig {
    fn default() -> Self {
        AlarmsConfig {
            webhook: None,
            syslog: false,
            flood_refusals: 1000,
        }
    }
}

/// What raised an alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlarmKind {
    /// An administrator account locked after failed sign-ins.
    AdminLockout,
    /// Many refused requests from one source in one window.
    Flood,
    /// An administrator route asked for from outside the admin networks.
    OutsideAdminNetwork,
    /// A backup failed.
    BackupFailed,
    /// A readability check or a verification found problems.
    CheckFailed,
    /// An administrator account not used for `[security] inactive_days`
    /// (administrators are not locked automatically: the last of them
    /// could never be unlocked).
    UnusedAdmin,
    /// One account reading many different persons, many at night, or
    /// looking up many unregistered ID numbers (Art 22).
    BulkRead,
}

impl AlarmKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            AlarmKind::AdminLockout => "admin-lockout",
            AlarmKind::Flood => "flood",
            AlarmKind::OutsideAdminNetwork => "outside-admin-network",
            AlarmKind::BackupFailed => "backup-failed",
            AlarmKind::CheckFailed => "check-failed",
            AlarmKind::UnusedAdmin => "unused-admin",
            AlarmKind::BulkRead => "bulk-read",
        }
    }
    /// The Chinese name shown on the workbench.
    pub const fn zh(self) -> &'static str {
        match self {
            AlarmKind::AdminLockout => "管理员账号被锁定",
            AlarmKind::Flood => "大量请求被拒绝",
            AlarmKind::OutsideAdminNetwork => "非管理终端访问管理功能",
            AlarmKind::BackupFailed => "备份失败",
            AlarmKind::CheckFailed => "检测发现问题",
            AlarmKind::UnusedAdmin => "管理员账号长期未使用",
            AlarmKind::BulkRead => "批量或异常查询个人权益记录",
        }
    }
    /// Every kind.
    pub const ALL: [AlarmKind; 7] = [
        AlarmKind::AdminLockout,
        AlarmKind::Flood,
        AlarmKind::OutsideAdminNetwork,
        AlarmKind::BackupFailed,
        AlarmKind::CheckFailed,
        AlarmKind::UnusedAdmin,
        AlarmKind::BulkRead,
    ];

    fn from_name(s: &str) -> Option<AlarmKind> {
        AlarmKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An alarm not yet acknowledged.
#[derive(Clone, Debug, Serialize)]
pub struct Alarm {
    /// Sequence number of its `alarm.raised` entry (what acknowledges it).
    pub seq: u64,
    pub time: String,
    pub kind: String,
    pub kind_zh: String,
    pub source: String,
    /// The account the alarm is about, if any (it may not acknowledge it).
    pub subject: String,
    pub detail: String,
    #[serde(skip)]
    raised: chrono::DateTime<chrono::Utc>,
}

/// Alarms of one kind raised per [`REPEAT_AFTER`] at most, whatever the
/// sources (many sources at once — a botnet, addresses rotated within an
/// IPv6 prefix — are one incident: the rest are in the refusal summaries).
pub const PER_KIND: usize = 5;

/// When each (kind, source) was last raised in this process.
#[derive(Default)]
pub(crate) struct AlarmGate(Mutex<HashMap<(AlarmKind, String), Instant>>);

impl AlarmGate {
    /// Should this alarm be raised now? (Marks it raised.) Sources are
    /// compared by their refusal key (an IPv6 /64 is one source).
    fn open(&self, kind: AlarmKind, source: &str) -> bool {
        let Ok(mut g) = self.0.lock() else {
            return true;
        };
        let now = Instant::now();
        g.retain(|_, t| now.duration_since(*t) < REPEAT_AFTER);
        let key = (kind, crate::sources::source_key(source));
        if g.contains_key(&key) || g.keys().filter(|(k, _)| *k == kind).count() >= PER_KIND {
            return false;
        }
        g.insert(key, now);
        true
    }
}

impl Sirm {
    /// Raise an alarm: an `alarm.raised` security event (unless the same
    /// kind and source was raised within [`REPEAT_AFTER`]), then the webhook
    /// and syslog, off the caller's path. Returns whether it was written.
    /// `subject`: the account it is about ("" for none).
    pub async fn raise_alarm(
        &self,
        kind: AlarmKind,
        source: &str,
        subject: &str,
        detail: &str,
    ) -> Result<bool, AppError> {
        if !self.alarm_gate.open(kind, source) {
            return Ok(false);
        }
        // Another process (a command, a restarted server) may have raised
        // it: still open and recent means raised.
        let recent = chrono::Utc::now() - chrono::Duration::seconds(REPEAT_AFTER.as_secs() as i64);
        if self
            .open_alarms()
            .await?
            .iter()
            .any(|a| a.kind == kind.as_str() && a.source == source && a.raised >= recent)
        {
            return Ok(false);
        }
        let text = format!("kind={} {detail}", kind.as_str());
        self.audit(
            AuditEvent::new(subject, source, ALARM_EVENT)
                .by("sirm")
                .alarm(text.chars().take(380).collect::<String>()),
        )
        .await?;
        tracing::info!(kind = kind.as_str(), source, "alarm raised");
        let _ = notify(&self.config.alarms, kind, source, detail);
        Ok(true)
    }

    /// [`Sirm::raise_alarm`] for a caller whose own work must go on: an
    /// alarm that cannot be written is logged, never returned.
    pub async fn raise_alarm_or_log(
        &self,
        kind: AlarmKind,
        source: &str,
        subject: &str,
        detail: &str,
    ) {
        if let Err(e) = self.raise_alarm(kind, source, subject, detail).await {
            tracing::error!(kind = kind.as_str(), error = %e, "raising the alarm failed");
        }
    }

    /// The alarms no administrator has acknowledged yet, newest first.
    pub async fn open_alarms(&self) -> Result<Vec<Alarm>, AppError> {
        let filter = |name: &str, limit: i64| sirm_store::AuditFilter {
            kind: Some(sirm_domain::records::kind::SECURITY_EVENT.into()),
            event: Some(name.into()),
            limit,
            ..Default::default()
        };
        let acked: BTreeSet<u64> = self
            .store
            .security_entries(&filter(ACK_EVENT, 5000))
            .await?
            .iter()
            .filter_map(|e| {
                let v = e.payload_value().unwrap_or_default();
                let d = v.get("detail")?.as_str()?.to_string();
                d.strip_prefix("alarm=")?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
            .collect();
        let mut out = Vec::new();
        for e in self
            .store
            .security_entries(&filter(ALARM_EVENT, 500))
            .await?
        {
            if acked.contains(&e.seq) {
                continue;
            }
            let v = e.payload_value().unwrap_or_default();
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            let detail = s("detail");
            let (kind, rest) = match detail.strip_prefix("kind=") {
                Some(r) => r.split_once(' ').unwrap_or((r, "")),
                None => ("", detail.as_str()),
            };
            let k = AlarmKind::from_name(kind);
            out.push(Alarm {
                seq: e.seq,
                time: sirm_ledger::format_time(&e.time),
                kind: kind.to_string(),
                kind_zh: k.map(|k| k.zh()).unwrap_or("告警").to_string(),
                source: s("source"),
                subject: s("account"),
                detail: rest.to_string(),
                raised: e.time,
            });
        }
        Ok(out)
    }

    /// An administrator records that alarm `seq` is handled, and how.
    /// Security, audit and database administrators may; nobody else.
    pub async fn acknowledge_alarm(
        &self,
        who: &Principal,
        seq: u64,
        note: &str,
    ) -> Result<(), AppError> {
        let may = [
            Permission::SecurityConfig,
            Permission::AuditRead,
            Permission::DatabaseMaintain,
        ];
        if !may.iter().any(|p| who.may(*p)) || who.pending.is_some() {
            // The one check, so the denial is audited like every other.
            self.authorize(who, Permission::SecurityConfig).await?;
        }
        let note = note.trim();
        if note.chars().count() < 4 {
            return Err(AppError::invalid(
                "note",
                "说明处理情况（至少 4 个字符） / say what was done (at least 4 characters)",
            ));
        }
        let open = self.open_alarms().await?;
        let Some(alarm) = open.iter().find(|a| a.seq == seq) else {
            return Err(AppError::conflict_by(RuleId::AlreadyDone,
                "该告警已处理或不存在 / that alarm is not open (already acknowledged, or no such alarm)"
                    ,
            ));
        };
        if !alarm.subject.is_empty() && alarm.subject == who.username {
            return Err(AppError::forbidden(
                RuleId::OwnAlarm,
                "告警涉及您本人的账号，须由其他管理员处理 / refused by rule own-alarm: the alarm is about your own account; another administrator handles it",
            ));
        }
        self.audit(AuditEvent::own(who, ACK_EVENT).success(format!(
            "alarm={seq} note={}",
            note.chars().take(300).collect::<String>()
        )))
        .await
    }
}

/// Send an alarm to the webhook and syslog only, and wait for the webhook:
/// for a command that must not append to a ledger it found damaged.
pub async fn notify_outside(cfg: &AlarmsConfig, kind: AlarmKind, source: &str, detail: &str) {
    eprintln!("ALARM {}: {detail}", kind.as_str());
    if let Some(h) = notify(cfg, kind, source, detail) {
        let _ = h.await;
    }
}

/// Send a raised alarm to the webhook and syslog, in the background (the
/// webhook's task is returned).
fn notify(
    cfg: &AlarmsConfig,
    kind: AlarmKind,
    source: &str,
    detail: &str,
) -> Option<tokio::task::JoinHandle<()>> {
    if cfg.syslog {
        syslog_line(&format!(
            "sirm alarm kind={} source={source} {detail}",
            kind.as_str()
        ));
    }
    let url = cfg.webhook.clone()?;
    let body = serde_json::json!({
        "alarm": kind.as_str(),
        "source": source,
        "detail": detail,
        "time": chrono::Utc::now().to_rfc3339(),
    });
    let handle = tokio::runtime::Handle::try_current().ok()?;
    Some(handle.spawn(async move {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build();
        let sent = match client {
            Ok(c) => c.post(&url).json(&body).send().await.map(|r| r.status()),
            Err(e) => Err(e),
        };
        match sent {
            Ok(s) if s.is_success() => {}
            Ok(s) => tracing::error!(status = %s, "the alarm webhook refused the alarm"),
            Err(e) => tracing::error!(error = %e, "the alarm webhook is unreachable"),
        }
    }))
}

/// One line to the local syslog (facility auth, severity alert: `<105>`);
/// control characters are replaced, so a line cannot forge another.
fn syslog_line(text: &str) {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    #[cfg(unix)]
    {
        let sock = match std::os::unix::net::UnixDatagram::unbound() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "syslog socket");
                return;
            }
        };
        let line = format!("<105>sirm: {text}");
        if let Err(e) = sock.send_to(line.as_bytes(), "/dev/log") {
            tracing::error!(error = %e, "writing the alarm to /dev/log failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_alarm_is_raised_once_per_period() {
        let g = AlarmGate::default();
        assert!(g.open(AlarmKind::Flood, "192.0.2.1"));
        assert!(!g.open(AlarmKind::Flood, "192.0.2.1"));
        assert!(g.open(AlarmKind::Flood, "192.0.2.2"));
        assert!(g.open(AlarmKind::OutsideAdminNetwork, "192.0.2.1"));
        // One IPv6 /64 is one source.
        assert!(g.open(AlarmKind::OutsideAdminNetwork, "2001:db8::1"));
        assert!(!g.open(AlarmKind::OutsideAdminNetwork, "2001:db8::2"));
    }

    #[test]
    fn many_sources_are_one_incident() {
        let g = AlarmGate::default();
        let raised = (0..1000)
            .filter(|i| {
                g.open(
                    AlarmKind::OutsideAdminNetwork,
                    &format!("198.51.{}.{}", i / 250, i % 250),
                )
            })
            .count();
        assert_eq!(raised, PER_KIND);
    }

    #[test]
    fn kinds_round_trip() {
        for k in AlarmKind::ALL {
            assert_eq!(AlarmKind::from_name(k.as_str()), Some(k));
        }
    }
}
