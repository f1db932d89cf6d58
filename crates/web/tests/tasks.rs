//! 重点工作任务 over HTTP: the list, a task and the forms render with the demo's tasks and the
//! step form offers each user only what they may do; the form refuses a task without a
//! responsible department and a milestone after the deadline beside the field, keeping the
//! input; the review loop with an attachment through the page and the API (working-day
//! deadline across the National Day holiday, closing without review refused, a return needs its
//! reason); the XLSX export imported back unchanged and a bad row refused naming row and
//! column; zone isolation (404) and the viewer's read-only role (403).

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Session, TestApp};

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

async fn json_of(s: &Session, path: &str) -> Value {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

/// The demo task whose title contains `part`.
async fn task_like(s: &Session, part: &str) -> Value {
    let q: String = url::form_urlencoded::byte_serialize(part.as_bytes()).collect();
    json_of(s, &format!("/api/v1/tasks?q={q}")).await["rows"][0].clone()
}

async fn step(s: &Session, id: i64, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = file {
        form = form.part("file", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()));
    }
    s.client.post(s.url(&format!("/tasks/{id}/steps?_csrf={}", s.csrf))).multipart(form).send().await.unwrap()
}

async fn api_step(s: &Session, id: i64, body: Value) -> reqwest::Response {
    s.json(Method::POST, &format!("/api/v1/tasks/{id}/steps"), Some(body)).await
}

async fn upload(s: &Session, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("tasks.xlsx".to_string()));
    s.client.post(s.url(&format!("/tasks/import?_csrf={}", s.csrf))).multipart(form).send().await.unwrap()
}

app_test!(pages_render, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let (st, html) = s.page("/tasks").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("重点工作任务") && html.contains("潞北三路") && html.contains("瑞恒新材料"));
    assert!(html.contains("共 <a href=\"/tasks\">10</a> 项"), "the counts link to their lists");
    assert!(html.contains("已销号 <a href=\"/tasks?status=closed\">1</a> 项"));
    let (st, html) = s.page("/tasks?source=city_inspection").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(html.matches("<tr data-task=").count(), 1);
    let (_, html) = s.page("/tasks?status=closed").await;
    assert_eq!(html.matches("<tr data-task=").count(), 1);
    assert_eq!(s.get("/tasks?status=bogus").await.status(), StatusCode::BAD_REQUEST);
    // a 招商 task in progress: the department may report and submit, not review
    let t = task_like(&s, "产业链招商").await;
    let id = t["id"].as_i64().unwrap();
    let (st, html) = s.page(&format!("/tasks/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("时间表") && html.contains("办理过程") && html.contains("修改历史"));
    assert!(html.contains("value=\"progress\"") && html.contains("value=\"submit\""));
    assert!(!html.contains("value=\"close\""));
    // the submitted one: nothing for the department, 销号 / 退回 for its lead leader
    let sub = task_like(&s, "以商招商").await;
    assert_eq!(sub["status"], "submitted");
    let sid = sub["id"].as_i64().unwrap();
    let (_, html) = s.page(&format!("/tasks/{sid}")).await;
    assert!(!html.contains("value=\"close\"") && html.contains("审核销号、退回由牵头领导办理"));
    let l = app.login("leader3", &app.password).await;
    let (_, html) = l.page(&format!("/tasks/{sid}")).await;
    assert!(
        html.contains("value=\"close\"") && html.contains("value=\"return\"") && !html.contains("value=\"progress\"")
    );
    // the closed one offers nothing
    let closed = json_of(&s, "/api/v1/tasks?status=closed").await["rows"][0]["id"].as_i64().unwrap();
    let (_, html) = s.page(&format!("/tasks/{closed}")).await;
    assert!(html.contains("任务已销号，不能再操作"));
    let (st, html) = s.page("/tasks/new").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("交办重点工作任务") && html.contains("省委巡视整改"));
    let (st, html) = s.page(&format!("/tasks/{id}/edit")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("修改重点工作任务"));
    let r = s.get("/tasks.xlsx?source=annual_plan").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
});

