//! Disclosure to organs within their prescribed scope (Art 18, 21, 22) and
//! reading patterns that raise an alarm (Art 22, 28(5)), over real HTTP on
//! both engines, with the demo's court officer (`court`, organ `demo-court`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use sirm_app::config::disclosure::{OrganKind, Scope};
use sirm_app::query::Item;
use sirm_testkit::{both_engines, Engine, Options, StatusCode, TestApp};

both_engines!(
    an_organ_reads_within_its_scope_and_is_refused_outside_it,
    reading_many_persons_raises_an_alarm_and_suspends_the_account,
);

const BASIS: &str = "《中华人民共和国民事诉讼法》第七十条";
const CASE: &str = "（2026）京0101民初123号";

fn rule(v: &Value) -> &str {
    v["error"]["rule"].as_str().unwrap_or_default()
}

async fn an_organ_reads_within_its_scope_and_is_refused_outside_it(engine: Engine) {
    // A court's scope narrowed for the test: two items, two persons per
    // query, three per day.
    let app = TestApp::start(Options::new(engine).tune(|s| {
        s.config.disclosure.scopes.insert(
            OrganKind::Court,
            Scope {
                items: [Item::Registration, Item::Contributions]
                    .into_iter()
                    .collect(),
                bases: vec!["民事诉讼法".into()],
                per_request: 2,
                per_day: 3,
                case_visible: true,
            },
        );
    }))
    .await;
    // The demo citizen first (they read their query log below), then two others.
    let citizen_pk: sirm_domain::id::PersonKey = app
        .sirm
        .store_for_maintenance()
        .account("citizen")
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap()
        .parse()
        .unwrap();
    let citizen_id = app.sirm.id_of(&citizen_pk).await.unwrap().unwrap();
    let mut ids = vec![citizen_id.as_str().to_string()];
    for id in sirm_app::testkit::person_ids(&app.sirm, 5).await.unwrap() {
        if ids.len() < 3 && !ids.contains(&id) {
            ids.push(id);
        }
    }
    let court = app.login("court").await;
    let ask = |body: Value| {
        let court = court.clone();
        async move { court.post("/api/v1/organ-queries", body).await }
    };
    // Within scope: the items of the scope only.
    let (s, v) = ask(json!({"id": ids[0], "case_number": CASE, "basis": BASIS})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["organ"], "北京市东城区人民法院（演示）");
    assert_eq!(
        v["records"][0]["items"],
        json!(["registration", "contributions"])
    );
    assert_eq!(v["records"][0]["requester"], "third_party");
    assert!(v["records"][0]["record"]["account_years"]
        .as_array()
        .unwrap()
        .is_empty());
    // Refusals, each naming its rule; nothing disclosed.
    let refusals = [
        (
            json!({"id": ids[1], "case_number": CASE, "basis": "《税收征收管理法》第五十七条"}),
            StatusCode::FORBIDDEN,
            "disclosure.basis",
        ),
        // A law of the scope, but no article; a law negated.
        (
            json!({"id": ids[1], "case_number": CASE, "basis": "民事诉讼法"}),
            StatusCode::FORBIDDEN,
            "disclosure.basis",
        ),
        (
            json!({"id": ids[1], "case_number": CASE, "basis": "非民事诉讼法第七十条"}),
            StatusCode::FORBIDDEN,
            "disclosure.basis",
        ),
        (
            json!({"id": ids[1], "case_number": CASE, "basis": format!("{BASIS}{}", "理".repeat(400))}),
            StatusCode::BAD_REQUEST,
            "field:basis",
        ),
        (
            json!({"id": ids[1], "case_number": " ", "basis": BASIS}),
            StatusCode::BAD_REQUEST,
            "disclosure.case-number",
        ),
        (
            json!({"id": ids[1], "items": ["account"], "case_number": CASE, "basis": BASIS}),
            StatusCode::FORBIDDEN,
            "disclosure.scope",
        ),
        (
            json!({"ids": ids, "case_number": CASE, "basis": BASIS}),
            StatusCode::FORBIDDEN,
            "disclosure.volume",
        ),
    ];
    for (body, status, expected) in refusals {
        let (s, v) = ask(body).await;
        let got = match expected.strip_prefix("field:") {
            Some(_) => format!("field:{}", v["error"]["field"].as_str().unwrap_or_default()),
            None => rule(&v).to_string(),
        };
        assert_eq!((s, got.as_str()), (status, expected), "{v}");
        assert!(v.get("records").is_none(), "{v}");
    }
    // An unregistered person is answered null, like one out of reach.
    let (s, v) = ask(
        json!({"ids": [ids[1], "110105199003071220"], "case_number": CASE,
        "basis": BASIS}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["records"][0].is_object() && v["records"][1].is_null(),
        "{v}"
    );
    // Two persons answered today (a refusal or a null answer is not
    // counted); the day's volume is 3.
    let (s, v) = ask(json!({"ids": [ids[2], ids[0]], "case_number": CASE, "basis": BASIS})).await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::FORBIDDEN, "disclosure.volume"),
        "{v}"
    );
    let (s, v) = ask(json!({"id": ids[2], "case_number": CASE, "basis": BASIS})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = ask(json!({"id": ids[0], "case_number": CASE, "basis": BASIS})).await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::FORBIDDEN, "disclosure.volume"),
        "{v}"
    );
    // The officer's page: the same use case, refusals in Chinese.
    let (s, page) = court.page("/organ").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("行政/司法机关查询"), "{page}");
    let r = court
        .form(
            "/organ",
            &[
                ("ids", ids[1].as_str()),
                ("case_number", CASE),
                ("basis", "审计法第三十四条"),
            ],
        )
        .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("查询依据须写明"), "{html}");
    assert!(
        html.contains("审计法第三十四条"),
        "what was typed is kept: {html}"
    );
    // The laws the court may rely on are listed beside the field.
    assert!(
        html.contains("《民事诉讼法》") && html.contains("organ-laws"),
        "{html}"
    );
    // A malformed second ID line is named by its line, in Chinese too.
    let two = format!("{}\n11010519900307122", ids[1]);
    let html = court
        .form(
            "/organ",
            &[
                ("ids", two.as_str()),
                ("case_number", CASE),
                ("basis", BASIS),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("第2行"), "{html}");
    // Every refusal is registered in the security audit trail.
    let audit = app
        .sirm
        .store_for_maintenance()
        .security_entries(&sirm_store::AuditFilter {
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    for r in [
        "disclosure.basis",
        "disclosure.scope",
        "disclosure.volume",
        "disclosure.case-number",
    ] {
        assert!(
            audit
                .iter()
                .any(|e| e.payload.contains("query.third_party") && e.payload.contains(r)),
            "no refusal {r} in the audit trail"
        );
    }
    // The person sees the court by name, with the case number (a court's
    // scope shows it), and a download of the same list.
    let (_, page) = app.login("citizen").await.page("/my/queries").await;
    assert!(
        page.contains("北京市东城区人民法院（演示）") && page.contains(CASE),
        "{page}"
    );
    let csv = app.login("citizen").await.get_raw("/my/queries.csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv
        .text()
        .await
        .unwrap()
        .contains("北京市东城区人民法院（演示）"));
    // The supervisor's report: every organ query, persons as pseudonyms.
    let audit_admin = app.login("auditadmin").await;
    let (s, page) = audit_admin.page("/disclosure/organ-queries").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("北京市东城区人民法院（演示）")
            && page.contains(CASE)
            && page.contains("缴费记录"),
        "{page}"
    );
    assert!(!page.contains(&ids[0]), "no ID number in the report");
    // A mistyped or reversed period: the form again, what was typed kept,
    // a Chinese sentence naming what is wrong.
    let (s, page) = audit_admin
        .page("/disclosure/organ-queries?from=2026-13-01&to=2026-12-01")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("日期格式有误")
            && page.contains("2026-13-01")
            && page.contains("organ-filter"),
        "{page}"
    );
    let (s, page) = audit_admin
        .page("/disclosure/organ-queries?from=2026-12-01&to=2026-11-01")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("日期顺序有误"), "{page}");
    let (s, _) = app
        .login("citizen")
        .await
        .page("/disclosure/organ-queries")
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

