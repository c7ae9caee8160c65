//! UTC timestamps without a date library: RFC 3339 seconds and the file-name form.

use std::time::{SystemTime, UNIX_EPOCH};

/// Returns now as `(2026-11-21T14:30:52Z, 20261121_143052)`.
pub fn utc_now() -> (String, String) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    format_utc(secs)
}

/// Formats seconds since the epoch (civil-from-days, proleptic Gregorian calendar).
pub fn format_utc(secs: i64) -> (String, String) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    (
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z"),
        format!("{y:04}{mo:02}{d:02}_{h:02}{m:02}{s:02}"),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_known_instants() {
        assert_eq!(super::format_utc(0).0, "1970-01-01T00:00:00Z");
        assert_eq!(
            super::format_utc(1_795_271_452),
            ("2026-11-21T14:30:52Z".into(), "20261121_143052".into())
        );
        assert_eq!(super::format_utc(951_782_400).0, "2000-02-29T00:00:00Z");
    }
}
