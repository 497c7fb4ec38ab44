//! Queries of the review chain: applications, their steps, work queues, and
//! the maintenance log (Art 12) — every approved business entry with its
//! application, reason and the responsible person of each stage.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Store, StoreError};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplicationRow {
    pub application_id: String,
    pub business_type: String,
    pub subject: String,
    pub agency: String,
    /// Raw data (JSON text).
    pub data: String,
    /// Materials (JSON text).
    pub materials: String,
    /// Configured chain (JSON text).
    pub chain: String,
    pub status: String,
    pub next_stage: Option<String>,
    pub reason: String,
    pub submitted_by: String,
    pub submitted_seq: i64,
    pub last_seq: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplicationStepRow {
    pub seq: i64,
    pub stage: String,
    pub actor: String,
    pub approve: bool,
    pub reason: String,
}

/// One line of the maintenance log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MaintenanceRow {
    pub seq: i64,
    pub time_us: i64,
    pub kind: String,
    pub subject: String,
    pub application: Option<String>,
    pub actors: String,
    pub payload: String,
}

const APP_COLUMNS: &str =
    "application_id, business_type, subject, agency, data, materials, chain, status, \
                           next_stage, reason, submitted_by, submitted_seq, last_seq";

fn app_row(r: &AnyRow) -> Result<ApplicationRow, sqlx::Error> {
    Ok(ApplicationRow {
        application_id: r.try_get(0)?,
        business_type: r.try_get(1)?,
        subject: r.try_get(2)?,
        agency: r.try_get(3)?,
        data: r.try_get(4)?,
        materials: r.try_get(5)?,
        chain: r.try_get(6)?,
        status: r.try_get(7)?,
        next_stage: r.try_get(8)?,
        reason: r.try_get(9)?,
        submitted_by: r.try_get(10)?,
        submitted_seq: r.try_get(11)?,
        last_seq: r.try_get(12)?,
    })
}

impl Store {
    pub async fn application(&self, id: &str) -> Result<Option<ApplicationRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {APP_COLUMNS} FROM application WHERE application_id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.map(|r| app_row(&r)).transpose()?)
    }

    pub async fn application_steps(&self, id: &str) -> Result<Vec<ApplicationStepRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, stage, actor, approve, reason FROM application_step WHERE application_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApplicationStepRow {
                    seq: r.try_get(0)?,
                    stage: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    approve: r.try_get::<i64, _>(3)? != 0,
                    reason: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Applications of `agency` with `status` (and, if given, waiting for `stage`), oldest first.
    pub async fn applications(
        &self,
        agency: &str,
        status: Option<&str>,
        stage: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {APP_COLUMNS} FROM application WHERE agency = $1 AND ($2 IS NULL OR status = $2) \
             AND ($3 IS NULL OR next_stage = $3) ORDER BY submitted_seq LIMIT $4"
        ))
        .bind(agency)
        .bind(status.map(str::to_string))
        .bind(stage.map(str::to_string))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(app_row).collect::<Result<_, _>>()?)
    }

    /// The maintenance log: business entries written by approved
    /// applications, newest first, optionally for one subject.
    pub async fn maintenance_log(
        &self,
        agency: &str,
        subject: Option<&str>,
        from_us: Option<i64>,
        to_us: Option<i64>,
        limit: i64,
    ) -> Result<Vec<MaintenanceRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, time_us, kind, subject, application, actors, payload FROM ledger_entry \
             WHERE stream = 'business' AND application IS NOT NULL AND agency = $1 \
             AND ($2 IS NULL OR subject = $2) AND ($3 IS NULL OR time_us >= $3) AND ($4 IS NULL OR time_us < $4) \
             ORDER BY seq DESC LIMIT $5",
        )
        .bind(agency)
        .bind(subject.map(str::to_string))
        .bind(from_us)
        .bind(to_us)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MaintenanceRow {
                    seq: r.try_get(0)?,
                    time_us: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    subject: r.try_get(3)?,
                    application: r.try_get(4)?,
                    actors: r.try_get(5)?,
                    payload: r.try_get(6)?,
                })
            })
            .collect()
    }
}

/// One employment of a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmploymentRow {
    pub person_id: String,
    pub credit_code: String,
    pub start_on: String,
    pub end_on: Option<String>,
    pub end_reason: Option<String>,
}

