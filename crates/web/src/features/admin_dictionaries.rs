//! 系统管理 → 字典.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::StoreError;
use kaifaqu_store::dictionaries::{self, DictionaryItem, ItemForm, KINDS};
use serde::Deserialize;

use super::common::{HistoryRow, history};
use crate::error::AppResult;
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/admin/dictionaries", get(Need::ADMIN, list).post(Need::ADMIN, create))
        .route("/admin/dictionaries/{id}", get(Need::ADMIN, edit).post(Need::ADMIN, update))
        .route("/admin/dictionaries/{id}/delete", post(Need::ADMIN, delete))
}

#[derive(Template)]
#[template(path = "dictionaries.html")]
struct ListPage {
    shell: Shell,
    kinds: &'static [(&'static str, &'static str)],
    kind: String,
    rows: Vec<DictionaryItem>,
    form: ItemForm,
    errors: Invalid,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    kind: String,
    done: Option<String>,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    q: ListQuery,
    form: ItemForm,
    errors: Invalid,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let rows = dictionaries::list(&state.db, &user.actor().scope(), user.zone_id()?, Some(&q.kind), false).await?;
    html(&ListPage {
        shell: Shell::load(state, user, "/admin/dictionaries", q.done.as_deref()).await?,
        kinds: KINDS,
        kind: q.kind,
        rows,
        form,
        errors,
    })
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<ListQuery>,
) -> AppResult<Response> {
    let form = ItemForm { kind: q.kind.clone(), ..Default::default() };
    list_page(&state, &user, q, form, Invalid::new()).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<ItemForm>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    match dictionaries::create(&state.db, &user.actor(), user.zone_id()?, &f).await {
        Ok(item) => Ok(Redirect::to(&format!("/admin/dictionaries?kind={}&done=created", item.kind)).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let q = ListQuery { kind: f.kind.clone(), done: None };
            let page = list_page(&state, &user, q, f, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "dictionary_edit.html")]
struct EditPage {
    shell: Shell,
    id: i64,
    kind_label: String,
    value: String,
    active: bool,
    form: ItemForm,
    errors: Invalid,
    history: Vec<HistoryRow>,
}

async fn edit_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: Option<ItemForm>,
    errors: Invalid,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let scope = user.actor().scope();
    let d = dictionaries::get(&state.db, &scope, id).await?;
    if Some(d.zone_id) != user.user.zone_id {
        return Err(crate::error::AppError::NotFound);
    }
    let active = form.as_ref().map(|f| f.active.is_some()).unwrap_or(d.active);
    let form = form.unwrap_or_else(|| ItemForm {
        kind: d.kind.clone(),
        value: d.value.clone(),
        sort_order: d.sort_order.to_string(),
        active: None,
        version: d.version.to_string(),
    });
    html(&EditPage {
        shell: Shell::load(state, user, "/admin/dictionaries", None).await?,
        id,
        kind_label: d.kind_label().to_string(),
        value: d.value,
        active,
        form,
        errors,
        history: history(state, &scope, "dictionary_item", id).await?,
    })
}

async fn edit(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    edit_page(&state, &user, id, None, Invalid::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(mut f): AppForm<ItemForm>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    f.active = Some(f.active.unwrap_or_else(|| "off".into()));
    match dictionaries::update(&state.db, &user.actor(), id, &f).await {
        Ok(item) => Ok(Redirect::to(&format!("/admin/dictionaries?kind={}&done=saved", item.kind)).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let f = ItemForm { active: (f.active.as_deref() == Some("on")).then(|| "on".into()), ..f };
            let page = edit_page(&state, &user, id, Some(f), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(StoreError::Stale) => {
            // the input kept, the current version in the hidden field: saving again overwrites
            let scope = user.actor().scope();
            let current = dictionaries::get(&state.db, &scope, id).await?;
            let errors = super::common::stale_errors(&state, &scope, "dictionary_item", id).await?;
            let f = ItemForm {
                active: (f.active.as_deref() == Some("on")).then(|| "on".into()),
                version: current.version.to_string(),
                ..f
            };
            let page = edit_page(&state, &user, id, Some(f), errors).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn delete(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    match dictionaries::delete(&state.db, &user.actor(), id).await {
        Ok(()) => Ok(Redirect::to("/admin/dictionaries?done=deleted").into_response()),
        Err(StoreError::Invalid(errors)) => {
            let page = edit_page(&state, &user, id, None, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
