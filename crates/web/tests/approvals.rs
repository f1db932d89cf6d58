//! 审批服务 over HTTP: the pages render with the demo's records, the half-year figures over the
//! API (22, 22, 194), the case form refuses an approval dated before receipt beside the field,
//! the steps and commitments through the API, the power list's XLSX round trip and a refused
//! import, zone isolation (404) and the viewer's read-only role (403).

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Session, TestApp};

async fn json_of(s: &Session, path: &str) -> Value {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn upload(s: &Session, bytes: Vec<u8>, replace: bool) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("powers.xlsx".to_string()));
    if replace {
        form = form.text("replace", "1");
    }
    s.client.post(s.url(&format!("/approvals/powers/import?_csrf={}", s.csrf))).multipart(form).send().await.unwrap()
}

app_test!(pages_and_figures, |app: TestApp| async move {
    let s = app.login("approval", &app.password).await;
    let f = json_of(&s, "/api/v1/approvals/figures?from=2025-01-01&to=2025-06-30").await;
    assert_eq!(f["commitment_projects"]["value"], 22);
    assert_eq!(f["agency_projects"]["value"], 22);
    let powers = json_of(&s, "/api/v1/approvals/powers?limit=1").await;
    assert_eq!(powers["total"], 194);
    let (st, html) = s.page("/approvals/powers").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("审批权限清单") && html.contains("企业投资项目备案") && html.contains("共 194 条"));
    let href = f["agency_projects"]["href"].as_str().unwrap();
    let (st, html) = s.page(href).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("审批代办事项") && html.contains("已用 / 承诺（工作日）"));
    let agency = json_of(&s, "/api/v1/approvals/cases?agency=1&from=2025-01-01&to=2025-06-30&limit=500").await;
    assert!(html.contains(&format!("共 {} 条", agency["total"])));
    let (st, html) = s.page("/approvals/commitments?overdue=1").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("承诺核查") && html.contains("class=\"overdue\""));
    let id = agency["rows"][0]["id"].as_i64().unwrap();
    let (st, html) = s.page(&format!("/approvals/cases/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("办理过程") && html.contains("全程代办") && html.contains("办件材料"));
    let (st, html) = s.page("/approvals/cases/new").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("登记审批代办事项"));
    let r = s.get("/approvals/cases.xlsx?commitment=1").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(s.get("/approvals/cases?from=2025-13-01").await.status(), StatusCode::BAD_REQUEST);
});

