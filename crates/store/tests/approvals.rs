//! Approval services in the store: the demo's half-year figures (22 承诺制 and 22 全代办
//! projects, 194 powers), working-day due dates across a holiday and a 调休 working day, the
//! case steps (allowed and refused), dates and limits refused with nothing saved, commitment
//! verification and overdue, the escalation run twice, the power import (upsert, all or
//! nothing), zone isolation and read-only roles.

use chrono::NaiveDate;
use kaifaqu_domain::Role;
use kaifaqu_domain::approval::{CaseStatus, CommitmentStatus};
use kaifaqu_store::approval_cases::{
    self, CaseFilter, CaseForm, CommitmentFilter, CommitmentForm, StepForm, VerifyForm,
};
use kaifaqu_store::approval_powers::{self, ImportOutcome, ImportRow, PowerFilter, PowerForm};
use kaifaqu_store::{Actor, Db, Scope, StoreError, db_test, demo, notifications, zones};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct Env {
    zone: i64,
    zone_b: i64,
    staff: Actor,
    viewer: Actor,
    other_zone: Actor,
}

async fn setup(db: &Db) -> Env {
    assert!(matches!(demo::load(db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let zs = zones::list(db, &Scope::System).await.unwrap();
    let (zone, zone_b) = (zs[0].id, zs[1].id);
    let actor = |login: &str, role: Role, zone_id: i64, id: i64| Actor {
        user_id: Some(id),
        login_name: login.into(),
        role,
        zone_id: Some(zone_id),
        city_code: None,
        ip: None,
    };
    let a = kaifaqu_store::users::find_by_login(db, "approval").await.unwrap().unwrap();
    let v = kaifaqu_store::users::find_by_login(db, "viewer").await.unwrap().unwrap();
    Env {
        zone,
        zone_b,
        staff: actor("approval", Role::Staff, zone, a.id),
        viewer: actor("viewer", Role::Viewer, zone, v.id),
        other_zone: actor("b", Role::Admin, zone_b, a.id),
    }
}

fn invalid(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid(i) => (i.errors[0].field.clone(), i.errors[0].message.clone()),
        other => panic!("{other:?}"),
    }
}

fn power(name: &str, statutory: &str, promised: &str, commitment: bool) -> PowerForm {
    PowerForm {
        name: name.into(),
        category: "行政许可".into(),
        source_department: "县住建局".into(),
        statutory_days: statutory.into(),
        promised_days: promised.into(),
        commitment: if commitment { "1" } else { "" }.into(),
        ..Default::default()
    }
}

async fn count_cases(db: &Db, zone: i64) -> u64 {
    approval_cases::list(db, &Scope::System, zone, &CaseFilter::default()).await.unwrap().total
}

db_test!(demo_half_year_figures, |db: Db| async move {
    let env = setup(&db).await;
    let f = approval_cases::figures(&db, &Scope::System, env.zone, d("2025-01-01"), d("2025-06-30")).await.unwrap();
    assert_eq!(f.commitment_projects.value, 22, "22 个承诺制项目");
    assert_eq!(f.agency_projects.value, 22, "全代办 22 个项目");
    assert_eq!(f.commitment_projects.href, "/approvals/cases?commitment=1&from=2025-01-01&to=2025-06-30");
    let powers = approval_powers::list(&db, &Scope::System, env.zone, &PowerFilter::default()).await.unwrap();
    assert_eq!(powers.total, 194, "194 项审批权限");
    assert!(f.received.value > 30 && f.approved.value < f.received.value);
    assert!(f.on_time.value > 0 && f.on_time.value < f.approved.value, "some approved late");
    assert!(f.overdue.value > 0, "cases still open");
    assert!(f.commitments_fulfilled.value > 0 && f.commitments_overdue.value > 0);
    // each figure is its list
    let cases = |f: CaseFilter| {
        let db = db.clone();
        async move { approval_cases::list(&db, &Scope::System, env.zone, &f).await.unwrap() }
    };
    let range = CaseFilter { from: "2025-01-01".into(), to: "2025-06-30".into(), ..Default::default() };
    assert_eq!(cases(range.clone()).await.total, f.received.value);
    let on_time = cases(CaseFilter { on_time: "1".into(), ..range.clone() }).await;
    assert_eq!(on_time.total, f.on_time.value);
    assert!(on_time.rows.iter().all(|c| c.on_time == Some(true) && c.days_used <= c.promised_days as u32));
    let overdue = cases(CaseFilter { overdue: "1".into(), ..range.clone() }).await;
    assert_eq!(overdue.total, f.overdue.value);
    let commit = cases(CaseFilter { commitment: "1".into(), ..range.clone() }).await;
    let projects: std::collections::BTreeSet<i64> = commit.rows.iter().filter_map(|c| c.project_id).collect();
    assert_eq!(projects.len(), 22);
    let c = approval_cases::list_commitments(
        &db,
        &Scope::System,
        env.zone,
        &CommitmentFilter {
            overdue: "1".into(),
            from: "2025-01-01".into(),
            to: "2025-06-30".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(c.total, f.commitments_overdue.value);
});

db_test!(due_dates_count_working_days, |db: Db| async move {
    let env = setup(&db).await;
    let p = approval_powers::create(&db, &env.staff, &power("测试许可甲", "10", "5", true)).await.unwrap();
    let form = CaseForm {
        power_id: p.id.to_string(),
        applicant: "测试企业".into(),
        received_date: "2025-09-26".into(),
        ..Default::default()
    };
    // Friday 26 September: Sunday 28 is worked (调休), 1–8 October are holidays
    let c = approval_cases::create(&db, &env.staff, &form).await.unwrap();
    assert_eq!((c.status, c.promised_days, c.due_date), (CaseStatus::Received, 5, d("2025-10-10")));
    // accepted on Monday 29 September: five working days from then
    let step =
        |action: &str, date: &str, note: &str| StepForm { action: action.into(), date: date.into(), note: note.into() };
    let c = approval_cases::step(&db, &env.staff, c.id, &step("accept", "2025-09-29", "")).await.unwrap();
    assert_eq!((c.status, c.due_date), (CaseStatus::Accepted, d("2025-10-13")), "Sat 11 Oct is worked");
    let c = approval_cases::step(&db, &env.staff, c.id, &step("approve", "2025-10-10", "")).await.unwrap();
    assert_eq!((c.status, c.days_used, c.on_time, c.overdue), (CaseStatus::Approved, 3, Some(true), false));
    // the power's limit later changed: the case keeps its own
    approval_powers::update(&db, &env.staff, p.id, &power("测试许可甲", "10", "3", true)).await.unwrap();
    let (c, _) = approval_cases::get(&db, &Scope::System, c.id).await.unwrap();
    assert_eq!(c.promised_days, 5);
});

db_test!(steps_allowed_and_refused, |db: Db| async move {
    let env = setup(&db).await;
    let p = approval_powers::create(&db, &env.staff, &power("测试许可乙", "20", "10", false)).await.unwrap();
    let form = CaseForm {
        power_id: p.id.to_string(),
        applicant: "测试企业".into(),
        received_date: "2025-03-03".into(),
        ..Default::default()
    };
    let before = count_cases(&db, env.zone).await;
    // approved before it was received: refused, nothing saved
    let bad = CaseForm { approved_date: "2025-03-01".into(), ..form.clone() };
    let (field, msg) = invalid(approval_cases::create(&db, &env.staff, &bad).await.unwrap_err());
    assert_eq!(field, "approved_date");
    assert!(msg.contains("不能早于收件日期"), "{msg}");
    let bad = CaseForm { commitment: "1".into(), ..form.clone() };
    assert_eq!(invalid(approval_cases::create(&db, &env.staff, &bad).await.unwrap_err()).0, "commitment");
    let bad = CaseForm { agency: "1".into(), ..form.clone() };
    assert_eq!(invalid(approval_cases::create(&db, &env.staff, &bad).await.unwrap_err()).0, "agent_id");
    assert_eq!(count_cases(&db, env.zone).await, before);

    let c = approval_cases::create(&db, &env.staff, &form).await.unwrap();
    let step =
        |action: &str, date: &str, note: &str| StepForm { action: action.into(), date: date.into(), note: note.into() };
    let (field, msg) =
        invalid(approval_cases::step(&db, &env.staff, c.id, &step("approve", "2025-03-01", "")).await.unwrap_err());
    assert_eq!(field, "date");
    assert!(msg.contains("不能早于收件日期"), "{msg}");
    let (field, _) =
        invalid(approval_cases::step(&db, &env.staff, c.id, &step("refuse", "2025-03-05", "")).await.unwrap_err());
    assert_eq!(field, "note", "a refusal needs its reason");
    let c = approval_cases::step(&db, &env.staff, c.id, &step("refuse", "2025-03-05", "材料不符合要求")).await.unwrap();
    assert_eq!((c.status, c.approved_date), (CaseStatus::Refused, Some(d("2025-03-05"))));
    assert!(c.notes.contains("不予批准：材料不符合要求"));
    let (field, msg) =
        invalid(approval_cases::step(&db, &env.staff, c.id, &step("accept", "2025-03-06", "")).await.unwrap_err());
    assert_eq!(field, "action");
    assert!(msg.contains("不能再操作"), "{msg}");
    // accepted twice is refused too
    let c2 = approval_cases::create(&db, &env.staff, &form).await.unwrap();
    approval_cases::step(&db, &env.staff, c2.id, &step("accept", "2025-03-04", "")).await.unwrap();
    assert!(approval_cases::step(&db, &env.staff, c2.id, &step("accept", "2025-03-05", "")).await.is_err());
    let c2 = approval_cases::step(&db, &env.staff, c2.id, &step("withdraw", "2025-03-06", "")).await.unwrap();
    assert_eq!(c2.status, CaseStatus::Withdrawn);
    // limits ≤ 0 or above the statutory one are refused, nothing saved
    let n = approval_powers::all(&db, &Scope::System, env.zone).await.unwrap().len();
    let (field, msg) =
        invalid(approval_powers::create(&db, &env.staff, &power("测试许可丙", "20", "0", false)).await.unwrap_err());
    assert_eq!(field, "promised_days");
    assert!(msg.contains("应大于 0"), "{msg}");
    let (field, _) =
        invalid(approval_powers::create(&db, &env.staff, &power("测试许可丙", "-1", "1", false)).await.unwrap_err());
    assert_eq!(field, "statutory_days");
    let (field, _) =
        invalid(approval_powers::create(&db, &env.staff, &power("测试许可丙", "5", "6", false)).await.unwrap_err());
    assert_eq!(field, "promised_days");
    let (field, msg) =
        invalid(approval_powers::create(&db, &env.staff, &power("测试许可乙", "5", "3", false)).await.unwrap_err());
    assert_eq!(field, "name");
    assert!(msg.contains("同名"));
    assert_eq!(approval_powers::all(&db, &Scope::System, env.zone).await.unwrap().len(), n);
    // a deactivated power takes no new cases
    approval_powers::deactivate(&db, &env.staff, p.id).await.unwrap();
    assert_eq!(invalid(approval_cases::create(&db, &env.staff, &form).await.unwrap_err()).0, "power_id");
});

db_test!(commitments_verification_and_escalation, |db: Db| async move {
    let env = setup(&db).await;
    let p = approval_powers::create(&db, &env.staff, &power("测试承诺事项", "20", "5", true)).await.unwrap();
    let agent = env.staff.user_id.unwrap();
    let form = CaseForm {
        power_id: p.id.to_string(),
        applicant: "测试企业".into(),
        commitment: "1".into(),
        agency: "1".into(),
        agent_id: agent.to_string(),
        received_date: "2025-03-03".into(),
        accepted_date: "2025-03-03".into(),
        ..Default::default()
    };
    let c = approval_cases::create(&db, &env.staff, &form).await.unwrap();
    let bad = CommitmentForm { content: "补交材料".into(), deadline: "2025-03-01".into() };
    assert_eq!(invalid(approval_cases::add_commitment(&db, &env.staff, c.id, &bad).await.unwrap_err()).0, "deadline");
    let k = approval_cases::add_commitment(
        &db,
        &env.staff,
        c.id,
        &CommitmentForm { content: "开工前补齐施工图审查合格书".into(), deadline: "2025-03-20".into() },
    )
    .await
    .unwrap();
    assert_eq!(k.status, CommitmentStatus::Pending);
    assert!(k.overdue, "pending past its deadline");
    // a case not under 承诺制 takes no commitments
    let plain =
        approval_cases::create(&db, &env.staff, &CaseForm { commitment: String::new(), ..form.clone() }).await.unwrap();
    let f = CommitmentForm { content: "x".into(), deadline: "2025-04-01".into() };
    assert_eq!(invalid(approval_cases::add_commitment(&db, &env.staff, plain.id, &f).await.unwrap_err()).0, "content");

    // escalation: the agent once, then (3 days later by default) the leaders once; a second run adds nothing
    let first = notifications::run_escalation(&db, d("2025-04-01")).await.unwrap();
    assert!(first > 0);
    assert_eq!(notifications::run_escalation(&db, d("2025-04-01")).await.unwrap(), 0);
    let mine = notifications::mine(&db, &env.staff).await.unwrap();
    let about: Vec<_> =
        mine.iter().filter(|n| n.entity == "approval_commitment" && n.entity_id == k.id.to_string()).collect();
    assert_eq!(about.len(), 1);
    assert_eq!(about[0].link, format!("/approvals/cases/{}", c.id));
    let leader = kaifaqu_store::users::find_by_login(&db, "leader").await.unwrap().unwrap();
    let leader = Actor { user_id: Some(leader.id), role: Role::Leader, ..env.staff.clone() };
    let told = notifications::mine(&db, &leader).await.unwrap();
    assert_eq!(told.iter().filter(|n| n.entity_id == k.id.to_string() && n.step.starts_with("escalate")).count(), 1);

    // verification: a result is needed; unfulfilled needs what was found; fulfilled is final
    let v = |result: &str, date: &str, note: &str| VerifyForm {
        result: result.into(),
        date: date.into(),
        note: note.into(),
    };
    assert_eq!(
        invalid(approval_cases::verify(&db, &env.staff, k.id, &v("", "2025-03-25", "")).await.unwrap_err()).0,
        "result"
    );
    assert_eq!(
        invalid(approval_cases::verify(&db, &env.staff, k.id, &v("unfulfilled", "2025-03-25", "")).await.unwrap_err())
            .0,
        "note"
    );
    assert_eq!(
        invalid(approval_cases::verify(&db, &env.staff, k.id, &v("fulfilled", "2025-02-01", "")).await.unwrap_err()).0,
        "date"
    );
    let k2 = approval_cases::verify(&db, &env.staff, k.id, &v("unfulfilled", "2025-03-25", "尚未补齐")).await.unwrap();
    assert_eq!((k2.status, k2.overdue, k2.verified_by.is_some()), (CommitmentStatus::Unfulfilled, true, true));
    let open = approval_cases::list_commitments(
        &db,
        &Scope::System,
        env.zone,
        &CommitmentFilter { overdue: "1".into(), case: c.id.to_string(), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(open.total, 1);
    let k3 = approval_cases::verify(&db, &env.staff, k.id, &v("fulfilled", "2025-04-02", "已补齐")).await.unwrap();
    assert_eq!((k3.status, k3.overdue), (CommitmentStatus::Fulfilled, false));
    assert_eq!(
        invalid(approval_cases::verify(&db, &env.staff, k.id, &v("fulfilled", "2025-04-03", "")).await.unwrap_err()).0,
        "result"
    );
    let (_, ks) = approval_cases::get(&db, &Scope::System, c.id).await.unwrap();
    assert_eq!(ks.len(), 1);
    assert_eq!(ks[0].verification, "已补齐");
});

db_test!(power_import_is_all_or_nothing, |db: Db| async move {
    let env = setup(&db).await;
    let before = approval_powers::all(&db, &Scope::System, env.zone).await.unwrap();
    let rows: Vec<ImportRow> =
        before.iter().enumerate().map(|(i, p)| ImportRow { line: i as u32 + 3, form: p.form() }).collect();
    // the same list back changes nothing
    let out = approval_powers::import(&db, &env.staff, env.zone, &rows, true).await.unwrap();
    assert_eq!(out, ImportOutcome::Imported { added: 0, changed: 0, unchanged: 194, deactivated: 0 });
    assert_eq!(approval_powers::all(&db, &Scope::System, env.zone).await.unwrap(), before);
    // one bad row: the error names the row and the column, nothing changes
    let mut bad = rows.clone();
    bad[0].form.promised_days = "99".into();
    bad[5].form.statutory_days = "0".into();
    bad.push(ImportRow { line: 500, form: power("新增事项", "10", "5", false) });
    let ImportOutcome::Rejected(errors) = approval_powers::import(&db, &env.staff, env.zone, &bad, true).await.unwrap()
    else {
        panic!("bad rows accepted")
    };
    assert_eq!(errors.len(), 2);
    assert_eq!((errors[0].line, errors[0].column.as_str()), (3, "承诺时限（工作日）"));
    assert_eq!((errors[1].line, errors[1].column.as_str()), (8, "法定时限（工作日）"));
    assert_eq!(approval_powers::all(&db, &Scope::System, env.zone).await.unwrap(), before);
    // upsert: a changed row, a new one; with replace, the missing ones are deactivated
    let mut next = rows[..10].to_vec();
    next[0].form.promised_days = "2".into();
    next.push(ImportRow { line: 13, form: power("新增事项", "10", "5", false) });
    let out = approval_powers::import(&db, &env.staff, env.zone, &next, true).await.unwrap();
    assert_eq!(out, ImportOutcome::Imported { added: 1, changed: 1, unchanged: 9, deactivated: 184 });
    let active = approval_powers::list(&db, &Scope::System, env.zone, &PowerFilter::default()).await.unwrap();
    assert_eq!(active.total, 11);
    // duplicate names in the sheet are refused
    let dup = vec![next[0].clone(), ImportRow { line: 20, ..next[0].clone() }];
    let ImportOutcome::Rejected(errors) =
        approval_powers::import(&db, &env.staff, env.zone, &dup, false).await.unwrap()
    else {
        panic!("duplicate accepted")
    };
    assert!(errors[0].reason.contains("重复"));
});

db_test!(zones_and_roles, |db: Db| async move {
    let env = setup(&db).await;
    let a = approval_cases::list(&db, &Scope::System, env.zone, &CaseFilter::default()).await.unwrap().rows[0].clone();
    let b_scope = env.other_zone.scope();
    assert!(matches!(approval_cases::get(&db, &b_scope, a.id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        approval_cases::list(&db, &b_scope, env.zone, &CaseFilter::default()).await,
        Err(StoreError::NotFound)
    ));
    let step = StepForm { action: "withdraw".into(), ..Default::default() };
    assert!(matches!(approval_cases::step(&db, &env.other_zone, a.id, &step).await, Err(StoreError::NotFound)));
    assert!(matches!(approval_cases::update(&db, &env.other_zone, a.id, &a.form()).await, Err(StoreError::NotFound)));
    let p = approval_powers::all(&db, &Scope::System, env.zone).await.unwrap()[0].clone();
    assert!(matches!(approval_powers::get(&db, &b_scope, p.id).await, Err(StoreError::NotFound)));
    assert!(matches!(approval_powers::update(&db, &env.other_zone, p.id, &p.form()).await, Err(StoreError::NotFound)));
    // zone B's own list is empty
    assert_eq!(approval_powers::list(&db, &b_scope, env.zone_b, &PowerFilter::default()).await.unwrap().total, 0);
    // a viewer reads but cannot write
    assert!(approval_cases::get(&db, &env.viewer.scope(), a.id).await.is_ok());
    assert!(matches!(approval_cases::step(&db, &env.viewer, a.id, &step).await, Err(StoreError::Forbidden(_))));
    assert!(matches!(approval_powers::create(&db, &env.viewer, &p.form()).await, Err(StoreError::Forbidden(_))));
});
