//! Retirement computed from the record, corrections, subsidies, arrears, and the payment run.

use super::*;

pub(super) async fn retirement_computed_from_the_record(postgres: bool) {
    let app = spawn(postgres).await;
    let employer = app.kit.employer_of("agent").await;
    let retiree = "110105196003010010"; // male, born 1960-03-01: retires at 60 in 2020-03
    assert!(retiree.parse::<sirm_domain::id::ResidentId>().is_ok());
    let reg = json!({"id": retiree, "name": "退休人", "address": "北京市朝阳区", "phone": "13800000000", "registered_on": "2015-01-01"});
    assert_eq!(
        through_all_stages(&app, reg, "person.register").await.1["status"],
        "approved"
    );
    let job = json!({"id": retiree, "credit_code": employer, "start_on": "2019-01-01"});
    assert_eq!(
        through_all_stages(&app, job, "employment.start").await.1["status"],
        "approved"
    );
    let decl = json!({"credit_code": employer, "month": "2019-06", "lines": [{"id": retiree, "declared_wage": "9000.00"}]});
    assert_eq!(
        through_all_stages(&app, decl, "contribution.declare")
            .await
            .1["status"],
        "approved"
    );
    // Due for 2019-06, by hand (demo-110105 2019: avg_wage 9112.00, bounds
    // 5467–27336, so the base is the declared 9000; RULES.md rates):
    //   pension 9000 × (0.16 + 0.08) = 1440.00 + 720.00; medical 9000 ×
    //   (0.098 + 0.02) = 882.00 + 180.00; unemployment 45.00 + 45.00
    //   = 3312.00, + work injury class 3: 9000 × 0.007 = 63.00 → 3375.00
    let due = "3375.00";
    let pay = json!({"credit_code": employer, "month": "2019-06", "paid_on": "2019-07-10", "amount": due});
    assert_eq!(
        through_all_stages(&app, pay, "contribution.payment")
            .await
            .1["status"],
        "approved"
    );
    assert_eq!(
        through_all_stages(&app, json!({"year": 2019}), "account.settle")
            .await
            .1["status"],
        "approved"
    );
    // Too few contribution months: refused, naming the rule's numbers.
    let clerk = app.login("clerk").await;
    let submit = |data: Value| {
        let app = &app;
        let clerk = clerk.clone();
        async move {
            app.post(&clerk, "/api/v1/applications", json!({"business_type": "benefit.retire", "data": data, "materials": [{"name": "退休申请.pdf", "content_base64": "JVBERi0xLjQ="}]})).await
        }
    };
    let (s, v) = submit(json!({"id": retiree, "category": "male", "deemed_months": 0})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("180 required"),
        "{v}"
    );
    // Not yet of age: refused.
    let young_reg = json!({"id": NEW_PERSON, "name": "青年", "address": "北京市朝阳区", "phone": "13800000001", "registered_on": "2020-01-01"});
    assert_eq!(
        through_all_stages(&app, young_reg, "person.register")
            .await
            .1["status"],
        "approved"
    );
    let young = NEW_PERSON.to_string();
    let (s, v) = submit(json!({"id": young, "category": "male", "deemed_months": 300})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not reached"),
        "{v}"
    );
    // With deemed months on record: granted, computed.
    let (_, v) = through_all_stages(
        &app,
        json!({"id": retiree, "category": "male", "deemed_months": 200}),
        "benefit.retire",
    )
    .await;
    assert_eq!(v["status"], "approved", "{v}");
    let retiree_pk = app.pk(retiree);
    let (status, start, total) = app
        .sirm
        .store_for_maintenance()
        .benefit_of(&retiree_pk)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (status.as_str(), start.to_string().as_str()),
        ("granted", "2020-03")
    );
    let entry = app
        .sirm
        .store_for_maintenance()
        .entries_for_subject(&format!("person:{retiree_pk}"))
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(entry.kind, "benefit.granted");
    let granted: sirm_domain::records::BenefitGranted =
        serde_json::from_str(&entry.payload).unwrap();
    // The pension by hand (RULES.md, 国发〔2005〕38号), retiring 2020-03 at 60:
    //   C = pension_base_wage 2020 = 9677.00
    //   I = 9000 / 9112 (the one paid month's base ÷ 2019 avg_wage)
    //     = 0.98770… → 0.9877 (four places)
    //   N = 1 paid + 200 deemed = 201 months
    //   C × I = 9677 × 0.9877 = 9557.9729
    //   basic = (9677 + 9557.9729) / 2 × 201 / 12 × 1 %
    //         = 9617.48645 × 16.75 × 0.01 = 1610.92898… → 1610.93
    //   account: 2019 settlement 720.00 + 720.00 × 0.0761 × 7/12 (31.96)
    //         = 751.96; ÷ 139 payout months at 60 = 5.4098… → 5.41
    //   transitional = 9677 × 0.9877 × 200/12 × 0.010 (regional coefficient)
    //         = 9557.9729 × 200 / 12 × 0.01 = 1592.99548… → 1593.00
    //   total = 1610.93 + 5.41 + 1593.00 = 3209.34
    assert_eq!(granted.index.index.to_string(), "0.9877");
    assert_eq!(granted.pension.inputs.contribution_months, 201);
    assert_eq!(granted.pension.payout_months, 139);
    assert_eq!(
        [
            granted.pension.basic.to_string(),
            granted.pension.account.to_string(),
            granted.pension.transitional.to_string(),
            granted.pension.total.to_string(),
        ],
        ["1610.93", "5.41", "1593.00", "3209.34"],
        "{:?}",
        granted.pension
    );
    assert_eq!(total.to_string(), "3209.34");
    // Anyone can recompute the figure from the recorded inputs.
    // (Under the installation's approved version, whose hash it records.)
    let rules = app.sirm.installed_rules().await.unwrap();
    let set = rules.region.latest().unwrap();
    assert_eq!(granted.pension.rule_set, set.reference());
    assert!(granted.pension.rule_set.hash.is_some());
    assert_eq!(granted.pension.recompute(set).unwrap(), granted.pension);
    // The monthly payment run pays the granted total; once per month.
    let run = |month: &str| json!({"month": month});
    let (_, v) = through_all_stages(&app, run("2026-10"), "benefit.payment_run").await;
    assert_eq!(v["status"], "approved", "{v}");
    let payments = app
        .sirm
        .store_for_maintenance()
        .benefit_payments_of(&retiree_pk)
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
    let record = assert_record_is_its_parts(&app, &retiree_pk).await;
    assert!(record.benefit.is_some() && !record.contributions.is_empty());
    assert!(!record.employments.is_empty() && record.payments.len() == 1);
    assert_eq!(
        (payments[0].month.to_string(), payments[0].amount),
        ("2026-10".to_string(), total)
    );
    let (s, v) = through_all_stages(&app, run("2026-10"), "benefit.payment_run").await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already paid"),
        "{v}"
    );
    let (s, v) = through_all_stages(&app, run("2099-01"), "benefit.payment_run").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // The person's record shows the benefit and its payments.
    let query = app.login("query").await;
    let (s, rec) = app
        .post(&query, "/api/v1/persons/lookup", json!({"id": retiree}))
        .await;
    assert_eq!(s, StatusCode::OK, "{rec}");
    assert_eq!(rec["benefit"]["total"], total.to_string(), "{rec}");
    assert_eq!(rec["payments"][0]["month"], "2026-10", "{rec}");
    assert_eq!(rec["contribution_years"]["paid_months"], 1, "{rec}");
    // Death reported: the benefit ends.
    let end = json!({"id": retiree, "status": "terminated", "effective_on": "2026-02-01", "reason": "死亡（民政部门通报）"});
    assert_eq!(
        through_all_stages(&app, end, "benefit.status").await.1["status"],
        "approved"
    );
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .benefit_of(&retiree_pk)
            .await
            .unwrap()
            .unwrap()
            .0
            .as_str(),
        "terminated"
    );
    // A terminated benefit is not paid: no payable benefit in the next run.
    let (s, v) = through_all_stages(&app, run("2026-11"), "benefit.payment_run").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

