//! The database administrator's operations page and `/metrics` (issue
//! "Keeping the records for ever", item 3): the newest backup per
//! destination, the last readability check, request counts; both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sirm_app::backup::{self, Destination};
use sirm_testkit::{both_engines, Engine, Options, StatusCode, TestApp};

both_engines!(operations_page_and_metrics_show_backups_and_checks);

async fn operations_page_and_metrics_show_backups_and_checks(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    let offsite = dir.path().join("offsite");
    let (_, recipient) = backup::generate_identity();
    let (l, o, r) = (local.clone(), offsite.clone(), recipient.clone());
    let mut opts = Options::new(engine);
    opts.tune = Some(Box::new(move |sirm| {
        sirm.config.backup.recipients = vec![r];
        sirm.config.backup.destinations = vec![
            backup::DestinationConfig {
                name: "local".into(),
                path: Some(l),
                ..Default::default()
            },
            backup::DestinationConfig {
                name: "offsite".into(),
                path: Some(o),
                ..Default::default()
            },
        ];
    }));
    let app = TestApp::start(opts).await;
    let dba = app.login("dba").await;

    // Before any backup: the page says so.
    let (s, html) = dba.page("/operations").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("尚未进行可读性检测"), "{html}");
    assert!(html.contains("local") && html.contains("异常"), "{html}");

    // One backup to "local" only, then a check: "offsite" has none.
    let recipients = backup::parse_recipients(&[recipient]).unwrap();
    let dest = Destination::directory("local", &local, true).unwrap();
    let report = app.sirm.backup_to(&dest, &recipients).await.unwrap();
    let dests = vec![dest];
    let check = app.sirm.check(&dests, None, None).await.unwrap();
    assert!(check.is_clean(), "{:?}", check.findings);

    let (s, html) = dba.page("/operations").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("<td>{}</td>", report.tree_size)),
        "{html}"
    );
    assert!(html.contains("id=\"last-check\""), "{html}");
    assert!(html.contains("无异常"), "{html}");
    assert!(
        html.contains("backup.started") && html.contains("check.completed"),
        "{html}"
    );
    assert!(html.contains("no backup yet"), "offsite has none: {html}");

    // Only the database administrator: the auditor and a clerk are refused.
    for user in ["auditadmin", "clerk"] {
        let (s, _) = app.login(user).await.page("/operations").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}");
    }

    // /metrics, anonymously: numbers, no identifier.
    let text = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("sirm_ledger_entries "), "{text}");
    assert!(
        text.contains("sirm_backup_age_seconds{destination=\"local\"}"),
        "{text}"
    );
    assert!(
        text.contains("sirm_backup_ok{destination=\"offsite\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("sirm_backup_ok{destination=\"local\"} 1"),
        "{text}"
    );
    assert!(text.contains("sirm_check_last_ok 1"), "{text}");
    assert!(
        text.contains("sirm_http_responses_total{class=\"2xx\"}"),
        "{text}"
    );
    assert!(
        text.contains("sirm_http_request_duration_seconds_count"),
        "{text}"
    );
    for id in sirm_app::testkit::person_ids(&app.sirm, 100).await.unwrap() {
        assert!(!text.contains(&id), "an ID number in /metrics");
    }

    // A damaged backup: the next check fails, and the alarm stays on every
    // administrator's workbench (not a clerk's) until the database
    // administrator marks it handled.
    let inc = std::fs::read_dir(local.join("increments"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&inc).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&inc, bytes).unwrap();
    let check = app.sirm.check(&dests, None, None).await.unwrap();
    assert!(!check.is_clean());
    for (user, shown) in [
        ("sysadmin", true),
        ("auditadmin", true),
        ("dba", true),
        ("clerk", false),
    ] {
        let (_, html) = app.login(user).await.page("/home").await;
        assert_eq!(html.contains("id=\"check-alarm\""), shown, "{user}: {html}");
    }
    let seq = app
        .sirm
        .check_alarm()
        .await
        .unwrap()
        .unwrap()
        .seq
        .to_string();
    let r = dba
        .form("/operations/acknowledge", &[("check", &seq), ("note", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = dba
        .form(
            "/operations/acknowledge",
            &[
                ("check", &seq),
                ("note", "restored the increment from the local copy"),
            ],
        )
        .await;
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    let (_, html) = app.login("sysadmin").await.page("/home").await;
    assert!(!html.contains("id=\"check-alarm\""), "{html}");
    // Only the database administrator may mark it handled.
    let r = app
        .login("auditadmin")
        .await
        .form(
            "/operations/acknowledge",
            &[("check", &seq), ("note", "not mine")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
