//! Annual targets in the store: the demo on 2025-06-30 (签约 14 of 52, 开工 ≥ 10 of 42, 投产 as
//! the records give), the actual of every metric kind equal to its module's own figure for the
//! same range (with the link to the records), the route (even split, edits checked and saved,
//! reset when the target changes), the status rules on real data, refused input with nothing
//! saved, the audit trail, zone isolation (not found) and the read-only roles.

use chrono::NaiveDate;
use kaifaqu_domain::Role;
use kaifaqu_domain::stage::Stage;
use kaifaqu_domain::target::{Metric, Status};
use kaifaqu_store::targets::{self, RouteForm, TargetForm, TargetStatus};
use kaifaqu_store::{
    Actor, Db, Scope, StoreError, approval_cases, audit, db_test, demo, figures, idle_plants, indicator_views,
    indicators, land_parcels, safety_figures, zones,
};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Loads the demo; zone A, zone B, a staff actor of A and the same user as a viewer.
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

fn form(name: &str, metric: &str, param: &str, value: &str) -> TargetForm {
    TargetForm {
        name: name.into(),
        year: "2025".into(),
        metric: metric.into(),
        param: param.into(),
        target_value: value.into(),
        ..Default::default()
    }
}

fn route(v: &[i64]) -> RouteForm {
    RouteForm { route: v.iter().map(|x| x.to_string()).collect(), ..Default::default() }
}

fn by_name<'a>(rows: &'a [TargetStatus], name: &str) -> &'a TargetStatus {
    rows.iter().find(|r| r.target.name == name).unwrap_or_else(|| panic!("no target {name}"))
}

async fn target_count(db: &Db, z: i64) -> usize {
    targets::list(db, &Scope::System, z, 2025).await.unwrap().len()
}

async fn audit_count(db: &Db, id: i64) -> usize {
    audit::history(db, &Scope::System, "target", &id.to_string()).await.unwrap().len()
}

