//! Login CSRF (issue 10, E1; ASVS 3.5.1/3.5.3): `POST /login` is the one public write, so a
//! page on another site could post the attacker's name and password and sign the victim's
//! browser into the attacker's account (whatever the victim then enters lands there). The login
//! form carries a pre-session token — the login page's `kfq_login` cookie (`SameSite=Strict`,
//! `HttpOnly`) and the same value in a hidden field, a double submit — and a login from another
//! site's page (`Origin`, `Sec-Fetch-Site: cross-site`) is refused even with the token. Every
//! forgery below is answered 403 and signs nobody in, the password step and the code step
//! alike; the genuine form still works.

mod support;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use support::TestApp;

async fn sessions(app: &TestApp) -> i64 {
    let row = app
        .db
        .conn
        .query_one_raw(Statement::from_string(app.db.backend(), "SELECT COUNT(*) FROM sessions"))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// The login page's cookie (`kfq_login=…`) and its token.
async fn login_page(app: &TestApp, c: &reqwest::Client) -> (String, String) {
    let r = c.get(app.url("/login")).send().await.unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kfq_login="))
        .expect("the login page sets its cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_string();
    let html = r.text().await.unwrap();
    let token = support::csrf_in(&html).expect("the form carries the token");
    assert_eq!(cookie, format!("kfq_login={token}"), "double submit: the same value");
    (cookie, token)
}

app_test!(forged_logins_sign_nobody_in, |app: TestApp| async move {
    let pw = app.password.clone();
    let before = sessions(&app).await;
    // the attacker's own login page: a real token, but for the attacker's browser
    let (_, attackers) = login_page(&app, &TestApp::client()).await;
    let creds = |token: Option<&str>| {
        let mut f = vec![("login_name", "admin".to_string()), ("password", pw.clone()), ("next", "/".into())];
        if let Some(t) = token {
            f.push(("_csrf", t.to_string()));
        }
        f
    };
    let mut forged = 0;
    let mut refused = 0;
    let mut check = |r: reqwest::Response, what: &str| {
        forged += 1;
        let status = r.status();
        let session =
            r.headers().get_all("set-cookie").iter().any(|v| v.to_str().unwrap_or("").starts_with("kfq_session="));
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
        assert!(!session, "{what}: a session cookie was set");
        refused += 1;
    };
    // 1. a plain forged form: no cookie, no token
    let r = TestApp::client().post(app.url("/login")).form(&creds(None)).send().await.unwrap();
    let body_status = r.status();
    check(r, "no cookie, no token");
    assert_eq!(body_status, StatusCode::FORBIDDEN);
    // 2. the victim's browser has visited the login page (its cookie goes along), no token
    let victim = TestApp::client();
    let (cookie, token) = login_page(&app, &victim).await;
    let r = victim.post(app.url("/login")).header("cookie", &cookie).form(&creds(None)).send().await.unwrap();
    check(r, "cookie, no token");
    // 3. a made-up token
    let fake = "0123456789abcdef0123456789abcdef";
    let r = victim.post(app.url("/login")).header("cookie", &cookie).form(&creds(Some(fake))).send().await.unwrap();
    check(r, "cookie, fake token");
    // 4. the attacker's own valid token against the victim's cookie
    let r =
        victim.post(app.url("/login")).header("cookie", &cookie).form(&creds(Some(&attackers))).send().await.unwrap();
    check(r, "the attacker's token");
    // 5. the attacker's token without any cookie (the victim never opened the login page)
    let r = TestApp::client().post(app.url("/login")).form(&creds(Some(&attackers))).send().await.unwrap();
    check(r, "a token without its cookie");
    // 6. the right token, but the page posting it is on another site
    let r = victim
        .post(app.url("/login"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .form(&creds(Some(&token)))
        .send()
        .await
        .unwrap();
    check(r, "Origin: evil.example");
    let r = victim
        .post(app.url("/login"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .form(&creds(Some(&token)))
        .send()
        .await
        .unwrap();
    check(r, "Sec-Fetch-Site: cross-site");
    // 7. the code step (a waiting TOTP login) is a login too
    let r = TestApp::client()
        .post(app.url("/login"))
        .form(&[("mfa", "0123456789abcdef"), ("code", "123456"), ("next", "/")])
        .send()
        .await
        .unwrap();
    check(r, "code step without a token");
    assert_eq!(sessions(&app).await, before, "no session created by any forgery");
    // none of them counted as a failed login either (no lock-out by forged posts)
    let failed = app
        .db
        .conn
        .query_one_raw(Statement::from_string(
            app.db.backend(),
            "SELECT CAST(failed_logins AS BIGINT) FROM users WHERE login_name = 'admin'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(failed, 0, "forged posts are not password attempts");

    // the refusal page offers a fresh form that works
    let c = TestApp::client();
    let r = c.post(app.url("/login")).form(&creds(None)).send().await.unwrap();
    let renewed = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kfq_login="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("a new login cookie");
    let html = r.text().await.unwrap();
    assert!(html.contains("登录页面已过期"), "{html}");
    let t = support::csrf_in(&html).unwrap();
    assert_eq!(renewed, format!("kfq_login={t}"));
    let r = c
        .post(app.url("/login"))
        .header("cookie", &renewed)
        .header("origin", app.base.as_str())
        .header("sec-fetch-site", "same-origin")
        .form(&creds(Some(&t)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the genuine form, same origin");
    assert_eq!(sessions(&app).await, before + 1);
    println!(
        "E1 login CSRF: {forged} forged logins (no token, fake token, another browser's token, foreign Origin, cross-site fetch, code step), {refused} refused with 403, 0 sessions; the genuine form 303"
    );
});
