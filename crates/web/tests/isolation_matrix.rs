//! The zone-isolation matrix, read from the router's own registration table
//! (`kaifaqu_web::route_table`), not from a hand-kept list (issue 10, C3).
//!
//! Two zones with identical fixtures: the demo zone A (襄垣) and zone B given the same demo
//! records (`demo::load_twin`). Every text field of zone A's records carries a marker
//! (`ZONEA-标记-<n>`, written by SQL into every free-text column of every row of zone A), and A
//! uploads a file and writes a few records through the API so its audit log and attachments carry
//! markers too. Then, as zone B's users (admin, staff, and the 安全管理员 / 审计管理员 for their
//! routes):
//! * every route with an `{id}` is called with A's id of that resource — GETs, and writes and
//!   deletes with a valid CSRF token — and must answer 404 without a marker in the body;
//! * every list, search, export, report, aggregate and download route (every GET without an id),
//!   and every `{id}` GET with B's own id, must not contain a marker — XLSX/DOCX answers are
//!   unzipped and every part searched;
//! * zone A's rows (every zone-owned table, every column) are the same before and after.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};

use kaifaqu_domain::Role;
use kaifaqu_store::Engine;
use kaifaqu_web::routing::{Need, Registered};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use support::{Session, TestApp};

/// The marker's common prefix: a body containing it shows zone A's data.
const MARK: &str = "ZONEA-标记";
/// The password of zone B's twin accounts (`admin_twin`, `staff_twin`, …).
const TWIN_PASSWORD: &str = "Qm7#rTz-9vLw";
const TWIN: &str = "_twin";

/// Resources every zone shares (no zone owns them): an id there is not another zone's record.
const SHARED: &[(&str, &str)] = &[
    ("/indicators/", "the indicator catalog is the city's and province's, shared by every zone"),
    ("/admin/indicators/", "the indicator catalog is the city's and province's, shared by every zone"),
    ("/static/", "the application's own files"),
];

/// Routes not called: they end the caller's session.
const NOT_CALLED: &[&str] = &["/logout"];

/// Path prefix (without `/api/v1`) → the table holding the resource of its `{id}`.
const TABLE_OF: &[(&str, &str)] = &[
    ("/projects/events/", "project_events"),
    ("/projects/", "projects"),
    ("/safety/enterprises/", "enterprises"),
    ("/enterprises/", "enterprises"),
    ("/contacts/", "contacts"),
    ("/problems/", "problems"),
    ("/meetings/", "meetings"),
    ("/safety/hazards/", "hazards"),
    ("/hazards/", "hazards"),
    ("/safety/inspections/", "inspections"),
    ("/approvals/powers/", "approval_powers"),
    ("/approvals/cases/", "approval_cases"),
    ("/approvals/commitments/", "approval_commitments"),
    ("/land/parcels/", "land_parcels"),
    ("/land/idle-plants/", "idle_plants"),
    ("/per-mu/records/", "per_mu_records"),
    ("/targets/", "targets"),
    ("/tasks/", "tasks"),
    ("/admin/departments/", "departments"),
    ("/departments/", "departments"),
    ("/admin/dictionaries/", "dictionary_items"),
    ("/dictionaries/", "dictionary_items"),
    ("/admin/users/", "users"),
    ("/users/", "users"),
    ("/admin/audit/", "audit_log"),
    ("/audit/", "audit_log"),
    ("/attachments/", "attachments"),
    ("/zones/", "zones"),
    ("/notifications/", "notifications"),
    ("/account/tokens/", "api_tokens"),
];

/// Column names that hold free text even when the fixtures leave them empty (as in xss.rs).
const FREE_TEXT_WORDS: &[&str] = &[
    "name",
    "title",
    "note",
    "remark",
    "description",
    "content",
    "address",
    "summary",
    "reason",
    "measure",
    "text",
    "comment",
    "body",
    "label",
    "location",
    "person",
    "opinion",
    "result",
    "memo",
    "detail",
    "problem",
    "requirement",
    "position",
    "duty",
    "unit",
    "owner",
    "source",
    "place",
    "basis",
    "progress",
];

