//! Time in the committee's legal time zone (Asia/Shanghai, UTC+8, no daylight saving
//! since 1991, so a fixed offset is exact for every date the product handles).

use chrono::{DateTime, FixedOffset, Utc};

pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A UTC instant shown as local time, e.g. `2025-05-28 14:03:07`.
pub fn local_display(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The Chinese name of a weekday: 星期一 … 星期日.
pub fn weekday_cn(d: chrono::NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"][d.weekday().num_days_from_monday() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn utc_midnight_is_eight_in_shanghai() {
        let t = Utc.with_ymd_and_hms(2025, 5, 28, 0, 0, 0).unwrap();
        assert_eq!(local_display(t), "2025-05-28 08:00:00");
    }
}
