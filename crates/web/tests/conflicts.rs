//! No lost updates (issue 10, G1) over HTTP. For every kind of editable record with an
//! optimistic version — projects, hazards (their steps), tasks, standard parcels and idle plants
//! — two clients read the same version and both write: exactly one write is accepted, the other
//! is answered 409 `conflict` with the Chinese message, and the record and its audit history show
//! only the first write (no audit record, no hazard step from the refused one). A stale form is
//! 409 too, re-rendered with the user's input and the message. Then 50 clients each do 20
//! read-modify-write increments of one parcel's price, retrying on 409: the price ends at exactly
//! 1,000 and the parcel has exactly 1,000 update records in the audit log.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use kaifaqu_store::{Scope, audit};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Session, TestApp};

const STALE: &str = "该记录已被他人修改，请刷新后重试";

async fn json_of(s: &Session, path: &str) -> Value {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn created(s: &Session, path: &str, body: Value) -> i64 {
    let r = s.json(Method::POST, path, Some(body.clone())).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "POST {path} {body}: {v}");
    v["id"].as_i64().unwrap()
}

/// The update records of one record in the audit log.
async fn updates(app: &TestApp, entity: &str, id: i64) -> Vec<audit::AuditRecord> {
    audit::history(&app.db, &Scope::System, entity, &id.to_string())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "update")
        .collect()
}

/// One kind of record under test: where it is read and written, and two different writes.
struct Case {
    entity: &'static str,
    id: i64,
    read: String,
    method: Method,
    write: String,
    first: Value,
    second: Value,
    /// A field of the record and its value after the first write.
    field: &'static str,
    first_value: Value,
}

fn with_version(body: &Value, version: &Value) -> Value {
    let mut b = body.clone();
    // as a form would send it: a text
    b["version"] = json!(version.to_string());
    b
}

async fn cases(s: &Session) -> Vec<Case> {
    let mut out = Vec::new();
    // a project
    let id = created(
        s,
        "/api/v1/projects",
        json!({"name": "并发测试项目", "investor_name": "示例投资方", "category": "industrial", "total": "1", "plan_year": "2025"}),
    )
    .await;
    let project = |progress: &str| {
        json!({"name": "并发测试项目", "investor_name": "示例投资方", "category": "industrial", "total": "1",
            "plan_year": "2025", "progress": progress})
    };
    out.push(Case {
        entity: "project",
        id,
        read: format!("/api/v1/projects/{id}"),
        method: Method::PUT,
        write: format!("/api/v1/projects/{id}"),
        first: project("第一人：厂房改造中"),
        second: project("第二人：覆盖"),
        field: "progress",
        first_value: json!("第一人：厂房改造中"),
    });
    // a hazard: two steps chosen on the same version
    let enterprise = json_of(s, "/api/v1/hazards?limit=1").await["rows"][0]["enterprise_id"].as_i64().unwrap();
    let id = created(
        s,
        "/api/v1/hazards",
        json!({"enterprise_id": enterprise.to_string(), "description": "并发测试：通道堆放杂物", "level": "general",
            "found_date": "2025-06-10", "deadline": "2025-06-20"}),
    )
    .await;
    out.push(Case {
        entity: "hazard",
        id,
        read: format!("/api/v1/hazards/{id}"),
        method: Method::POST,
        write: format!("/api/v1/hazards/{id}/steps"),
        first: json!({"action": "start"}),
        second: json!({"action": "extend", "note": "等备件", "new_deadline": "2025-07-01"}),
        field: "status",
        first_value: json!("rectifying"),
    });
    // a task
    let t = &json_of(s, "/api/v1/tasks?limit=1").await["rows"][0];
    let (leader, dept) = (t["lead_leader_id"].clone(), t["department_id"].clone());
    let id = created(
        s,
        "/api/v1/tasks",
        json!({"title": "并发测试任务", "source": "年度计划", "lead_leader_id": leader, "department_id": dept,
            "collaborating_ids": [], "assigned_date": "2025-07-01", "deadline": "2025-09-30"}),
    )
    .await;
    let task = |title: &str| {
        json!({"title": title, "source": "年度计划", "lead_leader_id": leader, "department_id": dept,
            "deadline": "2025-09-30"})
    };
    out.push(Case {
        entity: "task",
        id,
        read: format!("/api/v1/tasks/{id}"),
        method: Method::PUT,
        write: format!("/api/v1/tasks/{id}"),
        first: task("并发测试任务（第一人）"),
        second: task("并发测试任务（第二人）"),
        field: "title",
        first_value: json!("并发测试任务（第一人）"),
    });
    // a standard parcel
    let id = created(
        s,
        "/api/v1/land/parcels",
        json!({"code": "并发-1", "area": "12.5", "status": "reserve", "price": "100"}),
    )
    .await;
    let parcel = |price: &str| json!({"code": "并发-1", "area": "12.5", "status": "reserve", "price": price});
    out.push(Case {
        entity: "land_parcel",
        id,
        read: format!("/api/v1/land/parcels/{id}"),
        method: Method::PUT,
        write: format!("/api/v1/land/parcels/{id}"),
        first: parcel("110"),
        second: parcel("120"),
        field: "price",
        first_value: json!(110),
    });
    // an idle plant
    let id =
        created(s, "/api/v1/land/idle-plants", json!({"name": "并发厂房", "building_m2": "9000", "status": "idle"}))
            .await;
    let plant = |status: &str| json!({"name": "并发厂房", "building_m2": "9000", "status": status});
    out.push(Case {
        entity: "idle_plant",
        id,
        read: format!("/api/v1/land/idle-plants/{id}"),
        method: Method::PUT,
        write: format!("/api/v1/land/idle-plants/{id}"),
        first: plant("negotiating"),
        second: json!({"name": "并发厂房（改名）", "building_m2": "9000", "status": "idle"}),
        field: "status",
        first_value: json!("negotiating"),
    });
    out
}

