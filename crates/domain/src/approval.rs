//! Approval services: the delegated approval powers (审批权限清单) with their statutory and
//! promised time limits in working days, approval and agency cases (审批/代办事项) moving
//! 已收件 → 已受理 → 已办结 / 不予批准 / 已撤回, the commitments of commitment-based approval
//! (承诺制) and their verification (核查), and the overdue rules.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::Invalid;
use crate::validate::{NAME_MAX, TEXT_MAX};

code_enum!(
    /// 权力类别 as used in a 权责清单.
    PowerCategory {
        Licence = "licence", "行政许可";
        Confirmation = "confirmation", "行政确认";
        Filing = "filing", "行政备案";
        Payment = "payment", "行政给付";
        Other = "other", "其他行政权力";
        Service = "service", "公共服务";
    }
);

code_enum!(
    /// 办理状态: 已收件 → 已受理 → 已办结 / 不予批准 / 已撤回.
    CaseStatus {
        Received = "received", "已收件";
        Accepted = "accepted", "已受理";
        Approved = "approved", "已办结";
        Refused = "refused", "不予批准";
        Withdrawn = "withdrawn", "已撤回";
    }
);

code_enum!(
    /// A step of a case.
    CaseAction {
        Accept = "accept", "受理";
        Approve = "approve", "办结（批准）";
        Refuse = "refuse", "不予批准";
        Withdraw = "withdraw", "申请人撤回";
    }
);

code_enum!(
    /// 承诺事项的核查状态.
    CommitmentStatus {
        Pending = "pending", "待核查";
        Fulfilled = "fulfilled", "已履行";
        Unfulfilled = "unfulfilled", "未履行";
    }
);

/// The longest time limit accepted, in working days (a year and a half of working days).
pub const DAYS_MAX: i32 = 365;

impl CaseStatus {
    pub fn is_open(self) -> bool {
        matches!(self, CaseStatus::Received | CaseStatus::Accepted)
    }
}

/// The status after `action`, or why it is not allowed (in Chinese).
pub fn transition(status: CaseStatus, action: CaseAction) -> Result<CaseStatus, String> {
    use CaseAction as A;
    use CaseStatus as S;
    match (status, action) {
        (S::Received, A::Accept) => Ok(S::Accepted),
        (S::Received | S::Accepted, A::Approve) => Ok(S::Approved),
        (S::Received | S::Accepted, A::Refuse) => Ok(S::Refused),
        (S::Received | S::Accepted, A::Withdraw) => Ok(S::Withdrawn),
        (s, _) if !s.is_open() => Err(format!("事项已{}，不能再操作", s.label().trim_start_matches('已'))),
        (s, a) => Err(format!("“{}”状态的事项不能“{}”", s.label(), a.label())),
    }
}

/// The date the time limit counts from: acceptance, or receipt before it is accepted.
pub fn start_date(received: NaiveDate, accepted: Option<NaiveDate>) -> NaiveDate {
    accepted.unwrap_or(received)
}

/// An open case past its due date.
pub fn case_overdue(status: CaseStatus, due: NaiveDate, today: NaiveDate) -> bool {
    status.is_open() && due < today
}

/// Approved within the promised limit (None while not approved).
pub fn on_time(status: CaseStatus, approved: Option<NaiveDate>, due: NaiveDate) -> Option<bool> {
    match (status, approved) {
        (CaseStatus::Approved, Some(a)) => Some(a <= due),
        _ => None,
    }
}

/// A commitment not (yet) fulfilled whose deadline has passed: pending, or found unfulfilled.
pub fn commitment_overdue(status: CommitmentStatus, deadline: NaiveDate, today: NaiveDate) -> bool {
    status != CommitmentStatus::Fulfilled && deadline < today
}

/// Checks the dates of a case against each other and today; errors name the field.
pub fn check_dates(
    e: &mut Invalid,
    received: Option<NaiveDate>,
    accepted: Option<NaiveDate>,
    closed: Option<NaiveDate>,
    today: NaiveDate,
) {
    for (field, label, d) in [
        ("received_date", "收件日期", received),
        ("accepted_date", "受理日期", accepted),
        ("approved_date", "办结日期", closed),
    ] {
        if d.is_some_and(|d| d > today) {
            e.add(field, format!("{label}不能晚于今天"));
        }
    }
    if let (Some(r), Some(a)) = (received, accepted)
        && a < r
    {
        e.add("accepted_date", format!("受理日期不能早于收件日期 {r}"));
    }
    if let (Some(r), Some(c)) = (received, closed)
        && c < r
    {
        e.add("approved_date", format!("办结日期不能早于收件日期 {r}"));
    } else if let (Some(a), Some(c)) = (accepted, closed)
        && c < a
    {
        e.add("approved_date", format!("办结日期不能早于受理日期 {a}"));
    }
}