db_test!(demo_on_june_30_against_the_route, |db: Db| async move {
    let (z, ..) = setup(&db).await;
    let s = Scope::System;
    let rows = targets::evaluate(&db, &s, z, 2025, d("2025-06-30")).await.unwrap();
    assert_eq!(rows.len(), 12);
    // 签约 14 of 52: 26 due by the end of June, 12 behind, run-rate 14 × 365 ÷ 181 ≈ 28
    let signed = by_name(&rows, "全年签约项目");
    assert_eq!(signed.actual, Some(14));
    assert_eq!(signed.target.target_value, 52);
    assert_eq!(signed.target.route, vec![4, 8, 13, 17, 21, 26, 30, 34, 39, 43, 47, 52]);
    assert!(signed.target.route_even);
    assert_eq!((signed.milestone_month, signed.milestone, signed.gap), (6, 26, Some(-12)));
    assert_eq!(signed.projection, Some(28));
    assert_eq!(signed.completion_text, "26.92%");
    assert_eq!(signed.status, Status::Warning);
    assert!(signed.reason.contains("6月底应达到 26 个，实际 14 个"), "{}", signed.reason);
    assert_eq!(signed.href, "/figures/stage?stage=signed&from=2025-01-01&to=2025-06-30");
    assert_eq!(signed.target.leader.as_deref(), Some("班子成员甲（示例）"));
    assert_eq!(signed.target.department.as_deref(), Some("招商引资部"));
    // 开工 ≥ 10 of 42 (the seed's "10+"), judged against 21 due
    let started = by_name(&rows, "全年开工项目");
    assert!(started.actual.unwrap() >= 10, "{:?}", started.actual);
    assert_eq!(started.milestone, 21);
    assert_ne!(started.status, Status::Normal, "{}", started.reason);
    // 投产 as the records give, against its edited route (9 by the end of June)
    let producing = by_name(&rows, "全年投产项目");
    let f = figures::period(&db, &s, z, d("2025-01-01"), d("2025-06-30")).await.unwrap();
    assert_eq!(producing.actual, Some(f.stage(Stage::Producing).count as i64));
    assert_eq!(producing.target.route, vec![1, 2, 3, 5, 7, 9, 11, 14, 17, 20, 23, 26]);
    assert!(!producing.target.route_even);
    assert_eq!(producing.milestone, 9);
    // the actuals equal the modules' own figures for the same range
    assert_eq!(signed.actual, Some(f.stage(Stage::Signed).count as i64));
    assert_eq!(started.actual, Some(f.stage(Stage::Started).count as i64));
    assert_eq!(by_name(&rows, "全年对接项目").actual, Some(f.contacts as i64));
    assert_eq!(f.contacts, 67);
    let p = land_parcels::figures(&db, &s, z, d("2025-01-01"), d("2025-06-30")).await.unwrap();
    let parcels = by_name(&rows, "出让标准地");
    assert_eq!(parcels.actual, Some(22_041));
    assert_eq!(parcels.actual_text, "220.41 亩");
    assert_eq!(parcels.href, format!("/land/parcels?{}", p.list_query));
    let i = idle_plants::figures(&db, &s, z, d("2025-01-01"), d("2025-06-30")).await.unwrap();
    let plants = by_name(&rows, "盘活闲置厂房");
    assert_eq!(plants.actual, Some(i.m2_x100));
    assert_eq!(plants.href, format!("/land/idle-plants?{}", i.list_query));
    let a = approval_cases::figures(&db, &s, z, d("2025-01-01"), d("2025-06-30")).await.unwrap();
    let commit = by_name(&rows, "承诺制审批项目");
    assert_eq!(commit.actual, Some(a.commitment_projects.value as i64));
    assert_eq!(commit.actual, Some(22));
    assert_eq!(commit.href, a.commitment_projects.href);
    let sf = safety_figures::period(&db, &s, z, d("2025-01-01"), d("2025-06-30")).await.unwrap();
    let ins = by_name(&rows, "入企安全检查");
    assert_eq!(ins.actual, Some(95));
    assert_eq!(ins.actual, Some(sf.inspections as i64));
    assert_eq!(ins.href, "/safety/inspections?from=2025-01-01&to=2025-06-30");
    let rate = by_name(&rows, "隐患整改率");
    assert_eq!(rate.actual, sf.rectification_rate);
    assert!(!rate.target.cumulative);
    assert_eq!(rate.href, "/safety/figures?from=2025-01-01&to=2025-06-30");
    // indicators: the latest published period by 30 June is 1-5月 (27.97 亿元, +22.9 %)
    let va = by_name(&rows, "规上工业增加值");
    assert_eq!((va.actual, va.through), (Some(279_700), d("2025-05-31")));
    assert_eq!(va.actual_text, "27.97 亿元");
    assert_eq!(va.milestone_month, 5, "judged at the period's end, not the evaluation date");
    assert_eq!(va.milestone, 660_000 * 5 / 12);
    let ind = indicators::by_code(&db, "industrial_value_added").await.unwrap().unwrap();
    assert_eq!(va.href, format!("/indicators/{}?until=2025-05", ind.id));
    let series =
        indicator_views::series(&db, &s, z, &ind, kaifaqu_domain::indicator::Period { year: 2025, month: 5 }, 1)
            .await
            .unwrap();
    assert_eq!(va.actual, series[0].figure.value.map(|v| v.0));
    let growth = by_name(&rows, "规上工业增加值增速");
    assert_eq!(growth.actual, series[0].figure.growth.map(|g| g.0));
    assert_eq!(growth.actual, Some(2_290));
    assert_eq!((growth.status, growth.projection), (Status::Normal, Some(2_290)));
    assert_eq!(growth.gap_text, "+2.9 个百分点");
    let invest = by_name(&rows, "工业投资");
    assert_eq!(invest.actual, Some(169_000));
});

