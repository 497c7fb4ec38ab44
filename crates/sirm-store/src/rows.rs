//! Rows decoded at the store boundary: one mapping per row type.
//!
//! A row type implements [`TableRow`]: its table, its columns (in the order
//! its statements select them) and one `read` that takes each field by
//! column name through a [`Reader`]. The same mapping decodes a row of
//! sqlx's `Any` driver, of rusqlite (the SQLite file reader of `bulk.rs`)
//! and of PostgreSQL's JSON arrays (`record.rs`), so a column is named once.
//!
//! A value that does not fit its column — a wrong type, an unexpected NULL,
//! an amount that is not a decimal — is [`StoreError::CorruptColumn`],
//! naming `table.column`: never a silent zero.

use std::str::FromStr;

use chrono::NaiveDate;
use rusqlite::types::ValueRef;
use rust_decimal::Decimal;
use serde_json::Value;
use sirm_domain::rules::Month;
use sirm_domain::status::{
    AccountKind, AccountStatus, ApplicationStatus, BenefitStatus, ContributionStatus,
    ObjectionStatus, RoleAction, RoleRequestStatus,
};
use sqlx::any::AnyRow;
use sqlx::Row as _;

use crate::StoreError;

/// A stored row whose columns are read by position, each as text, integer
/// or bytes (NULL is `None`). Errors are plain descriptions; [`Reader`]
/// names the table and column.
pub(crate) trait RawRow {
    fn text_at(&self, i: usize) -> Result<Option<String>, String>;
    fn int_at(&self, i: usize) -> Result<Option<i64>, String>;
    fn bytes_at(&self, i: usize) -> Result<Option<Vec<u8>>, String>;
}

impl RawRow for AnyRow {
    fn text_at(&self, i: usize) -> Result<Option<String>, String> {
        self.try_get(i).map_err(|e| e.to_string())
    }
    fn int_at(&self, i: usize) -> Result<Option<i64>, String> {
        self.try_get(i).map_err(|e| e.to_string())
    }
    fn bytes_at(&self, i: usize) -> Result<Option<Vec<u8>>, String> {
        self.try_get(i).map_err(|e| e.to_string())
    }
}

fn sqlite_type(v: &ValueRef<'_>) -> &'static str {
    match v {
        ValueRef::Null => "NULL",
        ValueRef::Integer(_) => "INTEGER",
        ValueRef::Real(_) => "REAL",
        ValueRef::Text(_) => "TEXT",
        ValueRef::Blob(_) => "BLOB",
    }
}

/// rusqlite: types checked exactly as the `Any` driver checks them.
impl RawRow for rusqlite::Row<'_> {
    fn text_at(&self, i: usize) -> Result<Option<String>, String> {
        match self.get_ref(i).map_err(|e| e.to_string())? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                .map(|s| Some(s.to_owned()))
                .map_err(|e| e.to_string()),
            v => Err(format!("expected TEXT, found {}", sqlite_type(&v))),
        }
    }
    fn int_at(&self, i: usize) -> Result<Option<i64>, String> {
        match self.get_ref(i).map_err(|e| e.to_string())? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(n) => Ok(Some(n)),
            v => Err(format!("expected INTEGER, found {}", sqlite_type(&v))),
        }
    }
    fn bytes_at(&self, i: usize) -> Result<Option<Vec<u8>>, String> {
        match self.get_ref(i).map_err(|e| e.to_string())? {
            ValueRef::Null => Ok(None),
            ValueRef::Blob(bytes) => Ok(Some(bytes.to_vec())),
            v => Err(format!("expected BLOB, found {}", sqlite_type(&v))),
        }
    }
}

/// PostgreSQL `json_build_array(columns…)`: one JSON array per row.
pub(crate) struct JsonRow<'a>(pub(crate) &'a [Value]);

impl JsonRow<'_> {
    fn at(&self, i: usize) -> Result<&Value, String> {
        self.0
            .get(i)
            .ok_or_else(|| format!("the JSON row has {} values", self.0.len()))
    }
}

impl RawRow for JsonRow<'_> {
    fn text_at(&self, i: usize) -> Result<Option<String>, String> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            v => Err(format!("expected a string, found {v}")),
        }
    }
    fn int_at(&self, i: usize) -> Result<Option<i64>, String> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Number(n) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("expected an integer, found {n}")),
            v => Err(format!("expected an integer, found {v}")),
        }
    }
    fn bytes_at(&self, _i: usize) -> Result<Option<Vec<u8>>, String> {
        Err("bytes are not read from JSON".into())
    }
}

