//! `sirm rules list|show --installation|import` and `sirm calc
//! --installation --version` against a demo installation on both engines,
//! and `sirm init --rules` refusing demo figures and another region's set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use sirm_app::{Access, Principal, Sirm};
use sirm_domain::access::Role;
use sirm_store::Engine;

use crate::e2e::{stderr, stdout, text, write_file, Install};

const DEMO: &str = include_str!("../../../rulesets/demo-110105.toml");

sirm_testkit::both_engines!(sync: import_list_show_and_calc_by_version);

fn staff(username: &str, role: Role) -> Principal {
    Principal {
        username: username.into(),
        display_name: username.into(),
        agency: "110105".into(),
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

/// Review, recheck and approve `id` (three people besides the taker).
fn approve(i: &Install, id: &str) {
    let opts = i.open_options();
    let id = id.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let sirm = Sirm::open(&opts, Access::Sign).await.unwrap();
            for (user, role, stage) in [
                ("reviewer", Role::Reviewer, "review"),
                ("rechecker", Role::Rechecker, "recheck"),
                ("approver", Role::Approver, "approval"),
            ] {
                sirm.decide_application(&staff(user, role), &id, stage, true, "")
                    .await
                    .unwrap();
            }
            sirm.store_for_maintenance().close().await;
        })
    })
    .join()
    .unwrap();
}

fn calc_base(i: &Install, version: &str) -> Value {
    let input = write_file(
        i.dir.path(),
        "base.json",
        r#"{"region": "110105", "year": 2026, "declared_wage": "40000.00"}"#,
    );
    let out = i.sirm(&[
        "calc",
        "base",
        "--input",
        input.to_str().unwrap(),
        "--installation",
        "--version",
        version,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn import_list_show_and_calc_by_version(engine: Engine) {
    let i = Install::demo(engine, 3);
    let out = i.sirm(&["rules", "list"]);
    assert!(out.status.success(), "{}", text(&out));
    let list = stdout(&out);
    assert!(
        list.contains("demo-110105 v1  in force from the start"),
        "{list}"
    );
    assert!(list.contains("[demo figures]"), "{list}");

    // A new version, in force from 2026-12, through the review chain.
    let v2 = DEMO
        .replace("version = 1\n", "version = 2\nvalid_from = \"2026-12\"\n")
        .replace("avg_wage = \"12480.00\"", "avg_wage = \"12999.00\"");
    let file = write_file(i.dir.path(), "demo-v2.toml", &v2);
    let scan = write_file(i.dir.path(), "notice.pdf", "%PDF-1.4 announcement");
    let out = i.sirm(&[
        "rules",
        "import",
        file.to_str().unwrap(),
        "--reason",
        "京人社发〔2026〕1号 (demo)",
        "--material",
        scan.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let said = stdout(&out);
    assert!(
        said.contains("years.2026.avg_wage: 12480.00 -> 12999.00"),
        "{said}"
    );
    let id = said
        .split_whitespace()
        .find(|w| w.starts_with("AP-"))
        .unwrap()
        .to_string();
    // Filed is not in force.
    assert!(!stdout(&i.sirm(&["rules", "list"])).contains(" v2 "));
    approve(&i, &id);
    let list = stdout(&i.sirm(&["rules", "list"]));
    assert!(
        list.contains("demo-110105 v2  in force from 2026-12"),
        "{list}"
    );

    // Either version, for an auditor: shown and computed with.
    for (v, avg) in [("1", "12480.00"), ("2", "12999.00")] {
        let out = i.sirm(&[
            "rules",
            "show",
            "--installation",
            "--version",
            v,
            "--year",
            "2026",
        ]);
        assert!(out.status.success(), "{}", text(&out));
        let shown: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(shown["params"]["avg_wage"], avg, "{shown}");
        assert_eq!(shown["rule_set"]["hash"].as_str().map(str::len), Some(64));
    }
    let v1 = calc_base(&i, "1");
    assert_eq!(v1["ceiling"], "37440");
    assert_eq!(
        v1["rule_set"]["hash"].as_str().map(str::len),
        Some(64),
        "{v1}"
    );
    assert_eq!(calc_base(&i, "2")["ceiling"], "38997");
    let out = i.sirm(&["rules", "show", "--installation", "--version", "9"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("--version 9"), "{}", text(&out));

    // The same file again: out of sequence, refused by its rule, exit 1.
    let out = i.sirm(&[
        "rules",
        "import",
        file.to_str().unwrap(),
        "--reason",
        "again",
        "--material",
        scan.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("the next version of this rule set must be 3"),
        "{}",
        text(&out)
    );
}

/// `sirm init --rules`: demo figures and another region's set are refused
/// with a one-line error; nothing is created.
#[test]
fn init_refuses_demo_figures_and_other_regions() {
    let i = Install::new(Engine::Sqlite);
    let pw = write_file(i.dir.path(), "pw", "Str0ng-Passw0rd-2026\n");
    let init = |rules: &std::path::Path| {
        i.sirm(&[
            "init",
            "--region",
            "110105",
            "--agency-name",
            "X",
            "--admin-user",
            "sysadmin",
            "--security-admin-user",
            "secadmin",
            "--audit-admin-user",
            "auditadmin",
            "--admin-password-file",
            pw.to_str().unwrap(),
            "--rules",
            rules.to_str().unwrap(),
        ])
    };
    let demo = write_file(i.dir.path(), "demo.toml", DEMO);
    let out = init(&demo);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("invented demo figures"),
        "{}",
        text(&out)
    );
    assert!(!i.data().exists(), "nothing is created");
    let other = write_file(
        i.dir.path(),
        "other.toml",
        &include_str!("../../../rulesets/example-320102.toml")
            .replace("demo = true", "demo = false"),
    );
    let out = init(&other);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("this installation serves pooling region 110105"),
        "{}",
        text(&out)
    );
    assert!(!i.data().exists(), "nothing is created");
    // A real set names where its figures come from.
    let unsourced = write_file(
        i.dir.path(),
        "unsourced.toml",
        &DEMO.replace("demo = true", "demo = false"),
    );
    let out = init(&unsourced);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("names no sources"), "{}", text(&out));
    assert!(!i.data().exists(), "nothing is created");
    // The region's own set, figures taken as real: installed with it.
    let real = write_file(
        i.dir.path(),
        "real.toml",
        &DEMO.replace(
            "demo = true",
            "demo = false\nsources = [\"京人社发〔2026〕1号 (test)\"]",
        ),
    );
    let out = init(&real);
    assert!(out.status.success(), "{}", text(&out));
    let list = stdout(&i.sirm(&["rules", "list"]));
    assert!(list.contains("demo-110105 v1"), "{list}");
    assert!(!list.contains("[demo figures]"), "{list}");
}
