//! De-identified extracts (Art 17) over real HTTP, both engines: filed by
//! the clerk for the statistics user, decided along the review chain,
//! downloaded by the statistics user; the file holds no ID number, name or
//! phone of any demo person, its pseudonyms differ per extract, and an
//! extract failing k-anonymity is refused naming the rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::Digest;
use sirm_testkit::{both_engines, Engine, Options, StatusCode, TestApp};

use crate::statistics::{add_stats_user, records};

both_engines!(an_extract_through_review_holds_no_identifier);

async fn file(app: &TestApp, data: Value) -> (StatusCode, Value) {
    let clerk = app.login("clerk").await;
    let scan = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n approval");
    clerk
        .post(
            "/api/v1/applications",
            json!({"business_type": "disclosure.extract", "data": data,
                   "materials": [{"name": "approval.png", "content_base64": scan}]}),
        )
        .await
}

/// File, review, recheck and approve: the application id.
async fn released(app: &TestApp, data: Value) -> String {
    let (s, v) = file(app, data).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["application_id"].as_str().unwrap().to_string();
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let t = app.login(user).await;
        let (s, v) = t
            .post(
                &format!("/api/v1/applications/{id}/decision"),
                json!({"stage": stage, "approve": true}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{user}: {v}");
    }
    id
}

fn request(from: &str, to: &str, birth: &str, region: &str) -> Value {
    json!({"requester": "stats", "purpose": "养老保险精算研究",
           "legal_basis": "研究合作协议 2025-17 号", "from": from, "to": to,
           "birth": birth, "region": region})
}

async fn an_extract_through_review_holds_no_identifier(engine: Engine) {
    let app = TestApp::start(Options::new(engine).history().persons(30)).await;
    add_stats_user(&app).await;
    let recs = records(&app).await;

    // Too fine: birth year × gender × agency leaves small groups → refused,
    // naming the rule and a combination, never a person.
    let (s, v) = file(&app, request("2016-01", "2025-12", "year", "agency")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["rule"], "disclosure.k-anonymity", "{v}");
    assert_eq!(v["error"]["field"], "birth");
    let msg = v.to_string();
    for r in &recs {
        for f in ["id_number", "name", "phone"] {
            let x = r["person"][f].as_str().unwrap();
            assert!(!msg.contains(x), "the refusal names a person's {f}");
        }
    }

    // Coarse enough (gender only) → filed, reviewed, released.
    let first = released(&app, request("2016-01", "2025-12", "none", "none")).await;
    let stats = app.login("stats").await;
    let (s, html) = stats.page("/statistics").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&first), "{html}");
    let resp = stats
        .get_raw(&format!("/statistics/extracts/{first}"))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    // Its hash is the one the page (and the ledger entry) names.
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    assert!(html.contains(&sha), "{html}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        recs.len() + 1,
        "a header and one row per person"
    );
    assert!(lines[0].contains("pseudonym"), "{}", lines[0]);

    // No identifier of any demo person, read as the query officer reads them.
    for r in &recs {
        for f in ["id_number", "name", "phone", "person_id", "birth_date"] {
            let x = r["person"][f].as_str().unwrap();
            assert!(!x.is_empty());
            assert!(!text.contains(x), "the extract holds a person's {f}");
        }
    }

    // A second extract: the same persons under other pseudonyms.
    let second = released(&app, request("2020-01", "2025-12", "none", "none")).await;
    let pseudonyms = |t: &str| -> BTreeSet<String> {
        t.lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().trim_matches('"').to_string())
            .collect()
    };
    let other = stats
        .get_raw(&format!("/statistics/extracts/{second}"))
        .await
        .text()
        .await
        .unwrap();
    let (a, b) = (pseudonyms(&text), pseudonyms(&other));
    assert_eq!(a.len(), recs.len());
    assert_eq!(b.len(), recs.len());
    assert!(a.is_disjoint(&b), "pseudonyms link across extracts");

    // Nobody else downloads it; the download is registered.
    let clerk = app.login("clerk").await;
    let r = clerk
        .get_raw(&format!("/statistics/extracts/{first}"))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let audit = app.login("auditadmin").await;
    let (s, v) = audit
        .get("/api/v1/audit?event=statistics.extract.download")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v.to_string().contains(&first), "{v}");
}
