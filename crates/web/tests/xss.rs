//! Stored XSS (issue 10, D3): a corpus of more than 100 payloads mixed with Chinese text is
//! written into every free-text column of the database — below the forms, so nothing but the
//! rendering stands between the text and the page — and every page a signed-in user reaches is
//! rendered in headless Chromium. Each payload carries its number (`kfq-xss=NNN`): escaped, the
//! number shows up in the page's text; injected, it would be an element or attribute
//! `data-kfq-xss` in the DOM, and any script it ran would set `window.__kfqXss`. The figures:
//! payloads, columns, pages, payloads seen as text, injected elements (0), executions (0).
//!
//! Runs on SQLite, and on PostgreSQL when `KAIFAQU_TEST_POSTGRES_URL` is set. Without Chromium the
//! test prints a notice and passes, unless `KAIFAQU_TEST_REQUIRE_BROWSER=1`.

mod browser_support;
mod support;

use std::collections::{BTreeMap, BTreeSet};

use browser_support::{Browser, Driver, Programs};
use kaifaqu_store::{Db, Engine};
use sea_orm::{ConnectionTrait, Statement};
use support::{Session, TestApp};

/// The attack vectors; `{n}` is the payload's number. Each reaches a different context: element
/// content, quoted and unquoted attributes, URLs, raw-text elements, SVG, comments, markup that
/// only appears after a second unescape, and mutation tricks.
const VECTORS: &[&str] = &[
    "<script data-kfq-xss={n}>window.__kfqXss={n}</script>",
    "<img src=x onerror=window.__kfqXss={n} data-kfq-xss={n}>",
    "<svg onload=window.__kfqXss={n} data-kfq-xss={n}>",
    "\"><img src=x onerror=window.__kfqXss={n} data-kfq-xss={n}>",
    "'><svg/onload=window.__kfqXss={n} data-kfq-xss={n}>",
    "\" onmouseover=\"window.__kfqXss={n}\" data-kfq-xss=\"{n}",
    "' onfocus='window.__kfqXss={n}' autofocus data-kfq-xss='{n}",
    "</textarea><img src=x onerror=window.__kfqXss={n} data-kfq-xss={n}>",
    "</title><img src=x onerror=window.__kfqXss={n} data-kfq-xss={n}>",
    "</style><img src=x onerror=window.__kfqXss={n} data-kfq-xss={n}>",
    "</script><img src=x onerror=window.__kfqXss={n} data-kfq-xss={n}>",
    "--><img src=x onerror=window.__kfqXss={n} data-kfq-xss={n}><!--",
    "javascript:window.__kfqXss={n}//kfq-xss={n}",
    "<a href=\"javascript:window.__kfqXss={n}\" data-kfq-xss={n}>点此查看</a>",
    "<iframe srcdoc=\"<script>parent.__kfqXss={n}</script>\" data-kfq-xss={n}></iframe>",
    "<details open ontoggle=window.__kfqXss={n} data-kfq-xss={n}>",
    "<input autofocus onfocus=window.__kfqXss={n} data-kfq-xss={n}>",
    "<object data=\"javascript:window.__kfqXss={n}\" data-kfq-xss={n}></object>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__kfqXss={n}\" data-kfq-xss={n}>",
    "<base href=\"//evil.example/\" data-kfq-xss={n}>",
    "<form action=javascript:window.__kfqXss={n} data-kfq-xss={n}><button>提交</button></form>",
    "<svg><script data-kfq-xss={n}>window.__kfqXss={n}</script></svg>",
    "<svg><a xlink:href=\"javascript:window.__kfqXss={n}\" data-kfq-xss={n}><text>x</text></a></svg>",
    "<scr<script>ipt data-kfq-xss={n}>window.__kfqXss={n}</script>",
    "&lt;img src=x onerror=window.__kfqXss={n} data-kfq-xss={n}&gt;",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__kfqXss={n} data-kfq-xss={n}>",
    "<noscript><p title=\"</noscript><img src=x onerror=window.__kfqXss={n} data-kfq-xss={n}>\">",
    "<body onload=window.__kfqXss={n} data-kfq-xss={n}>",
    "<video><source onerror=\"window.__kfqXss={n}\" data-kfq-xss={n}></video>",
    "<style>@import 'http://evil.example/x.css';</style><b data-kfq-xss={n}>样式</b>",
    "{{7*7}}${window.__kfqXss={n}}<i data-kfq-xss={n}>模板</i>",
];