app_test!(two_stale_writes_one_wins_the_other_is_409_with_no_side_effects, |app: TestApp| async move {
    let a = app.admin().await;
    let b = app.admin().await;
    let (mut accepted, mut refused) = (0, 0);
    let all = cases(&a).await;
    let parcel = all.iter().find(|c| c.entity == "land_parcel").unwrap().id;
    for c in all {
        let before_a = json_of(&a, &c.read).await;
        let before_b = json_of(&b, &c.read).await;
        let v = before_a["version"].clone();
        assert!(v.is_i64(), "{}: the record carries its version: {before_a}", c.entity);
        assert_eq!(v, before_b["version"], "{}: both read the same version", c.entity);
        let audit_before = updates(&app, c.entity, c.id).await.len();
        let steps_before = before_a["steps"].as_array().map(Vec::len);

        let r = a.json(c.method.clone(), &c.write, Some(with_version(&c.first, &v))).await;
        let status = r.status();
        assert!(status.is_success(), "{}: the first write is accepted: {status} {}", c.entity, r.text().await.unwrap());
        accepted += 1;
        let r = b.json(c.method.clone(), &c.write, Some(with_version(&c.second, &v))).await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{}: the stale write is 409", c.entity);
        let body: Value = r.json().await.unwrap();
        assert_eq!((body["code"].as_str(), body["message"].as_str()), (Some("conflict"), Some(STALE)), "{body}");
        assert_eq!(body["field"], "version");
        refused += 1;

        let after = json_of(&a, &c.read).await;
        assert_eq!(after[c.field], c.first_value, "{}: the record shows the first write", c.entity);
        assert_eq!(after["version"].as_i64(), v.as_i64().map(|v| v + 1), "{}: one version further", c.entity);
        assert_eq!(updates(&app, c.entity, c.id).await.len(), audit_before + 1, "{}: one audit record", c.entity);
        if let Some(n) = steps_before {
            // the hazard's accepted step adds one; the refused one adds none (nor does an edit)
            let added = usize::from(c.entity == "hazard");
            assert_eq!(
                after["steps"].as_array().unwrap().len(),
                n + added,
                "{}: no step from the refused write",
                c.entity
            );
        }
    }
    println!("G1 two stale writes × 5 record types: accepted {accepted}, refused with 409 {refused}, side effects 0");
    assert_eq!((accepted, refused), (5, 5));

    // a stale form: 409, the page again with the user's input and the message
    let id = parcel;
    let html = a.page(&format!("/land/parcels/{id}/edit")).await.1;
    assert!(html.contains("name=\"version\" value=\""), "the form carries the version");
    let fields = [("code", "并发-1"), ("area", "12.5"), ("status", "reserve"), ("price", "777"), ("version", "1")];
    let r = a.post_form(&format!("/land/parcels/{id}/edit"), &fields).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains(STALE) && html.contains("value=\"777\""), "message shown, input kept");
    assert_eq!(json_of(&a, &format!("/api/v1/land/parcels/{id}")).await["price"], 110, "nothing saved");
});

