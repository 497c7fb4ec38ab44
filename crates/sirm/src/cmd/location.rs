//! Where the installation is: the global `--data-dir`, `--database-url`,
//! `--database-schema` of every installation command.

use std::path::PathBuf;

use sirm_app::OpenOptions;

/// Where the installation is. Shared by every installation command.
#[derive(Debug, Clone, clap::Args)]
pub struct Location {
    /// Data directory (configuration, keys, SQLite file).
    #[arg(
        long,
        env = "SIRM_DATA_DIR",
        default_value = "./sirm-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Database URL (sqlite://FILE or postgres://…); default: the SQLite file in the data directory, or what sirm.toml says.
    #[arg(long, env = "SIRM_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// PostgreSQL schema to use (created at init if absent).
    #[arg(long, env = "SIRM_DATABASE_SCHEMA", global = true)]
    pub database_schema: Option<String>,
    /// PostgreSQL read replica (streaming standby) for read-only work; repeat, or comma-separate in the environment; default: `[database] replica_urls` in sirm.toml (docs/scaling.md).
    #[arg(
        long = "database-replica-url",
        env = "SIRM_DATABASE_REPLICA_URLS",
        value_delimiter = ',',
        global = true
    )]
    pub database_replica_urls: Vec<String>,
}

impl Location {
    pub fn open_options(&self) -> OpenOptions {
        let mut o = OpenOptions::new(&self.data_dir);
        o.database_url = self.database_url.clone();
        o.database_schema = self.database_schema.clone();
        if !self.database_replica_urls.is_empty() {
            o.database_replica_urls = Some(self.database_replica_urls.clone());
        }
        o
    }
}
