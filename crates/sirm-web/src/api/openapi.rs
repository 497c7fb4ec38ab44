//! The OpenAPI document served at `GET /api/v1/openapi.json`: the annotated
//! operations of [`super::ApiDoc`], completed from the route table so that
//! what every route's guard can answer is described once, mechanically:
//! who may call it (bearer token or session cookie), 401/403 for the guard,
//! 429 for the per-source rate limits, 400/413/415 for a body, 404 for what
//! a path or body names, 409 for a state change. The route table
//! never adds an operation here: `tests/openapi.rs` fails when a JSON route
//! has no annotated operation.

use std::sync::OnceLock;

use axum::http::Method;
use serde_json::{json, Map, Value};
use utoipa::OpenApi;

use crate::routes::{Guard, Kind, RouteSpec};

/// The document, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(super::ApiDoc::openapi()).unwrap_or(Value::Null);
        let specs: Vec<RouteSpec> = crate::route_table().into_iter().map(|(s, _)| s).collect();
        complete(&mut doc, &specs);
        doc
    })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

/// Add what the guard of each route can answer, the security schemes, and
/// the enumerations the server checks.
pub fn complete(doc: &mut Value, specs: &[RouteSpec]) {
    let schemes = json!({
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "The token of `POST /api/v1/session`."},
        "session": {"type": "apiKey", "in": "cookie", "name": crate::routes::SESSION_COOKIE,
                    "description": "The browser session; a state-changing call then also needs `X-CSRF-Token`."}
    });
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        components.insert("securitySchemes".into(), schemes);
        if let Some(schemas) = components.get_mut("schemas") {
            constrain_schemas(schemas);
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    // Path parameters the handler matches against a fixed list.
    let fixed = [(
        "/api/v1/users/{username}/{action}",
        "action",
        json!(["lock", "unlock", "retire", "password-reset"]),
    )];
    for (path, name, values) in fixed {
        let params = paths
            .get_mut(path)
            .and_then(|p| p.get_mut("post"))
            .and_then(|o| o.get_mut("parameters"))
            .and_then(Value::as_array_mut);
        for p in params.into_iter().flatten() {
            if p["name"] == name {
                p["schema"] = json!({"type": "string", "enum": values});
            }
        }
    }
    unique_operation_ids(paths);
    for spec in specs.iter().filter(|s| s.kind == Kind::Api) {
        let method = spec.method.as_str().to_ascii_lowercase();
        let Some(op) = paths
            .get_mut(spec.path)
            .and_then(|p| p.get_mut(&method))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        complete_operation(op, spec);
    }
}

/// Operation ids are the handlers' names, which repeat across modules
/// (`decide`, `list`): a repeated one is prefixed with the operation's tag.
fn unique_operation_ids(paths: &mut Map<String, Value>) {
    let ops = || ["get", "post", "put", "delete", "patch"];
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for item in paths.values() {
        for m in ops() {
            if let Some(id) = item.get(m).and_then(|o| o["operationId"].as_str()) {
                *seen.entry(id.to_string()).or_default() += 1;
            }
        }
    }
    for item in paths.values_mut() {
        for m in ops() {
            let Some(op) = item.get_mut(m).and_then(Value::as_object_mut) else {
                continue;
            };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if seen.get(id).is_some_and(|n| *n > 1) {
                let tag = op
                    .get("tags")
                    .and_then(|t| t.get(0))
                    .and_then(Value::as_str)
                    .unwrap_or("api");
                let unique = format!("{tag}_{id}");
                op.insert("operationId".into(), Value::String(unique));
            }
        }
    }
}

