//! Authentication profiles over HTTP (issue 10 A2–A4): the 等保 and ASVS password rules, the
//! 90-day expiry forcing 修改密码, per-address throttling (429 with Retry-After) and the same
//! answer, in similar time, for an unknown name and a wrong password.

mod support;

use std::time::Instant;

use kaifaqu_domain::password::Profile;
use kaifaqu_store::Engine;
use kaifaqu_store::auth::AuthPolicy;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use support::{Options, TestApp, csrf_in};

async fn spawn(engine: Engine, policy: AuthPolicy) -> Option<TestApp> {
    TestApp::spawn_with(engine, Options { policy, ..Default::default() }).await
}

/// Runs a body on both engines with an app of the given policy.
macro_rules! policy_test {
    ($name:ident, $policy:expr, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let app = spawn(Engine::Sqlite, $policy).await.unwrap();
                ($body)(app).await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some(app) = spawn(Engine::Postgres, $policy).await else { return };
                ($body)(app).await;
            }
        }
    };
}

async fn post_login(app: &TestApp, c: &reqwest::Client, login: &str, password: &str) -> reqwest::Response {
    app.login_request(c)
        .await
        .form(&[("login_name", login), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap()
}

/// Changes the signed-in user's password through the form; returns the status and the body.
async fn change(app: &TestApp, login: &str, new: &str) -> (StatusCode, String) {
    let s = app.login(login, &app.password).await;
    let html = s.get("/account/password").await.text().await.unwrap();
    let csrf = csrf_in(&html).unwrap();
    let r = s
        .client
        .post(app.url("/account/password"))
        .form(&[("old_password", app.password.as_str()), ("new_password", new), ("confirm", new), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

policy_test!(
    asvs_refuses_the_ten_character_password,
    AuthPolicy::for_profile(Profile::Asvs),
    |app: TestApp| async move {
        let s = app.login("staff", &app.password).await;
        let html = s.get("/account/password").await.text().await.unwrap();
        assert!(html.contains("至少 12 位"), "the ASVS rule is shown");
        let (status, html) = change(&app, "staff", "Tq7#mZ2vxw").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("密码至少 12 位"), "{html}");
        // no composition rule: a long phrase of lower-case words is fine
        let (status, _) = change(&app, "staff", "quiet river under stone").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        println!("ASVS profile: a 10-character password refused (422), a 23-character phrase accepted");
    }
);

policy_test!(
    dengbao_accepts_the_ten_character_password,
    AuthPolicy::for_profile(Profile::Dengbao),
    |app: TestApp| async move {
        let (status, _) = change(&app, "staff", "Tq7#mZ2vxw").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, html) = change(&app, "leader", "quiet river under stone").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("三类"), "{html}");
        println!("等保 profile: the same 10-character password accepted; a one-class phrase refused");
    }
);

policy_test!(
    an_expired_password_forces_the_change_page,
    AuthPolicy::for_profile(Profile::Dengbao),
    |app: TestApp| async move {
        let back = match app.db.engine {
            Engine::Postgres => "now() - interval '91 days'".to_string(),
            Engine::Sqlite => "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '-91 days')".to_string(),
        };
        app.db
            .conn
            .execute_unprepared(&format!("UPDATE users SET password_changed_at = {back} WHERE login_name = 'staff'"))
            .await
            .unwrap();
        let c = TestApp::client();
        let r = post_login(&app, &c, "staff", &app.password).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/account/password");
        // nothing else until it is changed
        for path in ["/", "/projects", "/account"] {
            let r = c.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
            assert_eq!(r.headers()["location"], "/account/password", "{path}");
        }
        let html = c.get(app.url("/account/password")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("已超过 90 天未修改"), "{html}");
        let csrf = csrf_in(&html).unwrap();
        let r = c
            .post(app.url("/account/password"))
            .form(&[
                ("old_password", app.password.as_str()),
                ("new_password", "Fresh#pass22"),
                ("confirm", "Fresh#pass22"),
                ("_csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = post_login(&app, &TestApp::client(), "staff", "Fresh#pass22").await;
        assert_eq!(r.headers()["location"], "/", "a fresh password goes where it was going");
        println!(
            "等保 expiry: a 91-day-old password sent to 修改密码 (3 pages tried, 3 redirected), free after the change"
        );
    }
);

fn throttled_policy() -> AuthPolicy {
    AuthPolicy { ip_max_failures: 3, ..AuthPolicy::default() }
}

policy_test!(too_many_failures_from_one_address_answer_429, throttled_policy(), |app: TestApp| async move {
    let c = TestApp::client();
    assert_eq!(post_login(&app, &c, "admin", "wrong-1").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(post_login(&app, &c, "nobody", "wrong-2").await.status(), StatusCode::UNAUTHORIZED);
    // a successful login is not a failure
    assert_eq!(post_login(&app, &c, "staff", &app.password).await.status(), StatusCode::SEE_OTHER);
    let c = TestApp::client();
    assert_eq!(post_login(&app, &c, "leader", "wrong-3").await.status(), StatusCode::UNAUTHORIZED);
    // the 4th failure-prone attempt from this address: refused before the password is looked at,
    // whichever account, even with the right password
    for login in ["admin", "leader2"] {
        let r = post_login(&app, &TestApp::client(), login, &app.password).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{login}");
        let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=15 * 60).contains(&wait), "{wait}");
        let html = r.text().await.unwrap();
        assert!(html.contains("登录失败次数过多") && html.contains("分钟后再试"), "{html}");
    }
    // the accounts themselves are not locked (that is the per-account rule, 5 failures)
    let u = kaifaqu_store::users::find_by_login(&app.db, "admin").await.unwrap().unwrap();
    assert!(!u.is_locked());
    println!(
        "per-address throttling: 3 failures allowed, attempt 4 and 5 (two accounts) answered 429 with Retry-After"
    );
});

fn lenient_policy() -> AuthPolicy {
    AuthPolicy { max_failures: 100, ip_max_failures: 100, ..AuthPolicy::default() }
}

fn median(mut v: Vec<u128>) -> u128 {
    v.sort_unstable();
    v[v.len() / 2]
}

policy_test!(unknown_names_and_wrong_passwords_look_the_same, lenient_policy(), |app: TestApp| async move {
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    let (mut body_unknown, mut body_wrong) = (String::new(), String::new());
    for i in 0..7 {
        let c = TestApp::client();
        let t = Instant::now();
        let r = post_login(&app, &c, "nobody", &format!("Guess#{i}word")).await;
        unknown.push(t.elapsed().as_micros());
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        body_unknown = r.text().await.unwrap().replace("nobody", "NAME");
        let t = Instant::now();
        let r = post_login(&app, &c, "leader", &format!("Guess#{i}word")).await;
        wrong.push(t.elapsed().as_micros());
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        body_wrong = r.text().await.unwrap().replace("leader", "NAME");
    }
    assert_eq!(body_unknown, body_wrong, "the same page whether the name exists or not");
    println!(
        "no enumeration ({:?}): median login time unknown name {} ms, wrong password {} ms (7 each, same status and body)",
        app.db.engine,
        median(unknown) / 1000,
        median(wrong) / 1000
    );
});
