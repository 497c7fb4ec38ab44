//! The maintenance officer's side of objections: the queue by deadline,
//! linking an objection to the correction application that puts it right,
//! answering it in writing, the evidence, and the report by age and result.

use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::records::{kind, objection_subject, person_subject, Evidence, ObjectionLinked};
use sirm_domain::status::{ApplicationStatus, ObjectionStatus};
use sirm_domain::RuleId;
use sirm_ledger::Stream;
use sirm_store::Expect;

use super::view::status_zh;
use super::{no_such_objection, ObjectionView};
use crate::collection::taker_of;
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// Objections the queue and the report read at most.
const MAX_ROWS: i64 = 100_000;

/// One open objection in the officer's queue.
#[derive(Clone, Debug, Serialize)]
pub struct QueueRow {
    #[serde(flatten)]
    pub view: ObjectionView,
    /// Working days left until the deadline (negative: overdue by).
    pub working_days_left: i64,
}

/// One objection in the report: its age and result (no person named).
#[derive(Clone, Debug, Serialize)]
pub struct ReportRow {
    pub number: String,
    pub objector: String,
    pub filed_on: chrono::NaiveDate,
    pub deadline: chrono::NaiveDate,
    pub status: ObjectionStatus,
    pub status_zh: &'static str,
    /// Working days from filing to the outcome, or to today when open.
    pub age_working_days: u32,
    /// Open past the deadline, or resolved after it.
    pub late: bool,
    pub items: usize,
}

/// Objections by age and result.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectionReport {
    pub rows: Vec<ReportRow>,
    /// (status, count) for every status.
    pub by_result: Vec<(ObjectionStatus, usize)>,
    /// (age band in working days, count).
    pub by_age: Vec<(&'static str, usize)>,
    pub late: usize,
}

const AGE_BANDS: &[(&str, u32)] = &[
    ("0-5", 5),
    ("6-10", 10),
    ("11-15", 15),
    ("16-30", 30),
    (">30", u32::MAX),
];

