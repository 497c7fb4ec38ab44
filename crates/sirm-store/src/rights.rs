//! Queries behind a person's rights record (benefit, payments, subsidies)
//! and the collector's arrears list. Amounts stay decimal text here; the
//! application layer sums them as `Decimal` (SQLite has no exact numeric).

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::rules::Month;
use sirm_domain::status::ContributionStatus;

use crate::parts::BENEFIT;
use crate::review::{amount_list, amounts_after};
use crate::rows::{read_each, TableRow};
use crate::{BenefitRow, Store, StoreError};

/// One unpaid assessed person-month (what the employer owes for it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnpaidRow {
    pub credit_code: String,
    pub month: Month,
    /// The seven employer and employee amounts.
    pub amounts: [Decimal; 7],
}

impl Store {
    /// Benefits of `agency` payable for `month`: granted (not suspended or
    /// terminated) and started on or before the month, ordered by person.
    pub async fn payable_benefits(
        &self,
        agency: &str,
        month: &str,
    ) -> Result<Vec<BenefitRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM benefit b JOIN person p ON p.person_id = b.person_id \
             WHERE p.agency = $1 AND b.status = 'granted' AND b.start_month <= $2 ORDER BY b.person_id",
            BENEFIT.select_list(Some("b"))
        );
        self.rows(sqlx::query(&sql).bind(agency).bind(month)).await
    }

    /// How many benefit payments of `agency` exist for `month`.
    pub async fn payments_in(&self, agency: &str, month: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM benefit_payment b JOIN person p ON p.person_id = b.person_id \
             WHERE p.agency = $1 AND b.month = $2",
        )
        .bind(agency)
        .bind(month)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Months of `kind` already subsidised for a person within `[from, to]`.
    pub async fn subsidised_months(
        &self,
        person_id: &str,
        kind: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT month FROM subsidy WHERE person_id = $1 AND kind = $2 AND month >= $3 AND month <= $4 ORDER BY month",
        )
        .bind(person_id)
        .bind(kind)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Assessed, unpaid person-months of employers of `agency` for months
    /// before `before` (optionally of one employer), ordered by employer and month.
    pub async fn unpaid(
        &self,
        agency: &str,
        credit_code: Option<&str>,
        before: &str,
    ) -> Result<Vec<UnpaidRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT c.credit_code, c.month, {} \
             FROM contribution c JOIN employer e ON e.credit_code = c.credit_code \
             WHERE e.agency = $1 AND c.status = 'assessed' AND c.month < $2 AND ($3 IS NULL OR c.credit_code = $3) \
             ORDER BY c.credit_code, c.month",
            amount_list(Some("c"))
        ))
        .bind(agency)
        .bind(before)
        .bind(credit_code.map(str::to_string))
        .fetch_all(&self.pool)
        .await?;
        read_each("contribution", &["credit_code", "month"], &rows, |r| {
            Ok(UnpaidRow {
                credit_code: r.text("credit_code")?,
                month: r.typed("month")?,
                amounts: amounts_after(r)?,
            })
        })
    }

    /// One person-month of contributions: (credit code, declared wage, status).
    pub async fn contribution_month(
        &self,
        person_id: &str,
        month: &str,
    ) -> Result<Option<(String, Decimal, ContributionStatus)>, StoreError> {
        let q = sqlx::query(
            "SELECT credit_code, declared_wage, status FROM contribution WHERE person_id = $1 AND month = $2",
        )
        .bind(person_id)
        .bind(month);
        self.tuple(
            "contribution",
            &["credit_code", "declared_wage", "status"],
            q,
        )
        .await
    }

    /// The ledger entry that last wrote a row of a person's record (what a
    /// correction `corrects`): of a person-month of contributions
    /// (`contribution`, key `month`), a settled account year
    /// (`account_year`, key the year) or an employment (`employment`, key
    /// its start date; the entry that started it).
    pub async fn written_by(
        &self,
        part: RecordPart,
        person_id: &str,
        key: &str,
    ) -> Result<Option<i64>, StoreError> {
        let sql = match part {
            RecordPart::Contribution => {
                "SELECT seq FROM contribution WHERE person_id = $1 AND month = $2"
            }
            RecordPart::AccountYear => {
                "SELECT seq FROM account_year WHERE person_id = $1 AND CAST(year AS TEXT) = $2"
            }
            RecordPart::Employment => {
                "SELECT start_seq FROM employment WHERE person_id = $1 AND start_on = $2"
            }
        };
        Ok(sqlx::query_scalar(sql)
            .bind(person_id)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// An employer's registered name.
    pub async fn employer_name(&self, credit_code: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT name FROM employer WHERE credit_code = $1")
                .bind(credit_code)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

crate::table_row! {
/// One query of a rights record (Art 21).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueryLogRow in "query_log" {
    pub time_us: i64,
    pub channel: String,
    pub requester_kind: String,
    pub requester: String,
    pub subject: String,
    pub items: String,
    pub basis: String,
    pub source: String,
}
}

impl Store {
    /// Queries of one subject (a person's ID number), newest first.
    pub async fn queries_of(
        &self,
        subject: &str,
        limit: i64,
    ) -> Result<Vec<QueryLogRow>, StoreError> {
        let sql = QueryLogRow::select("WHERE subject = $1 ORDER BY time_us DESC LIMIT $2");
        self.rows(sqlx::query(&sql).bind(subject).bind(limit)).await
    }

    /// Rows of the query log through `channel` by `requester` since
    /// `since_us` (an organ officer's queries of the day).
    pub async fn count_queries(
        &self,
        channel: &str,
        requester: &str,
        since_us: i64,
    ) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM query_log WHERE channel = $1 AND requester = $2 AND time_us >= $3",
        )
        .bind(channel)
        .bind(requester)
        .bind(since_us)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// The queries through `channel` in `[from_us, to_us)`, newest first,
    /// at most `limit` (the supervisor's report of organ queries).
    pub async fn channel_queries(
        &self,
        channel: &str,
        from_us: i64,
        to_us: i64,
        limit: i64,
    ) -> Result<Vec<QueryLogRow>, StoreError> {
        let sql = QueryLogRow::select(
            "WHERE channel = $1 AND time_us >= $2 AND time_us < $3 ORDER BY time_us DESC LIMIT $4",
        );
        self.rows(
            sqlx::query(&sql)
                .bind(channel)
                .bind(from_us)
                .bind(to_us)
                .bind(limit),
        )
        .await
    }
}

/// One employee of an employer (an employment there).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EmployeeRow {
    pub person_id: String,
    /// Sealed in the table; opened (the name) or masked (the ID number)
    /// by `sirm-app` before anyone sees it.
    pub name: String,
    pub start_on: chrono::NaiveDate,
    pub end_on: Option<chrono::NaiveDate>,
    pub id_number: String,
}

