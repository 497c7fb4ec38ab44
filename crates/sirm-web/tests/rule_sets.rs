//! Rule sets as reviewed, versioned data (Art 6), on both engines:
//! - an installation for a region other than the demo's starts without
//!   figures and refuses business that needs them; imports its rule set
//!   through the review chain; declares and approves a month with it;
//!   imports the next year's figures as a new version; computes the next
//!   year with them while the earlier figures stay as computed; refuses a
//!   version that would rewrite computed figures, one out of sequence, a
//!   demo set, a set of another region and a file that fails validation —
//!   each by its rule, nothing in force changing;
//! - `sirm init` refuses a demo set and writes nothing;
//! - on the demo, the parameters page lists the versions and the review
//!   page shows the figures a new version changes.
//!
//! The use cases run with principals built for the test (the accounts'
//! roles as the review chain needs them): signing in is tested elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::{json, Value};
use sirm_app::install::{init, InitRequest};
use sirm_app::{Access, AppError, OpenOptions, Principal, Sirm};
use sirm_domain::access::Role;
use sirm_domain::rules::Format;
use sirm_domain::RuleId;
use sirm_testkit::{both_engines, Engine, TestApp};

const EXAMPLE: &str = include_str!("../../../rulesets/example-320102.toml");
const DEMO: &str = include_str!("../../../rulesets/demo-110105.toml");
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n announcement";

both_engines!(a_region_imports_its_rules_through_review);

/// The example set as an agency would import it: its figures taken as
/// published (the test's), the demo flag removed.
fn real_320102() -> String {
    EXAMPLE.replace("demo = true", "demo = false")
}

/// Version 2: from 2026-01, the 2026 average wage as "published" anew.
fn version_2() -> String {
    real_320102()
        .replace("version = 1\n", "version = 2\nvalid_from = \"2026-01\"\n")
        .replace("avg_wage = \"10458.00\"", "avg_wage = \"11000.00\"")
}

fn principal(username: &str, role: Role) -> Principal {
    Principal {
        username: username.into(),
        display_name: username.into(),
        agency: "320102".into(),
        kind: sirm_domain::status::AccountKind::Staff,
        roles: vec![role],
        person_id: None,
        employer: None,
        source: "test".into(),
        pending: None,
        session: None,
        notice: None,
    }
}

struct Office {
    sirm: Sirm,
}

impl Office {
    /// Submit as `taker`, then review, recheck and approve (four people).
    async fn through_chain(&self, taker: Role, bt: &str, data: Value) -> Result<String, AppError> {
        let m = self.sirm.archive().put("scan.png", PNG).await?;
        let who = principal(&format!("taker-{}", taker.as_str()), taker);
        let id = self
            .sirm
            .submit_application(&who, bt, data, vec![m])
            .await?;
        self.decide_all(&id).await?;
        Ok(id)
    }

    /// Review, recheck and approve `id`, each by another person.
    async fn decide_all(&self, id: &str) -> Result<(), AppError> {
        for (user, role, stage) in [
            ("reviewer", Role::Reviewer, "review"),
            ("rechecker", Role::Rechecker, "recheck"),
            ("approver", Role::Approver, "approval"),
        ] {
            let status = self
                .sirm
                .decide_application(&principal(user, role), id, stage, true, "")
                .await?;
            if stage == "approval" {
                assert_eq!(status, "approved");
            }
        }
        Ok(())
    }

    async fn submit_import(&self, text: &str) -> Result<String, AppError> {
        let m = self.sirm.archive().put("scan.png", PNG).await?;
        let data = json!({"format": "toml", "text": text, "reason": "test"});
        self.sirm
            .submit_application(
                &principal("maintainer", Role::MaintenanceOfficer),
                "rule_set.import",
                data,
                vec![m],
            )
            .await
    }

    async fn versions(&self) -> Vec<u32> {
        let rules = self.sirm.installed_rules().await.unwrap();
        rules.region.all().iter().map(|s| s.version()).collect()
    }

    /// (base, rule set) of a person-month as recorded.
    async fn figures(&self, person: &str, month: &str) -> (String, String) {
        let pk = sirm_app::testkit::pk_of(&self.sirm, person).unwrap();
        let rows = self
            .sirm
            .store_for_maintenance()
            .contributions_of(&pk)
            .await
            .unwrap();
        let row = rows.iter().find(|r| r.month.to_string() == month).unwrap();
        (row.base.to_string(), row.rule_set.clone())
    }
}

fn rule_of(e: &AppError) -> Option<RuleId> {
    e.rule()
}

