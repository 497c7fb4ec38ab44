//! Findings of the second attack on a demo (after the first review's were
//! closed), one regression test each, both engines (docs/security.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use sirm_testkit::{both_engines, Engine, StatusCode, TestApp};

both_engines!(
    finding_a_last_administrator_race,
    finding_b_signed_in_denials_do_not_grow_the_ledger_one_for_one,
    finding_c_sysadmin_cannot_reset_the_security_administrator,
    finding_e_chunked_body_over_its_cap_names_the_cap,
);

async fn ledger_size(app: &TestApp) -> u64 {
    app.sirm
        .store_for_maintenance()
        .head()
        .await
        .unwrap()
        .unwrap()
        .checkpoint
        .tree_size
}

async fn active_holders(app: &TestApp, role: &str) -> usize {
    app.sirm
        .store_for_maintenance()
        .accounts()
        .await
        .unwrap()
        .iter()
        .filter(|a| a.status.as_str() == "active" && a.roles.iter().any(|r| r == role))
        .count()
}

/// Two locks of the two security administrators at the same moment: the
/// rule is checked again inside the append transaction, so one of them
/// stays. Tried several times (the race needs both checks before either write).
async fn finding_a_last_administrator_race(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let sys = app.login("sysadmin").await;
    let sec = app.login("secadmin").await;
    let (s, v) = sys
        .post(
            "/api/v1/users",
            json!({"username": "second", "display_name": "第二安全管理员"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, v) = sys
        .post(
            "/api/v1/role-requests",
            json!({"username": "second", "role": "security_admin", "reason": "deputy"}),
        )
        .await;
    let rid = v["request_id"].as_str().unwrap().to_string();
    let (s, v) = sec
        .post(
            &format!("/api/v1/role-requests/{rid}/decision"),
            json!({"approve": true, "reason": "ok"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    for round in 0..5 {
        assert_eq!(
            active_holders(&app, "security_admin").await,
            2,
            "round {round}"
        );
        let (a, b) = tokio::join!(
            sys.post("/api/v1/users/secadmin/lock", json!({"reason": "race"})),
            sys.post("/api/v1/users/second/lock", json!({"reason": "race"})),
        );
        let ok = [a.0, b.0].iter().filter(|s| s.is_success()).count();
        assert_eq!(ok, 1, "exactly one lock wins: {a:?} {b:?}");
        let refused = if a.0.is_success() { &b.1 } else { &a.1 };
        assert!(
            refused.to_string().contains("last-administrator"),
            "{refused}"
        );
        assert_eq!(active_holders(&app, "security_admin").await, 1);
        // Unlock for the next round.
        for u in ["secadmin", "second"] {
            sys.post(
                &format!("/api/v1/users/{u}/unlock"),
                json!({"reason": "again"}),
            )
            .await;
        }
    }
}

/// A signed-in insured person asking 200 times for what they may not see
/// adds a bounded number of entries, not 200.
async fn finding_b_signed_in_denials_do_not_grow_the_ledger_one_for_one(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let citizen = app.login("citizen").await;
    let before = ledger_size(&app).await;
    for _ in 0..200 {
        let (s, _) = citizen.get("/api/v1/users").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    app.sirm.flush_refusals(true).await.unwrap();
    let added = ledger_size(&app).await - before;
    assert!(
        added <= u64::from(sirm_app::identity::refusals::DENIALS_WRITTEN_PER_MINUTE) * 2 + 2,
        "{added} entries for 200 denials"
    );
    assert!(added >= 2, "the denials are still recorded ({added})");
}

/// The system administrator cannot reset (and so take over or shut out) the
/// security or audit administrator's password.
async fn finding_c_sysadmin_cannot_reset_the_security_administrator(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let sys = app.login("sysadmin").await;
    for u in ["secadmin", "auditadmin"] {
        let (s, v) = sys
            .post(&format!("/api/v1/users/{u}/password-reset"), json!({}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{u}: {v}");
        assert!(v.to_string().contains("admin-reset"), "{v}");
    }
    // Other staff are reset as before.
    let (s, v) = sys
        .post("/api/v1/users/reviewer/password-reset", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// A body sent without a declared length that runs over its cap gets the
/// same 413 naming the cap as a declared one.
async fn finding_e_chunked_body_over_its_cap_names_the_cap(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // The server may answer and close before the client has sent it all
    // (a broken pipe on the client's side): try until an answer is read.
    // A client without a connection pool, so no request of this test rides
    // on a connection the server has already closed.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("a plain HTTP client builds");
    let mut answered = 0;
    for _ in 0..10 {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            (0..20).map(|_| Ok(vec![b'a'; 16 * 1024])).collect();
        let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
        let Ok(r) = http
            .post(app.url("/api/v1/session"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
        else {
            continue;
        };
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let text = r.text().await.unwrap_or_default();
        assert!(text.contains("limits."), "{text}");
        answered += 1;
    }
    assert!(answered > 0, "no answer was read");
    let healthz = http.get(app.url("/healthz")).send().await;
    let healthz = healthz.expect("the server still answers after the refusals");
    assert_eq!(healthz.status(), StatusCode::OK);
}
