//! The store's one error type.

use thiserror::Error;

/// Everything that can go wrong in storage, phrased for the person who has to
/// act on it.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A change that would leave a role of 三员分立 with nobody (checked in
    /// the append transaction).
    #[error("refused by rule last-administrator: {0}")]
    LastHolder(String),

    #[error("cannot open database {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("PostgreSQL runtime role {role} of schema {schema} does not exist: run `sirm migrate` (as the schema owner) once after upgrading")]
    RuntimeRoleMissing { role: String, schema: String },
    #[error("database user {user} may not act as {role}, the runtime role of schema {schema}: GRANT {role} TO {user}")]
    RuntimeRoleNotGranted {
        user: String,
        role: String,
        schema: String,
    },
    #[error("cannot set up the runtime role {role} of schema {schema}: {reason}")]
    RuntimeRoleSetup {
        role: String,
        schema: String,
        reason: String,
    },
    /// The read replicas' configuration (`[database] replica_urls`).
    #[error("{0}")]
    Replica(String),
    #[error("database {0} holds no SIRM installation (run `sirm init` first)")]
    NotInitialized(String),
    #[error("database schema is at version {applied} but this sirm knows up to {latest}: run `sirm migrate`")]
    SchemaBehind { applied: i64, latest: i64 },
    #[error("database schema version {version} is unknown to this sirm (it knows up to {latest}); use a newer sirm")]
    SchemaUnknown { version: i64, latest: i64 },
    #[error("database already holds a SIRM installation ({0}); refusing to overwrite it")]
    AlreadyInitialized(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("ledger is inconsistent: {0}; run `sirm verify`")]
    Inconsistent(String),
    #[error("entry {index} of the batch is invalid: {source}")]
    InvalidEntry {
        index: usize,
        #[source]
        source: sirm_ledger::LedgerError,
    },
    #[error("entry {seq} ({kind}): payload does not fit its record type: {message}")]
    Payload {
        seq: u64,
        kind: String,
        message: String,
    },
    #[error("{0}")]
    Stale(String),
    #[error("stored row is unreadable: {0}")]
    Corrupt(String),
    /// A stored value that does not fit its column (wrong type, unexpected
    /// NULL, an amount that is not a decimal), named `table.column`.
    #[error("stored row is unreadable: {table}.{column}: {problem}")]
    CorruptColumn {
        table: &'static str,
        column: String,
        problem: String,
    },
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Ledger(#[from] sirm_ledger::LedgerError),
    #[error("the query could not be logged, so it is not answered: {0}")]
    QueryLog(String),
}

impl From<rusqlite::Error> for StoreError {
    /// A database error of the SQLite file reader (`bulk.rs`), carried as
    /// sqlx's so callers see one error type for "database error".
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(sqlx::Error::Database(Box::new(BulkDbError(e.to_string()))))
    }
}

/// A database error from the SQLite file reader.
#[derive(Debug)]
struct BulkDbError(String);

impl std::fmt::Display for BulkDbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BulkDbError {}

impl sqlx::error::DatabaseError for BulkDbError {
    fn message(&self) -> &str {
        &self.0
    }
    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }
    fn kind(&self) -> sqlx::error::ErrorKind {
        sqlx::error::ErrorKind::Other
    }
}
