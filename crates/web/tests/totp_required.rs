//! A5 by policy (issue 10): `[auth] totp_required_roles` — a user of such a role (by default the
//! three duties 系统管理员 / 审计管理员 / 安全管理员) without a second factor is sent after the
//! password to the enrolment page, and nothing else answers until the enrolment is confirmed
//! (pages redirect there, other requests are 403); roles outside the list sign in as before.

mod support;

use kaifaqu_store::auth::{AuthPolicy, DUTY_ROLES};
use kaifaqu_store::totp;
use reqwest::{Method, StatusCode};
use support::{Options, TestApp, csrf_in};

async fn app_requiring_duties(engine: kaifaqu_store::Engine) -> Option<TestApp> {
    let policy = AuthPolicy { totp_required: DUTY_ROLES.to_vec(), ..AuthPolicy::default() };
    TestApp::spawn_with(engine, Options { policy, ..Default::default() }).await
}

/// The password step of a login: its status and where it sends the browser.
async fn sign_in(app: &TestApp, login: &str) -> (reqwest::Client, String) {
    let c = TestApp::client();
    let r = app
        .login_request(&c)
        .await
        .form(&[("login_name", login), ("password", app.password.as_str()), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{login} signs in with the password");
    (c, r.headers()["location"].to_str().unwrap().to_string())
}

async fn required(engine: kaifaqu_store::Engine) {
    let Some(app) = app_requiring_duties(engine).await else { return };
    // into a 30-second step's neighbourhood (the test only waits when a boundary is near)
    let into = chrono::Utc::now().timestamp().rem_euclid(totp::STEP_SECONDS);
    if into > 25 {
        tokio::time::sleep(std::time::Duration::from_secs((totp::STEP_SECONDS - into + 1) as u64)).await;
    }
    // a staff member is not asked
    let (_, next) = sign_in(&app, "staff").await;
    assert_eq!(next, "/", "a role outside the list signs in as before");

    let mut refused = 0;
    let mut tried = 0;
    for login in ["admin", "security", "auditor"] {
        let (c, next) = sign_in(&app, login).await;
        assert_eq!(next, "/account/totp", "{login}: enrolment first");
        let page = c.get(app.url("/account/totp")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("须使用动态口令"), "{login}: the page says why");
        let csrf = csrf_in(&html).unwrap();
        // every other page redirects to the enrolment, every other request is refused
        for path in ["/", "/projects", "/admin/departments", "/admin/users", "/admin/audit", "/account"] {
            let r = c.get(app.url(path)).send().await.unwrap();
            tried += 1;
            if r.status() == StatusCode::SEE_OTHER && r.headers()["location"] == "/account/totp" {
                refused += 1;
            } else {
                panic!("{login} GET {path}: {}", r.status());
            }
        }
        for (method, path) in [
            (Method::GET, "/api/v1/departments"),
            (Method::POST, "/admin/departments"),
            (Method::POST, "/account/tokens"),
        ] {
            let r = c
                .request(method.clone(), app.url(path))
                .header("x-csrf-token", &csrf)
                .form(&[("name", "绕过"), ("_csrf", csrf.as_str())])
                .send()
                .await
                .unwrap();
            tried += 1;
            let status = r.status();
            let body = r.text().await.unwrap();
            assert_eq!(status, StatusCode::FORBIDDEN, "{login} {method} {path}");
            assert!(body.contains("动态口令"), "{login} {path}: {body}");
            refused += 1;
        }
        // enrol: begin, scan, confirm — then the rest opens
        let r = c.post(app.url("/account/totp/begin")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{login}: enrolment starts");
        let html = c.get(app.url("/account/totp")).send().await.unwrap().text().await.unwrap();
        let i = html.find("<code>").unwrap() + 6;
        let shown: String = html[i..i + html[i..].find('<').unwrap()].chars().filter(|c| !c.is_whitespace()).collect();
        let secret = totp::base32_decode(&shown).unwrap();
        let code = totp::code_at(&secret, totp::current_step());
        let r = c
            .post(app.url("/account/totp/confirm"))
            .form(&[("code", code.as_str()), ("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{login}: enrolled");
        let r = c.get(app.url("/account")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{login}: after enrolment the account page opens");
    }
    println!(
        "A5 ({engine:?}): 3 duty roles required to enrol; {tried} requests before enrolment, {refused} sent to the \
         enrolment or refused, 0 answered; staff not asked; after enrolment the pages open"
    );
    assert_eq!(tried, refused);
}

#[tokio::test]
async fn duty_roles_must_enrol_before_anything_else_sqlite() {
    required(kaifaqu_store::Engine::Sqlite).await;
}

#[tokio::test]
async fn duty_roles_must_enrol_before_anything_else_postgres() {
    required(kaifaqu_store::Engine::Postgres).await;
}
