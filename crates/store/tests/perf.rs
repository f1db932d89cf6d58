//! The set-based paths of issue 11 give the same figures as the record lists they replace, on
//! both engines: the project list's total and investment from one aggregate query, the period
//! figures from one read of the period's events, the national ranking from one query (with the
//! domain's rank rule: ties, 缺报), and the zone's names read once per page (`lookups::cached`)
//! or only for the rows shown (`Lookups::for_rows`).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use kaifaqu_domain::indicator::{Period, rank};
use kaifaqu_domain::money::Wan;
use kaifaqu_domain::stage::Stage;
use kaifaqu_store::demo_scale::{self, Scale};
use kaifaqu_store::indicator_views::RankedZone;
use kaifaqu_store::lookups::{self, Lookups};
use kaifaqu_store::projects::{self, ProjectFilter};
use kaifaqu_store::{Db, Scope, db_test, demo, figures, indicator_values, indicator_views, indicators, zones};
use sea_orm::{ConnectionTrait, Statement};

async fn exec(db: &Db, sql: &str) {
    db.conn.execute_raw(Statement::from_string(db.backend(), sql)).await.unwrap();
}

fn all(f: &ProjectFilter) -> ProjectFilter {
    ProjectFilter { page: Some(1), per_page: Some(10_000), ..f.clone() }
}

db_test!(project_totals_and_investment_match_the_list, |db: Db| async move {
    demo_scale::generate(&db, &Scale::TINY, 7, "Perf#pass1").await.unwrap();
    let s = Scope::System;
    let z = zones::list(&db, &s).await.unwrap()[1].id;
    let filters = [
        ProjectFilter::default(),
        ProjectFilter {
            stage: "started".into(),
            sort: "-total".into(),
            page: Some(2),
            per_page: Some(3),
            ..Default::default()
        },
        ProjectFilter { stage: "none".into(), ..Default::default() },
        ProjectFilter { sort: "name".into(), per_page: Some(7), page: Some(3), ..Default::default() },
        ProjectFilter { status: "active".into(), sort: "total".into(), ..Default::default() },
        ProjectFilter { q: "no such name".into(), ..Default::default() },
        ProjectFilter { per_page: Some(50), page: Some(99), ..Default::default() },
    ];
    let mut nonzero = 0;
    for f in &filters {
        let whole = projects::list(&db, &s, z, &all(f)).await.unwrap();
        let sum: Wan = whole.rows.iter().map(|p| p.total).sum();
        let page = projects::list(&db, &s, z, f).await.unwrap();
        let (with, investment) = projects::list_with_investment(&db, &s, z, f).await.unwrap();
        assert_eq!(investment, sum, "{f:?}");
        assert_eq!((with.total, with.page, with.per_page), (page.total, page.page, page.per_page), "{f:?}");
        let ids = |p: &kaifaqu_store::Page<projects::Project>| p.rows.iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(&with), ids(&page), "{f:?}");
        // the rows are named as before (enterprise, dictionary, leader, department)
        let names = |p: &kaifaqu_store::Page<projects::Project>| {
            p.rows
                .iter()
                .map(|r| (r.investor.clone(), r.chain.clone(), r.leader.clone(), r.department.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&with), names(&page), "{f:?}");
        assert_eq!(projects::totals(&db, &s, z, f).await.unwrap(), (whole.total, sum), "{f:?}");
        nonzero += usize::from(sum > Wan(0));
    }
    assert!(nonzero >= 4, "the filters select projects");
    // the investor is the enterprise's name when the project has one
    let whole = projects::list(&db, &s, z, &all(&ProjectFilter::default())).await.unwrap();
    assert!(whole.rows.iter().any(|p| p.enterprise_id.is_some() && p.investor.is_some()));
    // another zone's scope sees nothing of this zone
    let other = Scope::Zone { zone_id: zones::list(&db, &s).await.unwrap()[0].id, write: false };
    assert!(projects::totals(&db, &other, z, &ProjectFilter::default()).await.is_err());
    assert!(projects::list_with_investment(&db, &other, z, &ProjectFilter::default()).await.is_err());
});

