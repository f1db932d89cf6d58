//! `kaifaqu-bench cockpit --database URL [--zone N] [--period KEY] [-n RUNS]`: where the home
//! cockpit's (`/`) time goes. Runs the store calls `web::features::home` makes for zone N's member
//! of staff (`zNNNN_staff`), one by one and then the whole sequence inside `lookups::cached` as one
//! request does, each timed as the median and 95th percentile of RUNS runs (default 20); and, for
//! the figures this pass moved into SQL, the old list-based way beside the new one in the same
//! run (`open_items` from eight list totals, the week's inspections from `safety_figures::period`).
//! The page's rendering and session are not included (they are in the wrk figures).

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use kaifaqu_store::cockpit::{self, Focus};
use kaifaqu_store::report_data::ReportPeriod;
use kaifaqu_store::{Db, Scope, StoreError, approval_cases, hazards, indicator_views, problems, safety_figures};
use kaifaqu_store::{lookups, targets, tasks, todo, users, zones};

use super::{ms, time};

/// The eight open/overdue totals the way the cockpit counted them before this pass: the total
/// of each list filter, one list call each (for comparison in the same run).
async fn open_items_by_lists(db: &Db, s: &Scope, zone: i64, focus: Focus) -> Result<[u64; 8], StoreError> {
    let leader = focus.leader.map(|l| l.to_string()).unwrap_or_default();
    let department = focus.department.map(|d| d.to_string()).unwrap_or_default();
    let one = (Some(1), Some(1));
    let mut out = [0; 8];
    for (i, overdue) in ["", "1"].into_iter().enumerate() {
        let status = |open: &str| if overdue.is_empty() { open.to_string() } else { String::new() };
        let pf = problems::ProblemFilter {
            status: status("unclosed"),
            overdue: overdue.into(),
            leader: leader.clone(),
            department: department.clone(),
            page: one.0,
            per_page: one.1,
            ..Default::default()
        };
        out[i] = problems::list(db, s, zone, &pf).await?.total;
        let hf = hazards::HazardFilter {
            status: status("open"),
            overdue: overdue.into(),
            page: one.0,
            per_page: one.1,
            ..Default::default()
        };
        out[2 + i] = hazards::list(db, s, zone, &hf).await?.total;
        let tf = tasks::TaskFilter {
            status: status("open"),
            overdue: overdue.into(),
            leader: leader.clone(),
            department: department.clone(),
            page: one.0,
            per_page: one.1,
            ..Default::default()
        };
        out[4 + i] = tasks::list(db, s, zone, &tf).await?.total;
        let cf = approval_cases::CaseFilter {
            status: status("open"),
            overdue: overdue.into(),
            leader: leader.clone(),
            page: one.0,
            per_page: one.1,
            ..Default::default()
        };
        out[6 + i] = approval_cases::list(db, s, zone, &cf).await?.total;
    }
    Ok(out)
}

/// The store calls of one staff member's home page, in the page's order.
async fn page(db: &Db, s: &Scope, zone: i64, p: &ReportPeriod, today: NaiveDate, staff: &users::User) -> Result<()> {
    let as_of = cockpit::as_of(p, today);
    zones::get(db, s, zone).await?;
    cockpit::indicators(db, s, zone, p).await?;
    let ts = targets::evaluate(db, s, zone, p.year, as_of).await?;
    cockpit::funnel(db, s, zone, p, &ts).await?;
    cockpit::open_items(db, s, zone, Focus::default()).await?;
    cockpit::week(db, s, zone, as_of, today).await?;
    cockpit::weeks_met(db, s, zone, p.from, as_of).await?;
    indicator_views::warnings(db, s, zone, today).await?;
    todo::for_user(db, staff, today).await?;
    if let Some(d) = staff.department_id {
        cockpit::open_items(db, s, zone, Focus { leader: None, department: Some(d) }).await?;
    }
    Ok(())
}

pub async fn run(url: &str, zone: Option<String>, period: Option<String>, runs: Option<String>) -> Result<()> {
    let db_owned = kaifaqu_store::open(url).await.map_err(|e| anyhow!("{e}"))?;
    let zone: i64 = zone.as_deref().unwrap_or("1").parse()?;
    let n: usize = runs.as_deref().unwrap_or("20").parse()?;
    let today = lookups::today();
    let p_owned = match period.as_deref() {
        None | Some("") => cockpit::year_to_date(today),
        Some(k) => ReportPeriod::parse(k).map_err(|e| anyhow!(e))?,
    };
    let staff_owned = users::find_by_login(&db_owned, &format!("z{zone:04}_staff"))
        .await?
        .context("no generated staff user for the zone")?;
    let s_owned = Scope::Zone { zone_id: zone, write: false };
    let (db, s, p, staff) = (&db_owned, &s_owned, &p_owned, &staff_owned);
    let as_of = cockpit::as_of(p, today);
    let dept = staff.department_id;
    println!("COCKPIT\tzone {zone}\tperiod {} ({} – {})\ttoday {today}\truns {n}", p.label, p.from, as_of);
    macro_rules! part {
        ($name:expr, $body:expr) => {{
            let r = time(n, || async move {
                $body;
                Ok(())
            })
            .await?;
            println!("PART\t{}\tmedian {}\tp95 {}", $name, ms(r.0), ms(r.1));
        }};
    }
    part!("zones::get", zones::get(db, s, zone).await?);
    part!("cockpit::indicators", cockpit::indicators(db, s, zone, p).await?);
    part!("targets::evaluate", targets::evaluate(db, s, zone, p.year, as_of).await?);
    part!("cockpit::funnel (figures::period)", cockpit::funnel(db, s, zone, p, &[]).await?);
    part!("cockpit::open_items (zone, COUNT)", cockpit::open_items(db, s, zone, Focus::default()).await?);
    part!("  old: eight list totals (zone)", open_items_by_lists(db, s, zone, Focus::default()).await?);
    part!(
        "cockpit::open_items (department, COUNT)",
        cockpit::open_items(db, s, zone, Focus { leader: None, department: dept }).await?
    );
    part!(
        "  old: eight list totals (department)",
        open_items_by_lists(db, s, zone, Focus { leader: None, department: dept }).await?
    );
    part!("cockpit::week", cockpit::week(db, s, zone, as_of, today).await?);
    part!("cockpit::weeks_met", cockpit::weeks_met(db, s, zone, p.from, as_of).await?);
    part!("  old: safety_figures::period", safety_figures::period(db, s, zone, p.from, as_of).await?);
    part!("indicator_views::warnings", indicator_views::warnings(db, s, zone, today).await?);
    part!("todo::for_user (staff)", todo::for_user(db, staff, today).await?);
    part!("the page's store calls, in one lookups::cached", lookups::cached(page(db, s, zone, p, today, staff)).await?);
    Ok(())
}
