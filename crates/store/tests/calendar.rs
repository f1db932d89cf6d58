//! The zone's working-day calendar: the official arrangement until a year is changed, one day
//! changed keeps the others, deadlines follow the change, bad days and bad sheets change
//! nothing, and only the zone's own admins may write.

use chrono::NaiveDate;
use kaifaqu_domain::Role;
use kaifaqu_domain::zone::ZoneForm;
use kaifaqu_store::calendar::{self, DayForm, Source};
use kaifaqu_store::{Actor, Db, Scope, StoreError, audit, db_test, zones};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn zone(db: &Db, name: &str, region: &str) -> i64 {
    let f = ZoneForm {
        name: name.into(),
        level: "provincial".into(),
        region_code: region.into(),
        city_name: "长治市".into(),
        risk_grade: String::new(),
        staff_posts: "31".into(),
    };
    zones::create(db, &Actor::system("测试"), &f.validate().unwrap(), false).await.unwrap().id
}

fn actor(zone_id: i64, role: Role) -> Actor {
    Actor { user_id: Some(1), login_name: "tester".into(), role, zone_id: Some(zone_id), city_code: None, ip: None }
}

fn day(date: &str, kind: &str, name: &str) -> DayForm {
    DayForm { date: date.into(), kind: kind.into(), name: name.into() }
}

fn fields(e: StoreError) -> Vec<(String, String)> {
    match e {
        StoreError::Invalid(i) => i.errors.into_iter().map(|e| (e.field, e.message)).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

db_test!(official_until_changed_then_the_zones_own, |db: Db| async move {
    let z = zone(&db, "日历测试开发区", "140423").await;
    let scope = Scope::Zone { zone_id: z, write: true };
    let y = calendar::year(&db, &scope, z, 2025).await.unwrap();
    assert_eq!(y.source, Source::Official);
    assert_eq!(y.working_days, 248);
    let cal = calendar::load(&db, &scope, z).await.unwrap();
    // Friday 26 September + 5 working days: Sun 28 (调休上班), 29, 30, then 1–8 October off, 9, 10
    assert_eq!(cal.add_working_days(d("2025-09-26"), 5), d("2025-10-10"));
    let official_days = y.days.len();

    // the zone gives 9 October off: the official days stay, the deadline moves to Saturday 11
    // October, itself a 调休 working day
    let admin = actor(z, Role::Admin);
    calendar::set_day(&db, &admin, z, &day("2025-10-09", "放假", "本地假日")).await.unwrap();
    let y = calendar::year(&db, &scope, z, 2025).await.unwrap();
    assert_eq!(y.source, Source::Zone);
    assert_eq!(y.days.len(), official_days + 1);
    assert_eq!(y.working_days, 247);
    let cal = calendar::load(&db, &scope, z).await.unwrap();
    assert_eq!(cal.add_working_days(d("2025-09-26"), 5), d("2025-10-11"));
    assert_eq!(cal.working_days_between(d("2025-09-26"), d("2025-10-11")), 5);
    // 2026 is untouched and still official
    assert_eq!(calendar::year(&db, &scope, z, 2026).await.unwrap().source, Source::Official);

    // back to an ordinary day
    calendar::clear_day(&db, &admin, z, d("2025-10-09")).await.unwrap();
    let cal = calendar::load(&db, &scope, z).await.unwrap();
    assert_eq!(cal.add_working_days(d("2025-09-26"), 5), d("2025-10-10"));
    let history = audit::history(&db, &Scope::System, "calendar", &format!("{z}:2025")).await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[0].summary.contains("2025-10-09"));

    // reset to the official arrangement; a year the program does not ship is refused
    assert_eq!(calendar::load_official(&db, &admin, z, 2025).await.unwrap(), official_days);
    let e = fields(calendar::load_official(&db, &admin, z, 2024).await.unwrap_err());
    assert_eq!(e[0].0, "year");
    assert!(e[0].1.contains("没有内置 2024 年"));
});

db_test!(bad_days_and_bad_sheets_change_nothing, |db: Db| async move {
    let z = zone(&db, "日历测试开发区", "140423").await;
    let admin = actor(z, Role::Admin);
    let scope = Scope::Zone { zone_id: z, write: true };
    let e = fields(calendar::set_day(&db, &admin, z, &day("2025-10-09", "调休上班", "")).await.unwrap_err());
    assert_eq!(e[0].0, "kind");
    assert!(e[0].1.contains("是工作日"), "{e:?}");
    let e = fields(calendar::set_day(&db, &admin, z, &day("2025-13-01", "放假", "")).await.unwrap_err());
    assert_eq!(e[0].0, "date");
    let e = fields(calendar::set_day(&db, &admin, z, &day("2025-10-09", "请假", "")).await.unwrap_err());
    assert_eq!(e[0].0, "kind");
    assert_eq!(calendar::year(&db, &scope, z, 2025).await.unwrap().source, Source::Official);

    // a sheet with one good row, one weekday marked 调休上班, one duplicate and one of another year
    let rows = vec![
        (3, day("2026-01-01", "放假", "元旦")),
        (4, day("2026-01-05", "调休上班", "")),
        (5, day("2026-01-01", "放假", "元旦")),
        (6, day("2025-12-31", "放假", "")),
    ];
    let e = fields(calendar::import_year(&db, &admin, z, 2026, &rows).await.unwrap_err());
    let messages: Vec<&str> = e.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("第 4 行"));
    assert!(messages[1].starts_with("第 5 行") && messages[1].contains("与第 3 行重复"));
    assert!(messages[2].starts_with("第 6 行") && messages[2].contains("不在 2026 年内"));
    assert_eq!(calendar::year(&db, &scope, z, 2026).await.unwrap().source, Source::Official);

    // a good sheet replaces the year
    let rows = vec![(3, day("2026-01-01", "放假", "元旦")), (4, day("2026-01-04", "调休上班", "元旦调休上班"))];
    assert_eq!(calendar::import_year(&db, &admin, z, 2026, &rows).await.unwrap(), 2);
    let y = calendar::year(&db, &scope, z, 2026).await.unwrap();
    assert_eq!((y.source, y.days.len()), (Source::Zone, 2));
});

db_test!(only_the_zones_own_admins_write, |db: Db| async move {
    let a = zone(&db, "日历测试开发区", "140423").await;
    let b = zone(&db, "另一开发区", "140403").await;
    let f = day("2025-10-09", "放假", "");
    for role in [Role::Staff, Role::Leader, Role::Viewer] {
        let e = calendar::set_day(&db, &actor(a, role), a, &f).await.unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{role:?}: {e:?}");
    }
    let e = calendar::set_day(&db, &actor(b, Role::Admin), a, &f).await.unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_) | StoreError::NotFound), "{e:?}");
    let e = calendar::year(&db, &Scope::Zone { zone_id: b, write: true }, a, 2025).await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    assert_eq!(calendar::year(&db, &Scope::System, a, 2025).await.unwrap().source, Source::Official);
});
