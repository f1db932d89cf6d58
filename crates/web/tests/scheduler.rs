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
