//! Project fields with fixed value sets: category, key-project level, contact form,
//! problem category and status.

code_enum!(
    /// 项目类别.
    Category {
        Industrial = "industrial", "产业类";
        Infrastructure = "infrastructure", "基础设施类";
    }
);

code_enum!(
    /// 重点项目级别 (`None` is an ordinary project).
    KeyLevel {
        None = "", "一般项目";
        Provincial = "provincial", "省级重点";
        City = "city", "市级重点";
        County = "county", "县级重点";
    }
);

code_enum!(
    /// 对接形式.
    ContactForm {
        Visit = "visit", "外出拜访";
        Reception = "reception", "来访接待";
        Video = "video", "视频洽谈";
        Fair = "fair", "展会推介";
        Other = "other", "其他";
    }
);

code_enum!(
    /// 问题类别.
    ProblemCategory {
        Land = "land", "用地";
        Water = "water", "用水";
        Power = "power", "用电";
        Road = "road", "道路";
        Approval = "approval", "审批";
        Funding = "funding", "资金";
        Environment = "environment", "环评";
        Other = "other", "其他";
    }
);

code_enum!(
    /// 问题状态: 待办 → 办理中 → 已解决 / 无法解决.
    ProblemStatus {
        Open = "open", "待办";
        InProgress = "in_progress", "办理中";
        Resolved = "resolved", "已解决";
        Unresolvable = "unresolvable", "无法解决";
    }
);

impl ProblemStatus {
    pub fn is_open(self) -> bool {
        matches!(self, ProblemStatus::Open | ProblemStatus::InProgress)
    }
}

/// Open past its deadline.
pub fn is_overdue(status: ProblemStatus, deadline: Option<chrono::NaiveDate>, today: chrono::NaiveDate) -> bool {
    status.is_open() && deadline.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn parse_by_code_or_label() {
        assert_eq!(Category::parse("产业类"), Some(Category::Industrial));
        assert_eq!(Category::parse("infrastructure"), Some(Category::Infrastructure));
        assert_eq!(KeyLevel::parse(""), Some(KeyLevel::None));
        assert_eq!(KeyLevel::parse("省级重点"), Some(KeyLevel::Provincial));
        assert_eq!(ProblemStatus::parse("办理中"), Some(ProblemStatus::InProgress));
        assert_eq!(ContactForm::parse("飞鸽传书"), None);
    }

    #[test]
    fn overdue_means_open_and_past_deadline() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let today = d("2025-06-30");
        assert!(is_overdue(ProblemStatus::Open, Some(d("2025-06-29")), today));
        assert!(!is_overdue(ProblemStatus::Open, Some(d("2025-06-30")), today));
        assert!(!is_overdue(ProblemStatus::Resolved, Some(d("2025-01-01")), today));
        assert!(!is_overdue(ProblemStatus::InProgress, None, today));
    }
}
