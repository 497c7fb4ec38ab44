//! Insurance relationships (参保关系) over real HTTP, on SQLite and
//! PostgreSQL, one server per engine: enrolment, suspension and
//! termination per insurance type through the review chain; a type not
//! enrolled is not assessed (the stored figures equal the rules engine's);
//! a person de-registered (death) refuses later employment starts and
//! enrolments, and the death date is checked against registration and
//! today naming the field; a de-registered employer refuses later
//! employment starts, declarations (lines and file) and payments; flexible
//! employment's base is checked against the floor and ceiling; every
//! refusal appends nothing; the projections replay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sirm_domain::rules::{Enrolled, Insurance, Month};
use sirm_testkit::{Engine, Options, TestApp};

fn scan() -> Value {
    json!([{"name": "scan.pdf", "content_base64":
        base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 scanned")}])
}

fn rule(v: &Value) -> (String, String) {
    (
        v["error"]["rule"].as_str().unwrap_or("").to_string(),
        v["error"]["field"].as_str().unwrap_or("").to_string(),
    )
}

/// Submit as the clerk: status and body.
async fn submit(app: &TestApp, bt: &str, data: Value) -> (StatusCode, Value) {
    submit_as(app, "clerk", bt, data).await
}

/// Submit as `taker`: status and body.
async fn submit_as(app: &TestApp, taker: &str, bt: &str, data: Value) -> (StatusCode, Value) {
    let taker = app.login(taker).await;
    taker
        .post(
            "/api/v1/applications",
            json!({"business_type": bt, "data": data, "materials": scan()}),
        )
        .await
}

/// Submit as the clerk and pass every stage.
async fn approved(app: &TestApp, bt: &str, data: Value) {
    approved_as(app, "clerk", bt, data).await;
}

/// Submit as `taker` and pass every stage.
async fn approved_as(app: &TestApp, taker: &str, bt: &str, data: Value) {
    let (s, v) = submit_as(app, taker, bt, data).await;
    assert_eq!(s, StatusCode::CREATED, "{bt}: {v}");
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
                json!({"stage": stage, "approve": true, "reason": ""}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{bt} {user}: {v}");
    }
}

/// Refused with `status`, naming `rule` (and `field` when given); the
/// ledger unchanged.
async fn refused(app: &TestApp, bt: &str, data: Value, status: StatusCode, r: &str, field: &str) {
    let size = app.ledger_size().await;
    let (s, v) = submit(app, bt, data).await;
    assert_eq!(s, status, "{bt}: {v}");
    let (got_rule, got_field) = rule(&v);
    assert_eq!(got_rule, r, "{bt}: {v}");
    if !field.is_empty() {
        assert_eq!(got_field, field, "{bt}: {v}");
    }
    assert_eq!(app.ledger_size().await, size, "{bt}: nothing appended");
}

async fn record(app: &TestApp, id: &str) -> Value {
    let clerk = app.login("clerk").await;
    let (s, v) = clerk
        .post("/api/v1/persons/lookup", json!({ "id": id }))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn status_of(rec: &Value, insurance: &str) -> String {
    rec["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["insurance"] == insurance)
        .map(|r| r["status"].as_str().unwrap().to_string())
        .unwrap()
}

async fn relationships_deregistration_and_flexible(engine: Engine) {
    let mut o = Options::new(engine).persons(10);
    o.seed = 3;
    let app = TestApp::start(o).await;
    let store = app.sirm.store_for_maintenance();
    // Persons of the demo without employment, registered before 2026.
    let mut free = Vec::new();
    for id in sirm_app::testkit::person_ids(&app.sirm, 10).await.unwrap() {
        let pk = sirm_app::testkit::pk_of(&app.sirm, &id).unwrap();
        let p = store.person(&pk).await.unwrap().unwrap();
        if store.employments_of(&pk).await.unwrap().is_empty()
            && p.registered_on < "2026-01-01".parse().unwrap()
        {
            free.push((id, pk, p.registered_on));
        }
    }
    assert!(free.len() >= 5, "five demo persons free to employ");
    let employer = app.employer_of("agent").await;

    // --- Enrolment, suspension, termination per type -------------------
    let (a, a_pk, _) = free[0].clone();
    approved(
        &app,
        "employment.start",
        json!({"id": a, "credit_code": employer, "start_on": "2026-01-05"}),
    )
    .await;
    assert_eq!(status_of(&record(&app, &a).await, "unemployment"), "active");
    let change = |ins: Value, on: &str| json!({"id": a, "insurances": ins, "effective_on": on, "reason": "本人申请"});
    approved(
        &app,
        "insurance.terminate",
        change(json!(["unemployment"]), "2026-02-10"),
    )
    .await;
    let bad = StatusCode::BAD_REQUEST;
    refused(
        &app,
        "insurance.terminate",
        change(json!(["unemployment"]), "2026-02-11"),
        bad,
        "insurance.not-enrolled",
        "insurances[1]",
    )
    .await;
    refused(
        &app,
        "insurance.enrol",
        change(json!(["pension"]), "2026-02-11"),
        bad,
        "insurance.enrolled",
        "insurances[1]",
    )
    .await;
    refused(
        &app,
        "insurance.suspend",
        change(json!([]), "2026-02-11"),
        bad,
        "insurance.types",
        "insurances",
    )
    .await;
    // March is assessed without unemployment insurance; February (the
    // month of the termination) with it.
    for month in ["2026-02", "2026-03"] {
        approved(
            &app,
            "contribution.declare",
            json!({"credit_code": employer, "month": month,
                   "lines": [{"id": a, "declared_wage": "9000.00"}]}),
        )
        .await;
    }
    let rows = store.contributions_of(&a_pk).await.unwrap();
    let feb = rows
        .iter()
        .find(|c| c.month.to_string() == "2026-02")
        .unwrap();
    let mar = rows
        .iter()
        .find(|c| c.month.to_string() == "2026-03")
        .unwrap();
    assert!(feb.unemployment_employee > Decimal::ZERO);
    assert_eq!(mar.unemployment_employer, Decimal::ZERO);
    assert_eq!(mar.unemployment_employee, Decimal::ZERO);
    assert!(mar.pension_employee > Decimal::ZERO && mar.medical_employee > Decimal::ZERO);
    // The stored figures are the rules engine's for what was enrolled.
    let set = app
        .sirm
        .rules_for_month(Month::parse("2026-03").unwrap())
        .await
        .unwrap();
    let class = u8::try_from(
        store
            .employer_class(&employer, &app.sirm.config.agency_code)
            .await
            .unwrap()
            .unwrap()
            .0,
    )
    .unwrap();
    let again = sirm_domain::rules::engine::month_enrolled(
        set.year(2026).unwrap(),
        Decimal::new(900000, 2),
        class,
        Enrolled::ALL.without(Insurance::Unemployment),
    )
    .unwrap();
    assert_eq!(mar.pension_employee, again.amounts.pension_employee);
    assert_eq!(mar.account_credit, again.account_credit);
    assert_eq!(
        mar.employer_total() + mar.employee_total(),
        again.amounts.total()
    );
    // Suspend medical, enrol unemployment again: the record follows.
    approved(
        &app,
        "insurance.suspend",
        change(json!(["medical"]), "2026-03-15"),
    )
    .await;
    approved(
        &app,
        "insurance.enrol",
        change(json!(["unemployment"]), "2026-04-01"),
    )
    .await;
    let rec = record(&app, &a).await;
    assert_eq!(status_of(&rec, "medical"), "suspended");
    assert_eq!(status_of(&rec, "unemployment"), "active");
    assert_eq!(status_of(&rec, "pension"), "active");

    // --- Person de-registration (death) ---------------------------------
    let (b, _, b_registered) = free[1].clone();
    let dereg = |death: &str, on: &str| json!({"id": b, "reason": "death", "death_date": death, "effective_on": on});
    refused(
        &app,
        "person.deregister",
        json!({"id": b, "reason": "death", "effective_on": "2026-05-02"}),
        bad,
        "deregistration.reason",
        "death_date",
    )
    .await;
    refused(
        &app,
        "person.deregister",
        dereg("2099-01-01", "2026-05-02"),
        bad,
        "date.future",
        "death_date",
    )
    .await;
    let before = (b_registered - chrono::Days::new(1)).to_string();
    refused(
        &app,
        "person.deregister",
        dereg(&before, "2026-05-02"),
        bad,
        "date.order",
        "death_date",
    )
    .await;
    refused(
        &app,
        "person.deregister",
        json!({"id": b, "reason": "other", "effective_on": "2026-05-02"}),
        bad,
        "deregistration.reason",
        "note",
    )
    .await;
    approved(&app, "person.deregister", dereg("2026-05-01", "2026-05-02")).await;
    let conflict = StatusCode::CONFLICT;
    refused(
        &app,
        "employment.start",
        json!({"id": b, "credit_code": employer, "start_on": "2026-06-01"}),
        conflict,
        "person.deregistered",
        "",
    )
    .await;
    refused(
        &app,
        "insurance.enrol",
        json!({"id": b, "insurances": ["pension"], "effective_on": "2026-06-01", "reason": "x"}),
        conflict,
        "person.deregistered",
        "",
    )
    .await;
    let rec = record(&app, &b).await;
    assert_eq!(rec["deregistered"]["reason"], "death", "{rec}");
    assert_eq!(rec["deregistered"]["death_date"], "2026-05-01", "{rec}");
    for ins in ["pension", "medical", "unemployment", "work_injury"] {
        assert_eq!(status_of(&rec, ins), "terminated", "{rec}");
    }
    // The counter's page shows 已注销 and the relationships.
    let clerk = app.login("clerk").await;
    let r = clerk.form("/persons", &[("id", &b)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("参保关系") && html.contains("已注销"),
        "{html}"
    );

    // --- Employer de-registration ---------------------------------------
    let statuses = store.employer_statuses().await.unwrap();
    let other = statuses
        .iter()
        .find(|(code, st)| *code != &employer && st.as_str() == "active")
        .map(|(code, _)| code.clone())
        .expect("a second active demo employer");
    let (c, _, _) = free[2].clone();
    let (d, _, _) = free[3].clone();
    approved(
        &app,
        "employment.start",
        json!({"id": c, "credit_code": other, "start_on": "2026-01-05"}),
    )
    .await;
    approved(
        &app,
        "employer.deregister",
        json!({"credit_code": other, "effective_on": "2026-04-30", "reason": "破产清算"}),
    )
    .await;
    refused(
        &app,
        "employment.start",
        json!({"id": d, "credit_code": other, "start_on": "2026-05-01"}),
        conflict,
        "employer.deregistered",
        "",
    )
    .await;
    refused(
        &app,
        "contribution.declare",
        json!({"credit_code": other, "month": "2026-05",
               "lines": [{"id": c, "declared_wage": "9000.00"}]}),
        conflict,
        "employer.deregistered",
        "",
    )
    .await;
    refused(
        &app,
        "contribution.payment",
        json!({"credit_code": other, "month": "2026-05", "amount": "100.00", "paid_on": "2026-06-01"}),
        conflict,
        "employer.deregistered",
        "",
    )
    .await;
    // A declaration file is refused at the counter, before anything is archived.
    let file = app.dir().join("declaration.csv");
    std::fs::write(&file, format!("{c},9000.00\n")).unwrap();
    let who = app.sirm.principal("clerk", "test").await.unwrap();
    let err = app
        .sirm
        .submit_declaration_file(
            &who,
            &other.parse().unwrap(),
            Month::parse("2026-05").unwrap(),
            "declaration.csv",
            &file,
            &mut |_| {},
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.rule(),
        Some(sirm_domain::RuleId::EmployerDeregistered),
        "{err}"
    );

    // --- Flexible employment ----------------------------------------------
    let (e, _, _) = free[4].clone();
    let flex = |base: &str| json!({"id": e, "base": base, "start_on": "2026-02-01"});
    refused(
        &app,
        "flexible.register",
        flex("100.00"),
        bad,
        "flexible.base",
        "base",
    )
    .await;
    refused(
        &app,
        "flexible.register",
        flex("99999.00"),
        bad,
        "flexible.base",
        "base",
    )
    .await;
    approved(&app, "flexible.register", flex("8000.00")).await;
    let rec = record(&app, &e).await;
    let pension = rec["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["insurance"] == "pension")
        .unwrap()
        .clone();
    assert_eq!(pension["payer"], "flexible", "{rec}");
    assert_eq!(pension["base"], "8000.00", "{rec}");
    assert_eq!(status_of(&rec, "unemployment"), "not_enrolled", "{rec}");
    // A month before the start is not flexibly insured; March is computed
    // and paid: 20 % pension, 8 % to the account, the region's medical rate.
    let month = |m: &str| json!({"id": e, "month": m, "paid_on": "2026-04-01"});
    refused(
        &app,
        "flexible.declare",
        month("2026-01"),
        bad,
        "insurance.not-enrolled",
        "month",
    )
    .await;
    approved(&app, "flexible.declare", month("2026-03")).await;
    refused(
        &app,
        "flexible.declare",
        month("2026-03"),
        conflict,
        "declaration.assessed",
        "",
    )
    .await;
    let e_pk = sirm_app::testkit::pk_of(&app.sirm, &e).unwrap();
    let row = store.contributions_of(&e_pk).await.unwrap().remove(0);
    assert_eq!(row.credit_code, "");
    assert_eq!(row.status.as_str(), "paid");
    let flex = sirm_domain::rules::engine::flexible_month(
        set.year(2026).unwrap(),
        Decimal::new(800000, 2),
    )
    .unwrap();
    assert_eq!(flex.pension.rate, Decimal::new(20, 2));
    assert_eq!(row.pension_employee, Decimal::new(160000, 2), "0.20 × 8000");
    assert_eq!(row.account_credit, Decimal::new(64000, 2), "0.08 × 8000");
    assert_eq!(row.medical_employee, flex.medical);
    assert_eq!(
        row.pension_employer + row.unemployment_employee + row.work_injury_employer,
        Decimal::ZERO
    );
    // `sirm calc` gives the same figures: `contribution` with payer
    // `flexible`, and `flexible-month` (medical included).
    let book = sirm_domain::rules::builtin::rule_book().unwrap();
    let today = "2026-12-01".parse().unwrap();
    let calc = |rule: &str, input: Value| {
        sirm_domain::rules::calc::calc(&book, rule, &input, today).unwrap()
    };
    let out = calc(
        "contribution",
        json!({"region": "110105", "year": 2026, "base": "8000.00", "insurance": "pension", "payer": "flexible"}),
    );
    assert_eq!(
        (&out["rate"], &out["amount"], &out["account_credit"]),
        (&json!("0.20"), &json!("1600.00"), &json!("640.00")),
        "{out}"
    );
    let out = calc(
        "flexible-month",
        json!({"region": "110105", "year": 2026, "base": "8000.00"}),
    );
    assert_eq!(
        out["medical"],
        json!(row.medical_employee.to_string()),
        "{out}"
    );

    // A paid flexible month is corrected like an employee's (补缴 with its
    // surcharge, 退费), computed again as flexible employment: no employer.
    let fix = |bt: &str, base: &str, on: &str| {
        let mut d = json!({"id": e, "month": "2026-03", "base": base, "reason": "核定基数有误", "method": "按新基数补退"});
        d[if bt == "contribution.refund" {
            "refunded_on"
        } else {
            "paid_on"
        }] = json!(on);
        d
    };
    let figures = |base: i64| {
        let f = sirm_domain::rules::engine::flexible_month(
            set.year(2026).unwrap(),
            Decimal::from(base),
        )
        .unwrap()
        .as_month();
        (
            f.base,
            f.amounts.pension_employee,
            f.amounts.medical_employee,
            f.account_credit,
        )
    };
    let stored = |r: &sirm_store::ContributionRow| {
        (
            r.base,
            r.pension_employee,
            r.medical_employee,
            r.account_credit,
        )
    };
    approved_as(
        &app,
        "maintainer",
        "contribution.supplement",
        fix("contribution.supplement", "9000", "2026-05-20"),
    )
    .await;
    let row = store.contributions_of(&e_pk).await.unwrap().remove(0);
    assert_eq!(stored(&row), figures(9000), "{row:?}");
    assert_eq!(row.credit_code, "");
    approved_as(
        &app,
        "maintainer",
        "contribution.refund",
        fix("contribution.refund", "8500", "2026-05-21"),
    )
    .await;
    let row = store.contributions_of(&e_pk).await.unwrap().remove(0);
    assert_eq!(stored(&row), figures(8500), "{row:?}");

    // Rebuilt bit for bit; every projection equals a replay of the ledger.
    let before = store.projection_digest().await.unwrap();
    store.rebuild_projections(500).await.unwrap();
    assert_eq!(store.projection_digest().await.unwrap(), before);
    let dir = tempfile::tempdir().unwrap();
    let check = store
        .check_projections(&dir.path().join("replay.db"))
        .await
        .unwrap();
    assert!(check.matches(), "{check:?}");
}

sirm_testkit::both_engines!(relationships_deregistration_and_flexible);
