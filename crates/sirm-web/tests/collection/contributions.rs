//! Employment, monthly declarations by form, CSV and XLSX file, computed and streamed on approval.

use super::*;

pub(super) async fn employment_history(postgres: bool) {
    let app = spawn(postgres).await;
    let person = app.ids(1).await.remove(0);
    let pk = app.pk(&person);
    let employer = app.kit.employer_of("agent").await;
    let start = json!({"id": person, "credit_code": employer, "start_on": "2024-03-01"});
    let (_, v) = through_all_stages(&app, start.clone(), "employment.start").await;
    assert_eq!(v["status"], "approved", "{v}");
    let jobs = app
        .sirm
        .store_for_maintenance()
        .employments_of(&pk)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].start_on.to_string(), jobs[0].end_on),
        ("2024-03-01".to_string(), None)
    );
    // An overlapping employment is refused at the counter, naming the field and the other job.
    let clerk = app.login("clerk").await;
    let overlap = json!({"id": person, "credit_code": employer, "start_on": "2025-01-01"});
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", json!({"business_type": "employment.start", "data": overlap, "materials": [{"name": "a.pdf", "content_base64": "JVBERi0xLjQ="}]}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("start_on") && msg.contains("overlaps"),
        "{msg}"
    );
    // An end before the start is refused.
    let early = json!({"id": person, "credit_code": employer, "end_on": "2024-01-31", "reason": "合同到期"});
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", json!({"business_type": "employment.end", "data": early, "materials": [{"name": "a.pdf", "content_base64": "JVBERi0xLjQ="}]}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("end_on"),
        "{v}"
    );
    // End it, then a new employment after the end is fine.
    let end = json!({"id": person, "credit_code": employer, "end_on": "2025-06-30", "reason": "合同到期"});
    assert_eq!(
        through_all_stages(&app, end, "employment.end").await.1["status"],
        "approved"
    );
    let again = json!({"id": person, "credit_code": employer, "start_on": "2025-07-01"});
    assert_eq!(
        through_all_stages(&app, again, "employment.start").await.1["status"],
        "approved"
    );
    let jobs = app
        .sirm
        .store_for_maintenance()
        .employments_of(&pk)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(
        jobs[0].end_on.map(|d| d.to_string()).as_deref(),
        Some("2025-06-30")
    );
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
    let before = app
        .sirm
        .store_for_maintenance()
        .projection_digest()
        .await
        .unwrap();
    let r = app.sirm.rebuild().await.unwrap();
    assert_eq!(r.after, before);
}

