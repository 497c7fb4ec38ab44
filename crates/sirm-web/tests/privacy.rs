//! Personal data protected by design, as users meet it: erasure through the
//! review chain (the record keeps its rights, the identifying fields read
//! "（已删除）", the ledger still verifies), the record through every
//! channel after sealing, and key rotation that changes no sealed byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use serde_json::{json, Value};
use sirm_testkit::{both_engines, Engine, Options, StatusCode, TestApp};

both_engines!(
    erasure_through_the_review_chain,
    rotation_rewraps_without_touching_the_ledger,
    gm_erasure_and_rotation
);

/// Erasure and rotation under the 国密 profile.
async fn gm_erasure_and_rotation(engine: Engine) {
    erasure(Options::new(engine).history().gm()).await;
    rotation(Options::new(engine).gm()).await;
}

async fn erasure_through_the_review_chain(engine: Engine) {
    erasure(Options::new(engine).history()).await
}

async fn rotation_rewraps_without_touching_the_ledger(engine: Engine) {
    rotation(Options::new(engine)).await
}

/// Submit as `taker`, then review, recheck and approve: the last answer.
async fn through_the_chain(
    app: &TestApp,
    taker: &str,
    bt: &str,
    data: Value,
) -> (StatusCode, Value) {
    let c = app.login(taker).await;
    let scan = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n scan");
    let (s, v) = c
        .post(
            "/api/v1/applications",
            json!({"business_type": bt, "data": data,
                   "materials": [{"name": "decision.png", "content_base64": scan}]}),
        )
        .await;
    if s != StatusCode::CREATED {
        return (s, v);
    }
    let id = v["application_id"].as_str().unwrap().to_string();
    let mut last = (s, v);
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let t = app.login(user).await;
        last = t
            .post(
                &format!("/api/v1/applications/{id}/decision"),
                json!({"stage": stage, "approve": true}),
            )
            .await;
        assert_eq!(last.0, StatusCode::OK, "{user}: {}", last.1);
    }
    last
}

