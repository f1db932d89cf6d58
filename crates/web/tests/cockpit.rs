//! The home page (驾驶舱) and the wall display (大屏): the demo's half-year shows the seed's
//! figures, every tile leads to a list of exactly that many records, the funnel follows a
//! project moved to 签约, leaders and staff see their own work first, and the wall refreshes
//! itself without any navigation.

mod support;

use reqwest::StatusCode;
use support::{Session, TestApp};

fn unescape(s: &str) -> String {
    s.replace("&#38;", "&").replace("&amp;", "&").replace("&#x2f;", "/").replace("&#47;", "/")
}

/// The value and link of the tile `data-figure="name"`.
fn figure(html: &str, name: &str) -> (u64, String) {
    let key = format!("data-figure=\"{name}\" href=\"");
    let i = html.find(&key).unwrap_or_else(|| panic!("no figure {name}"));
    let rest = &html[i + key.len()..];
    let href = unescape(&rest[..rest.find('"').unwrap()]);
    let body = &rest[rest.find('>').unwrap() + 1..rest.find("</a>").unwrap()];
    let text = match body.find("tile-value\">") {
        Some(j) => &body[j + 12..],
        None => body,
    };
    let digits: String = text.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit()).collect();
    (digits.parse().unwrap_or_else(|_| panic!("no number in {name}: {body}")), href)
}

/// How many records a list page shows: its pager's total ("共 N 条") or a figure page's count
/// ("项目：N 个"), checked against the rows of its table when they all fit on the page.
fn listed(html: &str) -> u64 {
    let after = |key: &str, end: &str| {
        html.match_indices(key).find_map(|(i, _)| {
            let rest = &html[i + key.len()..];
            rest[..rest.find(end)?].trim().parse::<u64>().ok()
        })
    };
    let n = after("共 ", " 条")
        .or_else(|| after("项目：", " 个"))
        .unwrap_or_else(|| panic!("no count on the list: {}", &html[..html.len().min(3000)]));
    if html.matches("<tbody>").count() == 1 && n <= 50 {
        let body = &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()];
        let rows = body.matches("<tr").count() as u64;
        // an empty list shows one row saying so
        let empty = n == 0 && rows <= 1;
        assert!(rows == n || empty, "{n} counted, {rows} rows listed");
    }
    n
}

async fn follow(s: &Session, html: &str, name: &str) -> u64 {
    let (value, href) = figure(html, name);
    let (status, list) = s.page(&href).await;
    assert_eq!(status, StatusCode::OK, "{name}: {href}");
    assert_eq!(listed(&list), value, "{name}: {href} lists as many records as the tile says");
    value
}

