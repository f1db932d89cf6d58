//! PostgreSQL row-level security, the second layer of zone isolation (issue 10, C6).
//!
//! The first layer is the store itself: every query filters by the zones its [`Scope`] allows.
//! On PostgreSQL every zone-owned table also has `ENABLE` + `FORCE ROW LEVEL SECURITY` and one
//! policy (migration 0014) that lets a statement see and write only the rows of the zones named
//! by the connection's setting `kaifaqu.zones`: `*` (everything: the command line, the
//! migrator, the scheduler, login and session lookup), `1,7` (those zones), or empty (none).
//! One table is shared within a city: a zone reads the indicator values of its city's zones (the
//! city ranking, `indicator_views`), so `indicator_values` has a second, read-only policy on the
//! setting `kaifaqu.read_zones` (a zone user: the zones of its city); it writes only its own.
//! Two tables hold rows of a zone and rows of none (migration 0021): `users` (a city account has
//! no zone: it passes when the setting names a zone of its city) and `audit_log` (a record of no
//! zone is read only as `*`, appended by any scoped work). `dictionary_items` is zone-owned (0014).
//! Tables with no zone column follow their user or are shared: `sessions`, `api_tokens` (read as
//! `*` by the session and token lookup), `zones`, `indicators`, the audit chain's heads and anchors.
//!
//! Which zones a piece of work may touch is a tokio task-local ([`scoped`], [`system`]); the
//! pool's `after_connect` and `before_acquire` hooks (`db.rs`) copy it into the connection with
//! one `set_config` round trip each time a connection is handed out (that round trip replaces
//! sqlx's liveness ping, so it costs nothing extra). Work outside both wrappers gets the `Db`'s
//! default: `*` for tools and tests, nothing for the web server (`Db::deny_unscoped`), so a
//! request path that forgot its scope sees no zone's rows. A task started with `tokio::spawn`
//! does not inherit the task-local: wrap its future again.
//!
//! The setting is not a secret: SQL injection could change it. The policy is a second layer
//! against a query that forgot its zone filter, not against arbitrary SQL; that is what the
//! separate roles are for: the web server connects as an app role that owns nothing (so it
//! cannot switch the policies off) and may not UPDATE or DELETE the audit log, and migrations
//! run as the owner (`database_migrate_url`).

use std::future::Future;

use sea_orm::{ConnectionTrait, Statement};

use crate::{Db, Engine, Scope, StoreError};

/// The zones a piece of work may touch at the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbZones {
    /// Only these zones' rows (a city user: the city's zones).
    Zones(Vec<i64>),
    /// A zone user: its zone's rows, and reading the indicator values of its city's zones.
    /// `peers`: the city's zones without users of their own, whose figures a zone user who may
    /// write enters (`indicator_values::writable_zone`): written as the own zone is.
    ZoneInCity { own: i64, city: Vec<i64>, peers: Vec<i64> },
    /// Every zone (command line, migrations, scheduler, login).
    System,
}

impl DbZones {
    /// The value of `kaifaqu.zones`: `*`, `1,7`, or empty.
    pub fn setting(&self) -> String {
        match self {
            DbZones::System => "*".into(),
            DbZones::Zones(z) => list(z),
            DbZones::ZoneInCity { own, peers, .. } => {
                list(&std::iter::once(*own).chain(peers.iter().copied()).collect::<Vec<_>>())
            }
        }
    }

    /// The value of `kaifaqu.read_zones` (the zones whose shared rows may also be read).
    pub fn read_setting(&self) -> String {
        match self {
            DbZones::ZoneInCity { city, .. } => list(city),
            _ => String::new(),
        }
    }
}

