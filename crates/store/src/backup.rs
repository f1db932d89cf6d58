//! Backups. SQLite: a consistent copy taken while the server runs (`VACUUM INTO`, which reads
//! the database inside one read transaction and writes a compacted, self-contained file).
//! PostgreSQL: the `pg_dump` command to run, since the server's own tool is the right one.

use std::path::Path;

use sea_orm::{ConnectionTrait, Statement, Value};

use crate::StoreError;
use crate::db::{Db, Engine};

pub enum BackupOutcome {
    Written { bytes: u64 },
    UsePgDump { command: String },
}

pub async fn backup(db: &Db, target: &Path) -> Result<BackupOutcome, StoreError> {
    match db.engine {
        Engine::Postgres => Ok(BackupOutcome::UsePgDump {
            // the tables force row-level security even for their owner (migration 14): the dump
            // reads under the policies with every zone visible, instead of pg_dump's default
            // (row_security off), which would stop at the first protected table
            command: format!(
                "PGOPTIONS='-c kaifaqu.zones=*' pg_dump --enable-row-security --format=custom --file={} '{}'",
                target.display(),
                without_password(&db.display_url())
            ),
        }),
        Engine::Sqlite => {
            if target.exists() {
                return Err(StoreError::Config(format!(
                    "备份文件 {} 已存在：请换一个文件名，不会覆盖",
                    target.display()
                )));
            }
            if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Config(format!("无法创建备份目录 {}：{e}", dir.display())))?;
            }
            let path = target.to_string_lossy().to_string();
            db.conn
                .execute_raw(Statement::from_sql_and_values(db.backend(), "VACUUM INTO ?", [Value::from(path)]))
                .await?;
            let bytes = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
            Ok(BackupOutcome::Written { bytes })
        }
    }
}

/// The URL without its password: pg_dump asks for it (or reads ~/.pgpass).
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}
