//! Business transactions through the four-stage review chain, over real
//! HTTP, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use base64::Engine as _;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sirm_app::demo::DEMO_PASSWORD;
use sirm_app::Sirm;
use sirm_testkit::{Engine, Options, TestApp};

struct App {
    kit: TestApp,
    base: String,
    sirm: Arc<Sirm>,
    http: Client,
}

async fn spawn(postgres: bool) -> App {
    spawn_with(postgres, false).await
}

/// With `history`, the demo's ten years of contributions, settlements and a retiree.
async fn spawn_with(postgres: bool, history: bool) -> App {
    let engine = if postgres {
        Engine::Postgres
    } else {
        Engine::Sqlite
    };
    let mut o = Options::new(engine).persons(10);
    o.seed = 3;
    o.history = history;
    let kit = TestApp::start(o).await;
    App {
        base: kit.base.clone(),
        sirm: kit.sirm.clone(),
        http: reqwest::Client::new(),
        kit,
    }
}

impl App {
    /// Raw SQL as the database owner, as someone with database access would
    /// write it. `lift_ledger_guards`: with the ledger's append-only guards
    /// lifted for it and put back afterwards.
    async fn as_owner(&self, statements: &[&str], lift_ledger_guards: bool) {
        use sirm_store::{Engine, Role, Store};
        let owner = Store::connect(
            &self.kit.opts.store_config(Some(&self.sirm.config)),
            Role::Owner,
        )
        .await
        .unwrap();
        let sqlite = owner.engine() == Engine::Sqlite;
        if lift_ledger_guards {
            let lift = if sqlite {
                "DROP TRIGGER ledger_entry_no_update"
            } else {
                "ALTER TABLE ledger_entry DISABLE TRIGGER USER"
            };
            owner.execute_raw(lift).await.unwrap();
        }
        for s in statements {
            owner.execute_raw(s).await.unwrap();
        }
        if lift_ledger_guards {
            let put_back = if sqlite {
                "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry \
                 BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only (SIRM ledger guard)'); END"
            } else {
                "ALTER TABLE ledger_entry ENABLE TRIGGER USER"
            };
            owner.execute_raw(put_back).await.unwrap();
        }
        owner.close().await;
    }

    /// The ID numbers (in clear) of `n` registered persons.
    async fn ids(&self, n: i64) -> Vec<String> {
        sirm_app::testkit::person_ids(&self.sirm, n).await.unwrap()
    }
    /// The blind index of an ID number: how the store and the ledger name
    /// the person.
    fn pk(&self, id: &str) -> String {
        sirm_app::testkit::pk_of(&self.sirm, id).unwrap()
    }
    /// A registered person's details, opened.
    async fn opened(&self, id: &str) -> sirm_app::privacy::PersonView {
        sirm_app::testkit::person_by_id(&self.sirm, id)
            .await
            .unwrap()
            .expect("registered person")
    }
    /// Sign in a demo account (its demo second factor included): the token.
    async fn login(&self, user: &str) -> String {
        self.kit.login(user).await.token
    }
    async fn post(&self, t: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(t)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
    /// The HTML of a page.
    async fn page(&self, t: &str, path: &str) -> String {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(t)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
    async fn get(&self, t: &str, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
}

const NEW_PERSON: &str = "110105199003071220";

fn registration() -> Value {
    json!({
        "business_type": "person.register",
        "data": {"id": NEW_PERSON, "name": "王小明", "address": "北京市朝阳区建国路8号", "phone": "13800001111", "registered_on": "2026-11-01"},
        "materials": [{"name": "身份证.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 scanned ID card")}]
    })
}

async fn four_stages_then_record(postgres: bool) {
    let app = spawn(postgres).await;
    let (clerk, reviewer, rechecker, approver) = (
        app.login("clerk").await,
        app.login("reviewer").await,
        app.login("rechecker").await,
        app.login("approver").await,
    );
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", registration())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["application_id"].as_str().unwrap().to_string();
    // In the reviewer's queue, not in the approver's yet.
    let (_, q) = app.get(&reviewer, "/api/v1/applications/queue").await;
    assert!(
        q.as_array()
            .unwrap()
            .iter()
            .any(|a| a["application_id"] == id.as_str()),
        "{q}"
    );
    let (_, q) = app.get(&approver, "/api/v1/applications/queue").await;
    assert!(
        !q.as_array()
            .unwrap()
            .iter()
            .any(|a| a["application_id"] == id.as_str()),
        "{q}"
    );
    // The reviewer sees the computed effect and the material.
    let (_, view) = app
        .get(&reviewer, &format!("/api/v1/applications/{id}"))
        .await;
    assert_eq!(view["effect"][0]["kind"], "person.registered", "{view}");
    let sha = view["materials"][0]["sha256"].as_str().unwrap();
    let r = app
        .http
        .get(format!("{}/applications/{id}/materials/{sha}", app.base))
        .bearer_auth(&reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        b"%PDF-1.4 scanned ID card"
    );
    // Out of order: approval before review is refused.
    let (s, v) = app
        .post(
            &approver,
            &format!("/api/v1/applications/{id}/decision"),
            json!({"stage": "approval", "approve": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stage-order"),
        "{v}"
    );
    let decide = |t: String, stage: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            app.post(
                &t,
                &format!("/api/v1/applications/{id}/decision"),
                json!({"stage": stage, "approve": true, "reason": "材料齐全"}),
            )
            .await
        }
    };
    assert_eq!(decide(reviewer.clone(), "review").await.0, StatusCode::OK);
    // The same stage twice: refused, nothing changes.
    let (s, _) = decide(reviewer.clone(), "review").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(decide(rechecker.clone(), "recheck").await.0, StatusCode::OK);
    assert!(
        app.sirm
            .store_for_maintenance()
            .person(&app.pk(NEW_PERSON))
            .await
            .unwrap()
            .is_none(),
        "not written before the last approval"
    );
    let (s, v) = decide(approver.clone(), "approval").await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{v}"
    );
    // Written: projection, ledger entry naming the application and every stage's person.
    // The name is sealed in the projection and opens to what the clerk entered.
    let row = app
        .sirm
        .store_for_maintenance()
        .person(&app.pk(NEW_PERSON))
        .await
        .unwrap()
        .unwrap();
    assert!(row.name.starts_with("enc1:"), "{}", row.name);
    assert_eq!(app.opened(NEW_PERSON).await.name, "王小明");
    let entries = app
        .sirm
        .store_for_maintenance()
        .entries_for_subject(&format!("person:{}", app.pk(NEW_PERSON)))
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].application.as_deref(), Some(id.as_str()));
    assert_eq!(
        entries[0].actors,
        vec!["clerk", "reviewer", "rechecker", "approver"]
    );
    // The maintenance log lists it.
    let query = app.login("query").await;
    let (_, log) = app.get(&query, "/api/v1/maintenance-log").await;
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|r| r["application"] == id.as_str()),
        "{log}"
    );
    // A second registration of the same person is refused at the counter.
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", registration())
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

