//! Row-level security through the running server (issue 10, C6): two zones with identical
//! fixtures, their admins hammering the same list endpoints at the same time, each answer holds
//! only the asker's rows. On PostgreSQL the server connects as the app role with every request's
//! zones set on the pooled connection it gets, so a connection handed from one zone's request
//! to the other's must carry the new zones; on SQLite this checks the store's zone filter alone.

mod support;

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use support::{Session, TestApp};

const TWIN: &str = "_twin";
const TWIN_PASSWORD: &str = "Qm7#rTz-9vLw";
const CLIENTS_PER_ZONE: usize = 12;
const ROUNDS: usize = 6;
const LISTS: &[&str] =
    &["/api/v1/projects?per_page=500", "/api/v1/hazards?per_page=500", "/api/v1/enterprises?per_page=500"];

/// The zone ids of every row in a list answer.
fn zones_of(body: &serde_json::Value) -> Vec<i64> {
    body["rows"].as_array().map(|rows| rows.iter().filter_map(|r| r["zone_id"].as_i64()).collect()).unwrap_or_default()
}

async fn hammer(s: Arc<Session>, zone: i64, rounds: usize) -> (usize, usize, usize) {
    let (mut requests, mut rows, mut leaks) = (0, 0, 0);
    for i in 0..rounds {
        for path in LISTS {
            let r = s.json(Method::GET, path, None).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            let body: serde_json::Value = r.json().await.unwrap();
            let zs = zones_of(&body);
            assert_eq!(
                zs.len() as u64,
                body["rows"].as_array().map_or(0, |a| a.len() as u64),
                "{path}: rows carry zone_id"
            );
            rows += zs.len();
            leaks += zs.iter().filter(|z| **z != zone).count();
            requests += 1;
        }
        if i % 2 == 0 {
            tokio::task::yield_now().await;
        }
    }
    (requests, rows, leaks)
}

app_test!(two_zones_hammering_the_same_lists_get_only_their_own_rows, |app: TestApp| async move {
    kaifaqu_store::demo::load_twin(&app.db, app.zone_b, TWIN, TWIN_PASSWORD).await.unwrap();
    let a = Arc::new(app.admin().await);
    let b = Arc::new(app.login(&format!("admin{TWIN}"), TWIN_PASSWORD).await);
    // each zone alone first: the lists are not empty and identical in size (twin fixtures)
    let (_, rows_a, _) = hammer(a.clone(), app.zone_a, 1).await;
    let (_, rows_b, _) = hammer(b.clone(), app.zone_b, 1).await;
    assert!(rows_a > 0 && rows_b > 0, "both zones have rows: {rows_a} / {rows_b}");
    let mut tasks = Vec::new();
    for i in 0..CLIENTS_PER_ZONE * 2 {
        let (s, zone) = if i % 2 == 0 { (a.clone(), app.zone_a) } else { (b.clone(), app.zone_b) };
        tasks.push(tokio::spawn(hammer(s, zone, ROUNDS)));
    }
    let (mut requests, mut rows, mut leaks) = (0, 0, 0);
    for t in tasks {
        let (q, r, l) = t.await.unwrap();
        requests += q;
        rows += r;
        leaks += l;
    }
    println!(
        "rls (web, {:?}): {} clients of zones A and B, {requests} concurrent list requests, {rows} rows returned, {leaks} of the other zone",
        app.db.engine,
        CLIENTS_PER_ZONE * 2
    );
    assert_eq!(leaks, 0);
    assert_eq!(rows, CLIENTS_PER_ZONE * ROUNDS * (rows_a + rows_b), "every answer complete");
});
