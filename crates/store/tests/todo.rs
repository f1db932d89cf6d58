//! 我的待办 and the daily digest: a user with something waiting in every module sees it all,
//! overdue first, then due within 3 working days; the digest goes out once a working day, not on
//! a weekend, and not to a user who opted out.

use chrono::NaiveDate;
use kaifaqu_store::approval_cases::{self, CaseForm, CommitmentForm};
use kaifaqu_store::hazards::{self, HazardForm};
use kaifaqu_store::problems::{self, ProblemForm};
use kaifaqu_store::users::{self, Home, User, UserForm};
use kaifaqu_store::{Actor, Db, Scope, approval_powers, db_test, demo, lookups, notifications, todo, zones};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn actor_of(u: &User) -> Actor {
    Actor {
        user_id: Some(u.id),
        login_name: u.login_name.clone(),
        role: u.role,
        zone_id: u.zone_id,
        city_code: None,
        ip: None,
    }
}

/// An admin of the demo zone in 招商引资部 (the department of the demo's 招商 tasks) with a
/// problem of that department, a hazard they found, a case they handle with a commitment, and —
/// since nobody has entered statistics — the zone's missing indicators.
async fn setup(db: &Db) -> (User, i64) {
    assert!(matches!(demo::load(db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let z = zones::list(db, &Scope::System).await.unwrap()[0].id;
    let l = lookups::Lookups::load(db, z).await.unwrap();
    let dept = l.department_id("招商引资部").unwrap();
    let f = UserForm {
        login_name: "zhao".into(),
        display_name: "赵科长".into(),
        role: "admin".into(),
        department_id: dept.to_string(),
        password: "Todo-user-1234".into(),
        ..Default::default()
    };
    let u = users::create(db, &Actor::system("测试"), Some(Home::Zone(z)), &f).await.unwrap();
    let a = actor_of(&u);
    let project = kaifaqu_store::projects::of_plan_year(db, &Scope::System, z, 2025).await.unwrap()[0].id;
    let p = ProblemForm {
        project_id: project.to_string(),
        category: "land".into(),
        description: "用地指标尚未落实".into(),
        raised_date: "2025-11-20".into(),
        department_id: dept.to_string(),
        deadline: "2025-12-10".into(),
        ..Default::default()
    };
    problems::create(db, &a, &p).await.unwrap();
    let firm = *l.enterprises.keys().min().unwrap();
    let h = HazardForm {
        enterprise_id: firm.to_string(),
        description: "消防通道堆放杂物".into(),
        level: "general".into(),
        found_date: "2025-12-01".into(),
        deadline: "2025-12-17".into(),
        responsible_person: "车间主任".into(),
        measures: "清理杂物".into(),
        ..Default::default()
    };
    hazards::create(db, &a, &h).await.unwrap();
    let power = approval_powers::all(db, &Scope::System, z).await.unwrap().into_iter().find(|p| p.commitment).unwrap();
    let c = CaseForm {
        project_id: project.to_string(),
        power_id: power.id.to_string(),
        applicant: "示例申请企业".into(),
        commitment: "on".into(),
        agency: "on".into(),
        agent_id: u.id.to_string(),
        received_date: "2025-12-01".into(),
        accepted_date: "2025-12-01".into(),
        ..Default::default()
    };
    let case = approval_cases::create(db, &a, &c).await.unwrap();
    let k = CommitmentForm { content: "开工前取得施工图审查合格书".into(), deadline: "2025-12-12".into() };
    approval_cases::add_commitment(db, &a, case.id, &k).await.unwrap();
    (u, z)
}

db_test!(my_work_gathers_every_module_overdue_first, |db: Db| async move {
    let (u, _) = setup(&db).await;
    let today = d("2025-12-15"); // a Monday
    let t = todo::for_user(&db, &u, today).await.unwrap();
    let modules: std::collections::BTreeSet<&str> = t.items.iter().map(|i| i.module.as_str()).collect();
    for m in ["问题", "隐患", "审批", "承诺核查", "任务", "统计"] {
        assert!(modules.contains(m), "{m} missing from {modules:?}");
    }
    // the problem (due 10 December) and the commitment (12 December) are overdue; the hazard
    // (Wednesday 17 December, 2 working days ahead) is due soon
    let find = |m: &str| t.items.iter().find(|i| i.module == m).unwrap();
    assert!(find("问题").overdue && find("承诺核查").overdue);
    let hazard = find("隐患");
    assert!(!hazard.overdue && hazard.due_soon, "{hazard:?}");
    assert_eq!(hazard.action, "跟踪整改");
    assert!(find("统计").title.contains("1-11月") && find("统计").overdue, "1-11月 was due on 10 December");
    // ordering: every overdue item first, then the due-soon ones, then the rest
    let rank = |i: &todo::TodoItem| {
        if i.overdue {
            0
        } else if i.due_soon {
            1
        } else {
            2
        }
    };
    assert!(t.items.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])), "sorted");
    assert_eq!(t.overdue, t.items.iter().filter(|i| i.overdue).count());
    assert!(t.overdue >= 3 && t.due_soon >= 1);
    assert!(t.items.iter().all(|i| i.link.starts_with('/')));

    // another user of the zone sees none of it
    let viewer = users::find_by_login(&db, "viewer").await.unwrap().unwrap();
    let v = todo::for_user(&db, &viewer, today).await.unwrap();
    assert!(v.items.iter().all(|i| !i.title.contains("消防通道") && !i.title.contains("用地指标")));
    // a city user has no list
    let city = users::find_by_login(&db, "city").await.unwrap().unwrap();
    assert!(todo::for_user(&db, &city, today).await.unwrap().items.is_empty());
});

