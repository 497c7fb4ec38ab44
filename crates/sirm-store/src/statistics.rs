//! Aggregates for the statistics user (统计用户, Art 17): each report is
//! one `GROUP BY` in the database, never rows pulled out person by person.
//! What leaves here are counts and sums per group; suppression of small
//! cells is `sirm-app`'s (`disclosure/statistics`).
//!
//! The reports and the extract read the summaries the applier keeps
//! (`projection/summary.rs`, migration 22): per month and employer, per
//! person and year (amounts in integer fen), and per month, agency, age
//! and gender (the insured persons).
//! An extract's period that does not start in January or end in December
//! (or reaches the current year) reads its edge months from the
//! contribution rows. The `*_from_rows` variants aggregate the contribution
//! rows themselves, as every report did before the summaries; tests hold
//! the two equal.
//!
//! Money is summed exactly in fen (分): PostgreSQL sums `NUMERIC`; SQLite,
//! which has no decimal type, rounds each row's amount (stored with at most
//! two decimals, far below 2^53 fen) to an integer of fen and sums integers.

use std::collections::HashMap;

use rust_decimal::Decimal;
use sirm_domain::rules::Month;

use crate::engine::Engine;
use crate::rows::{read_each, TableRow as _};
use crate::{Store, StoreError};

crate::table_row! {
/// Contributions of one month and employer (statistics summary).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContributionSummaryRow in "contribution_summary" {
    pub month: String,
    pub credit_code: String,
    /// Person-months assessed.
    pub persons: i64,
    /// Their seven amounts together, in fen.
    pub amount_fen: i64,
    /// Of those, the person-months not paid, and their amount in fen.
    pub unpaid_persons: i64,
    pub unpaid_fen: i64,
}
}

crate::table_row! {
/// Insured persons of one month, agency, age and gender (statistics summary).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsuredSummaryRow in "insured_summary" {
    pub month: String,
    pub agency: String,
    /// Age in full years on the month's last day.
    pub age: i64,
    pub gender: String,
    /// Person-months.
    pub persons: i64,
    /// Of those, the ones counted for each insurance type.
    pub pension: i64,
    pub medical: i64,
    pub unemployment: i64,
    pub work_injury: i64,
}
}

