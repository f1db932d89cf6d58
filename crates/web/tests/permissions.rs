//! The permission matrix, read from the router's own registration table
//! (`kaifaqu_web::route_table`), not from a hand-kept list:
//! (C1) every route called anonymously — only the reviewed allow-list answers, everything else
//! sends the browser to the login page (pages) or answers 401 (API);
//! (C2) every route called by a user of every role lacking the permission it needs — 403 (writes
//! carry a valid CSRF token, so the 403 is the permission's), and the GET routes by a role that
//! has it — never 401/403 from the matrix;
//! (C9) the three duties: the system admin cannot read the audit log, no route changes or
//! purges it, the auditor and the security admin do no business operations;
//! (E1) every state-changing route forged three ways (no token, a fake token, a valid token from
//! another site's page) plus a GET, as a user allowed to make the change: nothing in the
//! database changes.

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kaifaqu_domain::{Permission, Role};
use kaifaqu_store::Engine;
use kaifaqu_web::routing::{Need, Registered};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use support::{Session, TestApp};

/// The reviewed allow-list of routes that answer without signing in.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/static/{file}"),
    ("GET", "/api/v1/openapi.json"),
];

/// The demo account of each role.
const ACCOUNTS: &[(Role, &str)] = &[
    (Role::Admin, "admin"),
    (Role::Leader, "leader"),
    (Role::Staff, "staff"),
    (Role::Viewer, "viewer"),
    (Role::City, "city"),
    (Role::AuditAdmin, "auditor"),
    (Role::SecurityAdmin, "security"),
];

async fn strings(app: &TestApp, sql: &str) -> Vec<Vec<String>> {
    app.db
        .conn
        .query_all_raw(Statement::from_string(app.db.conn.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (0..).map_while(|i| r.try_get_by_index::<Option<String>>(i).ok().map(|v| v.unwrap_or_default())).collect()
        })
        .collect()
}

async fn first_id(app: &TestApp, table: &str) -> i64 {
    let rows = strings(app, &format!("SELECT CAST(MIN(id) AS TEXT) FROM {table}")).await;
    rows.first().and_then(|r| r.first()).and_then(|v| v.parse().ok()).unwrap_or(1)
}

/// Real ids of the demo records, by the path's resource.
struct Ids {
    by_prefix: Vec<(&'static str, i64)>,
    task_with_milestone: (i64, i64),
    /// An account that is not one of the three duties' (the system admin edits its details).
    plain_user: i64,
}

async fn ids(app: &TestApp) -> Ids {
    let table_of: &[(&'static str, &str)] = &[
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
        ("/admin/indicators/", "indicators"),
        ("/indicators/", "indicators"),
        ("/zones/", "zones"),
        ("/notifications/", "notifications"),
        ("/account/tokens/", "api_tokens"),
    ];
    let mut by_prefix = Vec::new();
    for (prefix, table) in table_of {
        by_prefix.push((*prefix, first_id(app, table).await));
    }
    let m =
        strings(app, "SELECT CAST(task_id AS TEXT), CAST(id AS TEXT) FROM task_milestones ORDER BY id LIMIT 1").await;
    let task_with_milestone = m.first().map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap())).unwrap_or((1, 1));
    let plain = strings(
        app,
        "SELECT CAST(MIN(id) AS TEXT) FROM users WHERE role NOT IN ('admin', 'audit_admin', 'security_admin', 'city')",
    )
    .await;
    let plain_user = plain.first().and_then(|r| r.first()).and_then(|v| v.parse().ok()).unwrap_or(1);
    Ids { by_prefix, task_with_milestone, plain_user }
}

