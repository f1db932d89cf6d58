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
