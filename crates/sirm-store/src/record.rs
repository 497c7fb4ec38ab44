//! A person's whole rights record in one read: the registration row and the
//! six per-person projection tables (employments, contributions, account
//! years, benefit, benefit payments, subsidies).
//!
//! This is the hot path of every query channel (portal, kiosk, counter,
//! telephone, certificates), so it is read in **one snapshot and one trip**:
//!
//! - SQLite file: the seven statements run on one reader connection of
//!   [`crate::bulk`] inside one read transaction (one thread hop, rows copied
//!   straight out of SQLite instead of through sqlx's `Any` rows);
//! - PostgreSQL: one statement whose columns are the seven parts as JSON
//!   (`json_agg` of the same column lists), decoded with serde — one round
//!   trip instead of seven, which is what a request's cost was made of;
//! - anything else (an in-memory SQLite database): the per-table reads.
//!
//! Each part is described once ([`Part`]): its columns are the fields of its
//! row type in their order, for the plain SQL and the JSON arrays alike
//! (`assert_record_is_its_parts` in `sirm-web/tests/collection.rs` compares
//! the one-trip read with the per-table reads on both engines).

use std::sync::LazyLock;

use serde::de::DeserializeOwned;
use sqlx::Row;

use crate::engine::Engine;
use crate::{
    AccountYearRow, BenefitPaymentRow, BenefitRow, ContributionRow, EmploymentRow, PersonRow,
    Store, StoreError, SubsidyRow,
};

/// Everything the projections hold about one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRecordRows {
    pub person: PersonRow,
    pub employments: Vec<EmploymentRow>,
    pub contributions: Vec<ContributionRow>,
    pub account_years: Vec<AccountYearRow>,
    pub benefit: Option<BenefitRow>,
    pub payments: Vec<BenefitPaymentRow>,
    pub subsidies: Vec<SubsidyRow>,
}

/// One per-person table of the record: its columns (named and ordered as
/// the fields of its row type) and its order.
pub(crate) struct Part {
    table: &'static str,
    pub(crate) columns: &'static str,
    order: &'static str,
}

impl Part {
    /// `SELECT columns FROM table WHERE person_id = $1 ORDER BY order`.
    pub(crate) fn sql(&self) -> String {
        format!(
            "SELECT {} FROM {} WHERE person_id = $1{}{}",
            self.columns,
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
    /// of its columns in field order (serde reads a struct from a sequence
    /// as well as from a map), so no column name is written and escaped
    /// once per row: the part is a list of arrays, or for a single-row part
    /// one array or NULL.
    fn pg_json(&self, many: bool) -> String {
        let row = format!("json_build_array({})", self.columns);
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

pub(crate) const PERSON: Part = Part {
    table: "person",
    columns: "person_id, name, gender, birth_date, address, phone, registered_on, agency, first_seq, last_seq, id_number",
    order: "",
};
pub(crate) const EMPLOYMENTS: Part = Part {
    table: "employment",
    columns: "person_id, credit_code, start_on, end_on, end_reason",
    order: "start_on",
};
pub(crate) const CONTRIBUTIONS: Part = Part {
    table: "contribution",
    columns:
        "person_id, month, credit_code, declared_wage, base, pension_employer, pension_employee, \
              medical_employer, medical_employee, unemployment_employer, unemployment_employee, \
              work_injury_employer, account_credit, rule_set, status",
    order: "month",
};
pub(crate) const ACCOUNT_YEARS: Part = Part {
    table: "account_year",
    columns: "year, opening_balance, credits, rate, interest, closing_balance, rule_set",
    order: "year",
};
pub(crate) const BENEFIT: Part = Part {
    table: "benefit",
    columns: "person_id, status, start_month, contribution_months, basic, account, transitional, \
              total, rule_set, seq",
    order: "",
};
pub(crate) const PAYMENTS: Part = Part {
    table: "benefit_payment",
    columns: "month, amount, rule_set, seq",
    order: "month",
};
pub(crate) const SUBSIDIES: Part = Part {
    table: "subsidy",
    columns: "month, kind, amount, basis",
    order: "month, kind",
};

/// The plain statements, built once.
pub(crate) static PERSON_SQL: LazyLock<String> = LazyLock::new(|| PERSON.sql());
pub(crate) static EMPLOYMENTS_SQL: LazyLock<String> = LazyLock::new(|| EMPLOYMENTS.sql());
pub(crate) static CONTRIBUTIONS_SQL: LazyLock<String> = LazyLock::new(|| CONTRIBUTIONS.sql());
pub(crate) static ACCOUNT_YEARS_SQL: LazyLock<String> = LazyLock::new(|| ACCOUNT_YEARS.sql());
pub(crate) static BENEFIT_SQL: LazyLock<String> = LazyLock::new(|| BENEFIT.sql());
pub(crate) static PAYMENTS_SQL: LazyLock<String> = LazyLock::new(|| PAYMENTS.sql());
pub(crate) static SUBSIDIES_SQL: LazyLock<String> = LazyLock::new(|| SUBSIDIES.sql());

/// PostgreSQL: the seven parts as seven JSON columns of one row.
static PG_RECORD_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {}, {}, {}, {}, {}, {}, {}",
        PERSON.pg_json(false),
        EMPLOYMENTS.pg_json(true),
        CONTRIBUTIONS.pg_json(true),
        ACCOUNT_YEARS.pg_json(true),
        BENEFIT.pg_json(false),
        PAYMENTS.pg_json(true),
        SUBSIDIES.pg_json(true),
    )
});

fn json<T: DeserializeOwned>(part: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Inconsistent(format!("the {part} of a person record: {e}")))
}

