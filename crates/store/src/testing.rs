//! Test support: a fresh database per test on SQLite, and on PostgreSQL when
//! `KAIFAQU_TEST_POSTGRES_URL` is set (an admin URL; each test creates its own database).
//! With `KAIFAQU_TEST_REQUIRE_POSTGRES=1` (set by `.ci/run`), a missing URL fails the test.
//!
//! Row-level security (`rls`): the test's own `Db` is the tables' owner and sees every zone
//! (work outside `rls::scoped` gets '*'), as the command line does. [`app_db`] is the web
//! server's connection: on PostgreSQL the app role [`APP_ROLE`] (created by `.ci/run`; the owner
//! when it is missing) with unscoped work denied, so every web test on PostgreSQL runs under the
//! policies, as production does.

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, Statement};

use crate::{Db, Engine};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        crate::auth::random_hex(4)
    )
}

/// Removes the test databases earlier runs left in `dir` (older than six hours, so a run going
/// on beside this one keeps its files), once per process: the suite writes a few GB a run.
fn sweep_old(dir: &std::path::Path) {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(|| {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let limit = std::time::Duration::from_secs(6 * 3600);
        for e in entries.flatten() {
            let old =
                e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|a| a > limit);
            if old {
                let _ = std::fs::remove_file(e.path());
            }
        }
    });
}

/// A migrated SQLite database in a new temporary file.
pub async fn sqlite() -> Db {
    let dir = std::env::temp_dir().join("kaifaqu-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    sweep_old(&dir);
    let path = dir.join(format!("{}.db", unique("t")));
    // test databases need no power-loss durability (as PostgreSQL's have synchronous_commit off)
    crate::open_with(&format!("sqlite://{}", path.display()), crate::Synchronous::Normal)
        .await
        .expect("sqlite test database")
}

/// The URL of a new, empty PostgreSQL database, or `None` when PostgreSQL tests are off.
pub async fn postgres_url() -> Option<String> {
    let Ok(admin) = std::env::var("KAIFAQU_TEST_POSTGRES_URL") else {
        if std::env::var("KAIFAQU_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("KAIFAQU_TEST_REQUIRE_POSTGRES=1 but KAIFAQU_TEST_POSTGRES_URL is not set");
        }
        eprintln!("PostgreSQL test skipped: KAIFAQU_TEST_POSTGRES_URL is not set");
        return None;
    };
    let name = unique("kfq_t");
    let db = Db::connect(&admin).await.expect("connect to the PostgreSQL test server");
    db.conn
        .execute_raw(Statement::from_string(db.backend(), format!("CREATE DATABASE {name}")))
        .await
        .expect("create test database");
    // test databases are disposable: do not wait for the disk on every commit
    db.conn
        .execute_raw(Statement::from_string(
            db.backend(),
            format!("ALTER DATABASE {name} SET synchronous_commit TO off"),
        ))
        .await
        .expect("configure test database");
    db.close().await;
    let (base, _) = admin.rsplit_once('/').expect("URL has a database part");
    Some(format!("{base}/{name}"))
}

/// The PostgreSQL role the web tests run the server as: it owns nothing, so it is held to the
/// row-level security policies and cannot switch them off (`.ci/run` creates it).
pub const APP_ROLE: &str = "kaifaqu_app";

/// The URL of the owner's database `owner_url` logged in as [`APP_ROLE`] (password = role name).
pub fn app_url(owner_url: &str) -> String {
    let mut u = url::Url::parse(owner_url).expect("database URL");
    u.set_username(APP_ROLE).expect("URL takes a user");
    u.set_password(Some(APP_ROLE)).expect("URL takes a password");
    u.to_string()
}

/// The connection a web server under test gets: SQLite: the same database; PostgreSQL: a pool
/// of its own as [`APP_ROLE`] (granted by the owner here), or as the owner when that role does
/// not exist, with work outside `rls::scoped`/`rls::system` denied either way.
pub async fn app_db(owner: &Db) -> Db {
    if owner.engine != Engine::Postgres {
        return owner.clone();
    }
    let url = if crate::rls::role_exists(owner, APP_ROLE).await.expect("read pg_roles") {
        crate::rls::grant(owner, APP_ROLE).await.expect("grant the app role");
        app_url(owner.raw_url())
    } else {
        eprintln!("role {APP_ROLE} missing: the app runs as the tables' owner (still under FORCE ROW LEVEL SECURITY)");
        owner.raw_url().to_string()
    };
    let db = Db::connect(&url).await.expect("connect as the app role");
    db.deny_unscoped();
    db
}

/// A migrated PostgreSQL database of its own, or `None` (see module docs).
pub async fn postgres() -> Option<Db> {
    let url = postgres_url().await?;
    Some(crate::open(&url).await.expect("postgres test database"))
}

/// The test database of `engine`, or `None` for PostgreSQL when it is off.
pub async fn database(engine: Engine) -> Option<Db> {
    match engine {
        Engine::Sqlite => Some(sqlite().await),
        Engine::Postgres => postgres().await,
    }
}

/// Runs one async test body on both engines: `db_test!(name, |db| async move { ... });`
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let db = $crate::testing::database($crate::Engine::Sqlite).await.unwrap();
                ($body)(db).await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some(db) = $crate::testing::database($crate::Engine::Postgres).await else {
                    return;
                };
                ($body)(db).await;
            }
        }
    };
}