async fn strings(app: &TestApp, sql: &str) -> Vec<Vec<String>> {
    app.db
        .conn
        .query_all_raw(Statement::from_string(app.db.conn.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| {
            (0..).map_while(|i| r.try_get_by_index::<Option<String>>(i).ok().map(|v| v.unwrap_or_default())).collect()
        })
        .collect()
}

/// Every table with its columns and types.
async fn schema(app: &TestApp) -> BTreeMap<String, Vec<(String, String)>> {
    let sql = match app.db.engine {
        Engine::Sqlite => {
            "SELECT m.name, p.name, lower(p.type) FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"
        }
        Engine::Postgres => {
            "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        }
    };
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in strings(app, sql).await {
        if r[0].starts_with("seaql_") || r[0].contains("migration") || r[0] == "kaifaqu_schema" {
            continue;
        }
        out.entry(r[0].clone()).or_default().push((r[1].clone(), r[2].clone()));
    }
    out
}

/// The condition selecting a zone's rows of a table, or None for a table no zone owns.
fn owned_by(table: &str, cols: &[(String, String)], zone: i64) -> Option<String> {
    match table {
        "zones" => Some(format!("id = {zone}")),
        "api_tokens" => Some(format!("user_id IN (SELECT id FROM users WHERE zone_id = {zone})")),
        _ if cols.iter().any(|(c, _)| c == "zone_id") => Some(format!("zone_id = {zone}")),
        _ => None,
    }
}

/// Zone A's rows of every zone-owned table, every column, as text (sessions aside: each request
/// refreshes its session's last-seen time, and zone A makes no request during the attempts).
async fn snapshot(app: &TestApp, schema: &BTreeMap<String, Vec<(String, String)>>) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (t, cols) in schema {
        let Some(filter) = owned_by(t, cols, app.zone_a) else { continue };
        if t == "sessions" {
            continue;
        }
        let sql = match app.db.engine {
            Engine::Sqlite => {
                let row = cols.iter().map(|(c, _)| format!("quote(\"{c}\")")).collect::<Vec<_>>().join(" || '|' || ");
                format!("SELECT {row} FROM {t} WHERE {filter} ORDER BY 1")
            }
            Engine::Postgres => format!("SELECT x::text FROM {t} AS x WHERE {filter} ORDER BY 1"),
        };
        out.insert(t.clone(), strings(app, &sql).await.into_iter().map(|r| r[0].clone()).collect());
    }
    out
}

/// Appends `ZONEA-标记-<n>` to every free-text column of every row of zone A (text columns holding
/// Chinese text, or blank and named like free text; codes, dates, hashes and JSON left alone).
/// The append-only audit log cannot be changed: zone A's API writes put the markers there.
/// Returns (columns, tables, rows changed).
async fn mark_zone_a(app: &TestApp, schema: &BTreeMap<String, Vec<(String, String)>>) -> (usize, usize, u64) {
    let (mut columns, mut tables, mut changed) = (0, BTreeSet::new(), 0u64);
    for (t, cols) in schema {
        if ["audit_log", "audit_heads", "audit_chain_anchors", "sessions", "report_templates"].contains(&t.as_str()) {
            continue;
        }
        let Some(filter) = owned_by(t, cols, app.zone_a) else { continue };
        for (n, (c, ty)) in cols.iter().enumerate() {
            let texty = ty.contains("text") || ty.contains("char");
            let coded = c == "id"
                || c.ends_with("_id")
                || c.ends_with("code")
                || c.ends_with("_at")
                || c.ends_with("_on")
                || c.ends_with("date")
                || c.contains("hash")
                || c.contains("token")
                || c.contains("password")
                || c.contains("login")
                || c.contains("secret")
                || c.contains("phone")
                || c == "period"
                || c.ends_with("_key")
                || c == "key"
                || c == "prefix";
            if !texty || coded {
                continue;
            }
            let values =
                strings(app, &format!("SELECT {c} FROM {t} WHERE {filter} AND {c} IS NOT NULL LIMIT 200")).await;
            let values: Vec<&String> = values.iter().filter_map(|r| r.first()).collect();
            let chinese = values.iter().any(|v| v.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)));
            let structured = values.iter().any(|v| v.starts_with('{') || v.starts_with('['));
            let named = FREE_TEXT_WORDS.iter().any(|w| c.contains(w));
            if structured || !(chinese || (values.iter().all(|v| v.trim().is_empty()) && named)) {
                continue;
            }
            let sql = format!("UPDATE {t} SET {c} = COALESCE({c}, '') || ' {MARK}-{t}{n}' WHERE {filter}");
            match app.db.conn.execute_unprepared(&sql).await {
                Ok(r) if r.rows_affected() > 0 => {
                    columns += 1;
                    tables.insert(t.clone());
                    changed += r.rows_affected();
                }
                Ok(_) => {}
                Err(e) => panic!("{sql}: {e}"),
            }
        }
    }
    (columns, tables.len(), changed)
}

