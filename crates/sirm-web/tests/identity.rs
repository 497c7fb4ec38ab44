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
        Role::QueryOfficer => "query",
        Role::InsuredPerson => "citizen",
        Role::EmployerAgent => "agent",
        Role::Delegate => "deleg",
        Role::OrganOfficer => "organ",
        Role::StatisticsUser => "stats",
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

fn concrete(path: &str) -> String {
    path.replace("{username}", "nobody")
        .replace("{action}", "lock")
        .replace("{role}", "clerk")
        .replace("{id}", "11010519491231002X")
        .replace("{sha256}", "00")
}

async fn route_matrix(engine: Engine) {
    let app = spawn(engine).await;
    // The routes the router was built with (walked from the router, not
    // searched in the source).
    let table = sirm_web::mounted_routes(app.sirm.clone(), Default::default());
    // Signed out: every guarded route refuses (401 for the API, a redirect to sign-in for pages).
    for spec in &table {
        if spec.guard == Guard::Public {
            continue;
        }
        let (status, body) = app
            .call(
                None,
                spec.method.clone(),
                &concrete(spec.path),
                Some(json!({})),
            )
            .await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::SEE_OTHER,
            "{} {} signed out gave {status}: {body}",
            spec.method,
            spec.path
        );
    }
    // Every role × every route.
    for role in Role::ALL {
        let token = app.login(account_of(role)).await;
        for spec in &table {
            if matches!(spec.guard, Guard::Public | Guard::SignedIn) {
                continue;
            }
            let (status, body) = app
                .call(
                    Some(&token),
                    spec.method.clone(),
                    &concrete(spec.path),
                    Some(json!({})),
                )
                .await;
            if spec.guard.admits(&[role]) {
                assert!(
                    status != StatusCode::FORBIDDEN
                        && status != StatusCode::UNAUTHORIZED
                        && status != StatusCode::METHOD_NOT_ALLOWED,
                    "{role:?} should be allowed {} {} ({:?}), got {status}: {body}",
                    spec.method,
                    spec.path,
                    spec.guard
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role:?} must be denied {} {} ({:?}): {body}",
                    spec.method,
                    spec.path,
                    spec.guard
                );
                assert!(body.contains("deny-by-default"), "{body}");
            }
        }
        // Self-service routes: every role.
        let (status, body) = app
            .call(Some(&token), Method::GET, "/api/v1/me", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let me: Value = serde_json::from_str(&body).unwrap();
        let perms: Vec<String> = me["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let expected: Vec<String> = sirm_domain::access::permissions(role)
            .iter()
            .map(|p| p.as_str().to_string())
            .collect();
        let mut a = perms.clone();
        a.sort();
        let mut b = expected;
        b.sort();
        assert_eq!(a, b, "{role:?}");
        // The workbench shows exactly those permissions.
        let (status, home) = app.call(Some(&token), Method::GET, "/home", None).await;
        assert_eq!(status, StatusCode::OK);
        for p in sirm_domain::access::Permission::ALL {
            let shown = home.contains(&format!("data-permission=\"{}\"", p.as_str()));
            assert_eq!(
                shown,
                allows(&[role], p),
                "{role:?} home shows {}?",
                p.as_str()
            );
        }
    }
}

