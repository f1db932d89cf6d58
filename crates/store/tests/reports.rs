//! The data reports draw on: for the demo zone and 2025-H1, the seed's own figures come out of
//! the records, with the wording the documents use and a link to each figure's records.

use kaifaqu_store::report_data::{self, ReportPeriod};
use kaifaqu_store::{Db, Scope, db_test, demo, zones};

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
    // a month without published statistics says so
    let d = report_data::gather(&db, &Scope::System, z, &ReportPeriod::parse("2023-05").unwrap()).await.unwrap();
    let md = kaifaqu_reports::template::render(source, &d, &std::collections::BTreeMap::new()).unwrap();
    assert!(md.contains("本期尚无已公布的统计数据"));
});
