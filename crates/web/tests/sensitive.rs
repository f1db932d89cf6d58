//! Personal data over HTTP (issue 10, L2/M2): an enterprise's contact phone is shown whole to
//! staff — on the list, the record page, the JSON API and the XLSX export — and masked
//! (`139****0001`) to a read-only user on the same four; a search by the number finds the
//! enterprise for staff only; the security admin's user list shows phones masked. And the
//! optimistic versions of contacts and enterprises (G1): two writers of one version, one 409.

mod support;

use std::io::Cursor;

use calamine::{Reader, open_workbook_auto_from_rs};
use kaifaqu_store::{Scope, audit};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Session, TestApp};

const PHONE: &str = "13912340001";
const MASKED: &str = "139****0001";

/// Every cell of the first sheet of an XLSX download, as text.
async fn xlsx_text(s: &Session, path: &str) -> String {
    let r = s.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let mut wb = open_workbook_auto_from_rs(Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range.rows().flat_map(|row| row.iter().map(|c| c.to_string())).collect::<Vec<_>>().join("|")
}

/// A valid 统一社会信用代码 (the check character completed).
fn code() -> String {
    let base = "91140423MA0Y00001";
    format!("{base}{}", kaifaqu_domain::credit_code::check_char(base).unwrap())
}

async fn new_enterprise(staff: &Session) -> i64 {
    let body = json!({
        "name": "晋韵个人信息测试有限公司",
        "credit_code": code(),
        "contact_person": "李经理",
        "contact_phone": "139-1234-0001",
    });
    let r = staff.json(Method::POST, "/api/v1/enterprises", Some(body)).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["contact_phone"], "139-1234-0001");
    v["id"].as_i64().unwrap()
}

app_test!(phones_are_whole_for_staff_and_masked_for_a_viewer, |app: TestApp| async move {
    let staff = app.login("staff", &app.password).await;
    let id = new_enterprise(&staff).await;
    let viewer = app.login("viewer", &app.password).await;
    let mut checks = 0;
    for (who, s, shown, hidden) in
        [("staff", &staff, "139-1234-0001", MASKED), ("viewer", &viewer, MASKED, "139-1234-0001")]
    {
        // the list and the record page
        for path in ["/enterprises?q=晋韵个人信息".to_string(), format!("/enterprises/{id}")] {
            let (st, html) = s.page(&path).await;
            assert_eq!(st, StatusCode::OK, "{who} {path}");
            // (staff's record page shows the masked form too: in its change history)
            let history = who == "staff" && path.starts_with("/enterprises/");
            assert!(
                html.contains(shown) && (history || !html.contains(hidden)) && !html.contains(PHONE),
                "{who} {path}"
            );
            checks += 1;
        }
        // the API
        let v: Value = s.get(&format!("/api/v1/enterprises/{id}")).await.json().await.unwrap();
        assert_eq!(v["contact_phone"], shown, "{who}");
        let list: Value = s.get("/api/v1/enterprises?q=晋韵个人信息").await.json().await.unwrap();
        assert_eq!(list["rows"][0]["contact_phone"], shown, "{who}");
        checks += 2;
        // the export
        let cells = xlsx_text(s, "/enterprises.xlsx?q=晋韵个人信息").await;
        assert!(cells.contains(shown) && !cells.contains(hidden) && !cells.contains(PHONE), "{who}: {cells}");
        checks += 1;
    }
    // search by the number (any spelling): staff finds it, the viewer is not told whose it is
    let found: Value = staff.get("/api/v1/enterprises?q=%2B86%20139%201234%200001").await.json().await.unwrap();
    assert_eq!(found["total"], 1);
    let (_, html) = staff.page("/enterprises?q=13912340001").await;
    assert!(html.contains("晋韵个人信息测试有限公司"));
    let not: Value = viewer.get("/api/v1/enterprises?q=13912340001").await.json().await.unwrap();
    assert_eq!(not["total"], 0);
    // the history on the record page shows the number masked, to everyone
    let (_, html) = staff.page(&format!("/enterprises/{id}")).await;
    assert!(html.contains("value=\"139-1234-0001\"") && html.matches(MASKED).count() >= 1);
    println!(
        "personal data over HTTP: {checks} views (page, record, API get and list, XLSX) × staff/viewer: whole for staff, masked for the viewer, 0 leaks"
    );
});

