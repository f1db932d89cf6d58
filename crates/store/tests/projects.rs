//! The projects module's store: period figures of the demo data, the plan-year totals, stage
//! rules, optimistic locking, the problem loop, the all-or-nothing plan import and the ledger
//! counted and summed by stage.

use chrono::NaiveDate;
use kaifaqu_domain::Role;
use kaifaqu_domain::money::Wan;
use kaifaqu_domain::project::Category;
use kaifaqu_domain::stage::Stage;
use kaifaqu_domain::zone::ZoneForm;
use kaifaqu_store::events::{self, EventForm};
use kaifaqu_store::projects::{self, ProjectFilter, ProjectForm};
use kaifaqu_store::{Actor, Db, Scope, StoreError, db_test, demo, enterprises, figures, plan, problems, zones};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn demo_zone(db: &Db) -> i64 {
    assert!(matches!(demo::load(db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    zones::list(db, &Scope::System).await.unwrap()[0].id
}

fn staff_of(zone_id: i64) -> Actor {
    Actor {
        user_id: Some(3),
        login_name: "staff".into(),
        role: Role::Staff,
        zone_id: Some(zone_id),
        city_code: None,
        ip: None,
    }
}

fn invalid_field(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid(i) => (i.errors[0].field.clone(), i.errors[0].message.clone()),
        other => panic!("expected a field error, got {other:?}"),
    }
}

db_test!(demo_half_year_figures_match_the_seed, |db: Db| async move {
    let z = demo_zone(&db).await;
    let f = figures::period(&db, &Scope::System, z, d("2025-01-01"), d("2025-06-30")).await.unwrap();
    assert_eq!(f.contacts, 67);
    assert_eq!(f.stage(Stage::Signed).count, 14);
    assert_eq!(f.stage(Stage::Landed).count, 8);
    assert!(f.stage(Stage::Started).count >= 10, "10 余个");
    assert_eq!(f.stage(Stage::Started).count, 11);
    assert_eq!(f.stage(Stage::Producing).count, 2);
    assert_eq!(f.stage(Stage::Producing).investment, Wan::parse_yi("6.5").unwrap(), "鸿达 5 + 坤元 1.5");
    // the records behind a figure
    let started = figures::projects_reaching(&db, &Scope::System, z, Stage::Started, d("2025-01-01"), d("2025-06-30"))
        .await
        .unwrap();
    let names: Vec<&str> = started.iter().map(|(_, p)| p.name.as_str()).collect();
    for n in ["山西宁元科技光伏储充一体化项目", "山西贝尔年产35万吨复合肥项目", "山西卡仕途金属自动化装备制造项目"]
    {
        assert!(names.contains(&n), "{n} started in H1");
    }
    // the team breakdown adds up to the totals
    let signed_by_team: u64 = f.by_team.iter().map(|b| b.counts[Stage::Signed as usize]).sum();
    assert_eq!(signed_by_team, 14);
    // a different range gives different figures (events after June count later)
    let year = figures::period(&db, &Scope::System, z, d("2025-01-01"), d("2025-12-31")).await.unwrap();
    assert_eq!(year.stage(Stage::Signed).count, 17);
    assert_eq!(year.contacts, 71);
});

db_test!(plan_year_totals_match_the_seed, |db: Db| async move {
    let z = demo_zone(&db).await;
    let rows = projects::of_plan_year(&db, &Scope::System, z, 2025).await.unwrap();
    assert_eq!(rows.len(), 58);
    let total: Wan = rows.iter().map(|p| p.total).sum();
    assert_eq!(total.yi_2(), "273.76");
    let (ind, infra): (Vec<_>, Vec<_>) = rows.iter().partition(|p| p.category == Category::Industrial);
    assert_eq!((ind.len(), infra.len()), (57, 1));
    assert_eq!(ind.iter().map(|p| p.total).sum::<Wan>().yi_2(), "269.28");
    assert_eq!(infra[0].total.yi_2(), "4.48");
    assert_eq!(infra[0].key_level.label(), "省级重点");
    let karst = rows.iter().find(|p| p.name.contains("卡仕途")).unwrap();
    assert_eq!(karst.total.yi_2(), "0.95");
    assert_eq!(karst.stage, Some(Stage::Started));
});

db_test!(stage_rules_are_enforced_and_corrections_audited, |db: Db| async move {
    let z = demo_zone(&db).await;
    let a = staff_of(z);
    let f = ProjectForm {
        name: "测试项目".into(),
        category: "industrial".into(),
        total: "1".into(),
        plan_year: "2025".into(),
        ..Default::default()
    };
    let p = projects::create(&db, &a, &f).await.unwrap();
    let ev = |kind: &str, date: &str| EventForm { kind: kind.into(), date: date.into(), note: String::new() };
    events::add(&db, &a, p.id, &ev("signed", "2025-03-01")).await.unwrap();
    // skipping 落地 is refused
    let e = events::add(&db, &a, p.id, &ev("started", "2025-03-05")).await.unwrap_err();
    assert_eq!(invalid_field(e).0, "kind");
    // backwards dates are refused
    let e = events::add(&db, &a, p.id, &ev("landed", "2025-02-01")).await.unwrap_err();
    assert_eq!(invalid_field(e).0, "date");
    // the future is refused
    let e = events::add(&db, &a, p.id, &ev("landed", "2099-01-01")).await.unwrap_err();
    assert_eq!(invalid_field(e).0, "date");
    let landed = events::add(&db, &a, p.id, &ev("landed", "2025-03-01")).await.unwrap();
    // pause needs a reason; while paused no stage moves
    let e = events::add(&db, &a, p.id, &ev("pause", "2025-04-01")).await.unwrap_err();
    assert_eq!(invalid_field(e).0, "note");
    events::add(
        &db,
        &a,
        p.id,
        &EventForm { kind: "pause".into(), date: "2025-04-01".into(), note: "资金未到位".into() },
    )
    .await
    .unwrap();
    assert!(events::add(&db, &a, p.id, &ev("started", "2025-04-02")).await.is_err());
    let cur = projects::get(&db, &Scope::System, p.id).await.unwrap();
    assert_eq!((cur.stage, cur.status.label()), (Some(Stage::Landed), "暂停"));
    events::add(&db, &a, p.id, &ev("resume", "2025-05-01")).await.unwrap();
    events::add(&db, &a, p.id, &ev("started", "2025-05-02")).await.unwrap();
    // a correction that would break the order is refused; a valid one is audited
    let bad = EventForm { kind: String::new(), date: "2025-02-27".into(), note: String::new() };
    assert!(events::correct(&db, &a, landed.id, &bad).await.is_err());
    let good = EventForm { kind: String::new(), date: "2025-03-02".into(), note: "更正登记日期".into() };
    events::correct(&db, &a, landed.id, &good).await.unwrap();
    let h = kaifaqu_store::audit::history(&db, &Scope::System, "project", &p.id.to_string()).await.unwrap();
    assert!(h.iter().any(|r| r.summary.contains("更正“落地”节点")));
    let cur = projects::get(&db, &Scope::System, p.id).await.unwrap();
    assert_eq!((cur.stage, cur.stage_date), (Some(Stage::Started), Some(d("2025-05-02"))));
});

db_test!(second_save_of_a_stale_form_is_refused, |db: Db| async move {
    let z = demo_zone(&db).await;
    let a = staff_of(z);
    let p = projects::list(&db, &Scope::System, z, &ProjectFilter { q: "卡仕途".into(), ..Default::default() })
        .await
        .unwrap()
        .rows
        .remove(0);
    let form = ProjectForm::from_project(&p);
    let mut first = form.clone();
    first.progress = "设备安装中".into();
    projects::update(&db, &a, p.id, &first).await.unwrap();
    let mut second = form.clone();
    second.progress = "另一人的修改".into();
    let stale = projects::update(&db, &a, p.id, &second).await.unwrap_err();
    assert!(matches!(stale, StoreError::Stale), "{stale:?}");
    assert!(stale.to_string().contains("已被他人修改"));
    assert_eq!(projects::get(&db, &Scope::System, p.id).await.unwrap().progress, "设备安装中");
});

db_test!(bad_project_input_names_fields_and_saves_nothing, |db: Db| async move {
    let z = demo_zone(&db).await;
    let a = staff_of(z);
    let before = projects::list(&db, &Scope::System, z, &Default::default()).await.unwrap().total;
    let f = ProjectForm {
        name: "".into(),
        category: "其他类".into(),
        total: "-3".into(),
        planned: "1.23456".into(),
        plan_year: "1999".into(),
        project_code: "2025-140423-26".into(),
        land: "12.345".into(),
        ..Default::default()
    };
    let e = match projects::create(&db, &a, &f).await.unwrap_err() {
        StoreError::Invalid(i) => i,
        other => panic!("{other:?}"),
    };
    for field in ["name", "category", "total", "planned", "plan_year", "project_code", "land"] {
        assert!(e.message_for(field).is_some(), "{field}: {e:?}");
    }
    assert!(e.message_for("total").unwrap().contains("负数"));
    // a deactivated leader cannot be chosen
    let leader = kaifaqu_store::users::find_by_login(&db, "leader5").await.unwrap().unwrap();
    let off = kaifaqu_store::users::UserForm {
        display_name: leader.display_name.clone(),
        role: "leader".into(),
        active: Some("off".into()),
        ..Default::default()
    };
    kaifaqu_store::users::update(&db, &Actor::system("t"), leader.id, &off).await.unwrap();
    let f = ProjectForm {
        name: "新项目".into(),
        category: "industrial".into(),
        total: "1".into(),
        plan_year: "2025".into(),
        leader_id: leader.id.to_string(),
        ..Default::default()
    };
    let (field, msg) = invalid_field(projects::create(&db, &a, &f).await.unwrap_err());
    assert_eq!(field, "leader_id");
    assert!(msg.contains("已停用"), "{msg}");
    assert_eq!(projects::list(&db, &Scope::System, z, &Default::default()).await.unwrap().total, before);
    // a wrong credit-code check character names the expected one
    let ef = enterprises::EnterpriseForm {
        name: "测试企业".into(),
        credit_code: "91140423MA0000101X".into(),
        ..Default::default()
    };
    let (field, msg) = invalid_field(enterprises::create(&db, &a, &ef).await.unwrap_err());
    assert_eq!(field, "credit_code");
    assert!(msg.contains("应为"), "{msg}");
});

db_test!(problems_close_in_a_loop, |db: Db| async move {
    let z = demo_zone(&db).await;
    let a = staff_of(z);
    let overdue =
        problems::list(&db, &Scope::System, z, &problems::ProblemFilter { overdue: "1".into(), ..Default::default() })
            .await
            .unwrap();
    assert!(overdue.total >= 1 && overdue.rows.iter().all(|p| p.overdue));
    let all = problems::list(&db, &Scope::System, z, &Default::default()).await.unwrap();
    assert!(all.rows[0].overdue, "overdue first");
    let p = &overdue.rows[0];
    let mut f = problems::ProblemForm {
        project_id: p.project_id.to_string(),
        category: p.category.code().into(),
        description: p.description.clone(),
        raised_date: p.raised_date.to_string(),
        status: "unresolvable".into(),
        ..Default::default()
    };
    assert_eq!(invalid_field(problems::update(&db, &a, p.id, &f).await.unwrap_err()).0, "reason");
    f.status = "resolved".into();
    f.resolution = "已取得批复".into();
    let done = problems::update(&db, &a, p.id, &f).await.unwrap();
    assert!(!done.overdue && done.resolved_date.is_some());
    f.status = "open".into();
    assert_eq!(invalid_field(problems::update(&db, &a, p.id, &f).await.unwrap_err()).0, "status");
});

db_test!(plan_import_is_all_or_nothing, |db: Db| async move {
    let z = demo_zone(&db).await;
    let a = staff_of(z);
    let row = |line: u32, name: &str, category: &str, leader: &str| plan::ImportRow {
        line,
        name: name.into(),
        content: String::new(),
        total: Wan(10_000),
        planned: None,
        start_year: Some(2026),
        end_year: Some(2027),
        category: category.into(),
        chain: "新兴产业".into(),
        key_level: String::new(),
        unit: "新设协调科".into(),
        leader: leader.into(),
        progress: String::new(),
    };
    let before = projects::of_plan_year(&db, &Scope::System, z, 2026).await.unwrap().len();
    let rows = vec![
        row(3, "甲", "产业类", ""),
        row(4, "乙", "农业类", ""),
        row(5, "丙", "产业类", "不存在的领导"),
        row(6, "甲", "产业类", ""),
    ];
    match plan::import(&db, &a, 2026, &rows).await.unwrap() {
        plan::ImportOutcome::Rejected(errs) => {
            let lines: Vec<(u32, &str)> = errs.iter().map(|e| (e.line, e.column.as_str())).collect();
            assert!(
                lines.contains(&(4, "项目类别"))
                    && lines.contains(&(5, "包联领导"))
                    && lines.contains(&(6, "项目名称")),
                "{lines:?}"
            );
        }
        plan::ImportOutcome::Imported(_) => panic!("must be rejected"),
    }
    assert_eq!(projects::of_plan_year(&db, &Scope::System, z, 2026).await.unwrap().len(), before);
    let ok = vec![row(3, "甲", "产业类", "班子成员甲（示例）"), row(4, "乙", "基础设施类", "")];
    assert!(matches!(plan::import(&db, &a, 2026, &ok).await.unwrap(), plan::ImportOutcome::Imported(2)));
    let imported = projects::of_plan_year(&db, &Scope::System, z, 2026).await.unwrap();
    assert_eq!(imported.len(), 2);
    assert_eq!(imported[0].chain.as_deref(), Some("新兴产业"));
    assert_eq!(imported[0].department.as_deref(), Some("新设协调科"));
    assert_eq!(imported[0].leader.as_deref(), Some("班子成员甲（示例）"));
});

/// The whole filtered list (every page), to count by hand.
async fn every(db: &Db, scope: &Scope, z: i64, f: &ProjectFilter) -> Vec<projects::Project> {
    let f = ProjectFilter { page: Some(1), per_page: Some(10_000), ..f.clone() };
    let page = projects::list(db, scope, z, &f).await.unwrap();
    assert_eq!(page.rows.len() as u64, page.total);
    page.rows
}

db_test!(by_stage_counts_and_sums_match_the_list, |db: Db| async move {
    let z = demo_zone(&db).await;
    let staff = staff_of(z);
    let scope = staff.scope();
    let year = projects::list(&db, &scope, z, &ProjectFilter::default()).await.unwrap().rows[0].plan_year;
    let filters = [
        ProjectFilter::default(),
        ProjectFilter { category: "industrial".into(), ..Default::default() },
        ProjectFilter { year: year.to_string(), ..Default::default() },
        ProjectFilter { stage: "started".into(), sort: "-total".into(), page: Some(3), ..Default::default() },
        ProjectFilter { stage: "none".into(), ..Default::default() },
        ProjectFilter { q: "没有这样的项目".into(), ..Default::default() },
    ];
    for f in &filters {
        let groups = projects::by_stage(&db, &scope, z, f).await.unwrap();
        let codes: Vec<&str> = groups.iter().map(|g| g.stage.as_str()).collect();
        assert_eq!(codes, ["planning", "negotiating", "signed", "landed", "started", "producing", "none"]);
        assert_eq!(groups[4].label, "开工");
        assert_eq!(groups[6].label, "未录入");
        let rows = every(&db, &scope, z, &ProjectFilter { stage: String::new(), ..f.clone() }).await;
        for g in &groups {
            // the figure is the list filtered by the same filter and the row's stage
            let mine: Vec<&projects::Project> =
                rows.iter().filter(|p| p.stage.map(Stage::code).unwrap_or("none") == g.stage).collect();
            assert_eq!(g.count, mine.len() as u64, "{f:?} {}", g.stage);
            assert_eq!(g.investment, mine.iter().map(|p| p.total).sum::<Wan>(), "{f:?} {}", g.stage);
            let linked = every(&db, &scope, z, &ProjectFilter { stage: g.stage.clone(), ..f.clone() }).await;
            assert_eq!(linked.len() as u64, g.count, "the link of {} in {f:?}", g.stage);
        }
        let (n, sum) =
            projects::totals(&db, &scope, z, &ProjectFilter { stage: String::new(), ..f.clone() }).await.unwrap();
        assert_eq!(groups.iter().map(|g| g.count).sum::<u64>(), n);
        assert_eq!(groups.iter().map(|g| g.investment).sum::<Wan>(), sum);
        // the list page's queries: the same groups, the same page as the list
        let (page, stages) = projects::list_with_stages(&db, &scope, z, f).await.unwrap();
        assert_eq!(stages, groups);
        let list = projects::list(&db, &scope, z, f).await.unwrap();
        assert_eq!((page.total, page.page, page.per_page), (list.total, list.page, list.per_page));
        assert_eq!(
            page.rows.iter().map(|p| p.id).collect::<Vec<_>>(),
            list.rows.iter().map(|p| p.id).collect::<Vec<_>>()
        );
    }
    let all = projects::by_stage(&db, &scope, z, &ProjectFilter::default()).await.unwrap();
    assert!(all.iter().filter(|g| g.count > 0).count() >= 3, "the demo spreads over the pipeline: {all:?}");
    let only_started = projects::by_stage(&db, &scope, z, &filters[3]).await.unwrap();
    assert_eq!(only_started, all, "the stage filter is replaced by each row's stage");
    let (page, _) = projects::list_with_stages(&db, &scope, z, &filters[3]).await.unwrap();
    assert_eq!(page.total, all[4].count, "the page's total is the filtered stage's row");
    assert!(projects::by_stage(&db, &scope, z, &filters[5]).await.unwrap().iter().all(|g| g.count == 0));

    // zone B sees none of zone A's projects, and asking for zone A is not found
    let form = ZoneForm {
        name: "测试开发区乙".into(),
        level: "provincial".into(),
        region_code: "140426".into(),
        city_name: "长治市".into(),
        risk_grade: String::new(),
        staff_posts: "20".into(),
    };
    let zb = zones::create(&db, &Actor::system("测试"), &form.validate().unwrap(), false).await.unwrap().id;
    let b = staff_of(zb).scope();
    let theirs = projects::by_stage(&db, &b, zb, &ProjectFilter::default()).await.unwrap();
    assert_eq!(theirs.len(), 7);
    assert!(theirs.iter().all(|g| g.count == 0 && g.investment == Wan(0)));
    assert!(matches!(projects::by_stage(&db, &b, z, &ProjectFilter::default()).await, Err(StoreError::NotFound)));
    assert!(matches!(
        projects::list_with_stages(&db, &b, z, &ProjectFilter::default()).await,
        Err(StoreError::NotFound)
    ));
    // a project of zone B counts in B only
    let sys = Actor::system("测试");
    let form = ProjectForm {
        name: "乙区测试项目".into(),
        category: "industrial".into(),
        total: "1.25".into(),
        key_level: String::new(),
        plan_year: "2025".into(),
        ..Default::default()
    };
    projects::create_in(&db, &sys, zb, &form).await.unwrap();
    let theirs = projects::by_stage(&db, &b, zb, &ProjectFilter::default()).await.unwrap();
    assert_eq!((theirs[6].count, theirs[6].investment), (1, Wan(12_500)));
    assert_eq!(projects::by_stage(&db, &scope, z, &ProjectFilter::default()).await.unwrap(), all);
});
