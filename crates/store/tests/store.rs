//! Store tests: every body runs on SQLite, and on PostgreSQL when configured.

use kaifaqu_domain::Role;
use kaifaqu_store::departments::DepartmentForm;
use kaifaqu_store::users::{Home, UserForm};
use kaifaqu_store::{
    Actor, Db, Scope, StoreError, audit, auth, db_test, demo, departments, dictionaries, migrate, users, zones,
};
use sea_orm::ConnectionTrait;

async fn demo_db(db: &Db) -> (i64, i64) {
    match demo::load(db).await.unwrap() {
        demo::DemoOutcome::Loaded { .. } => {}
        demo::DemoOutcome::AlreadyLoaded => panic!("fresh database"),
    }
    let zs = zones::list(db, &Scope::System).await.unwrap();
    (zs[0].id, zs[1].id)
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

db_test!(migrations_are_idempotent_and_versioned, |db: Db| async move {
    assert_eq!(migrate::current_version(&db).await.unwrap(), migrate::latest_version());
    assert!(migrate::run(&db).await.unwrap().is_empty());
});

db_test!(newer_database_is_refused, |db: Db| async move {
    db.conn
        .execute_unprepared("INSERT INTO kaifaqu_schema (version, name, applied_at) VALUES (999, 'future', 'x')")
        .await
        .unwrap();
    let err = migrate::run(&db).await.unwrap_err().to_string();
    assert!(err.contains("比本程序支持的版本"), "{err}");
});

db_test!(demo_loads_once_and_refuses_real_data, |db: Db| async move {
    let (home, _) = demo_db(&db).await;
    let zs = zones::list(&db, &Scope::System).await.unwrap();
    assert_eq!(zs.len(), 8);
    let x = zones::get(&db, &Scope::System, home).await.unwrap();
    assert_eq!(
        (x.name.as_str(), x.region_code.as_str(), x.city_code.as_str()),
        ("襄垣经济技术开发区", "140423", "140400")
    );
    assert_eq!(x.staff_posts, 31);
    assert_eq!(x.risk_grade.map(|g| g.code()), Some("D"));
    assert!(matches!(demo::load(&db).await.unwrap(), demo::DemoOutcome::AlreadyLoaded));
    // a real user makes the database "real": the loader refuses
    let f = UserForm {
        login_name: "wang".into(),
        display_name: "王".into(),
        role: "staff".into(),
        password: "Abcdefg1!".into(),
        ..Default::default()
    };
    users::create(&db, &Actor::system("cli"), Some(Home::Zone(home)), &f).await.unwrap();
    let err = demo::load(&db).await.err().unwrap().to_string();
    assert!(err.contains("已有正式数据"), "{err}");
});

db_test!(a_city_account_needs_zones_in_its_city, |db: Db| async move {
    demo_db(&db).await;
    let f = UserForm {
        login_name: "shi".into(),
        display_name: "市级".into(),
        role: "city".into(),
        password: "Abcdefg1!".into(),
        ..Default::default()
    };
    // a city code without zones (or mistyped): refused, naming the field, nothing saved
    let before = users::list(&db, &Scope::System, &Default::default()).await.unwrap().total;
    let e = users::create(&db, &Actor::system("cli"), Some(Home::City("149900".into())), &f).await.unwrap_err();
    match e {
        StoreError::Invalid(i) => assert!(i.message_for("city_code").is_some_and(|m| m.contains("149900")), "{i:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(users::list(&db, &Scope::System, &Default::default()).await.unwrap().total, before);
    // the demo's city (长治, 140400) has zones
    users::create(&db, &Actor::system("cli"), Some(Home::City("140400".into())), &f).await.unwrap();
});

db_test!(scope_hides_other_zones, |db: Db| async move {
    let (a, b) = demo_db(&db).await;
    let admin_b = admin_of(b);
    // departments of zone A are invisible and unchangeable for B's admin
    assert!(matches!(departments::list(&db, &admin_b.scope(), a).await, Err(StoreError::NotFound)));
    let a_dept = departments::list(&db, &Scope::System, a).await.unwrap()[0].id;
    let f = DepartmentForm { name: "改名".into(), ..Default::default() };
    assert!(matches!(departments::update(&db, &admin_b, a_dept, &f).await, Err(StoreError::NotFound)));
    assert!(matches!(departments::delete(&db, &admin_b, a_dept).await, Err(StoreError::NotFound)));
    assert!(matches!(departments::get(&db, &admin_b.scope(), a_dept).await, Err(StoreError::NotFound)));
    let dict = dictionaries::list(&db, &Scope::System, a, None, false).await.unwrap()[0].id;
    assert!(matches!(dictionaries::get(&db, &admin_b.scope(), dict).await, Err(StoreError::NotFound)));
    // users of A are not listed for B
    let listed = users::list(&db, &admin_b.scope(), &Default::default()).await.unwrap();
    assert_eq!(listed.total, 0);
    // a city user sees every zone of the city, read-only
    let city = Scope::City { city_code: "140400".into() };
    assert_eq!(zones::list(&db, &city).await.unwrap().len(), 8);
    assert!(matches!(
        departments::list(&db, &Scope::City { city_code: "140100".into() }, a).await,
        Err(StoreError::NotFound)
    ));
});

db_test!(writes_are_audited_with_field_changes, |db: Db| async move {
    let (a, _) = demo_db(&db).await;
    let admin = admin_of(a);
    let d = departments::create(&db, &admin, a, &DepartmentForm { name: "档案室".into(), ..Default::default() })
        .await
        .unwrap();
    departments::update(
        &db,
        &admin,
        d.id,
        &DepartmentForm {
            name: "档案管理室".into(),
            sort_order: "5".into(),
            active: Some("on".into()),
            version: d.version.to_string(),
        },
    )
    .await
    .unwrap();
    departments::delete(&db, &admin, d.id).await.unwrap();
    let h = audit::history(&db, &admin.scope(), "department", &d.id.to_string()).await.unwrap();
    let actions: Vec<&str> = h.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    let name_change = h[1].changes.iter().find(|c| c.field == "name").unwrap();
    assert_eq!(name_change.before, "档案室");
    assert_eq!(name_change.after, "档案管理室");
    assert_eq!(h[1].ip.as_deref(), Some("127.0.0.1"));
    // append-only on the database itself
    assert!(db.conn.execute_unprepared("UPDATE audit_log SET summary = 'x'").await.is_err());
    assert!(db.conn.execute_unprepared("DELETE FROM audit_log").await.is_err());
});

db_test!(unique_and_in_use_errors_name_the_field, |db: Db| async move {
    let (a, _) = demo_db(&db).await;
    let admin = admin_of(a);
    let e = departments::create(&db, &admin, a, &DepartmentForm { name: "党政办公室".into(), ..Default::default() })
        .await
        .unwrap_err();
    match e {
        StoreError::Invalid(i) => {
            assert_eq!(i.message_for("name"), Some("本开发区已有同名科室"))
        }
        other => panic!("{other:?}"),
    }
    // 党政办公室 has users: it can be disabled but not deleted
    let d = departments::list(&db, &Scope::System, a).await.unwrap()[0].clone();
    let e = departments::delete(&db, &admin, d.id).await.unwrap_err();
    assert!(e.to_string().contains("只能停用"), "{e}");
    assert_eq!(departments::list(&db, &Scope::System, a).await.unwrap()[0].name, "党政办公室");
});

db_test!(dictionary_value_in_use_cannot_be_deleted, |db: Db| async move {
    let (a, _) = demo_db(&db).await;
    let admin = admin_of(a);
    // 煤化工 is the industry chain of demo projects: the projects' foreign key refuses
    let items = dictionaries::list(&db, &admin.scope(), a, Some("industry_chain"), true).await.unwrap();
    let coal = items.iter().find(|i| i.value == "煤化工").unwrap();
    let e = dictionaries::delete(&db, &admin, coal.id).await.unwrap_err();
    assert!(e.to_string().contains("只能停用"), "{e}");
    // an unused value can be deleted
    let f =
        dictionaries::ItemForm {
            kind: "industry_chain".into(), value: "未使用的产业链".into(), ..Default::default()
        };
    let unused = dictionaries::create(&db, &admin, a, &f).await.unwrap();
    dictionaries::delete(&db, &admin, unused.id).await.unwrap();
    let left = dictionaries::list(&db, &admin.scope(), a, Some("industry_chain"), false).await.unwrap();
    assert_eq!(left.len(), items.len());
});

db_test!(login_lockout_and_sessions, |db: Db| async move {
    let (a, _) = demo_db(&db).await;
    let policy = auth::AuthPolicy::default();
    let admin = Actor::system("cli");
    let f = UserForm {
        login_name: "li".into(),
        display_name: "李".into(),
        role: "staff".into(),
        password: "Correct-horse1".into(),
        ..Default::default()
    };
    users::create(&db, &admin, Some(Home::Zone(a)), &f).await.unwrap();
    for _ in 0..5 {
        assert!(auth::login(&db, &policy, "li", "wrong", None, None).await.unwrap().is_none());
    }
    // locked now: even the right password is refused
    assert!(auth::login(&db, &policy, "li", "Correct-horse1", None, None).await.unwrap().is_none());
    let u = users::find_by_login(&db, "li").await.unwrap().unwrap();
    assert!(u.is_locked());
    // the system admin may not reset passwords (三员: accounts are the security admin's)
    assert!(users::reset_password(&db, &admin_of(a), u.id, "New-password2").await.is_err());
    // a reset by the security admin unlocks and forces a change
    let security = Actor { login_name: "security".into(), role: Role::SecurityAdmin, ..admin_of(a) };
    users::reset_password(&db, &security, u.id, "New-password2").await.unwrap();
    let s = auth::login(&db, &policy, "li", "New-password2", None, None).await.unwrap().unwrap();
    assert!(s.session.user.must_change_password);
    assert!(auth::session(&db, &policy, &s.token).await.unwrap().is_some());
    // an expired session is gone
    let short = auth::AuthPolicy { idle_timeout: chrono::Duration::seconds(-1), ..Default::default() };
    assert!(auth::session(&db, &short, &s.token).await.unwrap().is_none());
    assert!(auth::session(&db, &policy, &s.token).await.unwrap().is_none());
});

db_test!(passwords_may_not_be_common_nor_carry_the_units_words, |db: Db| async move {
    let (home, _) = demo_db(&db).await;
    let form = |login: &str, password: &str| UserForm {
        login_name: login.into(),
        display_name: "王".into(),
        role: "staff".into(),
        password: password.into(),
        ..Default::default()
    };
    let admin = Actor::system("cli");
    for (pw, why) in [
        ("襄垣Tq7#mZ2v", "单位名称"),
        ("Xy9#经开区ab", "单位名称"),
        // the place name in pinyin, whole and as initials (A2)
        ("Xiangyuan#2025", "单位名称"),
        ("Xy@2025Tq7m", "单位名称"),
        ("P@ssw0rd2025", "常见密码"),
        ("Admin@123", "常见密码"),
    ] {
        match users::create(&db, &admin, Some(Home::Zone(home)), &form("wang", pw)).await {
            Err(StoreError::Invalid(i)) => {
                let m = i.message_for("password").unwrap_or_default().to_string();
                assert!(m.contains(why), "{pw}: {m}");
            }
            other => panic!("{pw} accepted: {other:?}"),
        }
    }
    let u = users::create(&db, &admin, Some(Home::Zone(home)), &form("wang", "Tq7#mZ2vLong")).await.unwrap();
    // an admin's reset follows the same rules
    let err = users::reset_password(&db, &admin, u.id, "襄垣2025#Ab").await.unwrap_err().to_string();
    assert!(err.contains("单位名称"), "{err}");
});
