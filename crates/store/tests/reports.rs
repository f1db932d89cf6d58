//! The data reports draw on: for the demo zone and 2025-H1, the seed's own figures come out of
//! the records, with the wording the documents use and a link to each figure's records; the
//! built-in 重点项目进展月报 and 安全生产月报; the consistency checks; a zone's edited template
//! (saved, refused when stale, reset, audited, invisible to another zone); and snapshots of the
//! demo half-year report's Markdown and Word `document.xml`; the charts each built-in template
//! draws from the live records (funnel, indicator growth, target progress, hazards), and the
//! demo report with its chart converted to PDF by LibreOffice.

use std::collections::BTreeMap;

use kaifaqu_domain::Role;
use kaifaqu_domain::zone::ZoneForm;
use kaifaqu_reports::{check, doc, docx, markdown, template};
use kaifaqu_store::audit::{self, AuditFilter};
use kaifaqu_store::report_data::{self, ReportData, ReportPeriod};
use kaifaqu_store::report_templates;
use kaifaqu_store::{Actor, Db, Scope, StoreError, db_test, demo, zones};

db_test!(the_half_year_report_data_are_the_seeds_figures, |db: Db| async move {
    assert!(matches!(demo::load(&db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let z = zones::list(&db, &Scope::System).await.unwrap()[0].id;
    let p = ReportPeriod::parse("2025-H1").unwrap();
    let d = report_data::gather(&db, &Scope::System, z, &p).await.unwrap();
    assert_eq!(d.zone, "襄垣经济技术开发区");
    assert_eq!(d.period.label, "2025年上半年");
    // 对接项目 67 个，签约项目 14 个，落地项目 8 个；开工 10 余个
    assert_eq!(d.contacts.value, 67);
    let signed = d.stage("signed").unwrap();
    assert_eq!((signed.count.value, signed.projects.len()), (14, 14));
    assert!(signed.count.href.starts_with("/figures/stage?stage=signed&from=2025-01-01&to=2025-06-30"));
    assert_eq!(d.stage("landed").unwrap().count.value, 8);
    let started = d.stage("started").unwrap();
    assert_eq!((started.count.value, started.count.approx.as_str()), (11, "10 余个"));
    assert!(started.projects.iter().any(|x| x.investment_text == "0.95 亿元"), "卡仕途 0.95 亿元");
    assert_eq!(d.active_teams, 8, "8 支招商小分队");
    // 1-5月 规上工业增加值 27.97 亿元，同比增长 22.9%，全市第一、增速第三；工业投资 16.9 亿元，第二
    assert_eq!(d.statistics_period.as_deref(), Some("1-5月"));
    let va = d.indicators.iter().find(|i| i.code == "industrial_value_added").unwrap();
    assert_eq!(va.value.as_deref(), Some("27.97"));
    assert_eq!(va.growth.as_deref(), Some("22.9%"));
    assert_eq!((va.rank_value.as_deref(), va.rank_growth.as_deref()), (Some("第一"), Some("第三")));
    assert_eq!(va.estimate.as_deref(), Some("39.8"), "预计上半年 39.8 亿元");
    assert_eq!((va.estimate_period_label.as_deref(), va.estimate_growth.as_deref()), (Some("1-6月"), Some("25%")));
    let inv = d.indicators.iter().find(|i| i.name == "工业投资").unwrap();
    assert_eq!((inv.value.as_deref(), inv.rank_value.as_deref()), (Some("16.9"), Some("第二")));
    // 项目谋划表: 58 个，273.76 亿元（产业类 57 个 269.28 亿元，基础设施类 1 个 4.48 亿元）
    assert_eq!((d.plan.count, d.plan.total_text.as_str()), (58, "273.76 亿元"));
    assert_eq!(
        d.plan.by_category,
        vec![
            ("产业类".to_string(), 57, "269.28 亿元".to_string()),
            ("基础设施类".to_string(), 1, "4.48 亿元".to_string())
        ]
    );
    // 承诺制 22 个，全代办 22 个，标准地 3 宗 220.41 亩；入企检查 95 家次，隐患 300 余项
    assert_eq!((d.approvals.commitment_projects.value, d.approvals.agency_projects.value), (22, 22));
    assert_eq!((d.parcels.parcels, d.parcel_area_text.as_str()), (3, "220.41 亩"));
    assert!(d.plants.m2_x100 >= 1_000_000);
    assert_eq!(d.safety.inspections, 95);
    assert_eq!(d.hazards.approx, "300 余项");
    // the year's targets judged at the end of the period: 签约 14 of 52
    let t = d.targets.iter().find(|t| t.target.name.contains("签约")).unwrap();
    assert_eq!(t.actual, Some(14));
    // another period gives other figures: computed, not fixed
    let may = report_data::gather(&db, &Scope::System, z, &ReportPeriod::parse("2025-05").unwrap()).await.unwrap();
    assert!(may.contacts.value < 67);
    assert_eq!(may.statistics_period.as_deref(), Some("1-5月"));
});

db_test!(the_built_in_half_year_summary_renders_the_seeds_sentences, |db: Db| async move {
    assert!(matches!(demo::load(&db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let z = zones::list(&db, &Scope::System).await.unwrap()[0].id;
    let d = report_data::gather(&db, &Scope::System, z, &ReportPeriod::parse("2025-H1").unwrap()).await.unwrap();
    let mut narratives = std::collections::BTreeMap::new();
    narratives.insert("highlights".to_string(), "（一）延长产业链条。".to_string());
    let source = kaifaqu_reports::template::builtin("half_year").unwrap().source;
    let md = kaifaqu_reports::template::render(source, &d, &narratives).unwrap();
    // every figure links to its records
    assert!(md.contains("签约项目 [14 个](/figures/stage?stage=signed&from=2025-01-01&to=2025-06-30)"), "{md}");
    let md = unlink(&md);
    for sentence in [
        "# 襄垣经济技术开发区管理委员会 2025年上半年工作总结和下半年工作计划",
        "1-5月份，规上工业增加值完成 27.97 亿元，同比增长 22.9%，全市开发区绝对量排名第一，增速排名第三；工业投资完成 16.9 亿元，同比增长 1.4%，全市开发区绝对量排名第二。",
        "预计上半年，规上工业增加值完成 39.8 亿元，同比增长 25%；工业投资完成 24 亿元",
        "组建了 8 支招商小分队",
        "共对接项目 67 次，签约项目 14 个，落地项目 8 个。",
        "等 10 余个项目开工建设。",
        "实行承诺制项目 22 个，为 22 个项目提供了代办服务，出让标准地 3 宗 220.41 亩。",
        "累计检查企业 95 家次，排查隐患 300 余项。",
        "（一）延长产业链条。",
        "【待填写：存在问题",
        "2025 年谋划项目 58 个，总投资 273.76 亿元。其中产业类项目 57 个，总投资 269.28 亿元；基础设施类项目 1 个，总投资 4.48 亿元。",
        "全年签约项目 52 个（截至 2025年6月30日 完成 14 个，",
    ] {
        assert!(md.contains(sentence), "missing: {sentence}\n---\n{md}");
    }
});

/// The text of Markdown with `[text](url)` links reduced to their text.
fn unlink(md: &str) -> String {
    let mut out = String::new();
    let mut rest = md;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find("](") {
            Some(close) if !after[..close].contains('[') => {
                out.push_str(&after[..close]);
                let url = &after[close + 2..];
                rest = url.find(')').map(|e| &url[e + 1..]).unwrap_or("");
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

db_test!(the_monthly_economic_briefing_has_the_indicator_table, |db: Db| async move {
    assert!(matches!(demo::load(&db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    let z = zones::list(&db, &Scope::System).await.unwrap()[0].id;
    let d = report_data::gather(&db, &Scope::System, z, &ReportPeriod::parse("2025-05").unwrap()).await.unwrap();
    let source = kaifaqu_reports::template::builtin("monthly_economy").unwrap().source;
    let md = kaifaqu_reports::template::render(source, &d, &std::collections::BTreeMap::new()).unwrap();
    assert!(md.starts_with("# 襄垣经济技术开发区2025年5月经济运行简报"), "{md}");
    let text = unlink(&md);
    assert!(text.contains("| 规上工业增加值（亿元） | 27.97 | 22.9% | 第一 | 第三 |"), "{text}");
    assert!(text.contains("| 工业投资（亿元） | 16.9 | 1.4% | 第二 |"), "{text}");
    assert!(text.contains("全市 8 个开发区中的名次"), "{text}");
    // the table survives into the document model and Word
    let doc = kaifaqu_reports::markdown::parse(&md);
    let table = doc
        .blocks
        .iter()
        .find_map(|b| match b {
            kaifaqu_reports::doc::Block::Table(t) => Some(t),
            _ => None,
        })
        .unwrap();
    assert_eq!(table.headers[0], "指标");
    assert!(table.rows.iter().any(|r| r[0] == "规上工业增加值（亿元）"));
    assert!(kaifaqu_reports::docx::write(&doc).unwrap().starts_with(b"PK"));
    // the growth of each published indicator as bars, each linking to its indicator
    let c = &charts(&md)[0];
    assert_eq!(c.title, "2025年1-5月主要经济指标同比增速");
    let t = c.table();
    assert_eq!(t.headers, vec!["项目", "同比增长（%）"]);
    assert!(t.rows.contains(&vec!["规上工业增加值".to_string(), "22.9".to_string()]), "{t:?}");
    let va = d.by_indicator.get("industrial_value_added").unwrap();
    let row = t.rows.iter().position(|r| r[0] == "规上工业增加值").unwrap();
    assert_eq!(t.link(row, 1), Some(va.href.as_str()));
    // a month without published statistics says so
    let d = report_data::gather(&db, &Scope::System, z, &ReportPeriod::parse("2023-05").unwrap()).await.unwrap();
    let md = kaifaqu_reports::template::render(source, &d, &std::collections::BTreeMap::new()).unwrap();
    assert!(md.contains("本期尚无已公布的统计数据"));
});

async fn demo_zone(db: &Db) -> i64 {
    assert!(matches!(demo::load(db).await.unwrap(), demo::DemoOutcome::Loaded { .. }));
    zones::list(db, &Scope::System).await.unwrap()[0].id
}

async fn data(db: &Db, zone: i64, period: &str) -> ReportData {
    report_data::gather(db, &Scope::System, zone, &ReportPeriod::parse(period).unwrap()).await.unwrap()
}

fn render(name: &str, d: &ReportData) -> String {
    template::render(template::builtin(name).unwrap().source, d, &BTreeMap::new()).unwrap()
}

fn tallies(d: &ReportData) -> Vec<check::Tally> {
    d.tallies
        .iter()
        .map(|t| check::Tally::sum(t.what.clone(), t.stated, t.parts.clone(), Some(t.href.clone())))
        .collect()
}

/// The charts of a rendered report.
fn charts(md: &str) -> Vec<kaifaqu_reports::chart_block::Chart> {
    markdown::parse(md)
        .blocks
        .into_iter()
        .filter_map(|b| match b {
            doc::Block::Chart(c) => Some(*c),
            _ => None,
        })
        .collect()
}

fn tables(md: &str) -> Vec<doc::Table> {
    kaifaqu_reports::doc_xlsx::tables(&markdown::parse(md)).into_iter().cloned().collect()
}

db_test!(the_key_projects_monthly_report, |db: Db| async move {
    let z = demo_zone(&db).await;
    let d = data(&db, z, "2025-05").await;
    // the year's 省级 and 市级 key projects of the planning table: 1 + 5
    let kp = &d.key_projects;
    assert_eq!(kp.count, 6);
    assert_eq!(
        kp.levels.iter().map(|(l, c)| (l.as_str(), c.value)).collect::<Vec<_>>(),
        vec![("省级重点", 1), ("市级重点", 5)]
    );
    assert_eq!(kp.levels[0].1.href, "/projects?year=2025&key_level=provincial");
    let infra = kp.projects.iter().find(|p| p.level == "省级重点").unwrap();
    assert_eq!(infra.investment_text, "4.48 亿元");
    assert!(infra.leader.is_some(), "包联领导");
    assert_eq!(infra.problems.value as usize, infra.problem_list.len());
    // year-to-date counts are at least the month's
    for (m, y) in d.stages.iter().zip(&d.stages_ytd) {
        assert!(y.count.value >= m.count.value, "{}", m.label);
        assert!(y.count.href.contains("from=2025-01-01&to=2025-05-31"));
    }
    let md = render("key_projects", &d);
    assert!(md.starts_with("# 襄垣经济技术开发区2025年5月重点项目进展月报"), "{md}");
    let t = tables(&md);
    assert_eq!(t.len(), 2, "{md}");
    assert_eq!(t[0].headers[1], "2025年5月（个）");
    assert_eq!(t[1].rows.len(), 7, "six projects and 合计");
    assert_eq!(t[1].rows[6][0], "合计");
    assert_eq!(t[1].rows[6][5], kp.total.yi_trimmed());
    // the project names link to the projects, the problem counts to their lists
    assert_eq!(t[1].link(0, 1), Some(format!("/projects/{}", kp.projects[0].id).as_str()));
    assert!(t[1].link(0, 7).unwrap().starts_with("/problems?project="));
    assert_eq!(check::check(&markdown::parse(&md), &tallies(&d)), vec![], "the demo report adds up");
    // the year's stage targets as progress bars: actual, the route's milestone, the target
    let c = charts(&md);
    assert_eq!(c.len(), 1, "{md}");
    let kaifaqu_reports::chart_block::ChartSpec::Progress(rows) = &c[0].spec else { panic!("{:?}", c[0]) };
    let stage_targets: Vec<_> = d.targets.iter().filter(|t| t.target.metric.code() == "stage_count").collect();
    assert_eq!(rows.len(), stage_targets.len());
    assert!(!rows.is_empty());
    for (r, t) in rows.iter().zip(&stage_targets) {
        assert_eq!(
            (r.actual, r.target, r.route),
            (t.actual, t.target.target_value, Some(t.milestone)),
            "{}",
            t.target.name
        );
    }
    assert_eq!(c[0].links[0].as_deref(), Some(stage_targets[0].href.as_str()));
});

db_test!(the_safety_monthly_report, |db: Db| async move {
    let z = demo_zone(&db).await;
    let d = data(&db, z, "2025-06").await;
    let s = &d.safety_report;
    assert_eq!(s.hazards.value, s.general.value + s.major.value);
    assert_eq!(s.overdue.value as usize, s.overdue_list.len());
    assert!(s.overdue.value > 0, "open hazards of June are overdue now");
    assert!(s.overdue.href.ends_with("from=2025-06-01&to=2025-06-30&overdue=1"));
    assert_eq!(s.inspections.value, d.safety.inspections);
    // 已整改 links to exactly the hazards it counts: found in June, due and closed by its end
    assert!(s.closed.href.ends_with("from=2025-06-01&to=2025-06-30&due_by=2025-06-30&closed_by=2025-06-30"));
    let f = kaifaqu_store::hazards::HazardFilter {
        from: "2025-06-01".into(),
        to: "2025-06-30".into(),
        due_by: "2025-06-30".into(),
        closed_by: "2025-06-30".into(),
        ..Default::default()
    };
    let listed = kaifaqu_store::hazards::list(&db, &Scope::System, z, &f).await.unwrap();
    assert_eq!(listed.total, s.closed.value);
    let bad = kaifaqu_store::hazards::HazardFilter { due_by: "6月30日".into(), ..Default::default() };
    assert!(matches!(kaifaqu_store::hazards::list(&db, &Scope::System, z, &bad).await, Err(StoreError::Invalid(_))));
    let md = render("safety_monthly", &d);
    assert!(md.starts_with("# 襄垣经济技术开发区2025年6月安全生产月报"), "{md}");
    let t = tables(&md);
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].rows[0], vec!["检查企业（家次）".to_string(), s.inspections.value.to_string()]);
    assert_eq!(t[0].link(0, 1), Some(s.inspections.href.as_str()));
    assert_eq!(t[1].rows.len(), s.overdue_list.len());
    assert_eq!(t[1].link(0, 2), Some(s.overdue_list[0].href.as_str()));
    assert!(md.contains("周达标"));
    assert_eq!(check::check(&markdown::parse(&md), &tallies(&d)), vec![]);
    // the rectification progress and the hazards by category, from the same records
    let c = charts(&md);
    assert_eq!(c.len(), 2, "{md}");
    let kaifaqu_reports::chart_block::ChartSpec::Progress(rows) = &c[0].spec else { panic!("{:?}", c[0]) };
    assert_eq!((rows[0].actual, rows[0].target), (Some(s.closed.value as i64), s.due as i64));
    assert_eq!(c[0].links[0].as_deref(), Some(s.closed.href.as_str()));
    let kaifaqu_reports::chart_block::ChartSpec::Bars { bars, labels, .. } = &c[1].spec else { panic!("{:?}", c[1]) };
    assert_eq!(labels.len(), d.safety.by_category.len());
    assert_eq!(bars.points.iter().flatten().sum::<i64>(), s.hazards.value as i64, "the categories add up");
});

db_test!(checks_before_export_find_what_does_not_add_up, |db: Db| async move {
    let z = demo_zone(&db).await;
    let d = data(&db, z, "2025-H1").await;
    let md = render("half_year", &d);
    let doc = markdown::parse(&md);
    assert_eq!(check::check(&doc, &tallies(&d)), vec![]);
    // the funnel of the half-year: 对接 67 of 120, 签约 14 of 52, 落地 8, 开工 11 of 42, 投产 2 of 26
    let c = charts(&md);
    let kaifaqu_reports::chart_block::ChartSpec::Funnel(steps) = &c[0].spec else { panic!("{:?}", c[0]) };
    let got: Vec<_> = steps.iter().map(|s| (s.label.as_str(), s.value, s.target)).collect();
    assert_eq!(
        got,
        vec![
            ("对接", 67, Some(120)),
            ("签约", 14, Some(52)),
            ("落地", 8, None),
            ("开工", 11, Some(42)),
            ("投产", 2, Some(26))
        ]
    );
    assert_eq!(c[0].links[1].as_deref(), Some(d.stage("signed").unwrap().count.href.as_str()));
    // the plan table: 57 + 1 = 58, 269.28 + 4.48 = 273.76
    let t = tables(&md);
    assert_eq!(t[0].rows.last().unwrap(), &vec!["合计".to_string(), "58".into(), "273.76".into()]);
    // an edited template whose 合计 row no longer adds up, and data whose count lost a project
    let edited = md.replace("| 合计 | [58]", "| 合计 | [59]");
    let mut bad = tallies(&d);
    bad.push(check::Tally::count("签约项目数", 14, 13, None));
    let problems = check::check(&markdown::parse(&edited), &bad);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].message.contains("合计行“项目数（个）”为 59，但上面各行之和为 58"));
    assert_eq!(problems[0].href.as_deref(), Some("/plan?year=2025"));
    assert_eq!(problems[1].message, "签约项目数为 14，但明细合计为 13");
});

db_test!(a_zone_edits_its_own_copy_of_a_template, |db: Db| async move {
    let z = demo_zone(&db).await;
    let staff = kaifaqu_store::users::find_by_login(&db, "staff").await.unwrap().unwrap();
    let actor = |role: Role, zone: i64| Actor {
        user_id: Some(staff.id),
        login_name: "staff".into(),
        role,
        zone_id: Some(zone),
        city_code: None,
        ip: None,
    };
    let a = actor(Role::Staff, z);
    let builtin = template::builtin("monthly_economy").unwrap().source;
    assert!(report_templates::get(&db, &Scope::System, z, "monthly_economy").await.unwrap().is_none());
    assert_eq!(report_templates::source(&db, &a.scope(), z, "monthly_economy", builtin).await.unwrap(), builtin);
    let body = format!("{builtin}\n\n本简报由经济发展局编制。\n");
    let t = report_templates::save(&db, &a, z, "monthly_economy", &body, None).await.unwrap();
    assert_eq!((t.version, t.updated_by.as_deref()), (1, Some(staff.display_name.as_str())));
    assert!(
        report_templates::source(&db, &a.scope(), z, "monthly_economy", builtin)
            .await
            .unwrap()
            .contains("经济发展局编制")
    );
    // an edit from version 1 wins once; a second edit from the same version is refused
    let t2 = report_templates::save(&db, &a, z, "monthly_economy", &body.replace("经济发展局", "经发局"), Some(1))
        .await
        .unwrap();
    assert_eq!(t2.version, 2);
    let stale = report_templates::save(&db, &a, z, "monthly_economy", &body, Some(1)).await.unwrap_err();
    assert!(matches!(&stale, StoreError::Invalid(i) if i.errors[0].message.contains("已被他人修改")), "{stale:?}");
    let twice = report_templates::save(&db, &a, z, "monthly_economy", &body, None).await.unwrap_err();
    assert!(matches!(twice, StoreError::Invalid(_)), "a second first copy is stale too");
    let empty = report_templates::save(&db, &a, z, "monthly_economy", "  ", Some(2)).await.unwrap_err();
    assert!(matches!(&empty, StoreError::Invalid(i) if i.errors[0].field == "body"));
    // viewers and other zones cannot write; another zone does not see the copy
    let viewer = actor(Role::Viewer, z);
    assert!(matches!(
        report_templates::save(&db, &viewer, z, "monthly_economy", &body, Some(2)).await,
        Err(StoreError::Forbidden(_))
    ));
    let f = ZoneForm {
        name: "测试开发区丙".into(),
        level: "provincial".into(),
        region_code: "140426".into(),
        city_name: "长治市".into(),
        risk_grade: String::new(),
        staff_posts: "20".into(),
    };
    let zb = zones::create(&db, &Actor::system("测试"), &f.validate().unwrap(), false).await.unwrap().id;
    let b = actor(Role::Staff, zb);
    assert!(report_templates::get(&db, &b.scope(), zb, "monthly_economy").await.unwrap().is_none());
    assert!(matches!(report_templates::get(&db, &b.scope(), z, "monthly_economy").await, Err(StoreError::NotFound)));
    assert!(report_templates::save(&db, &b, z, "monthly_economy", &body, Some(2)).await.is_err());
    assert!(!report_templates::reset(&db, &b, zb, "monthly_economy").await.unwrap(), "B has no copy");
    assert_eq!(report_templates::list(&db, &a.scope(), z).await.unwrap().len(), 1);
    // reset: the built-in again, audited
    assert!(report_templates::reset(&db, &a, z, "monthly_economy").await.unwrap());
    assert_eq!(report_templates::source(&db, &a.scope(), z, "monthly_economy", builtin).await.unwrap(), builtin);
    let trail =
        audit::search(&db, &Scope::System, &AuditFilter { entity: "report_template".into(), ..Default::default() })
            .await
            .unwrap();
    let actions: Vec<&str> = trail.rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, vec!["delete", "update", "create"], "newest first");
    assert!(trail.rows[0].summary.contains("恢复内置报告模板"));
});

/// The inflated (FlateDecode) streams of a PDF, as text.
fn pdf_streams(pdf: &[u8]) -> Vec<String> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = find(&pdf[at..], b"stream").map(|i| at + i) {
        let mut start = i + b"stream".len();
        if pdf[start..].starts_with(b"\r\n") {
            start += 2;
        } else if pdf[start..].starts_with(b"\n") {
            start += 1;
        }
        let Some(end) = find(&pdf[start..], b"endstream").map(|e| start + e) else { break };
        let mut text = String::new();
        let mut z = flate2::read::ZlibDecoder::new(&pdf[start..end]);
        let mut bytes = Vec::new();
        if z.read_to_end(&mut bytes).is_ok() {
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        out.push(text);
        at = end + b"endstream".len();
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

db_test!(snapshots_of_the_demo_half_year_report, |db: Db| async move {
    let z = demo_zone(&db).await;
    let d = data(&db, z, "2025-H1").await;
    let mut narratives = BTreeMap::new();
    narratives.insert("highlights".to_string(), "（一）延长产业链条。".to_string());
    let md = template::render(template::builtin("half_year").unwrap().source, &d, &narratives).unwrap();
    insta::assert_snapshot!("half_year_2025_h1_markdown", md);
    let xml = docx::document_xml(&markdown::parse(&md));
    // one element per line, so a change shows as a readable diff
    insta::assert_snapshot!("half_year_2025_h1_document_xml", xml.replace("><", ">\n<"));
});

/// The demo half-year report's Word file opens in LibreOffice and converts to PDF. Skipped with
/// a notice when `soffice` is not installed, unless `KAIFAQU_TEST_REQUIRE_LIBREOFFICE=1`.
#[tokio::test]
async fn the_demo_report_converts_to_pdf_with_libreoffice() {
    let soffice = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("soffice")).find(|p| p.is_file()));
    let Some(soffice) = soffice else {
        if std::env::var("KAIFAQU_TEST_REQUIRE_LIBREOFFICE").is_ok_and(|v| v == "1") {
            panic!("KAIFAQU_TEST_REQUIRE_LIBREOFFICE=1 but soffice is not on the PATH");
        }
        eprintln!("LibreOffice test skipped: soffice is not installed");
        return;
    };
    let db = kaifaqu_store::testing::sqlite().await;
    let z = demo_zone(&db).await;
    let d = data(&db, z, "2025-H1").await;
    let bytes = docx::write(&markdown::parse(&render("half_year", &d))).unwrap();
    let dir = std::env::temp_dir().join(format!("kaifaqu-soffice-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("half_year.docx");
    std::fs::write(&input, bytes).unwrap();
    let profile = format!("-env:UserInstallation=file://{}", dir.join("profile").display());
    let out = std::process::Command::new(&soffice)
        .args([profile.as_str(), "--headless", "--norestore", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .arg(&input)
        .output()
        .expect("soffice runs");
    let pdf = std::fs::read(dir.join("half_year.pdf")).unwrap_or_else(|e| {
        panic!("no PDF ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    assert!(pdf.starts_with(b"%PDF"), "a PDF file");
    assert!(pdf.len() > 10_000, "with content: {} bytes", pdf.len());
    // the funnel chart is drawn: its first band's colour (#6d8fbf) fills a path in a page's
    // content stream (LibreOffice draws the SVG picture as vectors)
    let drawn = pdf_streams(&pdf).iter().any(|s| s.contains("0.427450980") && s.contains("0.749019607"));
    assert!(drawn, "the chart's picture is in the PDF");
    let _ = std::fs::remove_dir_all(&dir);
}
