//! Encryption in transit and trusted proxies (level-3 assessment item 1;
//! docs/tls.md), over real connections: the real server serves HTTPS with a
//! certificate made here by rcgen, a client trusting only that certificate
//! signs in, cookies are `Secure` and HSTS is sent; plain HTTP to the TLS
//! port gets nothing; a silent client does not stall the handshakes of
//! others. `X-Forwarded-For` is believed from a trusted proxy only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sirm_testkit::{Engine, Options, TestApp, DEMO_PASSWORD};

/// A self-signed certificate for `localhost`: (certificate PEM, key PEM).
fn certificate() -> (String, String) {
    let c = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    (c.cert.pem(), c.signing_key.serialize_pem())
}

/// The demo app, and beside its plain listener an HTTPS one serving the
/// same installation. Returns the app, the HTTPS address and the
/// certificate PEM.
async fn https_app() -> (TestApp, SocketAddr, String) {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let (cert_pem, key_pem) = certificate();
    let cert = app.dir().join("tls-cert.pem");
    let key = app.dir().join("tls-key.pem");
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, &key_pem).unwrap();
    let tls = sirm_web::tls::load(&cert, &key).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sirm = app.sirm.clone();
    tokio::spawn(async move {
        sirm_web::serve_tls(
            sirm,
            listener,
            std::future::pending(),
            sirm_web::ServeOptions::default(),
            Some(tls.config),
        )
        .await
        .unwrap()
    });
    (app, addr, cert_pem)
}

/// A client that trusts only `cert_pem` and reaches `localhost` at `addr`.
fn https_client(addr: SocketAddr, cert_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve("localhost", addr)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect()
}

fn cookie_value(cookies: &[String], name: &str) -> String {
    cookies
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
}

