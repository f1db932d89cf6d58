//! Embedded, numbered migrations run at start-up. A released migration is never edited:
//! a change is a new number. A database whose schema is newer than this program is refused.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait, Value};

use crate::StoreError;
use crate::db::{Db, Engine};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
    sqlite_extra: &'static str,
    postgres_extra: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("migrations/0001_foundation.sql"),
        sqlite_extra: include_str!("migrations/0001_sqlite_triggers.sql"),
        postgres_extra: include_str!("migrations/0001_postgres_triggers.sql"),
    },
    Migration {
        version: 2,
        name: "projects",
        sql: include_str!("migrations/0002_projects.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 3,
        name: "indicators",
        sql: include_str!("migrations/0003_indicators.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 4,
        name: "safety",
        sql: include_str!("migrations/0004_safety.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 5,
        name: "services",
        sql: include_str!("migrations/0005_services.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 6,
        name: "targets_tasks",
        sql: include_str!("migrations/0006_targets_tasks.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 7,
        name: "report_drafts",
        sql: include_str!("migrations/0007_report_drafts.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 8,
        name: "report_templates",
        sql: include_str!("migrations/0008_report_templates.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 9,
        name: "indexes",
        sql: include_str!("migrations/0009_indexes.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 10,
        name: "audit_chain",
        sql: include_str!("migrations/0010_audit_chain.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 11,
        name: "versions",
        sql: include_str!("migrations/0011_versions.sql"),
        sqlite_extra: "",
        postgres_extra: include_str!("migrations/0011_postgres_purge.sql"),
    },
    // in ascending order: a database at version n never runs a migration numbered below n
    Migration {
        version: 12,
        name: "auth",
        sql: include_str!("migrations/0012_auth.sql"),
        // existing accounts: the expiry counts from this migration (the format SeaORM writes)
        sqlite_extra: "UPDATE users SET password_changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now');",
        postgres_extra: "UPDATE users SET password_changed_at = now();",
    },
    Migration {
        version: 13,
        name: "perf_indexes",
        sql: include_str!("migrations/0013_perf_indexes.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 14,
        name: "rls",
        // PostgreSQL only: row-level security on every zone-owned table (issue 10, C6)
        sql: "",
        sqlite_extra: "",
        postgres_extra: include_str!("migrations/0014_postgres_rls.sql"),
    },
    Migration {
        version: 15,
        name: "sensitive",
        // phone numbers encrypted with a blind index (issue 10, L2); versions on contacts and enterprises
        sql: include_str!("migrations/0015_sensitive.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 16,
        name: "more_versions",
        sql: include_str!("migrations/0016_more_versions.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 17,
        name: "cockpit_indexes",
        sql: include_str!("migrations/0017_cockpit_indexes.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 18,
        name: "report_indexes",
        sql: include_str!("migrations/0018_report_indexes.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 19,
        name: "purge_gate",
        // PostgreSQL only: the audit purge only as the table's owner (issue 10, J3)
        sql: "",
        sqlite_extra: "",
        postgres_extra: include_str!("migrations/0019_purge_gate.sql"),
    },
    Migration {
        version: 20,
        name: "anchor_boundary",
        sql: include_str!("migrations/0020_anchor_boundary.sql"),
        sqlite_extra: "",
        postgres_extra: "",
    },
    Migration {
        version: 21,
        name: "rls_shared_tables",
        // PostgreSQL only: row-level security on users and audit_log (nullable zone; issue 10, C6)
        sql: "",
        sqlite_extra: "",
        postgres_extra: include_str!("migrations/0021_rls_shared_tables.sql"),
    },
];

/// The schema version this program writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

fn render(sql: &str, engine: Engine) -> String {
    let (id, pk, zpk) = match engine {
        Engine::Sqlite => ("id INTEGER PRIMARY KEY AUTOINCREMENT", "", "UNIQUE (zone_id, id)"),
        Engine::Postgres => {
            ("id BIGINT GENERATED BY DEFAULT AS IDENTITY", ", PRIMARY KEY (id)", "PRIMARY KEY (zone_id, id)")
        }
    };
    sql.replace("{id}", id).replace("{pk}", pk).replace("{zpk}", zpk)
}

/// The version the database is at (0 for an empty database).
pub async fn current_version(db: &Db) -> Result<i64, StoreError> {
    ensure_table(db).await?;
    let row = db
        .conn
        .query_one_raw(Statement::from_string(
            db.backend(),
            "SELECT COALESCE(MAX(version), 0) AS v FROM kaifaqu_schema",
        ))
        .await?;
    Ok(row.map(|r| r.try_get::<i64>("", "v")).transpose()?.unwrap_or(0))
}

async fn ensure_table(db: &Db) -> Result<(), StoreError> {
    db.conn
        .execute_unprepared(
            "CREATE TABLE IF NOT EXISTS kaifaqu_schema (
                version BIGINT NOT NULL PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )",
        )
        .await?;
    Ok(())
}

/// Refuses a database whose schema is not this program's (the web server connected as the app
/// role, which may not migrate: `database_migrate_url` does).
pub async fn require_current(db: &Db) -> Result<(), StoreError> {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(
            db.backend(),
            "SELECT COALESCE(MAX(version), 0) AS v FROM kaifaqu_schema",
        ))
        .await
        .map_err(|e| StoreError::Config(format!("无法读取数据库结构版本（请先用 database_migrate_url 迁移）：{e}")))?;
    let current = row.map(|r| r.try_get::<i64>("", "v")).transpose()?.unwrap_or(0);
    let latest = latest_version();
    if current != latest {
        return Err(StoreError::Config(format!(
            "数据库结构版本为 {current}，本程序需要版本 {latest}：请用 database_migrate_url（表的所有者）迁移后再启动"
        )));
    }
    Ok(())
}

/// Applies every pending migration, each in its own transaction. Returns the versions applied.
/// Migrations see every zone's rows (row-level security's setting '*', `rls::system`): they
/// backfill data.
pub async fn run(db: &Db) -> Result<Vec<i64>, StoreError> {
    crate::rls::system(run_all(db)).await
}

async fn run_all(db: &Db) -> Result<Vec<i64>, StoreError> {
    let current = current_version(db).await?;
    let latest = latest_version();
    if current > latest {
        return Err(StoreError::Config(format!(
            "数据库结构版本为 {current}，比本程序支持的版本 {latest} 新：请使用新版 kaifaqu，不要用旧程序打开新数据库"
        )));
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        let txn = db.conn.begin().await?;
        if !m.sql.is_empty() {
            txn.execute_unprepared(&render(m.sql, db.engine)).await?;
        }
        let extra = match db.engine {
            Engine::Sqlite => m.sqlite_extra,
            Engine::Postgres => m.postgres_extra,
        };
        if !extra.is_empty() {
            txn.execute_unprepared(extra).await?;
        }
        let insert = match db.backend() {
            DbBackend::Postgres => "INSERT INTO kaifaqu_schema (version, name, applied_at) VALUES ($1, $2, $3)",
            _ => "INSERT INTO kaifaqu_schema (version, name, applied_at) VALUES (?, ?, ?)",
        };
        txn.execute_raw(Statement::from_sql_and_values(
            db.backend(),
            insert,
            [Value::from(m.version), Value::from(m.name), Value::from(Utc::now().to_rfc3339())],
        ))
        .await?;
        txn.commit().await?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
        applied.push(m.version);
    }
    // personal data written in plain text (before schema 15, or by a raw bulk load) is sealed by
    // the caller once the deployment's keys are installed (`sensitive::seal_plaintext`), never
    // here: the migrator may run before them and would seal under the development key
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_all_filled() {
        for engine in [Engine::Sqlite, Engine::Postgres] {
            for m in MIGRATIONS {
                let sql = render(m.sql, engine);
                assert!(!sql.contains('{'), "unfilled placeholder in migration {}", m.version);
            }
        }
    }

    #[test]
    fn versions_ascend() {
        let v: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        let mut sorted = v.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(v, sorted);
    }
}
