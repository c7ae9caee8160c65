//! The cast table: what `ALTER COLUMN … TYPE` does to the values already stored, for every
//! pair of types as `format_type` prints them. A conversion is safe, may fail on existing
//! rows (the server refuses a value and the script stops), or silently loses or alters
//! values (the downgrade cannot give them back). Each entry was observed on PostgreSQL 15 and
//! is tested by `tests/casts_pg.rs`; the table is in `docs/hazards/irreversible.md`.

/// What a conversion does to stored values: why it is lossy and why it may fail, if so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    pub lossy: Option<String>,
    pub may_fail: Option<String>,
}

impl Verdict {
    fn safe() -> Verdict {
        Verdict::default()
    }

    fn lossy(why: &str) -> Verdict {
        Verdict {
            lossy: Some(why.to_string()),
            may_fail: None,
        }
    }

    fn fails(why: &str) -> Verdict {
        Verdict {
            lossy: None,
            may_fail: Some(why.to_string()),
        }
    }

    fn and_fails(mut self, why: &str) -> Verdict {
        self.may_fail = Some(why.to_string());
        self
    }
}

/// A type family with the modifiers that decide what a conversion keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ty {
    /// `smallint`, `integer`, `bigint` by width in bytes.
    Int(u8),
    /// `numeric(p,s)`; `None` when unconstrained.
    Numeric(Option<(u32, u32)>),
    /// `real` (4) and `double precision` (8).
    Float(u8),
    Money,
    Text,
    Varchar(Option<u32>),
    /// `character(n)` (blank-padded).
    Char(u32),
    /// The one-byte `"char"`.
    Byte,
    Bit(u32),
    Varbit(Option<u32>),
    Bool,
    Date,
    Time {
        tz: bool,
        p: u32,
    },
    Timestamp {
        tz: bool,
        p: u32,
    },
    /// `interval`, with its field restriction (`year to month`) and precision.
    Interval {
        fields: Option<String>,
        p: u32,
    },
    Json,
    Jsonb,
    Uuid,
    /// An enum type of the schema, by name: two enum types are not the same type.
    Enum(String),
    /// A type the table does not know (domains, extension and composite types).
    Other,
}

/// The modifier in parentheses, e.g. `10` in `character varying(10)`.
fn modifier(ty: &str) -> Option<u32> {
    let (_, rest) = ty.split_once('(')?;
    rest.split([')', ',']).next()?.trim().parse().ok()
}

fn parse(ty: &str, enums: &dyn Fn(&str) -> bool) -> Ty {
    let head = ty.split('(').next().unwrap_or(ty).trim();
    let zone = ty.ends_with(" with time zone");
    match head {
        "smallint" => Ty::Int(2),
        "integer" => Ty::Int(4),
        "bigint" => Ty::Int(8),
        "numeric" => Ty::Numeric(ty.split_once('(').map(|(_, args)| {
            let mut it = args.trim_end_matches(')').split(',');
            let p = it.next().and_then(|p| p.trim().parse().ok()).unwrap_or(0);
            let s = it.next().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
            (p, s)
        })),
        "real" => Ty::Float(4),
        "double precision" => Ty::Float(8),
        "money" => Ty::Money,
        "text" => Ty::Text,
        "character varying" => Ty::Varchar(modifier(ty)),
        "character" | "bpchar" => Ty::Char(modifier(ty).unwrap_or(1)),
        "\"char\"" => Ty::Byte,
        "bit" => Ty::Bit(modifier(ty).unwrap_or(1)),
        "bit varying" => Ty::Varbit(modifier(ty)),
        "boolean" => Ty::Bool,
        "date" => Ty::Date,
        "json" => Ty::Json,
        "jsonb" => Ty::Jsonb,
        "uuid" => Ty::Uuid,
        _ if head.starts_with("timestamp") => Ty::Timestamp {
            tz: zone,
            p: modifier(ty).unwrap_or(6),
        },
        _ if head.starts_with("time") => Ty::Time {
            tz: zone,
            p: modifier(ty).unwrap_or(6),
        },
        _ if head.starts_with("interval") => {
            let fields = head.strip_prefix("interval").map(str::trim);
            Ty::Interval {
                fields: fields.filter(|f| !f.is_empty()).map(|f| {
                    f.trim_end_matches(|c: char| c.is_ascii_digit() || "() ".contains(c))
                        .to_string()
                }),
                p: modifier(ty).unwrap_or(6),
            }
        }
        _ if enums(ty) => Ty::Enum(ty.to_string()),
        _ => Ty::Other,
    }
}

