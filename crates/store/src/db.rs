//! Connecting to the database chosen by URL: SQLite (embedded, WAL) or PostgreSQL.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sea_orm::sqlx::Connection;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, SqlxPostgresConnector, SqlxSqliteConnector};

use crate::StoreError;

/// Which engine a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// Strictly from the URL scheme; anything else is an error, never a guess.
    pub fn from_url(url: &str) -> Result<Engine, StoreError> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
        match scheme {
            "sqlite" => Ok(Engine::Sqlite),
            "postgres" | "postgresql" => Ok(Engine::Postgres),
            _ => Err(StoreError::Config(format!(
                "无法识别的数据库地址“{}”：只支持 sqlite://文件路径 或 postgres://用户@主机/库名",
                redact_url(url)
            ))),
        }
    }
}

/// The URL with any password replaced by `***`, safe to log.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// The SQLite file a `sqlite://` URL names (`None` for in-memory).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" { None } else { Some(PathBuf::from(path)) }
}

/// SQLite's durability level (`PRAGMA synchronous`, set at every connection open). The shipped
/// choice is [`Synchronous::Full`] for the whole database: in WAL mode, NORMAL survives a crash
/// of the program but may roll back the last commits on a power loss or OS crash, and the pragma
/// is per connection, not per transaction, so "FULL for approvals and the audit log only" would
/// need a separate pool whose writes still share the one WAL. FULL syncs the WAL at every commit;
/// its cost is measured in `store/tests/audit_purge.rs::synchronous_full_costs_*` and written
/// down in docs/SECURITY.md (N4). NORMAL stays available to tools and measurements.
/// PostgreSQL is unaffected (`synchronous_commit` stays on, its default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is on disk before it is acknowledged (survives power loss).
    #[default]
    Full,
    /// Survives crashes of the program; a power loss may lose the last commits.
    Normal,
}

/// A connected database.
#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
    pub engine: Engine,
    url: String,
    /// PostgreSQL: whether work outside `rls::scoped`/`rls::system` sees no zone's rows
    /// (the web server) instead of all (tools, tests); shared by clones.
    deny_unscoped: Arc<AtomicBool>,
}

/// How many connections a PostgreSQL pool opens at most.
const PG_MAX_CONNECTIONS: u32 = 16;

/// Copies the current task's zones (`rls`) into the connection's `kaifaqu.zones`.
async fn set_zones(conn: &mut PgConnection, deny: &AtomicBool) -> Result<(), sea_orm::sqlx::Error> {
    let (zones, read) = crate::rls::setting_now(deny.load(Ordering::Relaxed));
    sea_orm::sqlx::query("SELECT set_config('kaifaqu.zones', $1, false), set_config('kaifaqu.read_zones', $2, false)")
        .bind(zones)
        .bind(read)
        .execute(conn)
        .await?;
    Ok(())
}

