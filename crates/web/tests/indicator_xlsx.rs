//! Indicator tables exported as XLSX, statistics tables imported (all rows or none), the JSON
//! API and the home page's warnings.

mod support;

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use reqwest::StatusCode;
use serde_json::Value;
use support::{Session, TestApp};

fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    // a minimal sheet built with the same writer the product uses
    let cells: Vec<Vec<kaifaqu_reports::table::Cell>> =
        rows[1..].iter().map(|r| r.iter().map(|c| kaifaqu_reports::table::Cell::from(*c)).collect()).collect();
    kaifaqu_reports::table::export("表", rows[0][0], rows[1], &cells[1..]).unwrap()
}

async fn upload(s: &Session, path: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("统计表.xlsx");
    s.client
        .post(s.url(&format!("{path}&_csrf={}", s.csrf)))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

fn strings(bytes: &[u8]) -> Vec<String> {
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range.used_cells().filter_map(|(_, _, c)| if let Data::String(s) = c { Some(s.clone()) } else { None }).collect()
}

async fn va_id(s: &Session) -> i64 {
    let cat: Value = s.get("/api/v1/indicators").await.json().await.unwrap();
    cat.as_array().unwrap().iter().find(|i| i["code"] == "industrial_value_added").unwrap()["id"].as_i64().unwrap()
}

app_test!(tables_export_as_shown, |app: TestApp| async move {
    let s = app.admin().await;
    let r = s.get("/indicators/overview.xlsx?period=2025-05").await;
    assert_eq!(r.status(), StatusCode::OK);
    let texts = strings(&r.bytes().await.unwrap());
    assert!(
        texts.iter().any(|t| t == "27.97") && texts.iter().any(|t| t == "第一") && texts.iter().any(|t| t == "第三"),
        "{texts:?}"
    );
    let id = va_id(&s).await;
    let texts = strings(&s.get(&format!("/indicators/{id}/city.xlsx?period=2025-05")).await.bytes().await.unwrap());
    assert!(texts.iter().filter(|t| t.starts_with("示例开发区")).count() == 7);
    // the city user exports the same table
    let city = app.login("city", &app.password).await;
    assert_eq!(city.get(&format!("/indicators/{id}/city.xlsx?period=2025-05")).await.status(), StatusCode::OK);
});

app_test!(city_table_import_is_all_or_nothing, |app: TestApp| async move {
    let s = app.admin().await;
    let id = va_id(&s).await;
    let path = format!("/indicators/import?indicator={id}&period=2025-06");
    let before: Value = s.get(&format!("/api/v1/indicators/{id}/ranking?period=2025-06")).await.json().await.unwrap();
    // an unknown zone: nothing is saved
    let bad = workbook(&[
        &["全市开发区规上工业增加值"],
        &["开发区", "1-6月累计（万元）", "同比增长（%）"],
        &["示例开发区甲", "305000", "8.1"],
        &["不存在开发区", "100000", "3"],
    ]);
    let r = upload(&s, &path, bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("不存在开发区") && html.contains("没有保存任何数据"));
    // a growth out of range is named with its row
    let bad =
        workbook(&[&["表"], &["开发区", "1-6月累计（亿元）", "同比增长（%）"], &["示例开发区甲", "30.5", "12000"]]);
    let r = upload(&s, &path, bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("-100%"), "{html}");
    let after: Value = s.get(&format!("/api/v1/indicators/{id}/ranking?period=2025-06")).await.json().await.unwrap();
    assert_eq!(before, after, "nothing saved");
    // a good table in 万元 is converted to 亿元
    let good = workbook(&[
        &["全市开发区规上工业增加值"],
        &["开发区", "1-6月累计（万元）", "同比增长（%）"],
        &["示例开发区甲", "305000", "8.1"],
        &["示例开发区乙", "224000", "25.0"],
    ]);
    let r = upload(&s, &path, good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let after: Value = s.get(&format!("/api/v1/indicators/{id}/ranking?period=2025-06")).await.json().await.unwrap();
    let jia = after.as_array().unwrap().iter().find(|r| r["zone_name"] == "示例开发区甲").unwrap();
    assert_eq!(jia["figure"]["value"], 305_000, "30.5 亿元 = 305000 in 1/10000 亿元");
    assert_eq!(jia["rank_value"], 1, "the only two with official 1-6月 figures");
});

app_test!(zone_table_import_and_api_overview, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let t = workbook(&[
        &["襄垣经开区主要指标"],
        &["指标", "本期累计", "同比增长"],
        &["规上工业增加值", "40.12", "25.6"],
        &["工业投资", "24.3", "0.9"],
    ]);
    let r = upload(&s, "/indicators/import?period=2025-06", t).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ov: Value = s.get("/api/v1/indicators/overview?period=2025-06").await.json().await.unwrap();
    let va = ov.as_array().unwrap().iter().find(|r| r["indicator"]["code"] == "industrial_value_added").unwrap();
    assert_eq!(va["figure"]["value"], 401_200);
    assert_eq!(va["figure"]["estimate"], 398_000, "the estimate stays beside");
    let ov5: Value = s.get("/api/v1/indicators/overview?period=2025-05").await.json().await.unwrap();
    let va5 = ov5.as_array().unwrap().iter().find(|r| r["indicator"]["code"] == "industrial_value_added").unwrap();
    assert_eq!((va5["rank_value"].as_u64(), va5["rank_growth"].as_u64()), (Some(1), Some(3)));
    let r = s.get("/api/v1/indicators/overview?period=2025-13").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
});

app_test!(home_page_lists_the_warnings_with_reasons, |app: TestApp| async move {
    let s = app.admin().await;
    let (_, html) = s.page("/").await;
    assert!(html.contains("经济运行预警"));
    assert!(html.contains("落后序时进度"), "工业投资 16.9 of 45 at 1-5月");
    assert!(html.contains("逾期未填报"), "no figures after 2025 while today is later");
});