async fn erasure(o: Options) {
    let app = TestApp::start(o).await;
    let ids = sirm_app::testkit::person_ids(&app.sirm, 5).await.unwrap();
    let id = ids[1].clone();
    let before = sirm_app::testkit::person_by_id(&app.sirm, &id)
        .await
        .unwrap()
        .unwrap();
    assert!(!before.erased);
    let clerk = app.login("clerk").await;
    let (_, rec_before) = clerk
        .post("/api/v1/persons/lookup", json!({"id": id}))
        .await;
    // A clerk cannot take an erasure: it is the maintenance officer's.
    let (s, v) = clerk
        .post(
            "/api/v1/applications",
            json!({"business_type": "person.erase",
              "data": {"id": id, "reason": "r", "basis": "b"}, "materials": []}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // Bad input names its field and writes nothing.
    let (s, v) = through_the_chain(
        &app,
        "maintainer",
        "person.erase",
        json!({"id": id, "reason": "", "basis": "《个人信息保护法》第四十七条"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("reason"), "{v}");
    let (s, v) = through_the_chain(
        &app,
        "maintainer",
        "person.erase",
        json!({"id": id, "reason": "本人申请，法定保存期限已届满",
               "basis": "《个人信息保护法》第四十七条；（2026）京社保删字第1号"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The identifying fields are gone everywhere; the rights stay.
    let after = sirm_app::testkit::person_by_id(&app.sirm, &id)
        .await
        .unwrap()
        .unwrap();
    assert!(after.erased && after.id.is_none());
    assert_eq!(after.name, "（已删除）");
    let (s, rec) = clerk
        .post("/api/v1/persons/lookup", json!({"id": id}))
        .await;
    assert_eq!(s, StatusCode::OK, "{rec}");
    assert_eq!(rec["person"]["name"], "（已删除）");
    assert_eq!(rec["person"]["id_number"], "（已删除）");
    assert_eq!(
        rec["contributions"], rec_before["contributions"],
        "rights stay"
    );
    assert_eq!(rec["erased"]["reason"], "本人申请，法定保存期限已届满");
    assert!(
        rec["erased"]["actors"]
            .as_str()
            .unwrap()
            .contains("approver"),
        "{rec}"
    );
    let page = clerk
        .form("/persons", &[("id", id.as_str())])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"erased\"") && page.contains("（已删除）"),
        "the page says so"
    );
    // Erased once is enough.
    let (s, v) = through_the_chain(
        &app,
        "maintainer",
        "person.erase",
        json!({"id": id, "reason": "again", "basis": "again"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // Another person is untouched; the ledger still verifies without keys.
    let other = sirm_app::testkit::person_by_id(&app.sirm, &ids[2])
        .await
        .unwrap()
        .unwrap();
    assert!(!other.erased && other.id.is_some());
    let read = sirm_app::Sirm::open(&app.opts, sirm_app::Access::Read)
        .await
        .unwrap();
    let report = read.verify(vec![]).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.lines());
}

async fn rotation(o: Options) {
    let app = TestApp::start(o).await;
    let ids = sirm_app::testkit::person_ids(&app.sirm, 3).await.unwrap();
    let before = sirm_app::testkit::person_by_id(&app.sirm, &ids[0])
        .await
        .unwrap()
        .unwrap();
    let mut sirm = sirm_app::Sirm::open(&app.opts, sirm_app::Access::Sign)
        .await
        .unwrap();
    let old = sirm.vault().unwrap().current_kek().id.clone();
    let who = sirm.principal("secadmin", "test").await.unwrap();
    // Only the security administrator rotates.
    let sys = sirm.principal("sysadmin", "test").await.unwrap();
    assert!(sirm.rotate_kek(&sys).await.is_err());
    let head = app
        .sirm
        .store_for_maintenance()
        .head()
        .await
        .unwrap()
        .unwrap()
        .checkpoint
        .tree_size;
    let r = sirm.rotate_kek(&who).await.unwrap();
    assert_eq!(r.old, old);
    assert_ne!(r.new, old);
    assert!(r.rewrapped > 10, "every data key: {}", r.rewrapped);
    let status = sirm.key_status().await.unwrap();
    assert_eq!(status.keks, vec![r.new.clone()]);
    assert!(
        status.data_keys.iter().all(|(k, _, _)| *k == r.new),
        "{:?}",
        status.data_keys
    );
    // Reopened from the files: the new key opens everything.
    let again = sirm_app::Sirm::open(&app.opts, sirm_app::Access::Sign)
        .await
        .unwrap();
    let after = sirm_app::testkit::person_by_id(&again, &ids[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!((after.name, after.phone), (before.name, before.phone));
    // The ledger only gained the audit event of the rotation.
    let head2 = again
        .store_for_maintenance()
        .head()
        .await
        .unwrap()
        .unwrap()
        .checkpoint
        .tree_size;
    assert_eq!(head2, head + 1);
    let last = again
        .store_for_maintenance()
        .entries_by_seq(&[head2])
        .await
        .unwrap();
    assert!(
        last[0].payload.contains("keys.rotate"),
        "{}",
        last[0].payload
    );
    // The staff's second factors were sealed anew: the new key opens them
    // (a sign-in with the demo code passes), and no secret is under the old.
    for (user, stored) in again.store_for_maintenance().totp_secrets().await.unwrap() {
        assert_eq!(
            sirm_app::privacy::Vault::secret_kek(&stored),
            Some(r.new.as_str()),
            "{user}"
        );
    }
    let code = sirm_testkit::demo_code("dba").await;
    again
        .login("dba", sirm_testkit::DEMO_PASSWORD, Some(&code), "test")
        .await
        .unwrap();
    // Shares: any 2 of 3 restore the keys; 1 is not enough.
    let out = app.dir().join("shares");
    let files = again.export_key_shares(&who, 3, 2, &out).await.unwrap();
    assert_eq!(files.len(), 3);
    let keys = app.opts.data_dir.root().join("keys");
    let saved_idx = std::fs::read(keys.join("index.key")).unwrap();
    let saved_kek = std::fs::read(keys.join("kek.key")).unwrap();
    std::fs::remove_file(keys.join("index.key")).unwrap();
    std::fs::remove_file(keys.join("kek.key")).unwrap();
    let err = sirm_app::privacy::custody::import_key_shares(&app.opts, &files[..1])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("needed"), "{err}");
    assert!(!keys.join("index.key").exists());
    sirm_app::privacy::custody::import_key_shares(&app.opts, &[files[2].clone(), files[0].clone()])
        .await
        .unwrap();
    assert_eq!(std::fs::read(keys.join("index.key")).unwrap(), saved_idx);
    assert_eq!(std::fs::read(keys.join("kek.key")).unwrap(), saved_kek);
}
