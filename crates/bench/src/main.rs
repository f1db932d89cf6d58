//! `kaifaqu-bench`: the parts of the benchmark that are not the app itself (see
//! docs/BENCHMARKS.md and scripts/bench.sh, which drives everything):
//!
//! - `floor`: the query floor — a minimal axum server over the bare sqlx SQLite pool, no
//!   templates, no session, no scope, that runs for each page the same SQL statements the store
//!   issues for it and returns the rows as JSON;
//! - `dbtime`: database time of the national ranking and the period figures, the store's
//!   functions against the raw SQL, in process;
//! - `parts`: the time of each store function behind the heavy pages (cockpit, project list,
//!   one project's page, the half-year report's data), to find where a page's time goes;
//! - `escalate`: one run of the scheduler's overdue rules on a copy of the province database
//!   (every open hazard and task overdue), timed, with the notifications it wrote;
//! - `token`: an API token for a generated user (the mixed-load writes);
//! - `docs`: a 10,000-row ledger XLSX through the app's table writer against rust_xlsxwriter
//!   alone, and a 100,000-row planning table imported against calamine alone, with peak memory.

mod by_stage;
mod cockpit;
mod pg_floor;

mod third;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow};
use sea_orm::sqlx::{self, Column, Row};
use serde::Deserialize;
use serde_json::{Value, json};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn need(args: &[String], name: &str) -> Result<String> {
    arg(args, name).ok_or_else(|| anyhow!("missing {name}"))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match args.get(1).map(String::as_str) {
        Some("floor") => rt.block_on(floor(&need(&args, "--database")?, &need(&args, "--listen")?)),
        Some("pgfloor") => rt.block_on(pg_floor::serve(&need(&args, "--database")?, &need(&args, "--listen")?)),
        Some("dbtime") => rt.block_on(dbtime(&need(&args, "--province")?, arg(&args, "--national").as_deref())),
        Some("token") => rt.block_on(token(&need(&args, "--database")?, &need(&args, "--login")?)),
        Some("docs") => rt.block_on(docs(&args)),
        Some("escalate") => rt.block_on(escalate(&need(&args, "--database")?)),
        Some("report") => rt.block_on(third::report(
            &need(&args, "--database")?,
            arg(&args, "--zone"),
            arg(&args, "--period"),
            arg(&args, "-n"),
        )),
        Some("parts") => rt.block_on(parts(&need(&args, "--database")?, arg(&args, "--zone"))),
        Some("cockpit") => rt.block_on(cockpit::run(
            &need(&args, "--database")?,
            arg(&args, "--zone"),
            arg(&args, "--period"),
            arg(&args, "-n"),
        )),
        _ => bail!(
            "usage: kaifaqu-bench floor --database sqlite://F --listen ADDR | dbtime --province URL [--national URL] | token --database URL --login NAME | parts --database URL [--zone N] | escalate --database URL | docs --step xlsx|plan-make|calamine|plan-parse|plan-import --file F [--database URL]"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// the query floor
// ---------------------------------------------------------------------------------------------

async fn pool(url: &str) -> Result<SqlitePool> {
    // the same pragmas and pool size as kaifaqu_store::Db::connect
    let opts = SqliteConnectOptions::from_str(url)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    Ok(SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?)
}

/// A row as JSON: every column as an integer, a text or null.
fn row_json(r: &SqliteRow) -> Value {
    let mut m = serde_json::Map::new();
    for (i, c) in r.columns().iter().enumerate() {
        let v = if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
            json!(v)
        } else if let Ok(v) = r.try_get::<Option<String>, _>(i) {
            json!(v)
        } else {
            Value::Null
        };
        m.insert(c.name().to_string(), v);
    }
    Value::Object(m)
}

struct Floor {
    db: SqlitePool,
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

async fn all(db: &SqlitePool, sql: &str, binds: &[Value]) -> Result<Vec<Value>, sqlx::Error> {
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

/// What `kaifaqu_store::lookups::Lookups::load` reads for a zone.
async fn lookups(db: &SqlitePool, zone: i64) -> Result<usize, sqlx::Error> {
    let mut n = small_lookups(db, zone).await?;
    n += all(db, "SELECT id, name FROM enterprises WHERE zone_id = ?", &[json!(zone)]).await?.len();
    Ok(n)
}

/// What `Lookups::for_rows` reads: the zone's dictionary, departments and users (the columns
/// used) and the enterprises named on the page.
async fn small_lookups(db: &SqlitePool, zone: i64) -> Result<usize, sqlx::Error> {
    let mut n = 0;
    for sql in [
        "SELECT id, kind, value, active FROM dictionary_items WHERE zone_id = ?",
        "SELECT id, name FROM departments WHERE zone_id = ?",
        "SELECT id, display_name, role, active FROM users WHERE zone_id = ?",
    ] {
        n += all(db, sql, &[json!(zone)]).await?.len();
    }
    Ok(n)
}

async fn zone_row(db: &SqlitePool, zone: i64) -> Result<Vec<Value>, sqlx::Error> {
    all(db, "SELECT * FROM zones WHERE id = ?", &[json!(zone)]).await
}

/// The project list: zone, count and sum in one aggregate, page (filter stage, sort -total),
/// the names of the page's rows.
async fn floor_projects(State(f): Shared, Query(q): Query<FloorQuery>) -> Response {
    let run = async {
        zone_row(&f.db, q.zone).await?;
        let stage = if q.stage.is_empty() { "started".to_string() } else { q.stage.clone() };
        let b = [json!(q.zone), json!(stage)];
        let total = all(
            &f.db,
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(total_wan), 0) AS BIGINT) AS s FROM projects WHERE zone_id = ? AND stage = ?",
            &b,
        )
        .await?;
        let offset = (q.page.unwrap_or(1) - 1) * 50;
        let rows = all(
            &f.db,
            "SELECT * FROM projects WHERE zone_id = ? AND stage = ? ORDER BY total_wan DESC, id ASC LIMIT 50 OFFSET ?",
            &[json!(q.zone), json!(stage), json!(offset)],
        )
        .await?;
        small_lookups(&f.db, q.zone).await?;
        let ids: Vec<String> = rows.iter().filter_map(|r| r["enterprise_id"].as_i64()).map(|i| i.to_string()).collect();
        if !ids.is_empty() {
            let sql = format!("SELECT id, name FROM enterprises WHERE zone_id = ? AND id IN ({})", ids.join(","));
            all(&f.db, &sql, &[json!(q.zone)]).await?;
        }
        Ok::<_, sqlx::Error>(json!({ "total": total, "rows": rows }))
    };
    match run.await {
        Ok(v) => Json(v).into_response(),
        Err(e) => fail(e),
    }
}

/// The hazard ledger's first page: zone, total, page by found date, lookups.
async fn floor_hazards(State(f): Shared, Query(q): Query<FloorQuery>) -> Response {
    let run = async {
        zone_row(&f.db, q.zone).await?;
        let total = all(
            &f.db,
            "SELECT COUNT(*) AS num_items FROM (SELECT * FROM hazards WHERE zone_id = ?) AS sub_query",
            &[json!(q.zone)],
        )
        .await?;
        let rows = all(
            &f.db,
            "SELECT * FROM hazards WHERE zone_id = ? ORDER BY found_date DESC, id DESC LIMIT 50 OFFSET 0",
            &[json!(q.zone)],
        )
        .await?;
        lookups(&f.db, q.zone).await?;
        Ok::<_, sqlx::Error>(json!({ "total": total, "rows": rows }))
    };
    match run.await {
        Ok(v) => Json(v).into_response(),
        Err(e) => fail(e),
    }
}

/// The city ranking of an indicator: catalog, zone, the city's zones, their values of two years.
async fn floor_ranking(State(f): Shared, Query(q): Query<FloorQuery>) -> Response {
    let run = async {
        all(&f.db, "SELECT * FROM indicators WHERE active = TRUE ORDER BY sort_order, id", &[]).await?;
        let z = zone_row(&f.db, q.zone).await?;
        let city = z.first().and_then(|z| z["city_code"].as_str()).unwrap_or_default().to_string();
        let zones = all(&f.db, "SELECT * FROM zones WHERE city_code = ? ORDER BY name", &[json!(city)]).await?;
        let ids: Vec<String> = zones.iter().map(|z| z["id"].to_string()).collect();
        let year: i64 = q.period.as_deref().and_then(|p| p.get(..4)).and_then(|y| y.parse().ok()).unwrap_or(2025);
        let sql = format!(
            "SELECT * FROM indicator_values WHERE zone_id IN ({}) AND indicator_id = ? AND year BETWEEN ? AND ?",
            ids.join(",")
        );
        let values = all(&f.db, &sql, &[json!(q.indicator), json!(year - 1), json!(year)]).await?;
        Ok::<_, sqlx::Error>(json!({ "zones": zones.len(), "values": values.len() }))
    };
    match run.await {
        Ok(v) => Json(v).into_response(),
        Err(e) => fail(e),
    }
}

/// One project's page: the project, zone, lookups, events, contacts, problems.
async fn floor_project(State(f): Shared, Query(q): Query<FloorQuery>) -> Response {
    let run = async {
        let id = q.id.unwrap_or(1);
        let p = all(&f.db, "SELECT * FROM projects WHERE id = ?", &[json!(id)]).await?;
        let zone = p.first().and_then(|p| p["zone_id"].as_i64()).unwrap_or(q.zone);
        zone_row(&f.db, zone).await?;
        lookups(&f.db, zone).await?;
        let b = [json!(zone), json!(id)];
        let events =
            all(&f.db, "SELECT * FROM project_events WHERE zone_id = ? AND project_id = ? ORDER BY event_date, id", &b)
                .await?;
        let contacts = all(
            &f.db,
            "SELECT * FROM contacts WHERE zone_id = ? AND project_id = ? ORDER BY contact_date DESC, id DESC",
            &b,
        )
        .await?;
        let problems =
            all(&f.db, "SELECT * FROM problems WHERE zone_id = ? AND project_id = ? ORDER BY id", &b).await?;
        Ok::<_, sqlx::Error>(json!({ "project": p, "events": events, "contacts": contacts, "problems": problems }))
    };
    match run.await {
        Ok(v) => Json(v).into_response(),
        Err(e) => fail(e),
    }
}

async fn floor(url: &str, listen: &str) -> Result<()> {
    let state = Arc::new(Floor { db: pool(url).await? });
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/projects", get(floor_projects))
        .route("/hazards", get(floor_hazards))
        .route("/ranking", get(floor_ranking))
        .route("/project", get(floor_project))
        .route("/by-stage", get(by_stage::floor))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!("query floor listening on {listen}");
    axum::serve(listener, app).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// database time: store functions against raw SQL
// ---------------------------------------------------------------------------------------------

/// Median and 95th percentile of `n` runs, in microseconds.
async fn time<F, Fut>(n: usize, mut f: F) -> Result<(u128, u128)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    f().await?; // warm-up
    let mut t = Vec::with_capacity(n);
    for _ in 0..n {
        let s = Instant::now();
        f().await?;
        t.push(s.elapsed().as_micros());
    }
    t.sort_unstable();
    Ok((t[n / 2], t[(n * 95 / 100).min(n - 1)]))
}

fn ms(us: u128) -> String {
    format!("{}.{:02} ms", us / 1000, us % 1000 / 10)
}

fn ratio(a: u128, b: u128) -> String {
    let r = a * 100 / b.max(1);
    format!("{}.{:02}×", r / 100, r % 100)
}

fn report(name: &str, store: (u128, u128), raw: (u128, u128)) {
    println!(
        "DBTIME\t{name}\tstore median {} (p95 {})\traw median {} (p95 {})\tratio {}",
        ms(store.0),
        ms(store.1),
        ms(raw.0),
        ms(raw.1),
        ratio(store.0, raw.0)
    );
}

async fn dbtime(province: &str, national: Option<&str>) -> Result<()> {
    use kaifaqu_domain::indicator::rank;
    use kaifaqu_store::{Scope, figures, indicator_values, indicator_views, zones};
    if let Some(url) = national {
        let db = kaifaqu_store::open(url).await.map_err(|e| anyhow!("{e}"))?;
        let raw = pool(url).await?;
        let ids: Vec<i64> = zones::list(&db, &Scope::System).await?.iter().map(|z| z.id).collect();
        println!("national: {} zones", ids.len());
        // the store's path: every zone's values of the indicator for two years, then the ranks
        let store = time(20, || {
            let db = db.clone();
            async move {
                let zs = zones::list(&db, &Scope::System).await?;
                let ids: Vec<i64> = zs.iter().map(|z| z.id).collect();
                let values = indicator_values::of_zones(&db, &ids, 1, (2024, 2025)).await?;
                let mut by_zone: HashMap<i64, (Option<i64>, Option<i64>)> = HashMap::new();
                for v in values.iter().filter(|v| !v.is_estimate && v.period.year == 2025 && v.period.month == 12) {
                    by_zone.insert(v.zone_id, (Some(v.value.0), v.growth.map(|g| g.0)));
                }
                let entries: Vec<(i64, Option<i64>)> =
                    ids.iter().map(|id| (*id, by_zone.get(id).and_then(|x| x.0))).collect();
                let growth: Vec<(i64, Option<i64>)> =
                    ids.iter().map(|id| (*id, by_zone.get(id).and_then(|x| x.1))).collect();
                let (a, b) = (rank(&entries), rank(&growth));
                anyhow::ensure!(a.len() == ids.len() && b.len() == ids.len());
                Ok(())
            }
        })
        .await?;
        // the raw query: one period's values from the index, ranked the same way
        let raw_t = time(20, || {
            let raw = raw.clone();
            let ids = ids.clone();
            async move {
                let rows = sqlx::query(
                    "SELECT zone_id, value, growth FROM indicator_values WHERE indicator_id = 1 AND year = 2025 AND month = 12 AND is_estimate = FALSE",
                )
                .fetch_all(&raw)
                .await?;
                let mut by_zone: HashMap<i64, (i64, Option<i64>)> = HashMap::new();
                for r in &rows {
                    by_zone.insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?));
                }
                let entries: Vec<(i64, Option<i64>)> =
                    ids.iter().map(|id| (*id, by_zone.get(id).map(|x| x.0))).collect();
                let growth: Vec<(i64, Option<i64>)> =
                    ids.iter().map(|id| (*id, by_zone.get(id).and_then(|x| x.1))).collect();
                let (a, b) = (rank(&entries), rank(&growth));
                anyhow::ensure!(a.len() == ids.len() && b.len() == ids.len());
                Ok(())
            }
        })
        .await?;
        report("national ranking, 2,543 zones, one indicator and period (zones::list + of_zones + rank)", store, raw_t);
        // the store's ranking in one query (issue 11): what the ranking pages use
        let p = kaifaqu_domain::indicator::Period { year: 2025, month: 12 };
        let one = time(20, || {
            let db = db.clone();
            async move {
                let t = indicator_views::ranking(&db, &Scope::System, 1, p).await?;
                anyhow::ensure!(t.len() == 2_543);
                Ok(())
            }
        })
        .await?;
        report("national ranking, 2,543 zones (indicator_views::ranking, one query)", one, raw_t);
        // a city's table with the store's own function (the page's path)
        let city = zones::list(&db, &Scope::System).await?[0].clone();
        let p = kaifaqu_domain::indicator::Period { year: 2025, month: 12 };
        let store = time(50, || {
            let db = db.clone();
            async move {
                indicator_views::city_table(&db, &Scope::System, city.id, 1, p).await?;
                Ok(())
            }
        })
        .await?;
        let city_code = city.city_code.clone();
        let raw_t = time(50, || {
            let raw = raw.clone();
            let city_code = city_code.clone();
            async move {
                sqlx::query(
                    "SELECT v.zone_id, v.value, v.growth FROM indicator_values v JOIN zones z ON z.id = v.zone_id WHERE z.city_code = ? AND v.indicator_id = 1 AND v.year = 2025 AND v.month = 12 AND v.is_estimate = FALSE",
                )
                .bind(city_code)
                .fetch_all(&raw)
                .await?;
                Ok(())
            }
        })
        .await?;
        report("city ranking table (indicator_views::city_table) in the national database", store, raw_t);
    }
    let db = kaifaqu_store::open(province).await.map_err(|e| anyhow!("{e}"))?;
    let raw = pool(province).await?;
    let from = NaiveDate::from_ymd_opt(2025, 1, 1).context("date")?;
    let to = NaiveDate::from_ymd_opt(2025, 6, 30).context("date")?;
    let store = time(20, || {
        let db = db.clone();
        async move {
            figures::period(&db, &Scope::System, 1, from, to).await?;
            Ok(())
        }
    })
    .await?;
    let raw_t = time(20, || {
        let raw = raw.clone();
        async move {
            let (f, t) = (from.to_string(), to.to_string());
            sqlx::query("SELECT COUNT(*) FROM contacts WHERE zone_id = 1 AND contact_date BETWEEN ? AND ?")
                .bind(&f)
                .bind(&t)
                .fetch_one(&raw)
                .await?;
            sqlx::query(
                "SELECT e.kind, p.team_id, p.channel_id, p.chain_id, COUNT(*), SUM(p.total_wan) FROM project_events e JOIN projects p ON p.zone_id = e.zone_id AND p.id = e.project_id WHERE e.zone_id = 1 AND e.event_date BETWEEN ? AND ? AND e.kind IN ('planning','negotiating','signed','landed','started','producing') GROUP BY 1, 2, 3, 4",
            )
            .bind(&f)
            .bind(&t)
            .fetch_all(&raw)
            .await?;
            sqlx::query("SELECT id, value FROM dictionary_items WHERE zone_id = 1").fetch_all(&raw).await?;
            Ok(())
        }
    })
    .await?;
    report("period figures of a zone for H1 2025 (figures::period)", store, raw_t);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// parts: where a page's time goes (store functions one by one)
// ---------------------------------------------------------------------------------------------

async fn parts(url: &str, zone: Option<String>) -> Result<()> {
    use kaifaqu_store::cockpit::{self, Focus};
    use kaifaqu_store::projects::{self, ProjectFilter};
    use kaifaqu_store::report_data::ReportPeriod;
    use kaifaqu_store::{
        Scope, contacts, events, figures, indicator_views, problems, report_data, safety_figures, targets, todo, zones,
    };
    let db_owned = kaifaqu_store::open(url).await.map_err(|e| anyhow!("{e}"))?;
    let zone: i64 = zone.as_deref().unwrap_or("1").parse()?;
    let s_owned = Scope::System;
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).context("date")?;
    let ytd_owned = cockpit::year_to_date(today);
    let h1_owned = ReportPeriod::parse("2025-H1").map_err(|e| anyhow!(e))?;
    let staff = kaifaqu_store::users::find_by_login(&db_owned, &format!("z{zone:04}_staff")).await?;
    let (db, s, ytd, h1) = (&db_owned, &s_owned, &ytd_owned, &h1_owned);
    macro_rules! part {
        ($n:expr, $name:expr, $body:expr) => {{
            let r = time($n, || async move {
                $body;
                Ok(())
            })
            .await?;
            println!("PART\t{}\tmedian {}\tp95 {}", $name, ms(r.0), ms(r.1));
        }};
    }
    part!(10, "zones::get", zones::get(db, s, zone).await?);
    part!(5, "cockpit::indicators (year to date)", cockpit::indicators(db, s, zone, ytd).await?);
    part!(5, "targets::evaluate (year to date)", targets::evaluate(db, s, zone, ytd.year, today).await?);
    part!(5, "figures::period (year to date)", figures::period(db, s, zone, ytd.from, ytd.to).await?);
    part!(5, "figures::period (2025-H1)", figures::period(db, s, zone, h1.from, h1.to).await?);
    part!(5, "cockpit::open_items (zone)", cockpit::open_items(db, s, zone, Focus::default()).await?);
    part!(5, "cockpit::week", cockpit::week(db, s, zone, today, today).await?);
    part!(5, "safety_figures::period", safety_figures::period(db, s, zone, ytd.from, today).await?);
    part!(5, "indicator_views::warnings", indicator_views::warnings(db, s, zone, today).await?);
    if let Some(u) = &staff {
        part!(5, "todo::for_user (staff)", todo::for_user(db, u, today).await?);
    }
    let pf_owned =
        ProjectFilter { stage: "started".into(), sort: "-total".into(), page: Some(2), ..Default::default() };
    let pf = &pf_owned;
    part!(10, "projects::list (stage, -total, page 2)", projects::list(db, s, zone, pf).await?);
    part!(
        10,
        "projects::list_with_investment (stage, -total, page 2)",
        projects::list_with_investment(db, s, zone, pf).await?
    );
    let pid = projects::list(db, s, zone, &ProjectFilter::default()).await?.rows.first().map(|p| p.id).unwrap_or(1);
    part!(10, "projects::get", projects::get(db, s, pid).await?);
    part!(10, "events::list (one project)", events::list(db, s, pid).await?);
    part!(
        10,
        "contacts::list (one project)",
        contacts::list(
            db,
            s,
            zone,
            &contacts::ContactFilter { project: pid.to_string(), per_page: Some(500), ..Default::default() }
        )
        .await?
    );
    part!(
        10,
        "problems::list (one project)",
        problems::list(
            db,
            s,
            zone,
            &problems::ProblemFilter { project: pid.to_string(), per_page: Some(500), ..Default::default() }
        )
        .await?
    );
    part!(3, "report_data::gather (2025-H1)", report_data::gather(db, s, zone, h1).await?);
    Ok(())
}

