//! Pieces several pages share: the history tab, the pager, XLSX downloads.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use kaifaqu_domain::time::local_display;
use kaifaqu_store::audit::{self, AuditRecord};
use kaifaqu_store::{Page, Scope};
use serde_json::Value;

use crate::error::AppResult;
use crate::state::AppState;

/// One line of a record's history tab.
pub struct HistoryRow {
    pub id: i64,
    pub time: String,
    pub user: String,
    pub action: &'static str,
    pub summary: String,
    pub changes: Vec<(String, String, String)>,
}

/// A JSON value as a person reads it.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => "（空）".into(),
        Value::Bool(true) => "是".into(),
        Value::Bool(false) => "否".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn history_row(r: AuditRecord) -> HistoryRow {
    HistoryRow {
        id: r.id,
        time: local_display(r.at),
        user: r.login_name.clone().unwrap_or_default(),
        action: r.action_label(),
        changes: r.changes.iter().map(|c| (c.field.clone(), value_text(&c.before), value_text(&c.after))).collect(),
        summary: r.summary,
    }
}

/// The history of one record, from the audit log.
pub async fn history(state: &AppState, scope: &Scope, entity: &str, id: i64) -> AppResult<Vec<HistoryRow>> {
    Ok(audit::history(&state.db, scope, entity, &id.to_string()).await?.into_iter().map(history_row).collect())
}

/// Pagination links that keep the other query parameters.
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base` is the path plus the filter query without `page`, e.g. `/admin/users?q=wang&`.
    pub fn new<T>(p: &Page<T>, base: &str) -> Pager {
        let pages = p.pages();
        Pager {
            page: p.page,
            pages,
            total: p.total,
            prev: (p.page > 1).then(|| format!("{base}page={}", p.page - 1)),
            next: (p.page < pages).then(|| format!("{base}page={}", p.page + 1)),
        }
    }
}

/// `key=value&` pairs for the non-empty filters, URL-encoded.
pub fn query_base(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = format!("{path}?");
    for (k, v) in pairs {
        if !v.is_empty() {
            s.push_str(k);
            s.push('=');
            s.extend(url::form_urlencoded::byte_serialize(v.as_bytes()));
            s.push('&');
        }
    }
    s
}

/// An XLSX workbook as a download named `name` (Chinese allowed; RFC 5987 encoded).
pub fn xlsx_download(name: &str, bytes: Vec<u8>) -> Response {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"table.xlsx\"; filename*=UTF-8''{encoded}")),
        ],
        bytes,
    )
        .into_response()
}

/// A date range from a page's `from`/`to` query; by default 1 January of this year to today.
pub fn period_range(from: &str, to: &str) -> AppResult<(chrono::NaiveDate, chrono::NaiveDate)> {
    use chrono::{Datelike, NaiveDate};
    use kaifaqu_store::lookups::{opt_date, today};
    let mut e = kaifaqu_domain::Invalid::new();
    let t = today();
    let from = opt_date(&mut e, "from", "起始日期", from)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(t.year(), 1, 1).unwrap_or(t));
    let to = opt_date(&mut e, "to", "截止日期", to).unwrap_or(t);
    if from > to {
        e.add("to", "截止日期不能早于起始日期");
    }
    if !e.is_empty() {
        return Err(crate::error::AppError::BadRequest(e.to_string()));
    }
    Ok((from, to))
}
