//! The outside review's two break-ins: a system administrator crowning roles, an anonymous flood writing to the ledger.

use super::*;

/// Break-in 1: one system administrator crowned a security administrator
/// by revoking the only one and letting the bootstrap approve a puppet.
pub(super) async fn break_in_1_sysadmin_cannot_seize_every_role(engine: Engine) {
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
pub(super) async fn break_in_2_anonymous_flood_writes_one_summary(engine: Engine) {
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
    if after - before > 3 + windows {
        // Name what was written, to tell a slow machine from a leak.
        let seqs: Vec<u64> = (before..after).collect();
        let rows = app
            .sirm
            .store_for_maintenance()
            .entries_by_seq(&seqs)
            .await
            .unwrap();
        let written: Vec<String> = rows
            .iter()
            .map(|r| format!("{} {} {:.120}", r.kind, r.subject, r.payload))
            .collect();
        panic!(
            "{} entries for {N} requests in {windows} refusal windows ({:?}): {written:#?}",
            after - before,
            started.elapsed()
        );
    }
    let alarms = app.sirm.open_alarms().await.unwrap();
    assert_eq!(
        alarms.iter().filter(|a| a.kind == "flood").count(),
        1,
        "{alarms:?}"
    );
    let (s, rows) = auditor.get("/api/v1/audit?event=refusals.summary").await;
    assert_eq!(s, StatusCode::OK, "{rows}");
    let rows = rows.as_array().unwrap();
    // One summary per window the flood spanned, together counting every
    // request once.
    assert!(
        !rows.is_empty() && rows.len() as u64 <= windows,
        "{} summaries in {windows} windows: {rows:?}",
        rows.len()
    );
    let details: Vec<&str> = rows.iter().map(|r| r["detail"].as_str().unwrap()).collect();
    let counted: usize = details
        .iter()
        .map(|d| d.split(' ').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(counted, N, "every request counted once: {details:?}");
    let detail = details.join("\n");
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
