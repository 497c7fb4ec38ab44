//! Identity over real HTTP: a demo installation served on a random port, on
//! SQLite and on PostgreSQL. The route-matrix test walks the whole route
//! table for every role and checks allow/deny against the permission matrix
//! (which `sirm-domain/tests/access_docs.rs` holds equal to `docs/roles.md`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use sirm_app::demo::{demo_totp_secret, ensure_demo, DemoRequest, DEMO_PASSWORD};
use sirm_app::{Access, OpenOptions, Sirm};
use sirm_domain::access::{allows, totp, Role};
use sirm_domain::records::{self, kind, AccountCreated};
use sirm_web::routes::Guard;

struct App {
    base: String,
    sirm: Arc<Sirm>,
    _dir: tempfile::TempDir,
    http: Client,
}

async fn spawn(postgres: bool) -> App {
    spawn_with(postgres, |_| {}).await
}

/// A served demo; `tune` may change the opened installation's settings.
async fn spawn_with(postgres: bool, tune: impl FnOnce(&mut Sirm)) -> App {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = OpenOptions::new(dir.path().join("data"));
    if postgres {
        opts.database_url = Some(
            std::env::var("SIRM_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        );
        opts.database_schema = Some(format!("w_{}", hex_id()));
    }
    ensure_demo(
        &opts,
        &DemoRequest {
            seed: 7,
            persons: 12,
            history: false,
        },
    )
    .await
    .unwrap();
    let mut sirm = Sirm::open(&opts, Access::Sign).await.unwrap();
    tune(&mut sirm);
    let sirm = Arc::new(sirm);
    // Accounts for the roles the demo has none of.
    let hash = sirm_app::password::hash(DEMO_PASSWORD).unwrap();
    for (user, role) in [
        ("deleg", "delegate"),
        ("organ", "organ_officer"),
        ("stats", "statistics_user"),
    ] {
        let a = AccountCreated {
            username: user.into(),
            display_name: user.into(),
            agency: sirm.agency().into(),
            roles: vec![role.into()],
            kind: "external".into(),
            person_id: None,
            employer: None,
        };
        let d = sirm_app::install::draft(
            &sirm.config,
            sirm_ledger::Stream::Security,
            kind::ACCOUNT_CREATED,
            records::account_subject(user),
            "test",
            &a,
        )
        .unwrap();
        sirm.append(vec![d]).await.unwrap();
        sirm.store
            .set_password(user, &hash, false, chrono::Utc::now().timestamp_micros(), 5)
            .await
            .unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let s = sirm.clone();
    tokio::spawn(async move {
        sirm_web::serve(s, listener, std::future::pending())
            .await
            .unwrap()
    });
    App {
        base,
        sirm,
        _dir: dir,
        http: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

fn hex_id() -> String {
    let n: u64 = rand_u64();
    format!("{n:016x}")
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
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

fn now_code(user: &str) -> String {
    let s = totp::TotpSecret::from_base32(&demo_totp_secret(user)).unwrap();
    totp::code(&s, chrono::Utc::now().timestamp(), 30, 6)
}

impl App {
    async fn login_raw(
        &self,
        user: &str,
        password: &str,
        code: Option<String>,
    ) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}/api/v1/session", self.base))
            .json(&json!({ "username": user, "password": password, "second_factor": code }))
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    /// Sign in a demo account (with its demo second factor if it has one).
    async fn login(&self, user: &str) -> String {
        let (s, v) = self.login_raw(user, DEMO_PASSWORD, None).await;
        let v = if s == StatusCode::UNAUTHORIZED && v["error"]["code"] == "second_factor_required" {
            let (s2, v2) = self
                .login_raw(user, DEMO_PASSWORD, Some(now_code(user)))
                .await;
            assert_eq!(s2, StatusCode::OK, "{user}: {v2}");
            v2
        } else {
            assert_eq!(s, StatusCode::OK, "{user}: {v}");
            v
        };
        v["token"].as_str().unwrap().to_string()
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

async fn route_matrix(postgres: bool) {
    let app = spawn(postgres).await;
    let table = sirm_web::route_table();
    // Signed out: every guarded route refuses (401 for the API, a redirect to sign-in for pages).
    for (spec, _) in &table {
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
        for (spec, _) in &table {
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
                    status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
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

async fn art26_refusal_and_approval_chain(postgres: bool) {
    let app = spawn(postgres).await;
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
        app.sirm.store.roles_of("clerk").await.unwrap(),
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
        app.sirm.store.roles_of("clerk").await.unwrap(),
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
    // Revocation takes effect on the next request.
    let (s, _) = app
        .call(
            Some(&sys),
            Method::POST,
            "/api/v1/users/clerk/roles/query_officer/revoke",
            Some(json!({"reason": "back to the counter"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        app.sirm.store.roles_of("clerk").await.unwrap(),
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

async fn six_wrong_passwords_lock_and_audit_sees_all(postgres: bool) {
    let app = spawn(postgres).await;
    for i in 0..6 {
        let (s, v) = app
            .login_raw("reviewer", &format!("Wrong-password-{i}"), None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    }
    // Locked now: even the right password is refused.
    let (s, v) = app.login_raw("reviewer", DEMO_PASSWORD, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("locked"),
        "{v}"
    );
    // An unknown account gets the same answer as a wrong password.
    let (_, unknown) = app.login_raw("nosuchuser", "Wrong-password-0", None).await;
    let (_, wrong) = app.login_raw("approver", "Wrong-password-0", None).await;
    assert_eq!(unknown["error"], wrong["error"]);
    // The audit administrator sees every attempt; nobody else may look.
    let audit = app.login("auditadmin").await;
    let (s, body) = app
        .call(
            Some(&audit),
            Method::GET,
            "/api/v1/audit?account=reviewer&limit=100",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    // Five wrong passwords lock (gb22239-l3); the sixth and the right one are refused as locked.
    let failures = rows
        .iter()
        .filter(|r| r["event"] == "login.failure")
        .count();
    assert_eq!(failures, 7, "{body}");
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
            "/audit/export.csv?account=reviewer&event=login.failure",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(csv.lines().count(), 8, "{csv}");
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
    let (s, _) = app.login_raw("reviewer", DEMO_PASSWORD, None).await;
    assert_eq!(s, StatusCode::OK);
}

async fn sessions_csrf_and_first_login(postgres: bool) {
    let app = spawn(postgres).await;
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
            Method::GET,
            "/api/v1/persons/11010519491231002X",
            None,
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
    let (_, v) = app.login_raw("clerk", DEMO_PASSWORD, None).await;
    let (token, csrf) = (v["token"].as_str().unwrap(), v["csrf"].as_str().unwrap());
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

async fn external_identities(postgres: bool) {
    let app = spawn(postgres).await;
    let clerk = app.login("clerk").await;
    // A person of the demo without a portal account.
    let persons: Vec<String> = app
        .sirm
        .store
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|a| a.person_id)
        .collect();
    let id = app
        .sirm
        .store
        .person_ids(100)
        .await
        .unwrap()
        .into_iter()
        .find(|id| !persons.contains(id))
        .unwrap();
    let name = app.sirm.store.person(&id).await.unwrap().unwrap().name;
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
    // A person of another agency is out of scope.
    let (s, body) = app
        .call(
            Some(&clerk),
            Method::GET,
            "/api/v1/persons/11010519491231002X",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
}

async fn sessions_expire(postgres: bool) {
    // Idle timeout.
    let app = spawn_with(postgres, |s| s.config.security.idle_timeout_minutes = 0).await;
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
    let app = spawn_with(postgres, |s| s.config.security.session_lifetime_hours = 0).await;
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

async fn separation_checked_on_every_request(postgres: bool) {
    let app = spawn(postgres).await;
    let clerk = app.login("clerk").await;
    let (s, _) = app
        .call(Some(&clerk), Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    // An administrator role slipped into the projection behind the use cases' back.
    app.sirm
        .store
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
    let clerk = app.login("clerk").await;
    let (s, body) = app
        .call(Some(&clerk), Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

async fn other_agency_and_config_audit(postgres: bool) {
    let app = spawn(postgres).await;
    // A person recorded by another agency.
    let p = sirm_domain::records::PersonRegistration {
        id: "11010519491231002X".parse().unwrap(),
        name: "外区人员".into(),
        address: "北京市海淀区".into(),
        phone: "13900000000".into(),
        registered_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
    };
    let mut d = sirm_app::registration::person_draft(&app.sirm.config, "test", &p).unwrap();
    d.agency = "110108".into();
    app.sirm.append(vec![d]).await.unwrap();
    let clerk = app.login("clerk").await;
    let (s, body) = app
        .call(
            Some(&clerk),
            Method::GET,
            "/api/v1/persons/11010519491231002X",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("agency-scope"), "{body}");
    let (s, body) = app
        .call(
            Some(&clerk),
            Method::POST,
            "/api/v1/activation-codes",
            Some(json!({"person_id": "11010519491231002X"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    // The security configuration in force is in the audit trail.
    let audit = app.login("auditadmin").await;
    let (_, body) = app
        .call(
            Some(&audit),
            Method::GET,
            "/api/v1/audit?event=config.change",
            None,
        )
        .await;
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(rows.len(), 1, "{body}");
    assert!(
        rows[0]["detail"].as_str().unwrap().contains("gb22239-l3"),
        "{body}"
    );
}

macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(false).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(true).await } )*
        }
    };
}

both_engines!(
    route_matrix,
    art26_refusal_and_approval_chain,
    six_wrong_passwords_lock_and_audit_sees_all,
    sessions_csrf_and_first_login,
    external_identities,
    sessions_expire,
    separation_checked_on_every_request,
    other_agency_and_config_audit,
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
        include_str!("../src/api/mod.rs"),
        include_str!("../src/pages/mod.rs"),
    ] {
        assert_eq!(f.matches(".route(").count(), 0);
    }
}