db_test!(every_metric_kind_matches_its_module, |db: Db| async move {
    let (z, _, staff, _) = setup(&db).await;
    let s = Scope::System;
    let ind = indicators::by_code(&db, "industrial_investment").await.unwrap().unwrap();
    let made = [
        form("签约投资", "stage_investment", "signed", "80"),
        form("落地项目", "stage_count", "landed", "20"),
        form("出让宗数", "parcels", "", "6"),
        form("全代办", "agency_projects", "", "40"),
        form("投资增速", "indicator_growth", &ind.id.to_string(), "5"),
    ];
    for f in &made {
        targets::create(&db, &staff, f).await.unwrap();
    }
    let (from, to) = (d("2025-01-01"), d("2025-04-30"));
    let rows = targets::evaluate(&db, &s, z, 2025, to).await.unwrap();
    let f = figures::period(&db, &s, z, from, to).await.unwrap();
    let inv = by_name(&rows, "签约投资");
    assert_eq!(inv.actual, Some(f.stage(Stage::Signed).investment.0));
    assert_eq!(inv.target.unit, "亿元");
    assert_eq!(inv.target.target_value, 800_000);
    assert_eq!(inv.actual_text, format!("{} 亿元", f.stage(Stage::Signed).investment.yi_2()));
    assert_eq!(by_name(&rows, "落地项目").actual, Some(f.stage(Stage::Landed).count as i64));
    assert_eq!(by_name(&rows, "全年签约项目").actual, Some(f.stage(Stage::Signed).count as i64));
    let p = land_parcels::figures(&db, &s, z, from, to).await.unwrap();
    assert_eq!(by_name(&rows, "出让宗数").actual, Some(p.parcels as i64));
    let a = approval_cases::figures(&db, &s, z, from, to).await.unwrap();
    assert_eq!(by_name(&rows, "全代办").actual, Some(a.agency_projects.value as i64));
    assert_eq!(by_name(&rows, "全代办").href, a.agency_projects.href);
    let sf = safety_figures::period(&db, &s, z, from, to).await.unwrap();
    assert_eq!(by_name(&rows, "入企安全检查").actual, Some(sf.inspections as i64));
    assert_eq!(by_name(&rows, "隐患整改率").actual, sf.rectification_rate);
    // 1-4月 is the latest period ended by 30 April
    let g = by_name(&rows, "投资增速");
    assert_eq!(g.through, d("2025-04-30"));
    let series =
        indicator_views::series(&db, &s, z, &ind, kaifaqu_domain::indicator::Period { year: 2025, month: 4 }, 1)
            .await
            .unwrap();
    assert_eq!(g.actual, series[0].figure.growth.map(|x| x.0));
    // before any period is published (1-2月 ends 28 February): no figure, nothing due yet
    let early = targets::evaluate(&db, &s, z, 2025, d("2025-02-10")).await.unwrap();
    let va = by_name(&early, "规上工业增加值");
    assert_eq!((va.actual, va.status), (None, Status::Normal));
    assert_eq!(va.actual_text, "尚无数据");
    // a date after the year counts as 31 December; a date before it is refused
    let late = targets::evaluate(&db, &s, z, 2025, d("2026-03-01")).await.unwrap();
    assert_eq!(late[0].as_of, d("2025-12-31"));
    let (field, msg) = invalid(targets::evaluate(&db, &s, z, 2025, d("2024-12-31")).await.unwrap_err());
    assert_eq!(field, "as_of");
    assert!(msg.contains("早于 2025 年"));
});