impl Db {
    /// Connects, creating the SQLite file (and its folder) when missing. Pragmas for SQLite:
    /// WAL, foreign keys on, busy timeout 5 s, synchronous FULL (see [`Synchronous`]).
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        Db::connect_with(url, Synchronous::Full).await
    }

    /// [`Db::connect`] with an explicit SQLite durability level.
    pub async fn connect_with(url: &str, synchronous: Synchronous) -> Result<Db, StoreError> {
        Db::connect_inner(url, synchronous, PG_MAX_CONNECTIONS).await
    }

    /// A PostgreSQL connection with a pool of at most `max_connections` (tests of the pool).
    pub async fn connect_pool(url: &str, max_connections: u32) -> Result<Db, StoreError> {
        Db::connect_inner(url, Synchronous::Full, max_connections).await
    }

    async fn connect_inner(url: &str, synchronous: Synchronous, pg_max: u32) -> Result<Db, StoreError> {
        let engine = Engine::from_url(url)?;
        let deny_unscoped = Arc::new(AtomicBool::new(false));
        let conn = match engine {
            Engine::Sqlite => {
                if let Some(path) = sqlite_path(url)
                    && let Some(dir) = path.parent()
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| StoreError::Config(format!("无法创建数据库目录 {}：{e}", dir.display())))?;
                }
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Config(format!("SQLite 地址有误：{e}")))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(match synchronous {
                        Synchronous::Full => SqliteSynchronous::Full,
                        Synchronous::Normal => SqliteSynchronous::Normal,
                    })
                    .foreign_keys(true)
                    // deleted rows (old password hashes, TOTP secrets, sessions) are overwritten
                    // with zeros, not left readable in free pages (issue 10 K1)
                    .pragma("secure_delete", "ON")
                    .busy_timeout(Duration::from_secs(5));
                let in_memory = sqlite_path(url).is_none();
                let pool = SqlitePoolOptions::new()
                    .max_connections(if in_memory { 1 } else { 8 })
                    .min_connections(if in_memory { 1 } else { 0 })
                    .idle_timeout(if in_memory { None } else { Some(Duration::from_secs(600)) })
                    .max_lifetime(if in_memory { None } else { Some(Duration::from_secs(3600)) })
                    .connect_with(opts)
                    .await
                    .map_err(|e| StoreError::Unreachable(format!("无法打开 SQLite 数据库 {}：{e}", redact_url(url))))?;
                SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
            }
            Engine::Postgres => {
                let opts = PgConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Config(format!("PostgreSQL 地址有误：{e}")))?;
                // One direct connection first: a refused or misaddressed server fails at once
                // instead of after the pool's acquire timeout.
                let probe = PgConnection::connect_with(&opts).await.map_err(|e| {
                    StoreError::Unreachable(format!("无法连接 PostgreSQL 数据库 {}：{e}", redact_url(url)))
                })?;
                let _ = probe.close().await;
                // Row-level security (`rls`): every connection handed out carries the zones of
                // the task that asked for it, set in the caller's future (sqlx runs both hooks
                // inside `acquire`). The `set_config` round trip also proves the connection
                // alive, so it replaces sqlx's ping before acquire.
                let (on_connect, on_acquire) = (deny_unscoped.clone(), deny_unscoped.clone());
                let pool = PgPoolOptions::new()
                    .max_connections(pg_max)
                    .acquire_timeout(Duration::from_secs(10))
                    .test_before_acquire(false)
                    .after_connect(move |conn, _| {
                        let deny = on_connect.clone();
                        Box::pin(async move { set_zones(conn, &deny).await })
                    })
                    .before_acquire(move |conn, _| {
                        let deny = on_acquire.clone();
                        Box::pin(async move { set_zones(conn, &deny).await.map(|_| true) })
                    })
                    .connect_with(opts)
                    .await
                    .map_err(|e| {
                        StoreError::Unreachable(format!("无法连接 PostgreSQL 数据库 {}：{e}", redact_url(url)))
                    })?;
                SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
            }
        };
        Ok(Db { conn, engine, url: url.to_string(), deny_unscoped })
    }

    /// From now on (for this `Db` and its clones), PostgreSQL work outside `rls::scoped` /
    /// `rls::system` sees and writes no zone's rows. The web server's setting.
    pub fn deny_unscoped(&self) {
        self.deny_unscoped.store(true, Ordering::Relaxed);
    }

    /// The URL as given (with its password: not for logs).
    pub(crate) fn raw_url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// The URL with its password hidden.
    pub fn display_url(&self) -> String {
        redact_url(&self.url)
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        self.conn.execute_unprepared("SELECT 1").await.is_ok()
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_is_strict() {
        assert_eq!(Engine::from_url("sqlite://data/k.db").unwrap(), Engine::Sqlite);
        assert_eq!(Engine::from_url("postgres://u@h/db").unwrap(), Engine::Postgres);
        assert_eq!(Engine::from_url("postgresql://u@h/db").unwrap(), Engine::Postgres);
        let e = Engine::from_url("mysql://u@h/db").unwrap_err().to_string();
        assert!(e.contains("无法识别"), "{e}");
        assert!(Engine::from_url("data/k.db").is_err());
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite://data/k.db"), Some(PathBuf::from("data/k.db")));
        assert_eq!(sqlite_path("sqlite:///tmp/k.db?mode=rwc"), Some(PathBuf::from("/tmp/k.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
