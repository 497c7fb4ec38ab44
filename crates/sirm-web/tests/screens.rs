//! What reviewers and administrators read (#17), over real HTTP on SQLite
//! and PostgreSQL: the application page, the maintenance log and the audit
//! trail speak the glossary's Chinese (no `registered_on`, no `pk…`, no
//! `person:`, no JSON); a unit's application refused in writing reads
//! 已驳回, never 已撤回 (the API's `outcome`: refused); record pages group
//! months by year with totals, two decimals and employer names; a
//! declaration file's rejected rows and per-insurance totals; the accounts
//! page says why an account is locked, by whom and when (Beijing time).
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
    // The API means the same: `outcome` refused (the stored status kept).
    let (s, v) = clerk.get(&format!("/api/v1/applications/{app}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["outcome"].as_str(), v["application"]["status"].as_str()),
        (Some("refused"), Some("withdrawn")),
        "{v}"
    );
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

/// Approve application `id` through the three stages after the counter.
async fn approve_all(kit: &TestApp, id: &str) {
    for (user, stage) in [
        ("reviewer", "review"),
        ("rechecker", "recheck"),
        ("approver", "approval"),
    ] {
        decide(&kit.login(user).await, id, stage, true, "").await;
    }
}

/// Two decimals, e.g. "6500.50": every amount of `part` between tags.
fn amounts_have_two_decimals(part: &str, what: &str) {
    for cell in part.split("<span class=\"num\">").skip(1) {
        let text = cell.split('<').next().unwrap_or("");
        let (whole, dec) = text
            .split_once('.')
            .unwrap_or_else(|| panic!("{what}: {text}"));
        assert!(
            !whole.is_empty()
                && whole.chars().all(|c| c.is_ascii_digit() || c == '-')
                && dec.len() == 2,
            "{what}: {text}"
        );
    }
}

/// A declaration file with two bad rows: the reviewer reads the rejected
/// rows as a table (line, field, masked value, Chinese reason), what
/// approval writes as totals per insurance type (equal to what is then
/// written) and a sample, the review history with Beijing times and staff
/// names; after a second month in another year, the staff lookup shows the
/// months grouped by year (latest open) with yearly totals, amounts with
/// two decimals, the employer's name beside its credit code.
async fn money_tables_and_file_decisions(engine: Engine) {
    let kit = TestApp::start(Options::new(engine).persons(3)).await;
    let (employer, persons) = crate::uploads::employer_with_staff(&kit, 2).await;
    let clerk = kit.login("clerk").await;
    let stranger = "110105199003071220";
    let csv = format!(
        "公民身份号码,月工资\n{},8000.00\n{},6500.5\n{stranger},5000\n{},abc\n",
        persons[0], persons[1], persons[1]
    );
    let r = crate::uploads::declare_for(&clerk, &employer, "2024-07", "july.csv", csv.into_bytes())
        .await;
    let r = r.report();
    assert_eq!(
        (r["accepted"].as_u64(), r["rejected_count"].as_u64()),
        (Some(2), Some(2)),
        "{r}"
    );
    let app = r["application_id"].as_str().unwrap().to_string();

    let reviewer = kit.login("reviewer").await;
    let (s, page) = reviewer.page(&format!("/applications/{app}")).await;
    assert_eq!(s, StatusCode::OK);
    let rejected = element(&page, "rejected-rows", "table");
    let row = |line: u64| {
        rejected
            .split("<tr")
            .find(|r| r.contains(&format!("data-line=\"{line}\"")))
            .unwrap_or_else(|| panic!("no line {line}: {rejected}"))
            .to_string()
    };
    let not_employed = row(4);
    assert!(
        not_employed.contains("公民身份号码") && not_employed.contains("110105********1220"),
        "{not_employed}"
    );
    let bad_wage = row(5);
    assert!(
        bad_wage.contains("申报工资") && bad_wage.contains("abc"),
        "{bad_wage}"
    );
    for r in [&not_employed, &bad_wage] {
        let reason = r.split("data-label=\"原因\">").nth(1).unwrap_or("");
        assert!(
            reason.chars().next().is_some_and(|c| !c.is_ascii()),
            "a Chinese reason: {r}"
        );
    }
    assert!(
        !page.contains(stranger) && !page.contains(&persons[0]),
        "an ID number in clear"
    );
    // The API says the same, the ID number masked there too.
    let (s, v) = reviewer.get(&format!("/api/v1/applications/{app}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["outcome"], "pending", "{v}");
    assert_eq!(
        v["file_preview"]["rejected"][0]["id"], "110105********1220",
        "{v}"
    );
    assert!(!v.to_string().contains(stranger), "{v}");
    let totals = element(&page, "file-totals", "table");
    for kind in [
        "养老保险",
        "医疗保险",
        "失业保险",
        "工伤保险",
        "单位缴费",
        "个人缴费",
    ] {
        assert!(totals.contains(kind), "{kind}: {totals}");
    }
    amounts_have_two_decimals(totals, "totals");
    let sample = element(&page, "file-sample", "table");
    assert!(
        sample.contains("6500.50") && sample.contains("8000.00"),
        "{sample}"
    );
    amounts_have_two_decimals(sample, "sample");
    reads_as_chinese(sample, "sample");
    // The pension row's employer part, to compare with what is written.
    let pension = totals
        .split("<tr")
        .find(|r| r.contains("养老保险"))
        .unwrap()
        .to_string();
    let pension_employer = pension.split("<span class=\"num\">").nth(1).unwrap();
    let pension_employer: rust_decimal::Decimal =
        pension_employer.split('<').next().unwrap().parse().unwrap();

    approve_all(&kit, &app).await;
    let (_, page) = reviewer.page(&format!("/applications/{app}")).await;
    let steps = element(&page, "steps", "table");
    for (who, name) in [
        ("clerk", "初审 陈晓"),
        ("reviewer", "审核 杨帆"),
        ("approver", "审批 黄强"),
    ] {
        assert!(
            steps.contains(&format!("{who}（{name}）")),
            "{who}: {steps}"
        );
    }
    let times = steps
        .split("<td class=\"nowrap\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(times.len(), 4, "taken (初审) and three stages: {steps}");
    for t in &times {
        assert!(
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").is_ok(),
            "Beijing time to the minute: {t}"
        );
    }
    let written: rust_decimal::Decimal = {
        let mut sum = rust_decimal::Decimal::ZERO;
        for p in &persons {
            let pk = sirm_app::testkit::pk_of(&kit.sirm, p)
                .unwrap()
                .parse()
                .unwrap();
            let rec = kit.sirm.rights_of(&pk).await.unwrap();
            sum += rec
                .contributions
                .iter()
                .map(|c| c.pension_employer)
                .sum::<rust_decimal::Decimal>();
        }
        sum
    };
    assert_eq!(
        pension_employer, written,
        "the preview's total is what approval wrote"
    );

    // A month of another year, then the staff lookup of the first person.
    let csv = format!("{},9100\n", persons[0]);
    let r =
        crate::uploads::declare_for(&clerk, &employer, "2025-03", "march.csv", csv.into_bytes())
            .await;
    approve_all(&kit, r.report()["application_id"].as_str().unwrap()).await;
    let query = kit.login("query").await;
    let r = query.form("/persons", &[("id", persons[0].as_str())]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let groups = element(&page, "contributions", "div");
    let open_2025 = groups.find("data-year=\"2025\"").expect("2025");
    let open_2024 = groups.find("data-year=\"2024\"").expect("2024");
    assert!(open_2025 < open_2024, "the latest year first: {groups}");
    let tag = |at: usize| &groups[groups[..at].rfind("<details").unwrap()..at];
    assert!(
        tag(open_2025).contains(" open"),
        "the latest year open: {groups}"
    );
    assert!(
        !tag(open_2024).contains(" open"),
        "earlier years closed: {groups}"
    );
    assert_eq!(groups.matches("本年合计").count(), 2, "{groups}");
    assert!(
        groups.contains("9100.00") && groups.contains("8000.00"),
        "bases with two decimals: {groups}"
    );
    amounts_have_two_decimals(groups, "contributions");
    let name = kit
        .sirm
        .employer_names(std::slice::from_ref(&employer))
        .await
        .unwrap();
    let name = name.get(&employer).expect("the employer's name");
    for part in [groups, element(&page, "employment", "table")] {
        assert!(
            part.contains(&format!("<span class=\"nowrap code\">{employer}</span> <span class=\"unit-name\">{name}</span>")),
            "the name beside the code: {part}"
        );
    }
}

sirm_testkit::both_engines!(
    reviewers_read_facts_not_keys,
    refused_application_reads_refused,
    accounts_page_says_why_locked,
    money_tables_and_file_decisions
);
