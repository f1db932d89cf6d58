//! Request-log canary scan (issue 10, M1): the real binary serves the demo with its logging at
//! the level production uses (`info`) and again at `debug`; canaries are written through the
//! pages and the API — an enterprise's contact phone, an account's phone, the account's password
//! at creation, at login, at a change and mistyped, its TOTP secret and code — and searched for
//! (the enterprise list's `q`, the user list's `q`). Then everything the process wrote (stdout,
//! stderr and any other file beside the database) is scanned for every canary in every spelling
//! (digits, grouped with hyphens or spaces, `+86`, percent- and form-encoded, JSON-escaped, any
//! case). Figure: N log lines, 0 canaries.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kaifaqu_store::totp;

/// The enterprise's contact phone (written hyphenated, searched in two spellings).
const PHONE_ENTERPRISE: &str = "13987650123";
/// The account's phone (written with `+86` and spaces).
const PHONE_USER: &str = "13765432109";
/// The password the account is created with, the one it is changed to, and a mistyped one.
const PW_CREATED: &str = "Kanary-Pw!7319x";
const PW_CHANGED: &str = "Zebra#Canary42q";
const PW_MISTYPED: &str = "Wrong$Canary88k";

fn start(dir: &Path, level: &str) -> (Child, String, String) {
    let out = std::fs::File::create(dir.join("stdout.txt")).unwrap();
    let err = std::fs::File::create(dir.join("stderr.txt")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaifaqu"))
        .args(["serve", "--listen", "127.0.0.1:0", "--demo"])
        .current_dir(dir)
        .env_remove("KAIFAQU_DATABASE_URL")
        .env("KAIFAQU_LOG", level)
        // the security admin logs in without a second factor here; the canary account enrols one
        .env("KAIFAQU_AUTH_TOTP_REQUIRED_ROLES", "")
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap();
    for _ in 0..600 {
        let text = std::fs::read_to_string(dir.join("stdout.txt")).unwrap_or_default();
        let password = text.lines().find_map(|l| l.trim().strip_prefix("密码：").map(str::to_string));
        let url = text.lines().find_map(|l| {
            l.find("http://").map(|i| l[i..].split_whitespace().next().unwrap().trim_end_matches('/').to_string())
        });
        if let (Some(p), Some(u)) = (password, url) {
            return (child, u, p);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not print its address: {}", std::fs::read_to_string(dir.join("stderr.txt")).unwrap());
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// The value of the first `name="…" value="…"` in a page.
fn field(html: &str, name: &str) -> Option<String> {
    let pat = format!("name=\"{name}\" value=\"");
    let i = html.find(&pat)? + pat.len();
    Some(html[i..i + html[i..].find('"')?].to_string())
}

async fn page(c: &reqwest::Client, url: &str, path: &str) -> (u16, String) {
    let r = c.get(format!("{url}{path}")).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// One login form post (with the login page's token); status, location and body.
async fn login_post(c: &reqwest::Client, url: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let (_, html) = page(c, url, "/login").await;
    let token = field(&html, "_csrf").expect("the login form's token");
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("_csrf", &token));
    form.push(("next", "/"));
    let r = c.post(format!("{url}/login")).form(&form).send().await.unwrap();
    let loc = r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status().as_u16(), loc, r.text().await.unwrap())
}

async fn login(url: &str, name: &str, password: &str) -> reqwest::Client {
    let c = client();
    let (status, _, body) = login_post(&c, url, &[("login_name", name), ("password", password)]).await;
    assert_eq!(status, 303, "login {name}: {body}");
    c
}

/// The session's CSRF token, read from a signed-in page.
async fn csrf(c: &reqwest::Client, url: &str) -> String {
    let (_, html) = page(c, url, "/account").await;
    field(&html, "_csrf").expect("the account page's token")
}

async fn form(c: &reqwest::Client, url: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let token = csrf(c, url).await;
    let mut f: Vec<(&str, &str)> = fields.to_vec();
    f.push(("_csrf", &token));
    let r = c.post(format!("{url}{path}")).form(&f).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn json(c: &reqwest::Client, url: &str, path: &str, body: serde_json::Value) -> (u16, String) {
    let token = csrf(c, url).await;
    let r = c.post(format!("{url}{path}")).header("x-csrf-token", token).json(&body).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn credit_code() -> String {
    let base = "91140423MA0Y0C0A1";
    format!("{base}{}", kaifaqu_domain::credit_code::check_char(base).unwrap())
}

/// Percent-encoding of everything but unreserved characters; `plus` writes a space as `+`
/// (an HTML form's body).
fn encoded(s: &str, plus: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' if plus => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Every spelling of a phone number worth searching a log for.
fn phone_spellings(p: &str) -> Vec<String> {
    let (a, b, c) = (&p[..3], &p[3..7], &p[7..]);
    let mut v = vec![
        p.to_string(),
        format!("{a}-{b}-{c}"),
        format!("{a} {b} {c}"),
        format!("{a}+{b}+{c}"),
        format!("{a}%20{b}%20{c}"),
        format!("{a}%2D{b}%2D{c}"),
        format!("{b}{c}"), // what the mask hides, with the tail
        format!("{b}-{c}"),
        format!("{b} {c}"),
    ];
    v.extend([format!("+86{p}"), format!("%2B86{p}"), format!("0086{p}")]);
    v
}

fn password_spellings(p: &str) -> Vec<String> {
    let json = serde_json::to_string(p).unwrap();
    vec![p.to_string(), encoded(p, true), encoded(p, false), json.trim_matches('"').to_string()]
}

fn secret_spellings(b32: &str, secret: &[u8]) -> Vec<String> {
    let grouped: Vec<String> = b32.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).to_string()).collect();
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    vec![b32.to_string(), grouped.join(" "), grouped.join("%20"), grouped.join("+"), hex]
}

/// Whether a line (its timestamp dropped) holds `code` as a run of digits of its own.
fn has_code(line: &str, code: &str) -> bool {
    let rest = line.split_once(char::is_whitespace).map_or("", |(_, r)| r);
    rest.split(|c: char| !c.is_ascii_digit()).any(|run| run == code)
}

/// Everything the process wrote: its stdout and stderr, and every other file under its
/// directory except the database (scanned at rest by `store/tests/sensitive.rs`) and the keys.
fn written_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                stack.push(p);
            } else if !name.contains(".db") && !name.ends_with(".key") && !name.contains("key") {
                out.push(p);
            }
        }
    }
    out
}

