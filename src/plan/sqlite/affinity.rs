//! The SQLite cast table: what a rebuild's copy (`INSERT INTO new SELECT … FROM old`) does to
//! stored values when a column's declared type changes. SQLite converts each value to the
//! new column's affinity (<https://www.sqlite.org/datatype3.html#type_affinity>), in STRICT
//! tables too before it checks the type (<https://www.sqlite.org/stricttables.html>). Each
//! entry was observed with sqlite3 3.40 and is tested by `tests/casts_sqlite.rs`; the table
//! is in `docs/hazards/irreversible.md`.

/// A column affinity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affinity {
    Text,
    Numeric,
    Integer,
    Real,
    /// BLOB (or no type; `ANY` in a STRICT table): values are stored as given.
    Blob,
}

/// Returns the affinity of a declared type, by the rules of datatype3.html §3.1 (in order:
/// INT, then CHAR/CLOB/TEXT, then BLOB or none, then REAL/FLOA/DOUB, else NUMERIC).
pub fn affinity(ty: &str) -> Affinity {
    let t = ty.to_ascii_uppercase();
    if t.contains("INT") {
        Affinity::Integer
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|k| t.contains(k)) {
        Affinity::Text
    } else if t.is_empty() || t.contains("BLOB") || t == "ANY" {
        Affinity::Blob
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|k| t.contains(k)) {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

/// What a column of `ty` can hold: `(integers, reals, numeric-looking text)`. A STRICT
/// column holds only its type; others hold what their affinity left unconverted.
fn holds(ty: &str, strict: bool) -> (bool, bool, bool) {
    use Affinity::*;
    match (affinity(ty), strict && !ty.eq_ignore_ascii_case("ANY")) {
        (Text, _) => (false, false, true),
        (Integer, true) => (true, false, false),
        (Real, true) => (false, true, false),
        (Blob, true) => (false, false, false),
        (Integer | Numeric, false) => (true, true, false),
        (Real, false) => (false, true, false),
        (Numeric, true) => (true, true, false),
        (Blob, false) => (true, true, true),
    }
}

/// Why copying a column declared `from` (in a STRICT table if `from_strict`) into one
/// declared `to` rewrites stored values, if it does.
pub fn lossy(from: &str, from_strict: bool, to: &str) -> Option<&'static str> {
    use Affinity::*;
    let (ints, reals, numeric_text) = holds(from, from_strict);
    if to.eq_ignore_ascii_case("ANY") {
        return None;
    }
    match affinity(to) {
        Blob => None,
        _ if affinity(from) == affinity(to) => None,
        Text if reals => Some("REAL values become text of 15 significant digits (0.30000000000000004 becomes '0.3')"),
        Text => None,
        Integer | Numeric if numeric_text => Some("text that looks like a number becomes one ('007' becomes 7; long digit strings become rounded REALs)"),
        Integer | Numeric => None,
        Real if numeric_text => Some("text that looks like a number becomes a REAL ('007' becomes 7.0)"),
        Real if ints => Some("integers become REALs, rounded beyond 2^53"),
        Real => None,
    }
}

/// Whether copying into a STRICT column declared `to` may meet a value it refuses: only
/// `ANY` takes everything, and TEXT takes every value of a STRICT INTEGER, REAL or TEXT
/// column (they convert to text).
pub fn strict_may_fail(from: &str, from_strict: bool, to: &str) -> bool {
    let upper = |t: &str| t.to_ascii_uppercase();
    let (from, to) = (upper(from), upper(to));
    let typed = from_strict && from != "ANY";
    match to.as_str() {
        "ANY" => false,
        "TEXT" => !typed,
        _ => !(typed && affinity(&from) == affinity(&to)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affinities_follow_the_documented_rules() {
        assert_eq!(affinity("INTEGER"), Affinity::Integer);
        assert_eq!(affinity("VARCHAR(10)"), Affinity::Text);
        assert_eq!(affinity(""), Affinity::Blob);
        assert_eq!(affinity("DOUBLE PRECISION"), Affinity::Real);
        assert_eq!(affinity("DECIMAL(10,2)"), Affinity::Numeric);
        // "FLOATING POINT" contains INT: INTEGER affinity, as the page's example says.
        assert_eq!(affinity("FLOATING POINT"), Affinity::Integer);
    }
}