pub(super) async fn monthly_declaration_computed_on_approval(postgres: bool) {
    let app = spawn(postgres).await;
    let person = app.ids(2).await;
    let pk0 = app.pk(&person[0]);
    let employer = app.kit.employer_of("agent").await;
    let start = json!({"id": person[0], "credit_code": employer, "start_on": "2024-01-15"});
    assert_eq!(
        through_all_stages(&app, start, "employment.start").await.1["status"],
        "approved"
    );
    let clerk = app.login("clerk").await;
    let submit = |lines: Value| {
        let app = &app;
        let clerk = clerk.clone();
        let employer = employer.clone();
        async move {
            app.post(
                &clerk,
                "/api/v1/applications",
                json!({
                    "business_type": "contribution.declare",
                    "data": {"credit_code": employer, "month": "2024-06", "lines": lines},
                    "materials": [{"name": "申报表.pdf", "content_base64": "JVBERi0xLjQ="}]
                }),
            )
            .await
        }
    };
    // Bad input names the line and field; nothing is stored.
    let (s, v) = submit(json!([{"id": person[0], "declared_wage": "abc"}])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("decimal")
            || v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("declared_wage"),
        "{v}"
    );
    let (s, v) = submit(json!([{"id": person[1], "declared_wage": "5000"}])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("lines[1].id")
            && v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("not employed"),
        "{v}"
    );
    // Declared twice while the first is in review: refused.
    let (s, v) = submit(json!([{"id": person[0], "declared_wage": "6000"}])).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let first = v["application_id"].as_str().unwrap().to_string();
    let (s, v) = submit(json!([{"id": person[0], "declared_wage": "6000"}])).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already in review"),
        "{v}"
    );
    // Return it (the clerk withdraws), then declare properly.
    let reviewer = app.login("reviewer").await;
    app.post(
        &reviewer,
        &format!("/api/v1/applications/{first}/decision"),
        json!({"stage": "review", "approve": false, "reason": "工资有误"}),
    )
    .await;
    app.sirm
        .withdraw_application(
            &app.sirm.principal("clerk", "test").await.unwrap(),
            &first,
            "重新申报",
        )
        .await
        .unwrap();
    // A valid declaration: nothing computed is entered; it is computed on approval.
    let data = json!({"credit_code": employer, "month": "2024-06", "lines": [{"id": person[0], "declared_wage": "50000.00"}]});
    let (_, v) = through_all_stages(&app, data, "contribution.declare").await;
    assert_eq!(v["status"], "approved", "{v}");
    let rows = app
        .sirm
        .store_for_maintenance()
        .contributions_of(&pk0)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    // Expected figures worked out by hand from rulesets/demo-110105.toml (year
    // 2024: avg_wage 11761.00, medical employer 9.8 %) and national.toml
    // (floor 60 %, ceiling 300 %, pension 16 % / 8 %, medical employee 2 %,
    // unemployment 0.5 % / 0.5 %, work injury by class), RULES.md rounding:
    // bases to the yuan, amounts half-up to the fen.
    //   ceiling = 11761 × 3.00 = 35283; declared 50000.00 > ceiling → base 35283
    //   pension employee = 35283 × 0.08 = 2822.64 = account credit
    let (class, _) = app
        .sirm
        .store_for_maintenance()
        .employer_class(&employer, "110105")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        class, 3,
        "the seed-3 demo's agent employer is in industry class 3"
    );
    assert_eq!(
        rows[0].base.to_string(),
        "35283",
        "base clamped to the ceiling"
    );
    let r = &rows[0];
    let amounts = [
        &r.pension_employer,
        &r.pension_employee,
        &r.medical_employer,
        &r.medical_employee,
        &r.unemployment_employer,
        &r.unemployment_employee,
        &r.work_injury_employer,
        &r.account_credit,
    ]
    .map(|a| a.to_string());
    assert_eq!(
        amounts,
        [
            "5645.28", // pension employer    35283 × 0.16  = 5645.28
            "2822.64", // pension employee    35283 × 0.08  = 2822.64
            "3457.73", // medical employer    35283 × 0.098 = 3457.734 → 3457.73
            "705.66",  // medical employee    35283 × 0.02  = 705.66
            "176.42",  // unemployment employer 35283 × 0.005 = 176.415 → 176.42
            "176.42",  // unemployment employee 35283 × 0.005 = 176.415 → 176.42
            "246.98",  // work injury, class 3: 35283 × 0.007 = 246.981 → 246.98
            "2822.64", // account credit = the whole employee pension contribution
        ]
    );
    assert!(
        rows[0].rule_set.starts_with("demo-110105"),
        "{}",
        rows[0].rule_set
    );
    // The same month again is refused.
    let (s, v) = submit(json!([{"id": person[0], "declared_wage": "6000"}])).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // Payment confirmation: the amount must be what is due, to the fen:
    // 5645.28 + 2822.64 + 3457.73 + 705.66 + 176.42 + 176.42 = 12984.15,
    // + work injury 246.98 = 13231.13.
    let due: rust_decimal::Decimal = "13231.13".parse().unwrap();
    let pay = |amount: String| json!({"credit_code": employer, "month": "2024-06", "paid_on": "2024-07-10", "amount": amount});
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", json!({"business_type": "contribution.payment", "data": pay(format!("{}", due - rust_decimal::Decimal::new(1, 2))), "materials": [{"name": "到账凭证.pdf", "content_base64": "JVBERi0xLjQ="}]}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&due.to_string()),
        "{v}"
    );
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .contributions_of(&pk0)
            .await
            .unwrap()[0]
            .status
            .as_str(),
        "assessed"
    );
    let (_, v) = through_all_stages(&app, pay(due.to_string()), "contribution.payment").await;
    assert_eq!(v["status"], "approved", "{v}");
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .contributions_of(&pk0)
            .await
            .unwrap()[0]
            .status
            .as_str(),
        "paid"
    );
    // Year-end settlement of the personal accounts: computed from paid credits.
    let (_, v) = through_all_stages(&app, json!({"year": 2024}), "account.settle").await;
    assert_eq!(v["status"], "approved", "{v}");
    let years = app
        .sirm
        .store_for_maintenance()
        .account_years_of(&pk0)
        .await
        .unwrap();
    assert_eq!(years.len(), 1);
    // RULES.md account formula, 2024 crediting rate 2.62 %, opening balance 0,
    // 2822.64 credited for June (m = 6, weight (13 − 6) / 12 = 7/12):
    //   interest = 2822.64 × 0.0262 × 7 / 12 = 43.139348 → 43.14
    //   closing  = 0 + 2822.64 + 43.14 = 2865.78
    assert_eq!(years[0].interest.to_string(), "43.14");
    assert_eq!(years[0].closing_balance.to_string(), "2865.78");
    // Settling the same year twice is refused.
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", json!({"business_type": "account.settle", "data": {"year": 2024}, "materials": [{"name": "结算.pdf", "content_base64": "JVBERi0xLjQ="}]}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