impl Store {
    /// A person's employments, oldest first.
    pub async fn employments_of(&self, person_id: &str) -> Result<Vec<EmploymentRow>, StoreError> {
        let rows = sqlx::query(&EMPLOYMENTS_SQL)
            .bind(person_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(EmploymentRow {
                    person_id: r.try_get(0)?,
                    credit_code: r.try_get(1)?,
                    start_on: r.try_get(2)?,
                    end_on: r.try_get(3)?,
                    end_reason: r.try_get(4)?,
                })
            })
            .collect()
    }
}

use crate::record::{ACCOUNT_YEARS_SQL, CONTRIBUTIONS_SQL, EMPLOYMENTS_SQL};

/// SQLite file: a person's contributions read straight with rusqlite.
pub(crate) fn sqlite_contributions(
    c: &rusqlite::Connection,
    pid: &str,
) -> Result<Vec<ContributionRow>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(&CONTRIBUTIONS_SQL)?;
    let rows = stmt.query_map([pid], |r| {
        Ok(ContributionRow {
            person_id: r.get(0)?,
            month: r.get(1)?,
            credit_code: r.get(2)?,
            declared_wage: r.get(3)?,
            base: r.get(4)?,
            pension_employer: r.get(5)?,
            pension_employee: r.get(6)?,
            medical_employer: r.get(7)?,
            medical_employee: r.get(8)?,
            unemployment_employer: r.get(9)?,
            unemployment_employee: r.get(10)?,
            work_injury_employer: r.get(11)?,
            account_credit: r.get(12)?,
            rule_set: r.get(13)?,
            status: r.get(14)?,
        })
    })?;
    rows.collect()
}

/// SQLite file: a person's account years read straight with rusqlite.
pub(crate) fn sqlite_account_years(
    c: &rusqlite::Connection,
    pid: &str,
) -> Result<Vec<AccountYearRow>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(&ACCOUNT_YEARS_SQL)?;
    let rows = stmt.query_map([pid], |r| {
        Ok(AccountYearRow {
            year: r.get(0)?,
            opening_balance: r.get(1)?,
            credits: r.get(2)?,
            rate: r.get(3)?,
            interest: r.get(4)?,
            closing_balance: r.get(5)?,
            rule_set: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// One person-month of computed contributions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionRow {
    pub person_id: String,
    pub month: String,
    pub credit_code: String,
    pub declared_wage: String,
    pub base: String,
    pub pension_employer: String,
    pub pension_employee: String,
    pub medical_employer: String,
    pub medical_employee: String,
    pub unemployment_employer: String,
    pub unemployment_employee: String,
    pub work_injury_employer: String,
    pub account_credit: String,
    pub rule_set: String,
    pub status: String,
}

impl Store {
    /// A person's contributions, by month.
    pub async fn contributions_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<ContributionRow>, StoreError> {
        if let Some(bulk) = &self.bulk {
            // SQLite file: read the ~120 rows of ten years on one thread.
            let pid = person_id.to_string();
            return bulk.read(move |c| sqlite_contributions(c, &pid)).await;
        }
        let rows = sqlx::query(&CONTRIBUTIONS_SQL)
            .bind(person_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ContributionRow {
                    person_id: r.try_get(0)?,
                    month: r.try_get(1)?,
                    credit_code: r.try_get(2)?,
                    declared_wage: r.try_get(3)?,
                    base: r.try_get(4)?,
                    pension_employer: r.try_get(5)?,
                    pension_employee: r.try_get(6)?,
                    medical_employer: r.try_get(7)?,
                    medical_employee: r.try_get(8)?,
                    unemployment_employer: r.try_get(9)?,
                    unemployment_employee: r.try_get(10)?,
                    work_injury_employer: r.try_get(11)?,
                    account_credit: r.try_get(12)?,
                    rule_set: r.try_get(13)?,
                    status: r.try_get(14)?,
                })
            })
            .collect()
    }

    /// The employer's work-injury industry class and status, if registered in `agency`.
    pub async fn employer_class(
        &self,
        credit_code: &str,
        agency: &str,
    ) -> Result<Option<(i64, String)>, StoreError> {
        let r = sqlx::query(
            "SELECT industry_class, status FROM employer WHERE credit_code = $1 AND agency = $2",
        )
        .bind(credit_code)
        .bind(agency)
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            r.map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
                .transpose()?,
        )
    }
}

