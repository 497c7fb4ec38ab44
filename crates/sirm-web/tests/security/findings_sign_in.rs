//! Findings 5–9: password reset, activation, kiosk PIN limiter, lockout per source, sessions and second factors.

use super::*;

/// Finding 5: a reset hands over a one-time code, not a password; the user
/// sees who reset it; external accounts are reset at the counter only.
pub(super) async fn finding_5_password_reset_is_a_one_time_code(engine: Engine) {
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
            json!({"username": "citizen", "id_document_checked": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // …but not a staff account.
    let (s, _) = clerk
        .post(
            "/api/v1/counter/password-reset",
            json!({"username": "reviewer", "id_document_checked": true}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let rows = audit(&app, "event=password.reset").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
}

/// Finding 6: activation told "this ID number has this name" (409 vs 401).
pub(super) async fn finding_6_activation_is_not_an_oracle(engine: Engine) {
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
        .post(
            "/api/v1/activation-codes",
            json!({"person_id": id, "id_document_checked": true}),
        )
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
pub(super) async fn finding_7_kiosk_only_where_enabled_and_one_pin_limiter(engine: Engine) {
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
    let r = kiosk().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // A page route answers a page, in Chinese first, not the API's JSON.
    assert!(r.headers().contains_key("retry-after"));
    let body = r.text().await.unwrap();
    assert!(body.contains("请求过于频繁"), "{body}");
    assert!(body.trim_start().starts_with("<!DOCTYPE html>"), "{body}");
}

/// Finding 8: lockout per account and source address: guessing from one
/// address cannot lock the owner out elsewhere; several addresses can.
pub(super) async fn finding_8_lockout_is_per_source(engine: Engine) {
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
pub(super) async fn finding_9_sessions_and_second_factors(engine: Engine) {
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