/// Returns what converting a column from `from` to `to` (both as `format_type` prints them)
/// does to its values; `enums` tells the schema's enum types.
pub fn judge(from: &str, to: &str, enums: &dyn Fn(&str) -> bool) -> Verdict {
    if from == to {
        return Verdict::safe();
    }
    match (from.strip_suffix("[]"), to.strip_suffix("[]")) {
        (Some(f), Some(t)) => judge(f, t, enums),
        (None, None) => scalar(&parse(from, enums), &parse(to, enums)),
        _ => unknown(),
    }
}

fn unknown() -> Verdict {
    Verdict::lossy("schemadiff does not know whether this conversion keeps every value; check it on a copy of the data")
}

/// Whether the type is one of the character string types.
pub fn is_string(ty: &str) -> bool {
    matches!(
        parse(ty, &|_| false),
        Ty::Text | Ty::Varchar(_) | Ty::Char(_)
    )
}

/// Whether the type is a length-limited string (`varchar(n)`, `character(n)`): a value
/// converted to it through `::text` fails when too long, where a direct cast cuts it.
pub fn is_bounded_string(ty: &str) -> bool {
    matches!(parse(ty, &|_| false), Ty::Varchar(Some(_)) | Ty::Char(_))
}

fn scalar(from: &Ty, to: &Ty) -> Verdict {
    use Ty::*;
    match (from, to) {
        _ if from == to => Verdict::safe(),
        // Text holds the output form of any value exactly.
        (_, Text | Varchar(None)) if !matches!(from, Byte) => Verdict::safe(),
        (Other, _) | (_, Other) => unknown(),
        (Int(_) | Numeric(_) | Float(_) | Money, Int(_) | Numeric(_) | Float(_) | Money) => {
            numbers(from, to)
        }
        (Text | Varchar(_) | Char(_) | Byte, Text | Varchar(_) | Char(_) | Byte) => strings(from, to),
        (_, Varchar(Some(n)) | Char(n)) => match width(from) {
            Some(w) if w <= *n => Verdict::safe(),
            _ => Verdict::fails("values longer than the new length fail"),
        },
        (Text | Varchar(_) | Char(_), Json | Enum(_)) => {
            Verdict::fails("text that is not a valid value of the new type fails")
        }
        (Text | Varchar(_) | Char(_), _) => Verdict::lossy(
            "text is parsed and stored in the new type's form ('007' becomes 7, ' true' becomes true)",
        )
        .and_fails("text that does not parse fails"),
        (Json, Jsonb) => Verdict::lossy(
            "jsonb keeps only the last of duplicate keys and drops whitespace and key order",
        )
        .and_fails("text jsonb cannot hold (\\u0000) fails"),
        (Jsonb, Json) => Verdict::safe(),
        (Bit(_) | Varbit(_), Bit(_) | Varbit(_)) => bits(from, to),
        (Date | Time { .. } | Timestamp { .. } | Interval { .. }, _) => times(from, to),
        (Bool, Int(4)) => Verdict::safe(),
        (Int(4), Bool) => Verdict::lossy("every non-zero integer becomes true"),
        (Enum(_), Enum(_)) => Verdict::fails("labels the new type lacks fail"),
        _ => unknown(),
    }
}

/// The longest text of a value of `ty`, if bounded.
fn width(ty: &Ty) -> Option<u32> {
    match ty {
        Ty::Int(2) => Some(6),
        Ty::Int(4) => Some(11),
        Ty::Int(8) => Some(20),
        Ty::Numeric(Some((p, _))) => Some(p + 3),
        Ty::Bool => Some(5),
        Ty::Uuid => Some(36),
        Ty::Byte => Some(1),
        _ => None,
    }
}