/// Checks a commitment verification: a result, a date between receipt and today.
pub fn check_verification(
    e: &mut Invalid,
    result: Option<CommitmentStatus>,
    date: Option<NaiveDate>,
    received: NaiveDate,
    today: NaiveDate,
) {
    match result {
        Some(CommitmentStatus::Fulfilled | CommitmentStatus::Unfulfilled) => {}
        _ => e.add("result", "请选择核查结果（已履行或未履行）"),
    }
    if let Some(d) = date {
        if d > today {
            e.add("date", "核查日期不能晚于今天");
        } else if d < received {
            e.add("date", format!("核查日期不能早于收件日期 {received}"));
        }
    }
}

/// "1", "true", "on", "是" (or a JSON boolean) → true.
pub fn flag(s: &str) -> bool {
    matches!(s.trim(), "1" | "true" | "on" | "yes" | "是" | "Y" | "y")
}

/// Deserializes a form/JSON flag given as a boolean or as text.
pub fn de_flag<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum F {
        B(bool),
        S(String),
        N(i64),
    }
    Ok(match Option::<F>::deserialize(d)? {
        Some(F::B(b)) => if b { "1" } else { "" }.to_string(),
        Some(F::S(s)) => s,
        Some(F::N(n)) => if n != 0 { "1" } else { "" }.to_string(),
        None => String::new(),
    })
}

/// An approval power as typed in a form, the API or a sheet row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PowerForm {
    /// 序号 (empty: after the last).
    pub seq: String,
    pub name: String,
    /// Code or label of [`PowerCategory`].
    pub category: String,
    /// 委托部门, e.g. 县住建局.
    pub source_department: String,
    /// 设定依据.
    pub legal_basis: String,
    /// 法定时限（工作日）.
    pub statutory_days: String,
    /// 承诺时限（工作日）, at most the statutory limit.
    pub promised_days: String,
    /// 是否承诺制: "1"/"true"/"是" or a JSON boolean.
    #[serde(deserialize_with = "de_flag")]
    #[schema(value_type = bool)]
    pub commitment: String,
    /// The version an edit was made on (edits; ignored on create and import). A stale one is
    /// refused with 409.
    #[serde(deserialize_with = "de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

/// Deserializes an optimistic version given as a number or as text (null: none).
fn de_version<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        N(i64),
        S(String),
    }
    Ok(match Option::<V>::deserialize(d)? {
        Some(V::N(n)) => n.to_string(),
        Some(V::S(s)) => s,
        None => String::new(),
    })
}

/// A checked power.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPower {
    pub seq: Option<i32>,
    pub name: String,
    pub category: PowerCategory,
    pub source_department: String,
    pub legal_basis: String,
    pub statutory_days: i32,
    pub promised_days: i32,
    pub commitment: bool,
}

fn days(e: &mut Invalid, field: &str, label: &str, s: &str) -> Option<i32> {
    let s = s.trim();
    if s.is_empty() {
        e.add(field, format!("{label}不能为空"));
        return None;
    }
    match s.parse::<i64>() {
        Ok(n) if n <= 0 => {
            e.add(field, format!("{label}应大于 0 个工作日（现为 {n}）"));
            None
        }
        Ok(n) if n > i64::from(DAYS_MAX) => {
            e.add(field, format!("{label}不能超过 {DAYS_MAX} 个工作日（现为 {n}）"));
            None
        }
        Ok(n) => Some(n as i32),
        Err(_) => {
            e.add(field, format!("{label}“{s}”应为整数个工作日"));
            None
        }
    }
}

