//! Micro-benchmarks of the domain rules that run once per row of an import, a ledger or a
//! ranking: the credit-code check, period arithmetic (month-own values), ranking with ties, and
//! working-day arithmetic on the calendar with 调休. Run: `cargo bench -p kaifaqu-domain`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use kaifaqu_domain::calendar::official_all;
use kaifaqu_domain::credit_code::CreditCode;
use kaifaqu_domain::indicator::{Fixed, Period, month_own, periods_of_year, rank};

fn credit_codes(c: &mut Criterion) {
    c.bench_function("credit_code/parse valid", |b| {
        b.iter(|| CreditCode::parse(black_box("91350100M000100Y43")).is_ok())
    });
    c.bench_function("credit_code/parse with a wrong check character", |b| {
        b.iter(|| CreditCode::parse(black_box("91350100M000100Y44")).is_err())
    });
}

fn periods(c: &mut Criterion) {
    let series: Vec<(Period, Fixed)> = periods_of_year(2025, false)
        .into_iter()
        .enumerate()
        .map(|(i, p)| (p, Fixed(50_000 * (i as i64 + 1))))
        .collect();
    let last = series.last().map(|(p, _)| *p).unwrap();
    c.bench_function("period/month_own of 1-12月 in a year of 11 periods", |b| {
        b.iter(|| month_own(black_box(&series), black_box(last), false))
    });
    c.bench_function("period/parse 2025-05", |b| b.iter(|| Period::parse(black_box("2025-05"))));
}

fn ranking(c: &mut Criterion) {
    // 2,543 zones (every national and provincial zone), some with equal values, some 缺报
    let entries: Vec<(usize, Option<i64>)> =
        (0..2_543).map(|i| (i, if i % 97 == 0 { None } else { Some(((i * 7_919) % 1_000) as i64) })).collect();
    c.bench_function("rank/2,543 zones with ties and missing", |b| b.iter(|| rank(black_box(&entries))));
}

fn working_days(c: &mut Criterion) {
    let cal = official_all();
    let start = NaiveDate::from_ymd_opt(2025, 9, 26).unwrap();
    c.bench_function("calendar/add 20 working days across National Day", |b| {
        b.iter(|| cal.add_working_days(black_box(start), black_box(20)))
    });
    let end = NaiveDate::from_ymd_opt(2026, 9, 26).unwrap();
    c.bench_function("calendar/working days in a year", |b| {
        b.iter(|| cal.working_days_between(black_box(start), black_box(end)))
    });
}

criterion_group!(benches, credit_codes, periods, ranking, working_days);
criterion_main!(benches);
