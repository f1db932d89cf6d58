//! 亩均效益评价 → 评价方案: edit the year's scheme (weights, benchmarks, cap, grade bands, scope
//! thresholds, exemption), or start from a preset; refused beside the fields (weights that do
//! not sum to 100, bands that do not sum to 100 %, negative benchmarks …), nothing saved.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::money::Mu100;
use kaifaqu_domain::per_mu::{Bands, Indicator, IndicatorRule, PRESETS, Scheme, parse_x100, x100_short};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::{StoreError, per_mu};
use serde::Deserialize;

use super::{YearQuery, year_of};
use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::features::common::{HistoryRow, history};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/per-mu/scheme", get(Need::READ, show).post(Need::WRITE, save))
}

/// The scheme as the form sends it: numbers as decimal text.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SchemeForm {
    year: String,
    name: String,
    weight_tax_per_mu: String,
    benchmark_tax_per_mu: String,
    weight_revenue_per_mu: String,
    benchmark_revenue_per_mu: String,
    weight_value_added_per_energy: String,
    benchmark_value_added_per_energy: String,
    weight_rd_intensity: String,
    benchmark_rd_intensity: String,
    weight_labour_productivity: String,
    benchmark_labour_productivity: String,
    cap: String,
    band_a: String,
    band_b: String,
    band_c: String,
    band_d: String,
    min_land: String,
    above_scale_only: Option<String>,
    exempt_years: String,
}

impl SchemeForm {
    fn of(year: i32, s: &Scheme) -> SchemeForm {
        let w = |i: Indicator| s.rule(i).map(|r| x100_short(r.weight_x100)).unwrap_or_else(|| "0".into());
        let b = |i: Indicator| s.rule(i).map(|r| x100_short(r.benchmark_x100)).unwrap_or_default();
        SchemeForm {
            year: year.to_string(),
            name: s.name.clone(),
            weight_tax_per_mu: w(Indicator::TaxPerMu),
            benchmark_tax_per_mu: b(Indicator::TaxPerMu),
            weight_revenue_per_mu: w(Indicator::RevenuePerMu),
            benchmark_revenue_per_mu: b(Indicator::RevenuePerMu),
            weight_value_added_per_energy: w(Indicator::ValueAddedPerEnergy),
            benchmark_value_added_per_energy: b(Indicator::ValueAddedPerEnergy),
            weight_rd_intensity: w(Indicator::RdIntensity),
            benchmark_rd_intensity: b(Indicator::RdIntensity),
            weight_labour_productivity: w(Indicator::LabourProductivity),
            benchmark_labour_productivity: b(Indicator::LabourProductivity),
            cap: x100_short(s.cap_x100),
            band_a: x100_short(s.bands.a_x100),
            band_b: x100_short(s.bands.b_x100),
            band_c: x100_short(s.bands.c_x100),
            band_d: x100_short(s.bands.d_x100),
            min_land: x100_short(s.min_land_mu100),
            above_scale_only: s.above_scale_only.then(|| "on".into()),
            exempt_years: s.exempt_years.to_string(),
        }
    }

    fn pair(&self, i: Indicator) -> (&str, &str) {
        match i {
            Indicator::TaxPerMu => (&self.weight_tax_per_mu, &self.benchmark_tax_per_mu),
            Indicator::RevenuePerMu => (&self.weight_revenue_per_mu, &self.benchmark_revenue_per_mu),
            Indicator::ValueAddedPerEnergy => {
                (&self.weight_value_added_per_energy, &self.benchmark_value_added_per_energy)
            }
            Indicator::RdIntensity => (&self.weight_rd_intensity, &self.benchmark_rd_intensity),
            Indicator::LabourProductivity => (&self.weight_labour_productivity, &self.benchmark_labour_productivity),
        }
    }

