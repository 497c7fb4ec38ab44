//! Transfer between regions (转移接续, Art 10) across three installations on
//! loopback, each a real HTTP server (regions A, B, C; B on PostgreSQL in
//! the `postgres` run, the others on SQLite): a person moves A → B → C
//! through every step and the review chain; deadlines, figures and
//! packages are checked; C's record holds A's and B's history; bad input
//! (unknown or malformed peer, wrong signature, not insured, open transfer,
//! letter past its deadline) and bad packages (forged, replayed, from an
//! unknown agency, proofs not matching the checkpoint) are refused naming
//! their rule, with nothing appended in half.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sirm_app::transfer::auth::sign_request;
use sirm_app::transfer::letter::{Letter, SignedLetter};
use sirm_app::transfer::package::{Package, PackageMessage};
use sirm_ledger::SigningKey;
use sirm_testkit::{Engine, Options, TestApp};

fn scan() -> Value {
    json!([{ "name": "application.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 transfer") }])
}

fn rule(v: &Value) -> &str {
    v["error"]["rule"].as_str().unwrap_or("")
}

async fn install(engine: Engine, seed: u64, code: &'static str, history: bool) -> TestApp {
    let mut o = Options::new(engine).persons(4);
    o.seed = seed;
    if history {
        o = o.history();
    }
    TestApp::start(o.tune(move |s| {
        s.config.federation.agency = Some(code.into());
        s.config.federation.region = Some(format!("region {code}"));
    }))
    .await
}

/// Submit as the clerk; the application id or the refusal.
async fn submit(kit: &TestApp, bt: &str, data: Value) -> Result<String, (StatusCode, Value)> {
    let c = kit.login("clerk").await;
    let (s, v) = c
        .post(
            "/api/v1/applications",
            json!({"business_type": bt, "data": data, "materials": scan()}),
        )
        .await;
    if s != StatusCode::CREATED {
        return Err((s, v));
    }
    Ok(v["application_id"].as_str().unwrap().to_string())
}

async fn through_review(kit: &TestApp, bt: &str, data: Value) {
    let id = submit(kit, bt, data)
        .await
        .unwrap_or_else(|e| panic!("{bt}: {e:?}"));
    decide(kit, bt, &id).await;
}

