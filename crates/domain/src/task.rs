//! Key-work task lists (重点工作任务, 清单化管理、闭环式落实): where a task comes from, its
//! status loop 进行中 → 待审核 (提交办结) → 已销号 (退回 back to 进行中 with a reason), who may
//! take which step, the deadline given as a date or as N working days from assignment, the
//! timetable's milestones inside [assignment, deadline], and the overdue and due-soon rules.

use chrono::NaiveDate;

use crate::calendar::Calendar;

code_enum!(
    /// 任务来源.
    TaskSource {
        AnnualPlan = "annual_plan", "年度计划";
        ProvincialInspection = "provincial_inspection", "省委巡视整改";
        CityInspection = "city_inspection", "市委巡察整改";
        DispatchMeeting = "dispatch_meeting", "调度会";
        LeaderInstruction = "leader_instruction", "领导交办";
        Other = "other", "其他";
    }
);

code_enum!(
    /// 任务状态.
    TaskStatus {
        InProgress = "in_progress", "进行中";
        Submitted = "submitted", "待审核";
        Closed = "closed", "已销号";
    }
);

code_enum!(
    /// A step of a task.
    TaskAction {
        Progress = "progress", "报送进展";
        Submit = "submit", "提交办结";
        Close = "close", "审核销号";
        Return = "return", "退回";
    }
);

/// The longest time limit accepted in working days.
pub const WORKING_DAYS_MAX: u32 = 365;

/// How many working days ahead a deadline counts as due soon.
pub const DUE_SOON_DAYS: u32 = 3;

impl TaskStatus {
    /// Not yet closed (进行中 or 待审核).
    pub fn is_open(self) -> bool {
        self != TaskStatus::Closed
    }
}

impl TaskAction {
    /// Progress reports and 提交办结 are the responsible department's; 销号 and 退回 the lead's.
    pub fn is_review(self) -> bool {
        matches!(self, TaskAction::Close | TaskAction::Return)
    }
}

/// Who is taking a step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Who {
    /// A user of the responsible department.
    pub in_department: bool,
    /// The task's lead leader (牵头领导).
    pub is_lead_leader: bool,
    /// An administrator (or the system itself: the command line, the demo loader).
    pub is_admin: bool,
}

/// The status after `action` taken by `who`, or why it is refused (in Chinese).
pub fn transition(status: TaskStatus, action: TaskAction, who: Who) -> Result<TaskStatus, String> {
    use TaskAction as A;
    use TaskStatus as S;
    if status == S::Closed {
        return Err("任务已销号，不能再操作".into());
    }
    if action.is_review() {
        if !(who.is_lead_leader || who.is_admin) {
            return Err(format!("只有牵头领导可以{}", action.label()));
        }
    } else if !(who.in_department || who.is_admin) {
        return Err(format!("只有责任科室的人员可以{}", action.label()));
    }
    match (status, action) {
        (S::InProgress, A::Progress) => Ok(S::InProgress),
        (S::InProgress, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::Close) => Ok(S::Closed),
        (S::Submitted, A::Return) => Ok(S::InProgress),
        (S::Submitted, A::Progress | A::Submit) => Err("任务已提交办结，正等待牵头领导审核".into()),
        (S::InProgress, A::Close) => Err("任务尚未提交办结，不能销号：须由责任科室提交办结、牵头领导审核后销号".into()),
        (S::InProgress, A::Return) => Err("只有已提交办结（待审核）的任务可以退回".into()),
        (S::Closed, _) => Err("任务已销号，不能再操作".into()),
    }
}

/// Whether the step needs a note, and the message when it is missing.
pub fn note_required(action: TaskAction) -> Option<&'static str> {
    match action {
        TaskAction::Progress => Some("请填写进展情况"),
        TaskAction::Return => Some("退回须说明理由"),
        TaskAction::Submit | TaskAction::Close => None,
    }
}

/// A deadline as given: a date, or a number of working days from the assignment date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    Date(NaiveDate),
    WorkingDays(u32),
}

impl Deadline {
    /// The date it falls on for a task assigned on `assigned`.
    pub fn resolve(self, assigned: NaiveDate, cal: &Calendar) -> NaiveDate {
        match self {
            Deadline::Date(d) => d,
            Deadline::WorkingDays(n) => cal.add_working_days(assigned, n),
        }
    }

    /// As written in a sheet: `2025-12-31` or `20个工作日`.
    pub fn text(self) -> String {
        match self {
            Deadline::Date(d) => d.to_string(),
            Deadline::WorkingDays(n) => format!("{n}个工作日"),
        }
    }
}

