//! The telephone (IVR) channel.

use super::*;

/// Submit an application as clerk and pass review, re-check and approval.
pub(super) async fn approved(app: &App, business_type: &str, data: Value) {
    let clerk = app.login("clerk").await;
    let (s, body) = app
        .call(
            Some(&clerk),
            Method::POST,
            "/api/v1/applications",
            Some(json!({"business_type": business_type, "data": data,
                "materials": [{"name": "scan.pdf", "content_base64": "JVBERi0xLjQ="}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{business_type}: {body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["application_id"]
        .as_str()
        .unwrap()
        .to_string();
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let t = app.login(user).await;
        let (s, body) = app
            .call(
                Some(&t),
                Method::POST,
                &format!("/api/v1/applications/{id}/decision"),
                Some(json!({"stage": stage, "approve": true})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{business_type} {stage}: {body}");
    }
}

/// The telephone channel (Art 14): a query PIN set at the counter, the IVR
/// summary, one refusal for every failure, lockout, audit, rate limit.
pub(super) async fn ivr_telephone_channel(engine: Engine) {
    let app = spawn(engine).await;
    let ids = sirm_app::testkit::person_ids(&app.sirm, 3).await.unwrap();
    let (pid, no_pin) = (ids[0].clone(), ids[1].clone());
    let id: sirm_domain::id::ResidentId = pid.parse().unwrap();
    // How the store, the ledger and the audit trail name the person.
    let pk = sirm_app::testkit::person_key(&app.sirm, &id).unwrap();
    // A record with something to tell: employed, June paid, July assessed
    // but not paid (arrears), the 2024 account settled.
    let employer = app.kit.employer_of("agent").await;
    approved(
        &app,
        "employment.start",
        json!({"id": pid, "credit_code": employer, "start_on": "2024-01-15"}),
    )
    .await;
    for month in ["2024-06", "2024-07"] {
        approved(
            &app,
            "contribution.declare",
            json!({"credit_code": employer, "month": month,
            "lines": [{"id": pid, "declared_wage": "9000.00"}]}),
        )
        .await;
    }
    let june = app
        .sirm
        .store_for_maintenance()
        .contributions_of(pk.as_str())
        .await
        .unwrap();
    let c = june
        .iter()
        .find(|c| c.month.to_string() == "2024-06")
        .unwrap();
    let due: rust_decimal::Decimal = [
        c.pension_employer,
        c.pension_employee,
        c.medical_employer,
        c.medical_employee,
        c.unemployment_employer,
        c.unemployment_employee,
        c.work_injury_employer,
    ]
    .iter()
    .sum();
    approved(
        &app,
        "contribution.payment",
        json!({"credit_code": employer, "month": "2024-06",
        "paid_on": "2024-07-10", "amount": due.to_string()}),
    )
    .await;
    approved(&app, "account.settle", json!({"year": 2024})).await;

    let clerk = app.login("clerk").await;
    let set_pin = |who: String, person: String, pin: &str| {
        let app = &app;
        let pin = pin.to_string();
        async move {
            app.call(
                Some(&who),
                Method::POST,
                "/api/v1/query-pins",
                Some(json!({"person_id": person, "pin": pin, "id_document_checked": true})),
            )
            .await
        }
    };
    // Weak PINs are refused, naming the rule.
    let birth = id.birth_date().format("%y%m%d").to_string();
    for (pin, rule) in [
        ("12345", "pin.format"),
        ("12a456", "pin.format"),
        ("111111", "pin.repeated"),
        ("123456", "pin.sequence"),
        ("654321", "pin.sequence"),
        (birth.as_str(), "pin.birth_date"),
    ] {
        let (s, body) = set_pin(clerk.clone(), pid.clone(), pin).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{pin}: {body}");
        assert!(body.contains(rule), "{pin}: {body}");
    }
    // Only the counter (external_activate) sets PINs.
    for user in ["reviewer", "query", "citizen", "sysadmin"] {
        let t = app.login(user).await;
        let (s, body) = set_pin(t, pid.clone(), "135790").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}: {body}");
    }
    let (s, body) = set_pin(clerk.clone(), pid.clone(), "135790").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["person"].as_str(), &v["reset"]),
        (Some(id.masked().as_str()), &json!(false))
    );
    // Reset at the counter page (cookie session, CSRF token, ID document checked).
    let (session_token, session_csrf) = app.login_full("clerk").await;
    let counter_form = |fields: Vec<(&str, String)>| {
        let mut f = vec![("csrf", session_csrf.clone())];
        f.extend(fields);
        app.http
            .post(format!("{}/counter/query-pin", app.base))
            .header("cookie", format!("sirm_session={session_token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&f).unwrap())
            .send()
    };
    let r = counter_form(vec![
        ("id", pid.clone()),
        ("pin", "284913".into()),
        ("pin_confirm", "284931".into()),
        ("checked", "yes".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("两次输入的查询密码不一致"));
    let (s, page) = app.call(Some(&clerk), Method::GET, "/counter", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("id=\"query-pin\"") && page.contains("设置电话查询密码"),
        "{page}"
    );
    let r = counter_form(vec![
        ("id", pid.clone()),
        ("pin", "284913".into()),
        ("pin_confirm", "284913".into()),
        ("checked", "yes".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("查询密码已重置") && !page.contains("284913"),
        "{page}"
    );
    // Only an argon2id hash is stored.
    let row = app
        .sirm
        .store_for_maintenance()
        .query_pin(pk.as_str())
        .await
        .unwrap()
        .unwrap();
    assert!(row.pin_hash.starts_with("$argon2id$") && !row.pin_hash.contains("284913"));

    let ivr = |id_number: String, pin: &'static str| {
        let app = &app;
        async move {
            let r = app
                .http
                .post(format!("{}/api/v1/ivr/summary", app.base))
                .json(&json!({"id_number": id_number, "pin": pin}))
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // The right PIN: the summary equals the assembled rights record.
    let (s, body) = ivr(pid.clone(), "284913").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let rights = app.sirm.rights_of(&pk).await.unwrap();
    let today = (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string();
    assert_eq!(
        v,
        json!({
            "contribution_months": rights.contribution_years.paid_months,
            "last_paid_month": rights.contribution_years.last_paid,
            "account_balance": rights.account_balance.unwrap(),
            "benefit_status": "none",
            "arrears_months": rights.contribution_years.arrears_months,
            "medical_account_balance": rights.medical.balance.map(|d| d.to_string()),
            "unemployment_monthly": null,
            "as_of": today,
        }),
        "{body}"
    );
    assert_eq!(v["contribution_months"], 1);
    assert_eq!(v["last_paid_month"], "2024-06");
    assert_eq!(v["arrears_months"], 1);
    assert!(v["account_balance"].is_string());
    // The old PIN, a wrong PIN, an unknown ID, a malformed ID, a person
    // without a PIN: one refusal, word for word.
    let unknown = "11010519491231002X";
    assert!(app
        .sirm
        .store_for_maintenance()
        .person(&sirm_app::testkit::pk_of(&app.sirm, unknown).unwrap())
        .await
        .unwrap()
        .is_none());
    let mut refusals = Vec::new();
    for (who, pin) in [
        (pid.clone(), "135790"),
        (unknown.to_string(), "284913"),
        ("12345".to_string(), "284913"),
        ("110105abc".to_string(), "284913"),
        (no_pin.clone(), "284913"),
    ] {
        let (s, body) = ivr(who.clone(), pin).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{who}: {body}");
        refusals.push(body);
    }
    assert!(refusals.iter().all(|b| b == &refusals[0]), "{refusals:?}");
    let r: Value = serde_json::from_str(&refusals[0]).unwrap();
    assert_eq!(r["error"]["code"], "ivr_refused");
    // Success resets the count; then 5 wrong PINs lock, even the right one is refused.
    assert_eq!(ivr(pid.clone(), "284913").await.0, StatusCode::OK);
    for pin in ["000001", "000002", "000003", "000004", "000005"] {
        let (s, body) = ivr(pid.clone(), pin).await;
        assert_eq!((s, &body), (StatusCode::UNAUTHORIZED, &refusals[0]));
    }
    let (s, body) = ivr(pid.clone(), "284913").await;
    assert_eq!(
        (s, &body),
        (StatusCode::UNAUTHORIZED, &refusals[0]),
        "locked"
    );
    // The audit trail: set, lockout, answered queries — with the source
    // address and the blind index, never the ID number, the PIN or its
    // hash; the failures are counted in the source's summary.
    app.sirm.flush_refusals(true).await.unwrap();
    let audit = app.login("auditadmin").await;
    let named = pk.to_string();
    let (_, body) = app
        .call(
            Some(&audit),
            Method::GET,
            &format!("/api/v1/audit?account={named}&limit=200"),
            None,
        )
        .await;
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    let count = |ev: &str, outcome: &str| {
        rows.iter()
            .filter(|r| r["event"] == ev && r["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("query_pin.set", "success"), 2, "{body}");
    assert_eq!(count("query_pin.set", "failure"), 6, "weak PINs: {body}");
    assert_eq!(count("query_pin.lockout", "success"), 1, "{body}");
    assert_eq!(count("ivr.query", "success"), 2, "{body}");
    let lock = rows
        .iter()
        .find(|r| r["event"] == "query_pin.lockout")
        .unwrap();
    assert!(
        lock["detail"].as_str().unwrap().contains("5 consecutive"),
        "{lock}"
    );
    let q = rows.iter().find(|r| r["event"] == "ivr.query").unwrap();
    assert!(
        q["detail"].as_str().unwrap().contains("channel ivr")
            && q["detail"].as_str().unwrap().contains("account_balance"),
        "{q}"
    );
    assert!(rows
        .iter()
        .filter(|r| r["event"].as_str().unwrap().starts_with("ivr.")
            || r["event"].as_str().unwrap().starts_with("query_pin."))
        .all(|r| r["source"] == "127.0.0.1"));
    for secret in ["284913", "135790", "$argon2", pid.as_str(), &id.masked()] {
        assert!(!body.contains(secret), "{secret} in the audit trail");
    }
    let (_, body) = app
        .call(
            Some(&audit),
            Method::GET,
            "/api/v1/audit?event=refusals.summary&limit=200",
            None,
        )
        .await;
    // Old PIN, unknown ID, two malformed IDs, no PIN, five wrong PINs and
    // the right one while locked: eleven, in one summary.
    assert!(body.contains("ivr.failure ×11"), "{body}");
    for why in [
        "unknown ID number",
        "malformed ID number",
        "no query PIN set",
        "wrong query PIN",
        "query PIN locked",
        named.as_str(),
    ] {
        assert!(body.contains(why), "{why}: {body}");
    }
    assert!(!body.contains(pid.as_str()), "{body}");
    // Setting the PIN again at the counter unlocks it.
    let (s, body) = set_pin(clerk.clone(), pid.clone(), "284913").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(ivr(pid.clone(), "284913").await.0, StatusCode::OK);
    // Rate limit per source: a burst of 20, then 429 before any work is done.
    let mut limited = None;
    for i in 0..40 {
        let r = app
            .http
            .post(format!("{}/api/v1/ivr/summary", app.base))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((i, r));
            break;
        }
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
    let (i, r) = limited.expect("no 429 within 40 calls");
    assert!((1..=25).contains(&i), "limited after {i} calls (burst 20)");
    assert!(r.headers().contains_key("retry-after"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "rate_limited", "{v}");
    // The right PIN is limited too (at most one token refills per 100 ms);
    // a second later the bucket has refilled.
    // Sent at once: one after the other, a slow machine answers each in
    // more than the 100 ms a token takes to refill.
    let statuses: Vec<StatusCode> =
        futures::future::join_all((0..5).map(|_| ivr(pid.clone(), "284913")))
            .await
            .into_iter()
            .map(|r| r.0)
            .collect();
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(ivr(pid.clone(), "284913").await.0, StatusCode::OK);
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}