impl Store {
    /// A person's whole record from one snapshot, or `None` when no such
    /// person is registered.
    pub async fn person_record(
        &self,
        person_id: &str,
    ) -> Result<Option<PersonRecordRows>, StoreError> {
        if let Some(bulk) = &self.bulk {
            let pid = person_id.to_string();
            return bulk.read(move |c| read_sqlite(c, &pid)).await;
        }
        if self.engine() == Engine::Postgres {
            let row = sqlx::query(&PG_RECORD_SQL)
                .bind(person_id)
                .fetch_one(&self.pool)
                .await?;
            let Some(person) = row.try_get::<Option<String>, _>(0)? else {
                return Ok(None);
            };
            let benefit: Option<String> = row.try_get(4)?;
            return Ok(Some(PersonRecordRows {
                person: json("registration", &person)?,
                employments: json("employments", &row.try_get::<String, _>(1)?)?,
                contributions: json("contributions", &row.try_get::<String, _>(2)?)?,
                account_years: json("account years", &row.try_get::<String, _>(3)?)?,
                benefit: benefit.map(|b| json("benefit", &b)).transpose()?,
                payments: json("benefit payments", &row.try_get::<String, _>(5)?)?,
                subsidies: json("subsidies", &row.try_get::<String, _>(6)?)?,
            }));
        }
        let Some(person) = self.person(person_id).await? else {
            return Ok(None);
        };
        Ok(Some(PersonRecordRows {
            person,
            employments: self.employments_of(person_id).await?,
            contributions: self.contributions_of(person_id).await?,
            account_years: self.account_years_of(person_id).await?,
            benefit: self.benefit_row(person_id).await?,
            payments: self.benefit_payments_of(person_id).await?,
            subsidies: self.subsidies_of(person_id).await?,
        }))
    }
}

/// SQLite: the seven statements in one read transaction (one snapshot).
fn read_sqlite(
    c: &rusqlite::Connection,
    pid: &str,
) -> Result<Option<PersonRecordRows>, rusqlite::Error> {
    use rusqlite::OptionalExtension;
    let tx = c.unchecked_transaction()?;
    let person = tx
        .prepare_cached(&PERSON_SQL)?
        .query_row([pid], |r| {
            Ok(PersonRow {
                person_id: r.get(0)?,
                name: r.get(1)?,
                gender: r.get(2)?,
                birth_date: r.get(3)?,
                address: r.get(4)?,
                phone: r.get(5)?,
                registered_on: r.get(6)?,
                agency: r.get(7)?,
                first_seq: r.get(8)?,
                last_seq: r.get(9)?,
                id_number: r.get(10)?,
            })
        })
        .optional()?;
    let Some(person) = person else {
        return Ok(None);
    };
    let employments = tx
        .prepare_cached(&EMPLOYMENTS_SQL)?
        .query_map([pid], |r| {
            Ok(EmploymentRow {
                person_id: r.get(0)?,
                credit_code: r.get(1)?,
                start_on: r.get(2)?,
                end_on: r.get(3)?,
                end_reason: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let contributions = crate::review::sqlite_contributions(&tx, pid)?;
    let account_years = crate::review::sqlite_account_years(&tx, pid)?;
    let benefit = tx
        .prepare_cached(&BENEFIT_SQL)?
        .query_row([pid], |r| {
            Ok(BenefitRow {
                person_id: r.get(0)?,
                status: r.get(1)?,
                start_month: r.get(2)?,
                contribution_months: r.get(3)?,
                basic: r.get(4)?,
                account: r.get(5)?,
                transitional: r.get(6)?,
                total: r.get(7)?,
                rule_set: r.get(8)?,
                seq: r.get(9)?,
            })
        })
        .optional()?;
    let payments = tx
        .prepare_cached(&PAYMENTS_SQL)?
        .query_map([pid], |r| {
            Ok(BenefitPaymentRow {
                month: r.get(0)?,
                amount: r.get(1)?,
                rule_set: r.get(2)?,
                seq: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let subsidies = tx
        .prepare_cached(&SUBSIDIES_SQL)?
        .query_map([pid], |r| {
            Ok(SubsidyRow {
                month: r.get(0)?,
                kind: r.get(1)?,
                amount: r.get(2)?,
                basis: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    tx.finish()?;
    Ok(Some(PersonRecordRows {
        person,
        employments,
        contributions,
        account_years,
        benefit,
        payments,
        subsidies,
    }))
}
