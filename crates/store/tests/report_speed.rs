//! The half-year report's set-based paths of issue 11 (third pass) give what the record lists
//! they replace give, on both engines: the key projects' events and problems read in one query
//! each (against `events::list` and two `problems::list` per project), every stage's projects
//! from one read (against `figures::projects_reaching` per stage), the statistics period found
//! from one query (against an overview per month back from the period's end), the overview's
//! values read in one query (against `of_zones` per indicator), and the safety counts read from
//! the needed columns (against the hazard ledger's lists).

use kaifaqu_domain::indicator::Period;
use kaifaqu_domain::safety::HazardLevel;
use kaifaqu_domain::stage::Stage;
use kaifaqu_store::demo_scale::{self, Scale};
use kaifaqu_store::hazards::{self, HazardFilter};
use kaifaqu_store::problems::{self, ProblemFilter, ProblemForm};
use kaifaqu_store::report_data::{self, ReportData, ReportPeriod};
use kaifaqu_store::{
    Actor, Db, Scope, db_test, demo, events, figures, indicator_values, indicator_views, indicators, zones,
};

/// The key projects' lines as the lists give them (the computation before issue 11's third pass).
async fn key_projects_from_lists(db: &Db, zone: i64, d: &ReportData) {
    let s = Scope::System;
    assert!(!d.key_projects.projects.is_empty(), "the data have key projects");
    for line in &d.key_projects.projects {
        let evs = events::list(db, &s, line.id).await.unwrap();
        let notes: Vec<String> = evs
            .iter()
            .rev()
            .filter_map(|e| e.note.as_deref().filter(|n| !n.trim().is_empty()).map(|n| (e, n)))
            .take(2)
            .map(|(e, n)| format!("{} {}：{}", e.date, e.kind_label, n.trim()))
            .collect();
        assert_eq!(line.notes, notes, "{}", line.name);
        assert_eq!(line.latest_event, evs.last().map(|e| format!("{} {}", e.date, e.kind_label)), "{}", line.name);
        let filter = |overdue: &str| ProblemFilter {
            project: line.id.to_string(),
            status: "unclosed".into(),
            overdue: overdue.into(),
            per_page: Some(500),
            ..Default::default()
        };
        let open = problems::list(db, &s, zone, &filter("")).await.unwrap();
        let overdue = problems::list(db, &s, zone, &filter("1")).await.unwrap();
        assert_eq!(line.problems.value, open.total, "{}", line.name);
        assert_eq!(
            line.problem_list,
            open.rows.iter().map(|p| p.description.clone()).collect::<Vec<_>>(),
            "{}",
            line.name
        );
        assert_eq!(line.overdue_problems.value, overdue.total, "{}", line.name);
    }
}

/// Every stage line's projects as `projects_reaching` lists them.
async fn stages_from_lists(db: &Db, zone: i64, lines: &[report_data::StageLine], p: &ReportPeriod, from_jan: bool) {
    let s = Scope::System;
    let from = if from_jan { chrono::NaiveDate::from_ymd_opt(p.year, 1, 1).unwrap() } else { p.from };
    let f = figures::period(db, &s, zone, from, p.to).await.unwrap();
    for (st, line) in Stage::ALL.into_iter().zip(lines) {
        assert_eq!(line.stage, st.code());
        assert_eq!(line.count.value, f.stage(st).count);
        let listed = figures::projects_reaching(db, &s, zone, st, from, p.to).await.unwrap();
        let want: Vec<(i64, chrono::NaiveDate, Option<String>)> =
            listed.iter().map(|(d, pr)| (pr.id, *d, pr.investor.clone())).collect();
        let got: Vec<(i64, chrono::NaiveDate, Option<String>)> =
            line.projects.iter().map(|x| (x.id, x.date, x.investor.clone())).collect();
        assert_eq!(got, want, "{} {}", p.key, st.code());
    }
}

/// The statistics period as the overview per month found it.
async fn statistics_period_by_overviews(db: &Db, zone: i64, p: &ReportPeriod) -> Option<String> {
    for month in (1..=p.last_month).rev() {
        let period = Period::new(p.year, month).unwrap();
        let rows = indicator_views::overview(db, &Scope::System, zone, period).await.unwrap();
        if rows.iter().any(|r| r.figure.value.is_some()) {
            return Some(period.label());
        }
    }
    None
}

