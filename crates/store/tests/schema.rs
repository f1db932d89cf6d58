//! The schema invariant behind zone isolation (issue 10, C5): every table that holds a zone's
//! records has `zone_id NOT NULL` with a foreign key to `zones`, and every reference from one
//! zone's table to another carries `zone_id`, so a record can never point into another zone.
//! Tables outside that rule are a reviewed list, each with its reason. Read from the database's
//! own catalog on both engines, so a new migration is checked the day it lands.

use kaifaqu_store::{Db, Engine, db_test};
use sea_orm::{ConnectionTrait, Statement};

/// Tables that are not one zone's, and why.
const NOT_ZONE_OWNED: &[(&str, &str)] = &[
    ("kaifaqu_schema", "the schema version"),
    ("zones", "the zones themselves"),
    ("users", "system and city accounts belong to no zone (zone_id NULL); zone accounts carry it"),
    ("sessions", "a user's; isolation follows the user"),
    ("api_tokens", "a user's; isolation follows the user"),
    ("audit_log", "the system's records have no zone; zone records carry it"),
    ("audit_chain_heads", "one row per chain; chain 0 is the system's"),
    ("audit_chain_anchors", "one row per purged chain, like the heads; chain 0 is the system's"),
    ("indicators", "the shared catalog every zone reports against (values and targets carry the zone)"),
];

#[derive(Debug)]
struct Fk {
    table: String,
    columns: Vec<String>,
    target: String,
}

async fn strings(db: &Db, sql: &str) -> Vec<Vec<String>> {
    db.conn
        .query_all_raw(Statement::from_string(db.backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (0..).map_while(|i| r.try_get_by_index::<Option<String>>(i).ok().map(|v| v.unwrap_or_default())).collect()
        })
        .collect()
}

async fn tables(db: &Db) -> Vec<String> {
    let sql = match db.engine {
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Engine::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    strings(db, sql).await.into_iter().map(|r| r[0].clone()).collect()
}

/// (has zone_id, zone_id is NOT NULL)
async fn zone_column(db: &Db, table: &str) -> (bool, bool) {
    let rows = match db.engine {
        Engine::Sqlite => {
            strings(db, &format!("SELECT name, CAST(\"notnull\" AS TEXT) FROM pragma_table_info('{table}')")).await
        }
        Engine::Postgres => {
            strings(
                db,
                &format!(
                    "SELECT column_name::text, CASE WHEN is_nullable = 'NO' THEN '1' ELSE '0' END \
                     FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}'"
                ),
            )
            .await
        }
    };
    match rows.iter().find(|r| r[0] == "zone_id") {
        Some(r) => (true, r[1] == "1"),
        None => (false, false),
    }
}

async fn foreign_keys(db: &Db, table: &str) -> Vec<Fk> {
    let rows = match db.engine {
        Engine::Sqlite => strings(
            db,
            &format!(
                "SELECT CAST(id AS TEXT), \"table\", \"from\" FROM pragma_foreign_key_list('{table}') ORDER BY id, seq"
            ),
        )
        .await,
        Engine::Postgres => {
            strings(
                db,
                &format!(
                    "SELECT c.conname::text, t.relname::text, a.attname::text \
                     FROM pg_constraint c JOIN pg_class s ON s.oid = c.conrelid JOIN pg_class t ON t.oid = c.confrelid \
                     JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) ON true \
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
                     WHERE c.contype = 'f' AND s.relname = '{table}' ORDER BY c.conname, k.ord"
                ),
            )
            .await
        }
    };
    let mut fks: Vec<(String, Fk)> = Vec::new();
    for r in rows {
        match fks.iter_mut().find(|(id, _)| *id == r[0]) {
            Some((_, fk)) => fk.columns.push(r[2].clone()),
            None => {
                fks.push((r[0].clone(), Fk { table: table.into(), columns: vec![r[2].clone()], target: r[1].clone() }))
            }
        }
    }
    fks.into_iter().map(|(_, f)| f).collect()
}

db_test!(every_zone_table_has_zone_id_not_null_and_zone_bound_references, |db: Db| async move {
    let all = tables(&db).await;
    let owned: Vec<&String> = all.iter().filter(|t| !NOT_ZONE_OWNED.iter().any(|(n, _)| n == t)).collect();
    let mut problems = Vec::new();
    let mut references = 0;
    for t in &owned {
        let (has, not_null) = zone_column(&db, t).await;
        if !has {
            problems.push(format!("{t}: no zone_id"));
            continue;
        }
        if !not_null {
            problems.push(format!("{t}: zone_id may be NULL"));
        }
        let fks = foreign_keys(&db, t).await;
        if !fks.iter().any(|f| f.target == "zones" && f.columns == ["zone_id"]) {
            problems.push(format!("{t}: no foreign key zone_id → zones"));
        }
        for f in fks.iter().filter(|f| f.target != "zones" && owned.iter().any(|o| **o == f.target)) {
            references += 1;
            if !f.columns.iter().any(|c| c == "zone_id") {
                problems.push(format!("{}: {:?} → {} does not carry zone_id", f.table, f.columns, f.target));
            }
        }
    }
    println!(
        "schema: {} tables, {} zone-owned, {} references between zone tables; {} problems",
        all.len(),
        owned.len(),
        references,
        problems.len()
    );
    assert!(problems.is_empty(), "{problems:#?}");
    // the reviewed list names only tables that exist
    for (n, _) in NOT_ZONE_OWNED {
        assert!(all.iter().any(|t| t == n), "{n} is listed but does not exist");
    }
});
