//! 年度目标 over HTTP: the year's list on 2025-06-30 (签约 14 of 52 linking to its 14 projects,
//! statuses with reasons), a target's page (route beside month-end actuals, chart, history),
//! the route form (errors beside the month, input kept, nothing saved), the new/edit forms, the
//! JSON API (list, evaluation, detail, create, edit, route, delete, OpenAPI), zone isolation
//! (404) and the viewer (403).

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Session, TestApp};

async fn json_of(s: &Session, path: &str) -> Value {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

/// The ids of the `data-{kind}="…"` rows of a page.
fn rows(html: &str, kind: &str) -> Vec<i64> {
    html.split(&format!("<tr data-{kind}=\"")).skip(1).map(|p| p.split('"').next().unwrap().parse().unwrap()).collect()
}

fn location_id(r: &reqwest::Response, prefix: &str) -> i64 {
    let loc = r.headers()["location"].to_str().unwrap();
    loc.strip_prefix(prefix).unwrap().split('?').next().unwrap().parse().unwrap()
}

async fn target_id(s: &Session, name: &str) -> i64 {
    let all = json_of(s, "/api/v1/targets?year=2025").await;
    all.as_array().unwrap().iter().find(|t| t["name"] == name).unwrap()["id"].as_i64().unwrap()
}

fn route_fields(values: &[&'static str]) -> Vec<(String, &'static str)> {
    values.iter().enumerate().map(|(i, v)| (format!("m{}", i + 1), *v)).collect()
}

async fn post_route(s: &Session, id: i64, values: &[&'static str]) -> reqwest::Response {
    let f = route_fields(values);
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    s.post_form(&format!("/targets/{id}/route"), &refs).await
}

app_test!(the_year_on_june_30_and_the_records_behind_it, |app: TestApp| async move {
    let s = app.admin().await;
    let ev = json_of(&s, "/api/v1/targets/evaluation?year=2025&as_of=2025-06-30").await;
    let ev = ev.as_array().unwrap();
    assert_eq!(ev.len(), 12);
    let signed = ev.iter().find(|r| r["target"]["name"] == "全年签约项目").unwrap();
    assert_eq!(signed["actual"], 14);
    assert_eq!(signed["target"]["target_value"], 52);
    assert_eq!(signed["milestone"], 26);
    assert_eq!(signed["gap"], -12);
    assert_eq!(signed["projection"], 28);
    assert_eq!(signed["status"], "warning");
    assert_eq!(signed["href"], "/figures/stage?stage=signed&from=2025-01-01&to=2025-06-30");
    let started = ev.iter().find(|r| r["target"]["name"] == "全年开工项目").unwrap();
    assert!(started["actual"].as_i64().unwrap() >= 10);
    assert_eq!(started["target"]["target_value"], 42);
    // the page: every target, the actual linking to its records, the status with its reason
    let (st, html) = s.page("/targets?year=2025&as_of=2025-06-30").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(rows(&html, "target").len(), 12);
    assert!(
        html.contains(
            "<a class=\"actual\" href=\"/figures/stage?stage=signed&#38;from=2025-01-01&#38;to=2025-06-30\">14 个</a>"
        ),
        "{html}"
    );
    assert!(html.contains("<td class=\"num\">52 个</td>"));
    assert!(html.contains("26.92%"));
    assert!(html.contains("<span class=\"tag bad\">预警</span>"));
    assert!(html.contains("6月底应达到 26 个，实际 14 个"));
    assert!(html.contains("<svg class=\"progress\""));
    assert!(html.contains("220.41 亩"), "the parcels' 亩 from the land records");
    assert!(html.contains("截至 2025-05-31"), "an indicator is judged at its latest period");
    // the link lists exactly the 14 signed projects
    let (st, page) = s.page("/figures/stage?stage=signed&from=2025-01-01&to=2025-06-30").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(page.matches("<td><a href=\"/projects/").count(), 14, "{page}");
    // malformed query values name the field
    assert_eq!(s.get("/targets?year=abc").await.status(), StatusCode::BAD_REQUEST);
    let r = s.get("/api/v1/targets/evaluation?as_of=2025-02-30").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "as_of");
    // the OpenAPI document lists the endpoints
    let doc = json_of(&s, "/api/v1/openapi.json").await;
    for p in ["/api/v1/targets", "/api/v1/targets/{id}", "/api/v1/targets/{id}/route", "/api/v1/targets/evaluation"] {
        assert!(doc["paths"][p].is_object(), "{p}");
    }
});

app_test!(a_target_page_and_its_route_form, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let id = target_id(&s, "全年签约项目").await;
    let (st, html) = s.page(&format!("/targets/{id}?as_of=2025-06-30")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(rows(&html, "month").len(), 12);
    assert!(html.contains("<svg"), "the chart");
    assert!(html.contains("name=\"m6\" value=\"26\""));
    assert!(html.contains("/figures/stage?stage=signed&#38;from=2025-01-01&#38;to=2025-03-31"), "March's actual links");
    assert!(html.contains("修改历史"));
    // month 12 short of the target: 422, the message beside m12, the typed values kept
    let bad = ["4", "8", "13", "17", "21", "26", "30", "34", "39", "43", "47", "50"];
    let r = post_route(&s, id, &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"m12\" value=\"50\" size=\"10\" inputmode=\"decimal\" class=\"bad\""), "{html}");
    assert!(html.contains("12月的累计节点应等于全年目标 52 个，现为 50 个"));
    // a decreasing month
    let bad = ["4", "8", "13", "17", "9", "26", "30", "34", "39", "43", "47", "52"];
    let r = post_route(&s, id, &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("5月的累计节点为 9 个，少于4月的 17 个"));
    let t = json_of(&s, &format!("/api/v1/targets/{id}")).await;
    assert_eq!(t["status"]["target"]["route"], json!([4, 8, 13, 17, 21, 26, 30, 34, 39, 43, 47, 52]), "nothing saved");
    // a good route is saved, shown and audited
    let good = ["2", "4", "6", "9", "12", "15", "20", "26", "32", "38", "45", "52"];
    let r = post_route(&s, id, &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page(&format!("/targets/{id}?as_of=2025-06-30&done=saved")).await;
    assert!(html.contains("已保存"));
    assert!(html.contains("路线图（已调整）"));
    assert!(html.contains("name=\"m6\" value=\"15\""));
    assert!(
        html.contains("路线图：4, 8, 13, 17, 21, 26, 30, 34, 39, 43, 47, 52 → 2, 4, 6, 9"),
        "the history shows the change"
    );
    let ev = json_of(&s, &format!("/api/v1/targets/{id}?as_of=2025-06-30")).await;
    assert_eq!(ev["status"]["milestone"], 15);
    assert_eq!(ev["months"][5]["milestone"], 15);
});

app_test!(forms_show_errors_keep_input_and_save_nothing, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let count = || async { json_of(&s, "/api/v1/targets?year=2025").await.as_array().unwrap().len() };
    let before = count().await;
    let (st, html) = s.page("/targets/new").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("name=\"metric\"") && html.contains("<optgroup label=\"项目阶段\">"));
    // bound to nothing
    let fields = |metric: &'static str, param: &'static str, value: &'static str| {
        vec![("name", "全年落地项目"), ("year", "2025"), ("metric", metric), ("param", param), ("target_value", value)]
    };
    let r = s.post_form("/targets/new", &fields("", "", "30")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("请选择目标绑定的统计口径"));
    assert!(html.contains("value=\"全年落地项目\""), "the input is kept");
    assert!(html.contains("<select name=\"metric\" required class=\"bad\">"));
    // a stage metric without its stage, and a value ≤ 0
    let r = s.post_form("/targets/new", &fields("stage_count", "", "0")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("请选择项目阶段"));
    let r = s.post_form("/targets/new", &fields("stage_count", "landed", "0")).await;
    assert!(r.text().await.unwrap().contains("目标值必须大于 0"));
    assert_eq!(count().await, before, "nothing saved");
    // a good one: the even route, then an edit
    let r = s.post_form("/targets/new", &fields("stage_count", "landed", "24")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = location_id(&r, "/targets/");
    let t = json_of(&s, &format!("/api/v1/targets/{id}")).await;
    assert_eq!(t["status"]["target"]["route"], json!([2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]));
    assert_eq!(t["status"]["target"]["measure"], "落地项目个数");
    let (st, html) = s.page(&format!("/targets/{id}/edit")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("name=\"target_value\" value=\"24\""));
    assert!(html.contains("<option value=\"landed\" selected>"));
    let r = s.post_form(&format!("/targets/{id}/edit"), &fields("stage_count", "landed", "abc")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("目标值“abc”不是数字"));
    let r = s.post_form(&format!("/targets/{id}/edit"), &fields("stage_count", "landed", "36")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let t = json_of(&s, &format!("/api/v1/targets/{id}")).await;
    assert_eq!(t["status"]["target"]["route"][11], 36);
    // delete through the page
    let r = s.post_form(&format!("/targets/{id}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.get(&format!("/targets/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(count().await, before);
});

app_test!(the_json_api_writes_and_refuses, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let body = json!({"name": "标准地宗数", "year": "2025", "metric": "parcels", "target_value": "6"});
    let r = s.json(Method::POST, "/api/v1/targets", Some(body)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let t: Value = r.json().await.unwrap();
    let id = t["id"].as_i64().unwrap();
    assert_eq!(t["route"], json!([0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6]));
    // bound to an unknown metric; a route that decreases
    let r = s
        .json(
            Method::POST,
            "/api/v1/targets",
            Some(json!({"name": "x", "year": "2025", "metric": "typed", "target_value": "6"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "metric");
    // a route without the version it was read at: refused, it could overwrite another's save
    let route = json!({"route": ["1", "2", "3", "3", "3", "4", "4", "5", "5", "5", "6", "6"]});
    let r = s.json(Method::PUT, &format!("/api/v1/targets/{id}/route"), Some(route)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "version");
    let version = json_of(&s, &format!("/api/v1/targets/{id}")).await["status"]["target"]["version"].clone();
    let route = json!({"route": ["1", "2", "3", "4", "3", "4", "4", "5", "5", "5", "6", "6"], "version": version});
    let r = s.json(Method::PUT, &format!("/api/v1/targets/{id}/route"), Some(route)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["field"], "m5");
    let route = json!({"route": ["1", "2", "3", "3", "3", "4", "4", "5", "5", "5", "6", "6"], "version": version});
    let r = s.json(Method::PUT, &format!("/api/v1/targets/{id}/route"), Some(route)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["route"][3], 3);
    // edit, then delete
    let version = json_of(&s, &format!("/api/v1/targets/{id}")).await["status"]["target"]["version"].clone();
    let body =
        json!({"name": "出让标准地宗数", "year": "2025", "metric": "parcels", "target_value": "6", "version": version});
    let r = s.json(Method::PUT, &format!("/api/v1/targets/{id}"), Some(body)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["name"], "出让标准地宗数");
    assert_eq!(t["route"][3], 3, "a renamed target keeps its route");
    let ev = json_of(&s, "/api/v1/targets/evaluation?year=2025&as_of=2025-06-30").await;
    let mine = ev.as_array().unwrap().iter().find(|r| r["target"]["id"] == id).unwrap().clone();
    assert_eq!(mine["actual"], 3, "3 parcels transferred in H1");
    assert_eq!(mine["href"], "/land/parcels?status=transferred&from=2025-01-01&to=2025-06-30");
    let r = s.json(Method::DELETE, &format!("/api/v1/targets/{id}"), None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(s.get(&format!("/api/v1/targets/{id}")).await.status(), StatusCode::NOT_FOUND);
});

app_test!(zones_are_isolated_and_viewers_cannot_write, |app: TestApp| async move {
    let a = app.admin().await;
    let id = target_id(&a, "全年签约项目").await;
    // zone B's admin: zone A's target does not exist
    let b = app.admin_of_b().await;
    assert_eq!(b.get(&format!("/targets/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.get(&format!("/targets/{id}/edit")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.get(&format!("/api/v1/targets/{id}")).await.status(), StatusCode::NOT_FOUND);
    let body = json!({"name": "x", "year": "2025", "metric": "contacts", "target_value": "1"});
    assert_eq!(b.json(Method::PUT, &format!("/api/v1/targets/{id}"), Some(body)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.json(Method::DELETE, &format!("/api/v1/targets/{id}"), None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(post_route(&b, id, &["52"; 12]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.post_form(&format!("/targets/{id}/delete"), &[]).await.status(), StatusCode::NOT_FOUND);
    assert!(json_of(&b, "/api/v1/targets?year=2025").await.as_array().unwrap().is_empty());
    let (st, html) = b.page("/targets?year=2025").await;
    assert_eq!(st, StatusCode::OK);
    assert!(rows(&html, "target").is_empty());
    // the viewer reads but cannot write
    let v = app.login("viewer", &app.password).await;
    let (st, html) = v.page(&format!("/targets/{id}?as_of=2025-06-30")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(!html.contains("name=\"m1\""), "no route form");
    assert!(!html.contains("/edit\">修改</a>"));
    let (_, list) = v.page("/targets?year=2025").await;
    assert!(!list.contains("/targets/new"));
    assert_eq!(v.get("/targets/new").await.status(), StatusCode::FORBIDDEN);
    let r = v
        .post_form("/targets/new", &[("name", "x"), ("year", "2025"), ("metric", "contacts"), ("target_value", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(post_route(&v, id, &["52"; 12]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(v.post_form(&format!("/targets/{id}/delete"), &[]).await.status(), StatusCode::FORBIDDEN);
    let body = json!({"name": "x", "year": "2025", "metric": "contacts", "target_value": "1"});
    assert_eq!(v.json(Method::POST, "/api/v1/targets", Some(body)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(v.json(Method::DELETE, &format!("/api/v1/targets/{id}"), None).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(json_of(&a, &format!("/api/v1/targets/{id}")).await["status"]["target"]["name"], "全年签约项目");
});