    /// The scheme, or the fields that cannot be read.
    fn parse(&self) -> Result<Scheme, Invalid> {
        let mut e = Invalid::new();
        let mut num = |field: &str, label: &str, s: &str| match parse_x100(s, label, true) {
            Ok(v) => v,
            Err(m) => {
                e.add(field, m);
                0
            }
        };
        let mut indicators = Vec::new();
        for i in Indicator::ALL.iter().copied() {
            let (w, b) = self.pair(i);
            let weight_x100 = num(&format!("weight_{}", i.code()), &format!("“{}”的权重", i.label()), w);
            let benchmark_x100 = num(&format!("benchmark_{}", i.code()), &format!("“{}”的基准值", i.label()), b);
            indicators.push(IndicatorRule { indicator: i, weight_x100, benchmark_x100 });
        }
        let cap_x100 = num("cap", "得分上限系数", &self.cap);
        let bands = Bands {
            a_x100: num("band_a", "A类比例", &self.band_a),
            b_x100: num("band_b", "B类比例", &self.band_b),
            c_x100: num("band_c", "C类比例", &self.band_c),
            d_x100: num("band_d", "D类比例", &self.band_d),
        };
        let min_land_mu100 = match Mu100::parse(&self.min_land) {
            Ok(m) => m.0,
            Err(m) => {
                e.add("min_land", format!("参评用地面积下限：{m}"));
                0
            }
        };
        let exempt_years = self.exempt_years.trim().parse::<i32>().unwrap_or_else(|_| {
            e.add("exempt_years", "新投产企业免评年限应为整数（年）");
            0
        });
        e.into_result()?;
        Ok(Scheme {
            name: self.name.trim().to_string(),
            indicators,
            cap_x100,
            bands,
            min_land_mu100,
            above_scale_only: self.above_scale_only.as_deref().is_some_and(|v| matches!(v, "on" | "true" | "1")),
            exempt_years,
        })
    }
}

/// One indicator line of the form.
struct Line {
    code: &'static str,
    label: &'static str,
    unit: &'static str,
    formula: &'static str,
    weight: String,
    benchmark: String,
    weight_error: Option<String>,
    benchmark_error: Option<String>,
}

#[derive(Template)]
#[template(path = "per_mu_scheme.html")]
struct SchemePage {
    shell: Shell,
    year: i32,
    source: String,
    form: SchemeForm,
    lines: Vec<Line>,
    errors: Invalid,
    presets: Vec<(&'static str, &'static str)>,
    can_write: bool,
    history: Vec<HistoryRow>,
}

impl SchemePage {
    fn above_scale_only(&self) -> bool {
        self.form.above_scale_only.as_deref().is_some_and(|v| matches!(v, "on" | "true" | "1"))
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    year: i32,
    source: String,
    form: SchemeForm,
    errors: Invalid,
    done: Option<&str>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let lines = Indicator::ALL
        .iter()
        .map(|i| {
            let (w, b) = form.pair(*i);
            Line {
                code: i.code(),
                label: i.label(),
                unit: i.unit(),
                formula: i.formula(),
                weight: w.to_string(),
                benchmark: b.to_string(),
                weight_error: errors.message_for(&format!("weight_{}", i.code())).map(str::to_string),
                benchmark_error: errors.message_for(&format!("benchmark_{}", i.code())).map(str::to_string),
            }
        })
        .collect();
    let history = match per_mu::scheme_id(&state.db, &scope, zone, year).await? {
        Some(id) => history(state, &scope, "per_mu_scheme", id).await?,
        None => Vec::new(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = SchemePage {
        shell: Shell::load(state, user, "/per-mu", done).await?,
        year,
        source,
        form,
        lines,
        errors,
        presets: PRESETS.to_vec(),
        can_write: user.user.role.has(Permission::Write),
        history,
    };
    Ok((status, html(&p)?).into_response())
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let year = year_of(q.year)?;
    let info = per_mu::scheme(&state.db, &user.actor().scope(), zone, year).await?;
    let (source, scheme) = if q.preset.trim().is_empty() {
        (info.source, info.scheme)
    } else {
        let s = Scheme::preset(q.preset.trim()).ok_or_else(|| AppError::BadRequest("没有这个预置方案".into()))?;
        (format!("预置方案“{}”（保存后生效）", s.name), s)
    };
    page(&state, &user, year, source, SchemeForm::of(year, &scheme), Invalid::new(), q.done.as_deref()).await
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<SchemeForm>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    user.require(Permission::Write)?;
    let year = year_of(f.year.trim().parse::<i32>().ok())?;
    let refused = "未保存：请按提示修改标红的栏目".to_string();
    let scheme = match f.parse() {
        Ok(s) => s,
        Err(errors) => return page(&state, &user, year, refused, f, errors, None).await,
    };
    match per_mu::save_scheme(&state.db, &user.actor(), zone, year, &scheme).await {
        Ok(_) => Ok(Redirect::to(&format!("/per-mu/scheme?year={year}&done=saved")).into_response()),
        Err(StoreError::Invalid(errors)) => page(&state, &user, year, refused, f, errors, None).await,
        Err(e) => Err(e.into()),
    }
}