/// The Chinese text each vector is mixed into.
const CONTEXTS: &[&str] = &["{p}", "襄垣经开区项目{p}", "“{p}”已核实", "备注：{p}（请于月底前办结）"];

/// The corpus: every vector in every context, numbered from 100.
fn corpus() -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for c in CONTEXTS {
        for v in VECTORS {
            let n = 100 + out.len() as u32;
            let p = v.replace("{n}", &n.to_string());
            out.push((n, c.replace("{p}", &p)));
        }
    }
    out
}

/// Column names that hold free text even when the demo leaves them empty.
const FREE_TEXT_WORDS: &[&str] = &[
    "name",
    "title",
    "note",
    "remark",
    "description",
    "content",
    "address",
    "summary",
    "reason",
    "measure",
    "text",
    "comment",
    "body",
    "label",
    "location",
    "person",
    "opinion",
    "result",
    "memo",
    "detail",
    "problem",
    "requirement",
    "position",
    "duty",
    "unit",
    "owner",
    "source",
    "place",
    "basis",
    "progress",
];

/// Tables whose text is not user text shown as such (sessions, the schema's bookkeeping), or that
/// the database itself forbids changing (the append-only audit log); templates are program text
/// for the template engine and are covered by the report tests.
const SKIP_TABLES: &[&str] =
    &["audit_log", "audit_heads", "sessions", "kaifaqu_schema", "report_templates", "login_failures"];

async fn rows(db: &Db, sql: &str) -> Vec<Vec<Option<String>>> {
    let st = Statement::from_string(db.backend(), sql.to_string());
    let rs = db.conn.query_all_raw(st).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rs.iter()
        .map(|r| {
            let cols = r.column_names();
            cols.iter().map(|c| r.try_get::<Option<String>>("", c).ok().flatten()).collect()
        })
        .collect()
}

/// The text columns of the database: (table, column, whether it has an integer `id`).
async fn text_columns(db: &Db) -> Vec<(String, String, bool)> {
    let sql = match db.engine {
        Engine::Sqlite => {
            "SELECT m.name AS t, p.name AS c, lower(p.type) AS ty FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"
        }
        Engine::Postgres => {
            "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        }
    };
    let all = rows(db, sql).await;
    let mut by_table: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in all {
        let (t, c, ty) = (r[0].clone().unwrap(), r[1].clone().unwrap(), r[2].clone().unwrap_or_default());
        by_table.entry(t).or_default().push((c, ty));
    }
    let mut out = Vec::new();
    for (t, cols) in &by_table {
        if SKIP_TABLES.contains(&t.as_str()) {
            continue;
        }
        let has_id = cols.iter().any(|(c, _)| c == "id");
        for (c, ty) in cols {
            let texty = ty.contains("text") || ty.contains("char");
            let coded = c == "id"
                || c.ends_with("_id")
                || c.ends_with("code")
                || c.ends_with("_at")
                || c.ends_with("_on")
                || c.ends_with("date")
                || c.contains("hash")
                || c.contains("token")
                || c.contains("password")
                || c.contains("login")
                || c == "period"
                || c.ends_with("_key")
                || c == "key";
            if !texty || coded {
                continue;
            }
            // a column qualifies when it holds Chinese text, or is blank and named like free text;
            // codes (ASCII words), dates, numbers and JSON are left alone
            let values = rows(db, &format!("SELECT {c} FROM {t} WHERE {c} IS NOT NULL LIMIT 200")).await;
            let values: Vec<String> = values.into_iter().filter_map(|r| r[0].clone()).collect();
            let chinese = values.iter().any(|v| v.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)));
            let structured = values.iter().any(|v| v.starts_with('{') || v.starts_with('['));
            let named = FREE_TEXT_WORDS.iter().any(|w| c.contains(w));
            if structured || !(chinese || (values.iter().all(|v| v.trim().is_empty()) && named)) {
                if std::env::var("KAIFAQU_XSS_SHOW_SKIPPED").is_ok() {
                    println!("xss: left alone {t}.{c}: {:?}", values.first());
                }
                continue;
            }
            out.push((t.clone(), c.clone(), has_id));
        }
    }
    out
}