db_test!(period_figures_match_the_projects_reaching_each_stage, |db: Db| async move {
    demo_scale::generate(&db, &Scale::TINY, 11, "Perf#pass1").await.unwrap();
    let s = Scope::System;
    let from = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    let mut reached_any = 0;
    for z in zones::list(&db, &s).await.unwrap() {
        let f = figures::period(&db, &s, z.id, from, demo_scale::END).await.unwrap();
        for st in Stage::ALL {
            let list = figures::projects_reaching(&db, &s, z.id, st, from, demo_scale::END).await.unwrap();
            let fig = f.stage(st);
            assert_eq!(fig.count, list.len() as u64, "zone {} {st:?}", z.id);
            assert_eq!(fig.investment, list.iter().map(|(_, p)| p.total).sum::<Wan>(), "zone {} {st:?}", z.id);
            let i = st as usize;
            for (rows, key) in [(&f.by_team, 0), (&f.by_channel, 1), (&f.by_chain, 2)] {
                let mut expected: std::collections::BTreeMap<String, u64> = Default::default();
                for (_, p) in &list {
                    let name = [&p.team, &p.channel, &p.chain][key].clone().unwrap_or_else(|| "未填写".into());
                    *expected.entry(name).or_default() += 1;
                }
                let got: std::collections::BTreeMap<String, u64> =
                    rows.iter().filter(|r| r.counts[i] > 0).map(|r| (r.name.clone(), r.counts[i])).collect();
                assert_eq!(got, expected, "zone {} {st:?} breakdown {key}", z.id);
            }
            reached_any += list.len();
        }
    }
    assert!(reached_any > 20, "the generated events fall in the range");
});

/// The ranking rule applied to `of_zones` (the path the ranking used before): value ranks.
async fn expected_ranks(db: &Db, zone_ids: &[i64], indicator: i64, p: Period) -> Vec<(i64, Option<u32>)> {
    let values = indicator_values::of_zones(db, zone_ids, indicator, (p.year - 1, p.year)).await.unwrap();
    let entries: Vec<(i64, Option<i64>)> = zone_ids
        .iter()
        .map(|z| (*z, values.iter().find(|v| v.zone_id == *z && v.period == p && !v.is_estimate).map(|v| v.value.0)))
        .collect();
    let mut r = rank(&entries);
    r.sort_by_key(|(z, rk)| (rk.is_none(), *rk, *z));
    r
}

fn ranks(t: &[RankedZone]) -> Vec<(i64, Option<u32>)> {
    t.iter().map(|r| (r.zone_id, r.rank_value)).collect()
}

db_test!(national_ranking_in_one_query_follows_the_rank_rule, |db: Db| async move {
    demo_scale::generate(&db, &Scale::TINY, 3, "Perf#pass1").await.unwrap();
    let s = Scope::System;
    let zs = zones::list(&db, &s).await.unwrap();
    let ids: Vec<i64> = zs.iter().map(|z| z.id).collect();
    let ind = indicators::list(&db, true).await.unwrap()[0].id;
    let p = Period { year: 2025, month: 12 };
    let national = indicator_views::ranking(&db, &s, ind, p).await.unwrap();
    assert_eq!(national.len(), zs.len());
    assert_eq!(ranks(&national), expected_ranks(&db, &ids, ind, p).await);
    // ties and 缺报: two zones given the same value, the third's value removed
    exec(&db, &format!("UPDATE indicator_values SET value = 5000000 WHERE indicator_id = {ind} AND year = 2025 AND month = 12 AND zone_id IN ({}, {})", ids[0], ids[1])).await;
    exec(&db, &format!("DELETE FROM indicator_values WHERE indicator_id = {ind} AND year = 2025 AND month = 12 AND is_estimate = FALSE AND zone_id = {}", ids[2])).await;
    let national = indicator_views::ranking(&db, &s, ind, p).await.unwrap();
    assert_eq!(ranks(&national), [(ids[0], Some(1)), (ids[1], Some(1)), (ids[2], None)]);
    assert_eq!(ranks(&national), expected_ranks(&db, &ids, ind, p).await);
    assert!(national[2].figure.value.is_none());
    // the city table (the ranking page's path) is the same query for one city: it ranks only
    // the city's zones, and shows the same figures as the national table
    let city = &zs[0].city_code;
    let city_ids: Vec<i64> = zs.iter().filter(|z| &z.city_code == city).map(|z| z.id).collect();
    let table = indicator_views::city_table(&db, &s, ids[0], ind, p).await.unwrap();
    assert_eq!(ranks(&table), expected_ranks(&db, &city_ids, ind, p).await);
    for r in &table {
        let n = national.iter().find(|n| n.zone_id == r.zone_id).unwrap();
        assert_eq!((&r.zone_name, r.figure.value, r.figure.growth), (&n.zone_name, n.figure.value, n.figure.growth));
    }
    // a city's scope ranks its city only; a zone's scope its own zone
    let by_city = indicator_views::ranking(&db, &Scope::City { city_code: city.clone() }, ind, p).await.unwrap();
    assert_eq!(by_city.iter().map(|r| r.zone_id).collect::<BTreeSet<_>>(), city_ids.iter().copied().collect());
    let mine = indicator_views::ranking(&db, &Scope::Zone { zone_id: ids[1], write: false }, ind, p).await.unwrap();
    assert_eq!(mine.iter().map(|r| r.zone_id).collect::<Vec<_>>(), [ids[1]]);
});