/// Every stage of the review chain approves application `id`.
async fn decide(kit: &TestApp, bt: &str, id: &str) {
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let (s, v) = kit
            .login(user)
            .await
            .post(
                &format!("/api/v1/applications/{id}/decision"),
                json!({"stage": stage, "approve": true, "reason": ""}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{bt} {user}: {v}");
    }
}

fn key_of(kit: &TestApp) -> SigningKey {
    let text = std::fs::read_to_string(kit.dir().join("data/keys/checkpoint.key")).unwrap();
    SigningKey::from_file_text(&text).unwrap()
}

/// Each installation knows the other two as peers (the security administrator).
async fn peer_with(kit: &TestApp, others: &[(&str, &TestApp)]) {
    let sec = kit.login("secadmin").await;
    let (s, v) = sec
        .post(
            "/api/v1/peers",
            json!({"agency": "X", "region": "x", "name": "x", "public_key": "sirm-public-key v1 sha256-ed25519 00"}),
        )
        .await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::BAD_REQUEST, "transfer.peer"),
        "{v}"
    );
    for (code, other) in others {
        let (s, v) = sec
            .post(
                "/api/v1/peers",
                json!({"agency": code, "region": format!("region {code}"), "name": format!("agency {code}"),
                       "url": other.base, "public_key": other.sirm.public_key.to_text()}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
}

/// POST a body to `to`'s federation path, signed as `from` with `key`.
async fn post_signed(
    to: &TestApp,
    to_code: &str,
    from: &str,
    key: &SigningKey,
    path: &str,
    body: &[u8],
) -> (StatusCode, Value, Vec<(&'static str, String)>) {
    let h = sign_request(
        key,
        from,
        to_code,
        "POST",
        path,
        body,
        chrono::Utc::now().timestamp(),
    );
    let pairs = h.pairs().to_vec();
    let (s, v) = post_with(to, path, body, &pairs).await;
    (s, v, pairs)
}

async fn post_with(
    to: &TestApp,
    path: &str,
    body: &[u8],
    headers: &[(&'static str, String)],
) -> (StatusCode, Value) {
    let mut req = to
        .http
        .post(to.url(path))
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (n, v) in headers {
        req = req.header(*n, v);
    }
    let r = req.send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or_default())
}

async fn transfers(kit: &TestApp) -> Vec<Value> {
    let (s, v) = kit.login("clerk").await.get("/api/v1/transfers").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

fn expected_deadline(kit: &TestApp) -> String {
    let cal = kit.sirm.config.calendar.calendar().unwrap();
    cal.add_working_days(sirm_app::rights::today(), 15)
        .to_string()
}

/// One move old → new: application, letter, transfer out, package, acceptance.
/// Returns the figures of the transfer out.
async fn move_person(
    id: &str,
    (old, old_code): (&TestApp, &str),
    (new, new_code): (&TestApp, &str),
    bad_packages: bool,
) -> Value {
    through_review(
        new,
        "transfer.apply",
        json!({"id": id, "from_agency": old_code}),
    )
    .await;
    let t = only_transfer_of(new, "applied").await;
    let number = t["number"].as_str().unwrap().to_string();
    assert_eq!(t["deadline"], expected_deadline(new));
    assert_eq!(t["holder"], "here");
    // A second application for the same person while this one is open.
    let (s, v) = submit(
        new,
        "transfer.apply",
        json!({"id": id, "from_agency": old_code}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::CONFLICT, "transfer.open"),
        "{v}"
    );

    let clerk = new.login("clerk").await;
    let (_, form) = clerk.page("/applications/new?type=transfer.apply").await;
    assert!(
        form.contains("peer-codes") && form.contains(&format!("<code>{old_code}</code>")),
        "the peers listed under the form: {form}"
    );
    let (s, v) = clerk
        .post(
            &format!("/api/v1/transfers/{number}/letter"),
            json!({"channel": "online"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let t = only_transfer_of(new, "letter_sent").await;
    assert_eq!(t["holder"], "peer");
    let o = only_transfer_of(old, "letter_received").await;
    assert_eq!(o["number"], number.as_str());
    assert_eq!(o["direction"], "out");
    // The old region's workbench links to the transfer-out form, filled in.
    let old_clerk = old.login("clerk").await;
    let (_, page) = old_clerk.page("/transfers").await;
    let link = format!("/applications/new?type=transfer.out&amp;number={number}");
    assert!(page.contains(&link), "{page}");
    let (_, form) = old_clerk.page(&link.replace("&amp;", "&")).await;
    assert!(form.contains(&format!("value=\"{number}\"")), "{form}");

    through_review(old, "transfer.out", json!({"number": number})).await;
    let o = only_transfer_of(old, "transferred_out").await;
    let figures = o["figures"].clone();
    assert!(figures["total"].is_string(), "{o}");
    // The old record is kept, marked; no later employment starts there.
    let pk = old.sirm.transfers_pk(&number).await;
    let rec = old.sirm.rights_of(&pk).await.unwrap();
    assert!(rec.transferred_out);
    // ... and de-registered there (人员注销, reason transfer out), still readable.
    let d = rec
        .deregistered
        .as_ref()
        .expect("de-registered at the old region");
    assert_eq!(d.reason, "transfer_out");
    assert!(d.note.contains(number.as_str()), "{}", d.note);

    // The package leaves as a file here, so the test can also send bad ones.
    let (s, v) = old_clerk
        .post(
            &format!("/api/v1/transfers/{number}/package"),
            json!({"channel": "file"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let msg: PackageMessage = serde_json::from_value(v["file"].clone()).unwrap();
    let old_key = key_of(old);
    let path = "/federation/v1/packages";
    if bad_packages {
        // From an agency the new region does not know.
        let stranger = sirm_ledger::CryptoProfile::Sha256Ed25519.generate_signing_key();
        let body = serde_json::to_vec(&msg).unwrap();
        let (s, v, _) = post_signed(new, new_code, "Z", &stranger, path, &body).await;
        assert_eq!(
            (s, rule(&v)),
            (StatusCode::FORBIDDEN, "transfer.peer"),
            "{v}"
        );
        // Signed by another key under the old agency's code.
        let (s, v, _) = post_signed(new, new_code, old_code, &stranger, path, &body).await;
        assert_eq!(
            (s, rule(&v)),
            (StatusCode::FORBIDDEN, "transfer.signature"),
            "{v}"
        );
        // Forged: the figures raised after the old agency signed.
        let mut forged = msg.clone();
        let out = forged
            .package
            .body
            .entries
            .iter_mut()
            .find(|e| e.kind == "transfer.out")
            .unwrap();
        out.payload = out.payload.replace("\"total\":\"", "\"total\":\"9");
        let body = serde_json::to_vec(&forged).unwrap();
        let (s, v, _) = post_signed(new, new_code, old_code, &old_key, path, &body).await;
        assert_eq!(
            (s, rule(&v)),
            (StatusCode::FORBIDDEN, "transfer.signature"),
            "{v}"
        );
        // Proofs that do not match the claimed checkpoint, though signed.
        let mut unproven = msg.clone();
        unproven.package.body.proofs[0][0] = "00".repeat(32);
        let resigned = Package::sign(unproven.package.body.clone(), &old_key).unwrap();
        unproven.package = resigned;
        let body = serde_json::to_vec(&unproven).unwrap();
        let (s, v, _) = post_signed(new, new_code, old_code, &old_key, path, &body).await;
        assert_eq!(
            (s, rule(&v)),
            (StatusCode::CONFLICT, "transfer.proof"),
            "{v}"
        );
        // None of them moved the transfer.
        let t = only_transfer_of(new, "letter_sent").await;
        assert_eq!(t["refusal"]["rule"], "transfer.proof", "{t}");
    }
    let body = serde_json::to_vec(&msg).unwrap();
    let (s, v, headers) = post_signed(new, new_code, old_code, &old_key, path, &body).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    if bad_packages {
        // Replayed as it was, and signed afresh.
        let (s, v) = post_with(new, path, &body, &headers).await;
        assert_eq!(
            (s, rule(&v)),
            (StatusCode::FORBIDDEN, "transfer.signature"),
            "{v}"
        );
        let (s, v, _) = post_signed(new, new_code, old_code, &old_key, path, &body).await;
        assert_eq!(
            (s, rule(&v)),
            (StatusCode::CONFLICT, "transfer.step"),
            "{v}"
        );
    }
    let t = only_transfer_of(new, "package_received").await;
    assert_eq!(t["deadline"], expected_deadline(new));
    // The reviewer sees the figures approved, in words, before acceptance.
    let app = submit(new, "transfer.accept", json!({"number": number}))
        .await
        .unwrap();
    let (s, page) = new
        .login("reviewer")
        .await
        .page(&format!("/applications/{app}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    for shown in [
        "个人账户转移额",
        "欠费月数",
        "按险种实缴月数",
        figures["account_transfer"].as_str().unwrap(),
        figures["pooled_transfer"].as_str().unwrap(),
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    assert!(
        !page.contains("history[1].bases"),
        "the months are summarized, not one row each: {page}"
    );
    decide(new, "transfer.accept", &app).await;
    let t = only_transfer_of(new, "received").await;
    assert_eq!(t["figures"], figures);
    assert_eq!(t["holder"], "done");
    figures
}

async fn only_transfer_of(kit: &TestApp, step: &str) -> Value {
    let all = transfers(kit).await;
    let open: Vec<&Value> = all
        .iter()
        .filter(|t| !matches!(t["step"].as_str(), Some("received" | "package_sent")))
        .collect();
    let t = match open.as_slice() {
        [t] => (*t).clone(),
        [] => all.last().cloned().unwrap(),
        _ => panic!("{all:?}"),
    };
    assert_eq!(t["step"], step, "{t}");
    t
}

trait Lookup {
    async fn transfers_pk(&self, number: &str) -> sirm_domain::id::PersonKey;
}

impl Lookup for sirm_app::Sirm {
    async fn transfers_pk(&self, number: &str) -> sirm_domain::id::PersonKey {
        let all = self.store_for_maintenance();
        let rows = all
            .entries_of_kind("business", "transfer.letter_received")
            .await
            .unwrap();
        let row = rows.iter().find(|r| r.payload.contains(number)).unwrap();
        let v: Value = serde_json::from_str(&row.payload).unwrap();
        v["person"].as_str().unwrap().parse().unwrap()
    }
}

async fn a_person_moves_through_three_regions(engine: Engine) {
    let a = install(Engine::Sqlite, 7, "A", true).await;
    let b = install(engine, 8, "B", false).await;
    let c = install(Engine::Sqlite, 9, "C", false).await;
    peer_with(&a, &[("B", &b), ("C", &c)]).await;
    peer_with(&b, &[("A", &a), ("C", &c)]).await;
    peer_with(&c, &[("A", &a), ("B", &b)]).await;

    // The person insured at A with ten years of history.
    let pk_a: sirm_domain::id::PersonKey = a
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
    let id = a.sirm.id_of(&pk_a).await.unwrap().unwrap().to_string();
    let at_a = a.sirm.rights_of(&pk_a).await.unwrap();
    // Paid months travel as contribution months, unpaid ones as arrears.
    let months_of = |paid: bool| {
        let all: std::collections::BTreeSet<_> =
            at_a.contributions.iter().map(|c| c.month).collect();
        let unpaid: std::collections::BTreeSet<_> = at_a
            .contributions
            .iter()
            .filter(|c| c.status != sirm_domain::status::ContributionStatus::Paid)
            .map(|c| c.month)
            .collect();
        if paid {
            all.difference(&unpaid).count()
        } else {
            unpaid.len()
        }
    };
    let (months_a, arrears_a) = (months_of(true), months_of(false));
    assert!(months_a > 0);
    // Months paid per insurance type, from A's contribution rows: a month
    // counts for a type when its contribution of that type is positive.
    let by_type_a = {
        let mut m: std::collections::BTreeMap<_, [bool; 4]> = Default::default();
        let zero = rust_decimal::Decimal::ZERO;
        for c in at_a
            .contributions
            .iter()
            .filter(|c| c.status == sirm_domain::status::ContributionStatus::Paid)
        {
            let f = m.entry(c.month).or_default();
            f[0] |= c.pension_employer + c.pension_employee > zero;
            f[1] |= c.medical_employer + c.medical_employee > zero;
            f[2] |= c.unemployment_employer + c.unemployment_employee > zero;
            f[3] |= c.work_injury_employer > zero;
        }
        let n = |i: usize| m.values().filter(|f| f[i]).count() as u32;
        sirm_domain::records::TypeMonths {
            pension: n(0),
            medical: n(1),
            unemployment: n(2),
            work_injury: n(3),
        }
    };
    assert!(
        by_type_a.pension > 0 && by_type_a.medical > 0,
        "{by_type_a:?}"
    );

    // Bad input at the new region: an unknown peer; a person not
    // registered there; then registered at B and C.
    let (s, v) = submit(&b, "transfer.apply", json!({"id": id, "from_agency": "Q"}))
        .await
        .unwrap_err();
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    for kit in [&b, &c] {
        through_review(
            kit,
            "person.register",
            json!({"id": id, "name": "转移测试", "address": "上海市浦东新区", "phone": "13800002222", "registered_on": "2026-11-01"}),
        )
        .await;
    }
    let (s, v) = submit(&b, "transfer.apply", json!({"id": id, "from_agency": "Q"}))
        .await
        .unwrap_err();
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::FORBIDDEN, "transfer.peer"),
        "{v}"
    );

    // Letters the old region refuses: wrong signature, past its deadline,
    // a person not insured there. Each refusal is recorded at A.
    let b_key = key_of(&b);
    let today = sirm_app::rights::today();
    let letter = |number: &str, who: &str, deadline: chrono::NaiveDate| {
        SignedLetter::sign(
            Letter {
                number: number.into(),
                from_agency: "B".into(),
                to_agency: "A".into(),
                id_number: who.into(),
                issued_on: today,
                deadline,
            },
            &b_key,
        )
        .unwrap()
    };
    let lpath = "/federation/v1/letters";
    let stranger = sirm_ledger::CryptoProfile::Sha256Ed25519.generate_signing_key();
    let body = serde_json::to_vec(&letter("ZY-B-1", &id, today)).unwrap();
    let (s, v, _) = post_signed(&a, "A", "B", &stranger, lpath, &body).await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::FORBIDDEN, "transfer.signature"),
        "{v}"
    );
    let past = today - chrono::Days::new(1);
    let body = serde_json::to_vec(&letter("ZY-B-2", &id, past)).unwrap();
    let (s, v, _) = post_signed(&a, "A", "B", &b_key, lpath, &body).await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::CONFLICT, "transfer.deadline"),
        "{v}"
    );
    let nobody = "110101199003070011";
    let body = serde_json::to_vec(&letter("ZY-B-3", nobody, today)).unwrap();
    let (s, v, _) = post_signed(&a, "A", "B", &b_key, lpath, &body).await;
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::CONFLICT, "transfer.not-insured"),
        "{v}"
    );
    assert!(transfers(&a).await.is_empty());
    let refusals = a
        .sirm
        .store_for_maintenance()
        .entries_of_kind("business", "transfer.refused")
        .await
        .unwrap();
    assert_eq!(refusals.len(), 2);
    assert!(
        refusals.iter().all(|r| !r.payload.contains(&id)),
        "no ID in clear"
    );

    // A → B, with the bad packages; then B → C.
    let f1 = move_person(&id, (&a, "A"), (&b, "B"), true).await;
    let months: u64 =
        f1["months_counted"].as_u64().unwrap() + f1["months_before_1998"].as_u64().unwrap();
    assert_eq!(months as usize, months_a);
    let pk_b = b.sirm.person_key_of(&id);
    let at_b = b.sirm.rights_of(&pk_b).await.unwrap();
    assert_eq!(
        at_b.contribution_years.transferred_months as usize,
        months_a
    );
    assert_eq!(at_b.transferred_in[0].regions[0].arrears.len(), arrears_a);
    // Recomputed and checked at B, kept in B's record and shown to the person.
    assert_eq!(at_b.transferred_in[0].regions[0].by_type, Some(by_type_a));
    let at_b_view = transfers(&b).await;
    assert_eq!(
        at_b_view[0]["months_by_type"]["unemployment"], by_type_a.unemployment,
        "{at_b_view:?}"
    );
    assert_eq!(
        at_b.account_balance.unwrap().to_string(),
        f1["account_transfer"].as_str().unwrap()
    );
    // Transferred out of A: the record stays, the money moved out shown
    // and the balance left zero; no later employment there.
    let at_a_after = a.sirm.rights_of(&pk_a).await.unwrap();
    assert_eq!(at_a_after.contributions.len(), at_a.contributions.len());
    let away = &at_a_after.transferred_away[0];
    assert_eq!(
        away.account_transfer.to_string(),
        f1["account_transfer"].as_str().unwrap()
    );
    assert_eq!(
        (away.months as usize, away.arrears_months as usize),
        (months_a, arrears_a)
    );
    assert!(at_a_after.account_balance.unwrap().is_zero());
    let job = at_a.employments.first().unwrap();
    let (s, v) = submit(
        &a,
        "employment.start",
        json!({"id": id, "credit_code": job.credit_code, "start_on": today.to_string()}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::CONFLICT, "person.deregistered"),
        "{v}"
    );
    // A delegate sees the person's transfers where the authorization in
    // force covers the contribution record; one for the benefit only does not.
    let clerk_a = a.sirm.principal("clerk", "test").await.unwrap();
    let rid: sirm_domain::id::ResidentId = id.parse().unwrap();
    let until = today + chrono::Days::new(30);
    let mut delegations = Vec::new();
    for (user, scope) in [("deleg", "contributions"), ("deleg2", "benefit")] {
        crate::collection::delegate_account(&a.sirm, user).await;
        let dl = a
            .sirm
            .record_delegation(
                &clerk_a,
                &rid,
                user,
                &[scope.into()],
                today,
                until,
                &"b".repeat(64),
            )
            .await
            .unwrap();
        delegations.push((user, dl));
    }
    let (s, page) = a
        .login("deleg")
        .await
        .page(&format!("/my/transfers?delegation={}", delegations[0].1))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("已发送信息包") && page.contains("region B"),
        "{page}"
    );
    let (s, _) = a
        .login("deleg2")
        .await
        .page(&format!("/my/transfers?delegation={}", delegations[1].1))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let f2 = move_person(&id, (&b, "B"), (&c, "C"), false).await;
    assert_eq!(f2["months_counted"], f1["months_counted"]);
    assert_eq!(f2["pooled_transfer"], f1["pooled_transfer"]);
    assert_eq!(f2["account_transfer"], f1["account_transfer"]);
    let pk_c = c.sirm.person_key_of(&id);
    let at_c = c.sirm.rights_of(&pk_c).await.unwrap();
    let regions: Vec<&str> = at_c.transferred_in[0]
        .regions
        .iter()
        .map(|r| r.agency.as_str())
        .collect();
    assert_eq!(regions, ["A", "B"], "C's record holds A's and B's history");
    assert_eq!(
        sirm_domain::records::TypeMonths::of_history(&at_c.transferred_in[0].regions),
        by_type_a,
        "B paid nothing: C counts A's months per type"
    );
    assert_eq!(
        at_c.contribution_years.transferred_months as usize,
        months_a
    );
    // The person's record at C shows the months of A and B by region.
    let html = sirm_web::pages::record::rights(&at_c, sirm_web::pages::record::Sections::ALL)
        .into_string();
    assert!(
        html.contains("各地参保记录") && html.contains("transferred-in"),
        "{html}"
    );
    assert!(
        html.contains("region A agency A") && html.contains("region B agency B"),
        "regions named: {html}"
    );
    // The person follows the transfer out in the portal at A.
    let (s, page) = a.login("citizen").await.page("/my/transfers").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("已发送信息包") && page.contains("转出") && page.contains("办理转出"),
        "{page}"
    );
    assert!(
        page.contains("region B agency B") && !page.contains("transfer.out "),
        "peer named, steps in words: {page}"
    );
    assert!(
        page.contains("按险种实缴月数")
            && page.contains(&format!("data-medical=\"{}\"", by_type_a.medical)),
        "months by insurance type shown: {page}"
    );
    // The workbench lists each transfer with its step and who holds it.
    let (s, page) = b.login("clerk").await.page("/transfers").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("已接收，转移完成") && page.contains("已发送信息包"),
        "{page}"
    );

    // Back to A (a return trip): A's de-registration for the transfer out
    // ends, A's own months count once, the balance is what came back.
    let f3 = move_person(&id, (&c, "C"), (&a, "A"), false).await;
    assert_eq!(f3["months_counted"], f1["months_counted"]);
    let back = a.sirm.rights_of(&pk_a).await.unwrap();
    assert!(back.deregistered.is_none() && !back.transferred_out);
    assert_eq!(
        back.account_balance.unwrap().to_string(),
        f3["account_transfer"].as_str().unwrap(),
        "not A's old balance added to what came back"
    );
    assert_eq!(back.contribution_years.paid_months as usize, months_a);
    assert_eq!(back.contribution_years.transferred_months, 0);
    // No longer refused as de-registered: what stops a new start now is
    // the employment at A still open from before (the employer's 减员).
    let (s, v) = submit(
        &a,
        "employment.start",
        json!({"id": id, "credit_code": job.credit_code, "start_on": today.to_string()}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (s, rule(&v)),
        (StatusCode::CONFLICT, "employment.overlap"),
        "{v}"
    );
    for kit in [&a, &b, &c] {
        assert!(kit.sirm.verify(vec![]).await.unwrap().is_intact());
    }
}

trait Keyed {
    fn person_key_of(&self, id: &str) -> sirm_domain::id::PersonKey;
}

impl Keyed for sirm_app::Sirm {
    fn person_key_of(&self, id: &str) -> sirm_domain::id::PersonKey {
        sirm_app::testkit::person_key(self, &id.parse().unwrap()).unwrap()
    }
}

sirm_testkit::both_engines!(a_person_moves_through_three_regions);
