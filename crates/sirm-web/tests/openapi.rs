//! The OpenAPI document, as the server serves it, describes every JSON
//! route the route table mounts (so the next new route cannot be
//! forgotten) and nothing else; each operation declares its path
//! parameters and what its guard can answer; a malformed JSON body is
//! answered with the documented error body, never the framework's text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use serde_json::{json, Value};
use sirm_testkit::{both_engines, Engine, Options, StatusCode, TestApp};

both_engines!(
    every_json_route_is_described,
    malformed_json_bodies_get_the_error_body
);

const METHODS: &[&str] = &["get", "post", "put", "delete", "patch"];

async fn every_json_route_is_described(engine: Engine) {
    let app = TestApp::start(Options::new(engine).kiosk()).await;
    let (status, doc) = app.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let mounted =
        sirm_web::mounted_routes(app.sirm.clone(), sirm_web::ServeOptions { kiosk: true });
    let json_routes: Vec<_> = mounted
        .iter()
        .filter(|r| r.kind == sirm_web::routes::Kind::Api)
        .collect();
    assert!(json_routes.len() > 60, "{} JSON routes", json_routes.len());
    let paths = doc["paths"].as_object().expect("paths");

    // Every JSON route has its operation.
    let missing: Vec<String> = json_routes
        .iter()
        .filter(|r| {
            let m = r.method.as_str().to_ascii_lowercase();
            paths.get(r.path).and_then(|p| p.get(&m)).is_none()
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        missing.is_empty(),
        "JSON routes without an operation in the OpenAPI document (add a #[utoipa::path] \
         to the handler, or to src/api/pages_doc.rs for a handler beside its page, and list it \
         in ApiDoc): {missing:#?}"
    );

    // Every operation is a mounted JSON route.
    let mounted_ops: BTreeSet<String> = json_routes
        .iter()
        .map(|r| format!("{} {}", r.method.as_str().to_ascii_lowercase(), r.path))
        .collect();
    let mut stale = vec![];
    for (path, item) in paths {
        for m in METHODS {
            let Some(op) = item.get(*m) else { continue };
            let key = format!("{m} {path}");
            if !mounted_ops.contains(&key) {
                stale.push(key.clone());
            }
            check_operation(&key, path, op, &json_routes);
        }
    }
    assert!(stale.is_empty(), "operations no route serves: {stale:#?}");

    // Every reference names a schema of the document.
    let mut refs = BTreeSet::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 10, "{refs:?}");
    for r in refs {
        let name = r.strip_prefix("#/components/schemas/").expect(&r);
        assert!(doc["components"]["schemas"].get(name).is_some(), "{r}");
    }
    // Operation ids are unique.
    let mut ids = BTreeSet::new();
    for item in paths.values() {
        for m in METHODS {
            if let Some(id) = item.get(*m).and_then(|o| o["operationId"].as_str()) {
                assert!(ids.insert(id.to_string()), "operationId {id} twice");
            }
        }
    }
    // Both decision bodies are there under their own names.
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["ApplicationDecisionBody"]["properties"]["stage"]["enum"].is_array());
    assert!(schemas["DecisionBody"]["properties"].get("stage").is_none());
}

fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => {
                        out.insert(r.clone());
                    }
                    _ => collect_refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// Path parameters declared, the guard's answers described, every schema
/// reference resolved.
fn check_operation(key: &str, path: &str, op: &Value, routes: &[&sirm_web::routes::RouteSpec]) {
    let declared: BTreeSet<&str> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "path")
        .filter_map(|p| p["name"].as_str())
        .collect();
    let in_template: BTreeSet<&str> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect();
    assert_eq!(declared, in_template, "{key}: path parameters");
    let responses = op["responses"].as_object().expect("responses");
    assert!(responses.contains_key("429"), "{key}: no 429");
    let route = routes
        .iter()
        .find(|r| format!("{} {}", r.method.as_str().to_ascii_lowercase(), r.path) == key);
    if let Some(r) = route {
        if r.guard != sirm_web::routes::Guard::Public {
            assert!(responses.contains_key("401"), "{key}: no 401");
            assert!(responses.contains_key("403"), "{key}: no 403");
            assert_eq!(
                op["security"],
                json!([{"bearer": []}, {"session": []}]),
                "{key}: security"
            );
        } else {
            assert!(op.get("security").is_none(), "{key}: public, yet security");
        }
    }
}

/// A JSON route given a body that is not JSON, or JSON of the wrong
/// shape, answers 400 or 415 with the documented error body.
async fn malformed_json_bodies_get_the_error_body(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let clerk = app.login("clerk").await;
    for (path, ctype, body) in [
        ("/api/v1/query-pins", "application/json", "{not json"),
        (
            "/api/v1/query-pins",
            "application/json",
            "{\"person_id\": 7}",
        ),
        ("/api/v1/persons/lookup", "text/plain", "{\"id\": \"A\"}"),
        ("/api/v1/persons/lookup", "application/json", "[]"),
    ] {
        let r = app
            .http
            .post(app.url(path))
            .bearer_auth(&clerk.token)
            .header("content-type", ctype)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{path} {body}: {status}"
        );
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("application/json"), "{path} {body}: {ct}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            v["error"]["code"], "invalid_parameter",
            "{path} {body}: {v}"
        );
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{v}"
        );
    }
}
