//! Login, the shell, lockout, logout, session expiry, CSRF, API tokens, password changes.

mod support;

use kaifaqu_store::Engine;
use kaifaqu_store::auth::AuthPolicy;
use reqwest::StatusCode;
use support::{Options, TestApp, csrf_in};

app_test!(demo_admin_logs_in_and_sees_the_shell, |app: TestApp| async move {
    let s = app.admin().await;
    let (status, html) = s.page("/").await;
    assert_eq!(status, StatusCode::OK);
    for text in ["襄垣经济技术开发区", "系统管理员", "退出", "科室", "字典", "D 级（较低安全风险）", "31 个"]
    {
        assert!(html.contains(text), "home lacks {text}");
    }
    // the menu has no entry to a page that does not exist
    for href in ["/", "/attachments", "/admin/zone", "/admin/departments", "/admin/dictionaries", "/account"] {
        assert!(html.contains(&format!("href=\"{href}\"")), "{href}");
        assert_eq!(s.get(href).await.status(), StatusCode::OK, "{href}");
    }
    // 三员: the accounts and the audit log are not in the system admin's menu
    for href in ["/admin/users", "/admin/audit"] {
        assert!(!html.contains(&format!("href=\"{href}\"")), "{href}");
    }
});

app_test!(anonymous_pages_redirect_to_login_and_api_answers_401, |app: TestApp| async move {
    let c = TestApp::client();
    let r = c.get(app.url("/admin/users?q=a")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=%2Fadmin%2Fusers%3Fq%3Da");
    let r = c.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    assert_eq!(body["message"], "请先登录");
    assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(c.get(app.url("/readyz")).send().await.unwrap().status(), StatusCode::OK);
});

app_test!(login_never_redirects_off_site, |app: TestApp| async move {
    for next in ["//evil.example/", "/\\evil.example", "/\t/evil.example/", "https://evil.example/"] {
        let c = TestApp::client();
        let r = app
            .login_request(&c)
            .await
            .form(&[("login_name", "admin"), ("password", app.password.as_str()), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/", "{next:?}");
    }
});

app_test!(failed_logins_lock_without_revealing_the_name, |app: TestApp| async move {
    let c = TestApp::client();
    let try_login = |name: &'static str, pw: &'static str| {
        let c = c.clone();
        let app = &app;
        async move {
            let r = app.login_request(&c).await.form(&[("login_name", name), ("password", pw)]).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (s1, unknown) = try_login("nobody", "Whatever1!").await;
    let (s2, wrong) = try_login("staff", "Whatever1!").await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    let msg = |h: &str| h[h.find("class=\"alert\"").unwrap()..].split("</div>").next().unwrap().to_string();
    assert_eq!(msg(&unknown), msg(&wrong), "same message for unknown and known names");
    for _ in 0..4 {
        try_login("staff", "Whatever1!").await;
    }
    // five failures: the right password is refused now, with the same message
    let c2 = TestApp::client();
    let r = app
        .login_request(&c2)
        .await
        .form(&[("login_name", "staff"), ("password", app.password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // every failure was audited
    let admin = app.auditor().await;
    let audit: serde_json::Value = admin.get("/api/v1/audit?action=login_failed&limit=100").await.json().await.unwrap();
    assert!(audit["total"].as_u64().unwrap() >= 6, "{audit}");
});

app_test!(logout_ends_the_session, |app: TestApp| async move {
    let s = app.admin().await;
    let r = s.post_form("/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.get("/").await.status(), StatusCode::SEE_OTHER);
    let admin = app.auditor().await;
    let audit: serde_json::Value = admin.get("/api/v1/audit?action=logout").await.json().await.unwrap();
    assert_eq!(audit["total"], 1);
});

app_test!(csrf_is_required_for_state_changes, |app: TestApp| async move {
    let s = app.admin().await;
    // form without token
    let r = s.client.post(s.url("/admin/departments")).form(&[("name", "无令牌科室")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("CSRF"));
    // wrong token, form and JSON
    let r = s
        .client
        .post(s.url("/admin/departments"))
        .form(&[("name", "错令牌科室"), ("_csrf", "0000")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = s
        .client
        .post(s.url("/api/v1/departments"))
        .json(&serde_json::json!({"name": "接口无令牌"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "csrf");
    // nothing was created
    let (_, html) = s.page("/admin/departments").await;
    assert!(!html.contains("无令牌科室") && !html.contains("错令牌科室"));
    let list: serde_json::Value = s.get("/api/v1/departments").await.json().await.unwrap();
    assert_eq!(list["total"], 9);
    // with the token it works
    let r = s.post_form("/admin/departments", &[("name", "有令牌科室")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
});

mod session_expiry {
    use super::*;

    async fn expired_after_login(engine: Engine, policy: AuthPolicy) {
        let Some(app) = TestApp::spawn_with(engine, Options { policy, ..Default::default() }).await else {
            return;
        };
        let c = TestApp::client();
        let r = app
            .login_request(&c)
            .await
            .form(&[("login_name", "admin"), ("password", app.password.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login itself works");
        let r = c.get(app.url("/")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "an expired session is sent to login");
    }

    fn idle_zero() -> AuthPolicy {
        AuthPolicy { idle_timeout: chrono::Duration::zero(), ..Default::default() }
    }

    fn absolute_zero() -> AuthPolicy {
        AuthPolicy { absolute_timeout: chrono::Duration::zero(), ..Default::default() }
    }

    #[tokio::test]
    async fn idle_sqlite() {
        expired_after_login(Engine::Sqlite, idle_zero()).await;
    }
    #[tokio::test]
    async fn idle_postgres() {
        expired_after_login(Engine::Postgres, idle_zero()).await;
    }
    #[tokio::test]
    async fn absolute_sqlite() {
        expired_after_login(Engine::Sqlite, absolute_zero()).await;
    }
    #[tokio::test]
    async fn absolute_postgres() {
        expired_after_login(Engine::Postgres, absolute_zero()).await;
    }
}

app_test!(api_tokens_authenticate_and_can_be_revoked, |app: TestApp| async move {
    let s = app.admin().await;
    let r = s.post_form("/account/tokens", &[("name", "统计系统对接")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let start = html.find("kfq_").expect("token shown once");
    let token: String = html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let api = reqwest::Client::new();
    let me: serde_json::Value =
        api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["login_name"], "admin");
    // token writes need no CSRF token (no cookie)
    let r = api
        .post(app.url("/api/v1/departments"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "令牌创建的科室"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // listed with last use, never shown again
    let (_, page) = s.page("/account").await;
    assert!(page.contains("统计系统对接") && !page.contains(&token));
    // revoke
    let id = page.split("/account/tokens/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let r = s.post_form(&format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = api.get(app.url("/api/v1/me")).bearer_auth("kfq_forged").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
});

app_test!(password_change_and_admin_reset, |app: TestApp| async move {
    let staff = app.login("staff", &app.password).await;
    let other_device = app.login("staff", &app.password).await;
    // rules are checked, each error beside its field
    let r = staff
        .post_form("/account/password", &[("old_password", "wrong"), ("new_password", "short"), ("confirm", "short")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("原密码不正确") && html.contains("密码至少 8 位"));
    let r = staff
        .post_form(
            "/account/password",
            &[("old_password", &app.password), ("new_password", "New-pass-2025"), ("confirm", "New-pass-2025")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // both sessions ended
    assert_eq!(staff.get("/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(other_device.get("/").await.status(), StatusCode::SEE_OTHER);
    let staff = app.login("staff", "New-pass-2025").await;
    // a reset by the security admin forces a change at next login
    let admin = app.security().await;
    let users: serde_json::Value = admin.get("/api/v1/users?q=staff").await.json().await.unwrap();
    let id = users["rows"][0]["id"].as_i64().unwrap();
    let r = admin.post_form(&format!("/admin/users/{id}/password"), &[("password", "Reset-by-admin9")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(staff.get("/").await.status(), StatusCode::SEE_OTHER, "reset ends sessions");
    let c = TestApp::client();
    let r = app
        .login_request(&c)
        .await
        .form(&[("login_name", "staff"), ("password", "Reset-by-admin9")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/account/password");
    let r = c.get(app.url("/admin/zone")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/account/password", "everything else waits for the change");
    let html = c.get(app.url("/account/password")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("管理员重设了您的密码"));
    let csrf = csrf_in(&html).unwrap();
    let r = c
        .post(app.url("/account/password"))
        .form(&[
            ("old_password", "Reset-by-admin9"),
            ("new_password", "Mine-again-77"),
            ("confirm", "Mine-again-77"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let s = app.login("staff", "Mine-again-77").await;
    assert_eq!(s.get("/").await.status(), StatusCode::OK);
});

app_test!(roles_limit_what_pages_allow, |app: TestApp| async move {
    let viewer = app.login("viewer", &app.password).await;
    assert_eq!(viewer.get("/").await.status(), StatusCode::OK);
    let (status, html) = viewer.page("/admin/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("没有“账号与安全管理”权限"), "{html}");
    let r = viewer.json(reqwest::Method::POST, "/api/v1/departments", Some(serde_json::json!({"name": "x"}))).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // the city user sees every zone of the city and changes nothing
    let city = app.login("city", &app.password).await;
    let (status, html) = city.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("本市开发区（8 个）") && html.contains("示例开发区庚"));
    assert!(!html.contains("href=\"/admin/"));
    let zones: serde_json::Value = city.get("/api/v1/zones").await.json().await.unwrap();
    assert_eq!(zones.as_array().unwrap().len(), 8);
    assert_eq!(city.get("/admin/departments").await.status(), StatusCode::FORBIDDEN);
    let r = city
        .json(
            reqwest::Method::POST,
            "/api/v1/dictionaries",
            Some(serde_json::json!({"kind": "industry_chain", "value": "x"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
});
