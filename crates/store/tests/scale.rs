//! The scale data generator at its tiny size on both engines: row counts, determinism (same
//! seed → same row digests, another seed → others), valid credit codes, stage events that replay
//! under the stage rules to the cached stage, a login that works, the app's own list, figure and
//! ranking functions on the generated data, and (SQLite) the query plans of the project and
//! hazard lists using the composite indexes of migration 9.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kaifaqu_domain::credit_code::CreditCode;
use kaifaqu_domain::indicator::Period;
use kaifaqu_domain::stage::{self, Event, EventKind};
use kaifaqu_store::auth::{self, AuthPolicy};
use kaifaqu_store::contacts::{self, ContactFilter};
use kaifaqu_store::demo_scale::{self, Scale};
use kaifaqu_store::hazards::{self, HazardFilter};
use kaifaqu_store::projects::{self, ProjectFilter};
use kaifaqu_store::{Db, Engine, Scope, db_test, figures, indicator_views, indicators, zones};
use sea_orm::{ConnectionTrait, Statement};

async fn count(db: &Db, table: &str) -> u64 {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(db.backend(), format!("SELECT COUNT(*) AS n FROM {table}")))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap() as u64
}

async fn strings(db: &Db, sql: &str) -> Vec<String> {
    db.conn
        .query_all_raw(Statement::from_string(db.backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get::<String>("", "s").unwrap())
        .collect()
}

db_test!(tiny_scale_counts_identifiers_and_app_queries, |db: Db| async move {
    let s = Scale::TINY;
    let report = demo_scale::generate(&db, &s, 42, "Scale#pass1").await.unwrap();
    let rows: BTreeMap<&str, u64> = report.rows.iter().copied().collect();
    // the sizes asked for
    assert_eq!(rows["zones"], 3);
    assert_eq!(rows["enterprises"], 3 * 20);
    assert_eq!(rows["projects"], 3 * 60);
    assert_eq!(rows["contacts"], 3 * 150);
    assert_eq!(rows["hazards"], 3 * 200);
    assert_eq!(rows["tasks"], 3 * 30);
    assert_eq!(rows["indicators"], 12);
    assert_eq!(rows["indicator_values"], 3 * 12 * 26);
    assert_eq!(rows["users"], 3 * 9 + 2, "nine per zone and one per city (two cities)");
    // what the report says is what the database holds
    for (table, n) in &report.rows {
        assert_eq!(count(&db, table).await, *n, "{table}");
    }
    assert!(report.total() > 2_000);
    if db.engine == Engine::Sqlite {
        // written with foreign-key checks off for speed: every reference must hold all the same
        let bad =
            db.conn.query_all_raw(Statement::from_string(db.backend(), "PRAGMA foreign_key_check")).await.unwrap();
        assert!(bad.is_empty(), "{} foreign-key violations", bad.len());
    }

    // every credit code is valid (check character included) and unique within its zone
    let codes = strings(&db, "SELECT credit_code AS s FROM enterprises ORDER BY id").await;
    assert_eq!(codes.len(), 60);
    for c in &codes {
        assert!(CreditCode::parse(c).is_ok(), "invalid credit code {c}");
    }

    // stage events replay under the domain rules to the stage and status cached on the project
    let z = zones::list(&db, &Scope::System).await.unwrap()[0].clone();
    let all = projects::list(&db, &Scope::System, z.id, &ProjectFilter { per_page: Some(500), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(all.total, 60);
    for p in &all.rows {
        let evs = kaifaqu_store::events::list(&db, &Scope::System, p.id).await.unwrap();
        let domain: Vec<Event> =
            evs.iter().map(|e| Event::new(EventKind::parse(&e.kind).unwrap(), e.date, e.note.clone())).collect();
        let pos = stage::replay(&domain).unwrap_or_else(|e| panic!("project {}: {e:?}", p.id));
        assert_eq!(pos.stage, p.stage, "project {}", p.id);
        assert_eq!(pos.status, p.status, "project {}", p.id);
        assert_eq!(pos.stage_date(), p.stage_date, "project {}", p.id);
        assert!(domain.iter().all(|e| e.date <= demo_scale::END));
    }

    // a generated account logs in with the password given
    let login = &report.logins[0];
    assert!(auth::login(&db, &AuthPolicy::default(), login, "Scale#pass1", None, None).await.unwrap().is_some());

    // the app's own functions on the generated data: a filtered sorted page with its total
    let f = ProjectFilter { stage: "planning".into(), sort: "-total".into(), per_page: Some(5), ..Default::default() };
    let page = projects::list(&db, &Scope::System, z.id, &f).await.unwrap();
    assert!(page.total > 0 && page.rows.len() <= 5);
    assert!(page.rows.windows(2).all(|w| w[0].total >= w[1].total));
    let hz = hazards::list(&db, &Scope::System, z.id, &HazardFilter::default()).await.unwrap();
    assert_eq!(hz.total, 200);
    assert!(hz.rows.windows(2).all(|w| w[0].found_date >= w[1].found_date));
    let open = hazards::list(&db, &Scope::System, z.id, &HazardFilter { status: "open".into(), ..Default::default() })
        .await
        .unwrap();
    assert!(open.total < 200);
    let cs = contacts::list(&db, &Scope::System, z.id, &ContactFilter::default()).await.unwrap();
    assert_eq!(cs.total, 150);
    let from = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap();
    let fig = figures::period(&db, &Scope::System, z.id, from, demo_scale::END).await.unwrap();
    assert_eq!(fig.contacts, 150);
    let entered: u64 = fig.stages.iter().take(3).map(|s| s.count).sum();
    assert!(entered >= 60, "every project entered at 谋划, 洽谈 or 签约: {entered}");
    // the city ranking of an indicator: the two zones of the first city, both ranked
    let ind = indicators::list(&db, true).await.unwrap()[0].clone();
    let table =
        indicator_views::city_table(&db, &Scope::System, z.id, ind.id, Period { year: 2025, month: 12 }).await.unwrap();
    assert_eq!(table.len(), 2);
    assert!(table.iter().all(|r| r.rank_value.is_some()));

    // a second database with the same seed holds the same rows; another seed differs
    let again = kaifaqu_store::testing::database(db.engine).await.unwrap();
    let report2 = demo_scale::generate(&again, &s, 42, "another-password").await.unwrap();
    assert_eq!(report.digests, report2.digests);
    assert_eq!(report.digest(), report2.digest());
    assert_eq!(codes, strings(&again, "SELECT credit_code AS s FROM enterprises ORDER BY id").await);
    let other = kaifaqu_store::testing::database(db.engine).await.unwrap();
    let report3 = demo_scale::generate(&other, &s, 43, "x-password-3").await.unwrap();
    assert_ne!(report.digest(), report3.digest());
    // generation refuses a database that already holds zones
    assert!(demo_scale::generate(&db, &s, 42, "Scale#pass1").await.is_err());
    // new rows get ids after the generated ones (PostgreSQL sequences moved past them)
    let created = kaifaqu_store::zones::create(
        &db,
        &kaifaqu_store::Actor::system("测试"),
        &kaifaqu_domain::zone::ZoneForm {
            name: "新增开发区".into(),
            level: "provincial".into(),
            region_code: "140423".into(),
            city_name: "长治市".into(),
            risk_grade: String::new(),
            staff_posts: "10".into(),
        }
        .validate()
        .unwrap(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(created.id, 4);
});

async fn plan(db: &Db, sql: &str) -> String {
    db.conn
        .query_all_raw(Statement::from_string(db.backend(), format!("EXPLAIN QUERY PLAN {sql}")))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get::<String>("", "detail").unwrap())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[tokio::test]
async fn sqlite_plans_use_the_composite_indexes() {
    let db = kaifaqu_store::testing::database(Engine::Sqlite).await.unwrap();
    demo_scale::generate(&db, &Scale::TINY, 1, "Scale#pass1").await.unwrap();
    let p = plan(&db, "SELECT * FROM projects WHERE zone_id = 1 ORDER BY updated_at DESC, id ASC LIMIT 50").await;
    assert!(p.contains("projects_zone_updated") && !p.contains("TEMP B-TREE"), "{p}");
    let p = plan(
        &db,
        "SELECT * FROM projects WHERE zone_id = 1 AND stage = 'started' ORDER BY total_wan DESC, id ASC LIMIT 50 OFFSET 100",
    )
    .await;
    assert!(p.contains("projects_zone_stage_total") && !p.contains("TEMP B-TREE"), "{p}");
    let p = plan(&db, "SELECT * FROM hazards WHERE zone_id = 1 ORDER BY found_date DESC, id DESC LIMIT 50").await;
    // SQLite may take hazards_found (zone_id, found_date): its entries end with the rowid (= id),
    // so it is in (found_date, id) order as well; PostgreSQL needs hazards_zone_found_id
    assert!(p.contains("USING INDEX hazards_") && !p.contains("TEMP B-TREE"), "{p}");
    let p = plan(
        &db,
        "SELECT zone_id, value FROM indicator_values WHERE indicator_id = 1 AND year = 2025 AND month = 12 AND is_estimate = FALSE",
    )
    .await;
    assert!(p.contains("COVERING INDEX indicator_values_rank"), "{p}");
}

/// The digest of `zone` with seed 1 — the same as before the phone numbers were sealed during
/// generation (the digest takes the number, not its random ciphertext): a change to it is a
/// change to the generated rows.
const ZONE_SEED1_DIGEST: &str = "abe1d221a6db5329e3f404a8e26d2ebd66f60a1b4ed8bb6ca223b37083fd0356";

db_test!(zone_scale_is_pinned_and_its_phones_are_sealed, |db: Db| async move {
    let report = demo_scale::generate(&db, &Scale::ZONE, 1, "Scale#pass1").await.unwrap();
    let rows: BTreeMap<&str, u64> = report.rows.iter().copied().collect();
    assert_eq!(report.total(), 41_212);
    assert_eq!(rows["enterprises"], 500);
    assert_eq!(rows["project_events"], 2_829);
    assert_eq!(rows["hazards"], 20_000);
    assert_eq!(rows["indicator_values"], 4_800);
    assert_eq!(report.digest(), ZONE_SEED1_DIGEST, "same seed, same rows, on either engine");
    // every phone number was written sealed, with its blind index: a start finds none to seal
    let plain = strings(
        &db,
        "SELECT contact_phone AS s FROM enterprises WHERE contact_phone NOT LIKE 'sm4gcm:%' OR contact_phone_bidx IS NULL",
    )
    .await;
    assert!(plain.is_empty(), "{} phone numbers in plain text", plain.len());
    assert_eq!(kaifaqu_store::sensitive::seal_plaintext(&db).await.unwrap(), 0);
    // they open under the installed keyring, and a search by number finds its enterprise
    let z = zones::list(&db, &Scope::System).await.unwrap()[0].clone();
    let first = kaifaqu_store::enterprises::list(&db, &Scope::System, z.id, "", 1, 5).await.unwrap();
    let phone = first.rows[0].contact_phone.clone().unwrap();
    assert!(phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit()), "{phone}");
    let found = kaifaqu_store::enterprises::list(&db, &Scope::System, z.id, &phone, 1, 5).await.unwrap();
    assert!(found.rows.iter().any(|e| e.id == first.rows[0].id), "found by its number");
    // the indexes dropped for the load are all back, and (SQLite) the file is in WAL mode again
    assert_indexes_back_and_wal(&db).await;
});

/// Five of the secondary indexes the generator drops for its load are in the catalog, and a
/// SQLite file is in WAL mode.
async fn assert_indexes_back_and_wal(db: &Db) {
    const NAMES: &str = "('hazards_zone_found_id', 'contacts_zone_date_id', 'projects_zone_stage_total', \
                         'indicator_values_rank', 'enterprises_phone_bidx')";
    let sql = if db.engine == Engine::Sqlite {
        let mode = db
            .conn
            .query_one_raw(Statement::from_string(db.backend(), "PRAGMA journal_mode"))
            .await
            .unwrap()
            .unwrap()
            .try_get::<String>("", "journal_mode")
            .unwrap();
        assert_eq!(mode.to_lowercase(), "wal");
        format!("SELECT name AS s FROM sqlite_master WHERE type = 'index' AND name IN {NAMES}")
    } else {
        format!("SELECT indexname AS s FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN {NAMES}")
    };
    let names = strings(db, &sql).await;
    assert_eq!(names.len(), 5, "{names:?}");
}

db_test!(a_failed_generation_says_so_and_gives_the_indexes_back, |db: Db| async move {
    // the hazards of the first zone cannot be written: the load fails after the indexes were
    // dropped and rows committed
    let trigger = if db.engine == Engine::Sqlite {
        vec![
            "CREATE TRIGGER refuse_hazards BEFORE INSERT ON hazards BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        ]
    } else {
        vec![
            "CREATE FUNCTION refuse_hazards() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
            "CREATE TRIGGER refuse_hazards BEFORE INSERT ON hazards FOR EACH ROW EXECUTE FUNCTION refuse_hazards()",
        ]
    };
    for sql in trigger {
        db.conn.execute_unprepared(sql).await.unwrap();
    }
    let e = demo_scale::generate(&db, &Scale::ZONE, 1, "Scale#pass1").await.unwrap_err().to_string();
    assert!(e.contains("生成失败") && e.contains("请删除该数据库后重新生成"), "{e}");
    assert_indexes_back_and_wal(&db).await;
    // and the database is refused for a second generation rather than mixed with a new one
    let committed = count(&db, "zones").await;
    if committed > 0 {
        let again = demo_scale::generate(&db, &Scale::ZONE, 1, "Scale#pass1").await.unwrap_err().to_string();
        assert!(again.contains("已有"), "{again}");
    }
});
