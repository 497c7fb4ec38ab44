//! Running a select on the store's pool and decoding what it returns: one
//! place for "fetch, then read each row by its mapping".
//!
//! A statement is built and bound by its caller (`sqlx::query(sql).bind(…)`);
//! these methods fetch it and read the rows as a [`TableRow`] type or, for
//! an ad-hoc select of a few columns, as a [`Tuple`] in select order.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

use crate::rows::{read_each, read_opt, TableRow, Tuple};
use crate::{Store, StoreError};

/// A statement of the `Any` driver, its parameters bound.
pub(crate) type Statement<'q> = Query<'q, Any, AnyArguments<'q>>;

impl Store {
    /// Every row `q` selects (as `T::COLUMNS`), each read as a `T`.
    pub(crate) async fn rows<T: TableRow>(&self, q: Statement<'_>) -> Result<Vec<T>, StoreError> {
        T::from_rows(&q.fetch_all(&self.pool).await?)
    }

    /// The row `q` selects (as `T::COLUMNS`), if any, read as a `T`.
    pub(crate) async fn row<T: TableRow>(&self, q: Statement<'_>) -> Result<Option<T>, StoreError> {
        q.fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(T::from_row)
            .transpose()
    }

    /// Every row `q` selects (`columns` of `table`, in this order), each
    /// read as a tuple.
    pub(crate) async fn tuples<T: Tuple>(
        &self,
        table: &'static str,
        columns: &'static [&'static str],
        q: Statement<'_>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = q.fetch_all(&self.pool).await?;
        read_each(table, columns, &rows, |r| r.tuple())
    }

    /// The row `q` selects (`columns` of `table`, in this order), if any,
    /// read as a tuple.
    pub(crate) async fn tuple<T: Tuple>(
        &self,
        table: &'static str,
        columns: &'static [&'static str],
        q: Statement<'_>,
    ) -> Result<Option<T>, StoreError> {
        let row = q.fetch_optional(&self.pool).await?;
        read_opt(table, columns, row.as_ref(), |r| r.tuple())
    }
}
