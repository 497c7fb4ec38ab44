//! What reviewers and administrators read (#17), over real HTTP on SQLite
//! and PostgreSQL: the application page, the maintenance log and the audit
//! trail speak the glossary's Chinese (no `registered_on`, no `pk…`, no
//! `person:`, no JSON); a unit's application refused in writing reads
//! 已驳回, never 已撤回; the accounts page says why an account is locked,
//! by whom and when (Beijing time).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sirm_testkit::{Client, Engine, Options, TestApp};

const SCAN: &[u8] = b"%PDF-1.4 scanned ID card";

/// Some blind index (`pk` and 32 hex digits) in a page.
fn blind_index_in(page: &str) -> Option<&str> {
    let b = page.as_bytes();
    (0..b.len().saturating_sub(33)).find_map(|i| {
        (&b[i..i + 2] == b"pk"
            && b[i + 2..i + 34]
                .iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)))
        .then(|| &page[i..i + 34])
    })
}

/// The text of the element with `id` up to its end tag `</{tag}>`.
fn element<'a>(page: &'a str, id: &str, tag: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let rest = &page[start..];
    let end = rest.find(&format!("</{tag}>")).unwrap_or(rest.len());
    &rest[..end]
}

/// No internal key, blind index or JSON in `part` (`what` names it).
fn reads_as_chinese(part: &str, what: &str) {
    for key in [
        "registered_on",
        "birth_date",
        "person:",
        "credit_code",
        "{&quot;",
        "{\"",
    ] {
        assert!(!part.contains(key), "{what} shows {key}: {part}");
    }
    assert_eq!(blind_index_in(part), None, "{what}: {part}");
}

