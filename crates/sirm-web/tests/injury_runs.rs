//! The monthly run of the work-injury items (工伤待遇月度发放) over the real
//! HTTP API, on both engines, on the demo's history:
//! - a run for a month ahead refused naming `month` (`date.future`), one
//!   for a month with nothing due refused (`not-found.claim`), a second
//!   run for a month refused (`already-done`), nothing appended by any;
//! - a grade-3 disability allowance (paid by the fund) and a grade-2 one
//!   whose holder dies of the injury: the allowance paid up to the month of
//!   death, then the dependents' pensions from the month after; every
//!   payment equals what the grant entries in the ledger say (recomputed
//!   here from the entries, and the grade-3 allowance from the record's
//!   bases by the rules engine), and the demo's grade-5 allowance is
//!   recorded as the employer's;
//! - the payments in the person's record (API and counter page) and on the
//!   work-injury certificate; the unemployment benefit certificate
//!   (失业保险待遇证明) of the demo's claimant (a demo of more than 13
//!   persons has one, `demo/life.rs`) issued and verified genuine, and an
//!   altered copy not; projections equal a replay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use chrono::NaiveDate;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sirm_app::certificate::{CertificateKind, CertificateRequest, Verdict};
use sirm_app::query::Channel;
use sirm_domain::rules::{benefits, Month};
use sirm_testkit::{both_engines, Client, Engine, Options, TestApp};

