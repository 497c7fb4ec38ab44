//! The maintenance log (维护日志, Art 12): approved changes with their
//! application, reason, handling and the responsible person of each stage.

use chrono::NaiveDate;
use sirm_domain::access::Permission;
use sirm_domain::records;
use sirm_domain::RuleId;
use sirm_store::MaintenanceRow;

use crate::identity::Principal;
use crate::{AppError, Sirm};

impl Sirm {
    /// The maintenance log (维护日志, Art 12) of the principal's agency:
    /// approved changes with their application, reason, handling and the
    /// responsible person of each stage. `subject` as typed: a resident ID
    /// number, a credit code, or `kind:identifier`; `from` and `to` as
    /// typed: local (UTC+8) days `YYYY-MM-DD`, both included, blank for no
    /// bound; a malformed day or a `to` before `from` is refused naming the
    /// field. Rows come back opened for the officer: payloads with ID
    /// numbers and names, subjects with the masked ID number.
    pub async fn maintenance_log(
        &self,
        who: &Principal,
        subject: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        officer: Option<&str>,
    ) -> Result<Vec<MaintenanceRow>, AppError> {
        self.authorize(who, Permission::PersonQuery).await?;
        let (from_us, to_us) = day_range(from, to)?;
        let subject = match subject.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) if s.contains(':') => Some(s.to_string()),
            Some(s) => match s.parse::<sirm_domain::id::ResidentId>() {
                Ok(id) => Some(records::person_subject(&self.person_key(&id)?)),
                Err(_) => Some(format!("employer:{s}")),
            },
        };
        let rows = self
            .store
            .maintenance_log(&who.agency, subject.as_deref(), from_us, to_us, 1000)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for mut r in rows
            .into_iter()
            .filter(|r| officer.is_none_or(|o| r.actors.contains(&format!("\"{o}\""))))
        {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&r.payload) {
                r.payload = self.reveal_json(&v).await?.to_string();
            }
            if let Some(pk) = r
                .subject
                .strip_prefix("person:")
                .and_then(|p| p.parse::<sirm_domain::id::PersonKey>().ok())
            {
                r.subject = match self.person_view(&pk).await? {
                    Some(v) => format!("person:{}", v.id_masked()),
                    None => format!("person:{}", pk.short()),
                };
            }
            out.push(r);
        }
        Ok(out)
    }
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