/// Reads the named columns of one row of `table`; every failure names
/// `table.column`.
pub(crate) struct Reader<'r, R: RawRow + ?Sized> {
    table: &'static str,
    columns: &'static [&'static str],
    /// Where `columns` start in the row (a join selects several tables).
    offset: usize,
    row: &'r R,
}

impl<'r, R: RawRow + ?Sized> Reader<'r, R> {
    /// A row selected as exactly `columns`, in this order.
    pub(crate) fn new(table: &'static str, columns: &'static [&'static str], row: &'r R) -> Self {
        Reader::at(table, columns, row, 0)
    }

    /// A row whose columns `offset..` are exactly `columns`, in this order.
    pub(crate) fn at(
        table: &'static str,
        columns: &'static [&'static str],
        row: &'r R,
        offset: usize,
    ) -> Self {
        Reader {
            table,
            columns,
            offset,
            row,
        }
    }

    fn corrupt(&self, column: &str, problem: impl Into<String>) -> StoreError {
        StoreError::CorruptColumn {
            table: self.table,
            column: column.to_string(),
            problem: problem.into(),
        }
    }

    fn index(&self, column: &str) -> Result<usize, StoreError> {
        self.columns
            .iter()
            .position(|c| *c == column)
            .map(|i| self.offset + i)
            .ok_or_else(|| self.corrupt(column, "not a selected column"))
    }

    /// The name of the `i`th selected column.
    fn column(&self, i: usize) -> Result<&'static str, StoreError> {
        self.columns
            .get(i)
            .copied()
            .ok_or_else(|| self.corrupt(&format!("#{}", i + 1), "not a selected column"))
    }

    /// The columns that follow these in the row (a select of several
    /// column lists, e.g. some columns and then the seven amounts).
    pub(crate) fn then(&self, columns: &'static [&'static str]) -> Reader<'r, R> {
        Reader::at(
            self.table,
            columns,
            self.row,
            self.offset + self.columns.len(),
        )
    }

    /// The whole row as a tuple, one field per selected column.
    pub(crate) fn tuple<T: Tuple>(&self) -> Result<T, StoreError> {
        T::read(self)
    }

    fn required<T>(&self, column: &str, v: Option<T>) -> Result<T, StoreError> {
        v.ok_or_else(|| self.corrupt(column, "unexpected NULL"))
    }

    pub(crate) fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        let i = self.index(column)?;
        self.row.text_at(i).map_err(|e| self.corrupt(column, e))
    }

    pub(crate) fn text(&self, column: &str) -> Result<String, StoreError> {
        let v = self.opt_text(column)?;
        self.required(column, v)
    }

    pub(crate) fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        let i = self.index(column)?;
        self.row.int_at(i).map_err(|e| self.corrupt(column, e))
    }

    pub(crate) fn int(&self, column: &str) -> Result<i64, StoreError> {
        let v = self.opt_int(column)?;
        self.required(column, v)
    }

    /// A 0/1 integer column.
    pub(crate) fn flag(&self, column: &str) -> Result<bool, StoreError> {
        match self.int(column)? {
            0 => Ok(false),
            1 => Ok(true),
            n => Err(self.corrupt(column, format!("expected 0 or 1, found {n}"))),
        }
    }

    pub(crate) fn bytes(&self, column: &str) -> Result<Vec<u8>, StoreError> {
        let i = self.index(column)?;
        let v = self.row.bytes_at(i).map_err(|e| self.corrupt(column, e))?;
        self.required(column, v)
    }

    /// A value stored as text, parsed by its type's `Column`.
    pub(crate) fn typed<T: Column>(&self, column: &str) -> Result<T, StoreError> {
        T::read(self, column)
    }

    /// A value stored as text, parsed (a decimal keeps the scale it was
    /// stored with: the scale is part of the record).
    pub(crate) fn parse<T: FromStr>(
        &self,
        column: &str,
        text: &str,
        what: &str,
    ) -> Result<T, StoreError>
    where
        T::Err: std::fmt::Display,
    {
        T::from_str(text).map_err(|e| self.corrupt(column, format!("{text:?} is not {what}: {e}")))
    }
}

/// A field type a column decodes into; the mapping of a row type is its
/// fields' `Column::read`s (see [`table_row!`](crate::table_row)).
pub(crate) trait Column: Sized {
    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>, column: &str) -> Result<Self, StoreError>;
}

/// Columns read by one [`Reader`] method each.
macro_rules! reader_columns {
    ($($ty:ty => $method:ident),*) => {$(
        impl Column for $ty {
            fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>, column: &str) -> Result<Self, StoreError> {
                r.$method(column)
            }
        }
    )*};
}

reader_columns!(
    String => text,
    Option<String> => opt_text,
    i64 => int,
    Option<i64> => opt_int,
    // A 0/1 integer column.
    bool => flag,
    Vec<u8> => bytes
);