db_test!(the_route_and_its_month_ends, |db: Db| async move {
    let (z, _, staff, _) = setup(&db).await;
    let t = targets::create(&db, &staff, &form("测试签约", "stage_count", "signed", "52")).await.unwrap();
    assert_eq!(t.route, vec![4, 8, 13, 17, 21, 26, 30, 34, 39, 43, 47, 52]);
    assert_eq!(audit_count(&db, t.id).await, 1);
    // month 12 short of the target: refused, nothing saved
    let bad = [4, 8, 13, 17, 21, 26, 30, 34, 39, 43, 47, 50];
    let (field, msg) = invalid(targets::set_route(&db, &staff, t.id, &route(&bad)).await.unwrap_err());
    assert_eq!(field, "m12");
    assert!(msg.contains("应等于全年目标 52 个，现为 50 个"), "{msg}");
    // a decreasing month: refused with the month
    let bad = [4, 8, 13, 17, 12, 26, 30, 34, 39, 43, 47, 52];
    let (field, msg) = invalid(targets::set_route(&db, &staff, t.id, &route(&bad)).await.unwrap_err());
    assert_eq!(field, "m5");
    assert!(msg.contains("少于4月的 17 个"), "{msg}");
    // negative, or not a number
    let mut raw = route(&[4, 8, 13, 17, 21, 26, 30, 34, 39, 43, 47, 52]);
    raw.route[0] = "-1".into();
    assert_eq!(invalid(targets::set_route(&db, &staff, t.id, &raw).await.unwrap_err()).0, "m1");
    raw.route[0] = "四".into();
    assert_eq!(invalid(targets::set_route(&db, &staff, t.id, &raw).await.unwrap_err()).0, "m1");
    let eleven = RouteForm { route: raw.route[..11].to_vec(), ..Default::default() };
    assert_eq!(invalid(targets::set_route(&db, &staff, t.id, &eleven).await.unwrap_err()).0, "route");
    assert_eq!(targets::get(&db, &Scope::System, t.id).await.unwrap().route, t.route, "nothing saved");
    assert_eq!(audit_count(&db, t.id).await, 1);
    // a front-loaded route is saved and judged against
    let front = [10, 14, 16, 18, 20, 22, 30, 34, 39, 43, 47, 52];
    let saved = targets::set_route(&db, &staff, t.id, &route(&front)).await.unwrap();
    assert_eq!(saved.route, front.to_vec());
    assert!(!saved.route_even);
    assert_eq!(audit_count(&db, t.id).await, 2);
    let det = targets::detail(&db, &Scope::System, t.id, d("2025-06-30")).await.unwrap();
    assert_eq!(det.months.len(), 12);
    assert_eq!(det.status.milestone, 22);
    let f = figures::period(&db, &Scope::System, z, d("2025-01-01"), d("2025-03-31")).await.unwrap();
    assert_eq!(det.months[2].actual, Some(f.stage(Stage::Signed).count as i64), "the actual at the end of March");
    assert_eq!(det.months[2].href, "/figures/stage?stage=signed&from=2025-01-01&to=2025-03-31");
    assert_eq!(det.months[6].actual, None, "July has not ended by 30 June");
    assert!(det.months[6].actual_text.is_empty());
    // editing the name keeps the edited route; changing the value resets it to the even split
    let mut f = TargetForm::from_target(&saved);
    assert_eq!(f.target_value, "52");
    f.name = "测试签约（改）".into();
    let renamed = targets::update(&db, &staff, t.id, &f).await.unwrap();
    assert_eq!(renamed.route, front.to_vec());
    // the next edit is made on the version the first one left (the form reloaded)
    f.version = renamed.version.to_string();
    f.target_value = "60".into();
    let reset = targets::update(&db, &staff, t.id, &f).await.unwrap();
    assert_eq!(reset.route, vec![5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    assert_eq!(audit_count(&db, t.id).await, 4);
    // delete: gone, and audited
    targets::delete(&db, &staff, t.id).await.unwrap();
    assert!(matches!(targets::get(&db, &Scope::System, t.id).await, Err(StoreError::NotFound)));
    let h = audit::history(&db, &Scope::System, "target", &t.id.to_string()).await.unwrap();
    assert_eq!(h.len(), 5);
    assert!(h.iter().any(|r| r.summary.contains("删除2025年度目标")));
});

db_test!(bad_input_is_refused_and_nothing_saved, |db: Db| async move {
    let (z, _, staff, _) = setup(&db).await;
    let before = target_count(&db, z).await;
    let cases = [
        (form("无口径", "", "", "10"), "metric", "必须绑定"),
        (form("手填实际", "actual", "", "10"), "metric", "不认识的统计口径"),
        (form("无阶段", "stage_count", "", "10"), "param", "请选择项目阶段"),
        (form("谋划", "stage_count", "planning", "10"), "param", "不可用"),
        (form("无指标", "indicator_value", "999999", "10"), "param", "所选统计指标不存在"),
        (form("多余参数", "contacts", "signed", "10"), "param", "不需要"),
        (form("零", "stage_count", "signed", "0"), "target_value", "必须大于 0"),
        (form("负数", "contacts", "", "-5"), "target_value", "不能为负数"),
        (form("小数", "contacts", "", "2.5"), "target_value", "应为整数"),
        (form("亿元", "stage_investment", "signed", "1.23456"), "target_value", "4 位小数"),
        (form("", "contacts", "", "10"), "name", "不能为空"),
        (TargetForm { year: "1999".into(), ..form("年度", "contacts", "", "10") }, "year", "2000 到 2099"),
        (
            TargetForm { department_id: "999999".into(), ..form("科室", "contacts", "", "10") },
            "department_id",
            "不属于本开发区",
        ),
    ];
    for (f, field, msg) in cases {
        let (got_field, got) = invalid(targets::create(&db, &staff, &f).await.unwrap_err());
        assert_eq!(got_field, field, "{got}");
        assert!(got.contains(msg), "{field}: {got}");
    }
    // a duplicate name in the same year
    let (field, msg) =
        invalid(targets::create(&db, &staff, &form("全年签约项目", "contacts", "", "5")).await.unwrap_err());
    assert_eq!((field.as_str(), msg.as_str()), ("name", "本年度已有同名的目标"));
    assert_eq!(target_count(&db, z).await, before, "nothing saved");
});

db_test!(zones_are_isolated_and_viewers_read_only, |db: Db| async move {
    let (z, zb, staff, viewer) = setup(&db).await;
    let t = targets::list(&db, &Scope::System, z, 2025).await.unwrap().remove(0);
    // a viewer reads but cannot write
    let vs = viewer.scope();
    assert_eq!(targets::evaluate(&db, &vs, z, 2025, d("2025-06-30")).await.unwrap().len(), 12);
    assert!(matches!(
        targets::create(&db, &viewer, &form("只读", "contacts", "", "5")).await,
        Err(StoreError::Forbidden(_))
    ));
    let f = TargetForm::from_target(&t);
    assert!(matches!(targets::update(&db, &viewer, t.id, &f).await, Err(StoreError::Forbidden(_))));
    assert!(matches!(targets::delete(&db, &viewer, t.id).await, Err(StoreError::Forbidden(_))));
    // zone B's staff: zone A's targets do not exist for them
    let b = Actor { zone_id: Some(zb), ..staff.clone() };
    let bs = b.scope();
    assert!(matches!(targets::get(&db, &bs, t.id).await, Err(StoreError::NotFound)));
    assert!(matches!(targets::detail(&db, &bs, t.id, d("2025-06-30")).await, Err(StoreError::NotFound)));
    assert!(matches!(targets::evaluate(&db, &bs, z, 2025, d("2025-06-30")).await, Err(StoreError::NotFound)));
    assert!(matches!(targets::update(&db, &b, t.id, &f).await, Err(StoreError::NotFound)));
    assert!(matches!(targets::set_route(&db, &b, t.id, &route(&[52; 12])).await, Err(StoreError::NotFound)));
    assert!(matches!(targets::delete(&db, &b, t.id).await, Err(StoreError::NotFound)));
    assert!(targets::list(&db, &bs, zb, 2025).await.unwrap().is_empty());
    // zone B's own target counts zone B's records only (none)
    let own = targets::create(&db, &b, &form("乙区签约", "stage_count", "signed", "10")).await.unwrap();
    assert_eq!(own.zone_id, zb);
    let rows = targets::evaluate(&db, &bs, zb, 2025, d("2025-06-30")).await.unwrap();
    assert_eq!(rows[0].actual, Some(0));
    assert_eq!(rows[0].target.metric, Metric::StageCount);
    assert_eq!(targets::get(&db, &Scope::System, t.id).await.unwrap().name, t.name, "zone A's target unchanged");
});
