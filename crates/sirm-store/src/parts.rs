//! The per-person projection tables a rights record is made of: each row
//! type with its one mapping ([`TableRow`]), and each table as a [`Part`]
//! of the record (its columns, its order, its statements).
//!
//! Amounts are stored as decimal text (SQLite has no exact numeric); the
//! mapping checks each is a decimal and keeps it as stored, so the
//! application layer sums them as `Decimal` and a corrupt figure is an
//! error naming its column, never a zero.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::rows::{RawRow, Reader, TableRow};
use crate::StoreError;

/// A person's registration record (projection row).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub person_id: String,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub address: String,
    pub phone: String,
    pub registered_on: String,
    pub agency: String,
    pub first_seq: i64,
    pub last_seq: i64,
    /// Sealed resident ID number (`person_id` is the blind index).
    pub id_number: String,
}

impl TableRow for PersonRow {
    const TABLE: &'static str = "person";
    const COLUMNS: &'static [&'static str] = &[
        "person_id",
        "name",
        "gender",
        "birth_date",
        "address",
        "phone",
        "registered_on",
        "agency",
        "first_seq",
        "last_seq",
        "id_number",
    ];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(PersonRow {
            person_id: r.text("person_id")?,
            name: r.text("name")?,
            gender: r.text("gender")?,
            birth_date: r.text("birth_date")?,
            address: r.text("address")?,
            phone: r.text("phone")?,
            registered_on: r.text("registered_on")?,
            agency: r.text("agency")?,
            first_seq: r.int("first_seq")?,
            last_seq: r.int("last_seq")?,
            id_number: r.text("id_number")?,
        })
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

impl TableRow for EmploymentRow {
    const TABLE: &'static str = "employment";
    const COLUMNS: &'static [&'static str] = &[
        "person_id",
        "credit_code",
        "start_on",
        "end_on",
        "end_reason",
    ];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(EmploymentRow {
            person_id: r.text("person_id")?,
            credit_code: r.text("credit_code")?,
            start_on: r.text("start_on")?,
            end_on: r.opt_text("end_on")?,
            end_reason: r.opt_text("end_reason")?,
        })
    }
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

impl TableRow for ContributionRow {
    const TABLE: &'static str = "contribution";
    const COLUMNS: &'static [&'static str] = &[
        "person_id",
        "month",
        "credit_code",
        "declared_wage",
        "base",
        "pension_employer",
        "pension_employee",
        "medical_employer",
        "medical_employee",
        "unemployment_employer",
        "unemployment_employee",
        "work_injury_employer",
        "account_credit",
        "rule_set",
        "status",
    ];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(ContributionRow {
            person_id: r.text("person_id")?,
            month: r.text("month")?,
            credit_code: r.text("credit_code")?,
            declared_wage: r.decimal_text("declared_wage")?,
            base: r.decimal_text("base")?,
            pension_employer: r.decimal_text("pension_employer")?,
            pension_employee: r.decimal_text("pension_employee")?,
            medical_employer: r.decimal_text("medical_employer")?,
            medical_employee: r.decimal_text("medical_employee")?,
            unemployment_employer: r.decimal_text("unemployment_employer")?,
            unemployment_employee: r.decimal_text("unemployment_employee")?,
            work_injury_employer: r.decimal_text("work_injury_employer")?,
            account_credit: r.decimal_text("account_credit")?,
            rule_set: r.text("rule_set")?,
            status: r.text("status")?,
        })
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

impl TableRow for AccountYearRow {
    const TABLE: &'static str = "account_year";
    const COLUMNS: &'static [&'static str] = &[
        "year",
        "opening_balance",
        "credits",
        "rate",
        "interest",
        "closing_balance",
        "rule_set",
    ];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(AccountYearRow {
            year: r.int("year")?,
            opening_balance: r.decimal_text("opening_balance")?,
            credits: r.decimal_text("credits")?,
            rate: r.decimal_text("rate")?,
            interest: r.decimal_text("interest")?,
            closing_balance: r.decimal_text("closing_balance")?,
            rule_set: r.text("rule_set")?,
        })
    }
}

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

impl TableRow for BenefitRow {
    const TABLE: &'static str = "benefit";
    const COLUMNS: &'static [&'static str] = &[
        "person_id",
        "status",
        "start_month",
        "contribution_months",
        "basic",
        "account",
        "transitional",
        "total",
        "rule_set",
        "seq",
    ];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(BenefitRow {
            person_id: r.text("person_id")?,
            status: r.text("status")?,
            start_month: r.text("start_month")?,
            contribution_months: r.int("contribution_months")?,
            basic: r.decimal_text("basic")?,
            account: r.decimal_text("account")?,
            transitional: r.decimal_text("transitional")?,
            total: r.decimal_text("total")?,
            rule_set: r.text("rule_set")?,
            seq: r.int("seq")?,
        })
    }
}

/// One benefit payment (待遇发放) of a month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitPaymentRow {
    pub month: String,
    pub amount: String,
    pub rule_set: String,
    pub seq: i64,
}

impl TableRow for BenefitPaymentRow {
    const TABLE: &'static str = "benefit_payment";
    const COLUMNS: &'static [&'static str] = &["month", "amount", "rule_set", "seq"];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(BenefitPaymentRow {
            month: r.text("month")?,
            amount: r.decimal_text("amount")?,
            rule_set: r.text("rule_set")?,
            seq: r.int("seq")?,
        })
    }
}

/// One subsidised month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsidyRow {
    pub month: String,
    pub kind: String,
    pub amount: String,
    pub basis: String,
}

impl TableRow for SubsidyRow {
    const TABLE: &'static str = "subsidy";
    const COLUMNS: &'static [&'static str] = &["month", "kind", "amount", "basis"];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(SubsidyRow {
            month: r.text("month")?,
            kind: r.text("kind")?,
            amount: r.decimal_text("amount")?,
            basis: r.text("basis")?,
        })
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
