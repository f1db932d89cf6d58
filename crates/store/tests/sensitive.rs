//! Personal data at rest (issue 10, L2/M1/M2): phone numbers stored only as SM4-GCM ciphertext
//! with a blind index (raw SQL sees no number, a search by the number finds the row), masked for
//! readers without `ReadPersonal`, never whole in the audit log, re-encrypted by a key rotation,
//! sealed when written in plain text by a bulk load; contacts and enterprises carry an optimistic
//! version; and the M1 canary scan of the SQLite file and its WAL. Every body runs on SQLite, and
//! on PostgreSQL when configured.

use kaifaqu_domain::Role;
use kaifaqu_store::contacts::{self, ContactFormInput};
use kaifaqu_store::crypto::{self, Keyring};
use kaifaqu_store::enterprises::{self, EnterpriseForm};
use kaifaqu_store::users::{self, Home, UserForm};
use kaifaqu_store::{Actor, Db, Engine, Scope, StoreError, db_test, demo, sensitive, zones};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

async fn zone(db: &Db) -> i64 {
    assert!(matches!(demo::load(db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    zones::list(db, &Scope::System).await.unwrap()[0].id
}

fn actor(zone: i64, role: Role) -> Actor {
    Actor { user_id: Some(1), login_name: "t".into(), role, zone_id: Some(zone), city_code: None, ip: None }
}

/// Every text of a table's rows, read with raw SQL (what someone holding the database sees).
async fn raw_text(db: &Db, table: &str) -> String {
    let sql = match db.backend() {
        DbBackend::Postgres => format!("SELECT t::text AS v FROM {table} t"),
        _ => {
            // SQLite: every column of every row, joined
            let cols = db
                .conn
                .query_all_raw(Statement::from_string(
                    db.backend(),
                    format!("SELECT name FROM pragma_table_info('{table}')"),
                ))
                .await
                .unwrap()
                .into_iter()
                .map(|r| format!("COALESCE(CAST({} AS TEXT), '')", r.try_get::<String>("", "name").unwrap()))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            format!("SELECT {cols} AS v FROM {table}")
        }
    };
    let rows = db.conn.query_all_raw(Statement::from_string(db.backend(), sql)).await.unwrap();
    rows.into_iter().map(|r| r.try_get::<String>("", "v").unwrap()).collect::<Vec<_>>().join("\n")
}

async fn raw_one(db: &Db, sql: &str) -> Option<String> {
    let row = db.conn.query_one_raw(Statement::from_string(db.backend(), sql.to_string())).await.unwrap();
    row.and_then(|r| r.try_get::<Option<String>>("", "v").unwrap())
}

fn firm(name: &str, code: &str, phone: &str) -> EnterpriseForm {
    EnterpriseForm {
        name: name.into(),
        credit_code: code.into(),
        contact_person: "王经理".into(),
        contact_phone: phone.into(),
        ..Default::default()
    }
}

/// A valid 统一社会信用代码 numbered `n`.
fn code(n: u32) -> String {
    let base = format!("91140423MA0{:06}", 900 + n);
    format!("{base}{}", kaifaqu_domain::credit_code::check_char(&base).unwrap())
}

db_test!(phones_are_ciphertext_at_rest_found_by_number_and_masked, |db: Db| async move {
    let z = zone(&db).await;
    let staff = actor(z, Role::Staff);
    let e = enterprises::create(&db, &staff, &firm("晋韵新材料有限公司", &code(1), "139-0355-2468")).await.unwrap();
    assert_eq!(e.contact_phone.as_deref(), Some("139-0355-2468"), "the writer sees what they wrote");
    let stored =
        raw_one(&db, &format!("SELECT contact_phone AS v FROM enterprises WHERE id = {}", e.id)).await.unwrap();
    assert!(stored.starts_with("sm4gcm:"), "{stored}");
    let bidx =
        raw_one(&db, &format!("SELECT contact_phone_bidx AS v FROM enterprises WHERE id = {}", e.id)).await.unwrap();
    assert_eq!(bidx.len(), 64);
    // no form of the number in the table or the audit log
    let tables = raw_text(&db, "enterprises").await + &raw_text(&db, "audit_log").await;
    for needle in ["13903552468", "139-0355-2468", "03552468"] {
        assert!(!tables.contains(needle), "{needle} found in plain text");
    }
    assert!(raw_text(&db, "audit_log").await.contains("139****2468"), "the audit log records the masked number");

    // search by the number, however written: exact match through the blind index
    for q in ["13903552468", "+86 139 0355 2468", "139-0355-2468"] {
        let found = enterprises::list_as(&db, &staff, z, q, 1, 50).await.unwrap();
        assert_eq!(found.rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![e.id], "{q}");
    }
    assert_eq!(enterprises::list_as(&db, &staff, z, "1390355246", 1, 50).await.unwrap().total, 0, "exact only");
    // another zone's search finds nothing
    let other = zones::list(&db, &Scope::System).await.unwrap()[1].id;
    assert_eq!(enterprises::list(&db, &Scope::System, other, "13903552468", 1, 50).await.unwrap().total, 0);

    // whole for staff, masked for a viewer, a city user and the scoped reads
    let whole = enterprises::get_as(&db, &staff, e.id).await.unwrap();
    assert_eq!(whole.contact_phone.as_deref(), Some("139-0355-2468"));
    let viewer = actor(z, Role::Viewer);
    assert_eq!(enterprises::get_as(&db, &viewer, e.id).await.unwrap().contact_phone.as_deref(), Some("139****2468"));
    let listed = enterprises::list_as(&db, &viewer, z, "晋韵", 1, 50).await.unwrap();
    assert_eq!(listed.rows[0].contact_phone.as_deref(), Some("139****2468"));
    assert_eq!(
        enterprises::list_as(&db, &viewer, z, "13903552468", 1, 50).await.unwrap().total,
        0,
        "no lookup by number for a masked reader"
    );
    assert_eq!(
        enterprises::get(&db, &staff.scope(), e.id).await.unwrap().contact_phone.as_deref(),
        Some("139****2468")
    );
    assert_eq!(
        enterprises::get(&db, &Scope::System, e.id).await.unwrap().contact_phone.as_deref(),
        Some("139-0355-2468")
    );

    // a form sent back with the masked number keeps it; a new number replaces it (and its index)
    let mut f = EnterpriseForm::from_enterprise(&enterprises::get(&db, &staff.scope(), e.id).await.unwrap());
    f.address = "园区大道 1 号".into();
    let kept = enterprises::update(&db, &staff, e.id, &f).await.unwrap();
    assert_eq!(kept.contact_phone.as_deref(), Some("139-0355-2468"));
    assert_eq!(kept.version, 2);
    f.version = "2".into();
    f.contact_phone = "0355-7221234".into();
    enterprises::update(&db, &staff, e.id, &f).await.unwrap();
    assert_eq!(enterprises::list_as(&db, &staff, z, "13903552468", 1, 50).await.unwrap().total, 0);
    assert_eq!(enterprises::list_as(&db, &staff, z, "03557221234", 1, 50).await.unwrap().total, 1);
    println!("phones at rest: 1 enterprise, 0 plain-text numbers in enterprises and audit_log; found by 3 spellings");
});

db_test!(users_phones_are_sealed_and_masked_for_other_readers, |db: Db| async move {
    let z = zone(&db).await;
    let f = UserForm {
        login_name: "zhao".into(),
        display_name: "赵工".into(),
        phone: "13812345678".into(),
        role: "staff".into(),
        password: "Start-pass1x".into(),
        ..Default::default()
    };
    let u = users::create(&db, &Actor::system("test"), Some(Home::Zone(z)), &f).await.unwrap();
    let stored = raw_one(&db, &format!("SELECT phone AS v FROM users WHERE id = {}", u.id)).await.unwrap();
    assert!(stored.starts_with("sm4gcm:"), "{stored}");
    assert!(!raw_text(&db, "users").await.contains("13812345678"));
    assert!(!raw_text(&db, "audit_log").await.contains("13812345678"));
    // the user themself (the session's record) sees it whole; a security admin's list masked
    assert_eq!(users::find_by_login(&db, "zhao").await.unwrap().unwrap().phone.as_deref(), Some("13812345678"));
    let security = actor(z, Role::SecurityAdmin);
    let listed = users::list(&db, &security.scope(), &Default::default()).await.unwrap();
    let row = listed.rows.iter().find(|r| r.id == u.id).unwrap();
    assert_eq!(row.phone.as_deref(), Some("138****5678"));
    assert_eq!(users::get_as(&db, &actor(z, Role::Admin), u.id).await.unwrap().phone.as_deref(), Some("13812345678"));
});

db_test!(rotation_reencrypts_the_phones_and_keeps_them_searchable, |db: Db| async move {
    let z = zone(&db).await;
    let staff = actor(z, Role::Staff);
    let mut ids = Vec::new();
    for (i, p) in ["13900000001", "13900000002", "0355-7000003"].iter().enumerate() {
        ids.push(
            enterprises::create(&db, &staff, &firm(&format!("轮换测试企业{i}"), &code(10 + i as u32), p))
                .await
                .unwrap()
                .id,
        );
    }
    let raw = |id: i64| format!("SELECT contact_phone AS v FROM enterprises WHERE id = {id}");
    let before = raw_one(&db, &raw(ids[0])).await.unwrap();
    let first = crypto::keyring();
    let ring = Keyring::development().rotated().unwrap();
    let done = sensitive::reencrypt_all(&db, &ring).await.unwrap();
    assert_eq!((done.values, done.already_current), (3, 0), "{done:?}");
    for id in &ids {
        let v = raw_one(&db, &raw(*id)).await.unwrap();
        assert_eq!(crypto::key_id_of(&v), Some(ring.active_id()), "{v}");
    }
    assert_ne!(raw_one(&db, &raw(ids[0])).await.unwrap(), before);
    // the old value decrypts to the same number as the new one; the old keyring cannot read the new
    let ctx = format!("enterprises.contact_phone:{}", ids[0]);
    let after = raw_one(&db, &raw(ids[0])).await.unwrap();
    assert_eq!(ring.decrypt(&before, &ctx).unwrap(), ring.decrypt(&after, &ctx).unwrap());
    assert!(first.decrypt(&after, &ctx).is_err());
    let again = sensitive::reencrypt_all(&db, &ring).await.unwrap();
    assert_eq!((again.values, again.already_current), (0, 3));
    // the blind index survives the rotation (the process's keyring is left alone: tests run side by side)
    assert_eq!(
        raw_one(&db, &format!("SELECT contact_phone_bidx AS v FROM enterprises WHERE id = {}", ids[1])).await,
        sensitive::search_index(sensitive::Kind::Phone, "13900000002")
    );
    assert_eq!(
        ring.decrypt_string(
            &raw_one(&db, &raw(ids[2])).await.unwrap(),
            &format!("enterprises.contact_phone:{}", ids[2])
        )
        .unwrap(),
        "0355-7000003"
    );
    println!("key rotation: 3 phones re-encrypted from key 0 to key 1, 0 on the second run, still found by number");
});

db_test!(plain_text_from_a_bulk_load_is_sealed_at_the_next_start, |db: Db| async move {
    let z = zone(&db).await;
    let staff = actor(z, Role::Staff);
    let e = enterprises::create(&db, &staff, &firm("批量导入企业", &code(30), "")).await.unwrap();
    db.conn
        .execute_unprepared(&format!("UPDATE enterprises SET contact_phone = '13755556666' WHERE id = {}", e.id))
        .await
        .unwrap();
    // read as it is until sealed
    assert_eq!(enterprises::get_as(&db, &staff, e.id).await.unwrap().contact_phone.as_deref(), Some("13755556666"));
    // what every `kaifaqu` command does after installing the keys (cli `commands::open`)
    assert_eq!(sensitive::seal_plaintext(&db).await.unwrap(), 1);
    let stored =
        raw_one(&db, &format!("SELECT contact_phone AS v FROM enterprises WHERE id = {}", e.id)).await.unwrap();
    assert!(stored.starts_with("sm4gcm:"), "{stored}");
    assert_eq!(enterprises::list_as(&db, &staff, z, "13755556666", 1, 50).await.unwrap().total, 1);
    assert_eq!(sensitive::seal_plaintext(&db).await.unwrap(), 0, "idempotent");
});

db_test!(stale_edits_of_contacts_and_enterprises_are_refused, |db: Db| async move {
    let z = zone(&db).await;
    let staff = actor(z, Role::Staff);
    let e = enterprises::create(&db, &staff, &firm("版本测试企业", &code(40), "")).await.unwrap();
    let mut f = EnterpriseForm::from_enterprise(&e);
    f.address = "一".into();
    enterprises::update(&db, &staff, e.id, &f).await.unwrap();
    f.address = "二".into();
    assert!(matches!(enterprises::update(&db, &staff, e.id, &f).await, Err(StoreError::Stale)));
    assert_eq!(enterprises::get(&db, &Scope::System, e.id).await.unwrap().address.as_deref(), Some("一"));

    let c = contacts::list(&db, &Scope::System, z, &Default::default()).await.unwrap().rows.remove(0);
    let mut cf = ContactFormInput {
        date: c.date.to_string(),
        project_id: c.project_id.map(|p| p.to_string()).unwrap_or_default(),
        lead_name: c.lead_name.clone().unwrap_or_default(),
        team_id: c.team_id.map(|t| t.to_string()).unwrap_or_default(),
        form: c.form.code().into(),
        summary: "第一次修改".into(),
        version: c.version.to_string(),
        ..Default::default()
    };
    let saved = contacts::update(&db, &staff, c.id, &cf).await.unwrap();
    assert_eq!(saved.version, c.version + 1);
    cf.summary = "过期的修改".into();
    assert!(matches!(contacts::update(&db, &staff, c.id, &cf).await, Err(StoreError::Stale)));
    assert_eq!(contacts::get(&db, &Scope::System, c.id).await.unwrap().summary, "第一次修改");
});

/// Occurrences of `needle` in a file (0 when it does not exist).
fn count_in(path: &std::path::Path, needle: &[u8]) -> usize {
    let Ok(bytes) = std::fs::read(path) else { return 0 };
    bytes.windows(needle.len()).filter(|w| *w == needle).count()
}

db_test!(m1_canaries_leave_no_trace_in_the_database_file_or_wal, |db: Db| async move {
    if db.engine != Engine::Sqlite {
        println!("M1 canary scan: PostgreSQL's files belong to the server (not reachable from the test): not scanned");
        return;
    }
    drop(db);
    // a database of our own, so its file and WAL are known
    let dir = std::env::temp_dir().join("kaifaqu-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("canary_{}_{}.db", std::process::id(), kaifaqu_store::auth::random_hex(4)));
    let db = kaifaqu_store::open_with(&format!("sqlite://{}", path.display()), kaifaqu_store::Synchronous::Full)
        .await
        .unwrap();
    let wal = path.with_file_name(format!("{}-wal", path.file_name().unwrap().to_string_lossy()));
    let z = zone(&db).await;
    let staff = actor(z, Role::Staff);
    let phone = "13966660777";
    let password = "Canary#Pw-q7Zx2m";
    let new_password = "Canary#Pw-n3Wk8r";
    let scan = |label: &str| {
        let mut total = 0;
        for needle in [phone, password, new_password, "CANARY-PROBE-5c1e"] {
            let n = count_in(&path, needle.as_bytes()) + count_in(&wal, needle.as_bytes());
            println!("  {label}: {needle}: {n}");
            if needle != "CANARY-PROBE-5c1e" {
                total += n;
            }
        }
        total
    };
    // the canaries: an enterprise's phone, a user's phone and password
    let e = enterprises::create(&db, &staff, &firm("金丝雀企业", &code(50), phone)).await.unwrap();
    let f = UserForm {
        login_name: "jinsique".into(),
        display_name: "金丝雀".into(),
        phone: phone.into(),
        role: "staff".into(),
        password: password.into(),
        ..Default::default()
    };
    let u = users::create(&db, &Actor::system("test"), Some(Home::Zone(z)), &f).await.unwrap();
    // a control written in plain text, to prove the scan sees what is there
    db.conn.execute_unprepared("CREATE TABLE canary_probe (t TEXT)").await.unwrap();
    db.conn.execute_unprepared("INSERT INTO canary_probe VALUES ('CANARY-PROBE-5c1e')").await.unwrap();
    let control = count_in(&path, b"CANARY-PROBE-5c1e") + count_in(&wal, b"CANARY-PROBE-5c1e");
    assert!(control >= 1, "the scan must see the plain-text control");
    assert_eq!(scan("written"), 0);
    // delete: the phone taken off the record, the password changed, the control row deleted
    let mut ef = EnterpriseForm::from_enterprise(&enterprises::get_as(&db, &staff, e.id).await.unwrap());
    ef.contact_phone = String::new();
    enterprises::update(&db, &staff, e.id, &ef).await.unwrap();
    users::reset_password(&db, &Actor::system("test"), u.id, new_password).await.unwrap();
    db.conn.execute_unprepared("DELETE FROM canary_probe").await.unwrap();
    db.conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.unwrap();
    let after = scan("deleted, checkpointed");
    let control_after = count_in(&path, b"CANARY-PROBE-5c1e") + count_in(&wal, b"CANARY-PROBE-5c1e");
    assert_eq!(after, 0);
    assert_eq!(control_after, 0, "secure_delete overwrote the deleted control row");
    println!(
        "M1 canary scan (SQLite db + WAL): 2 canary phones and 2 canary passwords written, changed and deleted: {after} occurrences; plain-text control {control} → {control_after} after delete + checkpoint"
    );
    db.close().await;
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&wal);
    let _ = std::fs::remove_file(path.with_file_name(format!("{}-shm", path.file_name().unwrap().to_string_lossy())));
});
