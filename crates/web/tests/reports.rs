//! 工作报告 over HTTP: the preview of the half-year summary with live figures linking to their
//! records, the staff's paragraphs saved as versions, DOCX and Markdown downloads, a too-long
//! paragraph refused beside its field, the viewer's read-only role and zone isolation.

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
