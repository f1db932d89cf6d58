//! Working days. China moves working days around public holidays (调休): a holiday may fall on a
//! weekday and a weekend day may be a working day. Approval time limits and task deadlines are
//! counted in working days on such a calendar; the official calendars of the years the product
//! ships with are built in, and staff add each new year's (the store keeps the editable copy).

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// What a date is, when it differs from the ordinary week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A public holiday (放假).
    Holiday,
    /// A weekend day that is a working day (调休上班).
    Workday,
}

/// A calendar: the exceptions to Monday–Friday.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, (DayKind, String)>,
}

impl Calendar {
    pub fn new() -> Calendar {
        Calendar::default()
    }

    /// Marks `d` (the name says why: 春节, 国庆节调休, …).
    pub fn set(&mut self, d: NaiveDate, kind: DayKind, name: &str) {
        self.days.insert(d, (kind, name.to_string()));
    }

    pub fn kind(&self, d: NaiveDate) -> Option<(DayKind, &str)> {
        self.days.get(&d).map(|(k, n)| (*k, n.as_str()))
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.days.get(&d) {
            Some((DayKind::Holiday, _)) => false,
            Some((DayKind::Workday, _)) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The date `n` working days after `start` (the start day itself is not counted): a time
    /// limit of 5 working days for a case received on Friday 2025-09-26 ends on 2025-10-10,
    /// because 28 September is a 调休 working day and 1–8 October are holidays.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 when `to` ≤ `from`): the working
    /// days a case has used.
    ///
    /// Counted, not walked: five working days in every whole week, the few days left over one
    /// by one, then each marked day in the range corrects the count (a holiday on a weekday −1,
    /// a 调休 working day on a weekend +1) — so a deadline decades away costs what a near one
    /// does (the home page asks this of every open hazard and task).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to <= from {
            return 0;
        }
        let weekend = |d: NaiveDate| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        let days = (to - from).num_days();
        let weeks = days / 7;
        let mut n = weeks * 5;
        let mut d = from + Duration::days(weeks * 7);
        while d < to {
            d += Duration::days(1);
            if !weekend(d) {
                n += 1;
            }
        }
        use std::ops::Bound::{Excluded, Included};
        for (day, (kind, _)) in self.days.range((Excluded(from), Included(to))) {
            match kind {
                DayKind::Holiday if !weekend(*day) => n -= 1,
                DayKind::Workday if weekend(*day) => n += 1,
                _ => {}
            }
        }
        u32::try_from(n).unwrap_or(0)
    }

    /// The marked days, in order: (date, kind, name).
    pub fn entries(&self) -> impl Iterator<Item = (NaiveDate, DayKind, &str)> {
        self.days.iter().map(|(d, (k, n))| (*d, *k, n.as_str()))
    }
}

/// The ISO weeks (year, week) that have a day in [from, to], in order, each once; empty when
/// `to` < `from`. One step a week, so a long range costs its weeks, not its days.
pub fn iso_weeks(from: NaiveDate, to: NaiveDate) -> Vec<(i32, u32)> {
    let key = |d: NaiveDate| (d.iso_week().year(), d.iso_week().week());
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        out.push(key(d));
        match d.checked_add_signed(Duration::days(7)) {
            Some(next) => d = next,
            None => break,
        }
    }
    if to >= from && out.last() != Some(&key(to)) {
        out.push(key(to));
    }
    out
}

/// (holiday ranges, adjusted working days) of one year: (first, last, name) and (date, name).
type YearPlan = (&'static [(&'static str, &'static str, &'static str)], &'static [(&'static str, &'static str)]);

/// The State Council's holiday arrangements (国务院办公厅关于节假日安排的通知).
const OFFICIAL: &[(i32, YearPlan)] = &[
    (
        2025,
        (
            &[
                ("2025-01-01", "2025-01-01", "元旦"),
                ("2025-01-28", "2025-02-04", "春节"),
                ("2025-04-04", "2025-04-06", "清明节"),
                ("2025-05-01", "2025-05-05", "劳动节"),
                ("2025-05-31", "2025-06-02", "端午节"),
                ("2025-10-01", "2025-10-08", "国庆节、中秋节"),
            ],
            &[
                ("2025-01-26", "春节调休上班"),
                ("2025-02-08", "春节调休上班"),
                ("2025-04-27", "劳动节调休上班"),
                ("2025-09-28", "国庆节调休上班"),
                ("2025-10-11", "国庆节调休上班"),
            ],
        ),
    ),
    (
        2026,
        (
            &[
                ("2026-01-01", "2026-01-03", "元旦"),
                ("2026-02-15", "2026-02-23", "春节"),
                ("2026-04-04", "2026-04-06", "清明节"),
                ("2026-05-01", "2026-05-05", "劳动节"),
                ("2026-06-19", "2026-06-21", "端午节"),
                ("2026-09-25", "2026-09-27", "中秋节"),
                ("2026-10-01", "2026-10-07", "国庆节"),
            ],
            &[
                ("2026-01-04", "元旦调休上班"),
                ("2026-02-14", "春节调休上班"),
                ("2026-02-28", "春节调休上班"),
                ("2026-05-09", "劳动节调休上班"),
                ("2026-09-20", "国庆节调休上班"),
                ("2026-10-10", "国庆节调休上班"),
            ],
        ),
    ),
];