impl Ids {
    /// The path with its `{…}` parameters filled with real records.
    fn fill(&self, path: &str) -> String {
        let bare = path.strip_prefix("/api/v1").unwrap_or(path);
        if bare.contains("{mid}") {
            let (t, m) = self.task_with_milestone;
            return path.replace("{id}", &t.to_string()).replace("{mid}", &m.to_string());
        }
        let path = path.replace("{name}", "half_year").replace("{file}", "app.css");
        if !path.contains("{id}") {
            return path;
        }
        if bare.ends_with("/details") && bare.contains("/users/") {
            return path.replace("{id}", &self.plain_user.to_string());
        }
        let id = self.by_prefix.iter().find(|(p, _)| bare.starts_with(p)).map(|(_, id)| *id).unwrap_or_else(|| {
            panic!("no record to fill {path}: add its table to `ids`");
        });
        path.replace("{id}", &id.to_string())
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// A request of the route's method with an empty body of the kind its module takes.
fn request(c: &reqwest::Client, base: &str, r: &Registered, path: &str) -> reqwest::RequestBuilder {
    let b = c.request(r.method.clone(), format!("{base}{path}"));
    if !r.is_write() {
        return b;
    }
    if is_api(path) {
        b.header("content-type", "application/json").body("{}")
    } else {
        b.header("content-type", "application/x-www-form-urlencoded").body("")
    }
}

async fn sessions(app: &TestApp) -> HashMap<Role, Session> {
    let mut out = HashMap::new();
    for (role, login) in ACCOUNTS {
        out.insert(*role, app.login(login, &app.password).await);
    }
    out
}

fn table() -> Vec<Registered> {
    let t = kaifaqu_web::route_table();
    let mut seen = BTreeSet::new();
    for r in &t {
        assert!(seen.insert((r.method.to_string(), r.path.clone())), "registered twice: {} {}", r.method, r.path);
    }
    t
}

async fn matrix(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else { return };
    let routes = table();
    let ids = ids(&app).await;
    let users = sessions(&app).await;

    // the allow-list is exactly what the table calls public
    let public: BTreeSet<(String, String)> =
        routes.iter().filter(|r| r.need == Need::Public).map(|r| (r.method.to_string(), r.path.clone())).collect();
    let reviewed: BTreeSet<(String, String)> = PUBLIC.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(public, reviewed, "a public route outside the reviewed allow-list");

    // (C1) every route anonymously
    let anon = TestApp::client();
    let mut anonymous = 0;
    let mut failures = Vec::new();
    for r in &routes {
        let path = ids.fill(&r.path);
        let res = request(&anon, &app.base, r, &path).send().await.unwrap();
        anonymous += 1;
        if r.need == Need::Public {
            continue;
        }
        let status = res.status();
        let ok = if is_api(&path) {
            status == StatusCode::UNAUTHORIZED
        } else {
            status == StatusCode::SEE_OTHER
                && res.headers()["location"].to_str().unwrap_or("").starts_with("/login?next=")
        };
        if !ok {
            failures.push(format!("anonymous {} {path}: {status}", r.method));
        }
    }

    // (C2) every route by every role lacking its permission: 403; GETs by a zone role having it: not 401/403
    let mut denied = 0;
    let mut granted = 0;
    for r in &routes {
        let Need::Perm(p) = r.need else { continue };
        let path = ids.fill(&r.path);
        for (role, s) in &users {
            if role.has(p) {
                continue;
            }
            let res = request(&s.client, &app.base, r, &path).header("x-csrf-token", &s.csrf).send().await.unwrap();
            denied += 1;
            let status = res.status();
            let body = res.text().await.unwrap_or_default();
            if status != StatusCode::FORBIDDEN || !body.contains(p.label()) {
                failures.push(format!("{role:?} {} {path}: {status} (needs {p:?})", r.method));
            }
        }
        if r.is_write() {
            continue;
        }
        // some holder gets through (a handler may refuse finer: the city view is the city's)
        let mut answered = None;
        for (role, _) in ACCOUNTS.iter().filter(|(role, _)| role.has(p)) {
            let res = users[role].get(&path).await;
            if !matches!(res.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
                answered = Some(res.status());
                break;
            }
        }
        granted += 1;
        if answered.is_none() {
            failures.push(format!("GET {path}: 401/403 for every role having {p:?}"));
        }
    }

    // (C9) the three duties
    let admin = &users[&Role::Admin];
    let audit_routes: Vec<&Registered> = routes.iter().filter(|r| r.path.contains("/audit")).collect();
    assert!(audit_routes.len() >= 4, "the audit log's routes are registered");
    let mut cross_duty = 0;
    for r in &audit_routes {
        assert_eq!(r.need, Need::Perm(Permission::ReadAudit), "{} {}", r.method, r.path);
        assert!(
            !r.is_write(),
            "no route changes, verifies by writing or purges the audit log: {} {}",
            r.method,
            r.path
        );
        let res = admin.get(&ids.fill(&r.path)).await;
        if res.status() != StatusCode::FORBIDDEN {
            cross_duty += 1;
            failures.push(format!("the system admin reads {}: {}", r.path, res.status()));
        }
    }
    let auditor = &users[&Role::AuditAdmin];
    assert_eq!(auditor.get("/admin/audit").await.status(), StatusCode::OK, "the auditor reads the log");
    assert_eq!(users[&Role::SecurityAdmin].get("/admin/users").await.status(), StatusCode::OK);
    for (role, duty) in [
        (Role::Admin, vec![Permission::ReadAudit, Permission::ManageSecurity]),
        (
            Role::AuditAdmin,
            vec![Permission::Read, Permission::Write, Permission::Administer, Permission::ManageSecurity],
        ),
        (Role::SecurityAdmin, vec![Permission::Read, Permission::Write, Permission::Administer, Permission::ReadAudit]),
    ] {
        for p in duty {
            if role.has(p) {
                cross_duty += 1;
                failures.push(format!("{role:?} holds {p:?}"));
            }
        }
    }
    // the auditor's and the security admin's home is their duty's page, not the zone's figures
    let r = auditor.get("/").await;
    assert_eq!(r.headers()["location"], "/admin/audit");

    let writes = routes.iter().filter(|r| r.is_write()).count();
    eprintln!(
        "permission matrix ({engine:?}): {} routes ({} state-changing), {} public; {anonymous} anonymous attempts, \
         {denied} attempts by roles lacking the permission, {granted} GETs by roles having it, \
         {cross_duty} cross-duty operations allowed, {} failures",
        routes.len(),
        writes,
        public.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_route_answers_only_the_roles_with_its_permission_sqlite() {
    matrix(Engine::Sqlite).await;
}

#[tokio::test]
async fn every_route_answers_only_the_roles_with_its_permission_postgres() {
    matrix(Engine::Postgres).await;
}

/// What the database holds: every table's row count, and where a table has them, the latest
/// `updated_at` and the sum of `version` (an update changes one or the other). Sessions only by
/// count: each request refreshes its session's last-seen time.
async fn fingerprint(app: &TestApp) -> BTreeMap<String, Vec<String>> {
    let (tables, columns) = match app.db.engine {
        Engine::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            "SELECT name FROM pragma_table_info('{t}')",
        ),
        Engine::Postgres => (
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' ORDER BY 1",
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = '{t}'",
        ),
    };
    let mut out = BTreeMap::new();
    for t in strings(app, tables).await.into_iter().map(|r| r[0].clone()) {
        if t.starts_with("seaql_") || t.contains("migration") {
            continue;
        }
        let cols: Vec<String> =
            strings(app, &columns.replace("{t}", &t)).await.into_iter().map(|r| r[0].clone()).collect();
        let mut select = vec!["CAST(COUNT(*) AS TEXT)".to_string()];
        if t != "sessions" {
            for c in ["updated_at", "read_at", "active", "version"] {
                if cols.iter().any(|x| x == c) {
                    select.push(match c {
                        "version" => format!("CAST(SUM({c}) AS TEXT)"),
                        "active" => format!("CAST(SUM(CASE WHEN {c} THEN 1 ELSE 0 END) AS TEXT)"),
                        _ => format!("CAST(MAX({c}) AS TEXT)"),
                    });
                }
            }
        }
        let v = strings(app, &format!("SELECT {} FROM {t}", select.join(", "))).await;
        out.insert(t, v.into_iter().next().unwrap_or_default());
    }
    out
}

async fn forgeries(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else { return };
    let routes = table();
    let ids = ids(&app).await;
    let users = sessions(&app).await;
    let before = fingerprint(&app).await;
    let mut sent = 0;
    let mut routes_tried = 0;
    let mut failures = Vec::new();
    let registered: BTreeSet<(String, String)> =
        routes.iter().map(|r| (r.method.to_string(), r.path.clone())).collect();
    for r in routes.iter().filter(|r| r.is_write() && r.need != Need::Public) {
        // as a user who may make the change: only the token and the origin are missing
        let role = match r.need {
            Need::Perm(p) => {
                [Role::Admin, Role::SecurityAdmin, Role::AuditAdmin].into_iter().find(|x| x.has(p)).unwrap()
            }
            _ => Role::Admin,
        };
        let s = &users[&role];
        let path = ids.fill(&r.path);
        routes_tried += 1;
        let attempts = [
            ("no token", request(&s.client, &app.base, r, &path)),
            (
                "fake token",
                request(&s.client, &app.base, r, &format!("{path}?_csrf=forged"))
                    .header("x-csrf-token", "0123456789abcdef0123456789abcdef"),
            ),
            (
                "another site's page",
                request(&s.client, &app.base, r, &path)
                    .header("x-csrf-token", &s.csrf)
                    .header("origin", "https://evil.example"),
            ),
        ];
        for (what, req) in attempts {
            let res = req.send().await.unwrap();
            sent += 1;
            let status = res.status();
            let body = res.text().await.unwrap_or_default();
            if status != StatusCode::FORBIDDEN || !body.contains("CSRF") {
                failures.push(format!("{what}: {} {path} answered {status}", r.method));
            }
        }
        // the same change asked for with a GET: never performed
        if !registered.contains(&("GET".to_string(), r.path.clone())) {
            let res = s.get(&path).await;
            sent += 1;
            if res.status().is_success() || res.status().is_redirection() {
                failures.push(format!("GET {path} answered {}", res.status()));
            }
        }
    }
    let after = fingerprint(&app).await;
    let changed: Vec<String> = before
        .iter()
        .filter(|(t, v)| after.get(*t) != Some(*v))
        .map(|(t, v)| format!("{t}: {v:?} → {:?}", after.get(t)))
        .collect();
    eprintln!(
        "CSRF forgeries ({engine:?}): {routes_tried} state-changing routes, {sent} forged requests \
         (no token, fake token, another site's Origin, GET), {} accepted, {} of {} tables changed",
        failures.len(),
        changed.len(),
        before.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(changed.is_empty(), "the database changed: {}", changed.join("; "));
    // the control: the same kind of request with the token changes the fingerprint
    let admin = &users[&Role::Admin];
    let r = admin.post_form("/admin/departments", &[("name", "对照科室"), ("sort_order", "99")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_ne!(fingerprint(&app).await, after, "a genuine write shows in the fingerprint");
}

#[tokio::test]
async fn forged_requests_change_nothing_sqlite() {
    forgeries(Engine::Sqlite).await;
}

#[tokio::test]
async fn forged_requests_change_nothing_postgres() {
    forgeries(Engine::Postgres).await;
}
