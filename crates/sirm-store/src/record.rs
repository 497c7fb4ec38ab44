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
//!   (`json_agg` of the same column lists), each JSON array decoded by the
//!   row type's mapping — one round trip instead of seven, which is what a
//!   request's cost was made of;
//! - anything else (an in-memory SQLite database): the per-table reads,
//!   which are also here (on a SQLite file they read through the same
//!   reader connection).
//!
//! Each part is described once (`parts.rs`): its columns are those of its
//! row type's one mapping, for the plain SQL, the rusqlite rows and the
//! JSON arrays alike (`assert_record_is_its_parts` in
//! `sirm-web/tests/collection/` compares the one-trip read with the
//! per-table reads on both engines).

use std::sync::LazyLock;

use crate::engine::Engine;
use crate::parts::{
    ACCOUNT_YEARS, ACCOUNT_YEARS_SQL, BENEFIT, BENEFIT_SQL, CONTRIBUTIONS, CONTRIBUTIONS_SQL,
    EMPLOYMENTS, EMPLOYMENTS_SQL, PAYMENTS, PAYMENTS_SQL, PERSON, PERSON_SQL, SUBSIDIES,
    SUBSIDIES_SQL,
};
use crate::rows::{json_row, json_rows, sqlite_all, sqlite_one, Reader, TableRow as _};
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

/// The seven JSON columns of [`PG_RECORD_SQL`].
const PG_RECORD_COLUMNS: &[&str] = &[
    "person",
    "employments",
    "contributions",
    "account_years",
    "benefit",
    "payments",
    "subsidies",
];

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
            let r = Reader::new("person record", PG_RECORD_COLUMNS, &row);
            let Some(person) = r.opt_text("person")? else {
                return Ok(None);
            };
            return Ok(Some(PersonRecordRows {
                person: json_row(&person)?,
                employments: json_rows(&r.text("employments")?)?,
                contributions: json_rows(&r.text("contributions")?)?,
                account_years: json_rows(&r.text("account_years")?)?,
                benefit: r.opt_text("benefit")?.map(|b| json_row(&b)).transpose()?,
                payments: json_rows(&r.text("payments")?)?,
                subsidies: json_rows(&r.text("subsidies")?)?,
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
) -> Result<Option<PersonRecordRows>, StoreError> {
    let tx = c.unchecked_transaction()?;
    let Some(person) = sqlite_one::<PersonRow>(&tx, &PERSON_SQL, pid)? else {
        return Ok(None);
    };
    let record = PersonRecordRows {
        person,
        employments: sqlite_all(&tx, &EMPLOYMENTS_SQL, pid)?,
        contributions: sqlite_all(&tx, &CONTRIBUTIONS_SQL, pid)?,
        account_years: sqlite_all(&tx, &ACCOUNT_YEARS_SQL, pid)?,
        benefit: sqlite_one(&tx, &BENEFIT_SQL, pid)?,
        payments: sqlite_all(&tx, &PAYMENTS_SQL, pid)?,
        subsidies: sqlite_all(&tx, &SUBSIDIES_SQL, pid)?,
    };
    tx.finish()?;
    Ok(Some(record))
}

impl Store {
    /// A person's registration row.
    pub async fn person(&self, person_id: &str) -> Result<Option<PersonRow>, StoreError> {
        let row = sqlx::query(&PERSON_SQL)
            .bind(person_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(PersonRow::from_row).transpose()
    }

    /// A person's employments, oldest first.
    pub async fn employments_of(&self, person_id: &str) -> Result<Vec<EmploymentRow>, StoreError> {
        self.part_rows(&EMPLOYMENTS_SQL, person_id).await
    }

    /// A person's contributions, by month.
    pub async fn contributions_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<ContributionRow>, StoreError> {
        self.part_rows(&CONTRIBUTIONS_SQL, person_id).await
    }

    /// A person's settled account years.
    pub async fn account_years_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<AccountYearRow>, StoreError> {
        self.part_rows(&ACCOUNT_YEARS_SQL, person_id).await
    }

    /// A person's benefit with all its figures, if one was granted.
    pub async fn benefit_row(&self, person_id: &str) -> Result<Option<BenefitRow>, StoreError> {
        let row = sqlx::query(&BENEFIT_SQL)
            .bind(person_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(BenefitRow::from_row).transpose()
    }

    /// A person's benefit payments, by month.
    pub async fn benefit_payments_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<BenefitPaymentRow>, StoreError> {
        self.part_rows(&PAYMENTS_SQL, person_id).await
    }

    /// A person's subsidised months.
    pub async fn subsidies_of(&self, person_id: &str) -> Result<Vec<SubsidyRow>, StoreError> {
        self.part_rows(&SUBSIDIES_SQL, person_id).await
    }

    /// The rows of one part of a person's record. On a SQLite file they are
    /// read straight with rusqlite on one thread (a person's ~120
    /// contribution months of ten years in one hand-off).
    async fn part_rows<T: crate::rows::TableRow + Send + 'static>(
        &self,
        sql: &'static LazyLock<String>,
        person_id: &str,
    ) -> Result<Vec<T>, StoreError> {
        if let Some(bulk) = &self.bulk {
            let pid = person_id.to_string();
            return bulk.read(move |c| sqlite_all(c, sql, &pid)).await;
        }
        let rows = sqlx::query(sql)
            .bind(person_id)
            .fetch_all(&self.pool)
            .await?;
        T::from_rows(&rows)
    }
}
