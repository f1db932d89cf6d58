//! Periods on arbitrary text: statistics periods (`domain::indicator::Period`, "2025-05" and
//! labels "1-5月") and report periods (`store::report_data::ReportPeriod`, a month, a half-year
//! "2025-H1" or a year). Properties: an accepted period is in range and its printed key (and
//! label) parses back to the same period; a report period's dates are ordered and its key is
//! the one spelling every other spelling maps to.
#![no_main]

use chrono::Datelike;
use kaifaqu_domain::indicator::Period;
use kaifaqu_store::report_data::ReportPeriod;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: (i16, &str)| {
    let (year, input) = data;
    if let Ok(p) = Period::parse(input) {
        assert!((1..=12).contains(&p.month));
        assert_eq!(Period::parse(&p.key()), Ok(p));
        assert_eq!(Period::parse_label(p.year, &p.label()), Ok(p));
        assert_eq!(Period::parse_label(p.year, &p.full_label()[format!("{}年", p.year).len()..]), Ok(p));
    }
    if let Ok(p) = Period::parse_label(i32::from(year), input) {
        assert_eq!(p.year, i32::from(year));
        assert!((1..=12).contains(&p.month));
        assert_eq!(Period::parse_label(p.year, &p.label()), Ok(p));
    }
    match ReportPeriod::parse(input) {
        Ok(r) => {
            assert!((2000..=2100).contains(&r.year));
            assert!(r.from <= r.to);
            assert_eq!(r.from.year(), r.year);
            assert_eq!(r.to.year(), r.year);
            assert_eq!(r.to.month(), r.last_month);
            assert!(r.label.starts_with(&format!("{}年", r.year)));
            let again = ReportPeriod::parse(&r.key).expect("the key parses");
            assert_eq!(again, r.clone().with_key(&r.key));
        }
        Err(m) => assert!(!m.is_empty()),
    }
});

/// The same period under its canonical key.
trait WithKey {
    fn with_key(self, key: &str) -> Self;
}

impl WithKey for ReportPeriod {
    fn with_key(mut self, key: &str) -> Self {
        self.key = key.to_string();
        self
    }
}
