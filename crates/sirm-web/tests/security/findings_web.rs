//! Findings 10–16: CSV exports, redirects, review chain configuration, former employers, privacy at rest and in URLs, headers.

use super::*;

/// Finding 10: CSV exports went out with formulas a spreadsheet would run.
pub(super) async fn finding_10_csv_exports_neutralise_formulas(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let sys = app.login("sysadmin").await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
    for action in ["lock", "unlock"] {
        let (s, v) = sys
            .post(
                &format!("/api/v1/users/query/{action}"),
                json!({"reason": formula}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    }
    let a = app.login("auditadmin").await;
    let r = a.get_raw("/audit/export.csv?account=query").await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut seen = 0;
    for rec in reader.records() {
        for cell in rec.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
            if cell.contains("HYPERLINK") {
                assert!(cell.starts_with("'="), "{cell:?}");
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 2, "{text}");
    // The maintenance log and arrears exports use the same writer.
    let q = app.login("query").await;
    for path in ["/maintenance-log/export.csv", "/arrears/export.csv"] {
        let r = q.get_raw(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let text = r.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        for rec in reader.records() {
            for cell in rec.unwrap().iter() {
                assert!(!cell.starts_with(['=', '+', '@']), "{path}: {cell:?}");
            }
        }
    }
}

/// Finding 12: `next=/\evil.example` redirected off the site after sign-in.
pub(super) async fn finding_12_no_open_redirect(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for (next, expected) in [
        ("/\\evil.example", "/home"),
        ("//evil.example", "/home"),
        ("https://evil.example/", "/home"),
        ("/my/record", "/my/record"),
    ] {
        let http = app.http.clone();
        let (cookie, field) = prelogin(&app, &http, "/login").await;
        let r = http
            .post(app.url("/login"))
            .header("cookie", format!("sirm_csrf={cookie}"))
            .form(&[
                ("csrf", field.as_str()),
                ("username", "citizen"),
                ("password", DEMO_PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.headers()["location"], expected, "{next}");
    }
}

/// Finding 13: changes of `[review]` and `[queries]` went unaudited, and a
/// one-stage chain let one person write a record alone.
pub(super) async fn finding_13_review_chain_and_configuration(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let path = app.opts.data_dir.config_path();
    let original = std::fs::read_to_string(&path).unwrap();
    // One stage: refused at start, naming the file and the rule.
    std::fs::write(
        &path,
        format!("{original}\n[review]\n\"person.change\" = [\"preliminary\"]\n"),
    )
    .unwrap();
    let err = match sirm_app::Sirm::open(&app.opts, sirm_app::Access::Sign).await {
        Ok(_) => panic!("a one-stage chain was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("sirm.toml"), "{err}");
    assert!(err.contains("at least two stages"), "{err}");
    // A lawful change of [review] and of [queries] is recorded when the
    // installation opens, once.
    std::fs::write(
        &path,
        format!(
            "{original}\n[review]\n\"person.change\" = [\"preliminary\", \"approval\"]\n\n[queries.telephone]\nself = [\"contributions\"]\n"
        ),
    )
    .unwrap();
    for _ in 0..2 {
        let s = sirm_app::Sirm::open(&app.opts, sirm_app::Access::Sign)
            .await
            .unwrap();
        s.store_for_maintenance().close().await;
    }
    let rows = audit(&app, "event=config.change").await;
    let section = |name: &str| {
        rows.iter()
            .filter(|r| {
                r["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("[{name}] "))
            })
            .count()
    };
    assert_eq!(section("review"), 2, "{rows:?}");
    assert_eq!(section("queries"), 2, "{rows:?}");
    assert_eq!(section("security"), 1, "{rows:?}");
    assert!(
        rows[0]["detail"].as_str().unwrap().contains("approval")
            || rows[1]["detail"].as_str().unwrap().contains("approval")
    );
}

/// Finding 14: a former employer saw the person's current address and phone.
pub(super) async fn finding_14_former_employer_sees_no_address(engine: Engine) {
    let app = TestApp::start(Options::new(engine).history()).await;
    let agent = app.login("agent").await;
    let (s, emp) = agent.get("/api/v1/employer").await;
    assert_eq!(s, StatusCode::OK, "{emp}");
    let employees = emp["employees"].as_array().unwrap();
    let former = employees
        .iter()
        .find(|e| !e["end_on"].is_null())
        .expect("a former employee in the demo");
    let current = employees
        .iter()
        .find(|e| e["end_on"].is_null())
        .expect("a current employee in the demo");
    let record = |h: &Value| {
        let agent = agent.clone();
        let h = h["handle"].as_str().unwrap().to_string();
        async move {
            let (s, v) = agent.get(&format!("/api/v1/employer/employees/{h}")).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v["record"]["person"].clone()
        }
    };
    let f = record(former).await;
    assert_eq!(
        (f["address"].as_str(), f["phone"].as_str()),
        (Some(""), Some(""))
    );
    let c = record(current).await;
    assert!(!c["address"].as_str().unwrap().is_empty(), "{c}");
}

/// Finding 15: files readable by others, ID numbers in URLs, typed
/// usernames kept verbatim.
pub(super) async fn finding_15_private_at_rest_and_in_urls(engine: Engine) {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::start(Options::new(engine).history()).await;
    let dir = app.opts.data_dir.root().to_path_buf();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("keys")), 0o700);
    assert_eq!(mode(&dir.join("sirm.toml")), 0o600);
    assert_eq!(mode(&dir.join("keys/checkpoint.key")), 0o600);
    assert_eq!(mode(&dir.join("keys/index.key")), 0o600);
    assert_eq!(mode(&dir.join("keys/kek.key")), 0o600);
    if engine == Engine::Sqlite {
        assert_eq!(mode(&dir.join("sirm.db")), 0o600);
    }
    // No ID number in any link of the employer's, the delegate's or the
    // staff's pages; the old URL forms are gone.
    let agent = app.login("agent").await;
    let (_, html) = agent.page("/employer").await;
    let id_in_href = |html: &str| {
        html.split("href=\"").skip(1).any(|h| {
            let link = h.split('"').next().unwrap();
            link.as_bytes()
                .windows(17)
                .any(|w| w.iter().all(u8::is_ascii_digit))
        })
    };
    assert!(!id_in_href(&html), "{html}");
    let ids = sirm_app::testkit::person_ids(&app.sirm, 3).await.unwrap();
    let query = app.login("query").await;
    let (s, _) = query.get(&format!("/api/v1/persons/{}", ids[0])).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = query
        .post("/api/v1/persons/lookup", json!({"id": ids[0]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, form) = query.page("/persons").await;
    assert!(
        form.contains("method=\"post\" action=\"/persons\""),
        "{form}"
    );
    // A name typed at a failed sign-in is not kept.
    let typed = "My-Secret-Password-42";
    let (s, _) = app.login_raw(typed, "whatever", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.sirm.flush_refusals(true).await.unwrap();
    let all = audit(&app, "limit=100000").await;
    assert!(
        !serde_json::to_string(&all).unwrap().contains(typed),
        "typed name in the ledger"
    );
}

/// Finding 16: no security headers, CSRF tokens in URLs, counts on the
/// public page.
pub(super) async fn finding_16_web_headers(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let anon = app.anonymous();
    for path in [
        "/",
        "/login",
        "/activate",
        "/healthz",
        "/nowhere",
        "/api/v1/openapi.json",
    ] {
        let r = anon.get_raw(path).await;
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert_eq!(script.trim(), "script-src 'self'", "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
        assert_eq!(h["x-frame-options"], "SAMEORIGIN", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h.get("strict-transport-security").is_none(), "{path}");
    }
    // No inline script anywhere (the CSP forbids it): every page a user
    // sees, signed in or not.
    let clerk = app.login("clerk").await;
    let citizen = app.login("citizen").await;
    for (who, path) in [
        (&anon, "/"),
        (&anon, "/login"),
        (&anon, "/activate"),
        (&anon, "/verify"),
        (&clerk, "/home"),
        (&clerk, "/queue"),
        (&clerk, "/declarations/new"),
        (&clerk, "/applications/new"),
        (&clerk, "/counter"),
        (&citizen, "/my/record"),
    ] {
        let (s, html) = who.page(path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(!html.contains("<script>"), "{path}: inline script");
        assert!(!html.contains(" onclick="), "{path}: inline handler");
        assert!(!html.contains("?csrf="), "{path}: token in a URL");
    }
    // An unknown business type is refused, not shown as another form.
    let (s, html) = clerk.page("/applications/new?type=no.such").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{html}");
    assert!(!html.contains("new-application"), "{html}");
    // The public page and readiness show no record counts.
    let (_, home) = anon.page("/").await;
    assert!(!home.contains("persons</span></th>"), "{home}");
    let (_, ready) = anon.get("/readyz").await;
    assert_eq!(ready, json!({"ready": true, "database": ready["database"]}));
    // HSTS once served behind TLS.
    let tls =
        TestApp::start(Options::new(engine).tune(|s| s.config.security.secure_cookies = true))
            .await;
    let r = tls.anonymous().get_raw("/login").await;
    assert!(r.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
}