db_test!(the_digest_goes_out_once_a_working_day, |db: Db| async move {
    let (u, _) = setup(&db).await;
    let monday = d("2025-12-15");
    let first = todo::run_digest(&db, monday).await.unwrap();
    assert!(first >= 1);
    assert_eq!(todo::run_digest(&db, monday).await.unwrap(), 0, "once a day");
    let mine = notifications::mine(&db, &actor_of(&u)).await.unwrap();
    let digest: Vec<_> = mine.iter().filter(|n| n.link == "/todo").collect();
    assert_eq!(digest.len(), 1);
    assert!(digest[0].message.starts_with("今日待办") && digest[0].message.contains("逾期"));
    // not on a Saturday
    assert_eq!(todo::run_digest(&db, d("2025-12-13")).await.unwrap(), 0);
    // not to a user who opted out
    users::set_digest(&db, &actor_of(&u), false).await.unwrap();
    assert!(users::get(&db, &Scope::System, u.id).await.unwrap().digest_opt_out);
    todo::run_digest(&db, d("2025-12-16")).await.unwrap();
    let mine = notifications::mine(&db, &actor_of(&u)).await.unwrap();
    assert_eq!(mine.iter().filter(|n| n.link == "/todo").count(), 1, "no second digest after opting out");
    let history = kaifaqu_store::audit::history(&db, &Scope::System, "user", &u.id.to_string()).await.unwrap();
    assert!(history.iter().any(|r| r.summary == "关闭每日待办提醒"));
});

db_test!(overdue_problems_and_cases_notify_once, |db: Db| async move {
    let (u, _) = setup(&db).await;
    let later = d("2026-03-02");
    assert!(notifications::run_escalation(&db, later).await.unwrap() > 0);
    assert_eq!(notifications::run_escalation(&db, later).await.unwrap(), 0, "once per deadline");
    let mine = notifications::mine(&db, &actor_of(&u)).await.unwrap();
    let problem: Vec<_> = mine.iter().filter(|n| n.entity == "problem").collect();
    assert_eq!(problem.len(), 1, "the department's user, once");
    assert!(problem[0].message.contains("用地指标尚未落实") && problem[0].link.starts_with("/problems/"));
    let case: Vec<_> = mine.iter().filter(|n| n.entity == "approval_case").collect();
    assert_eq!(case.len(), 1, "the agent, once");
    assert!(case[0].message.contains("已超过承诺办结时限"));
});

db_test!(a_hazard_due_soon_reminds_its_finder_once, |db: Db| async move {
    let (u, _) = setup(&db).await;
    // Monday 15 December: the hazard is due on Wednesday 17 December, 2 working days ahead
    notifications::run_escalation(&db, d("2025-12-15")).await.unwrap();
    notifications::run_escalation(&db, d("2025-12-16")).await.unwrap();
    let mine = notifications::mine(&db, &actor_of(&u)).await.unwrap();
    let soon: Vec<_> = mine.iter().filter(|n| n.message.contains("即将到期")).collect();
    assert_eq!(soon.len(), 1, "once per deadline");
    assert!(soon[0].message.contains("消防通道堆放杂物") && soon[0].link.starts_with("/safety/hazards/"));
    // a week earlier it was not yet due soon (a fresh run on another database would say nothing)
    let t = todo::for_user(&db, &u, d("2025-12-08")).await.unwrap();
    assert!(t.items.iter().any(|i| i.module == "隐患" && !i.due_soon && !i.overdue));
});