crate::table_row! {
/// Contributions of one person in one calendar year (statistics summary).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContributionPersonYearRow in "contribution_person_year" {
    pub person_id: String,
    pub year: i64,
    pub months: i64,
    pub amount_fen: i64,
    pub unpaid_months: i64,
}
}

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
    /// [`Store::insured_groups`] aggregated from the contribution rows, age
    /// on `(year, "MM-DD")` (what the summary replaces; for tests and
    /// comparisons).
    #[doc(hidden)]
    pub async fn insured_groups_from_rows(
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

    /// [`Store::contribution_groups`] aggregated from the contribution rows
    /// (what the summary replaces; for tests and comparisons).
    #[doc(hidden)]
    pub async fn contribution_groups_from_rows(
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

    /// [`Store::extract_sources`] aggregated from the contribution rows
    /// (what the summary replaces; for tests and comparisons).
    #[doc(hidden)]
    pub async fn extract_sources_from_rows(
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

    /// The latest month with assessed contributions, if any: from the
    /// per-month-and-employer summary (a row for every month and employer
    /// with contribution rows; its key starts with the month, so one index
    /// read, where the contribution table has no index on the month).
    pub async fn latest_contribution_month(&self) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar::<_, Option<String>>("SELECT MAX(month) FROM contribution_summary")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

/// The months of `from..=to` an extract reads from the per-person-year
/// summary (whole calendar years within the period, before the year of
/// `current`, so every month of them counts as arrears when unpaid), and
/// the edge months before and after them, read from the contribution rows.
struct Split {
    years: Option<(i64, i64)>,
    edges: Vec<(Month, Month)>,
}

fn split(from: Month, to: Month, current: Month) -> Split {
    let first = if from.month() == 1 {
        from.year()
    } else {
        from.year() + 1
    };
    let last = if to.month() == 12 {
        to.year()
    } else {
        to.year() - 1
    }
    .min(current.year() - 1);
    if first > last || from > to {
        return Split {
            years: None,
            edges: if from <= to { vec![(from, to)] } else { vec![] },
        };
    }
    let mut edges = Vec::new();
    let (Some(year_start), Some(year_end)) = (Month::new(first, 1), Month::new(last, 12)) else {
        return Split {
            years: None,
            edges: vec![(from, to)],
        };
    };
    if from < year_start {
        edges.push((from, year_start.add_months(-1)));
    }
    if year_end < to {
        edges.push((year_end.add_months(1), to));
    }
    Split {
        years: Some((i64::from(first), i64::from(last))),
        edges,
    }
}

impl Store {
    /// Both statistics summaries computed afresh from the contribution rows
    /// in one transaction, by the SQL that `sirm migrate` fills them with
    /// (the applier keeps them equal to it; the load benchmark, which
    /// writes contribution rows behind the applier's back, calls this).
    #[doc(hidden)]
    pub async fn fill_statistics_summaries(&self) -> Result<(), StoreError> {
        let mut tx = crate::engine::begin_write(&self.pool, self.engine).await?;
        for sql in crate::projection::statistics_fill_sql(self.engine) {
            sqlx::query(&sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// After migration 22 on an installation with contributions on record:
    /// the summaries are empty while the contribution table is not; fill
    /// them. Otherwise nothing.
    pub(crate) async fn catch_up_statistics(&self) -> Result<(), StoreError> {
        let summarised: bool = sqlx::query_scalar::<_, i64>(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM contribution_summary) THEN 1 ELSE 0 END",
        )
        .fetch_one(&self.pool)
        .await?
            == 1;
        let contributions: bool = sqlx::query_scalar::<_, i64>(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM contribution) THEN 1 ELSE 0 END",
        )
        .fetch_one(&self.pool)
        .await?
            == 1;
        if contributions && !summarised {
            self.fill_statistics_summaries().await?;
        }
        Ok(())
    }

    /// Every row of the per-month-and-employer summary, in key order.
    pub async fn contribution_summary_rows(
        &self,
    ) -> Result<Vec<ContributionSummaryRow>, StoreError> {
        let rows = sqlx::query(&ContributionSummaryRow::select(
            "ORDER BY month, credit_code",
        ))
        .fetch_all(&self.pool)
        .await?;
        ContributionSummaryRow::from_rows(&rows)
    }

    /// A person's per-year summary rows, in year order.
    pub async fn contribution_person_years(
        &self,
        person_id: &str,
    ) -> Result<Vec<ContributionPersonYearRow>, StoreError> {
        let rows = sqlx::query(&ContributionPersonYearRow::select(
            "WHERE person_id = $1 ORDER BY year",
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        ContributionPersonYearRow::from_rows(&rows)
    }

    /// Insured persons of `month` by agency, age on the month's last day
    /// and gender, with the count per insurance type: the summary's rows of
    /// that month.
    pub async fn insured_groups(&self, month: &str) -> Result<Vec<InsuredGroup>, StoreError> {
        let rows = sqlx::query(&InsuredSummaryRow::select(
            "WHERE month = $1 ORDER BY agency, age, gender",
        ))
        .bind(month)
        .fetch_all(&self.pool)
        .await?;
        Ok(InsuredSummaryRow::from_rows(&rows)?
            .into_iter()
            .map(|r| InsuredGroup {
                agency: r.agency,
                age: r.age,
                gender: r.gender,
                pension: r.pension,
                medical: r.medical,
                unemployment: r.unemployment,
                work_injury: r.work_injury,
            })
            .collect())
    }

    /// Contributions and arrears of the months `from..=to` by month and
    /// the employer's (current) industry class; arrears are unpaid months
    /// before `current`. Reads the per-month-and-employer summary: months ×
    /// employers rows, whatever the number of persons.
    pub async fn contribution_groups(
        &self,
        from: &str,
        to: &str,
        current: &str,
    ) -> Result<Vec<ContributionGroup>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.month AS month, e.industry_class AS industry_class, \
               CAST(SUM(s.persons) AS BIGINT) AS persons, \
               CAST(SUM(s.amount_fen) AS BIGINT) AS amount, \
               CAST(SUM(CASE WHEN s.month < $3 THEN s.unpaid_persons ELSE 0 END) AS BIGINT) AS arrears_persons, \
               CAST(SUM(CASE WHEN s.month < $3 THEN s.unpaid_fen ELSE 0 END) AS BIGINT) AS arrears_amount \
             FROM contribution_summary s JOIN employer e ON e.credit_code = s.credit_code \
             WHERE s.month >= $1 AND s.month <= $2 \
             GROUP BY s.month, e.industry_class",
        )
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
        read_each("contribution_summary", &COLS, &rows, |r| {
            Ok(ContributionGroup {
                month: r.text("month")?,
                industry_class: r.int("industry_class")?,
                persons: r.int("persons")?,
                amount: Decimal::new(r.int("amount")?, 2),
                arrears_persons: r.int("arrears_persons")?,
                arrears_amount: Decimal::new(r.int("arrears_amount")?, 2),
            })
        })
    }

    /// Every registered person with their contributions of `from..=to`
    /// (months, amount, months unpaid before `current`) and pension status:
    /// one `GROUP BY` over persons and their per-year summary rows, plus
    /// the edge months of a period that is not whole years from the
    /// contribution rows (see [`Split`]).
    pub async fn extract_sources(
        &self,
        from: Month,
        to: Month,
        current: Month,
    ) -> Result<Vec<ExtractSource>, StoreError> {
        let plan = split(from, to, current);
        let (first, last) = plan.years.unwrap_or((1, 0));
        let rows = sqlx::query(
            "SELECT p.person_id AS person_id, p.birth_date AS birth_date, p.gender AS gender, \
               p.agency AS agency, CAST(COALESCE(SUM(y.months), 0) AS BIGINT) AS months, \
               CAST(COALESCE(SUM(y.amount_fen), 0) AS BIGINT) AS amount, \
               CAST(COALESCE(SUM(y.unpaid_months), 0) AS BIGINT) AS arrears_months, \
               b.status AS benefit_status \
             FROM person p \
             LEFT JOIN contribution_person_year y ON y.person_id = p.person_id AND y.year >= $1 AND y.year <= $2 \
             LEFT JOIN benefit b ON b.person_id = p.person_id \
             GROUP BY p.person_id, p.birth_date, p.gender, p.agency, b.status",
        )
        .bind(first)
        .bind(last)
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
        let mut out = read_each("contribution_person_year", &COLS, &rows, |r| {
            Ok(ExtractSource {
                person_id: r.text("person_id")?,
                birth_date: r.text("birth_date")?,
                gender: r.text("gender")?,
                agency: r.text("agency")?,
                months: r.int("months")?,
                amount: Decimal::new(r.int("amount")?, 2),
                arrears_months: r.int("arrears_months")?,
                benefit_status: r.opt_text("benefit_status")?,
            })
        })?;
        drop(rows);
        if plan.edges.is_empty() {
            return Ok(out);
        }
        let at: HashMap<String, usize> = out
            .iter()
            .enumerate()
            .map(|(i, s)| (s.person_id.clone(), i))
            .collect();
        let sql = format!(
            "SELECT c.person_id AS person_id, COUNT(*) AS months, CAST(SUM({}) AS BIGINT) AS amount, \
               SUM(CASE WHEN c.status = 'assessed' AND c.month < $3 THEN 1 ELSE 0 END) AS arrears_months \
             FROM person p JOIN contribution c ON c.person_id = p.person_id \
               AND c.month >= $1 AND c.month <= $2 \
             GROUP BY c.person_id",
            crate::projection::row_fen_sql(self.engine)
        );
        for (lo, hi) in plan.edges {
            let rows = sqlx::query(&sql)
                .bind(lo.to_string())
                .bind(hi.to_string())
                .bind(current.to_string())
                .fetch_all(&self.pool)
                .await?;
            const EDGE: [&str; 4] = ["person_id", "months", "amount", "arrears_months"];
            let edge = read_each("contribution", &EDGE, &rows, |r| {
                Ok((
                    r.text("person_id")?,
                    r.int("months")?,
                    r.int("amount")?,
                    r.int("arrears_months")?,
                ))
            })?;
            for (person_id, months, fen, arrears) in edge {
                if let Some(s) = at.get(&person_id).and_then(|i| out.get_mut(*i)) {
                    s.months += months;
                    s.amount += Decimal::new(fen, 2);
                    s.arrears_months += arrears;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    #[test]
    fn an_extract_reads_whole_years_from_the_summary() {
        let p = split(m("2016-01"), m("2025-12"), m("2026-12"));
        assert_eq!(p.years, Some((2016, 2025)));
        assert!(p.edges.is_empty());
        let p = split(m("2016-03"), m("2025-05"), m("2026-12"));
        assert_eq!(p.years, Some((2017, 2024)));
        assert_eq!(
            p.edges,
            vec![(m("2016-03"), m("2016-12")), (m("2025-01"), m("2025-05"))]
        );
        // The current year is read from the rows (arrears end before it).
        let p = split(m("2024-01"), m("2026-12"), m("2026-07"));
        assert_eq!(p.years, Some((2024, 2025)));
        assert_eq!(p.edges, vec![(m("2026-01"), m("2026-12"))]);
        // No whole year: every month from the rows.
        let p = split(m("2025-02"), m("2025-11"), m("2026-07"));
        assert_eq!(p.years, None);
        assert_eq!(p.edges, vec![(m("2025-02"), m("2025-11"))]);
    }
}