pub(super) async fn correction_by_maintenance_officer_and_benefit_termination(postgres: bool) {
    let app = spawn(postgres).await;
    let person = app.ids(1).await.remove(0);
    let fix = json!({"id": person, "effective_on": "2026-01-05", "reason": "异议核查：地址登记错误", "address": "北京市朝阳区更正路1号"});
    let body = json!({"business_type": "person.correct", "data": fix, "materials": [{"name": "异议核查.pdf", "content_base64": "JVBERi0xLjQ="}]});
    // The clerk may not take a correction (Art 11: designated maintenance staff).
    let clerk = app.login("clerk").await;
    let (s, v) = app.post(&clerk, "/api/v1/applications", body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("record_maintain"),
        "{v}"
    );
    let maint = app.login("maintainer").await;
    let (s, v) = app.post(&maint, "/api/v1/applications", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["application_id"].as_str().unwrap().to_string();
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let t = app.login(user).await;
        let (s, v) = app
            .post(
                &t,
                &format!("/api/v1/applications/{id}/decision"),
                json!({"stage": stage, "approve": true}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    assert_eq!(app.opened(&person).await.address, "北京市朝阳区更正路1号");
    // The maintenance log names the maintenance officer and the reason.
    let query = app.login("query").await;
    let (_, log) = app.get(&query, "/api/v1/maintenance-log").await;
    let row = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["application"] == id.as_str())
        .unwrap()
        .clone();
    // Each stage with its responsible person, the maintenance officer first.
    assert_eq!(
        row["responsible"][0],
        json!(["preliminary", "maintainer"]),
        "{row}"
    );
    assert_eq!(row["responsible"].as_array().unwrap().len(), 4, "{row}");
    assert!(
        row["reason"].as_str().unwrap().contains("异议核查"),
        "{row}"
    );
    // Before and after: the address it replaced and the one it wrote, opened.
    let (before, after) = (&row["before"]["address"], &row["after"]["address"]);
    assert_eq!(after, "北京市朝阳区更正路1号", "{row}");
    assert!(before.is_string() && before != after, "{row}");
    assert_eq!(row["business_type"], "person.correct", "{row}");
    assert!(!row["evidence"].as_array().unwrap().is_empty(), "{row}");
    // A benefit cannot be terminated if there is none.
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", json!({"business_type": "benefit.status", "data": {"id": person, "status": "terminated", "effective_on": "2026-02-01", "reason": "死亡"}, "materials": [{"name": "死亡证明.pdf", "content_base64": "JVBERi0xLjQ="}]}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

pub(super) async fn subsidy_arrears_and_corrections(postgres: bool) {
    let app = spawn(postgres).await;
    let person = app.ids(1).await.remove(0);
    let pk = app.pk(&person);
    let employer = app.kit.employer_of("agent").await;
    // Subsidy: one row per month, overlap refused, bad kind names the field.
    let grant = json!({"id": person, "kind": "flexible_employment", "from_month": "2025-01", "to_month": "2025-06", "monthly_amount": "300.50", "basis": "京人社就发〔2025〕3号"});
    assert_eq!(
        through_all_stages(&app, grant.clone(), "subsidy.grant")
            .await
            .1["status"],
        "approved"
    );
    let subs = app
        .sirm
        .store_for_maintenance()
        .subsidies_of(&pk)
        .await
        .unwrap();
    assert_eq!(subs.len(), 6);
    assert_eq!(assert_record_is_its_parts(&app, &pk).await.subsidies, subs);
    assert_eq!(subs[5].month.to_string(), "2025-06");
    // The scale is part of the record: "300.50", not "300.5".
    assert_eq!(subs[0].amount.to_string(), "300.50");
    let (s, v) = through_all_stages(&app, grant, "subsidy.grant").await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let bad = json!({"id": person, "kind": "lottery", "from_month": "2025-07", "to_month": "2025-08", "monthly_amount": "1", "basis": "x"});
    let (s, v) = through_all_stages(&app, bad, "subsidy.grant").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("kind"),
        "{v}"
    );
    // A declared, unpaid month is in arrears.
    let start = json!({"id": person, "credit_code": employer, "start_on": "2025-01-01"});
    assert_eq!(
        through_all_stages(&app, start, "employment.start").await.1["status"],
        "approved"
    );
    let decl = json!({"credit_code": employer, "month": "2025-03", "lines": [{"id": person, "declared_wage": "8000.00"}]});
    assert_eq!(
        through_all_stages(&app, decl, "contribution.declare")
            .await
            .1["status"],
        "approved"
    );
    let query = app.login("query").await;
    let (s, arrears) = app
        .get(&query, &format!("/api/v1/arrears?employer={employer}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{arrears}");
    let row = arrears
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["month"] == "2025-03")
        .unwrap()
        .clone();
    // demo-110105 2025: avg_wage 12049.00, bounds 7229–36147; base 8000:
    //   pension 1280.00 + 640.00, medical 784.00 + 160.00 (9.8 % + 2 %),
    //   unemployment 40.00 + 40.00 = 2944.00, + work injury class 3:
    //   8000 × 0.007 = 56.00 → 3000.00
    assert_eq!(row["due"], "3000.00", "{row}");
    assert_eq!(row["persons"], 1);
    // Correcting the unpaid month: the maintenance officer only; recomputed.
    let fix = json!({"id": person, "month": "2025-03", "declared_wage": "9000.00", "reason": "单位申报工资有误（工资表核对）"});
    let (s, v) = through_all_stages(&app, fix.clone(), "contribution.correct").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (_, v) = through_all_stages_as(&app, "maintainer", fix, "contribution.correct").await;
    assert_eq!(v["status"], "approved", "{v}");
    let c = app
        .sirm
        .store_for_maintenance()
        .contributions_of(&pk)
        .await
        .unwrap();
    let m = c.iter().find(|c| c.month.to_string() == "2025-03").unwrap();
    assert_eq!(m.declared_wage.to_string(), "9000.00");
    assert_eq!(m.status.as_str(), "assessed");
    let (_, arrears) = app
        .get(&query, &format!("/api/v1/arrears?employer={employer}"))
        .await;
    let due = arrears
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["month"] == "2025-03")
        .unwrap()["due"]
        .as_str()
        .unwrap()
        .to_string();
    // Base 9000 (within 7229–36147): 1440.00 + 720.00 + 882.00 + 180.00
    //   + 45.00 + 45.00 = 3312.00, + work injury class 3: 9000 × 0.007 = 63.00
    //   → 3375.00
    assert_eq!(due, "3375.00");
    // Paid: out of arrears; a paid month can no longer be corrected.
    let pay = json!({"credit_code": employer, "month": "2025-03", "paid_on": "2025-04-10", "amount": due});
    assert_eq!(
        through_all_stages(&app, pay, "contribution.payment")
            .await
            .1["status"],
        "approved"
    );
    let (_, arrears) = app
        .get(&query, &format!("/api/v1/arrears?employer={employer}"))
        .await;
    assert!(
        !arrears
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["month"] == "2025-03"),
        "{arrears}"
    );
    let fix =
        json!({"id": person, "month": "2025-03", "declared_wage": "1.00", "reason": "再次更正"});
    let (s, v) = through_all_stages_as(&app, "maintainer", fix, "contribution.correct").await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // Employer details corrected by the maintenance officer.
    let fix = json!({"credit_code": employer, "effective_on": "2025-05-01", "reason": "营业执照核对：名称登记错误", "name": "更正后的单位名称有限公司"});
    let (_, v) = through_all_stages_as(&app, "maintainer", fix, "employer.correct").await;
    assert_eq!(v["status"], "approved", "{v}");
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .employer_name(&employer)
            .await
            .unwrap()
            .unwrap(),
        "更正后的单位名称有限公司"
    );
    // Both corrections are in the maintenance log with their reasons.
    let (_, log) = app.get(&query, "/api/v1/maintenance-log").await;
    let kinds: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"contribution.corrected"), "{kinds:?}");
    assert!(kinds.contains(&"employer.changed"), "{kinds:?}");
    assert!(kinds.contains(&"subsidy.granted"), "{kinds:?}");
    maintenance_log_filters_and_pages(&app, &query, &employer).await;
    // The record rebuilds to the same projections from the ledger alone.
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

