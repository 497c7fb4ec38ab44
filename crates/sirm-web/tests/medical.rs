//! Medical insurance over real HTTP, on SQLite and PostgreSQL, one server
//! each: the employee medical personal account credited from the paid
//! months (recomputed here with the rules engine from the record), a
//! settlement file uploaded, reviewed and approved debiting it, a file with
//! a line overdrawing the account and a line whose parts do not add up
//! refused whole — every bad line named with line, field and rule — with
//! nothing appended; the record, the yearly statement and the medical
//! account certificate (verified genuine) showing them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::Datelike;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sirm_app::certificate::{CertificateKind, CertificateRequest, Verdict};
use sirm_app::query::Channel;
use sirm_domain::rules::builtin;
use sirm_domain::rules::medical::{medical_account_year, MedicalYearInputs};
use sirm_testkit::{Engine, Options, TestApp};

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// The account year by year, recomputed from the store's rows with the
/// demo rule set: year → (credits, debits, closing).
async fn recomputed(kit: &TestApp, pk: &str) -> BTreeMap<i32, (Decimal, Decimal, Decimal)> {
    let store = kit.sirm.store_for_maintenance();
    let book = builtin::rule_book().unwrap();
    let demo = book.by_region("110105").unwrap();
    let mut employee: BTreeMap<i32, Vec<Decimal>> = BTreeMap::new();
    for c in store.contributions_of(pk).await.unwrap() {
        if c.status.as_str() == "paid" && !c.credit_code.is_empty() {
            employee
                .entry(c.month.year())
                .or_default()
                .push(c.medical_employee);
        }
    }
    let mut retiree: BTreeMap<i32, u32> = BTreeMap::new();
    for p in store.benefit_payments_of(pk).await.unwrap() {
        *retiree.entry(p.month.year()).or_default() += 1;
    }
    let mut debits: BTreeMap<i32, Vec<Decimal>> = BTreeMap::new();
    for s in store.settlements_of(pk).await.unwrap() {
        debits
            .entry(s.settled_on.year())
            .or_default()
            .push(s.account_paid);
    }
    let years: Vec<i32> = employee
        .keys()
        .chain(retiree.keys())
        .chain(debits.keys())
        .copied()
        .collect();
    let (first, last) = (*years.iter().min().unwrap(), *years.iter().max().unwrap());
    let mut out = BTreeMap::new();
    let mut opening = Decimal::ZERO;
    for y in first..=last {
        let p = demo.year(y).unwrap();
        let r = medical_account_year(
            p.rounding.amount,
            &MedicalYearInputs {
                year: y,
                opening,
                employee_contributions: employee.get(&y).cloned().unwrap_or_default(),
                share: p.benefits.medical_account_share.unwrap(),
                retiree_months: retiree.get(&y).copied().unwrap_or(0),
                retiree_credit: p.benefits.medical_retiree_credit.unwrap(),
                debits: debits.get(&y).cloned().unwrap_or_default(),
            },
        )
        .unwrap();
        opening = r.closing;
        out.insert(y, (r.credits, r.debits, r.closing));
    }
    out
}

/// The API's account years: year → (credits, debits, closing).
fn shown(record: &Value) -> BTreeMap<i32, (Decimal, Decimal, Decimal)> {
    record["medical"]["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["year"].as_i64().unwrap() as i32,
                (dec(&y["credits"]), dec(&y["debits"]), dec(&y["closing"])),
            )
        })
        .collect()
}

