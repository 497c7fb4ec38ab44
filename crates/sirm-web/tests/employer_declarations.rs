//! The employer agent's own monthly declaration (Art 6 互联网经办), over
//! real HTTP on SQLite and PostgreSQL: the template, a file with two bad
//! rows shown as rejected (with a download), the corrected file in GBK with
//! thousands separators, confirmation into the same review queue as the
//! counter's, and no declaration for another employer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use sirm_testkit::{both_engines, Client, Engine, Options, StatusCode, TestApp};

use crate::uploads::employer_with_staff;

both_engines!(agent_declares_online_into_the_review_queue);

/// Send a declaration form as the page does; the answer's status, where it
/// leads, and its text.
async fn check(
    agent: &Client,
    fields: &[(&str, &str)],
    file: Vec<u8>,
) -> (StatusCode, String, String) {
    let mut form = agent.multipart_form();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let form = form.part(
        "file",
        reqwest::multipart::Part::bytes(file).file_name("wages.csv"),
    );
    let r = agent.send_multipart("/employer/declarations", form).await;
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

/// The number shown in the element `id`.
fn shown(page: &str, id: &str) -> u64 {
    let at = page
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("{id}: {page}"));
    let rest = &page[at + id.len() + 6..];
    rest[..rest.find('<').unwrap()].parse().unwrap()
}

async fn agent_declares_online_into_the_review_queue(engine: Engine) {
    let app = TestApp::start(Options::new(engine)).await;
    let (employer, persons) = employer_with_staff(&app, 3).await;
    let agent = app.login("agent").await;
    // Not the counter's page; its own.
    assert_eq!(
        agent.page("/declarations/new").await.0,
        StatusCode::FORBIDDEN
    );
    let (s, home) = agent.page("/employer").await;
    assert!(s == StatusCode::OK && home.contains("/employer/declarations/new"));

    let t = agent.get_raw("/employer/declarations/template.csv").await;
    assert_eq!(t.status(), StatusCode::OK);
    let template = t.text().await.unwrap();
    assert!(
        template.contains("身份号码(id_number),月工资(declared_wage)"),
        "{template}"
    );

    // Two bad rows: an ID number with a wrong check digit, a wage that is no amount.
    let mut bad_id = persons[1].clone();
    let last = bad_id.pop().unwrap();
    bad_id.push(if last == '0' { '1' } else { '0' });
    let file = format!(
        "{template}{},\"12,345.60\"\n{bad_id},5000\n{},abc\n",
        persons[0], persons[2]
    );
    let before = app.ledger_size().await;
    let (s, checked, page) = check(&agent, &[("month", "2024-07")], file.into_bytes()).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    let (s, page) = agent.page(&checked).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (shown(&page, "accepted"), shown(&page, "rejected")),
        (1, 2),
        "{page}"
    );
    assert!(
        page.contains("id=\"rejected-rows\"") && page.contains("月工资须为"),
        "{page}"
    );
    assert!(
        !page.contains(&bad_id),
        "the page shows no ID number in clear"
    );
    let missing = shown(&page, "not-declared");
    assert!(missing >= 2, "{page}");
    let rejected = agent.get_raw(&format!("{checked}/rejected.csv")).await;
    let rejected = rejected.text().await.unwrap();
    assert!(
        rejected.contains(&bad_id) && rejected.contains("abc"),
        "{rejected}"
    );
    assert_eq!(
        app.ledger_size().await,
        before,
        "nothing submitted before confirming"
    );

    // Never for another employer: the form's credit code is refused.
    let (s, _, page) = check(
        &agent,
        &[("month", "2024-07"), ("credit_code", "91110108MA00000000")],
        b"x".to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        page.contains("只能为本单位申报") && page.contains("2024-07"),
        "{page}"
    );

    // Corrected, saved by Excel as GBK, amounts with thousands separators.
    let fixed = format!(
        "身份号码,月工资\n{},\"12,345.60\"\n{},\"5,000\"\n{},\"8,000.00\"\n",
        persons[0], persons[1], persons[2]
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&fixed);
    let (s, checked, page) = check(&agent, &[("month", "2024-07")], gbk.into_owned()).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    let (_, page) = agent.page(&checked).await;
    assert_eq!(
        (shown(&page, "accepted"), shown(&page, "rejected")),
        (3, 0),
        "{page}"
    );
    assert_eq!(shown(&page, "not-declared"), missing - 2);
    let r = agent.form(&format!("{checked}/submit"), &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let done = r.text().await.unwrap();
    let at = done.find("id=\"application\">").unwrap() + 17;
    let id = done[at..at + done[at..].find('<').unwrap()].to_string();
    // Confirming twice submits nothing more.
    let r = agent.form(&format!("{checked}/submit"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // In the reviewer's queue, as filed online by the agent's account.
    let reviewer = app.login("reviewer").await;
    let (_, q) = reviewer.get("/api/v1/applications/queue").await;
    assert!(
        q.as_array()
            .unwrap()
            .iter()
            .any(|a| a["application_id"] == id.as_str()),
        "{q}"
    );
    let (s, a) = reviewer.get(&format!("/api/v1/applications/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert!(a["blocked"].is_null(), "{a}");
    let data: Value = match &a["application"]["data"] {
        Value::String(s) => serde_json::from_str(s).unwrap(),
        v => v.clone(),
    };
    assert_eq!(
        (data["online"].as_str(), data["accepted"].as_u64()),
        (Some("agent"), Some(3)),
        "{a}"
    );
    assert_eq!(data["credit_code"], employer.as_str());
}
