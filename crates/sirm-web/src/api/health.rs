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
}

/// Readiness: the database answers and holds a current-schema installation.
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
        }),
    )
}
