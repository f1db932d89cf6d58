//! Bad input of every kind gets a clear error that names the problem, and changes nothing.

mod support;

use kaifaqu_store::Engine;
use kaifaqu_web::Limits;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Options, TestApp};

async fn department_count(s: &support::Session) -> u64 {
    let v: Value = s.get("/api/v1/departments").await.json().await.unwrap();
    v["total"].as_u64().unwrap()
}

async fn error_of(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    (status, r.json().await.unwrap())
}

app_test!(json_errors_name_the_problem, |app: TestApp| async move {
    let s = app.admin().await;
    let before = department_count(&s).await;
    let post_raw = |body: &'static str| {
        s.client
            .post(s.url("/api/v1/departments"))
            .header("x-csrf-token", &s.csrf)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let (st, e) = error_of(post_raw("{\"name\": ").await.unwrap()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(e["code"], "bad_request");
    assert!(e["message"].as_str().unwrap().contains("JSON 格式有误"), "{e}");
    let (st, e) = error_of(post_raw("{}").await.unwrap()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(e["message"].as_str().unwrap().contains("缺少字段 name"), "{e}");
    // a field the endpoint does not know is named (422, like any field error), never dropped
    let (st, e) = error_of(post_raw("{\"name\": \"x\", \"colour\": 1}").await.unwrap()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "colour", "{e}");
    assert!(e["message"].as_str().unwrap().contains("不认识的字段“colour”"), "{e}");
    let (st, e) = error_of(post_raw("{\"name\": \"x\", \"sort_order\": \"first\"}").await.unwrap()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(e["message"].as_str().unwrap().contains("字段类型或取值有误"), "{e}");
    let r = s
        .client
        .post(s.url("/api/v1/departments"))
        .header("x-csrf-token", &s.csrf)
        .body("{\"name\":\"x\"}")
        .send()
        .await
        .unwrap();
    let (st, e) = error_of(r).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(e["message"].as_str().unwrap().contains("Content-Type"), "{e}");
    // validation: 422 with the field
    let long = "名".repeat(201);
    let (st, e) = error_of(s.json(Method::POST, "/api/v1/departments", Some(json!({"name": long}))).await).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("invalid"), Some("name")));
    assert_eq!(e["message"], "科室名称不能超过 200 个字");
    let (st, e) = error_of(s.json(Method::POST, "/api/v1/departments", Some(json!({"name": "   "}))).await).await;
    assert_eq!((st, e["message"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("科室名称不能为空")));
    let sec = app.security().await; // accounts are the 安全管理员's
    let (st, e) = error_of(
        sec.json(
            Method::POST,
            "/api/v1/users",
            Some(json!({"login_name": "x1", "display_name": "x", "role": "god", "password": "Abcdefg1!"})),
        )
        .await,
    )
    .await;
    assert_eq!((st, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("role")));
    assert_eq!(department_count(&s).await, before, "nothing was created");
});

app_test!(bad_paths_queries_and_forms_never_panic, |app: TestApp| async move {
    let s = app.admin().await;
    // 三员: accounts are the security admin's, the audit log the auditor's
    let (sec, au) = (app.security().await, app.auditor().await);
    let pick = |path: &str| {
        if path.contains("/users") {
            &sec
        } else if path.contains("/audit") {
            &au
        } else {
            &s
        }
    };
    for path in [
        "/admin/users/abc",
        "/admin/users/99999999999999999999999",
        "/api/v1/departments/-",
        "/admin/audit?from=2025-13-40",
        "/admin/users?page=x",
        "/api/v1/users?limit=501",
        "/api/v1/users?limit=0",
        "/api/v1/users?page=-1",
    ] {
        let r = pick(path).get(path).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains("有误") || body.contains("limit"), "{path}: {body}");
    }
    // an absurd page number: the API refuses it with the documented range, a page clamps it
    let r = sec.get("/api/v1/users?page=18446744073709551615").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("page 应为 1 到 1000000 之间的整数"));
    let r = sec.get("/admin/users?page=18446744073709551615").await;
    assert_eq!(r.status(), StatusCode::OK);
    let (st, html) = s.page("/no/such/page").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(html.contains("页面或记录不存在") && html.contains("返回首页"));
    let r = s.client.delete(s.url("/admin/users")).header("x-csrf-token", &s.csrf).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.text().await.unwrap().contains("不支持此操作方式"));
    // a form post without the form content type
    let r =
        s.client.post(s.url("/admin/departments")).header("x-csrf-token", &s.csrf).body("name=x").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("表单数据无法解析"));
    // error pages carry the request id that the logs carry
    let r = sec.get("/admin/users/abc").await;
    let rid = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(r.text().await.unwrap().contains(&rid));
});

