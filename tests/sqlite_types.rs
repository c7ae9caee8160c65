//! Every type name SQLite accepts is readable (issue 14, item 4): SQLite's grammar takes any
//! run of identifiers with up to two signed numbers (`typetoken ::= typename [ "(" signed
//! [ "," signed ] ")" ]`), sqlparser knows far fewer. Generated type names (a fixed seed, so
//! a failure reproduces) must each load as declared files (`schemas/*.sql`), introspect from
//! a live database as the same model, keep the column's constraints, print and read back,
//! and build from an empty database with the planned script.

mod common;

use common::temp_dir;
use rusqlite::Connection;
use schemadiff::declare::{declare_sqlite, read_sources};
use schemadiff::diff::Renames;
use schemadiff::introspect::sqlite::{introspect, normalize_type};
use schemadiff::model::Schema;
use schemadiff::plan::sqlite::{plan_schemas, Caps};
use schemadiff::render::sqlite::{render_script, schema_ddl};

/// Words of real-world type names (MySQL, Firebird, SQL Server, the SQLite docs' own
/// examples), words SQLite reads as identifiers although they are keywords elsewhere, and
/// plain identifiers.
const WORDS: &[&str] = &[
    "INT",
    "INTEGER",
    "BIG",
    "UNSIGNED",
    "SIGNED",
    "NATIONAL",
    "VARYING",
    "CHARACTER",
    "CHAR",
    "NCHAR",
    "DOUBLE",
    "PRECISION",
    "BLOB",
    "SUB_TYPE",
    "TEXT",
    "REAL",
    "FLOAT",
    "NUMERIC",
    "DECIMAL",
    "BOOLEAN",
    "DATE",
    "DATETIME",
    "TIMESTAMP",
    "WITH",
    "WITHOUT",
    "TIME",
    "ZONE",
    "LONG",
    "VARCHAR",
    "NVARCHAR",
    "CLOB",
    "TINY",
    "SMALL",
    "MEDIUM",
    "KEY",
    "ANY",
    "BINARY",
    "VARBINARY",
    "ARRAY",
    "JSON",
    "UUID",
    "MONEY",
    "ZEROFILL",
    "SEGMENT",
    "SIZE",
    "ENUM",
    "x1",
    "Foo_bar",
    "_u",
    "geometry",
    "point",
    "interval",
    "year",
    "month",
    "second",
    "bit",
];

/// Quoted words and strings, which SQLite's grammar takes in a type name too (and strips the
/// quotes of when the type starts with one): the printer must keep them inside quotes.
const QUOTED: &[&str] = &[
    "\"my type\"",
    "'str'",
    "[x]",
    "`a b`",
    "'x); DROP TABLE t; --'",
    "\"a\"\"b\"",
    "'NOT NULL'",
];

/// A small deterministic generator (a 64-bit LCG), so the test needs no crate and a failing
/// case reproduces.
struct Gen(u64);

impl Gen {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }

    fn space(&mut self) -> &'static str {
        [" ", " ", " ", "  ", "\t", "\n  "][self.next(6)]
    }

    fn number(&mut self) -> String {
        let sign = ["", "", "-", "+"][self.next(4)];
        let digits = ["0", "1", "10", "255", "38", "65535", "7"][self.next(7)];
        format!("{sign}{digits}")
    }

    fn word(&mut self) -> String {
        if self.next(12) == 0 {
            return QUOTED[self.next(QUOTED.len())].to_string();
        }
        let w = WORDS[self.next(WORDS.len())];
        match self.next(3) {
            0 => w.to_ascii_lowercase(),
            _ => w.to_string(),
        }
    }

    /// One type name: 1 to 4 words, then nothing, `(n)` or `(n, m)`, with odd spacing.
    fn type_name(&mut self) -> String {
        let mut out = self.word();
        for _ in 0..self.next(4) {
            out.push_str(self.space());
            out.push_str(&self.word());
        }
        match self.next(3) {
            0 => {}
            1 => {
                let (a, b, c) = (self.space(), self.number(), self.space());
                out.push_str(&format!("{a}({b}{c})"));
            }
            _ => {
                let (a, b, c, d) = (self.space(), self.number(), self.space(), self.number());
                out.push_str(&format!("{a}({b}{c},{}{d})", self.space()));
            }
        }
        out
    }
}

fn ddl(ty: &str) -> String {
    format!(
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  c {ty} NOT NULL DEFAULT 0 CHECK (c <> 1),\n  \
         d {ty} COLLATE nocase CONSTRAINT d_u UNIQUE,\n  e {ty},\n  CONSTRAINT t_ck CHECK (id > 0)\n);\n\
         CREATE INDEX t_d ON t (d, e);\n"
    )
}

