//! Findings of a QA walk of the demo, each held here over real HTTP on both
//! engines: bad input gets a clear error naming the field (by its rule id,
//! in Chinese on the pages) and nothing is half-applied; "not found" says
//! what was not found; a refused form keeps what was typed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use serde_json::{json, Value};
use sirm_testkit::{both_engines, Client, Engine, Options, StatusCode, TestApp};

both_engines!(
    dates_ahead_and_bad_phones_are_refused_everywhere,
    delegation_scope_names_the_known_items,
    maintenance_log_refuses_a_malformed_day,
    not_found_says_what_was_not_found,
    refused_counter_and_account_forms_keep_what_was_typed,
    counter_services_need_the_id_check_tick,
    a_declaration_for_a_month_ahead_is_refused,
    a_refused_certificate_says_why_in_chinese_and_keeps_the_period,
);

/// A person not registered in the demo data (a valid ID number).
const NEW_PERSON: &str = "110105199003071220";

async fn start(engine: Engine) -> TestApp {
    let mut o = Options::new(engine).persons(10);
    o.seed = 3;
    TestApp::start(o).await
}

fn scan() -> Value {
    json!([{"name": "scan.pdf", "content_base64":
        base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 scanned")}])
}

/// Submit an application through the JSON API: status and body.
async fn submit(who: &Client, business_type: &str, data: Value) -> (StatusCode, Value) {
    who.post(
        "/api/v1/applications",
        json!({"business_type": business_type, "data": data, "materials": scan()}),
    )
    .await
}

/// The refusal's (rule, field) of a JSON error answer.
fn rule_and_field(v: &Value) -> (&str, &str) {
    (
        v["error"]["rule"].as_str().unwrap_or(""),
        v["error"]["field"].as_str().unwrap_or(""),
    )
}

/// Finding 1: a registration, employment or payment date after today and a
/// phone number like "abc" are refused by the application use case (JSON
/// API, and so the CLI) and by the counter's form, naming the field; a
/// refused registration leaves nothing behind (no ledger entry, no data
/// key for the person).
async fn dates_ahead_and_bad_phones_are_refused_everywhere(engine: Engine) {
    let app = start(engine).await;
    let clerk = app.login("clerk").await;
    let person = json!({"id": NEW_PERSON, "name": "王小明", "address": "北京市朝阳区建国路8号",
        "phone": "13800001111", "registered_on": "2026-11-01"});
    let with = |field: &str, value: &str| {
        let mut d = person.clone();
        d[field] = json!(value);
        d
    };
    let size = app.ledger_size().await;
    let pk = sirm_app::testkit::pk_of(&app.sirm, NEW_PERSON).unwrap();
    for (data, rule, field) in [
        (
            with("registered_on", "2099-01-01"),
            "date.future",
            "registered_on",
        ),
        (with("phone", "abc"), "phone.format", "phone"),
        (with("phone", "123"), "phone.format", "phone"),
    ] {
        let (s, v) = submit(&clerk, "person.register", data).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(rule_and_field(&v), (rule, field), "{v}");
    }
    assert_eq!(
        app.ledger_size().await,
        size,
        "a refusal wrote to the ledger"
    );
    assert!(
        app.sirm
            .store_for_maintenance()
            .person_key(&pk)
            .await
            .unwrap()
            .is_none(),
        "a refused registration left a data key behind"
    );

    // Other dates that record what has happened, through the same path.
    let employer = app.employer_of("agent").await;
    let someone = app.first_person().await;
    for (bt, data, field) in [
        (
            "employment.start",
            json!({"id": someone, "credit_code": employer, "start_on": "2099-03-01"}),
            "start_on",
        ),
        (
            "employer.register",
            json!({"credit_code": employer, "name": "新单位", "address": "北京市朝阳区1号",
                "industry_class": 1, "registered_on": "2099-01-01"}),
            "registered_on",
        ),
        (
            "person.change",
            json!({"id": someone, "effective_on": "2026-01-01", "reason": "换号", "phone": "abc"}),
            "phone",
        ),
    ] {
        let (s, v) = submit(&clerk, bt, data).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bt}: {v}");
        assert_eq!(rule_and_field(&v).1, field, "{bt}: {v}");
    }
    // A date that has come is taken.
    let (s, v) = submit(&clerk, "person.register", person).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // The counter's form: refused naming the field in Chinese, the rest
    // kept as typed.
    let form = clerk
        .multipart_form()
        .text("business_type", "person.register")
        .text("id", "110105199205061223")
        .text("name", "李小红")
        .text("address", "北京市朝阳区光华路1号")
        .text("phone", "13800002222")
        .text("registered_on", "2099-01-01")
        .part(
            "material",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 scanned".to_vec()).file_name("id.pdf"),
        );
    let r = clerk.send_multipart("/applications", form).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("“参保日期”：日期不能晚于今天"),
        "the Chinese names the field: {html}"
    );
    assert!(html.contains("value=\"李小红\""), "{html}");
}

/// Finding 2: a written authorization naming an unknown item is refused
/// (rule `delegation.scope`), naming the known items; nothing is recorded.
async fn delegation_scope_names_the_known_items(engine: Engine) {
    let app = start(engine).await;
    let clerk = app.login("clerk").await;
    let person = app.first_person().await;
    let doc = "a".repeat(64);
    let size = app.ledger_size().await;
    let r = clerk
        .form(
            "/counter/delegation",
            &[
                ("person", &person),
                ("delegate", "citizen"),
                ("scope", "registration,salary"),
                ("valid_from", "2026-01-01"),
                ("valid_until", "2027-12-31"),
                ("document_sha256", &doc),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("委托查询事项有误"), "{html}");
    assert!(
        html.contains("registration, employment, contributions, account, benefit"),
        "the known items are named: {html}"
    );
    assert_eq!(app.ledger_size().await, size);

    // The use case itself refuses it (the CLI and any other caller too).
    let who = app.sirm.principal("clerk", "test").await.unwrap();
    let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let record = |items: Vec<String>, document: String| {
        let (app, who, person) = (&app, &who, &person);
        async move {
            app.sirm
                .record_delegation(
                    who,
                    &person.parse().unwrap(),
                    "citizen",
                    &items,
                    day("2026-01-01"),
                    day("2027-12-31"),
                    &document,
                )
                .await
                .unwrap_err()
        }
    };
    let err = record(vec!["Contributions".into(), "pension".into()], doc.clone()).await;
    assert_eq!(err.rule(), Some(sirm_domain::RuleId::DelegationScope));
    assert!(err.to_string().contains("\"pension\""), "{err}");
    // A document hash that is not a SHA-256: refused by its own rule.
    let err = record(vec!["contributions".into()], "not-a-hash".into()).await;
    assert_eq!(err.rule(), Some(sirm_domain::RuleId::DelegationDocument));
    assert_eq!(app.ledger_size().await, size);
}

/// Finding 3: a malformed `from` or `to` of the maintenance log is refused
/// (page and API), naming the field; a well-formed filter still answers.
async fn maintenance_log_refuses_a_malformed_day(engine: Engine) {
    let app = start(engine).await;
    let clerk = app.login("clerk").await;
    let (s, html) = clerk.page("/maintenance-log?from=2026-13-01").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{html}");
    assert!(
        html.contains("“起始日期（自）”：日期格式有误"),
        "the Chinese names the field: {html}"
    );
    assert!(
        html.contains("value=\"2026-13-01\""),
        "kept as typed: {html}"
    );
    let r = clerk.form("/maintenance-log", &[("to", "yesterday")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("“截止日期（至）”"));
    for (query, field, rule) in [
        ("from=2026-02-30", "from", "date.format"),
        ("to=garbage", "to", "date.format"),
        ("from=2026-02-01&to=2026-01-01", "to", "date.order"),
    ] {
        let (s, v) = clerk.get(&format!("/api/v1/maintenance-log?{query}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {v}");
        assert_eq!(rule_and_field(&v), (rule, field), "{query}: {v}");
    }
    let (s, v) = clerk
        .get("/api/v1/maintenance-log?from=2015-01-01&to=2030-12-31")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = clerk.page("/maintenance-log?from=2015-01-01").await;
    assert_eq!(s, StatusCode::OK);
}

/// Finding 4: "not found" says in Chinese what kind of thing was not found
/// (application, person, account …) and the JSON names it by rule id; the
/// Chinese holds no identifier.
async fn not_found_says_what_was_not_found(engine: Engine) {
    let app = start(engine).await;
    let clerk = app.login("clerk").await;
    let (s, v) = clerk.get("/api/v1/applications/APP-00000000").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["error"]["code"], "not_found");
    assert_eq!(v["error"]["rule"], "not-found.application", "{v}");
    let (s, html) = clerk.page("/applications/APP-00000000").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("未找到该业务申请"), "{html}");

    // A person who is not registered: the ID number is never in the answer.
    let (s, v) = submit(
        &clerk,
        "person.change",
        json!({"id": NEW_PERSON, "effective_on": "2026-01-01", "reason": "换号", "phone": "13800003333"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["error"]["rule"], "not-found.person", "{v}");
    assert!(!v.to_string().contains(NEW_PERSON), "{v}");

    // An account (the system administrator locking one that is not there).
    let sysadmin = app.login("sysadmin").await;
    let r = sysadmin
        .form("/admin/users/nobody/lock", &[("reason", "test")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("未找到该账号"));
}

/// Finding 5: a refused counter form or new-account form is shown again
/// with what was typed, except PINs and passwords.
async fn refused_counter_and_account_forms_keep_what_was_typed(engine: Engine) {
    let app = start(engine).await;
    let clerk = app.login("clerk").await;
    // An employer agent with a malformed credit code.
    let r = clerk
        .form(
            "/counter/employer-agent",
            &[
                ("credit_code", "91110000100000000Z"),
                ("username", "agent.wang"),
                ("display_name", "王经办"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("“统一社会信用代码”"), "{html}");
    for kept in [
        "value=\"91110000100000000Z\"",
        "value=\"agent.wang\"",
        "value=\"王经办\"",
    ] {
        assert!(html.contains(kept), "{kept} lost: {html}");
    }
    // Query PINs that differ: the ID number stays, the PINs do not.
    let person = app.first_person().await;
    let r = clerk
        .form(
            "/counter/query-pin",
            &[
                ("id", &person),
                ("pin", "284913"),
                ("pin_confirm", "284931"),
                ("checked", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{person}\"")), "{html}");
    assert!(
        !html.contains("284913") && !html.contains("284931"),
        "a PIN shown back: {html}"
    );
    // The delegation form keeps its fields, and a done form is empty again.
    let r = clerk
        .form(
            "/counter/delegation",
            &[
                ("person", &person),
                ("delegate", "citizen"),
                ("scope", "contributions"),
                ("valid_from", "2026-05-01"),
                ("valid_until", "2026-04-01"),
                ("document_sha256", &"b".repeat(64)),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("“截止日期”"), "{html}");
    for kept in [
        "value=\"2026-05-01\"".to_string(),
        "value=\"2026-04-01\"".to_string(),
        format!("value=\"{}\"", "b".repeat(64)),
        "value=\"contributions\"".to_string(),
    ] {
        assert!(html.contains(&kept), "{kept} lost: {html}");
    }

    // The system administrator's new account with a malformed username.
    let sysadmin = app.login("sysadmin").await;
    let r = sysadmin
        .form(
            "/admin/users",
            &[("username", "Bad Name!"), ("display_name", "赵新人")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Bad Name!\""), "{html}");
    assert!(html.contains("value=\"赵新人\""), "{html}");
    // Created: the form is empty for the next one.
    let r = sysadmin
        .form(
            "/admin/users",
            &[("username", "zhao.xinren"), ("display_name", "赵新人")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(!html.contains("value=\"zhao.xinren\""), "{html}");
}

/// Found by walking the demo: the counter's "ID document checked" tick was
/// checked only by the browser. Without it the server now refuses the query
/// PIN, the activation code and the password reset (rule
/// `id-document.unchecked`), and nothing is written.
async fn counter_services_need_the_id_check_tick(engine: Engine) {
    let app = start(engine).await;
    let clerk = app.login("clerk").await;
    let person = app.first_person().await;
    let size = app.ledger_size().await;
    for (path, fields) in [
        (
            "/counter/query-pin",
            vec![
                ("id", person.as_str()),
                ("pin", "284913"),
                ("pin_confirm", "284913"),
            ],
        ),
        ("/counter/activation", vec![("id", person.as_str())]),
        ("/counter/password-reset", vec![("username", "citizen")]),
    ] {
        let r = clerk.form(path, &fields).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("请先当面核验本人有效身份证件"),
            "{path}: {html}"
        );
        assert_eq!(app.ledger_size().await, size, "{path} wrote to the ledger");
    }
    // The JSON API asks the same statement of the clerk.
    for (path, body) in [
        (
            "/api/v1/query-pins",
            json!({"person_id": person, "pin": "284913"}),
        ),
        ("/api/v1/activation-codes", json!({"person_id": person})),
        (
            "/api/v1/counter/password-reset",
            json!({"username": "citizen", "id_document_checked": false}),
        ),
    ] {
        let (s, v) = clerk.post(path, body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {v}");
        assert_eq!(v["error"]["rule"], "id-document.unchecked", "{path}: {v}");
        assert_eq!(v["error"]["field"], "id_document_checked", "{path}: {v}");
        assert_eq!(app.ledger_size().await, size, "{path} wrote to the ledger");
    }
    // With the tick, the same PIN is set.
    let r = clerk
        .form(
            "/counter/query-pin",
            &[
                ("id", person.as_str()),
                ("pin", "284913"),
                ("pin_confirm", "284913"),
                ("checked", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(app.ledger_size().await > size);
}

/// Found by walking the demo: a declaration for 2099-01 was accepted. A
/// month after the current one is refused (rule `date.future`, field
/// `month`), by lines and by file, and nothing is written.
async fn a_declaration_for_a_month_ahead_is_refused(engine: Engine) {
    let app = start(engine).await;
    let clerk = app.login("clerk").await;
    let employer = app.employer_of("agent").await;
    let person = app.first_person().await;
    let size = app.ledger_size().await;
    let lines = json!([{"id": person, "declared_wage": "9000.00"}]);
    let (s, v) = submit(
        &clerk,
        "contribution.declare",
        json!({"credit_code": employer, "month": "2099-01", "lines": lines}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        (&v["error"]["rule"], &v["error"]["field"]),
        (&json!("date.future"), &json!("month")),
        "{v}"
    );
    // The file upload's use case refuses it before reading the file.
    let who = app.sirm.principal("clerk", "test").await.unwrap();
    let file = app.dir().join("ahead.csv");
    std::fs::write(&file, format!("id,wage\n{person},9000.00\n")).unwrap();
    let err = app
        .sirm
        .submit_declaration_file(
            &who,
            &employer.parse().unwrap(),
            "2099-01".parse().unwrap(),
            "ahead.csv",
            &file,
            &mut |_| {},
        )
        .await
        .unwrap_err();
    assert_eq!(err.rule(), Some(sirm_domain::RuleId::DateFuture));
    assert_eq!(app.ledger_size().await, size);
}

/// Found by walking the demo: a refused certificate request answered in
/// English, cleared the period, and the query log said "certificate X
/// issued" with a code that was never issued.
async fn a_refused_certificate_says_why_in_chinese_and_keeps_the_period(engine: Engine) {
    let app = start(engine).await;
    let citizen = app.login("citizen").await;
    let size = app.ledger_size().await;
    let r = citizen
        .form(
            "/my/certificates",
            &[
                ("kind", "contribution"),
                ("from", "2025-06"),
                ("to", "2024-01"),
            ],
        )
        .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("日期顺序有误"), "{html}");
    assert!(html.contains("起始月份"), "the field is named: {html}");
    assert!(
        html.contains("value=\"2025-06\"") && html.contains("value=\"2024-01\""),
        "the period is kept: {html}"
    );
    // The citizen has no benefit: refused by its rule, the kind kept.
    let r = citizen
        .form("/my/certificates", &[("kind", "benefit")])
        .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("没有待遇领取记录"), "{html}");
    assert!(html.contains("value=\"benefit\" selected"), "{html}");
    // Nothing issued, and the log names requests, never a code.
    assert_eq!(app.ledger_size().await, size);
    // The person's own requests are in the log, never with a code, and not
    // listed as queries by others on their page.
    let pk = app
        .sirm
        .store_for_maintenance()
        .account("citizen")
        .await
        .unwrap()
        .unwrap();
    let log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&pk.person_id.unwrap(), 50)
        .await
        .unwrap();
    assert!(log
        .iter()
        .any(|q| q.requester_kind == "self" && q.basis == "certificate (contribution) requested"));
    assert!(!log.iter().any(|q| q.basis.ends_with(") issued")));
    let (_, page) = citizen.page("/my/queries").await;
    assert!(
        !page.contains("certificate (contribution) requested"),
        "{page}"
    );
}