/// Appends payloads to every row of every free-text column: three payloads per column (rows split
/// by `id % 3`). Returns (columns written, tables, rows changed, payloads used).
async fn inject(db: &Db, corpus: &[(u32, String)]) -> (usize, usize, u64, BTreeSet<u32>) {
    let cols = text_columns(db).await;
    let mut used = BTreeSet::new();
    let mut tables = BTreeSet::new();
    let mut changed = 0u64;
    let mut written = 0;
    let mut refused = Vec::new();
    for (i, (t, c, has_id)) in cols.iter().enumerate() {
        let buckets: Vec<Option<i64>> = if *has_id { (0..3).map(Some).collect() } else { vec![None] };
        let mut ok = false;
        for b in buckets {
            let (n, p) = &corpus[(i * 3 + b.unwrap_or(0) as usize) % corpus.len()];
            let lit = p.replace('\'', "''");
            let filter = b.map(|b| format!(" WHERE id % 3 = {b}")).unwrap_or_default();
            let sql = format!("UPDATE {t} SET {c} = COALESCE({c}, '') || ' ' || '{lit}'{filter}");
            match db.conn.execute_unprepared(&sql).await {
                Ok(r) => {
                    if r.rows_affected() > 0 {
                        used.insert(*n);
                        changed += r.rows_affected();
                        ok = true;
                    }
                }
                Err(e) => refused.push(format!("{t}.{c}: {e}")),
            }
        }
        if ok {
            written += 1;
            tables.insert(t.clone());
        }
    }
    if !refused.is_empty() {
        println!("xss: the database refused {} column updates (constraints): {refused:#?}", refused.len());
    }
    (written, tables.len(), changed, used)
}

/// The site-internal pages a user reaches from the home page, two levels deep, at most three
/// pages of one shape (`/projects/{id}` …) so the crawl covers every kind of page, not every record.
async fn pages(s: &Session) -> Vec<String> {
    fn links(html: &str) -> Vec<String> {
        html.split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(|h| h.replace("&amp;", "&"))
            .filter(|h| h.starts_with('/') && !h.starts_with("//") && !h.starts_with("/static/"))
            .filter(|h| {
                !h.contains("logout") && !h.contains("download") && !h.contains(".xlsx") && !h.contains("format=")
            })
            .collect()
    }
    fn shape(p: &str) -> String {
        let path = p.split('?').next().unwrap_or(p);
        path.split('/').map(|seg| if seg.chars().all(|c| c.is_ascii_digit()) { "#" } else { seg }).collect()
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut per_shape: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    let mut frontier = vec!["/".to_string()];
    for _depth in 0..3 {
        let mut next = Vec::new();
        for p in frontier {
            if !seen.insert(p.clone()) {
                continue;
            }
            let k = per_shape.entry(shape(&p)).or_default();
            if *k >= 3 {
                continue;
            }
            *k += 1;
            let r = s.get(&p).await;
            let html_page = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("text/html"));
            if !r.status().is_success() || !html_page {
                continue;
            }
            let html = r.text().await.unwrap();
            out.push(p);
            next.extend(links(&html));
        }
        frontier = next;
    }
    out
}

/// What one rendered page shows: injected elements, whether a payload's script ran, and the
/// payload numbers visible as text (in the text, in the fields' values, in SVG titles).
async fn inspect(b: &Browser) -> (u64, bool, BTreeSet<u32>) {
    let js = r#"
        const injected = document.querySelectorAll('[data-kfq-xss]').length;
        const ran = typeof window.__kfqXss !== 'undefined';
        const values = Array.from(document.querySelectorAll('input,textarea,select'))
            .map(e => e.value + ' ' + (e.getAttribute('title') || '')).join(' ');
        const titles = Array.from(document.querySelectorAll('[title]')).map(e => e.getAttribute('title')).join(' ');
        return [injected, ran, document.documentElement.textContent + ' ' + values + ' ' + titles];
    "#;
    let v = b.c.execute(js, vec![]).await.unwrap_or_else(|e| panic!("script on the page: {e}"));
    let injected = v[0].as_u64().unwrap_or(0);
    let ran = v[1].as_bool().unwrap_or(true);
    let text = v[2].as_str().unwrap_or("");
    let mut seen = BTreeSet::new();
    for part in text.split("kfq-xss=").skip(1) {
        let digits: String = part.trim_start_matches(['"', '\'']).chars().take(3).collect();
        if digits.len() == 3
            && let Ok(n) = digits.parse()
        {
            seen.insert(n);
        }
    }
    (injected, ran, seen)
}