struct Canaries {
    /// (what, spelling) pairs, lower-cased.
    strings: Vec<(&'static str, String)>,
    codes: Vec<String>,
}

async fn exercise(url: &str, demo_password: &str) -> Canaries {
    let mut strings: Vec<(&'static str, String)> = Vec::new();
    for s in phone_spellings(PHONE_ENTERPRISE) {
        strings.push(("enterprise phone", s));
    }
    for s in phone_spellings(PHONE_USER) {
        strings.push(("user phone", s));
    }
    for (what, p) in
        [("created password", PW_CREATED), ("changed password", PW_CHANGED), ("mistyped password", PW_MISTYPED)]
    {
        for s in password_spellings(p) {
            strings.push((what, s));
        }
    }

    // an enterprise with the canary phone, then searched for by it (page and API)
    let staff = login(url, "staff", demo_password).await;
    let body = serde_json::json!({
        "name": "晋韵日志探针有限公司", "credit_code": credit_code(),
        "contact_person": "李经理", "contact_phone": "139-8765-0123",
    });
    let (status, text) = json(&staff, url, "/api/v1/enterprises", body).await;
    assert_eq!(status, 201, "{text}");
    for q in ["13987650123", "139-8765-0123", "+86 139 8765 0123"] {
        let (status, html) = page(&staff, url, &format!("/enterprises?q={}", encoded(q, true))).await;
        assert_eq!(status, 200);
        assert!(html.contains("晋韵日志探针有限公司"), "found by {q}");
        let (status, _) = page(&staff, url, &format!("/api/v1/enterprises?q={}", encoded(q, false))).await;
        assert_eq!(status, 200);
    }
    // the phone in a refused write too (a bad credit code): the error path
    let bad = serde_json::json!({ "name": "晋韵日志探针二公司", "credit_code": "X", "contact_phone": "13987650123" });
    assert_eq!(json(&staff, url, "/api/v1/enterprises", bad).await.0, 422);

    // an account with the canary phone and password, created by the 安全管理员, found by its phone
    let security = login(url, "security", demo_password).await;
    let body = serde_json::json!({
        "login_name": "tanzhen", "display_name": "探针账号", "phone": "+86 137 6543 2109",
        "role": "staff", "password": PW_CREATED,
    });
    let (status, text) = json(&security, url, "/api/v1/users", body).await;
    assert_eq!(status, 201, "{text}");
    for q in ["13765432109", "137-6543-2109"] {
        let (status, _) = page(&security, url, &format!("/admin/users?q={}", encoded(q, true))).await;
        assert_eq!(status, 200);
    }

    // the account logs in, changes its password, mistypes it once
    let user = login(url, "tanzhen", PW_CREATED).await;
    let (status, text) = form(
        &user,
        url,
        "/account/password",
        &[("old_password", PW_CREATED), ("new_password", PW_CHANGED), ("confirm", PW_CHANGED)],
    )
    .await;
    assert!(status == 303 || status == 200, "password change: {status} {text}");
    let (status, _, _) = login_post(&client(), url, &[("login_name", "tanzhen"), ("password", PW_MISTYPED)]).await;
    assert_ne!(status, 303, "a mistyped password is refused");
    let user = login(url, "tanzhen", PW_CHANGED).await;

    // a second factor: the secret shown once, the first code, then a login with a later code
    assert_eq!(form(&user, url, "/account/totp/begin", &[]).await.0, 303);
    let (_, html) = page(&user, url, "/account/totp").await;
    let i = html.find("<code>").unwrap() + 6;
    let b32: String = html[i..i + html[i..].find('<').unwrap()].chars().filter(|c| !c.is_whitespace()).collect();
    let secret = totp::base32_decode(&b32).unwrap();
    let step = totp::current_step();
    let first = totp::code_at(&secret, step);
    assert_eq!(form(&user, url, "/account/totp/confirm", &[("code", &first)]).await.0, 303);
    for s in secret_spellings(&b32, &secret) {
        strings.push(("totp secret", s));
    }
    // the next login's code belongs to a later step (a used code is refused as a replay)
    while totp::current_step() == step {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let c = client();
    let (status, _, html) = login_post(&c, url, &[("login_name", "tanzhen"), ("password", PW_CHANGED)]).await;
    assert_eq!(status, 200, "the code is asked for");
    let mfa = field(&html, "mfa").expect("the waiting login");
    let second = totp::code_at(&secret, totp::current_step());
    let (status, _, body) = login_post(&c, url, &[("mfa", &mfa), ("code", &second)]).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(page(&c, url, "/account").await.0, 200);

    let strings = strings.into_iter().map(|(w, s)| (w, s.to_lowercase())).collect();
    Canaries { strings, codes: vec![first, second] }
}

#[test]
fn no_canary_in_anything_the_server_writes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for level in ["info", "debug"] {
        let dir = tempfile::tempdir().unwrap();
        let (mut server, url, demo_password) = start(dir.path(), level);
        let canaries = rt.block_on(exercise(&url, &demo_password));
        server.kill().unwrap();
        server.wait().unwrap();

        let files = written_files(dir.path());
        let mut lines = 0usize;
        let mut found = Vec::new();
        for f in &files {
            let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).to_lowercase();
            for line in text.lines() {
                lines += 1;
                for (what, s) in &canaries.strings {
                    if line.contains(s.as_str()) {
                        found.push(format!("{what} ({s}) in {}: {line}", f.display()));
                    }
                }
                for code in &canaries.codes {
                    if has_code(line, code) {
                        found.push(format!("totp code {code} in {}: {line}", f.display()));
                    }
                }
            }
        }
        let spellings = canaries.strings.len() + canaries.codes.len();
        println!(
            "log canaries at {level}: {lines} log lines in {} files, {spellings} canary spellings, {} canaries",
            files.len(),
            found.len()
        );
        assert!(lines > 0, "the server logged nothing at {level}");
        assert!(found.is_empty(), "canaries in the log at {level}:\n{}", found.join("\n"));
    }
}
