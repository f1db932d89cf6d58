//! 工作报告 over HTTP: the preview of the half-year summary with live figures linking to their
//! records, the staff's paragraphs saved as versions, DOCX and Markdown downloads, a too-long
//! paragraph refused beside its field, the viewer's read-only role and zone isolation; the
//! template editor (preview, a broken template refused with its line, save, stale save, reset,
//! other zones and viewers unaffected), the tables as XLSX, and the confirmation before exporting
//! a report that does not add up; the charts of the reports (the SVG in the preview, the picture
//! in the DOCX, the data table in Markdown, a bad chart block refused with its line).

mod support;

use reqwest::StatusCode;
use support::TestApp;

app_test!(the_half_year_report_from_preview_to_word, |app: TestApp| async move {
    let s = app.admin().await;
    let (status, html) = s.page("/reports").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("半年（年度）工作总结和工作计划"));

    let (status, html) = s.page("/reports/half_year?period=2025-H1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("2025年上半年工作总结和下半年工作计划"));
    assert!(html.contains("/figures/stage?stage=signed"), "the 14 signed projects are a link to them");
    assert!(html.contains("【待填写："), "prose not written yet");

    // the paragraphs are saved as versions
    let r = s.post_form("/reports/half_year/draft?period=2025-H1", &[("n_highlights", "（一）延长产业链条。")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().contains("version=1"));
    let r = s
        .post_form(
            "/reports/half_year/draft?period=2025-H1",
            &[("n_highlights", "（一）延长产业链条。（二）盘活闲置厂房。")],
        )
        .await;
    assert!(r.headers()["location"].to_str().unwrap().contains("version=2"));
    let (_, html) = s.page("/reports/half_year?period=2025-H1").await;
    assert!(html.contains("盘活闲置厂房") && html.contains("第 2 版") && html.contains("第 1 版"));
    let (_, v1) = s.page("/reports/half_year?period=2025-H1&version=1").await;
    assert!(v1.contains("延长产业链条") && !v1.contains("（二）盘活闲置厂房。</"), "version 1 as it was");

    // downloads: Word in official-document format, and Markdown
    let r = s.get("/reports/half_year/download?period=2025-H1&format=docx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(".docx"));
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let md = s.get("/reports/half_year/download?period=2025-H1&format=md").await.text().await.unwrap();
    assert!(md.contains("盘活闲置厂房") && md.contains("实行承诺制项目 [22 个]"));

    // a paragraph over 10,000 characters is refused beside its field, the text kept
    let long = "字".repeat(10_001);
    let r = s.post_form("/reports/half_year/draft?period=2025-H1", &[("n_problems", long.as_str())]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("不能超过 10000 个字") && html.contains(&long));
    assert!(!s.page("/reports/half_year?period=2025-H1").await.1.contains("第 3 版"), "nothing saved");
    assert_eq!(s.get("/reports/half_year?period=2025-H7").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(s.get("/reports/nosuch?period=2025-H1").await.status(), StatusCode::NOT_FOUND);

    // the viewer reads but does not write; zone B sees its own report, not A's paragraphs
    let viewer = app.login("viewer", &app.password).await;
    let (status, html) = viewer.page("/reports/half_year?period=2025-H1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("保存为新版本"));
    let r = viewer.post_form("/reports/half_year/draft?period=2025-H1", &[("n_highlights", "x")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let b = app.admin_of_b().await;
    let (_, html) = b.page("/reports/half_year?period=2025-H1").await;
    assert!(html.contains("示例开发区甲") && !html.contains("盘活闲置厂房") && !html.contains("襄垣"));
});

/// The form of the template editor with `body`, as the browser submits it.
async fn submit_template(
    s: &support::Session,
    name: &str,
    period: &str,
    body: &str,
    version: &str,
    action: &str,
) -> reqwest::Response {
    s.post_form(
        &format!("/reports/{name}/template?period={period}"),
        &[("body", body), ("version", version), ("action", action)],
    )
    .await
}

app_test!(a_zone_edits_previews_saves_and_resets_its_template, |app: TestApp| async move {
    let s = app.admin().await;
    let builtin = kaifaqu_reports::template::builtin("monthly_economy").unwrap().source;
    let (status, html) = s.page("/reports/monthly_economy/template?period=2025-05").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("当前使用内置模板") && html.contains("可用的数据和格式") && html.contains("key_projects.count")
    );
    assert!(html.contains("经济运行简报") && html.contains("<textarea name=\"body\""));
    assert!(html.contains("预览（2025年5月）"), "the built-in is previewed for the period");

    // 预览 renders the text being edited, saves nothing
    let edited = format!("{builtin}\n\n本简报由经济发展局编制。\n");
    let r = submit_template(&s, "monthly_economy", "2025-05", &edited, "", "preview").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("<p>本简报由经济发展局编制。</p>"), "the preview shows the edit");
    assert!(!s.page("/reports/monthly_economy?period=2025-05").await.1.contains("经济发展局编制"), "not saved");

    // a broken template: its line in plain Chinese, the text kept, nothing saved
    let broken = "# {{ zone }}简报\n\n第二行\n{{ zone }\n";
    let r = submit_template(&s, "monthly_economy", "2025-05", broken, "", "preview").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("模板第 4 行有误：语法错误"));
    let r = submit_template(&s, "monthly_economy", "2025-05", broken, "", "save").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("未保存：模板第 4 行有误") && html.contains("第二行"), "the error and the text kept");
    let r = submit_template(&s, "monthly_economy", "2025-05", "{{ 5|nosuch }}", "", "save").await;
    assert!(r.text().await.unwrap().contains("没有这个格式"));
    assert!(!s.page("/reports").await.1.contains("本开发区模板"), "still the built-in");

    // 保存: the zone's reports use it, on the page and in downloads
    let r = submit_template(&s, "monthly_economy", "2025-05", &edited, "", "save").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, "/reports/monthly_economy/template?period=2025-05&done=saved");
    let (_, html) = s.page(&location).await;
    assert!(html.contains("模板已保存"), "{html}");
    assert!(html.contains("本开发区的模板第 1 版") && html.contains("恢复内置模板"), "{html}");
    let (_, html) = s.page("/reports/monthly_economy?period=2025-05").await;
    assert!(html.contains("本简报由经济发展局编制。") && html.contains("使用本开发区修改过的模板"));
    assert!(s.page("/reports").await.1.contains("本开发区模板"));
    let md = s.get("/reports/monthly_economy/download?period=2025-05&format=md").await.text().await.unwrap();
    assert!(md.contains("本简报由经济发展局编制。"));
    // a save from the stale editor (loaded before version 1) is refused, the text kept
    let r = submit_template(&s, "monthly_economy", "2025-05", &format!("{edited}旧稿"), "", "save").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("已被他人修改") && html.contains("旧稿"));

    // another zone's user is unaffected; a viewer cannot change it
    let b = app.admin_of_b().await;
    let (_, html) = b.page("/reports/monthly_economy?period=2025-05").await;
    assert!(!html.contains("经济发展局编制") && !html.contains("使用本开发区修改过的模板"));
    assert!(b.page("/reports/monthly_economy/template?period=2025-05").await.1.contains("当前使用内置模板"));
    let r = b.post_form("/reports/monthly_economy/template/reset?period=2025-05", &[("confirm", "1")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "B resets nothing of A's");
    assert!(s.page("/reports/monthly_economy?period=2025-05").await.1.contains("经济发展局编制"));
    let viewer = app.login("viewer", &app.password).await;
    let (_, html) = viewer.page("/reports/monthly_economy/template?period=2025-05").await;
    assert!(html.contains("readonly") && !html.contains("value=\"save\"") && !html.contains("恢复内置模板</button>"));
    let r = submit_template(&viewer, "monthly_economy", "2025-05", builtin, "1", "save").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = viewer.post_form("/reports/monthly_economy/template/reset?period=2025-05", &[("confirm", "1")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // 恢复内置模板: only with the box ticked
    let r = s.post_form("/reports/monthly_economy/template/reset?period=2025-05", &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(s.page("/reports/monthly_economy?period=2025-05").await.1.contains("经济发展局编制"), "kept");
    let r = s.post_form("/reports/monthly_economy/template/reset?period=2025-05", &[("confirm", "1")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page(r.headers()["location"].to_str().unwrap()).await;
    assert!(html.contains("已恢复内置模板") && html.contains("当前使用内置模板"));
    assert!(!s.page("/reports/monthly_economy?period=2025-05").await.1.contains("经济发展局编制"));
    assert_eq!(s.get("/reports/nosuch/template").await.status(), StatusCode::NOT_FOUND);
});

app_test!(report_tables_download_as_xlsx, |app: TestApp| async move {
    use calamine::{Data, Reader, open_workbook_auto_from_rs};
    let s = app.admin().await;
    let r = s.get("/reports/half_year/download?period=2025-H1&format=xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    // the funnel chart's data, then the table
    assert_eq!(
        wb.sheet_names(),
        vec!["2025年上半年项目招引和建设".to_string(), "表1 2025 年谋划项目分类情况".to_string()]
    );
    let range = wb.worksheet_range("表1 2025 年谋划项目分类情况").unwrap();
    let cell = |r: u32, c: u32| range.get_value((r, c)).cloned();
    assert_eq!(cell(1, 0), Some(Data::String("类别".into())));
    assert_eq!(cell(2, 0), Some(Data::String("产业类".into())));
    assert_eq!(cell(2, 1), Some(Data::String("57".into())), "a linked cell is its text");
    assert_eq!(cell(4, 0), Some(Data::String("合计".into())));
    assert_eq!(cell(4, 2), Some(Data::String("273.76".into())));

    // the key-project and safety monthly reports: two tables each and their charts' data, one
    // sheet each
    for (name, first, sheets) in
        [("key_projects", "表1 2025年项目推进情况", 3), ("safety_monthly", "表1 隐患排查整改情况", 4)]
    {
        let (status, html) = s.page(&format!("/reports/{name}?period=2025-06")).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(!html.contains("导出前请核对"), "{name}: the demo data add up");
        let bytes = s.get(&format!("/reports/{name}/download?period=2025-06&format=xlsx")).await.bytes().await.unwrap();
        let wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
        assert_eq!(wb.sheet_names().len(), sheets, "{name}: {:?}", wb.sheet_names());
        assert_eq!(wb.sheet_names()[0], first);
    }
    let (_, html) = s.page("/reports/key_projects?period=2025-06").await;
    assert!(html.contains("省市重点项目进展情况") && html.contains("<td><a href=\"/projects/"), "linked table cells");
    let (_, html) = s.page("/reports/safety_monthly?period=2025-06").await;
    assert!(html.contains("超期未整改隐患清单") && html.contains("<td><a href=\"/safety/hazards/"));
    // a report without tables says so
    let r = s.get("/reports/monthly_economy/download?period=2023-05&format=xlsx").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("没有表格"));
    assert_eq!(s.get("/reports/half_year/download?period=2025-H1&format=pdf").await.status(), StatusCode::BAD_REQUEST);
});

app_test!(a_report_that_does_not_add_up_asks_before_export, |app: TestApp| async move {
    let s = app.admin().await;
    // the zone's template states a 合计 that is not the sum of its rows
    let source = kaifaqu_reports::template::builtin("half_year").unwrap().source;
    let wrong = source.replace("| 合计 | [{{ plan.count }}]", "| 合计 | [{{ plan.count + 1 }}]");
    assert_ne!(wrong, source);
    let r = submit_template(&s, "half_year", "2025-H1", &wrong, "", "preview").await;
    assert!(r.text().await.unwrap().contains("导出前请核对（1 处）"), "the editor's preview lists it");
    let r = submit_template(&s, "half_year", "2025-H1", &wrong, "", "save").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = s.page("/reports/half_year?period=2025-H1").await;
    assert!(html.contains("导出前请核对（1 处）"));
    assert!(html.contains("合计行“项目数（个）”为 59，但上面各行之和为 58"));
    assert!(html.contains("<a href=\"/plan?year=2025\">查看记录</a>"), "the problem links to the records");
    // the download asks first, then exports on confirmation
    let r = s.get("/reports/half_year/download?period=2025-H1&format=docx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("导出前核对") && html.contains("为 59，但上面各行之和为 58"));
    assert!(html.contains("仍然导出（Word）") && html.contains("format=docx") && html.contains("confirm=1"), "{html}");
    let r = s.get("/reports/half_year/download?period=2025-H1&format=docx&confirm=1").await;
    assert!(r.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let r = s.get("/reports/half_year/download?period=2025-H1&format=xlsx").await;
    assert!(r.text().await.unwrap().contains("仍然导出（Excel）"));
    // without problems it downloads directly
    s.post_form("/reports/half_year/template/reset?period=2025-H1", &[("confirm", "1")]).await;
    let r = s.get("/reports/half_year/download?period=2025-H1&format=docx").await;
    assert!(r.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));
});

app_test!(charts_in_the_preview_the_word_file_and_the_markdown, |app: TestApp| async move {
    let s = app.admin().await;
    // the preview: the funnel as inline SVG in a figure, its data table with the links beneath
    let (status, html) = s.page("/reports/half_year?period=2025-H1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<figure class=\"chart\"><svg "), "{html}");
    assert!(html.contains("<title>2025年上半年项目招引和建设</title>"));
    assert!(
        html.contains(
            "<td><a href=\"/figures/stage?stage=signed&amp;from=2025-01-01&amp;to=2025-06-30\">14 个</a></td>"
        ),
        "{html}"
    );
    // the Word file holds the picture as a part of its own
    let r = s.get("/reports/half_year/download?period=2025-H1&format=docx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.windows(b"word/media/chart1.svg".len()).any(|w| w == b"word/media/chart1.svg"), "the image part");
    // Markdown: the chart's data as a table under its title
    let md = s.get("/reports/half_year/download?period=2025-H1&format=md").await.text().await.unwrap();
    assert!(!md.contains("```chart"), "{md}");
    assert!(
        md.contains("**2025年上半年项目招引和建设**") && md.contains("| 签约 | [14 个](/figures/stage?stage=signed"),
        "{md}"
    );
    // every built-in report draws its chart for the demo data
    for (name, period, title) in [
        ("monthly_economy", "2025-05", "主要经济指标同比增速"),
        ("key_projects", "2025-06", "项目推进目标完成进度"),
        ("safety_monthly", "2025-06", "隐患整改进度"),
    ] {
        let (status, html) = s.page(&format!("/reports/{name}?period={period}")).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(html.contains("<figure class=\"chart\"><svg ") && html.contains(title), "{name}");
    }
    // the editor lists the chart syntax; a bad chart block is refused with its line; a title
    // with markup comes out escaped
    let (_, html) = s.page("/reports/monthly_economy/template?period=2025-05").await;
    assert!(html.contains("漏斗图：标题") && html.contains("小多图：标题"), "the help box lists the charts");
    let bad = "# {{ zone }}\n\n```chart\n饼图：份额\n甲 | 1\n```\n";
    let r = submit_template(&s, "monthly_economy", "2025-05", bad, "", "save").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("模板第 4 行有误：图表有误（图表类型“饼图”不认识"), "{html}");
    let hostile =
        "# {{ zone }}\n\n```chart\n柱状图：<script>alert(1)</script>\n单位：个\n甲 | 1 | javascript:alert(1)\n```\n";
    let r = submit_template(&s, "monthly_economy", "2025-05", hostile, "", "preview").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a link out of the application is refused");
    let hostile = "# {{ zone }}\n\n```chart\n柱状图：<script>alert(1)</script>\n单位：个\n甲 | 1\n```\n";
    let r = submit_template(&s, "monthly_economy", "2025-05", hostile, "", "preview").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>"), "escaped");
    assert!(html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"), "{html}");
});