/// The years whose official calendar is built in.
pub fn official_years() -> Vec<i32> {
    OFFICIAL.iter().map(|(y, _)| *y).collect()
}

/// The built-in official calendar of `year`, if the product ships with it.
pub fn official(year: i32) -> Option<Calendar> {
    let (_, (holidays, workdays)) = OFFICIAL.iter().find(|(y, _)| *y == year)?;
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let mut c = Calendar::new();
    for (first, last, name) in *holidays {
        let (mut d, last) = (date(first)?, date(last)?);
        while d <= last {
            c.set(d, DayKind::Holiday, name);
            d += Duration::days(1);
        }
    }
    for (day, name) in *workdays {
        c.set(date(day)?, DayKind::Workday, name);
    }
    Some(c)
}

/// The built-in calendars of every shipped year, merged.
pub fn official_all() -> Calendar {
    let mut c = Calendar::new();
    for y in official_years() {
        if let Some(year) = official(y) {
            for (d, k, n) in year.entries() {
                c.set(d, k, n);
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_2025_calendar() {
        let c = official(2025).unwrap();
        assert!(!c.is_working_day(d("2025-01-01")));
        assert!(c.is_working_day(d("2025-01-26")), "a Sunday worked for the Spring Festival");
        assert!(!c.is_working_day(d("2025-01-29")));
        assert!(!c.is_working_day(d("2025-10-08")));
        assert!(c.is_working_day(d("2025-10-11")), "a Saturday worked after National Day");
        assert!(!c.is_working_day(d("2025-06-01")));
        // 2025: 365 days − 104 weekend days − 18 holidays on weekdays + 5 worked weekend days
        let worked = (0..365).filter(|i| c.is_working_day(d("2025-01-01") + Duration::days(*i))).count();
        assert_eq!(worked, 248);
    }

    #[test]
    fn deadlines_cross_holidays_and_adjusted_days() {
        let c = official_all();
        // received Friday 26 September 2025, 5 working days: Sun 28 Sep (worked), Mon 29, Tue 30,
        // then 1–8 Oct off, Thu 9, Fri 10
        assert_eq!(c.add_working_days(d("2025-09-26"), 5), d("2025-10-10"));
        assert_eq!(c.working_days_between(d("2025-09-26"), d("2025-10-10")), 5);
        // an ordinary week
        assert_eq!(c.add_working_days(d("2025-03-07"), 1), d("2025-03-10"));
        assert_eq!(c.add_working_days(d("2025-03-07"), 0), d("2025-03-07"));
        assert_eq!(c.working_days_between(d("2025-03-10"), d("2025-03-07")), 0);
        // a Saturday worked before the 2026 Spring Festival counts
        assert!(c.is_working_day(d("2026-02-14")));
        assert!(!c.is_working_day(d("2026-02-16")));
        assert_eq!(official_years(), [2025, 2026]);
        assert!(official(2024).is_none());
    }

    proptest! {
        #[test]
        fn adding_then_counting_gives_back_n(offset in 0i64..700, n in 0u32..60) {
            let c = official_all();
            let start = d("2025-01-01") + Duration::days(offset);
            let end = c.add_working_days(start, n);
            prop_assert_eq!(c.working_days_between(start, end), n);
            prop_assert!(n == 0 || c.is_working_day(end));
        }

        /// The weeks of a range are those of its days, each once, in order.
        #[test]
        fn iso_weeks_are_the_weeks_of_the_days(offset in -800i64..800, len in -3i64..900) {
            let from = d("2025-01-01") + Duration::days(offset);
            let to = from + Duration::days(len);
            let mut walked: Vec<(i32, u32)> = Vec::new();
            let mut day = from;
            while day <= to {
                let w = (day.iso_week().year(), day.iso_week().week());
                if walked.last() != Some(&w) {
                    walked.push(w);
                }
                day += Duration::days(1);
            }
            prop_assert_eq!(iso_weeks(from, to), walked);
        }

        /// The counted result equals walking the days one by one, over ranges inside, across
        /// and far beyond the marked years, with marks of both kinds on any day of the week.
        #[test]
        fn counting_equals_walking(offset in -800i64..1500, len in -10i64..30_000, extra in 0usize..6) {
            let mut c = official_all();
            for k in 0..extra {
                let day = d("2025-03-01") + Duration::days(k as i64 * 37);
                c.set(day, if k % 2 == 0 { DayKind::Holiday } else { DayKind::Workday }, "测试");
            }
            let from = d("2025-01-01") + Duration::days(offset);
            let to = from + Duration::days(len);
            let mut walked = 0;
            let mut day = from;
            while day < to {
                day += Duration::days(1);
                if c.is_working_day(day) {
                    walked += 1;
                }
            }
            prop_assert_eq!(c.working_days_between(from, to), walked);
        }
    }
}
