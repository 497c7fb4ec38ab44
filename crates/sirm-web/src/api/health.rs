use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use crate::AppState;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness only: no counts of records or entries (the public checkpoint
/// names the ledger's size on purpose; a health probe has no need to).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Ready {
    pub ready: bool,
    pub database: String,
    /// PostgreSQL read replicas (`[database] replica_urls`), each by its
    /// position in the list; absent without replicas. A replica that is
    /// down or behind does not make the installation unready: its reads go
    /// to the primary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<ReplicaReady>,
}

/// One read replica as `/readyz` shows it: no URL, no host, no password,
/// no count of reads.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReplicaReady {
    /// Position in `replica_urls`, from 1.
    pub replica: usize,
    pub reachable: bool,
    /// A standby in recovery, streaming from the primary.
    pub standby: bool,
    /// Replay lag in seconds (0 when it has replayed all the primary had
    /// written at the check).
    pub lag_seconds: Option<f64>,
    /// WAL bytes written on the primary and not yet replayed.
    pub lag_bytes: Option<u64>,
    /// Read-only work is sent to it.
    pub in_use: bool,
}

/// Readiness: the database answers and holds a current-schema installation;
/// with read replicas, each one's replication lag and whether it is in use.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "ready", body = Ready),
    (status = 503, description = "database unavailable", body = Ready)))]
pub async fn readyz(State(st): State<AppState>) -> (StatusCode, Json<Ready>) {
    let ok = st.sirm.database_ready().await;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Ready {
            ready: ok,
            database: st.sirm.engine().name().to_string(),
            replicas: st
                .sirm
                .replica_status()
                .await
                .into_iter()
                .map(|r| ReplicaReady {
                    replica: r.replica,
                    reachable: r.reachable,
                    standby: r.standby,
                    lag_seconds: r.lag_seconds,
                    lag_bytes: r.lag_bytes,
                    in_use: r.in_use,
                })
                .collect(),
        }),
    )
}
