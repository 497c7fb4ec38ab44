//! Identity over real HTTP: a demo installation served on a random port, on
//! SQLite and on PostgreSQL. The route-matrix test walks the whole route
//! table for every role and checks allow/deny against the permission matrix
//! (which `sirm-domain/tests/access_docs.rs` holds equal to `docs/roles.md`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use sirm_app::demo::DEMO_PASSWORD;
use sirm_app::Sirm;
use sirm_domain::access::{allows, Role};
use sirm_testkit::{Engine, Options, TestApp};
use sirm_web::routes::Guard;

mod ivr;
mod roles;
mod sessions;

#[allow(unused_imports)]
use ivr::*;
#[allow(unused_imports)]
use roles::*;
#[allow(unused_imports)]
use sessions::*;

struct App {
    kit: TestApp,
    base: String,
    sirm: Arc<Sirm>,
    http: Client,
}

async fn spawn(engine: Engine) -> App {
    spawn_with(engine, |_| {}).await
}

/// A served demo (the test kit); `tune` may change the opened installation's
/// settings.
async fn spawn_with(engine: Engine, tune: impl FnOnce(&mut Sirm) + Send + 'static) -> App {
    let kit = TestApp::start(Options::new(engine).tune(tune)).await;
    let sirm = kit.sirm.clone();
    // Accounts for the roles the demo has none of, as an installation gets
    // them: the system administrator creates the account and requests the
    // role, the security administrator approves.
    let hash = sirm_app::password::hash(DEMO_PASSWORD).unwrap();
    let sysadmin = sirm.principal("sysadmin", "test").await.unwrap();
    let secadmin = sirm.principal("secadmin", "test").await.unwrap();
    for (user, role) in [
        ("deleg", "delegate"),
        ("organ", "organ_officer"),
        ("stats", "statistics_user"),
    ] {
        sirm.add_user(&sysadmin, user, user).await.unwrap();
        let rr = sirm
            .request_role(&sysadmin, user, role, "test account")
            .await
            .unwrap();
        sirm.decide_role(&secadmin, &rr.request_id, true, "")
            .await
            .unwrap();
        // The demo password instead of the issued one (no first-login change).
        sirm.store_for_maintenance()
            .set_password(user, &hash, false, chrono::Utc::now().timestamp_micros(), 5)
            .await
            .unwrap();
    }
    App {
        base: kit.base.clone(),
        http: kit.http.clone(),
        sirm,
        kit,
    }
}

/// The demo account holding `role`.
fn account_of(role: Role) -> &'static str {
    match role {
        Role::SystemAdmin => "sysadmin",
        Role::SecurityAdmin => "secadmin",
        Role::AuditAdmin => "auditadmin",
        Role::DatabaseAdmin => "dba",
        Role::Clerk => "clerk",
        Role::Reviewer => "reviewer",
        Role::Rechecker => "rechecker",
        Role::Approver => "approver",
        Role::MaintenanceOfficer => "maintainer",
        Role::MaintenanceContractor => "contractor",
        Role::QueryOfficer => "query",
        Role::InsuredPerson => "citizen",
        Role::EmployerAgent => "agent",
        Role::Delegate => "deleg",
        Role::OrganOfficer => "organ",
        Role::StatisticsUser => "stats",
        Role::UnitOfficer => "unit",
    }
}

impl App {
    async fn login_raw(
        &self,
        user: &str,
        password: &str,
        code: Option<String>,
    ) -> (StatusCode, Value) {
        self.kit.login_raw(user, password, code.as_deref()).await
    }

    /// Sign in a demo account (with its demo second factor if it has one).
    async fn login(&self, user: &str) -> String {
        self.kit.login(user).await.token
    }

    /// Sign in: the session token and its CSRF token.
    async fn login_full(&self, user: &str) -> (String, String) {
        let c = self.kit.login_new(user).await;
        (c.token, c.csrf)
    }

    async fn call(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let mut rq = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r = rq.send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }
}

sirm_testkit::both_engines!(
    route_matrix,
    art26_refusal_and_approval_chain,
    six_wrong_passwords_lock_and_audit_sees_all,
    sessions_csrf_and_first_login,
    external_identities,
    sessions_expire,
    separation_checked_on_every_request,
    other_agency_and_config_audit,
    ivr_telephone_channel,
);

/// Routes exist only through the route table, so none lacks a declared guard.
#[test]
fn no_route_outside_the_table() {
    let lib = include_str!("../../src/lib.rs");
    assert_eq!(
        lib.matches(".route(").count(),
        1,
        "only router() may call .route(), from route_table()"
    );
    for f in [
        include_str!("../../src/routes.rs"),
        include_str!("../../src/route_table.rs"),
        include_str!("../../src/api/mod.rs"),
        include_str!("../../src/pages/mod.rs"),
    ] {
        assert_eq!(f.matches(".route(").count(), 0);
    }
}
