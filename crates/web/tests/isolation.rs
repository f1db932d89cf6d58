//! Zone isolation: zone B's admin tries every route against zone A's records. Every attempt
//! answers 404 (never 403, which would confirm the record exists), nothing of A changes, and
//! nothing of A appears in B's pages, lists or files.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::TestApp;

const MARK: &str = "甲区标记XYZ";
const PDF: &[u8] = b"%PDF-1.4\n% zone A marker \xe7\x94\xb2\xe5\x8c\xba\xe6\xa0\x87\xe8\xae\xb0XYZ\n%%EOF\n";

struct ARecords {
    department: i64,
    dictionary: i64,
    user: i64,
    attachment: i64,
    audit: i64,
}

async fn seed_zone_a(app: &TestApp) -> ARecords {
    let a = app.admin().await;
    let r = a.json(Method::POST, "/api/v1/departments", Some(json!({"name": format!("{MARK}科室")}))).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let department = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = a
        .json(
            Method::POST,
            "/api/v1/dictionaries",
            Some(json!({"kind": "industry_chain", "value": format!("{MARK}产业链")})),
        )
        .await;
    let dictionary = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    // 三员: accounts are the security admin's, the audit log the auditor's
    let r = app
        .security()
        .await
        .json(
            Method::POST,
            "/api/v1/users",
            Some(json!({"login_name": "marker_user", "display_name": format!("{MARK}用户"), "role": "staff", "password": "Marker-pass1", "phone": "0355-1234567"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let user = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let part = reqwest::multipart::Part::bytes(PDF.to_vec()).file_name(format!("{MARK}.pdf"));
    let r = a
        .client
        .post(a.url("/api/v1/attachments"))
        .header("x-csrf-token", &a.csrf)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let attachment = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let audit: serde_json::Value = app.auditor().await.get("/api/v1/audit?limit=1").await.json().await.unwrap();
    let audit = audit["rows"][0]["id"].as_i64().unwrap();
    ARecords { department, dictionary, user, attachment, audit }
}

app_test!(zone_b_cannot_reach_zone_a, |app: TestApp| async move {
    let ids = seed_zone_a(&app).await;
    let b = app.admin_of_b().await;
    let (bs, ba) =
        (app.user_of_b("security_b", "security_admin").await, app.user_of_b("auditor_b", "audit_admin").await);
    // each of zone B's three administrators tries the routes of their own duty
    let pick = |path: &str| {
        if path.contains("/users") && !path.ends_with("/details") {
            &bs
        } else if path.contains("/audit") {
            &ba
        } else {
            &b
        }
    };
    let (d, k, u, f, l, z) = (ids.department, ids.dictionary, ids.user, ids.attachment, ids.audit, app.zone_a);
    let reads = [
        format!("/admin/departments/{d}"),
        format!("/admin/dictionaries/{k}"),
        format!("/admin/users/{u}"),
        format!("/admin/audit/{l}"),
        format!("/attachments/{f}"),
        format!("/api/v1/departments/{d}"),
        format!("/api/v1/users/{u}"),
        format!("/api/v1/audit/{l}"),
        format!("/api/v1/attachments/{f}"),
        format!("/api/v1/attachments/{f}/content"),
        format!("/api/v1/zones/{z}"),
    ];
    let form_writes = [
        (format!("/admin/departments/{d}"), vec![("name", "B 改名"), ("active", "on")]),
        (format!("/admin/departments/{d}/delete"), vec![]),
        (format!("/admin/dictionaries/{k}"), vec![("value", "B 改值"), ("active", "on")]),
        (format!("/admin/dictionaries/{k}/delete"), vec![]),
        (format!("/admin/users/{u}"), vec![("display_name", "B 改名"), ("role", "admin"), ("active", "on")]),
        (format!("/admin/users/{u}/password"), vec![("password", "Taken-over-1")]),
    ];
    let json_writes = [
        (Method::PUT, format!("/api/v1/departments/{d}"), json!({"name": "B 改名"})),
        (Method::DELETE, format!("/api/v1/departments/{d}"), json!(null)),
        (Method::PUT, format!("/api/v1/dictionaries/{k}"), json!({"value": "B 改值"})),
        (Method::DELETE, format!("/api/v1/dictionaries/{k}"), json!(null)),
        (Method::PUT, format!("/api/v1/users/{u}"), json!({"role": "admin", "version": 1})),
        (Method::PUT, format!("/api/v1/users/{u}/details"), json!({"display_name": "B 改名", "version": 1})),
    ];
    let mut attempts = 0;
    for path in &reads {
        let r = pick(path).get(path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "GET {path}");
        assert!(!r.text().await.unwrap().contains(MARK), "GET {path} leaked");
        attempts += 1;
    }
    for (path, fields) in &form_writes {
        let r = pick(path).post_form(path, fields).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
        attempts += 1;
    }
    for (method, path, body) in &json_writes {
        let body = (!body.is_null()).then(|| body.clone());
        let r = pick(path).json(method.clone(), path, body).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
        attempts += 1;
    }
    // B's own lists, searches and pages show nothing of A
    for path in [
        "/",
        "/admin/departments",
        "/admin/dictionaries",
        "/admin/users",
        "/admin/users?q=marker",
        "/admin/audit",
        "/attachments",
        "/api/v1/departments",
        "/api/v1/dictionaries",
        "/api/v1/users?q=marker",
        "/api/v1/audit?limit=500",
        "/api/v1/attachments",
        "/api/v1/zones",
    ] {
        let r = pick(path).get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(!r.text().await.unwrap().contains(MARK), "{path} leaked zone A's data");
        attempts += 1;
    }
    // nothing of A changed
    let a = app.admin().await;
    let dep: serde_json::Value = a.get(&format!("/api/v1/departments/{d}")).await.json().await.unwrap();
    assert_eq!(dep["name"], format!("{MARK}科室"));
    let user: serde_json::Value = app.security().await.get(&format!("/api/v1/users/{u}")).await.json().await.unwrap();
    assert_eq!(
        (user["display_name"].as_str().unwrap(), user["role"].as_str().unwrap()),
        (format!("{MARK}用户").as_str(), "staff")
    );
    let dict: serde_json::Value = a.get("/api/v1/dictionaries?kind=industry_chain").await.json().await.unwrap();
    assert!(dict["rows"].as_array().unwrap().iter().any(|r| r["id"] == k && r["value"] == format!("{MARK}产业链")));
    let file = a.get(&format!("/api/v1/attachments/{f}/content")).await.bytes().await.unwrap();
    assert_eq!(&file[..], PDF);
    let c = TestApp::client();
    let r = app
        .login_request(&c)
        .await
        .form(&[("login_name", "marker_user"), ("password", "Marker-pass1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "A's user still has their own password");
    eprintln!("zone isolation: {attempts} attempts, 0 leaks");
});
