//! Safety: inspections and the hazard loop 排查 → 登记 → 整改 → 复查 → 销号, with the four-eyes
//! rule (the re-inspection is done by someone other than the person who recorded the fix).

use chrono::NaiveDate;

code_enum!(
    /// 检查类型.
    InspectionType {
        Routine = "routine", "日常检查";
        Special = "special", "专项检查";
        Holiday = "holiday", "节假日前检查";
        Resumption = "resumption", "复产复工检查";
        Enforcement = "enforcement", "执法检查";
    }
);

code_enum!(
    /// 隐患等级.
    HazardLevel {
        General = "general", "一般隐患";
        Major = "major", "重大隐患";
    }
);

code_enum!(
    /// 隐患状态: 待整改 → 整改中 → 待复查 → 已销号 (退回: 待复查 → 整改中).
    HazardStatus {
        Pending = "pending", "待整改";
        Rectifying = "rectifying", "整改中";
        Reviewing = "reviewing", "待复查";
        Closed = "closed", "已销号";
    }
);

code_enum!(
    /// A step of the loop.
    HazardAction {
        Start = "start", "开始整改";
        Submit = "submit", "整改完成，提交复查";
        Pass = "pass", "复查通过，销号";
        Reject = "reject", "复查未通过，退回整改";
        Extend = "extend", "延期";
    }
);

code_enum!(
    /// 企业安全风险等级颜色.
    RiskColour {
        Red = "red", "红色（重大风险）";
        Orange = "orange", "橙色（较大风险）";
        Yellow = "yellow", "黄色（一般风险）";
        Blue = "blue", "蓝色（低风险）";
    }
);

code_enum!(
    /// 特殊作业类型.
    SpecialWork {
        Hot = "hot", "动火作业";
        Confined = "confined", "受限空间作业";
        Height = "height", "高处作业";
        Lifting = "lifting", "吊装作业";
        TempPower = "temp_power", "临时用电作业";
        Excavation = "excavation", "动土作业";
        RoadBreak = "road_break", "断路作业";
        Blind = "blind", "盲板抽堵作业";
    }
);

impl HazardStatus {
    pub fn is_open(self) -> bool {
        self != HazardStatus::Closed
    }
}

/// Who acts, and who recorded the fix (the last 提交复查), for the four-eyes rule.
#[derive(Debug, Clone, Copy)]
pub struct StepContext {
    pub actor: i64,
    pub fixer: Option<i64>,
}

/// The status after `action`, or why it is not allowed (in Chinese). Extend keeps the status.
pub fn transition(status: HazardStatus, action: HazardAction, ctx: StepContext) -> Result<HazardStatus, String> {
    use HazardAction as A;
    use HazardStatus as S;
    match (status, action) {
        (S::Pending, A::Start) => Ok(S::Rectifying),
        (S::Pending | S::Rectifying, A::Submit) => Ok(S::Reviewing),
        (S::Reviewing, A::Pass) if ctx.fixer == Some(ctx.actor) => {
            Err("复查销号须由整改登记人以外的人员进行（双人复核）".into())
        }
        (S::Reviewing, A::Pass) => Ok(S::Closed),
        (S::Reviewing, A::Reject) => Ok(S::Rectifying),
        (S::Closed, _) => Err("隐患已销号，不能再操作".into()),
        (s, A::Extend) => Ok(s),
        (s, a) => Err(format!("“{}”状态的隐患不能“{}”", s.label(), a.label())),
    }
}

/// Open past its (current) deadline.
pub fn is_overdue(status: HazardStatus, deadline: NaiveDate, today: NaiveDate) -> bool {
    status.is_open() && deadline < today
}

/// Checks a deadline extension: a reason and a later date.
pub fn check_extension(current: NaiveDate, new: NaiveDate, reason: &str) -> Result<(), String> {
    if reason.trim().is_empty() {
        return Err("延期须说明原因".into());
    }
    if new <= current {
        return Err(format!("新的整改期限须晚于当前期限 {current}"));
    }
    Ok(())
}

/// 整改率: closed ÷ due, in hundredths of a percent (None when nothing was due).
pub fn rectification_rate(closed: u64, due: u64) -> Option<i64> {
    (due > 0).then(|| ((closed as i128 * 10_000 + due as i128 / 2) / due as i128) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ctx(actor: i64, fixer: Option<i64>) -> StepContext {
        StepContext { actor, fixer }
    }

    #[test]
    fn the_loop_and_its_refusals() {
        use HazardAction as A;
        use HazardStatus as S;
        assert_eq!(transition(S::Pending, A::Start, ctx(1, None)), Ok(S::Rectifying));
        assert_eq!(transition(S::Rectifying, A::Submit, ctx(1, None)), Ok(S::Reviewing));
        assert_eq!(transition(S::Reviewing, A::Reject, ctx(2, Some(1))), Ok(S::Rectifying));
        assert_eq!(transition(S::Reviewing, A::Pass, ctx(2, Some(1))), Ok(S::Closed));
        assert!(transition(S::Reviewing, A::Pass, ctx(1, Some(1))).unwrap_err().contains("双人复核"));
        assert!(transition(S::Pending, A::Pass, ctx(2, None)).is_err());
        assert!(transition(S::Rectifying, A::Reject, ctx(2, None)).is_err());
        assert!(transition(S::Closed, A::Start, ctx(2, None)).is_err());
        assert_eq!(transition(S::Rectifying, A::Extend, ctx(2, None)), Ok(S::Rectifying));
        assert!(transition(S::Closed, A::Extend, ctx(2, None)).is_err());
    }

    #[test]
    fn overdue_extension_and_rate() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(is_overdue(HazardStatus::Rectifying, d("2025-03-01"), d("2025-03-02")));
        assert!(!is_overdue(HazardStatus::Closed, d("2025-03-01"), d("2025-03-02")));
        assert!(check_extension(d("2025-03-01"), d("2025-03-10"), "等待备件").is_ok());
        assert!(check_extension(d("2025-03-01"), d("2025-03-10"), " ").is_err());
        assert!(check_extension(d("2025-03-01"), d("2025-02-10"), "x").is_err());
        assert_eq!(rectification_rate(3, 4), Some(7_500));
        assert_eq!(rectification_rate(0, 0), None);
    }

    proptest! {
        #[test]
        fn nobody_closes_their_own_fix(actor in 1i64..50) {
            prop_assert!(transition(HazardStatus::Reviewing, HazardAction::Pass, ctx(actor, Some(actor))).is_err());
        }

        #[test]
        fn closed_is_final(a in 0usize..5) {
            let action = HazardAction::ALL[a];
            prop_assert!(transition(HazardStatus::Closed, action, ctx(1, Some(2))).is_err());
        }
    }
}
