//! The third pass of issue 11 (documents, ranking, generator, memory): `kaifaqu-bench report
//! --database URL [--zone N] [--period 2025-H1]` times the half-year report end to end in
//! process — `report_data::gather`, the template rendering, the checks and the DOCX writer —
//! and each store function `gather` draws on, called the way `gather` calls it, so the report's
//! time can be split into its parts (docs/BENCHMARKS.md, "Third pass").

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Result, anyhow};
use kaifaqu_domain::indicator::Period;
use kaifaqu_domain::project::KeyLevel;
use kaifaqu_domain::stage::Stage;
use kaifaqu_reports::check::{self, Tally};
use kaifaqu_reports::{docx, markdown, template};
use kaifaqu_store::report_data::{self, ReportPeriod};
use kaifaqu_store::{
    Scope, approval_cases, events, figures, hazards, idle_plants, indicator_views, land_parcels, problems, projects,
    safety_figures, targets,
};

/// Median and p95 of `n` runs (after one warm-up) in microseconds.
async fn time<F, Fut>(n: usize, mut f: F) -> Result<(u128, u128)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    f().await?;
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

pub async fn report(url: &str, zone: Option<String>, period: Option<String>, n: Option<String>) -> Result<()> {
    let db_owned = kaifaqu_store::open(url).await.map_err(|e| anyhow!("{e}"))?;
    let zone: i64 = zone.as_deref().unwrap_or("1").parse()?;
    let n: usize = n.as_deref().unwrap_or("5").parse()?;
    let p_owned = ReportPeriod::parse(period.as_deref().unwrap_or("2025-H1")).map_err(|e| anyhow!(e))?;
    let s_owned = Scope::System;
    let (db, s, p) = (&db_owned, &s_owned, &p_owned);
    macro_rules! part {
        ($name:expr, $body:expr) => {{
            let r = time(n, || async move {
                $body;
                Ok(())
            })
            .await?;
            println!("REPORT\t{}\tmedian {}\tp95 {}", $name, ms(r.0), ms(r.1));
        }};
    }
    let (from, to) = (p.from, p.to);
    let year_start = chrono::NaiveDate::from_ymd_opt(p.year, 1, 1).unwrap_or(from);
    part!("figures::period", figures::period(db, s, zone, from, to).await?);
    part!("figures::projects_reaching × 6 stages", {
        for st in Stage::ALL {
            figures::projects_reaching(db, s, zone, st, from, to).await?;
        }
    });
    part!("figures::projects_reaching × 6 stages (year to date)", {
        for st in Stage::ALL {
            figures::projects_reaching(db, s, zone, st, year_start, to).await?;
        }
    });
    part!("indicator_views::overview × last_month..1 (statistics period search + estimates)", {
        for m in (1..=p.last_month).rev() {
            let rows =
                indicator_views::overview(db, s, zone, Period::new(p.year, m).map_err(|e| anyhow!("{e:?}"))?).await?;
            if rows.iter().any(|r| r.figure.value.is_some()) {
                break;
            }
        }
    });
    part!(
        "indicator_views::overview (one period)",
        indicator_views::overview(db, s, zone, Period::new(p.year, p.last_month).map_err(|e| anyhow!("{e:?}"))?)
            .await?
    );
    part!("projects::of_plan_year", projects::of_plan_year(db, s, zone, p.year).await?);
    part!("approval_cases::figures", approval_cases::figures(db, s, zone, from, to).await?);
    part!("land_parcels::figures", land_parcels::figures(db, s, zone, from, to).await?);
    part!("idle_plants::figures", idle_plants::figures(db, s, zone, from, to).await?);
    part!("safety_figures::period", safety_figures::period(db, s, zone, from, to).await?);
    part!("hazards::list (overdue of the period, 10,000 a page)", {
        let f = hazards::HazardFilter {
            overdue: "1".into(),
            from: from.to_string(),
            to: to.to_string(),
            per_page: Some(10_000),
            ..Default::default()
        };
        hazards::list(db, s, zone, &f).await?
    });
    let plan = projects::of_plan_year(db, s, zone, p.year).await?;
    let keys: Vec<i64> =
        plan.iter().filter(|x| matches!(x.key_level, KeyLevel::Provincial | KeyLevel::City)).map(|x| x.id).collect();
    println!("REPORT\tkey projects of the plan year\t{}", keys.len());
    let keys = &keys;
    part!("events::list × key projects", {
        for id in keys {
            events::list(db, s, *id).await?;
        }
    });
    part!("problems::list × 2 × key projects", {
        for id in keys {
            for overdue in ["", "1"] {
                let f = problems::ProblemFilter {
                    project: id.to_string(),
                    status: "unclosed".into(),
                    overdue: overdue.into(),
                    per_page: Some(500),
                    ..Default::default()
                };
                problems::list(db, s, zone, &f).await?;
            }
        }
    });
    part!("targets::evaluate", targets::evaluate(db, s, zone, p.year, to).await?);
    part!("report_data::gather", report_data::gather(db, s, zone, p).await?);

    // the document: template → Markdown → checks → DOCX, as `kaifaqu report` does
    let data = report_data::gather(db, s, zone, p).await?;
    let tmpl = template::builtin("half_year").or_else(|| template::BUILTINS.first()).ok_or_else(|| anyhow!("模板"))?;
    let empty = BTreeMap::new();
    let t = Instant::now();
    let md = template::render(tmpl.source, &data, &empty).map_err(|e| anyhow!("{e}"))?;
    let render = t.elapsed();
    let t = Instant::now();
    let doc = markdown::parse(&md);
    let parse = t.elapsed();
    let tallies: Vec<Tally> = data
        .tallies
        .iter()
        .map(|t| Tally::sum(t.what.clone(), t.stated, t.parts.clone(), Some(t.href.clone())))
        .collect();
    let t = Instant::now();
    let problems = check::check(&doc, &tallies);
    let checked = t.elapsed();
    let t = Instant::now();
    let bytes = docx::write(&doc).map_err(|e| anyhow!("{e}"))?;
    let written = t.elapsed();
    println!(
        "REPORT\tdocument ({})\trender {} µs, markdown {} µs, checks {} µs ({} problems), docx {} µs, {} bytes, {} KiB of Markdown",
        tmpl.name,
        render.as_micros(),
        parse.as_micros(),
        checked.as_micros(),
        problems.len(),
        written.as_micros(),
        bytes.len(),
        md.len() / 1024
    );
    Ok(())
}