app_test!(the_security_admin_sees_account_phones_masked, |app: TestApp| async move {
    use kaifaqu_store::users::{self, Home, UserForm};
    let f = UserForm {
        login_name: "zhaogong".into(),
        display_name: "赵工".into(),
        phone: "13812345678".into(),
        role: "staff".into(),
        password: "Start-pass1x".into(),
        ..Default::default()
    };
    users::create(&app.db, &kaifaqu_store::Actor::system("test"), Some(Home::Zone(app.zone_a)), &f).await.unwrap();
    let security = app.security().await;
    let (st, html) = security.page("/admin/users?q=zhaogong").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("138****5678") && !html.contains("13812345678"));
    // the user sees their own number whole
    let me = app.login("zhaogong", "Start-pass1x").await;
    let (_, html) = me.page("/account").await;
    assert!(html.contains("13812345678"));
});

/// The update records of one record in the audit log.
async fn updates(app: &TestApp, entity: &str, id: i64) -> usize {
    audit::history(&app.db, &Scope::System, entity, &id.to_string())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "update")
        .count()
}

app_test!(stale_writes_of_contacts_and_enterprises_get_409, |app: TestApp| async move {
    let staff = app.login("staff", &app.password).await;
    let firm = new_enterprise(&staff).await;
    let contacts: Value = staff.get("/api/v1/contacts?per_page=1").await.json().await.unwrap();
    let contact = contacts["rows"][0]["id"].as_i64().unwrap();
    let mut refused = 0;
    for (entity, path) in
        [("enterprise", format!("/api/v1/enterprises/{firm}")), ("contact", format!("/api/v1/contacts/{contact}"))]
    {
        let read: Value = staff.get(&path).await.json().await.unwrap();
        let version = read["version"].clone();
        let mut body = if entity == "enterprise" {
            json!({
                "name": read["name"], "credit_code": read["credit_code"], "contact_person": read["contact_person"],
                "contact_phone": read["contact_phone"], "address": "第一次",
            })
        } else {
            json!({
                "date": read["date"], "project_id": read["project_id"].as_i64().map(|p| p.to_string()).unwrap_or_default(),
                "lead_name": read["lead_name"].as_str().unwrap_or_default(), "form": read["form"],
                "team_id": read["team_id"].as_i64().map(|t| t.to_string()).unwrap_or_default(),
                "summary": "第一次",
            })
        };
        // without a version: refused, nothing changed
        let r = staff.json(Method::PUT, &path, Some(body.clone())).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{entity}");
        body["version"] = version.clone();
        let r = staff.json(Method::PUT, &path, Some(body.clone())).await;
        let status = r.status();
        assert_eq!(status, StatusCode::OK, "{entity}: {}", r.text().await.unwrap());
        if entity == "enterprise" {
            body["address"] = json!("第二次");
        } else {
            body["summary"] = json!("第二次");
        }
        let r = staff.json(Method::PUT, &path, Some(body)).await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{entity}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], "conflict");
        refused += 1;
        assert_eq!(updates(&app, entity, if entity == "enterprise" { firm } else { contact }).await, 1, "{entity}");
        let now: Value = staff.get(&path).await.json().await.unwrap();
        assert!(now.to_string().contains("第一次") && !now.to_string().contains("第二次"), "{entity}");
    }
    // a stale form: 409, re-rendered with the message
    let (_, html) = staff.page(&format!("/enterprises/{firm}")).await;
    assert!(html.contains("name=\"version\" value=\"2\""), "the form carries the version");
    let r = staff
        .post_form(
            &format!("/enterprises/{firm}"),
            &[("name", "晋韵个人信息测试有限公司"), ("credit_code", &code()), ("version", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    println!(
        "stale writes: 2 kinds (enterprise, contact) × 2 writers: 2 accepted, {refused} refused with 409, 0 side effects"
    );
});