fn list(z: &[i64]) -> String {
    z.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

tokio::task_local! {
    static DB_ZONES: DbZones;
}

/// Runs `fut` with the database limited to `zones`.
pub async fn scoped<F: Future>(zones: Vec<i64>, fut: F) -> F::Output {
    DB_ZONES.scope(DbZones::Zones(zones), fut).await
}

/// Runs `fut` with every zone visible at the database.
pub async fn system<F: Future>(fut: F) -> F::Output {
    DB_ZONES.scope(DbZones::System, fut).await
}

/// Runs `fut` under `zones`.
pub async fn within<F: Future>(zones: DbZones, fut: F) -> F::Output {
    DB_ZONES.scope(zones, fut).await
}

/// The zones of the current task, if it set any.
pub fn current() -> Option<DbZones> {
    DB_ZONES.try_with(Clone::clone).ok()
}

/// The settings (`kaifaqu.zones`, `kaifaqu.read_zones`) for a connection handed out now: the
/// task's zones, else the default (`deny`: nothing; otherwise everything).
pub(crate) fn setting_now(deny: bool) -> (String, String) {
    match current() {
        Some(z) => (z.setting(), z.read_setting()),
        None if deny => (String::new(), String::new()),
        None => ("*".into(), String::new()),
    }
}

/// The zones a [`Scope`] allows, as the database should see them. A city user's scope is the
/// zones of the city; a zone user's, its zone and (for the city ranking) the indicator values of
/// its city's zones, and — when it may write — the city's zones without users, whose figures it
/// enters (read from `zones` and `users` as the system, since `users` hides other zones'
/// accounts: one query).
pub async fn zones_of(db: &Db, scope: &Scope) -> Result<DbZones, StoreError> {
    Ok(match scope {
        Scope::System => DbZones::System,
        Scope::Zone { zone_id, write } => {
            let sql = format!(
                "SELECT z.id, CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.zone_id = z.id) THEN 1 ELSE 0 END AS staffed \
                 FROM zones z WHERE z.city_code = (SELECT city_code FROM zones WHERE id = {p}) ORDER BY z.id",
                p = if db.engine == Engine::Postgres { "$1" } else { "?" }
            );
            let rows =
                system(db.conn.query_all_raw(Statement::from_sql_and_values(db.backend(), sql, [(*zone_id).into()])))
                    .await?;
            let mut city = Vec::with_capacity(rows.len());
            let mut peers = Vec::new();
            for r in &rows {
                let id = r.try_get::<i64>("", "id")?;
                let staffed = r.try_get::<i32>("", "staffed")? != 0;
                city.push(id);
                if *write && !staffed && id != *zone_id {
                    peers.push(id);
                }
            }
            DbZones::ZoneInCity { own: *zone_id, city, peers }
        }
        Scope::City { .. } => {
            let zs = system(crate::zones::list(db, scope)).await?;
            DbZones::Zones(zs.into_iter().map(|z| z.id).collect())
        }
    })
}

/// `name` as an SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Gives `role` (the app role) what the web server needs and no more: SELECT/INSERT/UPDATE/
/// DELETE on the tables and USAGE on the sequences, but only INSERT and SELECT on the audit log
/// (append-only), SELECT on the schema version and the purge anchors (only the owner's
/// `audit purge` writes them). Idempotent; run by the owner after every migration, so a table
/// a later migration adds is granted too. Nothing on SQLite.
pub async fn grant(owner: &Db, role: &str) -> Result<(), StoreError> {
    if owner.engine != Engine::Postgres {
        return Ok(());
    }
    // GRANT … IN SCHEMA takes a name, not an expression: read it first
    let row = owner
        .conn
        .query_one_raw(Statement::from_string(owner.backend(), "SELECT current_schema()::text AS s"))
        .await?
        .ok_or_else(|| StoreError::Config("无法读取当前模式名".into()))?;
    let schema: String = row.try_get("", "s")?;
    let (s, r) = (ident(&schema), ident(role));
    let sql = format!(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}; \
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}; \
         REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON kaifaqu_schema FROM {r}; \
         REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {r}; \
         REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_chain_anchors FROM {r};"
    );
    owner.conn.execute_unprepared(&sql).await?;
    Ok(())
}

/// Whether a PostgreSQL role exists.
pub async fn role_exists(db: &Db, role: &str) -> Result<bool, StoreError> {
    if db.engine != Engine::Postgres {
        return Ok(false);
    }
    let row = db
        .conn
        .query_one_raw(Statement::from_sql_and_values(
            db.backend(),
            "SELECT count(*) AS n FROM pg_roles WHERE rolname = $1",
            [role.into()],
        ))
        .await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0) > 0)
}

/// The user name a database URL logs in as.
pub fn url_user(url: &str) -> Option<String> {
    url::Url::parse(url).ok().map(|u| u.username().to_string()).filter(|u| !u.is_empty())
}

/// Opens the web server's database. With `migrate_url` (PostgreSQL, the tables' owner):
/// migrations run through it, the role of `url` (the app role, which owns nothing) is granted
/// what it needs, and the server then connects as that role, checking the schema is current.
/// Without it, `url` is opened and migrated as before. Either way work outside
/// [`scoped`]/[`system`] sees no zone's rows (`Db::deny_unscoped`).
pub async fn open_for_server(url: &str, migrate_url: Option<&str>) -> Result<Db, StoreError> {
    let db = match migrate_url.filter(|m| !m.is_empty() && *m != url) {
        Some(m) => {
            if Engine::from_url(m)? != Engine::Postgres || Engine::from_url(url)? != Engine::Postgres {
                return Err(StoreError::Config(
                    "database_migrate_url 只用于 PostgreSQL：database_url 与 database_migrate_url 都应为 postgres:// 地址".into(),
                ));
            }
            let owner = crate::open(m).await?;
            if let Some(role) = url_user(url).filter(|r| Some(r) != url_user(m).as_ref()) {
                grant(&owner, &role).await?;
            }
            owner.close().await;
            let db = Db::connect(url).await?;
            crate::migrate::require_current(&db).await?;
            db
        }
        None => crate::open(url).await?,
    };
    db.deny_unscoped();
    Ok(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings() {
        assert_eq!(DbZones::System.setting(), "*");
        assert_eq!(DbZones::Zones(vec![1, 7]).setting(), "1,7");
        assert_eq!(DbZones::Zones(vec![]).setting(), "");
        let z = DbZones::ZoneInCity { own: 7, city: vec![1, 7], peers: vec![] };
        assert_eq!((z.setting(), z.read_setting()), ("7".into(), "1,7".into()));
        let z = DbZones::ZoneInCity { own: 7, city: vec![1, 7, 9], peers: vec![9] };
        assert_eq!((z.setting(), z.read_setting()), ("7,9".into(), "1,7,9".into()));
        assert_eq!(DbZones::System.read_setting(), "");
    }

    #[tokio::test]
    async fn the_task_local_follows_the_future() {
        assert_eq!(current(), None);
        assert_eq!(setting_now(true).0, "");
        assert_eq!(setting_now(false).0, "*");
        scoped(vec![3], async {
            assert_eq!(setting_now(true).0, "3");
            system(async { assert_eq!(setting_now(true).0, "*") }).await;
            assert_eq!(current(), Some(DbZones::Zones(vec![3])));
        })
        .await;
        assert_eq!(current(), None);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(ident("kaifaqu_app"), "\"kaifaqu_app\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(url_user("postgres://app:pw@h/db").as_deref(), Some("app"));
        assert_eq!(url_user("postgres://h/db"), None);
    }
}