impl Sirm {
    /// Open objections (待核查, 更正审核中), the nearest deadline first.
    pub async fn objection_queue(&self, who: &Principal) -> Result<Vec<QueueRow>, AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        let calendar = self
            .config
            .calendar
            .calendar()
            .map_err(|e| AppError::invalid("calendar", e))?;
        let today = crate::clock::today();
        let mut out = Vec::new();
        for row in self.agency_objections(who).await? {
            if !matches!(
                row.status,
                ObjectionStatus::Open | ObjectionStatus::InCorrection
            ) {
                continue;
            }
            let left = if row.deadline >= today {
                i64::from(calendar.working_days_between(today, row.deadline))
            } else {
                -i64::from(calendar.working_days_between(row.deadline, today))
            };
            out.push(QueueRow {
                view: self.objection_view_of(&row).await?,
                working_days_left: left,
            });
        }
        Ok(out)
    }

    async fn agency_objections(
        &self,
        who: &Principal,
    ) -> Result<Vec<sirm_store::ObjectionRow>, AppError> {
        let mut out = Vec::new();
        for row in self.store.objections(MAX_ROWS).await? {
            let ours = self
                .store
                .person(&row.person_id)
                .await?
                .is_some_and(|p| p.agency == who.agency);
            if ours {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// The officer names the correction application (in review, about the
    /// same person, taken by the maintenance officer) that puts the
    /// objection right. Its approval resolves the objection as corrected;
    /// a withdrawal opens it again; a return leaves it with the officer.
    pub async fn link_objection(
        &self,
        who: &Principal,
        number: &str,
        application_id: &str,
    ) -> Result<(), AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        let row = self.objection_for(who, number).await?;
        if row.status != ObjectionStatus::Open {
            return Err(AppError::conflict_by(
                RuleId::ObjectionClosed,
                format!("objection {} is {}", row.number, row.status),
            ));
        }
        let app = self
            .application_of_agency(who, application_id.trim())
            .await
            .map_err(|_| {
                AppError::invalid_by(
                    "application",
                    RuleId::ObjectionLink,
                    format!("no application {application_id} of this agency"),
                )
            })?;
        let link_err = |why: &str| {
            AppError::invalid_by(
                "application",
                RuleId::ObjectionLink,
                format!("application {}: {why}", app.application_id),
            )
        };
        if taker_of(&app.business_type) != Permission::RecordMaintain {
            return Err(link_err("not a correction (维护) application"));
        }
        let pk: sirm_domain::id::PersonKey = row
            .person_id
            .parse()
            .map_err(|e| AppError::invalid("person", e))?;
        if app.subject != person_subject(&pk) {
            return Err(link_err("about another person or record"));
        }
        if !matches!(
            app.status,
            ApplicationStatus::Pending | ApplicationStatus::Returned
        ) {
            return Err(link_err("no longer in review"));
        }
        let p = ObjectionLinked {
            number: row.number.clone(),
            application_id: app.application_id.clone(),
            business_type: app.business_type.clone(),
        };
        let mut d = draft(
            &self.config,
            Stream::Business,
            kind::OBJECTION_LINKED,
            objection_subject(&row.number),
            &who.username,
            &p,
        )?;
        d.application = Some(app.application_id.clone());
        self.append_with(
            vec![d],
            Some(Expect::ObjectionAt {
                number: row.number.clone(),
                last_seq: row.last_seq,
                application: Some((app.application_id.clone(), app.last_seq)),
            }),
        )
        .await?;
        Ok(())
    }

    /// One evidence file of an objection, opened from the sealed archive,
    /// for the officer re-checking it (or whoever may see the objection).
    pub async fn objection_evidence(
        &self,
        who: &Principal,
        number: &str,
        sha256: &str,
    ) -> Result<(Evidence, Vec<u8>), AppError> {
        let detail = self.objection_detail(who, number).await?;
        let ev = detail
            .evidence
            .into_iter()
            .find(|e| e.sha256 == sha256)
            .ok_or_else(|| no_such_objection(number))?;
        let bytes = self.archive.get(&ev.sha256).await?;
        Ok((ev, bytes))
    }

    /// Objections of the agency by age and result.
    pub async fn objection_report(&self, who: &Principal) -> Result<ObjectionReport, AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        let calendar = self
            .config
            .calendar
            .calendar()
            .map_err(|e| AppError::invalid("calendar", e))?;
        let today = crate::clock::today();
        let mut rows = Vec::new();
        for row in self.agency_objections(who).await? {
            let resolved = chrono::DateTime::parse_from_rfc3339(&row.resolved_at)
                .ok()
                .map(|t| {
                    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(*t.offset()))
                        .date_naive()
                });
            let end = resolved.unwrap_or(today);
            let items: Vec<serde_json::Value> =
                serde_json::from_str(&row.items).unwrap_or_default();
            rows.push(ReportRow {
                number: row.number.clone(),
                objector: row.objector.clone(),
                filed_on: row.filed_on,
                deadline: row.deadline,
                status: row.status,
                status_zh: status_zh(row.status),
                age_working_days: calendar.working_days_between(row.filed_on, end),
                late: end > row.deadline,
                items: items.len(),
            });
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.age_working_days));
        let by_result = [
            ObjectionStatus::Open,
            ObjectionStatus::InCorrection,
            ObjectionStatus::Corrected,
            ObjectionStatus::Answered,
        ]
        .into_iter()
        .map(|s| (s, rows.iter().filter(|r| r.status == s).count()))
        .collect();
        let mut by_age: Vec<(&'static str, usize)> =
            AGE_BANDS.iter().map(|(b, _)| (*b, 0)).collect();
        for r in &rows {
            if let Some(i) = AGE_BANDS
                .iter()
                .position(|(_, max)| r.age_working_days <= *max)
            {
                by_age[i].1 += 1;
            }
        }
        let late = rows.iter().filter(|r| r.late).count();
        Ok(ObjectionReport {
            rows,
            by_result,
            by_age,
            late,
        })
    }

    /// The report as CSV (one row per objection; no person named).
    pub async fn objection_report_csv(&self, who: &Principal) -> Result<Vec<u8>, AppError> {
        let report = self.objection_report(who).await?;
        crate::export::csv(
            &[
                "异议编号",
                "提出人",
                "提出日期",
                "办理时限",
                "状态",
                "已办理工作日",
                "是否超期",
                "异议项目数",
            ],
            report.rows.iter().map(|r| {
                vec![
                    r.number.clone(),
                    r.objector.clone(),
                    r.filed_on.to_string(),
                    r.deadline.to_string(),
                    r.status_zh.to_string(),
                    r.age_working_days.to_string(),
                    if r.late { "是" } else { "否" }.to_string(),
                    r.items.to_string(),
                ]
            }),
        )
    }
}
