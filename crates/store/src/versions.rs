//! Optimistic versions (issue 10, G1): the one step every versioned edit takes inside its
//! transaction before it writes — claim the version the edit was made on, or refuse it as stale.

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::StoreError;

/// The tables whose edits claim their version here (the table name is spliced into the SQL, so
/// only these names are accepted).
const TABLES: &[&str] = &[
    "departments",
    "users",
    "dictionary_items",
    "indicators",
    "meetings",
    "targets",
    "safety_profiles",
    "approval_powers",
    "problems",
];

/// Claims version `raw` (from the form or the JSON body; `""` means the version loaded,
/// `current`) of row `id` of `table` on `conn`, the edit's transaction: one
/// `UPDATE … SET version = version + 1 WHERE id = ? AND version = ?`. Returns the new version,
/// which the caller's own UPDATE must write again. A version other than the current one —
/// already when loaded, or because another edit committed in between — is
/// [`StoreError::Stale`] and nothing is changed (the caller's transaction is dropped).
pub(crate) async fn claim<C: ConnectionTrait>(
    conn: &C,
    table: &'static str,
    id: i64,
    raw: &str,
    current: i32,
) -> Result<i32, StoreError> {
    assert!(TABLES.contains(&table), "versions::claim: table {table} is not versioned");
    let expected = StoreError::expected_version(raw, current)?;
    let sql = match conn.get_database_backend() {
        DbBackend::Postgres => format!("UPDATE {table} SET version = version + 1 WHERE id = $1 AND version = $2"),
        _ => format!("UPDATE {table} SET version = version + 1 WHERE id = ? AND version = ?"),
    };
    let res = conn
        .execute_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            sql,
            [Value::from(id), Value::from(expected)],
        ))
        .await?;
    if res.rows_affected() != 1 {
        return Err(StoreError::Stale);
    }
    Ok(expected + 1)
}
