//! Indicators in the store: the demo reproduces the seed's figures and ranks through the code
//! the pages use; estimates sit beside official figures; grids save all or nothing; implausible
//! values must be confirmed.

use kaifaqu_domain::Role;
use kaifaqu_domain::indicator::{Fixed, Period, WarningKind};
use kaifaqu_store::indicator_values::{self, EntryLine};
use kaifaqu_store::{Actor, Db, Scope, StoreError, db_test, demo, indicator_views, indicators, zones};

async fn setup(db: &Db) -> (i64, i64, i64, i64) {
    assert!(matches!(demo::load(db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let zs = zones::list(db, &Scope::System).await.unwrap();
    let va = indicators::by_code(db, "industrial_value_added").await.unwrap().unwrap().id;
    let inv = indicators::by_code(db, "industrial_investment").await.unwrap().unwrap().id;
    (zs[0].id, zs[1].id, va, inv)
}

fn staff(zone_id: i64) -> Actor {
    Actor {
        user_id: Some(3),
        login_name: "staff".into(),
        role: Role::Staff,
        zone_id: Some(zone_id),
        city_code: None,
        ip: None,
    }
}

const P1_5: Period = Period { year: 2025, month: 5 };

db_test!(demo_reproduces_the_seed_figures_and_ranks, |db: Db| async move {
    let (x, _, va, inv) = setup(&db).await;
    let scope = staff(x).scope();
    let rows = indicator_views::overview(&db, &scope, x, P1_5).await.unwrap();
    let row = |id: i64| rows.iter().find(|r| r.indicator.id == id).unwrap().clone();
    let v = row(va);
    assert_eq!(v.figure.value.unwrap().display(2), "27.97");
    assert_eq!(v.figure.growth.unwrap().display(), "22.9");
    assert!(!v.figure.growth_computed);
    assert_eq!((v.rank_value, v.rank_growth, v.ranked), (Some(1), Some(3), 8));
    let i = row(inv);
    assert_eq!(i.figure.value.unwrap().display(1), "16.9");
    assert_eq!(i.figure.growth.unwrap().display(), "1.4");
    assert_eq!(i.rank_value, Some(2));
    // the estimates for 1-6月 stand beside; the official figure is not there yet
    let h1 = indicator_views::overview(&db, &scope, x, Period { year: 2025, month: 6 }).await.unwrap();
    let v6 = h1.iter().find(|r| r.indicator.id == va).unwrap();
    assert_eq!((v6.figure.value, v6.figure.estimate.map(|e| e.display(1))), (None, Some("39.8".to_string())));
    assert_eq!(v6.figure.estimate_growth.unwrap().display(), "25");
    let i6 = h1.iter().find(|r| r.indicator.id == inv).unwrap();
    assert_eq!(i6.figure.estimate.unwrap().display(0), "24");
    assert!(i6.figure.estimate_growth.unwrap().0 > 0);
    // pace: value-added ahead of 序时进度 (27.97 of 66), investment behind (16.9 of 45)
    assert!(v.pace.unwrap().gap_points.0 > 0);
    assert!(i.pace.unwrap().gap_points.0 < 0);
    assert!(i.warnings.iter().any(|w| w.kind == WarningKind::BehindPace));
});

db_test!(city_table_ranks_with_ties_and_missing_zones, |db: Db| async move {
    let (x, b, va, _) = setup(&db).await;
    let table = indicator_views::city_table(&db, &staff(x).scope(), x, va, P1_5).await.unwrap();
    assert_eq!(table.len(), 8);
    assert_eq!(table[0].zone_id, x);
    // zone B (second) is given the value of the third-ranked zone: the two share rank 2
    assert_eq!(table[1].zone_id, b);
    let second = table[2].figure.value.unwrap();
    let line = EntryLine {
        zone_id: b.to_string(),
        indicator_id: va.to_string(),
        value: second.display(4),
        growth: "8.5".into(),
        source: "flash".into(),
        ..Default::default()
    };
    indicator_values::save(&db, &Actor::system("test"), b, P1_5, &[line]).await.unwrap();
    let table =
        indicator_views::city_table(&db, &staff(x).scope(), x, va, Period { year: 2025, month: 5 }).await.unwrap();
    let tied: Vec<Option<u32>> =
        table.iter().filter(|r| r.figure.value == Some(second)).map(|r| r.rank_value).collect();
    assert_eq!(tied, [Some(2), Some(2)]);
    assert_eq!(table[3].rank_value, Some(4), "1, 2, 2, 4");
    // 1-6月: only 襄垣 has an estimate, no official figures: everyone is 缺报
    let h1 = indicator_views::city_table(&db, &staff(x).scope(), x, va, Period { year: 2025, month: 6 }).await.unwrap();
    assert!(h1.iter().all(|r| r.rank_value.is_none()));
});

db_test!(growth_falling_warning_fires_for_the_declining_zone, |db: Db| async move {
    let (x, _, va, _) = setup(&db).await;
    let zs = zones::list(&db, &Scope::System).await.unwrap();
    let ding = zs[4].id; // 示例开发区丁: growth 8.8 → 7.6 → 6.4 → 5.2
    let rows = indicator_views::overview(&db, &Scope::System, ding, P1_5).await.unwrap();
    let v = rows.iter().find(|r| r.indicator.id == va).unwrap();
    assert!(v.warnings.iter().any(|w| w.kind == WarningKind::GrowthFalling), "{:?}", v.warnings);
    let mine = indicator_views::overview(&db, &Scope::System, x, P1_5).await.unwrap();
    assert!(
        !mine
            .iter()
            .find(|r| r.indicator.id == va)
            .unwrap()
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::GrowthFalling)
    );
    // month-own values of the series
    let ind = indicators::get(&db, va).await.unwrap();
    let s = indicator_views::series(&db, &Scope::System, x, &ind, P1_5, 24).await.unwrap();
    let m = |month: u32| s.iter().find(|r| r.period == Period { year: 2025, month }).unwrap().clone();
    assert_eq!(m(3).month_own.unwrap(), m(3).figure.value.unwrap() - m(2).figure.value.unwrap());
    assert_eq!(m(2).month_own, m(2).figure.value, "1-2月 stands alone");
    assert!(s.iter().all(|r| r.period.month != 1), "no 1月 for a 1-2月 indicator");
});

db_test!(grids_save_all_or_nothing_and_ask_about_odd_values, |db: Db| async move {
    let (x, _, va, inv) = setup(&db).await;
    let a = staff(x);
    let p = Period { year: 2025, month: 6 };
    let line = |ind: i64, value: &str, growth: &str| EntryLine {
        indicator_id: ind.to_string(),
        value: value.into(),
        growth: growth.into(),
        source: "flash".into(),
        ..Default::default()
    };
    // one bad growth: nothing saved
    let e =
        indicator_values::save(&db, &a, x, p, &[line(va, "40.1", "26"), line(inv, "24.2", "20000")]).await.unwrap_err();
    match e {
        StoreError::Invalid(i) => assert!(i.message_for(&format!("growth_{x}_{inv}")).unwrap().contains("-100%")),
        other => panic!("{other:?}"),
    }
    let s = indicator_values::series(&db, &Scope::System, x, va, (2025, 2025)).await.unwrap();
    assert!(!s.iter().any(|v| v.period == p && !v.is_estimate));
    // a unit slip (万元 typed as 亿元) must be confirmed
    let e = indicator_values::save(&db, &a, x, p, &[line(va, "398000", "25")]).await.unwrap_err();
    assert!(e.to_string().contains("万元"), "{e}");
    // a fall of the cumulative value must be confirmed
    let e = indicator_values::save(&db, &a, x, p, &[line(va, "20", "25")]).await.unwrap_err();
    assert!(e.to_string().contains("小于上期"), "{e}");
    let mut confirmed = line(va, "20", "25");
    confirmed.confirm = Some("on".into());
    indicator_values::save(&db, &a, x, p, &[confirmed]).await.unwrap();
    // the official figure arrives: both remain, the official one shows
    indicator_values::save(&db, &a, x, p, &[line(va, "40.12", "25.6")]).await.unwrap();
    let s = indicator_values::series(&db, &Scope::System, x, va, (2025, 2025)).await.unwrap();
    let both: Vec<bool> = s.iter().filter(|v| v.period == p).map(|v| v.is_estimate).collect();
    assert_eq!(both.len(), 2);
    let ov = indicator_views::overview(&db, &Scope::System, x, p).await.unwrap();
    let v = ov.iter().find(|r| r.indicator.id == va).unwrap();
    assert_eq!(v.figure.value, Some(Fixed::parse("40.12", 2).unwrap()));
    assert_eq!(v.figure.estimate, Some(Fixed::parse("39.8", 2).unwrap()));
    // 1月 for an indicator published only as 1-2月
    let e =
        indicator_values::save(&db, &a, x, Period { year: 2025, month: 1 }, &[line(va, "5", "1")]).await.unwrap_err();
    assert!(e.to_string().contains("1-2 月"), "{e}");
});

db_test!(zone_users_cannot_write_another_managed_zone, |db: Db| async move {
    let (x, b, va, _) = setup(&db).await;
    // zone B has no users: 襄垣 keeps its published figures on its behalf
    let line = EntryLine {
        zone_id: b.to_string(),
        indicator_id: va.to_string(),
        value: "1".into(),
        growth: "1".into(),
        source: "flash".into(),
        confirm: Some("on".into()),
        ..Default::default()
    };
    indicator_values::save(&db, &staff(x), x, Period { year: 2025, month: 6 }, std::slice::from_ref(&line))
        .await
        .unwrap();
    // once B has its own users — even deactivated ones — it is B's to enter
    let f = kaifaqu_store::users::UserForm {
        login_name: "b1".into(),
        display_name: "乙".into(),
        role: "staff".into(),
        password: "Zone-b-user1".into(),
        ..Default::default()
    };
    let u = kaifaqu_store::users::create(&db, &Actor::system("t"), Some(kaifaqu_store::users::Home::Zone(b)), &f)
        .await
        .unwrap();
    let off = kaifaqu_store::users::UserForm {
        display_name: "乙".into(),
        role: "staff".into(),
        active: Some("off".into()),
        ..Default::default()
    };
    kaifaqu_store::users::update(&db, &Actor::system("t"), u.id, &off).await.unwrap();
    let e = indicator_values::save(&db, &staff(x), x, Period { year: 2025, month: 7 }, &[line]).await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound));
});
