//! `[database]` in `sirm.toml`: PostgreSQL read replicas (只读副本) that
//! serve read-only work — record queries of every channel, statistics
//! reports — while writes and the query log go to the primary
//! (`docs/scaling.md`). The primary itself stays `database_url`.

use serde::{Deserialize, Serialize};

/// `[database]` in `sirm.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Streaming standbys of the primary (`postgres://…`), read round robin
    /// while in use. Overridden by `--database-replica-url` /
    /// `SIRM_DATABASE_REPLICA_URLS`. Refused on SQLite.
    pub replica_urls: Vec<String>,
    /// A replica whose replay lag exceeds this many seconds is not read
    /// until it catches up (default 5).
    pub replica_max_lag_seconds: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            replica_urls: Vec::new(),
            replica_max_lag_seconds: 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_unknown_keys() {
        let d: DatabaseConfig =
            toml::from_str("replica_urls = [\"postgres://r/db\"]\n").unwrap_or_default();
        assert_eq!(d.replica_urls, vec!["postgres://r/db".to_string()]);
        assert_eq!(d.replica_max_lag_seconds, 5);
        assert!(toml::from_str::<DatabaseConfig>("replica_url = \"x\"\n").is_err());
    }
}