/// Parses `2025-12-31` (also `2025/12/31`, `2025年12月31日`) or `20个工作日` (also
/// `20 个工作日`, `20工作日`); `label` names the field in the message.
pub fn parse_deadline(s: &str, label: &str) -> Result<Deadline, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(format!("{label}不能为空"));
    }
    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(n) = compact.strip_suffix("工作日") {
        let n = n.strip_suffix('个').unwrap_or(n);
        return match n.parse::<i64>() {
            Ok(v) if v >= 1 && v <= i64::from(WORKING_DAYS_MAX) => Ok(Deadline::WorkingDays(v as u32)),
            Ok(v) => Err(format!("{label}应为 1 到 {WORKING_DAYS_MAX} 个工作日（现为 {v}）")),
            Err(_) => Err(format!("{label}“{t}”无效，应为日期（如 2025-12-31）或“20个工作日”")),
        };
    }
    parse_date(&compact)
        .map(Deadline::Date)
        .ok_or_else(|| format!("{label}“{t}”无效，应为日期（如 2025-12-31）或“20个工作日”"))
}

/// `2025-12-31`, `2025/12/31`, `2025.12.31` or `2025年12月31日`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"].iter().find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

/// A milestone date must lie between the assignment date and the deadline.
pub fn check_milestone(due: NaiveDate, assigned: NaiveDate, deadline: NaiveDate) -> Result<(), String> {
    if due > deadline {
        Err(format!("节点日期 {due} 不能晚于任务完成时限 {deadline}"))
    } else if due < assigned {
        Err(format!("节点日期 {due} 不能早于交办日期 {assigned}"))
    } else {
        Ok(())
    }
}

/// An open task past its deadline.
pub fn overdue(status: TaskStatus, deadline: NaiveDate, today: NaiveDate) -> bool {
    status.is_open() && deadline < today
}

/// A milestone not done past its date.
pub fn milestone_overdue(done: Option<NaiveDate>, due: NaiveDate, today: NaiveDate) -> bool {
    done.is_none() && due < today
}

/// An open task whose deadline is today or within the next [`DUE_SOON_DAYS`] working days.
pub fn due_soon(status: TaskStatus, deadline: NaiveDate, today: NaiveDate, cal: &Calendar) -> bool {
    status.is_open() && deadline >= today && cal.working_days_between(today, deadline) <= DUE_SOON_DAYS
}

/// One milestone as written in a sheet cell: `2025-09-30 完成可研批复` (a trailing
/// `（已完成…）` is ignored).
pub fn parse_milestone_line(line: &str) -> Result<(NaiveDate, String), String> {
    let line = line.trim();
    let (date, rest) = match line.find(|c: char| c.is_whitespace() || c == '：' || c == ':') {
        Some(i) => (&line[..i], &line[i..]),
        None => (line, ""),
    };
    let Some(d) = parse_date(date) else {
        return Err(format!("节点“{line}”应以日期开头，如“2025-09-30 完成可研批复”"));
    };
    let mut title = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '：' || c == ':').trim();
    if let Some(i) = title.find("（已完成") {
        title = title[..i].trim();
    }
    if title.is_empty() {
        return Err(format!("节点“{line}”缺少内容"));
    }
    Ok((d, title.to_string()))
}

