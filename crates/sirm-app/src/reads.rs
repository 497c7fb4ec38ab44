//! Read-only views of the installation for the layers above (web pages, API,
//! health probes), so that they need no direct access to [`Sirm::store`].

use sirm_ledger::SignedCheckpoint;
use sirm_store::{Engine, QueryLogRow, Store};

use crate::{AppError, Principal, Sirm};

impl Sirm {
    /// The newest signed checkpoint of the ledger (none before the first append).
    pub async fn ledger_head(&self) -> Result<Option<SignedCheckpoint>, AppError> {
        Ok(self.store.head().await?)
    }

    /// Who looked at the signed-in person's own record (Art 21), newest
    /// first, at most `limit`. `NotFound` (`not-found.record`) for an account that is
    /// not a person's.
    pub async fn my_queries(
        &self,
        who: &Principal,
        limit: i64,
    ) -> Result<Vec<QueryLogRow>, AppError> {
        let Some(id) = who.person_id.as_deref() else {
            return Err(AppError::not_found(
                sirm_domain::RuleId::NotFoundRecord,
                "record",
            ));
        };
        Ok(self.store.queries_of(id, limit).await?)
    }

    /// Readiness: the database answers and holds a current-schema installation.
    pub async fn database_ready(&self) -> bool {
        self.store.ping().await.is_ok() && self.store.require_current_schema().await.is_ok()
    }

    /// The read replicas' state (each by its position in `replica_urls`,
    /// never its URL): lag and whether reads are sent to it. Empty without
    /// replicas.
    pub async fn replica_status(&self) -> Vec<sirm_store::ReplicaStatus> {
        self.store.replica_status().await
    }

    /// The database engine of this installation.
    pub fn engine(&self) -> Engine {
        self.store.engine()
    }

    /// The store itself, for maintenance commands, tests and benchmarks
    /// only; use cases and pages go through the methods of [`Sirm`].
    pub fn store_for_maintenance(&self) -> &Store {
        &self.store
    }
}
