//! Statistics without identities (不含身份信息的统计, Art 17): predefined
//! aggregate reports for the statistics user (统计用户), each one `GROUP BY`
//! per engine in `sirm-store` (`statistics.rs`) over the statistics
//! summaries the ledger applier keeps (migration 22), small cells suppressed
//! with their complements (`suppress.rs`); every read registered as a
//! `statistics.read` security event naming the report and its parameters
//! (Art 21). `docs/disclosure.md` has the algorithm and the limits.

pub mod extract;
mod reports;
pub mod suppress;

use std::collections::BTreeMap;

use sirm_domain::access::Permission;
use sirm_domain::rules::Month;
use sirm_domain::RuleId;

use reports::{table_of, Published};
pub use reports::{Cell, Report, ReportKind, ReportRow};

use crate::{AppError, AuditEvent, Principal, Sirm};

/// The longest period a report covers, in months.
pub const MAX_MONTHS: i32 = 240;

/// What a report is asked for: `month` (the insured-persons report) or the
/// period `from`..=`to` (the others), each `YYYY-MM`; absent: the latest
/// month with contributions (and the eleven before it for a period).
#[derive(Clone, Debug, Default)]
pub struct ReportParams {
    pub month: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

fn month_param(field: &str, raw: Option<&str>) -> Result<Option<Month>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Month::parse(s)
            .map(Some)
            .map_err(|e| AppError::invalid_by(field, RuleId::DateFormat, format!("{field}: {e}"))),
    }
}

/// The insurance types of the insured-persons report, as its columns.
const INSURANCE: [&str; 4] = ["pension", "medical", "unemployment", "work_injury"];

