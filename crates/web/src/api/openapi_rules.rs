//! Rules applied to the whole OpenAPI document after the modules' parts are merged, so that the
//! document says what every endpoint really does (checked by schemathesis in
//! `tests/api_fuzz.rs`):
//! - every path parameter is declared (an `{id}` is a positive 64-bit integer);
//! - every operation lists the answers every endpoint can give — 400 (malformed request), 401
//!   (no or bad credentials), 403 (role or CSRF), 404 for paths with an id, 422 for bodies —
//!   with the common error body;
//! - request bodies refuse unknown fields (`additionalProperties: false`, as `AppJson` does);
//! - the text fields of the bodies say what they hold (`openapi_formats`: dates, ids, codes,
//!   years, amounts, 统一社会信用代码, lengths);
//! - tuples (`Vec<(i64, String)>`) become arrays of fixed length whose items are any of the parts
//!   (tools disagree on `prefixItems`).

use serde_json::{Map, Value, json};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Applies the rules to a serialised document.
pub fn apply(doc: &mut Value) {
    fix_tuples(doc);
    super::openapi_formats::apply(doc);
    let bodies = body_schemas(doc);
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for name in bodies {
            if let Some(Value::Object(s)) = schemas.get_mut(&name)
                && s.get("type").and_then(Value::as_str) == Some("object")
            {
                s.entry("additionalProperties").or_insert(Value::Bool(false));
            }
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let params = path_params(path);
        for m in METHODS {
            let Some(op) = item.get_mut(m).and_then(Value::as_object_mut) else { continue };
            declare_params(op, &params);
            let has_body = op.contains_key("requestBody");
            let has_query = paging_ranges(op);
            let responses = op.entry("responses").or_insert_with(|| json!({}));
            let Some(responses) = responses.as_object_mut() else { continue };
            let mut add = |code: &str, what: &str| {
                responses.entry(code).or_insert_with(|| error_response(what));
            };
            add("400", "请求格式有误（JSON、查询参数或分页参数）");
            add("401", "未登录或接口令牌无效");
            add("403", "角色没有此权限，或缺少 CSRF 令牌");
            if !params.is_empty() {
                add("404", "记录不存在或不属于本开发区");
            }
            if has_body || has_query {
                add("422", "字段值有误（含不认识的字段）");
            }
        }
    }
}

/// Sets the documented ranges of the paging parameters (`AppQuery` enforces them); returns
/// whether the operation has query parameters at all.
fn paging_ranges(op: &mut Map<String, Value>) -> bool {
    let Some(list) = op.get_mut("parameters").and_then(Value::as_array_mut) else { return false };
    let mut any = false;
    for p in list.iter_mut().filter(|p| p["in"] == "query") {
        any = true;
        let max = match p["name"].as_str() {
            Some("page") => 1_000_000,
            Some("per_page" | "limit") => 500,
            _ => continue,
        };
        if let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut) {
            schema.insert("minimum".into(), json!(1));
            schema.insert("maximum".into(), json!(max));
        }
    }
    any
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
    })
}

/// `{id}` and `{name}` in a path template.
fn path_params(path: &str) -> Vec<String> {
    path.split('{').skip(1).filter_map(|rest| rest.split('}').next()).map(str::to_string).collect()
}

fn declare_params(op: &mut Map<String, Value>, params: &[String]) {
    let list = op.entry("parameters").or_insert_with(|| json!([]));
    let Some(list) = list.as_array_mut() else { return };
    for p in params {
        let declared = list.iter().any(|q| q["in"] == "path" && q["name"].as_str() == Some(p.as_str()));
        if !declared {
            let schema = if p == "id" || p.ends_with("_id") {
                json!({"type": "integer", "format": "int64", "minimum": 1})
            } else {
                json!({"type": "string", "minLength": 1})
            };
            list.push(json!({"name": p, "in": "path", "required": true, "schema": schema}));
        }
    }
}

/// The component schemas used as JSON request bodies.
fn body_schemas(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else { return out };
    for item in paths.values() {
        for m in METHODS {
            let r = item.pointer(&format!("/{m}/requestBody/content/application~1json/schema/$ref"));
            if let Some(name) = r.and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/")) {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// A tuple (`prefixItems: [a, b], items: false` as utoipa writes it, or the older `items: [a, b]`)
/// → `items: {anyOf: [a, b]}, minItems = maxItems = 2`: valid in every JSON Schema draft, where
/// tools disagree on `prefixItems` (schemathesis 4 rewrites it into the array form it then refuses).
fn fix_tuples(v: &mut Value) {
    match v {
        Value::Object(o) => {
            let tuple = match (o.get("items"), o.get("prefixItems")) {
                (Some(Value::Array(parts)), _) | (_, Some(Value::Array(parts))) => Some(parts.clone()),
                _ => None,
            };
            if let Some(parts) = tuple {
                let n = parts.len();
                o.remove("prefixItems");
                o.insert("items".into(), json!({ "anyOf": parts }));
                o.insert("minItems".into(), json!(n));
                o.insert("maxItems".into(), json!(n));
            }
            for child in o.values_mut() {
                fix_tuples(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(fix_tuples),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find_array_items(v: &Value, at: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, c) in o {
                    if k == "items" && c.is_array() {
                        out.push(at.to_string());
                    }
                    find_array_items(c, &format!("{at}/{k}"), out);
                }
            }
            Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| find_array_items(c, &format!("{at}/{i}"), out)),
            _ => {}
        }
    }

    #[test]
    fn the_served_document_has_no_tuple_items_and_declares_every_path_parameter() {
        let doc = crate::api::openapi_json();
        let mut bad = Vec::new();
        find_array_items(&doc, "", &mut bad);
        assert!(bad.is_empty(), "{bad:?}");
        for (path, item) in doc["paths"].as_object().unwrap() {
            for p in path_params(path) {
                for m in METHODS {
                    if let Some(op) = item.get(m) {
                        let ok = op["parameters"].as_array().unwrap().iter().any(|q| q["name"] == p.as_str());
                        assert!(ok, "{m} {path}: {p}");
                    }
                }
            }
        }
    }

    #[test]
    fn ids_are_declared_answers_listed_tuples_rewritten_and_bodies_closed() {
        let mut doc = json!({
            "paths": {
                "/x/{id}": {
                    "put": {
                        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/XForm"}}}},
                        "responses": {"200": {"description": "ok"}}
                    }
                }
            },
            "components": {"schemas": {
                "XForm": {"type": "object", "properties": {"pair": {"type": "array", "items": [{"type": "integer"}, {"type": "string"}]}}}
            }}
        });
        apply(&mut doc);
        let op = &doc["paths"]["/x/{id}"]["put"];
        assert_eq!(op["parameters"][0]["name"], "id");
        assert_eq!(op["parameters"][0]["schema"]["type"], "integer");
        for code in ["200", "400", "401", "403", "404", "422"] {
            assert!(op["responses"].get(code).is_some(), "{code}");
        }
        let x = &doc["components"]["schemas"]["XForm"];
        assert_eq!(x["additionalProperties"], false);
        assert_eq!(x["properties"]["pair"]["items"]["anyOf"][1]["type"], "string");
        assert_eq!(x["properties"]["pair"]["maxItems"], 2);
    }
}
