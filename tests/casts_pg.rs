//! The PostgreSQL cast table on the real server: for each entry, a table holding a value the
//! conversion would change (lossy), refuse (may fail) or keep (safe); the plan must carry the
//! hazard naming the column and both types (and none for safe entries); the script applied
//! with `psql -v ON_ERROR_STOP=1` must change the value as read back in the old type
//! (lossy), stop with the value intact (may fail), or keep it (safe).

mod pg;

use pg::{psql, TestDb};
use schemadiff::diff::{self, diff, Renames};
use schemadiff::introspect::postgres::introspect;
use schemadiff::plan::postgres::plan_postgres;
use schemadiff::plan::HazardKind;
use schemadiff::render::postgres::render_script;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Safe,
    Lossy,
    Fails,
}
use Expect::*;

/// `(from, to, a value, what the conversion does to it)`; types as `format_type` prints them.
const TABLE: &[(&str, &str, &str, Expect)] = &[
    ("smallint", "integer", "32767", Safe),
    ("integer", "bigint", "2147483647", Safe),
    ("integer", "numeric(12,2)", "2147483647", Safe),
    ("integer", "double precision", "2147483647", Safe),
    ("smallint", "real", "32767", Safe),
    ("real", "double precision", "0.1", Safe),
    ("numeric(10,2)", "numeric(12,3)", "12345678.91", Safe),
    ("numeric(10,2)", "numeric", "12345678.91", Safe),
    ("money", "numeric", "12.34", Safe),
    ("boolean", "integer", "true", Safe),
    ("integer", "text", "-2147483648", Safe),
    ("integer", "character varying(11)", "-2147483648", Safe),
    (
        "character varying(5)",
        "character varying(10)",
        "'abcde'",
        Safe,
    ),
    ("character varying(10)", "text", "'abc '", Safe),
    ("character(5)", "text", "'ab'", Safe),
    ("\"char\"", "text", "'a'", Safe),
    ("jsonb", "json", "'{\"a\": 1}'", Safe),
    ("date", "timestamp without time zone", "'2024-02-29'", Safe),
    (
        "timestamp(3) without time zone",
        "timestamp(6) without time zone",
        "'2024-01-02 03:04:05.123'",
        Safe,
    ),
    (
        "time(0) without time zone",
        "time(6) without time zone",
        "'03:04:05'",
        Safe,
    ),
    (
        "time without time zone",
        "interval",
        "'03:04:05.123456'",
        Safe,
    ),
    ("bit(3)", "bit varying(5)", "B'101'", Safe),
    ("bit(3)", "bit(5)", "B'101'", Safe),
    ("bit varying(3)", "bit varying(5)", "B'101'", Safe),
    ("integer[]", "bigint[]", "'{1,2}'", Safe),
    ("bigint", "double precision", "9007199254740993", Lossy),
    ("integer", "real", "16777217", Lossy),
    ("bigint", "real", "16777217", Lossy),
    ("numeric", "real", "1.23456789", Lossy),
    ("numeric(10,2)", "double precision", "12345678.91", Safe),
    ("numeric", "double precision", "1.2345678901234567", Lossy),
    ("numeric(10,3)", "numeric(10,1)", "1.25", Lossy),
    ("numeric", "numeric(12,2)", "1.005", Lossy),
    ("numeric(10,2)", "integer", "1.5", Lossy),
    ("double precision", "real", "0.1", Lossy),
    ("double precision", "numeric", "1.2345678901234567", Lossy),
    ("double precision", "bigint", "1.5", Lossy),
    ("real", "numeric(10,4)", "1.2345678", Lossy),
    ("numeric(10,3)", "money", "1.239", Lossy),
    (
        "timestamp without time zone",
        "time without time zone",
        "'2024-01-02 03:04:05'",
        Lossy,
    ),
    (
        "timestamp with time zone",
        "time with time zone",
        "'2024-01-02 03:04:05+00'",
        Lossy,
    ),
    ("interval", "time without time zone", "'25 hours'", Lossy),
    (
        "time(6) without time zone",
        "time(0) without time zone",
        "'03:04:05.6'",
        Lossy,
    ),
    (
        "time without time zone",
        "time with time zone",
        "'03:04:05'",
        Safe,
    ),
    ("numeric(6,2)", "real", "1234.56", Safe),
    ("numeric(7,2)", "real", "12345.67", Lossy),
    (
        "time with time zone",
        "time without time zone",
        "'03:04:05+05'",
        Lossy,
    ),
    (
        "timestamp(6) without time zone",
        "timestamp(0) without time zone",
        "'2024-01-02 03:04:05.6'",
        Lossy,
    ),
    (
        "timestamp(6) with time zone",
        "timestamp(2) with time zone",
        "'2024-01-02 03:04:05.678+00'",
        Lossy,
    ),
    (
        "timestamp without time zone",
        "date",
        "'2024-01-02 03:04:05'",
        Lossy,
    ),
    (
        "timestamp with time zone",
        "timestamp without time zone",
        "'2024-11-03 05:30:00+00'",
        Lossy,
    ),
    (
        "timestamp without time zone",
        "timestamp with time zone",
        "'2024-03-10 02:30:00'",
        Lossy,
    ),
    ("date", "timestamp with time zone", "'2024-03-10'", Safe),
    ("interval", "interval(0)", "'1.5 seconds'", Lossy),
    (
        "interval",
        "interval year to month",
        "'1 year 2 days'",
        Lossy,
    ),
    ("bit(5)", "bit(3)", "B'10101'", Lossy),
    ("bit varying(5)", "bit varying(3)", "B'10101'", Lossy),
    ("bit varying", "bit(3)", "B'10101'", Lossy),
    ("character(3)", "\"char\"", "'abc'", Lossy),
    ("text", "\"char\"", "'abc'", Lossy),
    ("text", "integer", "'007'", Lossy),
    ("text", "boolean", "'yes'", Lossy),
    ("text", "character(5)", "'ab '", Lossy),
    ("json", "jsonb", "'{\"a\": 1, \"a\": 2}'", Lossy),
    ("integer", "boolean", "5", Lossy),
    ("text", "public.short3", "'abcdef'", Lossy),
    ("bigint[]", "real[]", "'{16777217}'", Lossy),
    ("bigint", "integer", "2147483648", Fails),
    ("integer", "smallint", "32768", Fails),
    ("numeric(10,2)", "numeric(5,2)", "123456.78", Fails),
    (
        "character varying(10)",
        "character varying(3)",
        "'abcdef'",
        Fails,
    ),
    ("text", "character varying(3)", "'abcdef'", Fails),
    ("character(5)", "character(2)", "'abcde'", Fails),
    ("integer", "character varying(2)", "123", Fails),
    ("text", "json", "'{'", Fails),
    ("double precision", "real", "1e300", Fails),
    ("text", "integer", "'seven'", Fails),
    ("text[]", "character varying(3)[]", "'{abcdef}'", Fails),
    ("integer[]", "character varying(2)[]", "'{123}'", Fails),
];

