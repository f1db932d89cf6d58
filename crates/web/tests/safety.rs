//! 安全生产 over HTTP: the half-year figures and their records, the overdue ledger and its export,
//! registering a hazard through the form, the loop through the pages (photos, 双人复核, 延期),
//! the 整改通知书, an inspection with two inspectors, the settings and zone isolation.

mod support;

use std::collections::BTreeSet;
use std::io::Cursor;

use calamine::{Reader, open_workbook_auto_from_rs};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Session, TestApp};

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

/// The step form as the browser sends it (multipart, CSRF token in the URL).
async fn step(s: &Session, id: i64, fields: &[(&str, &str)], photo: Option<(&str, &[u8])>) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form = match photo {
        Some((name, bytes)) => {
            form.part("photo", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()))
        }
        // no file chosen: an empty part, as browsers send it
        None => form.part("photo", reqwest::multipart::Part::bytes(Vec::new()).file_name(String::new())),
    };
    s.client.post(s.url(&format!("/safety/hazards/{id}/steps?_csrf={}", s.csrf))).multipart(form).send().await.unwrap()
}

async fn json_of(s: &Session, path: &str) -> Value {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

/// The id in a redirect to `/prefix/{id}?…`.
fn redirected_id(r: &reqwest::Response, prefix: &str) -> i64 {
    let loc = r.headers()["location"].to_str().unwrap();
    loc.strip_prefix(prefix).unwrap().split('?').next().unwrap().parse().unwrap()
}

/// The ids of the `data-hazard="…"` rows of a page, and how many of them are red.
fn ledger_rows(html: &str) -> (Vec<i64>, usize) {
    let mut ids = Vec::new();
    let mut red = 0;
    for part in html.split("<tr data-hazard=\"").skip(1) {
        let (id, rest) = part.split_once('"').unwrap();
        ids.push(id.parse().unwrap());
        if rest.starts_with(" class=\"overdue\"") {
            red += 1;
        }
    }
    (ids, red)
}

/// The text between two markers of a page.
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let start = html.find(from).unwrap_or_else(|| panic!("{from} not on the page"));
    let rest = &html[start..];
    &rest[..rest.find(to).unwrap_or(rest.len())]
}

/// Any enterprise of zone A (from the hazard ledger).
async fn an_enterprise(s: &Session) -> i64 {
    json_of(s, "/api/v1/hazards?limit=1").await["rows"][0]["enterprise_id"].as_i64().unwrap()
}

async fn register(s: &Session, fields: &[(&str, &str)]) -> reqwest::Response {
    s.post_form("/safety/hazards/new", fields).await
}

app_test!(half_year_figures_link_to_their_records, |app: TestApp| async move {
    let s = app.admin().await;
    let (st, html) = s.page("/safety/figures?from=2025-01-01&to=2025-06-30").await;
    assert_eq!(st, StatusCode::OK);
    let html = html.replace("&#38;", "&amp;");
    let api = json_of(&s, "/api/v1/safety/figures?from=2025-01-01&to=2025-06-30").await;
    // a range of millennia (found by the API fuzzer: it took over 10 s) is refused, naming the
    // field; the page says the same
    let r = s.get("/api/v1/safety/figures?from=0013-07-15&to=9727-11-26").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["field"], "from", "{e}");
    let (st, page) = s.page("/safety/figures?from=2025-01-01&to=9727-11-26").await;
    assert!(st.is_client_error() && page.contains("超出可统计的范围"), "{st}");
    let hazards = api["hazards"].as_u64().unwrap();
    assert!((300..400).contains(&hazards), "300 余项: {hazards}");
    assert!(html.contains("/safety/inspections?from=2025-01-01&amp;to=2025-06-30\">95 家次</a>"), "95 家次");
    assert!(html.contains(&format!("/safety/hazards?from=2025-01-01&amp;to=2025-06-30\">{hazards}</a>")));
    assert!(html.contains("25/27 周达到每周 2 次入企检查"));
    let rate = api["rectification_rate"].as_i64().unwrap();
    assert!(html.contains(&format!("{}.{:02}%", rate / 100, rate % 100)), "整改率 {rate}");
    assert!(html.contains("2025 年上半年"));
    // the numbers are the records behind the links
    let (_, list) = s.page("/safety/inspections?from=2025-01-01&to=2025-06-30").await;
    assert!(list.contains("符合条件的检查 95 家次"));
    let (_, ledger) = s.page("/safety/hazards?from=2025-01-01&to=2025-06-30").await;
    assert!(ledger.contains(&format!("共 {hazards} 条")));
    let overdue = api["overdue"].as_u64().unwrap();
    assert!(html.contains(&format!(
        "/safety/hazards?overdue=1&amp;from=2025-01-01&amp;to=2025-06-30\" class=\"overdue\">{overdue}</a>"
    )));
    let (_, ledger) = s.page("/safety/hazards?overdue=1&from=2025-01-01&to=2025-06-30").await;
    assert!(ledger.contains(&format!("共 {overdue} 条")));
    let major = api["major"].as_u64().unwrap();
    assert_eq!(major, 2);
    let (_, ledger) = s.page("/safety/hazards?level=major&from=2025-01-01&to=2025-06-30").await;
    assert_eq!(ledger_rows(&ledger).0.len(), 2);
    // a category number is that category's records
    let (name, n) = (api["by_category"][0][0].as_str().unwrap(), api["by_category"][0][1].as_u64().unwrap());
    let row = between(&html, &format!("<td>{name}</td>"), "</tr>");
    let href = row.split("href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let (_, ledger) = s.page(&href).await;
    assert!(ledger.contains(&format!("共 {n} 条")), "{name}: {href}");
    // by default: this year to today; a reversed range is refused
    assert_eq!(s.get("/safety/figures").await.status(), StatusCode::OK);
    assert_eq!(s.get("/safety/figures?from=2025-07-01&to=2025-01-01").await.status(), StatusCode::BAD_REQUEST);
});

