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
pub mod client_addr;
pub mod error;
pub mod headers;
pub mod metrics;
pub mod pages;
pub mod ratelimit;
pub mod routes;
pub mod tls;
pub mod witness;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::Method;
use axum::routing::{delete, get, post, MethodRouter};
use axum::serve::ListenerExt;
use axum::Router;
use sirm_app::Sirm;
use sirm_domain::access::Permission as P;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use routes::{Guard, Kind, RouteSpec};

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

const fn spec(method: Method, path: &'static str, guard: Guard, kind: Kind) -> RouteSpec {
    RouteSpec::new(method, path, guard, kind)
}

/// Every route: its method, path, guard and handler.
pub fn route_table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use api::identity as id;
    use pages::{account, admin, certificate as cert, home, kiosk, login, portal, upload, work};
    const REVIEWING: &[P] = &[
        P::RecordCollect,
        P::RecordReview,
        P::RecordRecheck,
        P::RecordApprove,
        P::RecordMaintain,
    ];
    // Taking an application: the clerk, or the maintenance officer for corrections.
    const TAKING: &[P] = &[P::RecordCollect, P::RecordMaintain];
    const OWN: &[P] = &[P::OwnRecordRead, P::DelegatedRecordRead];
    const DECIDING: &[P] = &[P::RecordReview, P::RecordRecheck, P::RecordApprove];
    use ratelimit::RateClass as R;
    use routes::BodyClass as B;
    use Guard::{AnyPerm, Perm, Public, SignedIn};
    use Kind::{Api, Page};
    let (g, p, d) = (Method::GET, Method::POST, Method::DELETE);
    vec![
        // Public pages and health.
        (
            spec(g.clone(), "/", Public, Page).rate(R::Pages),
            get(login::index),
        ),
        (
            spec(g.clone(), "/kiosk", Public, Page).rate(R::Pages),
            get(kiosk::home),
        ),
        (
            spec(p.clone(), "/kiosk", Public, Page).rate(R::Pin),
            post(kiosk::login),
        ),
        (
            spec(g.clone(), "/kiosk/record", Public, Page).rate(R::Pages),
            get(kiosk::record),
        ),
        (
            spec(p.clone(), "/kiosk/certificate", Public, Page).rate(R::Pages),
            post(kiosk::certificate),
        ),
        (
            spec(p.clone(), "/kiosk/logout", Public, Page).rate(R::Pages),
            post(kiosk::logout),
        ),
        (
            spec(g.clone(), "/login", Public, Page).rate(R::Pages),
            get(login::login_form),
        ),
        (
            spec(p.clone(), "/login", Public, Page).rate(R::SignIn),
            post(login::login_submit),
        ),
        (
            spec(g.clone(), "/activate", Public, Page).rate(R::Pages),
            get(login::activate_form),
        ),
        (
            spec(p.clone(), "/activate", Public, Page).rate(R::Activation),
            post(login::activate_submit),
        ),
        (
            spec(g.clone(), "/metrics", Public, Api).rate(R::Pages),
            get(metrics::metrics),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/statistics",
                Perm(P::StatisticsRead),
                Api,
            ),
            get(api::statistics::statistics),
        ),
        (
            spec(g.clone(), "/healthz", Public, Api).rate(R::Pages),
            get(api::health::healthz),
        ),
        (
            spec(g.clone(), "/readyz", Public, Api).rate(R::Pages),
            get(api::health::readyz),
        ),
        (
            spec(g.clone(), "/api/v1/openapi.json", Public, Api).rate(R::Pages),
            get(api::openapi_json),
        ),
        (
            spec(g.clone(), "/api/v1/ledger/checkpoint", Public, Api).rate(R::Proof),
            get(api::ledger::checkpoint),
        ),
        (
            spec(g.clone(), "/api/v1/ledger/proof/inclusion", Public, Api).rate(R::Proof),
            get(api::ledger::inclusion),
        ),
        (
            spec(g.clone(), "/api/v1/ledger/proof/consistency", Public, Api).rate(R::Proof),
            get(api::ledger::consistency),
        ),
        (
            spec(p.clone(), "/api/v1/session", Public, Api).rate(R::SignIn),
            post(id::login),
        ),
        (
            spec(p.clone(), "/api/v1/activate", Public, Api).rate(R::Activation),
            post(id::activate),
        ),
        // Password reset with a one-time code (no sign-in).
        (
            spec(g.clone(), "/reset", Public, Page).rate(R::Pages),
            get(login::reset_form),
        ),
        (
            spec(p.clone(), "/reset", Public, Page).rate(R::SignIn),
            post(login::reset_submit),
        ),
        (
            spec(p.clone(), "/api/v1/password-reset", Public, Api).rate(R::SignIn),
            post(id::complete_reset),
        ),
        // Scripts of the pages (files, so the CSP allows no inline script).
        (
            spec(g.clone(), "/static/sirm.js", Public, Page).rate(R::Pages),
            get(assets::sirm_js),
        ),
        (
            spec(g.clone(), "/static/kiosk.js", Public, Page).rate(R::Pages),
            get(assets::kiosk_js),
        ),
        // Telephone channel (Art 14): server to server, ID number + query PIN,
        // rate-limited per source address (ratelimit.rs).
        (
            spec(p.clone(), "/api/v1/ivr/summary", Public, Api).rate(R::Pin),
            post(api::ivr::summary),
        ),
        // Certificate verification (Art 15): public, rate-limited per source.
        (
            spec(g.clone(), "/verify", Public, Page).rate(R::Verify),
            get(cert::verify_home),
        ),
        (
            spec(p.clone(), "/verify", Public, Page)
                .rate(R::Verify)
                .body(B::Certificate),
            post(cert::verify_upload),
        ),
        (
            spec(g.clone(), "/verify/{code}", Public, Page).rate(R::Verify),
            get(cert::verify_code),
        ),
        (
            spec(g.clone(), "/api/v1/certificates/{code}", Public, Api).rate(R::Verify),
            get(cert::verify_api),
        ),
        (
            spec(p.clone(), "/api/v1/certificates/verify", Public, Api)
                .rate(R::Verify)
                .body(B::Certificate),
            post(cert::verify_file_api),
        ),
        // Self-service: any signed-in account, even with a pending task.
        (
            spec(p.clone(), "/logout", SignedIn, Page),
            post(login::logout),
        ),
        (spec(g.clone(), "/home", SignedIn, Page), get(home::home)),
        (
            spec(g.clone(), "/account/password", SignedIn, Page),
            get(account::password_form),
        ),
        (
            spec(p.clone(), "/account/password", SignedIn, Page),
            post(account::password_submit),
        ),
        (
            spec(g.clone(), "/account/totp", SignedIn, Page),
            get(account::totp_form),
        ),
        (
            spec(p.clone(), "/account/totp", SignedIn, Page),
            post(account::totp_submit),
        ),
        (
            spec(d.clone(), "/api/v1/session", SignedIn, Api),
            delete(id::logout),
        ),
        (spec(g.clone(), "/api/v1/me", SignedIn, Api), get(id::me)),
        (
            spec(p.clone(), "/api/v1/me/password", SignedIn, Api),
            post(id::change_password),
        ),
        (
            spec(p.clone(), "/api/v1/me/totp", SignedIn, Api),
            post(id::totp_begin),
        ),
        (
            spec(p.clone(), "/api/v1/me/totp/confirm", SignedIn, Api),
            post(id::totp_confirm),
        ),
        // System administrator: accounts and role requests.
        (
            spec(g.clone(), "/admin/users", Perm(P::AccountManage), Page),
            get(admin::users),
        ),
        (
            spec(p.clone(), "/admin/users", Perm(P::AccountManage), Page),
            post(admin::add_user),
        ),
        (
            spec(
                p.clone(),
                "/admin/users/{username}/{action}",
                Perm(P::AccountManage),
                Page,
            ),
            post(admin::user_action),
        ),
        (
            spec(g.clone(), "/api/v1/users", Perm(P::AccountManage), Api),
            get(id::users),
        ),
        (
            spec(p.clone(), "/api/v1/users", Perm(P::AccountManage), Api),
            post(id::add_user),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/users/{username}/{action}",
                Perm(P::AccountManage),
                Api,
            ),
            post(id::user_action),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/users/{username}/roles/{role}/revoke",
                Perm(P::AccountManage),
                Api,
            ),
            post(id::revoke_role),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/role-requests",
                Perm(P::AccountManage),
                Api,
            ),
            post(id::request_role),
        ),
        // Security administrator: role approvals.
        (
            spec(
                g.clone(),
                "/admin/role-requests",
                Perm(P::RoleApprove),
                Page,
            ),
            get(admin::role_requests),
        ),
        (
            spec(
                p.clone(),
                "/admin/role-requests/{id}/{action}",
                Perm(P::RoleApprove),
                Page,
            ),
            post(admin::decide),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/role-requests",
                Perm(P::RoleApprove),
                Api,
            ),
            get(id::role_requests),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/role-requests/{id}/decision",
                Perm(P::RoleApprove),
                Api,
            ),
            post(id::decide),
        ),
        // Database administrator: backups, checks, storage (docs/operations.md).
        (
            spec(g.clone(), "/operations", Perm(P::DatabaseMaintain), Page),
            get(pages::operations::operations),
        ),
        (
            spec(
                p.clone(),
                "/operations/acknowledge",
                Perm(P::DatabaseMaintain),
                Page,
            ),
            post(pages::operations::acknowledge),
        ),
        // Security, audit and database administrators: handle an alarm.
        (
            spec(
                p.clone(),
                "/alarms/acknowledge",
                AnyPerm(&[P::SecurityConfig, P::AuditRead, P::DatabaseMaintain]),
                Page,
            ),
            post(pages::operations::acknowledge_alarm),
        ),
        // Audit administrator: the security audit trail.
        (
            spec(g.clone(), "/audit", Perm(P::AuditRead), Page),
            get(admin::audit),
        ),
        (
            spec(g.clone(), "/audit/export.csv", Perm(P::AuditExport), Page),
            get(admin::audit_csv),
        ),
        (
            spec(g.clone(), "/api/v1/audit", Perm(P::AuditRead), Api),
            get(id::audit),
        ),
        // Counter (clerk): external identities.
        (
            spec(g.clone(), "/counter", Perm(P::ExternalActivate), Page),
            get(admin::counter),
        ),
        (
            spec(
                p.clone(),
                "/counter/activation",
                Perm(P::ExternalActivate),
                Page,
            ),
            post(admin::issue_activation),
        ),
        (
            spec(
                p.clone(),
                "/counter/employer-agent",
                Perm(P::ExternalActivate),
                Page,
            ),
            post(admin::add_employer_agent),
        ),
        (
            spec(
                p.clone(),
                "/counter/delegation",
                Perm(P::ExternalActivate),
                Page,
            ),
            post(admin::record_delegation),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/activation-codes",
                Perm(P::ExternalActivate),
                Api,
            ),
            post(id::issue_activation),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/employer-agents",
                Perm(P::ExternalActivate),
                Api,
            ),
            post(id::add_employer_agent),
        ),
        (
            spec(
                p.clone(),
                "/counter/query-pin",
                Perm(P::ExternalActivate),
                Page,
            ),
            post(admin::set_query_pin),
        ),
        (
            spec(
                p.clone(),
                "/counter/password-reset",
                Perm(P::ExternalActivate),
                Page,
            ),
            post(admin::counter_reset),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/counter/password-reset",
                Perm(P::ExternalActivate),
                Api,
            ),
            post(id::counter_reset),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/query-pins",
                Perm(P::ExternalActivate),
                Api,
            ),
            post(api::ivr::set_query_pin),
        ),
        // Business transactions and the review chain.
        (
            spec(g.clone(), "/applications/new", AnyPerm(TAKING), Page),
            get(work::new_application),
        ),
        (
            spec(p.clone(), "/applications", AnyPerm(TAKING), Page).body(B::Application),
            post(work::submit),
        ),
        (
            spec(g.clone(), "/queue", AnyPerm(REVIEWING), Page),
            get(work::queue),
        ),
        (
            spec(g.clone(), "/applications/{id}", AnyPerm(REVIEWING), Page),
            get(work::application),
        ),
        (
            spec(
                p.clone(),
                "/applications/{id}/decision",
                AnyPerm(DECIDING),
                Page,
            ),
            post(work::decide),
        ),
        (
            spec(
                p.clone(),
                "/applications/{id}/resubmit",
                Perm(P::RecordCollect),
                Page,
            )
            .body(B::Application),
            post(work::resubmit),
        ),
        (
            spec(
                p.clone(),
                "/applications/{id}/withdraw",
                Perm(P::RecordCollect),
                Page,
            ),
            post(work::withdraw),
        ),
        (
            spec(
                g.clone(),
                "/applications/{id}/materials/{sha256}",
                AnyPerm(REVIEWING),
                Page,
            ),
            get(work::material),
        ),
        (
            spec(g.clone(), "/maintenance-log", Perm(P::PersonQuery), Page),
            get(work::maintenance_log),
        ),
        (
            spec(p.clone(), "/maintenance-log", Perm(P::PersonQuery), Page),
            post(work::maintenance_log_post),
        ),
        (
            spec(
                p.clone(),
                "/maintenance-log/export.csv",
                Perm(P::PersonQuery),
                Page,
            ),
            post(work::maintenance_csv_post),
        ),
        (
            spec(
                g.clone(),
                "/maintenance-log/export.csv",
                Perm(P::PersonQuery),
                Page,
            ),
            get(work::maintenance_csv),
        ),
        (
            spec(g.clone(), "/declarations/new", Perm(P::RecordCollect), Page),
            get(upload::upload_form),
        ),
        (
            spec(p.clone(), "/declarations", Perm(P::RecordCollect), Page).body(B::Declaration),
            post(upload::upload),
        ),
        (
            spec(
                g.clone(),
                "/declarations/jobs/{token}",
                Perm(P::RecordCollect),
                Page,
            ),
            get(upload::job_page),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/declarations/jobs/{token}",
                Perm(P::RecordCollect),
                Api,
            ),
            get(upload::job_api),
        ),
        (
            spec(g.clone(), "/arrears", Perm(P::PersonQuery), Page),
            get(work::arrears),
        ),
        (
            spec(g.clone(), "/arrears/export.csv", Perm(P::PersonQuery), Page),
            get(work::arrears_csv),
        ),
        (
            spec(g.clone(), "/api/v1/arrears", Perm(P::PersonQuery), Api),
            get(work::arrears_api),
        ),
        (
            spec(p.clone(), "/api/v1/applications", AnyPerm(TAKING), Api).body(B::Application),
            post(api::collection::submit),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/applications/queue",
                AnyPerm(REVIEWING),
                Api,
            ),
            get(api::collection::queue),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/applications/{id}",
                AnyPerm(REVIEWING),
                Api,
            ),
            get(api::collection::get),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/applications/{id}/decision",
                AnyPerm(DECIDING),
                Api,
            ),
            post(api::collection::decide),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/maintenance-log",
                Perm(P::PersonQuery),
                Api,
            ),
            get(api::collection::maintenance_log),
        ),
        // Queries.
        (
            spec(g.clone(), "/persons", Perm(P::PersonQuery), Page),
            get(home::persons_form),
        ),
        (
            spec(p.clone(), "/persons", Perm(P::PersonQuery), Page),
            post(home::persons),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/persons/lookup",
                Perm(P::PersonQuery),
                Api,
            ),
            post(id::person),
        ),
        (
            spec(g.clone(), "/my/record", AnyPerm(OWN), Page),
            get(portal::my_record),
        ),
        (
            spec(g.clone(), "/my/statement", AnyPerm(OWN), Page),
            get(portal::statement),
        ),
        (
            spec(g.clone(), "/my/queries", Perm(P::OwnRecordRead), Page),
            get(portal::my_queries),
        ),
        (
            spec(g.clone(), "/my/certificates", AnyPerm(OWN), Page),
            get(cert::my_certificates),
        ),
        (
            spec(p.clone(), "/my/certificates", AnyPerm(OWN), Page),
            post(cert::issue_form),
        ),
        (
            spec(g.clone(), "/my/certificates/{code}/pdf", AnyPerm(OWN), Page),
            get(cert::download),
        ),
        (
            spec(p.clone(), "/api/v1/my/certificates", AnyPerm(OWN), Api),
            post(cert::issue_api),
        ),
        (
            spec(
                p.clone(),
                "/persons/certificates",
                Perm(P::PersonQuery),
                Page,
            ),
            post(cert::counter_issue),
        ),
        (
            spec(g.clone(), "/certificates", Perm(P::RecordMaintain), Page),
            get(cert::staff_page),
        ),
        (
            spec(
                p.clone(),
                "/certificates/revoke",
                Perm(P::RecordMaintain),
                Page,
            ),
            post(cert::revoke),
        ),
        (
            spec(g.clone(), "/api/v1/my/record", AnyPerm(OWN), Api),
            get(portal::record_api),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/employer",
                Perm(P::EmployerRecordRead),
                Api,
            ),
            get(portal::employer_api),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/employer/employees/{id}",
                Perm(P::EmployerRecordRead),
                Api,
            ),
            get(portal::employee_api),
        ),
        (
            spec(p.clone(), "/api/v1/organ-queries", Perm(P::OrganQuery), Api),
            post(portal::organ_query),
        ),
        (
            spec(g.clone(), "/employer", Perm(P::EmployerRecordRead), Page),
            get(portal::employer_home),
        ),
        (
            spec(
                g,
                "/employer/employees/{id}",
                Perm(P::EmployerRecordRead),
                Page,
            ),
            get(portal::employee),
        ),
    ]
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
