//! Aggregates for the statistics user (统计用户, Art 17): each report is
//! one `GROUP BY` in the database, never rows pulled out person by person.
//! What leaves here are counts and sums per group; suppression of small
//! cells is `sirm-app`'s (`disclosure/statistics`).
//!
//! Money is summed exactly in fen (分): PostgreSQL sums `NUMERIC`; SQLite,
//! which has no decimal type, rounds each row's amount (stored with at most
//! two decimals, far below 2^53 fen) to an integer of fen and sums integers.

use rust_decimal::Decimal;

use crate::engine::Engine;
use crate::rows::read_each;
use crate::{Store, StoreError};

/// Insured persons of one region, age and gender in a month, counted per
/// insurance type (a person counts for a type when the month's assessed
/// contribution of that type is above zero).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsuredGroup {
    /// The person's agency (经办机构, the region of the record).
    pub agency: String,
    /// Age in full years on the reference date.
    pub age: i64,
    pub gender: String,
    pub pension: i64,
    pub medical: i64,
    pub unemployment: i64,
    pub work_injury: i64,
}

/// Contributions of one month and industry class (行业类别).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContributionGroup {
    pub month: String,
    pub industry_class: i64,
    /// Person-months assessed (one row per person and month).
    pub persons: i64,
    /// Every assessed amount, employer and employee, in yuan.
    pub amount: Decimal,
    /// Person-months unpaid before `current` (欠费).
    pub arrears_persons: i64,
    pub arrears_amount: Decimal,
}

/// Benefits of one kind: `pension.<status>` (the monthly total of each
/// pension), `subsidy.<kind>` and `payment` (paid within the period).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenefitGroup {
    pub kind: String,
    pub persons: i64,
    pub amount: Decimal,
}

/// One person's source row of a de-identified extract: the blind index
/// (never released: it only keys the pseudonym), the quasi-identifiers
/// before generalisation and the person's measures over a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractSource {
    pub person_id: String,
    pub birth_date: String,
    pub gender: String,
    pub agency: String,
    pub months: i64,
    pub amount: Decimal,
    pub arrears_months: i64,
    pub benefit_status: Option<String>,
}

/// `SUM` of a money expression as text of an integer number of fen.
fn fen_sum(engine: Engine, columns: &[&str], condition: Option<&str>) -> String {
    let cents = match engine {
        Engine::Postgres => {
            let terms: Vec<String> = columns
                .iter()
                .map(|c| format!("CAST({c} AS NUMERIC)"))
                .collect();
            format!("ROUND(({}) * 100)", terms.join(" + "))
        }
        Engine::Sqlite => {
            let terms: Vec<String> = columns
                .iter()
                .map(|c| format!("CAST({c} AS REAL)"))
                .collect();
            format!("CAST(ROUND(({}) * 100) AS INTEGER)", terms.join(" + "))
        }
    };
    let value = match condition {
        Some(cond) => format!("CASE WHEN {cond} THEN {cents} ELSE 0 END"),
        None => cents,
    };
    format!("COALESCE(CAST(SUM({value}) AS TEXT), '0')")
}

fn yuan(fen: &str, column: &'static str) -> Result<Decimal, StoreError> {
    // PostgreSQL may write a rounded NUMERIC as `123` or `123.00`.
    let whole = fen.split('.').next().unwrap_or(fen);
    whole
        .parse::<i64>()
        .map(|f| Decimal::new(f, 2))
        .map_err(|e| StoreError::Corrupt(format!("{column}: sum {fen:?}: {e}")))
}

const CLASS_COLUMNS: [&str; 4] = ["pension", "medical", "unemployment", "work_injury"];

impl Store {
    /// Insured persons of `month` by agency, age on `(year, "MM-DD")` and
    /// gender, with the count per insurance type.
    pub async fn insured_groups(
        &self,
        month: &str,
        on_year: i64,
        on_month_day: &str,
    ) -> Result<Vec<InsuredGroup>, StoreError> {
        let positive = |cols: &[&str]| {
            let terms: Vec<String> = cols
                .iter()
                .map(|c| format!("CAST(c.{c} AS NUMERIC)"))
                .collect();
            format!("SUM(CASE WHEN {} > 0 THEN 1 ELSE 0 END)", terms.join(" + "))
        };
        let sql = format!(
            "SELECT p.agency AS agency, \
               $2 - CAST(substr(p.birth_date, 1, 4) AS INTEGER) \
                 - CASE WHEN substr(p.birth_date, 6, 5) > $3 THEN 1 ELSE 0 END AS age, \
               p.gender AS gender, {} AS pension, {} AS medical, {} AS unemployment, \
               {} AS work_injury \
             FROM contribution c JOIN person p ON p.person_id = c.person_id \
             WHERE c.month = $1 \
             GROUP BY p.agency, age, p.gender",
            positive(&["pension_employer", "pension_employee"]),
            positive(&["medical_employer", "medical_employee"]),
            positive(&["unemployment_employer", "unemployment_employee"]),
            positive(&["work_injury_employer"]),
        );
        let rows = sqlx::query(&sql)
            .bind(month)
            .bind(on_year)
            .bind(on_month_day)
            .fetch_all(&self.pool)
            .await?;
        const COLS: [&str; 7] = [
            "agency",
            "age",
            "gender",
            CLASS_COLUMNS[0],
            CLASS_COLUMNS[1],
            CLASS_COLUMNS[2],
            CLASS_COLUMNS[3],
        ];
        read_each("person", &COLS, &rows, |r| {
            Ok(InsuredGroup {
                agency: r.text("agency")?,
                age: r.int("age")?,
                gender: r.text("gender")?,
                pension: r.int("pension")?,
                medical: r.int("medical")?,
                unemployment: r.int("unemployment")?,
                work_injury: r.int("work_injury")?,
            })
        })
    }

