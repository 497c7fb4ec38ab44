//! The `Store`: one interface over both engines.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AnyPool;

use crate::bulk::SqliteBulk;
use crate::engine::{self, Engine, Role, StoreConfig};
use crate::ledger_rows::time_of;
use crate::pg_identity::{self, PgInstallation};
use crate::rows::Reader;
use crate::StoreError;

/// The columns of `installation` read by [`Store::installation`].
const INSTALLATION_COLUMNS: &[&str] = &[
    "origin",
    "agency_code",
    "agency_name",
    "profile",
    "public_key",
    "created_us",
];

/// The installation record: written once by `sirm init`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Installation {
    pub origin: String,
    pub agency_code: String,
    pub agency_name: String,
    pub profile: String,
    pub public_key: String,
    pub created: DateTime<Utc>,
}

/// Where the database schema stands relative to this binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaState {
    /// No SIRM tables at all.
    Empty,
    /// Applied migrations are a prefix of the known ones.
    Behind {
        applied: i64,
        latest: i64,
    },
    Current(i64),
    /// A migration this binary does not know (a newer sirm wrote it).
    Unknown {
        version: i64,
        latest: i64,
    },
}

/// A missing or disabled append-only guard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GuardProblem {
    pub table: String,
    pub guard: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub entries: u64,
    pub checkpoints: u64,
    pub agencies: u64,
    pub employers: u64,
    pub persons: u64,
    pub accounts: u64,
}

/// The storage interface. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) engine: Engine,
    url: String,
    pub(crate) append_lock: Arc<tokio::sync::Mutex<()>>,
    /// PostgreSQL: the installation's schema, runtime role and lock key.
    pg: Option<Arc<PgInstallation>>,
    /// SQLite file databases: a second, sqlx-free reader for full scans.
    pub(crate) bulk: Option<Arc<SqliteBulk>>,
    /// Group commit of the query log (`query_log.rs`).
    pub(crate) query_log: crate::query_log::SharedQueryLogWriter,
    /// PostgreSQL read replicas of this primary (`replica.rs`).
    pub(crate) replicas: Option<Arc<crate::replica::ReplicaSet>>,
    /// Connected read-only (a read replica).
    read_only: bool,
}

