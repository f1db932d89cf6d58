//! The ledgers of 招商与项目: enterprises, contacts, problems and dispatch meetings — their pages
//! (forms keep what was typed and show each error beside its field), their JSON API, their
//! audit trail, and zone isolation.

mod support;

use kaifaqu_domain::credit_code::{CHARSET, check_char};
use kaifaqu_store::Scope;
use kaifaqu_store::projects::{self, ProjectFilter};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Session, TestApp};

/// Zone A's project ids, oldest first.
async fn project_ids(app: &TestApp) -> Vec<i64> {
    let f = ProjectFilter { per_page: Some(1000), ..Default::default() };
    let mut ids: Vec<i64> =
        projects::list(&app.db, &Scope::System, app.zone_a, &f).await.unwrap().rows.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    ids
}

async fn get_json(s: &Session, path: &str) -> Value {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.json().await.unwrap()
}

async fn total(s: &Session, path: &str) -> u64 {
    get_json(s, path).await["total"].as_u64().unwrap()
}

/// The first id of a JSON list.
async fn first_id(s: &Session, path: &str) -> i64 {
    get_json(s, path).await["rows"][0]["id"].as_i64().unwrap()
}

/// `message` is shown right after the input `name="{field}"`, inside the same label.
fn error_beside(html: &str, field: &str, message: &str) {
    let input = html.find(&format!("name=\"{field}\"")).unwrap_or_else(|| panic!("no field {field}"));
    let rest = &html[input..];
    let err = rest.find(message).unwrap_or_else(|| panic!("message “{message}” not after field {field}"));
    let between = &rest[..err];
    assert!(!between.contains("<label"), "message “{message}” is not beside {field}");
    assert!(between.contains("<p class=\"err\">"), "message “{message}” is not an error of {field}");
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// A credit code with a correct check character, and the same with a wrong one.
fn credit_codes(base: &str) -> (String, String, char) {
    let expected = check_char(base).unwrap();
    let wrong = CHARSET.chars().find(|c| *c != expected).unwrap();
    (format!("{base}{expected}"), format!("{base}{wrong}"), expected)
}

app_test!(contact_list_counts_the_records_behind_a_figure, |app: TestApp| async move {
    let s = app.admin().await;
    let (status, html) = s.page("/contacts?from=2025-01-01&to=2025-06-30").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("共 67 条"), "{html}");
    // the filters stay in the form and in the pager's links
    assert!(html.contains("name=\"from\" value=\"2025-01-01\""));
    let pager = &html[html.find("class=\"pager\"").unwrap()..];
    assert!(pager.contains("from=2025-01-01&#38;to=2025-06-30&#38;page=2"), "{pager}");
    assert_eq!(total(&s, "/api/v1/contacts?from=2025-01-01&to=2025-06-30&limit=1").await, 67);
    // all of them
    let (_, html) = s.page("/contacts").await;
    assert!(html.contains("共 75 条"));
    // a bad date is said beside the filter
    let (status, html) = s.page("/contacts?from=2025-13-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    error_beside(&html, "from", "不是有效日期");
});

app_test!(contact_form_creates_and_refuses_future_dates, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let p = project_ids(&app).await[0];
    let (status, html) = s.page(&format!("/contacts/new?project={p}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("<option value=\"{p}\" selected>")), "project not preselected");
    let before = total(&s, "/api/v1/contacts?limit=1").await;
    let r = s
        .post_form(
            "/contacts/new",
            &[
                ("date", "2025-08-01"),
                ("project_id", &p.to_string()),
                ("form", "visit"),
                ("place", "太原"),
                ("summary", "洽谈二期扩产用地"),
                ("next_step", "提交用地申请"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/contacts?done=created");
    let (_, html) = s.page(&format!("/contacts?project={p}")).await;
    assert!(html.contains("洽谈二期扩产用地"));
    assert!(html.contains(&format!("href=\"/projects/{p}\"")));
    assert_eq!(total(&s, "/api/v1/contacts?limit=1").await, before + 1);

    // a date in the future: 422, typed values kept, the message beside the date, nothing saved
    let r = s
        .post_form(
            "/contacts/new",
            &[("date", "2099-01-01"), ("lead_name", "某新材料公司"), ("form", "reception"), ("summary", "未来的对接")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    error_beside(&html, "date", "对接日期 2099-01-01 晚于今天");
    assert!(html.contains("value=\"2099-01-01\""));
    assert!(html.contains("某新材料公司"));
    assert!(html.contains("未来的对接"));
    assert_eq!(total(&s, "/api/v1/contacts?limit=1").await, before + 1);

    // edit: saved, and the history tab shows the change
    let id = first_id(&s, &format!("/api/v1/contacts?project={p}&from=2025-08-01&to=2025-08-01")).await;
    let r = s
        .post_form(
            &format!("/contacts/{id}"),
            &[
                ("date", "2025-08-01"),
                ("project_id", &p.to_string()),
                ("form", "visit"),
                ("summary", "洽谈二期扩产用地和用电"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page(&format!("/contacts/{id}")).await;
    assert!(html.contains("修改历史"));
    assert!(html.contains("洽谈二期扩产用地 → 洽谈二期扩产用地和用电"), "{html}");
    // a viewer reads but cannot write
    let v = app.login("viewer", &app.password).await;
    assert_eq!(v.page(&format!("/contacts/{id}")).await.0, StatusCode::OK);
    let r = v.post_form(&format!("/contacts/{id}"), &[("date", "2025-08-01"), ("summary", "x")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
});

app_test!(enterprise_check_character_and_legacy_override, |app: TestApp| async move {
    let (good, bad, expected) = credit_codes("91140423MA0999001");
    let staff = app.login("staff", &app.password).await;
    let (_, html) = staff.page("/enterprises/new").await;
    assert!(!html.contains("name=\"legacy\""), "staff must not see the legacy override");
    let r = staff.post_form("/enterprises/new", &[("name", "测试化工有限公司"), ("credit_code", &bad)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    error_beside(&html, "credit_code", &format!("第 18 位应为 {expected}"));
    assert!(html.contains("测试化工有限公司"));
    // staff cannot force it
    let r = staff
        .post_form("/enterprises/new", &[("name", "测试化工有限公司"), ("credit_code", &bad), ("legacy", "on")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("只有系统管理员可以登记校验位不符的历史代码"));
    assert_eq!(total(&staff, &format!("/api/v1/enterprises?q={bad}")).await, 0);
    // the correct code is accepted from staff
    let r = staff.post_form("/enterprises/new", &[("name", "测试新材料有限公司"), ("credit_code", &good)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // an admin sees the override and may use it
    let admin = app.admin().await;
    let (_, html) = admin.page("/enterprises/new").await;
    assert!(html.contains("name=\"legacy\""));
    let r = admin
        .post_form(
            "/enterprises/new",
            &[("name", "测试化工有限公司"), ("credit_code", &bad), ("legacy", "on"), ("above_scale", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = admin.page(&format!("/enterprises?q={bad}")).await;
    assert!(html.contains("测试化工有限公司"));
    assert!(html.contains(&format!("{bad}<span class=\"muted\">（历史代码）</span>")));
    assert!(html.contains("共 1 条"));
    let e = get_json(&admin, &format!("/api/v1/enterprises?q={bad}")).await;
    assert_eq!(e["rows"][0]["credit_code_legacy"], true);
    assert_eq!(e["rows"][0]["above_scale"], true);
    // search by name
    let (_, html) = admin.page("/enterprises?q=测试新材料").await;
    assert!(html.contains(&good));
    // the edit page shows the record and its history
    let id = e["rows"][0]["id"].as_i64().unwrap();
    let (status, html) = admin.page(&format!("/enterprises/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("修改历史") && html.contains("新增"));
});

app_test!(problems_overdue_first_and_closing_rules, |app: TestApp| async move {
    let s = app.admin().await;
    let all = get_json(&s, "/api/v1/problems?limit=500").await;
    let rows = all["rows"].as_array().unwrap();
    let overdue: Vec<bool> = rows.iter().map(|r| r["overdue"].as_bool().unwrap()).collect();
    assert!(overdue[0], "an overdue problem comes first");
    assert!(overdue.windows(2).all(|w| w[0] || !w[1]), "overdue problems are listed first: {overdue:?}");
    let n_overdue = overdue.iter().filter(|o| **o).count();
    let (status, html) = s.page("/problems").await;
    assert_eq!(status, StatusCode::OK);
    let body = &html[html.find("<tbody>").unwrap()..];
    assert!(body.starts_with("<tbody>\n<tr class=\"overdue\">"), "{body}");
    assert!(html.contains("已逾期"));
    assert_eq!(html.matches("<tr class=\"overdue\">").count(), n_overdue);
    let (_, html) = s.page("/problems?overdue=1").await;
    assert!(html.contains(&format!("共 {n_overdue} 条")));
    let (_, html) = s.page("/problems?status=unclosed").await;
    assert!(!html.contains("<td>已解决"));

    // 无法解决 needs a reason
    let open = rows.iter().find(|r| r["status"] == "open" || r["status"] == "in_progress").unwrap();
    let id = open["id"].as_i64().unwrap();
    let pid = open["project_id"].as_i64().unwrap().to_string();
    let dept = open["department_id"].as_i64().map(|d| d.to_string()).unwrap_or_default();
    let base: Vec<(&str, String)> = vec![
        ("project_id", pid),
        ("category", open["category"].as_str().unwrap().to_string()),
        ("description", open["description"].as_str().unwrap().to_string()),
        ("raised_date", open["raised_date"].as_str().unwrap().to_string()),
        ("department_id", dept),
        ("person", open["person"].as_str().unwrap_or("").to_string()),
        ("deadline", open["deadline"].as_str().unwrap_or("").to_string()),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v: Vec<(&str, String)> = base.clone();
        v.extend(extra.iter().map(|(k, x)| (*k, x.to_string())));
        v
    };
    let fields = with(&[("status", "unresolvable"), ("reason", "")]);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = s.post_form(&format!("/problems/{id}"), &refs).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    error_beside(&html, "reason", "标记为“无法解决”须说明原因");
    assert!(html.contains("<option value=\"unresolvable\" selected>"));
    assert_ne!(get_json(&s, &format!("/api/v1/problems/{id}")).await["status"], "unresolvable");
    // 已解决 needs the resolution
    let fields = with(&[("status", "resolved")]);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = s.post_form(&format!("/problems/{id}"), &refs).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    error_beside(&r.text().await.unwrap(), "resolution", "须填写解决情况");
    // resolving works
    let fields = with(&[("status", "resolved"), ("resolution", "协调相关部门完成办理")]);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = s.post_form(&format!("/problems/{id}"), &refs).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let p = get_json(&s, &format!("/api/v1/problems/{id}")).await;
    assert_eq!(p["status"], "resolved");
    assert_eq!(p["overdue"], false);
    assert!(p["resolved_date"].is_string(), "the resolved date defaults to today");
    // ... and audited (the log is the auditor's to read)
    let au = app.auditor().await;
    let audit = get_json(&au, &format!("/api/v1/audit?entity=problem&entity_id={id}&limit=500")).await;
    let last = &audit["rows"][0];
    assert_eq!(last["action"], "update");
    assert_eq!(last["login_name"], "admin");
    let changes = last["changes"].as_array().unwrap();
    let status = changes.iter().find(|c| c["field"] == "status").unwrap();
    assert_eq!(status["after"], "resolved");
    assert!(changes.iter().any(|c| c["field"] == "resolution"));
    let audit = get_json(&au, "/api/v1/audit?entity=problem&limit=500").await;
    assert!(
        audit["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["entity_id"].as_str().and_then(|x| x.parse::<i64>().ok()) == Some(id))
    );
    let (_, html) = s.page(&format!("/problems/{id}")).await;
    assert!(html.contains("协调相关部门完成办理"));
    assert!(html.contains("修改历史"));

    // a new problem through the form, the project preselected
    let project = project_ids(&app).await[1];
    let (_, html) = s.page(&format!("/problems/new?project={project}")).await;
    assert!(html.contains(&format!("<option value=\"{project}\" selected>")));
    let r = s
        .post_form(
            "/problems/new",
            &[
                ("project_id", &project.to_string()),
                ("category", "land"),
                ("description", "用地指标尚未落实"),
                ("raised_date", "2025-06-01"),
                ("deadline", "2025-06-15"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page(&format!("/problems?project={project}&overdue=1")).await;
    assert!(html.contains("用地指标尚未落实"));
});

app_test!(meetings_projects_decisions_and_their_problems, |app: TestApp| async move {
    let s = app.login("staff", &app.password).await;
    let ids = project_ids(&app).await;
    let (p1, p2) = (ids[1].to_string(), ids[2].to_string());
    // the demo meeting
    let (_, html) = s.page("/meetings").await;
    assert!(html.contains("重点项目建设专题调度会"));
    let demo = first_id(&s, "/api/v1/meetings").await;
    let (_, html) = s.page(&format!("/meetings/{demo}")).await;
    assert!(html.contains("已逾期"), "the demo's overdue problem shows in red");

    // a new meeting with two projects from the multi-select
    let (_, html) = s.page("/meetings/new").await;
    assert!(html.contains("<select name=\"project_ids\" multiple"));
    let r = s
        .post_form(
            "/meetings/new",
            &[
                ("date", "2025-07-01"),
                ("title", "七月项目推进调度会"),
                ("attendees", "各部门负责人"),
                ("minutes", "推进项目建设"),
                ("project_ids", &p1),
                ("project_ids", &p2),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = location(&r);
    let id: i64 = loc.trim_start_matches("/meetings/").split('?').next().unwrap().parse().unwrap();
    let m = get_json(&s, &format!("/api/v1/meetings/{id}")).await;
    let pids: Vec<String> = m["projects"].as_array().unwrap().iter().map(|p| p[0].to_string()).collect();
    assert_eq!(pids, [p1.clone(), p2.clone()]);
    let (_, html) = s.page("/meetings").await;
    assert!(html.contains("七月项目推进调度会"));
    let (_, html) = s.page(&format!("/meetings/{id}")).await;
    assert!(html.contains(&format!("href=\"/projects/{p1}\"")) && html.contains(&format!("href=\"/projects/{p2}\"")));
    // the edit form keeps both selected
    let (_, html) = s.page(&format!("/meetings/{id}/edit")).await;
    assert!(html.contains(&format!("<option value=\"{p1}\" selected>")));
    assert!(html.contains(&format!("<option value=\"{p2}\" selected>")));
    // a bad edit keeps the multi-selection and says what is wrong
    let r = s
        .post_form(
            &format!("/meetings/{id}/edit"),
            &[("date", "2025-07-01"), ("title", ""), ("project_ids", &p1), ("project_ids", &p2)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    error_beside(&html, "title", "会议名称不能为空");
    assert!(html.contains(&format!("<option value=\"{p2}\" selected>")));

    // a decision that opens a problem, without a category: refused beside the field
    let r = s
        .post_form(
            &format!("/meetings/{id}/decisions"),
            &[("project_id", &p1), ("decision", "尽快完成供水管网接入"), ("action", "open"), ("person", "张三")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    error_beside(&html, "category", "请选择问题类别");
    assert!(html.contains("尽快完成供水管网接入"));
    assert_eq!(get_json(&s, &format!("/api/v1/meetings/{id}")).await["decisions"].as_array().unwrap().len(), 0);
    // with it
    let r = s
        .post_form(
            &format!("/meetings/{id}/decisions"),
            &[
                ("project_id", &p1),
                ("decision", "尽快完成供水管网接入"),
                ("action", "open"),
                ("category", "water"),
                ("person", "张三"),
                ("deadline", "2030-12-31"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let m = get_json(&s, &format!("/api/v1/meetings/{id}")).await;
    let d = &m["decisions"][0];
    assert_eq!(d["problem"]["status"], "open");
    assert_eq!(d["problem"]["meeting_id"], id);
    let pid = d["problem"]["id"].as_i64().unwrap();
    let (_, html) = s.page(&format!("/meetings/{id}")).await;
    assert!(html.contains("尽快完成供水管网接入"));
    assert!(html.contains(&format!("<a href=\"/problems/{pid}\">待办</a>")), "{html}");
    // the problem is in the ledger, and when it is solved the meeting shows it
    let (_, html) = s.page(&format!("/problems?project={p1}")).await;
    assert!(html.contains("尽快完成供水管网接入"));
    let p = get_json(&s, &format!("/api/v1/problems/{pid}")).await;
    let mut body = p.clone();
    for k in ["project_id", "department_id"] {
        body[k] = json!(p[k].as_i64().map(|x| x.to_string()).unwrap_or_default());
    }
    body["status"] = json!("resolved");
    body["resolution"] = json!("管网已接通");
    body["resolved_date"] = json!("");
    let keep = [
        "project_id",
        "category",
        "description",
        "raised_date",
        "department_id",
        "person",
        "deadline",
        "status",
        "resolution",
        "resolved_date",
        "version",
    ];
    let input: serde_json::Map<String, Value> =
        keep.iter().map(|k| (k.to_string(), if body[*k].is_null() { json!("") } else { body[*k].clone() })).collect();
    let r = s.json(Method::PUT, &format!("/api/v1/problems/{pid}"), Some(Value::Object(input))).await;
    assert_eq!(r.status(), StatusCode::OK);
    let (_, html) = s.page(&format!("/meetings/{id}")).await;
    assert!(html.contains(&format!("<a href=\"/problems/{pid}\">已解决</a>")));
    assert!(html.contains("管网已接通"));

    // a decision that hands over an existing open problem
    let open = get_json(&s, "/api/v1/problems?status=open&limit=500").await;
    let Some(target) = open["rows"].as_array().unwrap().first().map(|r| r["id"].as_i64().unwrap()) else {
        panic!("the demo has an open problem")
    };
    let r = s
        .post_form(
            &format!("/meetings/{id}/decisions"),
            &[
                ("project_id", &p2),
                ("decision", "交办责任科室限期办结"),
                ("action", "assign"),
                ("problem_id", &target.to_string()),
                ("person", "李四"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let p = get_json(&s, &format!("/api/v1/problems/{target}")).await;
    assert_eq!((p["status"].as_str(), p["person"].as_str()), (Some("in_progress"), Some("李四")));
    let (_, html) = s.page(&format!("/meetings/{id}")).await;
    assert!(html.contains(&format!("<a href=\"/problems/{target}\">办理中</a>")));
});

app_test!(api_creates_and_reads_each_record, |app: TestApp| async move {
    let s = app.admin().await;
    let ids = project_ids(&app).await;
    let (good, bad, expected) = credit_codes("91140423MA0888888");
    // enterprise
    let r =
        s.json(Method::POST, "/api/v1/enterprises", Some(json!({"name": "接口测试企业", "credit_code": good}))).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let e: Value = r.json().await.unwrap();
    let eid = e["id"].as_i64().unwrap();
    let read = get_json(&s, &format!("/api/v1/enterprises/{eid}")).await;
    assert_eq!(read["credit_code"], good);
    let r = s
        .json(
            Method::PUT,
            &format!("/api/v1/enterprises/{eid}"),
            Some(
                json!({"name": "接口测试企业（更名）", "credit_code": good, "industry_code": "26", "version": read["version"]}),
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "接口测试企业（更名）");
    let r = s.json(Method::POST, "/api/v1/enterprises", Some(json!({"name": "错码企业", "credit_code": bad}))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["field"], "credit_code");
    assert!(err["message"].as_str().unwrap().contains(&format!("应为 {expected}")));
    assert!(total(&s, "/api/v1/enterprises?q=接口测试").await >= 1);

    // contact
    let r = s
        .json(
            Method::POST,
            "/api/v1/contacts",
            Some(
                json!({"date": "2025-05-05", "lead_name": "某投资方", "form": "video", "summary": "视频洽谈投资意向"}),
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let cid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let c = get_json(&s, &format!("/api/v1/contacts/{cid}")).await;
    assert_eq!((c["lead_name"].as_str(), c["form"].as_str()), (Some("某投资方"), Some("video")));
    let r = s
        .json(
            Method::PUT,
            &format!("/api/v1/contacts/{cid}"),
            Some(
                json!({"date": "2025-05-06", "project_id": ids[0].to_string(), "form": "visit", "summary": "上门拜访", "version": c["version"]}),
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["project_id"], ids[0]);
    let r = s
        .json(
            Method::POST,
            "/api/v1/contacts",
            Some(json!({"date": "2099-05-05", "lead_name": "x", "form": "visit", "summary": "x"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "date");
    assert_eq!(s.get("/api/v1/contacts?limit=501").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(s.get("/api/v1/problems?per_page=501").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(get_json(&s, "/api/v1/contacts?limit=2").await["rows"].as_array().unwrap().len(), 2);
    assert!(total(&s, "/api/v1/contacts?from=2025-05-06&to=2025-05-06").await >= 1);

    // problem
    let r = s
        .json(
            Method::POST,
            "/api/v1/problems",
            Some(json!({"project_id": ids[0].to_string(), "category": "approval", "description": "施工许可待办理", "raised_date": "2025-05-05"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let pid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let p = get_json(&s, &format!("/api/v1/problems/{pid}")).await;
    assert_eq!((p["status"].as_str(), p["category"].as_str()), (Some("open"), Some("approval")));
    let r = s
        .json(
            Method::PUT,
            &format!("/api/v1/problems/{pid}"),
            Some(json!({"project_id": ids[0].to_string(), "category": "approval", "description": "施工许可待办理", "raised_date": "2025-05-05", "status": "unresolvable", "version": 1})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "reason");
    let r = s
        .json(
            Method::POST,
            "/api/v1/problems",
            Some(json!({"project_id": ids[0].to_string(), "description": "x", "raised_date": "2025-05-05"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "category");

    // meeting and decision
    let r = s
        .json(
            Method::POST,
            "/api/v1/meetings",
            Some(json!({"date": "2025-05-20", "title": "接口调度会", "project_ids": [ids[0].to_string()]})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let m: Value = r.json().await.unwrap();
    let mid = m["id"].as_i64().unwrap();
    assert_eq!(m["projects"].as_array().unwrap().len(), 1);
    let r = s
        .json(
            Method::POST,
            &format!("/api/v1/meetings/{mid}/decisions"),
            Some(json!({"decision": "加快推进", "project_id": ids[0].to_string()})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(r.json::<Value>().await.unwrap()["problem"].is_null());
    let r = s
        .json(
            Method::POST,
            &format!("/api/v1/meetings/{mid}/decisions"),
            Some(json!({"decision": "新开问题", "action": "open", "category": "funding", "project_id": ids[0].to_string()})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["problem"]["category"], "funding");
    let m = get_json(&s, &format!("/api/v1/meetings/{mid}")).await;
    assert_eq!(m["title"], "接口调度会");
    assert_eq!(m["decisions"].as_array().unwrap().len(), 2);
    assert!(get_json(&s, "/api/v1/meetings").await["rows"].as_array().unwrap().iter().any(|r| r["id"] == mid));
    let r = s.json(Method::POST, "/api/v1/meetings", Some(json!({"date": "2025-05-20", "title": ""}))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "title");
    let r = s.json(Method::POST, &format!("/api/v1/meetings/{mid}/decisions"), Some(json!({"decision": ""}))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "decision");
    // the viewer reads but cannot write
    let v = app.login("viewer", &app.password).await;
    assert_eq!(v.get(&format!("/api/v1/meetings/{mid}")).await.status(), StatusCode::OK);
    let r = v.json(Method::POST, "/api/v1/meetings", Some(json!({"date": "2025-05-20", "title": "x"}))).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // the OpenAPI document lists the endpoints
    let doc = get_json(&s, "/api/v1/openapi.json").await;
    for p in [
        "/api/v1/enterprises",
        "/api/v1/enterprises/{id}",
        "/api/v1/contacts",
        "/api/v1/contacts/{id}",
        "/api/v1/problems",
        "/api/v1/problems/{id}",
        "/api/v1/meetings",
        "/api/v1/meetings/{id}",
        "/api/v1/meetings/{id}/decisions",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing from OpenAPI");
    }
});

app_test!(zone_b_gets_404_for_zone_a_ledgers, |app: TestApp| async move {
    let a = app.admin().await;
    let e = first_id(&a, "/api/v1/enterprises").await;
    let c = first_id(&a, "/api/v1/contacts").await;
    let p = first_id(&a, "/api/v1/problems").await;
    let m = first_id(&a, "/api/v1/meetings").await;
    let before = (
        get_json(&a, &format!("/api/v1/enterprises/{e}")).await,
        get_json(&a, &format!("/api/v1/contacts/{c}")).await,
        get_json(&a, &format!("/api/v1/problems/{p}")).await,
        get_json(&a, &format!("/api/v1/meetings/{m}")).await,
    );
    let b = app.admin_of_b().await;
    for path in [
        format!("/enterprises/{e}"),
        format!("/contacts/{c}"),
        format!("/problems/{p}"),
        format!("/meetings/{m}"),
        format!("/meetings/{m}/edit"),
        format!("/api/v1/enterprises/{e}"),
        format!("/api/v1/contacts/{c}"),
        format!("/api/v1/problems/{p}"),
        format!("/api/v1/meetings/{m}"),
    ] {
        assert_eq!(b.get(&path).await.status(), StatusCode::NOT_FOUND, "GET {path}");
    }
    let project = project_ids(&app).await[0].to_string();
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("/enterprises/{e}"), vec![("name", "乙区改名"), ("credit_code", "91350100M000100Y43")]),
        (
            format!("/contacts/{c}"),
            vec![("date", "2025-01-02"), ("lead_name", "乙区"), ("form", "visit"), ("summary", "乙区改写")],
        ),
        (
            format!("/problems/{p}"),
            vec![
                ("project_id", &project),
                ("category", "land"),
                ("description", "乙区改写"),
                ("raised_date", "2025-01-02"),
                ("status", "resolved"),
                ("resolution", "乙区"),
            ],
        ),
        (format!("/meetings/{m}/edit"), vec![("date", "2025-01-02"), ("title", "乙区改名")]),
        (format!("/meetings/{m}/decisions"), vec![("decision", "乙区决定")]),
    ];
    for (path, fields) in &forms {
        assert_eq!(b.post_form(path, fields).await.status(), StatusCode::NOT_FOUND, "POST {path}");
    }
    let writes = [
        (
            Method::PUT,
            format!("/api/v1/enterprises/{e}"),
            json!({"name": "乙区改名", "credit_code": "91350100M000100Y43", "version": 1}),
        ),
        (
            Method::PUT,
            format!("/api/v1/contacts/{c}"),
            json!({"date": "2025-01-02", "lead_name": "乙区", "form": "visit", "summary": "乙区", "version": 1}),
        ),
        (
            Method::PUT,
            format!("/api/v1/problems/{p}"),
            json!({"project_id": project, "category": "land", "description": "乙区", "raised_date": "2025-01-02", "version": 1}),
        ),
        (Method::POST, format!("/api/v1/meetings/{m}/decisions"), json!({"decision": "乙区决定"})),
    ];
    for (method, path, body) in writes {
        assert_eq!(b.json(method.clone(), &path, Some(body)).await.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    // nothing of A changed, and nothing of A is in B's lists
    let after = (
        get_json(&a, &format!("/api/v1/enterprises/{e}")).await,
        get_json(&a, &format!("/api/v1/contacts/{c}")).await,
        get_json(&a, &format!("/api/v1/problems/{p}")).await,
        get_json(&a, &format!("/api/v1/meetings/{m}")).await,
    );
    assert_eq!(before, after);
    let name = before.0["name"].as_str().unwrap();
    let (_, html) = b.page("/enterprises").await;
    assert!(!html.contains(name));
    for path in ["/api/v1/enterprises", "/api/v1/contacts", "/api/v1/problems", "/api/v1/meetings"] {
        let rows = get_json(&b, path).await;
        assert!(rows["rows"].as_array().unwrap().iter().all(|r| r["zone_id"] == app.zone_b), "{path}");
    }
    let (_, html) = b.page("/meetings").await;
    assert!(!html.contains(before.3["title"].as_str().unwrap()));
});