/// The monthly payment run pays what the ledger granted: a benefit row
/// edited in the table (its total; "granted" after the ledger terminated
/// it) refuses the run, naming the benefit; nothing is paid.
pub(super) async fn payment_run_pays_what_the_ledger_granted(postgres: bool) {
    let app = spawn_with(postgres, true).await;
    let app = &app;
    let retiree = app
        .sirm
        .store_for_maintenance()
        .account("retiree")
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap();
    // Errors name a person by the short blind index, never the ID number.
    let masked = retiree
        .parse::<sirm_domain::id::PersonKey>()
        .unwrap()
        .short();
    let total = app
        .sirm
        .store_for_maintenance()
        .benefit_row(&retiree)
        .await
        .unwrap()
        .unwrap()
        .total;
    // Submitted, reviewed and re-checked; the approval's answer.
    let run = |month: &'static str| async move {
        let clerk = app.login("clerk").await;
        let body = json!({
            "business_type": "benefit.payment_run",
            "data": {"month": month},
            "materials": [{"name": "scan.png", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n run")}]
        });
        let (s, v) = app.post(&clerk, "/api/v1/applications", body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["application_id"].as_str().unwrap().to_string();
        for (user, stage) in [("reviewer", "review"), ("rechecker", "recheck")] {
            let t = app.login(user).await;
            let (s, v) = app
                .post(
                    &t,
                    &format!("/api/v1/applications/{id}/decision"),
                    json!({"stage": stage, "approve": true}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        id
    };
    let approve = |id: String| async move {
        let t = app.login("approver").await;
        app.post(
            &t,
            &format!("/api/v1/applications/{id}/decision"),
            json!({"stage": "approval", "approve": true}),
        )
        .await
    };
    let paid = |month: &'static str| {
        let retiree = retiree.clone();
        async move {
            app.sirm
                .store_for_maintenance()
                .benefit_payments_of(&retiree)
                .await
                .unwrap()
                .into_iter()
                .find(|p| p.month.to_string() == month)
                .map(|p| p.amount)
        }
    };

    // The table's total raised by someone with database access.
    app.sirm
        .store_for_maintenance()
        .execute_raw(&format!(
            "UPDATE benefit SET total = '99999.00' WHERE person_id = '{retiree}'"
        ))
        .await
        .unwrap();
    let id = run("2026-03").await;
    let (s, v) = approve(id.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains(&masked)
            && msg.contains(&format!(
                "total is 99999.00 in the table, {total} in the ledger"
            )),
        "{msg}"
    );
    assert_eq!(paid("2026-03").await, None, "nothing paid");
    // Rebuilt from the ledger, the same application is approved and pays
    // the granted total.
    app.sirm.rebuild().await.unwrap();
    let (s, v) = approve(id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(paid("2026-03").await, Some(total));

    // Terminated in the ledger, "granted" again in the table: refused.
    let retiree_id = app
        .sirm
        .id_of(&retiree.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let end = json!({"id": retiree_id.as_str(), "status": "terminated", "effective_on": "2026-04-01", "reason": "死亡（民政部门通报）"});
    assert_eq!(
        through_all_stages(app, end, "benefit.status").await.1["status"],
        "approved"
    );
    app.sirm
        .store_for_maintenance()
        .execute_raw(&format!(
            "UPDATE benefit SET status = 'granted' WHERE person_id = '{retiree}'"
        ))
        .await
        .unwrap();
    let id = run("2026-04").await;
    let (s, v) = approve(id).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains(&masked) && msg.contains("suspended or terminated"),
        "{msg}"
    );
    assert_eq!(paid("2026-04").await, None);
}

/// The maintenance log (Art 12) in full: a correction's before and after
/// values, filters by kind and officer done by the database (no silent
/// cut-off), and keyset pages that together list every entry once.
async fn maintenance_log_filters_and_pages(app: &App, query: &str, employer: &str) {
    let get = |path: String| async move { app.get(query, &path).await.1 };
    let log = get("/api/v1/maintenance-log?kind=contribution.corrected".into()).await;
    let rows = log["entries"].as_array().unwrap();
    assert!(!rows.is_empty(), "{log}");
    assert!(
        rows.iter().all(|r| r["kind"] == "contribution.corrected"),
        "{log}"
    );
    // The wage correction 8000 → 9000: before and after from the ledger.
    let fix = rows
        .iter()
        .find(|r| r["after"]["declared_wage"] == "9000.00")
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(fix["before"]["declared_wage"], "8000.00", "{fix}");
    assert_eq!(fix["before"]["month"], "2025-03", "{fix}");
    assert_eq!(fix["reason"], "单位申报工资有误（工资表核对）", "{fix}");
    // The employer correction shows the name it replaced.
    let log = get("/api/v1/maintenance-log?kind=employer.changed".into()).await;
    let named = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["after"]["name"] == "更正后的单位名称有限公司")
        .unwrap_or_else(|| panic!("{log}"))
        .clone();
    assert!(named["before"]["name"].is_string(), "{named}");
    assert_ne!(named["before"]["name"], named["after"]["name"], "{named}");
    assert_eq!(named["after"]["credit_code"], employer, "{named}");
    // Officer: every row names the maintainer at some stage; another
    // officer's rows are not among them.
    let all = get("/api/v1/maintenance-log?limit=500".into()).await;
    let total = all["entries"].as_array().unwrap().len();
    let mine = get("/api/v1/maintenance-log?officer=maintainer&limit=500".into()).await;
    let mine = mine["entries"].as_array().unwrap();
    assert!(
        !mine.is_empty() && mine.len() < total,
        "{} of {total}",
        mine.len()
    );
    for r in mine {
        assert!(
            r["responsible"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x[1] == "maintainer"),
            "{r}"
        );
    }
    // A wildcard is not a wildcard.
    let none = get("/api/v1/maintenance-log?officer=%25".into()).await;
    assert_eq!(none["entries"].as_array().unwrap().len(), 0, "{none}");
    // Pages of two, followed by their cursor: every entry once, in order.
    let mut seen = Vec::new();
    let mut cursor: Option<i64> = None;
    loop {
        let path = match cursor {
            Some(c) => format!("/api/v1/maintenance-log?limit=2&before={c}"),
            None => "/api/v1/maintenance-log?limit=2".into(),
        };
        let page = get(path).await;
        let rows = page["entries"].as_array().unwrap();
        assert!(rows.len() <= 2, "{page}");
        seen.extend(rows.iter().map(|r| r["seq"].as_i64().unwrap()));
        match page["next"].as_i64() {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let expected: Vec<i64> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, expected);
}
