//! Outside maintenance helpers never alone (Art 11, 28(6)) over real HTTP,
//! on SQLite and PostgreSQL: the demo helper `contractor` (agreement on
//! file) prepares a correction that changes nothing until the maintenance
//! officer takes it into the review chain; the helper cannot take it, cannot
//! prepare anything but maintenance, holds no other role, and stops acting
//! when no agreement is in force; every action is in the audit trail under
//! the helper's name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sirm_testkit::{Engine, Options, TestApp};

fn correction(id: &str, address: &str) -> Value {
    json!({
        "business_type": "person.correct",
        "data": {"id": id, "effective_on": "2026-01-05", "reason": "户籍地址核对有误", "address": address},
        "materials": [{
            "name": "户籍证明.pdf",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 scan"),
        }],
    })
}

fn rule(v: &Value) -> &str {
    v["error"]["rule"].as_str().unwrap_or("")
}

async fn a_helper_prepares_and_only_an_officer_completes(engine: Engine) {
    let kit = TestApp::start(Options::new(engine).persons(10)).await;
    let id = kit.first_person().await;
    let contractor = kit.login("contractor").await;
    let maintainer = kit.login("maintainer").await;
    let opened = |kit: &TestApp, id: String| {
        let sirm = kit.sirm.clone();
        async move {
            sirm_app::testkit::person_by_id(&sirm, &id)
                .await
                .unwrap()
                .unwrap()
                .address
        }
    };
    let address_before = opened(&kit, id.clone()).await;

    // The helper prepares a correction: nothing changes, no application.
    let (s, v) = contractor
        .post(
            "/api/v1/applications",
            correction(&id, "北京市东城区协助路1号"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let prepared = v["prepared_id"].as_str().unwrap().to_string();
    assert!(prepared.starts_with("PR-"), "{v}");
    assert!(v.get("application_id").is_none(), "{v}");
    assert_eq!(opened(&kit, id.clone()).await, address_before);
    let (_, q) = maintainer.get("/api/v1/applications/queue").await;
    assert!(!q.to_string().contains("协助路"), "not in any queue: {q}");

    // Only maintenance can be prepared; the helper cannot take or decline.
    let reg = json!({"business_type": "employer.register", "data": {}, "materials": []});
    let (s, v) = contractor.post("/api/v1/applications", reg).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    for action in ["take", "decline"] {
        let (s, v) = contractor
            .post(
                &format!("/api/v1/prepared/{prepared}/{action}"),
                json!({"reason": "x"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{action}: {v}");
    }

    // The officer sees it, takes it (their own preliminary review), and
    // the review chain completes it.
    let (_, list) = maintainer.get("/api/v1/prepared").await;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["prepared_id"] == prepared.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["status"], "open", "{row}");
    assert_eq!(row["prepared_by"], "contractor", "{row}");
    assert_eq!(row["data"]["address"], "北京市东城区协助路1号", "{row}");
    assert!(!row.to_string().contains(&id), "no whole ID number: {row}");
    // Taken twice at once: one application, the other told it moved on.
    let take = format!("/api/v1/prepared/{prepared}/take");
    let (a, b) = tokio::join!(
        maintainer.post(&take, json!({})),
        maintainer.post(&take, json!({}))
    );
    let ((s, v), (s2, v2)) = if a.0 == StatusCode::CREATED {
        (a, b)
    } else {
        (b, a)
    };
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(s2, StatusCode::CONFLICT, "taken once: {v2}");
    let app = v["application_id"].as_str().unwrap().to_string();
    let (s, v) = maintainer.post(&take, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "taken once: {v}");
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let (s, v) = kit
            .login(user)
            .await
            .post(
                &format!("/api/v1/applications/{app}/decision"),
                json!({"stage": stage, "approve": true, "reason": ""}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{stage}: {v}");
    }
    assert_eq!(opened(&kit, id.clone()).await, "北京市东城区协助路1号");
    // The maintenance log names the four staff, never the helper.
    let (_, log) = kit
        .login("query")
        .await
        .get("/api/v1/maintenance-log?kind=person.changed")
        .await;
    let entry = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["application"] == app.as_str())
        .unwrap()
        .clone();
    let who: Vec<&str> = entry["responsible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[1].as_str().unwrap())
        .collect();
    assert_eq!(who, ["maintainer", "reviewer", "rechecker", "approver"]);
    assert!(
        !entry.to_string().contains(&id),
        "no whole ID number: {entry}"
    );
    let (_, list) = contractor.get("/api/v1/prepared").await;
    assert_eq!(list[0]["status"], "taken", "{list}");
    assert_eq!(list[0]["application"], app.as_str(), "{list}");

    // A second one declined with a reason, seen by the helper.
    let (_, v) = contractor
        .post(
            "/api/v1/applications",
            correction(&id, "北京市东城区另一路2号"),
        )
        .await;
    let second = v["prepared_id"].as_str().unwrap().to_string();
    let (s, v) = maintainer
        .post(
            &format!("/api/v1/prepared/{second}/decline"),
            json!({"reason": "材料不足"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, list) = contractor.get("/api/v1/prepared").await;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["prepared_id"] == second.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (row["status"].as_str(), row["reason"].as_str()),
        (Some("declined"), Some("材料不足"))
    );

    // Never with another role; never granted without an agreement.
    let sysadmin = kit.login("sysadmin").await;
    let (s, v) = sysadmin
        .post(
            "/api/v1/role-requests",
            json!({"username": "contractor", "role": "query_officer", "reason": "t"}),
        )
        .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::FORBIDDEN, "contractor-alone"),
        "{v}"
    );
    let (s, v) = sysadmin
        .post(
            "/api/v1/role-requests",
            json!({"username": "query", "role": "maintenance_contractor", "reason": "t"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");

    // A renewal that starts later replaces the agreement: until then the
    // helper can do nothing.
    let today = sirm_app::rights::today();
    let file = json!({"name": "续签.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 renewal")});
    let (s, v) = sysadmin
        .post(
            "/api/v1/agreements",
            json!({"username": "contractor", "number": "BM-2027-002", "party": "演示信息技术有限公司",
                   "valid_from": (today + chrono::Duration::days(30)).to_string(),
                   "valid_until": (today + chrono::Duration::days(400)).to_string(), "file": file.clone()}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = contractor
        .post(
            "/api/v1/applications",
            correction(&id, "北京市东城区过期路3号"),
        )
        .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::FORBIDDEN, "contractor.agreement"),
        "{v}"
    );
    let (s, v) = contractor.get("/api/v1/prepared").await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::FORBIDDEN, "contractor.agreement"),
        "{v}"
    );
    // An agreement that has already ended cannot be filed.
    let (s, v) = sysadmin
        .post(
            "/api/v1/agreements",
            json!({"username": "contractor", "number": "BM-old", "party": "x",
                   "valid_from": "2020-01-01", "valid_until": "2020-12-31", "file": file}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("valid_until")),
        "{v}"
    );

    // Every action of the helper is in the audit trail under their name,
    // the refused ones too.
    let audit = kit
        .sirm
        .store_for_maintenance()
        .security_entries(&sirm_store::AuditFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    let mine: Vec<&str> = audit
        .iter()
        .filter(|e| e.payload.contains("contractor.action") && e.payload.contains("\"contractor\""))
        .map(|e| e.payload.as_str())
        .collect();
    assert!(
        mine.iter()
            .any(|p| p.contains("record_prepare") && p.contains("success")),
        "{mine:?}"
    );
    assert!(mine.iter().any(|p| p.contains("denied")), "{mine:?}");
    assert!(audit.iter().any(|e| e.payload.contains("agreement.filed")));
    assert!(kit.sirm.verify(vec![]).await.unwrap().is_intact());
}

sirm_testkit::both_engines!(a_helper_prepares_and_only_an_officer_completes);
