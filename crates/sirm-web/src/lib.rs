//! SIRM over HTTP: the JSON API (documented by OpenAPI at
//! `/api/v1/openapi.json`) and the web pages.
//!
//! Architecture invariant: this crate reaches the store only through
//! `sirm-app` use cases; handlers translate HTTP to a use case call and the
//! result (or [`error::ApiError`]) back to HTTP — nothing more. Every route is
//! declared once in [`route_table`] with the access it needs; the router is
//! built from that table alone.

pub mod api;
pub mod assets;
pub mod caller;
pub mod client_addr;
pub mod error;
pub mod headers;
pub mod metrics;
pub mod pages;
pub mod ratelimit;
pub mod route_table;
pub mod routes;
pub mod tls;
pub mod witness;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;
use axum::Router;
use sirm_app::Sirm;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use route_table::route_table;
use routes::RouteSpec;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub sirm: Arc<Sirm>,
    /// Signed-in self-service terminal sessions.
    pub kiosk: Arc<pages::kiosk::KioskSessions>,
    /// `sirm serve --kiosk`: the kiosk routes exist and the root page is
    /// the terminal's sign-in.
    pub kiosk_mode: bool,
    /// Per-source rate limits of the public routes (`[limits]`).
    pub limiters: Arc<ratelimit::Limiters>,
}

/// How the server runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServeOptions {
    /// Self-service terminal mode: the kiosk routes exist and `/` opens
    /// the kiosk. Without it `/kiosk…` is not found.
    pub kiosk: bool,
}

/// The whole router, built from [`route_table`] only.
pub fn router(sirm: Arc<Sirm>) -> Router {
    router_with(sirm, ServeOptions::default())
}

/// The router with options.
pub fn router_with(sirm: Arc<Sirm>, opts: ServeOptions) -> Router {
    build(sirm, opts).0
}

/// Whether a route is mounted under `opts` (the kiosk routes only in
/// kiosk mode).
fn mounted(spec: &RouteSpec, opts: ServeOptions) -> bool {
    opts.kiosk || !spec.path.starts_with("/kiosk")
}

/// The router and the list of routes it was built with, recorded in the
/// same loop that mounts them (the route-matrix test walks this list).
pub fn build(sirm: Arc<Sirm>, opts: ServeOptions) -> (Router, Vec<RouteSpec>) {
    build_with(sirm, opts, false)
}

/// [`build`] for a server that speaks TLS itself (`tls`): every response
/// then carries HSTS and every cookie `Secure`, as with
/// `[security] secure_cookies`.
pub fn build_with(sirm: Arc<Sirm>, opts: ServeOptions, tls: bool) -> (Router, Vec<RouteSpec>) {
    let secure = sirm.config.security.secure_cookies || tls;
    let client = client_addr::ClientAddrState {
        server: Arc::new(sirm.config.server.clone()),
        tls,
    };
    let state = AppState {
        limiters: Arc::new(ratelimit::Limiters::new(&sirm.config.limits)),
        sirm,
        kiosk: Arc::default(),
        kiosk_mode: opts.kiosk,
    };
    let mut r: Router<AppState> = Router::new();
    let mut mounted_specs = Vec::new();
    for (spec, handler) in route_table() {
        if !mounted(&spec, opts) {
            continue;
        }
        let path = spec.path;
        mounted_specs.push(spec.clone());
        let guarded = handler.layer(axum::middleware::from_fn_with_state(
            (state.clone(), spec),
            routes::guard,
        ));
        r = r.route(path, guarded);
    }
    let router = r
        .fallback(api::not_found)
        // Bodies are bounded per route by the guard (`[limits]`).
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::map_response_with_state(
            secure,
            headers::security_headers,
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(TraceLayer::new_for_http())
        // Outermost: everything inside (guards, rate limits, audit) sees
        // the client behind a trusted proxy (`[server] trusted_proxies`).
        .layer(axum::middleware::from_fn_with_state(
            client,
            client_addr::client_addr,
        ))
        .with_state(state);
    (router, mounted_specs)
}

/// The routes mounted under `opts`.
pub fn mounted_routes(sirm: Arc<Sirm>, opts: ServeOptions) -> Vec<RouteSpec> {
    build(sirm, opts).1
}

/// Serve until `shutdown` completes.
pub async fn serve(
    sirm: Arc<Sirm>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(sirm, listener, shutdown, ServeOptions::default()).await
}

/// Serve plain HTTP with options (e.g. kiosk mode); see [`serve_tls`].
pub async fn serve_with(
    sirm: Arc<Sirm>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    opts: ServeOptions,
) -> std::io::Result<()> {
    serve_tls(sirm, listener, shutdown, opts, None).await
}

/// Serve with options, over HTTPS when `tls` is given ([`tls::load`]):
/// handshakes are completed off the accept loop (at most
/// [`tls::HANDSHAKE_TIMEOUT`] each) and the handlers see the TCP peer as
/// `ConnectInfo<SocketAddr>` as with plain HTTP. Anonymous refusals are
/// written as summaries every `[limits] refusal_window_seconds` and once
/// more when the server stops.
pub async fn serve_tls(
    sirm: Arc<Sirm>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    opts: ServeOptions,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> std::io::Result<()> {
    let flusher = {
        let sirm = sirm.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tick.tick().await;
                if let Err(e) = sirm.flush_refusals(false).await {
                    tracing::error!(error = %e, "writing the refusal summaries failed");
                }
            }
        })
    };
    let schedule = {
        let sirm = sirm.clone();
        tokio::spawn(async move {
            if let Err(e) = sirm_app::backup::run_schedule(sirm).await {
                tracing::error!(error = %e, "scheduled backups and checks are not running");
            }
        })
    };
    let witnesses = tokio::spawn(sirm_app::witness::client::run_submissions(sirm.clone()));
    let sealing = tokio::spawn(sirm_app::evidence::run_sealing(sirm.clone()));
    let app = build_with(sirm.clone(), opts, tls.is_some())
        .0
        .into_make_service_with_connect_info::<SocketAddr>();
    let served = match tls {
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
        // `tap_io`: axum derives `ConnectInfo<SocketAddr>` for any listener
        // whose address is a `SocketAddr` only through its `TapIo` wrapper.
        Some(config) => {
            let listener = tls::TlsListener::new(listener, config).tap_io(|_| {});
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
    };
    flusher.abort();
    schedule.abort();
    witnesses.abort();
    sealing.abort();
    if let Err(e) = sirm.flush_refusals(true).await {
        tracing::error!(error = %e, "writing the last refusal summaries failed");
    }
    served
}
