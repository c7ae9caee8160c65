//! Hostile names on the real server, generated (issue 15): schemas, functions (with an
//! overload), parameters, procedures, triggers (with WHEN), domains and their constraints,
//! composite attributes, range types, and comment texts on every kind made of quotes,
//! double quotes, dots, spaces, `*/`, `--`, line breaks, `$$`, `\`, psql meta-commands,
//! statements, Unicode and SQL keywords. For each seeded case (two such schemas): the file
//! built by psql reads back as declared; the plan from empty applies with psql and reads
//! back as declared; the re-diff is empty; the plan back to empty applies; the canary table
//! `victim` keeps its rows throughout (no text got out of its quotes).

mod pg;
mod routines_gen;

use routines_gen::{declare_matches_live, literal, pg_dump_declares_as_live, round_trip, Gen};
use schemadiff::sqltext::{quote_pg_ident as ident, quote_pg_qualified as qual};

const SEED: u64 = 0x5eed_0015_0002;
/// Seeded cases, each two schemas of every kind.
const CASES: usize = 10;
/// Cases dumped with pg_dump -s.
const DUMP_CASES: usize = 4;

const PIECES: &[&str] = &[
    "'",
    "''",
    "\"",
    ".",
    " ",
    "*/",
    "/*",
    "--",
    "\n",
    "\r\n",
    "$$",
    "$q$",
    "\\",
    "é",
    "日本",
    "😀",
    "\u{2028}",
    "select",
    "END",
    "table",
    "user",
    "Mixed",
    ";",
    "\\echo pwned\n",
    "DROP TABLE victim;",
    "%s",
    ":v",
    "\t",
];

struct Names<'g> {
    g: &'g mut Gen,
    n: usize,
}

impl Names<'_> {
    /// A hostile text (no more than 40 bytes before its unique suffix).
    fn text(&mut self) -> String {
        let mut s = String::new();
        for _ in 0..1 + self.g.next(5) {
            let p = self.g.pick(PIECES);
            if s.len() + p.len() > 40 {
                break;
            }
            s.push_str(p);
        }
        s
    }

    /// A hostile name, unique within the case.
    fn name(&mut self) -> String {
        self.n += 1;
        format!("{}{}", self.text(), self.n)
    }

    /// A hostile text for a `--` comment line (no line break).
    fn line(&mut self) -> String {
        self.text().replace(['\n', '\r'], " ")
    }
}

