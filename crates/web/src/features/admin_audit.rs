//! 系统管理 → 审计日志 (read-only: no route changes or deletes a record).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kaifaqu_domain::Permission;
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::time::local_display;
use kaifaqu_store::audit::{self, AuditFilter, AuditRecord, ENTITIES, entity_label};

use super::common::{Pager, query_base, value_text};
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/admin/audit", get(Need::AUDIT, list)).route("/admin/audit/{id}", get(Need::AUDIT, record))
}

struct Row {
    id: i64,
    time: String,
    user: String,
    ip: String,
    entity: String,
    action: &'static str,
    summary: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct ListPage {
    shell: Shell,
    f: AuditFilter,
    from: String,
    to: String,
    entities: &'static [(&'static str, &'static str)],
    actions: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    pager: Pager,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<AuditFilter>,
) -> AppResult<Response> {
    user.require(Permission::ReadAudit)?;
    user.zone_id()?;
    let page = audit::search(&state.db, &user.actor().scope(), &f).await?;
    let from = f.from.map(|d| d.to_string()).unwrap_or_default();
    let to = f.to.map(|d| d.to_string()).unwrap_or_default();
    let base = query_base(
        "/admin/audit",
        &[
            ("user", &f.user),
            ("entity", &f.entity),
            ("entity_id", &f.entity_id),
            ("action", &f.action),
            ("from", &from),
            ("to", &to),
        ],
    );
    let pager = Pager::new(&page, &base);
    let rows = page
        .rows
        .into_iter()
        .map(|r| Row {
            id: r.id,
            time: local_display(r.at),
            user: r.login_name.clone().unwrap_or_default(),
            ip: r.ip.clone().unwrap_or_default(),
            entity: entity_label(&r.entity).to_string(),
            action: r.action_label(),
            summary: r.summary,
        })
        .collect();
    html(&ListPage {
        shell: Shell::load(&state, &user, "/admin/audit", None).await?,
        f,
        from,
        to,
        entities: ENTITIES,
        actions: Action::ALL.iter().map(|a| (a.code(), a.label())).collect(),
        rows,
        pager,
    })
}

#[derive(Template)]
#[template(path = "audit_record.html")]
struct RecordPage {
    shell: Shell,
    r: AuditRecord,
    time: String,
    user: String,
    ip: String,
    entity: String,
    changes: Vec<(String, String, String)>,
}

async fn record(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.require(Permission::ReadAudit)?;
    user.zone_id()?;
    let r = audit::get(&state.db, &user.actor().scope(), id).await?.ok_or(AppError::NotFound)?;
    html(&RecordPage {
        shell: Shell::load(&state, &user, "/admin/audit", None).await?,
        time: local_display(r.at),
        user: r.login_name.clone().unwrap_or_default(),
        ip: r.ip.clone().unwrap_or_default(),
        entity: entity_label(&r.entity).to_string(),
        changes: r
            .changes
            .iter()
            .map(|c| {
                let label = super::common::field_label(&c.field);
                let field = if label == c.field { label } else { format!("{label}（{}）", c.field) };
                (field, value_text(&c.before), value_text(&c.after))
            })
            .collect(),
        r,
    })
}
