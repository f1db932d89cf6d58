//! The city view (全市开发区对比): all 8 demo zones side by side, sortable, the same rows in the
//! XLSX export, read-only for city users, and nothing of another city for a zone's users.

mod support;

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use kaifaqu_domain::zone::ZoneForm;
use kaifaqu_store::users::{self, Home, UserForm};
use kaifaqu_store::{Actor, zones};
use reqwest::StatusCode;
use support::{Session, TestApp};

/// The zone names of the table's rows, in order.
fn zone_order(html: &str) -> Vec<String> {
    html.split("<tr data-zone=")
        .skip(1)
        .map(|r| {
            let th = &r[r.find("<th scope=\"row\">").unwrap() + 16..];
            th[..th.find("</th>").unwrap()].to_string()
        })
        .collect()
}

/// The text of the cell `data-col="col"` in the row of `zone`, tags stripped.
fn cell(html: &str, zone: &str, col: &str) -> String {
    let row = html.split("<tr data-zone=").skip(1).find(|r| r.contains(&format!(">{zone}</th>"))).unwrap();
    let row = &row[..row.find("</tr>").unwrap()];
    let c = &row[row.find(&format!("data-col=\"{col}\">")).unwrap()..];
    let c = &c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()];
    let mut out = String::new();
    let mut in_tag = false;
    for ch in c.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out
}

async fn sheet(s: &Session, path: &str) -> calamine::Range<Data> {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
    let name = wb.sheet_names()[0].clone();
    wb.worksheet_range(&name).unwrap()
}

fn text(c: &Data) -> String {
    c.to_string()
}

/// The first column of the data rows (below the title and the header).
fn sheet_zones(range: &calamine::Range<Data>) -> Vec<String> {
    let header = range.rows().position(|r| r.first().is_some_and(|c| text(c) == "开发区")).unwrap();
    range.rows().skip(header + 1).map(|r| r[0].to_string()).filter(|s| !s.is_empty()).collect()
}

