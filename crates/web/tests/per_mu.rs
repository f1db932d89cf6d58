//! 亩均效益评价 over HTTP: the demo's 2024 ranking page (distribution counts link to their
//! enterprises), the ranking export, the input sheet round trip and a refused import (nothing
//! saved), the record and scheme forms with field errors, the JSON API, zone isolation (404) and
//! read-only users (403).

mod support;

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use kaifaqu_reports::per_mu_table::{self, InputRow};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Session, TestApp};

async fn json_of(s: &Session, path: &str) -> Value {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn upload(s: &Session, year: i32, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("亩均数据.xlsx");
    s.client
        .post(s.url(&format!("/per-mu/import?year={year}&_csrf={}", s.csrf)))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

/// The number of ranking rows on a page.
fn rows_on(html: &str) -> usize {
    html.matches("<tr data-record=\"").count()
}

app_test!(the_demo_ranking_and_its_figures, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let (st, html) = s.page("/per-mu?year=2024").await;
    assert_eq!(st, StatusCode::OK);
    let html = html.replace("&#38;", "&amp;");
    assert!(html.contains("2024 年亩均效益评价"));
    assert!(html.contains("登记企业 15 家，参评定级 11 家"));
    assert!(html.contains("<svg"), "the distribution chart");
    assert_eq!(rows_on(&html), 15);
    let api = json_of(&s, "/api/v1/per-mu/evaluation?year=2024").await;
    let dist: Vec<u64> = api["distribution"].as_array().unwrap().iter().map(|d| d["count"].as_u64().unwrap()).collect();
    assert_eq!(dist, vec![2, 6, 2, 1, 4]);
    assert_eq!(api["rows"][0]["record"]["enterprise"], "示例精细化工有限公司");
    assert_eq!(api["rows"][0]["total"], "101.48");
    // every count links to exactly its enterprises
    for (code, n) in ["A", "B", "C", "D", "none"].iter().zip(&dist) {
        let link = format!("/per-mu?year=2024&amp;grade={code}\" data-grade=\"{code}\">{n}</a>");
        assert!(html.contains(&link), "{link}");
        let (_, list) = s.page(&format!("/per-mu?year=2024&grade={code}")).await;
        assert_eq!(rows_on(&list) as u64, *n, "grade {code}");
        assert_eq!(list.matches(&format!("data-grade=\"{code}\"")).count() as u64, *n + 1);
    }
    // the reasons of 不定等级 are shown
    let (_, list) = s.page("/per-mu?year=2024&grade=none").await;
    assert!(list.contains("不足 3.00 亩"));
    assert!(list.contains("投产不满 2 年"));
    assert_eq!(s.get("/per-mu?year=2024&grade=X").await.status(), StatusCode::BAD_REQUEST);

    // the ranking export: rank, enterprise, inputs, derived values, scores, grade, distribution
    let r = s.get("/per-mu.xlsx?year=2024").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range("亩均效益评价").unwrap();
    assert_eq!(range.get_value((3, 0)), Some(&Data::Float(1.0)));
    assert_eq!(range.get_value((3, 1)), Some(&Data::String("示例精细化工有限公司".into())));
    assert_eq!(range.get_value((3, 20)), Some(&Data::Float(101.48)));
    assert_eq!(range.get_value((3, 21)), Some(&Data::String("A类".into())));
    let texts: Vec<String> = range.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(texts.iter().any(|t| t == "等级分布"));
});

app_test!(input_sheet_round_trip_and_a_refused_import, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let r = s.get("/per-mu/data.xlsx?year=2024").await;
    assert_eq!(r.status(), StatusCode::OK);
    let sheet = r.bytes().await.unwrap().to_vec();
    // the template has the headers and no rows
    let t = s.get("/per-mu/data.xlsx?year=2024&template=1").await.bytes().await.unwrap().to_vec();
    assert!(per_mu_table::import(&t).unwrap().is_empty());

    // a bad row: nothing saved, the error names the row and the column
    let mut rows = per_mu_table::import(&sheet).unwrap();
    assert_eq!(rows.len(), 15);
    rows[2].tax_wan = "一百".into();
    rows[4].land_mu = "0".into();
    let bad = per_mu_table::export_inputs("2025", &rows).unwrap();
    let r = upload(&s, 2025, bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("没有导入任何数据"));
    assert!(html.contains("<td class=\"num\">5</td><td>税收（万元）</td>"), "row 5 = the third data row");
    assert!(html.contains("<td class=\"num\">7</td><td>用地面积（亩）</td>"));
    let none = json_of(&s, "/api/v1/per-mu/records?year=2025").await;
    assert_eq!(none.as_array().unwrap().len(), 0, "nothing saved");

    // the sheet as exported imports into another year and gives back the same figures
    let r = upload(&s, 2025, sheet).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let strip = |v: Value| -> Vec<Value> {
        let mut rows: Vec<Value> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut r = r.clone();
                let o = r.as_object_mut().unwrap();
                o.remove("id");
                o.remove("year");
                r
            })
            .collect();
        rows.sort_by_key(|r| r["enterprise_id"].as_i64());
        rows
    };
    let y24 = strip(json_of(&s, "/api/v1/per-mu/records?year=2024").await);
    let y25 = strip(json_of(&s, "/api/v1/per-mu/records?year=2025").await);
    assert_eq!(y24, y25);
    // an unreadable file is refused as a whole (the header and unit rules are unit-tested in
    // kaifaqu_reports::per_mu_table)
    let only = InputRow { name: "示例焦化有限公司".into(), ..Default::default() };
    let mut bytes = per_mu_table::export_inputs("x", &[only]).unwrap();
    bytes.truncate(10);
    let r = upload(&s, 2025, bytes).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("无法读取"));
});

