//! `kaifaqu-bench pgfloor`: the query floor on PostgreSQL — the same minimal axum server as
//! `floor` (no templates, no session, no scope), over the bare sqlx PostgreSQL pool with the
//! app's pool size, running for each page the SQL statements the store issues for it (the
//! SQLite floor's statements with `$n` placeholders) and returning the rows as JSON.
//! scripts/bench_pg.sh measures it beside the app served on the same database.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sea_orm::sqlx::{self, Column, Row};
use serde::Deserialize;
use serde_json::{Value, json};

struct Floor {
    db: PgPool,
}

type Shared = State<Arc<Floor>>;

#[derive(Deserialize)]
struct FloorQuery {
    #[serde(default = "one")]
    zone: i64,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    id: Option<i64>,
    #[serde(default = "one")]
    indicator: i64,
    #[serde(default)]
    period: Option<String>,
}

fn one() -> i64 {
    1
}

fn fail(e: impl std::fmt::Display) -> Response {
    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
}

/// A row as JSON: integers, texts, booleans, dates and times as they decode; anything else null.
fn row_json(r: &PgRow) -> Value {
    let mut m = serde_json::Map::new();
    for (i, c) in r.columns().iter().enumerate() {
        let v = if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
            json!(v)
        } else if let Ok(v) = r.try_get::<Option<i32>, _>(i) {
            json!(v)
        } else if let Ok(v) = r.try_get::<Option<String>, _>(i) {
            json!(v)
        } else if let Ok(v) = r.try_get::<Option<bool>, _>(i) {
            json!(v)
        } else if let Ok(v) = r.try_get::<Option<NaiveDate>, _>(i) {
            json!(v.map(|d| d.to_string()))
        } else if let Ok(v) = r.try_get::<Option<DateTime<Utc>>, _>(i) {
            json!(v.map(|d| d.to_rfc3339()))
        } else {
            Value::Null
        };
        m.insert(c.name().to_string(), v);
    }
    Value::Object(m)
}

async fn all(db: &PgPool, sql: &str, binds: &[Value]) -> Result<Vec<Value>, sqlx::Error> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        q = match b {
            Value::Number(n) => q.bind(n.as_i64().unwrap_or_default()),
            Value::String(s) => q.bind(s.clone()),
            _ => q.bind(Option::<i64>::None),
        };
    }
    Ok(q.fetch_all(db).await?.iter().map(row_json).collect())
}

/// What `Lookups::load` reads for a zone.
async fn lookups(db: &PgPool, zone: i64) -> Result<usize, sqlx::Error> {
    let mut n = small_lookups(db, zone).await?;
    n += all(db, "SELECT id, name FROM enterprises WHERE zone_id = $1", &[json!(zone)]).await?.len();
    Ok(n)
}

/// What `Lookups::for_rows` reads: dictionary, departments, users (the columns used).
async fn small_lookups(db: &PgPool, zone: i64) -> Result<usize, sqlx::Error> {
    let mut n = 0;
    for sql in [
        "SELECT id, kind, value, active FROM dictionary_items WHERE zone_id = $1",
        "SELECT id, name FROM departments WHERE zone_id = $1",
        "SELECT id, display_name, role, active FROM users WHERE zone_id = $1",
    ] {
        n += all(db, sql, &[json!(zone)]).await?.len();
    }
    Ok(n)
}

async fn zone_row(db: &PgPool, zone: i64) -> Result<Vec<Value>, sqlx::Error> {
    all(db, "SELECT * FROM zones WHERE id = $1", &[json!(zone)]).await
}

fn respond(r: Result<Value, sqlx::Error>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => fail(e),
    }
}

/// The project list: zone, count and sum in one aggregate, the page (stage filter, −total), the
/// names of the page's rows.
async fn projects(State(f): Shared, Query(q): Query<FloorQuery>) -> Response {
    let run = async {
        zone_row(&f.db, q.zone).await?;
        let stage = if q.stage.is_empty() { "started".to_string() } else { q.stage.clone() };
        let total = all(
            &f.db,
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(total_wan), 0) AS BIGINT) AS s FROM projects WHERE zone_id = $1 AND stage = $2",
            &[json!(q.zone), json!(stage)],
        )
        .await?;
        let offset = (q.page.unwrap_or(1) - 1) * 50;
        let rows = all(
            &f.db,
            "SELECT * FROM projects WHERE zone_id = $1 AND stage = $2 ORDER BY total_wan DESC, id ASC LIMIT 50 OFFSET $3",
            &[json!(q.zone), json!(stage), json!(offset)],
        )
        .await?;
        small_lookups(&f.db, q.zone).await?;
        let ids: Vec<String> = rows.iter().filter_map(|r| r["enterprise_id"].as_i64()).map(|i| i.to_string()).collect();
        if !ids.is_empty() {
            let sql = format!("SELECT id, name FROM enterprises WHERE zone_id = $1 AND id IN ({})", ids.join(","));
            all(&f.db, &sql, &[json!(q.zone)]).await?;
        }
        Ok(json!({ "total": total, "rows": rows }))
    };
    respond(run.await)
}

