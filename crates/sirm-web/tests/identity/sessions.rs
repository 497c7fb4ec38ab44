//! Sign-in: lockout and its audit, sessions, CSRF and first sign-in, external identities, session expiry.

use super::*;

pub(super) async fn six_wrong_passwords_lock_and_audit_sees_all(engine: Engine) {
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

pub(super) async fn sessions_csrf_and_first_login(engine: Engine) {
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
    // Every refusal a user meets names its reason by id (pages pick their
    // Chinese by it, never by the English words).
    let (s, body) = app
        .call(
            Some(&t),
            Method::POST,
            "/api/v1/me/password",
            Some(json!({"current_password": "not-the-password", "new_password": "Zq-7-unrelated-Pw"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["rule"], "password.current", "{body}");
    let (s, v) = app.login_raw("newclerk", "not-the-password", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "unauthenticated", "{v}");
    assert_eq!(v["error"]["rule"], "sign-in.refused", "{v}");
    let (s, body) = app
        .call(
            Some(&sys),
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "newclerk", "display_name": "又一位"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["rule"], "account.exists", "{body}");
    let clerk = app.login("clerk").await;
    // A wrong check digit: refused by the identifier's rule.
    let (s, body) = app
        .call(
            Some(&clerk),
            Method::POST,
            "/api/v1/persons/lookup",
            Some(json!({"id": "110105194912310021"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["rule"], "id.resident", "{body}");
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

pub(super) async fn external_identities(engine: Engine) {
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
            Some(json!({"person_id": id, "id_document_checked": true})),
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

pub(super) async fn sessions_expire(engine: Engine) {
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