mod limits {
    use super::*;

    async fn too_large(engine: Engine) {
        let opts = Options {
            limits: Limits { body_bytes: 64 * 1024, upload_bytes: 256 * 1024 },
            max_attachment: 100 * 1024,
            ..Default::default()
        };
        let Some(app) = TestApp::spawn_with(engine, opts).await else { return };
        let s = app.admin().await;
        let before = department_count(&s).await;
        let big = "名".repeat(40 * 1024);
        // JSON over the body limit
        let r = s.json(Method::POST, "/api/v1/departments", Some(json!({"name": big}))).await;
        let (st, e) = error_of(r).await;
        assert_eq!((st, e["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")));
        // a form over the limit
        let r = s.post_form("/admin/departments", &[("name", &big)]).await;
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(r.text().await.unwrap().contains("过大"));
        // an upload over the upload limit, and one under it but over the attachment limit
        let upload = |n: usize| {
            let mut bytes = b"%PDF-1.4\n".to_vec();
            bytes.resize(n, b'0');
            let part = reqwest::multipart::Part::bytes(bytes).file_name("big.pdf");
            s.client
                .post(s.url("/api/v1/attachments"))
                .header("x-csrf-token", &s.csrf)
                .multipart(reqwest::multipart::Form::new().part("file", part))
                .send()
        };
        let (st, _) = error_of(upload(300 * 1024).await.unwrap()).await;
        assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
        let (st, e) = error_of(upload(150 * 1024).await.unwrap()).await;
        assert_eq!((st, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("file")));
        assert!(e["message"].as_str().unwrap().contains("文件过大"), "{e}");
        // a type not on the allow-list, whatever its name says
        let part = reqwest::multipart::Part::bytes(b"MZ\x90\0 an exe".to_vec()).file_name("report.pdf");
        let r = s
            .client
            .post(s.url("/api/v1/attachments"))
            .header("x-csrf-token", &s.csrf)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        let (st, e) = error_of(r).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e["message"].as_str().unwrap().contains("不支持的文件类型"), "{e}");
        let list: Value = s.get("/api/v1/attachments").await.json().await.unwrap();
        assert_eq!(list["total"], 0, "no rejected upload was kept");
        assert_eq!(department_count(&s).await, before);
    }

    #[tokio::test]
    async fn sqlite() {
        too_large(Engine::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        too_large(Engine::Postgres).await;
    }
}

app_test!(openapi_describes_every_endpoint, |app: TestApp| async move {
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/me",
        "/api/v1/zones",
        "/api/v1/zones/{id}",
        "/api/v1/departments",
        "/api/v1/departments/{id}",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/dictionaries",
        "/api/v1/dictionaries/{id}",
        "/api/v1/audit",
        "/api/v1/audit/{id}",
        "/api/v1/attachments",
        "/api/v1/attachments/{id}",
        "/api/v1/attachments/{id}/content",
    ] {
        assert!(paths.contains_key(p), "{p} missing from OpenAPI");
    }
    assert!(doc["components"]["schemas"]["Department"].is_object());
});