/// Integer digits a value of `ty` can have (`None`: unbounded).
fn int_digits(ty: &Ty) -> Option<u32> {
    match ty {
        Ty::Int(2) => Some(5),
        Ty::Int(4) => Some(10),
        Ty::Int(_) => Some(19),
        Ty::Numeric(Some((p, s))) => Some(p.saturating_sub(*s)),
        Ty::Money => Some(17),
        Ty::Float(4) => Some(39),
        Ty::Float(_) => Some(309),
        _ => None,
    }
}

/// Digits after the point a value of `ty` keeps exactly (`None`: unbounded).
fn scale(ty: &Ty) -> Option<u32> {
    match ty {
        Ty::Int(_) => Some(0),
        Ty::Numeric(Some((_, s))) => Some(*s),
        Ty::Money => Some(2),
        _ => None,
    }
}

fn numbers(from: &Ty, to: &Ty) -> Verdict {
    use Ty::*;
    let mut v = match (from, to) {
        (Int(2), Float(_)) | (Int(4), Float(8)) | (Float(4), Float(8)) => Verdict::safe(),
        (Int(_), Float(4)) => Verdict::lossy("integers beyond 2^24 are rounded to real's 24-bit mantissa"),
        (Int(_), Float(8)) => Verdict::lossy("integers beyond 2^53 are rounded to double precision's 53-bit mantissa"),
        (Float(8), Float(4)) => Verdict::lossy("digits beyond real's 6 are rounded away"),
        // Up to 6 (real) or 15 (double precision) significant digits convert exactly.
        (Numeric(Some((p, _))), Float(4)) if *p <= 6 => Verdict::safe(),
        (Numeric(Some((p, _))), Float(8)) if *p <= 15 => Verdict::safe(),
        (Numeric(_) | Money, Float(_)) => Verdict::lossy("digits beyond the float's precision (6 for real, 15 for double precision) are rounded away"),
        (Float(_), _) => Verdict::lossy("the float's binary value is rounded (to 6 or 15 significant digits, then to the new scale)"),
        (_, Int(_)) if scale(from) != Some(0) => {
            Verdict::lossy("fractional parts are rounded away")
        }
        _ => match (scale(from), scale(to)) {
            (None, Some(_)) => Verdict::lossy("digits after the new scale are rounded away"),
            (Some(a), Some(b)) if b < a => Verdict::lossy("digits after the new scale are rounded away"),
            _ => Verdict::safe(),
        },
    };
    let fits = match (int_digits(from), int_digits(to)) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(a), Some(b)) => b >= a,
    };
    // An integer type converted to a narrower one, and any float overflowing, fails.
    let narrower_int = matches!((from, to), (Int(a), Int(b)) if b < a);
    if !fits || narrower_int || matches!(to, Money) {
        v = v.and_fails("values outside the new type's range fail");
    }
    v
}

fn strings(from: &Ty, to: &Ty) -> Verdict {
    use Ty::*;
    let len = |t: &Ty| match t {
        Varchar(n) => *n,
        Char(n) => Some(*n),
        Byte => Some(1),
        _ => None,
    };
    let fits = |m: u32| len(from).is_some_and(|n| n <= m);
    match to {
        Byte => Verdict::lossy("\"char\" keeps only the first byte of each value"),
        Text | Varchar(None) => Verdict::safe(),
        Varchar(Some(m)) if fits(*m) => Verdict::safe(),
        Varchar(Some(_)) => Verdict::fails("values longer than the new length fail"),
        Char(m) => {
            let v = match from {
                Char(_) | Byte => Verdict::safe(),
                _ => Verdict::lossy("trailing spaces become padding: they are dropped when the value is read as text"),
            };
            if fits(*m) {
                v
            } else {
                v.and_fails("values longer than the new length fail")
            }
        }
        _ => Verdict::safe(),
    }
}

