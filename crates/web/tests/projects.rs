//! The projects module over HTTP: period figures with their records, the planning table's XLSX
//! round trip and rejected import, the ledger's filters and export, stage events, the optimistic
//! version check, zone isolation, and the ledger counted and summed by stage (JSON and the
//! list page's stage table, each figure a link to its records).

mod support;

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use kaifaqu_domain::money::Wan;
use kaifaqu_reports::plan_table::{self, PlanRow, PlanTable};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Session, TestApp};

async fn project_id(s: &Session, name_part: &str) -> i64 {
    let v: Value = s.get(&format!("/api/v1/projects?q={name_part}")).await.json().await.unwrap();
    v["rows"][0]["id"].as_i64().unwrap()
}

async fn post_owned(s: &Session, path: &str, f: &[(String, String)]) -> reqwest::Response {
    let r: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    s.post_form(path, &r).await
}

async fn upload(s: &Session, path: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    let sep = if path.contains('?') { '&' } else { '?' };
    s.client
        .post(s.url(&format!("{path}{sep}_csrf={}", s.csrf)))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

app_test!(half_year_figures_link_to_their_records, |app: TestApp| async move {
    let s = app.admin().await;
    let (st, html) = s.page("/figures?from=2025-01-01&to=2025-06-30").await;
    assert_eq!(st, StatusCode::OK);
    for (stage, n) in [("signed", 14), ("landed", 8), ("started", 11), ("producing", 2)] {
        let link = format!("/figures/stage?stage={stage}&amp;from=2025-01-01&amp;to=2025-06-30\">{n}</a>");
        assert!(html.replace("&#38;", "&amp;").contains(&link), "{stage} {n}");
        let (_, records) = s.page(&format!("/figures/stage?stage={stage}&from=2025-01-01&to=2025-06-30")).await;
        assert_eq!(records.matches("<td><a href=\"/projects/").count(), n, "{stage} lists its {n} projects");
    }
    assert!(html.contains(">67</a>"), "67 contacts");
    let api: Value = s.get("/api/v1/figures?from=2025-01-01&to=2025-06-30").await.json().await.unwrap();
    assert_eq!(api["contacts"], 67);
    assert_eq!(api["stages"][2]["count"], 14);
    let r = s.get("/figures?from=2025-07-01&to=2025-01-01").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
});

app_test!(plan_table_round_trips_through_xlsx_into_an_empty_zone, |app: TestApp| async move {
    let a = app.admin().await;
    let r = a.get("/plan.xlsx?year=2025").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let exported = plan_table::import(&bytes).expect("our export reads back");
    assert_eq!(exported.len(), 58);
    assert_eq!(exported.iter().map(|r| r.total).sum::<Wan>().yi_2(), "273.76");
    // zone B starts empty; its admin adds the leaders named in the sheet, then imports
    let b = app.admin_of_b().await;
    let leaders: std::collections::BTreeSet<String> =
        exported.iter().map(|r| r.leader.clone()).filter(|l| !l.is_empty()).collect();
    let bs = app.user_of_b("security_b", "security_admin").await; // accounts are the 安全管理员's
    for (i, name) in leaders.iter().enumerate() {
        let r = bs
            .json(Method::POST, "/api/v1/users", Some(json!({"login_name": format!("lead{i}"), "display_name": name, "role": "leader", "password": "Leader-pass-1"})))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = upload(&b, "/plan/import?year=2025", "谋划表.xlsx", bytes).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let rows: Value = b.get("/api/v1/projects?year=2025&per_page=500&sort=name").await.json().await.unwrap();
    assert_eq!(rows["total"], 58);
    let total: i64 = rows["rows"].as_array().unwrap().iter().map(|p| p["total"].as_i64().unwrap()).sum();
    assert_eq!(Wan(total).yi_2(), "273.76");
    let (_, html) = b.page("/plan?year=2025").await;
    assert!(html.contains("谋划项目 58 个，总投资 273.76 亿元；其中产业类项目 57 个，总投资 269.28 亿元；其中基础设施类项目 1 个，总投资 4.48 亿元"), "{}", &html[..2000.min(html.len())]);
    // and B's export is the same table
    let again = plan_table::import(&b.get("/plan.xlsx?year=2025").await.bytes().await.unwrap()).unwrap();
    let key = |r: &PlanRow| {
        (
            r.name.clone(),
            r.total,
            r.planned_this_year,
            r.category.clone(),
            r.chain.clone(),
            r.key_level.clone(),
            r.unit.clone(),
            r.leader.clone(),
            r.start_year,
            r.end_year,
        )
    };
    let mut x: Vec<_> = exported.iter().map(key).collect();
    let mut y: Vec<_> = again.iter().map(key).collect();
    x.sort();
    y.sort();
    assert_eq!(x, y);
});

app_test!(a_rejected_import_changes_nothing, |app: TestApp| async move {
    let s = app.admin().await;
    let before: Value = s.get("/api/v1/projects?year=2026").await.json().await.unwrap();
    let rows = vec![
        PlanRow { name: "好的项目".into(), total: Wan(10_000), category: "产业类".into(), ..Default::default() },
        PlanRow { name: "坏的项目".into(), total: Wan(10_000), category: "农业类".into(), ..Default::default() },
        PlanRow {
            name: "无人包联".into(),
            total: Wan(10_000),
            category: "产业类".into(),
            leader: "查无此人".into(),
            ..Default::default()
        },
    ];
    let bytes = plan_table::export(&PlanTable { zone_name: "测试".into(), year: 2026, rows }).unwrap();
    let r = upload(&s, "/plan/import?year=2026", "bad.xlsx", bytes).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("没有导入任何项目") && html.contains("项目类别"), "{html}");
    assert!(html.contains("下载标注了错误的表格"));
    let after: Value = s.get("/api/v1/projects?year=2026").await.json().await.unwrap();
    assert_eq!(before["total"], after["total"]);
    // the marked-up sheet has an error column
    let id = html.split("/attachments/").nth(1).unwrap().split('"').next().unwrap();
    let marked = s.get(&format!("/attachments/{id}")).await.bytes().await.unwrap();
    let mut wb = open_workbook_auto_from_rs(Cursor::new(marked.to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let texts: Vec<String> = range
        .used_cells()
        .filter_map(|(_, _, c)| match c {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(texts.iter().any(|t| t == "错误"));
    // a store-level rejection (unknown leader) also imports nothing
    let rows = vec![
        PlanRow { name: "甲".into(), total: Wan(10_000), category: "产业类".into(), ..Default::default() },
        PlanRow {
            name: "乙".into(),
            total: Wan(10_000),
            category: "产业类".into(),
            leader: "查无此人".into(),
            ..Default::default()
        },
    ];
    let bytes = plan_table::export(&PlanTable { zone_name: "测试".into(), year: 2026, rows }).unwrap();
    let r = upload(&s, "/plan/import?year=2026", "bad2.xlsx", bytes).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("查无此人"));
    let after: Value = s.get("/api/v1/projects?year=2026").await.json().await.unwrap();
    assert_eq!(before["total"], after["total"]);
});

app_test!(ledger_filters_sorts_pages_and_exports, |app: TestApp| async move {
    let s = app.admin().await;
    let (_, html) = s.page("/projects?stage=started").await;
    assert!(html.contains("符合条件的项目 11 个"), "the 11 started in H1 are still at 开工");
    let (_, html) = s.page("/projects?key_level=provincial").await;
    assert!(html.contains("符合条件的项目 1 个，总投资 4.48 亿元"));
    let (_, html) = s.page("/projects?overdue=1").await;
    assert!(html.contains("山西瑞恒新材料氯化石蜡项目"));
    let (_, html) = s.page("/projects?sort=-total").await;
    assert!(html.find("示例煤化工项目47").unwrap() < html.find("山西卡仕途").unwrap_or(usize::MAX));
    assert!(html.contains("第 1 / 2 页"));
    let r = s.get("/projects.xlsx?stage=started").await;
    assert_eq!(r.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let mut wb = open_workbook_auto_from_rs(Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.height(), 2 + 11, "title, header, 11 projects");
    let (_, board) = s.page("/projects/board?year=2025").await;
    assert!(board.contains("投产") && board.contains("鸿达煤化"));
});

app_test!(stage_events_and_stale_edits_through_the_pages, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let id = project_id(&s, "%E9%A6%96%E6%8A%95").await; // 首投悦雅: signed 2025-05-22
    let r = s.post_form(&format!("/projects/{id}/events"), &[("kind", "started"), ("date", "2025-06-01")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "落地 not recorded yet");
    assert!(r.text().await.unwrap().contains("落地"));
    let r = s.post_form(&format!("/projects/{id}/events"), &[("kind", "landed"), ("date", "2099-01-01")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .post_form(
            &format!("/projects/{id}/events"),
            &[("kind", "landed"), ("date", "2025-07-01"), ("note", "完成注册")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page(&format!("/projects/{id}")).await;
    assert!(html.contains("2025-07-01 落地") && html.contains("完成注册"));
    // two people open the edit form; the second save is refused
    let (_, form) = s.page(&format!("/projects/{id}/edit")).await;
    let version = form.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let p: Value = s.get(&format!("/api/v1/projects/{id}")).await.json().await.unwrap();
    let fields = |progress: &str| {
        vec![
            ("name".to_string(), p["name"].as_str().unwrap().to_string()),
            ("category".into(), "industrial".into()),
            ("total".into(), "2.2".into()),
            ("plan_year".into(), "2025".into()),
            ("key_level".into(), String::new()),
            ("progress".into(), progress.to_string()),
            ("version".into(), version.clone()),
        ]
    };
    assert_eq!(
        post_owned(&s, &format!("/projects/{id}/edit"), &fields("第一人：厂房改造中")).await.status(),
        StatusCode::SEE_OTHER
    );
    let r = post_owned(&s, &format!("/projects/{id}/edit"), &fields("第二人：覆盖")).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "a stale save is 409, the form shown again");
    assert!(r.text().await.unwrap().contains("已被他人修改"));
    let p: Value = s.get(&format!("/api/v1/projects/{id}")).await.json().await.unwrap();
    assert_eq!(p["progress"], "第一人：厂房改造中");
    // bad amounts are named
    let mut bad = fields("x");
    bad[2].1 = "1.23456".into();
    bad[6].1 = p["version"].to_string();
    let r = post_owned(&s, &format!("/projects/{id}/edit"), &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("最多 4 位小数"));
});

app_test!(zone_b_cannot_reach_zone_a_projects, |app: TestApp| async move {
    let a = app.admin().await;
    let id = project_id(&a, "%E5%8D%A1%E4%BB%95%E9%80%94").await; // 卡仕途
    let events: Value = a.get(&format!("/api/v1/projects/{id}/events")).await.json().await.unwrap();
    let ev = events[0]["id"].as_i64().unwrap();
    let b = app.admin_of_b().await;
    for path in [
        format!("/projects/{id}"),
        format!("/projects/{id}/edit"),
        format!("/api/v1/projects/{id}"),
        format!("/api/v1/projects/{id}/events"),
    ] {
        assert_eq!(b.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for (path, fields) in [
        (
            format!("/projects/{id}/edit"),
            vec![("name", "x"), ("category", "industrial"), ("total", "1"), ("plan_year", "2025"), ("version", "1")],
        ),
        (format!("/projects/{id}/events"), vec![("kind", "producing"), ("date", "2025-06-01")]),
        (format!("/projects/events/{ev}?project={id}"), vec![("date", "2025-01-01")]),
        (format!("/projects/events/{ev}/delete?project={id}"), vec![]),
    ] {
        assert_eq!(b.post_form(&path, &fields).await.status(), StatusCode::NOT_FOUND, "POST {path}");
    }
    let r = b.json(Method::PUT, &format!("/api/v1/projects/{id}"), Some(json!({"name": "x", "version": "1"}))).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = upload(&b, &format!("/projects/{id}/attachments"), "a.pdf", b"%PDF-1.4\n".to_vec()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, html) = b.page("/projects").await;
    assert!(html.contains("符合条件的项目 0 个"));
    let after: Value = a.get(&format!("/api/v1/projects/{id}/events")).await.json().await.unwrap();
    assert_eq!(events, after, "nothing changed");
});

app_test!(new_project_form_my_projects_and_evidence, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let (st, html) = s.page("/projects/new").await;
    assert_eq!(st, StatusCode::OK);
    let csrf_ok = html.contains("name=\"_csrf\"");
    assert!(csrf_ok && html.contains("name=\"total\""));
    // a bad amount is named beside its field and the typed values stay
    let r = s
        .post_form(
            "/projects/new",
            &[("name", "示例新项目"), ("category", "industrial"), ("total", "1.23456"), ("plan_year", "2026")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("最多 4 位小数") && html.contains("value=\"示例新项目\""));
    let r = s
        .post_form(
            "/projects/new",
            &[("name", "示例新项目"), ("category", "industrial"), ("total", "1.2345"), ("plan_year", "2026")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/projects/") && location.ends_with("?done=created"));
    let id = location.trim_start_matches("/projects/").split('?').next().unwrap().to_string();
    let (_, page) = s.page(&location).await;
    assert!(page.contains("示例新项目") && page.contains("1.23 亿元"));
    // evidence linked to a recorded event
    assert_eq!(
        s.post_form(&format!("/projects/{id}/events"), &[("kind", "signed"), ("date", "2025-09-01")]).await.status(),
        StatusCode::SEE_OTHER
    );
    let events: Value = s.get(&format!("/api/v1/projects/{id}/events")).await.json().await.unwrap();
    let ev = events[0]["id"].as_i64().unwrap().to_string();
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("合同.pdf");
    let form = reqwest::multipart::Form::new().text("event", ev).part("file", part);
    let r = s
        .client
        .post(s.url(&format!("/projects/{id}/attachments?_csrf={}", s.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = s.page(&format!("/projects/{id}")).await;
    assert!(page.contains("合同.pdf") && page.contains("签约（2025-09-01）"));
    // a leader's own projects and open problems
    let leader = app.login("leader", &app.password).await;
    let (st, my) = leader.page("/my").await;
    assert_eq!(st, StatusCode::OK);
    assert!(my.contains("我包联的项目") && my.contains("待办问题"));
    let mine: Value = leader.get("/api/v1/me").await.json().await.unwrap();
    let led: Value =
        leader.get(&format!("/api/v1/projects?leader={}&per_page=500", mine["id"])).await.json().await.unwrap();
    let n = led["total"].as_u64().unwrap();
    assert!(n > 0);
    assert!(my.contains(&format!("我包联的项目（{n}）")));
});

/// The `total` and the summed investment of a JSON list link (every row).
async fn list_behind(s: &Session, href: &str) -> (u64, i64) {
    let v: Value = s.get(&format!("{href}&per_page=500")).await.json().await.unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len() as u64, v["total"].as_u64().unwrap(), "{href}: one page holds all");
    (v["total"].as_u64().unwrap(), rows.iter().map(|r| r["total"].as_i64().unwrap()).sum())
}

app_test!(ledger_by_stage_figures_link_to_their_records, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let r = s.get("/api/v1/projects/by-stage").await;
    assert_eq!(r.status(), StatusCode::OK);
    let all: Value = r.json().await.unwrap();
    let stages = all["stages"].as_array().unwrap();
    let codes: Vec<&str> = stages.iter().map(|g| g["stage"].as_str().unwrap()).collect();
    assert_eq!(codes, ["planning", "negotiating", "signed", "landed", "started", "producing", "none"]);
    let labels: Vec<&str> = stages.iter().map(|g| g["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["谋划", "洽谈", "签约", "落地", "开工", "投产", "未录入"]);
    let list: Value = s.get("/api/v1/projects").await.json().await.unwrap();
    assert_eq!(all["count"], list["total"]);
    assert_eq!(stages.iter().map(|g| g["count"].as_u64().unwrap()).sum::<u64>(), all["count"].as_u64().unwrap());
    assert_eq!(
        stages.iter().map(|g| g["investment"].as_i64().unwrap()).sum::<i64>(),
        all["investment"].as_i64().unwrap()
    );
    // the demo zone: 58 projects, 273.76 亿元
    let demo: Vec<(u64, i64)> =
        stages.iter().map(|g| (g["count"].as_u64().unwrap(), g["investment"].as_i64().unwrap())).collect();
    assert_eq!(
        demo,
        [(15, 901_700), (14, 652_200), (11, 557_100), (5, 173_100), (11, 388_500), (2, 65_000), (0, 0)],
        "the 11 started in H1 are still at 开工; 投产: 鸿达 5 + 坤元 1.5 亿元"
    );
    assert_eq!((all["count"].as_u64(), all["investment"].as_i64()), (Some(58), Some(2_737_600)));
    // every figure is the list behind its link
    for g in stages {
        let href = g["href"].as_str().unwrap();
        assert_eq!(href, format!("/api/v1/projects?stage={}", g["stage"].as_str().unwrap()));
        assert_eq!(g["page"].as_str().unwrap(), href.trim_start_matches("/api/v1"));
        let (n, sum) = list_behind(&s, href).await;
        assert_eq!((g["count"].as_u64().unwrap(), g["investment"].as_i64().unwrap()), (n, sum), "{href}");
    }
    // the list's filters apply, and the links keep them; stage, sort and page are ignored
    let q = "category=industrial&year=2025&sort=-total&page=2";
    let f: Value = s.get(&format!("/api/v1/projects/by-stage?{q}")).await.json().await.unwrap();
    let filtered: Value = s.get(&format!("/api/v1/projects?{q}")).await.json().await.unwrap();
    assert_eq!(f["count"], filtered["total"]);
    assert!(f["count"].as_u64().unwrap() < all["count"].as_u64().unwrap());
    for g in f["stages"].as_array().unwrap() {
        let href = g["href"].as_str().unwrap();
        assert!(href.contains("category=industrial") && href.contains("year=2025"), "{href}");
        let (n, sum) = list_behind(&s, href).await;
        assert_eq!((g["count"].as_u64().unwrap(), g["investment"].as_i64().unwrap()), (n, sum), "{href}");
    }
    let same: Value = s.get("/api/v1/projects/by-stage?stage=started").await.json().await.unwrap();
    assert_eq!(same, all, "the stage filter is replaced by each row's stage");
    let none: Value = s.get("/api/v1/projects/by-stage?q=%E6%B2%A1%E6%9C%89").await.json().await.unwrap();
    assert_eq!((none["count"].as_u64(), none["stages"].as_array().unwrap().len()), (Some(0), 7));
    // bad query values are a 400 naming the parameter, as on the list
    let r = s.get("/api/v1/projects/by-stage?page=x").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // the list page: the stage table above the list, each figure a link to the filtered list
    let (st, html) = s.page("/projects").await;
    assert_eq!(st, StatusCode::OK);
    for g in stages {
        let link = format!("<a href=\"/projects?stage={}\">{}</a>", g["stage"].as_str().unwrap(), g["count"]);
        assert!(html.contains(&link), "{link}");
    }
    assert!(html.find("按阶段").unwrap() < html.find("符合条件的项目").unwrap(), "above the list");
    let (_, html) = s.page("/projects?category=industrial&stage=started").await;
    assert!(html.replace("&#38;", "&amp;").contains("<a href=\"/projects?stage=signed&amp;category=industrial\">"));
    assert!(html.contains("<strong>开工</strong>"), "the filtered stage is marked");
    let (n, _) = list_behind(&s, "/api/v1/projects?category=industrial&stage=started").await;
    assert!(html.contains(&format!("符合条件的项目 {n} 个")), "the page's total is the started row");
    let industrial: Value = s.get("/api/v1/projects/by-stage?category=industrial").await.json().await.unwrap();
    assert_eq!(industrial["stages"][4]["count"].as_u64(), Some(n));

    // permissions: anonymous 401, the auditor (no business reads) 403; the OpenAPI document lists it
    let r = TestApp::client().get(app.url("/api/v1/projects/by-stage")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.auditor().await.get("/api/v1/projects/by-stage").await.status(), StatusCode::FORBIDDEN);
    let doc: Value = s.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/api/v1/projects/by-stage"]["get"].is_object());

    // zone B counts its own projects only: none of zone A's
    let b = app.admin_of_b().await;
    let theirs: Value = b.get("/api/v1/projects/by-stage").await.json().await.unwrap();
    assert_eq!(theirs["count"], 0);
    assert!(theirs["stages"].as_array().unwrap().iter().all(|g| g["count"] == 0 && g["investment"] == 0));
    let (_, html) = b.page("/projects").await;
    assert!(html.contains("<a href=\"/projects?stage=started\">0</a>"));
});
