//! API fuzzing (issue 10, H1): schemathesis (from PyPI; `.ci/run` installs it) generates requests
//! from `/api/v1/openapi.json` — valid and invalid bodies, parameters and unknown fields — and sends
//! them as an authenticated zone user (a staff member's API token) with a fixed seed. The run must
//! end with 0 server errors and 0 responses that break the document (status codes, content types,
//! response schemas), and invalid data — unknown fields included — must be refused.
//!
//! The staff member's pass covers every operation but those of the three separate duties, which
//! the 系统管理员, 安全管理员 and 审计管理员 fuzz with their own tokens (`PASSES`). The document
//! given to schemathesis is the served one with an existing record's id as the example of each
//! `{id}` (`with_examples`).
//!
//! Runs on SQLite, and on PostgreSQL when `KAIFAQU_TEST_POSTGRES_URL` is set. Without schemathesis
//! the test prints a notice and passes, unless `KAIFAQU_TEST_REQUIRE_SCHEMATHESIS=1`.
//! `KAIFAQU_FUZZ_EXAMPLES` sets the examples per operation (default 10).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use kaifaqu_store::Engine;
use reqwest::StatusCode;
use support::TestApp;

/// The fixed seed: the same requests every run.
const SEED: &str = "20261128";

/// The checks: every check that judges a single response against the document. The stateful
/// checks that need links between operations in the document (use_after_free,
/// ensure_resource_availability) and the ones about authentication schemes the document does not
/// declare (ignored_auth) are left out.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_headers_conformance,response_schema_conformance,negative_data_rejection,\
missing_required_header,unsupported_method";

fn schemathesis() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KAIFAQU_SCHEMATHESIS").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in ["st", "schemathesis"] {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    if std::env::var("KAIFAQU_TEST_REQUIRE_SCHEMATHESIS").is_ok_and(|v| v == "1") {
        panic!("KAIFAQU_TEST_REQUIRE_SCHEMATHESIS=1 but schemathesis is not installed (pip install schemathesis)");
    }
    eprintln!("NOTICE: API fuzzing skipped: schemathesis not found (pip install schemathesis)");
    None
}

/// The passes: who signs in, which operations (a regex on the path template) they fuzz. The
/// staff member takes everything but the operations of the three separate duties, which the
/// 系统管理员 (departments, dictionaries, calendar, user details), the 安全管理员 (user
/// accounts) and the 审计管理员 (audit log) take with their own tokens — so no operation only
/// ever answers 403. The accounts pass runs last: it may switch accounts off.
const PASSES: [(&str, Option<&str>, &str); 4] = [
    ("staff", None, "^/api/v1/(users|audit|departments|dictionaries|calendar)"),
    ("admin", Some(r"^/api/v1/(departments|dictionaries|calendar|users/\{id\}/details)"), ""),
    ("auditor", Some("^/api/v1/audit"), ""),
    ("security", Some(r"^/api/v1/users(/\{id\})?$"), ""),
];

/// A token of `login`'s, made on the account page as a user would.
async fn token(app: &TestApp, login: &str) -> String {
    let s = app.login(login, &app.password).await;
    let r = s.post_form("/account/tokens", &[("name", "接口测试")]).await;
    assert_eq!(r.status(), StatusCode::OK, "{login} makes a token");
    let html = r.text().await.unwrap();
    let start = html.find("kfq_").expect("the new token is shown once");
    html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

/// The served document with an `example` on every `{id}` that names a record which exists: the
/// first row of the collection the path sits under (`/projects/{id}/events` → `/projects`), as
/// the token sees it. Without it, the fuzzer's ids find nothing and the operations behind them
/// only answer 404. The document the server serves is not changed.
async fn with_examples(app: &TestApp, token: &str, mut doc: serde_json::Value) -> (serde_json::Value, usize) {
    let c = reqwest::Client::new();
    let mut found = 0;
    let Some(paths) = doc.get_mut("paths").and_then(serde_json::Value::as_object_mut) else { return (doc, 0) };
    for (path, item) in paths.iter_mut() {
        let Some(at) = path.find("/{id}") else { continue };
        let list = &path[..at];
        let r = c.get(app.url(list)).bearer_auth(token).send().await.unwrap();
        if !r.status().is_success() {
            continue;
        }
        let body: serde_json::Value = r.json().await.unwrap_or_default();
        let rows = body.get("rows").unwrap_or(&body);
        let Some(id) = rows.get(0).and_then(|r| r.get("id")).and_then(serde_json::Value::as_i64) else { continue };
        found += 1;
        for op in item.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
            for p in op.get_mut("parameters").and_then(serde_json::Value::as_array_mut).into_iter().flatten() {
                if p["in"] == "path" && p["name"] == "id" {
                    p["example"] = serde_json::json!(id);
                }
            }
        }
    }
    (doc, found)
}

/// The figures of one pass.
#[derive(Default)]
struct Figures {
    operations: u64,
    generated: u64,
    with_failures: u64,
    errored: u64,
    warnings: Vec<String>,
}

