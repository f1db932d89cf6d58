//! The TOTP second factor over HTTP (issue 10 A5): enrolment with a QR code confirmed by a first
//! code, the login asking for the code, wrong and replayed codes refused, the previous step's
//! code accepted, the secret encrypted in the database, and its reset by the 安全管理员.

mod support;

use kaifaqu_store::{totp, users};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use support::{TestApp, csrf_in};

/// The value of the first `name="…" value="…"` in a page.
fn field(html: &str, name: &str) -> Option<String> {
    let pat = format!("name=\"{name}\" value=\"");
    let i = html.find(&pat)? + pat.len();
    Some(html[i..i + html[i..].find('"')?].to_string())
}

async fn login_step(app: &TestApp, c: &reqwest::Client, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
    let r = app.login_request(c).await.form(fields).send().await.unwrap();
    let status = r.status();
    let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

/// The password step; returns the token of the login waiting for its code.
async fn password_step(app: &TestApp, c: &reqwest::Client, login: &str) -> String {
    let (status, _, html) =
        login_step(app, c, &[("login_name", login), ("password", app.password.as_str()), ("next", "/")]).await;
    assert_eq!(status, StatusCode::OK, "the code is asked for");
    assert!(html.contains("动态口令"), "{html}");
    field(&html, "mfa").expect("the waiting login's token")
}

async fn code_step(app: &TestApp, c: &reqwest::Client, mfa: &str, code: &str) -> (StatusCode, String, String) {
    login_step(app, c, &[("mfa", mfa), ("code", code), ("next", "/")]).await
}

fn other_than(secret: &[u8], step: i64) -> &'static str {
    let near: Vec<String> = (step - 3..=step + 3).map(|s| totp::code_at(secret, s)).collect();
    ["000000", "111111", "222222"].into_iter().find(|c| !near.iter().any(|n| n == c)).unwrap()
}

app_test!(enrol_then_every_login_needs_a_fresh_code, |app: TestApp| async move {
    // keep the test inside one 30-second step's neighbourhood (not a time assertion: the test
    // only waits when a step boundary is near)
    let into = chrono::Utc::now().timestamp().rem_euclid(totp::STEP_SECONDS);
    if into > 25 {
        tokio::time::sleep(std::time::Duration::from_secs((totp::STEP_SECONDS - into + 1) as u64)).await;
    }
    let s = app.login("staff", &app.password).await;
    let (_, html) = s.page("/account/totp").await;
    assert!(html.contains("开始绑定"));
    assert_eq!(s.post_form("/account/totp/begin", &[]).await.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page("/account/totp").await;
    assert!(html.contains("<svg"), "the QR code is drawn");
    let i = html.find("<code>").unwrap() + 6;
    let shown = &html[i..i + html[i..].find('<').unwrap()];
    let secret_b32: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
    let secret = totp::base32_decode(&secret_b32).unwrap();
    assert_eq!(secret.len(), 20, "160-bit secret");
    let step = totp::current_step();
    let wrong = other_than(&secret, step);

    // a wrong first code does not enable it
    let r = s.post_form("/account/totp/confirm", &[("code", wrong)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("动态口令不正确"));
    let r = s.post_form("/account/totp/confirm", &[("code", &totp::code_at(&secret, step))]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/account?done=totp");

    // at rest: SM4-GCM with algorithm and key id, not the secret
    let stored: String = {
        let row = app
            .db
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                app.db.backend(),
                "SELECT totp_secret AS v FROM users WHERE login_name = 'staff'",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "v").unwrap()
    };
    assert!(stored.starts_with("sm4gcm:"), "{stored}");
    assert!(!stored.to_uppercase().contains(&secret_b32[..8]), "{stored}");

    // the password alone no longer signs in
    let c = TestApp::client();
    let mfa = password_step(&app, &c, "staff").await;
    assert!(c.get(app.url("/account")).send().await.unwrap().status() == StatusCode::SEE_OTHER, "no session yet");
    // the code used to enrol is spent (replay); a wrong one is refused
    let (status, _, html) = code_step(&app, &c, &mfa, &totp::code_at(&secret, step)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "replayed code");
    assert!(html.contains("已用过"), "{html}");
    let (status, _, _) = code_step(&app, &c, &mfa, wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "wrong code");
    // as if a minute had passed since enrolment: the previous step's code is accepted
    let now = totp::current_step();
    app.db
        .conn
        .execute_unprepared(&format!("UPDATE users SET totp_last_step = {} WHERE login_name = 'staff'", now - 2))
        .await
        .unwrap();
    let prev = totp::code_at(&secret, now - 1);
    let (status, location, _) = code_step(&app, &c, &mfa, &prev).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/"));
    assert_eq!(c.get(app.url("/account")).send().await.unwrap().status(), StatusCode::OK, "signed in");
    // the same code again, in a new login: replay
    let c2 = TestApp::client();
    let mfa2 = password_step(&app, &c2, "staff").await;
    let (status, _, _) = code_step(&app, &c2, &mfa2, &prev).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "replayed in another login");
    // a made-up waiting-login token gets nothing
    let (status, _, _) = code_step(&app, &TestApp::client(), "0123abcd", &totp::code_at(&secret, now)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // reset: not the system admin's (三员), the security admin's
    let id = users::find_by_login(&app.db, "staff").await.unwrap().unwrap().id;
    let admin = app.admin().await;
    assert_eq!(admin.post_form(&format!("/admin/users/{id}/totp/reset"), &[]).await.status(), StatusCode::FORBIDDEN);
    let security = app.security().await;
    let r = security.post_form(&format!("/admin/users/{id}/totp/reset"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // another zone's security admin gets 404
    let b = app.user_of_b("security_b", "security_admin").await;
    assert_eq!(b.post_form(&format!("/admin/users/{id}/totp/reset"), &[]).await.status(), StatusCode::NOT_FOUND);
    // the password alone signs in again
    let (status, location, _) = login_step(
        &app,
        &TestApp::client(),
        &[("login_name", "staff"), ("password", app.password.as_str()), ("next", "/")],
    )
    .await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/"));
    let _ = csrf_in;
    println!(
        "TOTP: enrolled with QR + 160-bit secret; wrong enrol code 422; replayed code 401 (twice); wrong code 401; previous-step code accepted; secret stored as {}…; reset by 安全管理员 only (admin 403, other zone 404)",
        &stored[..9]
    );
});
