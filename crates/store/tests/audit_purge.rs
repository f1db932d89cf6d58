//! Audit retention (issue 10, J3) and the `synchronous` decision (N4).
//!
//! The purge runs on a fake clock: at 179 days it may not reach the records, asking for a cut-off
//! younger than 180 days is refused and deletes nothing, at 400 days it removes exactly the
//! records before the cut-off; the chains verify afterwards (from their anchors) and after new
//! writes, the purge is itself an audit record, a changed anchor is found, a broken log is not
//! purged, only the system may purge, and the log stays append-only outside the purge. Both
//! engines. Then a timing of audited commits with SQLite `synchronous` FULL against NORMAL
//! (printed, not asserted).

use chrono::Duration;
use kaifaqu_domain::Role;
use kaifaqu_domain::audit::Action;
use kaifaqu_store::audit::{self, Change};
use kaifaqu_store::audit_chain::{self, ProblemKind};
use kaifaqu_store::departments::DepartmentForm;
use kaifaqu_store::{Actor, Db, Scope, StoreError, Synchronous, db_test, demo, departments, zones};
use sea_orm::{ConnectionTrait, Statement};

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
    DepartmentForm { name: name.into(), sort_order: "9".into(), active: Some("on".into()) }
}

async fn count(db: &Db, sql: &str) -> i64 {
    let row = db.conn.query_one_raw(Statement::from_string(db.backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn records(db: &Db) -> i64 {
    count(db, "SELECT COUNT(*) FROM audit_log").await
}

fn intact(report: &audit_chain::VerifyReport) -> bool {
    report.is_intact()
}

db_test!(purge_keeps_180_days_and_the_chain_verifiable, |db: Db| async move {
    demo::load(&db).await.unwrap();
    let zone = zones::list(&db, &Scope::System).await.unwrap()[0].id;
    let system = Actor::system("命令行");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mark = audit_chain::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    for n in 0..3 {
        departments::create(&db, &admin_of(zone), zone, &dept(&format!("留存测试科{n}"))).await.unwrap();
    }
    let total = records(&db).await;
    let old = total - 3;
    assert!(old > 100, "the demo's records are the old ones: {old}");
    assert!(intact(&audit_chain::verify(&db.conn).await.unwrap()));

    // day 179 after the mark: the latest cut-off allowed is a day before the mark, so nothing
    // written at the mark may go; asking for the mark itself is refused and deletes nothing
    let day179 = mark + Duration::days(179);
    let r = audit::purge(&db, &system, audit_chain::latest_cutoff(day179), day179).await.unwrap();
    assert_eq!(r.purged, 0, "records 179 days old are kept");
    let after_179 = records(&db).await;
    assert_eq!(after_179, total + 1, "nothing removed; the purge itself recorded");
    let refused = audit::purge(&db, &system, mark, day179).await.unwrap_err();
    let StoreError::Invalid(i) = &refused else { panic!("{refused:?}") };
    assert_eq!(i.errors[0].field, "before");
    assert!(i.errors[0].message.contains("至少保留 180 天"), "{}", i.errors[0].message);
    assert_eq!(records(&db).await, after_179, "a refused purge deletes nothing");

    // only the system (the command line) purges
    let e = audit::purge(&db, &admin_of(zone), mark, mark + Duration::days(400)).await.unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");

    // day 400: the records before the mark go, the ones after it stay
    let day400 = mark + Duration::days(400);
    let r = audit::purge(&db, &system, mark, day400).await.unwrap();
    assert_eq!(r.purged as i64, old, "exactly the records before the cut-off");
    assert_eq!(records(&db).await, after_179 - old + 1, "the 3 young records, the first purge's and this one's");
    let v = audit_chain::verify(&db.conn).await.unwrap();
    assert!(intact(&v), "{:?}", v.problems);
    let anchors = audit_chain::anchors(&db.conn).await.unwrap();
    assert!(anchors.len() >= 2, "the zone's chain and the system's: {anchors:?}");
    let last = audit::search(&db, &Scope::System, &audit::AuditFilter::default()).await.unwrap().rows.remove(0);
    assert_eq!((last.entity.as_str(), last.action.as_str()), ("audit_log", "delete"));
    assert!(last.summary.contains(&format!("审计记录 {old} 条")), "{}", last.summary);

    // the chain goes on after the purge
    departments::create(&db, &admin_of(zone), zone, &dept("留存测试科后")).await.unwrap();
    let v = audit_chain::verify(&db.conn).await.unwrap();
    assert!(intact(&v), "{:?}", v.problems);
    println!(
        "J3 purge ({:?}): 179 days → 0 removed; cut-off younger than 180 days refused, 0 removed; 400 days → {} removed, {} kept; verify: {} chains, {} records, {} problems",
        db.engine,
        r.purged,
        records(&db).await,
        v.chains,
        v.verified,
        v.problems.len()
    );

    // a record slipped in at a position the purge freed (inserts pass the append-only rule) is found
    let za = anchors.iter().find(|a| a.chain == zone).expect("the zone's anchor");
    db.conn
        .execute_unprepared(&format!(
            "INSERT INTO audit_log (at, user_id, login_name, zone_id, ip, entity, entity_id, action, summary, changes, chain_seq, chain_hash) \
             SELECT at, user_id, login_name, zone_id, ip, entity, entity_id, action, '伪造的旧记录', changes, {}, chain_hash \
             FROM audit_log WHERE zone_id = {zone} AND chain_seq IS NOT NULL ORDER BY id DESC LIMIT 1",
            za.seq
        ))
        .await
        .unwrap();
    let v = audit_chain::verify(&db.conn).await.unwrap();
    assert!(
        v.problems.iter().any(|p| p.chain == zone && p.kind == ProblemKind::Unexpected && p.seq == za.seq),
        "{:?}",
        v.problems
    );
    let forged = count(&db, "SELECT MAX(id) FROM audit_log").await;
    // (test clean-up with the purge mechanism's own door: the trigger off inside a transaction)
    match db.engine {
        kaifaqu_store::Engine::Sqlite => {
            let txn = sea_orm::TransactionTrait::begin(&db.conn).await.unwrap();
            txn.execute_unprepared("DROP TRIGGER audit_log_no_delete").await.unwrap();
            txn.execute_unprepared(&format!("DELETE FROM audit_log WHERE id = {forged}")).await.unwrap();
            txn
                .execute_unprepared(
                    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                )
                .await
                .unwrap();
            txn.commit().await.unwrap();
        }
        kaifaqu_store::Engine::Postgres => {
            db.conn
                .execute_unprepared(&format!(
                    "BEGIN; SET LOCAL kaifaqu.audit_purge = 'on'; DELETE FROM audit_log WHERE id = {forged}; COMMIT;"
                ))
                .await
                .unwrap();
        }
    }
    assert!(intact(&audit_chain::verify(&db.conn).await.unwrap()));

    // a moved anchor is found, and a log that does not verify is not purged
    let c = anchors[0].chain;
    db.conn
        .execute_unprepared(&format!("UPDATE audit_chain_anchors SET seq = seq + 1 WHERE chain = {c}"))
        .await
        .unwrap();
    let v = audit_chain::verify(&db.conn).await.unwrap();
    assert_eq!(v.problems[0].kind, ProblemKind::Anchor, "{:?}", v.problems);
    let before_refusal = records(&db).await;
    assert!(matches!(audit::purge(&db, &system, mark, day400).await, Err(StoreError::Config(_))));
    assert_eq!(records(&db).await, before_refusal);
    db.conn
        .execute_unprepared(&format!("UPDATE audit_chain_anchors SET seq = seq - 1 WHERE chain = {c}"))
        .await
        .unwrap();
    assert!(intact(&audit_chain::verify(&db.conn).await.unwrap()));

    // outside the purge the log stays append-only
    assert!(db.conn.execute_unprepared("DELETE FROM audit_log").await.is_err(), "DELETE refused");
    assert!(db.conn.execute_unprepared("UPDATE audit_log SET summary = 'x'").await.is_err(), "UPDATE refused");
    assert_eq!(records(&db).await, before_refusal);

    // a second purge far later removes the rest, the earlier purge records included
    let r = audit::purge(&db, &system, audit_chain::latest_cutoff(day400), day400).await.unwrap();
    assert_eq!(r.purged as i64, before_refusal);
    assert_eq!(records(&db).await, 1, "only the record of this purge");
    assert!(intact(&audit_chain::verify(&db.conn).await.unwrap()));
});

/// Audited commits per second with SQLite `synchronous` FULL and NORMAL (WAL), on files in the
/// temporary directory: the cost of the durability decision (N4). Printed, not asserted.
#[tokio::test]
async fn synchronous_full_costs_measured() {
    let dir = std::env::temp_dir().join(format!("kfq-sync-{}", kaifaqu_store::auth::random_hex(6)));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rates = Vec::new();
    for (label, sync) in [("FULL", Synchronous::Full), ("NORMAL", Synchronous::Normal)] {
        let url = format!("sqlite://{}", dir.join(format!("{label}.db")).display());
        let db = kaifaqu_store::open_with(&url, sync).await.unwrap();
        let actor = Actor::system("计时");
        let n = 300;
        let started = std::time::Instant::now();
        for i in 0..n {
            audit::append(
                &db.conn,
                &actor,
                Change {
                    zone_id: None,
                    entity: "calendar",
                    entity_id: Some(i.to_string()),
                    action: Action::Update,
                    summary: format!("计时写入 {i}"),
                    before: serde_json::Value::Null,
                    after: serde_json::json!({"n": i}),
                },
            )
            .await
            .unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        rates.push((label, n as f64 / secs, secs * 1000.0 / n as f64));
        db.close().await;
    }
    for (label, rate, ms) in &rates {
        println!("N4 SQLite WAL + synchronous={label}: {rate:.0} audited commits/s ({ms:.2} ms each)");
    }
    println!("N4 FULL costs {:.1}× NORMAL's time per commit on this disk", rates[1].1 / rates[0].1);
    let _ = std::fs::remove_dir_all(&dir);
}