async fn escalate(url: &str) -> Result<()> {
    let db = kaifaqu_store::open(url).await.map_err(|e| anyhow!("{e}"))?;
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).context("date")?;
    let t = Instant::now();
    let hazards = kaifaqu_store::notifications::run_escalation(&db, today).await?;
    println!("ESCALATE\tall rules\t{} notifications\t{} ms", hazards, t.elapsed().as_millis());
    let t = Instant::now();
    let again = kaifaqu_store::notifications::run_escalation(&db, today).await?;
    println!("ESCALATE\tsecond run (idempotent)\t{} notifications\t{} ms", again, t.elapsed().as_millis());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// an API token for the mixed load
// ---------------------------------------------------------------------------------------------

async fn token(url: &str, login: &str) -> Result<()> {
    let db = kaifaqu_store::open(url).await.map_err(|e| anyhow!("{e}"))?;
    let u = kaifaqu_store::users::find_by_login(&db, login).await?.ok_or_else(|| anyhow!("no user {login}"))?;
    let actor = kaifaqu_store::auth::actor_of(&u, None);
    let (_, value) = kaifaqu_store::auth::create_token(&db, &actor, "benchmark").await?;
    println!("{value}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// documents and import
// ---------------------------------------------------------------------------------------------

/// Peak resident memory of this process so far (VmHWM), in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The 10,000-row ledger's cells: the columns of the hazard ledger export.
fn ledger_rows(n: usize) -> Vec<Vec<kaifaqu_reports::table::Cell>> {
    use kaifaqu_reports::table::Cell;
    (0..n)
        .map(|i| {
            vec![
                Cell::Int(i as i64 + 1),
                Cell::Text(format!("山西恒通化工有限公司{}", i % 500)),
                Cell::Text(["压力表未按期校验", "通道堆放杂物", "灭火器压力不足"][i % 3].into()),
                Cell::Text(["一般隐患", "重大隐患"][usize::from(i % 40 == 0)].into()),
                Cell::Text(["设备设施", "作业环境", "消防安全"][i % 3].into()),
                Cell::Text(format!("2025-{:02}-{:02}", i % 12 + 1, i % 28 + 1)),
                Cell::Text(format!("2025-{:02}-{:02}", i % 12 + 1, i % 28 + 1)),
                Cell::Text(["待整改", "整改中", "已销号"][i % 3].into()),
                Cell::Text("安监科员甲".into()),
                Cell::Yi(kaifaqu_domain::money::Wan(i as i64 * 7)),
            ]
        })
        .collect()
}

const LEDGER_HEADERS: [&str; 10] =
    ["序号", "企业", "隐患描述", "等级", "类别", "发现日期", "整改期限", "状态", "发现人", "整改资金（亿元）"];

/// rust_xlsxwriter alone: the same cells, no formats, no widths.
fn raw_xlsx(rows: &[Vec<kaifaqu_reports::table::Cell>]) -> Result<Vec<u8>> {
    use kaifaqu_reports::table::Cell;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "隐患台账")?;
    for (c, h) in LEDGER_HEADERS.iter().enumerate() {
        ws.write_string(1, c as u16, *h)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c, s)?;
                }
                Cell::Int(n) => {
                    ws.write_number(r, c, *n as f64)?;
                }
                Cell::Yi(w) => {
                    ws.write_number(r, c, w.0 as f64)?;
                }
                Cell::Empty => {}
            }
        }
    }
    Ok(wb.save_to_buffer()?)
}