/// A zone's id of the resource behind each `{id}` route prefix, and a task with a milestone.
struct Ids {
    by_prefix: BTreeMap<&'static str, i64>,
    task_with_milestone: Option<(i64, i64)>,
}

async fn ids_of(app: &TestApp, schema: &BTreeMap<String, Vec<(String, String)>>, zone: i64) -> Ids {
    let mut by_prefix = BTreeMap::new();
    for (prefix, table) in TABLE_OF {
        let cols = schema.get(*table).unwrap_or_else(|| panic!("no table {table}"));
        let filter = owned_by(table, cols, zone).unwrap_or_else(|| panic!("{table} is not zone-owned"));
        let rows = strings(app, &format!("SELECT CAST(MIN(id) AS TEXT) FROM {table} WHERE {filter}")).await;
        if let Some(id) = rows.first().and_then(|r| r.first()).and_then(|v| v.parse().ok()) {
            by_prefix.insert(*prefix, id);
        }
    }
    let m = strings(
        app,
        &format!(
            "SELECT CAST(task_id AS TEXT), CAST(id AS TEXT) FROM task_milestones WHERE zone_id = {zone} ORDER BY id LIMIT 1"
        ),
    )
    .await;
    let task_with_milestone = m.first().map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap()));
    Ids { by_prefix, task_with_milestone }
}

impl Ids {
    /// The path with its parameters filled with this zone's records; None when the zone has no
    /// record of the resource.
    fn fill(&self, path: &str) -> Option<String> {
        let bare = path.strip_prefix("/api/v1").unwrap_or(path);
        if bare.contains("{mid}") {
            let (t, m) = self.task_with_milestone?;
            return Some(path.replace("{id}", &t.to_string()).replace("{mid}", &m.to_string()));
        }
        let path = path.replace("{name}", "half_year");
        if !path.contains("{id}") {
            return Some(path);
        }
        let (_, id) = self.by_prefix.iter().filter(|(p, _)| bare.starts_with(**p)).max_by_key(|(p, _)| p.len())?;
        Some(path.replace("{id}", &id.to_string()))
    }
}

fn prefix_known(path: &str) -> bool {
    let bare = path.strip_prefix("/api/v1").unwrap_or(path);
    bare.contains("{mid}") || TABLE_OF.iter().any(|(p, _)| bare.starts_with(p))
}

fn shared(path: &str) -> bool {
    let bare = path.strip_prefix("/api/v1").unwrap_or(path);
    SHARED.iter().any(|(p, _)| bare.starts_with(p))
}

/// The request as the permission matrix sends it: the route's method, an empty body of the
/// kind its module takes, and the session's CSRF token.
fn request(s: &Session, r: &Registered, path: &str) -> reqwest::RequestBuilder {
    let b = s.client.request(r.method.clone(), s.url(path)).header("x-csrf-token", &s.csrf);
    if !r.is_write() {
        return b;
    }
    if path.starts_with("/api/") {
        b.header("content-type", "application/json").body("{}")
    } else {
        b.header("content-type", "application/x-www-form-urlencoded").body(format!("_csrf={}", s.csrf))
    }
}

/// Where in the answer a marker shows: the body itself, or the parts of a zip (XLSX/DOCX).
fn leak_in(body: &[u8]) -> Option<String> {
    let needle = MARK.as_bytes();
    let find = |b: &[u8]| b.windows(needle.len()).position(|w| w == needle);
    if body.starts_with(b"PK\x03\x04") {
        let mut zip = zip::ZipArchive::new(Cursor::new(body)).expect("a zip answer opens");
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let mut part = Vec::new();
            entry.read_to_end(&mut part).unwrap();
            if let Some(at) = find(&part) {
                return Some(format!("{} at byte {at}", entry.name().unwrap_or_default()));
            }
        }
        return None;
    }
    find(body).map(|at| {
        let s = String::from_utf8_lossy(&body[at.saturating_sub(80)..(at + 80).min(body.len())]).into_owned();
        format!("body: …{s}…")
    })
}

/// The value of `attr="…"` in one tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let i = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[i..i + tag[i..].find('"')?])
}

