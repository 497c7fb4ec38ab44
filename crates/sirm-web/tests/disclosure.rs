//! Applications by other units (Art 19–20) over real HTTP, on SQLite and
//! PostgreSQL: refusals at intake, a written refusal that verifies, a grant
//! read once and then refused, a person or items outside the grant, an
//! expired grant, two reads racing for the last use, the officer kept out
//! of other routes, and the person seeing the unit in "who looked".
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sirm_testkit::{Client, Engine, Options, TestApp};

const UNIT: &str = "北京某某律师事务所";
const SCAN: &[u8] = b"%PDF-1.4 scanned business licence";

/// A served demo with its history (employments, contributions, so that
/// items outside a grant have something to leave out) and its unit officer
/// account `unit`.
async fn spawn(engine: Engine) -> TestApp {
    TestApp::start(Options::new(engine).persons(10).history()).await
}

/// The demo citizen's ID number and another registered person's.
async fn citizen_and_other(kit: &TestApp) -> (String, String) {
    let pk = kit
        .sirm
        .store_for_maintenance()
        .account("citizen")
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap();
    let ids = sirm_app::testkit::person_ids(&kit.sirm, 100_000)
        .await
        .unwrap();
    let key = |id: &String| {
        sirm_app::testkit::person_key(&kit.sirm, &id.parse().unwrap())
            .unwrap()
            .to_string()
    };
    let citizen = ids.iter().find(|i| key(i) == pk).unwrap().clone();
    let other = ids.iter().find(|i| key(i) != pk).unwrap().clone();
    (citizen, other)
}

fn application(id: &str, basis: &str, credentials: Option<&str>) -> Value {
    let today = sirm_app::rights::today();
    let mut data = json!({
        "unit_name": UNIT,
        "credit_code": "91110000100000000R",
        "contact": "李律师 010-66668888",
        "purpose": "代理诉讼，核实当事人参保缴费情况",
        "basis": basis,
        "persons": id,
        "items": "registration, contributions",
        "valid_from": today.to_string(),
        "valid_until": (today + chrono::Duration::days(30)).to_string(),
        "uses": 1,
        "officer": "unit",
    });
    if let Some(c) = credentials {
        data["credentials"] = json!(c);
    }
    json!({
        "business_type": "disclosure.application",
        "data": data,
        "materials": [{
            "name": "licence.pdf",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(SCAN),
        }],
    })
}

fn scan_sha() -> String {
    hex::encode(Sha256::digest(SCAN))
}

async fn decide(
    c: &Client,
    id: &str,
    stage: &str,
    approve: bool,
    reason: &str,
) -> (StatusCode, Value) {
    c.post(
        &format!("/api/v1/applications/{id}/decision"),
        json!({"stage": stage, "approve": approve, "reason": reason}),
    )
    .await
}

fn rule(v: &Value) -> &str {
    v["error"]["rule"].as_str().unwrap_or("")
}

