//! Running a select on the store's pool and decoding what it returns: one
//! place for "fetch, then read each row by its mapping".
//!
//! A statement is built and bound by its caller (`sqlx::query(sql).bind(…)`);
//! these methods fetch it and read the rows as a [`TableRow`] type or, for
//! an ad-hoc select of a few columns, as a [`Tuple`] in select order.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

use crate::rows::{read_each, read_opt, RawRow, TableRow, Tuple};
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

/// A parameter of [`Store::read_many`] (`$1`, `$2`, … in its statement).
#[derive(Clone, Debug)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
}

/// How [`Store::read_many`] reads one row (whatever the driver).
pub(crate) type MapRow<T> = fn(&dyn RawRow) -> Result<T, StoreError>;

impl Store {
    /// Every row of a select of many rows (a batch run's input: a million
    /// pensioners, every payable claim), each read by `map` as it comes.
    /// On a SQLite file the statement is stepped with rusqlite on one
    /// blocking thread and the answer handed over once (see `bulk.rs`: the
    /// `Any` driver's per-row hand-off is what costs); otherwise streamed
    /// from the pool, each row decoded and dropped before the next.
    pub(crate) async fn read_many<T: Send + 'static>(
        &self,
        sql: String,
        params: Vec<Param>,
        map: MapRow<T>,
    ) -> Result<Vec<T>, StoreError> {
        if let Some(bulk) = &self.bulk {
            return bulk
                .read(move |c| {
                    let mut stmt = c.prepare(&sql)?;
                    for (i, p) in params.iter().enumerate() {
                        // `$n` is a named parameter to SQLite: bind by name.
                        let Some(at) = stmt.parameter_index(&format!("${}", i + 1))? else {
                            continue;
                        };
                        match p {
                            Param::Text(s) => stmt.raw_bind_parameter(at, s)?,
                            Param::Int(n) => stmt.raw_bind_parameter(at, n)?,
                        }
                    }
                    let mut rows = stmt.raw_query();
                    let mut out = Vec::new();
                    while let Some(r) = rows.next()? {
                        out.push(map(r)?);
                    }
                    Ok(out)
                })
                .await;
        }
        use futures::TryStreamExt as _;
        let mut q = sqlx::query(&sql);
        for p in &params {
            q = match p {
                Param::Text(s) => q.bind(s.as_str()),
                Param::Int(n) => q.bind(*n),
            };
        }
        let mut rows = q.fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(r) = rows.try_next().await? {
            out.push(map(&r)?);
        }
        Ok(out)
    }
}
