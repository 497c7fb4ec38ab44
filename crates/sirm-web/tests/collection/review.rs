//! The four stages, bad input, four eyes, returns and resubmission, and the roles checked again at approval.

use super::*;

pub(super) async fn four_stages_then_record(postgres: bool) {
    let app = spawn(postgres).await;
    let (clerk, reviewer, rechecker, approver) = (
        app.login("clerk").await,
        app.login("reviewer").await,
        app.login("rechecker").await,
        app.login("approver").await,
    );
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", registration())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["application_id"].as_str().unwrap().to_string();
    // In the reviewer's queue, not in the approver's yet.
    let (_, q) = app.get(&reviewer, "/api/v1/applications/queue").await;
    assert!(
        q.as_array()
            .unwrap()
            .iter()
            .any(|a| a["application_id"] == id.as_str()),
        "{q}"
    );
    let (_, q) = app.get(&approver, "/api/v1/applications/queue").await;
    assert!(
        !q.as_array()
            .unwrap()
            .iter()
            .any(|a| a["application_id"] == id.as_str()),
        "{q}"
    );
    // The reviewer sees the computed effect and the material.
    let (_, view) = app
        .get(&reviewer, &format!("/api/v1/applications/{id}"))
        .await;
    assert_eq!(view["effect"][0]["kind"], "person.registered", "{view}");
    let sha = view["materials"][0]["sha256"].as_str().unwrap();
    let r = app
        .http
        .get(format!("{}/applications/{id}/materials/{sha}", app.base))
        .bearer_auth(&reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        b"%PDF-1.4 scanned ID card"
    );
    // Out of order: approval before review is refused.
    let (s, v) = app
        .post(
            &approver,
            &format!("/api/v1/applications/{id}/decision"),
            json!({"stage": "approval", "approve": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stage-order"),
        "{v}"
    );
    let decide = |t: String, stage: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            app.post(
                &t,
                &format!("/api/v1/applications/{id}/decision"),
                json!({"stage": stage, "approve": true, "reason": "材料齐全"}),
            )
            .await
        }
    };
    assert_eq!(decide(reviewer.clone(), "review").await.0, StatusCode::OK);
    // The same stage twice: refused, nothing changes.
    let (s, _) = decide(reviewer.clone(), "review").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(decide(rechecker.clone(), "recheck").await.0, StatusCode::OK);
    assert!(
        app.sirm
            .store_for_maintenance()
            .person(&app.pk(NEW_PERSON))
            .await
            .unwrap()
            .is_none(),
        "not written before the last approval"
    );
    let (s, v) = decide(approver.clone(), "approval").await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{v}"
    );
    // Written: projection, ledger entry naming the application and every stage's person.
    // The name is sealed in the projection and opens to what the clerk entered.
    let row = app
        .sirm
        .store_for_maintenance()
        .person(&app.pk(NEW_PERSON))
        .await
        .unwrap()
        .unwrap();
    assert!(row.name.starts_with("enc1:"), "{}", row.name);
    assert_eq!(app.opened(NEW_PERSON).await.name, "王小明");
    let entries = app
        .sirm
        .store_for_maintenance()
        .entries_for_subject(&format!("person:{}", app.pk(NEW_PERSON)))
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].application.as_deref(), Some(id.as_str()));
    assert_eq!(
        entries[0].actors,
        vec!["clerk", "reviewer", "rechecker", "approver"]
    );
    // The maintenance log lists it.
    let query = app.login("query").await;
    let (_, log) = app.get(&query, "/api/v1/maintenance-log").await;
    assert!(
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["application"] == id.as_str()),
        "{log}"
    );
    // A second registration of the same person is refused at the counter.
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", registration())
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

