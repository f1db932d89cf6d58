//! PostgreSQL row-level security, the second layer of zone isolation (issue 10, C6): raw SQL
//! through the web server's pooled connection (the app role `kaifaqu_app`, which owns nothing)
//! sees and changes only the zones of the task's `rls` scope, whatever the statement says; the
//! app role cannot switch the policies off nor alter the audit log; and 200 tasks alternating
//! two zones over a pool of 4 connections never see each other's rows. The two tables with a
//! nullable zone (`users`, `audit_log`, migration 0021) hide another zone's rows too and show the
//! rows of no zone as designed (a city's accounts to its zones, system records to `*` only), and
//! logins and writes under the policies keep the audit chain intact.
//! PostgreSQL only: on SQLite the store's own zone filter is the one layer (skipped there).

use std::collections::BTreeMap;

use kaifaqu_store::rls::{self, DbZones};
use kaifaqu_store::{Db, Engine, Scope, demo, testing, zones};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};

/// Tables with a nullable zone that carry the policy `kaifaqu_zone` too (migration 0021).
const SHARED: &[&str] = &["users", "audit_log"];

/// Tables that are not one zone's (the reviewed list of store/tests/schema.rs).
const NOT_ZONE_OWNED: &[&str] = &[
    "kaifaqu_schema",
    "zones",
    "users",
    "sessions",
    "api_tokens",
    "audit_log",
    "audit_chain_heads",
    "audit_chain_anchors",
    "indicators",
];

struct Fixture {
    owner: Db,
    /// The server's connection: the app role, unscoped work denied.
    app: Db,
    app_is_owner: bool,
    a: i64,
    b: i64,
    tables: Vec<String>,
    /// The demo accounts' password.
    password: String,
}

