//! Key-work tasks in the store: the demo list (the seed's part 四(二): one closed, one awaiting
//! review, one returned, overdue ones on 2025-12-31), the review loop (every allowed and refused
//! step, including closing without review and by the wrong user), working-day deadlines across
//! the National Day holiday, milestones outside the deadline and a task without a responsible
//! department refused with nothing saved, what waits on a department user and on a lead
//! leader, the escalation run twice, the import (unchanged, added, all or nothing) and zone
//! isolation and read-only roles.

use chrono::NaiveDate;
use kaifaqu_domain::Role;
use kaifaqu_domain::task::{TaskAction, TaskSource, TaskStatus};
use kaifaqu_store::tasks::{self, ImportOutcome, ImportRow, MilestoneForm, StepForm, TaskFilter, TaskForm};
use kaifaqu_store::users::{self, User};
use kaifaqu_store::{Actor, Db, Scope, StoreError, db_test, demo, notifications, zones};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct Env {
    zone: i64,
    zone_b: i64,
    /// 招商引资部 staff.
    staff: Actor,
    staff_user: User,
    /// The lead leader of the test tasks.
    leader3: Actor,
    leader3_user: User,
    /// Another leader.
    leader2: Actor,
    viewer: Actor,
    other_zone: Actor,
    /// 招商引资部 and 经济发展部.
    promo: i64,
    econ: i64,
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

async fn setup(db: &Db) -> Env {
    assert!(matches!(demo::load(db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let zs = zones::list(db, &Scope::System).await.unwrap();
    let (zone, zone_b) = (zs[0].id, zs[1].id);
    let find = |login: &'static str| {
        let db = db.clone();
        async move { users::find_by_login(&db, login).await.unwrap().unwrap() }
    };
    let staff_user = find("staff").await;
    let leader3_user = find("leader3").await;
    let depts = kaifaqu_store::departments::list(db, &Scope::System, zone).await.unwrap();
    let dept = |name: &str| depts.iter().find(|x| x.name == name).unwrap().id;
    let viewer = actor_of(&find("viewer").await);
    Env {
        zone,
        zone_b,
        staff: actor_of(&staff_user),
        leader3: actor_of(&leader3_user),
        leader2: actor_of(&find("leader2").await),
        other_zone: Actor { zone_id: Some(zone_b), role: Role::Admin, ..viewer.clone() },
        viewer,
        staff_user,
        leader3_user,
        promo: dept("招商引资部"),
        econ: dept("经济发展部"),
    }
}

fn invalid(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid(i) => (i.errors[0].field.clone(), i.errors[0].message.clone()),
        other => panic!("{other:?}"),
    }
}

fn form(env: &Env) -> TaskForm {
    TaskForm {
        title: "测试任务：编制招商项目库".into(),
        source: "领导交办".into(),
        lead_leader_id: env.leader3_user.id.to_string(),
        department_id: env.promo.to_string(),
        collaborating_ids: vec![env.econ.to_string()],
        assigned_date: "2025-07-01".into(),
        deadline: "2025-09-30".into(),
        milestones: "2025-08-15 完成初稿\n2025-09-15 征求意见".into(),
        ..Default::default()
    }
}

fn step(action: &str, date: &str, note: &str) -> StepForm {
    StepForm { action: action.into(), date: date.into(), note: note.into() }
}

async fn count(db: &Db, zone: i64) -> u64 {
    tasks::list(db, &Scope::System, zone, &TaskFilter::default()).await.unwrap().total
}

db_test!(demo_task_list, |db: Db| async move {
    let env = setup(&db).await;
    let all = tasks::list(&db, &Scope::System, env.zone, &TaskFilter::default()).await.unwrap();
    assert_eq!(all.total, 10);
    let by = |s: TaskStatus| all.rows.iter().filter(|t| t.status == s).count();
    assert_eq!((by(TaskStatus::Closed), by(TaskStatus::Submitted)), (1, 1));
    let sources: std::collections::HashSet<TaskSource> = all.rows.iter().map(|t| t.source).collect();
    assert!(sources.contains(&TaskSource::ProvincialInspection) && sources.contains(&TaskSource::CityInspection));
    for needle in ["瑞恒新材料", "潞北三路", "固废路", "供电系统及配套工程", "全省开发区第一方阵", "52 个"]
    {
        assert!(all.rows.iter().any(|t| t.title.contains(needle)), "{needle}");
    }
    // overdue on 2025-12-31: open and past the deadline
    let overdue: Vec<_> = all.rows.iter().filter(|t| t.status.is_open() && t.deadline < d("2025-12-31")).collect();
    assert!(overdue.len() >= 3, "{}", overdue.len());
    // the returned one: submitted, returned with a reason, reworked
    let returned = all.rows.iter().find(|t| t.source == TaskSource::CityInspection).unwrap();
    assert_eq!(
        (returned.status, returned.deadline, returned.deadline_working_days),
        (TaskStatus::InProgress, d("2025-09-26"), Some(40))
    );
    let (_, _, steps) = tasks::get(&db, &Scope::System, returned.id).await.unwrap();
    let actions: Vec<TaskAction> = steps.iter().map(|s| s.action).collect();
    assert_eq!(actions, [TaskAction::Progress, TaskAction::Submit, TaskAction::Return, TaskAction::Progress]);
    assert!(steps[2].note.contains("佐证材料不全") && steps[2].actor.as_deref() == Some("班子成员乙（示例）"));
    // the closed one was closed by its lead leader after it was submitted
    let closed = all.rows.iter().find(|t| t.status == TaskStatus::Closed).unwrap();
    assert_eq!(closed.closed_date, Some(d("2025-10-30")));
    assert_eq!((closed.milestones_done, closed.milestones_total), (3, 3));
    // the working-day one: 5 working days from Friday 26 September 2025
    let wd = all.rows.iter().find(|t| t.deadline_working_days == Some(5)).unwrap();
    assert_eq!((wd.assigned_date, wd.deadline), (d("2025-09-26"), d("2025-10-10")));
    // the filters
    let f = |f: TaskFilter| {
        let db = db.clone();
        async move { tasks::list(&db, &Scope::System, env.zone, &f).await.unwrap() }
    };
    assert_eq!(f(TaskFilter { source: "city_inspection".into(), ..Default::default() }).await.total, 1);
    assert_eq!(f(TaskFilter { status: "open".into(), ..Default::default() }).await.total, 9);
    assert_eq!(f(TaskFilter { leader: env.leader3_user.id.to_string(), ..Default::default() }).await.total, 3);
    let promo = f(TaskFilter { department: env.promo.to_string(), ..Default::default() }).await;
    assert_eq!(promo.total, 4, "3 responsible, 1 collaborating");
    assert_eq!(f(TaskFilter { q: "潞北三路".into(), ..Default::default() }).await.total, 1);
    assert!(
        tasks::list(&db, &Scope::System, env.zone, &TaskFilter { status: "x".into(), ..Default::default() })
            .await
            .is_err()
    );
    let c = tasks::counts(&db, &Scope::System, env.zone).await.unwrap();
    assert_eq!((c.total, c.closed, c.submitted, c.in_progress), (10, 1, 1, 8));
});

db_test!(the_review_loop, |db: Db| async move {
    let env = setup(&db).await;
    let t = tasks::create(&db, &env.staff, &form(&env)).await.unwrap();
    assert_eq!(
        (t.status, t.deadline, t.collaborating.clone()),
        (TaskStatus::InProgress, d("2025-09-30"), vec!["经济发展部".to_string()])
    );
    let id = t.id;
    // progress needs its text; the lead leader is not the department
    assert_eq!(
        invalid(tasks::step(&db, &env.staff, id, &step("progress", "2025-08-01", "")).await.unwrap_err()).0,
        "note"
    );
    let (field, msg) =
        invalid(tasks::step(&db, &env.leader3, id, &step("progress", "2025-08-01", "x")).await.unwrap_err());
    assert_eq!((field.as_str(), msg.as_str()), ("action", "只有责任科室的人员可以报送进展"));
    tasks::step(&db, &env.staff, id, &step("progress", "2025-08-01", "完成初稿")).await.unwrap();
    // closing without a submitted review is refused
    let (field, msg) = invalid(tasks::step(&db, &env.leader3, id, &step("close", "2025-08-02", "")).await.unwrap_err());
    assert_eq!(field, "action");
    assert!(msg.contains("尚未提交办结"), "{msg}");
    assert!(
        invalid(tasks::step(&db, &env.leader3, id, &step("return", "2025-08-02", "x")).await.unwrap_err())
            .1
            .contains("只有已提交办结")
    );
    // a date before the previous step, after today, or before assignment
    assert_eq!(
        invalid(tasks::step(&db, &env.staff, id, &step("submit", "2025-07-31", "")).await.unwrap_err()).0,
        "date"
    );
    assert_eq!(
        invalid(tasks::step(&db, &env.staff, id, &step("submit", "2099-01-01", "")).await.unwrap_err()).0,
        "date"
    );
    assert_eq!(
        invalid(tasks::step(&db, &env.staff, id, &step("submit", "2025-06-01", "")).await.unwrap_err()).0,
        "date"
    );
    let s = tasks::step(&db, &env.staff, id, &step("submit", "2025-09-20", "已完成")).await.unwrap();
    assert_eq!((s.action, s.actor.as_deref()), (TaskAction::Submit, Some("招商引资部科员（示例）")));
    // the department cannot close its own task; another leader is not its lead leader
    let (_, msg) = invalid(tasks::step(&db, &env.staff, id, &step("close", "2025-09-21", "")).await.unwrap_err());
    assert_eq!(msg, "只有牵头领导可以审核销号");
    let (_, msg) = invalid(tasks::step(&db, &env.leader2, id, &step("close", "2025-09-21", "")).await.unwrap_err());
    assert_eq!(msg, "只有牵头领导可以审核销号");
    assert!(
        invalid(tasks::step(&db, &env.staff, id, &step("progress", "2025-09-21", "x")).await.unwrap_err())
            .1
            .contains("等待牵头领导审核")
    );
    // a return needs its reason
    assert_eq!(
        invalid(tasks::step(&db, &env.leader3, id, &step("return", "2025-09-22", " ")).await.unwrap_err()).0,
        "note"
    );
    tasks::step(&db, &env.leader3, id, &step("return", "2025-09-22", "请补充征求意见记录")).await.unwrap();
    let (t, _, _) = tasks::get(&db, &Scope::System, id).await.unwrap();
    assert_eq!(t.status, TaskStatus::InProgress);
    assert_eq!(t.latest.as_deref(), Some("2025-09-22 退回：请补充征求意见记录"));
    tasks::step(&db, &env.staff, id, &step("submit", "2025-09-25", "已补充")).await.unwrap();
    tasks::step(&db, &env.leader3, id, &step("close", "2025-09-26", "同意销号")).await.unwrap();
    let (t, _, steps) = tasks::get(&db, &Scope::System, id).await.unwrap();
    assert_eq!((t.status, t.closed_date), (TaskStatus::Closed, Some(d("2025-09-26"))));
    assert_eq!(steps.len(), 5);
    // nothing after closed: no step, no edit, no timetable change
    for (who, a) in [(&env.staff, "progress"), (&env.leader3, "return"), (&env.leader3, "close")] {
        let (_, msg) = invalid(tasks::step(&db, who, id, &step(a, "2025-09-27", "x")).await.unwrap_err());
        assert_eq!(msg, "任务已销号，不能再操作");
    }
    assert_eq!(invalid(tasks::update(&db, &env.staff, id, &t.form()).await.unwrap_err()).0, "version");
    let mf = MilestoneForm { title: "x".into(), due_date: "2025-09-01".into(), done_date: String::new() };
    assert!(tasks::add_milestone(&db, &env.staff, id, &mf).await.is_err());
    // every step is in the task's history
    let history = kaifaqu_store::audit::history(&db, &Scope::System, "task", &id.to_string()).await.unwrap();
    assert_eq!(history.len(), 6, "created + 5 steps");
    // the viewer reads but takes no step
    assert!(tasks::get(&db, &env.viewer.scope(), id).await.is_ok());
    assert!(matches!(
        tasks::step(&db, &env.viewer, id, &step("progress", "", "x")).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(tasks::create(&db, &env.viewer, &form(&env)).await, Err(StoreError::Forbidden(_))));
});

db_test!(deadlines_and_timetables, |db: Db| async move {
    let env = setup(&db).await;
    let before = count(&db, env.zone).await;
    // Friday 26 September 2025 + 5 working days: Sunday 28 is worked, 1–8 October are holidays
    let wd = TaskForm {
        assigned_date: "2025-09-26".into(),
        deadline: String::new(),
        deadline_days: "5".into(),
        milestones: "2025-10-09 上报方案".into(),
        ..form(&env)
    };
    let t = tasks::create(&db, &env.staff, &wd).await.unwrap();
    assert_eq!((t.deadline, t.deadline_working_days), (d("2025-10-10"), Some(5)));
    assert_eq!(t.deadline_text(), "2025-10-10（5个工作日）");
    let t2 = tasks::create(
        &db,
        &env.staff,
        &TaskForm {
            title: "测试任务乙".into(),
            deadline_days: String::new(),
            deadline: "5个工作日".into(),
            ..wd.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(t2.deadline, d("2025-10-10"));
    // a milestone after the deadline (or before assignment) is refused, nothing saved
    let n = count(&db, env.zone).await;
    let bad = TaskForm { milestones: "2025-10-13 上报方案".into(), ..wd.clone() };
    let (field, msg) = invalid(tasks::create(&db, &env.staff, &bad).await.unwrap_err());
    assert_eq!(field, "milestones");
    assert!(msg.contains("不能晚于任务完成时限 2025-10-10"), "{msg}");
    let bad = TaskForm { milestones: "2025-09-25 上报方案".into(), ..wd.clone() };
    assert!(invalid(tasks::create(&db, &env.staff, &bad).await.unwrap_err()).1.contains("不能早于交办日期"));
    let mf = |due: &str| MilestoneForm { title: "补充节点".into(), due_date: due.into(), done_date: String::new() };
    let (field, _) = invalid(tasks::add_milestone(&db, &env.staff, t.id, &mf("2025-10-11")).await.unwrap_err());
    assert_eq!(field, "due_date");
    let m = tasks::add_milestone(&db, &env.staff, t.id, &mf("2025-10-10")).await.unwrap();
    let m = tasks::mark_milestone_done(&db, &env.staff, t.id, m.id, "2025-10-09").await.unwrap();
    assert_eq!(m.done_date, Some(d("2025-10-09")));
    assert_eq!(
        invalid(tasks::mark_milestone_done(&db, &env.staff, t.id, m.id, "2099-01-01").await.unwrap_err()).0,
        "done_date"
    );
    // a deadline moved before a milestone is refused and names it
    let (t_now, _, _) = tasks::get(&db, &Scope::System, t.id).await.unwrap();
    let earlier = TaskForm { deadline_days: "3".into(), ..t_now.form() };
    let (field, msg) = invalid(tasks::update(&db, &env.staff, t.id, &earlier).await.unwrap_err());
    assert_eq!(field, "deadline");
    assert!(msg.contains("上报方案"), "{msg}");
    // an edit with a stale version is refused
    let mut stale = t_now.form();
    stale.version = (t_now.version - 1).to_string();
    assert!(matches!(tasks::update(&db, &env.staff, t.id, &stale).await.unwrap_err(), StoreError::Stale));
    let moved = TaskForm { deadline_days: String::new(), deadline: "2025-10-31".into(), ..t_now.form() };
    let t3 = tasks::update(&db, &env.staff, t.id, &moved).await.unwrap();
    assert_eq!((t3.deadline, t3.deadline_working_days, t3.version), (d("2025-10-31"), None, t_now.version + 1));
    // a task without a responsible department, leader or deadline is refused, nothing saved
    let n2 = count(&db, env.zone).await;
    let (field, msg) = invalid(
        tasks::create(&db, &env.staff, &TaskForm { department_id: String::new(), ..form(&env) }).await.unwrap_err(),
    );
    assert_eq!(field, "department_id");
    assert!(msg.contains("责任科室"), "{msg}");
    let (field, _) = invalid(
        tasks::create(&db, &env.staff, &TaskForm { lead_leader_id: String::new(), ..form(&env) }).await.unwrap_err(),
    );
    assert_eq!(field, "lead_leader_id");
    let staff_as_leader = TaskForm { lead_leader_id: env.staff_user.id.to_string(), ..form(&env) };
    assert!(invalid(tasks::create(&db, &env.staff, &staff_as_leader).await.unwrap_err()).1.contains("牵头领导"));
    let (field, _) =
        invalid(tasks::create(&db, &env.staff, &TaskForm { deadline: String::new(), ..form(&env) }).await.unwrap_err());
    assert_eq!(field, "deadline");
    let both = TaskForm { deadline_days: "5".into(), ..form(&env) };
    assert_eq!(invalid(tasks::create(&db, &env.staff, &both).await.unwrap_err()).0, "deadline_days");
    let early = TaskForm { deadline: "2025-06-30".into(), milestones: String::new(), ..form(&env) };
    assert_eq!(invalid(tasks::create(&db, &env.staff, &early).await.unwrap_err()).0, "deadline");
    let same = TaskForm { collaborating_ids: vec![env.promo.to_string()], ..form(&env) };
    assert_eq!(invalid(tasks::create(&db, &env.staff, &same).await.unwrap_err()).0, "collaborating_ids");
    let bad_source = TaskForm { source: "上级".into(), ..form(&env) };
    assert!(invalid(tasks::create(&db, &env.staff, &bad_source).await.unwrap_err()).1.contains("省委巡视整改"));
    assert_eq!(count(&db, env.zone).await, n2);
    assert_eq!(n2, n);
    assert_eq!(n, before + 2);
});

db_test!(waiting_on_and_escalation, |db: Db| async move {
    let env = setup(&db).await;
    let today = d("2025-12-31");
    // the 招商引资部 user: its open tasks (not the submitted one) and their milestones not done
    let mine = tasks::waiting_on(&db, &env.staff_user, today).await.unwrap();
    assert!(mine.iter().all(|t| t.kind == "task" || t.kind == "milestone"));
    let task_items: Vec<_> = mine.iter().filter(|t| t.kind == "task").collect();
    assert_eq!(task_items.len(), 2, "{mine:?}");
    assert!(task_items.iter().all(|t| t.due_date == today && t.due_soon && !t.overdue));
    let late = mine.iter().find(|t| t.title.contains("小分队外出招商")).unwrap();
    assert!(late.overdue && late.kind == "milestone" && late.link.contains("#milestone-"));
    assert!(mine[0].overdue, "overdue first");
    assert!(!mine.iter().any(|t| t.title.contains("以商招商")), "submitted: waiting on the leader");
    // the lead leader: the submitted task to review, overdue (deadline 2025-11-30)
    let review = tasks::waiting_on(&db, &env.leader3_user, today).await.unwrap();
    assert_eq!(review.len(), 1, "{review:?}");
    assert_eq!(review[0].kind, "review");
    assert!(review[0].title.contains("以商招商") && review[0].overdue);
    assert_eq!(review[0].link, format!("/tasks/{}", review[0].task_id));
    // a viewer of 经济发展部 sees that department's open task
    let viewer = users::find_by_login(&db, "viewer").await.unwrap().unwrap();
    let v = tasks::waiting_on(&db, &viewer, today).await.unwrap();
    assert!(v.iter().any(|t| t.title.contains("全省开发区第一方阵")));
    // escalation: once per deadline; a second run (a restart) adds nothing
    let first = tasks::run_escalation(&db, today).await.unwrap();
    assert!(first > 0);
    assert_eq!(tasks::run_escalation(&db, today).await.unwrap(), 0);
    let told = notifications::mine(&db, &env.staff).await.unwrap();
    let due: Vec<_> = told.iter().filter(|n| n.entity == "task" && n.step == "due_soon:2025-12-31").collect();
    assert_eq!(due.len(), 2, "the two 招商 tasks due today");
    assert!(told.iter().any(|n| n.entity == "task_milestone" && n.step == "overdue:2025-11-30"));
    let leader = notifications::mine(&db, &env.leader3).await.unwrap();
    let submitted = review[0].task_id.to_string();
    let about: Vec<_> = leader.iter().filter(|n| n.entity == "task" && n.entity_id == submitted).collect();
    assert_eq!(about.len(), 1);
    assert!(about[0].message.contains("请审核销号"));
    // the scheduler's run includes the task rules and is idempotent too
    notifications::run_escalation(&db, today).await.unwrap();
    assert_eq!(notifications::run_escalation(&db, today).await.unwrap(), 0);
    // closing a task ends its reminders: it no longer waits on anyone
    let id = review[0].task_id;
    tasks::step(&db, &env.leader3, id, &step("close", "", "同意销号")).await.unwrap();
    assert!(tasks::waiting_on(&db, &env.leader3_user, today).await.unwrap().is_empty());
});

fn rows_of(exported: &[(tasks::Task, Vec<tasks::Milestone>)]) -> Vec<ImportRow> {
    exported
        .iter()
        .enumerate()
        .map(|(i, (t, ms))| ImportRow {
            line: i as u32 + 3,
            title: t.title.clone(),
            source: t.source.label().into(),
            leader: t.lead_leader.clone().unwrap_or_default(),
            department: t.department.clone(),
            collaborating: t.collaborating.join("、"),
            assigned_date: t.assigned_date.to_string(),
            deadline: t.deadline.to_string(),
            milestones: ms.iter().map(|m| format!("{} {}", m.due_date, m.title)).collect::<Vec<_>>().join("\n"),
        })
        .collect()
}

db_test!(import_is_all_or_nothing, |db: Db| async move {
    let env = setup(&db).await;
    let exported = tasks::export_rows(&db, &Scope::System, env.zone, &TaskFilter::default()).await.unwrap();
    assert_eq!(exported.len(), 10);
    let rows = rows_of(&exported);
    // the list back changes nothing
    let out = tasks::import(&db, &env.staff, env.zone, &rows).await.unwrap();
    assert_eq!(out, ImportOutcome::Imported { added: 0, unchanged: 10 });
    // a bad row among good new ones: errors name row and column, nothing saved
    let new = ImportRow {
        line: 13,
        title: "新任务：园区标准化厂房招商".into(),
        source: "年度计划".into(),
        leader: "班子成员丙（示例）".into(),
        department: "招商引资部".into(),
        collaborating: "项目建设部，财政金融部".into(),
        assigned_date: "2025-09-26".into(),
        deadline: "5个工作日".into(),
        milestones: "2025-10-09 完成对接".into(),
    };
    let mut bad = rows.clone();
    bad.push(new.clone());
    bad.push(ImportRow {
        line: 14, title: "新任务乙".into(), milestones: "2025-10-13 完成对接".into(), ..new.clone()
    });
    bad.push(ImportRow {
        line: 15, title: "新任务丙".into(), department: "不存在的科室".into(), ..new.clone()
    });
    bad.push(ImportRow { line: 16, title: "新任务丁".into(), department: String::new(), ..new.clone() });
    let mut changed = rows[0].clone();
    changed.deadline = "2025-12-30".into();
    bad[0] = changed;
    let ImportOutcome::Rejected(errors) = tasks::import(&db, &env.staff, env.zone, &bad).await.unwrap() else {
        panic!("bad rows accepted")
    };
    let at = |line: u32| errors.iter().find(|e| e.line == line).unwrap_or_else(|| panic!("{line}: {errors:?}"));
    assert_eq!(at(3).column, "任务名称");
    assert!(at(3).reason.contains("已在清单中"));
    assert_eq!(at(14).column, "时间表（节点）");
    assert!(at(14).reason.contains("不能晚于任务完成时限 2025-10-10"), "{:?}", at(14));
    assert_eq!((at(15).column.as_str(), at(15).reason.as_str()), ("责任科室", "“不存在的科室”不是本开发区的科室"));
    assert_eq!(errors.iter().filter(|e| e.line == 15).count(), 1, "{errors:?}");
    assert_eq!(at(16).column, "责任科室");
    assert!(errors.iter().all(|e| e.line != 13), "{errors:?}");
    assert_eq!(count(&db, env.zone).await, 10);
    // the good rows alone: one added (with its working-day deadline), the rest unchanged
    let mut good = rows.clone();
    good.push(new);
    let out = tasks::import(&db, &env.staff, env.zone, &good).await.unwrap();
    assert_eq!(out, ImportOutcome::Imported { added: 1, unchanged: 10 });
    let added =
        tasks::list(&db, &Scope::System, env.zone, &TaskFilter { q: "标准化厂房".into(), ..Default::default() })
            .await
            .unwrap();
    assert_eq!(added.rows[0].deadline, d("2025-10-10"));
    assert_eq!(added.rows[0].collaborating.len(), 2);
    // duplicates within the sheet
    let dup = vec![good[10].clone(), ImportRow { line: 30, ..good[10].clone() }];
    let ImportOutcome::Rejected(errors) = tasks::import(&db, &env.staff, env.zone, &dup).await.unwrap() else {
        panic!("duplicate accepted")
    };
    assert!(errors[0].reason.contains("重复"));
    assert!(matches!(tasks::import(&db, &env.viewer, env.zone, &good).await, Err(StoreError::Forbidden(_))));
});

db_test!(zones_are_isolated, |db: Db| async move {
    let env = setup(&db).await;
    let a = tasks::list(&db, &Scope::System, env.zone, &TaskFilter::default()).await.unwrap().rows[0].clone();
    let b = env.other_zone.scope();
    assert!(matches!(tasks::get(&db, &b, a.id).await, Err(StoreError::NotFound)));
    assert!(matches!(tasks::list(&db, &b, env.zone, &TaskFilter::default()).await, Err(StoreError::NotFound)));
    assert!(matches!(
        tasks::step(&db, &env.other_zone, a.id, &step("progress", "", "x")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(tasks::update(&db, &env.other_zone, a.id, &a.form()).await, Err(StoreError::NotFound)));
    let mf = MilestoneForm { title: "x".into(), due_date: a.deadline.to_string(), done_date: String::new() };
    assert!(matches!(tasks::add_milestone(&db, &env.other_zone, a.id, &mf).await, Err(StoreError::NotFound)));
    assert!(matches!(tasks::import(&db, &env.other_zone, env.zone, &[]).await, Err(StoreError::NotFound)));
    assert_eq!(tasks::list(&db, &b, env.zone_b, &TaskFilter::default()).await.unwrap().total, 0);
    // zone A's leaders and departments are not zone B's
    let f = TaskForm { ..form(&env) };
    assert!(matches!(tasks::create(&db, &env.other_zone, &f).await, Err(StoreError::Invalid(_))));
});
