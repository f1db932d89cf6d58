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