impl Store {
    /// Open the database. `Role::Owner` may create it (SQLite file, PostgreSQL
    /// schema) and migrate; `Role::App` is what every other command uses.
    pub async fn connect(cfg: &StoreConfig, role: Role) -> Result<Store, StoreError> {
        let engine::Connected { pool, engine, pg } = engine::connect(cfg, role).await?;
        let bulk = match engine {
            Engine::Sqlite => SqliteBulk::for_url(&cfg.url).map(Arc::new),
            Engine::Postgres => None,
        };
        Ok(Store {
            pool,
            engine,
            url: cfg.redacted_url(),
            append_lock: Arc::new(tokio::sync::Mutex::new(())),
            pg: pg.map(Arc::new),
            bulk,
            query_log: Default::default(),
            replicas: None,
            read_only: cfg.read_only,
        })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Whether this is a read replica's store ([`Store::reader`]).
    pub fn is_replica(&self) -> bool {
        self.read_only
    }

    /// PostgreSQL: the installation's database identity (schema, runtime
    /// role, append lock key). `None` on SQLite.
    pub fn pg_installation(&self) -> Option<&PgInstallation> {
        self.pg.as_deref()
    }

    /// Serialise this transaction with every other append to the same
    /// installation, in any process (PostgreSQL: the installation's
    /// transaction-level advisory lock; SQLite's `BEGIN IMMEDIATE` already
    /// did it). Appends of other installations in the cluster do not wait.
    pub(crate) async fn lock_appends(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ) -> Result<(), StoreError> {
        if let Some(pg) = &self.pg {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(pg.append_lock_key)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// The same store reading everything through the pool (tests compare
    /// the bulk reader against it).
    #[cfg(test)]
    pub(crate) fn without_bulk(&self) -> Store {
        Store {
            bulk: None,
            ..self.clone()
        }
    }

    /// The database URL without its password.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Vacuum every table and refresh the planner's statistics after a bulk
    /// load (PostgreSQL; run as the schema owner). Without statistics, and
    /// with autovacuum off or not yet run, PostgreSQL plans a person's
    /// contribution months as a parallel bitmap scan estimated at tens of
    /// thousands of rows (8 ms) instead of a primary-key range (0.2 ms);
    /// without the vacuum, every contribution row marked paid leaves a dead
    /// version that each read of the month still visits.
    /// SQLite plans these reads by their indexes without statistics and
    /// updates rows in place.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        if self.engine != Engine::Postgres {
            return Ok(());
        }
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await?;
        for t in tables {
            // VACUUM cannot run in a transaction block: the simple protocol.
            sqlx::raw_sql(&format!("VACUUM (ANALYZE) \"{}\"", t.replace('"', "\"\"")))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Cheap liveness check for `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn schema_state(&self) -> Result<SchemaState, StoreError> {
        let migrator = self.engine.migrator();
        let known: BTreeSet<i64> = migrator.iter().map(|m| m.version).collect();
        let latest = known.iter().next_back().copied().unwrap_or(0);
        let exists: i64 = match self.engine {
            Engine::Sqlite => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(&self.pool)
                .await?
            }
            Engine::Postgres => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'",
                )
                .fetch_one(&self.pool)
                .await?
            }
        };
        if exists == 0 {
            return Ok(SchemaState::Empty);
        }
        let applied: Vec<i64> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?;
        if let Some(v) = applied.iter().find(|v| !known.contains(v)) {
            return Ok(SchemaState::Unknown {
                version: *v,
                latest,
            });
        }
        if applied.is_empty() {
            return Ok(SchemaState::Empty);
        }
        // Versions need not be consecutive, and sqlx applies a known version
        // that is missing even below the highest applied one (a version
        // shipped later but numbered lower, e.g. from a parallel branch): the
        // schema is current only when every known version is applied.
        // `applied` is then the end of the run of known versions applied.
        let applied: BTreeSet<i64> = applied.into_iter().collect();
        match known.iter().find(|v| !applied.contains(v)) {
            None => Ok(SchemaState::Current(latest)),
            Some(first_missing) => Ok(SchemaState::Behind {
                applied: known
                    .range(..first_missing)
                    .next_back()
                    .copied()
                    .unwrap_or(0),
                latest,
            }),
        }
    }

    /// Fail unless the schema is exactly the one this binary knows.
    pub async fn require_current_schema(&self) -> Result<(), StoreError> {
        match self.schema_state().await? {
            SchemaState::Current(_) => Ok(()),
            SchemaState::Empty => Err(StoreError::NotInitialized(self.url.clone())),
            SchemaState::Behind { applied, latest } => {
                Err(StoreError::SchemaBehind { applied, latest })
            }
            SchemaState::Unknown { version, latest } => {
                Err(StoreError::SchemaUnknown { version, latest })
            }
        }
    }

    /// Apply pending migrations (schema owner only); on PostgreSQL give the
    /// installation its own runtime role ([`PgInstallation`]: the privileges
    /// the migrations granted to the template role `sirm_app` move to it);
    /// then catch up the
    /// stored tree state ([`Store::catch_up_tree`]): a ledger written before
    /// migration 14 gets its nodes here (SQLite has no SHA-256 in SQL).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        if let SchemaState::Unknown { version, latest } = self.schema_state().await? {
            return Err(StoreError::SchemaUnknown { version, latest });
        }
        self.engine.migrator().run(&self.pool).await?;
        if let Some(pg) = &self.pg {
            pg_identity::provision(&self.pool, pg).await?;
        }
        self.catch_up_tree().await?;
        self.catch_up_statistics().await?;
        Ok(())
    }

    /// Apply the known migrations up to `version` only, as an older sirm
    /// did: no runtime role of the installation (tests of upgrades from an
    /// older schema).
    #[doc(hidden)]
    pub async fn migrate_to(&self, version: i64) -> Result<(), StoreError> {
        let all = self.engine.migrator();
        let partial = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(
                all.iter()
                    .filter(|m| m.version <= version)
                    .cloned()
                    .collect(),
            ),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        partial.run(&self.pool).await?;
        Ok(())
    }

    pub async fn installation(&self) -> Result<Option<Installation>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM installation WHERE id = 1",
            INSTALLATION_COLUMNS.join(", ")
        ))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let r = Reader::new("installation", INSTALLATION_COLUMNS, &row);
            Ok(Installation {
                origin: r.text("origin")?,
                agency_code: r.text("agency_code")?,
                agency_name: r.text("agency_name")?,
                profile: r.text("profile")?,
                public_key: r.text("public_key")?,
                created: time_of(r.int("created_us")?)?,
            })
        })
        .transpose()
    }

    pub async fn create_installation(&self, inst: &Installation) -> Result<(), StoreError> {
        if let Some(existing) = self.installation().await? {
            return Err(StoreError::AlreadyInitialized(existing.origin));
        }
        sqlx::query(
            "INSERT INTO installation (id, origin, agency_code, agency_name, profile, public_key, created_us) \
             VALUES (1, $1, $2, $3, $4, $5, $6)",
        )
        .bind(&inst.origin)
        .bind(&inst.agency_code)
        .bind(&inst.agency_name)
        .bind(&inst.profile)
        .bind(&inst.public_key)
        .bind(inst.created.timestamp_micros())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Append-only guards that should exist but do not (or are disabled).
    pub async fn missing_guards(&self) -> Result<Vec<GuardProblem>, StoreError> {
        let rows = sqlx::query(engine::guard_query(self.engine))
            .fetch_all(&self.pool)
            .await?;
        let mut present = BTreeSet::new();
        for row in &rows {
            let r = Reader::new("guard", &["table", "guard"], row);
            present.insert((r.text("table")?, r.text("guard")?));
        }
        Ok(engine::expected_guards(self.engine)
            .iter()
            .filter(|(t, g)| !present.contains(&(t.to_string(), g.to_string())))
            .map(|(t, g)| GuardProblem {
                table: t.to_string(),
                guard: g.to_string(),
            })
            .collect())
    }

    pub async fn counts(&self) -> Result<Counts, StoreError> {
        let one = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&self.pool)
                .await
                .map(|n| u64::try_from(n).unwrap_or(0))
        };
        Ok(Counts {
            entries: one("SELECT COUNT(*) FROM ledger_entry").await?,
            checkpoints: one("SELECT COUNT(*) FROM ledger_checkpoint").await?,
            agencies: one("SELECT COUNT(*) FROM agency").await?,
            employers: one("SELECT COUNT(*) FROM employer").await?,
            persons: one("SELECT COUNT(*) FROM person").await?,
            accounts: one("SELECT COUNT(*) FROM account").await?,
        })
    }

    /// Set (or replace) an account's password hash. Credentials are mutable
    /// secrets, deliberately kept out of the ledger.
    pub async fn set_credential(
        &self,
        username: &str,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        self.put_stamped(
            ("credential", ["username", "password_hash", "updated_us"]),
            username,
            password_hash,
            Utc::now().timestamp_micros(),
        )
        .await
    }

    /// Records (or replaces) `value` under `key` in a table of one value per
    /// key stamped with the time of its last change: the table and its key,
    /// value and time columns.
    pub(crate) async fn put_stamped(
        &self,
        (table, [key_col, value_col, time_col]): (&str, [&str; 3]),
        key: &str,
        value: &str,
        time_us: i64,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO {table} ({key_col}, {value_col}, {time_col}) VALUES ($1, $2, $3) \
             ON CONFLICT ({key_col}) DO UPDATE SET {value_col} = excluded.{value_col}, {time_col} = excluded.{time_col}"
        );
        sqlx::query(&sql)
            .bind(key)
            .bind(value)
            .bind(time_us)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn credential(&self, username: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM credential WHERE username = $1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Whether this store's database connection is encrypted: PostgreSQL
    /// reports TLS on the backend serving it (`pg_stat_ssl`); a SQLite file
    /// has no connection to encrypt.
    pub async fn tls_in_use(&self) -> Result<bool, StoreError> {
        match self.engine {
            Engine::Sqlite => Ok(false),
            Engine::Postgres => Ok(sqlx::query_scalar(
                "SELECT COALESCE(bool_or(ssl), FALSE) FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            )
            .fetch_one(&self.pool)
            .await?),
        }
    }

    /// Run raw SQL on the store's pool. For tests and tools that must show
    /// what the database itself refuses; never used by the application.
    #[doc(hidden)]
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(sql).execute(&self.pool).await?.rows_affected())
    }
}
