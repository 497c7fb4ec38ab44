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
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Ledger(#[from] sirm_ledger::LedgerError),
    #[error("the query could not be logged, so it is not answered: {0}")]
    QueryLog(String),
}