app_test!(overdue_ledger_is_red_and_exports_the_same_rows, |app: TestApp| async move {
    let s = app.login("safety", &app.password).await;
    let api = json_of(&s, "/api/v1/hazards?overdue=1&limit=500").await;
    let total = api["total"].as_u64().unwrap();
    assert!(total > 0, "open hazards of June are overdue today");
    let (st, html) = s.page("/safety/hazards?overdue=1").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains(&format!("共 {total} 条")));
    let (ids, red) = ledger_rows(&html);
    assert_eq!(ids.len() as u64, total.min(50));
    assert_eq!(red, ids.len(), "every overdue row is red");
    assert_eq!(html.matches("<strong class=\"overdue\">已逾期</strong>").count(), ids.len());
    // the whole ledger has rows that are not red
    let (_, all) = s.page("/safety/hazards").await;
    let (all_ids, all_red) = ledger_rows(&all);
    assert!(all_red < all_ids.len());
    // the export of the same filter: title, header, then the rows
    let r = s.get("/safety/hazards.xlsx?overdue=1").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let mut wb = open_workbook_auto_from_rs(Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.height() as u64, 2 + total);
    let header: Vec<String> = range.rows().nth(1).unwrap().iter().map(|c| c.to_string()).collect();
    assert!(header.contains(&"整改期限".to_string()) && header.contains(&"销号日期".to_string()));
    let last: Vec<String> = range.rows().nth(2).unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(last.last().unwrap(), "已逾期");
});

app_test!(registering_a_hazard_through_the_form, |app: TestApp| async move {
    let s = app.login("safety", &app.password).await;
    let e = an_enterprise(&s).await.to_string();
    let (st, form) = s.page(&format!("/safety/hazards/new?enterprise={e}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(form.contains("挂牌督办单位") && form.contains("name=\"plan_contingency\""));
    assert!(form.contains(&format!("<option value=\"{e}\" selected>")));
    let base = [
        ("enterprise_id", e.as_str()),
        ("description", "储罐区可燃气体报警器失效"),
        ("location", "储罐区"),
        ("found_date", "2025-06-10"),
        ("deadline", "2025-08-10"),
    ];
    // a major hazard without its plan: refused beside the plan fields, typed values kept
    let mut major = base.to_vec();
    major.push(("level", "major"));
    let r = register(&s, &major).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(between(&html, "name=\"plan_responsibility\"", "name=\"plan_measures\"").contains("重大隐患须有整改方案"));
    assert!(between(&html, "name=\"plan_deadline\"", "name=\"plan_contingency\"").contains("class=\"err\""));
    assert!(between(&html, "name=\"supervisor\"", "</fieldset>").contains("挂牌督办单位"));
    assert!(html.contains("储罐区可燃气体报警器失效"));
    // a deadline before the day it was found
    let mut early = base.to_vec();
    early.push(("level", "general"));
    early[4] = ("deadline", "2025-06-01");
    let r = register(&s, &early).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(between(&html, "name=\"deadline\"", "name=\"responsible_person\"").contains("整改期限不能早于发现日期"));
    let before = json_of(&s, "/api/v1/hazards?limit=1").await["total"].as_u64().unwrap();
    // with the whole plan it is registered
    major.extend([
        ("plan_responsibility", "企业主要负责人"),
        ("plan_measures", "更换报警器并联调"),
        ("plan_funds", "企业自筹 8 万元"),
        ("plan_deadline", "2025-08-01"),
        ("plan_contingency", "储罐区停止作业，专人巡检"),
        ("supervisor", "襄垣县应急管理局"),
    ]);
    let r = register(&s, &major).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = redirected_id(&r, "/safety/hazards/");
    let (_, page) = s.page(&format!("/safety/hazards/{id}?done=created")).await;
    assert!(page.contains("重大隐患整改方案") && page.contains("襄垣县应急管理局") && page.contains("待整改"));
    let h = json_of(&s, &format!("/api/v1/hazards/{id}")).await;
    assert_eq!(h["level"], "major");
    assert_eq!(h["found_by"], "安全生产监督管理部科员（示例）");
    assert_eq!(json_of(&s, "/api/v1/hazards?limit=1").await["total"].as_u64().unwrap(), before + 1);
});