pub(super) async fn declaration_file_rows_checked_and_streamed(postgres: bool) {
    let app = spawn(postgres).await;
    let persons = app.ids(3).await;
    let employer = app.kit.employer_of("agent").await;
    for p in &persons[..2] {
        let start = json!({"id": p, "credit_code": employer, "start_on": "2025-01-01"});
        assert_eq!(
            through_all_stages(&app, start, "employment.start").await.1["status"],
            "approved"
        );
    }
    let csv = format!(
        "身份证号,工资\n{},8000.00\n{},12000\n110105199003071223,5000\n{},abc\n{},6000\n{},9000\n",
        persons[0], persons[1], persons[1], persons[2], persons[0]
    );
    let csv_path = app.kit.dir().join("2025-03.csv");
    std::fs::write(&csv_path, &csv).unwrap();
    let clerk = app.sirm.principal("clerk", "test").await.unwrap();
    let code: sirm_domain::id::CreditCode = employer.parse().unwrap();
    let month = sirm_domain::rules::Month::parse("2025-03").unwrap();
    let mut seen = 0;
    let report = app
        .sirm
        .submit_declaration_file(&clerk, &code, month, "2025-03.csv", &csv_path, &mut |n| {
            seen = n
        })
        .await
        .unwrap();
    assert_eq!(
        (report.rows, report.accepted, report.rejected_count),
        (6, 2, 4),
        "{report:?}"
    );
    assert_eq!(seen, 6);
    let lines: Vec<u64> = report.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![4, 5, 6, 7], "{report:?}");
    assert!(
        report.rejected[0].reason.contains("check character"),
        "{:?}",
        report.rejected
    );
    // Each refused row names its reason by id (the page's Chinese).
    let rules: Vec<Option<sirm_domain::RuleId>> = report.rejected.iter().map(|r| r.rule).collect();
    use sirm_domain::RuleId as R;
    assert_eq!(
        rules,
        vec![
            Some(R::IdResident),
            Some(R::DeclarationWage),
            Some(R::DeclarationNotEmployed),
            Some(R::DeclarationPersonTwice)
        ]
    );
    assert!(
        report.rejected[1].reason.contains("declared_wage"),
        "{:?}",
        report.rejected
    );
    assert!(
        report.rejected[2].reason.contains("not employed"),
        "{:?}",
        report.rejected
    );
    assert!(
        report.rejected[3].reason.contains("twice"),
        "{:?}",
        report.rejected
    );
    // Through the chain; approval streams the file.
    let id = report.application_id;
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
    for p in &persons[..2] {
        let c = app
            .sirm
            .store_for_maintenance()
            .contributions_of(&app.pk(p))
            .await
            .unwrap();
        assert_eq!(c.len(), 1, "{p}");
        assert_eq!(c[0].month.to_string(), "2025-03");
    }
    assert!(app
        .sirm
        .store_for_maintenance()
        .contributions_of(&app.pk(&persons[2]))
        .await
        .unwrap()
        .is_empty());
    // The same month again is refused.
    let err = app
        .sirm
        .submit_declaration_file(&clerk, &code, month, "again.csv", &csv_path, &mut |_| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("already has contributions"),
        "{err}"
    );
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

