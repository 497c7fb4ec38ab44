//! Queries behind a person's rights record (benefit, payments, subsidies)
//! and the collector's arrears list. Amounts stay decimal text here; the
//! application layer sums them as `Decimal` (SQLite has no exact numeric).

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Store, StoreError};

/// A granted benefit with every figure of the benefit projection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitRow {
    pub person_id: String,
    pub status: String,
    pub start_month: String,
    pub contribution_months: i64,
    pub basic: String,
    pub account: String,
    pub transitional: String,
    pub total: String,
    pub rule_set: String,
    pub seq: i64,
}

/// One benefit payment (待遇发放) of a month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitPaymentRow {
    pub month: String,
    pub amount: String,
    pub rule_set: String,
    pub seq: i64,
}

/// One subsidised month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsidyRow {
    pub month: String,
    pub kind: String,
    pub amount: String,
    pub basis: String,
}

/// One unpaid assessed person-month (what the employer owes for it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnpaidRow {
    pub credit_code: String,
    pub month: String,
    /// The seven employer and employee amounts, decimal text.
    pub amounts: [String; 7],
}

fn benefit_row(r: &sqlx::any::AnyRow) -> Result<BenefitRow, sqlx::Error> {
    Ok(BenefitRow {
        person_id: r.try_get(0)?,
        status: r.try_get(1)?,
        start_month: r.try_get(2)?,
        contribution_months: r.try_get(3)?,
        basic: r.try_get(4)?,
        account: r.try_get(5)?,
        transitional: r.try_get(6)?,
        total: r.try_get(7)?,
        rule_set: r.try_get(8)?,
        seq: r.try_get(9)?,
    })
}

impl Store {
    /// A person's benefit with all its figures, if one was granted.
    pub async fn benefit_row(&self, person_id: &str) -> Result<Option<BenefitRow>, StoreError> {
        let r = sqlx::query(&crate::record::BENEFIT_SQL)
            .bind(person_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| benefit_row(&r)).transpose()?)
    }

    /// Benefits of `agency` payable for `month`: granted (not suspended or
    /// terminated) and started on or before the month, ordered by person.
    pub async fn payable_benefits(
        &self,
        agency: &str,
        month: &str,
    ) -> Result<Vec<BenefitRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM benefit b JOIN person p ON p.person_id = b.person_id \
             WHERE p.agency = $1 AND b.status = 'granted' AND b.start_month <= $2 ORDER BY b.person_id",
            crate::store::prefixed("b", crate::record::BENEFIT.columns)
        ))
        .bind(agency)
        .bind(month)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(benefit_row).collect::<Result<_, _>>()?)
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

    /// A person's benefit payments, by month.
    pub async fn benefit_payments_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<BenefitPaymentRow>, StoreError> {
        let rows = sqlx::query(&crate::record::PAYMENTS_SQL)
            .bind(person_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(BenefitPaymentRow {
                    month: r.try_get(0)?,
                    amount: r.try_get(1)?,
                    rule_set: r.try_get(2)?,
                    seq: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// A person's subsidised months.
    pub async fn subsidies_of(&self, person_id: &str) -> Result<Vec<SubsidyRow>, StoreError> {
        let rows = sqlx::query(&crate::record::SUBSIDIES_SQL)
            .bind(person_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SubsidyRow {
                    month: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    amount: r.try_get(2)?,
                    basis: r.try_get(3)?,
                })
            })
            .collect()
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
        let rows = sqlx::query(
            "SELECT c.credit_code, c.month, c.pension_employer, c.pension_employee, c.medical_employer, \
             c.medical_employee, c.unemployment_employer, c.unemployment_employee, c.work_injury_employer \
             FROM contribution c JOIN employer e ON e.credit_code = c.credit_code \
             WHERE e.agency = $1 AND c.status = 'assessed' AND c.month < $2 AND ($3 IS NULL OR c.credit_code = $3) \
             ORDER BY c.credit_code, c.month",
        )
        .bind(agency)
        .bind(before)
        .bind(credit_code.map(str::to_string))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnpaidRow {
                    credit_code: r.try_get(0)?,
                    month: r.try_get(1)?,
                    amounts: [
                        r.try_get(2)?,
                        r.try_get(3)?,
                        r.try_get(4)?,
                        r.try_get(5)?,
                        r.try_get(6)?,
                        r.try_get(7)?,
                        r.try_get(8)?,
                    ],
                })
            })
            .collect()
    }

    /// One person-month of contributions: (credit code, declared wage, status).
    pub async fn contribution_month(
        &self,
        person_id: &str,
        month: &str,
    ) -> Result<Option<(String, String, String)>, StoreError> {
        let r = sqlx::query(
            "SELECT credit_code, declared_wage, status FROM contribution WHERE person_id = $1 AND month = $2",
        )
        .bind(person_id)
        .bind(month)
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            r.map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                .transpose()?,
        )
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

/// One query of a rights record (Art 21).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueryLogRow {
    pub time_us: i64,
    pub channel: String,
    pub requester_kind: String,
    pub requester: String,
    pub subject: String,
    pub items: String,
    pub basis: String,
    pub source: String,
}

impl Store {
    /// Queries of one subject (a person's ID number), newest first.
    pub async fn queries_of(
        &self,
        subject: &str,
        limit: i64,
    ) -> Result<Vec<QueryLogRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT time_us, channel, requester_kind, requester, subject, items, basis, source \
             FROM query_log WHERE subject = $1 ORDER BY time_us DESC LIMIT $2",
        )
        .bind(subject)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(QueryLogRow {
                    time_us: r.try_get(0)?,
                    channel: r.try_get(1)?,
                    requester_kind: r.try_get(2)?,
                    requester: r.try_get(3)?,
                    subject: r.try_get(4)?,
                    items: r.try_get(5)?,
                    basis: r.try_get(6)?,
                    source: r.try_get(7)?,
                })
            })
            .collect()
    }
}

/// One employee of an employer (an employment there).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EmployeeRow {
    pub person_id: String,
    /// Sealed in the table; opened (the name) or masked (the ID number)
    /// by `sirm-app` before anyone sees it.
    pub name: String,
    pub start_on: String,
    pub end_on: Option<String>,
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
        rows.iter()
            .map(|r| {
                Ok(EmployeeRow {
                    person_id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    start_on: r.try_get(2)?,
                    end_on: r.try_get(3)?,
                    id_number: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Every assessed person-month of an employer: (month, status, the seven amounts).
    pub async fn employer_contributions(
        &self,
        credit_code: &str,
    ) -> Result<Vec<(String, String, [String; 7])>, StoreError> {
        let rows = sqlx::query(
            "SELECT month, status, pension_employer, pension_employee, medical_employer, medical_employee, \
             unemployment_employer, unemployment_employee, work_injury_employer FROM contribution \
             WHERE credit_code = $1 ORDER BY month",
        )
        .bind(credit_code)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    [
                        r.try_get(2)?,
                        r.try_get(3)?,
                        r.try_get(4)?,
                        r.try_get(5)?,
                        r.try_get(6)?,
                        r.try_get(7)?,
                        r.try_get(8)?,
                    ],
                ))
            })
            .collect()
    }
}
