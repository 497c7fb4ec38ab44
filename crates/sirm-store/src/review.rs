//! Queries of the review chain: applications, their steps, work queues, and
//! the maintenance log (Art 12) — every approved business entry with its
//! application, reason and the responsible person of each stage.

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::rules::Month;
use sirm_domain::status::{ApplicationStatus, BenefitStatus, ContributionStatus};

use crate::rows::{prefixed, read_each, RawRow, Reader, TableRow};
use crate::{Store, StoreError};

crate::table_row! {
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplicationRow in "application" {
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
    pub status: ApplicationStatus,
    pub next_stage: Option<String>,
    pub reason: String,
    pub submitted_by: String,
    pub submitted_seq: i64,
    pub last_seq: i64,
}
}

crate::table_row! {
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplicationStepRow in "application_step" {
    pub seq: i64,
    pub stage: String,
    pub actor: String,
    pub approve: bool,
    pub reason: String,
}
}

crate::table_row! {
/// One line of the maintenance log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MaintenanceRow in "ledger_entry" {
    pub seq: i64,
    pub time_us: i64,
    pub kind: String,
    pub subject: String,
    pub application: Option<String>,
    pub actors: String,
    pub payload: String,
}
}

/// The seven employer and employee amounts of a contribution row.
pub(crate) const AMOUNT_COLUMNS: [&str; 7] = [
    "pension_employer",
    "pension_employee",
    "medical_employer",
    "medical_employee",
    "unemployment_employer",
    "unemployment_employee",
    "work_injury_employer",
];

/// The seven amount columns as a select list, each qualified by `alias`
/// if one is given: `c.pension_employer, …`.
pub(crate) fn amount_list(alias: Option<&str>) -> String {
    let list = AMOUNT_COLUMNS.join(", ");
    match alias {
        Some(a) => prefixed(a, &list),
        None => list,
    }
}

/// The seven amounts of a contribution row, selected (as [`amount_list`])
/// right after the columns `r` reads, each checked to be a decimal.
pub(crate) fn amounts_after<R: RawRow + ?Sized>(
    r: &Reader<'_, R>,
) -> Result<[Decimal; 7], StoreError> {
    let r = r.then(&AMOUNT_COLUMNS);
    let mut out = [Decimal::ZERO; 7];
    for (slot, column) in out.iter_mut().zip(AMOUNT_COLUMNS) {
        *slot = r.typed(column)?;
    }
    Ok(out)
}

impl Store {
    pub async fn application(&self, id: &str) -> Result<Option<ApplicationRow>, StoreError> {
        let sql = ApplicationRow::select("WHERE application_id = $1");
        self.row(sqlx::query(&sql).bind(id)).await
    }

    pub async fn application_steps(&self, id: &str) -> Result<Vec<ApplicationStepRow>, StoreError> {
        let sql = ApplicationStepRow::select("WHERE application_id = $1 ORDER BY seq");
        self.rows(sqlx::query(&sql).bind(id)).await
    }

    /// Applications of `agency` with `status` (and, if given, waiting for `stage`), oldest first.
    pub async fn applications(
        &self,
        agency: &str,
        status: Option<&str>,
        stage: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        let sql = ApplicationRow::select(
            "WHERE agency = $1 AND ($2 IS NULL OR status = $2) \
             AND ($3 IS NULL OR next_stage = $3) ORDER BY submitted_seq LIMIT $4",
        );
        let q = sqlx::query(&sql)
            .bind(agency)
            .bind(status.map(str::to_string))
            .bind(stage.map(str::to_string))
            .bind(limit);
        self.rows(q).await
    }

    /// The maintenance log: business entries written by approved
    /// applications, newest first, optionally for one subject.
    /// One page of the maintenance log (newest first): the business
    /// entries written by approved applications of `f.agency` that match
    /// every filter, at most `limit`, all strictly before the cursor
    /// `f.before_seq` (keyset paging: a page never skips or repeats a row
    /// however many are written meanwhile).
    pub async fn maintenance_log(
        &self,
        f: &MaintenanceFilter<'_>,
        limit: i64,
    ) -> Result<Vec<MaintenanceRow>, StoreError> {
        let sql = MaintenanceRow::select(
            "WHERE stream = 'business' AND application IS NOT NULL AND agency = $1 \
             AND ($2 IS NULL OR subject = $2) AND ($3 IS NULL OR time_us >= $3) AND ($4 IS NULL OR time_us < $4) \
             AND ($5 IS NULL OR kind = $5) AND ($6 IS NULL OR actors LIKE $6 ESCAPE '!') \
             AND ($7 IS NULL OR seq < $7) \
             ORDER BY seq DESC LIMIT $8",
        );
        // The actors column is a JSON array of usernames: an officer's name
        // matches as a whole quoted string, its LIKE wildcards escaped.
        let officer = f.officer.map(|o| {
            let escaped: String = o
                .chars()
                .flat_map(|c| match c {
                    '!' | '%' | '_' => vec!['!', c],
                    c => vec![c],
                })
                .collect();
            format!("%\"{escaped}\"%")
        });
        let q = sqlx::query(&sql)
            .bind(f.agency)
            .bind(f.subject.map(str::to_string))
            .bind(f.from_us)
            .bind(f.to_us)
            .bind(f.kind.map(str::to_string))
            .bind(officer)
            .bind(f.before_seq)
            .bind(limit);
        self.rows(q).await
    }