/// The hazard ledger's first page: zone, total, page by found date, lookups.
async fn hazards(State(f): Shared, Query(q): Query<FloorQuery>) -> Response {
    let run = async {
        zone_row(&f.db, q.zone).await?;
        let total = all(
            &f.db,
            "SELECT COUNT(*) AS num_items FROM (SELECT * FROM hazards WHERE zone_id = $1) AS sub_query",
            &[json!(q.zone)],
        )
        .await?;
        let rows = all(
            &f.db,
            "SELECT * FROM hazards WHERE zone_id = $1 ORDER BY found_date DESC, id DESC LIMIT 50 OFFSET 0",
            &[json!(q.zone)],
        )
        .await?;
        lookups(&f.db, q.zone).await?;
        Ok(json!({ "total": total, "rows": rows }))
    };
    respond(run.await)
}

/// The city ranking of an indicator: catalog, zone, the city's zones, their values of two years.
async fn ranking(State(f): Shared, Query(q): Query<FloorQuery>) -> Response {
    let run = async {
        all(&f.db, "SELECT * FROM indicators WHERE active = TRUE ORDER BY sort_order, id", &[]).await?;
        let z = zone_row(&f.db, q.zone).await?;
        let city = z.first().and_then(|z| z["city_code"].as_str()).unwrap_or_default().to_string();
        let zones = all(&f.db, "SELECT * FROM zones WHERE city_code = $1 ORDER BY name", &[json!(city)]).await?;
        let ids: Vec<String> = zones.iter().map(|z| z["id"].to_string()).collect();
        let year: i64 = q.period.as_deref().and_then(|p| p.get(..4)).and_then(|y| y.parse().ok()).unwrap_or(2025);
        let sql = format!(
            "SELECT * FROM indicator_values WHERE zone_id IN ({}) AND indicator_id = $1 AND year BETWEEN $2 AND $3",
            ids.join(",")
        );
        let values = all(&f.db, &sql, &[json!(q.indicator), json!(year - 1), json!(year)]).await?;
        Ok(json!({ "zones": zones.len(), "values": values.len() }))
    };
    respond(run.await)
}

/// One project's page: the project, zone, lookups, events, contacts, problems.
/// `GET /by-stage?zone=N`: the zone, then count and investment by stage (the floor of
/// `/api/v1/projects/by-stage`, as `by_stage::floor` on SQLite).
async fn by_stage(State(f): Shared, Query(q): Query<FloorQuery>) -> Response {
    let run = async {
        zone_row(&f.db, q.zone).await?;
        let groups = all(
            &f.db,
            "SELECT stage, COUNT(*) AS n, CAST(COALESCE(SUM(total_wan), 0) AS BIGINT) AS s FROM projects \
             WHERE zone_id = $1 GROUP BY stage",
            &[json!(q.zone)],
        )
        .await?;
        Ok(json!({ "stages": groups }))
    };
    respond(run.await)
}

async fn project(State(f): Shared, Query(q): Query<FloorQuery>) -> Response {
    let run = async {
        let id = q.id.unwrap_or(1);
        let p = all(&f.db, "SELECT * FROM projects WHERE id = $1", &[json!(id)]).await?;
        let zone = p.first().and_then(|p| p["zone_id"].as_i64()).unwrap_or(q.zone);
        zone_row(&f.db, zone).await?;
        lookups(&f.db, zone).await?;
        let b = [json!(zone), json!(id)];
        let events = all(
            &f.db,
            "SELECT * FROM project_events WHERE zone_id = $1 AND project_id = $2 ORDER BY event_date, id",
            &b,
        )
        .await?;
        let contacts = all(
            &f.db,
            "SELECT * FROM contacts WHERE zone_id = $1 AND project_id = $2 ORDER BY contact_date DESC, id DESC",
            &b,
        )
        .await?;
        let problems =
            all(&f.db, "SELECT * FROM problems WHERE zone_id = $1 AND project_id = $2 ORDER BY id", &b).await?;
        Ok(json!({ "project": p, "events": events, "contacts": contacts, "problems": problems }))
    };
    respond(run.await)
}

/// Serves the PostgreSQL query floor on `listen` until killed.
pub async fn serve(url: &str, listen: &str) -> Result<()> {
    // the app's pool (kaifaqu_store::Db::connect): 16 connections
    let opts = PgConnectOptions::from_str(url)?;
    let db =
        PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect_with(opts).await?;
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/projects", get(projects))
        .route("/hazards", get(hazards))
        .route("/ranking", get(ranking))
        .route("/project", get(project))
        .route("/by-stage", get(by_stage))
        .with_state(Arc::new(Floor { db }));
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!("PostgreSQL query floor listening on {listen}");
    axum::serve(listener, app).await?;
    Ok(())
}