async fn art26_refusal_and_approval_chain(engine: Engine) {
    let app = spawn(engine).await;
    let sys = app.login("sysadmin").await;
    let sec = app.login("secadmin").await;
    // Granting the database administrator the approver role: refused, Art 26 named.
    let (s, body) = app
        .call(
            Some(&sys),
            Method::POST,
            "/api/v1/role-requests",
            Some(json!({"username": "dba", "role": "approver", "reason": "cover holidays"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body.contains("art26-admin-business") && body.contains("Art 26"),
        "{body}"
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "forbidden", "{body}");
    assert_eq!(v["error"]["rule"], "art26-admin-business", "{body}");
    // 三员分立: the security administrator may not also be the audit administrator.
    let (s, body) = app
        .call(
            Some(&sys),
            Method::POST,
            "/api/v1/role-requests",
            Some(json!({"username": "secadmin", "role": "audit_admin", "reason": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("three-admins-separate"), "{body}");
    // A lawful grant: pending until the security administrator approves.
    let (s, body) = app
        .call(
            Some(&sys),
            Method::POST,
            "/api/v1/role-requests",
            Some(
                json!({"username": "clerk", "role": "query_officer", "reason": "counter queries"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let req: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(req["status"], "pending");
    let id = req["request_id"].as_str().unwrap();
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .roles_of("clerk")
            .await
            .unwrap(),
        vec!["clerk"]
    );
    // The requester cannot approve (no permission), the security administrator can.
    let (s, _) = app
        .call(
            Some(&sys),
            Method::POST,
            &format!("/api/v1/role-requests/{id}/decision"),
            Some(json!({"approve": true})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = app
        .call(
            Some(&sec),
            Method::POST,
            &format!("/api/v1/role-requests/{id}/decision"),
            Some(json!({"approve": true, "reason": "ok"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .roles_of("clerk")
            .await
            .unwrap(),
        vec!["clerk", "query_officer"]
    );
    let (s, _) = app
        .call(
            Some(&sec),
            Method::POST,
            &format!("/api/v1/role-requests/{id}/decision"),
            Some(json!({"approve": true})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a decided request cannot be decided again"
    );
    // A revocation is a request too: nothing changes until the security
    // administrator approves; then it takes effect on the next request.
    let (s, body) = app
        .call(
            Some(&sys),
            Method::POST,
            "/api/v1/users/clerk/roles/query_officer/revoke",
            Some(json!({"reason": "back to the counter"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let rid = serde_json::from_str::<Value>(&body).unwrap()["request_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .roles_of("clerk")
            .await
            .unwrap(),
        vec!["clerk", "query_officer"]
    );
    let (s, body) = app
        .call(
            Some(&sec),
            Method::POST,
            &format!("/api/v1/role-requests/{rid}/decision"),
            Some(json!({"approve": true, "reason": "ok"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .roles_of("clerk")
            .await
            .unwrap(),
        vec!["clerk"]
    );
    // The audit administrator sees every administrative act, with its source.
    let audit = app.login("auditadmin").await;
    let (_, body) = app
        .call(
            Some(&audit),
            Method::GET,
            "/api/v1/audit?account=clerk",
            None,
        )
        .await;
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    for ev in ["role.request", "role.approve", "role.revoke"] {
        let r = rows
            .iter()
            .find(|r| r["event"] == ev)
            .unwrap_or_else(|| panic!("{ev} missing: {body}"));
        assert_eq!(r["source"], "127.0.0.1", "{body}");
    }
    let (_, body) = app
        .call(
            Some(&audit),
            Method::GET,
            "/api/v1/audit?account=dba&event=role.refused",
            None,
        )
        .await;
    assert!(body.contains("art26-admin-business"), "{body}");
    // Every step is in the verifiable ledger.
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

async fn six_wrong_passwords_lock_and_audit_sees_all(engine: Engine) {
    let app = spawn(engine).await;
    let before = app.kit.ledger_size().await;
    for i in 0..6 {
        let (s, v) = app
            .login_raw("reviewer", &format!("Wrong-password-{i}"), None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    }
    // This address is locked out now: even the right password is refused.
    let code = app.kit.totp_code("reviewer").await;
    let (s, v) = app.login_raw("reviewer", DEMO_PASSWORD, Some(code)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("locked"),
        "{v}"
    );
    // An unknown account gets the same answer as a wrong password.
    let (_, unknown) = app.login_raw("nosuchuser", "Wrong-password-0", None).await;
    let (_, wrong) = app.login_raw("approver", "Wrong-password-0", None).await;
    assert_eq!(unknown["error"], wrong["error"]);
    // The failures reached the ledger as nothing but one lockout so far;
    // their summary is written at the end of the window.
    assert_eq!(app.kit.ledger_size().await, before + 1);
    assert_eq!(app.sirm.flush_refusals(true).await.unwrap(), 1);
    // The audit administrator sees every attempt counted; nobody else may look.
    let audit = app.login("auditadmin").await;
    let (s, body) = app
        .call(
            Some(&audit),
            Method::GET,
            "/api/v1/audit?event=refusals.summary&limit=100",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(rows.len(), 1, "{body}");
    let detail = rows[0]["detail"].as_str().unwrap();
    assert_eq!(rows[0]["source"], "127.0.0.1", "{body}");
    // Six wrong passwords, the right one from a locked-out address, the
    // unknown account and the wrong one of approver.
    assert!(detail.starts_with("9 refusals"), "{detail}");
    assert!(detail.contains("login.failure ×9"), "{detail}");
    assert!(detail.contains("reviewer ×7"), "{detail}");
    assert!(detail.contains("approver ×1"), "{detail}");
    assert!(detail.contains("unknown account ×1"), "{detail}");
    // The typed unknown name is not kept.
    assert!(!detail.contains("nosuchuser"), "{detail}");
    let (_, body) = app
        .call(
            Some(&audit),
            Method::GET,
            "/api/v1/audit?account=reviewer&limit=100",
            None,
        )
        .await;
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    // Five wrong passwords lock this address (gb22239-l3).
    assert_eq!(
        rows.iter().filter(|r| r["event"] == "lockout").count(),
        1,
        "{body}"
    );
    assert!(rows
        .iter()
        .all(|r| r["time"].as_str().unwrap().ends_with('Z')
            && !r["source"].as_str().unwrap().is_empty()));
    let (s, csv) = app
        .call(
            Some(&audit),
            Method::GET,
            "/audit/export.csv?event=refusals.summary",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(csv.lines().count(), 2, "{csv}");
    let sys = app.login("sysadmin").await;
    let (s, _) = app
        .call(Some(&sys), Method::GET, "/api/v1/audit", None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The system administrator unlocks; the right password works again.
    let (s, _) = app
        .call(
            Some(&sys),
            Method::POST,
            "/api/v1/users/reviewer/unlock",
            Some(json!({"reason": "verified by phone"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    app.login("reviewer").await;
}

async fn sessions_csrf_and_first_login(engine: Engine) {
    let app = spawn(engine).await;
    let sys = app.login("sysadmin").await;
    // A new account gets an issued password and must change it first.
    let (s, body) = app
        .call(
            Some(&sys),
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "newclerk", "display_name": "新柜员"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let issued: Value = serde_json::from_str(&body).unwrap();
    let pw = issued["password"].as_str().unwrap();
    let (s, v) = app.login_raw("newclerk", pw, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["me"]["pending"], "password_change");
    let t = v["token"].as_str().unwrap().to_string();
    let (s, body) = app
        .call(
            Some(&t),
            Method::POST,
            "/api/v1/persons/lookup",
            Some(json!({"id": "11010519491231002X"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    // Weak and reused passwords are refused, naming the rule.
    let (s, body) = app
        .call(
            Some(&t),
            Method::POST,
            "/api/v1/me/password",
            Some(json!({"current_password": pw, "new_password": "short"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("password.min_length"), "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "invalid_parameter", "{body}");
    assert_eq!(v["error"]["rule"], "password.min_length", "{body}");
    let (s, body) = app
        .call(
            Some(&t),
            Method::POST,
            "/api/v1/me/password",
            Some(json!({"current_password": pw, "new_password": pw})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("password.reuse"), "{body}");
    let (s, body) = app
        .call(
            Some(&t),
            Method::POST,
            "/api/v1/me/password",
            Some(json!({"current_password": pw, "new_password": "Zhao-Qian-Sun-88"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    let (_, me) = app.call(Some(&t), Method::GET, "/api/v1/me", None).await;
    assert!(me.contains("\"pending\":null"), "{me}");

    // Cookie sessions: a state-changing request without the CSRF token is refused.
    let (token, csrf) = app.login_full("clerk").await;
    let (token, csrf) = (token.as_str(), csrf.as_str());
    let cookie = format!("sirm_session={token}");
    let post = |csrf: Option<&str>| {
        let mut rq = app
            .http
            .post(format!("{}/logout", app.base))
            .header("cookie", cookie.clone())
            .header("content-type", "application/x-www-form-urlencoded");
        rq = rq.body(match csrf {
            Some(c) => format!("csrf={c}"),
            None => "csrf=forged".into(),
        });
        rq.send()
    };
    let r = post(None).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("csrf"));
    let r = post(Some(csrf)).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Logout invalidated the session on the server.
    let (s, _) = app.call(Some(token), Method::GET, "/api/v1/me", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // A forged token is simply not a session.
    let (s, _) = app
        .call(Some("00ff"), Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

async fn external_identities(engine: Engine) {
    let app = spawn(engine).await;
    let clerk = app.login("clerk").await;
    // A person of the demo without a portal account (accounts name persons
    // by blind index; the counter takes the ID number).
    let persons: Vec<String> = app
        .sirm
        .store_for_maintenance()
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|a| a.person_id)
        .collect();
    let id = sirm_app::testkit::person_ids(&app.sirm, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|id| !persons.contains(&sirm_app::testkit::pk_of(&app.sirm, id).unwrap()))
        .unwrap();
    let name = sirm_app::testkit::person_by_id(&app.sirm, &id)
        .await
        .unwrap()
        .unwrap()
        .name;
    let (s, body) = app
        .call(
            Some(&clerk),
            Method::POST,
            "/api/v1/activation-codes",
            Some(json!({"person_id": id})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let code = serde_json::from_str::<Value>(&body).unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let activate = |name: &str, code: &str, user: &str| {
        app.http
            .post(format!("{}/api/v1/activate", app.base))
            .json(&json!({"person_id": id, "name": name, "code": code, "username": user, "password": "Qian-Jin-Nan-66"}))
            .send()
    };
    // Wrong name or code: one answer, nothing created.
    let r1 = activate("某某", &code, "citizen2").await.unwrap();
    let r2 = activate(&name, "000000000000", "citizen2").await.unwrap();
    assert_eq!(r1.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r1.text().await.unwrap(), r2.text().await.unwrap());
    let r = activate(&name, &code, "citizen2").await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let again = activate(&name, &code, "citizen3").await.unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "one-time code");
    let (s, v) = app.login_raw("citizen2", "Qian-Jin-Nan-66", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["me"]["roles"], json!(["insured_person"]));
    // Employer agent bound to a credit code; an unknown employer is refused.
    let (s, body) = app
        .call(Some(&clerk), Method::POST, "/api/v1/employer-agents", Some(json!({"credit_code": "91350100M000100Y43", "username": "agent2", "display_name": "x"})))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    // An unknown person is not found.
    let (s, body) = app
        .call(
            Some(&clerk),
            Method::POST,
            "/api/v1/persons/lookup",
            Some(json!({"id": "11010519491231002X"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
}

async fn sessions_expire(engine: Engine) {
    // Idle timeout.
    let app = spawn_with(engine, |s| s.config.security.idle_timeout_minutes = 0).await;
    let t = app.login("clerk").await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (s, body) = app.call(Some(&t), Method::GET, "/api/v1/me", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body.contains("session expired") && body.contains("idle"),
        "{body}"
    );
    // The expired session is gone for good, and the expiry is audited.
    let (s, _) = app.call(Some(&t), Method::GET, "/api/v1/me", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Absolute lifetime.
    let app = spawn_with(engine, |s| s.config.security.session_lifetime_hours = 0).await;
    let t = app.login("clerk").await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (s, body) = app.call(Some(&t), Method::GET, "/api/v1/me", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("older than 0 hours"), "{body}");
    // A page request with an expired cookie goes back to the sign-in page.
    let r = app
        .http
        .get(format!("{}/home", app.base))
        .header("cookie", format!("sirm_session={t}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));
}

async fn separation_checked_on_every_request(engine: Engine) {
    let app = spawn(engine).await;
    let clerk = app.login("clerk").await;
    let (s, _) = app
        .call(Some(&clerk), Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    // An administrator role slipped into the projection behind the use cases' back.
    app.sirm
        .store_for_maintenance()
        .execute_raw("INSERT INTO account_role (username, role, granted_seq) VALUES ('clerk', 'database_admin', 0)")
        .await
        .unwrap();
    let (s, body) = app
        .call(Some(&clerk), Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("art26-admin-business"), "{body}");
    // …and the projection is put right from the ledger by a rebuild.
    app.sirm.rebuild().await.unwrap();
    // The refused session was ended: a new one.
    let clerk = app.kit.login_new("clerk").await.token;
    let (s, body) = app
        .call(Some(&clerk), Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

async fn other_agency_and_config_audit(engine: Engine) {
    let app = spawn(engine).await;
    // A person recorded by another agency.
    let p = sirm_app::testkit::sealed_person(
        &app.sirm,
        &sirm_domain::records::PersonDetails {
            id: "11010519491231002X".parse().unwrap(),
            name: "外区人员".into(),
            address: "北京市海淀区".into(),
            phone: "13900000000".into(),
            registered_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        },
    )
    .await
    .unwrap();
    let mut d = sirm_app::registration::person_draft(&app.sirm.config, "test", &p).unwrap();
    d.agency = "110108".into();
    // No flow of this installation records another agency's person.
    sirm_app::testkit::append_unreviewed(&app.sirm, vec![d])
        .await
        .unwrap();
    let clerk = app.login("clerk").await;
    let (s, body) = app
        .call(
            Some(&clerk),
            Method::POST,
            "/api/v1/persons/lookup",
            Some(json!({"id": "11010519491231002X"})),
        )
        .await;
    // Another agency's person is "not found", exactly like a missing one…
    let (s2, missing) = app
        .call(
            Some(&clerk),
            Method::POST,
            "/api/v1/persons/lookup",
            Some(json!({"id": "110105199003071220"})),
        )
        .await;
    assert_eq!(
        (s, s2),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
        "{body}"
    );
    let code = |b: &str| serde_json::from_str::<Value>(b).unwrap()["error"]["code"].clone();
    assert_eq!(code(&body), code(&missing));
    let (s, body) = app
        .call(
            Some(&clerk),
            Method::POST,
            "/api/v1/activation-codes",
            Some(json!({"person_id": "11010519491231002X"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    // …and the audit administrator sees which it was.
    let audit = app.login("auditadmin").await;
    let (_, body) = app
        .call(
            Some(&audit),
            Method::GET,
            "/api/v1/audit?account=clerk&event=permission.denied",
            None,
        )
        .await;
    assert!(body.contains("agency-scope"), "{body}");
    // The security configuration in force is in the audit trail.
    let (_, body) = app
        .call(
            Some(&audit),
            Method::GET,
            "/api/v1/audit?event=config.change",
            None,
        )
        .await;
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    // One event per section that decides who may do what: the four always
    // recorded, and the demo's `[ivr]` (it differs from the default).
    assert_eq!(rows.len(), 5, "{body}");
    assert!(body.contains("[ivr] "), "{body}");
    let security = rows
        .iter()
        .find(|r| r["detail"].as_str().unwrap().starts_with("[security] "))
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        security["detail"].as_str().unwrap().contains("gb22239-l3"),
        "{body}"
    );
}

/// Submit an application as clerk and pass review, re-check and approval.
async fn approved(app: &App, business_type: &str, data: Value) {
    let clerk = app.login("clerk").await;
    let (s, body) = app
        .call(
            Some(&clerk),
            Method::POST,
            "/api/v1/applications",
            Some(json!({"business_type": business_type, "data": data,
                "materials": [{"name": "scan.pdf", "content_base64": "JVBERi0xLjQ="}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{business_type}: {body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["application_id"]
        .as_str()
        .unwrap()
        .to_string();
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let t = app.login(user).await;
        let (s, body) = app
            .call(
                Some(&t),
                Method::POST,
                &format!("/api/v1/applications/{id}/decision"),
                Some(json!({"stage": stage, "approve": true})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{business_type} {stage}: {body}");
    }
}

/// The telephone channel (Art 14): a query PIN set at the counter, the IVR
/// summary, one refusal for every failure, lockout, audit, rate limit.
async fn ivr_telephone_channel(engine: Engine) {
    let app = spawn(engine).await;
    let ids = sirm_app::testkit::person_ids(&app.sirm, 3).await.unwrap();
    let (pid, no_pin) = (ids[0].clone(), ids[1].clone());
    let id: sirm_domain::id::ResidentId = pid.parse().unwrap();
    // How the store, the ledger and the audit trail name the person.
    let pk = sirm_app::testkit::person_key(&app.sirm, &id).unwrap();
    // A record with something to tell: employed, June paid, July assessed
    // but not paid (arrears), the 2024 account settled.
    let employer = app
        .sirm
        .store_for_maintenance()
        .account("agent")
        .await
        .unwrap()
        .unwrap()
        .employer
        .unwrap();
    approved(
        &app,
        "employment.start",
        json!({"id": pid, "credit_code": employer, "start_on": "2024-01-15"}),
    )
    .await;
    for month in ["2024-06", "2024-07"] {
        approved(
            &app,
            "contribution.declare",
            json!({"credit_code": employer, "month": month,
            "lines": [{"id": pid, "declared_wage": "9000.00"}]}),
        )
        .await;
    }
    let june = app
        .sirm
        .store_for_maintenance()
        .contributions_of(pk.as_str())
        .await
        .unwrap();
    let c = june.iter().find(|c| c.month == "2024-06").unwrap();
    let due: rust_decimal::Decimal = [
        &c.pension_employer,
        &c.pension_employee,
        &c.medical_employer,
        &c.medical_employee,
        &c.unemployment_employer,
        &c.unemployment_employee,
        &c.work_injury_employer,
    ]
    .iter()
    .map(|a| a.parse::<rust_decimal::Decimal>().unwrap())
    .sum();
    approved(
        &app,
        "contribution.payment",
        json!({"credit_code": employer, "month": "2024-06",
        "paid_on": "2024-07-10", "amount": due.to_string()}),
    )
    .await;
    approved(&app, "account.settle", json!({"year": 2024})).await;

    let clerk = app.login("clerk").await;
    let set_pin = |who: String, person: String, pin: &str| {
        let app = &app;
        let pin = pin.to_string();
        async move {
            app.call(
                Some(&who),
                Method::POST,
                "/api/v1/query-pins",
                Some(json!({"person_id": person, "pin": pin})),
            )
            .await
        }
    };
    // Weak PINs are refused, naming the rule.
    let birth = id.birth_date().format("%y%m%d").to_string();
    for (pin, rule) in [
        ("12345", "pin.format"),
        ("12a456", "pin.format"),
        ("111111", "pin.repeated"),
        ("123456", "pin.sequence"),
        ("654321", "pin.sequence"),
        (birth.as_str(), "pin.birth_date"),
    ] {
        let (s, body) = set_pin(clerk.clone(), pid.clone(), pin).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{pin}: {body}");
        assert!(body.contains(rule), "{pin}: {body}");
    }
    // Only the counter (external_activate) sets PINs.
    for user in ["reviewer", "query", "citizen", "sysadmin"] {
        let t = app.login(user).await;
        let (s, body) = set_pin(t, pid.clone(), "135790").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}: {body}");
    }
    let (s, body) = set_pin(clerk.clone(), pid.clone(), "135790").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["person"].as_str(), &v["reset"]),
        (Some(id.masked().as_str()), &json!(false))
    );
    // Reset at the counter page (cookie session, CSRF token, ID document checked).
    let (session_token, session_csrf) = app.login_full("clerk").await;
    let counter_form = |fields: Vec<(&str, String)>| {
        let mut f = vec![("csrf", session_csrf.clone())];
        f.extend(fields);
        app.http
            .post(format!("{}/counter/query-pin", app.base))
            .header("cookie", format!("sirm_session={session_token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&f).unwrap())
            .send()
    };
    let r = counter_form(vec![
        ("id", pid.clone()),
        ("pin", "284913".into()),
        ("pin_confirm", "284931".into()),
        ("checked", "yes".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("两次输入的查询密码不一致"));
    let (s, page) = app.call(Some(&clerk), Method::GET, "/counter", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("id=\"query-pin\"") && page.contains("设置电话查询密码"),
        "{page}"
    );
    let r = counter_form(vec![
        ("id", pid.clone()),
        ("pin", "284913".into()),
        ("pin_confirm", "284913".into()),
        ("checked", "yes".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("查询密码已重置") && !page.contains("284913"),
        "{page}"
    );
    // Only an argon2id hash is stored.
    let row = app
        .sirm
        .store_for_maintenance()
        .query_pin(pk.as_str())
        .await
        .unwrap()
        .unwrap();
    assert!(row.pin_hash.starts_with("$argon2id$") && !row.pin_hash.contains("284913"));

    let ivr = |id_number: String, pin: &'static str| {
        let app = &app;
        async move {
            let r = app
                .http
                .post(format!("{}/api/v1/ivr/summary", app.base))
                .json(&json!({"id_number": id_number, "pin": pin}))
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // The right PIN: the summary equals the assembled rights record.
    let (s, body) = ivr(pid.clone(), "284913").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let rights = app.sirm.rights_of(&pk).await.unwrap();
    let today = (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string();
    assert_eq!(
        v,
        json!({
            "contribution_months": rights.contribution_years.paid_months,
            "last_paid_month": rights.contribution_years.last_paid,
            "account_balance": rights.account_balance.clone().unwrap(),
            "benefit_status": "none",
            "arrears_months": rights.contribution_years.arrears_months,
            "as_of": today,
        }),
        "{body}"
    );
    assert_eq!(v["contribution_months"], 1);
    assert_eq!(v["last_paid_month"], "2024-06");
    assert_eq!(v["arrears_months"], 1);
    assert!(v["account_balance"].is_string());
    // The old PIN, a wrong PIN, an unknown ID, a malformed ID, a person
    // without a PIN: one refusal, word for word.
    let unknown = "11010519491231002X";
    assert!(app
        .sirm
        .store_for_maintenance()
        .person(&sirm_app::testkit::pk_of(&app.sirm, unknown).unwrap())
        .await
        .unwrap()
        .is_none());
    let mut refusals = Vec::new();
    for (who, pin) in [
        (pid.clone(), "135790"),
        (unknown.to_string(), "284913"),
        ("12345".to_string(), "284913"),
        ("110105abc".to_string(), "284913"),
        (no_pin.clone(), "284913"),
    ] {
        let (s, body) = ivr(who.clone(), pin).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{who}: {body}");
        refusals.push(body);
    }
    assert!(refusals.iter().all(|b| b == &refusals[0]), "{refusals:?}");
    let r: Value = serde_json::from_str(&refusals[0]).unwrap();
    assert_eq!(r["error"]["code"], "ivr_refused");
    // Success resets the count; then 5 wrong PINs lock, even the right one is refused.
    assert_eq!(ivr(pid.clone(), "284913").await.0, StatusCode::OK);
    for pin in ["000001", "000002", "000003", "000004", "000005"] {
        let (s, body) = ivr(pid.clone(), pin).await;
        assert_eq!((s, &body), (StatusCode::UNAUTHORIZED, &refusals[0]));
    }
    let (s, body) = ivr(pid.clone(), "284913").await;
    assert_eq!(
        (s, &body),
        (StatusCode::UNAUTHORIZED, &refusals[0]),
        "locked"
    );
    // The audit trail: set, lockout, answered queries — with the source
    // address and the blind index, never the ID number, the PIN or its
    // hash; the failures are counted in the source's summary.
    app.sirm.flush_refusals(true).await.unwrap();
    let audit = app.login("auditadmin").await;
    let named = pk.to_string();
    let (_, body) = app
        .call(
            Some(&audit),
            Method::GET,
            &format!("/api/v1/audit?account={named}&limit=200"),
            None,
        )
        .await;
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    let count = |ev: &str, outcome: &str| {
        rows.iter()
            .filter(|r| r["event"] == ev && r["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("query_pin.set", "success"), 2, "{body}");
    assert_eq!(count("query_pin.set", "failure"), 6, "weak PINs: {body}");
    assert_eq!(count("query_pin.lockout", "success"), 1, "{body}");
    assert_eq!(count("ivr.query", "success"), 2, "{body}");
    let lock = rows
        .iter()
        .find(|r| r["event"] == "query_pin.lockout")
        .unwrap();
    assert!(
        lock["detail"].as_str().unwrap().contains("5 consecutive"),
        "{lock}"
    );
    let q = rows.iter().find(|r| r["event"] == "ivr.query").unwrap();
    assert!(
        q["detail"].as_str().unwrap().contains("channel ivr")
            && q["detail"].as_str().unwrap().contains("account_balance"),
        "{q}"
    );
    assert!(rows
        .iter()
        .filter(|r| r["event"].as_str().unwrap().starts_with("ivr.")
            || r["event"].as_str().unwrap().starts_with("query_pin."))
        .all(|r| r["source"] == "127.0.0.1"));
    for secret in ["284913", "135790", "$argon2", pid.as_str(), &id.masked()] {
        assert!(!body.contains(secret), "{secret} in the audit trail");
    }
    let (_, body) = app
        .call(
            Some(&audit),
            Method::GET,
            "/api/v1/audit?event=refusals.summary&limit=200",
            None,
        )
        .await;
    // Old PIN, unknown ID, two malformed IDs, no PIN, five wrong PINs and
    // the right one while locked: eleven, in one summary.
    assert!(body.contains("ivr.failure ×11"), "{body}");
    for why in [
        "unknown ID number",
        "malformed ID number",
        "no query PIN set",
        "wrong query PIN",
        "query PIN locked",
        named.as_str(),
    ] {
        assert!(body.contains(why), "{why}: {body}");
    }
    assert!(!body.contains(pid.as_str()), "{body}");
    // Setting the PIN again at the counter unlocks it.
    let (s, body) = set_pin(clerk.clone(), pid.clone(), "284913").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(ivr(pid.clone(), "284913").await.0, StatusCode::OK);
    // Rate limit per source: a burst of 20, then 429 before any work is done.
    let mut limited = None;
    for i in 0..40 {
        let r = app
            .http
            .post(format!("{}/api/v1/ivr/summary", app.base))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((i, r));
            break;
        }
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
    let (i, r) = limited.expect("no 429 within 40 calls");
    assert!((1..=25).contains(&i), "limited after {i} calls (burst 20)");
    assert!(r.headers().contains_key("retry-after"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "rate_limited", "{v}");
    // The right PIN is limited too (at most one token refills per 100 ms);
    // a second later the bucket has refilled.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(ivr(pid.clone(), "284913").await.0);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(ivr(pid.clone(), "284913").await.0, StatusCode::OK);
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
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
    let lib = include_str!("../src/lib.rs");
    assert_eq!(
        lib.matches(".route(").count(),
        1,
        "only router() may call .route(), from route_table()"
    );
    for f in [
        include_str!("../src/routes.rs"),
        include_str!("../src/route_table.rs"),
        include_str!("../src/api/mod.rs"),
        include_str!("../src/pages/mod.rs"),
    ] {
        assert_eq!(f.matches(".route(").count(), 0);
    }
}
