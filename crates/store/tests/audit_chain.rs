//! The audit log's hash chain (issue 10, 等保 安全审计): ordinary writes keep it intact,
//! concurrent writers never fork it, tampering through raw SQL is found at the right record, and
//! a write whose audit record cannot be written is refused. Every body runs on SQLite and on
//! PostgreSQL when configured.

use kaifaqu_domain::Role;
use kaifaqu_store::audit_chain::{self, ChainProblem, ProblemKind};
use kaifaqu_store::departments::DepartmentForm;
use kaifaqu_store::{Actor, Db, Engine, Scope, db_test, demo, departments, zones};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement, TransactionTrait};

async fn demo_zone(db: &Db) -> i64 {
    demo::load(db).await.unwrap();
    zones::list(db, &Scope::System).await.unwrap()[0].id
}

fn admin_of(zone_id: i64) -> Actor {
    Actor {
        user_id: Some(1),
        login_name: "admin".into(),
        role: Role::Admin,
        zone_id: Some(zone_id),
        city_code: None,
        ip: Some("127.0.0.1".into()),
    }
}

fn dept(name: &str) -> DepartmentForm {
    DepartmentForm { name: name.into(), sort_order: "9".into(), active: Some("on".into()), ..Default::default() }
}

async fn count(db: &Db, sql: &str) -> i64 {
    let row = db.conn.query_one_raw(Statement::from_string(db.backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

db_test!(ordinary_writes_keep_every_chain_intact, |db: Db| async move {
    let zone = demo_zone(&db).await;
    departments::create(&db, &admin_of(zone), zone, &dept("链测试科")).await.unwrap();
    let report = audit_chain::verify(&db.conn).await.unwrap();
    let total = count(&db, "SELECT COUNT(*) FROM audit_log").await;
    println!(
        "audit chain: {} chains, {} records verified, {} unchained, {} problems",
        report.chains,
        report.verified,
        report.unchained,
        report.problems.len()
    );
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.verified as i64, total, "every record is on a chain");
    assert!(report.chains >= 2, "the zone's chain and the system's");
});

db_test!(concurrent_writers_never_fork_a_chain, |db: Db| async move {
    let zone = demo_zone(&db).await;
    let before = count(&db, "SELECT COUNT(*) FROM audit_log").await;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                departments::create(&db, &admin_of(zone), zone, &dept(&format!("并发科{w}-{i}"))).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = audit_chain::verify(&db.conn).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM audit_log").await, before + 80);
    assert_eq!(report.verified as i64, before + 80);
});

/// A chained record as raw SQL sees it.
#[derive(Debug, Clone)]
struct Row {
    id: i64,
    zone_id: Option<i64>,
    seq: i64,
    summary: String,
}

fn chain(r: &Row) -> i64 {
    r.zone_id.unwrap_or(0)
}

/// splitmix64: the same tamperings on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

async fn exec(txn: &DatabaseTransaction, sql: &str) {
    txn.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// What an attacker with the database (not the key) does first: switch off the append-only guard.
async fn unguard(txn: &DatabaseTransaction, engine: Engine) {
    match engine {
        Engine::Sqlite => {
            exec(txn, "DROP TRIGGER audit_log_no_update").await;
            exec(txn, "DROP TRIGGER audit_log_no_delete").await;
        }
        Engine::Postgres => exec(txn, "ALTER TABLE audit_log DISABLE TRIGGER USER").await,
    }
}

fn q(s: &str) -> String {
    s.replace('\'', "''")
}

db_test!(a_hundred_tamperings_are_each_found_at_the_right_record, |db: Db| async move {
    let zone = demo_zone(&db).await;
    for i in 0..5 {
        departments::create(&db, &admin_of(zone), zone, &dept(&format!("篡改测试科{i}"))).await.unwrap();
    }
    let rows: Vec<Row> = db
        .conn
        .query_all_raw(Statement::from_string(
            db.backend(),
            "SELECT id, zone_id, chain_seq, summary FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY id",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|r| Row {
            id: r.try_get("", "id").unwrap(),
            zone_id: r.try_get("", "zone_id").unwrap(),
            seq: r.try_get("", "chain_seq").unwrap(),
            summary: r.try_get("", "summary").unwrap(),
        })
        .collect();
    assert!(rows.len() > 20, "enough records to tamper with: {}", rows.len());
    let last_seq = |c: i64| rows.iter().filter(|r| chain(r) == c).map(|r| r.seq).max().unwrap();
    let mut rng = Rng(20251128);
    let mut detected = 0;
    let kinds = ["edit summary", "edit time", "delete", "forge", "swap"];
    for n in 0..100 {
        let r = rows[rng.below(rows.len())].clone();
        let c = chain(&r);
        let txn = db.conn.begin().await.unwrap();
        unguard(&txn, db.engine).await;
        let kind = kinds[n % kinds.len()];
        let expected = match kind {
            "edit summary" => {
                exec(&txn, &format!("UPDATE audit_log SET summary = '{}x' WHERE id = {}", q(&r.summary), r.id)).await;
                ChainProblem { chain: c, seq: r.seq, record_id: Some(r.id), kind: ProblemKind::Altered }
            }
            "edit time" => {
                let shift = match db.engine {
                    Engine::Sqlite => {
                        // the stored text, one second later
                        let at: String = txn
                            .query_one_raw(Statement::from_string(
                                db.backend(),
                                format!("SELECT CAST(at AS TEXT) AS t FROM audit_log WHERE id = {}", r.id),
                            ))
                            .await
                            .unwrap()
                            .unwrap()
                            .try_get("", "t")
                            .unwrap();
                        let sec: u32 = at[17..19].parse().unwrap();
                        let moved = format!("{}{:02}{}", &at[..17], (sec + 1) % 60, &at[19..]);
                        format!("at = '{moved}'")
                    }
                    Engine::Postgres => "at = at + INTERVAL '1 second'".to_string(),
                };
                exec(&txn, &format!("UPDATE audit_log SET {shift} WHERE id = {}", r.id)).await;
                ChainProblem { chain: c, seq: r.seq, record_id: Some(r.id), kind: ProblemKind::Altered }
            }
            "delete" => {
                exec(&txn, &format!("DELETE FROM audit_log WHERE id = {}", r.id)).await;
                if r.seq == last_seq(c) {
                    ChainProblem { chain: c, seq: r.seq, record_id: None, kind: ProblemKind::Head }
                } else {
                    ChainProblem { chain: c, seq: r.seq, record_id: None, kind: ProblemKind::Missing }
                }
            }
            "forge" => {
                // a plausible record at the chain's next position, the head moved to cover it
                let next = last_seq(c) + 1;
                exec(
                    &txn,
                    &format!(
                        "INSERT INTO audit_log (at, user_id, login_name, zone_id, ip, entity, entity_id, action, \
                         summary, changes, chain_seq, chain_hash) SELECT at, user_id, login_name, zone_id, ip, \
                         entity, entity_id, action, '伪造的记录', changes, {next}, chain_hash FROM audit_log \
                         WHERE id = {}",
                        r.id
                    ),
                )
                .await;
                exec(&txn, &format!("UPDATE audit_chain_heads SET seq = {next} WHERE chain = {c}")).await;
                let forged: i64 = txn
                    .query_one_raw(Statement::from_string(
                        db.backend(),
                        format!(
                            "SELECT id FROM audit_log WHERE chain_seq = {next} AND zone_id {}",
                            r.zone_id.map(|z| format!("= {z}")).unwrap_or_else(|| "IS NULL".into())
                        ),
                    ))
                    .await
                    .unwrap()
                    .unwrap()
                    .try_get_by_index(0)
                    .unwrap();
                ChainProblem { chain: c, seq: next, record_id: Some(forged), kind: ProblemKind::Altered }
            }
            _ => {
                // swap the summaries of two records of the chain that say different things
                let other = rows.iter().find(|o| chain(o) == c && o.id != r.id && o.summary != r.summary);
                let Some(o) = other.cloned() else {
                    // a chain of one kind of record: edit instead
                    exec(&txn, &format!("UPDATE audit_log SET summary = '{}x' WHERE id = {}", q(&r.summary), r.id))
                        .await;
                    let expected =
                        ChainProblem { chain: c, seq: r.seq, record_id: Some(r.id), kind: ProblemKind::Altered };
                    let report = audit_chain::verify(&txn).await.unwrap();
                    assert_eq!(report.problems, vec![expected], "tampering {n} ({kind})");
                    detected += 1;
                    txn.rollback().await.unwrap();
                    continue;
                };
                exec(&txn, &format!("UPDATE audit_log SET summary = '{}' WHERE id = {}", q(&o.summary), r.id)).await;
                exec(&txn, &format!("UPDATE audit_log SET summary = '{}' WHERE id = {}", q(&r.summary), o.id)).await;
                let first = if r.seq < o.seq { &r } else { &o };
                ChainProblem { chain: c, seq: first.seq, record_id: Some(first.id), kind: ProblemKind::Altered }
            }
        };
        let report = audit_chain::verify(&txn).await.unwrap();
        assert_eq!(report.problems, vec![expected], "tampering {n} ({kind}) of record {}", r.id);
        detected += 1;
        txn.rollback().await.unwrap();
    }
    println!("audit chain: 100 tamperings through raw SQL, {detected} detected at the right record");
    assert_eq!(detected, 100);
    // and nothing of it stayed
    assert!(audit_chain::verify(&db.conn).await.unwrap().is_intact());
});

db_test!(a_write_whose_audit_record_fails_is_refused, |db: Db| async move {
    let zone = demo_zone(&db).await;
    let before = count(&db, "SELECT COUNT(*) FROM departments").await;
    db.conn.execute_unprepared("DROP TABLE audit_chain_heads").await.unwrap();
    let err = departments::create(&db, &admin_of(zone), zone, &dept("无审计科")).await;
    assert!(err.is_err(), "the write must fail without its audit record");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM departments").await, before, "nothing saved");
});