/// The zone every session of the test uses, so zone-dependent entries are reproducible.
const ZONE: &str = "America/New_York";

#[test]
fn every_cast_table_entry_holds_on_the_real_server() {
    std::env::set_var("PGTZ", ZONE);
    let db = TestDb::create("casts");
    let mut client = db.client();
    client
        .batch_execute("CREATE DOMAIN public.short3 AS character varying(3)")
        .unwrap();
    for (i, (from, _, value, _)) in TABLE.iter().enumerate() {
        client
            .batch_execute(&format!(
                "CREATE TABLE public.t{i} (v {from}); INSERT INTO public.t{i} VALUES ({value})"
            ))
            .unwrap_or_else(|e| panic!("entry {i} {from} {value}: {e}"));
    }
    let before = introspect(&mut client, &[]).unwrap().schema;
    let dir = std::env::temp_dir().join(format!("schemadiff_casts_pg_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut wrong = Vec::new();
    for (i, (from, to, value, expect)) in TABLE.iter().enumerate() {
        // Read back in the old type (as text); where no cast leads back, as text.
        let read = |c: &mut postgres::Client| -> String {
            let q = format!("SELECT v::{from}::text FROM public.t{i}");
            match c.query_one(q.as_str(), &[]) {
                Ok(row) => row.get(0),
                Err(_) => {
                    let q = format!("SELECT v::text FROM public.t{i}");
                    c.query_one(q.as_str(), &[]).unwrap().get(0)
                }
            }
        };
        let original = read(&mut client);
        let mut after = before.clone();
        let table = after.tables.get_mut(&format!("public.t{i}")).unwrap();
        table.columns[0].ty = to.to_string();
        let changes = diff(&diff::postgres::RULES, &before, &after, &Renames::default());
        let plan = plan_postgres(&changes, &before, &after);
        let named = |kind: HazardKind| {
            plan.hazards().any(|h| {
                h.kind == kind
                    && h.detail.contains(&format!("t{i}.v"))
                    && h.detail.contains(&format!("from {from} to {to}"))
            })
        };
        let (lossy, fails) = (
            named(HazardKind::Irreversible),
            named(HazardKind::MayFailOnExistingRows),
        );
        let script = dir.join(format!("t{i}.sql"));
        std::fs::write(&script, render_script(&plan, "cast")).unwrap();
        let (applied, stderr) = psql(&db.url(), &script);
        let now = read(&mut client);
        let entry = format!("{from} -> {to} ({value})");
        let verdict = match expect {
            Safe => (!lossy && !fails && applied && now == original)
                .then_some(())
                .ok_or(format!("{entry}: safe expected; irreversible {lossy}, may-fail {fails}, applied {applied} {stderr}, {original} -> {now}")),
            Lossy => (lossy && applied && now != original)
                .then_some(())
                .ok_or(format!("{entry}: lossy expected; irreversible {lossy}, applied {applied} {stderr}, {original} -> {now}")),
            Fails => (fails && !applied && now == original)
                .then_some(())
                .ok_or(format!("{entry}: may-fail expected; may-fail {fails}, applied {applied}, {original} -> {now}")),
        };
        if let Err(e) = verdict {
            wrong.push(e);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        wrong.is_empty(),
        "{} entries wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
