//! The route matrix, Art 26 refusals and the role approval chain, separation checked on every request, other agencies and configuration audit.

use super::*;

pub(super) fn concrete(path: &str) -> String {
    path.replace("{username}", "nobody")
        .replace("{action}", "lock")
        .replace("{role}", "clerk")
        .replace("{id}", "11010519491231002X")
        .replace("{sha256}", "00")
}

pub(super) async fn route_matrix(engine: Engine) {
    // Every guarded route is called signed out from one source, more than
    // the public pages' default burst: the budget is raised for this walk.
    let app = spawn_with(engine, |s| {
        s.config.limits.pages = sirm_app::limits::Rate::new(100_000, 10_000);
    })
    .await;
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

pub(super) async fn art26_refusal_and_approval_chain(engine: Engine) {
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

pub(super) async fn separation_checked_on_every_request(engine: Engine) {
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

pub(super) async fn other_agency_and_config_audit(engine: Engine) {
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
            Some(json!({"person_id": "11010519491231002X", "id_document_checked": true})),
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
    // recorded, and the demo's `[ivr]` and `[disclosure]` (they differ from
    // the defaults: a telephone client, an organ).
    assert_eq!(rows.len(), 6, "{body}");
    assert!(body.contains("[ivr] "), "{body}");
    assert!(body.contains("[disclosure] "), "{body}");
    let security = rows
        .iter()
        .find(|r| r["detail"].as_str().unwrap().starts_with("[security] "))
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        security["detail"].as_str().unwrap().contains("gb22239-l3"),
        "{body}"
    );
}