app_test!(the_demo_half_year_shows_the_seed_and_every_tile_leads_to_its_records, |app: TestApp| async move {
    let s = app.admin().await;
    let (status, html) = s.page("/?period=2025-H1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("2025年上半年"));
    // 规上工业增加值 1-5月: 27.97 亿元, +22.9 %, first by value and third by growth
    let (_, va_href) = figure(&html, "ind_industrial_value_added");
    assert!(va_href.starts_with("/indicators/") && va_href.ends_with("?until=2025-05"), "{va_href}");
    let tile = &html[html.find("data-figure=\"ind_industrial_value_added\"").unwrap()..];
    let tile = &tile[..tile.find("</a>").unwrap()];
    assert!(tile.contains("27.97") && tile.contains("亿元") && tile.contains("+22.9%"), "{tile}");
    assert!(tile.contains("绝对量<b>第一</b>") && tile.contains("增速<b>第三</b>"), "{tile}");
    assert!(tile.contains("序时进度"), "pace against the 66 亿元 target: {tile}");
    let inv = &html[html.find("data-figure=\"ind_industrial_investment\"").unwrap()..];
    assert!(inv[..inv.find("</a>").unwrap()].contains("16.9") && inv.contains("+1.4%"));
    // the funnel: 67 contacts, 14 signed of 52, 8 landed, 11 started
    assert_eq!(follow(&s, &html, "contacts").await, 67);
    assert_eq!(follow(&s, &html, "signed").await, 14);
    assert_eq!(follow(&s, &html, "landed").await, 8);
    assert_eq!(follow(&s, &html, "started").await, 11);
    follow(&s, &html, "producing").await;
    assert!(html.contains("全年目标 <a href=\"/targets/"), "targets beside the stages");
    let signed = &html[html.find("data-figure=\"signed\"").unwrap()..];
    let note = &signed[..signed.find("</p>").unwrap()];
    assert!(note.contains("52 个") && note.contains("6 月底应达 26 个"), "{note}");
    assert_eq!(follow(&s, &html, "signed_ytd").await, 14, "the half-year is the year to date");
    // the charts, with their tables
    assert!(html.contains("<title>2025年上半年招商项目漏斗</title>"));
    assert!(html.contains("<details class=\"chart-table\"><summary>查看数据表</summary>"));
    assert!(html.contains("<td>签约</td><td class=\"num\">14 个</td><td class=\"num\">52 个</td>"));
    assert!(!html.contains("NaN"));
    // open and overdue items (as of today), each the size of its list
    for name in [
        "problems",
        "problems_overdue",
        "hazards",
        "hazards_overdue",
        "tasks",
        "tasks_overdue",
        "cases",
        "cases_overdue",
        "week_inspections",
    ] {
        follow(&s, &html, name).await;
    }
    let (open, _) = figure(&html, "hazards");
    let (overdue, _) = figure(&html, "hazards_overdue");
    assert!(open >= overdue);
    // warnings with reasons and the zone profile stay; the recent actions are the audit log's,
    // which the system admin does not read (三员)
    assert!(html.contains("经济运行预警") && html.contains("落后序时进度"));
    assert!(!html.contains("最近操作") && html.contains("编制数"));
    assert!(!html.contains("href=\"/city"), "the city view is the city's, not a zone's");

    // by default the year to date
    let (status, ytd) = s.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ytd.contains("本年至今") && ytd.contains("年（截至"));
    // (the demo's figures are of 2025; a year without statistics points at the last one's)
    if !ytd.contains("统计数据为") {
        assert!(ytd.contains("本年尚无已发布的统计数据。查看上年："), "{ytd}");
    }
    // a period that is not one is refused in Chinese
    let (status, bad) = s.page("/?period=2025-H3").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("期间“2025-H3”格式不对"), "{bad}");
    // a month works too, with the statistics of that month
    let (status, may) = s.page("/?period=2025-05").await;
    assert_eq!(status, StatusCode::OK);
    assert!(may.contains("2025年5月") && may.contains("27.97"));
});