app_test!(forms_and_steps, |app: TestApp| async move {
    let s = app.login("approval", &app.password).await;
    let power = json_of(&s, "/api/v1/approvals/powers?commitment=1&limit=1").await["rows"][0].clone();
    let pid = power["id"].as_i64().unwrap().to_string();
    let before = json_of(&s, "/api/v1/approvals/cases?limit=1").await["total"].as_u64().unwrap();
    // approved before it was received: refused beside the field, the input kept, nothing saved
    let r = s
        .post_form(
            "/approvals/cases/new",
            &[
                ("power_id", &pid),
                ("applicant", "测试企业甲"),
                ("received_date", "2025-03-03"),
                ("approved_date", "2025-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("办结日期不能早于收件日期 2025-03-03"));
    assert!(html.contains("value=\"测试企业甲\""));
    assert_eq!(json_of(&s, "/api/v1/approvals/cases?limit=1").await["total"].as_u64().unwrap(), before);
    // a power with a zero limit is refused beside the field
    let r = s
        .post_form(
            "/approvals/powers/new",
            &[("name", "测试事项"), ("category", "licence"), ("statutory_days", "10"), ("promised_days", "0")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("承诺时限应大于 0 个工作日"));
    // a case through the form, then its steps and a commitment over the API
    let r = s
        .post_form(
            "/approvals/cases/new",
            &[("power_id", &pid), ("applicant", "测试企业甲"), ("commitment", "1"), ("received_date", "2025-09-26")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = loc.trim_start_matches("/approvals/cases/").split('?').next().unwrap().parse().unwrap();
    let c = json_of(&s, &format!("/api/v1/approvals/cases/{id}")).await;
    let promised = power["promised_days"].as_i64().unwrap();
    assert_eq!(c["promised_days"], promised);
    if promised == 5 {
        assert_eq!(c["due_date"], "2025-10-10");
    }
    let r = s
        .json(
            Method::POST,
            &format!("/api/v1/approvals/cases/{id}/steps"),
            Some(json!({"action": "approve", "date": "2025-09-25"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .json(
            Method::POST,
            &format!("/api/v1/approvals/cases/{id}/steps"),
            Some(json!({"action": "accept", "date": "2025-09-29"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .json(
            Method::POST,
            &format!("/api/v1/approvals/cases/{id}/commitments"),
            Some(json!({"content": "开工前补齐施工图审查合格书", "deadline": "2025-10-31"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let k: Value = r.json().await.unwrap();
    assert_eq!(k["overdue"], true);
    // the verify form: unfulfilled without a note is refused on the case page
    let r = s
        .post_form(
            &format!("/approvals/commitments/{}/verify", k["id"]),
            &[("result", "unfulfilled"), ("date", "2025-11-03")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("核查为未履行时须写明核查情况"));
    let r = s
        .post_form(
            &format!("/approvals/commitments/{}/verify", k["id"]),
            &[("result", "fulfilled"), ("date", "2025-11-03")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let c = json_of(&s, &format!("/api/v1/approvals/cases/{id}")).await;
    assert_eq!(c["commitments"][0]["status"], "fulfilled");
    assert_eq!(c["status"], "accepted");
});

app_test!(power_list_round_trip, |app: TestApp| async move {
    let s = app.login("approval", &app.password).await;
    let before = json_of(&s, "/api/v1/approvals/powers?limit=500").await;
    let r = s.get("/approvals/powers.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let r = upload(&s, bytes.clone(), true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap_or_default());
    assert_eq!(json_of(&s, "/api/v1/approvals/powers?limit=500").await, before);
    // a bad row: nothing changes, the error names the row and the column
    let mut rows = kaifaqu_reports::powers_table::import(&bytes).unwrap();
    rows[2].1.promised_days = "0".into();
    rows[0].1.name = "改过的名称".into();
    let bad =
        kaifaqu_reports::powers_table::export("x", &rows.into_iter().map(|(_, r)| r).collect::<Vec<_>>()).unwrap();
    let r = upload(&s, bad, true).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("第 5 行“承诺时限（工作日）”：承诺时限应大于 0 个工作日"), "{html}");
    assert_eq!(json_of(&s, "/api/v1/approvals/powers?limit=500").await, before);
    let r = upload(&s, b"not a workbook".to_vec(), false).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
});

app_test!(zones_and_roles, |app: TestApp| async move {
    let s = app.login("approval", &app.password).await;
    let case = json_of(&s, "/api/v1/approvals/cases?limit=1").await["rows"][0].clone();
    let id = case["id"].as_i64().unwrap();
    let k = json_of(&s, "/api/v1/approvals/cases?commitment=1&limit=1").await["rows"][0]["id"].as_i64().unwrap();
    let kid = json_of(&s, &format!("/api/v1/approvals/cases/{k}")).await["commitments"][0]["id"].as_i64().unwrap();
    let power = case["power_id"].as_i64().unwrap();
    let b = app.admin_of_b().await;
    assert_eq!(b.get(&format!("/approvals/cases/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.get(&format!("/api/v1/approvals/cases/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.get(&format!("/approvals/powers/{power}")).await.status(), StatusCode::NOT_FOUND);
    let r =
        b.json(Method::POST, &format!("/api/v1/approvals/cases/{id}/steps"), Some(json!({"action": "withdraw"}))).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = b.post_form(&format!("/approvals/commitments/{kid}/verify"), &[("result", "fulfilled")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_of(&b, "/api/v1/approvals/cases").await["total"], 0);
    let v = app.login("viewer", &app.password).await;
    assert_eq!(v.get(&format!("/approvals/cases/{id}")).await.status(), StatusCode::OK);
    assert_eq!(v.get("/approvals/cases/new").await.status(), StatusCode::FORBIDDEN);
    let r =
        v.json(Method::POST, &format!("/api/v1/approvals/cases/{id}/steps"), Some(json!({"action": "withdraw"}))).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = v.json(Method::PUT, &format!("/api/v1/approvals/powers/{power}"), Some(json!({"name": "x"}))).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
});

/// The number in the first `<a …>N…</a>` after `label` on a page.
fn linked_number_after(html: &str, label: &str) -> (String, String) {
    let rest = &html[html.find(label).unwrap_or_else(|| panic!("{label} not on the page")) + label.len()..];
    let href =
        rest.split("href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&").replace("&#38;", "&");
    let text = rest.split('>').nth(1).unwrap().split('<').next().unwrap().to_string();
    (href, text)
}

app_test!(the_half_year_figures_page_of_approvals_and_land, |app: TestApp| async move {
    let s = app.login("approval", &app.password).await;
    let (st, html) = s.page("/services/figures?from=2025-01-01&to=2025-06-30").await;
    assert_eq!(st, StatusCode::OK);
    // the seed: 承诺制项目 22 个, 全代办 22 个, 标准地 3 宗 220.41 亩, 盘活闲置厂房 1 万平方米
    let (href, text) = linked_number_after(&html, "实施承诺制审批项目");
    assert_eq!(text, "22 个");
    let (st, list) = s.page(&href).await;
    assert_eq!(st, StatusCode::OK);
    assert!(list.contains("审批代办事项"));
    assert_eq!(linked_number_after(&html, "为 ").1, "22 个");
    let (href, text) = linked_number_after(&html, "出让标准地 ");
    assert_eq!(text, "3 宗 220.41 亩");
    let (st, list) = s.page(&href).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list.matches("<tr data-parcel=").count(), 3, "the link lists exactly the 3 parcels");
    let (_, text) = linked_number_after(&html, "盘活闲置厂房 ");
    let wan: f64 = text.trim_end_matches(" 万平方米").parse().unwrap();
    assert!(wan >= 1.0, "at least 1 万平方米 revitalised: {text}");
    // the same figures for another range are computed, not fixed
    let (_, html) = s.page("/services/figures?from=2024-01-01&to=2024-12-31").await;
    assert_eq!(linked_number_after(&html, "实施承诺制审批项目").1, "0 个");
    let r = s.get("/services/figures?from=2025-07-01&to=2025-06-30").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
});
