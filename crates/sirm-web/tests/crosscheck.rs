//! Cross-checking with other departments (Art 5) over real HTTP, on SQLite
//! and PostgreSQL: a deaths file surfaces the dead retiree's pension, the
//! officer accepts, the review chain terminates it with the overpaid months
//! computed; a re-import records nothing twice; a tax file surfaces the
//! under-declared month and the unknown person, and bad files are refused
//! naming the line, field or reason, good rows kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::{json, Value};
use sirm_domain::id::ResidentId;
use sirm_testkit::{Client, Engine, Options, TestApp};

async fn spawn(engine: Engine) -> TestApp {
    TestApp::start(Options::new(engine).persons(10).history()).await
}

/// The clear ID number of a demo account's person.
async fn id_of_account(kit: &TestApp, user: &str) -> (String, String) {
    let pk = kit
        .sirm
        .store_for_maintenance()
        .account(user)
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap();
    (id_with_key(kit, &pk).await, pk)
}

async fn id_with_key(kit: &TestApp, pk: &str) -> String {
    let ids = sirm_app::testkit::person_ids(&kit.sirm, 100_000)
        .await
        .unwrap();
    ids.into_iter()
        .find(|i| {
            sirm_app::testkit::person_key(&kit.sirm, &i.parse().unwrap())
                .unwrap()
                .as_str()
                == pk
        })
        .unwrap()
}

/// A valid ID number of nobody registered (born 1950-01-01, sequence 999).
fn stranger() -> String {
    let region: sirm_domain::id::RegionCode = "110105".parse().unwrap();
    ResidentId::from_parts(
        &region,
        chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap(),
        999,
    )
    .unwrap()
    .to_string()
}

/// Upload a department file through the workbench's form.
pub(crate) async fn upload(c: &Client, kind: &str, text: Vec<u8>) -> (StatusCode, String) {
    let ext = if text.starts_with(b"PK") {
        "xlsx"
    } else {
        "csv"
    };
    let form = c.multipart_form().text("kind", kind.to_string()).part(
        "file",
        reqwest::multipart::Part::bytes(text).file_name(format!("{kind}.{ext}")),
    );
    let r = c.send_multipart("/crosscheck", form).await;
    (r.status(), r.text().await.unwrap())
}