app_test!(the_loop_through_the_pages, |app: TestApp| async move {
    let finder = app.login("safety", &app.password).await;
    let fixer = app.login("staff", &app.password).await;
    let e = an_enterprise(&finder).await.to_string();
    let r = register(
        &finder,
        &[
            ("enterprise_id", e.as_str()),
            ("description", "压力表未按期校验"),
            ("level", "general"),
            ("found_date", "2025-06-10"),
            ("deadline", "2030-12-31"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = redirected_id(&r, "/safety/hazards/");
    let (_, page) = finder.page(&format!("/safety/hazards/{id}")).await;
    let actions = between(&page, "name=\"action\"", "</select>");
    assert!(actions.contains("value=\"start\"") && !actions.contains("value=\"pass\""), "only what 待整改 allows");
    // 开始整改 (with a 整改前 photo)
    let r = step(&finder, id, &[("action", "start"), ("note", "企业已安排送检")], Some(("整改前.png", PNG))).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // 提交复查 by staff, with a photo
    let r = step(&fixer, id, &[("action", "submit"), ("note", "已送检并更换压力表")], Some(("整改后.png", PNG))).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    // a PDF is not a photo: refused, nothing recorded
    let r = step(
        &finder,
        id,
        &[("action", "pass"), ("note", "复查合格")],
        Some(("报告.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n")),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(between(&html, "name=\"photo\"", "</label>").contains("照片须为图片"), "{html}");
    assert_eq!(json_of(&finder, &format!("/api/v1/hazards/{id}")).await["steps"].as_array().unwrap().len(), 2);
    // 延期 without a reason
    let r = step(&finder, id, &[("action", "extend"), ("new_deadline", "2031-06-30")], None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(between(&html, "name=\"note\"", "</label>").contains("延期须说明原因"));
    assert!(html.contains("value=\"2031-06-30\""), "typed values kept");
    // the person who recorded the fix cannot close it
    let r = step(&fixer, id, &[("action", "pass"), ("note", "自查合格")], None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(between(&html, "name=\"action\"", "</label>").contains("双人复核"));
    assert_eq!(json_of(&finder, &format!("/api/v1/hazards/{id}")).await["status"], "reviewing");
    // someone else does
    let r = step(&finder, id, &[("action", "pass"), ("note", "复查合格，准予销号")], None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let h = json_of(&finder, &format!("/api/v1/hazards/{id}")).await;
    assert_eq!(h["status"], "closed");
    let actions: Vec<&str> = h["steps"].as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["start", "submit", "pass"]);
    let (_, page) = finder.page(&format!("/safety/hazards/{id}")).await;
    assert!(page.contains("已销号") && page.contains("隐患已销号，不能再操作"));
    let start_row = between(&page, &format!("data-step=\"{}\"", h["steps"][0]["id"]), "</tr>");
    assert!(start_row.contains("整改前") && start_row.contains("整改前.png"));
    let submit_row = between(&page, &format!("data-step=\"{}\"", h["steps"][1]["id"]), "</tr>");
    assert!(submit_row.contains("整改后") && submit_row.contains("招商引资部科员（示例）"));
    let photo = submit_row.split("/attachments/").nth(1).unwrap().split('"').next().unwrap();
    let r = finder.get(&format!("/attachments/{photo}")).await;
    assert_eq!(r.headers()["content-type"], "image/png");
    // closed is final
    let r = step(&finder, id, &[("action", "start")], None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // and over JSON: an extension with its reason
    let r = finder.json(Method::POST, "/api/v1/hazards", Some(json!({"enterprise_id": e, "description": "通道堆放杂物", "level": "general", "found_date": "2025-06-10", "deadline": "2025-06-20"}))).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let hid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = finder
        .json(
            Method::POST,
            &format!("/api/v1/hazards/{hid}/steps"),
            Some(json!({"action": "extend", "note": "等备件", "new_deadline": "2031-01-01"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (_, ledger) = finder.page(&format!("/safety/hazards?enterprise={e}&from=2025-06-10&to=2025-06-10")).await;
    assert!(ledger.contains("原期限 2025-06-20，已延期至 2031-01-01"));
});

app_test!(the_notice_lists_only_open_hazards_of_the_enterprise, |app: TestApp| async move {
    let s = app.admin().await;
    let all = json_of(&s, "/api/v1/hazards?limit=500").await;
    let rows = all["rows"].as_array().unwrap();
    // an enterprise with both open and closed hazards
    let e = rows
        .iter()
        .map(|h| h["enterprise_id"].as_i64().unwrap())
        .find(|e| {
            let mine = rows.iter().filter(|h| h["enterprise_id"] == *e);
            mine.clone().any(|h| h["status"] == "closed") && mine.clone().any(|h| h["status"] != "closed")
        })
        .expect("an enterprise with open and closed hazards");
    let theirs = json_of(&s, &format!("/api/v1/hazards?enterprise={e}&limit=500")).await;
    let open: BTreeSet<i64> = theirs["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["status"] != "closed")
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    let (st, html) = s.page(&format!("/safety/enterprises/{e}/notice")).await;
    assert_eq!(st, StatusCode::OK);
    let listed: BTreeSet<i64> = ledger_rows(&html).0.into_iter().collect();
    assert_eq!(listed, open);
    assert!(html.contains("襄垣经济技术开发区管理委员会") && html.contains("整改通知书"));
    assert!(html.contains(&format!("{}：", theirs["rows"][0]["enterprise"].as_str().unwrap())));
    assert!(html.contains("<td class=\"num\">1</td>"), "numbered");
    // the enterprise's safety page links to it and counts the same
    let (_, profile) = s.page(&format!("/safety/enterprises/{e}")).await;
    assert!(profile.contains(&format!("/safety/enterprises/{e}/notice")));
    assert!(profile.contains(&format!("未销号 {} 项", open.len())));
    let (_, list) = s.page("/safety/enterprises").await;
    assert!(list.contains(&format!("/safety/hazards?enterprise={e}&amp;status=open\">{}</a>", open.len())));
});

app_test!(an_inspection_with_two_inspectors, |app: TestApp| async move {
    let s = app.login("safety", &app.password).await;
    let e = an_enterprise(&s).await.to_string();
    let (_, form) = s.page(&format!("/safety/inspections/new?enterprise={e}")).await;
    let select = between(&form, "name=\"inspector_ids\" multiple", "</select>");
    let id_of = |name: &str| {
        let before = select.split(&format!(">{name}</option>")).next().unwrap();
        before.rsplit("value=\"").next().unwrap().split('"').next().unwrap().to_string()
    };
    let (me, other) = (id_of("安全生产监督管理部科员（示例）"), id_of("招商引资部科员（示例）"));
    let r = s
        .post_form(
            "/safety/inspections/new",
            &[("enterprise_id", e.as_str()), ("date", "2025-06-12"), ("kind", "special")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请选择至少一名检查人员"));
    let r = s
        .post_form(
            "/safety/inspections/new",
            &[
                ("enterprise_id", e.as_str()),
                ("date", "2025-06-12"),
                ("kind", "special"),
                ("inspector_ids", me.as_str()),
                ("inspector_ids", other.as_str()),
                ("experts", "省安全专家张工"),
                ("guidance", "1"),
                ("findings", "动火作业管理专项检查"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = redirected_id(&r, "/safety/inspections/");
    let (_, page) = s.page(&format!("/safety/inspections/{id}")).await;
    assert!(page.contains("安全生产监督管理部科员（示例）") && page.contains("招商引资部科员（示例）"));
    assert!(page.contains(&format!("/safety/hazards/new?enterprise={e}&amp;inspection={id}")));
    let list = json_of(&s, &format!("/api/v1/inspections?enterprise={e}&from=2025-06-12&to=2025-06-12")).await;
    let mine = list["rows"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap();
    assert_eq!(mine["inspector_ids"].as_array().unwrap().len(), 2);
    assert_eq!(mine["guidance"], true);
    // a hazard registered from it is listed on it
    let (_, form) = s.page(&format!("/safety/hazards/new?enterprise={e}&inspection={id}")).await;
    assert!(form.contains(&format!("name=\"inspection_id\" value=\"{id}\"")) && form.contains("value=\"2025-06-12\""));
    let inspection = id.to_string();
    let r = register(
        &s,
        &[
            ("enterprise_id", e.as_str()),
            ("inspection_id", inspection.as_str()),
            ("description", "动火作业票审批不规范"),
            ("level", "general"),
            ("found_date", "2025-06-12"),
            ("deadline", "2025-06-30"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = s.page(&format!("/safety/inspections/{id}")).await;
    assert!(page.contains("动火作业票审批不规范"));
});

app_test!(settings_set_the_weekly_target, |app: TestApp| async move {
    let staff = app.login("staff", &app.password).await;
    assert_eq!(staff.get("/admin/safety").await.status(), StatusCode::FORBIDDEN);
    let s = app.admin().await;
    let (st, html) = s.page("/admin/safety").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("name=\"weekly_inspection_days\" value=\"2\""));
    let r = s.post_form("/admin/safety", &[("weekly_inspection_days", "9"), ("escalate_after_days", "3")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("0 到 7"));
    let r = s.post_form("/admin/safety", &[("weekly_inspection_days", "3"), ("escalate_after_days", "5")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page("/safety/figures?from=2025-01-01&to=2025-06-30").await;
    assert!(html.contains("周达到每周 3 次入企检查"));
});

app_test!(zone_b_cannot_reach_zone_a_safety_records, |app: TestApp| async move {
    let a = app.admin().await;
    let open = json_of(&a, "/api/v1/hazards?status=open&limit=1").await;
    let id = open["rows"][0]["id"].as_i64().unwrap();
    let e = open["rows"][0]["enterprise_id"].as_i64().unwrap();
    let inspection = json_of(&a, "/api/v1/inspections?limit=1").await["rows"][0]["id"].as_i64().unwrap();
    let before = json_of(&a, &format!("/api/v1/hazards/{id}")).await;
    let b = app.admin_of_b().await;
    for path in [
        format!("/safety/hazards/{id}"),
        format!("/safety/inspections/{inspection}"),
        format!("/safety/enterprises/{e}"),
        format!("/safety/enterprises/{e}/notice"),
        format!("/safety/hazards/new?inspection={inspection}"),
        format!("/api/v1/hazards/{id}"),
    ] {
        assert_eq!(b.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for (path, fields) in [
        (format!("/safety/enterprises/{e}"), vec![("chemical", "1"), ("risk_colour", "red"), ("notes", "乙区改的")]),
        (format!("/safety/enterprises/{e}/entries"), vec![("kind", "contractor"), ("name", "乙区承包商")]),
    ] {
        assert_eq!(b.post_form(&path, &fields).await.status(), StatusCode::NOT_FOUND, "POST {path}");
    }
    for action in ["start", "submit", "pass", "extend"] {
        let r =
            step(&b, id, &[("action", action), ("note", "乙区"), ("new_deadline", "2031-01-01")], Some(("x.png", PNG)))
                .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "step {action}");
    }
    let r = b.json(Method::POST, &format!("/api/v1/hazards/{id}/steps"), Some(json!({"action": "start"}))).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // a hazard of A's enterprise cannot be registered from B
    let r = register(
        &b,
        &[
            ("enterprise_id", &e.to_string()),
            ("description", "x"),
            ("level", "general"),
            ("found_date", "2025-06-10"),
            ("deadline", "2025-06-20"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, ledger) = b.page("/safety/hazards").await;
    assert!(ledger.contains("共 0 条"));
    let after = json_of(&a, &format!("/api/v1/hazards/{id}")).await;
    assert_eq!(before, after, "A's hazard unchanged");
    let (_, profile) = a.page(&format!("/safety/enterprises/{e}")).await;
    assert!(!profile.contains("乙区改的") && !profile.contains("乙区承包商"));
});
