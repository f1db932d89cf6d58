//! Names of a zone's referenced rows (dictionary values, departments, users, enterprises),
//! loaded in one query each so that lists never query per row.

use std::collections::HashMap;

use kaifaqu_domain::Invalid;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::{department, dictionary_item, enterprise, user};
use crate::{Db, StoreError};

#[derive(Clone)]
pub struct Lookups {
    pub dict: HashMap<i64, (String, String, bool)>,
    pub departments: HashMap<i64, String>,
    pub users: HashMap<i64, (String, String)>,
    /// Deactivated users of the zone.
    pub inactive: std::collections::HashSet<i64>,
    pub enterprises: HashMap<i64, String>,
}

tokio::task_local! {
    static CACHE: std::cell::RefCell<HashMap<i64, Lookups>>;
}

/// Runs `f` with [`Lookups::load`] cached per zone: a page that shows several modules' records
/// (one project's page: its events, contacts, problems, meetings) reads the zone's names once per
/// request instead of once per list. For building read-only pages only: a write inside `f`
/// would not see names it changes.
pub async fn cached<F: std::future::Future>(f: F) -> F::Output {
    CACHE.scope(std::cell::RefCell::new(HashMap::new()), f).await
}

impl Lookups {
    /// Every name of the zone (for forms and checks that may reference any of them).
    pub async fn load(db: &Db, zone_id: i64) -> Result<Lookups, StoreError> {
        if let Ok(Some(l)) = CACHE.try_with(|c| c.borrow().get(&zone_id).cloned()) {
            return Ok(l);
        }
        let l = Lookups::read_all(db, zone_id).await?;
        let _ = CACHE.try_with(|c| c.borrow_mut().insert(zone_id, l.clone()));
        Ok(l)
    }

    async fn read_all(db: &Db, zone_id: i64) -> Result<Lookups, StoreError> {
        let mut l = Lookups::small(db, zone_id).await?;
        l.enterprises = enterprise::Entity::find()
            .select_only()
            .columns([enterprise::Column::Id, enterprise::Column::Name])
            .filter(enterprise::Column::ZoneId.eq(zone_id))
            .into_tuple::<(i64, String)>()
            .all(&db.conn)
            .await?
            .into_iter()
            .collect();
        Ok(l)
    }

    /// The names a page of rows needs: the zone's dictionary, departments and users (a few
    /// dozen rows) and only the enterprises in `enterprise_ids` (`WHERE id IN (…)`), instead of
    /// all of the zone's enterprises. For display only: checks of submitted ids use [`load`].
    ///
    /// [`load`]: Lookups::load
    pub async fn for_rows(
        db: &Db,
        zone_id: i64,
        enterprise_ids: impl IntoIterator<Item = i64>,
    ) -> Result<Lookups, StoreError> {
        let mut l = Lookups::small(db, zone_id).await?;
        let mut ids: Vec<i64> = enterprise_ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(500) {
            let rows = enterprise::Entity::find()
                .select_only()
                .columns([enterprise::Column::Id, enterprise::Column::Name])
                .filter(enterprise::Column::ZoneId.eq(zone_id))
                .filter(enterprise::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple::<(i64, String)>()
                .all(&db.conn)
                .await?;
            l.enterprises.extend(rows);
        }
        Ok(l)
    }

    /// Dictionary, departments and users of the zone (only the columns used), no enterprises.
    async fn small(db: &Db, zone_id: i64) -> Result<Lookups, StoreError> {
        let dict = dictionary_item::Entity::find()
            .select_only()
            .columns([
                dictionary_item::Column::Id,
                dictionary_item::Column::Kind,
                dictionary_item::Column::Value,
                dictionary_item::Column::Active,
            ])
            .filter(dictionary_item::Column::ZoneId.eq(zone_id))
            .into_tuple::<(i64, String, String, bool)>()
            .all(&db.conn)
            .await?
            .into_iter()
            .map(|(id, kind, value, active)| (id, (kind, value, active)))
            .collect();
        let departments = department::Entity::find()
            .select_only()
            .columns([department::Column::Id, department::Column::Name])
            .filter(department::Column::ZoneId.eq(zone_id))
            .into_tuple::<(i64, String)>()
            .all(&db.conn)
            .await?
            .into_iter()
            .collect();
        let all_users = user::Entity::find()
            .select_only()
            .columns([user::Column::Id, user::Column::DisplayName, user::Column::Role, user::Column::Active])
            .filter(user::Column::ZoneId.eq(zone_id))
            .into_tuple::<(i64, String, String, bool)>()
            .all(&db.conn)
            .await?;
        let inactive = all_users.iter().filter(|u| !u.3).map(|u| u.0).collect();
        let users = all_users.into_iter().map(|(id, name, role, _)| (id, (name, role))).collect();
        Ok(Lookups { dict, departments, users, inactive, enterprises: HashMap::new() })
    }

    pub fn dict_value(&self, id: Option<i64>) -> Option<String> {
        id.and_then(|i| self.dict.get(&i)).map(|(_, v, _)| v.clone())
    }

    pub fn department(&self, id: Option<i64>) -> Option<String> {
        id.and_then(|i| self.departments.get(&i)).cloned()
    }

    pub fn user(&self, id: Option<i64>) -> Option<String> {
        id.and_then(|i| self.users.get(&i)).map(|(n, _)| n.clone())
    }

    pub fn enterprise(&self, id: Option<i64>) -> Option<String> {
        id.and_then(|i| self.enterprises.get(&i)).cloned()
    }

    /// Checks a submitted dictionary id: it must be of `kind` in this zone, and enabled unless
    /// it is the value the record already has.
    pub fn check_dict(
        &self,
        e: &mut Invalid,
        field: &str,
        label: &str,
        kind: &str,
        id: Option<i64>,
        current: Option<i64>,
    ) {
        let Some(id) = id else { return };
        match self.dict.get(&id) {
            Some((k, _, active)) if k == kind && (*active || Some(id) == current) => {}
            Some((k, _, false)) if k == kind => e.add(field, format!("所选{label}已停用")),
            _ => e.add(field, format!("请从列表中选择{label}")),
        }
    }

    pub fn check_department(&self, e: &mut Invalid, field: &str, id: Option<i64>) {
        if let Some(id) = id
            && !self.departments.contains_key(&id)
        {
            e.add(field, "所选科室不属于本开发区");
        }
    }

    /// A user of the zone (for 包联领导: an active leader or admin; the current one may stay).
    pub fn check_leader(&self, e: &mut Invalid, field: &str, id: Option<i64>, current: Option<i64>) {
        if let Some(id) = id {
            match self.users.get(&id) {
                Some(_) if self.inactive.contains(&id) && Some(id) != current => {
                    e.add(field, "所选领导的账号已停用，请另选包联领导")
                }
                Some((_, role)) if role == "leader" || role == "admin" => {}
                Some(_) => e.add(field, "包联领导须是“领导”角色的用户"),
                None => e.add(field, "所选领导不是本开发区的用户"),
            }
        }
    }

    /// The dictionary id of `value` of `kind`, if any.
    pub fn dict_id(&self, kind: &str, value: &str) -> Option<i64> {
        self.dict.iter().find(|(_, (k, v, _))| k == kind && v == value).map(|(id, _)| *id)
    }

    pub fn department_id(&self, name: &str) -> Option<i64> {
        self.departments.iter().find(|(_, n)| *n == name).map(|(id, _)| *id)
    }

    pub fn leader_id(&self, name: &str) -> Option<i64> {
        self.users.iter().find(|(_, (n, role))| n == name && (role == "leader" || role == "admin")).map(|(id, _)| *id)
    }
}

/// Parses an optional id from a form field ("" → None).
pub fn opt_id(e: &mut Invalid, field: &str, label: &str, s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match s.parse::<i64>() {
        Ok(v) => Some(v),
        Err(_) => {
            e.add(field, format!("请从列表中选择{label}"));
            None
        }
    }
}

/// Parses an optional date (YYYY-MM-DD) from a form field.
pub fn opt_date(e: &mut Invalid, field: &str, label: &str, s: &str) -> Option<chrono::NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(field, format!("{label}“{s}”不是有效日期，应为 2025-05-28 这样的格式"));
            None
        }
    }
}

