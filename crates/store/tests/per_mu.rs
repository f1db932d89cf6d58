//! 亩均效益评价 in the store: the hand-computed example of `kaifaqu_domain::per_mu` through the
//! repositories, scheme validation (nothing saved), record validation and the all-or-nothing
//! import, zone isolation and read-only roles, and the demo's 2024 evaluation.

use kaifaqu_domain::Role;
use kaifaqu_domain::per_mu::{Bands, Grade, Indicator, IndicatorRule, Scheme};
use kaifaqu_store::per_mu::{self, ImportOutcome, ImportRow, RecordForm};
use kaifaqu_store::{Actor, Db, Scope, StoreError, db_test, demo, lookups, zones};

struct Ctx {
    zone: i64,
    zone_b: i64,
    staff: Actor,
    /// Enterprise ids of the demo zone, by name.
    firms: Vec<(i64, String)>,
}

async fn setup(db: &Db) -> Ctx {
    assert!(matches!(demo::load(db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let zs = zones::list(db, &Scope::System).await.unwrap();
    let u = kaifaqu_store::users::find_by_login(db, "staff").await.unwrap().unwrap();
    let staff = Actor {
        user_id: Some(u.id),
        login_name: u.login_name.clone(),
        role: Role::Staff,
        zone_id: Some(zs[0].id),
        city_code: None,
        ip: None,
    };
    let l = lookups::Lookups::load(db, zs[0].id).await.unwrap();
    let mut firms: Vec<(i64, String)> = l.enterprises.into_iter().collect();
    firms.sort();
    Ctx { zone: zs[0].id, zone_b: zs[1].id, staff, firms }
}

fn rule(indicator: Indicator, weight: i64, benchmark_x100: i64) -> IndicatorRule {
    IndicatorRule { indicator, weight_x100: weight * 100, benchmark_x100 }
}

/// The domain's hand-computed scheme: 50/20/10/10/10 points, benchmarks 10 万元/亩, 100 万元/亩,
/// 2 万元/吨标准煤, 2 %, 20 万元/人; cap 1.2; bands 20/50/20/10; ≥ 3 亩; new ones exempt 2 years.
fn hand_scheme() -> Scheme {
    Scheme {
        name: "手算示例".into(),
        indicators: vec![
            rule(Indicator::TaxPerMu, 50, 1000),
            rule(Indicator::RevenuePerMu, 20, 10_000),
            rule(Indicator::ValueAddedPerEnergy, 10, 200),
            rule(Indicator::RdIntensity, 10, 200),
            rule(Indicator::LabourProductivity, 10, 2000),
        ],
        cap_x100: 120,
        bands: Bands { a_x100: 2000, b_x100: 5000, c_x100: 2000, d_x100: 1000 },
        min_land_mu100: 300,
        above_scale_only: false,
        exempt_years: 2,
    }
}

fn form(year: i32, firm: i64, v: [&str; 7]) -> RecordForm {
    RecordForm {
        year: year.to_string(),
        enterprise_id: firm.to_string(),
        land_mu: v[0].into(),
        tax_wan: v[1].into(),
        revenue_wan: v[2].into(),
        value_added_wan: v[3].into(),
        energy_tce: v[4].into(),
        rd_wan: v[5].into(),
        employees: v[6].into(),
        ..Default::default()
    }
}

fn invalid(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid(i) => (i.errors[0].field.clone(), i.errors[0].message.clone()),
        other => panic!("{other:?}"),
    }
}

db_test!(the_hand_computed_example, |db: Db| async move {
    let c = setup(&db).await;
    let year = 2023;
    per_mu::save_scheme(&db, &c.staff, c.zone, year, &hand_scheme()).await.unwrap();
    // the example's nine enterprises (see kaifaqu_domain::per_mu tests for the arithmetic)
    let data: [[&str; 7]; 9] = [
        ["10", "150", "1500", "300", "100", "45", "10"],
        ["20", "100", "2000", "400", "400", "20", "40"],
        ["8", "80", "400", "100", "0", "0", "5"],
        ["5", "20", "300", "60", "60", "3", "6"],
        ["6", "30", "600", "120", "120", "6", "12"],
        ["2", "50", "500", "100", "50", "5", "5"],
        ["10", "10", "100", "10", "10", "1", "2"],
        ["3", "10", "100", "10", "30", "1", "3"],
        ["10", "200", "2000", "400", "100", "60", "10"],
    ];
    let mut ids = Vec::new();
    for (i, v) in data.iter().enumerate() {
        let mut f = form(year, c.firms[i].0, *v);
        if i == 6 {
            f.exempt = Some("on".into());
            f.exempt_reason = "破产重整中".into();
        }
        if i == 8 {
            f.production_year = "2022".into();
        }
        ids.push(per_mu::create(&db, &c.staff, &f).await.unwrap().id);
    }
    // E9 went into production in 2022: 1 year before 2023 → exempt; correct it to test update
    let r = per_mu::get(&db, &Scope::System, ids[8]).await.unwrap();
    assert_eq!(r.production_year, Some(2022));
    let mut f = r.form();
    f.production_year = "2022".into();
    per_mu::update(&db, &c.staff, ids[8], &f).await.unwrap();

    let ev = per_mu::evaluate(&db, &c.staff.scope(), c.zone, year).await.unwrap();
    assert!(ev.scheme.saved);
    let by_id = |id: i64| ev.rows.iter().find(|r| r.record.id == id).unwrap();
    let expect: [(i64, Option<u32>, Grade); 9] = [
        (12_000, Some(1), Grade::A),
        (6_000, Some(3), Grade::B),
        (7_000, Some(2), Grade::B),
        (4_700, Some(5), Grade::C),
        (6_000, Some(3), Grade::B),
        (0, None, Grade::Ungraded),
        (0, None, Grade::Ungraded),
        (3_168, Some(6), Grade::D),
        (0, None, Grade::Ungraded),
    ];
    for (i, (total, rank, grade)) in expect.iter().enumerate() {
        let row = by_id(ids[i]);
        if rank.is_some() {
            assert_eq!(row.total_x100, *total, "E{}", i + 1);
        }
        assert_eq!((row.rank, row.grade), (*rank, *grade), "E{}", i + 1);
    }
    assert_eq!(by_id(ids[7]).total, "31.68");
    let e8: Vec<&str> = by_id(ids[7]).scores.iter().map(|s| s.value_text.as_str()).collect();
    assert_eq!(e8, vec!["3.33", "33.33", "0.33", "1.00", "3.33"]);
    let e3 = &by_id(ids[2]).scores[kaifaqu_domain::per_mu::index_of(Indicator::ValueAddedPerEnergy)];
    assert_eq!((e3.value_text.as_str(), e3.score_x100), ("—", 0));
    assert!(by_id(ids[5]).reason.as_deref().unwrap().contains("不足 3.00 亩"));
    assert_eq!(by_id(ids[6]).reason.as_deref(), Some("破产重整中"));
    assert!(by_id(ids[8]).reason.as_deref().unwrap().contains("投产不满 2 年"));
    let dist: Vec<usize> = ev.distribution.iter().map(|d| d.count).collect();
    assert_eq!(dist, vec![1, 3, 1, 1, 3]);
    // ranked rows first, in rank order
    let ranks: Vec<Option<u32>> = ev.rows.iter().map(|r| r.rank).collect();
    assert_eq!(&ranks[..6], &[Some(1), Some(2), Some(3), Some(3), Some(5), Some(6)]);

    // a tighter scope: only 规上 enterprises (the demo marks some as not)
    let s = Scheme { above_scale_only: true, ..hand_scheme() };
    per_mu::save_scheme(&db, &c.staff, c.zone, year, &s).await.unwrap();
    let ev = per_mu::evaluate(&db, &c.staff.scope(), c.zone, year).await.unwrap();
    for r in &ev.rows {
        if !r.record.above_scale && r.reason.as_deref() != Some("破产重整中") && r.record.land_mu100 >= 300 {
            assert_eq!(r.grade, Grade::Ungraded);
        }
    }
});

db_test!(a_scheme_whose_weights_are_not_100_is_refused, |db: Db| async move {
    let c = setup(&db).await;
    let mut s = hand_scheme();
    s.indicators[0].weight_x100 = 4000;
    let (field, msg) = invalid(per_mu::save_scheme(&db, &c.staff, c.zone, 2025, &s).await.unwrap_err());
    assert_eq!(field, "weights");
    assert!(msg.contains("100 分") && msg.contains("90.00"), "{msg}");
    let info = per_mu::scheme(&db, &c.staff.scope(), c.zone, 2025).await.unwrap();
    assert!(!info.saved, "nothing saved");
    assert_eq!(info.source, "沿用 2024 年的方案");
    let mut s = hand_scheme();
    s.bands.a_x100 = 3000;
    assert_eq!(invalid(per_mu::save_scheme(&db, &c.staff, c.zone, 2025, &s).await.unwrap_err()).0, "bands");
    let mut s = hand_scheme();
    s.indicators[2].benchmark_x100 = -100;
    assert_eq!(
        invalid(per_mu::save_scheme(&db, &c.staff, c.zone, 2025, &s).await.unwrap_err()).0,
        "benchmark_value_added_per_energy"
    );
    assert!(!per_mu::scheme(&db, &c.staff.scope(), c.zone, 2025).await.unwrap().saved);
    // a zone with nothing saved gets the preset
    let info = per_mu::scheme(&db, &Scope::System, c.zone_b, 2025).await.unwrap();
    assert_eq!((info.saved, info.scheme.indicators.len()), (false, 5));
    assert!(info.source.contains("预置"));
});

db_test!(bad_records_and_the_all_or_nothing_import, |db: Db| async move {
    let c = setup(&db).await;
    let firm = c.firms[0].0;
    let ok = ["10", "150", "1500", "300", "100", "45", "10"];
    let cases: [([&str; 7], &str, &str); 5] = [
        (["0", "1", "1", "1", "1", "1", "1"], "land_mu", "大于 0"),
        (["200000", "1", "1", "1", "1", "1", "1"], "land_mu", "100000"),
        (["10", "-1", "1", "1", "1", "1", "1"], "tax_wan", "负数"),
        (["10", "5000", "100", "1", "1", "1", "1"], "tax_wan", "单位"),
        (["10", "1", "1", "1", "1", "1", "1.5"], "employees", "整数"),
    ];
    for (v, field, words) in cases {
        let (f, m) = invalid(per_mu::create(&db, &c.staff, &form(2025, firm, v)).await.unwrap_err());
        assert_eq!(f, field, "{v:?}");
        assert!(m.contains(words), "{m}");
    }
    let exempt_without_reason = RecordForm { exempt: Some("on".into()), ..form(2025, firm, ok) };
    assert_eq!(invalid(per_mu::create(&db, &c.staff, &exempt_without_reason).await.unwrap_err()).0, "exempt_reason");
    assert!(per_mu::list(&db, &c.staff.scope(), c.zone, 2025).await.unwrap().is_empty(), "nothing saved");
    // one record, then a duplicate
    per_mu::create(&db, &c.staff, &form(2025, firm, ok)).await.unwrap();
    let (f, m) = invalid(per_mu::create(&db, &c.staff, &form(2025, firm, ok)).await.unwrap_err());
    assert_eq!(f, "enterprise_id");
    assert!(m.contains("已登记"));

    let row = |line: u32, name: &str, tax: &str| ImportRow {
        line,
        enterprise: name.into(),
        enterprise_column: "企业名称".into(),
        land_mu: "12.5".into(),
        tax_wan: tax.into(),
        revenue_wan: "1000".into(),
        value_added_wan: "200".into(),
        energy_tce: "50".into(),
        rd_wan: "10".into(),
        employees: "20".into(),
        ..Default::default()
    };
    let good = vec![row(3, &c.firms[0].1, "100"), row(4, &c.firms[1].1, "80")];
    let mut bad = good.clone();
    bad.push(row(5, &c.firms[2].1, "abc"));
    bad.push(row(6, "不存在的公司", "1"));
    match per_mu::import(&db, &c.staff, c.zone, 2025, &bad).await.unwrap() {
        ImportOutcome::Rejected(errs) => {
            assert_eq!(errs.len(), 2, "{errs:?}");
            assert_eq!((errs[0].line, errs[0].column.as_str()), (5, "税收（万元）"));
            assert!(errs[0].reason.contains("不是数字"));
            assert_eq!((errs[1].line, errs[1].column.as_str()), (6, "企业名称"));
        }
        ImportOutcome::Imported(..) => panic!("bad rows imported"),
    }
    let rows = per_mu::list(&db, &c.staff.scope(), c.zone, 2025).await.unwrap();
    assert_eq!(rows.len(), 1, "nothing imported");
    assert_eq!(rows[0].tax_wan100, 15_000, "the existing record is untouched");
    match per_mu::import(&db, &c.staff, c.zone, 2025, &good).await.unwrap() {
        ImportOutcome::Imported(created, updated) => assert_eq!((created, updated), (1, 1)),
        ImportOutcome::Rejected(e) => panic!("{e:?}"),
    }
    let rows = per_mu::list(&db, &c.staff.scope(), c.zone, 2025).await.unwrap();
    assert_eq!(rows.len(), 2);
    let first = rows.iter().find(|r| r.enterprise_id == c.firms[0].0).unwrap();
    assert_eq!((first.tax_wan100, first.land_mu100), (10_000, 1250));
});

db_test!(other_zones_and_read_only_roles, |db: Db| async move {
    let c = setup(&db).await;
    let rec = per_mu::list(&db, &Scope::System, c.zone, 2024).await.unwrap()[0].clone();
    let other = Actor { zone_id: Some(c.zone_b), user_id: Some(1_000_000), ..c.staff.clone() };
    assert!(matches!(per_mu::get(&db, &other.scope(), rec.id).await, Err(StoreError::NotFound)));
    assert!(matches!(per_mu::update(&db, &other, rec.id, &rec.form()).await, Err(StoreError::NotFound)));
    assert!(matches!(per_mu::delete(&db, &other, rec.id).await, Err(StoreError::NotFound)));
    assert!(matches!(per_mu::evaluate(&db, &other.scope(), c.zone, 2024).await, Err(StoreError::NotFound)));
    // zone B's own evaluation is empty
    assert!(per_mu::evaluate(&db, &other.scope(), c.zone_b, 2024).await.unwrap().rows.is_empty());
    let viewer = Actor { role: Role::Viewer, ..c.staff.clone() };
    assert!(matches!(per_mu::update(&db, &viewer, rec.id, &rec.form()).await, Err(StoreError::Forbidden(_))));
    assert!(matches!(
        per_mu::save_scheme(&db, &viewer, c.zone, 2024, &hand_scheme()).await,
        Err(StoreError::Forbidden(_))
    ));
    // delete, audited
    per_mu::delete(&db, &c.staff, rec.id).await.unwrap();
    assert!(matches!(per_mu::get(&db, &Scope::System, rec.id).await, Err(StoreError::NotFound)));
    let h = kaifaqu_store::audit::history(&db, &Scope::System, "per_mu_record", &rec.id.to_string()).await.unwrap();
    assert_eq!(h.len(), 2, "created by the demo, deleted here");
});

db_test!(the_demo_2024_evaluation, |db: Db| async move {
    let c = setup(&db).await;
    let ev = per_mu::evaluate(&db, &c.staff.scope(), c.zone, 2024).await.unwrap();
    assert!(ev.scheme.saved);
    assert!(ev.scheme.scheme.name.contains("浙江"));
    assert_eq!(ev.rows.len(), 15);
    let dist: Vec<(String, usize)> = ev.distribution.iter().map(|d| (d.grade.code().to_string(), d.count)).collect();
    let counts: Vec<usize> = dist.iter().map(|d| d.1).collect();
    assert_eq!(counts, vec![2, 6, 2, 1, 4], "{dist:?}");
    let ungraded: Vec<&str> =
        ev.rows.iter().filter(|r| r.grade == Grade::Ungraded).map(|r| r.record.enterprise.as_str()).collect();
    assert_eq!(ungraded.len(), 4);
    for r in ev.rows.iter().filter(|r| r.grade == Grade::Ungraded) {
        assert!(r.reason.is_some());
    }
    let top = &ev.rows[0];
    assert_eq!(top.rank, Some(1));
    assert_eq!(
        (top.record.enterprise.as_str(), top.total.as_str(), top.grade),
        ("示例精细化工有限公司", "101.48", Grade::A)
    );
    let last = &ev.rows[10];
    assert_eq!((last.rank, last.record.enterprise.as_str(), last.grade), (Some(11), "示例建材有限公司", Grade::D));
    let reasons: Vec<&str> = ev.rows[11..].iter().map(|r| r.reason.as_deref().unwrap()).collect();
    assert!(reasons.iter().filter(|r| r.contains("不足 3.00 亩")).count() == 2, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("2023 年投产")));
    assert!(reasons.iter().any(|r| r.contains("停产技术改造")));
});