app_test!(the_city_sees_all_zones_side_by_side_sorted_and_exported, |app: TestApp| async move {
    let city = app.login("city", &app.password).await;
    // the city user's home is the city view
    let (status, home) = city.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("本市开发区（8 个）") && home.contains("示例开发区庚"));
    assert_eq!(home.matches("<tr data-zone=").count(), 8);
    assert!(home.contains("href=\"/city/export.xlsx"));

    let (status, html) = city.page("/city?period=2025-H1").await;
    assert_eq!(status, StatusCode::OK);
    let order = zone_order(&html);
    assert_eq!(order.len(), 8);
    // by default by 规上工业增加值, largest first: 襄垣 27.97 first, rank 1; growth rank 3
    assert_eq!(order[0], "襄垣经济技术开发区");
    assert_eq!(cell(&html, "襄垣经济技术开发区", "v0"), "27.97 （第 1）");
    assert_eq!(cell(&html, "襄垣经济技术开发区", "g0"), "+22.9% （第 3）");
    assert_eq!(cell(&html, "襄垣经济技术开发区", "p0"), "67", "对接");
    assert_eq!(cell(&html, "襄垣经济技术开发区", "p1"), "14", "签约");
    assert_eq!(cell(&html, "襄垣经济技术开发区", "p2"), "8", "落地");
    assert_eq!(cell(&html, "示例开发区甲", "p1"), "0", "the peers have no projects in the demo");
    assert!(cell(&html, "襄垣经济技术开发区", "targets").contains(" / 12"), "twelve targets");
    assert_eq!(cell(&html, "示例开发区甲", "targets"), "未设");
    assert!(!html.contains("href=\"/figures/stage"), "the city user has no zone lists to open");
    assert!(html.contains("<title>长治市各开发区对比</title>"), "small multiples");
    // sorted by growth: 丙 +30.1% first
    let (_, by_growth) = city.page("/city?period=2025-H1&sort=g0&dir=desc").await;
    let growth_order = zone_order(&by_growth);
    assert_eq!(growth_order[0], "示例开发区丙");
    assert_eq!(cell(&by_growth, "示例开发区丙", "g0"), "+30.1% （第 1）");
    assert!(by_growth.contains("aria-sort=\"descending\""));
    // ascending flips it; the names sort too
    let (_, asc) = city.page("/city?period=2025-H1&sort=g0&dir=asc").await;
    let mut reversed = growth_order.clone();
    reversed.reverse();
    assert_eq!(zone_order(&asc), reversed);
    let (_, by_signed) = city.page("/city?period=2025-H1&sort=p1").await;
    assert_eq!(zone_order(&by_signed)[0], "襄垣经济技术开发区");
    assert_eq!(city.get("/city?sort=nonsense").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(city.get("/city?sort=g0&dir=sideways").await.status(), StatusCode::BAD_REQUEST);

    // the export has the same rows in the same order
    let range = sheet(&city, "/city/export.xlsx?period=2025-H1&sort=g0&dir=desc").await;
    assert_eq!(sheet_zones(&range), growth_order);
    let header = range.rows().find(|r| r.first().is_some_and(|c| text(c) == "开发区")).unwrap();
    let col = |name: &str| header.iter().position(|c| text(c) == name).unwrap();
    let xy = range.rows().find(|r| text(&r[0]) == "襄垣经济技术开发区").unwrap();
    assert_eq!(xy[col("规上工业增加值（亿元）")].to_string(), "27.97");
    assert_eq!(xy[col("规上工业增加值增速（%）")].to_string(), "22.9");
    assert_eq!(xy[col("规上工业增加值绝对量排名")].to_string(), "1");
    assert_eq!(xy[col("规上工业增加值增速排名")].to_string(), "3");
    assert_eq!(xy[col("签约（个）")].to_string(), "14");
    assert_eq!(xy[col("对接（次）")].to_string(), "67");

    // read-only: a city user changes nothing in a zone
    let r = city.post_form("/projects/new", &[("name", "市级不能新增"), ("category", "industrial")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = city
        .json(
            reqwest::Method::POST,
            "/api/v1/projects",
            Some(serde_json::json!({"name": "x", "category": "industrial"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = city.post_form("/city", &[("sort", "v0")]).await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "the city view has nothing to post");
});

app_test!(zone_users_are_refused_and_pointed_to_the_published_indicators, |app: TestApp| async move {
    for login in ["leader", "admin", "staff", "viewer"] {
        let s = app.login(login, &app.password).await;
        let (status, html) = s.page("/city?period=2025-H1").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
        assert!(html.contains("全市指标对比"), "{login}: {html}");
        assert_eq!(s.get("/city/export.xlsx").await.status(), StatusCode::FORBIDDEN, "{login}");
        assert_eq!(s.get("/city/wall").await.status(), StatusCode::FORBIDDEN, "{login}");
        // their own published indicators against the city stay where they were
        assert_eq!(s.get("/indicators/city").await.status(), StatusCode::OK, "{login}");
    }
});

app_test!(a_zone_of_another_city_sees_nothing_of_this_city, |app: TestApp| async move {
    let sys = Actor::system("test");
    let form = ZoneForm {
        name: "外市测试开发区".into(),
        level: "provincial".into(),
        region_code: "140105".into(),
        city_name: "太原市".into(),
        risk_grade: String::new(),
        staff_posts: "12".into(),
    };
    let z = zones::create(&app.db, &sys, &form.validate().unwrap(), true).await.unwrap();
    let f = UserForm {
        login_name: "other_admin".into(),
        display_name: "外市管理员".into(),
        role: "admin".into(),
        password: "Other-city-1".into(),
        ..Default::default()
    };
    users::create(&app.db, &sys, Some(Home::Zone(z.id)), &f).await.unwrap();
    let f = UserForm {
        login_name: "taiyuan".into(),
        display_name: "太原市用户".into(),
        role: "city".into(),
        password: "Other-city-1".into(),
        ..Default::default()
    };
    users::create(&app.db, &sys, Some(Home::City(z.city_code.clone())), &f).await.unwrap();
    let c = app.login("taiyuan", "Other-city-1").await;
    let (status, html) = c.page("/city?period=2025-H1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(zone_order(&html), ["外市测试开发区"]);
    assert!(!html.contains("襄垣") && !html.contains("示例开发区"));
    let range = sheet(&c, "/city/export.xlsx?period=2025-H1").await;
    assert_eq!(sheet_zones(&range), ["外市测试开发区"]);
    let s = app.login("other_admin", "Other-city-1").await;
    let (status, home) = s.page("/?period=2025-H1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!home.contains("27.97") && !home.contains("襄垣"));
    assert!(home.contains("本期间尚无已发布的统计数据"));
    assert!(home.contains("data-figure=\"signed\"") && !home.contains("全年目标 <a"));
    // the wall too
    let (_, wall) = s.page("/wall?period=2025-H1").await;
    assert!(!wall.contains("襄垣") && !wall.contains("27.97"));
});
