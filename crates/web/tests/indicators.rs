//! The indicator pages over HTTP: the overview reproducing the seed's 1-5月 figures, the
//! indicator page (charts, month-own values, 缺报 in the city table), the all-or-nothing entry
//! grid with its messages beside the cells, the city comparison for city and zone users, the
//! catalog, the targets and zone isolation.

mod support;

use kaifaqu_store::{Scope, indicators, zones};
use reqwest::StatusCode;
use support::{Session, TestApp};

async fn indicator(app: &TestApp, code: &str) -> i64 {
    indicators::by_code(&app.db, code).await.unwrap().unwrap().id
}

async fn post_owned(s: &Session, path: &str, f: &[(String, String)]) -> reqwest::Response {
    let r: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    s.post_form(path, &r).await
}

fn field(name: &str, zone: i64, ind: i64, value: &str) -> (String, String) {
    (format!("{name}_{zone}_{ind}"), value.to_string())
}

/// The table row (`<tr>…</tr>`) of the page that contains `needle`.
fn row_with<'a>(html: &'a str, needle: &str) -> &'a str {
    let at = html.find(needle).unwrap_or_else(|| panic!("{needle} not on the page"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

/// The cell (`<td>…</td>`) holding the input named `name`.
fn cell_of<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no input {name}"));
    let start = html[..at].rfind("<td").unwrap();
    let end = at + html[at..].find("</td>").unwrap();
    &html[start..end]
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

app_test!(the_overview_reproduces_the_seed, |app: TestApp| async move {
    let s = app.admin().await;
    let (st, html) = s.page("/indicators?period=2025-05").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("2025年1-5月"));
    let va = row_with(&html, ">规上工业增加值</a>");
    assert!(va.contains("27.97"), "{va}");
    assert!(va.contains("22.9%"), "{va}");
    assert!(va.contains("绝对量第一 / 增速第三（共 8 个开发区）"), "{va}");
    assert!(va.contains("快 0.71 个百分点"), "27.97 of 66 is 42.38%, ahead of 41.67%: {va}");
    assert!(!va.contains("预计"), "no estimate for 1-5月");
    let inv = row_with(&html, ">工业投资</a>");
    assert!(inv.contains("16.90") && inv.contains("1.4%"), "{inv}");
    assert!(inv.contains("绝对量第二"), "{inv}");
    assert!(inv.contains("45") && inv.contains("37.56%"), "target 45, 16.9 of it: {inv}");
    assert!(inv.contains("落后序时进度") && inv.contains("慢 4.11 个百分点"), "{inv}");
    assert!(inv.contains("class=\"warning\""), "warnings are marked: {inv}");
    assert!(html.contains("/indicators/overview.xlsx?period=2025-05"));
    // without a period: the latest one with official values
    let (_, html) = s.page("/indicators").await;
    assert!(html.contains("主要经济指标 · 2025年1-5月"), "default period");
    // 1-6月: only the estimates exist, shown as such
    let (_, html) = s.page("/indicators?period=2025-06").await;
    let va = row_with(&html, ">规上工业增加值</a>");
    assert!(va.contains("39.80") && va.contains("预计") && va.contains("25%"), "{va}");
    assert!(va.contains("缺报"), "an estimate is not ranked: {va}");
    // bad input
    assert_eq!(s.get("/indicators?period=2025-13").await.status(), StatusCode::BAD_REQUEST);
    // city users have no zone overview
    let city = app.login("city", &app.password).await;
    assert_eq!(city.get("/indicators?period=2025-05").await.status(), StatusCode::FORBIDDEN);
});

app_test!(the_indicator_page_charts_and_tabulates, |app: TestApp| async move {
    let s = app.admin().await;
    let va = indicator(&app, "industrial_value_added").await;
    let (st, html) = s.page(&format!("/indicators/{va}?until=2025-05")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(html.matches("<svg").count(), 2, "two charts");
    assert!(html.contains("role=\"img\""));
    assert!(html.contains("序时进度目标"), "the pace line of the 66 亿元 target");
    // 1-3月 27.97 × 58.1% = 16.25, 1-2月 10.40: the month-own value is their difference
    let r = row_with(&html, "<td>2025年1-3月</td>");
    assert!(r.contains("16.25") && r.contains("5.85"), "{r}");
    let r = row_with(&html, "<td>2025年1-2月</td>");
    assert!(r.contains("10.40") && r.contains("1-2月合计"), "{r}");
    let r = row_with(&html, "<td>2025年1-5月</td>");
    assert!(r.contains("第一") && r.contains("第三") && r.contains("27.5"), "ranks and 66 × 5/12: {r}");
    // the city table: 8 ranked zones, none missing
    let city = &html[html.find("全市开发区排名").unwrap()..];
    assert_eq!(city.matches("<tr class=").count(), 8);
    assert_eq!(city.matches("<td class=\"num\">缺报").count(), 0);
    assert!(city.contains(&format!("/indicators/{va}/city.xlsx?period=2025-05")));
    // 1-6月: nobody has published yet — every zone 缺报, the estimate shown beside
    let (_, html) = s.page(&format!("/indicators/{va}?until=2025-06")).await;
    let city = &html[html.find("全市开发区排名").unwrap()..];
    assert!(city.matches("<td class=\"num\">缺报</td>").count() >= 16, "both ranks of 8 zones");
    assert_eq!(city.matches("missing\"").count(), 8);
    assert!(city.contains("（预计 39.80"));
    assert!(html.contains("参与排名 0 个开发区"));
    assert_eq!(s.get("/indicators/999999").await.status(), StatusCode::NOT_FOUND);
});

app_test!(the_entry_grid_saves_all_or_nothing, |app: TestApp| async move {
    let s = app.admin().await;
    let a = app.zone_a;
    let (va, inv) = (indicator(&app, "industrial_value_added").await, indicator(&app, "industrial_investment").await);
    let (st, html) = s.page("/indicators/entry?period=2025-06").await;
    assert_eq!(st, StatusCode::OK);
    let r = row_with(&html, "<td>规上工业增加值");
    assert!(r.contains("2025年1-5月") && r.contains("27.97"), "last period for reference: {r}");
    assert!(r.contains("已有预计数") && r.contains("39.80"), "{r}");
    assert!(html.contains("确认异常值"));
    // a growth of 20000% is refused beside its cell; the valid line is not saved either
    let bad = [
        field("value", a, va, "40.5"),
        field("growth", a, va, "20000"),
        field("source", a, va, "flash"),
        field("value", a, inv, "25"),
        field("growth", a, inv, "1.2"),
        field("source", a, inv, "flash"),
    ];
    let r = post_owned(&s, "/indicators/entry?period=2025-06", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let growth_cell = cell_of(&html, &format!("growth_{a}_{va}"));
    assert!(growth_cell.contains("增速应在 -100% 到 10000% 之间"), "{growth_cell}");
    assert!(growth_cell.contains("value=\"20000\""), "the typed value stays");
    assert!(cell_of(&html, &format!("value_{a}_{inv}")).contains("value=\"25\""));
    assert!(html.contains("没有保存任何数据"));
    let (_, html) = s.page("/indicators?period=2025-06").await;
    assert!(!row_with(&html, ">规上工业增加值</a>").contains("40.50"), "nothing saved");
    assert!(!row_with(&html, ">工业投资</a>").contains("25.00"), "nothing saved");
    // a valid save: the official value shows, the estimate stays beside it
    let good = [
        field("value", a, va, "40.5"),
        field("growth", a, va, "24.1"),
        field("source", a, va, "flash"),
        field("value", a, inv, "25"),
        field("growth", a, inv, "1.2"),
        field("source", a, inv, "official"),
    ];
    let r = post_owned(&s, "/indicators/entry?period=2025-06", &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/indicators?period=2025-06&done=saved");
    let (_, html) = s.page("/indicators?period=2025-06&done=saved").await;
    assert!(html.contains("已保存"));
    let row = row_with(&html, ">规上工业增加值</a>");
    assert!(row.contains("40.50") && row.contains("24.1%"), "{row}");
    assert!(row.contains("（预计 39.80，25%）"), "the estimate stays beside: {row}");
    assert!(row.contains("绝对量第一"), "ranked now: {row}");
    let row = row_with(&html, ">工业投资</a>");
    assert!(row.contains("25.00") && row.contains("（预计 24.00"), "{row}");
    // the grid now shows what was saved
    let (_, html) = s.page("/indicators/entry?period=2025-06").await;
    assert!(cell_of(&html, &format!("value_{a}_{va}")).contains("value=\"40.5\""));
});

app_test!(january_alone_and_implausible_values, |app: TestApp| async move {
    let s = app.admin().await;
    let a = app.zone_a;
    let (va, inv) = (indicator(&app, "industrial_value_added").await, indicator(&app, "industrial_investment").await);
    let tax = indicator(&app, "tax_revenue").await;
    // 规上工业增加值 is published only as 1-2月: 1月 is shown disabled, and refused
    let (_, html) = s.page("/indicators/entry?period=2025-01").await;
    let va_cell = cell_of(&html, &format!("value_{a}_{va}"));
    assert!(va_cell.contains("disabled"), "{va_cell}");
    assert!(row_with(&html, "<td>规上工业增加值").contains("1 月不单独发布"));
    assert!(!cell_of(&html, &format!("value_{a}_{tax}")).contains("disabled"), "税收收入 has a 1月 figure");
    let r = post_owned(&s, "/indicators/entry?period=2025-01", &[field("value", a, va, "5")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(cell_of(&html, &format!("value_{a}_{va}")).contains("该指标 1 月不单独发布"));
    // a cumulative value below the previous period's needs the confirm box
    let drop = [field("value", a, inv, "10"), field("growth", a, inv, "-3")];
    let r = post_owned(&s, "/indicators/entry?period=2025-06", &drop).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let cell = cell_of(&html, &format!("value_{a}_{inv}"));
    assert!(cell.contains("小于上期") && cell.contains("16.90"), "{cell}");
    assert!(row_with(&html, &format!("name=\"value_{a}_{inv}\"")).contains("implausible"));
    let mut confirmed = drop.to_vec();
    confirmed.push(field("confirm", a, inv, "on"));
    let r = post_owned(&s, "/indicators/entry?period=2025-06", &confirmed).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page("/indicators?period=2025-06").await;
    assert!(row_with(&html, ">工业投资</a>").contains("10.00"));
    // a viewer may not enter
    let viewer = app.login("viewer", &app.password).await;
    assert_eq!(viewer.get("/indicators/entry").await.status(), StatusCode::FORBIDDEN);
});

app_test!(the_city_view_for_city_and_zone_users, |app: TestApp| async move {
    let names: Vec<String> =
        zones::list(&app.db, &Scope::System).await.unwrap().into_iter().take(8).map(|z| z.name).collect();
    let inv = indicator(&app, "industrial_investment").await;
    let city = app.login("city", &app.password).await;
    let (st, html) = city.page("/indicators/city").await;
    assert_eq!(st, StatusCode::OK);
    for n in &names {
        assert!(html.contains(n.as_str()), "{n}");
    }
    assert!(html.contains("2025年1-5月"), "the city's latest period");
    assert!(!html.contains("method=\"post\" action=\"/indicators/city"), "no form for city users");
    let (st, html) = city.page(&format!("/indicators/city?indicator={inv}&period=2025-05&sort=growth")).await;
    assert_eq!(st, StatusCode::OK);
    let table = &html[html.find("<table class=\"city\"").unwrap()..];
    assert!(table.find("示例开发区丙").unwrap() < table.find("示例开发区甲").unwrap(), "丙 grows fastest (12%)");
    let posted = [field("value", app.zone_b, inv, "1")];
    let r = post_owned(&city, &format!("/indicators/city?indicator={inv}&period=2025-05"), &posted).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // a zone admin keeps the figures of a peer zone without users of its own
    let s = app.admin().await;
    let (_, html) = s.page(&format!("/indicators/city?indicator={inv}&period=2025-05")).await;
    assert!(html.contains("method=\"post\" action=\"/indicators/city"), "zone writers see the grid");
    assert!(html.contains("/indicators/import?indicator="), "and the import form");
    let zs = zones::list(&app.db, &Scope::System).await.unwrap();
    let bing = zs.iter().find(|z| z.name == "示例开发区丙").unwrap().id;
    let r = post_owned(
        &s,
        &format!("/indicators/city?indicator={inv}&period=2025-05"),
        &[field("value", bing, inv, "9.5"), field("growth", bing, inv, "12.5"), field("source", bing, inv, "official")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = city.page(&format!("/indicators/city?indicator={inv}&period=2025-05")).await;
    assert!(row_with(&html, "示例开发区丙").contains("9.50"));
    // once zone B has users, its figures are its own: refused in plain words, nothing saved
    let _b = app.admin_of_b().await;
    let r = post_owned(
        &s,
        &format!("/indicators/city?indicator={inv}&period=2025-05"),
        &[field("value", bing, inv, "9.6"), field("value", app.zone_b, inv, "20")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let html = r.text().await.unwrap();
    assert!(html.contains("有自己的系统账号") && html.contains("没有保存任何数据"), "{html}");
    let (_, html) = city.page(&format!("/indicators/city?indicator={inv}&period=2025-05")).await;
    assert!(row_with(&html, "示例开发区丙").contains("9.50"), "unchanged");
});

app_test!(the_catalog_is_administered, |app: TestApp| async move {
    let s = app.admin().await;
    let (st, html) = s.page("/admin/indicators").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("规上工业增加值") && html.contains("industrial_value_added"));
    let mut f = vec![
        ("code", "bad code!"),
        ("name", "新能源产值"),
        ("unit", "亿元"),
        ("kind", "flow"),
        ("growth_reported", "on"),
        ("decimals", "2"),
        ("sort_order", "200"),
        ("active", "on"),
    ];
    let r = s.post_form("/admin/indicators/new", &f).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let code = cell_label(&html, "code");
    assert!(code.contains("指标代码只能用英文字母、数字和下划线"), "{code}");
    assert!(html.contains("value=\"新能源产值\""), "typed values stay");
    f[0] = ("code", "new_energy_output");
    let r = s.post_form("/admin/indicators/new", &f).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page("/admin/indicators").await;
    assert!(html.contains("新能源产值"));
    let id = indicator(&app, "new_energy_output").await;
    let (st, html) = s.page(&format!("/admin/indicators/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("value=\"new_energy_output\""));
    // the same code twice is refused beside the field
    f[1] = ("name", "重复");
    f[0] = ("code", "industrial_output");
    let r = s.post_form(&format!("/admin/indicators/{id}"), &f).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(cell_label(&r.text().await.unwrap(), "code").contains("已有相同代码的指标"));
    // unticking 启用 deactivates: it leaves the entry grid
    let (_, html) = s.page("/indicators/entry?period=2025-06").await;
    assert!(html.contains("新能源产值"));
    let off: Vec<(&str, &str)> =
        [("code", "new_energy_output"), ("name", "新能源产值"), ("unit", "亿元"), ("kind", "flow"), ("decimals", "2")]
            .to_vec();
    let r = s.post_form(&format!("/admin/indicators/{id}"), &off).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page("/indicators/entry?period=2025-06").await;
    assert!(!html.contains("新能源产值"));
    // only administrators
    let staff = app.login("staff", &app.password).await;
    assert_eq!(staff.get("/admin/indicators").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(staff.post_form("/admin/indicators/new", &f).await.status(), StatusCode::FORBIDDEN);
});

/// The `<label>` holding the input named `name`.
fn cell_label<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no input {name}"));
    let start = html[..at].rfind("<label").unwrap();
    let end = at + html[at..].find("</label>").unwrap();
    &html[start..end]
}

app_test!(targets_are_saved_per_year, |app: TestApp| async move {
    let s = app.admin().await;
    let (va, inv) = (indicator(&app, "industrial_value_added").await, indicator(&app, "industrial_investment").await);
    let revenue = indicator(&app, "revenue").await;
    let (st, html) = s.page("/indicators/targets?year=2025").await;
    assert_eq!(st, StatusCode::OK);
    assert!(cell_of(&html, &format!("target_{va}")).contains("value=\"66\""));
    assert!(cell_of(&html, &format!("target_{inv}")).contains("value=\"45\""));
    assert!(cell_of(&html, &format!("target_growth_{va}")).contains("value=\"20\""));
    let bad =
        [(format!("target_{revenue}"), "120.5".to_string()), (format!("target_growth_{revenue}"), "八".to_string())];
    let r = post_owned(&s, "/indicators/targets?year=2026", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(cell_of(&html, &format!("target_growth_{revenue}")).contains("不是数字"));
    assert!(cell_of(&html, &format!("target_{revenue}")).contains("value=\"120.5\""));
    let good =
        [(format!("target_{revenue}"), "120.5".to_string()), (format!("target_growth_{revenue}"), "8".to_string())];
    let r = post_owned(&s, "/indicators/targets?year=2026", &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/indicators/targets?year=2026&done=saved");
    let (_, html) = s.page("/indicators/targets?year=2026").await;
    assert!(cell_of(&html, &format!("target_{revenue}")).contains("value=\"120.5\""));
    assert!(cell_of(&html, &format!("target_growth_{revenue}")).contains("value=\"8\""));
    // changing the 2025 investment target changes the pace
    let r = post_owned(&s, "/indicators/targets?year=2025", &[(format!("target_{inv}"), "40".to_string())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page("/indicators?period=2025-05").await;
    assert!(!row_with(&html, ">工业投资</a>").contains("落后序时进度"), "16.9 of 40 is 42.25%");
});

app_test!(zone_b_cannot_enter_zone_a_figures, |app: TestApp| async move {
    let a = app.zone_a;
    let va = indicator(&app, "industrial_value_added").await;
    let b = app.admin_of_b().await;
    let r = post_owned(
        &b,
        "/indicators/entry?period=2025-05",
        &[field("value", a, va, "1"), field("confirm", a, va, "on")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r =
        post_owned(&b, &format!("/indicators/city?indicator={va}&period=2025-05"), &[field("value", a, va, "1")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post_owned(&b, "/indicators/targets?year=2025", &[(format!("target_{va}"), "1".to_string())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "targets go to B's own zone");
    let s = app.admin().await;
    let (_, html) = s.page("/indicators?period=2025-05").await;
    let row = row_with(&html, ">规上工业增加值</a>");
    assert!(row.contains("27.97") && row.contains("66"), "A's values and target unchanged: {row}");
    // B's grid is B's own
    let (_, html) = b.page("/indicators/entry?period=2025-06").await;
    assert!(html.contains(&format!("value_{}_{va}", app.zone_b)));
    assert!(!html.contains(&format!("value_{a}_{va}")));
});
