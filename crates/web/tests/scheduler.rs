//! The scheduler inside the server: overdue hazards notify once per step however often it runs
//! (also after a restart), notifications reach a webhook in the group-robot format, and users
//! read them in the app.

mod support;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::routing::post;
use kaifaqu_store::Engine;
use kaifaqu_web::Notify;
use reqwest::StatusCode;
use serde_json::Value;
use support::{Options, TestApp};

/// A local webhook receiver that records what it is sent.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |Json(v): Json<Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

async fn once_per_step(engine: Engine) {
    let (url, got) = receiver().await;
    let notify = Notify { webhook_url: Some(url), webhook_format: "dingtalk".into(), ..Default::default() };
    let Some(app) = TestApp::spawn_with(engine, Options { notify, ..Default::default() }).await else { return };
    let first = kaifaqu_web::scheduler::run_once(&app.state).await.unwrap();
    assert!(first.created > 0, "the demo has overdue hazards");
    assert_eq!((first.delivered, first.failed), (first.created, 0));
    let second = kaifaqu_web::scheduler::run_once(&app.state).await.unwrap();
    assert_eq!((second.created, second.delivered), (0, 0), "run twice: one notification");
    // a "restarted" server over the same database notifies nobody again
    let restarted = app.state.clone();
    assert_eq!(kaifaqu_web::scheduler::run_once(&restarted).await.unwrap().created, 0);
    let bodies = got.lock().unwrap().clone();
    assert_eq!(bodies.len(), first.created);
    let text = |b: &serde_json::Value| b["text"]["content"].as_str().unwrap().to_string();
    assert!(bodies.iter().all(|b| b["msgtype"] == "text"));
    assert!(bodies.iter().any(|b| text(b).contains("隐患")), "overdue hazards");
    assert!(bodies.iter().any(|b| text(b).contains("承诺")), "overdue commitments of approval cases");
    // the leader reads them in the app
    let leader = app.login("leader", &app.password).await;
    let (_, html) = leader.page("/").await;
    assert!(html.contains("通知（"), "unread count in the header");
    let (_, page) = leader.page("/notifications").await;
    assert!(page.contains("请督办"));
    let id = page.split("/notifications/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let r = leader.post_form(&format!("/notifications/{id}/read"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap();
    assert!(["/safety/hazards/", "/approvals/", "/tasks/"].iter().any(|p| to.starts_with(p)), "{to}");
}

#[tokio::test]
async fn once_per_step_sqlite() {
    once_per_step(Engine::Sqlite).await;
}

#[tokio::test]
async fn once_per_step_postgres() {
    once_per_step(Engine::Postgres).await;
}

#[tokio::test]
async fn an_unreachable_webhook_is_retried_later() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", l.local_addr().unwrap())
    };
    let notify = Notify { webhook_url: Some(closed), ..Default::default() };
    let app = TestApp::spawn_with(Engine::Sqlite, Options { notify, ..Default::default() }).await.unwrap();
    let r = kaifaqu_web::scheduler::run_once(&app.state).await.unwrap();
    assert!(r.created > 0 && r.delivered == 0 && r.failed > 0);
    // the receiver comes up: the next run delivers what was kept
    let (url, got) = receiver().await;
    let mut state = app.state.clone();
    state.notify.webhook_url = Some(url);
    let r2 = kaifaqu_web::scheduler::run_once(&state).await.unwrap();
    assert_eq!((r2.created, r2.delivered), (0, r.created));
    assert_eq!(got.lock().unwrap()[0]["link"].as_str().map(|l| l.starts_with("/safety/hazards/")), Some(true));
}

/// The daily digest: nothing before the digest time, once after it (pushed to the webhook like
/// any notification), the same list on 我的待办 and over JSON, and the opt-out on 我的账号.
async fn daily_digest(engine: Engine) {
    let (url, got) = receiver().await;
    let notify =
        Notify { webhook_url: Some(url), digest_time: chrono::NaiveTime::from_hms_opt(8, 30, 0), ..Default::default() };
    let Some(app) = TestApp::spawn_with(engine, Options { notify, ..Default::default() }).await else { return };
    let at = |h| chrono::NaiveDate::from_ymd_opt(2025, 12, 15).unwrap().and_hms_opt(h, 0, 0).unwrap();
    let early = kaifaqu_web::scheduler::run_once_at(&app.state, at(7)).await.unwrap();
    let digests = |got: &Arc<Mutex<Vec<Value>>>| got.lock().unwrap().iter().filter(|b| b["link"] == "/todo").count();
    assert_eq!(digests(&got), 0, "before 08:30 no digest ({early:?})");
    kaifaqu_web::scheduler::run_once_at(&app.state, at(9)).await.unwrap();
    let sent = digests(&got);
    assert!(sent >= 1, "the admin has statistics to enter at least");
    kaifaqu_web::scheduler::run_once_at(&app.state, at(10)).await.unwrap();
    assert_eq!(digests(&got), sent, "once a day");
    let body = got.lock().unwrap().iter().find(|b| b["link"] == "/todo").cloned().unwrap();
    assert!(body["text"].as_str().unwrap().starts_with("今日待办"));

    let admin = app.admin().await;
    let (status, html) = admin.page("/todo").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("我的待办") && html.contains("待填报"));
    let v: Value = admin.get("/api/v1/todo").await.json().await.unwrap();
    assert!(v["items"].as_array().unwrap().iter().any(|i| i["module"] == "统计"));
    let (_, notes) = admin.page("/notifications").await;
    assert!(notes.contains("今日待办"));

    // opting out: the box unticked on 我的账号
    let r = admin.post_form("/account/digest", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, account) = admin.page("/account").await;
    assert!(account.contains("name=\"digest\">"), "the box is no longer ticked");
    let (_, page) = admin.page("/todo").await;
    assert!(page.contains("您已关闭每日待办提醒"));
    let r = admin.post_form("/account/digest", &[("digest", "on")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(admin.page("/account").await.1.contains("name=\"digest\" checked"));
}

#[tokio::test]
async fn daily_digest_sqlite() {
    daily_digest(Engine::Sqlite).await;
}

#[tokio::test]
async fn daily_digest_postgres() {
    daily_digest(Engine::Postgres).await;
}
