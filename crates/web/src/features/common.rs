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

/// Chinese names of the record fields the audit trail records (the code itself when unknown).
const FIELD_LABELS: &[(&str, &str)] = &[
    ("status", "状态"),
    ("name", "名称"),
    ("title", "标题"),
    ("enterprise_id", "企业"),
    ("department_id", "责任科室"),
    ("project_id", "项目"),
    ("notes", "备注"),
    ("note", "说明"),
    ("deadline", "期限"),
    ("kind", "类型"),
    ("date", "日期"),
    ("active", "启用"),
    ("value", "数值"),
    ("content", "内容"),
    ("year", "年度"),
    ("text", "内容"),
    ("sort_order", "排序号"),
    ("person", "责任人"),
    ("location", "位置"),
    ("leader_id", "包联领导"),
    ("land_mu", "用地（亩）"),
    ("growth", "增速"),
    ("category", "类别"),
    ("team_id", "招商小分队"),
    ("source", "来源"),
    ("source_note", "来源说明"),
    ("region_code", "行政区划代码"),
    ("promised_days", "承诺时限（工作日）"),
    ("statutory_days", "法定时限（工作日）"),
    ("level", "等级"),
    ("due_date", "到期日"),
    ("description", "描述"),
    ("commitment", "承诺制"),
    ("agency", "全代办"),
    ("code", "编号"),
    ("closed_date", "销号日期"),
    ("verified_date", "核查日期"),
    ("verified_by", "核查人"),
    ("verification", "核查情况"),
    ("unit", "单位"),
    ("transfer_date", "出让日期"),
    ("target_value", "目标值"),
    ("supervisor", "督办单位"),
    ("stage", "阶段"),
    ("stage_date", "阶段日期"),
    ("staff_posts", "编制人数"),
    ("source_department", "委托部门"),
    ("seq", "序号"),
    ("route", "路线图"),
    ("role", "角色"),
    ("risk_grade", "风险等级"),
    ("revitalised_date", "盘活日期"),
    ("responsible_person", "责任人"),
    ("resolved_date", "解决日期"),
    ("resolution", "解决情况"),
    ("received_date", "收件日期"),
    ("accepted_date", "受理日期"),
    ("approved_date", "办结日期"),
    ("reason", "原因"),
    ("raised_date", "提出日期"),
    ("progress", "进展情况"),
    ("price_wan", "出让价格（万元）"),
    ("power_id", "审批事项"),
    ("phone", "电话"),
    ("param", "统计口径参数"),
    ("metric", "统计口径"),
    ("owner", "业主"),
    ("measures", "整改措施"),
    ("login_name", "登录名"),
    ("display_name", "姓名"),
    ("legal_basis", "设定依据"),
    ("lead_leader_id", "牵头领导"),
    ("key_level", "重点级别"),
    ("investor_name", "投资方"),
    ("inspectors", "检查人员"),
    ("found_date", "发现日期"),
    ("findings", "检查情况"),
    ("evidence", "佐证材料"),
    ("done_date", "完成日期"),
    ("credit_code", "统一社会信用代码"),
    ("condition", "现状"),
    ("collaborating_ids", "协办科室"),
    ("milestones", "时间表"),
    ("channel_id", "招商渠道"),
    ("chain_id", "产业链"),
    ("category_id", "类别"),
    ("case_id", "审批事项"),
    ("assigned_date", "交办日期"),
    ("applicant", "申请人"),
    ("agent_id", "代办员"),
    ("address", "地址"),
    ("area_mu", "面积（亩）"),
    ("achieved_year", "核查年度"),
    ("deadline_working_days", "期限（工作日）"),
    ("exempt", "不定等级"),
    ("exempt_reason", "不定等级原因"),
    ("employees", "从业人员"),
    ("plan_year", "谋划年度"),
    ("site", "建设地点"),
    ("total_yi", "总投资（亿元）"),
    ("planned_yi", "年度计划投资（亿元）"),
    ("start_year", "开工年份"),
    ("end_year", "竣工年份"),
    ("industry_code", "国民经济行业"),
    ("contact_person", "联系人"),
    ("contact_phone", "联系电话"),
    ("digest", "每日待办提醒"),
    ("weekly_inspection_days", "每周入企检查天数"),
    ("escalate_after_days", "逾期几天报告领导"),
    ("must_change_password", "须修改密码"),
    ("city_code", "城市代码"),
    ("zone_id", "开发区"),
    ("days", "天数"),
    ("month", "月份"),
    ("file_name", "文件名"),
    ("size_bytes", "大小"),
];