async fn run(st: &Path, engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else { return };
    let served: serde_json::Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    if let Ok(path) = std::env::var("KAIFAQU_FUZZ_SAVE_SCHEMA") {
        std::fs::write(path, serde_json::to_string_pretty(&served).unwrap()).unwrap();
    }
    let mut total = Figures::default();
    for (login, include, exclude) in PASSES {
        let token = token(&app, login).await;
        let (doc, examples) = with_examples(&app, &token, served.clone()).await;
        let f = pass(st, &app, engine, login, &token, &doc, include, exclude).await;
        println!("  ({login}: {examples} paths with an existing id as their example)");
        total.operations += f.operations;
        total.generated += f.generated;
        total.with_failures += f.with_failures;
        total.errored += f.errored;
        total.warnings.extend(f.warnings.into_iter().map(|w| format!("{login}: {w}")));
    }
    println!(
        "API fuzzing ({engine:?}), seed {SEED}, all passes: {} operations tested, {} requests generated, \
         {} with failures, {} errors; warnings left: {}",
        total.operations,
        total.generated,
        total.with_failures,
        total.errored,
        if total.warnings.is_empty() { "none".to_string() } else { total.warnings.join("; ") }
    );
    assert!(total.operations >= 90, "schemathesis tested only {} operations", total.operations);
    assert!(total.generated >= 1000, "schemathesis generated only {} requests", total.generated);
    assert_eq!((total.with_failures, total.errored), (0, 0));
}

/// One schemathesis run as `login` over the operations `include` selects (all when `None`) but
/// those `exclude` matches.
#[allow(clippy::too_many_arguments)]
async fn pass(
    st: &Path,
    app: &TestApp,
    engine: Engine,
    login: &str,
    token: &str,
    doc: &serde_json::Value,
    include: Option<&str>,
    exclude: &str,
) -> Figures {
    let examples = std::env::var("KAIFAQU_FUZZ_EXAMPLES").unwrap_or_else(|_| "10".into());
    let dir = std::env::temp_dir().join(format!("kfq-fuzz-{}", kaifaqu_store::auth::random_hex(6)));
    std::fs::create_dir_all(&dir).unwrap();
    let schema = dir.join("openapi.json");
    std::fs::write(&schema, serde_json::to_string(doc).unwrap()).unwrap();
    let report = dir.join("report.json");
    let mut cmd = Command::new(st);
    cmd.arg("run")
        .arg(&schema)
        .args(["--url", &app.url("")])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--seed", SEED, "--max-examples", &examples, "--workers", "1", "--no-shrink"])
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--report", "json", "--report-json-path"])
        .arg(&report)
        // its caches (.schemathesis/, .hypothesis/) go to the run's own folder, not the checkout
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_HOOKS", "");
    if let Some(re) = include {
        cmd.args(["--include-path-regex", re]);
    }
    if !exclude.is_empty() {
        cmd.args(["--exclude-path-regex", exclude]);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("schemathesis runs")).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json = std::fs::read_to_string(&report).unwrap_or_default();
    let keep = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/api-fuzz-{engine:?}-{login}.json"));
    let _ = std::fs::write(&keep, &json);
    let summary: Vec<&str> = stdout.lines().skip_while(|l| !l.contains("SUMMARY")).collect();
    let r: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let n = |p: &str| r.pointer(p).and_then(serde_json::Value::as_u64).unwrap_or(0);
    let mut warnings = Vec::new();
    for (kind, ops) in r["warnings"].as_object().into_iter().flatten() {
        if let Some(ops) = ops.as_array().filter(|o| !o.is_empty()) {
            let names: Vec<&str> = ops.iter().filter_map(serde_json::Value::as_str).collect();
            warnings.push(format!("{kind} {} ({})", names.len(), names.join(", ")));
        }
    }
    let f = Figures {
        operations: n("/operations/tested"),
        generated: n("/test_cases/generated"),
        with_failures: n("/test_cases/with_failures"),
        errored: n("/test_cases/errored"),
        warnings,
    };
    println!(
        "API fuzzing ({engine:?}) as {login}, seed {SEED}: {} operations tested, {} requests generated, {} with \
         failures, {} errors (report in {})\n{}",
        f.operations,
        f.generated,
        f.with_failures,
        f.errored,
        keep.display(),
        summary.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "schemathesis found problems as {login}:\n{stdout}\n{stderr}");
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_schema_violation() {
    let Some(st) = schemathesis() else { return };
    run(&st, Engine::Sqlite).await;
    run(&st, Engine::Postgres).await;
}

app_test!(unknown_fields_and_out_of_range_paging_are_refused, |app: TestApp| async move {
    let s = app.admin().await;
    let r = s
        .json(
            reqwest::Method::POST,
            "/api/v1/departments",
            Some(serde_json::json!({"name": "拼错字段的科室", "nmae": "x"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["field"], "nmae", "{body}");
    assert!(body["message"].as_str().unwrap().contains("不认识的字段"), "{body}");
    let (_, page) = s.page("/admin/departments").await;
    assert!(!page.contains("拼错字段的科室"), "nothing was created");
    // the same body without the misspelt field is accepted
    let r =
        s.json(reqwest::Method::POST, "/api/v1/departments", Some(serde_json::json!({"name": "拼错字段的科室"}))).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    for q in ["page=0", "page=1000001", "per_page=0", "per_page=501", "limit=9999", "page=abc"] {
        let r = s.get(&format!("/api/v1/projects?{q}")).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
    }
    // the pages stay forgiving
    assert_eq!(s.get("/projects?page=0").await.status(), StatusCode::OK);
    // the document says so
    let doc: serde_json::Value = s.get("/api/v1/openapi.json").await.json().await.unwrap();
    let params = doc["paths"]["/api/v1/projects"]["get"]["parameters"].as_array().unwrap();
    let per_page = params.iter().find(|p| p["name"] == "per_page").unwrap();
    assert_eq!(per_page["schema"]["maximum"], 500);
    assert!(doc["paths"]["/api/v1/projects/{id}"]["get"]["responses"].get("404").is_some());
});