fn declare_dir(dir: &std::path::Path, sql: &str) -> Schema {
    let schemas = dir.join("schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    std::fs::write(schemas.join("t.sql"), sql).unwrap();
    declare_sqlite(&read_sources(&schemas).unwrap())
        .unwrap_or_else(|e| panic!("declare: {e}\n{sql}"))
}

/// Checks one type name; `Ok(false)` when SQLite itself refuses the DDL.
fn check(dir: &std::path::Path, ty: &str) -> Result<bool, String> {
    let sql = ddl(ty);
    let conn = Connection::open_in_memory().unwrap();
    if conn.execute_batch(&sql).is_err() {
        return Ok(false);
    }
    let live = introspect(&conn).map_err(|e| format!("introspect: {e}"))?;
    let t = &live.tables["t"];
    // SQLite strips a leading quoted word's quotes (and more): compare plain names only.
    let want = normalize_type(ty);
    let plain = !ty.contains(['"', '\'', '[', '`']);
    for c in t.columns[1..].iter().filter(|_| plain) {
        if c.ty != want {
            return Err(format!(
                "column {} read as {:?}, declared {want:?}",
                c.name, c.ty
            ));
        }
    }
    if t.checks.len() != 2 || t.uniques.len() != 1 || t.indexes.len() != 1 {
        return Err(format!("constraints lost: {t:?}"));
    }
    if t.columns[1].default.as_deref() != Some("0")
        || t.columns[2].collation.as_deref() != Some("NOCASE")
    {
        return Err(format!("column clauses lost: {t:?}"));
    }
    round_trip(dir, &sql, &live)?;
    Ok(true)
}

/// Declared files equal the live model, the printer round-trips, and the script from an
/// empty database builds the same schema.
fn round_trip(dir: &std::path::Path, sql: &str, live: &Schema) -> Result<(), String> {
    let live = live.clone();
    let declared = declare_dir(dir, sql);
    if declared != live {
        return Err(format!("declare != introspect: {declared:?}\n{live:?}"));
    }
    let printed = schema_ddl(&live);
    if declare_dir(dir, &printed) != live {
        return Err(format!("the printer does not round-trip:\n{printed}"));
    }
    let plan = plan_schemas(
        &Schema::default(),
        &live,
        &Renames::default(),
        Caps::bundled(),
    );
    let script = render_script(&plan, "from empty");
    let built = Connection::open_in_memory().unwrap();
    built
        .execute_batch(&script)
        .map_err(|e| format!("script fails: {e}\n{script}"))?;
    if introspect(&built).map_err(|e| e.to_string())? != live {
        return Err(format!("the script builds another schema:\n{script}"));
    }
    Ok(())
}

/// Other forms SQLite reads that sqlparser does not: a string as a column name, postfix
/// `ISNULL`/`NOTNULL`, a multi-word type in a `CAST` (in a table and in an index), together
/// with an odd column type.
#[test]
fn other_forms_sqlite_accepts_are_read_back_the_same() {
    let dir = temp_dir("sqlite_forms");
    let forms = [
        "CREATE TABLE t (a INT, \"b c\" INT, 'd' TEXT COLLATE nocase DEFAULT 'x');",
        "CREATE TABLE t (a INT CHECK (a IS NOT DISTINCT FROM 1), b CHECK (b ISNULL), c CHECK (c NOTNULL));",
        "CREATE TABLE t (a CHECK (CAST(a AS UNSIGNED BIG INT) > 0), b UNSIGNED BIG INT AS (CAST(a AS DOUBLE PRECISION)));",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v VARYING CHARACTER(9) CHECK (v NOTNULL AND CAST(v AS INTEGER) > 0));",
        "CREATE TABLE t (a, b); CREATE INDEX i ON t (CAST(a AS UNSIGNED BIG INT)) WHERE b NOTNULL;",
    ];
    let mut failures = Vec::new();
    for sql in forms {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(sql).unwrap();
        let result = introspect(&conn)
            .map_err(|e| format!("introspect: {e}"))
            .and_then(|live| round_trip(&dir, sql, &live));
        if let Err(why) = result {
            failures.push(format!("{sql}\n  {why}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_type_name_sqlite_accepts_is_read_back_the_same() {
    let dir = temp_dir("sqlite_types");
    let mut g = Gen(0x5eed_0014);
    let named = [
        "BLOB SUB_TYPE TEXT",
        "UNSIGNED BIG INT",
        "NATIONAL VARYING CHARACTER(20)",
        "DOUBLE PRECISION",
        "VARYING CHARACTER(255)",
        "decimal ( 10 ,  -2 )",
        "TIMESTAMP WITH TIME ZONE",
        "NUMERIC(+5, 2)",
        "'x); DROP TABLE t; --' int",
        "[x] y",
        "INT \"x\"",
    ];
    let generated: Vec<String> = (0..300).map(|_| g.type_name()).collect();
    let (mut accepted, mut failures) = (0, Vec::new());
    for ty in named.iter().map(|s| s.to_string()).chain(generated) {
        match check(&dir, &ty) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(why) => failures.push(format!("{ty:?}: {why}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} type names fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        accepted >= 250,
        "only {accepted} generated type names were valid SQLite"
    );
}
