//! Objections (异议核查, Art 16) over real HTTP, on SQLite and PostgreSQL:
//! a citizen's objection to a month ends in a correction through the review
//! chain that the citizen sees; another ends in a written answer that
//! verifies like a certificate; bad input and callers not entitled are
//! refused naming the field or rule and write nothing; another person's
//! objection number is the same "not found" as a missing one; the
//! officer's queue and the report by age and result; projections replay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sirm_testkit::{Client, Engine, Options, TestApp};

const SCAN: &[u8] = b"%PDF-1.4 payslip of March";

fn evidence() -> Value {
    json!([{ "name": "payslip.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(SCAN) }])
}

fn rule(v: &Value) -> (&str, &str) {
    (
        v["error"]["rule"].as_str().unwrap_or(""),
        v["error"]["field"].as_str().unwrap_or(""),
    )
}

/// The ID number behind the account's person.
async fn id_of(kit: &TestApp, username: &str) -> String {
    let pk = kit
        .sirm
        .store_for_maintenance()
        .account(username)
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap();
    let ids = sirm_app::testkit::person_ids(&kit.sirm, 100_000)
        .await
        .unwrap();
    ids.into_iter()
        .find(|i| {
            sirm_app::testkit::person_key(&kit.sirm, &i.parse().unwrap())
                .unwrap()
                .to_string()
                == pk
        })
        .unwrap()
}

async fn pk_of(kit: &TestApp, username: &str) -> String {
    kit.sirm
        .store_for_maintenance()
        .account(username)
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap()
}

/// Take an application as `taker` and pass it through every stage; its id.
async fn through_review(kit: &TestApp, taker: &str, bt: &str, data: Value) -> String {
    let c = kit.login(taker).await;
    let (s, v) = c
        .post(
            "/api/v1/applications",
            json!({"business_type": bt, "data": data, "materials": evidence()}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["application_id"].as_str().unwrap().to_string();
    decide_all(kit, &id).await;
    id
}

async fn decide_all(kit: &TestApp, id: &str) {
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let t = kit.login(user).await;
        let (s, v) = t
            .post(
                &format!("/api/v1/applications/{id}/decision"),
                json!({"stage": stage, "approve": true, "reason": ""}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{user}: {v}");
    }
}

async fn status_of(c: &Client, number: &str) -> String {
    let (s, v) = c.get(&format!("/api/v1/objections/{number}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["status"].as_str().unwrap().to_string()
}

async fn a_month_objection_ends_in_a_correction_the_citizen_sees(engine: Engine) {
    let kit = TestApp::start(Options::new(engine).persons(10).history()).await;
    let store = kit.sirm.store_for_maintenance();
    let citizen_id = id_of(&kit, "citizen").await;
    let pk = pk_of(&kit, "citizen").await;
    // An unpaid month of the citizen: 2026-01 declared by the employer.
    let job = store
        .employments_of(&pk)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.end_on.is_none())
        .expect("the demo citizen is employed");
    through_review(
        &kit,
        "clerk",
        "contribution.declare",
        json!({"credit_code": job.credit_code, "month": "2026-01",
               "lines": [{"id": citizen_id, "declared_wage": "8000.00"}]}),
    )
    .await;

    let citizen = kit.login("citizen").await;
    let file = |items: Value, evidence: Value| json!({"items": items, "statement": "2026年1月工资为9000元，单位申报为8000元", "evidence": evidence});
    let month = json!([{"kind": "contribution_month", "month": "2026-01"}]);
    let retiree = kit.login("retiree").await;

    // Bad input: no items, no evidence, an unknown field, a future month;
    // anonymous callers never. Nothing is written.
    let before = kit.ledger_size().await;
    let (s, v) = citizen
        .post("/api/v1/objections", file(json!([]), evidence()))
        .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::BAD_REQUEST, ("objection.items", "items")),
        "{v}"
    );
    let (s, v) = citizen
        .post("/api/v1/objections", file(month.clone(), json!([])))
        .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::BAD_REQUEST, ("objection.evidence", "evidence")),
        "{v}"
    );
    let (s, v) = citizen
        .post(
            "/api/v1/objections",
            file(
                json!([{"kind": "registration_field", "field": "salary"}]),
                evidence(),
            ),
        )
        .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::BAD_REQUEST, ("objection.items", "items[1]")),
        "{v}"
    );
    let (s, v) = citizen
        .post(
            "/api/v1/objections",
            file(
                json!([{"kind": "contribution_month", "month": "2099-01"}]),
                evidence(),
            ),
        )
        .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::BAD_REQUEST, ("date.future", "items[1]")),
        "{v}"
    );
    let (s, _) = kit
        .anonymous()
        .post("/api/v1/objections", file(month.clone(), evidence()))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The retiree may not object for the citizen.
    let mut other = file(month.clone(), evidence());
    other["id"] = json!(citizen_id);
    let (s, v) = retiree.post("/api/v1/objections", other.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(rule(&v).0, "objection.not-entitled", "{v}");
    assert_eq!(kit.ledger_size().await, before, "refusals write nothing");

    // The citizen objects to the month; it gets a number and a deadline.
    let (s, v) = citizen
        .post("/api/v1/objections", file(month.clone(), evidence()))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let number = v["number"].as_str().unwrap().to_string();
    let (_, d) = citizen.get(&format!("/api/v1/objections/{number}")).await;
    assert_eq!(d["status"], "open", "{d}");
    assert_eq!(d["items"], json!(["2026-01 缴费记录"]));
    assert!(d["statement"].as_str().unwrap().contains("9000"), "{d}");
    let filed_on: chrono::NaiveDate = d["filed_on"].as_str().unwrap().parse().unwrap();
    let deadline: chrono::NaiveDate = d["deadline"].as_str().unwrap().parse().unwrap();
    let cal = sirm_domain::calendar::WorkCalendar::default();
    assert_eq!(deadline, cal.add_working_days(filed_on, 15));
    // Nothing in clear on disk: the statement is sealed in the ledger.
    for seq in before + 1..=kit.ledger_size().await {
        let e = store.entry(seq).await.unwrap().unwrap();
        assert!(!e.payload.contains("9000元"), "{}", e.payload);
    }

    // Another person's number is the same answer as a missing one.
    let (s1, v1) = retiree.get(&format!("/api/v1/objections/{number}")).await;
    let (s2, v2) = retiree.get("/api/v1/objections/YY-20260101-00000000").await;
    assert_eq!((s1, rule(&v1)), (s2, rule(&v2)));
    assert_eq!(s1, StatusCode::NOT_FOUND);
    let (s, _) = retiree.page(&format!("/my/objections/{number}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The officer's queue shows it; the officer takes the correction and
    // links it (a correction of someone else, or no correction, refused).
    let officer = kit.login("maintainer").await;
    let (_, q) = officer.get("/api/v1/objection-queue").await;
    assert!(
        q.as_array()
            .unwrap()
            .iter()
            .any(|r| r["number"] == number.as_str()),
        "{q}"
    );
    let (s, page) = officer.page("/objections").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&number));
    let fix = json!({"id": citizen_id, "month": "2026-01", "declared_wage": "9000.00", "reason": "异议核查：工资表核对，申报工资有误"});
    let (s, v) = officer
        .post(
            "/api/v1/applications",
            json!({"business_type": "contribution.correct", "data": fix, "materials": evidence()}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let app_id = v["application_id"].as_str().unwrap().to_string();
    let (s, v) = officer
        .post(
            &format!("/api/v1/objections/{number}/link"),
            json!({"application": "AP-0000000000000000"}),
        )
        .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::BAD_REQUEST, ("objection.link", "application")),
        "{v}"
    );
    let (s, v) = officer
        .post(
            &format!("/api/v1/objections/{number}/link"),
            json!({"application": app_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(status_of(&citizen, &number).await, "in_correction");
    // Linked: no written answer now, nor a second link.
    let (s, v) = officer
        .post(
            &format!("/api/v1/objections/{number}/answer"),
            json!({"reasons": "无误"}),
        )
        .await;
    assert_eq!(
        (s, rule(&v).0),
        (StatusCode::CONFLICT, "objection.closed"),
        "{v}"
    );
    let (_, record) = citizen.get("/api/v1/my/record").await;
    assert!(!record.to_string().contains("9000.00"), "not corrected yet");

    // Approved through the review chain: corrected, and the citizen sees it.
    decide_all(&kit, &app_id).await;
    assert_eq!(status_of(&citizen, &number).await, "corrected");
    let (_, record) = citizen.get("/api/v1/my/record").await;
    assert!(record.to_string().contains("9000.00"), "{record}");
    let (s, page) = citizen.page(&format!("/my/objections/{number}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("已更正") && page.contains(&app_id), "{page}");
    // The maintenance log names the objection the correction answers, with
    // the month's wage before and after.
    let (_, log) = kit
        .login("query")
        .await
        .get("/api/v1/maintenance-log?kind=contribution.corrected")
        .await;
    let row = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["application"] == app_id.as_str())
        .unwrap_or_else(|| panic!("{log}"))
        .clone();
    assert!(
        row["origin"]
            .as_array()
            .unwrap()
            .contains(&json!(format!("objection:{number}"))),
        "{row}"
    );
    assert_eq!(row["after"]["declared_wage"], "9000.00", "{row}");
    assert!(row["before"]["declared_wage"].is_string(), "{row}");

    // The second way: an objection filed in the portal form (multipart),
    // re-checked and answered in writing with a verifiable letter.
    let form = citizen
        .multipart_form()
        .text("item_kind_1", "registration_field")
        .text("item_value_1", "地址")
        .text("statement", "登记地址有误")
        .part(
            "material",
            reqwest::multipart::Part::bytes(SCAN.to_vec())
                .file_name("hukou.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = citizen.send_multipart("/my/objections", form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let second = r.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/my/objections/")
        .to_string();
    assert_ne!(second, number);
    let (s, v) = officer
        .post(
            &format!("/api/v1/objections/{second}/answer"),
            json!({"reasons": "经核对户籍证明，登记地址与证明一致，记录无误"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let code = v["code"].as_str().unwrap().to_string();
    assert_eq!(status_of(&citizen, &second).await, "answered");
    let anyone = kit.anonymous();
    let (s, check) = anyone.get(&format!("/api/v1/certificates/{code}")).await;
    assert_eq!(s, StatusCode::OK, "{check}");
    assert_eq!(check["verdict"], "genuine", "{check}");
    assert_eq!(check["kind"], "objection_answer");
    let (_, page) = anyone.page(&format!("/verify/{code}")).await;
    assert!(
        page.contains("异议核查答复书") && page.contains("异议编号"),
        "{page}"
    );
    assert!(!page.contains("证明期间"), "a letter, not a certificate");
    let pdf = citizen
        .get_raw(&format!("/my/objections/{second}/letter.pdf"))
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    let bytes = pdf.bytes().await.unwrap();
    assert_eq!(hex::encode(Sha256::digest(&bytes)), check["pdf_sha256"]);
    let (s, v) = officer
        .post(
            &format!("/api/v1/objections/{second}/answer"),
            json!({"reasons": "再次"}),
        )
        .await;
    assert_eq!(
        (s, rule(&v).0),
        (StatusCode::CONFLICT, "objection.closed"),
        "{v}"
    );

    // The report by age and result, as a page and CSV (no ID number).
    let (_, rep) = officer.get("/api/v1/objection-report").await;
    let count = |st: &str| {
        rep["by_result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p[0] == st)
            .unwrap()[1]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        (count("corrected"), count("answered"), count("open")),
        (1, 1, 0),
        "{rep}"
    );
    let csv = officer
        .get_raw("/objection-report.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(&number) && csv.contains(&second), "{csv}");
    assert!(!csv.contains(&citizen_id));
    let (s, _) = citizen.get("/api/v1/objection-report").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Every projection equals a replay of the ledger.
    assert!(kit.sirm.verify(vec![]).await.unwrap().is_intact());
}

async fn employers_and_the_counter_object_within_their_capacity(engine: Engine) {
    let kit = TestApp::start(Options::new(engine).persons(10).history()).await;
    let store = kit.sirm.store_for_maintenance();
    let employer = kit.employer_of("agent").await;
    let ids = sirm_app::testkit::person_ids(&kit.sirm, 100_000)
        .await
        .unwrap();
    let mut employee = None;
    let mut stranger = None;
    for id in ids {
        let pk = sirm_app::testkit::person_key(&kit.sirm, &id.parse().unwrap())
            .unwrap()
            .to_string();
        let jobs = store.employments_of(&pk).await.unwrap();
        if jobs.iter().any(|j| j.credit_code == employer) {
            employee.get_or_insert(id);
        } else {
            stranger.get_or_insert(id);
        }
    }
    let (employee, stranger) = (employee.unwrap(), stranger.unwrap());
    let agent = kit.login("agent").await;
    let body = |id: &str, items: Value| json!({"id": id, "items": items, "statement": "少记一个月就业期间", "evidence": evidence()});
    let job = json!([{"kind": "employment", "credit_code": employer}]);
    let (s, v) = agent
        .post("/api/v1/objections", body(&stranger, job.clone()))
        .await;
    assert_eq!(
        (s, rule(&v).0),
        (StatusCode::FORBIDDEN, "objection.not-entitled"),
        "{v}"
    );
    let (s, v) = agent
        .post(
            "/api/v1/objections",
            body(
                &employee,
                json!([{"kind": "registration_field", "field": "address"}]),
            ),
        )
        .await;
    assert_eq!(
        (s, rule(&v)),
        (
            StatusCode::BAD_REQUEST,
            ("objection.not-entitled", "items[1]")
        ),
        "{v}"
    );
    // A month before the employee ever worked there is not the employer's.
    let (s, v) = agent
        .post(
            "/api/v1/objections",
            body(
                &employee,
                json!([{"kind": "contribution_month", "month": "1990-01"}]),
            ),
        )
        .await;
    assert_eq!(
        (s, rule(&v)),
        (
            StatusCode::BAD_REQUEST,
            ("objection.not-entitled", "items[1]")
        ),
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("not employed by this employer in that month"),
        "{v}"
    );
    let (s, v) = agent
        .post("/api/v1/objections", body(&employee, job.clone()))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let number = v["number"].as_str().unwrap().to_string();
    assert_eq!(status_of(&agent, &number).await, "open");
    let (_, d) = agent.get(&format!("/api/v1/objections/{number}")).await;
    assert_eq!(d["objector"], "用人单位");

    // The clerk at the counter: only with the ID document checked.
    let clerk = kit.login("clerk").await;
    let mut b = body(
        &stranger,
        json!([{"kind": "contribution_month", "month": "2025-06"}]),
    );
    let (s, v) = clerk.post("/api/v1/objections", b.clone()).await;
    assert_eq!(
        (s, rule(&v)),
        (
            StatusCode::BAD_REQUEST,
            ("id-document.unchecked", "id_document_checked")
        ),
        "{v}"
    );
    b["id_document_checked"] = json!(true);
    let (s, v) = clerk.post("/api/v1/objections", b.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let counter = v["number"].as_str().unwrap().to_string();
    assert_eq!(status_of(&clerk, &counter).await, "open");
    // The counter's form: the same checks, the ID number in the body.
    let part = || {
        reqwest::multipart::Part::bytes(SCAN.to_vec())
            .file_name("scan.pdf")
            .mime_str("application/pdf")
            .unwrap()
    };
    let form = clerk
        .multipart_form()
        .text("id", stranger.clone())
        .text("item_kind_1", "benefit_payment")
        .text("item_value_1", "2025-05")
        .text("statement", "待遇少发")
        .part("material", part());
    let r = clerk.send_multipart("/counter/objections", form).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("当面核验"));
    let form = clerk
        .multipart_form()
        .text("id", stranger.clone())
        .text("id_document_checked", "true")
        .text("item_kind_1", "benefit_payment")
        .text("item_value_1", "2025-05")
        .text("statement", "待遇少发")
        .part("material", part());
    let r = clerk.send_multipart("/counter/objections", form).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"number\"") && html.contains("2025-05 待遇支付"),
        "{html}"
    );
    // The employer's form: its own employee's employment only.
    let form = agent
        .multipart_form()
        .text("id", employee.clone())
        .text("item_kind_1", "employment")
        .text("item_value_1", employer.clone())
        .text("statement", "入职日期有误")
        .part("material", part());
    let r = agent.send_multipart("/employer/objections", form).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("就业期间"));
    // The agent does not see the counter's objection about someone else.
    let (s, _) = agent.get(&format!("/api/v1/objections/{counter}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // At most `max_open_per_person` open objections of one person.
    for _ in 0..3 {
        let (s, v) = clerk.post("/api/v1/objections", b.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = clerk.post("/api/v1/objections", b).await;
    assert_eq!(
        (s, rule(&v).0),
        (StatusCode::CONFLICT, "objection.too-many"),
        "{v}"
    );
    assert!(kit.sirm.verify(vec![]).await.unwrap().is_intact());
}

/// A correction returned by a reviewer stays with the officer (the
/// objection stays in correction); withdrawn, the objection is open again
/// and can be answered in writing instead.
async fn a_withdrawn_correction_reopens_the_objection(engine: Engine) {
    let kit = TestApp::start(Options::new(engine).persons(10).history()).await;
    let citizen_id = id_of(&kit, "citizen").await;
    let citizen = kit.login("citizen").await;
    let (s, v) = citizen
        .post(
            "/api/v1/objections",
            json!({"items": [{"kind": "registration_field", "field": "address"}],
                   "statement": "地址登记有误", "evidence": evidence()}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let number = v["number"].as_str().unwrap().to_string();
    let officer = kit.login("maintainer").await;
    let fix = json!({"id": citizen_id, "effective_on": "2025-06-01",
                     "reason": "异议核查：地址登记有误", "address": "北京市朝阳区更正路1号"});
    let (s, v) = officer
        .post(
            "/api/v1/applications",
            json!({"business_type": "person.correct", "data": fix, "materials": evidence()}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let app_id = v["application_id"].as_str().unwrap().to_string();
    let (s, v) = officer
        .post(
            &format!("/api/v1/objections/{number}/link"),
            json!({"application": app_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Returned by the reviewer: still in correction, with the officer.
    let reviewer = kit.login("reviewer").await;
    let (s, v) = reviewer
        .post(
            &format!("/api/v1/applications/{app_id}/decision"),
            json!({"stage": "review", "approve": false, "reason": "证明材料不足"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(status_of(&citizen, &number).await, "in_correction");
    let (_, d) = citizen.get(&format!("/api/v1/objections/{number}")).await;
    assert_eq!(d["application_status"], "returned", "{d}");
    // Withdrawn by the officer: open again, unlinked; then answered.
    let r = officer
        .form(
            &format!("/applications/{app_id}/withdraw"),
            &[("reason", "改为书面答复")],
        )
        .await;
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    assert_eq!(status_of(&citizen, &number).await, "open");
    let (_, d) = citizen.get(&format!("/api/v1/objections/{number}")).await;
    assert_eq!(d["application_id"], "", "{d}");
    let (s, v) = officer
        .post(
            &format!("/api/v1/objections/{number}/answer"),
            json!({"reasons": "经核对，登记地址与户籍证明一致"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(status_of(&citizen, &number).await, "answered");
    assert!(kit.sirm.verify(vec![]).await.unwrap().is_intact());
}

sirm_testkit::both_engines!(
    a_withdrawn_correction_reopens_the_objection,
    a_month_objection_ends_in_a_correction_the_citizen_sees,
    employers_and_the_counter_object_within_their_capacity
);
