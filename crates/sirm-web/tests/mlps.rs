//! Level-3 assessment items served over HTTP (docs/mlps-level3.md):
//! management from the management terminals only (入侵防范 c) and alarms
//! that stay until an administrator acknowledges them (入侵防范 f).

use sirm_testkit::{both_engines, Engine, Options, StatusCode, TestApp};

both_engines!(
    admin_routes_answer_only_the_management_terminals,
    an_administrator_locked_out_raises_an_alarm,
    the_query_log_is_sealed_into_the_ledger_and_checked
);

async fn admin_routes_answer_only_the_management_terminals(engine: Engine) {
    let app = TestApp::start(Options::new(engine).tune(|s| {
        s.config.server.admin_networks = vec!["127.0.0.1/32".parse().unwrap()];
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