app_test!(the_funnel_follows_a_project_moved_to_signed, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let (_, before) = s.page("/?period=2025-H1").await;
    assert_eq!(figure(&before, "signed").0, 14);
    let (_, h2_before) = s.page("/?period=2025-H2").await;
    let r = s
        .post_form(
            "/projects/new",
            &[("name", "驾驶舱测试项目"), ("category", "industrial"), ("total", "1.5"), ("plan_year", "2025")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let id = location.trim_start_matches("/projects/").split('?').next().unwrap().to_string();
    // through the API, as a client would
    let r = s
        .json(
            reqwest::Method::POST,
            &format!("/api/v1/projects/{id}/events"),
            Some(serde_json::json!({"kind": "signed", "date": "2025-06-10"})),
        )
        .await;
    assert!(r.status().is_success(), "{:?}", r.text().await);
    let (_, after) = s.page("/?period=2025-H1").await;
    assert_eq!(follow(&s, &after, "signed").await, 15);
    assert_eq!(follow(&s, &after, "signed_ytd").await, 15);
    assert!(after.contains("<td>签约</td><td class=\"num\">15 个</td>"), "the chart's table follows");
    // the second half-year does not count it
    let (_, h2) = s.page("/?period=2025-H2").await;
    assert_eq!(figure(&h2, "signed").0, figure(&h2_before, "signed").0);
    assert_eq!(follow(&s, &h2, "signed_ytd").await, 15 + figure(&h2, "signed").0, "the year to date counts both");
});

app_test!(leaders_and_staff_see_their_own_work_first, |app: TestApp| async move {
    let leader = app.login("leader", &app.password).await;
    let (status, html) = leader.page("/?period=2025-H1").await;
    assert_eq!(status, StatusCode::OK);
    let mine = html.find("我包联的项目").expect("a leader sees their projects");
    assert!(mine < html.find("主要经济指标").unwrap(), "before the zone's figures");
    let n = follow(&leader, &html, "my_projects").await;
    assert!(n > 0, "the demo leader answers for projects");
    for name in ["my_problems", "my_problems_overdue", "my_tasks", "my_tasks_overdue", "my_cases"] {
        follow(&leader, &html, name).await;
    }
    let (_, href) = figure(&html, "my_problems");
    assert!(href.contains("leader="), "{href}");
    assert!(!html.contains("我的待办（") && !html.contains("最近操作"));
    assert!(!html.contains("href=\"/city"), "zones do not see each other's work");

    let staff = app.login("staff", &app.password).await;
    let (_, html) = staff.page("/?period=2025-H1").await;
    let todo = html.find("我的待办（").expect("staff see their to-do list");
    assert!(todo < html.find("主要经济指标").unwrap());
    let (n, href) = figure(&html, "todo");
    assert_eq!(href, "/todo");
    let todo_api: serde_json::Value = staff.get("/api/v1/todo").await.json().await.unwrap();
    assert_eq!(todo_api["items"].as_array().unwrap().len() as u64, n, "the same list as 我的待办");
    assert!(html.contains("招商引资部的问题与任务"));
    for name in ["dept_problems", "dept_problems_overdue", "dept_tasks", "dept_tasks_overdue"] {
        follow(&staff, &html, name).await;
    }
    let (_, href) = figure(&html, "dept_tasks");
    assert!(href.contains("department="), "{href}");
    assert!(!html.contains("我包联的项目") && !html.contains("href=\"/city"));

    let viewer = app.login("viewer", &app.password).await;
    let (_, html) = viewer.page("/?period=2025-H1").await;
    assert!(!html.contains("我包联的项目") && !html.contains("我的待办（") && !html.contains("最近操作"));
    assert_eq!(figure(&html, "signed").0, 14, "viewers see the zone's figures");
    assert_eq!(viewer.get("/city").await.status(), StatusCode::FORBIDDEN, "not the city view");
});

app_test!(the_wall_refreshes_itself_and_has_no_navigation, |app: TestApp| async move {
    let s = app.login("viewer", &app.password).await;
    let (status, html) = s.page("/wall?period=2025-H1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<meta http-equiv=\"refresh\" content=\"300\">"));
    assert!(html.contains("<body class=\"wall\">"));
    assert!(!html.contains("<nav") && !html.contains("/logout") && !html.contains("<form"), "no controls");
    assert!(!html.contains("<script"), "no script at all");
    assert!(html.contains("27.97") && html.contains("+22.9%") && html.contains("第一"));
    assert_eq!(figure(&html, "signed").0, 14);
    assert!(html.contains("预警"));
    // the city user's wall is the city view
    let city = app.login("city", &app.password).await;
    let (status, html) = city.page("/wall?period=2025-H1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<meta http-equiv=\"refresh\" content=\"300\">") && html.contains("全市开发区对比"));
    assert_eq!(html.matches("<tr data-zone=").count(), 8);
    assert!(html.contains("aria-sort=\"descending\""), "sorted as the city view");
    assert!(!html.contains("<nav") && !html.contains("<a href=\"?"), "no sorting controls on the wall");
    // anonymous: to the login page
    let anon = TestApp::client();
    assert_eq!(anon.get(app.url("/wall")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
});
