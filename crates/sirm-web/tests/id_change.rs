//! 人员身份证号码变更 over real HTTP, on SQLite and PostgreSQL: a person
//! with a declared month gets a new ID number through the review chain;
//! then the counter search, the API record and a declaration file row find
//! them by the new number, the old number still finds them (曾用身份证号,
//! masked, staff only), a second server process on the same database sees
//! the change without a restart, bad changes are refused naming the field
//! with nothing appended, and the new number is nowhere in clear in the
//! SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use serde_json::{json, Value};
use sirm_app::{Access, Sirm};
use sirm_domain::id::{Gender, ResidentId};
use sirm_testkit::{both_engines, Client, Engine, Options, StatusCode, TestApp};

use crate::crosscheck::{count, open, upload};
use crate::uploads::{declare_for, employer_with_staff};

both_engines!(id_change_through_the_chain_finds_the_person_by_either_number);

fn scan() -> Value {
    json!([{"name": "notice.pdf", "content_base64":
        base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 public-security notice")}])
}

/// Submit as `user`: status and answer.
async fn submit(app: &TestApp, user: &str, bt: &str, data: Value) -> (StatusCode, Value) {
    app.login(user)
        .await
        .post(
            "/api/v1/applications",
            json!({"business_type": bt, "data": data, "materials": scan()}),
        )
        .await
}

/// Review, recheck and approve application `id`.
async fn approve(app: &TestApp, id: &str) {
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let (s, v) = app
            .login(user)
            .await
            .post(
                &format!("/api/v1/applications/{id}/decision"),
                json!({"stage": stage, "approve": true}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{user}: {v}");
    }
}

/// Refused at submission with `status`, naming `rule` and `field`; the
/// ledger unchanged.
async fn refused(app: &TestApp, data: Value, status: StatusCode, rule: &str, field: &str) {
    let officer = app.login("maintainer").await;
    let size = app.ledger_size().await;
    let (s, v) = officer
        .post(
            "/api/v1/applications",
            json!({"business_type": "person.id_change", "data": data, "materials": scan()}),
        )
        .await;
    assert_eq!(s, status, "{v}");
    assert_eq!(v["error"]["rule"], rule, "{v}");
    assert_eq!(v["error"]["field"].as_str().unwrap_or(""), field, "{v}");
    assert_eq!(app.ledger_size().await, size, "nothing appended: {v}");
}

async fn lookup(c: &Client, id: &str) -> (StatusCode, Value) {
    c.post("/api/v1/persons/lookup", json!({ "id": id })).await
}

/// A valid number of nobody: the person's birth date and gender, another
/// region (a correction by public security).
fn new_number_for(old: &ResidentId, n: u16) -> ResidentId {
    let seq = if old.gender() == Gender::Male {
        997
    } else {
        996
    } - 2 * n;
    ResidentId::from_parts(&"110105".parse().unwrap(), old.birth_date(), seq).unwrap()
}

/// Whether `needle` is anywhere in the files of the data directory (the
/// SQLite file and its WAL, the archive), keys aside.
fn in_data_dir(dir: &std::path::Path, needle: &[u8]) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let p = e.unwrap().path();
        if p.is_dir() {
            p.file_name().is_some_and(|n| n != "keys") && in_data_dir(&p, needle)
        } else {
            let hay = std::fs::read(&p).unwrap_or_default();
            hay.windows(needle.len()).any(|w| w == needle)
        }
    })
}

async fn id_change_through_the_chain_finds_the_person_by_either_number(engine: Engine) {
    let app = TestApp::start(Options::new(engine)).await;
    let (employer, persons) = employer_with_staff(&app, 2).await;
    let (old, other) = (persons[0].clone(), persons[1].clone());
    let old_id: ResidentId = old.parse().unwrap();
    let new_id = new_number_for(&old_id, 0);
    let new = new_id.to_string();
    let clerk = app.login("clerk").await;

    // A month declared under the old number.
    let (s, v) = submit(
        &app,
        "clerk",
        "contribution.declare",
        json!({"credit_code": employer, "month": "2024-07",
               "lines": [{"id": old, "declared_wage": "8000.00"}]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    approve(&app, v["application_id"].as_str().unwrap()).await;
    let (s, before) = lookup(&clerk, &old).await;
    assert_eq!(s, StatusCode::OK, "{before}");

    // A second server process on the same database, started before the
    // change: it must see the change without a restart.
    let second = std::sync::Arc::new(Sirm::open(&app.opts, Access::Sign).await.unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base2 = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        sirm_web::serve(second, listener, std::future::pending())
            .await
            .unwrap()
    });
    let clerk2 = Client {
        base: base2,
        ..clerk.clone()
    };
    let (s, _) = lookup(&clerk2, &new).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nobody holds the new number yet");

    // Refused, naming the field, nothing appended.
    let change = |id: &str, to: &str| {
        json!({"id": id, "new_id_number": to, "effective_on": "2025-03-01",
               "reason": "公安部门户籍信息变更通知（京公户字〔2025〕12号）"})
    };
    let bad_check_digit = format!("{}X", &new[..17]);
    let bad_check_digit = if bad_check_digit == new {
        format!("{}0", &new[..17])
    } else {
        bad_check_digit
    };
    let bad = StatusCode::BAD_REQUEST;
    refused(
        &app,
        change(&old, &bad_check_digit),
        bad,
        "id.resident",
        "new_id_number",
    )
    .await;
    refused(
        &app,
        change(&old, &old),
        bad,
        "id-change.same",
        "new_id_number",
    )
    .await;
    refused(
        &app,
        change(&old, &other),
        bad,
        "id-change.taken",
        "new_id_number",
    )
    .await;
    let mut no_reason = change(&old, &new);
    no_reason["reason"] = json!(" ");
    refused(&app, no_reason, bad, "field.required", "reason").await;
    // A clerk does not take it: the maintenance officer does (Art 11).
    let (s, v) = submit(&app, "clerk", "person.id_change", change(&old, &new)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");

    // Through the chain.
    let (s, v) = submit(&app, "maintainer", "person.id_change", change(&old, &new)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    approve(&app, v["application_id"].as_str().unwrap()).await;

    // The other process finds the person by the new number once its
    // request guard has looked at `person_alias` again (at most every
    // ALIAS_CHECK_INTERVAL).
    tokio::time::sleep(
        sirm_app::privacy::aliases::ALIAS_CHECK_INTERVAL + std::time::Duration::from_millis(50),
    )
    .await;
    let (s, rec2) = lookup(&clerk2, &new).await;
    assert_eq!(s, StatusCode::OK, "second process: {rec2}");
    assert_eq!(rec2["person"]["id_number"], new.as_str(), "{rec2}");

    // The API record by the new number: the same person, the new number.
    let (s, rec) = lookup(&clerk, &new).await;
    assert_eq!(s, StatusCode::OK, "{rec}");
    assert_eq!(rec["person"]["person_id"], before["person"]["person_id"]);
    assert_eq!(rec["person"]["name"], before["person"]["name"]);
    assert_eq!(rec["person"]["id_number"], new.as_str());
    assert_eq!(rec["contributions"], before["contributions"]);
    let changes = rec["id_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{rec}");
    assert_eq!(changes[0]["previous_masked"], old_id.masked());
    assert_eq!(changes[0]["new_masked"], new_id.masked());
    assert!(
        changes[0]["actors"].as_str().unwrap().contains("approver"),
        "{rec}"
    );
    // The old number still finds them (decided: docs/crosscheck.md).
    let (s, by_old) = lookup(&clerk, &old).await;
    assert_eq!(s, StatusCode::OK, "{by_old}");
    assert_eq!(by_old["person"]["id_number"], new.as_str());

    // The counter search page, by the new number: the change shown masked.
    let r = clerk
        .form("/persons", &[("id", &new), ("delegation", "")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"id-changes\""), "{html}");
    assert!(html.contains(&old_id.masked()), "previous number masked");
    assert!(!html.contains(old.as_str()), "previous number never whole");

    // The maintenance log: before and after, both masked.
    let (_, log) = app
        .login("query")
        .await
        .get("/api/v1/maintenance-log?kind=person.id_changed")
        .await;
    let entry = &log["entries"][0];
    assert_eq!(entry["before"]["id"], old_id.masked(), "{log}");
    assert_eq!(entry["after"]["new_id_number"], new_id.masked(), "{log}");
    assert!(!log.to_string().contains(old.as_str()), "{log}");
    assert!(!log.to_string().contains(new.as_str()), "{log}");

    // A declaration file row with the new number lands on the same person.
    let csv = format!("{new},8100\n");
    let d = declare_for(&clerk, &employer, "2024-08", "new.csv", csv.into_bytes()).await;
    assert_eq!(d.report()["accepted"], 1, "{d:?}");
    approve(&app, d.report()["application_id"].as_str().unwrap()).await;
    let pk = before["person"]["person_id"].as_str().unwrap();
    let months: Vec<String> = app
        .sirm
        .store_for_maintenance()
        .contributions_of(pk)
        .await
        .unwrap()
        .iter()
        .map(|c| c.month.to_string())
        .collect();
    assert!(months.contains(&"2024-08".to_string()), "{months:?}");

    // The new number is this person's now: another person cannot take it,
    // nor can it be registered again.
    refused(
        &app,
        change(&other, &new),
        bad,
        "id-change.taken",
        "new_id_number",
    )
    .await;
    refused(
        &app,
        change(&new, &old),
        bad,
        "id-change.taken",
        "new_id_number",
    )
    .await;

    // Public security's file: the discrepancy proposes the change; accepted
    // and approved, it is closed as applied and the number finds the person.
    let officer = app.login("maintainer").await;
    let other_id: ResidentId = other.parse().unwrap();
    let other_new = new_number_for(&other_id, 1).to_string();
    let file = format!(
        "old_id_number,new_id_number,new_name,changed_on\n{other},{other_new},,2025-04-01\n"
    );
    let (s, html) = upload(&officer, "id_change", file.clone().into_bytes()).await;
    assert_eq!((s, count(&html, "new")), (StatusCode::OK, 1), "{html}");
    let found = open(&officer).await;
    let d = found.iter().find(|d| d["kind"] == "id_changed").unwrap();
    let xd = d["discrepancy_id"].as_str().unwrap().to_string();
    let (s, v) = officer
        .post(
            &format!("/api/v1/crosscheck/discrepancies/{xd}"),
            json!({"resolution": "accepted", "reason": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    approve(&app, v["application_id"].as_str().unwrap()).await;
    let (_, applied) = officer
        .get("/api/v1/crosscheck/discrepancies?status=applied")
        .await;
    assert!(applied.to_string().contains(&xd), "{applied}");
    let (s, v) = lookup(&clerk, &other_new).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["person"]["id_number"], other_new.as_str());
    // The same file again: applied already, nothing new.
    let (s, html) = upload(&officer, "id_change", file.into_bytes()).await;
    assert_eq!((s, count(&html, "new")), (StatusCode::OK, 0), "{html}");

    // Never in clear in the database file.
    if engine == Engine::Sqlite {
        for n in [&new, &other_new] {
            assert!(!in_data_dir(app.opts.data_dir.root(), n.as_bytes()), "{n}");
        }
    }
}
