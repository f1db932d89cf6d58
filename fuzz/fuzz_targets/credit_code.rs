//! 统一社会信用代码 (`domain::credit_code`) on arbitrary text. Properties: an accepted code is 18
//! characters of the code's alphabet whose check character recomputes; it is its own
//! normalisation and parses again to itself; the legacy parse accepts whatever the strict one
//! does, and what only the legacy parse accepts fails on exactly the check character.
#![no_main]

use kaifaqu_domain::credit_code::{self, CHARSET, CreditCode, CreditCodeError, LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let strict = CreditCode::parse(input);
    let legacy = CreditCode::parse_legacy(input);
    match (&strict, &legacy) {
        (Ok(c), Ok(l)) => {
            assert_eq!(c, l);
            let s = c.as_str();
            assert_eq!(s.len(), LEN);
            assert!(s.chars().all(|ch| CHARSET.contains(ch)), "{s}");
            assert_eq!(credit_code::check_char(&s[..LEN - 1]), s.chars().last());
            assert!(c.has_valid_check());
            assert_eq!(credit_code::normalize(s), s);
            assert_eq!(CreditCode::parse(s).as_ref(), Ok(c));
            assert_eq!(c.region_code().len(), 6);
        }
        (Ok(_), Err(e)) => panic!("strict accepts what legacy refuses: {e}"),
        (Err(e), Ok(l)) => {
            assert!(matches!(e, CreditCodeError::CheckChar { .. }), "{e:?}");
            assert!(!l.has_valid_check());
            let expected = credit_code::check_char(&l.as_str()[..LEN - 1]).unwrap();
            assert_eq!(CreditCode::parse(&format!("{}{expected}", &l.as_str()[..LEN - 1])).map(|c| c.has_valid_check()), Ok(true));
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
    }
    if let Err(e) = &strict {
        assert!(!e.to_string().is_empty());
    }
});
