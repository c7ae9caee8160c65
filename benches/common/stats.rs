//! Medians and the duration format the benchmarks print.

use std::time::Duration;

pub fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    let n = v.len();
    if n == 0 {
        Duration::ZERO
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

pub fn stats(v: &mut [Duration]) -> String {
    let m = median(v);
    format!(
        "median {:>9}  [{} .. {}]",
        fmt_dur(m),
        fmt_dur(v.first().copied().unwrap_or_default()),
        fmt_dur(v.last().copied().unwrap_or_default())
    )
}

pub fn fmt_dur(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.0} µs", ms * 1e3)
    }
}
