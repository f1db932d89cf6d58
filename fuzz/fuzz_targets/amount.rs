//! Amounts from user text, exact integers: 亿元/万元 (`Wan::parse_yi`), 亩 (`Mu100::parse`),
//! indicator values (`Fixed::parse`), growth rates (`Pct::parse`), land and per-mu figures
//! (`land::parse_x100`, `per_mu::parse_x100`) and target values (`target::Unit::parse`).
//! Properties: an accepted amount is within its bounds, prints back and reparses to the same
//! value; a refusal is a non-empty message naming the field where the parser takes a label.
#![no_main]

use kaifaqu_domain::indicator::{Fixed, PCT_MAX, PCT_MIN, Pct};
use kaifaqu_domain::money::{MAX_YI, Mu100, Wan};
use kaifaqu_domain::target::Unit;
use kaifaqu_domain::{land, per_mu};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: (u8, &str)| {
    let (decimals, input) = data;
    match Wan::parse_yi(input) {
        Ok(w) => {
            assert!((0..=MAX_YI * 10_000).contains(&w.0), "{input:?} → {w:?}");
            assert_eq!(Wan::parse_yi(&w.yi_trimmed()), Ok(w));
            assert_eq!(Wan::parse_yi(&format!("{}万元", w.0)), Ok(w));
        }
        Err(m) => assert!(m.contains("金额")),
    }
    match Mu100::parse(input) {
        Ok(a) => {
            assert!(a.0 >= 0);
            assert_eq!(Mu100::parse(&a.mu_2()), Ok(a));
            assert!(a.square_metres() >= 0);
        }
        Err(m) => assert!(m.contains("面积")),
    }
    let decimals = u32::from(decimals % 6);
    if let Ok(f) = Fixed::parse(input, decimals) {
        assert_eq!(Fixed::parse(&f.display_trim(4), 4), Ok(f));
        assert_eq!(Fixed::parse(&f.to_string(), decimals), Ok(f));
    }
    if let Ok(p) = Pct::parse(input) {
        assert!((PCT_MIN.0..=PCT_MAX.0).contains(&p.0));
        assert_eq!(Pct::parse(&p.display()), Ok(p));
        assert_eq!(Pct::parse(&p.display_percent()), Ok(p));
    }
    match land::parse_x100("用地面积", input, &["平方米"]) {
        Ok(v) => {
            assert!(v >= 0);
            assert_eq!(land::parse_x100("用地面积", &land::x100_2(v), &[]), Ok(v));
        }
        Err(m) => assert!(m.contains("用地面积")),
    }
    if let Ok(a) = land::parse_area_mu("出让面积", input) {
        assert!(a.0 > 0 && a.0 <= land::MAX_MU100);
    }
    if let Ok(v) = land::parse_m2("建筑面积", input) {
        assert!(v > 0 && v <= land::MAX_M2_X100);
    }
    match per_mu::parse_x100(input, "税收", true) {
        Ok(v) => {
            let text = format!("{}{}.{:02}", if v < 0 { "-" } else { "" }, v.unsigned_abs() / 100, v.unsigned_abs() % 100);
            assert_eq!(per_mu::parse_x100(&text, "税收", true), Ok(v));
            if v < 0 {
                assert!(per_mu::parse_x100(input, "税收", false).is_err());
            }
        }
        Err(m) => assert!(m.contains("税收")),
    }
    let units = [
        Unit::Count("个"),
        Unit::Wan,
        Unit::Mu100,
        Unit::M2x100,
        Unit::Fixed { unit: "亿元".into(), decimals },
        Unit::Pct,
    ];
    for u in &units {
        match u.parse("目标值", input) {
            Ok(v) => {
                assert!(v >= 0);
                // the exact text reparses to the value; what is shown (2 decimals of 亿元 or
                // 万平方米) reparses to the value rounded half up at the shown precision
                let (exact, step) = match u {
                    Unit::Wan => (Wan(v).yi_trimmed(), 100),
                    Unit::M2x100 => (format!("{}.{:06}", v / 1_000_000, v % 1_000_000), 10_000),
                    _ => (u.show(v), 1),
                };
                assert_eq!(u.parse("目标值", &exact), Ok(v), "{u:?} {input:?} → {v} → {exact}");
                let shown = u.parse("目标值", &u.show(v));
                assert_eq!(shown, Ok((v + step / 2) / step * step), "{u:?} {input:?} → {v} → {}", u.show(v));
            }
            Err(m) => assert!(m.contains("目标值")),
        }
        if let Ok(v) = u.parse_target(input) {
            assert!(v > 0);
        }
    }
});
