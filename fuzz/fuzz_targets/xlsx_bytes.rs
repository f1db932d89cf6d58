//! Uploaded files as arbitrary bytes: the upload gate (`reports::untrusted::check`) and every
//! import reader behind it (planning table, statistics table, per-mu data, task list, approval
//! powers, working-day calendar). Properties: nothing panics; an import refused is a non-empty
//! list of errors each with a reason; a file the gate refuses is refused by every import with the
//! gate's message; an accepted planning table holds only valid rows (all-or-nothing).
#![no_main]

use kaifaqu_domain::money::{MAX_YI, Wan};
use kaifaqu_reports::plan_table::CellError;
use kaifaqu_reports::{calendar_table, per_mu_table, plan_table, powers_table, stats_table, task_table, untrusted};
use libfuzzer_sys::fuzz_target;

fn refused<T>(r: &Result<T, Vec<CellError>>) -> Option<&[CellError]> {
    match r {
        Ok(_) => None,
        Err(e) => {
            assert!(!e.is_empty());
            assert!(e.iter().all(|c| !c.reason.is_empty()));
            Some(e)
        }
    }
}

fuzz_target!(|bytes: &[u8]| {
    let gate = untrusted::check(bytes);
    let plan = plan_table::import_numbered(bytes);
    let results = [
        refused(&plan).map(<[_]>::to_vec),
        refused(&stats_table::import(bytes)).map(<[_]>::to_vec),
        refused(&per_mu_table::import(bytes)).map(<[_]>::to_vec),
        refused(&task_table::import(bytes)).map(<[_]>::to_vec),
        refused(&powers_table::import(bytes)).map(<[_]>::to_vec),
        refused(&calendar_table::import(bytes)).map(<[_]>::to_vec),
    ];
    if let Err(why) = gate {
        for r in &results {
            let errors = r.as_ref().expect("a file the gate refuses is refused by every import");
            assert!(errors.iter().any(|e| e.reason.contains(&why.0)), "{errors:?} vs {why:?}");
        }
    }
    if let Ok(rows) = plan {
        for (line, r) in rows {
            assert!(line >= 2);
            assert!(!r.name.is_empty());
            assert!(r.total <= Wan(MAX_YI * 10_000));
            assert!(r.planned_this_year.is_none_or(|p| p <= r.total));
            if let (Some(s), Some(e)) = (r.start_year, r.end_year) {
                assert!(s <= e);
            }
        }
    }
});
