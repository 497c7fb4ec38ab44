//! Security issue 20: each finding of the outside review has a regression
//! test named after it, run over real HTTP on both engines (the test kit).
//! The three break-ins first, then the weaknesses by number.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)]

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sirm_app::demo::DEMO_PASSWORD;
use sirm_testkit::{Engine, Options, TestApp};

/// The security events of the ledger (newest first), as the audit
/// administrator reads them.
async fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let a = app.login("auditadmin").await;
    let (s, v) = a.get(&format!("/api/v1/audit?{query}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

/// The pre-login anti-forgery cookie and field of a public form page.
async fn prelogin(app: &TestApp, http: &reqwest::Client, path: &str) -> (String, String) {
    let r = http.get(app.url(path)).send().await.unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("sirm_csrf="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("pre-login cookie");
    let html = r.text().await.unwrap();
    let field = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("csrf field")
        .to_string();
    (cookie, field)
}

// ------------------------------------------------------------- break-ins

/// Break-in 1: one system administrator crowned a security administrator
/// by revoking the only one and letting the bootstrap approve a puppet.
async fn break_in_1_sysadmin_cannot_seize_every_role(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let sys = app.login("sysadmin").await;
    // The only security administrator cannot be revoked, nor locked.
    let (s, v) = sys
        .post(
            "/api/v1/users/secadmin/roles/security_admin/revoke",
            json!({"reason": "take over"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v.to_string().contains("last-administrator"), "{v}");
    let (s, v) = sys
        .post("/api/v1/users/secadmin/lock", json!({"reason": "x"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = sys
        .post("/api/v1/users/auditadmin/lock", json!({"reason": "x"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // A puppet asking for security_admin waits for the security
    // administrator: no bootstrap outside `sirm init`.
    let (s, v) = sys
        .post(
            "/api/v1/users",
            json!({"username": "puppet", "display_name": "傀儡"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = sys
        .post(
            "/api/v1/role-requests",
            json!({"username": "puppet", "role": "security_admin", "reason": "me"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "pending");
    let puppet_request = v["request_id"].as_str().unwrap().to_string();
    assert!(app
        .sirm
        .store_for_maintenance()
        .roles_of("puppet")
        .await
        .unwrap()
        .is_empty());
    // The system administrator cannot approve it.
    let (s, _) = sys
        .post(
            &format!("/api/v1/role-requests/{puppet_request}/decision"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Revoking a review role is a request too: the clerk keeps the role
    // until the security administrator approves.
    let (s, v) = sys
        .post(
            "/api/v1/users/clerk/roles/clerk/revoke",
            json!({"reason": "moved"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let clerk = app.login("clerk").await;
    assert_eq!(clerk.get("/api/v1/me").await.1["roles"], json!(["clerk"]));
    let sec = app.login("secadmin").await;
    let (s, _) = sec
        .post(
            &format!(
                "/api/v1/role-requests/{}/decision",
                v["request_id"].as_str().unwrap()
            ),
            json!({"approve": true, "reason": "checked"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(app
        .sirm
        .store_for_maintenance()
        .roles_of("clerk")
        .await
        .unwrap()
        .is_empty());
    // With a second security administrator approved, the first may go —
    // always by request and approval, and never by the revoker alone.
    let (s, _) = sec
        .post(
            &format!("/api/v1/role-requests/{puppet_request}/decision"),
            json!({"approve": true, "reason": "second one"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = sys
        .post(
            "/api/v1/users/secadmin/roles/security_admin/revoke",
            json!({"reason": "retires"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // secadmin cannot decide about their own role.
    let (s, _) = sec
        .post(
            &format!(
                "/api/v1/role-requests/{}/decision",
                v["request_id"].as_str().unwrap()
            ),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Every account still holds at most one administrator role, and the
    // ledger verifies.
    for a in app.sirm.store_for_maintenance().accounts().await.unwrap() {
        let admin = a.roles.iter().filter(|r| r.ends_with("_admin")).count();
        assert!(admin <= 1, "{a:?}");
    }
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

/// Break-in 2: anonymous requests wrote to the permanent ledger one for
/// one. 10,000 bad requests from one address now add a handful of entries,
/// while a signed-in clerk keeps working.
async fn break_in_2_anonymous_flood_writes_one_summary(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let clerk = app.login("clerk").await;
    let auditor = app.login("auditadmin").await;
    let before = app.ledger_size().await;
    let started = std::time::Instant::now();
    let http = app.http.clone();
    let base = app.base.clone();
    const N: usize = 10_000;
    let flood = futures::stream::iter(0..N)
        .map(|i| {
            let (http, base) = (http.clone(), base.clone());
            async move {
                let r = match i % 4 {
                    // A form without its anti-forgery token.
                    0 => http
                        .post(format!("{base}/login"))
                        .form(&[("username", "sysadmin"), ("password", "x")])
                        .send(),
                    // Guessing a password.
                    1 => http
                        .post(format!("{base}/api/v1/session"))
                        .json(&json!({"username": "sysadmin", "password": format!("Guess-{i}")}))
                        .send(),
                    // Guessing an activation.
                    2 => http
                        .post(format!("{base}/api/v1/activate"))
                        .json(&json!({"person_id": "11010519491231002X", "name": "某", "code": "000000000000", "username": "mallory", "password": "Qian-Jin-Nan-66"}))
                        .send(),
                    // Guessing a query PIN.
                    _ => http
                        .post(format!("{base}/api/v1/ivr/summary"))
                        .json(&json!({"id_number": "11010519491231002X", "pin": "135790"}))
                        .send(),
                };
                r.await.unwrap().status()
            }
        })
        .buffer_unordered(32);
    let clerk_calls = async {
        let mut ok = 0;
        for _ in 0..20 {
            let (s, _) = clerk.get("/api/v1/me").await;
            assert_eq!(s, StatusCode::OK);
            let (s, _) = clerk.page("/queue").await;
            assert_eq!(s, StatusCode::OK);
            ok += 1;
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        ok
    };
    let (statuses, ok) = tokio::join!(flood.collect::<Vec<_>>(), clerk_calls);
    assert_eq!(ok, 20, "the clerk was served during the flood");
    assert_eq!(statuses.len(), N);
    assert!(
        statuses.iter().all(|s| s.is_client_error()),
        "every flood request refused: {:?}",
        statuses.iter().find(|s| !s.is_client_error())
    );
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        limited > N / 2,
        "most were stopped by the limits: {limited}"
    );
    // Written: the source lockout of sysadmin (one entry), then one summary,
    // and one flood alarm for the source (sirm_app::alarms).
    let written = app.sirm.flush_refusals(true).await.unwrap();
    assert_eq!(written, 1);
    let after = app.ledger_size().await;
    // One summary per refusal window the flood spanned (a loaded machine
    // may take longer than one window to send it).
    let window = u64::from(app.sirm.config.limits.refusal_window_seconds).max(1);
    let windows = started.elapsed().as_secs() / window + 1;
    assert!(
        after - before <= 3 + windows,
        "{} entries for {N} requests in {windows} refusal windows",
        after - before
    );
    let alarms = app.sirm.open_alarms().await.unwrap();
    assert_eq!(
        alarms.iter().filter(|a| a.kind == "flood").count(),
        1,
        "{alarms:?}"
    );
    let (s, rows) = auditor.get("/api/v1/audit?event=refusals.summary").await;
    assert_eq!(s, StatusCode::OK, "{rows}");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let detail = rows[0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!("{N} refusals")),
        "every request counted once: {detail}"
    );
    for e in [
        "rate_limited",
        "csrf.refused",
        "login.failure",
        "activation.failure",
        "ivr.failure",
    ] {
        assert!(detail.contains(e), "{e}: {detail}");
    }
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

// ------------------------------------------------------------- weaknesses

/// Finding 5: a reset hands over a one-time code, not a password; the user
/// sees who reset it; external accounts are reset at the counter only.
async fn finding_5_password_reset_is_a_one_time_code(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let sys = app.login("sysadmin").await;
    let (s, v) = sys
        .post("/api/v1/users/reviewer/password-reset", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v.get("password").is_none(), "{v}");
    let code = v["code"].as_str().unwrap().to_string();
    // The old password and the code as a password: both refused.
    let (s, _) = app.login_raw("reviewer", DEMO_PASSWORD, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.login_raw("reviewer", &code, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // A wrong code: the one answer; the right code sets the password once.
    let anon = app.anonymous();
    let reset = |code: String| {
        let anon = anon.clone();
        async move {
            anon.post(
                "/api/v1/password-reset",
                json!({"username": "reviewer", "code": code, "new_password": "Reset-Qz7-Now!"}),
            )
            .await
        }
    };
    let (s, wrong) = reset("AAAA-BBBB-CCCC-DDDD".into()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{wrong}");
    let (s, unknown) = anon
        .post(
            "/api/v1/password-reset",
            json!({"username": "nobody-here", "code": code, "new_password": "Reset-Qz7-Now!"}),
        )
        .await;
    assert_eq!((s, &unknown), (StatusCode::UNAUTHORIZED, &wrong));
    let (s, v) = reset(code.to_lowercase()).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, again) = reset(code.clone()).await;
    assert_eq!((s, &again), (StatusCode::UNAUTHORIZED, &wrong), "used once");
    // The second factor stayed; the user is told who reset the password.
    let reviewer = app.login_with("reviewer", "Reset-Qz7-Now!").await;
    let (_, home) = reviewer.page("/home").await;
    assert!(
        home.contains("session-notice") && home.contains("sysadmin"),
        "{home}"
    );
    // External accounts are not the system administrator's to reset.
    let (s, v) = sys
        .post("/api/v1/users/citizen/password-reset", json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v.to_string().contains("external-reset-at-counter"), "{v}");
    // The clerk resets it at the counter after an ID check.
    let clerk = app.login("clerk").await;
    let (s, v) = clerk
        .post(
            "/api/v1/counter/password-reset",
            json!({"username": "citizen"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // …but not a staff account.
    let (s, _) = clerk
        .post(
            "/api/v1/counter/password-reset",
            json!({"username": "reviewer"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let rows = audit(&app, "event=password.reset").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
}

/// Finding 6: activation told "this ID number has this name" (409 vs 401).
async fn finding_6_activation_is_not_an_oracle(engine: Engine) {
    let app = TestApp::start(Options::new(engine).tune(|s| {
        s.config.limits.activation = sirm_app::limits::Rate::new(60, 8);
    }))
    .await;
    // ID numbers (what the counter and the activation form take); accounts
    // name persons by blind index.
    let person = sirm_app::testkit::person_ids(&app.sirm, 20).await.unwrap();
    let accounts: Vec<String> = app
        .sirm
        .store_for_maintenance()
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|a| a.person_id)
        .collect();
    let id = person
        .iter()
        .find(|p| !accounts.contains(&sirm_app::testkit::pk_of(&app.sirm, p).unwrap()))
        .unwrap();
    let name = sirm_app::testkit::person_by_id(&app.sirm, id)
        .await
        .unwrap()
        .unwrap()
        .name;
    let clerk = app.login("clerk").await;
    let (s, v) = clerk
        .post("/api/v1/activation-codes", json!({"person_id": id}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let code = v["code"].as_str().unwrap().to_string();
    let anon = app.anonymous();
    let activate = |id: String, name: String, code: String, user: &'static str| {
        let anon = anon.clone();
        async move {
            anon.post(
                "/api/v1/activate",
                json!({"person_id": id, "name": name, "code": code, "username": user, "password": "Qian-Jin-Nan-66"}),
            )
            .await
        }
    };
    let answers = vec![
        // Unknown person.
        activate(
            "11010519491231002X".into(),
            name.clone(),
            code.clone(),
            "newuser",
        )
        .await,
        // Known person, wrong name.
        activate(id.clone(), "某某".into(), code.clone(), "newuser").await,
        // Right person and name, wrong code.
        activate(id.clone(), name.clone(), "000000000000".into(), "newuser").await,
        // Everything right but the username is taken.
        activate(id.clone(), name.clone(), code.clone(), "citizen").await,
        // Malformed ID number.
        activate("123".into(), name.clone(), code.clone(), "newuser").await,
    ];
    for (s, v) in &answers {
        assert_eq!(
            (s, v),
            (&StatusCode::UNAUTHORIZED, &answers[0].1),
            "{answers:?}"
        );
    }
    // The code was not used up by those: it still works.
    let (s, v) = activate(id.clone(), name.clone(), code.clone(), "newuser").await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    // Rate-limited per source: burst 8 configured, 6 used.
    let mut statuses = vec![];
    for _ in 0..4 {
        statuses.push(
            activate(id.clone(), name.clone(), code.clone(), "other")
                .await
                .0,
        );
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

/// Finding 7: the kiosk PIN check was unthrottled, and kiosk routes existed
/// on every server.
async fn finding_7_kiosk_only_where_enabled_and_one_pin_limiter(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let anon = app.anonymous();
    for path in ["/kiosk", "/kiosk/record"] {
        assert_eq!(anon.page(path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let app = TestApp::start(Options::new(engine).kiosk().tune(|s| {
        s.config.limits.pin = sirm_app::limits::Rate::new(6, 6);
    }))
    .await;
    let http = app.http.clone();
    let (cookie, field) = prelogin(&app, &http, "/kiosk").await;
    // Three telephone checks and three kiosk checks share one bucket of 6.
    for _ in 0..3 {
        let r = http
            .post(app.url("/api/v1/ivr/summary"))
            .json(&json!({"id_number": "11010519491231002X", "pin": "135790"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let kiosk = || {
        http.post(app.url("/kiosk"))
            .header("cookie", format!("sirm_csrf={cookie}"))
            .form(&[
                ("csrf", field.as_str()),
                ("id_number", "11010519491231002X"),
                ("pin", "135790"),
            ])
            .send()
    };
    for _ in 0..3 {
        assert_eq!(kiosk().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        kiosk().await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Finding 8: lockout per account and source address: guessing from one
/// address cannot lock the owner out elsewhere; several addresses can.
async fn finding_8_lockout_is_per_source(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let guess = |ip: &'static str| {
        let http = app.http_from(ip);
        let app = &app;
        async move {
            for i in 0..5 {
                let (s, _) = app
                    .login_raw_via(&http, "sysadmin", &format!("Guess-{i}-Aa!"), None)
                    .await;
                assert_eq!(s, StatusCode::UNAUTHORIZED);
            }
            http
        }
    };
    let attacker = guess("127.0.0.2").await;
    // The attacker's address is locked out, even with the right password…
    let code = app.totp_code("sysadmin").await;
    let (s, _) = app
        .login_raw_via(&attacker, "sysadmin", DEMO_PASSWORD, Some(&code))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // …while the administrator signs in from another address.
    app.login("sysadmin").await;
    // Guessing from three addresses locks the account itself.
    guess("127.0.0.3").await;
    guess("127.0.0.4").await;
    let code = app.totp_code("sysadmin").await;
    let (s, v) = app.login_raw("sysadmin", DEMO_PASSWORD, Some(&code)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let rows = audit(&app, "account=sysadmin&event=lockout").await;
    assert_eq!(rows.len(), 4, "three sources, then the account: {rows:?}");
    assert!(rows[0]["detail"]
        .as_str()
        .unwrap()
        .contains("several addresses"));
}

/// Finding 9: sessions end with a password change; re-enrolling a second
/// factor needs the current password and code; a code signs in once.
async fn finding_9_sessions_and_second_factors(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let a = app.login_new("clerk").await;
    let b = app.login_new("clerk").await;
    let (s, v) = a
        .post(
            "/api/v1/me/password",
            json!({"current_password": DEMO_PASSWORD, "new_password": "Zhao-Qian-Sun-88"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(a.get("/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(b.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    // Re-enrolment without, then with a wrong, then the right current proof.
    let (s, begun) = a.post("/api/v1/me/totp", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let secret = begun["secret"].as_str().unwrap().to_string();
    let new_code = || {
        let s = sirm_domain::access::totp::TotpSecret::from_base32(&secret).unwrap();
        sirm_domain::access::totp::code(&s, chrono::Utc::now().timestamp(), 30, 6)
    };
    let (s, v) = a
        .post(
            "/api/v1/me/totp/confirm",
            json!({"secret": secret, "code": new_code()}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("current_password"), "{v}");
    let (s, _) = a
        .post(
            "/api/v1/me/totp/confirm",
            json!({"secret": secret, "code": new_code(), "current_password": DEMO_PASSWORD, "current_code": app.totp_code("clerk").await}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "the old password no longer works"
    );
    let (s, codes) = a
        .post(
            "/api/v1/me/totp/confirm",
            json!({"secret": secret, "code": new_code(), "current_password": "Zhao-Qian-Sun-88", "current_code": app.totp_code("clerk").await}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{codes}");
    // One recovery code, two sign-ins at once: exactly one succeeds.
    let rc = codes[0].as_str().unwrap().to_string();
    let (r1, r2) = tokio::join!(
        app.login_raw("clerk", "Zhao-Qian-Sun-88", Some(&rc)),
        app.login_raw("clerk", "Zhao-Qian-Sun-88", Some(&rc)),
    );
    let oks = [r1.0, r2.0]
        .iter()
        .filter(|s| **s == StatusCode::OK)
        .count();
    assert_eq!(oks, 1, "{r1:?} {r2:?}");
    // One TOTP code, two sign-ins at once: exactly one succeeds.
    let code = app.totp_code("reviewer").await;
    let (r1, r2) = tokio::join!(
        app.login_raw("reviewer", DEMO_PASSWORD, Some(&code)),
        app.login_raw("reviewer", DEMO_PASSWORD, Some(&code)),
    );
    let oks = [r1.0, r2.0]
        .iter()
        .filter(|s| **s == StatusCode::OK)
        .count();
    assert_eq!(oks, 1, "{r1:?} {r2:?}");
}

/// Finding 10: CSV exports went out with formulas a spreadsheet would run.
async fn finding_10_csv_exports_neutralise_formulas(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let sys = app.login("sysadmin").await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
    for action in ["lock", "unlock"] {
        let (s, v) = sys
            .post(
                &format!("/api/v1/users/query/{action}"),
                json!({"reason": formula}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    }
    let a = app.login("auditadmin").await;
    let r = a.get_raw("/audit/export.csv?account=query").await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut seen = 0;
    for rec in reader.records() {
        for cell in rec.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
            if cell.contains("HYPERLINK") {
                assert!(cell.starts_with("'="), "{cell:?}");
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 2, "{text}");
    // The maintenance log and arrears exports use the same writer.
    let q = app.login("query").await;
    for path in ["/maintenance-log/export.csv", "/arrears/export.csv"] {
        let r = q.get_raw(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let text = r.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        for rec in reader.records() {
            for cell in rec.unwrap().iter() {
                assert!(!cell.starts_with(['=', '+', '@']), "{path}: {cell:?}");
            }
        }
    }
}

/// Finding 12: `next=/\evil.example` redirected off the site after sign-in.
async fn finding_12_no_open_redirect(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for (next, expected) in [
        ("/\\evil.example", "/home"),
        ("//evil.example", "/home"),
        ("https://evil.example/", "/home"),
        ("/my/record", "/my/record"),
    ] {
        let http = app.http.clone();
        let (cookie, field) = prelogin(&app, &http, "/login").await;
        let r = http
            .post(app.url("/login"))
            .header("cookie", format!("sirm_csrf={cookie}"))
            .form(&[
                ("csrf", field.as_str()),
                ("username", "citizen"),
                ("password", DEMO_PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.headers()["location"], expected, "{next}");
    }
}

/// Finding 13: changes of `[review]` and `[queries]` went unaudited, and a
/// one-stage chain let one person write a record alone.
async fn finding_13_review_chain_and_configuration(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let path = app.opts.data_dir.config_path();
    let original = std::fs::read_to_string(&path).unwrap();
    // One stage: refused at start, naming the file and the rule.
    std::fs::write(
        &path,
        format!("{original}\n[review]\n\"person.change\" = [\"preliminary\"]\n"),
    )
    .unwrap();
    let err = match sirm_app::Sirm::open(&app.opts, sirm_app::Access::Sign).await {
        Ok(_) => panic!("a one-stage chain was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("sirm.toml"), "{err}");
    assert!(err.contains("at least two stages"), "{err}");
    // A lawful change of [review] and of [queries] is recorded when the
    // installation opens, once.
    std::fs::write(
        &path,
        format!(
            "{original}\n[review]\n\"person.change\" = [\"preliminary\", \"approval\"]\n\n[queries.telephone]\nself = [\"contributions\"]\n"
        ),
    )
    .unwrap();
    for _ in 0..2 {
        let s = sirm_app::Sirm::open(&app.opts, sirm_app::Access::Sign)
            .await
            .unwrap();
        s.store_for_maintenance().close().await;
    }
    let rows = audit(&app, "event=config.change").await;
    let section = |name: &str| {
        rows.iter()
            .filter(|r| {
                r["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("[{name}] "))
            })
            .count()
    };
    assert_eq!(section("review"), 2, "{rows:?}");
    assert_eq!(section("queries"), 2, "{rows:?}");
    assert_eq!(section("security"), 1, "{rows:?}");
    assert!(
        rows[0]["detail"].as_str().unwrap().contains("approval")
            || rows[1]["detail"].as_str().unwrap().contains("approval")
    );
}

/// Finding 14: a former employer saw the person's current address and phone.
async fn finding_14_former_employer_sees_no_address(engine: Engine) {
    let app = TestApp::start(Options::new(engine).history()).await;
    let agent = app.login("agent").await;
    let (s, emp) = agent.get("/api/v1/employer").await;
    assert_eq!(s, StatusCode::OK, "{emp}");
    let employees = emp["employees"].as_array().unwrap();
    let former = employees
        .iter()
        .find(|e| !e["end_on"].is_null())
        .expect("a former employee in the demo");
    let current = employees
        .iter()
        .find(|e| e["end_on"].is_null())
        .expect("a current employee in the demo");
    let record = |h: &Value| {
        let agent = agent.clone();
        let h = h["handle"].as_str().unwrap().to_string();
        async move {
            let (s, v) = agent.get(&format!("/api/v1/employer/employees/{h}")).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v["record"]["person"].clone()
        }
    };
    let f = record(former).await;
    assert_eq!(
        (f["address"].as_str(), f["phone"].as_str()),
        (Some(""), Some(""))
    );
    let c = record(current).await;
    assert!(!c["address"].as_str().unwrap().is_empty(), "{c}");
}

/// Finding 15: files readable by others, ID numbers in URLs, typed
/// usernames kept verbatim.
async fn finding_15_private_at_rest_and_in_urls(engine: Engine) {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::start(Options::new(engine).history()).await;
    let dir = app.opts.data_dir.root().to_path_buf();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("keys")), 0o700);
    assert_eq!(mode(&dir.join("sirm.toml")), 0o600);
    assert_eq!(mode(&dir.join("keys/checkpoint.key")), 0o600);
    assert_eq!(mode(&dir.join("keys/index.key")), 0o600);
    assert_eq!(mode(&dir.join("keys/kek.key")), 0o600);
    if engine == Engine::Sqlite {
        assert_eq!(mode(&dir.join("sirm.db")), 0o600);
    }
    // No ID number in any link of the employer's, the delegate's or the
    // staff's pages; the old URL forms are gone.
    let agent = app.login("agent").await;
    let (_, html) = agent.page("/employer").await;
    let id_in_href = |html: &str| {
        html.split("href=\"").skip(1).any(|h| {
            let link = h.split('"').next().unwrap();
            link.as_bytes()
                .windows(17)
                .any(|w| w.iter().all(u8::is_ascii_digit))
        })
    };
    assert!(!id_in_href(&html), "{html}");
    let ids = sirm_app::testkit::person_ids(&app.sirm, 3).await.unwrap();
    let query = app.login("query").await;
    let (s, _) = query.get(&format!("/api/v1/persons/{}", ids[0])).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = query
        .post("/api/v1/persons/lookup", json!({"id": ids[0]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, form) = query.page("/persons").await;
    assert!(
        form.contains("method=\"post\" action=\"/persons\""),
        "{form}"
    );
    // A name typed at a failed sign-in is not kept.
    let typed = "My-Secret-Password-42";
    let (s, _) = app.login_raw(typed, "whatever", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.sirm.flush_refusals(true).await.unwrap();
    let all = audit(&app, "limit=100000").await;
    assert!(
        !serde_json::to_string(&all).unwrap().contains(typed),
        "typed name in the ledger"
    );
}

/// Finding 16: no security headers, CSRF tokens in URLs, counts on the
/// public page.
async fn finding_16_web_headers(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let anon = app.anonymous();
    for path in [
        "/",
        "/login",
        "/activate",
        "/healthz",
        "/nowhere",
        "/api/v1/openapi.json",
    ] {
        let r = anon.get_raw(path).await;
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert_eq!(script.trim(), "script-src 'self'", "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
        assert_eq!(h["x-frame-options"], "SAMEORIGIN", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h.get("strict-transport-security").is_none(), "{path}");
    }
    // No inline script anywhere (the CSP forbids it): every page a user
    // sees, signed in or not.
    let clerk = app.login("clerk").await;
    let citizen = app.login("citizen").await;
    for (who, path) in [
        (&anon, "/"),
        (&anon, "/login"),
        (&anon, "/activate"),
        (&anon, "/verify"),
        (&clerk, "/home"),
        (&clerk, "/queue"),
        (&clerk, "/declarations/new"),
        (&clerk, "/applications/new"),
        (&clerk, "/counter"),
        (&citizen, "/my/record"),
    ] {
        let (s, html) = who.page(path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(!html.contains("<script>"), "{path}: inline script");
        assert!(!html.contains(" onclick="), "{path}: inline handler");
        assert!(!html.contains("?csrf="), "{path}: token in a URL");
    }
    // The public page and readiness show no record counts.
    let (_, home) = anon.page("/").await;
    assert!(!home.contains("persons</span></th>"), "{home}");
    let (_, ready) = anon.get("/readyz").await;
    assert_eq!(ready, json!({"ready": true, "database": ready["database"]}));
    // HSTS once served behind TLS.
    let tls =
        TestApp::start(Options::new(engine).tune(|s| s.config.security.secure_cookies = true))
            .await;
    let r = tls.anonymous().get_raw("/login").await;
    assert!(r.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
}

/// The stable part of a refusal: its error code (JSON `error.code`, or the
/// error page's `data-code`).
fn error_code(body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return v["error"]["code"].as_str().unwrap_or("").to_string();
    }
    body.split("data-code=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or("")
        .to_string()
}

/// A foreign agency's staff account (agency 110108) with a demo second
/// factor, created the way only a test may (unreviewed append).
async fn foreign_staff(app: &TestApp, username: &str, role: &str) -> sirm_testkit::Client {
    use sirm_domain::records::{self, kind, AccountCreated};
    let a = AccountCreated {
        username: username.into(),
        display_name: username.into(),
        agency: "110108".into(),
        roles: vec![role.into()],
        kind: "staff".into(),
        person_id: None,
        employer: None,
    };
    let d = sirm_app::install::draft(
        &app.sirm.config,
        sirm_ledger::Stream::Security,
        kind::ACCOUNT_CREATED,
        records::account_subject(username),
        "test",
        &a,
    )
    .unwrap();
    sirm_app::testkit::append_unreviewed(&app.sirm, vec![d])
        .await
        .unwrap();
    let hash = sirm_app::password::hash(DEMO_PASSWORD).unwrap();
    app.sirm
        .store_for_maintenance()
        .set_password(
            username,
            &hash,
            false,
            chrono::Utc::now().timestamp_micros(),
            5,
        )
        .await
        .unwrap();
    app.sirm
        .store_for_maintenance()
        .set_totp(
            username,
            Some(
                &app.sirm
                    .seal_totp(username, &sirm_app::demo::demo_totp_secret(username))
                    .unwrap(),
            ),
            &[],
        )
        .await
        .unwrap();
    app.login(username).await
}

/// Object-level access: for every route that takes an identifier, a user of
/// each role with access to the route tries another subject's identifier
/// (another agency's application, person, account, role request or upload;
/// another person's certificate; a person who is not the employer's
/// employee) and gets exactly the answer a missing identifier gets.
async fn object_level_access(engine: Engine) {
    use sha2::Digest;
    use sirm_testkit::Method;
    let app = TestApp::start(Options::new(engine).history()).await;
    // The identifier routes, walked from the mounted router. A new one must
    // be added here, with its cases below.
    let mounted =
        sirm_web::mounted_routes(app.sirm.clone(), sirm_web::ServeOptions { kiosk: true });
    let mut with_ids: Vec<String> = mounted
        .iter()
        .filter(|r| r.path.contains('{'))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    with_ids.sort();
    let mut expected = vec![
        "GET /applications/{id}",
        "POST /applications/{id}/decision",
        "POST /applications/{id}/resubmit",
        "POST /applications/{id}/withdraw",
        "GET /applications/{id}/materials/{sha256}",
        "GET /api/v1/applications/{id}",
        "POST /api/v1/applications/{id}/decision",
        "GET /declarations/jobs/{token}",
        "GET /api/v1/declarations/jobs/{token}",
        "GET /my/certificates/{code}/pdf",
        "GET /verify/{code}",
        "GET /api/v1/certificates/{code}",
        "GET /employer/employees/{id}",
        "GET /api/v1/employer/employees/{id}",
        "POST /admin/users/{username}/{action}",
        "POST /api/v1/users/{username}/{action}",
        "POST /api/v1/users/{username}/roles/{role}/revoke",
        "POST /admin/role-requests/{id}/{action}",
        "POST /api/v1/role-requests/{id}/decision",
        "GET /rules/{version}",
    ];
    expected.sort();
    assert_eq!(with_ids, expected);

    // Objects of the home agency (110105).
    let clerk = app.login("clerk").await;
    let submit = |bytes: &'static [u8]| {
        let clerk = clerk.clone();
        async move {
            use base64::Engine as _;
            let id = format!(
                "11010519900307{:03}",
                u16::from(bytes[bytes.len() - 1]) % 500
            );
            let first17 = &id[..17];
            let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = first17
                .chars()
                .zip(w)
                .map(|(c, w)| c.to_digit(10).unwrap() * w)
                .sum();
            let id = format!("{first17}{}", &"10X98765432"[(sum % 11) as usize..][..1]);
            let (s, v) = clerk
                .post(
                    "/api/v1/applications",
                    json!({"business_type": "person.register",
                        "data": {"id": id, "name": "对象测试", "address": "北京市朝阳区", "phone": "13800001111", "registered_on": "2026-11-01"},
                        "materials": [{"name": "scan.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(bytes)}]}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            v["application_id"].as_str().unwrap().to_string()
        }
    };
    let app_a = submit(b"%PDF-1.4 material of A 1").await;
    let app_b = submit(b"%PDF-1.4 material of B 2").await;
    let sha_b = hex::encode(sha2::Sha256::digest(b"%PDF-1.4 material of B 2"));
    let no_app = "APP-000000000000".to_string();
    let no_sha = "0".repeat(64);
    // An upload job of the home clerk.
    let employer = app
        .sirm
        .store_for_maintenance()
        .account("agent")
        .await
        .unwrap()
        .unwrap()
        .employer
        .unwrap();
    let form = clerk
        .multipart_form()
        .text("credit_code", employer.to_string())
        .text("month", "2024-05")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"110105199003071220,5000.00\n".to_vec())
                .file_name("d.csv"),
        );
    let r = clerk.send_multipart("/declarations", form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token = r.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let no_token = "0".repeat(token.len());
    // A certificate of the citizen's.
    let citizen = app.login("citizen").await;
    let (s, v) = citizen
        .post("/api/v1/my/certificates", json!({"kind": "contribution"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let code = v["code"].as_str().unwrap().to_string();
    let no_code = "AAAA-BBBB-CCCC-DDDD".to_string();
    // A role request of the home agency.
    let sys = app.login("sysadmin").await;
    let (s, v) = sys
        .post(
            "/api/v1/role-requests",
            json!({"username": "query", "role": "reviewer", "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let rr = v["request_id"].as_str().unwrap().to_string();
    let no_rr = "RR-000000000000".to_string();
    // A person of the home agency, and one nobody registered.
    let person = sirm_app::testkit::person_ids(&app.sirm, 1).await.unwrap()[0].clone();
    let no_person = "110105199003071220".to_string();
    // A person who is not the agent's employer's employee, by the handle
    // the employer portal would make for them.
    let (_, emp) = app.login("agent").await.get("/api/v1/employer").await;
    let stranger = app
        .sirm
        .store_for_maintenance()
        .person_ids(100)
        .await
        .unwrap()
        .into_iter()
        .find(|p| {
            !emp["employees"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["person_id"] == p.as_str())
        })
        .unwrap();
    let forged = app.sirm.employee_handle(&employer.to_string(), &stranger);
    let no_handle = "0".repeat(24);

    // The requesters: another agency's staff, and the home agency's
    // external users.
    let clerk2 = foreign_staff(&app, "clerk2", "clerk").await;
    let reviewer2 = foreign_staff(&app, "reviewer2", "reviewer").await;
    let maint2 = foreign_staff(&app, "maint2", "maintenance_officer").await;
    let query2 = foreign_staff(&app, "query2", "query_officer").await;
    let sys2 = foreign_staff(&app, "sys2", "system_admin").await;
    let sec2 = foreign_staff(&app, "sec2", "security_admin").await;
    let retiree = app.login("retiree").await;
    let agent = app.login("agent").await;

    let mut checked = std::collections::BTreeSet::new();
    // (requester, method, route, other, missing, body)
    let json_cases: Vec<(
        &sirm_testkit::Client,
        Method,
        &str,
        String,
        String,
        Option<Value>,
    )> = vec![
        (
            &clerk2,
            Method::GET,
            "/api/v1/applications/{id}",
            format!("/api/v1/applications/{app_a}"),
            format!("/api/v1/applications/{no_app}"),
            None,
        ),
        (
            &reviewer2,
            Method::GET,
            "/api/v1/applications/{id}",
            format!("/api/v1/applications/{app_a}"),
            format!("/api/v1/applications/{no_app}"),
            None,
        ),
        (
            &citizen,
            Method::GET,
            "/api/v1/applications/{id}",
            format!("/api/v1/applications/{app_a}"),
            format!("/api/v1/applications/{no_app}"),
            None,
        ),
        (
            &reviewer2,
            Method::POST,
            "/api/v1/applications/{id}/decision",
            format!("/api/v1/applications/{app_a}/decision"),
            format!("/api/v1/applications/{no_app}/decision"),
            Some(json!({"stage": "review", "approve": true})),
        ),
        (
            &clerk2,
            Method::GET,
            "/api/v1/declarations/jobs/{token}",
            format!("/api/v1/declarations/jobs/{token}"),
            format!("/api/v1/declarations/jobs/{no_token}"),
            None,
        ),
        (
            &retiree,
            Method::GET,
            "/my/certificates/{code}/pdf",
            format!("/my/certificates/{code}/pdf"),
            format!("/my/certificates/{no_code}/pdf"),
            None,
        ),
        (
            &agent,
            Method::GET,
            "/my/certificates/{code}/pdf",
            format!("/my/certificates/{code}/pdf"),
            format!("/my/certificates/{no_code}/pdf"),
            None,
        ),
        (
            &query2,
            Method::GET,
            "/my/certificates/{code}/pdf",
            format!("/my/certificates/{code}/pdf"),
            format!("/my/certificates/{no_code}/pdf"),
            None,
        ),
        (
            &agent,
            Method::GET,
            "/api/v1/employer/employees/{id}",
            format!("/api/v1/employer/employees/{forged}"),
            format!("/api/v1/employer/employees/{no_handle}"),
            None,
        ),
        (
            &citizen,
            Method::GET,
            "/api/v1/employer/employees/{id}",
            format!("/api/v1/employer/employees/{forged}"),
            format!("/api/v1/employer/employees/{no_handle}"),
            None,
        ),
        (
            &sys2,
            Method::POST,
            "/api/v1/users/{username}/{action}",
            "/api/v1/users/clerk/lock".into(),
            "/api/v1/users/nobody/lock".into(),
            Some(json!({"reason": "x"})),
        ),
        (
            &sys2,
            Method::POST,
            "/api/v1/users/{username}/{action}",
            "/api/v1/users/clerk/password-reset".into(),
            "/api/v1/users/nobody/password-reset".into(),
            Some(json!({})),
        ),
        (
            &sys2,
            Method::POST,
            "/api/v1/users/{username}/roles/{role}/revoke",
            "/api/v1/users/clerk/roles/clerk/revoke".into(),
            "/api/v1/users/nobody/roles/clerk/revoke".into(),
            Some(json!({"reason": "x"})),
        ),
        (
            &sec2,
            Method::POST,
            "/api/v1/role-requests/{id}/decision",
            format!("/api/v1/role-requests/{rr}/decision"),
            format!("/api/v1/role-requests/{no_rr}/decision"),
            Some(json!({"approve": true})),
        ),
        // Identifiers in bodies.
        (
            &query2,
            Method::POST,
            "body: person lookup",
            "/api/v1/persons/lookup".into(),
            "/api/v1/persons/lookup".into(),
            None,
        ),
        (
            &clerk2,
            Method::POST,
            "body: activation code",
            "/api/v1/activation-codes".into(),
            "/api/v1/activation-codes".into(),
            None,
        ),
        (
            &clerk2,
            Method::POST,
            "body: query PIN",
            "/api/v1/query-pins".into(),
            "/api/v1/query-pins".into(),
            None,
        ),
        (
            &citizen,
            Method::POST,
            "body: certificate for another person",
            "/api/v1/my/certificates".into(),
            "/api/v1/my/certificates".into(),
            None,
        ),
    ];
    for (who, method, route, other, missing, body) in json_cases {
        let (b_other, b_missing) = match route {
            "body: person lookup" => (Some(json!({"id": person})), Some(json!({"id": no_person}))),
            "body: activation code" => (
                Some(json!({"person_id": person})),
                Some(json!({"person_id": no_person})),
            ),
            "body: query PIN" => (
                Some(json!({"person_id": person, "pin": "284913"})),
                Some(json!({"person_id": no_person, "pin": "284913"})),
            ),
            "body: certificate for another person" => {
                let other_pk: sirm_domain::id::PersonKey = app
                    .sirm
                    .store_for_maintenance()
                    .account("retiree")
                    .await
                    .unwrap()
                    .unwrap()
                    .person_id
                    .unwrap()
                    .parse()
                    .unwrap();
                let other_person = app
                    .sirm
                    .id_of(&other_pk)
                    .await
                    .unwrap()
                    .unwrap()
                    .to_string();
                (
                    Some(json!({"kind": "contribution", "id": other_person})),
                    Some(json!({"kind": "contribution", "id": no_person})),
                )
            }
            _ => (body.clone(), body),
        };
        let a = who.call(method.clone(), &other, b_other).await;
        let b = who.call(method, &missing, b_missing).await;
        assert!(a.0.is_client_error(), "{} {route}: {a:?}", who.user);
        assert_eq!(
            (a.0, error_code(&a.1)),
            (b.0, error_code(&b.1)),
            "{} {route}: another's identifier answered differently from a missing one:\n{a:?}\n{b:?}",
            who.user
        );
        checked.insert(route.to_string());
    }
    // Pages: the same, through the browser-style paths.
    let page_cases: Vec<(&sirm_testkit::Client, &str, String, String)> = vec![
        (
            &clerk2,
            "/applications/{id}",
            format!("/applications/{app_a}"),
            format!("/applications/{no_app}"),
        ),
        (
            &maint2,
            "/applications/{id}",
            format!("/applications/{app_a}"),
            format!("/applications/{no_app}"),
        ),
        (
            &agent,
            "/applications/{id}",
            format!("/applications/{app_a}"),
            format!("/applications/{no_app}"),
        ),
        // A material of another application, through an application the
        // clerk may see.
        (
            &clerk,
            "/applications/{id}/materials/{sha256}",
            format!("/applications/{app_a}/materials/{sha_b}"),
            format!("/applications/{app_a}/materials/{no_sha}"),
        ),
        (
            &clerk2,
            "/applications/{id}/materials/{sha256}",
            format!("/applications/{app_b}/materials/{sha_b}"),
            format!("/applications/{no_app}/materials/{no_sha}"),
        ),
        (
            &clerk2,
            "/declarations/jobs/{token}",
            format!("/declarations/jobs/{token}"),
            format!("/declarations/jobs/{no_token}"),
        ),
        (
            &agent,
            "/employer/employees/{id}",
            format!("/employer/employees/{forged}"),
            format!("/employer/employees/{no_handle}"),
        ),
    ];
    for (who, route, other, missing) in page_cases {
        let a = who.page(&other).await;
        let b = who.page(&missing).await;
        assert!(a.0.is_client_error(), "{} {route}: {}", who.user, a.0);
        assert_eq!(
            (a.0, error_code(&a.1)),
            (b.0, error_code(&b.1)),
            "{} {route}",
            who.user
        );
        checked.insert(route.to_string());
    }
    // Forms that change state.
    let form_cases: Vec<(
        &sirm_testkit::Client,
        &str,
        String,
        String,
        Vec<(&str, &str)>,
    )> = vec![
        (
            &reviewer2,
            "/applications/{id}/decision",
            format!("/applications/{app_a}/decision"),
            format!("/applications/{no_app}/decision"),
            vec![("stage", "review"), ("approve", "true")],
        ),
        (
            &clerk2,
            "/applications/{id}/withdraw",
            format!("/applications/{app_a}/withdraw"),
            format!("/applications/{no_app}/withdraw"),
            vec![("reason", "x")],
        ),
        (
            &clerk2,
            "/applications/{id}/resubmit",
            format!("/applications/{app_a}/resubmit"),
            format!("/applications/{no_app}/resubmit"),
            vec![],
        ),
        (
            &sys2,
            "/admin/users/{username}/{action}",
            "/admin/users/clerk/lock".into(),
            "/admin/users/nobody/lock".into(),
            vec![("reason", "x")],
        ),
        (
            &sec2,
            "/admin/role-requests/{id}/{action}",
            format!("/admin/role-requests/{rr}/approve"),
            format!("/admin/role-requests/{no_rr}/approve"),
            vec![("reason", "x")],
        ),
        (
            &query2,
            "body: person lookup page",
            "/persons".into(),
            "/persons".into(),
            vec![],
        ),
    ];
    for (who, route, other, missing, fields) in form_cases {
        let (fa, fb): (Vec<(&str, &str)>, Vec<(&str, &str)>) =
            if route == "body: person lookup page" {
                (
                    vec![("id", person.as_str())],
                    vec![("id", no_person.as_str())],
                )
            } else {
                (fields.clone(), fields)
            };
        let a = who.form(&other, &fa).await;
        let a = (a.status(), a.text().await.unwrap());
        let b = who.form(&missing, &fb).await;
        let b = (b.status(), b.text().await.unwrap());
        if route == "body: person lookup page" {
            // The lookup page answers 200 with the refusal in it.
            let name = sirm_app::testkit::person_by_id(&app.sirm, &person)
                .await
                .unwrap()
                .unwrap()
                .name;
            assert!(
                !a.1.contains(&name),
                "{}: the other agency's person shown",
                who.user
            );
            assert_eq!(error_code(&a.1), error_code(&b.1));
            checked.insert(route.to_string());
            continue;
        }
        assert!(a.0.is_client_error(), "{} {route}: {}", who.user, a.0);
        assert_eq!(
            (a.0, error_code(&a.1)),
            (b.0, error_code(&b.1)),
            "{} {route}",
            who.user
        );
        checked.insert(route.to_string());
    }
    // Every identifier route is covered, except public verification, where
    // knowing the code is the entitlement (unknown codes are "not found"),
    // and the versions of the installation's one regional rule set (public
    // figures, no other subject; an unknown version is "not found":
    // `rule_sets::parameters_page_and_review_diff`).
    for r in &expected {
        let path = r.split_once(' ').unwrap().1;
        if path.starts_with("/verify/")
            || path.starts_with("/api/v1/certificates/")
            || path.starts_with("/rules/")
        {
            continue;
        }
        assert!(checked.contains(path), "no object-level case for {r}");
    }
}

/// A multipart form carries its anti-forgery token as its first part, also
/// when the browser sends that part and a large file in one chunk.
async fn multipart_token_found_before_a_large_file(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let clerk = app.login("clerk").await;
    let employer = app
        .sirm
        .store_for_maintenance()
        .account("agent")
        .await
        .unwrap()
        .unwrap()
        .employer
        .unwrap();
    // The whole body in one piece, as a browser sends it: the token part and
    // a megabyte of file arrive in the server's first read.
    let boundary = "----SirmBoundary7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"credit_code\"\r\n\r\n{employer}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"month\"\r\n\r\n2024-05\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n",
        clerk.csrf
    );
    for i in 0..60_000 {
        body.push_str(&format!("line {i},1000.00\n"));
    }
    body.push_str(&format!("\r\n--{boundary}--\r\n"));
    let r = app
        .http
        .post(app.url("/declarations"))
        .header("cookie", format!("sirm_session={}", clerk.token))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_ne!(
        r.status(),
        StatusCode::FORBIDDEN,
        "{}",
        r.text().await.unwrap()
    );
    // Without the token first: refused.
    let form = reqwest::multipart::Form::new()
        .text("credit_code", employer.to_string())
        .text("csrf", clerk.csrf.clone());
    let r = clerk.send_multipart("/declarations", form).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// The public routes are exactly these, each with a per-source rate class;
/// the list comes from the routes the router was built with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_routes_are_exactly_these() {
    let app = TestApp::start(Options::new(Engine::Sqlite).kiosk()).await;
    let mounted =
        sirm_web::mounted_routes(app.sirm.clone(), sirm_web::ServeOptions { kiosk: true });
    let mut public: Vec<String> = mounted
        .iter()
        .filter(|r| r.guard == sirm_web::routes::Guard::Public)
        .map(|r| {
            assert!(
                r.rate.is_some(),
                "{} {} has no rate class",
                r.method,
                r.path
            );
            format!("{} {}", r.method, r.path)
        })
        .collect();
    public.sort();
    let mut expected = vec![
        "GET /",
        "GET /activate",
        "POST /activate",
        "GET /healthz",
        "GET /metrics",
        "GET /readyz",
        "GET /login",
        "POST /login",
        "GET /reset",
        "POST /reset",
        "GET /kiosk",
        "POST /kiosk",
        "GET /kiosk/record",
        "POST /kiosk/certificate",
        "POST /kiosk/logout",
        "GET /static/sirm.js",
        "GET /static/kiosk.js",
        "GET /verify",
        "POST /verify",
        "GET /verify/{code}",
        "GET /api/v1/openapi.json",
        "GET /api/v1/ledger/checkpoint",
        "GET /api/v1/ledger/proof/inclusion",
        "GET /api/v1/ledger/proof/consistency",
        "POST /api/v1/session",
        "POST /api/v1/activate",
        "POST /api/v1/password-reset",
        "POST /api/v1/ivr/summary",
        "GET /api/v1/certificates/{code}",
        "POST /api/v1/certificates/verify",
    ];
    expected.sort();
    assert_eq!(public, expected);
    // Without kiosk mode the kiosk routes are not mounted at all.
    let plain = sirm_web::mounted_routes(app.sirm.clone(), sirm_web::ServeOptions::default());
    assert!(!plain.iter().any(|r| r.path.starts_with("/kiosk")));
}

sirm_testkit::both_engines!(
    break_in_1_sysadmin_cannot_seize_every_role,
    break_in_2_anonymous_flood_writes_one_summary,
    finding_5_password_reset_is_a_one_time_code,
    finding_6_activation_is_not_an_oracle,
    finding_7_kiosk_only_where_enabled_and_one_pin_limiter,
    finding_8_lockout_is_per_source,
    finding_9_sessions_and_second_factors,
    finding_10_csv_exports_neutralise_formulas,
    finding_12_no_open_redirect,
    finding_13_review_chain_and_configuration,
    finding_14_former_employer_sees_no_address,
    finding_15_private_at_rest_and_in_urls,
    finding_16_web_headers,
    multipart_token_found_before_a_large_file,
    object_level_access,
);
