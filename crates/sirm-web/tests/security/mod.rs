//! Security issue 20: each finding of the outside review has a regression
//! test named after it, run over real HTTP on both engines (the test kit).
//! The three break-ins first, then the weaknesses by number.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)]

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sirm_app::demo::DEMO_PASSWORD;
use sirm_testkit::{Engine, Options, TestApp};

mod break_ins;
mod findings_sign_in;
mod findings_web;
mod object_level;
mod routes;

#[allow(unused_imports)]
use break_ins::*;
#[allow(unused_imports)]
use findings_sign_in::*;
#[allow(unused_imports)]
use findings_web::*;
#[allow(unused_imports)]
use object_level::*;
#[allow(unused_imports)]
use routes::*;

/// The security events of the ledger (newest first), as the audit
/// administrator reads them.
async fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let a = app.login("auditadmin").await;
    let (s, v) = a.get(&format!("/api/v1/audit?{query}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

/// The pre-login anti-forgery cookie and field of a public form page.
async fn prelogin(app: &TestApp, http: &reqwest::Client, path: &str) -> (String, String) {
    let r = http.get(app.url(path)).send().await.unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("sirm_csrf="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("pre-login cookie");
    let html = r.text().await.unwrap();
    let field = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("csrf field")
        .to_string();
    (cookie, field)
}

// ------------------------------------------------------------- break-ins

// ------------------------------------------------------------- weaknesses

/// The stable part of a refusal: its error code (JSON `error.code`, or the
/// error page's `data-code`).
fn error_code(body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return v["error"]["code"].as_str().unwrap_or("").to_string();
    }
    body.split("data-code=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or("")
        .to_string()
}

/// A foreign agency's staff account (agency 110108) with a demo second
/// factor, created the way only a test may (unreviewed append).
async fn foreign_staff(app: &TestApp, username: &str, role: &str) -> sirm_testkit::Client {
    foreign_account(app, username, role, None).await
}

/// [`foreign_staff`], or with `employer` an external account acting for it.
async fn foreign_account(
    app: &TestApp,
    username: &str,
    role: &str,
    employer: Option<&str>,
) -> sirm_testkit::Client {
    use sirm_domain::records::{self, kind, AccountCreated};
    let a = AccountCreated {
        username: username.into(),
        display_name: username.into(),
        agency: "110108".into(),
        roles: vec![role.into()],
        kind: match employer {
            Some(_) => sirm_domain::status::AccountKind::External,
            None => sirm_domain::status::AccountKind::Staff,
        },
        person_id: None,
        employer: employer.map(|e| e.parse().unwrap()),
    };
    let d = sirm_app::install::draft(
        &app.sirm.config,
        sirm_ledger::Stream::Security,
        kind::ACCOUNT_CREATED,
        records::account_subject(username),
        "test",
        &a,
    )
    .unwrap();
    sirm_app::testkit::append_unreviewed(&app.sirm, vec![d])
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
    app.sirm
        .store_for_maintenance()
        .set_totp(
            username,
            Some(
                &app.sirm
                    .seal_totp(username, &sirm_app::demo::demo_totp_secret(username))
                    .unwrap(),
            ),
            &[],
        )
        .await
        .unwrap();
    app.login(username).await
}

sirm_testkit::both_engines!(
    break_in_1_sysadmin_cannot_seize_every_role,
    break_in_2_anonymous_flood_writes_one_summary,
    finding_5_password_reset_is_a_one_time_code,
    finding_6_activation_is_not_an_oracle,
    finding_7_kiosk_only_where_enabled_and_one_pin_limiter,
    finding_8_lockout_is_per_source,
    finding_9_sessions_and_second_factors,
    finding_10_csv_exports_neutralise_formulas,
    finding_12_no_open_redirect,
    finding_13_review_chain_and_configuration,
    finding_14_former_employer_sees_no_address,
    finding_15_private_at_rest_and_in_urls,
    finding_16_web_headers,
    multipart_token_found_before_a_large_file,
    object_level_access,
);