/// The Chinese name of an audited field.
pub fn field_label(code: &str) -> String {
    FIELD_LABELS.iter().find(|(c, _)| *c == code).map(|(_, l)| l.to_string()).unwrap_or_else(|| code.to_string())
}

pub fn history_row(r: AuditRecord) -> HistoryRow {
    HistoryRow {
        id: r.id,
        time: local_display(r.at),
        user: r.login_name.clone().unwrap_or_default(),
        action: r.action_label(),
        changes: r
            .changes
            .iter()
            .map(|c| (field_label(&c.field), value_text(&c.before), value_text(&c.after)))
            .collect(),
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

/// The MIME type of an XLSX workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file download: `ascii` for old clients, `name` (Chinese allowed) RFC 5987 encoded.
pub fn file_download(ascii: &str, name: &str, mime: &str, bytes: Vec<u8>) -> Response {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")),
        ],
        bytes,
    )
        .into_response()
}

/// An XLSX workbook as a download named `name` (Chinese allowed).
pub fn xlsx_download(name: &str, bytes: Vec<u8>) -> Response {
    file_download("table.xlsx", name, XLSX, bytes)
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

/// The errors of a form refused because its version was stale (409), naming what changed: the
/// record's latest audited change (who, when, the fields before → after). The handler re-renders
/// the form with the user's input and the record's CURRENT version in the hidden field, and the
/// template offers the record in a new tab, so a second deliberate "保存" overwrites knowingly.
pub async fn stale_errors(
    state: &AppState,
    scope: &Scope,
    entity: &str,
    id: i64,
) -> AppResult<kaifaqu_domain::Invalid> {
    stale_notice(
        state,
        scope,
        entity,
        id,
        "下方仍是您的填写，未保存；请在新标签页打开当前记录对照，确认后再次点击“保存”将以您的填写覆盖当前内容。",
    )
    .await
}

/// [`stale_errors`] for a button without a form (停用 / 重新启用): nothing was typed, so the page
/// shows the record as it is now and the button may be clicked again on it.
pub async fn stale_button_errors(
    state: &AppState,
    scope: &Scope,
    entity: &str,
    id: i64,
) -> AppResult<kaifaqu_domain::Invalid> {
    stale_notice(state, scope, entity, id, "未作修改；下方是当前记录，确认后可再次点击按钮。").await
}

async fn stale_notice(
    state: &AppState,
    scope: &Scope,
    entity: &str,
    id: i64,
    tail: &str,
) -> AppResult<kaifaqu_domain::Invalid> {
    let last = history(state, scope, entity, id).await?.pop();
    let what = match last {
        Some(h) if !h.changes.is_empty() => {
            let fields: Vec<String> = h.changes.iter().map(|c| format!("{}：{} → {}", c.0, c.1, c.2)).collect();
            format!("{} 于 {} 修改了 {}", h.user, h.time, fields.join("；"))
        }
        Some(h) => format!("{} 于 {}：{}", h.user, h.time, h.summary),
        None => "他人已保存了新的内容".into(),
    };
    Ok(kaifaqu_domain::Invalid::one("version", format!("{}（{what}）。{tail}", kaifaqu_store::error::STALE_MESSAGE)))
}

/// The zone's enterprises by name, as a form's choice list (id, name): every one of them, no
/// personal data read (`enterprises::names`).
pub async fn enterprise_options(
    state: &AppState,
    user: &crate::extract::CurrentUser,
) -> AppResult<Vec<(String, String)>> {
    let names = kaifaqu_store::enterprises::names(&state.db, &user.actor().scope(), user.zone_id()?).await?;
    Ok(names.into_iter().map(|(id, name)| (id.to_string(), name)).collect())
}
