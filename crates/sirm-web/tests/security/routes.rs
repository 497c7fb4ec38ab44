//! Routes: the anti-forgery token of a multipart form, and the exact list of public routes.

use super::*;

/// A multipart form carries its anti-forgery token as its first part, also
/// when the browser sends that part and a large file in one chunk.
pub(super) async fn multipart_token_found_before_a_large_file(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let clerk = app.login("clerk").await;
    let employer = app.employer_of("agent").await;
    // The whole body in one piece, as a browser sends it: the token part and
    // a megabyte of file arrive in the server's first read.
    let boundary = "----SirmBoundary7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"credit_code\"\r\n\r\n{employer}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"month\"\r\n\r\n2024-05\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n",
        clerk.csrf
    );
    for i in 0..60_000 {
        body.push_str(&format!("line {i},1000.00\n"));
    }
    body.push_str(&format!("\r\n--{boundary}--\r\n"));
    let r = app
        .http
        .post(app.url("/declarations"))
        .header("cookie", format!("sirm_session={}", clerk.token))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_ne!(
        r.status(),
        StatusCode::FORBIDDEN,
        "{}",
        r.text().await.unwrap()
    );
    // Without the token first: refused.
    let form = reqwest::multipart::Form::new()
        .text("credit_code", employer.to_string())
        .text("csrf", clerk.csrf.clone());
    let r = clerk.send_multipart("/declarations", form).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// The public routes are exactly these, each with a per-source rate class;
/// the list comes from the routes the router was built with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn public_routes_are_exactly_these() {
    let app = TestApp::start(Options::new(Engine::Sqlite).kiosk()).await;
    let mounted =
        sirm_web::mounted_routes(app.sirm.clone(), sirm_web::ServeOptions { kiosk: true });
    let mut public: Vec<String> = mounted
        .iter()
        .filter(|r| r.guard == sirm_web::routes::Guard::Public)
        .map(|r| {
            assert!(
                r.rate.is_some(),
                "{} {} has no rate class",
                r.method,
                r.path
            );
            format!("{} {}", r.method, r.path)
        })
        .collect();
    public.sort();
    let mut expected = vec![
        "GET /",
        "GET /activate",
        "POST /activate",
        "GET /healthz",
        "GET /metrics",
        "GET /readyz",
        "GET /login",
        "POST /login",
        "GET /reset",
        "POST /reset",
        "GET /kiosk",
        "POST /kiosk",
        "GET /kiosk/record",
        "POST /kiosk/certificate",
        "GET /kiosk/certificate.pdf",
        "POST /kiosk/logout",
        "GET /static/sirm.js",
        "GET /static/kiosk.js",
        "GET /verify",
        "POST /verify",
        "GET /verify/{code}",
        "GET /api/v1/openapi.json",
        "GET /api/v1/ledger/checkpoint",
        "GET /api/v1/ledger/proof/inclusion",
        "GET /api/v1/ledger/proof/consistency",
        "POST /api/v1/session",
        "POST /api/v1/activate",
        "POST /api/v1/password-reset",
        "POST /api/v1/ivr/summary",
        "POST /federation/v1/letters",
        "POST /federation/v1/packages",
        "GET /api/v1/certificates/{code}",
        "POST /api/v1/certificates/verify",
    ];
    expected.sort();
    assert_eq!(public, expected);
    // Without kiosk mode the kiosk routes are not mounted at all.
    let plain = sirm_web::mounted_routes(app.sirm.clone(), sirm_web::ServeOptions::default());
    assert!(!plain.iter().any(|r| r.path.starts_with("/kiosk")));
}
