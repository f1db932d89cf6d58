//! Security headers on every page a signed-in user reaches (issue 10, ASVS v5.0.0-3.4): the
//! pages are found by following the links of the home page and the menu, not listed by hand.

mod support;

use std::collections::BTreeSet;

use support::TestApp;

/// The site-internal links of a page (no downloads, no logout).
fn links(html: &str) -> BTreeSet<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//") && !h.starts_with("/static/"))
        .filter(|h| !h.contains("logout") && !h.contains("download") && !h.contains(".xlsx") && !h.contains("format="))
        .collect()
}

app_test!(every_page_carries_the_security_headers, |app: TestApp| async move {
    let s = app.admin().await;
    let (_, home) = s.page("/").await;
    let mut pages: BTreeSet<String> = links(&home);
    pages.insert("/".into());
    // one more level: the lists the menu leads to link to their records
    for p in pages.clone() {
        let (_, html) = s.page(&p).await;
        pages.extend(links(&html).into_iter().take(20));
    }
    let mut checked = 0;
    let mut missing = Vec::new();
    for p in &pages {
        let r = s.get(p).await;
        let h = r.headers();
        let ct = h.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let csp = get("content-security-policy");
        let mut want = vec![
            ("CSP script-src 'self'", csp.contains("script-src 'self'") && !csp.contains("unsafe-inline")),
            ("CSP frame-ancestors 'none'", csp.contains("frame-ancestors 'none'")),
            ("nosniff", get("x-content-type-options") == "nosniff"),
            ("Referrer-Policy", !get("referrer-policy").is_empty()),
        ];
        if ct.starts_with("text/html") {
            want.push(("Cache-Control: no-store", get("cache-control").contains("no-store")));
            want.push(("charset", ct.contains("charset=utf-8")));
        }
        for (what, ok) in want {
            if !ok {
                missing.push(format!("{p} ({}): {what}", r.status()));
            }
        }
        checked += 1;
    }
    println!("security headers: {checked} responses checked, {} missing", missing.len());
    assert!(checked > 30, "the crawl reached only {checked} pages");
    assert!(missing.is_empty(), "{missing:#?}");
});

#[tokio::test]
async fn session_cookies_are_host_prefixed_secure_and_fresh_at_each_login_sqlite() {
    host_cookies(kaifaqu_store::Engine::Sqlite).await;
}

#[tokio::test]
async fn session_cookies_are_host_prefixed_secure_and_fresh_at_each_login_postgres() {
    host_cookies(kaifaqu_store::Engine::Postgres).await;
}

async fn host_cookies(engine: kaifaqu_store::Engine) {
    let Some(app) = TestApp::spawn_with(engine, support::Options { secure_cookies: true, ..Default::default() }).await
    else {
        return;
    };
    let login = || async {
        let r = app
            .login_request(&TestApp::client())
            .await
            .form(&[("login_name", "admin"), ("password", app.password.as_str()), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string()
    };
    let (a, b) = (login().await, login().await);
    for c in [&a, &b] {
        assert!(c.starts_with("__Host-kfq_session="), "{c}");
        for attr in ["; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"] {
            assert!(c.contains(attr), "{attr} missing: {c}");
        }
        assert!(!c.to_ascii_lowercase().contains("domain="), "{c}");
    }
    let value = |c: &str| c.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let (va, vb) = (value(&a), value(&b));
    assert_ne!(va, vb, "every login gets a new session id");
    assert!(va.len() >= 32 && va.chars().all(|c| c.is_ascii_hexdigit()), "≥ 128 bits: {va}");
    // the cookie authenticates under its prefixed name only
    let get = |cookie: String| {
        let url = app.url("/account");
        async move { TestApp::client().get(url).header("cookie", cookie).send().await.unwrap().status() }
    };
    assert_eq!(get(format!("__Host-kfq_session={va}")).await, 200);
    assert_eq!(get(format!("kfq_session={va}")).await, 303, "the unprefixed name is not accepted");
}