/// The milestones of a cell: one a line (also separated by `；` or `;`).
pub fn split_milestones(cell: &str) -> Vec<&str> {
    cell.split(['\n', '\r', '；', ';']).map(str::trim).filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::official_all;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const DEPT: Who = Who { in_department: true, is_lead_leader: false, is_admin: false };
    const LEAD: Who = Who { in_department: false, is_lead_leader: true, is_admin: false };
    const ADMIN: Who = Who { in_department: false, is_lead_leader: false, is_admin: true };
    const OTHER: Who = Who { in_department: false, is_lead_leader: false, is_admin: false };

    #[test]
    fn the_loop_allowed() {
        use TaskAction as A;
        use TaskStatus as S;
        assert_eq!(transition(S::InProgress, A::Progress, DEPT), Ok(S::InProgress));
        assert_eq!(transition(S::InProgress, A::Submit, DEPT), Ok(S::Submitted));
        assert_eq!(transition(S::Submitted, A::Close, LEAD), Ok(S::Closed));
        assert_eq!(transition(S::Submitted, A::Return, LEAD), Ok(S::InProgress));
        assert_eq!(transition(S::Submitted, A::Close, ADMIN), Ok(S::Closed));
        assert_eq!(transition(S::InProgress, A::Progress, ADMIN), Ok(S::InProgress));
    }

    #[test]
    fn the_loop_refused() {
        use TaskAction as A;
        use TaskStatus as S;
        // closing without a submitted review
        assert!(transition(S::InProgress, A::Close, LEAD).unwrap_err().contains("尚未提交办结"));
        assert!(transition(S::InProgress, A::Return, LEAD).unwrap_err().contains("只有已提交办结"));
        // the wrong user
        assert_eq!(transition(S::Submitted, A::Close, DEPT).unwrap_err(), "只有牵头领导可以审核销号");
        assert_eq!(transition(S::Submitted, A::Return, OTHER).unwrap_err(), "只有牵头领导可以退回");
        assert_eq!(transition(S::InProgress, A::Progress, LEAD).unwrap_err(), "只有责任科室的人员可以报送进展");
        assert_eq!(transition(S::InProgress, A::Submit, OTHER).unwrap_err(), "只有责任科室的人员可以提交办结");
        // waiting for review
        assert!(transition(S::Submitted, A::Submit, DEPT).unwrap_err().contains("等待牵头领导审核"));
        assert!(transition(S::Submitted, A::Progress, DEPT).unwrap_err().contains("等待牵头领导审核"));
        // nothing after closed, for anyone
        for a in TaskAction::ALL {
            for w in [DEPT, LEAD, ADMIN] {
                assert_eq!(transition(S::Closed, *a, w).unwrap_err(), "任务已销号，不能再操作");
            }
        }
        assert_eq!(note_required(A::Return), Some("退回须说明理由"));
        assert!(note_required(A::Progress).is_some() && note_required(A::Close).is_none());
    }

    #[test]
    fn deadlines() {
        let cal = official_all();
        assert_eq!(parse_deadline("2025-12-31", "完成时限"), Ok(Deadline::Date(d("2025-12-31"))));
        assert_eq!(parse_deadline("2025年12月31日", "完成时限"), Ok(Deadline::Date(d("2025-12-31"))));
        assert_eq!(parse_deadline(" 5 个工作日", "完成时限"), Ok(Deadline::WorkingDays(5)));
        assert_eq!(parse_deadline("20工作日", "完成时限"), Ok(Deadline::WorkingDays(20)));
        assert!(parse_deadline("0个工作日", "完成时限").unwrap_err().contains("1 到 365"));
        assert!(parse_deadline("年底", "完成时限").unwrap_err().contains("“年底”无效"));
        assert_eq!(parse_deadline("", "完成时限").unwrap_err(), "完成时限不能为空");
        // across the National Day holiday and the worked Sunday before it
        assert_eq!(Deadline::WorkingDays(5).resolve(d("2025-09-26"), &cal), d("2025-10-10"));
        assert_eq!(Deadline::Date(d("2025-12-31")).resolve(d("2025-09-26"), &cal), d("2025-12-31"));
        assert_eq!(Deadline::WorkingDays(5).text(), "5个工作日");
    }

    #[test]
    fn milestones() {
        let (a, dl) = (d("2025-07-01"), d("2025-09-30"));
        assert!(check_milestone(d("2025-09-30"), a, dl).is_ok());
        assert!(check_milestone(d("2025-07-01"), a, dl).is_ok());
        assert!(check_milestone(d("2025-10-01"), a, dl).unwrap_err().contains("不能晚于任务完成时限 2025-09-30"));
        assert!(check_milestone(d("2025-06-30"), a, dl).unwrap_err().contains("不能早于交办日期"));
        assert_eq!(parse_milestone_line("2025-09-30 完成可研批复"), Ok((d("2025-09-30"), "完成可研批复".into())));
        assert_eq!(parse_milestone_line("2025-09-30：开工（已完成 2025-09-28）"), Ok((d("2025-09-30"), "开工".into())));
        assert!(parse_milestone_line("九月底 开工").is_err());
        assert!(parse_milestone_line("2025-09-30").is_err());
        assert_eq!(
            split_milestones("2025-08-01 a\n2025-09-01 b；2025-10-01 c\n\n"),
            ["2025-08-01 a", "2025-09-01 b", "2025-10-01 c"]
        );
    }

    #[test]
    fn overdue_and_due_soon() {
        let cal = official_all();
        let dl = d("2025-10-10");
        assert!(overdue(TaskStatus::InProgress, dl, d("2025-10-11")));
        assert!(overdue(TaskStatus::Submitted, dl, d("2025-10-11")));
        assert!(!overdue(TaskStatus::Closed, dl, d("2025-10-11")));
        assert!(!overdue(TaskStatus::InProgress, dl, dl));
        assert!(milestone_overdue(None, dl, d("2025-10-11")));
        assert!(!milestone_overdue(Some(dl), dl, d("2025-10-11")));
        // 9 October → 10 October is one working day; 30 September → 10 October two (holidays between)
        assert!(due_soon(TaskStatus::InProgress, dl, d("2025-10-09"), &cal));
        assert!(due_soon(TaskStatus::InProgress, dl, d("2025-09-30"), &cal));
        assert!(due_soon(TaskStatus::InProgress, dl, dl, &cal));
        assert!(!due_soon(TaskStatus::InProgress, dl, d("2025-09-25"), &cal));
        assert!(!due_soon(TaskStatus::InProgress, dl, d("2025-10-11"), &cal), "overdue, not due soon");
        assert!(!due_soon(TaskStatus::Closed, dl, d("2025-10-09"), &cal));
    }
}
