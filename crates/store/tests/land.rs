//! Standard parcels and idle plants in the store: the demo's half-year figures (3 parcels,
//! 220.41 亩; ≥ 10,000 m² revitalised, 首投悦雅 and 卡仕途 among them), refused input (area,
//! wrong unit, missing transfer date) with nothing saved, the shortfall flag, list filters,
//! matching a lead's land need, and zone isolation.

use chrono::NaiveDate;
use kaifaqu_domain::Role;
use kaifaqu_domain::land::{Indicator, ParcelStatus, PlantStatus};
use kaifaqu_domain::money::Mu100;
use kaifaqu_store::idle_plants::{self, PlantFilter, PlantForm};
use kaifaqu_store::land_parcels::{self, ParcelFilter, ParcelForm};
use kaifaqu_store::projects::{self, ProjectForm};
use kaifaqu_store::{Actor, Db, Scope, StoreError, db_test, demo, zones};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Loads the demo; zone A, zone B, a staff actor of A and a viewer actor of A.
async fn setup(db: &Db) -> (i64, i64, Actor, Actor) {
    assert!(matches!(demo::load(db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let zs = zones::list(db, &Scope::System).await.unwrap();
    let u = kaifaqu_store::users::find_by_login(db, "staff").await.unwrap().unwrap();
    let actor = |role: Role| Actor {
        user_id: Some(u.id),
        login_name: u.login_name.clone(),
        role,
        zone_id: Some(zs[0].id),
        city_code: None,
        ip: None,
    };
    (zs[0].id, zs[1].id, actor(Role::Staff), actor(Role::Viewer))
}

fn invalid(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid(i) => (i.errors[0].field.clone(), i.errors[0].message.clone()),
        other => panic!("{other:?}"),
    }
}

fn parcel(code: &str, area: &str) -> ParcelForm {
    ParcelForm {
        code: code.into(),
        location: "园区纬九路东侧".into(),
        area: area.into(),
        investment_intensity: "300".into(),
        plot_ratio: "1.2".into(),
        tax_per_mu: "15".into(),
        energy: "1.0".into(),
        status: "reserve".into(),
        ..Default::default()
    }
}

fn plant(name: &str, m2: &str) -> PlantForm {
    PlantForm {
        name: name.into(),
        location: "园区经九路".into(),
        owner: "示例业主庚有限公司".into(),
        building_m2: m2.into(),
        status: "idle".into(),
        ..Default::default()
    }
}

async fn parcel_count(db: &Db, z: i64) -> u64 {
    land_parcels::list(db, &Scope::System, z, &ParcelFilter::default()).await.unwrap().total
}

db_test!(demo_half_year_figures, |db: Db| async move {
    let (z, ..) = setup(&db).await;
    let (from, to) = (d("2025-01-01"), d("2025-06-30"));
    let f = land_parcels::figures(&db, &Scope::System, z, from, to).await.unwrap();
    assert_eq!(f.parcels, 3, "3 宗标准地");
    assert_eq!(f.area, Mu100(22_041), "220.41 亩");
    assert_eq!(f.list_query, "status=transferred&from=2025-01-01&to=2025-06-30");
    // the query lists exactly those parcels
    let listed = land_parcels::list(
        &db,
        &Scope::System,
        z,
        &ParcelFilter {
            status: "transferred".into(),
            from: "2025-01-01".into(),
            to: "2025-06-30".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(listed.total, 3);
    assert_eq!(listed.rows.iter().map(|p| p.area.0).sum::<i64>(), 22_041);
    let years = land_parcels::per_year(&db, &Scope::System, z).await.unwrap();
    assert_eq!((years[0].year, years[0].count, years[0].area), (2025, 3, Mu100(22_041)));
    assert_eq!((years[1].year, years[1].count), (2024, 1));

    let p = idle_plants::figures(&db, &Scope::System, z, from, to).await.unwrap();
    assert!(p.m2_x100 >= 1_000_000, "1 万平方米: {}", p.m2_x100);
    assert_eq!(p.list_query, "status=revitalised&from=2025-01-01&to=2025-06-30");
    let listed = idle_plants::list(
        &db,
        &Scope::System,
        z,
        &PlantFilter {
            status: "revitalised".into(),
            from: "2025-01-01".into(),
            to: "2025-06-30".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(listed.total, p.plants);
    assert_eq!(listed.rows.iter().map(|x| x.building_m2_x100).sum::<i64>(), p.m2_x100);
    let takers: Vec<String> = listed.rows.iter().filter_map(|x| x.project.clone()).collect();
    assert!(takers.iter().any(|t| t.contains("首投悦雅")), "{takers:?}");
    assert!(takers.iter().any(|t| t.contains("卡仕途")), "{takers:?}");
    let periods = idle_plants::per_period(&db, &Scope::System, z).await.unwrap();
    assert_eq!(periods[0].label(), "2025 年上半年");
    assert_eq!(periods[0].m2_x100, p.m2_x100);
});

db_test!(bad_input_is_refused_and_nothing_saved, |db: Db| async move {
    let (z, _, staff, _) = setup(&db).await;
    let before = parcel_count(&db, z).await;
    let e = land_parcels::create(&db, &staff, &parcel("T-1", "0")).await.unwrap_err();
    assert_eq!(invalid(e), ("area".into(), "面积必须大于 0 亩".into()));
    let (field, msg) = invalid(land_parcels::create(&db, &staff, &parcel("T-1", "100000.01")).await.unwrap_err());
    assert_eq!(field, "area");
    assert!(msg.contains("100000 亩"), "{msg}");
    assert_eq!(invalid(land_parcels::create(&db, &staff, &parcel("T-1", "-5")).await.unwrap_err()).0, "area");
    // an intensity in 元/亩 and a plot ratio that is an area
    let f = ParcelForm { investment_intensity: "3000000".into(), ..parcel("T-1", "50") };
    let (field, msg) = invalid(land_parcels::create(&db, &staff, &f).await.unwrap_err());
    assert_eq!(field, "investment_intensity");
    assert!(msg.contains("元/亩"), "{msg}");
    let f = ParcelForm { plot_ratio: "35".into(), ..parcel("T-1", "50") };
    assert_eq!(invalid(land_parcels::create(&db, &staff, &f).await.unwrap_err()).0, "plot_ratio");
    let f = ParcelForm { achieved_tax_per_mu: "150000".into(), ..parcel("T-1", "50") };
    assert_eq!(invalid(land_parcels::create(&db, &staff, &f).await.unwrap_err()).0, "achieved_tax_per_mu");
    // transferred without a date; a date without the status
    let f = ParcelForm { status: "transferred".into(), ..parcel("T-1", "50") };
    assert_eq!(
        invalid(land_parcels::create(&db, &staff, &f).await.unwrap_err()),
        ("transfer_date".into(), "状态为已出让时须填写出让日期".into())
    );
    let f = ParcelForm { transfer_date: "2025-02-01".into(), ..parcel("T-1", "50") };
    assert_eq!(invalid(land_parcels::create(&db, &staff, &f).await.unwrap_err()).0, "transfer_date");
    // achieved values on a parcel not transferred
    let f = ParcelForm { achieved_year: "2025".into(), achieved_plot_ratio: "1.0".into(), ..parcel("T-1", "50") };
    assert_eq!(invalid(land_parcels::create(&db, &staff, &f).await.unwrap_err()).0, "achieved_year");
    // a duplicate code
    let f = parcel("XY2025-01", "50");
    assert_eq!(
        invalid(land_parcels::create(&db, &staff, &f).await.unwrap_err()),
        ("code".into(), "本开发区已有相同编号的地块".into())
    );
    assert_eq!(parcel_count(&db, z).await, before, "nothing saved");
    // plants: area ≤ 0, revitalised without a date
    let e = idle_plants::create(&db, &staff, &plant("P", "0")).await.unwrap_err();
    assert_eq!(invalid(e).0, "building_m2");
    let f = PlantForm { status: "revitalised".into(), ..plant("P", "1000") };
    assert_eq!(invalid(idle_plants::create(&db, &staff, &f).await.unwrap_err()).0, "revitalised_date");
    let f = PlantForm { land: "200000".into(), ..plant("P", "1000") };
    assert_eq!(invalid(idle_plants::create(&db, &staff, &f).await.unwrap_err()).0, "land");
});

db_test!(transfer_then_shortfall_flags_the_parcel, |db: Db| async move {
    let (z, _, staff, _) = setup(&db).await;
    let p = land_parcels::create(&db, &staff, &parcel("T-2", "40.5")).await.unwrap();
    assert_eq!(p.area.mu_2(), "40.50");
    assert_eq!(p.area_m2, 27_000);
    assert!(!p.flagged);
    // transfer it
    let mut f = ParcelForm::from_parcel(&p);
    f.status = "已出让".into();
    f.transfer_date = "2025-04-01".into();
    f.price = "1,215万元".into();
    let p = land_parcels::update(&db, &staff, p.id, &f).await.unwrap();
    assert_eq!(p.status, ParcelStatus::Transferred);
    assert_eq!(p.price.unwrap().0, 1_215);
    assert!(!p.flagged, "no achieved values yet");
    // later the achieved values: intensity and energy fall short, plot ratio exceeds its promise
    let mut f = ParcelForm::from_parcel(&p);
    f.achieved_year = "2025".into();
    f.achieved_investment_intensity = "280".into();
    f.achieved_plot_ratio = "1.5".into();
    f.achieved_tax_per_mu = "15".into();
    f.achieved_energy = "1.3".into();
    let p = land_parcels::update(&db, &staff, p.id, &f).await.unwrap();
    assert!(p.flagged);
    assert_eq!(p.shortfalls, vec![Indicator::Intensity, Indicator::Energy]);
    assert_eq!(p.shortfall_text(), "固定资产投资强度、单位能耗");
    // the flagged filter: the demo's 2024 parcel and this one
    let flagged =
        land_parcels::list(&db, &Scope::System, z, &ParcelFilter { flagged: "1".into(), ..Default::default() })
            .await
            .unwrap();
    let codes: Vec<&str> = flagged.rows.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, vec!["T-2", "XY2024-07"]);
    // the audit trail has both edits
    let h = kaifaqu_store::audit::history(&db, &Scope::System, "land_parcel", &p.id.to_string()).await.unwrap();
    assert_eq!(h.len(), 3);
    // meeting the promise clears the flag
    let mut f = ParcelForm::from_parcel(&p);
    f.achieved_investment_intensity = "310".into();
    f.achieved_energy = "0.9".into();
    assert!(!land_parcels::update(&db, &staff, p.id, &f).await.unwrap().flagged);
});

db_test!(list_filters, |db: Db| async move {
    let (z, ..) = setup(&db).await;
    let list = |f: ParcelFilter| {
        let db = db.clone();
        async move { land_parcels::list(&db, &Scope::System, z, &f).await.unwrap() }
    };
    assert_eq!(list(ParcelFilter::default()).await.total, 7);
    assert_eq!(list(ParcelFilter { status: "reserve".into(), ..Default::default() }).await.total, 2);
    assert_eq!(list(ParcelFilter { status: "出让中".into(), ..Default::default() }).await.total, 1);
    assert_eq!(list(ParcelFilter { q: "纬五路".into(), ..Default::default() }).await.rows[0].code, "XY2025-02");
    let y2024 = list(ParcelFilter { from: "2024-01-01".into(), to: "2024-12-31".into(), ..Default::default() }).await;
    assert_eq!(y2024.total, 1);
    let paged = list(ParcelFilter { per_page: Some(2), page: Some(2), ..Default::default() }).await;
    assert_eq!((paged.total, paged.rows.len()), (7, 2));
    let e =
        land_parcels::list(&db, &Scope::System, z, &ParcelFilter { from: "2025-13-01".into(), ..Default::default() })
            .await
            .unwrap_err();
    assert_eq!(invalid(e).0, "from");
    let plants = |f: PlantFilter| {
        let db = db.clone();
        async move { idle_plants::list(&db, &Scope::System, z, &f).await.unwrap() }
    };
    assert_eq!(plants(PlantFilter::default()).await.total, 6);
    assert_eq!(plants(PlantFilter { status: "open".into(), ..Default::default() }).await.total, 3);
    assert_eq!(plants(PlantFilter { status: "idle".into(), ..Default::default() }).await.total, 2);
    assert_eq!(plants(PlantFilter { q: "纺织".into(), ..Default::default() }).await.total, 1);
});

db_test!(matching_a_lead, |db: Db| async move {
    let (z, zb, staff, _) = setup(&db).await;
    let lead = |land: &str| ProjectForm {
        name: format!("示例用地需求项目{land}"),
        investor_name: "示例投资方".into(),
        category: "industrial".into(),
        total: "1.5".into(),
        land: land.into(),
        plan_year: "2025".into(),
        ..Default::default()
    };
    // 50 亩: parcels of 50–75 亩 not transferred (55.00 出让中); plants covering 50 亩
    let p = projects::create(&db, &staff, &lead("50")).await.unwrap();
    let m = idle_plants::matches(&db, &staff.scope(), z, p.id).await.unwrap();
    assert_eq!(m.need, Some(Mu100(5_000)));
    assert_eq!(m.parcels.iter().map(|x| x.code.as_str()).collect::<Vec<_>>(), vec!["XY2025-04"]);
    assert!(m.plants.is_empty(), "no idle plant has 50 亩 or 33,334 m²");
    // 12 亩 = 8,000 m²: 8,600 m² (洽谈中) and 12,000 m² (闲置) cover it; 1,800 m² does not
    let p = projects::create(&db, &staff, &lead("12")).await.unwrap();
    let m = idle_plants::matches(&db, &staff.scope(), z, p.id).await.unwrap();
    assert!(m.parcels.is_empty(), "the smallest open parcel (38.40) is over 1.5 × 12");
    let statuses: Vec<PlantStatus> = m.plants.iter().map(|x| x.status).collect();
    assert_eq!(m.plants.len(), 2, "{:?}", m.plants.iter().map(|x| &x.name).collect::<Vec<_>>());
    assert!(!statuses.contains(&PlantStatus::Revitalised));
    // 30 亩: 38.40 (储备) fits; 120 does not
    let p = projects::create(&db, &staff, &lead("30")).await.unwrap();
    let m = idle_plants::matches(&db, &staff.scope(), z, p.id).await.unwrap();
    assert_eq!(m.parcels.iter().map(|x| x.code.as_str()).collect::<Vec<_>>(), vec!["XY2025-05"]);
    // no need given: nothing matched
    let p = projects::create(&db, &staff, &lead("")).await.unwrap();
    let m = idle_plants::matches(&db, &staff.scope(), z, p.id).await.unwrap();
    assert_eq!(m.need, None);
    assert!(m.parcels.is_empty() && m.plants.is_empty());
    // another zone's lead (or zone) is not found
    assert!(matches!(idle_plants::matches(&db, &staff.scope(), zb, p.id).await, Err(StoreError::NotFound)));
    assert!(matches!(idle_plants::matches(&db, &Scope::System, zb, p.id).await, Err(StoreError::NotFound)));
});

db_test!(zone_isolation_and_roles, |db: Db| async move {
    let (z, zb, staff, viewer) = setup(&db).await;
    let mine = land_parcels::list(&db, &Scope::System, z, &ParcelFilter::default()).await.unwrap().rows[0].clone();
    let plant_a = idle_plants::list(&db, &Scope::System, z, &PlantFilter::default()).await.unwrap().rows[0].clone();
    // a parcel and a plant of zone B
    let sys = Actor::system("test");
    let theirs = land_parcels::create_in(&db, &sys, zb, &parcel("B-1", "20")).await.unwrap();
    let their_plant = idle_plants::create_in(&db, &sys, zb, &plant("乙区厂房", "3000")).await.unwrap();
    let scope = staff.scope();
    assert!(matches!(land_parcels::get(&db, &scope, theirs.id).await, Err(StoreError::NotFound)));
    assert!(matches!(idle_plants::get(&db, &scope, their_plant.id).await, Err(StoreError::NotFound)));
    assert!(matches!(land_parcels::list(&db, &scope, zb, &ParcelFilter::default()).await, Err(StoreError::NotFound)));
    assert!(matches!(
        land_parcels::update(&db, &staff, theirs.id, &parcel("B-1", "21")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        idle_plants::update(&db, &staff, their_plant.id, &plant("x", "1")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        land_parcels::figures(&db, &scope, zb, d("2025-01-01"), d("2025-06-30")).await,
        Err(StoreError::NotFound)
    ));
    // zone B's parcel is not in zone A's figures or lists
    assert_eq!(parcel_count(&db, z).await, 7);
    // a project of zone A cannot be linked from zone B's parcel, nor B's enterprise from A
    let f = ParcelForm { project_id: mine.project_id.unwrap().to_string(), ..parcel("B-2", "20") };
    assert_eq!(invalid(land_parcels::create_in(&db, &sys, zb, &f).await.unwrap_err()).0, "project_id");
    // a viewer reads but cannot write
    assert_eq!(land_parcels::get(&db, &viewer.scope(), mine.id).await.unwrap().code, mine.code);
    assert!(matches!(land_parcels::create(&db, &viewer, &parcel("V-1", "20")).await, Err(StoreError::Forbidden(_))));
    let f = PlantForm::from_plant(&plant_a);
    assert!(matches!(idle_plants::update(&db, &viewer, plant_a.id, &f).await, Err(StoreError::Forbidden(_))));
});
