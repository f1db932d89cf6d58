//! The admin pages: forms keep what was typed and show errors beside fields; every kind of
//! write leaves an audit record with its field changes; the history tab shows them.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::TestApp;

async fn audit_rows(s: &support::Session, query: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = s.get(&format!("/api/v1/audit?limit=500&{query}")).await.json().await.unwrap();
    v["rows"].as_array().unwrap().clone()
}

app_test!(every_kind_of_write_is_audited, |app: TestApp| async move {
    let s = app.admin().await;
    // 三员: the auditor reads the log, the security admin manages the accounts
    let au = app.auditor().await;
    let sec = app.security().await;
    // department: create, update, delete through the pages
    assert_eq!(
        s.post_form("/admin/departments", &[("name", "档案室"), ("sort_order", "95")]).await.status(),
        StatusCode::SEE_OTHER
    );
    let deps: serde_json::Value = s.get("/api/v1/departments").await.json().await.unwrap();
    let id = deps["rows"].as_array().unwrap().iter().find(|d| d["name"] == "档案室").unwrap()["id"].as_i64().unwrap();
    let r = s
        .post_form(
            &format!("/admin/departments/{id}"),
            &[("name", "档案管理室"), ("sort_order", "96"), ("active", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.post_form(&format!("/admin/departments/{id}/delete"), &[]).await.status(), StatusCode::SEE_OTHER);
    let rows = audit_rows(&au, &format!("entity=department&entity_id={id}")).await;
    let actions: Vec<&str> = rows.iter().rev().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    let update = &rows[1];
    assert_eq!(update["login_name"], "admin");
    assert_eq!(update["ip"], "127.0.0.1");
    let changes = update["changes"].as_array().unwrap();
    let name = changes.iter().find(|c| c["field"] == "name").unwrap();
    assert_eq!((name["before"].as_str(), name["after"].as_str()), (Some("档案室"), Some("档案管理室")));

    // user: create and update via pages
    let r = sec
        .post_form(
            "/admin/users/new",
            &[("login_name", "zhao"), ("display_name", "赵科员"), ("role", "staff"), ("password", "Secret-pass-01")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let users: serde_json::Value = sec.get("/api/v1/users?q=zhao").await.json().await.unwrap();
    let uid = users["rows"][0]["id"].as_i64().unwrap();
    // 三员 (C9): the security admin changes the role, the system admin the name and phone
    let r =
        sec.post_form(&format!("/admin/users/{uid}"), &[("role", "leader"), ("active", "on"), ("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = s
        .post_form(
            &format!("/admin/users/{uid}/details"),
            &[("display_name", "赵主任"), ("phone", "13800000000"), ("version", "2")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let rows = audit_rows(&au, &format!("entity=user&entity_id={uid}")).await;
    assert_eq!(rows.len(), 3);
    let fields = |row: &serde_json::Value| -> Vec<String> {
        row["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(fields(&rows[0]), ["display_name", "phone"]);
    assert_eq!(fields(&rows[1]), ["role"]);
    // the password hash never enters the log
    let created = &rows[2]["changes"].as_array().unwrap();
    let hash = created.iter().find(|c| c["field"] == "password_hash").unwrap();
    assert_eq!(hash["after"], "***");

    // dictionary and zone
    let r =
        s.json(Method::POST, "/api/v1/dictionaries", Some(json!({"kind": "task_source", "value": "县委交办"}))).await;
    let did = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    s.json(
        Method::PUT,
        &format!("/api/v1/dictionaries/{did}"),
        Some(json!({"value": "县委县政府交办", "active": false, "version": 1})),
    )
    .await;
    s.json(Method::DELETE, &format!("/api/v1/dictionaries/{did}"), None).await;
    let rows = audit_rows(&au, &format!("entity=dictionary_item&entity_id={did}")).await;
    assert_eq!(rows.len(), 3);
    let r = s
        .post_form(
            "/admin/zone",
            &[
                ("name", "襄垣经济技术开发区"),
                ("level", "provincial"),
                ("region_code", "140423"),
                ("city_name", "长治市"),
                ("risk_grade", "D"),
                ("staff_posts", "35"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let rows = audit_rows(&au, "entity=zone&action=update").await;
    let posts = rows[0]["changes"].as_array().unwrap().iter().find(|c| c["field"] == "staff_posts").unwrap().clone();
    assert_eq!((posts["before"].as_i64(), posts["after"].as_i64()), (Some(31), Some(35)));
    // attachment upload and download
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("会议纪要.pdf");
    let r = s
        .client
        .post(s.url(&format!("/attachments?_csrf={}", s.csrf)))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list: serde_json::Value = s.get("/api/v1/attachments").await.json().await.unwrap();
    let aid = list["rows"][0]["id"].as_i64().unwrap();
    let r = s.get(&format!("/attachments/{aid}")).await;
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("%E4%BC%9A%E8%AE%AE"));
    let rows = audit_rows(&au, &format!("entity=attachment&entity_id={aid}")).await;
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["download", "create"]);
    // login is audited too
    assert!(!audit_rows(&au, "action=login").await.is_empty());
    // the history tab of the user page shows the same data
    let (_, html) = sec.page(&format!("/admin/users/{uid}")).await;
    assert!(html.contains("修改历史") && html.contains("姓名：赵科员 → 赵主任"), "{html}");
    // the audit page filters
    let (_, html) = au.page("/admin/audit?entity=department&action=delete").await;
    assert!(html.contains("删除科室 档案管理室"));
    assert!(!html.contains("新增科室 档案室"));
});

app_test!(forms_keep_input_and_show_errors_beside_fields, |app: TestApp| async move {
    let s = app.admin().await;
    let sec = app.security().await;
    let long = "长".repeat(201);
    let r = sec
        .post_form(
            "/admin/users/new",
            &[
                ("login_name", "bad name!"),
                ("display_name", &long),
                ("role", ""),
                ("phone", "abc"),
                ("password", "weak"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for msg in ["登录名只能用英文字母", "姓名不能超过 200 个字", "请选择角色", "电话号码格式不正确", "密码至少 8 位"]
    {
        assert!(html.contains(msg), "missing: {msg}");
    }
    assert!(html.contains("value=\"bad name!\""), "typed login name kept");
    assert!(html.contains("value=\"abc\""), "typed phone kept");
    assert!(!html.contains("value=\"weak\""), "passwords are never echoed");
    // a duplicate name is reported on its field
    let r = s.post_form("/admin/departments", &[("name", "党政办公室")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("本开发区已有同名科室"));
    // a department in use cannot be deleted, only disabled
    let deps: serde_json::Value = s.get("/api/v1/departments").await.json().await.unwrap();
    let office = deps["rows"][0]["id"].as_i64().unwrap();
    let r = s.post_form(&format!("/admin/departments/{office}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("只能停用"));
    // the zone form names a wrong region code
    let r = s
        .post_form(
            "/admin/zone",
            &[
                ("name", "襄垣经济技术开发区"),
                ("level", "provincial"),
                ("region_code", "1404"),
                ("city_name", "长治市"),
                ("staff_posts", "31"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("行政区划代码应为 6 位数字") && html.contains("value=\"1404\""));
    // the security admin cannot lock themselves out nor change their own role
    let me: serde_json::Value = sec.get("/api/v1/me").await.json().await.unwrap();
    let r = sec
        .post_form(&format!("/admin/users/{}", me["id"]), &[("display_name", "安全管理员"), ("role", "admin")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
});

app_test!(user_list_filters_sorts_and_pages_in_the_url, |app: TestApp| async move {
    let s = app.security().await;
    for i in 0..55 {
        let login = format!("user{i:02}");
        let r = s
            .json(Method::POST, "/api/v1/users", Some(json!({"login_name": login, "display_name": format!("用户{i:02}"), "role": "viewer", "password": "Many-users-1"})))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let (_, html) = s.page("/admin/users?role=viewer").await;
    assert!(html.contains("共 56 条，第 1 / 2 页"), "55 + the demo viewer");
    let unescaped = html.replace("&#38;", "&").replace("&amp;", "&");
    assert!(unescaped.contains("href=\"/admin/users?role=viewer&page=2\""), "next-page link keeps the filter");
    let (_, html) = s.page("/admin/users?role=viewer&page=2").await;
    assert!(html.contains("第 2 / 2 页"));
    let (_, html) = s.page("/admin/users?q=user5&sort=-created").await;
    let p4 = html.find("user54").unwrap();
    let p0 = html.find("user50").unwrap();
    assert!(p4 < p0, "newest first");
    let api: serde_json::Value = s.get("/api/v1/users?role=viewer&limit=10&page=6").await.json().await.unwrap();
    assert_eq!((api["total"].as_u64(), api["rows"].as_array().unwrap().len()), (Some(56), 6));
});

async fn upload_calendar(s: &support::Session, year: i32, bytes: Vec<u8>) -> (StatusCode, String) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("日历.xlsx");
    let r = s
        .client
        .post(s.url(&format!("/admin/calendar/import?year={year}&_csrf={}", s.csrf)))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

app_test!(the_working_day_calendar_page, |app: TestApp| async move {
    let s = app.admin().await;
    let (status, html) = s.page("/admin/calendar?year=2025").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("全年工作日 248 天"), "the demo loads the official 2025 arrangement");
    assert!(html.contains("国庆节调休上班") && html.contains("星期日"));
    let y: serde_json::Value = s.get("/api/v1/calendar?year=2025").await.json().await.unwrap();
    assert_eq!((y["source"].as_str(), y["working_days"].as_u64()), (Some("zone"), Some(248)));
    let r = s.json(Method::POST, "/api/v1/calendar", Some(json!({"date": "2025-10-09", "kind": "workday"}))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["field"], "kind");

    // a weekday cannot be a 调休 working day: the error is beside the field, the input kept
    let r = s.post_form("/admin/calendar/day", &[("date", "2025-10-09"), ("kind", "workday"), ("name", "错误")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("不需要设为调休上班") && html.contains("value=\"2025-10-09\""));
    assert!(s.page("/admin/calendar?year=2025").await.1.contains("全年工作日 248 天"));

    let r =
        s.post_form("/admin/calendar/day", &[("date", "2025-10-09"), ("kind", "holiday"), ("name", "本地假日")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = s.page("/admin/calendar?year=2025").await.1;
    assert!(html.contains("全年工作日 247 天") && html.contains("本地假日"));

    // export, then import the sheet into 2026 after changing nothing but the year: refused by row
    let r = s.get("/admin/calendar.xlsx?year=2025").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let (status, html) = upload_calendar(&s, 2026, bytes.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("第 3 行") && html.contains("不在 2026 年内"), "{html}");
    assert!(!s.page("/admin/calendar?year=2026").await.1.contains("本地假日"));
    // into 2025 it goes back as it came
    let (status, _) = upload_calendar(&s, 2025, bytes).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(s.page("/admin/calendar?year=2025").await.1.contains("全年工作日 247 天"));
    let (status, html) = upload_calendar(&s, 2025, b"not a workbook".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("无法读取"));

    // staff look but do not change; zone B has its own calendar
    let staff = app.login("staff", &app.password).await;
    let (status, html) = staff.page("/admin/calendar?year=2025").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("action=\"/admin/calendar/day\""));
    let r = staff.post_form("/admin/calendar/day", &[("date", "2025-10-10"), ("kind", "holiday"), ("name", "")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let b = app.admin_of_b().await;
    let html = b.page("/admin/calendar?year=2025").await.1;
    assert!(html.contains("国家公布安排（内置）") && html.contains("全年工作日 248 天"));
});

app_test!(the_security_admin_cannot_make_or_take_over_a_duty_account, |app: TestApp| async move {
    let sec = app.security().await;
    // no new 系统管理员 / 审计管理员 / 安全管理员 through the web or the API
    for role in ["admin", "audit_admin", "security_admin"] {
        let r = sec
            .json(
                Method::POST,
                "/api/v1/users",
                Some(json!({"login_name": format!("x_{role}"), "display_name": "提权", "role": role, "password": "Escalate-2025x"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{role}");
        assert!(r.text().await.unwrap().contains("三员分立"));
    }
    // an ordinary account cannot be raised to one
    let r = sec
        .json(
            Method::POST,
            "/api/v1/users",
            Some(json!({"login_name": "plain", "display_name": "普通", "role": "staff", "password": "Escalate-2025x"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let plain: serde_json::Value = r.json().await.unwrap();
    let r = sec
        .json(
            Method::PUT,
            &format!("/api/v1/users/{}", plain["id"]),
            Some(json!({"role": "audit_admin", "active": true, "version": 1})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // the admin's and the auditor's accounts cannot be changed, reset or stripped of their second factor
    for login in ["admin", "auditor"] {
        let id = kaifaqu_store::users::find_by_login(&app.db, login).await.unwrap().unwrap().id;
        let r = sec.post_form(&format!("/admin/users/{id}"), &[("role", "viewer"), ("version", "1")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{login}");
        let r = sec.post_form(&format!("/admin/users/{id}/password"), &[("password", "Taken-over-2025x")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{login}");
        let r = sec.post_form(&format!("/admin/users/{id}/totp/reset"), &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{login}");
    }
    // the admin still signs in with the old password
    app.admin().await;
});
