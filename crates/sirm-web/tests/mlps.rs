//! Level-3 assessment items served over HTTP (docs/mlps-level3.md):
//! management from the management terminals only (入侵防范 c) and alarms
//! that stay until an administrator acknowledges them (入侵防范 f).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sirm_testkit::{both_engines, Engine, Options, StatusCode, TestApp};

both_engines!(
    admin_routes_answer_only_the_management_terminals,
    an_administrator_locked_out_raises_an_alarm,
    the_query_log_is_sealed_into_the_ledger_and_checked,
    accounts_are_retired_and_unused_ones_disabled,
    the_telephone_system_must_present_its_credential,
    exports_are_recorded,
    totp_secrets_are_sealed_at_rest
);

async fn admin_routes_answer_only_the_management_terminals(engine: Engine) {
    // The agency's monitoring: a webhook that keeps what it is sent.
    let hook = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/alarms", hook.local_addr().unwrap());
    let received = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut sock, _) = hook.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !String::from_utf8_lossy(&buf).contains("outside-admin-network") {
            let n = sock.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let _ = sock
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await;
        String::from_utf8_lossy(&buf).to_string()
    });
    let app = TestApp::start(Options::new(engine).tune(move |s| {
        s.config.server.admin_networks = vec!["127.0.0.1/32".parse().unwrap()];
        s.config.alarms.webhook = Some(hook_url);
    }))
    .await;
    let dba = app.login("dba").await;
    let secadmin = app.login("secadmin").await;
    let clerk = app.login("clerk").await;
    // From the management terminal: served.
    let (s, _) = dba.page("/operations").await;
    assert_eq!(s, StatusCode::OK);

    // The same session from another address: refused before the session is
    // even looked at, and alarmed once.
    let before = app.ledger_size().await;
    let mut elsewhere = dba.clone();
    elsewhere.http = app.http_from("127.0.0.2");
    for path in ["/operations", "/audit", "/api/v1/users"] {
        let (s, body) = elsewhere.call(sirm_testkit::Method::GET, path, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {body}");
        assert!(body.contains("admin-networks"), "{path}: {body}");
    }
    let alarms = app.sirm.open_alarms().await.unwrap();
    let raised: Vec<_> = alarms
        .iter()
        .filter(|a| a.kind == "outside-admin-network")
        .collect();
    assert_eq!(
        raised.len(),
        1,
        "one alarm per source and period: {alarms:?}"
    );
    assert_eq!(raised[0].source, "127.0.0.2");
    // … and sent to the webhook, as JSON naming the alarm and the source.
    let sent = tokio::time::timeout(std::time::Duration::from_secs(10), received)
        .await
        .expect("the webhook got the alarm")
        .unwrap();
    assert!(sent.starts_with("POST /alarms"), "{sent}");
    assert!(sent.contains("\"source\":\"127.0.0.2\""), "{sent}");
    assert!(
        app.ledger_size().await <= before + 1,
        "no entry per request"
    );

    // A clerk's route from that address is not administration: served.
    let mut clerk_elsewhere = clerk.clone();
    clerk_elsewhere.http = app.http_from("127.0.0.2");
    let (s, _) = clerk_elsewhere.page("/home").await;
    assert_eq!(s, StatusCode::OK);

    // The alarm is on the administrators' workbench until acknowledged.
    let (_, home) = secadmin.page("/home").await;
    assert!(home.contains("id=\"alarms\""), "{home}");
    assert!(home.contains("outside-admin-network"), "{home}");
    let seq = raised[0].seq.to_string();
    // A clerk cannot acknowledge it.
    let r = clerk
        .form(
            "/alarms/acknowledge",
            &[("alarm", &seq), ("note", "checked")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Without saying what was done: refused, the alarm stays.
    let r = secadmin
        .form("/alarms/acknowledge", &[("alarm", &seq), ("note", "")])
        .await;
    assert_ne!(r.status(), StatusCode::SEE_OTHER);
    let r = secadmin
        .form(
            "/alarms/acknowledge",
            &[
                ("alarm", &seq),
                ("note", "walked to 127.0.0.2: a test client"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app
        .sirm
        .open_alarms()
        .await
        .unwrap()
        .iter()
        .all(|a| a.seq != raised[0].seq));
    let (_, home) = secadmin.page("/home").await;
    assert!(!home.contains("outside-admin-network"), "{home}");
    // The acknowledgement is itself in the audit trail.
    let auditadmin = app.login("auditadmin").await;
    let (s, trail) = auditadmin
        .get("/api/v1/audit?event=alarm.acknowledged")
        .await;
    assert_eq!(s, StatusCode::OK, "{trail}");
    assert!(
        trail.to_string().contains(&format!("alarm={seq}")),
        "{trail}"
    );
    // Twice: refused, nothing written.
    let r = secadmin
        .form(
            "/alarms/acknowledge",
            &[("alarm", &seq), ("note", "again!")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

async fn an_administrator_locked_out_raises_an_alarm(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let from = app.http_from("127.0.0.3");
    for _ in 0..10 {
        let _ = app
            .login_raw_via(&from, "secadmin", "wrong-password-1A!", None)
            .await;
    }
    let alarms = app.sirm.open_alarms().await.unwrap();
    assert!(
        alarms
            .iter()
            .any(|a| a.kind == "admin-lockout" && a.detail.contains("secadmin")),
        "{alarms:?}"
    );
    // A citizen's lockout is not an administrator's: no alarm for it.
    for _ in 0..10 {
        let _ = app
            .login_raw_via(&from, "citizen", "wrong-password-1A!", None)
            .await;
    }
    let alarms = app.sirm.open_alarms().await.unwrap();
    assert!(
        !alarms.iter().any(|a| a.detail.contains("citizen")),
        "{alarms:?}"
    );
}

/// Every look-up is evidence: the query log rows are sealed into the ledger
/// in batches, and a row changed behind SIRM's back is found (安全审计).
async fn the_query_log_is_sealed_into_the_ledger_and_checked(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let citizen = app.login("citizen").await;
    for _ in 0..3 {
        let (s, _) = citizen.get("/api/v1/my/record").await;
        assert_eq!(s, StatusCode::OK);
    }
    let now = chrono::Utc::now().timestamp_micros() + 1;
    let sealed = app.sirm.seal_query_log_until(now).await.unwrap();
    assert!(sealed >= 3, "{sealed}");
    // Nothing new: no second seal.
    assert_eq!(app.sirm.seal_query_log_until(now + 1).await.unwrap(), 0);
    let c = app.sirm.check_query_log().await.unwrap();
    assert!(c.is_intact(), "{c:?}");
    assert_eq!((c.seals, c.sealed_rows), (1, sealed));

    // Someone with database access edits a row (the append-only guard
    // lifted, as an attacker with the owner's rights could).
    let cfg = app.opts.store_config(Some(&app.sirm.config));
    let owner = sirm_store::Store::connect(&cfg, sirm_store::Role::Owner)
        .await
        .unwrap();
    let statements: &[&str] = match engine {
        Engine::Sqlite => &[
            "DROP TRIGGER query_log_no_update",
            "UPDATE query_log SET source = '10.9.9.9' WHERE time_us = (SELECT MIN(time_us) FROM query_log)",
        ],
        Engine::Postgres => &[
            "UPDATE query_log SET source = '10.9.9.9' WHERE time_us = (SELECT MIN(time_us) FROM query_log)",
        ],
    };
    for s in statements {
        owner.execute_raw(s).await.unwrap();
    }
    owner.close().await;
    let c = app.sirm.check_query_log().await.unwrap();
    assert!(!c.is_intact());
    assert!(c.problems[0].contains("DIFFERS"), "{c:?}");
}

/// Accounts (访问控制 b, c): an account is retired, never deleted, and never
/// used again; a staff account unused for `[security] inactive_days` is
/// disabled at its next sign-in, and an unlock starts the period again.
async fn accounts_are_retired_and_unused_ones_disabled(engine: Engine) {
    let app = TestApp::start(Options::new(engine).tune(|s| {
        s.config.security.inactive_days = 30;
    }))
    .await;
    let sysadmin = app.login("sysadmin").await;

    // Unused: the maintainer's last sign-in (none) and password are old.
    app.sirm
        .store_for_maintenance()
        .execute_raw("UPDATE credential SET changed_us = 0 WHERE username = 'maintainer'")
        .await
        .unwrap();
    let code = app.totp_code("maintainer").await;
    let (s, v) = app
        .login_raw("maintainer", sirm_testkit::DEMO_PASSWORD, Some(&code))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    assert!(v.to_string().contains("30"), "{v}");
    let row = app
        .sirm
        .store_for_maintenance()
        .account("maintainer")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status.as_str(), "locked");
    // The system administrator unlocks it: the period starts again.
    let (s, v) = sysadmin
        .post(
            "/api/v1/users/maintainer/unlock",
            serde_json::json!({"reason": "back from leave"}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let code = app.totp_code("maintainer").await;
    let (s, v) = app
        .login_raw("maintainer", sirm_testkit::DEMO_PASSWORD, Some(&code))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // An administrator is not locked (the last one could never be
    // unlocked): the sign-in passes and an alarm names the account, which
    // that administrator may not acknowledge.
    app.sirm
        .store_for_maintenance()
        .execute_raw("UPDATE credential SET changed_us = 0 WHERE username = 'auditadmin'")
        .await
        .unwrap();
    let auditadmin = app.login("auditadmin").await;
    let alarms = app.sirm.open_alarms().await.unwrap();
    let unused = alarms
        .iter()
        .find(|a| a.kind == "unused-admin")
        .unwrap_or_else(|| panic!("{alarms:?}"));
    assert_eq!(unused.subject, "auditadmin");
    let seq = unused.seq.to_string();
    let r = auditadmin
        .form(
            "/alarms/acknowledge",
            &[("alarm", &seq), ("note", "it is me")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let secadmin = app.login("secadmin").await;
    let r = secadmin
        .form(
            "/alarms/acknowledge",
            &[("alarm", &seq), ("note", "still the audit administrator")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Retired: never signs in, never unlocked, the name stays taken.
    let rechecker = app.login("rechecker").await;
    let (s, v) = sysadmin
        .post(
            "/api/v1/users/rechecker/retire",
            serde_json::json!({"reason": "left the agency"}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let (s, _) = rechecker.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "its sessions ended");
    let code = app.totp_code("rechecker").await;
    let (s, _) = app
        .login_raw("rechecker", sirm_testkit::DEMO_PASSWORD, Some(&code))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = sysadmin
        .post(
            "/api/v1/users/rechecker/unlock",
            serde_json::json!({"reason": "try"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = sysadmin
        .post(
            "/api/v1/users",
            serde_json::json!({"username": "rechecker", "display_name": "新人"}),
        )
        .await;
    assert!(s.is_client_error(), "the name is never reused: {v}");
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .account("rechecker")
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "retired"
    );
    // The last security administrator cannot be retired.
    let (s, v) = sysadmin
        .post(
            "/api/v1/users/secadmin/retire",
            serde_json::json!({"reason": "puppet"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v.to_string().contains("last-administrator"), "{v}");
}

/// The telephone system authenticates itself (访问控制): without the client
/// credential of `[ivr] clients`, even a right PIN gets the one refusal.
async fn the_telephone_system_must_present_its_credential(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ids = sirm_app::testkit::person_ids(&app.sirm, 1).await.unwrap();
    let clerk = app.login("clerk").await;
    let (s, v) = clerk
        .post(
            "/api/v1/query-pins",
            serde_json::json!({"person_id": ids[0], "pin": "284913", "id_document_checked": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let call = |http: reqwest::Client| {
        let url = app.url("/api/v1/ivr/summary");
        let id = ids[0].clone();
        async move {
            let r = http
                .post(url)
                .json(&serde_json::json!({"id_number": id, "pin": "284913"}))
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // The demo's telephone system (the testkit's clients carry its header).
    let (s, body) = call(app.http.clone()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // Anyone else: refused like a wrong PIN.
    let (s, body) = call(reqwest::Client::new()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("ivr_refused"), "{body}");
    let forged = reqwest::Client::builder()
        .default_headers(
            [(
                reqwest::header::HeaderName::from_static("x-sirm-client"),
                reqwest::header::HeaderValue::from_static("sirm-ivr-guess"),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    let (s, _) = call(forged).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

/// Exports are evidence (安全审计 a): a CSV download is an `export` event.
async fn exports_are_recorded(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let clerk = app.login("clerk").await;
    let r = clerk.get_raw("/arrears/export.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    let auditadmin = app.login("auditadmin").await;
    let (s, trail) = auditadmin.get("/api/v1/audit?event=export").await;
    assert_eq!(s, StatusCode::OK, "{trail}");
    let t = trail.to_string();
    assert!(t.contains("sirm-arrears.csv") && t.contains("clerk"), "{t}");
}

/// Second factors are not kept in clear (数据保密性 b): every staff TOTP
/// secret is sealed under the key-encryption key, and signing in works.
async fn totp_secrets_are_sealed_at_rest(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let stored = app
        .sirm
        .store_for_maintenance()
        .totp_secrets()
        .await
        .unwrap();
    assert!(stored.len() >= 8, "{}", stored.len());
    for (user, s) in &stored {
        assert!(
            s.starts_with(sirm_app::privacy::SECRET_PREFIX),
            "{user}: {s}"
        );
        let clear = sirm_app::demo::demo_totp_secret(user);
        assert!(!s.contains(&clear), "{user}: secret in clear");
    }
    // The second factor still signs in (the testkit sends the demo code).
    let dba = app.login("dba").await;
    let (s, _) = dba.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::OK);
}
