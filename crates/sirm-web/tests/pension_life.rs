//! Unemployment insurance and the pension's whole life over real HTTP, on
//! SQLite and PostgreSQL, one server each: a claim through the review
//! chain with its figures recomputed by the rules engine, a second open
//! claim refused, the monthly payment run, the claim ended by
//! re-employment; the yearly adjustment as one batch (preview, approval,
//! a second run for the year refused with nothing appended), the payment
//! run paying the adjusted pension, suspension and resumption; a death
//! dated after today or before registration refused naming the field, then
//! recorded with the payments after death recovered and the funeral grant
//! and survivors' compensation from the rule set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sirm_domain::rules::{benefits, builtin, death, Month};
use sirm_testkit::{Engine, Options, TestApp};

fn rule(v: &Value) -> &str {
    v["error"]["rule"].as_str().unwrap_or("")
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// The clear ID number of the person with blind index `pk`.
async fn id_with_key(kit: &TestApp, pk: &str) -> String {
    sirm_app::testkit::person_ids(&kit.sirm, 100_000)
        .await
        .unwrap()
        .into_iter()
        .find(|i| {
            sirm_app::testkit::person_key(&kit.sirm, &i.parse().unwrap())
                .unwrap()
                .as_str()
                == pk
        })
        .unwrap()
}

/// File an application as the clerk (with a scanned material).
async fn submit(kit: &TestApp, bt: &str, data: Value) -> (StatusCode, Value) {
    let clerk = kit.login("clerk").await;
    clerk
        .post(
            "/api/v1/applications",
            json!({"business_type": bt, "data": data,
                   "materials": [{"name": "申请表.pdf", "content_base64": "JVBERi0xLjQ="}]}),
        )
        .await
}

/// Review, recheck and approve an application; the approval's answer.
async fn decide_all(kit: &TestApp, id: &str) -> (StatusCode, Value) {
    let mut last = (StatusCode::OK, Value::Null);
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let c = kit.login(user).await;
        last = c
            .post(
                &format!("/api/v1/applications/{id}/decision"),
                json!({"stage": stage, "approve": true}),
            )
            .await;
        if !last.0.is_success() {
            return last;
        }
    }
    last
}

/// Filed and approved; panics naming the step that failed.
async fn through(kit: &TestApp, bt: &str, data: Value) {
    let (s, v) = submit(kit, bt, data).await;
    assert_eq!(s, StatusCode::CREATED, "{bt}: {v}");
    let id = v["application_id"].as_str().unwrap().to_string();
    let (s, v) = decide_all(kit, &id).await;
    assert_eq!(s, StatusCode::OK, "{bt}: {v}");
}