pub(super) async fn declaration_upload_xlsx_with_progress(postgres: bool) {
    let app = spawn(postgres).await;
    let persons = app.ids(3).await;
    let employer = app.kit.employer_of("agent").await;
    for p in &persons {
        let start = json!({"id": p, "credit_code": employer, "start_on": "2024-01-15"});
        assert_eq!(
            through_all_stages(&app, start, "employment.start").await.1["status"],
            "approved"
        );
    }
    // A workbook as employers send them: a header, IDs as text, wages as numbers.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "公民身份号码").unwrap();
    sheet.write_string(0, 1, "月工资").unwrap();
    sheet.write_string(1, 0, &persons[0]).unwrap();
    sheet.write_number(1, 1, 8000).unwrap();
    sheet.write_number(2, 0, 110105199003071220.0).unwrap(); // an ID typed as a number
    sheet.write_number(2, 1, 6000).unwrap();
    sheet.write_string(3, 0, &persons[1]).unwrap();
    sheet.write_string(3, 1, "abc").unwrap();
    sheet.write_string(4, 0, &persons[2]).unwrap();
    sheet.write_number(4, 1, 5000.5).unwrap();
    let xlsx = book.save_to_buffer().unwrap();
    let clerk = app.login("clerk").await;
    let form = reqwest::multipart::Form::new()
        .text("credit_code", employer.clone())
        .text("month", "2024-07")
        .part(
            "file",
            reqwest::multipart::Part::bytes(xlsx).file_name("2024-07申报.xlsx"),
        );
    let r = app
        .http
        .post(format!("{}/declarations", app.base))
        .bearer_auth(&clerk)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let token = r
        .url()
        .path()
        .strip_prefix("/declarations/jobs/")
        .unwrap()
        .to_string();
    // The job finishes with the report (progress is polled like the page does).
    let mut job = Value::Null;
    for _ in 0..200 {
        job = app
            .get(&clerk, &format!("/api/v1/declarations/jobs/{token}"))
            .await
            .1;
        if !job["finished"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let report: Value =
        serde_json::from_str(job["finished"]["Ok"].as_str().expect("finished ok")).unwrap();
    assert_eq!(report["accepted"], 2, "{report}");
    assert_eq!(report["rejected_count"], 2, "{report}");
    let lines: Vec<u64> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4], "{report}");
    assert!(report["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("column A holds a number"));
    // Another user cannot read the job.
    let other = app.login("reviewer").await;
    let (s, _) = app
        .get(&other, &format!("/api/v1/declarations/jobs/{token}"))
        .await;
    assert_ne!(s, StatusCode::OK);
    let id = report["application_id"].as_str().unwrap().to_string();
    let (_, view) = app.get(&other, &format!("/api/v1/applications/{id}")).await;
    let media: Vec<&str> = view["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["media_type"].as_str().unwrap())
        .collect();
    assert_eq!(media.len(), 2, "{view}");
    assert_eq!(media[0], "text/csv");
    assert!(media[1].contains("spreadsheetml"));
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
    // The last approval from the workbench runs in the background.
    let approver = app.login("approver").await;
    let r = app
        .http
        .post(format!("{}/applications/{id}/decision", app.base))
        .bearer_auth(&approver)
        .form(&[
            ("stage", "approval"),
            ("decision", "approve"),
            ("reason", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.url().query().unwrap_or("").contains("done=working"));
    let mut status = String::new();
    for _ in 0..200 {
        status = app
            .sirm
            .store_for_maintenance()
            .application(&id)
            .await
            .unwrap()
            .unwrap()
            .status
            .to_string();
        if status != "pending" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "approved");
    let wage = |p: usize| {
        let app = &app;
        let pk = app.pk(&persons[p]);
        async move {
            app.sirm
                .store_for_maintenance()
                .contributions_of(&pk)
                .await
                .unwrap()
                .into_iter()
                .find(|c| c.month.to_string() == "2024-07")
                .map(|c| c.declared_wage.to_string())
        }
    };
    assert_eq!(wage(0).await.as_deref(), Some("8000"));
    assert_eq!(wage(1).await, None);
    assert_eq!(wage(2).await.as_deref(), Some("5000.5"));
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}
