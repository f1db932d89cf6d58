//! The test harness: a real server on an ephemeral port with a fresh database (SQLite, and
//! PostgreSQL when `KAIFAQU_TEST_POSTGRES_URL` is set), driven over HTTP like a browser.
#![allow(dead_code)]

use std::sync::Arc;

use kaifaqu_store::attachments::Storage;
use kaifaqu_store::auth::AuthPolicy;
use kaifaqu_store::demo::{self, DemoOutcome};
use kaifaqu_store::{Db, Engine, Scope, testing, zones};
use kaifaqu_web::{AppState, Limits};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub password: String,
    /// 襄垣 (zone A) and 示例开发区甲 (zone B).
    pub zone_a: i64,
    pub zone_b: i64,
    /// The running app's state (for driving the scheduler directly).
    pub state: AppState,
}

pub struct Options {
    pub notify: kaifaqu_web::Notify,
    pub policy: AuthPolicy,
    pub limits: Limits,
    pub max_attachment: u64,
    pub secure_cookies: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            notify: kaifaqu_web::Notify::default(),
            policy: AuthPolicy::default(),
            limits: Limits::default(),
            max_attachment: 20 * 1024 * 1024,
            secure_cookies: false,
        }
    }
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        Self::spawn_with(engine, Options::default()).await
    }

    pub async fn spawn_with(engine: Engine, opts: Options) -> Option<TestApp> {
        let db = testing::database(engine).await?;
        let password = match demo::load(&db).await.expect("demo loads") {
            DemoOutcome::Loaded { password, .. } => password,
            DemoOutcome::AlreadyLoaded => unreachable!("fresh database"),
        };
        let zs = zones::list(&db, &Scope::System).await.unwrap();
        let dir = std::env::temp_dir().join(format!("kfq-att-{}", kaifaqu_store::auth::random_hex(8)));
        // PostgreSQL: the server connects as the app role, under row-level security (`rls`)
        let state = AppState {
            db: testing::app_db(&db).await,
            storage: Storage::local(&dir, opts.max_attachment).unwrap(),
            policy: Arc::new(opts.policy),
            limits: opts.limits,
            secure_cookies: opts.secure_cookies,
            trust_proxy: false,
            notify: opts.notify,
            login_guard: Default::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let served = state.clone();
        tokio::spawn(async move {
            kaifaqu_web::serve(listener, served).await.unwrap();
        });
        Some(TestApp { base: format!("http://{addr}"), db, password, zone_a: zs[0].id, zone_b: zs[1].id, state })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client: cookies kept, redirects not followed (tests look at them).
    pub fn client() -> Client {
        Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap()
    }

    /// `POST /login` as the login page sends it: the page is fetched first and its login cookie
    /// and token (login CSRF, a double submit) go with the request — as the `Cookie` header (not
    /// through the cookie jar, which keeps a `Secure` cookie from plain http) and as the
    /// `X-CSRF-Token` header. Add the fields with `.form(…)`.
    pub async fn login_request(&self, c: &Client) -> reqwest::RequestBuilder {
        let r = c.get(self.url("/login")).send().await.unwrap();
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.contains("kfq_login="))
            .and_then(|v| v.split(';').next())
            .expect("the login page sets its login cookie")
            .to_string();
        let token = cookie.split_once('=').map(|(_, t)| t.to_string()).unwrap_or_default();
        c.post(self.url("/login")).header("cookie", cookie).header("x-csrf-token", token)
    }

    /// Logs in through the login form; panics unless it succeeds.
    pub async fn login(&self, login: &str, password: &str) -> Session {
        let c = Self::client();
        let r = self
            .login_request(&c)
            .await
            .form(&[("login_name", login), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login as {login} failed");
        let mut s = Session { client: c, csrf: String::new(), base: self.base.clone() };
        s.refresh_csrf().await;
        s
    }

    pub async fn admin(&self) -> Session {
        self.login("admin", &self.password).await
    }

    /// The demo zone's 审计管理员 (reads the audit log; 三员).
    pub async fn auditor(&self) -> Session {
        self.login("auditor", &self.password).await
    }

    /// The demo zone's 安全管理员 (user accounts; 三员).
    pub async fn security(&self) -> Session {
        self.login("security", &self.password).await
    }

    /// Creates (through the store) a user of zone B with the role and signs in as them.
    pub async fn user_of_b(&self, login: &str, role: &str) -> Session {
        use kaifaqu_store::users::{self, Home, UserForm};
        let f = UserForm {
            login_name: login.into(),
            display_name: format!("乙区{login}"),
            role: role.into(),
            password: "Zone-b-user1".into(),
            ..Default::default()
        };
        users::create(&self.db, &kaifaqu_store::Actor::system("test"), Some(Home::Zone(self.zone_b)), &f)
            .await
            .unwrap();
        self.login(login, "Zone-b-user1").await
    }

    /// Creates (through the store, as the command line would) an admin of zone B.
    pub async fn admin_of_b(&self) -> Session {
        use kaifaqu_store::users::{self, Home, UserForm};
        let f = UserForm {
            login_name: "admin_b".into(),
            display_name: "乙区管理员".into(),
            role: "admin".into(),
            password: "Zone-b-admin1".into(),
            ..Default::default()
        };
        users::create(&self.db, &kaifaqu_store::Actor::system("test"), Some(Home::Zone(self.zone_b)), &f)
            .await
            .unwrap();
        self.login("admin_b", "Zone-b-admin1").await
    }
}

/// A signed-in browser.
pub struct Session {
    pub client: Client,
    pub csrf: String,
    pub base: String,
}

/// The value of the first `name="_csrf" value="…"` in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")?;
    let rest = &html[i + 20..];
    Some(rest[..rest.find('"')?].to_string())
}

impl Session {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn refresh_csrf(&mut self) {
        let html = self.get("/account").await.text().await.unwrap();
        self.csrf = csrf_in(&html).unwrap_or_default();
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        (r.status(), r.text().await.unwrap())
    }

    /// Submits a form with the session's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("_csrf", &self.csrf));
        self.client.post(self.url(path)).form(&all).send().await.unwrap()
    }

    /// A JSON call with the CSRF header (as the pages' scripts would send it).
    pub async fn json(&self, method: reqwest::Method, path: &str, body: Option<serde_json::Value>) -> Response {
        let mut rb = self.client.request(method, self.url(path)).header("x-csrf-token", &self.csrf);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        rb.send().await.unwrap()
    }
}

/// Runs one async test body against a fresh app on both engines.
#[macro_export]
macro_rules! app_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let app = support::TestApp::spawn(kaifaqu_store::Engine::Sqlite).await.unwrap();
                ($body)(app).await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some(app) = support::TestApp::spawn(kaifaqu_store::Engine::Postgres).await else {
                    return;
                };
                ($body)(app).await;
            }
        }
    };
}
