//! SIRM over HTTP: the JSON API (documented by OpenAPI at
//! `/api/v1/openapi.json`) and the web pages.
//!
//! Architecture invariant: this crate reaches the store only through
//! `sirm-app` use cases; handlers translate HTTP to a use case call and the
//! result (or [`error::ApiError`]) back to HTTP — nothing more.

pub mod api;
pub mod error;
mod pages;

use std::future::Future;
use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use sirm_app::Sirm;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub sirm: Arc<Sirm>,
}

/// The whole route table. Tests walk this.
pub fn router(sirm: Arc<Sirm>) -> Router {
    let state = AppState { sirm };
    Router::new()
        .route("/", get(pages::index))
        .route("/healthz", get(api::health::healthz))
        .route("/readyz", get(api::health::readyz))
        .route("/api/v1/openapi.json", get(api::openapi_json))
        .route("/api/v1/ledger/checkpoint", get(api::ledger::checkpoint))
        .route(
            "/api/v1/ledger/proof/inclusion",
            get(api::ledger::inclusion),
        )
        .route(
            "/api/v1/ledger/proof/consistency",
            get(api::ledger::consistency),
        )
        .fallback(api::not_found)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serve until `shutdown` completes.
pub async fn serve(
    sirm: Arc<Sirm>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(sirm))
        .with_graceful_shutdown(shutdown)
        .await
}