async fn decide_all(kit: &TestApp, id: &str) {
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let c = kit.login(user).await;
        let (s, v) = c
            .post(
                &format!("/api/v1/applications/{id}/decision"),
                json!({"stage": stage, "approve": true}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{stage}: {v}");
    }
}

const HEAD: &str =
    "公民身份号码,结算日期,定点医药机构编码,医疗费用总额,统筹基金支付,个人账户支付,个人自付\n";

async fn medical_account_and_settlements(engine: Engine) {
    let kit = TestApp::start(Options::new(engine).persons(4).history()).await;
    let citizen = kit.login("citizen").await;
    let (s, me) = citizen.get("/api/v1/my/record").await;
    assert_eq!(s, StatusCode::OK, "{me}");
    let pk = me["record"]["person"]["person_id"]
        .as_str()
        .unwrap()
        .to_string();
    let id = sirm_app::testkit::person_ids(&kit.sirm, 100_000)
        .await
        .unwrap()
        .into_iter()
        .find(|i| {
            sirm_app::testkit::person_key(&kit.sirm, &i.parse().unwrap())
                .unwrap()
                .as_str()
                == pk
        })
        .unwrap();

    // The paid employee months credit the account: recomputed from the rows.
    let want = recomputed(&kit, &pk).await;
    assert_eq!(shown(&me["record"]), want);
    let balance = dec(&me["record"]["medical"]["balance"]);
    assert!(balance > Decimal::from(200), "{balance}");
    assert_eq!(balance, want.values().last().unwrap().2);

    // A settlement file: reviewed, approved, debiting the account.
    let before = me["record"]["medical"]["settlements"]
        .as_array()
        .unwrap()
        .len();
    let clerk = kit.sirm.principal("clerk", "test").await.unwrap();
    let year = sirm_app::rights::current_month().year();
    let day = format!("{year}-{:02}-01", sirm_app::rights::current_month().month());
    let good = kit.dir().join("settlements.csv");
    std::fs::write(
        &good,
        format!(
            "{HEAD}{id},{day},H11010500001,500.00,300.00,100.00,100.00\n\
             {id},{day},P11010500007,45.50,0,20.50,25.00\n"
        ),
    )
    .unwrap();
    let report = kit
        .sirm
        .submit_settlement_file(&clerk, "settlements.csv", &good)
        .await
        .unwrap();
    assert_eq!(
        (report.rows, report.account_paid),
        (2, Decimal::new(12050, 2))
    );
    decide_all(&kit, &report.application_id).await;
    let (_, me) = citizen.get("/api/v1/my/record").await;
    assert_eq!(
        me["record"]["medical"]["settlements"]
            .as_array()
            .unwrap()
            .len(),
        before + 2
    );
    let after = dec(&me["record"]["medical"]["balance"]);
    assert_eq!(after, balance - Decimal::new(12050, 2));
    assert_eq!(shown(&me["record"]), recomputed(&kit, &pk).await);
    // The same file again: refused.
    let again = kit
        .sirm
        .submit_settlement_file(&clerk, "settlements.csv", &good)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("recorded already"), "{again}");

    // A bad file over HTTP: one line overdrawing the account, one whose
    // parts do not add up — refused whole, both named, nothing appended.
    let over = after + Decimal::ONE;
    let bad = format!(
        "{HEAD}{id},{day},H11010500001,{over},0,{over},0\n\
         {id},{day},H11010500001,100.00,50.00,0,49.99\n\
         {id},{day},H11010500001,10.00,10.00,0,0\n"
    );
    let web = kit.login("clerk").await;
    let size = kit.ledger_size().await;
    let form = web.multipart_form().part(
        "file",
        reqwest::multipart::Part::bytes(bad.into_bytes()).file_name("bad.csv"),
    );
    let r = web.send_multipart("/medical/settlements", form).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("line 2, account_paid (medical.account-overdrawn)"),
        "{html}"
    );
    assert!(
        html.contains("line 3, total (medical.settlement-parts)"),
        "{html}"
    );
    assert!(!html.contains("line 4"), "{html}");
    assert_eq!(kit.ledger_size().await, size);
    let (_, me) = citizen.get("/api/v1/my/record").await;
    assert_eq!(dec(&me["record"]["medical"]["balance"]), after);

    // The record page, the yearly statement, the certificate.
    let (s, page) = citizen.page("/my/record").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("medical-settlements") && page.contains("H11010500001"));
    let (s, st) = citizen.page(&format!("/my/statement?year={year}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        st.contains("statement-medical") && st.contains("statement-settlements"),
        "{st}"
    );
    assert!(st.contains(&after.to_string()), "{st}");
    let officer = kit.sirm.principal("query", "test").await.unwrap();
    let person: sirm_domain::id::PersonKey = pk.parse().unwrap();
    let req = CertificateRequest {
        kind: CertificateKind::MedicalAccount,
        from: None,
        to: None,
        base_url: "http://127.0.0.1".into(),
    };
    let c = kit
        .sirm
        .issue_certificate(&officer, Channel::Counter, &person, &req)
        .await
        .unwrap();
    assert_eq!(
        CertificateKind::MedicalAccount.title(),
        "医疗保险个人账户证明"
    );
    let v = kit
        .sirm
        .verify_certificate(&c.code, Some(&c.pdf), "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(v.verdict, Verdict::Genuine);
    // No unemployment claim: no unemployment certificate.
    let e = kit
        .sirm
        .issue_certificate(
            &officer,
            Channel::Counter,
            &person,
            &CertificateRequest {
                kind: CertificateKind::UnemploymentBenefit,
                ..req
            },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("unemployment"), "{e}");
    let check = kit.sirm.verify_projections(None).await.unwrap();
    assert!(check.difference.is_none(), "{:?}", check.difference);
}

sirm_testkit::both_engines!(medical_account_and_settlements);