async fn reading_many_persons_raises_an_alarm_and_suspends_the_account(engine: Engine) {
    let app = TestApp::start(Options::new(engine).tune(|s| {
        s.config.disclosure.volume.persons_per_hour = 3;
        s.config.disclosure.volume.night_persons_per_hour = 3;
        s.config.disclosure.volume.misses_per_hour = 2;
    }))
    .await;
    let ids = sirm_app::testkit::person_ids(&app.sirm, 4).await.unwrap();
    let query = app.login_new("query").await;
    for id in &ids[..3] {
        let (s, v) = query
            .post("/api/v1/persons/lookup", json!({"id": id}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // The fourth different person crosses the threshold: the answer is
    // given, then the alarm is raised and the account locked.
    let (s, _) = query
        .post("/api/v1/persons/lookup", json!({"id": ids[3]}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = query
        .post("/api/v1/persons/lookup", json!({"id": ids[0]}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the suspended account's session ended"
    );
    let alarms = app.sirm.open_alarms().await.unwrap();
    assert!(
        alarms
            .iter()
            .any(|a| a.kind == "bulk-read" && a.subject == "query"),
        "{alarms:?}"
    );
    let row = app
        .sirm
        .store_for_maintenance()
        .account("query")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, sirm_domain::status::AccountStatus::Locked);
    // Guessed ID numbers count as an enumeration for another account.
    let reviewer = app.login_new("reviewer").await;
    for guess in [
        "110105199003071247",
        "110105199003071255",
        "110105199003071263",
    ] {
        let (s, _) = reviewer
            .post("/api/v1/persons/lookup", json!({"id": guess}))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let alarms = app.sirm.open_alarms().await.unwrap();
    assert!(
        alarms.iter().any(|a| a.kind == "bulk-read"
            && a.subject == "reviewer"
            && a.detail.contains("enumeration")),
        "{alarms:?}"
    );
}