fn is_secure(cookie: &str) -> bool {
    cookie.split(';').any(|a| a.trim() == "Secure")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_sign_in_with_secure_cookies_and_hsts() {
    let (_app, addr, cert_pem) = https_app().await;
    let http = https_client(addr, &cert_pem);
    let base = format!("https://localhost:{}", addr.port());

    // The sign-in page, over TLS: HSTS, and the pre-login cookie is Secure.
    let r = http.get(format!("{base}/login")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000; includeSubDomains")
    );
    let cookies = set_cookies(&r);
    assert!(cookies.iter().all(|c| is_secure(c)), "{cookies:?}");
    let csrf_cookie = cookie_value(&cookies, "sirm_csrf");
    let html = r.text().await.unwrap();
    let csrf_field = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("csrf field")
        .to_string();

    // Sign in with the form (an insured person: no second factor).
    let r = http
        .post(format!("{base}/login"))
        .header("cookie", format!("sirm_csrf={csrf_cookie}"))
        .form(&[
            ("csrf", csrf_field.as_str()),
            ("username", "citizen"),
            ("password", DEMO_PASSWORD),
            ("next", "/home"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.headers());
    assert!(r.headers().contains_key("strict-transport-security"));
    let cookies = set_cookies(&r);
    let session = cookies
        .iter()
        .find(|c| c.starts_with("sirm_session="))
        .expect("session cookie");
    assert!(is_secure(session), "{session}");
    assert!(session.contains("HttpOnly"), "{session}");
    let token = cookie_value(&cookies, "sirm_session");

    // The session works over TLS.
    let r = http
        .get(format!("{base}/home"))
        .header("cookie", format!("sirm_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The JSON API too.
    let r = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "retiree", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Plain HTTP to the TLS port gets no answer.
    let plain = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let r = plain
        .get(format!("http://127.0.0.1:{}/login", addr.port()))
        .send()
        .await;
    assert!(
        r.is_err(),
        "plain HTTP answered: {:?}",
        r.map(|r| r.status())
    );

    // A client that does not trust the certificate does not connect.
    let untrusting = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .resolve("localhost", addr)
        .build()
        .unwrap();
    assert!(untrusting
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_client_does_not_stall_other_handshakes() {
    let (_app, addr, cert_pem) = https_app().await;
    // Connections that never start their handshake…
    let mut silent = Vec::new();
    for _ in 0..5 {
        silent.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    // …while another client is served at once.
    let http = https_client(addr, &cert_pem);
    let started = std::time::Instant::now();
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        http.get(format!("https://localhost:{}/healthz", addr.port()))
            .send(),
    )
    .await
    .expect("served while silent clients wait")
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(silent);
}

#[test]
fn bad_certificate_and_key_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_a, key_a) = certificate();
    let (_, key_b) = certificate();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let cert = write("cert.pem", &cert_a);
    let key = write("key.pem", &key_a);
    let other_key = write("other-key.pem", &key_b);
    let garbled = write("garbled.pem", "-----BEGIN CERTIFICATE-----\nnot base64!\n");
    let empty = write("empty.pem", "nothing here\n");
    let missing = dir.path().join("missing.pem");
    let fp = sirm_web::tls::load(&cert, &key).unwrap().fingerprint;
    assert_eq!(fp.len(), 32 * 3 - 1, "{fp}");

    let err = |c: &std::path::Path, k: &std::path::Path| {
        sirm_web::tls::load(c, k).expect_err("refused").to_string()
    };
    let e = err(&cert, &other_key);
    assert!(
        e.contains("server.tls_key") && e.contains("does not belong"),
        "{e}"
    );
    let e = err(&garbled, &key);
    assert!(
        e.contains("server.tls_cert") && e.contains("garbled.pem"),
        "{e}"
    );
    let e = err(&empty, &key);
    assert!(
        e.contains("server.tls_cert") && e.contains("no certificate"),
        "{e}"
    );
    // A key file holding a certificate but no key.
    let e = err(&cert, &cert);
    assert!(
        e.contains("server.tls_key") && e.contains("no private key"),
        "{e}"
    );
    let e = err(&missing, &key);
    assert!(
        e.contains("server.tls_cert") && e.contains("cannot read"),
        "{e}"
    );
    for e in [
        err(&cert, &other_key),
        err(&garbled, &key),
        err(&cert, &cert),
    ] {
        assert_eq!(e.lines().count(), 1, "{e}");
    }
}

/// The sources of the audit rows of `user` (newest first).
async fn sign_in_sources(app: &TestApp, user: &str) -> Vec<String> {
    let a = app.login("auditadmin").await;
    let (s, v) = a.get(&format!("/api/v1/audit?account={user}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["source"].as_str().map(str::to_string))
        .collect()
}

/// A sign-in of `user` (no second factor) with `X-Forwarded-For: xff`;
/// the audit trail records its source (`login.success`).
async fn sign_in(app: &TestApp, http: &reqwest::Client, user: &str, xff: &str) {
    let r = http
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", xff)
        .json(&json!({"username": user, "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::OK, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_is_believed_from_trusted_proxies_only() {
    let app = TestApp::start(Options::new(Engine::Sqlite).tune(|s| {
        s.config.server.trusted_proxies = vec!["127.0.0.2/32".parse().unwrap()];
    }))
    .await;
    // From an untrusted peer (127.0.0.3) the header is ignored.
    let untrusted = app.http_from("127.0.0.3");
    sign_in(&app, &untrusted, "citizen", "203.0.113.9").await;
    let sources = sign_in_sources(&app, "citizen").await;
    assert!(sources.iter().any(|s| s == "127.0.0.3"), "{sources:?}");
    assert!(!sources.iter().any(|s| s == "203.0.113.9"), "{sources:?}");

    // From the trusted proxy: the right-most address that is not a
    // trusted proxy (a client-supplied left part is skipped).
    let proxy = app.http_from("127.0.0.2");
    sign_in(
        &app,
        &proxy,
        "retiree",
        "192.0.2.66, 198.51.100.7, 127.0.0.2",
    )
    .await;
    let sources = sign_in_sources(&app, "retiree").await;
    assert!(sources.iter().any(|s| s == "198.51.100.7"), "{sources:?}");
    assert!(
        !sources
            .iter()
            .any(|s| s == "127.0.0.2" || s == "192.0.2.66"),
        "{sources:?}"
    );

    // X-Forwarded-Proto: https from the proxy makes cookies Secure and
    // sends HSTS; from anyone else it changes nothing.
    let page = |http: reqwest::Client| {
        let url = app.url("/login");
        async move {
            http.get(url)
                .header("x-forwarded-proto", "https")
                .send()
                .await
                .unwrap()
        }
    };
    let r = page(proxy.clone()).await;
    assert!(r.headers().contains_key("strict-transport-security"));
    let cookies = set_cookies(&r);
    assert!(!cookies.is_empty() && cookies.iter().all(|c| is_secure(c)));
    let r = page(untrusted.clone()).await;
    assert!(!r.headers().contains_key("strict-transport-security"));
    let cookies = set_cookies(&r);
    assert!(!cookies.is_empty() && !cookies.iter().any(|c| is_secure(c)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_clients_are_rate_limited_one_by_one() {
    // Per-source limits count the forwarded client, not the proxy: one
    // client exhausting its sign-in budget leaves another one through the
    // same proxy unaffected.
    let app = TestApp::start(Options::new(Engine::Sqlite).tune(|s| {
        s.config.server.trusted_proxies = vec!["127.0.0.2/32".parse().unwrap()];
    }))
    .await;
    let proxy = app.http_from("127.0.0.2");
    let attempt = |xff: &'static str| {
        let r = proxy
            .post(app.url("/api/v1/session"))
            .header("x-forwarded-for", xff)
            .json(&json!({"username": "nobody-here", "password": "x"}));
        async move { r.send().await.unwrap().status() }
    };
    let mut limited = false;
    for _ in 0..200 {
        if attempt("198.51.100.1").await == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "the first client was never limited");
    assert_ne!(
        attempt("198.51.100.2").await,
        StatusCode::TOO_MANY_REQUESTS,
        "another client behind the same proxy was limited too"
    );
}