/// A required date.
pub fn req_date(e: &mut Invalid, field: &str, label: &str, s: &str) -> Option<chrono::NaiveDate> {
    if s.trim().is_empty() {
        e.add(field, format!("{label}不能为空"));
        return None;
    }
    opt_date(e, field, label, s)
}

/// Filters `q` to `col` between the optional `from` and `to` dates of a list's query string
/// (inclusive); a malformed date is a field error naming `from` or `to`.
pub fn date_range<E: sea_orm::EntityTrait, C: ColumnTrait>(
    mut q: sea_orm::Select<E>,
    col: C,
    from: &str,
    to: &str,
) -> Result<sea_orm::Select<E>, Invalid> {
    let mut e = Invalid::new();
    if let Some(d) = opt_date(&mut e, "from", "起始日期", from) {
        q = q.filter(col.gte(d));
    }
    if let Some(d) = opt_date(&mut e, "to", "截止日期", to) {
        q = q.filter(col.lte(d));
    }
    e.into_result()?;
    Ok(q)
}

/// An optional year between 2000 and 2099.
pub fn opt_year(e: &mut Invalid, field: &str, label: &str, s: &str) -> Option<i32> {
    let s = s.trim().trim_end_matches('年');
    if s.is_empty() {
        return None;
    }
    match s.parse::<i32>() {
        Ok(y) if (2000..=2099).contains(&y) => Some(y),
        _ => {
            e.add(field, format!("{label}应为 2000 到 2099 之间的年份"));
            None
        }
    }
}

/// Today in Asia/Shanghai.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&kaifaqu_domain::time::shanghai()).date_naive()
}

/// The names of a zone's projects by id (for records that point at a project).
pub(crate) async fn project_names(db: &Db, zone_id: i64) -> Result<HashMap<i64, String>, StoreError> {
    use crate::entities::project;
    Ok(project::Entity::find()
        .select_only()
        .columns([project::Column::Id, project::Column::Name])
        .filter(project::Column::ZoneId.eq(zone_id))
        .into_tuple::<(i64, String)>()
        .all(&db.conn)
        .await?
        .into_iter()
        .collect())
}

/// The dates a period figure may span: 1900-01-01 to 2100-12-31. A range beyond (the API's
/// fuzzer asked for the safety figures of 0013-07-15 to 9727-11-26) is refused, naming the
/// field, rather than computed week by week for millennia.
pub fn bounded_range(from: chrono::NaiveDate, to: chrono::NaiveDate) -> Result<(), StoreError> {
    let (first, last) = (chrono::NaiveDate::from_ymd_opt(1900, 1, 1), chrono::NaiveDate::from_ymd_opt(2100, 12, 31));
    let mut e = Invalid::new();
    for (field, label, d) in [("from", "起始日期", from), ("to", "截止日期", to)] {
        if Some(d) < first || Some(d) > last {
            e.add(field, format!("{label} {d} 超出可统计的范围（1900 年至 2100 年）"));
        }
    }
    Ok(e.into_result()?)
}