async fn a_region_imports_its_rules_through_review(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = OpenOptions::new(dir.path().join("data"));
    let mut schema = None;
    if engine == Engine::Postgres {
        opts.database_url = Some(sirm_testkit::postgres_url());
        let s = sirm_testkit::unique("r_");
        opts.database_schema = Some(s.clone());
        schema = Some(s);
    }
    let request = |rules: Option<String>| InitRequest {
        region: "320102".into(),
        agency_name: "南京市玄武区社会保险经办机构".into(),
        admin_username: "sysadmin".into(),
        admin_display_name: "系统管理员".into(),
        admin_password: "Str0ng-Passw0rd-2026".into(),
        security_admin: ("secadmin".into(), "安全管理员".into()),
        audit_admin: ("auditadmin".into(), "审计管理员".into()),
        profile: Default::default(),
        rules: rules.map(|t| (Format::Toml, t)),
        demo: false,
    };
    // `sirm init --rules` with demo figures: refused, nothing written.
    let e = init(&opts, &request(Some(EXAMPLE.into())))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&e), Some(RuleId::RuleSetDemo), "{e}");
    assert!(!opts.data_dir.is_installed());
    // A set of another region: refused too.
    let e = init(
        &opts,
        &request(Some(DEMO.replace("demo = true", "demo = false"))),
    )
    .await
    .unwrap_err();
    assert_eq!(rule_of(&e), Some(RuleId::RuleSetRegion), "{e}");
    assert!(!opts.data_dir.is_installed());
    // Without rules: the installation starts.
    init(&opts, &request(None)).await.unwrap();
    let office = Office {
        sirm: Sirm::open(&opts, Access::Sign).await.unwrap(),
    };
    assert!(office.versions().await.is_empty());

    // Registration needs no figures.
    let employer = sirm_domain::id::CreditCode::from_body("91320102MA1W2X3Y4")
        .unwrap()
        .as_str()
        .to_string();
    office
        .through_chain(
            Role::Clerk,
            "employer.register",
            json!({"credit_code": employer, "name": "玄武示例科技有限公司", "address": "南京市玄武区珠江路1号",
                   "industry_class": 1, "registered_on": "2020-01-02"}),
        )
        .await
        .unwrap();
    let region: sirm_domain::id::RegionCode = "320102".parse().unwrap();
    let person = sirm_domain::id::ResidentId::from_parts(
        &region,
        chrono::NaiveDate::from_ymd_opt(1990, 3, 7).unwrap(),
        123,
    )
    .unwrap()
    .as_str()
    .to_string();
    office
        .through_chain(
            Role::Clerk,
            "person.register",
            json!({"id": person, "name": "李示例", "address": "南京市玄武区中山路2号",
                   "phone": "13900002222", "registered_on": "2020-01-02"}),
        )
        .await
        .unwrap();
    office
        .through_chain(
            Role::Clerk,
            "employment.start",
            json!({"id": person, "credit_code": employer, "start_on": "2020-01-02"}),
        )
        .await
        .unwrap();
    let declare = |month: &str| {
        json!({"credit_code": employer, "month": month,
               "lines": [{"id": person, "declared_wage": "40000.00"}]})
    };
    // A declaration needs figures: refused by rule, naming region and month.
    let e = office
        .through_chain(Role::Clerk, "contribution.declare", declare("2025-06"))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&e), Some(RuleId::RuleSetMissing), "{e}");
    assert!(
        e.to_string()
            .contains("no rule set for region 320102 for 2025-06"),
        "{e}"
    );

    // Imports that fail: nothing in force changes.
    let e = office.submit_import(EXAMPLE).await.unwrap_err();
    assert_eq!(rule_of(&e), Some(RuleId::RuleSetDemo), "{e}");
    let typo = real_320102().replace("avg_wage = \"9412.00\"", "avg_wag = \"9412.00\"");
    let e = office.submit_import(&typo).await.unwrap_err();
    assert_eq!(rule_of(&e), Some(RuleId::RuleSetInvalid), "{e}");
    assert!(e.to_string().contains("years.2023.avg_wag"), "{e}");
    let bare = real_320102().replace("avg_wage = \"9412.00\"", "avg_wage = 9412");
    let e = office.submit_import(&bare).await.unwrap_err();
    assert!(e.to_string().contains("years.2023.avg_wage"), "{e}");
    // Submitted is not in force: the review chain decides.
    let pending = office.submit_import(&real_320102()).await.unwrap();
    assert!(office.versions().await.is_empty());
    // The maintenance officer may not review his own import (four eyes).
    let e = office
        .sirm
        .decide_application(
            &principal("maintainer", Role::Reviewer),
            &pending,
            "review",
            true,
            "",
        )
        .await
        .unwrap_err();
    assert_eq!(rule_of(&e), Some(RuleId::FourEyes), "{e}");
    // Three more people decide: version 1 is in force.
    office.decide_all(&pending).await.unwrap();
    let reviewer = principal("reader", Role::Reviewer);
    let app = pending;
    assert!(app.starts_with("AP-"));
    assert_eq!(office.versions().await, vec![1]);
    let v1 = office.sirm.rule_sets(&reviewer).await.unwrap().remove(0);
    assert_eq!(v1.id, "example-320102");
    assert_eq!(v1.hash.as_deref().map(str::len), Some(64));

    // A month declared and approved with it.
    office
        .through_chain(Role::Clerk, "contribution.declare", declare("2025-06"))
        .await
        .unwrap();
    let (base_2025, set_2025) = office.figures(&person, "2025-06").await;
    assert_eq!(set_2025, "example-320102 v1");
    // 40,000 is above the ceiling: 3 × the 2025 average wage (10,133.00).
    assert_eq!(base_2025, "30399");

    // The next year's figures as version 2, in force from 2026-01: the
    // reviewers see what changes and that nothing computed changes.
    let m = office.sirm.archive().put("scan.png", PNG).await.unwrap();
    let v2_app = office
        .sirm
        .submit_application(
            &principal("maintainer", Role::MaintenanceOfficer),
            "rule_set.import",
            json!({"format": "toml", "text": version_2(), "reason": "2026 figures"}),
            vec![m],
        )
        .await
        .unwrap();
    let preview = office
        .sirm
        .application_rule_set_preview(&reviewer, &v2_app)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let keys: Vec<&str> = preview
        .diff
        .changes
        .iter()
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(
        keys,
        ["rule_set.valid_from", "years.2026.avg_wage"],
        "{keys:?}"
    );
    assert_eq!(preview.diff.years_changed(), vec![2026]);
    assert_eq!(preview.computed_since.as_ref().map(|c| c.persons), Some(0));
    office.decide_all(&v2_app).await.unwrap();
    assert_eq!(office.versions().await, vec![1, 2]);
    office
        .through_chain(Role::Clerk, "contribution.declare", declare("2026-03"))
        .await
        .unwrap();
    let (base_2026, set_2026) = office.figures(&person, "2026-03").await;
    assert_eq!(set_2026, "example-320102 v2");
    assert_eq!(base_2026, "33000", "3 × 11,000.00 under version 2");
    // The earlier month stays as computed.
    assert_eq!(
        office.figures(&person, "2025-06").await,
        (base_2025, set_2025)
    );
    // Every figure records the version's hash.
    let (info, _) = office
        .sirm
        .rule_set_document(&reviewer, Some(2))
        .await
        .unwrap();
    let pk = sirm_app::testkit::pk_of(&office.sirm, &person).unwrap();
    let assessed = office
        .sirm
        .store_for_maintenance()
        .entries_for_subject(&format!("person:{pk}"))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "contribution.assessed")
        .map(|e| {
            let v: Value = serde_json::from_str(&e.payload).unwrap();
            v["result"]["rule_set"]["hash"].clone()
        })
        .collect::<Vec<_>>();
    assert_eq!(assessed.len(), 2);
    assert_eq!(assessed[1], json!(info.hash.unwrap()));
    assert_eq!(assessed[0], json!(v1.hash.unwrap()));

    // A version that would rewrite 2026-03: refused, naming the months.
    let rewrite = version_2()
        .replace("version = 2\n", "version = 3\n")
        .replace("valid_from = \"2026-01\"", "valid_from = \"2026-02\"")
        .replace("avg_wage = \"11000.00\"", "avg_wage = \"11500.00\"");
    let e = office.submit_import(&rewrite).await.unwrap_err();
    assert_eq!(rule_of(&e), Some(RuleId::RuleSetPastFigures), "{e}");
    assert!(e.to_string().contains("2026-02–2026-03"), "{e}");
    // Overlapping periods and a skipped version: refused by their rule.
    let overlap = version_2().replace("version = 2\n", "version = 3\n");
    let e = office.submit_import(&overlap).await.unwrap_err();
    assert_eq!(rule_of(&e), Some(RuleId::RuleSetSuccession), "{e}");
    let skipped = version_2()
        .replace("version = 2\n", "version = 4\n")
        .replace("valid_from = \"2026-01\"", "valid_from = \"2027-01\"");
    let e = office.submit_import(&skipped).await.unwrap_err();
    assert_eq!(rule_of(&e), Some(RuleId::RuleSetSuccession), "{e}");
    assert_eq!(office.versions().await, vec![1, 2]);

    // The rewrite as an explicit recalculation: the reviewers see each
    // person-month, old and new; approval corrects them under version 3.
    let m = office.sirm.archive().put("scan.png", PNG).await.unwrap();
    let recalc = office
        .sirm
        .submit_application(
            &principal("maintainer", Role::MaintenanceOfficer),
            "rule_set.import",
            json!({"format": "toml", "text": rewrite, "reason": "2026 figures corrected", "recalculate": "是"}),
            vec![m],
        )
        .await
        .unwrap();
    let p = office
        .sirm
        .application_rule_set_preview(&reviewer, &recalc)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(p.recalculation.len(), 1, "{:?}", p.recalculation);
    let line = &p.recalculation[0];
    assert_eq!(
        (
            line.month.as_str(),
            line.old_base.as_str(),
            line.new_base.as_str()
        ),
        ("2026-03", "33000", "34500")
    );
    assert!(line.person.contains('*'), "masked: {}", line.person);
    assert_eq!(line.old_rule_set, "example-320102 v2");
    office.decide_all(&recalc).await.unwrap();
    assert_eq!(office.versions().await, vec![1, 2, 3]);
    assert_eq!(
        office.figures(&person, "2026-03").await,
        ("34500".to_string(), "example-320102 v3".to_string())
    );
    assert_eq!(
        office.figures(&person, "2025-06").await,
        ("30399".to_string(), "example-320102 v1".to_string())
    );
    // The projection still equals a replay of the ledger.
    let report = office.sirm.verify_projections(None).await.unwrap();
    assert!(report.difference.is_none(), "{:?}", report.difference);

    office.sirm.store_for_maintenance().close().await;
    if let Some(s) = schema {
        sirm_testkit::drop_postgres_schema(s);
    }
}