app_test!(record_and_scheme_forms_refuse_beside_the_fields, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let (st, html) = s.page("/per-mu/records/new?year=2025").await;
    assert_eq!(st, StatusCode::OK);
    let firm = html.split("<option value=\"").nth(2).unwrap().split('"').next().unwrap().to_string();
    let fields = |land: &'static str, tax: &'static str| {
        vec![
            ("year", "2025"),
            ("land_mu", land),
            ("tax_wan", tax),
            ("revenue_wan", "1500"),
            ("value_added_wan", "300"),
            ("energy_tce", "100"),
            ("rd_wan", "45"),
            ("employees", "10"),
        ]
    };
    let mut bad = fields("12.345", "150");
    bad.push(("enterprise_id", &firm));
    let r = s.post_form("/per-mu/records/new", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("最多 2 位小数"), "the reason beside 用地面积");
    assert!(html.contains("value=\"12.345\""), "the typed value kept");
    let mut good = fields("10", "150");
    good.push(("enterprise_id", &firm));
    let r = s.post_form("/per-mu/records/new", &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let recs = json_of(&s, "/api/v1/per-mu/records?year=2025").await;
    let id = recs[0]["id"].as_i64().unwrap();
    assert_eq!(recs[0]["land_mu100"], 1000);
    assert_eq!(recs[0]["tax_wan100"], 15_000);
    let (st, html) = s.page(&format!("/per-mu/records/{id}/edit")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("value=\"10.00\"") && html.contains("修改历史"));
    let mut edit = fields("10", "150");
    edit.push(("enterprise_id", &firm));
    edit.push(("exempt", "on"));
    let r = s.post_form(&format!("/per-mu/records/{id}/edit"), &edit).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("认定为不定等级时须填写原因"));
    let r = s.post_form(&format!("/per-mu/records/{id}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.get(&format!("/per-mu/records/{id}/edit")).await.status(), StatusCode::NOT_FOUND);

    // the scheme: a preset loads into the form; weights of 90 are refused, nothing saved
    let (st, html) = s.page("/per-mu/scheme?year=2025&preset=shanxi").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("山西省") && html.contains("name=\"weight_tax_per_mu\" value=\"35\""));
    let scheme = |tax: &'static str| {
        vec![
            ("year", "2025"),
            ("name", "本区方案"),
            ("weight_tax_per_mu", tax),
            ("benchmark_tax_per_mu", "15"),
            ("weight_revenue_per_mu", "10"),
            ("benchmark_revenue_per_mu", "300"),
            ("weight_value_added_per_energy", "20"),
            ("benchmark_value_added_per_energy", "3"),
            ("weight_rd_intensity", "15"),
            ("benchmark_rd_intensity", "3"),
            ("weight_labour_productivity", "15"),
            ("benchmark_labour_productivity", "15"),
            ("cap", "1.2"),
            ("band_a", "20"),
            ("band_b", "50"),
            ("band_c", "20"),
            ("band_d", "10"),
            ("min_land", "3"),
            ("exempt_years", "2"),
        ]
    };
    let r = s.post_form("/per-mu/scheme", &scheme("30")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("各指标权重之和应为 100 分，现为 90.00 分"));
    assert!(html.contains("name=\"weight_tax_per_mu\" value=\"30\""), "the typed value kept");
    assert_eq!(json_of(&s, "/api/v1/per-mu/scheme?year=2025").await["saved"], false);
    let r = s.post_form("/per-mu/scheme", &scheme("abc")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("“亩均税收”的权重“abc”不是数字"));
    let r = s.post_form("/per-mu/scheme", &scheme("40")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let api = json_of(&s, "/api/v1/per-mu/scheme?year=2025").await;
    assert_eq!((api["saved"].as_bool(), api["scheme"]["name"].as_str()), (Some(true), Some("本区方案")));
    // the same refusal over JSON
    let mut body = api["scheme"].clone();
    body["bands"]["a_x100"] = json!(3000);
    let r = s.json(Method::PUT, "/api/v1/per-mu/scheme?year=2025", Some(body)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.unwrap();
    assert!(e.to_string().contains("bands"), "{e}");
});

app_test!(other_zones_get_404_and_viewers_403, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let recs = json_of(&s, "/api/v1/per-mu/records?year=2024").await;
    let id = recs[0]["id"].as_i64().unwrap();
    let b = app.admin_of_b().await;
    assert_eq!(b.get(&format!("/per-mu/records/{id}/edit")).await.status(), StatusCode::NOT_FOUND);
    let r = b.post_form(&format!("/per-mu/records/{id}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let theirs = json_of(&b, "/api/v1/per-mu/evaluation?year=2024").await;
    assert_eq!(theirs["rows"].as_array().unwrap().len(), 0);
    let (st, html) = b.page("/per-mu?year=2024").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("本年度还没有企业数据"));

    let v = app.login("viewer", &app.password).await;
    assert_eq!(v.get("/per-mu?year=2024").await.status(), StatusCode::OK);
    assert_eq!(v.get("/per-mu/records/new").await.status(), StatusCode::FORBIDDEN);
    let r = v.post_form(&format!("/per-mu/records/{id}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let scheme = json_of(&v, "/api/v1/per-mu/scheme?year=2024").await["scheme"].clone();
    let r = v.json(Method::PUT, "/api/v1/per-mu/scheme?year=2024", Some(scheme)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = v.json(Method::POST, "/api/v1/per-mu/records", Some(json!({"year": "2024"}))).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(json_of(&s, "/api/v1/per-mu/records?year=2024").await.as_array().unwrap().len(), 15);
});
