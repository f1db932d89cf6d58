//! Dates, numbers and codes as the forms parse them: the store's form helpers
//! (`lookups::opt_date`, `req_date`, `opt_id`, `opt_year`), task deadlines and milestone lines
//! (`domain::task`), phone numbers (`validate::check_phone`), project codes and industry codes.
//! Properties: an accepted date prints back as `YYYY-MM-DD` and reparses to itself; a refusal
//! adds exactly one error, on the named field, with a message; accepted codes reparse to
//! themselves.
#![no_main]

use kaifaqu_domain::industry::Industry;
use kaifaqu_domain::project_code::ProjectCode;
use kaifaqu_domain::task::{self, Deadline};
use kaifaqu_domain::validate::{self, Invalid};
use kaifaqu_store::lookups;
use libfuzzer_sys::fuzz_target;

/// Runs one form helper on a fresh error list: Some(value) with no error, or None with none
/// (an empty optional field) or exactly one error on `field`.
fn field<T>(input: &str, parse: impl Fn(&mut Invalid, &str, &str, &str) -> Option<T>) -> Option<T> {
    let mut e = Invalid::new();
    let v = parse(&mut e, "f", "字段", input);
    match &v {
        Some(_) => assert!(e.is_empty()),
        // blank (opt_year also reads a bare "年" as blank)
        None if input.trim().trim_end_matches('年').trim().is_empty() => {}
        None => {
            assert_eq!(e.errors.len(), 1, "{input:?}");
            assert_eq!(e.errors[0].field, "f");
            assert!(!e.errors[0].message.is_empty());
        }
    }
    v
}

fuzz_target!(|input: &str| {
    if let Some(d) = field(input, lookups::opt_date) {
        assert_eq!(field(&d.to_string(), lookups::opt_date), Some(d));
        assert_eq!(task::parse_date(&d.to_string()), Some(d));
    }
    let mut e = Invalid::new();
    if lookups::req_date(&mut e, "f", "日期", input).is_none() {
        assert_eq!(e.errors.len(), 1);
    }
    if let Some(id) = field(input, lookups::opt_id) {
        assert_eq!(field(&id.to_string(), lookups::opt_id), Some(id));
    }
    if let Some(y) = field(input, lookups::opt_year) {
        assert!((2000..=2099).contains(&y));
        assert_eq!(field(&format!("{y}年"), lookups::opt_year), Some(y));
    }
    if let Some(d) = task::parse_date(input) {
        assert_eq!(task::parse_date(&d.to_string()), Some(d));
    }
    match task::parse_deadline(input, "完成时限") {
        Ok(Deadline::WorkingDays(n)) => {
            assert!(n >= 1);
            assert_eq!(task::parse_deadline(&Deadline::WorkingDays(n).text(), "完成时限"), Ok(Deadline::WorkingDays(n)));
        }
        Ok(d) => assert_eq!(task::parse_deadline(&d.text(), "完成时限"), Ok(d)),
        Err(m) => assert!(m.contains("完成时限")),
    }
    if let Ok((date, title)) = task::parse_milestone_line(input) {
        assert!(!title.is_empty());
        assert_eq!(task::parse_milestone_line(&format!("{date} {title}")), Ok((date, title)));
    }
    let mut e = Invalid::new();
    let _ = validate::check_phone(&mut e, "phone", input);
    assert!(e.errors.len() <= 1);
    if let Ok(c) = ProjectCode::parse(input) {
        assert_eq!(ProjectCode::parse(c.as_str()).as_ref(), Ok(&c));
        assert_eq!(c.region_code().len(), 6);
    }
    if let Ok(i) = Industry::parse(input) {
        assert_eq!(Industry::parse(&i.code).map(|j| j.code), Ok(i.code.clone()));
    }
});