async fn decide(c: &Client, id: &str, stage: &str, approve: bool, reason: &str) {
    let (s, v) = c
        .post(
            &format!("/api/v1/applications/{id}/decision"),
            json!({"stage": stage, "approve": approve, "reason": reason}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

fn materials() -> Value {
    json!([{
        "name": "scan.pdf",
        "content_base64": base64::engine::general_purpose::STANDARD.encode(SCAN),
    }])
}

/// A person registration and an employment start taken, decided through
/// four stages: the reviewer's page, then the maintenance log, read as
/// Chinese facts; the audit trail in Beijing time with Chinese events.
async fn reviewers_read_facts_not_keys(engine: Engine) {
    let kit = TestApp::start(Options::new(engine).persons(5)).await;
    let clerk = kit.login("clerk").await;
    let id = "110105199003071220";
    let (s, v) = clerk
        .post(
            "/api/v1/applications",
            json!({
                "business_type": "person.register",
                "data": {"id": id, "name": "王小明", "address": "北京市朝阳区建国路8号",
                         "phone": "13800001111", "registered_on": "2026-11-01"},
                "materials": materials(),
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let app = v["application_id"].as_str().unwrap().to_string();
    let reviewer = kit.login("reviewer").await;
    let (s, page) = reviewer.page(&format!("/applications/{app}")).await;
    assert_eq!(s, StatusCode::OK);
    let data = element(&page, "data", "table");
    assert!(
        data.contains("参保日期") && data.contains("2026-11-01"),
        "{data}"
    );
    reads_as_chinese(data, "raw data");
    let effect = element(&page, "effect", "div");
    assert!(effect.contains("参保登记"), "{effect}");
    assert!(
        effect.contains("110105********1220") && effect.contains("王小明"),
        "the person masked, with the name: {effect}"
    );
    assert!(!effect.contains(id), "the full ID number: {effect}");
    reads_as_chinese(effect, "what approval writes");
    decide(&reviewer, &app, "review", true, "").await;
    decide(&kit.login("rechecker").await, &app, "recheck", true, "").await;
    decide(&kit.login("approver").await, &app, "approval", true, "").await;

    let (s, log) = reviewer.page("/maintenance-log").await;
    assert_eq!(s, StatusCode::OK);
    let table = element(&log, "log", "table");
    assert!(
        table.contains("参保登记") && table.contains("参保人员 110105********1220"),
        "{table}"
    );
    assert!(table.contains("参保日期：2026-11-01"), "{table}");
    reads_as_chinese(table, "maintenance log");

    let (s, audit) = kit.login("auditadmin").await.page("/audit").await;
    assert_eq!(s, StatusCode::OK);
    let table = element(&audit, "audit", "table");
    assert!(
        table.contains("登录成功") && table.contains("北京时间"),
        "{table}"
    );
    assert!(!table.contains(">login.success<"), "{table}");
    assert!(
        table.contains("配置变更") && !table.contains("{&quot;") && !table.contains("{\""),
        "configuration values as lines, not JSON: {table}"
    );
    assert!(
        !table.contains("T0") && !table.contains("Z<"),
        "UTC times: {table}"
    );
    assert_eq!(blind_index_in(table), None, "{table}");
}

/// A unit's application refused at review is closed by its written
/// refusal: the page and the redirect after the decision read 已驳回.
async fn refused_application_reads_refused(engine: Engine) {
    let kit = TestApp::start(Options::new(engine).persons(5)).await;
    let clerk = kit.login("clerk").await;
    let person = sirm_app::testkit::person_ids(&kit.sirm, 1)
        .await
        .unwrap()
        .remove(0);
    let today = sirm_app::rights::today();
    let (s, v) = clerk
        .post(
            "/api/v1/applications",
            json!({
                "business_type": "disclosure.application",
                "data": {
                    "unit_name": "北京某某律师事务所",
                    "credit_code": "91110000100000000R",
                    "contact": "李律师 010-66668888",
                    "purpose": "代理诉讼，核实当事人参保缴费情况",
                    "basis": "《民事诉讼法》第六十七条",
                    "persons": person,
                    "items": "registration",
                    "valid_from": today.to_string(),
                    "valid_until": (today + chrono::Duration::days(30)).to_string(),
                    "uses": 1,
                    "officer": "unit",
                    "credentials": hex::encode(Sha256::digest(SCAN)),
                },
                "materials": materials(),
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let app = v["application_id"].as_str().unwrap().to_string();
    // Refused from the reviewer's form, as a reviewer does it.
    let reviewer = kit.login("reviewer").await;
    let r = reviewer
        .form(
            &format!("/applications/{app}/decision"),
            &[
                ("stage", "review"),
                ("decision", "reject"),
                ("reason", "律师事务所代理诉讼无法律依据查询"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let (s, page) = reviewer.page(&to).await;
    assert_eq!(s, StatusCode::OK);
    let status = element(&page, "status", "span");
    assert!(status.contains("已驳回"), "{status}");
    for p in [
        page.as_str(),
        clerk.page(&format!("/applications/{app}")).await.1.as_str(),
    ] {
        assert!(p.contains("已驳回"), "{p}");
        assert!(!p.contains("已撤回") && !p.contains("已退回受理人"), "{p}");
        assert!(p.contains("无法律依据查询"), "the reason: {p}");
    }
}

/// The accounts page names why each account cannot sign in: locked by an
/// administrator (who, when in Beijing time, the reason), retired, or
/// locked out for a while after failed sign-ins (until when).
async fn accounts_page_says_why_locked(engine: Engine) {
    // A cap other than the default: the upload forms read it from here.
    let kit = TestApp::start(
        Options::new(engine)
            .persons(2)
            .tune(|s| s.config.limits.declaration_upload_mib = 37),
    )
    .await;
    let admin = kit.login("sysadmin").await;
    for (user, action, reason) in [
        ("query", "lock", "离岗调查期间停用"),
        ("statistician", "retire", "调离本单位"),
    ] {
        let r = admin
            .form(
                &format!("/admin/users/{user}/{action}"),
                &[("reason", reason)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{action} {user}");
    }
    for i in 0..6 {
        let (s, _) = kit
            .login_raw("reviewer", &format!("Wrong-password-{i}"), None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, page) = admin.page("/admin/users").await;
    assert_eq!(s, StatusCode::OK);
    let today = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string();
    let row = |user: &str| {
        element(&page, "users", "table")
            .split("<tr")
            .find(|r| r.contains(&format!("data-user=\"{user}\"")))
            .unwrap_or_else(|| panic!("no row {user}"))
            .to_string()
    };
    let locked = row("query");
    assert!(
        locked.contains("管理员锁定")
            && locked.contains("sysadmin")
            && locked.contains("离岗调查期间停用")
            && locked.contains(&today)
            && locked.contains("北京时间"),
        "{locked}"
    );
    let retired = row("statistician");
    assert!(
        retired.contains("账号已注销") && retired.contains("调离本单位"),
        "{retired}"
    );
    let guessed = row("reviewer");
    assert!(
        guessed.contains("连续登录失败") && guessed.contains(&today),
        "{guessed}"
    );
    let fine = row("approver");
    assert!(fine.contains("<td class=\"lock-reason\"></td>"), "{fine}");

    // The 403 page knows who is signed in, and offers the way home and the
    // way to sign in as somebody else.
    let clerk = kit.login("clerk").await;
    let (s, page) = clerk.page("/crosscheck").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let who = element(&page, "signed-in", "p");
    assert!(
        who.contains("当前登录：") && who.contains("clerk") && who.contains("初审（前台经办）"),
        "{who}"
    );
    assert!(
        page.contains("返回我的首页") && page.contains("action=\"/logout\""),
        "{page}"
    );

    // Upload forms say what they take before anything is sent, with the
    // caps the server enforces.
    let (_, page) = clerk.page("/declarations/new").await;
    let rules = element(&page, "upload-rules", "p");
    assert!(
        rules.contains("37 MiB") && rules.contains("UTF-8") && rules.contains("XLSX"),
        "{rules}"
    );
    let (_, page) = clerk.page("/applications/new").await;
    let rules = element(&page, "upload-rules", "p");
    assert!(
        rules.contains("PDF、PNG、JPEG") && rules.contains("20 MiB") && rules.contains("64 MiB"),
        "{rules}"
    );
}

sirm_testkit::both_engines!(
    reviewers_read_facts_not_keys,
    refused_application_reads_refused,
    accounts_page_says_why_locked
);
