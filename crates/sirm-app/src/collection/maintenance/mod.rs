//! The maintenance log (维护日志, Art 12): approved changes with their
//! application, reason, handling and the responsible person of each stage.

mod before;

pub(super) use before::mask_ids;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use sirm_domain::access::Permission;
use sirm_domain::records::{self, Material};
use sirm_domain::RuleId;
use sirm_store::{MaintenanceFilter, MaintenanceRow};

use super::registry::BusinessType;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// Rows per page of the maintenance log unless asked otherwise; at most
/// [`MAX_PAGE`].
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 500;

/// The maintenance log's filters as typed by the officer (each blank or
/// absent is no filter).
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    /// A resident ID number, a credit code, or `kind:identifier`.
    pub subject: Option<String>,
    /// An entry kind, e.g. `contribution.corrected`.
    pub kind: Option<String>,
    /// A responsible person's username.
    pub officer: Option<String>,
    /// First local (UTC+8) day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last local (UTC+8) day, `YYYY-MM-DD`.
    pub to: Option<String>,
}

/// One line of the maintenance log (维护日志, Art 12): time, content
/// (before and after), reason, handling method (处理方法), evidence, where
/// the change came from, and the responsible person of each stage.
#[derive(Clone, Debug, Serialize)]
pub struct LogEntry {
    pub seq: i64,
    pub time_us: i64,
    /// The entry kind (`person.changed` …).
    pub kind: String,
    /// `person:` with the masked ID number, or the subject as written.
    pub subject: String,
    pub application: String,
    /// The business type's code and Chinese name.
    pub business_type: String,
    pub business_name: String,
    pub reason: String,
    /// 处理方法: as the officer stated it (`method`), else what the
    /// business type does.
    pub method: String,
    /// The values before the change (opened), where the change replaced
    /// values; `None` for a new record.
    pub before: Option<Value>,
    /// The values written (opened).
    pub after: Value,
    /// The original materials of the application (Art 13).
    pub evidence: Vec<Material>,
    /// What the change answers: an objection, a discrepancy, or the entry
    /// it corrects (`objection:…`, `discrepancy:…`, `corrects:…`).
    pub origin: Vec<String>,
    /// The responsible person of each stage, in order: `(stage, username)`.
    pub responsible: Vec<(String, String)>,
}

/// One page of the log and the cursor of the next (`None`: the last page).
#[derive(Clone, Debug, Serialize)]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    pub next: Option<i64>,
}