/// The number in `<b id="ID">N</b>` of the import report.
pub(crate) fn count(html: &str, id: &str) -> u64 {
    let tag = format!("id=\"{id}\">");
    let at = html
        .find(&tag)
        .unwrap_or_else(|| panic!("no {id} in {html}"))
        + tag.len();
    html[at..]
        .split('<')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

pub(crate) async fn open(c: &Client) -> Vec<Value> {
    let (s, v) = c.get("/api/v1/crosscheck/discrepancies?status=open").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

fn rule(v: &Value) -> &str {
    v["error"]["rule"].as_str().unwrap_or("")
}

async fn deaths_terminate_the_pension_after_review(engine: Engine) {
    let kit = spawn(engine).await;
    let (retiree, pk) = id_of_account(&kit, "retiree").await;
    let officer = kit.login("maintainer").await;
    let store = kit.sirm.store_for_maintenance();
    // What the record says was paid after the month of death.
    let died = chrono::NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
    let died_month = sirm_domain::rules::Month::of_date(died);
    let pays = store.benefit_payments_of(&pk).await.unwrap();
    let after: Vec<_> = pays.iter().filter(|p| p.month > died_month).collect();
    assert!(!after.is_empty(), "the demo retiree is paid after 2025-03");
    let expected_total: rust_decimal::Decimal = after.iter().map(|p| p.amount).sum();

    // Not the clerk's: the maintenance officer's page and routes.
    let clerk = kit.login("clerk").await;
    let (s, _) = clerk.get("/api/v1/crosscheck/discrepancies").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let file = format!(
        "身份号码,死亡日期,死亡证明编号\n{retiree},{died},D2025-0001\n12345,2025-01-01,X\n{},2025-02-02,D2025-0002\n{retiree},2025-03-10,D2025-0001\n",
        stranger()
    );
    let (s, html) = upload(&officer, "death", file.clone().into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!(count(&html, "rows"), 4);
    assert_eq!(count(&html, "accepted"), 2);
    assert_eq!(count(&html, "rejected"), 2);
    assert!(html.contains("line 3, id_number"), "{html}");
    assert!(html.contains("repeats line 2"), "{html}");
    assert_eq!(count(&html, "new"), 1, "{html}");
    // The retiree's ID number is nowhere on the page.
    assert!(!html.contains(&retiree));

    let queue = open(&officer).await;
    let d = queue
        .iter()
        .find(|d| d["kind"] == "death_with_benefit")
        .unwrap()
        .clone();
    assert_eq!(d["subject"], format!("person:{pk}"));
    let ev: Value = serde_json::from_str(d["evidence"].as_str().unwrap()).unwrap();
    assert_eq!(ev["months_after"], json!(after.len()));
    assert_eq!(
        ev["amount_after"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap(),
        expected_total
    );
    assert!(!d["evidence"].as_str().unwrap().contains(&retiree));

    // The same file again: recorded as an import, no new discrepancy.
    let size = kit.ledger_size().await;
    let (s, html) = upload(&officer, "death", file.into_bytes()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!((count(&html, "new"), count(&html, "known")), (0, 1));
    assert_eq!(kit.ledger_size().await, size + 1, "only the import entry");
    assert_eq!(open(&officer).await.len(), queue.len());

    // Dismissing needs a reason; accepting opens the benefit.status application.
    let id = d["discrepancy_id"].as_str().unwrap();
    let (s, v) = officer
        .post(
            &format!("/api/v1/crosscheck/discrepancies/{id}"),
            json!({"resolution": "dismissed", "reason": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = officer
        .post(
            &format!("/api/v1/crosscheck/discrepancies/{id}"),
            json!({"resolution": "accepted"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let app = v["application_id"].as_str().unwrap().to_string();
    let (s, v) = officer
        .post(
            &format!("/api/v1/crosscheck/discrepancies/{id}"),
            json!({"resolution": "accepted"}),
        )
        .await;
    assert_eq!((s, rule(&v)), (StatusCode::CONFLICT, "crosscheck.resolved"));
    // Nothing changed the record yet: the review chain does.
    let (status, ..) = store.benefit_of(&pk).await.unwrap().unwrap();
    assert_eq!(status.as_str(), "granted");
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let c = kit.login(user).await;
        let (s, v) = c
            .post(
                &format!("/api/v1/applications/{app}/decision"),
                json!({"stage": stage, "approve": true, "reason": ""}),
            )
            .await;
        assert!(s.is_success(), "{stage}: {v}");
    }
    let (status, ..) = store.benefit_of(&pk).await.unwrap().unwrap();
    assert_eq!(status.as_str(), "terminated");
    // The approved entry carries the overpayment, computed from the payments.
    let head = kit.ledger_size().await;
    let mut found = None;
    for seq in (1..=head).rev().take(10) {
        let e = store.entry(seq).await.unwrap().unwrap();
        if e.kind == "benefit.status" {
            found = Some(e);
            break;
        }
    }
    let e = found.expect("a benefit.status entry");
    let p: Value = serde_json::from_str(&e.payload).unwrap();
    assert_eq!(p["effective_on"], "2025-03-11");
    assert_eq!(p["overpaid"]["months"], json!(after.len()));
    assert_eq!(
        p["overpaid"]["total"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap(),
        expected_total
    );
    // Queue and imports are projections a replay of the ledger gives.
    let check = kit.sirm.verify_projections(None).await.unwrap();
    assert!(check.difference.is_none(), "{:?}", check.difference);
    let (s, html) = officer.page("/crosscheck").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !html.contains(id),
        "an accepted discrepancy leaves the queue"
    );
}

async fn tax_file_surfaces_under_declaration(engine: Engine) {
    let kit = spawn(engine).await;
    let (citizen, pk) = id_of_account(&kit, "citizen").await;
    let officer = kit.login("maintainer").await;
    let months = kit
        .sirm
        .store_for_maintenance()
        .contributions_of(&pk)
        .await
        .unwrap();
    let (a, b, c) = (&months[0], &months[1], &months[2]);
    let twice = a.declared_wage * rust_decimal::Decimal::from(2);
    // Within the default 5 % tolerance.
    let near = b.declared_wage * rust_decimal::Decimal::new(104, 2);
    let file = format!(
        "id_number,credit_code,month,taxable_wage\n\
         {citizen},{},{},{twice}\n\
         {citizen},{},{},{near}\n\
         {citizen},{},{},{}\n\
         {},{},{},9000\n\
         {citizen},{},2016-13,1\n",
        a.credit_code,
        a.month,
        b.credit_code,
        b.month,
        c.credit_code,
        c.month,
        c.declared_wage,
        stranger(),
        a.credit_code,
        a.month,
        a.credit_code,
    );
    let (s, html) = upload(&officer, "tax_wage", file.into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!((count(&html, "accepted"), count(&html, "rejected")), (4, 1));
    assert!(html.contains("line 6, month"), "{html}");
    assert_eq!(count(&html, "new"), 2);
    let queue = open(&officer).await;
    let under: Vec<&Value> = queue
        .iter()
        .filter(|d| d["kind"] == "under_declared")
        .collect();
    assert_eq!(under.len(), 1, "{queue:?}");
    assert_eq!(under[0]["fact"], a.month.to_string());
    let ev: Value = serde_json::from_str(under[0]["evidence"].as_str().unwrap()).unwrap();
    assert_eq!(ev["credit_code"], a.credit_code.as_str());
    // An unpaid month is corrected through contribution.correct; a paid one
    // is the employer's to pay up: asked, not proposed.
    let unpaid = a.status == sirm_domain::status::ContributionStatus::Assessed;
    assert_eq!(
        under[0]["proposal"]
            .as_str()
            .is_some_and(|p| p.contains("contribution.correct")),
        unpaid,
        "{:?}",
        under[0]
    );
    assert_eq!(
        queue
            .iter()
            .filter(|d| d["kind"] == "unknown_person")
            .count(),
        1
    );
    // Asked about, with a reason: leaves the open queue.
    let id = under[0]["discrepancy_id"].as_str().unwrap();
    let r = officer
        .form(
            &format!("/crosscheck/{id}/resolve"),
            &[("resolution", "asked"), ("reason", "已通知单位说明")],
        )
        .await;
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    assert_eq!(open(&officer).await.len(), queue.len() - 1);
    let (_, all) = officer.get("/api/v1/crosscheck/discrepancies").await;
    let asked = all
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["discrepancy_id"] == id)
        .unwrap();
    assert_eq!(
        (asked["status"].as_str(), asked["reason"].as_str()),
        (Some("asked"), Some("已通知单位说明"))
    );

    // The same rows as an XLSX workbook (columns in another order, Chinese
    // labels, the month a date cell, the wage a number): read as the CSV
    // was, every discrepancy already recorded; an ID number stored as a
    // number is refused on its line, naming the column.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["所属期", "身份号码", "统一社会信用代码", "应税工资"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let serial = |m: &sirm_domain::rules::Month| {
        let d = m.first_day();
        (d - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days() as f64
    };
    let wage = |d: &rust_decimal::Decimal| d.to_string().parse::<f64>().unwrap();
    for (r, (m, code, w)) in [
        (&a.month, &a.credit_code, twice),
        (&b.month, &b.credit_code, near),
        (&c.month, &c.credit_code, c.declared_wage),
    ]
    .into_iter()
    .enumerate()
    {
        let r = r as u32 + 1;
        sheet.write_number(r, 0, serial(m)).unwrap();
        sheet.write_string(r, 1, &citizen).unwrap();
        sheet.write_string(r, 2, code.as_str()).unwrap();
        sheet.write_number(r, 3, wage(&w)).unwrap();
    }
    sheet.write_string(4, 0, a.month.to_string()).unwrap();
    sheet.write_number(4, 1, 110105199003071220.0).unwrap();
    sheet.write_string(4, 2, a.credit_code.as_str()).unwrap();
    sheet.write_number(4, 3, 9000).unwrap();
    let (s, html) = upload(&officer, "tax_wage", book.save_to_buffer().unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!((count(&html, "accepted"), count(&html, "rejected")), (3, 1));
    assert!(
        html.contains("line 5, id_number") && html.contains("format the column as text"),
        "{html}"
    );
    assert_eq!(
        (count(&html, "new"), count(&html, "known")),
        (0, 1),
        "{html}"
    );

    // Bad files: the wrong kind, an unknown column, GBK text.
    let before = kit.ledger_size().await;
    let (s, html) = upload(
        &officer,
        "tax_wage",
        b"id_number,died_on,certificate_no\n".to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("header of a death file"), "{html}");
    let (s, html) = upload(
        &officer,
        "tax_wage",
        b"id_number,credit_code,month,taxable_wage,bonus\n".to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("column 5") && html.contains("bonus"),
        "{html}"
    );
    let (s, html) = upload(
        &officer,
        "tax_wage",
        b"\xc9\xed\xb7\xdd\xba\xc5\xc2\xeb,credit_code,month,taxable_wage\n".to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("UTF-8"), "{html}");
    assert_eq!(
        kit.ledger_size().await,
        before,
        "refused files write nothing"
    );
    let check = kit.sirm.verify_projections(None).await.unwrap();
    assert!(check.difference.is_none(), "{:?}", check.difference);
}

/// Asking reaches whoever can explain: the employer about its declaration,
/// the person about their own identity. Each sees only what was asked of
/// them, answers once, and the answer goes back to the officer's queue.
async fn questions_reach_the_employer_and_the_person(engine: Engine) {
    let kit = spawn(engine).await;
    let store = kit.sirm.store_for_maintenance();
    let officer = kit.login("maintainer").await;
    let employer = kit.employer_of("agent").await;
    // An employee of the agent's employer with a declared month.
    let mut found = None;
    for id in sirm_app::testkit::person_ids(&kit.sirm, 100_000)
        .await
        .unwrap()
    {
        let pk = sirm_app::testkit::person_key(&kit.sirm, &id.parse().unwrap())
            .unwrap()
            .to_string();
        let months = store.contributions_of(&pk).await.unwrap();
        if let Some(m) = months.into_iter().find(|m| m.credit_code == employer) {
            found = Some((id, m));
            break;
        }
    }
    let (employee, month) = found.expect("an employee of the agent's employer");
    let (citizen, _) = id_of_account(&kit, "citizen").await;
    let file = format!(
        "id_number,credit_code,month,taxable_wage\n{employee},{employer},{},{}\n",
        month.month,
        month.declared_wage * rust_decimal::Decimal::from(3)
    );
    let (s, html) = upload(&officer, "tax_wage", file.into_bytes()).await;
    assert_eq!((s, count(&html, "new")), (StatusCode::OK, 1), "{html}");
    let ids = "old_id_number,new_id_number,new_name,changed_on\n";
    let file = format!("{ids}{citizen},{},,2026-01-05\n", stranger());
    let (s, html) = upload(&officer, "id_change", file.into_bytes()).await;
    assert_eq!((s, count(&html, "new")), (StatusCode::OK, 1), "{html}");
    let queue = open(&officer).await;
    let id_of = |k: &str| {
        queue.iter().find(|d| d["kind"] == k).unwrap()["discrepancy_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (under, changed) = (id_of("under_declared"), id_of("id_changed"));

    let agent = kit.login("agent").await;
    let citizen_c = kit.login("citizen").await;
    let retiree = kit.login("retiree").await;
    // Nothing asked yet: nobody has questions, and none can be answered.
    let (s, v) = agent.get("/api/v1/questions").await;
    assert_eq!((s, v.as_array().unwrap().len()), (StatusCode::OK, 0));
    let before = kit.ledger_size().await;
    let (s, _) = agent
        .post(
            &format!("/api/v1/questions/{under}/answer"),
            json!({"answer": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    for (id, question) in [
        (&under, "请说明该月工资申报情况"),
        (&changed, "请携带新旧身份证件到经办机构核实"),
    ] {
        let (s, v) = officer
            .post(
                &format!("/api/v1/crosscheck/discrepancies/{id}"),
                json!({"resolution": "asked", "reason": question}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // Each sees what was asked of them, and only that.
    let (_, v) = agent.get("/api/v1/questions").await;
    let mine: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["discrepancy_id"].as_str().unwrap())
        .collect();
    assert_eq!(mine, [under.as_str()]);
    assert_eq!(v[0]["reason"], "请说明该月工资申报情况");
    let (_, page) = citizen_c.page("/questions").await;
    assert!(page.contains(&changed) && !page.contains(&under), "{page}");
    assert!(page.contains("请携带新旧身份证件到经办机构核实"), "{page}");
    let (_, v) = retiree.get("/api/v1/questions").await;
    assert_eq!(v.as_array().unwrap().len(), 0);
    // Someone else's question is not found; an empty answer is refused.
    let (s, _) = retiree
        .post(
            &format!("/api/v1/questions/{under}/answer"),
            json!({"answer": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = agent
        .post(
            &format!("/api/v1/questions/{under}/answer"),
            json!({"answer": "  "}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        kit.ledger_size().await,
        before + 2,
        "only the two questions"
    );

    // Answered once, by the API and by the page's form.
    let (s, v) = agent
        .post(
            &format!("/api/v1/questions/{under}/answer"),
            json!({"answer": "该月含年终奖，已按规定补报"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = agent
        .post(
            &format!("/api/v1/questions/{under}/answer"),
            json!({"answer": "again"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let r = citizen_c
        .form(
            &format!("/questions/{changed}/answer"),
            &[("answer", "下周一到柜台办理")],
        )
        .await;
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );

    // Back with the officer, the answers beside them; resolvable again.
    let queue = open(&officer).await;
    let back = |id: &str| {
        queue
            .iter()
            .find(|d| d["discrepancy_id"] == id)
            .unwrap()
            .clone()
    };
    let (u, c) = (back(&under), back(&changed));
    assert_eq!(
        (u["status"].as_str(), u["answer"].as_str()),
        (Some("answered"), Some("该月含年终奖，已按规定补报"))
    );
    assert_eq!(u["addressee"], format!("employer:{employer}"));
    assert_eq!(c["answer"], "下周一到柜台办理");
    assert_eq!(u["answered_by"], "agent");
    let (_, page) = officer.page("/crosscheck").await;
    assert!(page.contains("该月含年终奖"), "{page}");
    // Two officers at once (the same account twice): one resolves it, the
    // other is told it moved on (409), never a second resolution.
    let url = format!("/api/v1/crosscheck/discrepancies/{under}");
    let (a, b) = tokio::join!(
        officer.post(
            &url,
            json!({"resolution": "dismissed", "reason": "单位已补报"})
        ),
        officer.post(&url, json!({"resolution": "asked", "reason": "再次核实"})),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );
    let check = kit.sirm.verify_projections(None).await.unwrap();
    assert!(check.difference.is_none(), "{:?}", check.difference);
}

sirm_testkit::both_engines!(
    deaths_terminate_the_pension_after_review,
    tax_file_surfaces_under_declaration,
    questions_reach_the_employer_and_the_person
);