db_test!(the_demo_ranking_is_unchanged_on_the_seed_data, |db: Db| async move {
    assert!(matches!(demo::load(&db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let s = Scope::System;
    let zs = zones::list(&db, &s).await.unwrap();
    let va = indicators::by_code(&db, "industrial_value_added").await.unwrap().unwrap().id;
    let p = Period { year: 2025, month: 5 };
    let table = indicator_views::city_table(&db, &s, zs[0].id, va, p).await.unwrap();
    let ids: Vec<i64> = zs.iter().filter(|z| z.city_code == zs[0].city_code).map(|z| z.id).collect();
    assert_eq!(ranks(&table), expected_ranks(&db, &ids, va, p).await);
    // the seed's figure of the first zone: 27.97 亿元, +22.9 %, first of eight
    assert_eq!(table[0].zone_id, zs[0].id);
    assert_eq!(table[0].figure.value.unwrap().display(2), "27.97");
    assert_eq!(table[0].figure.growth.unwrap().display(), "22.9");
    assert_eq!(table.iter().filter(|r| r.rank_value.is_some()).count(), 8);
});

db_test!(lookups_are_read_once_per_page_and_only_for_the_rows_shown, |db: Db| async move {
    demo_scale::generate(&db, &Scale::TINY, 5, "Perf#pass1").await.unwrap();
    let z = zones::list(&db, &Scope::System).await.unwrap()[0].id;
    let full = Lookups::load(&db, z).await.unwrap();
    assert_eq!(full.enterprises.len(), 20);
    let some: Vec<i64> = full.enterprises.keys().copied().take(2).collect();
    let few = Lookups::for_rows(&db, z, some.iter().copied().chain(some.iter().copied())).await.unwrap();
    assert_eq!(few.enterprises.len(), 2);
    assert_eq!(few.enterprise(Some(some[0])), full.enterprise(Some(some[0])));
    assert_eq!(
        (few.dict.len(), few.departments.len(), few.users.len()),
        (full.dict.len(), full.departments.len(), full.users.len())
    );
    // another zone's enterprise is not named
    let other = zones::list(&db, &Scope::System).await.unwrap()[1].id;
    let theirs = *Lookups::load(&db, other).await.unwrap().enterprises.keys().next().unwrap();
    assert!(Lookups::for_rows(&db, z, [theirs]).await.unwrap().enterprises.is_empty());
    // inside `cached` a zone's names are read once: a rename in between is not seen there, and
    // is seen outside
    let (dept, old) = full.departments.iter().next().map(|(k, v)| (*k, v.clone())).unwrap();
    let (inside, after) = lookups::cached(async {
        let first = Lookups::load(&db, z).await.unwrap();
        exec(&db, &format!("UPDATE departments SET name = '改名后的科室' WHERE id = {dept}")).await;
        let second = Lookups::load(&db, z).await.unwrap();
        (first.department(Some(dept)), second.department(Some(dept)))
    })
    .await;
    assert_eq!((inside.as_deref(), after.as_deref()), (Some(old.as_str()), Some(old.as_str())));
    assert_eq!(Lookups::load(&db, z).await.unwrap().department(Some(dept)).as_deref(), Some("改名后的科室"));
});