pub(super) async fn bad_input_four_eyes_and_returns(postgres: bool) {
    let app = spawn(postgres).await;
    let clerk = app.login("clerk").await;
    // Invalid ID: which field, what is wrong; nothing stored.
    let mut bad = registration();
    bad["data"]["id"] = json!("110105199003071223");
    let (s, v) = app.post(&clerk, "/api/v1/applications", bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("check character"),
        "{v}"
    );
    // A computed value cannot be entered: unknown fields are refused.
    let mut bad = registration();
    bad["data"]["gender"] = json!("male");
    let (s, v) = app.post(&clerk, "/api/v1/applications", bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("gender"),
        "{v}"
    );
    assert_eq!(v["error"]["rule"], "application.data", "{v}");
    // No materials: refused.
    let mut bad = registration();
    bad["materials"] = json!([]);
    assert_eq!(
        app.post(&clerk, "/api/v1/applications", bad).await.0,
        StatusCode::BAD_REQUEST
    );
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", registration())
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = v["application_id"].as_str().unwrap().to_string();
    // Four-eyes: a reviewer who also holds the re-check role cannot do both.
    app.sirm
        .store_for_maintenance()
        .execute_raw("INSERT INTO account_role (username, role, granted_seq) VALUES ('reviewer', 'rechecker', 0)")
        .await
        .unwrap();
    let reviewer = app.login("reviewer").await;
    let path = format!("/api/v1/applications/{id}/decision");
    assert_eq!(
        app.post(
            &reviewer,
            &path,
            json!({"stage": "review", "approve": true})
        )
        .await
        .0,
        StatusCode::OK
    );
    let (s, v) = app
        .post(
            &reviewer,
            &path,
            json!({"stage": "recheck", "approve": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("four-eyes"),
        "{v}"
    );
    // A return needs a reason; with one, it goes back to the clerk.
    let rechecker = app.login("rechecker").await;
    let (s, _) = app
        .post(
            &rechecker,
            &path,
            json!({"stage": "recheck", "approve": false, "reason": " "}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = app
        .post(
            &rechecker,
            &path,
            json!({"stage": "recheck", "approve": false, "reason": "地址与户口簿不符"}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("returned")),
        "{v}"
    );
    let (_, q) = app.get(&clerk, "/api/v1/applications/queue").await;
    assert!(
        q.as_array()
            .unwrap()
            .iter()
            .any(|a| a["application_id"] == id.as_str() && a["status"] == "returned"),
        "{q}"
    );
    assert!(app
        .sirm
        .store_for_maintenance()
        .person(&app.pk(NEW_PERSON))
        .await
        .unwrap()
        .is_none());
    // The clerk corrects the address in the workbench form, adds the
    // household register scan, and resubmits; the chain starts again.
    let form = reqwest::multipart::Form::new()
        .text("id", NEW_PERSON)
        .text("name", "王小明")
        .text("address", "北京市朝阳区建国路8号院2号楼")
        .text("phone", "13800001111")
        .text("registered_on", "2026-11-01")
        .part(
            "material",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 household register".to_vec())
                .file_name("户口簿.pdf"),
        );
    let r = app
        .http
        .post(format!("{}/applications/{id}/resubmit", app.base))
        .bearer_auth(&clerk)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let a = app
        .sirm
        .store_for_maintenance()
        .application(&id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.status.as_str(), a.next_stage.as_deref()),
        ("pending", Some("review"))
    );
    // Stored protected; the reviewer reads the corrected address.
    assert!(!a.data.contains("2号楼"), "{}", a.data);
    let data = app
        .sirm
        .reveal_json(&serde_json::from_str(&a.data).unwrap())
        .await
        .unwrap();
    assert_eq!(data["address"], "北京市朝阳区建国路8号院2号楼", "{data}");
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&a.materials)
            .unwrap()
            .len(),
        2
    );
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

/// The submitter never decides their own application, whatever roles they
/// hold; and every decision re-checks the decider's roles at that moment, so
/// a role revoked between two stages no longer approves.
pub(super) async fn submitter_cannot_decide_and_roles_rechecked_at_approval(postgres: bool) {
    let app = spawn(postgres).await;
    // The clerk also holds the reviewer role (slipped into the projection).
    app.sirm
        .store_for_maintenance()
        .execute_raw("INSERT INTO account_role (username, role, granted_seq) VALUES ('clerk', 'reviewer', 0)")
        .await
        .unwrap();
    let clerk = app.login("clerk").await;
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", registration())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["application_id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/applications/{id}/decision");
    let pending_at = |stage: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            let a = app
                .sirm
                .store_for_maintenance()
                .application(&id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (a.status.as_str(), a.next_stage.as_deref()),
                ("pending", Some(stage))
            );
        }
    };
    // The submitter, as reviewer, deciding their own application: refused.
    for approve in [true, false] {
        let (s, v) = app
            .post(
                &clerk,
                &path,
                json!({"stage": "review", "approve": approve, "reason": "自审"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("four-eyes") && message.contains("clerk"),
            "{v}"
        );
    }
    pending_at("review").await;
    // Review and re-check by their own people.
    for (user, stage) in [("reviewer", "review"), ("rechecker", "recheck")] {
        let t = app.login(user).await;
        let (s, v) = app
            .post(&t, &path, json!({"stage": stage, "approve": true}))
            .await;
        assert_eq!(s, StatusCode::OK, "{user}: {v}");
    }
    pending_at("approval").await;
    // The approver signed in before, then loses the role (requested by the
    // system administrator, approved by the security administrator).
    let approver = app.login("approver").await;
    let sys = app.login("sysadmin").await;
    let (s, v) = app
        .post(
            &sys,
            "/api/v1/users/approver/roles/approver/revoke",
            json!({"reason": "调岗"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let rid = v["request_id"].as_str().unwrap().to_string();
    let sec = app.login("secadmin").await;
    let (s, v) = app
        .post(
            &sec,
            &format!("/api/v1/role-requests/{rid}/decision"),
            json!({"approve": true, "reason": "ok"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    // The same session, at the approval stage: refused now.
    let (s, v) = app
        .post(
            &approver,
            &path,
            json!({"stage": "approval", "approve": true}),
        )
        .await;
    // The approver now holds no role at all: deny by default.
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error"]["code"], "forbidden", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deny-by-default"),
        "{v}"
    );
    pending_at("approval").await;
    assert!(app
        .sirm
        .store_for_maintenance()
        .person(&app.pk(NEW_PERSON))
        .await
        .unwrap()
        .is_none());
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}