both_engines!(injury_payment_runs);

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
            "materials": [{"name": "申请表.pdf", "content_base64": "JVBERi0xLjQ="}]
        });
        self.clerk.post("/api/v1/applications", body).await
    }

    /// Submitted and approved by three more people; the application id.
    async fn through(&self, bt: &str, data: Value) -> String {
        let (s, v) = self.submit(bt, &data).await;
        assert_eq!(s, StatusCode::CREATED, "{bt}: {v}");
        let id = v["application_id"].as_str().unwrap().to_string();
        for (c, stage) in &self.deciders {
            let (s, v) = c
                .post(
                    &format!("/api/v1/applications/{id}/decision"),
                    json!({"stage": stage, "approve": true}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{bt} {stage}: {v}");
        }
        id
    }

    /// Refused by `rule` (naming `field` when given); nothing appended.
    async fn refused(&self, bt: &str, data: Value, field: &str, rule: &str) {
        let before = self.app.ledger_size().await;
        let (s, v) = self.submit(bt, &data).await;
        assert!(s.is_client_error(), "{bt}: {s} {v}");
        assert_eq!(v["error"]["rule"], rule, "{bt} {data}: {v}");
        if !field.is_empty() {
            assert_eq!(v["error"]["field"], field, "{bt} {data}: {v}");
        }
        assert_eq!(self.app.ledger_size().await, before, "{bt}: appended");
    }

    /// The payload of every ledger entry of `kind`.
    async fn payloads(&self, kind: &str) -> Vec<(u64, Value)> {
        self.app
            .sirm
            .store_for_maintenance()
            .entries_of_kind("business", kind)
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                (
                    u64::try_from(r.seq).unwrap(),
                    serde_json::from_str(&r.payload).unwrap(),
                )
            })
            .collect()
    }

    /// What the run for `month` must pay, from the grant entries alone:
    /// (person, item, amount, payer).
    async fn due(&self, month: Month) -> BTreeSet<(String, String, Decimal, String)> {
        let mut died = std::collections::HashMap::new();
        let mut out = BTreeSet::new();
        for (_, g) in self.payloads("injury.death_granted").await {
            let person = g["id"].as_str().unwrap().to_string();
            let on: NaiveDate = g["died_on"].as_str().unwrap().parse().unwrap();
            died.insert(person.clone(), Month::of_date(on));
            if Month::of_date(on).add_months(1) <= month {
                for (n, d) in g["dependent_pensions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .enumerate()
                {
                    let item = format!(
                        "dependent_pension_{}_{}",
                        n + 1,
                        d["relation"].as_str().unwrap()
                    );
                    out.insert((person.clone(), item, dec(&d["monthly"]), "fund".to_string()));
                }
            }
        }
        let store = self.app.sirm.store_for_maintenance();
        for (_, g) in self.payloads("injury.disability_granted").await {
            let person = g["id"].as_str().unwrap().to_string();
            if let Some(d) = store.death_of(&person).await.unwrap() {
                let m = Month::of_date(d.died_on);
                let e = died.entry(person.clone()).or_insert(m);
                *e = (*e).min(m);
            }
            let start: Month = g["start_month"].as_str().unwrap().parse().unwrap();
            let payer = g["allowance_payer"].as_str().unwrap();
            if payer != "none" && start <= month && died.get(&person).is_none_or(|d| *d >= month) {
                out.insert((
                    person,
                    "disability_allowance".into(),
                    dec(&g["monthly_allowance"]),
                    payer.to_string(),
                ));
            }
        }
        out
    }

    /// What was paid for `month`.
    async fn paid(&self, month: Month) -> BTreeSet<(String, String, Decimal, String)> {
        self.payloads("injury.paid")
            .await
            .into_iter()
            .filter(|(_, p)| p["month"] == month.to_string().as_str())
            .map(|(_, p)| {
                (
                    p["id"].as_str().unwrap().to_string(),
                    p["item"].as_str().unwrap().to_string(),
                    dec(&p["amount"]),
                    p["payer"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
        .parse()
        .unwrap()
}

async fn injury_payment_runs(engine: Engine) {
    let app = TestApp::start(Options::new(engine).persons(24).history()).await;
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
    let m = Month::of_date(injury_date);

    // Two persons employed on the injury date with bases before it, whose
    // work-injury relationship is in force (recognition not refused).
    let mut injured = Vec::new();
    for id in sirm_app::testkit::person_ids(&ch.app.sirm, 40)
        .await
        .unwrap()
    {
        if injured.len() == 2 {
            break;
        }
        let pk = sirm_app::testkit::person_key(&ch.app.sirm, &id.parse().unwrap()).unwrap();
        let jobs = store.employments_of(pk.as_str()).await.unwrap();
        let Some(job) = jobs
            .iter()
            .find(|j| j.start_on <= injury_date && j.end_on.is_none_or(|e| e >= injury_date))
        else {
            continue;
        };
        let bases = store
            .bases_between(pk.as_str(), m.add_months(-12), m.add_months(-1))
            .await
            .unwrap();
        if bases.is_empty()
            || !store
                .claims_of(pk.as_str())
                .await
                .unwrap()
                .injuries
                .is_empty()
            || store.death_of(pk.as_str()).await.unwrap().is_some()
        {
            continue;
        }
        let data = json!({"id": id, "credit_code": job.credit_code, "injury_date": injury_date,
                          "decision_no": "朝人社工伤认字〔2026〕31号", "decided_on": "2026-02-10",
                          "description": "搬运货物时腰部受伤"});
        let (s, v) = ch.submit("injury.recognise", &data).await;
        if s.is_client_error() {
            assert_eq!(v["error"]["rule"], "claim.not-enrolled", "{v}");
            continue;
        }
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let app_id = v["application_id"].as_str().unwrap();
        for (c, stage) in &ch.deciders {
            let (s, v) = c
                .post(
                    &format!("/api/v1/applications/{app_id}/decision"),
                    json!({"stage": stage, "approve": true}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        injured.push((id, pk, bases));
    }
    assert_eq!(injured.len(), 2, "two insured persons in the demo");
    let (a, a_pk, a_bases) = injured.remove(0);
    let (b, b_pk, _) = injured.remove(0);
    for (who, grade) in [(&a, 3), (&b, 2)] {
        ch.through(
            "injury.assess",
            json!({"id": who, "injury_date": injury_date, "grade": grade,
                   "decision_no": "京劳鉴〔2026〕77号", "assessed_on": "2026-03-20"}),
        )
        .await;
        ch.through(
            "injury.disability",
            json!({"id": who, "injury_date": injury_date}),
        )
        .await;
    }
    // B dies of the injury in July: dependents' pensions from August.
    ch.through(
        "injury.death",
        json!({"id": b, "injury_date": injury_date, "died_on": "2026-07-10",
               "dependents": ["spouse", "other_alone"]}),
    )
    .await;

    // --- Refusals, nothing appended.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let ahead = Month::of_date(today).add_months(1);
    ch.refused(
        "injury.payment_run",
        json!({"month": ahead}),
        "month",
        "date.future",
    )
    .await;
    ch.refused(
        "injury.payment_run",
        json!({"month": "2016-01"}),
        "",
        "not-found.claim",
    )
    .await;

    // --- July: both allowances (B's in the month of death), no pensions.
    let july: Month = "2026-07".parse().unwrap();
    let august: Month = "2026-08".parse().unwrap();
    let due = ch.due(july).await;
    ch.through("injury.payment_run", json!({"month": july}))
        .await;
    let paid = ch.paid(july).await;
    assert_eq!(paid, due);
    let mine = |set: &BTreeSet<(String, String, Decimal, String)>, pk: &str| {
        set.iter()
            .filter(|p| p.0 == pk)
            .map(|p| (p.1.clone(), p.2, p.3.clone()))
            .collect::<Vec<_>>()
    };
    // A's allowance recomputed by the rules engine from the record.
    let book = sirm_domain::rules::builtin::rule_book().unwrap();
    let p = book
        .by_region("110105")
        .unwrap()
        .year(2025)
        .unwrap()
        .clone();
    let own = a_bases.iter().map(|(_, b)| *b).sum::<Decimal>() / Decimal::from(a_bases.len());
    let want = benefits::work_injury_disability(
        p.rounding.amount,
        own,
        p.avg_wage.unwrap(),
        3,
        p.benefits.min_wage,
    )
    .unwrap();
    assert_eq!(
        mine(&paid, a_pk.as_str()),
        vec![(
            "disability_allowance".to_string(),
            want.monthly_allowance,
            "fund".to_string()
        )]
    );
    let b_july = mine(&paid, b_pk.as_str());
    assert_eq!(b_july.len(), 1, "{b_july:?}");
    assert_eq!(b_july[0].0, "disability_allowance");
    // The demo's grade-5 allowance, when the demo has one, is the employer's.
    for (_, g) in ch.payloads("injury.disability_granted").await {
        if g["grade"] == 5 {
            assert!(
                paid.iter()
                    .any(|p| p.0 == g["id"].as_str().unwrap() && p.3 == "employer"),
                "{paid:?}"
            );
        }
    }
    // A second run for July: refused.
    ch.refused(
        "injury.payment_run",
        json!({"month": july}),
        "",
        "already-done",
    )
    .await;

    // --- August: B's allowance ended with the death; the pensions paid.
    let due = ch.due(august).await;
    ch.through("injury.payment_run", json!({"month": august}))
        .await;
    let paid = ch.paid(august).await;
    assert_eq!(paid, due);
    let b_aug = mine(&paid, b_pk.as_str());
    let items: Vec<&str> = b_aug.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        items,
        vec!["dependent_pension_1_spouse", "dependent_pension_2_other"],
        "{b_aug:?}"
    );
    assert!(b_aug.iter().all(|p| p.1 > Decimal::ZERO && p.2 == "fund"));

    // --- In the record: API and counter page.
    let query = ch.app.login("query").await;
    let (s, rec) = query.post("/api/v1/persons/lookup", json!({"id": b})).await;
    assert_eq!(s, StatusCode::OK, "{rec}");
    let months: Vec<&str> = rec["life"]["injury_payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["month"].as_str().unwrap())
        .collect();
    assert_eq!(months, vec!["2026-07", "2026-08", "2026-08"], "{rec}");
    let html = query
        .form("/persons", &[("id", b.as_str())])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("injury-payments"), "{html}");
    assert!(html.contains("供养亲属抚恤金"), "{html}");

    // --- Certificates: B's work-injury certificate lists the payments.
    let officer = ch.app.sirm.principal("query", "test").await.unwrap();
    let req = CertificateRequest {
        kind: CertificateKind::WorkInjuryBenefit,
        from: None,
        to: None,
        base_url: "http://127.0.0.1".into(),
    };
    let c = ch
        .app
        .sirm
        .issue_certificate(&officer, Channel::Counter, &b_pk, &req)
        .await
        .unwrap();
    let v = ch
        .app
        .sirm
        .verify_certificate(&c.code, Some(&c.pdf), "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(v.verdict, Verdict::Genuine);
    // The unemployment benefit certificate of the demo's claimant.
    let mut claimant = None;
    for id in sirm_app::testkit::person_ids(&ch.app.sirm, 100)
        .await
        .unwrap()
    {
        let pk = sirm_app::testkit::person_key(&ch.app.sirm, &id.parse().unwrap()).unwrap();
        if !store
            .unemployment_payments_of(pk.as_str())
            .await
            .unwrap()
            .is_empty()
        {
            claimant = Some(pk);
            break;
        }
    }
    let pk = claimant.expect("the demo's unemployment claimant with payments");
    let req = CertificateRequest {
        kind: CertificateKind::UnemploymentBenefit,
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
    assert_eq!(
        CertificateKind::UnemploymentBenefit.title(),
        "失业保险待遇证明"
    );
    let v = ch
        .app
        .sirm
        .verify_certificate(&c.code, Some(&c.pdf), "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(v.verdict, Verdict::Genuine);
    // A certificate whose PDF was altered is not genuine.
    let mut altered = c.pdf.clone();
    let last = altered.len() - 2;
    altered[last] ^= 1;
    let v = ch
        .app
        .sirm
        .verify_certificate(&c.code, Some(&altered), "127.0.0.1")
        .await
        .unwrap();
    assert_ne!(v.verdict, Verdict::Genuine);

    let check = ch.app.sirm.verify_projections(None).await.unwrap();
    assert!(check.difference.is_none(), "{:?}", check.difference);
}