impl Sirm {
    /// A report as published to the statistics user: parameters checked
    /// (a bad one is `400` naming the field), figures aggregated in the
    /// database, small cells suppressed, the read registered.
    pub async fn statistics_report(
        &self,
        who: &Principal,
        kind: ReportKind,
        params: &ReportParams,
    ) -> Result<Report, AppError> {
        self.authorize(who, Permission::StatisticsRead).await?;
        let per_day = self.config.disclosure.volume.statistics_per_day;
        if !self
            .reads
            .statistics_read(&who.username, crate::clock::today(), per_day)
        {
            let what = format!("more than {per_day} statistics reports in a day");
            self.audit(AuditEvent::own(who, "statistics.read").denied(&what))
                .await?;
            return Err(AppError::forbidden(RuleId::DisclosureVolume, what));
        }
        let month = month_param("month", params.month.as_deref())?;
        let from = month_param("from", params.from.as_deref())?;
        let to = month_param("to", params.to.as_deref())?;
        // Aggregates only: from a read replica when one is in use
        // (docs/scaling.md); the audit event below goes to the primary.
        let reader = self.store.reader(&who.username).await;
        let latest = match reader.latest_contribution_month().await? {
            Some(m) => Month::parse(&m).map_err(|e| {
                AppError::Store(sirm_store::StoreError::Corrupt(format!(
                    "contribution.month {m:?}: {e}"
                )))
            })?,
            None => crate::clock::current_month(),
        };
        let min_cell = self.config.disclosure.min_cell();
        let mut parameters = BTreeMap::new();
        let (heads, with_amount, published): (Vec<&'static str>, bool, Published) = match kind {
            ReportKind::Insured => {
                let month = month.unwrap_or(latest);
                parameters.insert("month".to_string(), month.to_string());
                // Ages on the month's last day.
                let groups = reader.insured_groups(&month.to_string()).await?;
                let d = &self.config.disclosure;
                let cells = groups.into_iter().flat_map(|g| {
                    let key = vec![g.agency.clone(), d.age_band(g.age), g.gender.clone()];
                    let counts = [g.pension, g.medical, g.unemployment, g.work_injury];
                    INSURANCE.into_iter().zip(counts).map(move |(t, n)| {
                        (
                            key.clone(),
                            t.to_string(),
                            u64::try_from(n).unwrap_or(0),
                            None,
                        )
                    })
                });
                let columns = INSURANCE.iter().map(|s| s.to_string()).collect();
                // No row totals: one person counts in each insurance type
                // they are enrolled in, so a row's sum is enrolments (人次),
                // not persons — and four suppressed cells summing to 16
                // would publish a group of four people.
                (
                    vec!["region", "age_band", "gender"],
                    false,
                    table_of(cells, columns, false, false).publish(min_cell),
                )
            }
            ReportKind::Contributions | ReportKind::Arrears => {
                let (from, to) = period(from, to, latest)?;
                parameters.insert("from".to_string(), from.to_string());
                parameters.insert("to".to_string(), to.to_string());
                let groups = reader
                    .contribution_groups(
                        &from.to_string(),
                        &to.to_string(),
                        &crate::clock::current_month().to_string(),
                    )
                    .await?;
                let mut classes: Vec<i64> = groups.iter().map(|g| g.industry_class).collect();
                classes.sort_unstable();
                classes.dedup();
                let columns: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
                let arrears = kind == ReportKind::Arrears;
                let cells = groups.into_iter().map(|g| {
                    let (n, a) = if arrears {
                        (g.arrears_persons, g.arrears_amount)
                    } else {
                        (g.persons, g.amount)
                    };
                    (
                        vec![g.month],
                        g.industry_class.to_string(),
                        u64::try_from(n).unwrap_or(0),
                        Some(a),
                    )
                });
                (
                    vec!["month"],
                    true,
                    table_of(cells, columns, true, true).publish(min_cell),
                )
            }
            ReportKind::Benefits => {
                let (from, to) = period(from, to, latest)?;
                parameters.insert("from".to_string(), from.to_string());
                parameters.insert("to".to_string(), to.to_string());
                let groups = reader
                    .benefit_groups(&from.to_string(), &to.to_string())
                    .await?;
                let cells = groups.into_iter().map(|g| {
                    (
                        vec![g.kind],
                        "persons".to_string(),
                        u64::try_from(g.persons).unwrap_or(0),
                        Some(g.amount),
                    )
                });
                (
                    vec!["kind"],
                    true,
                    table_of(cells, vec!["persons".to_string()], false, true).publish(min_cell),
                )
            }
        };
        let described: Vec<String> = parameters.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.audit(AuditEvent::own(who, "statistics.read").success(format!(
            "report {} {} (min_cell {min_cell}, {} suppressed)",
            kind.as_str(),
            described.join(" "),
            published.suppressed
        )))
        .await?;
        Ok(Report {
            report: kind.as_str(),
            title_zh: kind.title_zh(),
            parameters,
            row_heads: heads,
            columns: published.columns,
            with_amount,
            rows: published.rows,
            column_totals: published.column_totals,
            total: published.total,
            min_cell,
            suppressed: published.suppressed,
            suppression_rule: RuleId::DisclosureSmallCell.as_str(),
            as_of: chrono::Utc::now().to_rfc3339(),
        })
    }
}

/// The period asked for, defaults filled in, checked: `from` not after
/// `to`, at most [`MAX_MONTHS`].
fn period(
    from: Option<Month>,
    to: Option<Month>,
    latest: Month,
) -> Result<(Month, Month), AppError> {
    let to = to.unwrap_or(latest);
    let from = from.unwrap_or_else(|| to.add_months(-11));
    if from > to {
        return Err(AppError::invalid_by(
            "from",
            RuleId::DateOrder,
            format!("from {from} is after to {to}"),
        ));
    }
    if to.months_since(from) >= MAX_MONTHS {
        return Err(AppError::invalid_by(
            "to",
            RuleId::StatisticsPeriod,
            format!("a report covers at most {MAX_MONTHS} months"),
        ));
    }
    Ok((from, to))
}
