//! Work-injury (工伤) and maternity (生育) claims through the review chain
//! over the real HTTP API, on both engines, on the demo's history:
//! - bad input refused naming field and rule, nothing appended: a grade
//!   outside 1–10, an assessment or benefit before recognition, a second
//!   open claim of the same kind, a second grant, a maternity claim
//!   without a birth or miscarriage record, a claim for a person not
//!   insured on the date;
//! - recognition → assessment (grade 5) → disability benefit, every
//!   figure recomputed here by the rules engine from the record (own wage
//!   = average base of the 12 months before the injury, clamped);
//! - birth recorded → maternity allowance recomputed from the employer's
//!   average monthly wage of the previous year; medical expenses recorded;
//! - the record (API and counter page) and the employer's view show them;
//!   the projections equal a replay of the ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use chrono::NaiveDate;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sirm_app::certificate::{CertificateKind, CertificateRequest, Verdict};
use sirm_app::query::Channel;
use sirm_domain::rules::benefits::{self, MaternityEvent};
use sirm_domain::rules::Month;
use sirm_testkit::{both_engines, Client, Engine, Options, TestApp};

both_engines!(injury_and_maternity_claims);

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
        .parse()
        .unwrap()
}

struct Chain {
    app: TestApp,
    clerk: Client,
    deciders: Vec<(Client, &'static str)>,
}

impl Chain {
    async fn submit(&self, bt: &str, data: &Value) -> (StatusCode, Value) {
        let body = json!({
            "business_type": bt,
            "data": data,
            "materials": [{"name": "decision.png", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n decision")}]
        });
        self.clerk.post("/api/v1/applications", body).await
    }

    async fn approve(&self, id: &str) {
        for (c, stage) in &self.deciders {
            let (s, v) = c
                .post(
                    &format!("/api/v1/applications/{id}/decision"),
                    json!({"stage": stage, "approve": true}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{stage}: {v}");
        }
    }

    /// Submitted, approved by three more people; the entry's payload.
    async fn through(&self, bt: &str, data: Value) -> Value {
        let (s, v) = self.submit(bt, &data).await;
        assert_eq!(s, StatusCode::CREATED, "{bt}: {v}");
        let id = v["application_id"].as_str().unwrap().to_string();
        self.approve(&id).await;
        let (s, app) = self.clerk.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{app}");
        assert_eq!(app["application"]["status"], "approved", "{app}");
        let store = self.app.sirm.store_for_maintenance();
        let row = store
            .entries_of_kind("business", &kind_of(bt))
            .await
            .unwrap()
            .pop()
            .unwrap();
        serde_json::from_str(&row.payload).unwrap()
    }

    /// Refused by `rule` naming `field`; nothing appended.
    async fn refused(&self, bt: &str, data: Value, field: &str, rule: &str) {
        let before = self.app.ledger_size().await;
        let (s, v) = self.submit(bt, &data).await;
        assert!(s.is_client_error(), "{bt}: {s} {v}");
        if !rule.is_empty() {
            assert_eq!(v["error"]["rule"], rule, "{bt} {data}: {v}");
        }
        if !field.is_empty() {
            assert_eq!(v["error"]["field"], field, "{bt} {data}: {v}");
        } else {
            assert!(v["error"]["message"].as_str().unwrap().contains(":"), "{v}");
        }
        assert_eq!(self.app.ledger_size().await, before, "{bt}: appended");
    }
}

fn kind_of(bt: &str) -> String {
    match bt {
        "injury.recognise" => "injury.recognised",
        "injury.assess" => "injury.assessed",
        "injury.disability" => "injury.disability_granted",
        "maternity.record" => "maternity.recorded",
        "maternity.allowance" => "maternity.allowance_granted",
        "maternity.medical" => "maternity.medical_paid",
        other => panic!("{other}"),
    }
    .to_string()
}

/// The demo region's parameters of a year.
fn params(year: i32) -> sirm_domain::rules::ruleset::Params {
    let book = sirm_domain::rules::builtin::rule_book().unwrap();
    book.by_region("110105")
        .unwrap()
        .year(year)
        .unwrap()
        .clone()
}

fn average(xs: &[(Month, Decimal)]) -> Decimal {
    xs.iter().map(|(_, b)| *b).sum::<Decimal>() / Decimal::from(xs.len())
}

async fn injury_and_maternity_claims(engine: Engine) {
    let app = TestApp::start(Options::new(engine).persons(12).history()).await;
    let clerk = app.login("clerk").await;
    let mut deciders = Vec::new();
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        deciders.push((app.login(user).await, stage));
    }
    let ch = Chain {
        app,
        clerk,
        deciders,
    };
    let store = ch.app.sirm.store_for_maintenance();
    let injury_date = NaiveDate::from_ymd_opt(2025, 12, 15).unwrap();
    let event_date = NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
    let m = Month::of_date(injury_date);

    // A person employed on both dates by one employer, with bases on record
    // before the injury; and one not employed on the injury date.
    let mut insured = None;
    let mut uninsured = None;
    for id in sirm_app::testkit::person_ids(&ch.app.sirm, 40)
        .await
        .unwrap()
    {
        let rid: sirm_domain::id::ResidentId = id.parse().unwrap();
        let pk = ch.app.sirm.person_key(&rid).unwrap();
        let jobs = store.employments_of(pk.as_str()).await.unwrap();
        let job = jobs
            .iter()
            .find(|j| j.start_on <= event_date && j.end_on.is_none_or(|e| e >= injury_date));
        match job {
            Some(j) if insured.is_none() => {
                let bases = store
                    .bases_between(pk.as_str(), m.add_months(-12), m.add_months(-1))
                    .await
                    .unwrap();
                if !bases.is_empty() {
                    insured = Some((id.clone(), pk.clone(), j.credit_code.clone(), bases));
                }
            }
            None if uninsured.is_none()
                && !jobs.iter().any(|j| {
                    j.start_on <= injury_date && j.end_on.is_none_or(|e| e >= injury_date)
                }) =>
            {
                uninsured = Some((id.clone(), jobs.first().map(|j| j.credit_code.clone())));
            }
            _ => {}
        }
    }
    let (id, pk, employer, bases) = insured.expect("an insured person in the demo");

    let recognise = |who: &str, code: &str| {
        json!({"id": who, "credit_code": code, "injury_date": injury_date,
               "decision_no": "朝人社工伤认字〔2026〕18号", "decided_on": "2026-02-10",
               "description": "在车间搬运设备时右手受伤"})
    };
    let assess = |grade: i64| {
        json!({"id": id, "injury_date": injury_date, "grade": grade,
               "decision_no": "京劳鉴〔2026〕501号", "assessed_on": "2026-05-20"})
    };

    // --- Refusals before anything is recorded.
    if let Some((other, code)) = &uninsured {
        let code = code.clone().unwrap_or_else(|| employer.clone());
        ch.refused(
            "injury.recognise",
            recognise(other, &code),
            "injury_date",
            "claim.not-enrolled",
        )
        .await;
    }
    ch.refused(
        "injury.assess",
        assess(3),
        "injury_date",
        "injury.not-recognised",
    )
    .await;
    ch.refused(
        "maternity.allowance",
        json!({"id": id, "event_date": event_date}),
        "event_date",
        "maternity.no-event",
    )
    .await;

    // Employed on the dates, but the work-injury and medical relationships
    // (参保关系) suspended before them: both claims refused naming the
    // date and the type; enrolled again, they go through below.
    let chain = &ch;
    let relation = |bt: &str, on: &str| {
        let bt = bt.to_string();
        let data = json!({"id": id, "insurances": ["work_injury", "medical"],
                          "effective_on": on, "reason": "单位申请暂停缴费"});
        async move {
            let (s, v) = chain.submit(&bt, &data).await;
            assert_eq!(s, StatusCode::CREATED, "{bt}: {v}");
            chain.approve(v["application_id"].as_str().unwrap()).await;
        }
    };
    relation("insurance.suspend", "2025-08-15").await;
    for (bt, data, field, named) in [
        (
            "injury.recognise",
            recognise(&id, &employer),
            "injury_date",
            "work_injury",
        ),
        (
            "maternity.record",
            json!({"id": id, "credit_code": employer, "event": "birth", "event_date": event_date,
                   "difficult_birth": "否", "babies": 1, "institution": "北京市朝阳区妇幼保健院"}),
            "event_date",
            "medical",
        ),
    ] {
        let (_, v) = ch.submit(bt, &data).await;
        assert!(v.to_string().contains(named), "{bt} names {named}: {v}");
        ch.refused(bt, data, field, "claim.not-enrolled").await;
    }
    relation("insurance.enrol", "2025-09-01").await;

    // --- Work injury: recognition, assessment, benefit.
    let r = ch
        .through("injury.recognise", recognise(&id, &employer))
        .await;
    assert_eq!(r["decision_no"], "朝人社工伤认字〔2026〕18号");
    for bad in [0, 11, -1] {
        ch.refused("injury.assess", assess(bad), "grade", "injury.grade")
            .await;
    }
    ch.refused(
        "injury.disability",
        json!({"id": id, "injury_date": injury_date}),
        "injury_date",
        "injury.not-assessed",
    )
    .await;
    // One assessment open at a time: a second is refused while it is in review.
    let (s, v) = ch.submit("injury.assess", &assess(5)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let open = v["application_id"].as_str().unwrap().to_string();
    ch.refused("injury.assess", assess(6), "", "claim.open")
        .await;
    ch.approve(&open).await;

    let g = ch
        .through(
            "injury.disability",
            json!({"id": id, "injury_date": injury_date}),
        )
        .await;
    // Recomputed here: own wage from the record, figures by the rules engine.
    let p = params(2025);
    let own = average(&bases);
    let want = benefits::work_injury_disability(
        p.rounding.amount,
        own,
        p.avg_wage.unwrap(),
        5,
        p.benefits.min_wage,
    )
    .unwrap();
    assert_eq!(dec(&g["own_wage"]["average"]), own, "{g}");
    assert_eq!(
        g["own_wage"]["months"].as_array().unwrap().len(),
        bases.len()
    );
    assert_eq!(dec(&g["wage_used"]), want.wage_used, "{g}");
    assert_eq!(dec(&g["lump_sum"]), want.lump_sum, "{g}");
    assert_eq!(g["lump_sum_months"], 18);
    assert_eq!(dec(&g["monthly_allowance"]), want.monthly_allowance, "{g}");
    assert_eq!(g["allowance_payer"], "employer");
    assert_eq!(g["start_month"], "2026-06");
    assert_eq!(g["figures"]["rule_set"]["id"], "demo-110105", "{g}");
    // A second grant for the same injury: refused.
    ch.refused(
        "injury.disability",
        json!({"id": id, "injury_date": injury_date}),
        "",
        "claim.open",
    )
    .await;

    // --- Maternity: the birth recorded, the allowance, medical expenses.
    let birth = json!({"id": id, "credit_code": employer, "event": "birth", "event_date": event_date,
                       "difficult_birth": "是", "babies": 2, "institution": "北京市朝阳区妇幼保健院"});
    ch.through("maternity.record", birth).await;
    let a = ch
        .through(
            "maternity.allowance",
            json!({"id": id, "event_date": event_date}),
        )
        .await;
    let wages = store.employer_bases_of_year(&employer, 2024).await.unwrap();
    let p = params(2025);
    let want = benefits::maternity_allowance(
        p.rounding.amount,
        average(&wages),
        MaternityEvent::Birth,
        true,
        2,
        p.benefits.maternity_extra_days.unwrap_or(0),
    )
    .unwrap();
    assert_eq!(a["days"], 98 + 15 + 15 + 60, "{a}");
    assert_eq!(a["days"], want.days, "{a}");
    assert_eq!(dec(&a["amount"]), want.amount, "{a}");
    assert_eq!(a["wage_months"], wages.len(), "{a}");
    ch.refused(
        "maternity.allowance",
        json!({"id": id, "event_date": event_date}),
        "",
        "claim.open",
    )
    .await;
    ch.refused(
        "maternity.medical",
        json!({"id": id, "event_date": event_date, "amount": "-1", "institution": "x", "paid_on": "2025-10-05"}),
        "amount",
        "",
    )
    .await;
    ch.through(
        "maternity.medical",
        json!({"id": id, "event_date": event_date, "amount": "8650.40", "institution": "北京市朝阳区妇幼保健院", "paid_on": "2025-10-05"}),
    )
    .await;

    // --- Shown: the record (API), the counter page, the employer's view.
    let query = ch.app.login("query").await;
    let (s, rec) = query
        .post("/api/v1/persons/lookup", json!({"id": id}))
        .await;
    assert_eq!(s, StatusCode::OK, "{rec}");
    let find = |list: &str, key: &str, date: NaiveDate| {
        rec["claims"][list]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[key] == date.to_string().as_str())
            .cloned()
            .unwrap_or_else(|| panic!("{list} {date}: {rec}"))
    };
    assert_eq!(find("injuries", "injury_date", injury_date)["grade"], 5);
    assert_eq!(
        find("maternity", "event_date", event_date)["status"],
        "granted"
    );
    let items: Vec<&str> = rec["claims"]["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["item"].as_str().unwrap())
        .collect();
    assert!(items.contains(&"disability_lump_sum"), "{items:?}");
    assert!(items.contains(&"disability_allowance"), "{items:?}");
    assert!(items.contains(&"maternity_allowance"), "{items:?}");
    let claims = store.claims_of(pk.as_str()).await.unwrap();
    let mine = |d: NaiveDate| claims.benefits.iter().filter(move |b| b.claim_date == d);
    assert_eq!(mine(injury_date).count(), 2, "{claims:?}");
    assert_eq!(mine(event_date).count(), 2, "{claims:?}");
    let paid_by_employer: Vec<_> = store
        .employer_paid_benefits(&employer)
        .await
        .unwrap()
        .into_iter()
        .filter(|b| b.person_id == pk.as_str() && b.claim_date == injury_date)
        .collect();
    assert_eq!(paid_by_employer.len(), 1);
    assert_eq!(paid_by_employer[0].amount, want_allowance(&g));

    // A benefit certificate per insurance type, verifiable like the others.
    let officer = ch.app.sirm.principal("query", "test").await.unwrap();
    for (kind, title) in [
        (CertificateKind::WorkInjuryBenefit, "工伤保险待遇证明"),
        (CertificateKind::MaternityBenefit, "生育保险待遇证明"),
    ] {
        let req = CertificateRequest {
            kind,
            from: None,
            to: None,
            base_url: "http://127.0.0.1".into(),
        };
        let c = ch
            .app
            .sirm
            .issue_certificate(&officer, Channel::Counter, &pk, &req)
            .await
            .unwrap();
        assert_eq!(kind.title(), title);
        let v = ch
            .app
            .sirm
            .verify_certificate(&c.code, Some(&c.pdf), "127.0.0.1")
            .await
            .unwrap();
        assert_eq!(v.verdict, Verdict::Genuine, "{kind:?}");
    }

    let check = ch.app.sirm.verify_projections(None).await.unwrap();
    assert!(check.difference.is_none(), "{:?}", check.difference);
}

fn want_allowance(g: &Value) -> Decimal {
    dec(&g["monthly_allowance"])
}