/// The fields of the form of B's own page that posts to `action`: inputs with their values, the
/// first option of each select, textareas, the first named button.
fn form_fields(html: &str, action: &str) -> Option<(Vec<(String, String)>, bool)> {
    let start = [format!("action=\"{action}\""), format!("action=\"{action}?")].iter().find_map(|a| html.find(a))?;
    let form = &html[start..start + html[start..].find("</form>")?];
    let multipart = form[..form.find('>').unwrap_or(0)].contains("multipart/form-data");
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, _) in form.match_indices('<') {
        let tag = &form[i..i + form[i..].find('>').unwrap_or(form.len() - i)];
        let Some(name) = attr(tag, "name") else { continue };
        let name = name.to_string();
        if name == "_csrf" || out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let value = if tag.starts_with("<select") {
            let rest = &form[i..];
            rest.find("<option").and_then(|o| attr(&rest[o..], "value")).unwrap_or_default().to_string()
        } else if tag.starts_with("<textarea") {
            let rest = &form[i + tag.len() + 1..];
            rest[..rest.find("</textarea>").unwrap_or(0)].to_string()
        } else {
            attr(tag, "value").unwrap_or_default().to_string()
        };
        out.push((name, value.replace("&#34;", "\"").replace("&amp;", "&")));
    }
    Some((out, multipart))
}

/// When the empty request is refused before the record is looked up (400/422: not multipart, a
/// missing field, no version), the same request made well-formed from B's own record of the same
/// kind: a file for uploads; for JSON, fields added as the answer names them (values from B's
/// record) and unknown ones dropped; for forms, the fields of B's own form. Returns the answers
/// of the well-formed attempts (the last one counts).
async fn well_formed(s: &Session, r: &Registered, a_path: &str, b_path: &str) -> Vec<(StatusCode, Vec<u8>)> {
    let mut answers = Vec::new();
    if a_path.ends_with("/attachments") {
        let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("乙区.pdf");
        let res = s
            .client
            .request(r.method.clone(), s.url(&format!("{a_path}?_csrf={}", s.csrf)))
            .header("x-csrf-token", &s.csrf)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        answers.push((res.status(), res.bytes().await.unwrap().to_vec()));
        return answers;
    }
    if a_path.starts_with("/api/") {
        // B's own record: the same path, or its parent (`/users/{id}/details` → `/users/{id}`)
        let mut base = serde_json::Value::Null;
        for p in [b_path.to_string(), b_path.rsplit_once('/').map(|(p, _)| p.to_string()).unwrap_or_default()] {
            let res = s.get(&p).await;
            if res.status() == StatusCode::OK
                && let Ok(v) = res.json::<serde_json::Value>().await
                && v.is_object()
            {
                base = v;
                break;
            }
        }
        let mut body = serde_json::Map::new();
        for _ in 0..40 {
            let res = s.json(r.method.clone(), a_path, Some(serde_json::Value::Object(body.clone()))).await;
            let status = res.status();
            let bytes = res.bytes().await.unwrap().to_vec();
            answers.push((status, bytes.clone()));
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let message = v["message"].as_str().unwrap_or_default().to_string();
            let field = v["field"].as_str().map(str::to_string);
            if let Some(f) = message.split("缺少字段 ").nth(1) {
                let f = f.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or_default();
                body.insert(f.to_string(), base.get(f).cloned().unwrap_or(json!("乙区")));
            } else if let (Some(f), true) = (&field, message.contains("不认识的字段")) {
                body.remove(f);
            } else if let Some(f) = field.filter(|f| base.get(f).is_some() && body.get(f) != base.get(f)) {
                body.insert(f.clone(), base[&f].clone());
            } else {
                break;
            }
        }
        return answers;
    }
    // a form: the fields of B's own form posting to the same path, from B's record page
    let page = b_path.rsplit_once('/').map(|(p, _)| p.to_string()).unwrap_or_default();
    let (mut fields, mut multipart) = (Vec::new(), false);
    for p in [page.clone(), format!("{page}/edit"), b_path.to_string()] {
        let html = s.get(&p).await.text().await.unwrap_or_default();
        if let Some(f) = form_fields(&html, b_path) {
            (fields, multipart) = f;
            break;
        }
    }
    if a_path.ends_with("/steps") {
        // the step forms are uploads (photos, evidence); B's record may be in a state without one
        multipart = true;
        if fields.is_empty() {
            let action = if a_path.contains("/tasks/") { "progress" } else { "start" };
            for (n, v) in
                [("action", action), ("date", ""), ("note", "乙区进展"), ("new_deadline", ""), ("version", "")]
            {
                fields.push((n.to_string(), v.to_string()));
            }
        }
    }
    if multipart {
        let mut form = reqwest::multipart::Form::new();
        for (n, v) in &fields {
            form = form.text(n.clone(), v.clone());
        }
        let res = s
            .client
            .post(s.url(&format!("{a_path}?_csrf={}", s.csrf)))
            .header("x-csrf-token", &s.csrf)
            .multipart(form)
            .send()
            .await
            .unwrap();
        answers.push((res.status(), res.bytes().await.unwrap().to_vec()));
        return answers;
    }
    // B's record may offer no such form in its state: fields are then added as the answer names them
    for _ in 0..20 {
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let res = s.post_form(a_path, &borrowed).await;
        let (status, bytes) = (res.status(), res.bytes().await.unwrap().to_vec());
        answers.push((status, bytes.clone()));
        let text = String::from_utf8_lossy(&bytes);
        match text.split("缺少字段 ").nth(1) {
            Some(f) if status == StatusCode::BAD_REQUEST => {
                let f = f.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or_default();
                fields.push((f.to_string(), String::new()));
            }
            _ => break,
        }
    }
    answers
}