async fn fixture() -> Option<Fixture> {
    let Some(owner) = testing::database(Engine::Postgres).await else {
        eprintln!(
            "row-level security is PostgreSQL's: test skipped (on SQLite the store's zone filter is the one layer)"
        );
        return None;
    };
    let demo::DemoOutcome::Loaded { password, .. } = demo::load(&owner).await.expect("demo loads") else {
        unreachable!("fresh database")
    };
    let zs = zones::list(&owner, &Scope::System).await.unwrap();
    // zone B gets the same fixtures (identical twins)
    demo::load_twin(&owner, zs[1].id, "_b", &password).await.unwrap();
    let app_is_owner = !rls::role_exists(&owner, testing::APP_ROLE).await.unwrap();
    let app = testing::app_db(&owner).await;
    let tables = owner
        .conn
        .query_all_raw(Statement::from_string(
            owner.backend(),
            "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' ORDER BY 1",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get::<String>("", "t").unwrap())
        .filter(|t| !NOT_ZONE_OWNED.contains(&t.as_str()))
        .collect();
    Some(Fixture { owner, app, app_is_owner, a: zs[0].id, b: zs[1].id, tables, password })
}

async fn count(db: &Db, sql: &str) -> i64 {
    let row = db.conn.query_one_raw(Statement::from_string(db.backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn error_of(db: &Db, sql: &str) -> String {
    match db.conn.execute_unprepared(sql).await {
        Ok(r) => panic!("{sql} was accepted ({} rows)", r.rows_affected()),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn every_zone_owned_table_forces_its_policy() {
    let Some(f) = fixture().await else { return };
    let mut problems = Vec::new();
    for t in f.tables.iter().map(String::as_str).chain(SHARED.iter().copied()) {
        let sql = format!(
            "SELECT (CASE WHEN c.relrowsecurity THEN 1 ELSE 0 END) + (CASE WHEN c.relforcerowsecurity THEN 2 ELSE 0 END) \
             + 4 * (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'kaifaqu_zone') \
             FROM pg_class c WHERE c.oid = '{t}'::regclass"
        );
        let v = count(&f.owner, &sql).await;
        if v != 7 {
            problems.push(format!("{t}: enabled {}, forced {}, policies {}", v & 1 != 0, v & 2 != 0, v >> 2));
        }
    }
    // the app role owns nothing and has no way around the policies
    let owners = count(
        &f.owner,
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner \
         WHERE c.relnamespace = current_schema()::regnamespace AND r.rolname = 'kaifaqu_app'",
    )
    .await;
    let bypass =
        count(&f.owner, "SELECT count(*) FROM pg_roles WHERE rolname = 'kaifaqu_app' AND (rolbypassrls OR rolsuper)")
            .await;
    println!(
        "rls: {} zone-owned tables and {} with a nullable zone ({}), {} with ENABLE + FORCE ROW LEVEL SECURITY and the zone policy; app role owns {owners} tables, bypasses: {bypass}",
        f.tables.len(),
        SHARED.len(),
        SHARED.join(", "),
        f.tables.len() + SHARED.len() - problems.len()
    );
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!((owners, bypass), (0, 0));
    assert!(f.tables.len() >= 36, "zone-owned tables found: {}", f.tables.len());
    assert!(f.tables.iter().any(|t| t == "dictionary_items"), "dictionary_items is zone-owned (0014)");
}

#[tokio::test]
async fn another_zones_rows_are_invisible_and_unwritable_through_the_app_connection() {
    let Some(f) = fixture().await else { return };
    let (a, b) = (f.a, f.b);
    let (mut rows_a, mut tables_with_a, mut seen_from_b, mut seen_unscoped, mut changed) = (0, 0, 0, 0, 0);
    for t in &f.tables {
        let of_a = count(&f.owner, &format!("SELECT count(*) FROM {t} WHERE zone_id = {a}")).await;
        rows_a += of_a;
        tables_with_a += i64::from(of_a > 0);
        // the app's own connection, as the system (the scheduler, the command line): all of A
        let sys = rls::system(count(&f.app, &format!("SELECT count(*) FROM {t} WHERE zone_id = {a}"))).await;
        assert_eq!(sys, of_a, "{t}: the system scope sees every row");
        // as zone B, even a statement naming A by id sees nothing of it
        seen_from_b +=
            rls::scoped(vec![b], count(&f.app, &format!("SELECT count(*) FROM {t} WHERE zone_id <> {b}"))).await;
        // no scope at all (a request path that forgot it): nothing
        seen_unscoped += count(&f.app, &format!("SELECT count(*) FROM {t}")).await;
        // writes aimed at A's rows from B's scope touch none
        rls::scoped(vec![b], async {
            for sql in [
                format!("UPDATE {t} SET zone_id = zone_id WHERE zone_id = {a}"),
                format!("DELETE FROM {t} WHERE zone_id = {a}"),
            ] {
                changed += f.app.conn.execute_unprepared(&sql).await.unwrap().rows_affected();
            }
        })
        .await;
        let after = count(&f.owner, &format!("SELECT count(*) FROM {t} WHERE zone_id = {a}")).await;
        assert_eq!(after, of_a, "{t}: zone A's rows unchanged");
    }
    // zone B's user as the web server sets it: its zone, and reading its city's indicator values
    let as_b = rls::zones_of(&f.owner, &Scope::Zone { zone_id: b, write: true }).await.unwrap();
    let DbZones::ZoneInCity { city, .. } = &as_b else { panic!("{as_b:?}") };
    assert!(city.contains(&a), "the demo's zones A and B are of one city");
    let values_a = count(&f.owner, &format!("SELECT count(*) FROM indicator_values WHERE zone_id = {a}")).await;
    let (read, written, other) = rls::within(as_b.clone(), async {
        let read = count(&f.app, &format!("SELECT count(*) FROM indicator_values WHERE zone_id = {a}")).await;
        let mut written = 0;
        for sql in [
            format!("UPDATE indicator_values SET zone_id = zone_id WHERE zone_id = {a}"),
            format!("DELETE FROM indicator_values WHERE zone_id = {a}"),
        ] {
            written += f.app.conn.execute_unprepared(&sql).await.unwrap().rows_affected();
        }
        let mut other = 0;
        for t in f.tables.iter().filter(|t| *t != "indicator_values") {
            other += count(&f.app, &format!("SELECT count(*) FROM {t} WHERE zone_id <> {b}")).await;
        }
        (read, written, other)
    })
    .await;
    println!(
        "rls: zone B's user reads its city's {read} indicator values of zone A (of {values_a}), changes {written}, sees {other} of A's rows elsewhere"
    );
    assert_eq!((read, written, other), (values_a, 0, 0));
    assert!(values_a > 0);
    // a new row for A, or one of B's moved to A, is refused by the policy's WITH CHECK
    let insert = rls::scoped(
        vec![b],
        error_of(
            &f.app,
            &format!("INSERT INTO departments (zone_id, name, created_at) VALUES ({a}, 'RLS_CANARY', now())"),
        ),
    )
    .await;
    assert!(insert.contains("row-level security"), "{insert}");
    let moved = rls::scoped(
        vec![b],
        error_of(&f.app, &format!("UPDATE departments SET name = name || '_x', zone_id = {a} WHERE zone_id = {b}")),
    )
    .await;
    assert!(moved.contains("row-level security") || moved.contains("foreign key"), "{moved}");
    // without a scope even the own zone cannot be written
    let unscoped = error_of(
        &f.app,
        &format!("INSERT INTO departments (zone_id, name, created_at) VALUES ({b}, 'RLS_CANARY', now())"),
    )
    .await;
    assert!(unscoped.contains("row-level security"), "{unscoped}");
    println!(
        "rls: zone A holds {rows_a} rows in {tables_with_a} of {} zone-owned tables; through the app role as zone B: \
         {seen_from_b} seen, {changed} updated or deleted, INSERT and move into A refused; unscoped: {seen_unscoped} seen; \
         system: all {rows_a}",
        f.tables.len()
    );
    assert_eq!((seen_from_b, seen_unscoped, changed), (0, 0, 0));
    assert!(tables_with_a >= 20, "the demo fills most zone tables: {tables_with_a}");
}

/// `sql`'s count as the app role under `zones`.
async fn count_as(f: &Fixture, zones: &DbZones, sql: &str) -> i64 {
    rls::within(zones.clone(), count(&f.app, sql)).await
}

/// Rows `sql` changes as the app role under `zones`.
async fn changed_as(f: &Fixture, zones: &DbZones, sql: &str) -> u64 {
    rls::within(zones.clone(), f.app.conn.execute_unprepared(sql)).await.unwrap().rows_affected()
}

/// `sql` run as the app role under `zones` inside a transaction rolled back: its error, or the
/// rows it changed.
async fn try_as(f: &Fixture, zones: Option<&DbZones>, sql: &str) -> Result<u64, String> {
    let run = async {
        let txn = f.app.conn.begin().await.unwrap();
        let r = txn.execute_unprepared(sql).await.map(|r| r.rows_affected()).map_err(|e| e.to_string());
        txn.rollback().await.unwrap();
        r
    };
    match zones {
        Some(z) => rls::within(z.clone(), run).await,
        None => run.await,
    }
}

#[tokio::test]
async fn the_tables_with_a_nullable_zone_hide_another_zones_rows() {
    let Some(f) = fixture().await else { return };
    let (a, b) = (f.a, f.b);
    let city = count_text(&f.owner, &format!("SELECT city_code FROM zones WHERE id = {a}")).await;
    // an account of another city (zone_id NULL, city_code set), written as the owner
    f.owner
        .conn
        .execute_unprepared(
            "INSERT INTO users (login_name, display_name, role, city_code, password_hash, created_at, updated_at) \
             VALUES ('rls_other_city', '外市账号', 'city', 'RLS_OTHER', 'x', now(), now())",
        )
        .await
        .unwrap();
    let owner_count = async |sql: String| count(&f.owner, &sql).await;
    let users_a = owner_count(format!("SELECT count(*) FROM users WHERE zone_id = {a}")).await;
    let users_b = owner_count(format!("SELECT count(*) FROM users WHERE zone_id = {b}")).await;
    let city_accounts =
        owner_count(format!("SELECT count(*) FROM users WHERE zone_id IS NULL AND city_code = '{city}'")).await;
    let users_all = owner_count("SELECT count(*) FROM users".into()).await;
    let audit_a = owner_count(format!("SELECT count(*) FROM audit_log WHERE zone_id = {a}")).await;
    let audit_b = owner_count(format!("SELECT count(*) FROM audit_log WHERE zone_id = {b}")).await;
    let audit_none = owner_count("SELECT count(*) FROM audit_log WHERE zone_id IS NULL".into()).await;
    let audit_all = owner_count("SELECT count(*) FROM audit_log".into()).await;
    let dict_a = owner_count(format!("SELECT count(*) FROM dictionary_items WHERE zone_id = {a}")).await;
    assert!(users_a > 0 && audit_a > 0 && dict_a > 0 && audit_none > 0 && city_accounts > 0);

    // zone B's user, as the web server sets it
    let as_b = rls::zones_of(&f.owner, &Scope::Zone { zone_id: b, write: true }).await.unwrap();
    let q = |t: &str, w: &str| format!("SELECT count(*) FROM {t} WHERE {w}");
    let seen_b = [
        count_as(&f, &as_b, &q("users", &format!("zone_id = {a}"))).await,
        count_as(&f, &as_b, &q("audit_log", &format!("zone_id = {a}"))).await,
        count_as(&f, &as_b, &q("dictionary_items", &format!("zone_id = {a}"))).await,
    ];
    let (own_users, own_audit) = (
        count_as(&f, &as_b, &q("users", &format!("zone_id = {b}"))).await,
        count_as(&f, &as_b, &q("audit_log", &format!("zone_id = {b}"))).await,
    );
    let city_seen = count_as(&f, &as_b, &q("users", &format!("zone_id IS NULL AND city_code = '{city}'"))).await;
    let other_city_seen = count_as(&f, &as_b, &q("users", &format!("zone_id IS NULL AND city_code <> '{city}'"))).await;
    let system_seen = count_as(&f, &as_b, &q("audit_log", "zone_id IS NULL")).await;
    // writes aimed at zone A's rows (the app role may not UPDATE or DELETE the audit log at all)
    let mut changed = 0;
    for sql in [
        format!("UPDATE users SET display_name = display_name WHERE zone_id = {a}"),
        format!("DELETE FROM users WHERE zone_id = {a}"),
        "UPDATE users SET display_name = display_name WHERE city_code = 'RLS_OTHER'".to_string(),
        format!("UPDATE dictionary_items SET value = value WHERE zone_id = {a}"),
        format!("DELETE FROM dictionary_items WHERE zone_id = {a}"),
    ] {
        changed += changed_as(&f, &as_b, &sql).await;
    }
    let after = [
        owner_count(format!("SELECT count(*) FROM users WHERE zone_id = {a}")).await,
        owner_count(format!("SELECT count(*) FROM dictionary_items WHERE zone_id = {a}")).await,
    ];
    assert_eq!(after, [users_a, dict_a], "zone A's rows unchanged");
    // new rows for A, or B's moved to A or to another city, are refused by WITH CHECK
    let new_user = |zone: &str, city: &str| {
        format!(
            "INSERT INTO users (login_name, display_name, role, zone_id, city_code, password_hash, created_at, updated_at) \
             VALUES ('rls_canary', 'x', 'staff', {zone}, {city}, 'x', now(), now())"
        )
    };
    let refused = [
        new_user(&a.to_string(), "NULL"),
        new_user("NULL", "'RLS_OTHER'"),
        format!("UPDATE users SET zone_id = {a}, department_id = NULL WHERE zone_id = {b}"),
        format!("UPDATE users SET zone_id = NULL, department_id = NULL, city_code = 'RLS_OTHER' WHERE zone_id = {b}"),
        format!(
            "INSERT INTO audit_log (at, zone_id, entity, action, summary, changes) VALUES (now(), {a}, 'rls', 'create', 'x', '[]')"
        ),
    ];
    let mut refusals = 0;
    for sql in &refused {
        let e = try_as(&f, Some(&as_b), sql).await.expect_err(sql);
        assert!(e.contains("row-level security"), "{sql}: {e}");
        refusals += 1;
    }
    // a record of no zone may be appended by scoped work (a city user's action), not unscoped
    let audit_none_sql = "INSERT INTO audit_log (at, zone_id, entity, action, summary, changes) VALUES (now(), NULL, 'rls', 'create', 'x', '[]')";
    assert_eq!(try_as(&f, Some(&as_b), audit_none_sql).await, Ok(1));
    let e = try_as(&f, None, audit_none_sql).await.unwrap_err();
    assert!(e.contains("row-level security"), "{e}");

    // a city user: the accounts of its city's zones and its city's, not another city's
    let as_city = rls::zones_of(&f.owner, &Scope::City { city_code: city.clone() }).await.unwrap();
    let city_user_sees = count_as(&f, &as_city, "SELECT count(*) FROM users").await;
    let city_user_other = count_as(&f, &as_city, "SELECT count(*) FROM users WHERE city_code = 'RLS_OTHER'").await;
    let zones_of_city = owner_count(format!(
        "SELECT count(*) FROM users WHERE zone_id IN (SELECT id FROM zones WHERE city_code = '{city}')"
    ))
    .await;
    // unscoped: nothing; the system: everything
    let unscoped =
        [count(&f.app, "SELECT count(*) FROM users").await, count(&f.app, "SELECT count(*) FROM audit_log").await];
    let system = rls::system(async {
        [count(&f.app, "SELECT count(*) FROM users").await, count(&f.app, "SELECT count(*) FROM audit_log").await]
    })
    .await;
    println!(
        "rls: zone A holds {users_a} accounts, {audit_a} audit records, {dict_a} dictionary entries; through the app role \
         as zone B: {} seen, {changed} updated or deleted, {refusals} of {} writes into A or another city refused; \
         B sees its own {own_users} accounts and {own_audit} audit records, its city's {city_seen} city accounts, \
         {other_city_seen} of another city's, {system_seen} of the {audit_none} records of no zone (read only as the system), \
         and may append one; the city user sees {city_user_sees} accounts ({zones_of_city} of its zones' + {city_accounts} \
         of its city), {city_user_other} of another city's; unscoped: {unscoped:?} seen, none appended; system: {system:?} \
         of {users_all} accounts and {audit_all} records",
        seen_b.iter().sum::<i64>(),
        refused.len()
    );
    assert_eq!(seen_b, [0, 0, 0]);
    assert_eq!(changed, 0);
    assert_eq!((own_users, own_audit), (users_b, audit_b));
    assert_eq!((city_seen, other_city_seen, system_seen), (city_accounts, 0, 0));
    assert_eq!((city_user_sees, city_user_other), (zones_of_city + city_accounts, 0));
    assert_eq!(unscoped, [0, 0]);
    assert_eq!(system, [users_all, audit_all]);
}

#[tokio::test]
async fn logins_and_writes_under_the_policies_keep_the_audit_chain_intact() {
    use kaifaqu_store::{audit_chain, auth, dictionaries, indicator_values, users};
    let Some(f) = fixture().await else { return };
    let (a, b) = (f.a, f.b);
    let before = count(&f.owner, "SELECT count(*) FROM audit_log").await;
    let policy = auth::AuthPolicy::default();
    let demo_pw = f.password.clone();
    // logins run as the system inside the store: the web server's anonymous request has no zone
    let mut sessions = 0;
    for login in ["admin_b", "city"] {
        match auth::login_first_factor(&f.app, &policy, login, &demo_pw, None, None).await.unwrap() {
            auth::LoginOutcome::Session(_) => sessions += 1,
            other => panic!("{login}: {other:?}"),
        }
    }
    let mut refused = 0;
    for (login, pw) in [("admin", "wrong-password"), ("rls_nobody", "wrong-password")] {
        match auth::login_first_factor(&f.app, &policy, login, pw, None, None).await.unwrap() {
            auth::LoginOutcome::Refused => refused += 1,
            other => panic!("{login}: {other:?}"),
        }
    }
    // zone B's admin writes in its zone, as the web server scopes it
    let admin_b = users::find_by_login(&f.owner, "admin_b").await.unwrap().unwrap();
    let actor_b = auth::actor_of(&admin_b, None);
    let as_b = rls::zones_of(&f.owner, &actor_b.scope()).await.unwrap();
    let form = dictionaries::ItemForm {
        kind: "task_source".into(),
        value: "RLS 审计链".into(),
        sort_order: "99".into(),
        ..Default::default()
    };
    rls::within(as_b.clone(), dictionaries::create(&f.app, &actor_b, b, &form)).await.unwrap();
    // zone A has accounts of its own: not a zone B may enter figures for (the store still sees them)
    let e = rls::within(as_b.clone(), indicator_values::writable_zone(&f.app, &actor_b, a)).await.unwrap_err();
    assert!(matches!(e, kaifaqu_store::StoreError::NotFound), "{e:?}");
    // the city user changes its password: a record of no zone, appended under the city's zones
    let city = users::find_by_login(&f.owner, "city").await.unwrap().unwrap();
    let actor_c = auth::actor_of(&city, None);
    let as_city = rls::zones_of(&f.owner, &actor_c.scope()).await.unwrap();
    rls::within(as_city, auth::change_own_password(&f.app, &actor_c, &demo_pw, "Tq7#mZ2vxw-rls")).await.unwrap();
    let after = count(&f.owner, "SELECT count(*) FROM audit_log").await;
    let report = audit_chain::verify(&f.owner.conn).await.unwrap();
    println!(
        "rls: through the app role under the policies: {sessions} logins, {refused} refused (one unknown name), \
         a zone write and a city user's password change: {} audit records appended; the chain verifies: {} chains, \
         {} records, {} problems",
        after - before,
        report.chains,
        report.verified,
        report.problems.len()
    );
    assert_eq!((sessions, refused), (2, 2));
    assert!(after - before >= 6, "records appended: {}", after - before);
    assert!(report.is_intact(), "{:?}", report.problems);
}

#[tokio::test]
async fn the_app_role_cannot_switch_the_policies_off_nor_alter_the_audit_log() {
    let Some(f) = fixture().await else { return };
    if f.app_is_owner {
        eprintln!("role {} missing: the owner may alter its tables; part skipped", testing::APP_ROLE);
        return;
    }
    let mut refused = 0;
    for sql in [
        "ALTER TABLE projects DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE projects NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY kaifaqu_zone ON projects",
        "CREATE POLICY open ON projects USING (true)",
        "CREATE OR REPLACE FUNCTION kaifaqu_rls_all() RETURNS boolean LANGUAGE sql AS $$ SELECT true $$",
        "UPDATE audit_log SET action = action",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "DELETE FROM audit_chain_anchors",
        "UPDATE kaifaqu_schema SET version = version",
    ] {
        let e = rls::system(error_of(&f.app, sql)).await;
        assert!(e.contains("must be owner") || e.contains("permission denied"), "{sql}: {e}");
        refused += 1;
    }
    // turning row security off for the session makes a filtered query an error, not a leak
    let txn = rls::scoped(vec![f.b], f.app.conn.begin()).await.unwrap();
    txn.execute_unprepared("SET LOCAL row_security = off").await.unwrap();
    let e = txn.execute_unprepared("SELECT count(*) FROM projects").await.unwrap_err().to_string();
    assert!(e.contains("row-level security"), "{e}");
    txn.rollback().await.unwrap();
    println!(
        "rls: {refused} attempts by the app role to switch the policies off or alter the audit log, {refused} refused"
    );
}

/// One read of `table` as zone `zone`, through a transaction every other time: the zones it saw.
async fn read_zones(db: &Db, table: &str, zone: i64, in_txn: bool) -> Vec<i64> {
    let sql = format!("SELECT DISTINCT zone_id FROM {table}");
    let rows = rls::scoped(vec![zone], async {
        if in_txn {
            let txn = db.conn.begin().await.unwrap();
            tokio::task::yield_now().await;
            let rows = txn.query_all_raw(Statement::from_string(db.backend(), sql.clone())).await.unwrap();
            txn.commit().await.unwrap();
            rows
        } else {
            db.conn.query_all_raw(Statement::from_string(db.backend(), sql.clone())).await.unwrap()
        }
    })
    .await;
    rows.into_iter().map(|r| r.try_get::<i64>("", "zone_id").unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interleaved_tasks_over_a_small_pool_see_only_their_own_zone() {
    let Some(f) = fixture().await else { return };
    // a table both zones have rows in
    let mut both = BTreeMap::new();
    for t in &f.tables {
        let n = count(
            &f.owner,
            &format!(
                "SELECT LEAST(count(*) FILTER (WHERE zone_id = {}), count(*) FILTER (WHERE zone_id = {})) FROM {t}",
                f.a, f.b
            ),
        )
        .await;
        if n > 0 {
            both.insert(n, t.clone());
        }
    }
    let table = both.into_values().next_back().expect("a table with rows of both zones");
    let owner_url = owner_url(&f.owner).await;
    let url = if f.app_is_owner { owner_url } else { testing::app_url(&owner_url) };
    let small = Db::connect_pool(&url, 4).await.unwrap();
    small.deny_unscoped();
    const TASKS: usize = 200;
    const READS: usize = 5;
    let mut handles = Vec::new();
    for i in 0..TASKS {
        let zone = if i % 2 == 0 { f.a } else { f.b };
        let (db, table) = (small.clone(), table.clone());
        // a spawned task does not inherit the scope: each sets its own
        handles.push(tokio::spawn(async move {
            let mut leaks = 0;
            let mut own = 0;
            for r in 0..READS {
                let seen = read_zones(&db, &table, zone, (i + r) % 2 == 0).await;
                leaks += seen.iter().filter(|z| **z != zone).count();
                own += usize::from(seen.contains(&zone));
                tokio::task::yield_now().await;
            }
            (leaks, own)
        }));
    }
    let (mut leaks, mut own) = (0, 0);
    for h in handles {
        let (l, o) = h.await.unwrap();
        leaks += l;
        own += o;
    }
    println!(
        "rls: {} concurrent tasks alternating zones A and B over a pool of 4 connections, {} reads of {table} \
         (half in transactions): {own} saw their own zone, {leaks} leaks",
        TASKS,
        TASKS * READS
    );
    assert_eq!(leaks, 0);
    assert_eq!(own, TASKS * READS);
    // and the pool's scope follows the task, not the connection: unscoped now sees nothing
    assert_eq!(count(&small, &format!("SELECT count(*) FROM {table}")).await, 0);
    assert_eq!(rls::current(), None::<DbZones>);
}

/// The owner's URL with its password (the test URL's database part replaced by this database).
async fn owner_url(owner: &Db) -> String {
    let admin = std::env::var("KAIFAQU_TEST_POSTGRES_URL").unwrap();
    let name = count_text(owner, "SELECT current_database()::text").await;
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

async fn count_text(db: &Db, sql: &str) -> String {
    let row = db.conn.query_one_raw(Statement::from_string(db.backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

/// What the per-acquire `set_config` costs (printed, not asserted): the same 2,000 queries
/// through the app's pool (the hook on every acquire), through a plain sqlx pool as it was
/// before (its liveness ping on every acquire), and through a pool that checks nothing.
#[tokio::test]
async fn the_zone_setting_costs_no_more_than_the_ping_it_replaces() {
    use sea_orm::sqlx::postgres::PgPoolOptions;
    let Some(f) = fixture().await else { return };
    const N: u32 = 2_000;
    let url = owner_url(&f.owner).await;
    let sql = "SELECT count(*) FROM zones";
    let app = Db::connect_pool(&url, 4).await.unwrap();
    let pool = app.conn.get_postgres_connection_pool();
    let timed_app = async |scoped: bool| {
        let t = std::time::Instant::now();
        for _ in 0..N {
            let q = sea_orm::sqlx::query_as::<_, (i64,)>(sql).fetch_one(pool);
            if scoped {
                rls::scoped(vec![f.b], q).await.unwrap();
            } else {
                q.await.unwrap();
            }
        }
        t.elapsed() / N
    };
    let plain = async |ping: bool| {
        let pool = PgPoolOptions::new().max_connections(4).test_before_acquire(ping).connect(&url).await.unwrap();
        let t = std::time::Instant::now();
        for _ in 0..N {
            let _: (i64,) = sea_orm::sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
        }
        let d = t.elapsed() / N;
        pool.close().await;
        d
    };
    // warm up, then measure
    timed_app(true).await;
    let (hook, hook_scoped, ping, none) =
        (timed_app(false).await, timed_app(true).await, plain(true).await, plain(false).await);
    println!(
        "rls: per query on loopback — app pool with the zone hook {hook:?} ({hook_scoped:?} inside rls::scoped), \
         plain sqlx pool with its ping {ping:?}, with no check {none:?}: the hook costs {:?} over no check",
        hook.saturating_sub(none)
    );
}