async fn refused_in_writing_granted_and_read_once(engine: Engine) {
    let kit = spawn(engine).await;
    let (citizen_id, other_id) = citizen_and_other(&kit).await;
    let clerk = kit.login("clerk").await;
    let (reviewer, rechecker, approver) = (
        kit.login("reviewer").await,
        kit.login("rechecker").await,
        kit.login("approver").await,
    );
    let officer = kit.login("unit").await;

    // Bad input at intake: no credentials, no (or a trivial) legal basis.
    let before = kit.ledger_size().await;
    let (s, v) = clerk
        .post(
            "/api/v1/applications",
            application(&citizen_id, "《民事诉讼法》第六十七条", None),
        )
        .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::BAD_REQUEST, "disclosure.credentials"),
        "{v}"
    );
    assert_eq!(v["error"]["field"], "credentials", "{v}");
    for basis in ["", "工作需要"] {
        let (s, v) = clerk
            .post(
                "/api/v1/applications",
                application(&citizen_id, basis, Some(&scan_sha())),
            )
            .await;
        assert_eq!(
            (s, rule(&v)),
            (StatusCode::BAD_REQUEST, "disclosure.basis"),
            "{v}"
        );
        assert_eq!(v["error"]["field"], "basis", "{v}");
    }
    assert_eq!(kit.ledger_size().await, before, "nothing written");

    // One application rejected: the refusal letter, verifiable.
    let (s, v) = clerk
        .post(
            "/api/v1/applications",
            application(&other_id, "《民事诉讼法》第六十七条", Some(&scan_sha())),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let refused = v["application_id"].as_str().unwrap().to_string();
    let (s, v) = decide(
        &reviewer,
        &refused,
        "review",
        false,
        "律师事务所代理诉讼不属于依法可以查询的情形，无法律依据",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, view) = clerk.get(&format!("/api/v1/applications/{refused}")).await;
    assert_eq!(view["application"]["status"], "withdrawn", "{view}");
    let (s, letters) = clerk
        .get(&format!("/api/v1/applications/{refused}/refusal-letters"))
        .await;
    assert_eq!(s, StatusCode::OK, "{letters}");
    let code = letters[0]["code"].as_str().unwrap().to_string();
    let pdf = clerk
        .get_raw(&format!("/disclosure/letters/{code}/pdf"))
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(letters[0]["pdf_sha256"], hex::encode(Sha256::digest(&pdf)));
    let anyone = kit.anonymous();
    let (s, check) = anyone.get(&format!("/api/v1/certificates/{code}")).await;
    assert_eq!(s, StatusCode::OK, "{check}");
    assert_eq!(check["verdict"], "genuine", "{check}");
    assert_eq!(check["kind"], "disclosure_refusal", "{check}");
    assert_eq!(check["content"]["person_name"], UNIT, "{check}");
    let shown = check.to_string();
    assert!(shown.contains("无法律依据"), "{shown}");
    assert!(
        !shown.contains(&other_id),
        "the ID number is masked: {shown}"
    );
    assert!(
        shown.contains(&format!("{}********{}", &other_id[..6], &other_id[14..])),
        "{shown}"
    );
    let (s, page) = anyone.page(&format!("/verify/{code}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("不予提供告知书") && page.contains("真实有效"),
        "{page}"
    );
    let mut altered = pdf.clone();
    altered.extend_from_slice(b"\n% altered\n");
    let r = kit
        .http
        .post(kit.url("/api/v1/certificates/verify"))
        .header("content-type", "application/pdf")
        .body(altered)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["verdict"], "altered", "{v}");
    let (s, page) = clerk.page(&format!("/applications/{refused}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("不予提供告知书") && page.contains(&code),
        "{page}"
    );

    // Another taken at the counter's form, with the scan uploaded: granted.
    let (s, page) = clerk
        .page("/applications/new?type=disclosure.application")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("其他单位查询申请")
            && page.contains("法律依据")
            && page.contains("原始材料扫描件"),
        "{page}"
    );
    let today = sirm_app::rights::today();
    let until = (today + chrono::Duration::days(30)).to_string();
    let today = today.to_string();
    let form = clerk
        .multipart_form()
        .text("business_type", "disclosure.application")
        .text("unit_name", UNIT)
        .text("credit_code", "91110000100000000R")
        .text("contact", "李律师 010-66668888")
        .text("purpose", "代理诉讼，核实当事人参保缴费情况")
        .text(
            "basis",
            "《中华人民共和国民事诉讼法》第六十七条及法院调查令",
        )
        .text("persons", citizen_id.clone())
        .text("items", "registration,contributions")
        .text("valid_from", today)
        .text("valid_until", until)
        .text("uses", "1")
        .text("officer", "unit")
        .part(
            "material",
            reqwest::multipart::Part::bytes(SCAN.to_vec())
                .file_name("licence.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = clerk.send_multipart("/applications", form).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let granted = r.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/applications/")
        .to_string();
    let (_, view) = reviewer
        .get(&format!("/api/v1/applications/{granted}"))
        .await;
    let data: Value = serde_json::from_str(view["application"]["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["credentials"], scan_sha(), "{view}");
    let (s, page) = reviewer.page(&format!("/applications/{granted}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("法律依据") && page.contains("申请单位名称"),
        "{page}"
    );
    for (c, stage) in [
        (&reviewer, "review"),
        (&rechecker, "recheck"),
        (&approver, "approval"),
    ] {
        let (s, v) = decide(c, &granted, stage, true, "依据充分").await;
        assert_eq!(s, StatusCode::OK, "{stage}: {v}");
    }
    let (s, grants) = officer.get("/api/v1/unit/grants").await;
    assert_eq!(s, StatusCode::OK, "{grants}");
    assert_eq!(grants.as_array().unwrap().len(), 1, "{grants}");
    let grant = grants[0]["grant_id"].as_str().unwrap().to_string();
    assert_eq!(grants[0]["usable"], true);
    assert!(
        !grants.to_string().contains(&citizen_id),
        "masked: {grants}"
    );
    let (s, page) = officer.page("/unit").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("查询授权") && page.contains(&grant) && page.contains("缴费记录"),
        "{page}"
    );

    // A person not in the grant: not found, nothing disclosed.
    let read = |id: &str| json!({"grant_id": grant, "id": id});
    let (s, v) = officer.post("/api/v1/unit/reads", read(&other_id)).await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::NOT_FOUND, "not-found.grant"),
        "{v}"
    );
    // The granted person, once: the granted items only.
    let (s, v) = officer.post("/api/v1/unit/reads", read(&citizen_id)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"], json!(["registration", "contributions"]), "{v}");
    assert_ne!(
        v["record"]["person"]["address"], "",
        "registration is granted: {v}"
    );
    assert!(
        !v["record"]["contributions"].as_array().unwrap().is_empty(),
        "{v}"
    );
    let (_, staff) = clerk
        .post("/api/v1/persons/lookup", json!({"id": citizen_id}))
        .await;
    assert!(
        !staff["employments"].as_array().unwrap().is_empty(),
        "the employment exists: {staff}"
    );
    assert!(
        !staff["account_years"].as_array().unwrap().is_empty(),
        "the account exists: {staff}"
    );
    assert_eq!(v["record"]["employments"], json!([]), "{v}");
    assert_eq!(v["record"]["account_years"], json!([]), "{v}");
    assert_eq!(v["record"]["benefit"], Value::Null, "{v}");
    // Beyond its number of uses: refused, naming the rule, nothing disclosed.
    let (s, v) = officer.post("/api/v1/unit/reads", read(&citizen_id)).await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::FORBIDDEN, "disclosure.grant-used-up"),
        "{v}"
    );
    assert!(v.get("record").is_none());
    let (_, grants) = officer.get("/api/v1/unit/grants").await;
    assert_eq!(
        (
            grants[0]["uses_made"].as_i64(),
            grants[0]["usable"].as_bool()
        ),
        (Some(1), Some(false))
    );

    // The officer reaches nothing else.
    for path in [
        "/api/v1/applications/queue",
        "/api/v1/my/record",
        "/api/v1/employer",
    ] {
        let (s, _) = officer.get(path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
    }
    let (s, _) = officer
        .post(
            "/api/v1/organ-queries",
            json!({"id": citizen_id, "basis": "《民事诉讼法》"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The person sees the unit's read; the audit trail has it (Art 21).
    let citizen = kit.login("citizen").await;
    let (s, page) = citizen.page("/my/queries").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(UNIT) && page.contains(&grant), "{page}");
    // In Chinese, and without the officer's account name.
    assert!(
        page.contains("第 1/") && !page.contains(" use") && !page.contains("（unit）"),
        "{page}"
    );
    let events = kit
        .sirm
        .store_for_maintenance()
        .security_entries(&sirm_store::AuditFilter {
            account: Some("unit".into()),
            event: Some("query.third_party".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let outcomes: Vec<String> = events
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(&e.payload).unwrap()["outcome"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(outcomes.contains(&"success".to_string()), "{outcomes:?}");
    assert!(
        outcomes.iter().filter(|o| *o == "denied").count() >= 2,
        "{outcomes:?}"
    );
    // Grants, uses and letters are projections a replay of the ledger gives.
    let check = kit.sirm.verify_projections(None).await.unwrap();
    assert!(check.difference.is_none(), "{:?}", check.difference);
    let grant_row = kit
        .sirm
        .store_for_maintenance()
        .disclosure_grant(&grant)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((grant_row.uses_made, grant_row.uses_allowed), (1, 1));
}

/// A grant as approval writes it, appended directly (its dates may lie in
/// the past, which intake refuses).
async fn grant_directly(
    kit: &TestApp,
    grant_id: &str,
    id: &str,
    from: &str,
    until: &str,
    uses: u32,
) {
    let pk = sirm_app::testkit::person_key(&kit.sirm, &id.parse().unwrap()).unwrap();
    let g = sirm_domain::records::DisclosureGranted {
        grant_id: grant_id.into(),
        application_id: "AP-test".into(),
        unit_name: UNIT.into(),
        credit_code: "91110000100000000R".parse().unwrap(),
        officer: "unit".into(),
        persons: vec![pk],
        items: vec!["contributions".into()],
        valid_from: from.parse().unwrap(),
        valid_until: until.parse().unwrap(),
        uses_allowed: uses,
        purpose: "测试".into(),
        basis: "《民事诉讼法》第六十七条".into(),
        credentials: scan_sha(),
    };
    let d = sirm_app::install::draft(
        &kit.sirm.config,
        sirm_ledger::Stream::Business,
        sirm_domain::records::kind::DISCLOSURE_GRANTED,
        sirm_domain::records::disclosure_subject(grant_id),
        "test",
        &g,
    )
    .unwrap();
    sirm_app::testkit::append_unreviewed(&kit.sirm, vec![d])
        .await
        .unwrap();
}

async fn expired_grants_and_racing_reads(engine: Engine) {
    let kit = spawn(engine).await;
    let (citizen_id, _) = citizen_and_other(&kit).await;
    let officer = kit.login("unit").await;
    grant_directly(
        &kit,
        "DG-expired",
        &citizen_id,
        "2020-01-01",
        "2020-12-31",
        5,
    )
    .await;
    let (s, v) = officer
        .post(
            "/api/v1/unit/reads",
            json!({"grant_id": "DG-expired", "id": citizen_id}),
        )
        .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::FORBIDDEN, "disclosure.grant-expired"),
        "{v}"
    );
    let (s, page) = officer.page("/unit").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("已过期或次数已用完"), "{page}");
    // The page's read form: a refusal in Chinese naming why.
    let r = officer
        .form(
            "/unit/read",
            &[("grant_id", "DG-expired"), ("id", &citizen_id)],
        )
        .await;
    let page = r.text().await.unwrap();
    assert!(page.contains("不在有效期内"), "{page}");

    // Six reads racing for three uses: three answers, three refusals.
    let today = sirm_app::rights::today().to_string();
    grant_directly(&kit, "DG-race", &citizen_id, &today, &today, 3).await;
    let body = json!({"grant_id": "DG-race", "id": citizen_id});
    let reads = (0..6).map(|_| officer.post("/api/v1/unit/reads", body.clone()));
    let answers = futures::future::join_all(reads).await;
    let ok: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .map(|(_, v)| v)
        .collect();
    let refused: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::FORBIDDEN)
        .map(|(_, v)| v)
        .collect();
    assert_eq!((ok.len(), refused.len()), (3, 3), "{answers:?}");
    for r in &refused {
        assert_eq!(rule(r), "disclosure.grant-used-up", "{r}");
    }
    for a in &ok {
        assert_eq!(a["items"], json!(["contributions"]), "{a}");
        assert_eq!(a["record"]["person"]["address"], "", "{a}");
    }
    // The query log holds exactly the three reads, naming the unit and grant.
    let pk = sirm_app::testkit::person_key(&kit.sirm, &citizen_id.parse().unwrap()).unwrap();
    let rows = kit
        .sirm
        .store_for_maintenance()
        .queries_of(pk.as_str(), 100)
        .await
        .unwrap();
    let reads: Vec<_> = rows
        .iter()
        .filter(|r| r.basis.contains("DG-race"))
        .collect();
    assert_eq!(reads.len(), 3, "{rows:?}");
    assert_eq!(reads[0].channel, "unit");
    assert!(reads[0].requester.contains(UNIT));
}

sirm_testkit::both_engines!(
    refused_in_writing_granted_and_read_once,
    expired_grants_and_racing_reads
);
