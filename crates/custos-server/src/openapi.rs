//! `/openapi.json`: an OpenAPI 3.1 document built from the route table
//! (`api::api_routes`), the same list the router is built from, so a
//! route cannot be served without being described. Each operation names
//! the roles that may call it (`x-custos-roles`) and its bearer auth.
//! Hand-built rather than derived (`utoipa`): the table already holds
//! everything the document says, and the bodies are small.

use crate::api::ApiRoute;
use crate::auth::roles_allowed;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

static DOCUMENT: OnceLock<String> = OnceLock::new();

/// Builds the document once, when the first router is built.
pub(crate) fn install(routes: &[ApiRoute]) {
    DOCUMENT.get_or_init(|| document(routes).to_string());
}

pub(crate) async fn serve() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.get().cloned().unwrap_or_else(|| "{}".to_owned()),
    )
}

fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_lowercase();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        id.push('_');
        id.extend(part.chars().filter(|c| !matches!(c, '{' | '}')).map(|c| {
            if c.is_ascii_alphanumeric() {
                c
            } else {
                '_'
            }
        }));
    }
    id
}

/// `{"<content type>": {}}`.
fn content(content_type: &str) -> Value {
    let mut m = Map::new();
    m.insert(content_type.to_owned(), json!({}));
    Value::Object(m)
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// The document of a route table.
pub(crate) fn document(routes: &[ApiRoute]) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for r in routes {
        let mut op = json!({
            "operationId": operation_id(r.method, r.path),
            "summary": r.summary,
            "responses": {
                "200": {"description": "success", "content": content(r.produces)},
                "400": error_response("the request is malformed: bad JSON, an unknown field, a wrong type; the message names it"),
                "404": error_response("no such thing"),
            },
        });
        if r.roles.is_empty() {
            op["security"] = json!([]);
            op["x-custos-roles"] = json!([]);
        } else {
            op["security"] = json!([{"bearer": []}]);
            op["x-custos-roles"] = json!(roles_allowed(r.roles)
                .iter()
                .map(|role| role.as_str())
                .collect::<Vec<_>>());
            op["responses"]["401"] =
                error_response("no token, or one that is malformed, unknown or expired");
            op["responses"]["403"] = error_response("the token's role may not use this route");
        }
        if r.method == "POST" {
            op["responses"]["409"] = error_response("the current state refuses the change");
            op["responses"]["413"] = error_response("the body is over the size limit");
        }
        if !r.params.is_empty() {
            op["parameters"] = r
                .params
                .iter()
                .map(|p| {
                    json!({
                        "name": p.name,
                        "in": p.location,
                        "required": p.required,
                        "description": p.description,
                        "schema": {"type": "string"},
                        "example": p.example,
                    })
                })
                .collect();
        }
        if let Some(schema) = r.body {
            // The schemas are literals of the table, checked by a test.
            let schema: Value = serde_json::from_str(schema).unwrap_or(Value::Null);
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": schema}},
            });
        }
        let item = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        item[r.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Custos",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Records, guards and investigates employee access to customer data. Every route but /healthz, /metrics and /openapi.json needs `Authorization: Bearer <token>` of a role listed in the operation's `x-custos-roles`; each authorised use is recorded in the ledger as a `custos.access` event. Errors are {\"error\":{\"code\",\"message\"}}.",
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`cst_` and 64 hex digits, from `custos token create --role ROLE`",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    }},
                }
            },
        },
        "paths": paths,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_route_is_documented_with_a_valid_body_schema() {
        let routes = crate::api::api_routes();
        let doc = document(&routes);
        for r in &routes {
            let op = &doc["paths"][r.path][r.method.to_lowercase()];
            assert!(op.is_object(), "{} {} missing", r.method, r.path);
            if let Some(schema) = r.body {
                let parsed: Value = serde_json::from_str(schema)
                    .unwrap_or_else(|e| panic!("{} {}: {e}", r.method, r.path));
                assert_eq!(
                    op["requestBody"]["content"]["application/json"]["schema"],
                    parsed
                );
            }
            // Every `{param}` of the path is documented.
            for seg in r.path.split('/') {
                if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    assert!(
                        r.params
                            .iter()
                            .any(|p| p.name == name && p.location == "path"),
                        "{} {} does not document `{name}`",
                        r.method,
                        r.path
                    );
                }
            }
        }
        let ops: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_object().unwrap().len())
            .sum();
        assert_eq!(ops, routes.len(), "two routes share a method and path");
        assert_eq!(
            operation_id("GET", "/v1/cases/{id}/scope"),
            "get_v1_cases_id_scope"
        );
    }
}
