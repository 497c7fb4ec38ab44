//! The per-person projection tables a rights record is made of: each row
//! type with its one mapping ([`TableRow`]), and each table as a [`Part`]
//! of the record (its columns, its order, its statements).
//!
//! Amounts are stored as decimal text (SQLite has no exact numeric); the
//! mapping checks each is a decimal and keeps it as stored, so the
//! application layer sums them as `Decimal` and a corrupt figure is an
//! error naming its column, never a zero.

use std::sync::LazyLock;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sirm_domain::rules::Month;
use sirm_domain::status::{BenefitStatus, ContributionStatus};

use crate::rows::TableRow;

crate::table_row! {
/// A person's registration record (projection row).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow in "person" {
    pub person_id: String,
    pub name: String,
    pub gender: String,
    pub birth_date: NaiveDate,
    pub address: String,
    pub phone: String,
    pub registered_on: NaiveDate,
    pub agency: String,
    pub first_seq: i64,
    pub last_seq: i64,
    /// Sealed resident ID number (`person_id` is the blind index).
    pub id_number: String,
}
}

crate::table_row! {
/// One employment of a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmploymentRow in "employment" {
    pub person_id: String,
    pub credit_code: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
}
}

crate::table_row! {
/// One person-month of computed contributions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionRow in "contribution" {
    pub person_id: String,
    pub month: Month,
    pub credit_code: String,
    pub declared_wage: Decimal,
    pub base: Decimal,
    pub pension_employer: Decimal,
    pub pension_employee: Decimal,
    pub medical_employer: Decimal,
    pub medical_employee: Decimal,
    pub unemployment_employer: Decimal,
    pub unemployment_employee: Decimal,
    pub work_injury_employer: Decimal,
    pub account_credit: Decimal,
    pub rule_set: String,
    pub status: ContributionStatus,
}
}

impl ContributionRow {
    /// The employer's four amounts together (单位缴费).
    pub fn employer_total(&self) -> Decimal {
        self.pension_employer
            + self.medical_employer
            + self.unemployment_employer
            + self.work_injury_employer
    }

    /// The person's three amounts together (个人缴费).
    pub fn employee_total(&self) -> Decimal {
        self.pension_employee + self.medical_employee + self.unemployment_employee
    }
}

crate::table_row! {
/// One settled account year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountYearRow in "account_year" {
    pub year: i64,
    pub opening_balance: Decimal,
    pub credits: Decimal,
    pub rate: Decimal,
    pub interest: Decimal,
    pub closing_balance: Decimal,
    pub rule_set: String,
}
}

crate::table_row! {
/// A granted benefit with every figure of the benefit projection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitRow in "benefit" {
    pub person_id: String,
    pub status: BenefitStatus,
    pub start_month: Month,
    pub contribution_months: i64,
    pub basic: Decimal,
    pub account: Decimal,
    pub transitional: Decimal,
    pub total: Decimal,
    pub rule_set: String,
    pub seq: i64,
}
}

crate::table_row! {
/// One benefit payment (待遇发放) of a month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitPaymentRow in "benefit_payment" {
    pub month: Month,
    pub amount: Decimal,
    pub rule_set: String,
    pub seq: i64,
}
}

crate::table_row! {
/// One subsidised month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsidyRow in "subsidy" {
    pub month: Month,
    pub kind: String,
    pub amount: Decimal,
    pub basis: String,
}
}

/// One per-person table of the record: its columns (those of its row
/// type, in field order) and its order.
pub(crate) struct Part {
    pub(crate) table: &'static str,
    pub(crate) columns: &'static [&'static str],
    pub(crate) order: &'static str,
}

impl Part {
    const fn of<T: TableRow>(order: &'static str) -> Part {
        Part {
            table: T::TABLE,
            columns: T::COLUMNS,
            order,
        }
    }

    /// `a, b, c`, optionally qualified by a table alias: `x.a, x.b, x.c`.
    pub(crate) fn select_list(&self, alias: Option<&str>) -> String {
        let prefix = alias.map(|a| format!("{a}.")).unwrap_or_default();
        self.columns
            .iter()
            .map(|c| format!("{prefix}{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `SELECT columns FROM table WHERE person_id = $1 ORDER BY order`.
    pub(crate) fn sql(&self) -> String {
        format!(
            "SELECT {} FROM {} WHERE person_id = $1{}{}",
            self.select_list(None),
            self.table,
            if self.order.is_empty() {
                ""
            } else {
                " ORDER BY "
            },
            self.order
        )
    }

    /// PostgreSQL: the part as one JSON text value. Each row is an array
    /// of its columns in field order (decoded by the same mapping as a
    /// plain row), so no column name is written and escaped once per row:
    /// the part is a list of arrays, or for a single-row part one array or
    /// NULL.
    pub(crate) fn pg_json(&self, many: bool) -> String {
        let row = format!("json_build_array({})", self.select_list(None));
        let from = format!("FROM {} WHERE person_id = $1", self.table);
        if many {
            format!(
                "(SELECT CAST(COALESCE(json_agg({row} ORDER BY {}), '[]') AS TEXT) {from})",
                self.order
            )
        } else {
            format!("(SELECT CAST({row} AS TEXT) {from})")
        }
    }
}

pub(crate) const PERSON: Part = Part::of::<PersonRow>("");
pub(crate) const EMPLOYMENTS: Part = Part::of::<EmploymentRow>("start_on");
pub(crate) const CONTRIBUTIONS: Part = Part::of::<ContributionRow>("month");
pub(crate) const ACCOUNT_YEARS: Part = Part::of::<AccountYearRow>("year");
pub(crate) const BENEFIT: Part = Part::of::<BenefitRow>("");
pub(crate) const PAYMENTS: Part = Part::of::<BenefitPaymentRow>("month");
pub(crate) const SUBSIDIES: Part = Part::of::<SubsidyRow>("month, kind");

/// The plain statements, built once.
pub(crate) static PERSON_SQL: LazyLock<String> = LazyLock::new(|| PERSON.sql());
pub(crate) static EMPLOYMENTS_SQL: LazyLock<String> = LazyLock::new(|| EMPLOYMENTS.sql());
pub(crate) static CONTRIBUTIONS_SQL: LazyLock<String> = LazyLock::new(|| CONTRIBUTIONS.sql());
pub(crate) static ACCOUNT_YEARS_SQL: LazyLock<String> = LazyLock::new(|| ACCOUNT_YEARS.sql());
pub(crate) static BENEFIT_SQL: LazyLock<String> = LazyLock::new(|| BENEFIT.sql());
pub(crate) static PAYMENTS_SQL: LazyLock<String> = LazyLock::new(|| PAYMENTS.sql());
pub(crate) static SUBSIDIES_SQL: LazyLock<String> = LazyLock::new(|| SUBSIDIES.sql());