impl Store {
    /// Every employment at `credit_code`, with the person's name.
    pub async fn employees_of(&self, credit_code: &str) -> Result<Vec<EmployeeRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.person_id, p.name, e.start_on, e.end_on, p.id_number FROM employment e \
             JOIN person p ON p.person_id = e.person_id WHERE e.credit_code = $1 ORDER BY e.start_on, e.person_id",
        )
        .bind(credit_code)
        .fetch_all(&self.pool)
        .await?;
        read_each(
            "employment",
            &["person_id", "name", "start_on", "end_on", "id_number"],
            &rows,
            |r| {
                Ok(EmployeeRow {
                    person_id: r.text("person_id")?,
                    name: r.text("name")?,
                    start_on: r.typed("start_on")?,
                    end_on: r.typed("end_on")?,
                    id_number: r.text("id_number")?,
                })
            },
        )
    }

    /// Every assessed person-month of an employer: (month, status, the seven amounts).
    pub async fn employer_contributions(
        &self,
        credit_code: &str,
    ) -> Result<Vec<(Month, ContributionStatus, [Decimal; 7])>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT month, status, {} FROM contribution WHERE credit_code = $1 ORDER BY month",
            amount_list(None)
        ))
        .bind(credit_code)
        .fetch_all(&self.pool)
        .await?;
        read_each("contribution", &["month", "status"], &rows, |r| {
            Ok((r.typed("month")?, r.typed("status")?, amounts_after(r)?))
        })
    }
}

/// A part of a person's record a correction names (see [`Store::written_by`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordPart {
    Contribution,
    AccountYear,
    Employment,
}