app_test!(forms_steps_and_api, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let demo = task_like(&s, "以商招商").await;
    let (dept, leader) = (demo["department_id"].to_string(), demo["lead_leader_id"].to_string());
    let before = json_of(&s, "/api/v1/tasks?limit=1").await["total"].as_u64().unwrap();
    // no responsible department: refused beside the field, input kept, nothing saved
    let fields = [
        ("title", "测试任务：走访在谈企业"),
        ("source", "leader_instruction"),
        ("lead_leader_id", leader.as_str()),
        ("assigned_date", "2025-09-26"),
        ("deadline_days", "5"),
        ("milestones", "2025-10-09 完成走访"),
    ];
    let r = s.post_form("/tasks/new", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("任务须明确责任科室"));
    assert!(html.contains("value=\"测试任务：走访在谈企业\"") && html.contains("2025-10-09 完成走访"));
    // a milestone after the deadline (5 working days from 26 September: 10 October)
    let mut late = fields.to_vec();
    late.push(("department_id", dept.as_str()));
    late[5] = ("milestones", "2025-10-13 完成走访");
    let r = s.post_form("/tasks/new", &late).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("不能晚于任务完成时限 2025-10-10"));
    assert_eq!(json_of(&s, "/api/v1/tasks?limit=1").await["total"].as_u64().unwrap(), before);
    // assigned through the form, with a collaborating department
    let mut ok = fields.to_vec();
    ok.push(("department_id", dept.as_str()));
    let r = s.post_form("/tasks/new", &ok).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = loc.trim_start_matches("/tasks/").split('?').next().unwrap().parse().unwrap();
    let t = json_of(&s, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!((t["deadline"].as_str(), t["deadline_working_days"].as_i64()), (Some("2025-10-10"), Some(5)));
    // progress with an attachment through the page
    let r = step(
        &s,
        id,
        &[("action", "progress"), ("date", "2025-10-09"), ("note", "已走访 3 家")],
        Some(("走访照片.png", PNG)),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page(&format!("/tasks/{id}")).await;
    assert!(html.contains("走访照片.png") && html.contains("已走访 3 家"));
    // a refused step keeps the input beside the field
    let r = step(&s, id, &[("action", "close"), ("date", "2025-10-09"), ("note", "自己销号")], None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("只有牵头领导可以审核销号") && html.contains("自己销号"));
    // the review loop over the API
    let l = app.login("leader3", &app.password).await;
    let r = api_step(&l, id, json!({"action": "close", "date": "2025-10-10"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.unwrap();
    assert!(e["message"].as_str().unwrap().contains("尚未提交办结"), "{e}");
    assert_eq!(e["field"], "action");
    assert_eq!(
        api_step(&s, id, json!({"action": "submit", "date": "2025-10-10", "note": "已完成"})).await.status(),
        StatusCode::CREATED
    );
    let r = api_step(&l, id, json!({"action": "return", "date": "2025-10-10"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "note");
    assert_eq!(
        api_step(&l, id, json!({"action": "return", "date": "2025-10-10", "note": "请附走访记录"})).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        api_step(&s, id, json!({"action": "submit", "date": "2025-10-10", "note": "已附"})).await.status(),
        StatusCode::CREATED
    );
    let r = api_step(&l, id, json!({"action": "close", "date": "2025-10-10", "note": "同意销号"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let t = json_of(&s, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!(t["status"], "closed");
    assert_eq!(t["steps"].as_array().unwrap().len(), 5);
    assert_eq!(
        api_step(&s, id, json!({"action": "progress", "note": "x"})).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // milestones over the API on another task; JSON ids as numbers
    let body = json!({
        "title": "测试任务：梳理招商项目库", "source": "年度计划", "lead_leader_id": demo["lead_leader_id"],
        "department_id": demo["department_id"], "collaborating_ids": [], "assigned_date": "2025-07-01",
        "deadline": "2025-09-30"
    });
    let r = s.json(Method::POST, "/api/v1/tasks", Some(body)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let t2: Value = r.json().await.unwrap();
    let id2 = t2["id"].as_i64().unwrap();
    let r = s
        .json(
            Method::POST,
            &format!("/api/v1/tasks/{id2}/milestones"),
            Some(json!({"title": "完成", "due_date": "2025-10-01"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "due_date");
    let r = s
        .json(
            Method::POST,
            &format!("/api/v1/tasks/{id2}/milestones"),
            Some(json!({"title": "完成初稿", "due_date": "2025-08-31"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let mid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = s
        .json(
            Method::PUT,
            &format!("/api/v1/tasks/{id2}/milestones/{mid}"),
            Some(json!({"title": "完成初稿", "due_date": "2025-08-31", "done_date": "2025-08-30"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["done_date"], "2025-08-30");
    // the page's milestone form: a date after the deadline is refused beside it
    let r = s.post_form(&format!("/tasks/{id2}/milestones"), &[("title", "验收"), ("due_date", "2025-12-01")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("不能晚于任务完成时限 2025-09-30") && html.contains("value=\"验收\""));
    // the edit form: a stale version is refused
    let r = s.json(Method::PUT, &format!("/api/v1/tasks/{id2}"), Some(json!({"title": "改名", "source": "年度计划", "lead_leader_id": demo["lead_leader_id"], "department_id": demo["department_id"], "deadline": "2025-09-30", "version": 0}))).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
});

app_test!(xlsx_round_trip, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let before = json_of(&s, "/api/v1/tasks?limit=500").await;
    let r = s.get("/tasks.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let rows = kaifaqu_reports::task_table::import(&bytes).unwrap();
    assert_eq!(rows.len(), 10);
    // the list back: nothing changes
    let r = upload(&s, bytes.clone()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap_or_default());
    assert_eq!(json_of(&s, "/api/v1/tasks?limit=500").await["total"], before["total"]);
    // a bad row among new ones: nothing saved, the error names the row and the column
    let mut rows: Vec<_> = rows.into_iter().map(|(_, r)| r).collect();
    let mut new = rows[0].clone();
    new.title = "新任务：标准化厂房招商".into();
    new.milestones = String::new();
    let mut bad = new.clone();
    bad.title = "新任务：园区道路养护".into();
    bad.department = "不存在的科室".into();
    rows.push(new.clone());
    rows.push(bad);
    let sheet = kaifaqu_reports::task_table::export("重点工作任务", &rows).unwrap();
    let r = upload(&s, sheet).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("第 14 行“责任科室”：“不存在的科室”不是本开发区的科室"), "{html}");
    assert_eq!(json_of(&s, "/api/v1/tasks?limit=500").await["total"], before["total"]);
    // without it the new one is added
    rows.pop();
    let r = upload(&s, kaifaqu_reports::task_table::export("重点工作任务", &rows).unwrap()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(json_of(&s, "/api/v1/tasks?limit=500").await["total"], before["total"].as_u64().unwrap() + 1);
    let r = upload(&s, b"not a workbook".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v = app.login("viewer", &app.password).await;
    assert_eq!(upload(&v, bytes).await.status(), StatusCode::FORBIDDEN);
});

app_test!(zones_and_roles, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let t = task_like(&s, "产业链招商").await;
    let id = t["id"].as_i64().unwrap();
    let b = app.admin_of_b().await;
    assert_eq!(b.get(&format!("/tasks/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.get(&format!("/api/v1/tasks/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.get(&format!("/tasks/{id}/edit")).await.status(), StatusCode::NOT_FOUND);
    let r = b
        .json(Method::POST, &format!("/api/v1/tasks/{id}/steps"), Some(json!({"action": "progress", "note": "x"})))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(step(&b, id, &[("action", "progress"), ("note", "乙区")], None).await.status(), StatusCode::NOT_FOUND);
    let r = b.post_form(&format!("/tasks/{id}/milestones"), &[("title", "x"), ("due_date", "2025-12-01")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_of(&b, "/api/v1/tasks").await["total"], 0);
    let v = app.login("viewer", &app.password).await;
    assert_eq!(v.get(&format!("/tasks/{id}")).await.status(), StatusCode::OK);
    assert_eq!(v.get("/tasks/new").await.status(), StatusCode::FORBIDDEN);
    let r = v
        .json(Method::POST, &format!("/api/v1/tasks/{id}/steps"), Some(json!({"action": "progress", "note": "x"})))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = v.json(Method::POST, "/api/v1/tasks", Some(json!({"title": "x"}))).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(step(&v, id, &[("action", "progress"), ("note", "x")], None).await.status(), StatusCode::FORBIDDEN);
    let doc = json_of(&s, "/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/tasks/{id}/steps"]["post"].is_object());
});