    /// The entries about `subject` before `seq` whose kind is one of
    /// `kinds`, oldest first, as `(kind, payload)` (through the
    /// `(subject, seq)` index): what a record looked like before a change.
    pub async fn subject_history(
        &self,
        subject: &str,
        seq: i64,
        kinds: &[&str],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT kind, payload FROM ledger_entry WHERE subject = $1 AND seq < $2 ORDER BY seq",
        )
        .bind(subject)
        .bind(seq)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter(|(k, _)| kinds.contains(&k.as_str()))
            .collect())
    }
}

/// The filters of the maintenance log: each `None` is no filter.
#[derive(Clone, Copy, Debug, Default)]
pub struct MaintenanceFilter<'a> {
    pub agency: &'a str,
    /// A ledger subject (`person:<blind index>`, `employer:<code>` …).
    pub subject: Option<&'a str>,
    /// An entry kind (`contribution.corrected` …).
    pub kind: Option<&'a str>,
    /// The username of one of the responsible persons.
    pub officer: Option<&'a str>,
    /// Ledger time (µs), included.
    pub from_us: Option<i64>,
    /// Ledger time (µs), excluded.
    pub to_us: Option<i64>,
    /// Keyset cursor: only entries with a smaller sequence number.
    pub before_seq: Option<i64>,
}

impl Store {
    /// The employer's work-injury industry class and status, if registered in `agency`.
    pub async fn employer_class(
        &self,
        credit_code: &str,
        agency: &str,
    ) -> Result<Option<(i64, String)>, StoreError> {
        let q = sqlx::query(
            "SELECT industry_class, status FROM employer WHERE credit_code = $1 AND agency = $2",
        )
        .bind(credit_code)
        .bind(agency);
        self.tuple("employer", &["industry_class", "status"], q)
            .await
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
    /// Everything assessed for an employer-month, per row: every employer
    /// and employee amount (to total what is due) and the row's status.
    pub async fn assessed_amounts(
        &self,
        credit_code: &str,
        month: &str,
    ) -> Result<Vec<([Decimal; 7], ContributionStatus)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT status, {} FROM contribution WHERE credit_code = $1 AND month = $2",
            amount_list(None)
        ))
        .bind(credit_code)
        .bind(month)
        .fetch_all(&self.pool)
        .await?;
        read_each("contribution", &["status"], &rows, |r| {
            Ok((amounts_after(r)?, r.typed("status")?))
        })
    }
}

impl Store {
    /// Paid account credits of `year` in `agency`, ordered by person: (person, month, credit).
    pub async fn paid_credits(
        &self,
        agency: &str,
        year: i32,
    ) -> Result<Vec<(String, Month, Decimal)>, StoreError> {
        let q = sqlx::query(
            "SELECT c.person_id, c.month, c.account_credit FROM contribution c JOIN person p ON p.person_id = c.person_id \
             WHERE p.agency = $1 AND c.status = 'paid' AND c.month >= $2 AND c.month <= $3 ORDER BY c.person_id, c.month",
        )
        .bind(agency)
        .bind(format!("{year}-01"))
        .bind(format!("{year}-12"));
        self.tuples("contribution", &["person_id", "month", "account_credit"], q)
            .await
    }

    /// Closing balances of `year` (person → closing balance).
    pub async fn closings(&self, year: i32) -> Result<Vec<(String, Decimal)>, StoreError> {
        let q = sqlx::query("SELECT person_id, closing_balance FROM account_year WHERE year = $1 ORDER BY person_id")
            .bind(i64::from(year));
        self.tuples("account_year", &["person_id", "closing_balance"], q)
            .await
    }

    pub async fn settled_count(&self, year: i32) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM account_year WHERE year = $1")
                .bind(i64::from(year))
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

impl Store {
    /// Bases of a person's paid months: (month, base).
    pub async fn paid_bases(&self, person_id: &str) -> Result<Vec<(Month, Decimal)>, StoreError> {
        let q = sqlx::query("SELECT month, base FROM contribution WHERE person_id = $1 AND status = 'paid' ORDER BY month")
            .bind(person_id);
        self.tuples("contribution", &["month", "base"], q).await
    }

    /// A person's benefit (status, start month, monthly total), if granted.
    pub async fn benefit_of(
        &self,
        person_id: &str,
    ) -> Result<Option<(BenefitStatus, Month, Decimal)>, StoreError> {
        let q = sqlx::query("SELECT status, start_month, total FROM benefit WHERE person_id = $1")
            .bind(person_id);
        self.tuple("benefit", &["status", "start_month", "total"], q)
            .await
    }
}
