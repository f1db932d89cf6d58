//! 标准地 and 闲置厂房 over HTTP: the half-year figures and the lists behind them, the pages
//! (list with 亩 per year, parcel with promised vs achieved, inventory with m² per half-year),
//! the forms (errors beside the fields, input kept, nothing saved), the XLSX exports read back,
//! the JSON API, matching a lead, zone isolation (404) and the viewer (403).

mod support;

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};
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

async fn sheet(s: &Session, path: &str) -> calamine::Range<Data> {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert_eq!(r.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let mut wb = open_workbook_auto_from_rs(Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    wb.worksheet_range_at(0).unwrap().unwrap()
}

app_test!(half_year_figures_and_the_records_behind_them, |app: TestApp| async move {
    let s = app.admin().await;
    let f = json_of(&s, "/api/v1/land/figures?from=2025-01-01&to=2025-06-30").await;
    assert_eq!(f["parcels"]["parcels"], 3, "3 宗");
    assert_eq!(f["parcels"]["area"], 22_041, "220.41 亩");
    assert!(f["plants"]["m2_x100"].as_i64().unwrap() >= 1_000_000, "1 万平方米");
    // the list query of each figure lists exactly its records
    let q = f["parcels"]["list_query"].as_str().unwrap();
    let (st, html) = s.page(&format!("/land/parcels?{q}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(rows(&html, "parcel").len(), 3);
    assert!(html.contains("符合条件的地块 3 宗，合计 <strong class=\"total-area\">220.41 亩</strong>"), "{html}");
    let q = f["plants"]["list_query"].as_str().unwrap();
    let (_, html) = s.page(&format!("/land/idle-plants?{q}")).await;
    assert_eq!(rows(&html, "plant").len() as i64, f["plants"]["plants"].as_i64().unwrap());
    assert!(html.contains("首投悦雅") && html.contains("卡仕途"));
    assert!(html.contains("建筑面积合计 <strong class=\"total-m2\">10,500 平方米</strong>"));
    // per year and per half-year, each linking to the list
    let (_, html) = s.page("/land/parcels").await;
    assert!(html.contains("<tr data-year=\"2025\"><td>2025 年</td>"));
    assert!(html.contains("/land/parcels?status=transferred&amp;from=2025-01-01&amp;to=2025-12-31\">3</a>"));
    assert!(html.contains("<td class=\"num\">220.41</td><td class=\"num\">146940</td>"), "亩 and m² side by side");
    let (_, html) = s.page("/land/idle-plants").await;
    assert!(html.contains("<td>2025 年上半年</td>"));
    assert!(html.contains("/land/idle-plants?status=revitalised&amp;from=2025-01-01&amp;to=2025-06-30\">2</a>"));
    // a reversed range is refused
    assert_eq!(s.get("/api/v1/land/figures?from=2025-07-01&to=2025-01-01").await.status(), StatusCode::BAD_REQUEST);
});

app_test!(the_flagged_parcel_and_its_page, |app: TestApp| async move {
    let s = app.admin().await;
    let (st, html) = s.page("/land/parcels?flagged=1").await;
    assert_eq!(st, StatusCode::OK);
    let ids = rows(&html, "parcel");
    assert_eq!(ids.len(), 1);
    assert!(html.contains("<tr data-parcel=\"") && html.contains("class=\"overdue\""));
    assert!(html.contains("未达承诺：固定资产投资强度、亩均税收、单位能耗"), "{html}");
    let (st, page) = s.page(&format!("/land/parcels/{}", ids[0])).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("XY2024-07"));
    assert!(page.contains("<td>亩均税收</td><td>万元/亩</td><td class=\"num\">15.00</td><td class=\"num\">9.50</td>"));
    assert!(page.contains("（实际值为 2024 年）"));
    assert!(page.contains("修改历史"));
    // the other filters
    let (_, html) = s.page("/land/parcels?status=reserve").await;
    assert_eq!(rows(&html, "parcel").len(), 2);
    let (_, html) = s.page("/land/parcels?q=%E7%BA%AC%E4%BA%94%E8%B7%AF").await;
    assert_eq!(rows(&html, "parcel").len(), 1);
    let (_, html) = s.page("/land/idle-plants?status=open").await;
    assert_eq!(rows(&html, "plant").len(), 3);
    // a malformed date names the field
    let r = s.get("/api/v1/land/parcels?from=2025-02-30").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "from");
});

app_test!(forms_show_errors_keep_input_and_save_nothing, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let before = json_of(&s, "/api/v1/land/parcels").await["total"].as_u64().unwrap();
    let (st, html) = s.page("/land/parcels/new").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("name=\"investment_intensity\""));
    let fields = |area: &'static str, intensity: &'static str, status: &'static str, date: &'static str| {
        vec![
            ("code", "T-WEB-1"),
            ("location", "园区纬十路东侧"),
            ("area", area),
            ("investment_intensity", intensity),
            ("plot_ratio", "1.2"),
            ("status", status),
            ("transfer_date", date),
        ]
    };
    // area ≤ 0
    let r = s.post_form("/land/parcels/new", &fields("0", "300", "reserve", "")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("面积必须大于 0 亩"));
    assert!(html.contains("value=\"园区纬十路东侧\""), "the input is kept");
    assert!(html.contains("name=\"area\" value=\"0\" inputmode=\"decimal\" required class=\"bad\""));
    // absurd area, an intensity in 元/亩, a transfer without its date — each beside its field
    let r = s.post_form("/land/parcels/new", &fields("150000", "3000000", "transferred", "")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("超过 100000 亩"));
    assert!(html.contains("像是以元/亩填写的"));
    assert!(html.contains("状态为已出让时须填写出让日期"));
    assert_eq!(json_of(&s, "/api/v1/land/parcels").await["total"].as_u64().unwrap(), before, "nothing saved");
    // a good one, then transferred through the edit form
    let r = s.post_form("/land/parcels/new", &fields("40.5", "300", "reserve", "")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = location_id(&r, "/land/parcels/");
    let (st, html) = s.page(&format!("/land/parcels/{id}/edit")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("value=\"40.50\""));
    let mut f = fields("40.5", "300", "transferred", "2025-04-01");
    f.extend([("achieved_year", "2025"), ("achieved_investment_intensity", "250"), ("price", "1215")]);
    let r = s.post_form(&format!("/land/parcels/{id}/edit"), &f).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = s.page(&format!("/land/parcels/{id}?done=saved")).await;
    assert!(page.contains("已保存"));
    assert!(page.contains("40.50 亩（约 27000 平方米）"));
    assert!(page.contains("未达承诺：固定资产投资强度"));
    // plants: revitalised without a date
    let r = s
        .post_form("/land/idle-plants/new", &[("name", "测试厂房"), ("building_m2", "2000"), ("status", "revitalised")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("状态为已盘活时须填写盘活日期") && html.contains("value=\"测试厂房\""));
    let r = s
        .post_form(
            "/land/idle-plants/new",
            &[
                ("name", "测试厂房"),
                ("building_m2", "2,000"),
                ("status", "revitalised"),
                ("revitalised_date", "2025-02-10"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let pid = location_id(&r, "/land/idle-plants/");
    let (st, page) = s.page(&format!("/land/idle-plants/{pid}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("2,000 平方米"));
    let (st, _) = s.page(&format!("/land/idle-plants/{pid}/edit")).await;
    assert_eq!(st, StatusCode::OK);
});

app_test!(exports_open_with_the_listed_rows, |app: TestApp| async move {
    let s = app.admin().await;
    let range = sheet(&s, "/land/parcels.xlsx?status=transferred&from=2025-01-01&to=2025-06-30").await;
    assert_eq!(range.height(), 2 + 3);
    let header: Vec<String> = range.rows().nth(1).unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header[3], "面积（亩）");
    let areas: Vec<String> = range.rows().skip(2).map(|r| r[3].to_string()).collect();
    let total: i64 = areas.iter().map(|a| kaifaqu_domain::money::Mu100::parse(a).unwrap().0).sum();
    assert_eq!(total, 22_041, "{areas:?}");
    let codes: Vec<String> = range.rows().skip(2).map(|r| r[1].to_string()).collect();
    assert_eq!(codes, vec!["XY2025-03", "XY2025-02", "XY2025-01"]);
    let range = sheet(&s, "/land/parcels.xlsx?flagged=1").await;
    assert_eq!(range.height(), 3);
    assert_eq!(range.get_value((2, 16)), Some(&Data::String("固定资产投资强度、亩均税收、单位能耗".into())));
    let range = sheet(&s, "/land/idle-plants.xlsx").await;
    assert_eq!(range.height(), 2 + 6);
    let range = sheet(&s, "/land/idle-plants.xlsx?status=idle").await;
    assert_eq!(range.height(), 2 + 2);
    assert!(range.rows().skip(2).all(|r| r[7] == Data::String("闲置".into())));
});

app_test!(api_and_matching, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    // create through the API; a wrong unit is a 422 naming the field
    let body = json!({"code": "API-1", "area": "30", "plot_ratio": "45", "status": "reserve"});
    let r = s.json(Method::POST, "/api/v1/land/parcels", Some(body)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "plot_ratio");
    let body = json!({"code": "API-1", "area": "30", "plot_ratio": "1.5", "status": "reserve"});
    let r = s.json(Method::POST, "/api/v1/land/parcels", Some(body)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["area"], 3_000);
    assert_eq!(p["area_m2"], 20_000);
    let id = p["id"].as_i64().unwrap();
    let body = json!({"code": "API-1", "area": "31", "plot_ratio": "1.5", "status": "transferring"});
    let r = s.json(Method::PUT, &format!("/api/v1/land/parcels/{id}"), Some(body)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a replacing PUT names its version");
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "version");
    let body =
        json!({"code": "API-1", "area": "31", "plot_ratio": "1.5", "status": "transferring", "version": p["version"]});
    let r = s.json(Method::PUT, &format!("/api/v1/land/parcels/{id}"), Some(body)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(&s, &format!("/api/v1/land/parcels/{id}")).await["status"], "transferring");
    let body = json!({"name": "API 厂房", "building_m2": "9000", "status": "idle"});
    let r = s.json(Method::POST, "/api/v1/land/idle-plants", Some(body)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let plant = created["id"].as_i64().unwrap();
    let body =
        json!({"name": "API 厂房", "building_m2": "9000", "status": "negotiating", "version": created["version"]});
    let r = s.json(Method::PUT, &format!("/api/v1/land/idle-plants/{plant}"), Some(body)).await;
    assert_eq!(r.status(), StatusCode::OK);
    // a lead needing 25 亩: API-1 (31 亩, 出让中) fits, 38.40 does not (> 37.5); plants ≥ 16,667 m²: none
    let body = json!({"name": "示例用地需求项目", "investor_name": "示例投资方", "category": "industrial",
        "total": "1", "land": "25", "plan_year": "2025"});
    let r = s.json(Method::POST, "/api/v1/projects", Some(body)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let project = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let m = json_of(&s, &format!("/api/v1/land/match?project_id={project}")).await;
    assert_eq!(m["need"], 2_500);
    let codes: Vec<&str> = m["parcels"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["API-1"]);
    assert_eq!(m["plants"].as_array().unwrap().len(), 1, "only the plant on 26.50 亩 covers 25 亩 (16,667 m²)");
    let (st, html) = s.page(&format!("/land/match?project_id={project}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("用地需求 <strong>25.00 亩</strong>"));
    assert_eq!(rows(&html, "parcel"), vec![id]);
    assert_eq!(rows(&html, "plant").len(), 1);
    assert_eq!(s.get("/land/match").await.status(), StatusCode::BAD_REQUEST);
    // the project page links to the matching when a land need is given
    let (_, html) = s.page(&format!("/projects/{project}")).await;
    assert!(html.contains(&format!("href=\"/land/match?project_id={project}\"")));
    // the OpenAPI document lists the paths
    let doc = json_of(&s, "/api/v1/openapi.json").await;
    for p in ["/api/v1/land/parcels/{id}", "/api/v1/land/idle-plants", "/api/v1/land/figures", "/api/v1/land/match"] {
        assert!(doc["paths"].get(p).is_some(), "{p}");
    }
});

app_test!(zone_b_gets_404_and_the_viewer_403, |app: TestApp| async move {
    let a = app.admin().await;
    let parcel = json_of(&a, "/api/v1/land/parcels?limit=1").await["rows"][0]["id"].as_i64().unwrap();
    let plant = json_of(&a, "/api/v1/land/idle-plants?limit=1").await["rows"][0]["id"].as_i64().unwrap();
    let project = json_of(&a, "/api/v1/projects?per_page=1").await["rows"][0]["id"].as_i64().unwrap();
    let b = app.admin_of_b().await;
    for path in [
        format!("/land/parcels/{parcel}"),
        format!("/land/parcels/{parcel}/edit"),
        format!("/land/idle-plants/{plant}"),
        format!("/land/idle-plants/{plant}/edit"),
        format!("/land/match?project_id={project}"),
        format!("/api/v1/land/parcels/{parcel}"),
        format!("/api/v1/land/idle-plants/{plant}"),
        format!("/api/v1/land/match?project_id={project}"),
    ] {
        assert_eq!(b.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let r = b
        .post_form(&format!("/land/parcels/{parcel}/edit"), &[("code", "X"), ("area", "1"), ("status", "reserve")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body = json!({"name": "X", "building_m2": "1", "status": "idle"});
    let r = b.json(Method::PUT, &format!("/api/v1/land/idle-plants/{plant}"), Some(body)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // zone B sees none of zone A's parcels
    assert_eq!(json_of(&b, "/api/v1/land/parcels").await["total"], 0);
    let f = json_of(&b, "/api/v1/land/figures?from=2025-01-01&to=2025-06-30").await;
    assert_eq!(f["parcels"]["parcels"], 0);

    let v = app.login("viewer", &app.password).await;
    let (st, html) = v.page("/land/parcels").await;
    assert_eq!(st, StatusCode::OK);
    assert!(!html.contains("/land/parcels/new"), "no 新增 button for a viewer");
    assert_eq!(v.get(&format!("/land/parcels/{parcel}")).await.status(), StatusCode::OK);
    assert_eq!(v.get("/land/parcels/new").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(v.get(&format!("/land/idle-plants/{plant}/edit")).await.status(), StatusCode::FORBIDDEN);
    let r = v.post_form("/land/parcels/new", &[("code", "V-1"), ("area", "10"), ("status", "reserve")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = v
        .post_form(
            &format!("/land/idle-plants/{plant}/edit"),
            &[("name", "V"), ("building_m2", "10"), ("status", "idle")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body = json!({"code": "V-2", "area": "10", "status": "reserve"});
    assert_eq!(v.json(Method::POST, "/api/v1/land/parcels", Some(body)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(json_of(&a, "/api/v1/land/parcels").await["total"], 7, "nothing saved");
});