/// One schema of every kind, every name and text hostile.
fn schema_sql(names: &mut Names) -> String {
    let s = names.name();
    let [t, c, f, p1, p2, pr, tf, tr, d, dc, ty, a1, a2, r] = std::array::from_fn(|_| names.name());
    let (l1, l2, l3) = (
        literal(&names.text()),
        literal(&names.text()),
        literal(&names.text()),
    );
    let comments: Vec<String> = (0..10).map(|_| literal(&names.text())).collect();
    let line = names.line();
    let block = names.text().replace("/*", "/ *").replace("*/", "* /");
    let q = |n: &str| qual(&s, n);
    format!(
        "CREATE SCHEMA {s_};
COMMENT ON SCHEMA {s_} IS {c0};
CREATE TABLE {t_} ({c_} integer);
CREATE FUNCTION {f_}({p1_} integer, {p2_} text DEFAULT {l1}) RETURNS integer LANGUAGE plpgsql AS $b0dy$
BEGIN
  -- {line}
  /* {block} */
  RETURN {p1_} + length({p2_}) + length({l2});
END
$b0dy$;
CREATE FUNCTION {f_}({p1_} text) RETURNS text LANGUAGE sql IMMUTABLE RETURN {p1_} || {l3};
CREATE PROCEDURE {pr_}(INOUT {p1_} integer) LANGUAGE plpgsql AS $b0dy$ BEGIN {p1_} := {p1_} * 2; END $b0dy$;
CREATE FUNCTION {tf_}() RETURNS trigger LANGUAGE plpgsql AS $b0dy$ BEGIN RETURN NEW; END $b0dy$;
CREATE TRIGGER {tr_} BEFORE INSERT OR UPDATE OF {c_} ON {t_} FOR EACH ROW WHEN (NEW.{c_} > 0) EXECUTE FUNCTION {tf_}();
CREATE DOMAIN {d_} AS text DEFAULT {l1} CONSTRAINT {dc_} CHECK (VALUE <> {l2});
CREATE TYPE {ty_} AS ({a1_} integer, {a2_} {d_});
CREATE TYPE {r_} AS RANGE (subtype = integer);
COMMENT ON FUNCTION {f_}(integer, text) IS {c1};
COMMENT ON FUNCTION {f_}(text) IS {c2};
COMMENT ON PROCEDURE {pr_}(integer) IS {c3};
COMMENT ON TRIGGER {tr_} ON {t_} IS {c4};
COMMENT ON DOMAIN {d_} IS {c5};
COMMENT ON CONSTRAINT {dc_} ON DOMAIN {d_} IS {c6};
COMMENT ON TYPE {ty_} IS {c7};
COMMENT ON COLUMN {ty_}.{a1_} IS {c8};
COMMENT ON TYPE {r_} IS {c9};
",
        s_ = ident(&s),
        t_ = q(&t),
        c_ = ident(&c),
        f_ = q(&f),
        p1_ = ident(&p1),
        p2_ = ident(&p2),
        pr_ = q(&pr),
        tf_ = q(&tf),
        tr_ = ident(&tr),
        d_ = q(&d),
        dc_ = ident(&dc),
        ty_ = q(&ty),
        a1_ = ident(&a1),
        a2_ = ident(&a2),
        r_ = q(&r),
        c0 = comments[0],
        c1 = comments[1],
        c2 = comments[2],
        c3 = comments[3],
        c4 = comments[4],
        c5 = comments[5],
        c6 = comments[6],
        c7 = comments[7],
        c8 = comments[8],
        c9 = comments[9],
    )
}

fn case_sql(seed: u64, case: usize) -> String {
    let mut g = Gen(seed ^ (case as u64).wrapping_mul(0x9e37_79b9));
    let mut names = Names { g: &mut g, n: 0 };
    format!("{}{}", schema_sql(&mut names), schema_sql(&mut names))
}

#[test]
fn hostile_names_of_every_kind_round_trip() {
    let only: Option<usize> = std::env::var("SCHEMADIFF_PROPS_CASE")
        .ok()
        .map(|c| c.parse().unwrap());
    let mut failures = Vec::new();
    for case in 0..CASES {
        if only.is_some_and(|o| o != case) {
            continue;
        }
        let sql = case_sql(SEED, case);
        let label = format!("hostile15_{case}");
        let result = declare_matches_live(&format!("{label}_live"), &sql)
            .and_then(|()| round_trip(&label, "", &sql).map(|_| ()));
        if let Err(e) = result {
            failures.push(format!("case {case} (seed {SEED:#x}):\n{sql}\n=> {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The output of another tool: `pg_dump -s` of each hostile case, declared through the
/// intake (which skips psql meta-command lines), equals the database it was dumped from.
#[test]
fn pg_dump_of_hostile_names_declares_as_the_database_reads() {
    let mut failures = Vec::new();
    for case in 0..DUMP_CASES {
        let sql = case_sql(SEED, case);
        if let Err(e) = pg_dump_declares_as_live(&format!("hdump15_{case}"), &sql) {
            failures.push(format!("case {case} (seed {SEED:#x}):\n{sql}\n=> {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn generated_names_put_a_backslash_at_a_line_start() {
    // The dump test above is only worth its name if some name or text puts a psql
    // meta-command at the start of a line.
    let hit = (0..DUMP_CASES).any(|c| case_sql(SEED, c).contains("\n\\echo"));
    assert!(hit, "no name or text starts a line with \\echo");
}
