//! ID-number aliases (`person_alias`, docs/crosscheck.md "Applying an ID
//! change"): the blind index of a changed ID number → the blind index the
//! person was registered under.

use crate::rows::TableRow;
use crate::{Store, StoreError};

crate::table_row! {
/// One ID-number change of a person, as the record shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonAliasRow in "person_alias" {
    /// The new number's blind index.
    pub alias_id: String,
    /// The person's canonical blind index.
    pub person_id: String,
    /// The new number, sealed under the person's data key.
    pub id_number: String,
    /// The number it replaced, sealed likewise.
    pub previous_id_number: String,
    pub effective_on: String,
    pub reason: String,
    /// Who took and approved it, comma-separated (the entry's actors).
    pub actors: String,
    pub seq: i64,
}
}

impl Store {
    /// How far the alias table has moved: its row count and newest
    /// sequence number (cheap; compared before reloading the aliases).
    pub async fn person_alias_mark(&self) -> Result<(i64, i64), StoreError> {
        let (n, s): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MAX(seq) FROM person_alias")
                .fetch_one(&self.pool)
                .await?;
        Ok((n, s.unwrap_or(0)))
    }

    /// Every alias: (alias blind index, canonical blind index).
    pub async fn person_aliases(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT alias_id, person_id FROM person_alias ORDER BY seq")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The canonical blind index an alias stands for, read from the table
    /// (not from any process's memory).
    pub async fn alias_target(&self, alias_id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT person_id FROM person_alias WHERE alias_id = $1")
                .bind(alias_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// A person's ID-number changes, oldest first.
    pub async fn id_changes_of(&self, person_id: &str) -> Result<Vec<PersonAliasRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM person_alias WHERE person_id = $1 ORDER BY seq",
            PersonAliasRow::select_list()
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        PersonAliasRow::from_rows(&rows)
    }
}
