//! The query floor of `GET /api/v1/projects/by-stage` (the ledger counted and summed by stage):
//! the statements the store issues for it — the zone's row (the scope check), then one
//! `GROUP BY stage` over the zone's projects — on the bare sqlx SQLite pool of `floor`, no
//! token, no scope, the rows returned as JSON. scripts/bench.sh measures it beside the endpoint.

use axum::Json;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::{FloorQuery, Shared, all, fail, zone_row};

/// `GET /by-stage?zone=N`: the zone, then count and investment by stage.
pub async fn floor(axum::extract::State(f): Shared, Query(q): Query<FloorQuery>) -> Response {
    let run = async {
        zone_row(&f.db, q.zone).await?;
        let groups = all(
            &f.db,
            "SELECT stage, COUNT(*) AS n, CAST(COALESCE(SUM(total_wan), 0) AS BIGINT) AS s FROM projects \
             WHERE zone_id = ? GROUP BY stage",
            &[json!(q.zone)],
        )
        .await?;
        Ok::<_, sea_orm::sqlx::Error>(json!({ "stages": groups }))
    };
    match run.await {
        Ok(v) => Json(v).into_response(),
        Err(e) => fail(e),
    }
}
