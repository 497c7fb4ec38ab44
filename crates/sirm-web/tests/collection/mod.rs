//! Business transactions through the four-stage review chain, over real
//! HTTP, on SQLite and PostgreSQL: the shared test app and helpers here,
//! the tests by family in the submodules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use base64::Engine as _;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sirm_app::demo::DEMO_PASSWORD;
use sirm_app::Sirm;
use sirm_testkit::{Engine, Options, TestApp};

mod benefits;
mod certificates;
mod contributions;
mod queries;
mod review;

use benefits::*;
use certificates::*;
use contributions::*;
use queries::*;
use review::*;

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

/// A delegate's portal account (an external account of no person of its
/// own). No flow of SIRM creates one yet — the system administrator's
/// `add_user` makes staff accounts, which `record_delegation` refuses, and
/// activation binds the account to a person — so the bare account (no
/// roles) is raw ledger input; the `delegate` role then comes the real way:
/// the system administrator requests it, the security administrator
/// approves.
pub(crate) async fn delegate_account(app: &sirm_app::Sirm, username: &str) {
    let a = sirm_domain::records::AccountCreated {
        username: username.into(),
        display_name: "受托人".into(),
        agency: "110105".into(),
        roles: vec![],
        kind: sirm_domain::status::AccountKind::External,
        person_id: None,
        employer: None,
    };
    let d = sirm_app::install::draft(
        &app.config,
        sirm_ledger::Stream::Security,
        sirm_domain::records::kind::ACCOUNT_CREATED,
        sirm_domain::records::account_subject(username),
        "test",
        &a,
    )
    .unwrap();
    sirm_app::testkit::append_unreviewed(app, vec![d])
        .await
        .unwrap();
    let sysadmin = app.principal("sysadmin", "test").await.unwrap();
    let secadmin = app.principal("secadmin", "test").await.unwrap();
    let rr = app
        .request_role(
            &sysadmin,
            username,
            "delegate",
            "written authorization on file",
        )
        .await
        .unwrap();
    app.decide_role(&secadmin, &rr.request_id, true, "")
        .await
        .unwrap();
    let hash = sirm_app::password::hash(DEMO_PASSWORD).unwrap();
    app.store_for_maintenance()
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
    yearly_statement_sums_the_record,
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