    /// Contributions and arrears of the months `from..=to` by month and
    /// the employer's industry class; arrears are unpaid months before
    /// `current`.
    pub async fn contribution_groups(
        &self,
        from: &str,
        to: &str,
        current: &str,
    ) -> Result<Vec<ContributionGroup>, StoreError> {
        let all: Vec<String> = crate::review::AMOUNT_COLUMNS
            .iter()
            .map(|c| format!("c.{c}"))
            .collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let arrears = "c.status = 'assessed' AND c.month < $3";
        let sql = format!(
            "SELECT c.month AS month, e.industry_class AS industry_class, \
               COUNT(*) AS persons, {} AS amount, \
               SUM(CASE WHEN {arrears} THEN 1 ELSE 0 END) AS arrears_persons, \
               {} AS arrears_amount \
             FROM contribution c JOIN employer e ON e.credit_code = c.credit_code \
             WHERE c.month >= $1 AND c.month <= $2 \
             GROUP BY c.month, e.industry_class",
            fen_sum(self.engine, &all, None),
            fen_sum(self.engine, &all, Some(arrears)),
        );
        let rows = sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .bind(current)
            .fetch_all(&self.pool)
            .await?;
        const COLS: [&str; 6] = [
            "month",
            "industry_class",
            "persons",
            "amount",
            "arrears_persons",
            "arrears_amount",
        ];
        read_each("contribution", &COLS, &rows, |r| {
            Ok(ContributionGroup {
                month: r.text("month")?,
                industry_class: r.int("industry_class")?,
                persons: r.int("persons")?,
                amount: yuan(&r.text("amount")?, "contribution.amount")?,
                arrears_persons: r.int("arrears_persons")?,
                arrears_amount: yuan(&r.text("arrears_amount")?, "contribution.amount")?,
            })
        })
    }

    /// Benefits by kind: pensions on record by status (their monthly
    /// totals), subsidies and benefit payments of the months `from..=to`.
    pub async fn benefit_groups(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<BenefitGroup>, StoreError> {
        let sql = format!(
            "SELECT 'pension.' || status AS kind, COUNT(*) AS persons, {} AS amount \
               FROM benefit GROUP BY status \
             UNION ALL \
             SELECT 'subsidy.' || kind AS kind, COUNT(DISTINCT person_id) AS persons, {} AS amount \
               FROM subsidy WHERE month >= $1 AND month <= $2 GROUP BY kind \
             UNION ALL \
             SELECT 'payment' AS kind, COUNT(DISTINCT person_id) AS persons, {} AS amount \
               FROM benefit_payment WHERE month >= $1 AND month <= $2 HAVING COUNT(*) > 0",
            fen_sum(self.engine, &["total"], None),
            fen_sum(self.engine, &["amount"], None),
            fen_sum(self.engine, &["amount"], None),
        );
        let rows = sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await?;
        read_each("benefit", &["kind", "persons", "amount"], &rows, |r| {
            Ok(BenefitGroup {
                kind: r.text("kind")?,
                persons: r.int("persons")?,
                amount: yuan(&r.text("amount")?, "benefit.amount")?,
            })
        })
    }

    /// Every registered person with their contributions of `from..=to`
    /// (months, amount, months unpaid before `current`) and pension status:
    /// one `GROUP BY` over persons.
    pub async fn extract_sources(
        &self,
        from: &str,
        to: &str,
        current: &str,
    ) -> Result<Vec<ExtractSource>, StoreError> {
        let all: Vec<String> = crate::review::AMOUNT_COLUMNS
            .iter()
            .map(|c| format!("c.{c}"))
            .collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let sql = format!(
            "SELECT p.person_id AS person_id, p.birth_date AS birth_date, p.gender AS gender, \
               p.agency AS agency, COUNT(c.month) AS months, {} AS amount, \
               SUM(CASE WHEN c.status = 'assessed' AND c.month < $3 THEN 1 ELSE 0 END) AS arrears_months, \
               b.status AS benefit_status \
             FROM person p \
             LEFT JOIN contribution c ON c.person_id = p.person_id AND c.month >= $1 AND c.month <= $2 \
             LEFT JOIN benefit b ON b.person_id = p.person_id \
             GROUP BY p.person_id, p.birth_date, p.gender, p.agency, b.status",
            fen_sum(self.engine, &all, None),
        );
        let rows = sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .bind(current)
            .fetch_all(&self.pool)
            .await?;
        const COLS: [&str; 8] = [
            "person_id",
            "birth_date",
            "gender",
            "agency",
            "months",
            "amount",
            "arrears_months",
            "benefit_status",
        ];
        read_each("person", &COLS, &rows, |r| {
            Ok(ExtractSource {
                person_id: r.text("person_id")?,
                birth_date: r.text("birth_date")?,
                gender: r.text("gender")?,
                agency: r.text("agency")?,
                months: r.int("months")?,
                amount: yuan(&r.text("amount")?, "contribution.amount")?,
                arrears_months: r.opt_int("arrears_months")?.unwrap_or(0),
                benefit_status: r.opt_text("benefit_status")?,
            })
        })
    }

    /// The latest month with assessed contributions, if any.
    pub async fn latest_contribution_month(&self) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar::<_, Option<String>>("SELECT MAX(month) FROM contribution")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