async fn run(engine: Engine, driver: &Driver) {
    let Some(app) = TestApp::spawn(engine).await else { return };
    let corpus = corpus();
    let (columns, tables, changed, used) = inject(&app.db, &corpus).await;
    assert!(columns >= 40, "only {columns} text columns took payloads");

    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    let mut rendered = 0;
    let mut with_payload = 0;
    let mut statuses: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for (login, city) in [("admin", false), ("city", true)] {
        let s = app.login(login, &app.password).await;
        let list = pages(&s).await;
        assert!(list.len() > 20 || city, "the crawl reached only {} pages", list.len());
        for p in &list {
            let st = s.get(p).await.status().as_u16();
            statuses.entry(st).or_default().push(p.clone());
        }
        let b = Browser::open(driver, &app.base).await;
        b.login(login, &app.password).await;
        for p in &list {
            b.goto(p).await;
            let (injected, ran, on_page) = inspect(&b).await;
            rendered += 1;
            if !on_page.is_empty() {
                with_payload += 1;
            }
            seen.extend(on_page);
            if injected > 0 || ran {
                let shot = b.shot(&format!("xss-{}", failures.len())).await;
                failures.push(format!("{p}: {injected} injected elements, script ran: {ran} ({})", shot.display()));
            }
        }
        if !city {
            // the detector itself: markup put into the page by script is found, and so is a script run
            b.c.execute(
                "document.body.insertAdjacentHTML('beforeend', arguments[0]); window.__kfqXss = 1;",
                vec![corpus[1].1.clone().into()],
            )
            .await
            .unwrap();
            let (injected, ran, _) = inspect(&b).await;
            assert!(injected > 0 && ran, "the detector misses injected markup ({injected}) or a script run ({ran})");
        }
        b.close().await;
    }
    let errors: Vec<_> = statuses.iter().filter(|(st, _)| **st >= 500).collect();
    println!(
        "xss ({engine:?}): {} payloads ({} vectors × {} Chinese contexts), {} used in {columns} text columns of \
         {tables} tables ({changed} values); {rendered} pages rendered in headless Chromium, {with_payload} \
         showing payloads as text, {} distinct payloads seen; {} pages with injected elements or scripts run",
        corpus.len(),
        VECTORS.len(),
        CONTEXTS.len(),
        used.len(),
        seen.len(),
        failures.len()
    );
    assert!(errors.is_empty(), "pages failed with the payloads stored: {errors:?}");
    assert!(corpus.len() >= 100);
    assert!(used.len() >= 100, "only {} payloads were stored", used.len());
    assert!(seen.len() >= 100, "only {} payloads reached a page as text: {seen:?}", seen.len());
    assert!(failures.is_empty(), "stored XSS: {failures:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_xss_corpus_never_runs_in_chromium() {
    let Some(programs) = Programs::find() else { return };
    let driver = Driver::start(&programs).await;
    run(Engine::Sqlite, &driver).await;
    run(Engine::Postgres, &driver).await;
}

#[test]
fn the_corpus_has_more_than_a_hundred_distinct_payloads_each_with_chinese_or_its_number() {
    let c = corpus();
    let distinct: BTreeSet<&String> = c.iter().map(|(_, p)| p).collect();
    assert!(distinct.len() >= 100, "{}", distinct.len());
    assert!(c.iter().all(|(n, p)| p.contains(&format!("kfq-xss={n}"))
        || p.contains(&format!("kfq-xss=\"{n}"))
        || p.contains(&format!("kfq-xss='{n}"))));
}