async fn bad_input_four_eyes_and_returns(postgres: bool) {
    let app = spawn(postgres).await;
    let clerk = app.login("clerk").await;
    // Invalid ID: which field, what is wrong; nothing stored.
    let mut bad = registration();
    bad["data"]["id"] = json!("110105199003071223");
    let (s, v) = app.post(&clerk, "/api/v1/applications", bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("check character"),
        "{v}"
    );
    // A computed value cannot be entered: unknown fields are refused.
    let mut bad = registration();
    bad["data"]["gender"] = json!("male");
    let (s, v) = app.post(&clerk, "/api/v1/applications", bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("gender"),
        "{v}"
    );
    // No materials: refused.
    let mut bad = registration();
    bad["materials"] = json!([]);
    assert_eq!(
        app.post(&clerk, "/api/v1/applications", bad).await.0,
        StatusCode::BAD_REQUEST
    );
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", registration())
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = v["application_id"].as_str().unwrap().to_string();
    // Four-eyes: a reviewer who also holds the re-check role cannot do both.
    app.sirm
        .store_for_maintenance()
        .execute_raw("INSERT INTO account_role (username, role, granted_seq) VALUES ('reviewer', 'rechecker', 0)")
        .await
        .unwrap();
    let reviewer = app.login("reviewer").await;
    let path = format!("/api/v1/applications/{id}/decision");
    assert_eq!(
        app.post(
            &reviewer,
            &path,
            json!({"stage": "review", "approve": true})
        )
        .await
        .0,
        StatusCode::OK
    );
    let (s, v) = app
        .post(
            &reviewer,
            &path,
            json!({"stage": "recheck", "approve": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("four-eyes"),
        "{v}"
    );
    // A return needs a reason; with one, it goes back to the clerk.
    let rechecker = app.login("rechecker").await;
    let (s, _) = app
        .post(
            &rechecker,
            &path,
            json!({"stage": "recheck", "approve": false, "reason": " "}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = app
        .post(
            &rechecker,
            &path,
            json!({"stage": "recheck", "approve": false, "reason": "地址与户口簿不符"}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("returned")),
        "{v}"
    );
    let (_, q) = app.get(&clerk, "/api/v1/applications/queue").await;
    assert!(
        q.as_array()
            .unwrap()
            .iter()
            .any(|a| a["application_id"] == id.as_str() && a["status"] == "returned"),
        "{q}"
    );
    assert!(app
        .sirm
        .store_for_maintenance()
        .person(&app.pk(NEW_PERSON))
        .await
        .unwrap()
        .is_none());
    // The clerk corrects the address in the workbench form, adds the
    // household register scan, and resubmits; the chain starts again.
    let form = reqwest::multipart::Form::new()
        .text("id", NEW_PERSON)
        .text("name", "王小明")
        .text("address", "北京市朝阳区建国路8号院2号楼")
        .text("phone", "13800001111")
        .text("registered_on", "2026-11-01")
        .part(
            "material",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 household register".to_vec())
                .file_name("户口簿.pdf"),
        );
    let r = app
        .http
        .post(format!("{}/applications/{id}/resubmit", app.base))
        .bearer_auth(&clerk)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let a = app
        .sirm
        .store_for_maintenance()
        .application(&id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.status.as_str(), a.next_stage.as_deref()),
        ("pending", Some("review"))
    );
    // Stored protected; the reviewer reads the corrected address.
    assert!(!a.data.contains("2号楼"), "{}", a.data);
    let data = app
        .sirm
        .reveal_json(&serde_json::from_str(&a.data).unwrap())
        .await
        .unwrap();
    assert_eq!(data["address"], "北京市朝阳区建国路8号院2号楼", "{data}");
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&a.materials)
            .unwrap()
            .len(),
        2
    );
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

/// The submitter never decides their own application, whatever roles they
/// hold; and every decision re-checks the decider's roles at that moment, so
/// a role revoked between two stages no longer approves.
async fn submitter_cannot_decide_and_roles_rechecked_at_approval(postgres: bool) {
    let app = spawn(postgres).await;
    // The clerk also holds the reviewer role (slipped into the projection).
    app.sirm
        .store_for_maintenance()
        .execute_raw("INSERT INTO account_role (username, role, granted_seq) VALUES ('clerk', 'reviewer', 0)")
        .await
        .unwrap();
    let clerk = app.login("clerk").await;
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", registration())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["application_id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/applications/{id}/decision");
    let pending_at = |stage: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            let a = app
                .sirm
                .store_for_maintenance()
                .application(&id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (a.status.as_str(), a.next_stage.as_deref()),
                ("pending", Some(stage))
            );
        }
    };
    // The submitter, as reviewer, deciding their own application: refused.
    for approve in [true, false] {
        let (s, v) = app
            .post(
                &clerk,
                &path,
                json!({"stage": "review", "approve": approve, "reason": "自审"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("four-eyes") && message.contains("clerk"),
            "{v}"
        );
    }
    pending_at("review").await;
    // Review and re-check by their own people.
    for (user, stage) in [("reviewer", "review"), ("rechecker", "recheck")] {
        let t = app.login(user).await;
        let (s, v) = app
            .post(&t, &path, json!({"stage": stage, "approve": true}))
            .await;
        assert_eq!(s, StatusCode::OK, "{user}: {v}");
    }
    pending_at("approval").await;
    // The approver signed in before, then loses the role (requested by the
    // system administrator, approved by the security administrator).
    let approver = app.login("approver").await;
    let sys = app.login("sysadmin").await;
    let (s, v) = app
        .post(
            &sys,
            "/api/v1/users/approver/roles/approver/revoke",
            json!({"reason": "调岗"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let rid = v["request_id"].as_str().unwrap().to_string();
    let sec = app.login("secadmin").await;
    let (s, v) = app
        .post(
            &sec,
            &format!("/api/v1/role-requests/{rid}/decision"),
            json!({"approve": true, "reason": "ok"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    // The same session, at the approval stage: refused now.
    let (s, v) = app
        .post(
            &approver,
            &path,
            json!({"stage": "approval", "approve": true}),
        )
        .await;
    // The approver now holds no role at all: deny by default.
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error"]["code"], "forbidden", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deny-by-default"),
        "{v}"
    );
    pending_at("approval").await;
    assert!(app
        .sirm
        .store_for_maintenance()
        .person(&app.pk(NEW_PERSON))
        .await
        .unwrap()
        .is_none());
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

/// Submit as clerk and pass all three further stages; the final status.
/// The whole record read in one snapshot (`Store::person_record`: one
/// statement on PostgreSQL, one read transaction on SQLite) equals the
/// per-table reads, part by part.
/// `pid` is the person's blind index.
async fn assert_record_is_its_parts(app: &App, pid: &str) -> sirm_store::PersonRecordRows {
    let s = &app.sirm.store_for_maintenance();
    let r = s
        .person_record(pid)
        .await
        .unwrap()
        .expect("registered person");
    assert_eq!(r.person, s.person(pid).await.unwrap().unwrap());
    assert_eq!(r.employments, s.employments_of(pid).await.unwrap());
    assert_eq!(r.contributions, s.contributions_of(pid).await.unwrap());
    assert_eq!(r.account_years, s.account_years_of(pid).await.unwrap());
    assert_eq!(r.benefit, s.benefit_row(pid).await.unwrap());
    assert_eq!(r.payments, s.benefit_payments_of(pid).await.unwrap());
    assert_eq!(r.subsidies, s.subsidies_of(pid).await.unwrap());
    assert!(s
        .person_record("pk00000000000000000000000000000000")
        .await
        .unwrap()
        .is_none());
    r
}

async fn through_all_stages(app: &App, data: Value, business_type: &str) -> (StatusCode, Value) {
    through_all_stages_as(app, "clerk", data, business_type).await
}

/// Submit as `taker` and pass all three further stages; the final status.
async fn through_all_stages_as(
    app: &App,
    taker: &str,
    data: Value,
    business_type: &str,
) -> (StatusCode, Value) {
    let clerk = app.login(taker).await;
    let body = json!({
        "business_type": business_type,
        "data": data,
        "materials": [{"name": "scan.png", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n demo")}]
    });
    let (s, v) = app.post(&clerk, "/api/v1/applications", body).await;
    if s != StatusCode::CREATED {
        return (s, v);
    }
    let id = v["application_id"].as_str().unwrap().to_string();
    let mut last = (s, v);
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        let t = app.login(user).await;
        last = app
            .post(
                &t,
                &format!("/api/v1/applications/{id}/decision"),
                json!({"stage": stage, "approve": true}),
            )
            .await;
        assert_eq!(last.0, StatusCode::OK, "{user}: {}", last.1);
    }
    last
}

async fn employment_history(postgres: bool) {
    let app = spawn(postgres).await;
    let person = app.ids(1).await.remove(0);
    let pk = app.pk(&person);
    let employer = app
        .sirm
        .store_for_maintenance()
        .account("agent")
        .await
        .unwrap()
        .unwrap()
        .employer
        .unwrap();
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
        (jobs[0].start_on.as_str(), jobs[0].end_on.as_deref()),
        ("2024-03-01", None)
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
    assert_eq!(jobs[0].end_on.as_deref(), Some("2025-06-30"));
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

async fn monthly_declaration_computed_on_approval(postgres: bool) {
    let app = spawn(postgres).await;
    let person = app.ids(2).await;
    let pk0 = app.pk(&person[0]);
    let employer = app
        .sirm
        .store_for_maintenance()
        .account("agent")
        .await
        .unwrap()
        .unwrap()
        .employer
        .unwrap();
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
            .status,
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
            .status,
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

async fn declaration_file_rows_checked_and_streamed(postgres: bool) {
    let app = spawn(postgres).await;
    let persons = app.ids(3).await;
    let employer = app
        .sirm
        .store_for_maintenance()
        .account("agent")
        .await
        .unwrap()
        .unwrap()
        .employer
        .unwrap();
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
        assert_eq!(c[0].month, "2025-03");
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

async fn retirement_computed_from_the_record(postgres: bool) {
    let app = spawn(postgres).await;
    let employer = app
        .sirm
        .store_for_maintenance()
        .account("agent")
        .await
        .unwrap()
        .unwrap()
        .employer
        .unwrap();
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
    assert_eq!((status.as_str(), start.as_str()), ("granted", "2020-03"));
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
        (payments[0].month.as_str(), payments[0].amount.as_str()),
        ("2026-10", total.as_str())
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
    assert_eq!(rec["benefit"]["total"], total.as_str(), "{rec}");
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
            .0,
        "terminated"
    );
    // A terminated benefit is not paid: no payable benefit in the next run.
    let (s, v) = through_all_stages(&app, run("2026-11"), "benefit.payment_run").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

async fn correction_by_maintenance_officer_and_benefit_termination(postgres: bool) {
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
    let row = log
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["application"] == id.as_str())
        .unwrap()
        .clone();
    assert!(
        row["actors"]
            .as_str()
            .unwrap()
            .starts_with("[\"maintainer\""),
        "{row}"
    );
    assert!(
        row["payload"].as_str().unwrap().contains("异议核查"),
        "{row}"
    );
    // A benefit cannot be terminated if there is none.
    let (s, v) = app
        .post(&clerk, "/api/v1/applications", json!({"business_type": "benefit.status", "data": {"id": person, "status": "terminated", "effective_on": "2026-02-01", "reason": "死亡"}, "materials": [{"name": "死亡证明.pdf", "content_base64": "JVBERi0xLjQ="}]}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

async fn subsidy_arrears_and_corrections(postgres: bool) {
    let app = spawn(postgres).await;
    let person = app.ids(1).await.remove(0);
    let pk = app.pk(&person);
    let employer = app
        .sirm
        .store_for_maintenance()
        .account("agent")
        .await
        .unwrap()
        .unwrap()
        .employer
        .unwrap();
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
    assert_eq!(subs[5].month, "2025-06");
    assert_eq!(subs[0].amount, "300.50");
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
    let m = c.iter().find(|c| c.month == "2025-03").unwrap();
    assert_eq!(m.declared_wage, "9000.00");
    assert_eq!(m.status, "assessed");
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
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"contribution.corrected"), "{kinds:?}");
    assert!(kinds.contains(&"employer.changed"), "{kinds:?}");
    assert!(kinds.contains(&"subsidy.granted"), "{kinds:?}");
    // The record rebuilds to the same projections from the ledger alone.
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

async fn declaration_upload_xlsx_with_progress(postgres: bool) {
    let app = spawn(postgres).await;
    let persons = app.ids(3).await;
    let employer = app
        .sirm
        .store_for_maintenance()
        .account("agent")
        .await
        .unwrap()
        .unwrap()
        .employer
        .unwrap();
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
            .status;
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
                .find(|c| c.month == "2024-07")
                .map(|c| c.declared_wage)
        }
    };
    assert_eq!(wage(0).await.as_deref(), Some("8000"));
    assert_eq!(wage(1).await, None);
    assert_eq!(wage(2).await.as_deref(), Some("5000.5"));
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
}

/// A delegate's portal account (an external account of no person of its
/// own). No flow of SIRM creates one yet — the system administrator's
/// `add_user` makes staff accounts, which `record_delegation` refuses, and
/// activation binds the account to a person — so the bare account (no
/// roles) is raw ledger input; the `delegate` role then comes the real way:
/// the system administrator requests it, the security administrator
/// approves.
async fn delegate_account(app: &App, username: &str) {
    let a = sirm_domain::records::AccountCreated {
        username: username.into(),
        display_name: "受托人".into(),
        agency: "110105".into(),
        roles: vec![],
        kind: "external".into(),
        person_id: None,
        employer: None,
    };
    let d = sirm_app::install::draft(
        &app.sirm.config,
        sirm_ledger::Stream::Security,
        sirm_domain::records::kind::ACCOUNT_CREATED,
        sirm_domain::records::account_subject(username),
        "test",
        &a,
    )
    .unwrap();
    sirm_app::testkit::append_unreviewed(&app.sirm, vec![d])
        .await
        .unwrap();
    let sysadmin = app.sirm.principal("sysadmin", "test").await.unwrap();
    let secadmin = app.sirm.principal("secadmin", "test").await.unwrap();
    let rr = app
        .sirm
        .request_role(
            &sysadmin,
            username,
            "delegate",
            "written authorization on file",
        )
        .await
        .unwrap();
    app.sirm
        .decide_role(&secadmin, &rr.request_id, true, "")
        .await
        .unwrap();
    let hash = sirm_app::password::hash(DEMO_PASSWORD).unwrap();
    app.sirm
        .store_for_maintenance()
        .set_password(
            username,
            &hash,
            false,
            chrono::Utc::now().timestamp_micros(),
            5,
        )
        .await
        .unwrap();
}

async fn queries_by_channel_and_capacity(postgres: bool) {
    let app = spawn_with(postgres, true).await;
    let citizen = app.login("citizen").await;
    let (s, me) = app.get(&citizen, "/api/v1/my/record").await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["requester"], "self");
    assert!(!me["record"]["contributions"].as_array().unwrap().is_empty());
    assert!(!me["record"]["account_years"].as_array().unwrap().is_empty());
    assert!(
        me["record"]["contribution_years"]["paid_months"]
            .as_u64()
            .unwrap()
            > 0
    );
    // The record names the person by blind index; the ID number is opened.
    let own = me["record"]["person"]["id_number"]
        .as_str()
        .unwrap()
        .to_string();
    let own_pk = me["record"]["person"]["person_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(own_pk, app.pk(&own));
    let retiree = app
        .sirm
        .store_for_maintenance()
        .account("retiree")
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap();
    let id_of = |pk: &str| {
        let app = &app;
        let pk: sirm_domain::id::PersonKey = pk.parse().unwrap();
        async move { app.sirm.id_of(&pk).await.unwrap().unwrap().to_string() }
    };
    let retiree_id = id_of(&retiree).await;
    // An ID number in the URL is refused (never a way to another record).
    let (s, _) = app
        .get(&citizen, &format!("/api/v1/my/record?id={retiree_id}"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // The retiree sees the pension and its payments.
    let r = app.login("retiree").await;
    let (_, rv) = app.get(&r, "/api/v1/my/record").await;
    assert!(rv["record"]["benefit"]["total"].is_string(), "{rv}");
    assert!(rv["record"]["payments"].as_array().unwrap().len() >= 12);
    // The employer sees its employee's registration and contributions there,
    // never benefits or the personal account.
    let agent = app.login("agent").await;
    let (s, emp) = app.get(&agent, "/api/v1/employer").await;
    assert_eq!(s, StatusCode::OK, "{emp}");
    let code = emp["credit_code"].as_str().unwrap().to_string();
    assert!(emp["employees"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["person_id"] == retiree.as_str()));
    let handle_of = |person: &str| {
        emp["employees"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["person_id"] == person)
            .map(|e| e["handle"].as_str().unwrap().to_string())
    };
    let retiree_handle = handle_of(&retiree).unwrap();
    assert!(
        !retiree_handle.contains(&retiree_id[..6]) && !retiree_handle.contains(&retiree[2..10]),
        "{retiree_handle}"
    );
    let (s, ev) = app
        .get(
            &agent,
            &format!("/api/v1/employer/employees/{retiree_handle}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{ev}");
    assert_eq!(ev["requester"], "employer");
    assert!(ev["record"]["benefit"].is_null(), "{ev}");
    assert!(ev["record"]["payments"].as_array().unwrap().is_empty());
    assert!(ev["record"]["account_years"].as_array().unwrap().is_empty());
    let contributions = ev["record"]["contributions"].as_array().unwrap();
    assert!(!contributions.is_empty());
    assert!(contributions
        .iter()
        .all(|c| c["credit_code"] == code.as_str()));
    // A person never employed there: the same refusal as no such person.
    let stranger = app
        .sirm
        .store_for_maintenance()
        .person_ids(20)
        .await
        .unwrap()
        .into_iter()
        .find(|p| {
            !emp["employees"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["person_id"] == p.as_str())
        })
        .unwrap();
    // The stranger's handle, as the employer's portal would make it, and a
    // handle that names nobody: one answer.
    let forged = app.sirm.employee_handle(&code, &stranger);
    let (s1, b1) = app
        .get(&agent, &format!("/api/v1/employer/employees/{forged}"))
        .await;
    let (s2, b2) = app
        .get(
            &agent,
            "/api/v1/employer/employees/000000000000000000000000",
        )
        .await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(b1, b2);
    // The ID number itself is no handle, nor is the blind index.
    let stranger_id = id_of(&stranger).await;
    for named in [&stranger_id, &stranger] {
        let (s, _) = app
            .get(&agent, &format!("/api/v1/employer/employees/{named}"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    // A delegate at the counter sees only what the authorization covers,
    // and only while it is in force.
    let clerk = app.sirm.principal("clerk", "test").await.unwrap();
    let query = app.sirm.principal("query", "test").await.unwrap();
    let id: sirm_domain::id::ResidentId = own.parse().unwrap();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let doc = "a".repeat(64);
    let pk = sirm_app::testkit::person_key(&app.sirm, &id).unwrap();
    let dl = app
        .sirm
        .record_delegation(
            &clerk,
            &id,
            "agent",
            &["contributions".into()],
            day("2026-01-01"),
            day("2099-12-31"),
            &doc,
        )
        .await
        .unwrap();
    let v = app
        .sirm
        .counter_query_for_delegate(&query, &pk, &dl)
        .await
        .unwrap();
    assert_eq!(v.items.len(), 1);
    assert!(!v.record.contributions.is_empty());
    assert!(v.record.account_years.is_empty() && v.record.benefit.is_none());
    let old = app
        .sirm
        .record_delegation(
            &clerk,
            &id,
            "agent",
            &["contributions".into()],
            day("2020-01-01"),
            day("2020-12-31"),
            &doc,
        )
        .await
        .unwrap();
    let err = app
        .sirm
        .counter_query_for_delegate(&query, &pk, &old)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, sirm_app::AppError::Forbidden { rule, .. } if rule == "delegation-validity"),
        "{err}"
    );
    // Another organ (e.g. a court) must state its basis; its query is a
    // third-party query, in the security audit trail too.
    let court = sirm_app::Principal {
        username: "court-officer".into(),
        display_name: "法院".into(),
        agency: "110105".into(),
        kind: "staff".into(),
        roles: vec![sirm_domain::access::Role::OrganOfficer],
        person_id: None,
        employer: None,
        source: "198.51.100.7".into(),
        pending: None,
        session: None,
        notice: None,
    };
    let err = app
        .sirm
        .query_rights(&court, sirm_app::query::Channel::Organ, &pk, Some(""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("basis"), "{err}");
    let v = app
        .sirm
        .query_rights(
            &court,
            sirm_app::query::Channel::Organ,
            &pk,
            Some("《民事诉讼法》第七十条；（2026）京0105民初123号协助调查函"),
        )
        .await
        .unwrap();
    assert_eq!(v.requester, sirm_app::query::Requester::ThirdParty);
    assert!(v.record.benefit.is_none() && v.record.account_years.is_empty());
    let audit = app
        .sirm
        .store_for_maintenance()
        .security_entries(&sirm_store::AuditFilter {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.payload.contains("query.third_party") && e.payload.contains("京0105民初123号")));
    // A delegate online: the authorizations on file, then the record within scope.
    delegate_account(&app, "deleg").await;
    let dl_online = app
        .sirm
        .record_delegation(
            &clerk,
            &id,
            "deleg",
            &["account".into()],
            day("2026-01-01"),
            day("2099-12-31"),
            &doc,
        )
        .await
        .unwrap();
    let deleg = app.login("deleg").await;
    let list = app.page(&deleg, "/my/record").await;
    assert!(
        list.contains("id=\"delegations\"")
            && list.contains(&format!("/my/record?delegation={dl_online}")),
        "{list}"
    );
    assert!(
        !list.contains(&own),
        "no ID number in the page's links: {list}"
    );
    let (s, dv) = app
        .get(&deleg, &format!("/api/v1/my/record?delegation={dl_online}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{dv}");
    assert_eq!(dv["requester"], "delegate");
    assert_eq!(dv["items"], json!(["account"]));
    assert!(dv["record"]["contributions"].as_array().unwrap().is_empty());
    assert!(!dv["record"]["account_years"].as_array().unwrap().is_empty());
    // Another delegate's authorization (the counter's, for agent) and one
    // that does not exist: one answer.
    let (s1, b1) = app
        .get(&deleg, &format!("/api/v1/my/record?delegation={dl}"))
        .await;
    let (s2, b2) = app
        .get(&deleg, "/api/v1/my/record?delegation=DL-000000000000")
        .await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(b1, b2);
    // Every query is logged; the person sees who looked.
    let log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&own_pk, 50)
        .await
        .unwrap();
    assert!(log
        .iter()
        .any(|q| q.channel == "portal" && q.requester_kind == "self"));
    assert!(log.iter().any(|q| q.channel == "counter"
        && q.requester_kind == "delegate"
        && q.requester == "agent"));
    let retiree_log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&retiree, 50)
        .await
        .unwrap();
    assert!(retiree_log.iter().any(|q| q.requester_kind == "employer"));
    let page = app.page(&citizen, "/my/queries").await;
    assert!(page.contains("delegate"), "{page}");
}

/// One changed ASCII digit in the PDF's creation date (metadata, not
/// compressed): the smallest forgery a person could make.
fn one_digit_changed(pdf: &[u8]) -> Vec<u8> {
    let mut b = pdf.to_vec();
    let at = b
        .windows(13)
        .position(|w| w == b"/CreationDate")
        .expect("creation date in the PDF");
    let d = at + b[at..].iter().position(|c| c.is_ascii_digit()).unwrap() + 3;
    b[d] = if b[d] == b'9' { b'8' } else { b[d] + 1 };
    b
}

async fn certificates_issue_verify_revoke(postgres: bool) {
    use sha2::Digest;
    let app = spawn_with(postgres, true).await;
    let citizen = app.login("citizen").await;
    let (_, me) = app.get(&citizen, "/api/v1/my/record").await;
    let own = me["record"]["person"]["id_number"]
        .as_str()
        .unwrap()
        .to_string();
    let own_pk = app.pk(&own);
    assert_eq!(me["record"]["person"]["person_id"], own_pk.as_str());
    let paid: Vec<&Value> = me["record"]["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let months: std::collections::BTreeSet<&str> =
        paid.iter().map(|c| c["month"].as_str().unwrap()).collect();
    let logged = app
        .sirm
        .store_for_maintenance()
        .queries_of(&own_pk, 1000)
        .await
        .unwrap()
        .len();

    // Issue: free, through the query path (one more query logged).
    let (s, c) = app
        .post(
            &citizen,
            "/api/v1/my/certificates",
            json!({"kind": "contribution"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let code = c["code"].as_str().unwrap().to_string();
    assert_eq!(
        c["verify_url"].as_str().unwrap(),
        format!("{}/verify/{code}", app.base)
    );
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .queries_of(&own_pk, 1000)
            .await
            .unwrap()
            .len(),
        logged + 1
    );
    // Download: byte for byte what the ledger's hash names.
    let r = app
        .http
        .get(format!("{}/my/certificates/{code}/pdf", app.base))
        .bearer_auth(&citizen)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&pdf)),
        c["pdf_sha256"].as_str().unwrap()
    );
    assert_eq!(
        sirm_cert::extract_code(&pdf).as_deref(),
        Some(code.as_str())
    );

    // Verify by code, without signing in.
    let (s, v) = app.get("", &format!("/api/v1/certificates/{code}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["verdict"], "genuine", "{v}");
    assert_eq!(v["signature_valid"], true);
    assert_eq!(v["anchored"], true);
    // The inclusion proof checks independently, against the signed
    // checkpoint written with the entry (the entry is its last leaf).
    let p = &v["inclusion"];
    assert_eq!(p["tree_size"], v["seq"]);
    let h = |x: &Value| -> [u8; 32] {
        hex::decode(x.as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap()
    };
    let proof: Vec<[u8; 32]> = p["proof"].as_array().unwrap().iter().map(h).collect();
    let profile = app.sirm.public_key.profile();
    sirm_ledger::merkle::verify_inclusion(
        profile,
        &h(&p["leaf_hash"]),
        p["leaf_index"].as_u64().unwrap(),
        p["tree_size"].as_u64().unwrap(),
        &proof,
        &h(&p["root"]),
    )
    .unwrap();
    assert_eq!(v["content"]["person_name"], me["record"]["person"]["name"]);
    let rows = v["content"]["rows"].as_array().unwrap();
    let row_months: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(row_months, months, "one row per month on record");
    // Lower case and spaces are the same code.
    let (s, _) = app
        .get(
            "",
            &format!("/api/v1/certificates/%20{}", code.to_lowercase()),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Verify the file; then a copy with one changed digit.
    let check = |bytes: Vec<u8>| {
        let http = app.http.clone();
        let url = format!("{}/api/v1/certificates/verify", app.base);
        async move {
            let r = http
                .post(url)
                .header("content-type", "application/pdf")
                .body(bytes)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, v) = check(pdf.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["verdict"].as_str(), v["file"]["matches"].as_bool()),
        (Some("genuine"), Some(true))
    );
    let (s, v) = check(one_digit_changed(&pdf)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["verdict"].as_str(), v["file"]["matches"].as_bool()),
        (Some("altered"), Some(false))
    );
    // The altered copy is shown to the audit administrator: presented
    // anonymously, it is counted in the source's refusal summary.
    app.sirm.flush_refusals(true).await.unwrap();
    let events = app
        .sirm
        .store_for_maintenance()
        .security_entries(&sirm_store::AuditFilter {
            event: Some("refusals.summary".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert!(
        events[0].payload.contains("certificate.altered ×1") && events[0].payload.contains(&code),
        "{}",
        events[0].payload
    );
    let (s, v) = check(b"%PDF-1.4 not ours".to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no SIRM verification code"),
        "{v}"
    );

    // Unknown, malformed and one-character-changed codes: one answer.
    let mut other = code.clone().into_bytes();
    other[0] = if other[0] == b'A' { b'B' } else { b'A' };
    let other = String::from_utf8(other).unwrap();
    let (s1, b1) = app.get("", &format!("/api/v1/certificates/{other}")).await;
    let (s2, b2) = app.get("", "/api/v1/certificates/..%2F..%2Fetc").await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(b1, b2);
    // Another person's certificate is "not found" for the retiree.
    let retiree = app.login("retiree").await;
    let r = app
        .http
        .get(format!("{}/my/certificates/{code}/pdf", app.base))
        .bearer_auth(&retiree)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // At the counter, the query officer issues for the person present and
    // hands over the PDF; the query is logged on the counter channel.
    let query = app.login("query").await;
    let r = app
        .http
        .post(format!("{}/persons/certificates", app.base))
        .bearer_auth(&query)
        .form(&[
            ("id", own.as_str()),
            ("kind", "contribution"),
            ("from", "2024-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let counter_pdf = r.bytes().await.unwrap().to_vec();
    let counter_code = sirm_cert::extract_code(&counter_pdf).unwrap();
    let (_, v) = check(counter_pdf).await;
    assert_eq!(v["verdict"], "genuine", "{v}");
    assert_eq!(v["from_month"], "2024-01");
    assert_ne!(counter_code, code);
    // Newest first: the verification just made (anonymous, from its
    // source address), then the counter's issue.
    let log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&own_pk, 2)
        .await
        .unwrap();
    assert_eq!(
        (log[0].channel.as_str(), log[0].requester_kind.as_str()),
        ("verification", "public")
    );
    assert_eq!(log[0].basis, counter_code);
    assert_eq!(log[0].source, "127.0.0.1");
    assert_eq!(log[1].channel, "counter");

    // Benefit certificate: the retiree has one, the citizen has no benefit.
    let (s, b) = app
        .post(
            &retiree,
            "/api/v1/my/certificates",
            json!({"kind": "benefit"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, bv) = app
        .get(
            "",
            &format!("/api/v1/certificates/{}", b["code"].as_str().unwrap()),
        )
        .await;
    let (_, rr) = app.get(&retiree, "/api/v1/my/record").await;
    assert_eq!(
        bv["content"]["rows"].as_array().unwrap().len(),
        rr["record"]["payments"].as_array().unwrap().len()
    );
    assert_eq!(bv["title"], "待遇领取证明");
    // Bad input: each names its field, nothing is issued.
    let size = || async {
        app.sirm
            .latest_checkpoint()
            .await
            .unwrap()
            .checkpoint
            .tree_size
    };
    let entries = size().await;
    for (body, field) in [
        (json!({"kind": "benefit"}), "kind"),
        (json!({"kind": "pension"}), "kind"),
        (
            json!({"kind": "contribution", "from": "2024-05", "to": "2024-01"}),
            "from",
        ),
        (json!({"kind": "contribution", "to": "2099-01"}), "to"),
        (json!({"kind": "contribution", "from": "2024-13"}), "from"),
    ] {
        let (s, e) = app
            .post(&citizen, "/api/v1/my/certificates", body.clone())
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {e}");
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with(&format!("invalid {field}:")), "{body}: {e}");
    }
    assert_eq!(size().await, entries);

    // Revocation: maintenance officer only, with a reason, once.
    let maintainer = app.sirm.principal("maintainer", "test").await.unwrap();
    let citizen_p = app.sirm.principal("citizen", "test").await.unwrap();
    assert!(matches!(
        app.sirm.revoke_certificate(&citizen_p, &code, "mine").await,
        Err(sirm_app::AppError::Forbidden { .. })
    ));
    assert!(app
        .sirm
        .revoke_certificate(&maintainer, &code, " ")
        .await
        .is_err());
    // The officer's look-up is logged under the officer's name.
    let seen = app
        .sirm
        .verify_certificate_as(&maintainer, &code)
        .await
        .unwrap();
    assert_eq!(seen.verdict, sirm_app::certificate::Verdict::Genuine);
    let log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&own_pk, 1)
        .await
        .unwrap();
    assert_eq!(
        (log[0].requester_kind.as_str(), log[0].requester.as_str()),
        ("staff", "maintainer")
    );
    assert!(app
        .sirm
        .verify_certificate_as(&citizen_p, &code)
        .await
        .is_err());
    let seq = app
        .sirm
        .revoke_certificate(&maintainer, &code, "issued in error")
        .await
        .unwrap();
    assert!(matches!(
        app.sirm
            .revoke_certificate(&maintainer, &code, "again")
            .await,
        Err(sirm_app::AppError::Conflict(_))
    ));
    let (_, v) = app.get("", &format!("/api/v1/certificates/{code}")).await;
    assert_eq!(v["verdict"], "revoked", "{v}");
    assert_eq!(v["revoked"]["seq"], seq);
    assert_eq!(v["revoked"]["reason"], "issued in error");
    let (_, v) = check(pdf.clone()).await;
    assert_eq!(v["verdict"], "revoked");

    // The public page says it in words; the index rebuilds from the ledger.
    let page = app.page("", &format!("/verify/{code}")).await;
    assert!(
        page.contains("已作废") && page.contains("issued in error"),
        "{page}"
    );
    assert!(app.sirm.verify(vec![]).await.unwrap().is_intact());
    assert!(app.sirm.rebuild().await.unwrap().same());
    let (_, v) = app.get("", &format!("/api/v1/certificates/{code}")).await;
    assert_eq!(v["verdict"], "revoked");
}

/// A certificate's revocation is the ledger's word: clearing the index
/// row's `revoked_seq` (as the database owner) does not make a revoked
/// certificate genuine, nor allow revoking it twice; an altered revocation
/// entry or an altered issuing entry makes the verdict "altered".
async fn certificate_revocation_rests_on_the_ledger(postgres: bool) {
    let app = spawn(postgres).await;
    let app = &app;
    let citizen = app.login("citizen").await;
    let issue = || async {
        let (s, c) = app
            .post(
                &citizen,
                "/api/v1/my/certificates",
                json!({"kind": "contribution"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        c["code"].as_str().unwrap().to_string()
    };
    let verdict = |code: String| async move {
        let (s, v) = app.get("", &format!("/api/v1/certificates/{code}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    };
    let code = issue().await;
    let maintainer = app.sirm.principal("maintainer", "test").await.unwrap();
    let seq = app
        .sirm
        .revoke_certificate(&maintainer, &code, "issued in error")
        .await
        .unwrap();
    assert_eq!(verdict(code.clone()).await["verdict"], "revoked");

    // The index row says "in force" again: still revoked, from the ledger.
    app.as_owner(
        &[&format!(
            "UPDATE certificate SET revoked_seq = 0, revoked_reason = '' WHERE code = '{code}'"
        )],
        false,
    )
    .await;
    assert_eq!(
        app.sirm
            .store_for_maintenance()
            .certificate(&code)
            .await
            .unwrap()
            .unwrap()
            .revoked_seq,
        0
    );
    let v = verdict(code.clone()).await;
    assert_eq!(v["verdict"], "revoked", "{v}");
    assert_eq!(v["revoked"]["seq"], seq);
    assert_eq!(v["revoked"]["reason"], "issued in error");
    assert!(matches!(
        app.sirm
            .revoke_certificate(&maintainer, &code, "again")
            .await,
        Err(sirm_app::AppError::Conflict(_))
    ));
    // `sirm verify` names the edited row.
    let check = app.sirm.verify_projections(None).await.unwrap();
    let d = check.difference.unwrap();
    assert_eq!(
        (d.table.as_str(), d.column.as_deref()),
        ("certificate", Some("revoked_seq")),
        "{d}"
    );
    assert_eq!(d.key_text(), format!("code={code}"));
    app.sirm.rebuild().await.unwrap();

    // The revocation entry altered so that it names another code: the
    // ledger no longer proves it, and the certificate is not "genuine".
    let other = issue().await;
    app.as_owner(
        &[&format!(
            "UPDATE ledger_entry SET payload = replace(payload, '{code}', '{other}') WHERE seq = {seq}"
        )],
        true,
    )
    .await;
    app.sirm.rebuild().await.unwrap();
    let v = verdict(code.clone()).await;
    assert_eq!(v["verdict"], "altered", "{v}");
    assert_eq!(v["unverified_revocations"], json!([seq]), "{v}");
    let page = app.page("", &format!("/verify/{code}")).await;
    assert!(
        page.contains("data-verdict=\"altered\"")
            && page.contains("fails verification against the ledger"),
        "{page}"
    );
    assert_eq!(v["signature_valid"], true);
    assert_eq!(v["anchored"], true);
    // A revocation entry before a certificate was issued cannot be its
    // revocation: the certificate issued after it is unaffected.
    assert_eq!(verdict(other.clone()).await["verdict"], "genuine");

    // An issuing entry altered (one character of its sealed content): "altered".
    let third = issue().await;
    let third_seq = app
        .sirm
        .store_for_maintenance()
        .certificate(&third)
        .await
        .unwrap()
        .unwrap()
        .seq;
    assert_eq!(verdict(third.clone()).await["verdict"], "genuine");
    let payload: Value = serde_json::from_str(
        &app.sirm
            .store_for_maintenance()
            .entry(third_seq as u64)
            .await
            .unwrap()
            .unwrap()
            .payload,
    )
    .unwrap();
    let sealed = payload["content"].as_str().unwrap().to_string();
    assert!(sealed.starts_with("enc1:") && !sealed.contains("本证明"));
    let mut forged = sealed.clone().into_bytes();
    let at = forged.len() / 2;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    app.as_owner(
        &[&format!(
            "UPDATE ledger_entry SET payload = replace(payload, '{sealed}', '{forged}') WHERE seq = {third_seq}"
        )],
        true,
    )
    .await;
    let v = verdict(third).await;
    assert_eq!(v["verdict"], "altered", "{v}");
    assert_eq!(v["anchored"], false, "{v}");
    assert_eq!(v["content"]["person_name"], "（无法解密）", "{v}");
    assert!(!app.sirm.verify(vec![]).await.unwrap().is_intact());
}

/// The monthly payment run pays what the ledger granted: a benefit row
/// edited in the table (its total; "granted" after the ledger terminated
/// it) refuses the run, naming the benefit; nothing is paid.
async fn payment_run_pays_what_the_ledger_granted(postgres: bool) {
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
                .find(|p| p.month == month)
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
    assert_eq!(paid("2026-03").await, Some(total.clone()));

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

/// Item 11: a delegate lists, issues and downloads a person's certificates
/// only while the authorization is in force and only of the kinds its scope
/// covers (contribution certificate ↔ `contributions`, benefit certificate
/// ↔ `benefit`); otherwise the same 404 as a certificate that does not
/// exist. Every download is in the person's query log (`/my/queries`).
async fn delegate_certificates_within_scope_and_validity(postgres: bool) {
    let app = spawn_with(postgres, true).await;
    let app = &app;
    let person_of = |user: &'static str| async move {
        app.sirm
            .store_for_maintenance()
            .account(user)
            .await
            .unwrap()
            .unwrap()
            .person_id
            .unwrap()
    };
    // Accounts name persons by blind index; the delegation and the issue
    // form take the ID number.
    let (retiree, citizen) = (person_of("retiree").await, person_of("citizen").await);
    let id_of = |pk: &str| {
        let pk: sirm_domain::id::PersonKey = pk.parse().unwrap();
        async move { app.sirm.id_of(&pk).await.unwrap().unwrap() }
    };
    let (retiree_id, citizen_id) = (id_of(&retiree).await, id_of(&citizen).await);
    let issue = |token: String, kind: &'static str, id: Option<String>| async move {
        let mut body = json!({ "kind": kind });
        if let Some(id) = id {
            body["id"] = json!(id);
        }
        app.post(&token, "/api/v1/my/certificates", body).await
    };
    let download = |token: String, code: String| async move {
        let r = app
            .http
            .get(format!("{}/my/certificates/{code}/pdf", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        (r.status(), r.bytes().await.unwrap().to_vec())
    };
    let r = app.login("retiree").await;
    let (_, c) = issue(r.clone(), "contribution", None).await;
    let contribution = c["code"].as_str().unwrap().to_string();
    let (_, b) = issue(r.clone(), "benefit", None).await;
    let benefit = b["code"].as_str().unwrap().to_string();
    let (_, c) = issue(app.login("citizen").await, "contribution", None).await;
    let citizens = c["code"].as_str().unwrap().to_string();

    delegate_account(app, "deleg").await;
    let clerk = app.sirm.principal("clerk", "test").await.unwrap();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let doc = "b".repeat(64);
    // In force, contributions only, for the retiree; expired, everything,
    // for the citizen.
    let dl_retiree = app
        .sirm
        .record_delegation(
            &clerk,
            &retiree_id,
            "deleg",
            &["contributions".into()],
            day("2020-01-01"),
            day("2099-12-31"),
            &doc,
        )
        .await
        .unwrap();
    let dl_citizen = app
        .sirm
        .record_delegation(
            &clerk,
            &citizen_id,
            "deleg",
            &["contributions".into(), "benefit".into()],
            day("2020-01-01"),
            day("2021-12-31"),
            &doc,
        )
        .await
        .unwrap();
    let d = app.login("deleg").await;
    let (missing_status, missing_body) = download(d.clone(), "AAAA-BBBB-CCCC-DDDD".into()).await;
    assert_eq!(missing_status, StatusCode::NOT_FOUND);

    // In scope: listed, downloaded, issued.
    let list = app
        .page(&d, &format!("/my/certificates?delegation={dl_retiree}"))
        .await;
    assert!(list.contains(&contribution), "{list}");
    assert!(!list.contains(&benefit), "out of scope, not listed: {list}");
    let (s, pdf) = download(d.clone(), contribution.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF-"));
    let (s, v) = issue(d.clone(), "contribution", Some(retiree_id.to_string())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Out of scope: the benefit certificate is "not found", like no certificate.
    assert_eq!(
        download(d.clone(), benefit.clone()).await,
        (missing_status, missing_body.clone())
    );
    let (s, v) = issue(d.clone(), "benefit", Some(retiree_id.to_string())).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // Expired: nothing of the citizen's.
    assert_eq!(
        download(d.clone(), citizens.clone()).await,
        (missing_status, missing_body)
    );
    let r = app
        .http
        .get(format!(
            "{}/my/certificates?delegation={dl_citizen}",
            app.base
        ))
        .bearer_auth(&d)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (s, v) = issue(d.clone(), "contribution", Some(citizen_id.to_string())).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");

    // The download is in the retiree's query log: who, capacity, channel,
    // item, and which certificate; the refused ones are not.
    let log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&retiree, 50)
        .await
        .unwrap();
    let downloads: Vec<_> = log
        .iter()
        .filter(|q| q.basis.contains("downloaded"))
        .collect();
    assert_eq!(downloads.len(), 1, "{log:?}");
    let q = downloads[0];
    assert_eq!(
        (
            q.channel.as_str(),
            q.requester_kind.as_str(),
            q.requester.as_str(),
            q.items.as_str()
        ),
        ("portal", "delegate", "deleg", "contributions")
    );
    assert_eq!(
        q.basis,
        format!("certificate {contribution} (contribution) downloaded")
    );
    let page = app.page(&app.login("retiree").await, "/my/queries").await;
    assert!(
        page.contains(&format!(
            "certificate {contribution} (contribution) downloaded"
        )),
        "{page}"
    );
    // Issues name the certificate too.
    assert!(log
        .iter()
        .any(|q| q.requester == "deleg" && q.basis.ends_with("(contribution) issued")));
    // The person's own download is logged as well.
    let c = app.login("citizen").await;
    assert_eq!(download(c, citizens.clone()).await.0, StatusCode::OK);
    let log = app
        .sirm
        .store_for_maintenance()
        .queries_of(&citizen, 1)
        .await
        .unwrap();
    assert_eq!(
        (log[0].requester_kind.as_str(), log[0].basis.clone()),
        (
            "self",
            format!("certificate {citizens} (contribution) downloaded")
        )
    );
    assert!(app
        .sirm
        .store_for_maintenance()
        .queries_of(&citizen, 50)
        .await
        .unwrap()
        .iter()
        .all(|q| q.requester != "deleg"));
}

macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(false).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(true).await } )*
        }
    };
}

both_engines!(
    four_stages_then_record,
    bad_input_four_eyes_and_returns,
    submitter_cannot_decide_and_roles_rechecked_at_approval,
    employment_history,
    monthly_declaration_computed_on_approval,
    declaration_file_rows_checked_and_streamed,
    retirement_computed_from_the_record,
    correction_by_maintenance_officer_and_benefit_termination,
    subsidy_arrears_and_corrections,
    declaration_upload_xlsx_with_progress,
    queries_by_channel_and_capacity,
    certificates_issue_verify_revoke,
    certificate_revocation_rests_on_the_ledger,
    payment_run_pays_what_the_ledger_granted,
    delegate_certificates_within_scope_and_validity,
);

/// Two reviewers decide the same stage of one application at the same
/// moment: exactly one decision is recorded, the other gets 409 Conflict.
mod concurrent_review {
    use super::*;

    /// A second staff account holding `role`, made as an installation makes
    /// one (the system administrator adds it and requests the role, the
    /// security administrator approves), with the demo password and second
    /// factor; signed in.
    async fn second_staff(app: &App, username: &str, role: &str) -> String {
        let sysadmin = app.sirm.principal("sysadmin", "test").await.unwrap();
        let secadmin = app.sirm.principal("secadmin", "test").await.unwrap();
        app.sirm
            .add_user(&sysadmin, username, username)
            .await
            .unwrap();
        let rr = app
            .sirm
            .request_role(&sysadmin, username, role, "second reviewer")
            .await
            .unwrap();
        app.sirm
            .decide_role(&secadmin, &rr.request_id, true, "")
            .await
            .unwrap();
        let hash = sirm_app::password::hash(DEMO_PASSWORD).unwrap();
        let now = chrono::Utc::now().timestamp_micros();
        app.sirm
            .store_for_maintenance()
            .set_password(username, &hash, false, now, 5)
            .await
            .unwrap();
        let totp = app
            .sirm
            .seal_totp(username, &sirm_app::demo::demo_totp_secret(username))
            .unwrap();
        app.sirm
            .store_for_maintenance()
            .set_totp(username, Some(&totp), &[])
            .await
            .unwrap();
        app.login(username).await
    }

    async fn two_reviewers_at_once_one_decision(postgres: bool) {
        let app = spawn(postgres).await;
        let clerk = app.login("clerk").await;
        let reviewer = app.login("reviewer").await;
        let reviewer2 = second_staff(&app, "reviewer2", "reviewer").await;
        let decide = |t: &str, id: &str, approve: bool| {
            let body = if approve {
                json!({"stage": "review", "approve": true, "reason": "材料齐全"})
            } else {
                json!({"stage": "review", "approve": false, "reason": "材料不全"})
            };
            let path = format!("/api/v1/applications/{id}/decision");
            let t = t.to_string();
            let app = &app;
            async move { app.post(&t, &path, body).await }
        };
        for round in 0..6 {
            let (s, v) = app
                .post(&clerk, "/api/v1/applications", registration())
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            let id = v["application_id"].as_str().unwrap().to_string();
            // Alternate who approves and who rejects.
            let (a, b) = tokio::join!(
                decide(&reviewer, &id, round % 2 == 0),
                decide(&reviewer2, &id, round % 2 == 1)
            );
            let mut codes = [a.0, b.0];
            codes.sort();
            assert_eq!(
                codes,
                [StatusCode::OK, StatusCode::CONFLICT],
                "round {round}: {} / {}",
                a.1,
                b.1
            );
            let loser = if a.0 == StatusCode::CONFLICT {
                &a.1
            } else {
                &b.1
            };
            assert_eq!(loser["error"]["code"], "conflict", "{loser}");
            // The history holds exactly one decision for the review stage.
            let steps = app
                .sirm
                .store_for_maintenance()
                .application_steps(&id)
                .await
                .unwrap();
            let reviews: Vec<_> = steps.iter().filter(|s| s.stage == "review").collect();
            assert_eq!(reviews.len(), 1, "round {round}: {steps:?}");
            let winner = if a.0 == StatusCode::OK {
                "reviewer"
            } else {
                "reviewer2"
            };
            assert_eq!(reviews[0].actor, winner, "round {round}");
        }
    }

    both_engines!(two_reviewers_at_once_one_decision);
}