/// Zone A's own writes through the API, so the audit log, an attachment (name and content) and a
/// revocable API token of zone A carry markers.
async fn zone_a_writes(app: &TestApp) {
    let a = app.admin().await;
    let r = a.json(Method::POST, "/api/v1/departments", Some(json!({"name": format!("{MARK}-api-科室")}))).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = a
        .json(
            Method::POST,
            "/api/v1/dictionaries",
            Some(json!({"kind": "industry_chain", "value": format!("{MARK}-api-产业链")})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let pdf = format!("%PDF-1.4\n% {MARK}-file\n%%EOF\n").into_bytes();
    let part = reqwest::multipart::Part::bytes(pdf).file_name(format!("{MARK}-file.pdf"));
    let r = a
        .client
        .post(a.url("/api/v1/attachments"))
        .header("x-csrf-token", &a.csrf)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let staff = app.login("staff", &app.password).await;
    let r = staff.post_form("/account/tokens", &[("name", &format!("{MARK}-token"))]).await;
    assert!(r.status().is_success() || r.status().is_redirection(), "token: {}", r.status());
}

async fn matrix(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else { return };
    kaifaqu_store::demo::load_twin(&app.db, app.zone_b, TWIN, TWIN_PASSWORD).await.unwrap();
    let schema = schema(&app).await;
    zone_a_writes(&app).await;
    let (columns, tables, rows) = mark_zone_a(&app, &schema).await;
    let a_ids = ids_of(&app, &schema, app.zone_a).await;
    let b_ids = ids_of(&app, &schema, app.zone_b).await;
    let mut b_users = Vec::new();
    for role in [Role::Admin, Role::Staff, Role::SecurityAdmin, Role::AuditAdmin] {
        let login = match role {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::SecurityAdmin => "security",
            _ => "auditor",
        };
        b_users.push((role, app.login(&format!("{login}{TWIN}"), TWIN_PASSWORD).await));
    }
    let before = snapshot(&app, &schema).await;
    assert!(before.values().map(Vec::len).sum::<usize>() > 1_000, "zone A has its fixtures");

    let routes = kaifaqu_web::route_table();
    let mut failures = Vec::new();
    let mut not_covered = Vec::new();
    let (mut by_id, mut by_id_404, mut reads, mut downloads) = (0, 0, 0, 0);
    let (mut refused_before_lookup, mut well_formed_404) = (0, 0);
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for r in &routes {
        let Need::Perm(p) = r.need else { continue };
        if NOT_CALLED.contains(&r.path.as_str()) || shared(&r.path) {
            continue;
        }
        let with_id = r.path.contains("{id}") || r.path.contains("{mid}");
        if with_id && !prefix_known(&r.path) {
            failures.push(format!("{} {}: add its table to TABLE_OF", r.method, r.path));
            continue;
        }
        for (role, s) in b_users.iter().filter(|(role, _)| role.has(p)) {
            if with_id {
                // A's id, as zone B: 404, and nothing of A in the answer
                let Some(path) = a_ids.fill(&r.path) else {
                    not_covered.push(format!("{} {} (zone A has no record)", r.method, r.path));
                    continue;
                };
                let res = request(s, r, &path).send().await.unwrap();
                let status = res.status();
                let body = res.bytes().await.unwrap().to_vec();
                by_id += 1;
                *statuses.entry(status.as_u16()).or_default() += 1;
                if let Some(w) = leak_in(&body) {
                    failures.push(format!("{role:?} {} {path} leaked {w}", r.method));
                }
                if status == StatusCode::NOT_FOUND {
                    by_id_404 += 1;
                } else if matches!(status, StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY) && r.is_write() {
                    // refused before the lookup: the same answer for B's own record (no oracle),
                    // then the request made well-formed must find nothing
                    let own = b_ids.fill(&r.path).expect("zone B has the twin record");
                    let res = request(s, r, &own).send().await.unwrap();
                    if res.status() != status {
                        failures.push(format!(
                            "{role:?} {} {path}: {status}, but {} for B's own",
                            r.method,
                            res.status()
                        ));
                    }
                    refused_before_lookup += 1;
                    let answers = well_formed(s, r, &path, &own).await;
                    for (st, b) in &answers {
                        by_id += 1;
                        *statuses.entry(st.as_u16()).or_default() += 1;
                        if let Some(w) = leak_in(b) {
                            failures.push(format!("{role:?} {} {path} leaked {w}", r.method));
                        }
                    }
                    match answers.last() {
                        Some((st, _)) if *st == StatusCode::NOT_FOUND => {
                            by_id_404 += 1;
                            well_formed_404 += 1;
                        }
                        Some((st, b)) => {
                            let text = String::from_utf8_lossy(b).chars().take(300).collect::<String>();
                            failures.push(format!("{role:?} {} {path} (well-formed): {st} {text}", r.method));
                        }
                        None => failures.push(format!("{role:?} {} {path}: no well-formed request", r.method)),
                    }
                } else {
                    let text = String::from_utf8_lossy(&body).chars().take(300).collect::<String>();
                    failures.push(format!("{role:?} {} {path}: {status} {text}", r.method));
                }
            }
            if r.is_write() {
                continue;
            }
            // B's own lists, searches, exports, reports, figures and records: no marker
            let path = if with_id { b_ids.fill(&r.path) } else { a_ids.fill(&r.path) };
            let Some(path) = path else { continue };
            let mut tries = vec![path.clone()];
            if !with_id {
                let sep = if path.contains('?') { '&' } else { '?' };
                tries.push(format!("{path}{sep}q=%E9%A1%B9%E7%9B%AE")); // q=项目, a search
            }
            for path in tries {
                let res = s.get(&path).await;
                let status = res.status();
                let body = res.bytes().await.unwrap();
                reads += 1;
                if body.starts_with(b"PK\x03\x04") {
                    downloads += 1;
                }
                if status.is_server_error() {
                    failures.push(format!("{role:?} GET {path}: {status}"));
                }
                if let Some(w) = leak_in(&body) {
                    failures.push(format!("{role:?} GET {path} leaked {w}"));
                }
            }
        }
    }
    let after = snapshot(&app, &schema).await;
    let changed: Vec<String> = before
        .iter()
        .filter(|(t, v)| after.get(*t) != Some(*v))
        .map(|(t, v)| format!("{t}: {} rows → {}", v.len(), after.get(t).map_or(0, Vec::len)))
        .collect();
    let a_rows: usize = before.values().map(Vec::len).sum();
    eprintln!(
        "zone isolation matrix ({engine:?}): {} routes; zone A marked in {columns} columns of {tables} tables \
         ({rows} values); as zone B: {by_id} attempts on zone A's ids ({by_id_404} answered 404, {statuses:?}; {refused_before_lookup} malformed requests \
         refused before the lookup exactly as for B's own record, then made well-formed: {well_formed_404} \
         answered 404), \
         {reads} reads of lists/searches/exports/reports/figures and B's own records ({downloads} XLSX/DOCX \
         unzipped), {} leaks; zone A's {a_rows} rows in {} tables: {} changed",
        routes.len(),
        failures.iter().filter(|f| f.contains("leaked")).count(),
        before.len(),
        changed.len()
    );
    if !not_covered.is_empty() {
        eprintln!("not covered: {not_covered:#?}");
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(changed.is_empty(), "zone A changed: {}", changed.join("; "));
    assert!(not_covered.is_empty(), "routes without a zone A record to try: {not_covered:?}");
    // the control: the marker is there to be found — A's admin sees it
    let a = app.admin().await;
    let body = a.get("/projects").await.bytes().await.unwrap();
    assert!(leak_in(&body).is_some(), "zone A's own list shows its marked records");
}

#[tokio::test]
async fn zone_b_reaches_nothing_of_zone_a_on_any_route_sqlite() {
    matrix(Engine::Sqlite).await;
}

#[tokio::test]
async fn zone_b_reaches_nothing_of_zone_a_on_any_route_postgres() {
    matrix(Engine::Postgres).await;
}