/// The demo: the parameters page, and the figures a new version changes on
/// the review page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_page_and_review_diff() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let maintainer = app.login("maintainer").await;
    let (s, page) = maintainer.page("/rules").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("demo-110105"), "{page}");
    assert!(page.contains("演示数据"), "{page}");
    assert!(page.contains("/applications/new?type=rule_set.import"));
    assert!(
        page.contains("本月生效"),
        "v1 is in force this month: {page}"
    );
    let (s, one) = maintainer.page("/rules/1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(one.contains("years.2026.avg_wage"), "{one}");
    let (s, _) = maintainer.page("/rules/99").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Staff without a business role, and citizens, do not see parameters.
    let citizen = app.login("citizen").await;
    let (s, _) = citizen.page("/rules").await;
    assert!(s.is_client_error(), "{s}");
    // The demo accepts a new version of its demo set.
    let v2 = DEMO
        .replace("version = 1\n", "version = 2\nvalid_from = \"2026-12\"\n")
        .replace("avg_wage = \"12480.00\"", "avg_wage = \"12999.00\"");
    let (s, v) = maintainer
        .post(
            "/api/v1/applications",
            json!({
                "business_type": "rule_set.import",
                "data": {"format": "toml", "text": v2, "reason": "demo"},
                "materials": [{"name": "通知.pdf", "content_base64": "JVBERi0xLjQ="}]
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["application_id"].as_str().unwrap().to_string();
    // One open import per rule set: the same again is refused.
    let (s, again) = maintainer
        .post(
            "/api/v1/applications",
            json!({
                "business_type": "rule_set.import",
                "data": {"format": "TOML", "text": v2, "reason": "demo"},
                "materials": [{"name": "通知.pdf", "content_base64": "JVBERi0xLjQ="}]
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{again}");
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("already in review"),
        "{again}"
    );
    let reviewer = app.login("reviewer").await;
    let (s, review) = reviewer.page(&format!("/applications/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(review.contains("rule-set-diff"), "{review}");
    assert!(review.contains("years.2026.avg_wage"), "{review}");
    assert!(review.contains("12480.00") && review.contains("12999.00"));
    // The document as written, in a block of its own.
    assert!(review.contains("<pre class=\"doc\">"), "{review}");
    let (_, reviewer_home) = reviewer.page("/home").await;
    assert!(reviewer_home.contains("href=\"/rules\""), "{reviewer_home}");
    // A clerk's view of the queue page links the parameters for the
    // maintenance officer only.
    let (_, home) = maintainer.page("/home").await;
    assert!(home.contains("href=\"/rules\""), "{home}");
}