fn complete_operation(op: &mut Map<String, Value>, spec: &RouteSpec) {
    let has_body = op.contains_key("requestBody");
    let has_params = op.contains_key("parameters");
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else { return };
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_string())
            .or_insert_with(|| error_response(description));
    };
    add(
        "429",
        "too many requests from this source (`[limits]`; public routes, and calls without a valid session); `Retry-After` says when to retry",
    );
    if spec.guard != Guard::Public {
        add("401", "not signed in, or the session ended");
        add(
            "403",
            "the account lacks the permission, has a pending task (password change, second factor), or a cookie call lacks its anti-forgery token",
        );
        if spec.guard.administers() {
            add("403", "outside `[server] admin_networks`");
        }
    }
    if has_body || has_params || spec.method == Method::POST {
        add("400", "the body or a parameter is malformed or refused by a rule (named in `error.rule` and `error.field`)");
        add("413", "the body exceeds its `[limits]` cap");
    }
    if has_body {
        add("415", "the body is not `application/json`");
    }
    if spec.path.contains('{') || has_body {
        add(
            "404",
            "what the path or the body names does not exist, or is not the caller's to see",
        );
    }
    if spec.method != Method::GET {
        add(
            "409",
            "the change conflicts with the current state (already exists, already decided, changed meanwhile)",
        );
    }
    if spec.guard != Guard::Public {
        op.insert("security".into(), json!([{"bearer": []}, {"session": []}]));
    }
}

/// Enumerations and formats the server checks, where the annotations
/// cannot name them.
fn constrain_schemas(schemas: &mut Value) {
    let business_types: Vec<Value> = sirm_app::collection::BusinessType::ALL
        .iter()
        .map(|b| Value::from(b.as_str()))
        .collect();
    if let Some(p) = schemas.pointer_mut("/SubmitBody/properties/business_type") {
        p["enum"] = Value::Array(business_types);
    }
    if let Some(p) = schemas.pointer_mut("/ApplicationDecisionBody/properties/stage") {
        // The preliminary review (初审) is the clerk's submission.
        p["enum"] = json!(["review", "recheck", "approval"]);
    }
    let Some(schemas) = schemas.as_object_mut() else {
        return;
    };
    // The data of business types whose shape the server checks strictly
    // (`deny_unknown_fields`), tied to their code.
    let mut cases = vec![];
    for (code, name, schema) in business_data() {
        schemas.insert(name.into(), schema);
        cases.push(json!({
            "if": {"properties": {"business_type": {"const": code}}, "required": ["business_type"]},
            "then": {"properties": {"data": {"$ref": format!("#/components/schemas/{name}")}}}
        }));
    }
    if let Some(submit) = schemas.get_mut("SubmitBody").and_then(Value::as_object_mut) {
        submit.insert("allOf".into(), Value::Array(cases));
    }
}

/// `YYYY-MM-DD`.
const DATE: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// A decimal amount as a string (money is never a float).
pub const DECIMAL: &str = r"^-?[0-9]+(\.[0-9]+)?$";

/// (business type, schema name, schema of its `data`).
fn business_data() -> Vec<(&'static str, &'static str, Value)> {
    use super::pages_doc::ID_NUMBER;
    vec![
        (
            "person.id_change",
            "PersonIdChangeData",
            json!({
                "description": "人员身份证号码变更: the person by their current number, the new number; the public-security notice is the application's material.",
                "type": "object",
                "additionalProperties": false,
                "required": ["id", "new_id_number", "effective_on", "reason"],
                "properties": {
                    "id": {"type": "string", "pattern": ID_NUMBER, "description": "the number the person holds now"},
                    "new_id_number": {"type": "string", "pattern": ID_NUMBER},
                    "effective_on": {"type": "string", "pattern": DATE, "description": "the day public security changed the number, not in the future"},
                    "reason": {"type": "string", "maxLength": 400},
                    "discrepancy_id": {"type": ["string", "null"], "description": "the cross-check discrepancy (`id_changed`) this change applies"}
                }
            }),
        ),
        (
            "medical.settlement_file",
            "MedicalSettlementFileData",
            json!({
                "description": "医疗费用结算记录导入: the archived settlement file (uploaded on the page `/medical-settlements`, which files this application), its row count and totals.",
                "type": "object",
                "additionalProperties": false,
                "required": ["file", "rows", "total", "account_paid"],
                "properties": {
                    "file": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["sha256", "name", "media_type", "size"],
                        "properties": {
                            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                            "name": {"type": "string"},
                            "media_type": {"type": "string"},
                            "size": {"type": "integer", "minimum": 0}
                        }
                    },
                    "rows": {"type": "integer", "minimum": 0},
                    "total": {"type": "string", "pattern": DECIMAL},
                    "account_paid": {"type": "string", "pattern": DECIMAL}
                }
            }),
        ),
    ]
}