/// A comma-separated list (NULL and empty items are no items).
impl Column for Vec<String> {
    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>, column: &str) -> Result<Self, StoreError> {
        Ok(r.opt_text(column)?
            .map(|text| {
                text.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// Typed columns stored as text: a value that does not parse is
/// `CorruptColumn`, naming the column and the stored text — never a default.
macro_rules! parsed_columns {
    ($($ty:ty: $what:literal),*) => {$(
        impl Column for $ty {
            fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>, column: &str) -> Result<Self, StoreError> {
                let text = r.text(column)?;
                r.parse(column, &text, $what)
            }
        }

        impl Column for Option<$ty> {
            fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>, column: &str) -> Result<Self, StoreError> {
                match r.opt_text(column)? {
                    None => Ok(None),
                    Some(text) => r.parse(column, &text, $what).map(Some),
                }
            }
        }
    )*};
}

parsed_columns!(
    Decimal: "a decimal amount",
    Month: "a month (YYYY-MM)",
    NaiveDate: "a date (YYYY-MM-DD)",
    ContributionStatus: "a contribution status",
    BenefitStatus: "a benefit status",
    ApplicationStatus: "an application status",
    AccountStatus: "an account status",
    RoleRequestStatus: "a role request status",
    AccountKind: "an account kind",
    RoleAction: "a role request action",
    ObjectionStatus: "an objection status"
);

/// A row type and its one mapping from one declaration: the struct, its
/// table, its columns (the field names, in field order) and `read`, which
/// decodes each field by its type's [`Column`].
#[macro_export]
#[doc(hidden)]
macro_rules! table_row {
    (
        $(#[$meta:meta])*
        pub struct $name:ident in $table:literal {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty ),*
        }

        impl $crate::rows::TableRow for $name {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            fn read<R: $crate::rows::RawRow + ?Sized>(
                r: &$crate::rows::Reader<'_, R>,
            ) -> Result<Self, $crate::StoreError> {
                Ok($name {
                    $( $field: <$ty as $crate::rows::Column>::read(r, stringify!($field))? ),*
                })
            }
        }
    };
}

/// One row type, decoded by one mapping.
pub(crate) trait TableRow: Sized {
    /// The table its columns are named after (for error messages and the
    /// column test).
    const TABLE: &'static str;
    /// Its columns in select order.
    const COLUMNS: &'static [&'static str];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError>;

    fn from_row<R: RawRow + ?Sized>(row: &R) -> Result<Self, StoreError> {
        Self::read(&Reader::new(Self::TABLE, Self::COLUMNS, row))
    }

    /// From a joined row whose columns `offset..` are [`Self::COLUMNS`].
    fn from_row_at<R: RawRow + ?Sized>(row: &R, offset: usize) -> Result<Self, StoreError> {
        Self::read(&Reader::at(Self::TABLE, Self::COLUMNS, row, offset))
    }

    /// Every row of a result.
    fn from_rows<R: RawRow>(rows: &[R]) -> Result<Vec<Self>, StoreError> {
        rows.iter().map(Self::from_row).collect()
    }

    /// `a, b, c`: the select list.
    fn select_list() -> String {
        Self::COLUMNS.join(", ")
    }

    /// `SELECT a, b, c FROM table <rest>`: the row type's own select.
    fn select(rest: &str) -> String {
        format!("SELECT {} FROM {} {rest}", Self::select_list(), Self::TABLE)
    }
}

/// The fields of an ad-hoc select (no row type) as a tuple: one
/// [`Column`] per selected column, in select order.
pub(crate) trait Tuple: Sized {
    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError>;
}

macro_rules! tuples {
    ($(($($t:ident $i:tt),+)),*) => {$(
        impl<$($t: Column),+> Tuple for ($($t,)+) {
            fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
                Ok(($($t::read(r, r.column($i)?)?,)+))
            }
        }
    )*};
}

tuples!((A 0, B 1), (A 0, B 1, C 2));

/// Every row of a rusqlite statement with one text parameter.
pub(crate) fn sqlite_all<T: TableRow>(
    c: &rusqlite::Connection,
    sql: &str,
    param: &str,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut rows = stmt.query([param])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(T::from_row(r)?);
    }
    Ok(out)
}

/// The first row of a rusqlite statement with one text parameter, if any.
pub(crate) fn sqlite_one<T: TableRow>(
    c: &rusqlite::Connection,
    sql: &str,
    param: &str,
) -> Result<Option<T>, StoreError> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut rows = stmt.query([param])?;
    match rows.next()? {
        Some(r) => T::from_row(r).map(Some),
        None => Ok(None),
    }
}