impl PowerForm {
    pub fn validate(&self) -> Result<ValidPower, Invalid> {
        let mut e = Invalid::new();
        let seq = match self.seq.trim() {
            "" => None,
            s => match s.parse::<i32>() {
                Ok(n) if (1..=100_000).contains(&n) => Some(n),
                _ => {
                    e.add("seq", format!("序号“{s}”应为正整数"));
                    None
                }
            },
        };
        let name = e.required("name", "事项名称", &self.name, NAME_MAX);
        let category = PowerCategory::parse(&self.category);
        if category.is_none() {
            let all: Vec<&str> = PowerCategory::ALL.iter().map(|c| c.label()).collect();
            if self.category.trim().is_empty() {
                e.add("category", "请选择权力类别");
            } else {
                e.add("category", format!("权力类别“{}”无效，应为{}之一", self.category.trim(), all.join("、")));
            }
        }
        let source_department =
            e.optional("source_department", "委托部门", &self.source_department, NAME_MAX).unwrap_or_default();
        let legal_basis = e.optional("legal_basis", "设定依据", &self.legal_basis, TEXT_MAX).unwrap_or_default();
        let statutory = days(&mut e, "statutory_days", "法定时限", &self.statutory_days);
        let promised = days(&mut e, "promised_days", "承诺时限", &self.promised_days);
        if let (Some(s), Some(p)) = (statutory, promised)
            && p > s
        {
            e.add("promised_days", format!("承诺时限 {p} 个工作日不能超过法定时限 {s} 个工作日"));
        }
        e.into_result()?;
        Ok(ValidPower {
            seq,
            name,
            category: category.expect("checked"),
            source_department,
            legal_basis,
            statutory_days: statutory.expect("checked"),
            promised_days: promised.expect("checked"),
            commitment: flag(&self.commitment),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn form() -> PowerForm {
        PowerForm {
            name: "企业投资项目备案".into(),
            category: "行政备案".into(),
            source_department: "县发改局".into(),
            statutory_days: "5".into(),
            promised_days: "1".into(),
            commitment: "是".into(),
            ..Default::default()
        }
    }

    #[test]
    fn transitions() {
        use CaseAction as A;
        use CaseStatus as S;
        assert_eq!(transition(S::Received, A::Accept), Ok(S::Accepted));
        assert_eq!(transition(S::Accepted, A::Approve), Ok(S::Approved));
        assert_eq!(transition(S::Received, A::Approve), Ok(S::Approved), "即收即办");
        assert_eq!(transition(S::Accepted, A::Refuse), Ok(S::Refused));
        assert_eq!(transition(S::Received, A::Withdraw), Ok(S::Withdrawn));
        assert!(transition(S::Accepted, A::Accept).unwrap_err().contains("不能“受理”"));
        for s in [S::Approved, S::Refused, S::Withdrawn] {
            for a in CaseAction::ALL {
                assert!(transition(s, *a).unwrap_err().contains("不能再操作"));
            }
        }
    }

    #[test]
    fn power_validation() {
        let v = form().validate().unwrap();
        assert_eq!((v.category, v.statutory_days, v.promised_days, v.commitment), (PowerCategory::Filing, 5, 1, true));
        let bad = PowerForm { promised_days: "0".into(), ..form() };
        assert!(bad.validate().unwrap_err().message_for("promised_days").unwrap().contains("应大于 0"));
        let bad = PowerForm { statutory_days: "-3".into(), ..form() };
        assert!(bad.validate().unwrap_err().message_for("statutory_days").is_some());
        let bad = PowerForm { promised_days: "8".into(), ..form() };
        assert!(bad.validate().unwrap_err().message_for("promised_days").unwrap().contains("不能超过法定时限"));
        let bad = PowerForm { name: " ".into(), category: "许可".into(), ..form() };
        let e = bad.validate().unwrap_err();
        assert_eq!(e.message_for("name"), Some("事项名称不能为空"));
        assert!(e.message_for("category").unwrap().contains("行政许可"));
        assert!(PowerForm { promised_days: "1.5".into(), ..form() }.validate().is_err());
        assert!(!PowerForm { commitment: "".into(), ..form() }.validate().unwrap().commitment);
    }

    #[test]
    fn case_dates() {
        let today = d("2025-07-01");
        let check = |r: &str, a: Option<&str>, c: Option<&str>| {
            let mut e = Invalid::new();
            check_dates(&mut e, Some(d(r)), a.map(d), c.map(d), today);
            e
        };
        assert!(check("2025-03-03", Some("2025-03-04"), Some("2025-03-10")).is_empty());
        let e = check("2025-03-03", None, Some("2025-03-01"));
        assert!(e.message_for("approved_date").unwrap().contains("不能早于收件日期"));
        let e = check("2025-03-03", Some("2025-03-05"), Some("2025-03-04"));
        assert!(e.message_for("approved_date").unwrap().contains("不能早于受理日期"));
        let e = check("2025-03-03", Some("2025-03-01"), None);
        assert!(e.message_for("accepted_date").is_some());
        let e = check("2025-07-02", None, None);
        assert_eq!(e.message_for("received_date"), Some("收件日期不能晚于今天"));
    }

    #[test]
    fn overdue_rules() {
        let due = d("2025-03-10");
        assert!(case_overdue(CaseStatus::Accepted, due, d("2025-03-11")));
        assert!(!case_overdue(CaseStatus::Accepted, due, d("2025-03-10")));
        assert!(!case_overdue(CaseStatus::Approved, due, d("2025-04-01")));
        assert_eq!(on_time(CaseStatus::Approved, Some(due), due), Some(true));
        assert_eq!(on_time(CaseStatus::Approved, Some(d("2025-03-11")), due), Some(false));
        assert_eq!(on_time(CaseStatus::Accepted, None, due), None);
        assert!(commitment_overdue(CommitmentStatus::Pending, due, d("2025-03-11")));
        assert!(commitment_overdue(CommitmentStatus::Unfulfilled, due, d("2025-03-11")));
        assert!(!commitment_overdue(CommitmentStatus::Fulfilled, due, d("2025-03-11")));
        assert!(!commitment_overdue(CommitmentStatus::Pending, due, due));
        let mut e = Invalid::new();
        check_verification(&mut e, Some(CommitmentStatus::Pending), Some(d("2025-01-01")), d("2025-02-01"), due);
        assert!(e.message_for("result").is_some() && e.message_for("date").is_some());
    }

    #[test]
    fn flags_from_json() {
        #[derive(Deserialize)]
        struct T {
            #[serde(deserialize_with = "de_flag", default)]
            f: String,
        }
        let t: T = serde_json::from_str(r#"{"f": true}"#).unwrap();
        assert!(flag(&t.f));
        let t: T = serde_json::from_str(r#"{"f": "否"}"#).unwrap();
        assert!(!flag(&t.f));
        let t: T = serde_json::from_str(r#"{}"#).unwrap();
        assert!(!flag(&t.f));
    }
}