async fn unemployment_and_the_pension_life(engine: Engine) {
    let kit = TestApp::start(Options::new(engine).persons(6).history()).await;
    let store = kit.sirm.store_for_maintenance();
    let set = builtin::rule_book().unwrap();
    let demo = set.by_region("110105").unwrap();
    let p2026 = demo.year(2026).unwrap();
    let fen = p2026.rounding.amount;

    // ---- Unemployment: the demo citizen loses the job at the end of 2025.
    // (A person employed now, with at least a year paid.)
    let mut found = None;
    for id in sirm_app::testkit::person_ids(&kit.sirm, 100).await.unwrap() {
        let pk = sirm_app::testkit::person_key(&kit.sirm, &id.parse().unwrap())
            .unwrap()
            .to_string();
        let open = store
            .employments_of(&pk)
            .await
            .unwrap()
            .into_iter()
            .find(|j| j.end_on.is_none());
        let paid = store
            .contributions_of(&pk)
            .await
            .unwrap()
            .iter()
            .filter(|c| c.status.as_str() == "paid")
            .count();
        if let (Some(job), true) = (open, paid >= 12) {
            found = Some((id, pk, job));
            break;
        }
    }
    let (citizen, cpk, job) = found.expect("an employed demo person");
    let claim = json!({"id": citizen, "registered_on": "2026-01-06", "job_ended_on": "2025-12-31",
                       "involuntary": true, "reason": "劳动合同期满用人单位不再续订"});
    // Still employed: refused, naming the field and rule.
    let (s, v) = submit(&kit, "unemployment.claim", claim.clone()).await;
    assert_eq!(
        (s, rule(&v), v["error"]["field"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            "unemployment.ineligible",
            Some("job_ended_on")
        ),
        "{v}"
    );
    through(
        &kit,
        "employment.end",
        json!({"id": citizen, "credit_code": job.credit_code, "end_on": "2025-12-31", "reason": "合同到期"}),
    )
    .await;
    // Not enrolled in unemployment insurance when the job ended (the
    // relationship suspended before): refused naming the date and the
    // type, nothing appended; enrolled again, the claim goes through.
    let relation = |on: &str| json!({"id": citizen, "insurances": ["unemployment"], "effective_on": on, "reason": "本人申请"});
    through(&kit, "insurance.suspend", relation("2025-11-15")).await;
    let size = kit.ledger_size().await;
    let (s, v) = submit(&kit, "unemployment.claim", claim.clone()).await;
    assert_eq!(
        (s, rule(&v), v["error"]["field"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            "claim.not-enrolled",
            Some("job_ended_on")
        ),
        "{v}"
    );
    assert!(v.to_string().contains("unemployment"), "{v}");
    assert_eq!(kit.ledger_size().await, size);
    through(&kit, "insurance.enrol", relation("2025-12-01")).await;
    through(&kit, "unemployment.claim", claim.clone()).await;
    // The figures, recomputed by the rules engine from the record.
    let months = store
        .contributions_of(&cpk)
        .await
        .unwrap()
        .iter()
        .filter(|c| {
            c.status.as_str() == "paid"
                && c.unemployment_employer + c.unemployment_employee > Decimal::ZERO
        })
        .count() as u32;
    let expect = benefits::unemployment_benefit(
        fen,
        months,
        true,
        0,
        p2026.benefits.unemployment_benefit.unwrap(),
    )
    .unwrap();
    let claims = store.unemployment_claims_of(&cpk).await.unwrap();
    assert_eq!(claims.len(), 1);
    let c = &claims[0];
    assert_eq!(c.contribution_months, i64::from(months));
    assert_eq!(c.duration_months, i64::from(expect.duration_months));
    assert_eq!(c.monthly_amount, expect.monthly_amount);
    assert_eq!(c.total_amount, expect.total_amount);
    assert_eq!(c.start_month.to_string(), "2026-01");
    // A second open claim: refused, nothing appended.
    let size = kit.ledger_size().await;
    let (s, v) = submit(&kit, "unemployment.claim", claim).await;
    assert_eq!((s, rule(&v)), (StatusCode::CONFLICT, "claim.open"), "{v}");
    assert_eq!(kit.ledger_size().await, size);
    // The monthly run pays the claim's amount.
    through(
        &kit,
        "unemployment.payment_run",
        json!({"month": "2026-02"}),
    )
    .await;
    let paid = store.unemployment_payments_of(&cpk).await.unwrap();
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0].amount, expect.monthly_amount);
    // Re-employment ends the claim; the unused months are kept for later.
    through(
        &kit,
        "employment.start",
        json!({"id": citizen, "credit_code": job.credit_code, "start_on": "2026-03-01"}),
    )
    .await;
    let c = store.unemployment_claims_of(&cpk).await.unwrap().remove(0);
    assert_eq!((c.status.as_str(), c.paid_months), ("ended", 1));
    assert_eq!(c.unused_months, i64::from(expect.duration_months) - 1);
    let (s, v) = submit(
        &kit,
        "unemployment.payment_run",
        json!({"month": "2026-04"}),
    )
    .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::NOT_FOUND, "not-found.claim"),
        "{v}"
    );

    // ---- The yearly adjustment for 2026: preview, approval, once only.
    let rpk = store
        .account("retiree")
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap();
    let retiree = id_with_key(&kit, &rpk).await;
    let benefit = store.benefit_row(&rpk).await.unwrap().unwrap();
    let born = store.person(&rpk).await.unwrap().unwrap().birth_date;
    let expect = benefits::pension_adjustment(
        fen,
        benefit.total,
        Decimal::from(benefit.contribution_months) / Decimal::from(12),
        u32::try_from(2026 - chrono::Datelike::year(&born)).unwrap(),
        p2026.benefits.pension_adjustment.as_ref().unwrap(),
    )
    .unwrap();
    let clerk = kit.login("clerk").await;
    let (s, v) = clerk.get("/api/v1/pension-adjustments?year=2026").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let lines = v["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "one pensioner in the demo: {v}");
    assert_eq!(dec(&lines[0]["increase"]), expect.increase);
    let csv = clerk
        .get_raw("/api/v1/pension-adjustments.csv?year=2026")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(&expect.new_pension.to_string()), "{csv}");
    assert!(!csv.contains(&retiree), "no ID number in the list");
    through(&kit, "benefit.adjust", json!({"year": 2026})).await;
    let adj = store.adjustments_of(&rpk).await.unwrap();
    assert_eq!(adj.len(), 1);
    assert_eq!(
        (adj[0].pension_before, adj[0].increase, adj[0].new_pension),
        (benefit.total, expect.increase, expect.new_pension)
    );
    let size = kit.ledger_size().await;
    let (s, v) = submit(&kit, "benefit.adjust", json!({"year": 2026})).await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::CONFLICT, "adjustment.year-done"),
        "{v}"
    );
    assert_eq!(kit.ledger_size().await, size, "nothing appended");
    // The payment run pays the adjusted pension.
    through(&kit, "benefit.payment_run", json!({"month": "2026-03"})).await;
    let pay_of = |m: &'static str| {
        let store = store.clone();
        let rpk = rpk.clone();
        async move {
            store
                .benefit_payments_of(&rpk)
                .await
                .unwrap()
                .into_iter()
                .find(|p| p.month.to_string() == m)
                .map(|p| p.amount)
        }
    };
    assert_eq!(pay_of("2026-03").await, Some(expect.new_pension));

    // ---- Suspension and resumption.
    let (s, v) = submit(
        &kit,
        "benefit.resume",
        json!({"id": retiree, "effective_on": "2026-04-01", "reason": "资格认证完成"}),
    )
    .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::CONFLICT, "benefit.not-suspended"),
        "{v}"
    );
    through(
        &kit,
        "benefit.status",
        json!({"id": retiree, "status": "suspended", "effective_on": "2026-04-01", "reason": "未按期认证"}),
    )
    .await;
    through(
        &kit,
        "benefit.resume",
        json!({"id": retiree, "effective_on": "2026-05-01", "reason": "资格认证完成"}),
    )
    .await;
    assert_eq!(
        store
            .benefit_row(&rpk)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "granted"
    );
    through(&kit, "benefit.payment_run", json!({"month": "2026-05"})).await;
    assert_eq!(pay_of("2026-05").await, Some(expect.new_pension));

    // ---- Death: bad dates refused naming the field, nothing appended.
    let size = kit.ledger_size().await;
    // Tomorrow at the agency (Beijing time, UTC+8): from 16:00 UTC on, UTC's
    // tomorrow is the agency's today.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let tomorrow = today + chrono::Days::new(1);
    for (date, code) in [
        (tomorrow.to_string(), "date.future"),
        ("1990-01-01".to_string(), "death.before-registration"),
    ] {
        let (s, v) = submit(
            &kit,
            "benefit.death",
            json!({"id": retiree, "died_on": date, "source": "民政部门火化信息"}),
        )
        .await;
        assert_eq!(
            (s, rule(&v), v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, code, Some("died_on")),
            "{v}"
        );
    }
    assert_eq!(kit.ledger_size().await, size, "nothing appended");
    let died = chrono::NaiveDate::from_ymd_opt(2025, 10, 10).unwrap();
    let pays = store.benefit_payments_of(&rpk).await.unwrap();
    let after: Vec<_> = pays
        .iter()
        .filter(|p| p.month > Month::of_date(died))
        .collect();
    let due = pays.len() - after.len();
    let p2025 = demo.year(2025).unwrap();
    let balance = store
        .account_years_of(&rpk)
        .await
        .unwrap()
        .last()
        .unwrap()
        .closing_balance;
    let expect = death::death_settlement(
        fen,
        &death::DeathInputs {
            funeral_grant: p2025.benefits.funeral_grant.unwrap(),
            survivor_months: p2025.benefits.survivor_months.unwrap(),
            // No adjustment in force in 2025: the granted pension.
            survivor_base: benefit.total,
            recovered_months: after.len() as u32,
            recovered: after.iter().map(|p| p.amount).sum(),
            account_balance: balance,
            months_paid_due: due as u32,
            monthly_account_pension: benefit.account,
        },
    )
    .unwrap();
    assert!(expect.recovered_months >= 4, "2025-11 to 2026-05 were paid");
    through(
        &kit,
        "benefit.death",
        json!({"id": retiree, "died_on": died.to_string(), "source": "民政部门火化信息"}),
    )
    .await;
    let d = store.death_of(&rpk).await.unwrap().unwrap();
    assert_eq!(
        (
            d.recovered,
            d.funeral_grant,
            d.survivor_compensation,
            d.account_to_heirs
        ),
        (
            expect.recovered,
            expect.funeral_grant,
            expect.survivor_compensation,
            expect.account_to_heirs
        )
    );
    assert_eq!(
        store
            .benefit_row(&rpk)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "terminated"
    );
    // In the person's record (API) and the counter's record page.
    let query = kit.login("query").await;
    let (s, v) = query
        .post("/api/v1/persons/lookup", json!({"id": retiree}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        dec(&v["life"]["death"]["funeral_grant"]),
        expect.funeral_grant,
        "{v}"
    );
    assert_eq!(v["life"]["adjustments"].as_array().unwrap().len(), 1);
    let (s, html) = query
        .form("/persons", &[("id", citizen.as_str())])
        .await
        .text()
        .await
        .map(|t| (StatusCode::OK, t))
        .unwrap();
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("unemployment-claims"), "{html}");
    let check = kit.sirm.verify_projections(None).await.unwrap();
    assert!(check.difference.is_none(), "{:?}", check.difference);
}

sirm_testkit::both_engines!(unemployment_and_the_pension_life);
