//! The cockpit's figures computed in the database (issue 11, third pass) pinned to the list-based
//! results they replaced, on the demo: the open/overdue tiles (`COUNT(*)`) equal the totals of
//! the lists their links open, for the zone, each leader and each department; the week's
//! inspections and the weeks that met the target (one grouped query) equal the inspection list
//! and `safety_figures::period`; the stage targets' actuals (from `figures::period`) equal the
//! projects `figures::projects_reaching` lists; 我的待办's problems are those of the department
//! and the leader's projects, named; and another zone's id is not found.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use kaifaqu_domain::Role;
use kaifaqu_domain::target::TARGET_STAGES;
use kaifaqu_store::approval_cases::CaseFilter;
use kaifaqu_store::cockpit::{self, Focus, OpenItems};
use kaifaqu_store::hazards::HazardFilter;
use kaifaqu_store::inspections::InspectionFilter;
use kaifaqu_store::problems::{ProblemFilter, ProblemForm};
use kaifaqu_store::tasks::TaskFilter;
use kaifaqu_store::{
    Actor, Db, Scope, StoreError, approval_cases, db_test, demo, figures, hazards, inspections, lookups, problems,
    safety_figures, tasks, todo, users, zones,
};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn setup(db: &Db) -> (i64, i64) {
    assert!(matches!(demo::load(db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let zs = zones::list(db, &Scope::System).await.unwrap();
    (zs[0].id, zs[1].id)
}

/// The eight totals the old cockpit read: each list filter's total, as the tiles' links open them.
async fn by_lists(db: &Db, s: &Scope, z: i64, focus: Focus) -> [u64; 8] {
    let leader = focus.leader.map(|l| l.to_string()).unwrap_or_default();
    let department = focus.department.map(|d| d.to_string()).unwrap_or_default();
    let mut out = [0; 8];
    for (i, overdue) in ["", "1"].into_iter().enumerate() {
        let status = |open: &str| if overdue.is_empty() { open.to_string() } else { String::new() };
        let per_page = Some(1);
        let pf = ProblemFilter {
            status: status("unclosed"),
            overdue: overdue.into(),
            leader: leader.clone(),
            department: department.clone(),
            per_page,
            ..Default::default()
        };
        out[i] = problems::list(db, s, z, &pf).await.unwrap().total;
        let hf = HazardFilter { status: status("open"), overdue: overdue.into(), per_page, ..Default::default() };
        out[2 + i] = hazards::list(db, s, z, &hf).await.unwrap().total;
        let tf = TaskFilter {
            status: status("open"),
            overdue: overdue.into(),
            leader: leader.clone(),
            department: department.clone(),
            per_page,
            ..Default::default()
        };
        out[4 + i] = tasks::list(db, s, z, &tf).await.unwrap().total;
        let cf = CaseFilter {
            status: status("open"),
            overdue: overdue.into(),
            leader: leader.clone(),
            per_page,
            ..Default::default()
        };
        out[6 + i] = approval_cases::list(db, s, z, &cf).await.unwrap().total;
    }
    out
}

fn values(o: &OpenItems) -> [u64; 8] {
    [
        o.problems.value,
        o.problems_overdue.value,
        o.hazards.value,
        o.hazards_overdue.value,
        o.tasks.value,
        o.tasks_overdue.value,
        o.cases.value,
        o.cases_overdue.value,
    ]
}

db_test!(open_items_count_what_their_lists_list, |db: Db| async move {
    let (z, other) = setup(&db).await;
    let s = Scope::Zone { zone_id: z, write: false };
    let l = lookups::Lookups::load(&db, z).await.unwrap();
    let mut foci = vec![Focus::default()];
    let leaders: Vec<i64> =
        l.users.iter().filter(|(_, (_, role))| role == Role::Leader.code()).map(|(id, _)| *id).collect();
    assert!(!leaders.is_empty(), "the demo has leaders");
    foci.extend(leaders.iter().map(|l| Focus { leader: Some(*l), department: None }));
    foci.extend(l.departments.keys().map(|d| Focus { leader: None, department: Some(*d) }));
    let mut seen = [0u64; 8];
    for focus in foci {
        let counted = cockpit::open_items(&db, &s, z, focus).await.unwrap();
        let listed = by_lists(&db, &s, z, focus).await;
        assert_eq!(values(&counted), listed, "{focus:?}");
        for (a, b) in seen.iter_mut().zip(values(&counted)) {
            *a += b;
        }
        // every tile still opens its list
        for (open, overdue) in counted.pairs() {
            assert!(open.href.starts_with('/') && overdue.href.contains("overdue=1"), "{open:?} {overdue:?}");
        }
    }
    // the demo gives each kind something to count
    assert!(seen[0] > 0 && seen[2] > 0 && seen[4] > 0 && seen[6] > 0, "{seen:?}");
    // another zone's id is not found
    assert!(matches!(cockpit::open_items(&db, &s, other, Focus::default()).await, Err(StoreError::NotFound)));
});

db_test!(the_week_and_the_weeks_met_equal_the_inspection_records, |db: Db| async move {
    let (z, other) = setup(&db).await;
    let s = Scope::Zone { zone_id: z, write: false };
    // the demo inspects on two days a week through H1 2025
    for (from, to) in [
        ("2025-01-01", "2025-06-30"),
        ("2025-03-01", "2025-03-31"),
        ("2025-06-23", "2025-06-29"),
        ("2025-06-30", "2025-06-30"),
        ("2025-01-01", "2025-12-31"),
    ] {
        let (from, to) = (d(from), d(to));
        let old = safety_figures::period(&db, &s, z, from, to).await.unwrap();
        assert_eq!(cockpit::weeks_met(&db, &s, z, from, to).await.unwrap(), (old.weeks_met, old.weeks), "{from}–{to}");
    }
    let h1 = safety_figures::period(&db, &s, z, d("2025-01-01"), d("2025-06-30")).await.unwrap();
    assert!(h1.weeks_met > 0 && h1.weeks_met < h1.weeks, "{} of {}", h1.weeks_met, h1.weeks);

    for day in ["2025-06-30", "2025-06-27", "2025-03-16", "2025-08-31"] {
        let w = cockpit::week(&db, &s, z, d(day), d("2026-11-28")).await.unwrap();
        let f = InspectionFilter {
            from: w.from.to_string(),
            to: w.to.to_string(),
            per_page: Some(10_000),
            ..Default::default()
        };
        let listed = inspections::list(&db, &s, z, &f).await.unwrap();
        assert_eq!(w.inspections.value, listed.total, "{day}");
        let days: BTreeSet<NaiveDate> = listed.rows.iter().map(|i| i.date).collect();
        assert_eq!(w.days, days.len() as u64, "{day}");
        assert_eq!(w.inspections.href, format!("/safety/inspections?from={}&to={}", w.from, w.to));
    }
    assert!(cockpit::week(&db, &s, z, d("2025-06-30"), d("2026-11-28")).await.unwrap().inspections.value > 0);
    assert!(matches!(
        cockpit::weeks_met(&db, &s, other, d("2025-01-01"), d("2025-06-30")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(cockpit::week(&db, &s, other, d("2025-06-30"), d("2025-06-30")).await, Err(StoreError::NotFound)));
});

db_test!(stage_figures_equal_the_projects_reaching_each_stage, |db: Db| async move {
    let (z, _) = setup(&db).await;
    let s = Scope::System;
    let mut reached = 0;
    for (from, to) in [("2025-01-01", "2025-06-30"), ("2025-01-01", "2025-03-31"), ("2024-01-01", "2025-12-31")] {
        let (from, to) = (d(from), d(to));
        let f = figures::period(&db, &s, z, from, to).await.unwrap();
        for stage in TARGET_STAGES {
            let listed = figures::projects_reaching(&db, &s, z, stage, from, to).await.unwrap();
            let sum: i64 = listed.iter().map(|(_, p)| p.total.0).sum();
            assert_eq!((f.stage(stage).count, f.stage(stage).investment.0), (listed.len() as u64, sum), "{stage:?}");
            reached += listed.len();
        }
    }
    assert!(reached > 0);
});

db_test!(my_problems_are_my_departments_and_my_projects, |db: Db| async move {
    let (z, _) = setup(&db).await;
    let s = Scope::System;
    let l = lookups::Lookups::load(&db, z).await.unwrap();
    let leader = users::find_by_login(&db, "leader").await.unwrap().unwrap();
    let theirs = kaifaqu_store::projects::list(
        &db,
        &s,
        z,
        &kaifaqu_store::projects::ProjectFilter {
            leader: leader.id.to_string(),
            per_page: Some(10_000),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(!theirs.rows.is_empty(), "the demo's leader answers for projects");
    // a problem of one of their projects in another department: theirs only through the project
    let elsewhere = l.departments.keys().copied().find(|d| Some(*d) != leader.department_id).unwrap();
    let f = ProblemForm {
        project_id: theirs.rows[0].id.to_string(),
        category: "land".into(),
        description: "包联项目用地指标尚未落实".into(),
        raised_date: "2025-11-20".into(),
        department_id: elsewhere.to_string(),
        deadline: "2025-12-10".into(),
        ..Default::default()
    };
    let made = problems::create_in(&db, &Actor::system("测试"), z, &f).await.unwrap();

    let t = todo::for_user(&db, &leader, d("2025-12-15")).await.unwrap();
    let mine: BTreeSet<String> = t.items.iter().filter(|i| i.module == "问题").map(|i| i.link.clone()).collect();
    // expected: the unclosed problems of the leader's projects and of their department
    let mut expected = BTreeSet::new();
    let mut filters = vec![ProblemFilter { leader: leader.id.to_string(), ..Default::default() }];
    if let Some(dept) = leader.department_id {
        filters.push(ProblemFilter { department: dept.to_string(), ..Default::default() });
    }
    for f in filters {
        let f = ProblemFilter { status: "unclosed".into(), per_page: Some(10_000), ..f };
        let rows = problems::list(&db, &s, z, &f).await.unwrap().rows;
        expected.extend(rows.into_iter().map(|p| format!("/problems/{}", p.id)));
    }
    assert!(expected.contains(&format!("/problems/{}", made.id)));
    assert_eq!(mine, expected);
    // named with its project, overdue on the 15th
    let item = t.items.iter().find(|i| i.link == format!("/problems/{}", made.id)).unwrap();
    assert_eq!(item.title, format!("{}：包联项目用地指标尚未落实", theirs.rows[0].name));
    assert!(item.overdue);
    // the count of their projects not yet in production (nor terminated)
    let active = theirs
        .rows
        .iter()
        .filter(|p| p.status.code() != "terminated" && p.stage.map(|s| s.code()) != Some("producing"))
        .count();
    assert_eq!(t.projects, active);
});

// The problem list names only its page's projects (issue 11, fourth pass): every row of every page
// carries its project's name, the leader filter (a subquery of their projects) lists exactly the
// problems of the projects they lead, and paging keeps the order and the total.
db_test!(problem_pages_name_their_projects, |db: Db| async move {
    use kaifaqu_store::projects::{self, ProjectFilter};
    let (z, _) = setup(&db).await;
    let s = Scope::System;
    let all_projects =
        projects::list(&db, &s, z, &ProjectFilter { per_page: Some(10_000), ..Default::default() }).await.unwrap().rows;
    let name_of = |id: i64| all_projects.iter().find(|p| p.id == id).map(|p| p.name.clone()).unwrap();
    let all =
        problems::list(&db, &s, z, &ProblemFilter { per_page: Some(10_000), ..Default::default() }).await.unwrap();
    assert!(all.total > 3, "the demo has problems");
    let mut paged = Vec::new();
    for page in 1..=all.total.div_ceil(2) {
        let p =
            problems::list(&db, &s, z, &ProblemFilter { per_page: Some(2), page: Some(page), ..Default::default() })
                .await
                .unwrap();
        assert_eq!(p.total, all.total);
        paged.extend(p.rows);
    }
    assert_eq!(paged.iter().map(|p| p.id).collect::<Vec<_>>(), all.rows.iter().map(|p| p.id).collect::<Vec<_>>());
    for p in &paged {
        assert!(!p.project.is_empty());
        assert_eq!(p.project, name_of(p.project_id), "problem {}", p.id);
    }
    let leaders: BTreeSet<i64> = all_projects.iter().filter_map(|p| p.leader_id).collect();
    assert!(!leaders.is_empty());
    for l in leaders {
        let f = ProblemFilter { leader: l.to_string(), per_page: Some(10_000), ..Default::default() };
        let theirs: Vec<i64> = problems::list(&db, &s, z, &f).await.unwrap().rows.iter().map(|p| p.id).collect();
        let expected: Vec<i64> = all
            .rows
            .iter()
            .filter(|p| all_projects.iter().any(|q| q.id == p.project_id && q.leader_id == Some(l)))
            .map(|p| p.id)
            .collect();
        assert_eq!(theirs, expected, "leader {l}");
    }
    // one project's page lists its problems, named
    let one = all.rows[0].project_id;
    let f = ProblemFilter { project: one.to_string(), per_page: Some(500), ..Default::default() };
    let rows = problems::list(&db, &s, z, &f).await.unwrap().rows;
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|p| p.project_id == one && p.project == name_of(one)));
    // another zone's problems are not listed in this zone
    let other = zones::list(&db, &s).await.unwrap()[1].id;
    let theirs =
        problems::list(&db, &s, other, &ProblemFilter { per_page: Some(10_000), ..Default::default() }).await.unwrap();
    assert!(theirs.rows.iter().all(|p| p.zone_id == other));
});