fn plan_rows(n: usize) -> Vec<kaifaqu_reports::plan_table::PlanRow> {
    use kaifaqu_domain::money::Wan;
    (0..n)
        .map(|i| kaifaqu_reports::plan_table::PlanRow {
            name: format!("示例谋划项目{}", i + 1),
            content: "建设生产线及配套设施".into(),
            total: Wan(1_000 + (i as i64 % 97) * 100),
            planned_this_year: Some(Wan(500)),
            start_year: Some(2026),
            end_year: Some(2027),
            category: if i % 5 == 0 { "基础设施类" } else { "产业类" }.into(),
            chain: ["煤化工", "新材料", "新能源"][i % 3].into(),
            key_level: "一般项目".into(),
            unit: "项目建设部".into(),
            leader: "班子成员甲".into(),
            progress: "前期工作".into(),
        })
        .collect()
}

fn done(what: &str, started: Instant, extra: &str) {
    let us = started.elapsed().as_micros();
    println!("DOCS\t{what}\t{}\tpeak {} MiB{extra}", ms(us), peak_kib() / 1024);
}

async fn docs(args: &[String]) -> Result<()> {
    let step = need(args, "--step")?;
    match step.as_str() {
        "xlsx" => {
            let rows = ledger_rows(10_000);
            let mut app = Vec::new();
            let mut raw = Vec::new();
            for _ in 0..5 {
                let s = Instant::now();
                kaifaqu_reports::table::export("隐患台账", "隐患台账", &LEDGER_HEADERS, &rows)
                    .map_err(|e| anyhow!(e))?;
                app.push(s.elapsed().as_micros());
                let s = Instant::now();
                raw_xlsx(&rows)?;
                raw.push(s.elapsed().as_micros());
            }
            app.sort_unstable();
            raw.sort_unstable();
            println!(
                "DOCS\t10,000-row ledger XLSX\treports::table::export median {}\trust_xlsxwriter alone median {}\tratio {}",
                ms(app[2]),
                ms(raw[2]),
                ratio(app[2], raw[2])
            );
        }
        "plan-make" => {
            let t = kaifaqu_reports::plan_table::PlanTable {
                zone_name: "示例开发区".into(),
                year: 2026,
                rows: plan_rows(100_000),
            };
            let bytes = kaifaqu_reports::plan_table::export(&t).map_err(|e| anyhow!(e))?;
            std::fs::write(need(args, "--file")?, &bytes)?;
            println!("DOCS\twrote a 100,000-row planning table ({} KiB)", bytes.len() / 1024);
        }
        "calamine" => {
            use calamine::{DataType, Reader};
            let bytes = std::fs::read(need(args, "--file")?)?;
            let s = Instant::now();
            let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))?;
            let name = wb.sheet_names().first().cloned().context("a sheet")?;
            let range = wb.worksheet_range(&name)?;
            let cells = range.rows().map(|r| r.iter().filter(|c| !c.is_empty()).count()).sum::<usize>();
            done("calamine alone: open + read every cell", s, &format!("\t{cells} cells"));
        }
        "plan-parse" => {
            let bytes = std::fs::read(need(args, "--file")?)?;
            let s = Instant::now();
            let rows = kaifaqu_reports::plan_table::import_numbered(&bytes)
                .map_err(|e| anyhow!("{} errors, first: {}", e.len(), e[0]))?;
            done("plan_table::import_numbered (read + check every row)", s, &format!("\t{} rows", rows.len()));
        }
        "plan-import" => {
            let bytes = std::fs::read(need(args, "--file")?)?;
            let db = kaifaqu_store::open(&need(args, "--database")?).await.map_err(|e| anyhow!("{e}"))?;
            let u = kaifaqu_store::users::find_by_login(&db, "z0001_admin").await?.context("z0001_admin")?;
            let actor = kaifaqu_store::auth::actor_of(&u, None);
            let s = Instant::now();
            let rows = kaifaqu_reports::plan_table::import_numbered(&bytes)
                .map_err(|e| anyhow!("{} errors, first: {}", e.len(), e[0]))?;
            let rows: Vec<kaifaqu_store::plan::ImportRow> = rows
                .into_iter()
                .map(|(line, r)| kaifaqu_store::plan::ImportRow {
                    line,
                    name: r.name,
                    content: r.content,
                    total: r.total,
                    planned: r.planned_this_year,
                    start_year: r.start_year,
                    end_year: r.end_year,
                    category: r.category,
                    chain: r.chain,
                    key_level: r.key_level,
                    unit: r.unit,
                    leader: r.leader,
                    progress: r.progress,
                })
                .collect();
            let n = match kaifaqu_store::plan::import(&db, &actor, 2026, &rows).await? {
                kaifaqu_store::plan::ImportOutcome::Imported(n) => n,
                kaifaqu_store::plan::ImportOutcome::Rejected(e) => {
                    bail!("rejected: {} errors, first: {:?}", e.len(), e.first())
                }
            };
            done("full import (read + check + write all projects in one transaction)", s, &format!("\t{n} rows"));
        }
        other => bail!("unknown step {other}"),
    }
    Ok(())
}