impl Sirm {
    /// One page of the maintenance log (维护日志, Art 12) of the
    /// principal's agency, newest first: entries strictly before the
    /// cursor `before_seq`, at most `limit` (1–[`MAX_PAGE`]). `from` and
    /// `to` are local days, both included; a malformed day or a `to`
    /// before `from` is refused naming the field. Rows come back opened
    /// for the officer: payloads with names, ID numbers masked.
    pub async fn maintenance_log(
        &self,
        who: &Principal,
        filter: &LogFilter,
        before_seq: Option<i64>,
        limit: usize,
    ) -> Result<LogPage, AppError> {
        self.authorize(who, Permission::PersonQuery).await?;
        let (from_us, to_us) = day_range(filter.from.as_deref(), filter.to.as_deref())?;
        let subject = match blank(&filter.subject) {
            None => None,
            Some(s) if s.contains(':') => Some(s.to_string()),
            Some(s) => match s.parse::<sirm_domain::id::ResidentId>() {
                Ok(id) => Some(records::person_subject(&self.person_key(&id)?)),
                Err(_) => Some(format!("employer:{s}")),
            },
        };
        let limit = limit.clamp(1, MAX_PAGE);
        let f = MaintenanceFilter {
            agency: &who.agency,
            subject: subject.as_deref(),
            kind: blank(&filter.kind),
            officer: blank(&filter.officer),
            from_us,
            to_us,
            before_seq,
        };
        // One more than asked: whether a next page exists.
        let mut rows = self.store.maintenance_log(&f, limit as i64 + 1).await?;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| r.seq)
        } else {
            None
        };
        let mut apps = std::collections::HashMap::new();
        let mut entries = Vec::with_capacity(rows.len());
        for r in rows {
            entries.push(self.log_entry(r, &mut apps).await?);
        }
        Ok(LogPage { entries, next })
    }

    /// Every row of the maintenance log that matches `filter`, page by
    /// page (an export: no cut-off).
    pub async fn maintenance_log_all(
        &self,
        who: &Principal,
        filter: &LogFilter,
    ) -> Result<Vec<LogEntry>, AppError> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.maintenance_log(who, filter, cursor, MAX_PAGE).await?;
            out.extend(page.entries);
            match page.next {
                Some(n) => cursor = Some(n),
                None => return Ok(out),
            }
        }
    }

    async fn log_entry(
        &self,
        r: MaintenanceRow,
        apps: &mut std::collections::HashMap<String, AppFacts>,
    ) -> Result<LogEntry, AppError> {
        let payload: Value = serde_json::from_str(&r.payload).unwrap_or(Value::Null);
        let application = r.application.clone().unwrap_or_default();
        if !apps.contains_key(&application) {
            let facts = self.app_facts(&application).await?;
            apps.insert(application.clone(), facts);
        }
        let facts = apps.get(&application).cloned().unwrap_or_default();
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let reason = text(&payload, "reason")
            .or_else(|| text(&facts.data, "reason"))
            .unwrap_or_default();
        let method = text(&payload, "method")
            .or_else(|| text(&facts.data, "method"))
            .unwrap_or_else(|| facts.business_name.clone());
        let mut origin = facts.origin.clone();
        for key in ["objection", "discrepancy", "corrects"] {
            for v in [&payload, &facts.data] {
                if let Some(x) = v.get(key).filter(|x| !x.is_null()) {
                    let x = x
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string());
                    let o = format!("{key}:{x}");
                    if !origin.contains(&o) {
                        origin.push(o);
                    }
                }
            }
        }
        let before = match before::before(self, &r, &payload).await? {
            Some(b) => {
                let mut b = self.reveal_json(&b).await?;
                before::mask_ids(&mut b);
                Some(b)
            }
            None => None,
        };
        let mut after = self.reveal_json(&before::shown(&r.kind, &payload)).await?;
        before::mask_ids(&mut after);
        let actors: Vec<String> = serde_json::from_str(&r.actors).unwrap_or_default();
        let responsible = if facts.steps.len() == actors.len() {
            facts.steps.clone()
        } else {
            actors.into_iter().map(|a| (String::new(), a)).collect()
        };
        let subject = match r
            .subject
            .strip_prefix("person:")
            .and_then(|p| p.parse::<sirm_domain::id::PersonKey>().ok())
        {
            Some(pk) => match self.person_view(&pk).await? {
                Some(v) => format!("person:{}", v.id_masked()),
                None => format!("person:{}", pk.short()),
            },
            None => r.subject.clone(),
        };
        Ok(LogEntry {
            seq: r.seq,
            time_us: r.time_us,
            kind: r.kind,
            subject,
            application,
            business_type: facts.business_type,
            business_name: facts.business_name,
            reason,
            method,
            before,
            after,
            evidence: facts.materials,
            origin,
            responsible,
        })
    }

    /// What the log shows of the application behind an entry: its type,
    /// raw data, materials and the stage of each responsible person on the
    /// path that approved it.
    async fn app_facts(&self, id: &str) -> Result<AppFacts, AppError> {
        let Some(app) = self.store.application(id).await? else {
            return Ok(AppFacts::default());
        };
        let name = app
            .business_type
            .parse::<BusinessType>()
            .map(|b| b.name_zh().to_string())
            .unwrap_or_default();
        // The path that approved it: the steps since the last submission.
        let steps = self.store.application_steps(id).await?;
        let last_start = steps
            .iter()
            .rposition(|s| s.stage == sirm_domain::review::Stage::Preliminary.as_str())
            .unwrap_or(0);
        // An objection (异议核查) this application puts right.
        let origin = self
            .store
            .objections_linked_to(id)
            .await?
            .into_iter()
            .map(|o| format!("objection:{}", o.number))
            .collect();
        Ok(AppFacts {
            origin,
            business_type: app.business_type,
            business_name: name,
            data: serde_json::from_str(&app.data).unwrap_or(Value::Null),
            materials: serde_json::from_str(&app.materials).unwrap_or_default(),
            steps: steps[last_start..]
                .iter()
                .map(|s| (s.stage.clone(), s.actor.clone()))
                .collect(),
        })
    }
}

/// The application facts a page of the log reads once per application.
#[derive(Clone, Debug, Default)]
struct AppFacts {
    origin: Vec<String>,
    business_type: String,
    business_name: String,
    data: Value,
    materials: Vec<Material>,
    steps: Vec<(String, String)>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A filter day as typed: `None` when blank, else a `YYYY-MM-DD` date.
fn filter_day(field: &'static str, text: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                AppError::invalid_by(
                    field,
                    RuleId::DateFormat,
                    format!("{t:?} is not a date (YYYY-MM-DD)"),
                )
            }),
    }
}

/// The ledger times (µs) of the filter's local days: from the start of
/// `from` to the end of `to`.
fn day_range(from: Option<&str>, to: Option<&str>) -> Result<(Option<i64>, Option<i64>), AppError> {
    let (from, to) = (filter_day("from", from)?, filter_day("to", to)?);
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(AppError::invalid_by(
                "to",
                RuleId::DateOrder,
                format!("{t} is before from ({f})"),
            ));
        }
    }
    let start_us = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0).and_then(|t| {
            t.and_local_timezone(crate::clock::agency_offset())
                .single()
                .map(|t| t.timestamp_micros())
        })
    };
    Ok((
        from.and_then(start_us),
        to.and_then(|d| d.succ_opt()).and_then(start_us),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_days_are_local_days_and_a_bad_one_is_refused_naming_its_field() {
        assert_eq!(day_range(None, Some(" ")).unwrap(), (None, None));
        let (f, t) = day_range(Some("2026-01-01"), Some("2026-01-01")).unwrap();
        // 2026-01-01 00:00 at UTC+8 is 2025-12-31 16:00 UTC; one day long.
        assert_eq!(f, Some(1_767_196_800_000_000));
        assert_eq!(t, Some(1_767_196_800_000_000 + 86_400_000_000));
        for (from, to, field, rule) in [
            ("2026-13-01", "", "from", RuleId::DateFormat),
            ("", "yesterday", "to", RuleId::DateFormat),
            ("2026-02-01", "2026-01-31", "to", RuleId::DateOrder),
        ] {
            match day_range(Some(from), Some(to)) {
                Err(AppError::Invalid {
                    field: f, rule: r, ..
                }) => {
                    assert_eq!((f.as_str(), r), (field, Some(rule)));
                }
                other => panic!("{from}..{to}: {other:?}"),
            }
        }
    }
}