app_test!(fifty_clients_twenty_increments_each_end_at_exactly_1000, |app: TestApp| async move {
    let s = Arc::new(app.admin().await);
    let id =
        created(&s, "/api/v1/land/parcels", json!({"code": "计数-1", "area": "1", "status": "reserve", "price": "0"}))
            .await;
    let attempts = Arc::new(AtomicU64::new(0));
    let conflicts = Arc::new(AtomicU64::new(0));
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for client in 0..50u64 {
        let (s, attempts, conflicts) = (s.clone(), attempts.clone(), conflicts.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = client.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let mut done = 0;
            let mut in_a_row = 0u64;
            while done < 20 {
                let p = json_of(&s, &format!("/api/v1/land/parcels/{id}")).await;
                let price = p["price"].as_i64().unwrap();
                let body = json!({"code": "计数-1", "area": "1", "status": "reserve",
                    "price": (price + 1).to_string(), "version": p["version"].to_string()});
                attempts.fetch_add(1, Ordering::Relaxed);
                let r = s.json(Method::PUT, &format!("/api/v1/land/parcels/{id}"), Some(body)).await;
                match r.status() {
                    StatusCode::OK => {
                        done += 1;
                        in_a_row = 0;
                    }
                    StatusCode::CONFLICT => {
                        conflicts.fetch_add(1, Ordering::Relaxed);
                        in_a_row += 1;
                        // back off a random time, doubling up to 800 ms after repeated conflicts
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        let ms = rng % (25 * (1 << in_a_row.min(5)) + 1);
                        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                    }
                    other => panic!("unexpected {other}: {}", r.text().await.unwrap()),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let p = json_of(&s, &format!("/api/v1/land/parcels/{id}")).await;
    let audited = updates(&app, "land_parcel", id).await.len();
    println!(
        "G1 50 clients × 20 increments ({:?}): {} attempts, {} conflicts retried, final value {}, {} update records, {} s",
        app.db.engine,
        attempts.load(Ordering::Relaxed),
        conflicts.load(Ordering::Relaxed),
        p["price"],
        audited,
        started.elapsed().as_secs()
    );
    assert_eq!(p["price"], 1_000, "0 lost updates");
    assert_eq!(p["version"], 1_001);
    assert_eq!(audited, 1_000, "one audit record per accepted increment, none for the refused");
    assert_eq!(attempts.load(Ordering::Relaxed) - conflicts.load(Ordering::Relaxed), 1_000);
});

// ---------------------------------------------------------------------------------------------
// The records versioned by migration 16 (issue 10, G1 on the remaining editable records) and the
// 409 form page that carries the current version.
// ---------------------------------------------------------------------------------------------

/// Who writes a kind: the system admin, a staff-level writer (the admin too), or the 安全管理员.
#[derive(Clone, Copy, PartialEq)]
enum Who {
    Admin,
    Security,
}

/// How a kind is read: a JSON record (its version and the written field by JSON pointer), or a
/// page whose form carries `name="version"` (the write shows as `marker` on it).
enum Read {
    Api { path: String, version: &'static str, field: &'static str, first_value: Value },
    Page { path: String, marker: &'static str },
}

/// How a kind is written: a JSON call or a form, each with the two writers' bodies.
enum Write {
    Json(Method, String, Value, Value),
    Form(String, Vec<(&'static str, String)>, Vec<(&'static str, String)>),
}

struct Kind {
    entity: &'static str,
    id: i64,
    who: Who,
    read: Read,
    write: Write,
}

fn version_in(html: &str) -> i64 {
    let pat = "name=\"version\" value=\"";
    let i = html.find(pat).expect("the form carries the version") + pat.len();
    html[i..i + html[i..].find('"').unwrap()].parse().unwrap()
}

async fn current(s: &Session, read: &Read) -> (i64, bool) {
    match read {
        Read::Api { path, version, field, first_value } => {
            let v = json_of(s, path).await;
            let ver = v.pointer(version).and_then(Value::as_i64).unwrap_or_else(|| panic!("{path}: no version: {v}"));
            (ver, v.pointer(field) == Some(first_value))
        }
        Read::Page { path, marker } => {
            let (status, html) = s.page(path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            (version_in(&html), html.contains(marker))
        }
    }
}

async fn newly_versioned(app: &TestApp, a: &Session, sec: &Session) -> Vec<Kind> {
    let mut out = Vec::new();
    let text = |s: &str| s.to_string();
    // a department
    let id = created(a, "/api/v1/departments", json!({"name": "并发科室"})).await;
    out.push(Kind {
        entity: "department",
        id,
        who: Who::Admin,
        read: Read::Api {
            path: format!("/api/v1/departments/{id}"),
            version: "/version",
            field: "/name",
            first_value: json!("并发科室（甲）"),
        },
        write: Write::Json(
            Method::PUT,
            format!("/api/v1/departments/{id}"),
            json!({"name": "并发科室（甲）"}),
            json!({"name": "并发科室（乙）"}),
        ),
    });
    // a dictionary entry (read through its department's list: the API lists entries)
    let id = created(a, "/api/v1/dictionaries", json!({"kind": "task_source", "value": "并发来源"})).await;
    let list = json_of(a, "/api/v1/dictionaries?kind=task_source&limit=500").await;
    let pos = list["rows"].as_array().unwrap().iter().position(|r| r["id"] == id).unwrap();
    out.push(Kind {
        entity: "dictionary_item",
        id,
        who: Who::Admin,
        read: Read::Api {
            path: "/api/v1/dictionaries?kind=task_source&limit=500".into(),
            version: Box::leak(format!("/rows/{pos}/version").into_boxed_str()),
            field: Box::leak(format!("/rows/{pos}/value").into_boxed_str()),
            first_value: json!("并发来源（甲）"),
        },
        write: Write::Json(
            Method::PUT,
            format!("/api/v1/dictionaries/{id}"),
            json!({"value": "并发来源（甲）"}),
            json!({"value": "并发来源（乙）"}),
        ),
    });
    // a user: the security admin's fields (role) and the system admin's (name)
    let id = created(
        sec,
        "/api/v1/users",
        json!({"login_name": "bingfa", "display_name": "并发用户", "role": "staff", "password": "Concurrent-2025x"}),
    )
    .await;
    out.push(Kind {
        entity: "user",
        id,
        who: Who::Security,
        read: Read::Api {
            path: format!("/api/v1/users/{id}"),
            version: "/version",
            field: "/role",
            first_value: json!("leader"),
        },
        write: Write::Json(
            Method::PUT,
            format!("/api/v1/users/{id}"),
            json!({"role": "leader", "active": true}),
            json!({"role": "viewer", "active": true}),
        ),
    });
    out.push(Kind {
        entity: "user",
        id,
        who: Who::Admin,
        read: Read::Api {
            path: format!("/api/v1/users/{id}/details"),
            version: "/version",
            field: "/display_name",
            first_value: json!("并发用户（甲）"),
        },
        write: Write::Json(
            Method::PUT,
            format!("/api/v1/users/{id}/details"),
            json!({"display_name": "并发用户（甲）"}),
            json!({"display_name": "并发用户（乙）"}),
        ),
    });
    // a problem
    let project = json_of(a, "/api/v1/projects?limit=1").await["rows"][0]["id"].as_i64().unwrap();
    let problem = |d: &str| json!({"project_id": project.to_string(), "category": "approval", "description": d, "raised_date": "2025-05-05"});
    let id = created(a, "/api/v1/problems", problem("并发问题")).await;
    out.push(Kind {
        entity: "problem",
        id,
        who: Who::Admin,
        read: Read::Api {
            path: format!("/api/v1/problems/{id}"),
            version: "/version",
            field: "/description",
            first_value: json!("并发问题（甲）"),
        },
        write: Write::Json(
            Method::PUT,
            format!("/api/v1/problems/{id}"),
            problem("并发问题（甲）"),
            problem("并发问题（乙）"),
        ),
    });
    // an annual target
    let target = |notes: &str| json!({"name": "并发目标", "year": "2025", "metric": "parcels", "target_value": "6", "notes": notes});
    let id = created(a, "/api/v1/targets", target("")).await;
    out.push(Kind {
        entity: "target",
        id,
        who: Who::Admin,
        read: Read::Api {
            path: format!("/api/v1/targets/{id}"),
            version: "/status/target/version",
            field: "/status/target/notes",
            first_value: json!("第一人"),
        },
        write: Write::Json(Method::PUT, format!("/api/v1/targets/{id}"), target("第一人"), target("第二人")),
    });
    // the same target's route (its editor on the target's page)
    let route = |m1: &str| {
        let months = [m1, "1", "1", "2", "2", "3", "3", "4", "4", "5", "5", "6"];
        months
            .iter()
            .enumerate()
            .map(|(i, v)| (["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "m11", "m12"][i], text(v)))
            .collect::<Vec<_>>()
    };
    out.push(Kind {
        entity: "target",
        id,
        who: Who::Admin,
        read: Read::Api {
            path: format!("/api/v1/targets/{id}"),
            version: "/status/target/version",
            field: "/status/target/route/0",
            first_value: json!(0),
        },
        write: Write::Form(format!("/targets/{id}/route"), route("0"), route("1")),
    });
    // an approval power
    let power = |basis: &str| {
        json!({"name": "并发事项", "category": "行政备案", "source_department": "县发改局", "legal_basis": basis,
            "statutory_days": "5", "promised_days": "1"})
    };
    let id = created(a, "/api/v1/approvals/powers", power("")).await;
    out.push(Kind {
        entity: "approval_power",
        id,
        who: Who::Admin,
        read: Read::Api {
            path: format!("/api/v1/approvals/powers/{id}"),
            version: "/version",
            field: "/legal_basis",
            first_value: json!("依据甲"),
        },
        write: Write::Json(Method::PUT, format!("/api/v1/approvals/powers/{id}"), power("依据甲"), power("依据乙")),
    });
    // the same power's 停用 / 重新启用 button
    out.push(Kind {
        entity: "approval_power",
        id,
        who: Who::Admin,
        read: Read::Api {
            path: format!("/api/v1/approvals/powers/{id}"),
            version: "/version",
            field: "/active",
            first_value: json!(false),
        },
        write: Write::Form(
            format!("/approvals/powers/{id}/active"),
            vec![("active", text("0"))],
            vec![("active", text("1"))],
        ),
    });
    // a meeting (edited on its form)
    let id = created(a, "/api/v1/meetings", json!({"date": "2025-06-01", "title": "并发调度会"})).await;
    let meeting = |t: &str| vec![("date", text("2025-06-01")), ("title", text(t)), ("minutes", text("纪要"))];
    out.push(Kind {
        entity: "meeting",
        id,
        who: Who::Admin,
        read: Read::Api {
            path: format!("/api/v1/meetings/{id}"),
            version: "/version",
            field: "/title",
            first_value: json!("并发调度会（甲）"),
        },
        write: Write::Form(format!("/meetings/{id}/edit"), meeting("并发调度会（甲）"), meeting("并发调度会（乙）")),
    });
    // an indicator of the catalog (its form)
    let indicator = |name: &str| {
        vec![
            ("code", text("bingfa_test")),
            ("name", text(name)),
            ("unit", text("亿元")),
            ("kind", text("flow")),
            ("decimals", text("2")),
            ("sort_order", text("990")),
            ("active", text("on")),
        ]
    };
    let r = a
        .post_form(
            "/admin/indicators/new",
            &indicator("并发指标").iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "indicator created");
    let catalog = json_of(a, "/api/v1/indicators").await;
    let list = catalog.as_array().or_else(|| catalog["rows"].as_array()).unwrap().clone();
    let pos = list.iter().position(|i| i["code"] == "bingfa_test").unwrap();
    let id = list[pos]["id"].as_i64().unwrap();
    let rows = if catalog.is_array() { "" } else { "/rows" };
    out.push(Kind {
        entity: "indicator",
        id,
        who: Who::Admin,
        read: Read::Api {
            path: "/api/v1/indicators".into(),
            version: Box::leak(format!("{rows}/{pos}/version").into_boxed_str()),
            field: Box::leak(format!("{rows}/{pos}/name").into_boxed_str()),
            first_value: json!("并发指标（甲）"),
        },
        write: Write::Form(format!("/admin/indicators/{id}"), indicator("并发指标（甲）"), indicator("并发指标（乙）")),
    });
    // an enterprise's safety profile (its form on the enterprise's safety page)
    let enterprise = json_of(a, "/api/v1/hazards?limit=1").await["rows"][0]["enterprise_id"].as_i64().unwrap();
    let profile = |notes: &str| vec![("risk_colour", text("yellow")), ("notes", text(notes))];
    out.push(Kind {
        entity: "safety_profile",
        id: enterprise,
        who: Who::Admin,
        read: Read::Page { path: format!("/safety/enterprises/{enterprise}"), marker: "并发档案（甲）" },
        write: Write::Form(
            format!("/safety/enterprises/{enterprise}"),
            profile("并发档案（甲）"),
            profile("并发档案（乙）"),
        ),
    });
    let _ = app;
    out
}

async fn send(s: &Session, write: &Write, first: bool, version: i64) -> reqwest::Response {
    match write {
        Write::Json(method, path, one, two) => {
            let body = if first { one } else { two };
            s.json(method.clone(), path, Some(with_version(body, &json!(version)))).await
        }
        Write::Form(path, one, two) => {
            let mut fields: Vec<(&str, String)> = if first { one.clone() } else { two.clone() };
            fields.push(("version", version.to_string()));
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            s.post_form(path, &refs).await
        }
    }
}

app_test!(every_newly_versioned_kind_two_stale_writers_one_wins, |app: TestApp| async move {
    let (a1, a2) = (app.admin().await, app.admin().await);
    let (s1, s2) = (app.security().await, app.security().await);
    let kinds = newly_versioned(&app, &a1, &s1).await;
    let (mut accepted, mut refused) = (0, 0);
    let n = kinds.len();
    for k in kinds {
        let (first, second) = if k.who == Who::Security { (&s1, &s2) } else { (&a1, &a2) };
        let (v1, _) = current(first, &k.read).await;
        let (v2, _) = current(second, &k.read).await;
        assert_eq!(v1, v2, "{}: both read the same version", k.entity);
        let audit_before = updates(&app, k.entity, k.id).await.len();

        let r = send(first, &k.write, true, v1).await;
        let status = r.status();
        assert!(
            status.is_success() || status == StatusCode::SEE_OTHER,
            "{}: the first write is accepted: {status} {}",
            k.entity,
            r.text().await.unwrap()
        );
        accepted += 1;
        let r = send(second, &k.write, false, v2).await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{}: the stale write is 409", k.entity);
        let body = r.text().await.unwrap();
        assert!(body.contains(STALE), "{}: the message: {body}", k.entity);
        refused += 1;

        let (after, shows_first) = current(first, &k.read).await;
        assert!(shows_first, "{}: the record shows the first write", k.entity);
        assert_eq!(after, v1 + 1, "{}: one version further", k.entity);
        assert_eq!(updates(&app, k.entity, k.id).await.len(), audit_before + 1, "{}: one audit record", k.entity);
        // an API PUT without the version is refused (422) and changes nothing
        if let Write::Json(Method::PUT, path, one, _) = &k.write {
            let r = first.json(Method::PUT, path, Some(one.clone())).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}: PUT without version", k.entity);
            assert_eq!(r.json::<Value>().await.unwrap()["field"], "version");
        }
    }
    println!(
        "G1 (migration 16) two stale writers × {n} record kinds and editors: accepted {accepted}, refused with 409 \
         {refused}, side effects 0"
    );
    assert_eq!((accepted, refused), (n, n));
    assert_eq!(n, 12);
});

app_test!(a_stale_form_shows_what_changed_and_a_second_save_overwrites_knowingly, |app: TestApp| async move {
    let (a, b) = (app.admin().await, app.admin().await);
    let id = created(&a, "/api/v1/departments", json!({"name": "对照科室"})).await;
    let (_, html) = a.page(&format!("/admin/departments/{id}")).await;
    let loaded = version_in(&html);
    // someone else saves first
    let r = b
        .post_form(
            &format!("/admin/departments/{id}"),
            &[("name", "对照科室（他人）"), ("sort_order", "7"), ("active", "on"), ("version", &loaded.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // the stale save: 409, the input kept, what changed, a link to the current record, the CURRENT version
    let mine = [("name", "对照科室（我的）"), ("sort_order", "3"), ("active", "on")];
    let mut fields = mine.to_vec();
    let loaded_text = loaded.to_string();
    fields.push(("version", &loaded_text));
    let r = a.post_form(&format!("/admin/departments/{id}"), &fields).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains(STALE), "the message");
    assert!(html.contains("对照科室（我的）"), "the input kept");
    assert!(html.contains("对照科室 → 对照科室（他人）"), "what changed: the other save's fields");
    assert!(
        html.contains(&format!("href=\"/admin/departments/{id}\" target=\"_blank\"")),
        "the current record in a new tab"
    );
    let carried = version_in(&html);
    assert_eq!(carried, loaded + 1, "the form now carries the current version");
    assert_eq!(json_of(&a, &format!("/api/v1/departments/{id}")).await["name"], "对照科室（他人）", "nothing saved");
    // the deliberate second save overwrites
    let carried_text = carried.to_string();
    let mut fields = mine.to_vec();
    fields.push(("version", &carried_text));
    let r = a.post_form(&format!("/admin/departments/{id}"), &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the second save is accepted");
    let d = json_of(&a, &format!("/api/v1/departments/{id}")).await;
    assert_eq!((d["name"].as_str(), d["version"].as_i64()), (Some("对照科室（我的）"), Some(loaded + 2)));
    assert_eq!(updates(&app, "department", id).await.len(), 2, "two saves, two audit records");
    println!("G1 409 form: stale save 409 with the current version, the second deliberate save 303 (overwrites)");
});