/// A JSON array of rows (PostgreSQL `json_agg`), or one row.
pub(crate) fn json_rows<T: TableRow>(text: &str) -> Result<Vec<T>, StoreError> {
    let rows: Vec<Vec<Value>> = serde_json::from_str(text).map_err(|e| json_err::<T>(e))?;
    rows.iter().map(|r| T::from_row(&JsonRow(r))).collect()
}

pub(crate) fn json_row<T: TableRow>(text: &str) -> Result<T, StoreError> {
    let row: Vec<Value> = serde_json::from_str(text).map_err(|e| json_err::<T>(e))?;
    T::from_row(&JsonRow(&row))
}

fn json_err<T: TableRow>(e: serde_json::Error) -> StoreError {
    StoreError::Inconsistent(format!("the {} rows of a person record: {e}", T::TABLE))
}

/// Each row of an ad-hoc select of `columns` (in this order) of `table`,
/// read by `f`.
pub(crate) fn read_each<T, R: RawRow>(
    table: &'static str,
    columns: &'static [&'static str],
    rows: &[R],
    f: impl Fn(&Reader<'_, R>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.iter()
        .map(|row| f(&Reader::new(table, columns, row)))
        .collect()
}

/// The row, if any, of an ad-hoc select of `columns` of `table`, read by `f`.
pub(crate) fn read_opt<T, R: RawRow>(
    table: &'static str,
    columns: &'static [&'static str],
    row: Option<&R>,
    f: impl Fn(&Reader<'_, R>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    row.map(|row| f(&Reader::new(table, columns, row)))
        .transpose()
}

/// A column list qualified by a table alias: `a.x, a.y, …` from `x, y, …`.
pub(crate) fn prefixed(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::{ContributionRow, PersonRow};
    use serde_json::json;

    /// A contribution row as JSON values, amounts `12.34`, with the given
    /// declared wage.
    fn contribution(declared_wage: Value) -> Vec<Value> {
        const TEXT: [&str; 3] = ["person_id", "credit_code", "rule_set"];
        ContributionRow::COLUMNS
            .iter()
            .map(|c| match *c {
                "declared_wage" => declared_wage.clone(),
                "month" => json!("2024-01"),
                "status" => json!("assessed"),
                c if TEXT.contains(&c) => json!("x"),
                _ => json!("12.34"),
            })
            .collect()
    }

    #[test]
    fn a_sound_row_is_read_as_stored() {
        let row = contribution(json!("5000.00"));
        let c = ContributionRow::from_row(&JsonRow(&row)).unwrap();
        // The scale is kept: "5000.00", not "5000".
        assert_eq!(c.declared_wage.to_string(), "5000.00");
        assert_eq!(c.base.to_string(), "12.34");
        assert_eq!(c.month.to_string(), "2024-01");
        assert_eq!(c.status, ContributionStatus::Assessed);
    }

    #[test]
    fn a_corrupt_amount_names_its_column_and_is_never_zero() {
        let row = contribution(json!("5000,00"));
        let err = ContributionRow::from_row(&JsonRow(&row)).unwrap_err();
        assert!(
            matches!(&err, StoreError::CorruptColumn { table: "contribution", column, .. } if column == "declared_wage"),
            "{err}"
        );
        assert!(
            err.to_string().contains("contribution.declared_wage"),
            "{err}"
        );
    }

    #[test]
    fn a_corrupt_month_or_status_names_its_column() {
        for (column, value) in [("month", "2024-13"), ("status", "PAID")] {
            let mut row = contribution(json!("5000.00"));
            let i = ContributionRow::COLUMNS
                .iter()
                .position(|c| *c == column)
                .unwrap();
            row[i] = json!(value);
            let err = ContributionRow::from_row(&JsonRow(&row)).unwrap_err();
            assert!(
                err.to_string()
                    .contains(&format!("contribution.{column}: {value:?} is not")),
                "{err}"
            );
        }
    }

    #[test]
    fn a_wrong_type_or_null_names_its_column() {
        let mut row: Vec<Value> = PersonRow::COLUMNS
            .iter()
            .map(|c| match *c {
                "birth_date" | "registered_on" => json!("1990-03-07"),
                _ => json!("x"),
            })
            .collect();
        row[8] = json!("not a number");
        let err = PersonRow::from_row(&JsonRow(&row)).unwrap_err();
        assert!(err.to_string().contains("person.first_seq"), "{err}");
        row[8] = json!(1);
        row[9] = json!(2);
        row[1] = Value::Null;
        let err = PersonRow::from_row(&JsonRow(&row)).unwrap_err();
        assert!(
            err.to_string().contains("person.name: unexpected NULL"),
            "{err}"
        );
    }
}