db_test!(the_half_year_reports_set_based_paths_match_the_lists, |db: Db| async move {
    assert!(matches!(demo::load(&db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let s = Scope::System;
    let zone = zones::list(&db, &s).await.unwrap()[0].id;
    // problems on two key projects: overdue, due later, without a deadline, in progress
    let d = report_data::gather(&db, &s, zone, &ReportPeriod::parse("2025-H1").unwrap()).await.unwrap();
    let actor = Actor::system("测试");
    for line in d.key_projects.projects.iter().take(2) {
        for (i, (deadline, status)) in
            [("2020-03-01", "open"), ("2099-12-31", "in_progress"), ("", "open"), ("2021-01-01", "in_progress")]
                .into_iter()
                .enumerate()
        {
            let f = ProblemForm {
                project_id: line.id.to_string(),
                category: "land".into(),
                description: format!("{} 的问题 {i}", line.name),
                raised_date: "2020-01-02".into(),
                deadline: deadline.into(),
                status: status.into(),
                ..Default::default()
            };
            problems::create_in(&db, &actor, zone, &f).await.unwrap();
        }
    }
    for key in ["2025-H1", "2025-05", "2025", "2024-H2"] {
        let p = ReportPeriod::parse(key).unwrap();
        let d = report_data::gather(&db, &s, zone, &p).await.unwrap();
        if key != "2024-H2" {
            key_projects_from_lists(&db, zone, &d).await;
        }
        stages_from_lists(&db, zone, &d.stages, &p, false).await;
        stages_from_lists(&db, zone, &d.stages_ytd, &p, true).await;
        assert_eq!(d.statistics_period, statistics_period_by_overviews(&db, zone, &p).await, "{key}");

        // the safety counts against the hazard ledger's lists
        let range = HazardFilter {
            from: p.from.to_string(),
            to: p.to.to_string(),
            per_page: Some(10_000),
            ..Default::default()
        };
        let all = hazards::list(&db, &s, zone, &range).await.unwrap();
        assert_eq!(d.safety.hazards, all.total, "{key}");
        let major = all.rows.iter().filter(|h| h.level == HazardLevel::Major).count() as u64;
        assert_eq!((d.safety.major, d.safety.general), (major, all.total - major), "{key}");
        let supervised = hazards::list(
            &db,
            &s,
            zone,
            &HazardFilter {
                level: "major".into(),
                status: "open".into(),
                per_page: Some(10_000),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .rows
        .iter()
        .filter(|h| h.supervisor.is_some())
        .count() as u64;
        assert_eq!(d.safety.supervised, supervised, "{key}");
        let overdue =
            hazards::list(&db, &s, zone, &HazardFilter { overdue: "1".into(), ..range.clone() }).await.unwrap();
        assert_eq!(d.safety.overdue, overdue.total, "{key}");
    }
    // the seed's key projects have problems and dated notes: the comparison above is not empty
    let d = report_data::gather(&db, &s, zone, &ReportPeriod::parse("2025-H1").unwrap()).await.unwrap();
    assert!(d.key_projects.problems > 0);
    assert!(d.key_projects.projects.iter().any(|l| l.latest_event.is_some()));
});

db_test!(stage_projects_and_overview_values_in_one_read_match_per_stage_and_per_indicator, |db: Db| async move {
    demo_scale::generate(&db, &Scale::TINY, 3, "Perf#pass3").await.unwrap();
    let s = Scope::System;
    let zs = zones::list(&db, &s).await.unwrap();
    let (from, to) =
        (chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(), chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
    for z in zs.iter().take(2) {
        let all = figures::projects_reaching_all(&db, &s, z.id, from, to).await.unwrap();
        let mut listed = 0;
        for (st, got) in Stage::ALL.into_iter().zip(&all) {
            let want = figures::projects_reaching(&db, &s, z.id, st, from, to).await.unwrap();
            let ids =
                |v: &[(chrono::NaiveDate, kaifaqu_store::projects::Project)]| -> Vec<(i64, chrono::NaiveDate, i64)> {
                    v.iter().map(|(d, p)| (p.id, *d, p.total.0)).collect()
                };
            assert_eq!(ids(got), ids(&want), "{}", st.code());
            listed += got.len();
        }
        assert!(listed > 0, "the generated zone has stage events");
        // the overview's values: one query for every indicator, as `of_zones` per indicator
        let city: Vec<i64> = zs.iter().filter(|x| x.city_code == z.city_code).map(|x| x.id).collect();
        let period = Period::new(2025, 6).unwrap();
        let rows = indicator_views::overview(&db, &s, z.id, period).await.unwrap();
        let catalog = indicators::list(&db, true).await.unwrap();
        assert_eq!(rows.len(), catalog.len());
        let mut with_value = 0;
        for (row, ind) in rows.iter().zip(&catalog) {
            let values = indicator_values::of_zones(&db, &city, ind.id, (2024, 2025)).await.unwrap();
            let own = values.iter().find(|v| v.zone_id == z.id && v.period == period && !v.is_estimate);
            assert_eq!(row.figure.value, own.map(|v| v.value), "{}", ind.code);
            assert_eq!(row.figure.source, own.map(|v| v.source.clone()), "{}", ind.code);
            with_value += usize::from(own.is_some());
        }
        assert!(with_value > 0);
    }
});
