//! The witness's HTTP server (C2SP `tlog-witness`; docs/witness.md):
//! `POST /add-checkpoint` and `GET /logs` (what it holds and its alarms).
//! A separate server from the agency's: it runs at the supervising
//! department with the witness key. Every request is rate-limited per
//! source and its body bounded before it is read.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sirm_app::limits::Rate;
use sirm_app::witness::{Witness, MAX_REQUEST};

use crate::ratelimit::RateLimiter;

#[derive(Clone)]
struct WitnessState {
    witness: Arc<Witness>,
    limiter: Arc<RateLimiter>,
}

/// The witness's routes.
pub fn router(witness: Arc<Witness>) -> Router {
    let st = WitnessState {
        witness,
        limiter: Arc::new(RateLimiter::new(Rate::new(600, 60))),
    };
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/logs", get(logs))
        .layer(DefaultBodyLimit::max(MAX_REQUEST))
        .with_state(st)
}

fn limited(st: &WitnessState, peer: SocketAddr) -> Option<Response> {
    st.limiter
        .take(peer.ip(), Instant::now())
        .err()
        .map(|wait| {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())],
                "too many requests\n",
            )
                .into_response()
        })
}

async fn add_checkpoint(
    State(st): State<WitnessState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: String,
) -> Response {
    if let Some(r) = limited(&st, peer) {
        return r;
    }
    match st.witness.add_checkpoint(&body).await {
        Ok(line) => (StatusCode::OK, line).into_response(),
        Err(r) => {
            let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST);
            match r.size {
                Some(size) if r.status == 409 => (
                    status,
                    [(header::CONTENT_TYPE, "text/x.tlog.size")],
                    format!("{size}\n"),
                )
                    .into_response(),
                _ => (status, format!("{}\n", r.message)).into_response(),
            }
        }
    }
}

async fn logs(
    State(st): State<WitnessState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Some(r) = limited(&st, peer) {
        return r;
    }
    Json(st.witness.state().await).into_response()
}

/// Serves the witness on `listener` until `shutdown`.
pub async fn serve(
    witness: Arc<Witness>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(witness).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