fn bits(from: &Ty, to: &Ty) -> Verdict {
    use Ty::*;
    match (from, to) {
        (Bit(n) | Varbit(Some(n)), Varbit(Some(m))) if m < n => {
            Verdict::lossy("bits beyond the new length are cut off")
        }
        (Varbit(None), Varbit(Some(_))) => Verdict::lossy("bits beyond the new length are cut off"),
        (_, Varbit(_)) => Verdict::safe(),
        // Padding with zero bits on the right: converting back cuts them again.
        (Bit(n) | Varbit(Some(n)), Bit(m)) if m >= n => Verdict::safe(),
        _ => Verdict::lossy("bits beyond the new length are cut off"),
    }
}

fn times(from: &Ty, to: &Ty) -> Verdict {
    use Ty::*;
    const ZONE: &str =
        "the conversion reads or drops the time zone by the session's TimeZone setting";
    const ROUNDED: &str = "fractions of a second beyond the new precision are rounded away";
    match (from, to) {
        // Midnight in the session's zone (or the first time after a gap): back, the same date.
        (Date, Timestamp { .. }) => Verdict::safe(),
        (Timestamp { tz: a, p }, Timestamp { tz: b, p: q }) => {
            if a != b {
                Verdict::lossy(ZONE)
            } else if q < p {
                Verdict::lossy(ROUNDED)
            } else {
                Verdict::safe()
            }
        }
        (Timestamp { .. }, Date) => Verdict::lossy("times of day are lost"),
        (Timestamp { .. }, Time { .. }) => {
            Verdict::lossy("dates are lost; only the time of day stays")
        }
        (Time { tz: a, p }, Time { tz: b, p: q }) => {
            // A time gains the session's offset; converting back drops it again.
            if *a && !b {
                Verdict::lossy(ZONE)
            } else if q < p {
                Verdict::lossy(ROUNDED)
            } else {
                Verdict::safe()
            }
        }
        (Time { tz: false, p }, Interval { fields: None, p: q }) if q >= p => Verdict::safe(),
        (Interval { .. }, Time { .. }) => {
            Verdict::lossy("days, months and whole multiples of 24 hours are lost")
        }
        (Interval { fields: a, p }, Interval { fields: b, p: q }) => {
            if b.is_some() && a != b {
                Verdict::lossy("fields outside the new interval fields are dropped")
            } else if q < p {
                Verdict::lossy(ROUNDED)
            } else {
                Verdict::safe()
            }
        }
        _ => unknown(),
    }
}

#[cfg(test)]
mod tests {
    use super::judge;

    fn lossy(from: &str, to: &str) -> bool {
        judge(from, to, &|_| false).lossy.is_some()
    }

    #[test]
    fn lossy_conversions_are_named() {
        assert!(lossy("numeric(10,2)", "integer"));
        assert!(lossy("numeric(10,2)", "numeric(10,1)"));
        assert!(lossy("numeric", "numeric(12,2)"));
        assert!(lossy("timestamp with time zone", "date"));
        assert!(lossy(
            "timestamp(6) without time zone",
            "timestamp(0) without time zone"
        ));
        assert!(lossy("double precision", "real"));
        assert!(lossy("bigint", "double precision"));
        assert!(lossy("interval", "time without time zone"));
        assert!(lossy("text", "some_domain"));
        assert!(!lossy("integer", "bigint"));
        assert!(!lossy("numeric(10,2)", "numeric(12,2)"));
        assert!(!lossy("character varying(10)", "text"));
        assert!(!lossy("integer", "numeric(10,2)"));
        assert!(!lossy("integer[]", "bigint[]"));
        assert!(lossy("bigint[]", "real[]"));
    }

    #[test]
    fn another_enum_type_may_lack_labels() {
        let enums = |t: &str| t.starts_with("public.");
        let v = judge("public.state", "public.status", &enums);
        assert!(v.may_fail.is_some(), "{v:?}");
        assert!(judge("public.state[]", "public.status[]", &enums)
            .may_fail
            .is_some());
    }
}
