//! What differs between the engines: how to connect, which migrations, how to
//! take the append lock, how to list the append-only guards.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::pg_identity::{quote_ident, PgInstallation};
use crate::StoreError;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Pragmas every SQLite connection runs first (the pool's and the bulk
/// reader's): WAL for concurrent readers; FULL: a committed approval survives
/// power loss (durability is promised); `secure_delete`: pages and cells
/// freed by a DELETE or UPDATE (a changed password hash, an ended session)
/// are overwritten with zeros instead of lingering in the file (residual
/// information, GB/T 22239 level 3).
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
     PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;";

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
    /// Application: PostgreSQL connections `SET ROLE` to the installation's
    /// runtime role ([`crate::PgInstallation::runtime_role`]).
    App,
}

/// Where the database is.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// `sqlite://PATH` or `postgres://…`.
    pub url: String,
    /// PostgreSQL schema to use (created by the owner if absent). Tests give
    /// each test its own. `None`: the connection's `current_schema()`
    /// (normally `public`), resolved once at connect and pinned. The schema
    /// and the database name determine the installation's runtime role and
    /// append lock key ([`crate::PgInstallation`]).
    pub pg_schema: Option<String>,
    pub max_connections: u32,
    /// Every transaction read-only (`default_transaction_read_only`): the
    /// connections to a read replica (PostgreSQL).
    pub read_only: bool,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        StoreConfig {
            url: url.into(),
            pg_schema: None,
            max_connections: 8,
            read_only: false,
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

/// An open pool, its engine and, on PostgreSQL, the installation's identity.
pub(crate) struct Connected {
    pub pool: AnyPool,
    pub engine: Engine,
    pub pg: Option<PgInstallation>,
}

pub(crate) async fn connect(cfg: &StoreConfig, role: Role) -> Result<Connected, StoreError> {
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
    if let Some(s) = &cfg.pg_schema {
        if !valid_schema_name(s) {
            return Err(err(sqlx::Error::Configuration(
                format!("invalid PostgreSQL schema name {s:?}").into(),
            )));
        }
    }
    let pg = match engine {
        Engine::Sqlite => None,
        Engine::Postgres => Some(pg_installation(cfg, role, &opts).await?),
    };
    let max = if engine == Engine::Sqlite {
        cfg.max_connections.max(2)
    } else {
        cfg.max_connections
    };
    // Every PostgreSQL connection is pinned to the installation's schema
    // (resolved once above, also when none was configured) and, for the
    // application, acts as the installation's runtime role.
    let setup = pg.as_ref().map(|p| {
        let mut sql = format!("SET search_path TO {}", quote_ident(&p.schema));
        if role == Role::App {
            sql.push_str(&format!("; SET ROLE {}", quote_ident(&p.runtime_role)));
        }
        if cfg.read_only {
            sql.push_str("; SET default_transaction_read_only = on");
        }
        sql
    });
    let pool = AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            let setup = setup.clone();
            Box::pin(async move {
                match &setup {
                    None => {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Some(sql) => {
                        conn.execute(sql.as_str()).await?;
                    }
                }
                Ok(())
            })
        })
        .connect_with(opts)
        .await
        .map_err(err)?;
    Ok(Connected { pool, engine, pg })
}

/// Resolve the installation's schema (the configured one, created by the
/// owner if absent, or else the connection's `current_schema()`) and its
/// identity. The application also checks here that the runtime role exists
/// and that it may act as it, so that a missing `sirm migrate` is named.
async fn pg_installation(
    cfg: &StoreConfig,
    role: Role,
    opts: &AnyConnectOptions,
) -> Result<PgInstallation, StoreError> {
    use sqlx::{Connection as _, Row as _};
    let err = |source| StoreError::Connect {
        url: cfg.redacted_url(),
        source,
    };
    let mut conn = opts.connect().await.map_err(err)?;
    if let Some(s) = &cfg.pg_schema {
        if role == Role::Owner {
            // Create the schema before the pool's connections point at it.
            conn.execute(format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(s)).as_str())
                .await
                .map_err(err)?;
        }
        conn.execute(format!("SET search_path TO {}", quote_ident(s)).as_str())
            .await
            .map_err(err)?;
    }
    let row =
        sqlx::query("SELECT current_database()::text, current_schema()::text, session_user::text")
            .fetch_one(&mut conn)
            .await
            .map_err(err)?;
    let database: String = row.try_get(0).map_err(err)?;
    let schema: Option<String> = row.try_get(1).map_err(err)?;
    let user: String = row.try_get(2).map_err(err)?;
    let Some(schema) = schema else {
        return Err(err(sqlx::Error::Configuration(
            "the search_path names no existing schema: give the installation a schema \
             (--database-schema)"
                .into(),
        )));
    };
    let pg = PgInstallation::derive(&database, &schema);
    if role == Role::App {
        let member: Option<bool> = sqlx::query_scalar(
            "SELECT pg_has_role(session_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = $1",
        )
        .bind(&pg.runtime_role)
        .fetch_optional(&mut conn)
        .await
        .map_err(err)?;
        match member {
            None => {
                return Err(StoreError::RuntimeRoleMissing {
                    role: pg.runtime_role,
                    schema,
                })
            }
            Some(false) => {
                return Err(StoreError::RuntimeRoleNotGranted {
                    user,
                    role: pg.runtime_role,
                    schema,
                })
            }
            Some(true) => {}
        }
    }
    let _ = conn.close().await;
    Ok(pg)
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
