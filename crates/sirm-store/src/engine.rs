//! What differs between the engines: how to connect, which migrations, how to
//! take the append lock, how to list the append-only guards.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::StoreError;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Pragmas every SQLite connection runs first (the pool's and the bulk
/// reader's): WAL for concurrent readers; FULL: a committed approval survives
/// power loss (durability is promised).
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
     PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";

/// The two database engines SIRM runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
    pub(crate) fn migrator(&self) -> &'static Migrator {
        match self {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// Who the connection acts as. Only migrations and installation run as the
/// schema owner; everything else runs as the application role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Schema owner: may migrate. SQLite: may create the database file.
    Owner,
    /// Application: PostgreSQL connections `SET ROLE sirm_app`.
    App,
}

/// Where the database is.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// `sqlite://PATH` or `postgres://…`.
    pub url: String,
    /// PostgreSQL schema to use (created by the owner if absent). Tests give
    /// each test its own.
    pub pg_schema: Option<String>,
    pub max_connections: u32,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        StoreConfig {
            url: url.into(),
            pg_schema: None,
            max_connections: 8,
        }
    }
    pub fn sqlite_file(path: &std::path::Path) -> Self {
        Self::new(format!("sqlite://{}", path.display()))
    }
    pub fn engine(&self) -> Result<Engine, StoreError> {
        Engine::of_url(&self.url).ok_or_else(|| StoreError::Connect {
            url: self.redacted_url(),
            source: sqlx::Error::Configuration(
                "database URL must start with sqlite:// or postgres://".into(),
            ),
        })
    }
    /// The URL without its password, for messages and logs.
    pub fn redacted_url(&self) -> String {
        redact(&self.url)
    }
}

fn redact(url: &str) -> String {
    // postgres://user:secret@host → postgres://user:***@host
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        if let Some(at) = rest.find('@') {
            let userinfo = &rest[..at];
            if let Some(colon) = userinfo.find(':') {
                return format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &rest[at..]
                );
            }
        }
    }
    url.to_string()
}

fn valid_schema_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

pub(crate) async fn connect(
    cfg: &StoreConfig,
    role: Role,
) -> Result<(AnyPool, Engine), StoreError> {
    sqlx::any::install_default_drivers();
    let engine = cfg.engine()?;
    let err = |source| StoreError::Connect {
        url: cfg.redacted_url(),
        source,
    };
    let mut url = cfg.url.clone();
    if engine == Engine::Sqlite {
        // The owner may create the file; the application requires it to exist.
        let mode = if role == Role::Owner { "rwc" } else { "rw" };
        if !url.contains("mode=") {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str("mode=");
            url.push_str(mode);
        }
    }
    let opts = AnyConnectOptions::from_str(&url)
        .map_err(err)?
        .disable_statement_logging();
    let schema = cfg.pg_schema.clone();
    if let Some(s) = &schema {
        if !valid_schema_name(s) {
            return Err(err(sqlx::Error::Configuration(
                format!("invalid PostgreSQL schema name {s:?}").into(),
            )));
        }
    }
    if engine == Engine::Postgres && role == Role::Owner {
        if let Some(s) = &schema {
            // Create the schema before the pool's connections point at it.
            let mut conn = opts.connect().await.map_err(err)?;
            conn.execute(format!("CREATE SCHEMA IF NOT EXISTS \"{s}\"").as_str())
                .await
                .map_err(err)?;
        }
    }
    let max = if engine == Engine::Sqlite {
        cfg.max_connections.max(2)
    } else {
        cfg.max_connections
    };
    let pool = AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            let schema = schema.clone();
            Box::pin(async move {
                match engine {
                    Engine::Sqlite => {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Engine::Postgres => {
                        if let Some(s) = &schema {
                            conn.execute(format!("SET search_path TO \"{s}\"").as_str())
                                .await?;
                        }
                        if role == Role::App {
                            conn.execute("SET ROLE sirm_app").await?;
                        }
                    }
                }
                Ok(())
            })
        })
        .connect_with(opts)
        .await
        .map_err(err)?;
    Ok((pool, engine))
}

/// Begin a transaction that writes. On SQLite it is `BEGIN IMMEDIATE`: the
/// write lock is taken at once (waiting up to `busy_timeout`), so a
/// transaction that reads before it writes cannot fail with "database is
/// locked" (`SQLITE_BUSY_SNAPSHOT`) because another connection wrote in
/// between — which a plain deferred `BEGIN` does under concurrent writers.
pub(crate) async fn begin_write(
    pool: &AnyPool,
    engine: Engine,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match engine {
        Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Engine::Postgres => pool.begin().await,
    }
}

/// SQL listing the append-only guards present, as (table, guard name) rows.
pub(crate) fn guard_query(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => {
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        }
        Engine::Postgres => {
            "SELECT c.relname::text, t.tgname::text FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid \
             WHERE c.relnamespace = current_schema()::regnamespace \
               AND NOT t.tgisinternal AND t.tgenabled <> 'D' ORDER BY t.tgname"
        }
    }
}

/// The guards each engine's migration creates.
pub(crate) fn expected_guards(engine: Engine) -> &'static [(&'static str, &'static str)] {
    match engine {
        Engine::Sqlite => &[
            ("installation", "installation_no_update"),
            ("installation", "installation_no_delete"),
            ("ledger_entry", "ledger_entry_no_update"),
            ("ledger_entry", "ledger_entry_no_delete"),
            ("ledger_checkpoint", "ledger_checkpoint_no_update"),
            ("ledger_checkpoint", "ledger_checkpoint_no_delete"),
            ("ledger_node", "ledger_node_no_update"),
            ("ledger_node", "ledger_node_no_delete"),
        ],
        Engine::Postgres => &[
            ("installation", "installation_append_only"),
            ("installation", "installation_no_truncate"),
            ("ledger_entry", "ledger_entry_append_only"),
            ("ledger_entry", "ledger_entry_no_truncate"),
            ("ledger_checkpoint", "ledger_checkpoint_append_only"),
            ("ledger_checkpoint", "ledger_checkpoint_no_truncate"),
            ("ledger_node", "ledger_node_append_only"),
            ("ledger_node", "ledger_node_no_truncate"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }

    #[test]
    fn schema_names() {
        assert!(valid_schema_name("t_abc123"));
        assert!(!valid_schema_name("x\"; drop"));
        assert!(!valid_schema_name("1abc"));
    }
}