impl Store {
    /// The persons (blind indexes, sorted, each once) employed by
    /// `credit_code` at some time in the month `[first, last]` (dates as
    /// `YYYY-MM-DD`).
    pub async fn employed_in(
        &self,
        credit_code: &str,
        first: &str,
        last: &str,
    ) -> Result<Vec<String>, StoreError> {
        // Deduplicated here, not with SQL DISTINCT: persons are keyed by
        // blind index, so DISTINCT would build a temporary B-tree of random
        // keys (slow for a million employees with a small page cache).
        let mut ids: Vec<String> = sqlx::query_scalar(
            "SELECT person_id FROM employment WHERE credit_code = $1 AND start_on <= $2 \
             AND (end_on IS NULL OR end_on >= $3)",
        )
        .bind(credit_code)
        .bind(last)
        .bind(first)
        .fetch_all(&self.pool)
        .await?;
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// How many person-months of `month` are already assessed for `credit_code`.
    pub async fn assessed_count(&self, credit_code: &str, month: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM contribution WHERE credit_code = $1 AND month = $2",
        )
        .bind(credit_code)
        .bind(month)
        .fetch_one(&self.pool)
        .await?)
    }
}

impl Store {
    /// Everything assessed for an employer-month, per row, as decimal text:
    /// every employer and employee amount (to total what is due).
    pub async fn assessed_amounts(
        &self,
        credit_code: &str,
        month: &str,
    ) -> Result<Vec<[String; 8]>, StoreError> {
        let rows = sqlx::query(
            "SELECT pension_employer, pension_employee, medical_employer, medical_employee, unemployment_employer, \
             unemployment_employee, work_injury_employer, status FROM contribution WHERE credit_code = $1 AND month = $2",
        )
        .bind(credit_code)
        .bind(month)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok([
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                    r.try_get(6)?,
                    r.try_get(7)?,
                ])
            })
            .collect()
    }
}

/// One settled account year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountYearRow {
    pub year: i64,
    pub opening_balance: String,
    pub credits: String,
    pub rate: String,
    pub interest: String,
    pub closing_balance: String,
    pub rule_set: String,
}

impl Store {
    /// Paid account credits of `year` in `agency`, ordered by person: (person, month, credit).
    pub async fn paid_credits(
        &self,
        agency: &str,
        year: i32,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.person_id, c.month, c.account_credit FROM contribution c JOIN person p ON p.person_id = c.person_id \
             WHERE p.agency = $1 AND c.status = 'paid' AND c.month >= $2 AND c.month <= $3 ORDER BY c.person_id, c.month",
        )
        .bind(agency)
        .bind(format!("{year}-01"))
        .bind(format!("{year}-12"))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// Closing balances of `year` (person → closing balance text).
    pub async fn closings(&self, year: i32) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT person_id, closing_balance FROM account_year WHERE year = $1 ORDER BY person_id")
            .bind(i64::from(year))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn settled_count(&self, year: i32) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM account_year WHERE year = $1")
                .bind(i64::from(year))
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn account_years_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<AccountYearRow>, StoreError> {
        if let Some(bulk) = &self.bulk {
            let pid = person_id.to_string();
            return bulk.read(move |c| sqlite_account_years(c, &pid)).await;
        }
        let rows = sqlx::query(&ACCOUNT_YEARS_SQL)
            .bind(person_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AccountYearRow {
                    year: r.try_get(0)?,
                    opening_balance: r.try_get(1)?,
                    credits: r.try_get(2)?,
                    rate: r.try_get(3)?,
                    interest: r.try_get(4)?,
                    closing_balance: r.try_get(5)?,
                    rule_set: r.try_get(6)?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Bases of a person's paid months: (month, base).
    pub async fn paid_bases(&self, person_id: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT month, base FROM contribution WHERE person_id = $1 AND status = 'paid' ORDER BY month")
            .bind(person_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// A person's benefit (status, start month, monthly total), if granted.
    pub async fn benefit_of(
        &self,
        person_id: &str,
    ) -> Result<Option<(String, String, String)>, StoreError> {
        let r = sqlx::query("SELECT status, start_month, total FROM benefit WHERE person_id = $1")
            .bind(person_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(
            r.map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                .transpose()?,
        )
    }
}
