//! Graph walks on schema objects are iterative: a 100,000-table foreign-key chain and a
//! 100,000-deep view chain diff, plan and render in a thread with the default 2 MiB test
//! stack (a recursive walk overflows it: the process aborts, exit 134).
//!
//! ```text
//!  t000000 ◄── t000001 ◄── t000002 ◄── … ◄── t099999      (each references the one before)
//!  base ◄── v000000 ◄── v000001 ◄── … ◄── v099999         (each view reads the one before)
//! ```

mod common;

use schemadiff::diff::{self, diff, Renames};
use schemadiff::model::{Column, ForeignKey, PrimaryKey, Schema, Table, View};
use schemadiff::plan::postgres::plan_postgres;
use schemadiff::plan::sqlite::{plan, Caps, Op};
use schemadiff::render::{postgres as pg_render, sqlite as sqlite_render};
use std::time::Instant;

const DEPTH: usize = 100_000;
/// The stack a test thread gets by default (`RUST_MIN_STACK` unset).
const TEST_STACK: usize = 2 * 1024 * 1024;

/// Runs `f` on a thread with the default test stack and returns what it returns.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(TEST_STACK)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

fn column(name: &str, ty: &str) -> Column {
    Column {
        name: name.into(),
        ty: ty.into(),
        ..Column::default()
    }
}

/// Table `i` of the chain; `schema` is `Some("public")` for PostgreSQL.
fn chain_table(i: usize, schema: Option<&str>) -> Table {
    let name = format!("t{i:06}");
    let int = if schema.is_some() {
        "integer"
    } else {
        "INTEGER"
    };
    let mut t = Table {
        schema: schema.map(str::to_string),
        name: name.clone(),
        columns: vec![column("id", int), column("parent", int)],
        primary_key: Some(PrimaryKey {
            name: schema.map(|_| format!("{name}_pkey")),
            columns: vec!["id".into()],
            definition: schema.map(|_| "PRIMARY KEY (id)".into()),
            ..PrimaryKey::default()
        }),
        ..Table::default()
    };
    if i > 0 {
        let parent = format!("t{:06}", i - 1);
        t.foreign_keys.push(ForeignKey {
            name: schema.map(|_| format!("{name}_parent_fkey")),
            columns: vec!["parent".into()],
            ref_table: match schema {
                Some(s) => format!("{s}.{parent}"),
                None => parent.clone(),
            },
            ref_columns: vec!["id".into()],
            definition: schema.map(|_| format!("FOREIGN KEY (parent) REFERENCES {parent}(id)")),
            ..ForeignKey::default()
        });
    }
    t
}

fn fk_chain(schema: Option<&str>) -> Schema {
    let mut s = Schema::default();
    for i in 0..DEPTH {
        let t = chain_table(i, schema);
        let key = match schema {
            Some(ns) => format!("{ns}.{}", t.name),
            None => t.name.clone(),
        };
        s.tables.insert(key, t);
    }
    if let Some(ns) = schema {
        s.schemas.insert(ns.into());
    }
    s
}

/// A table `base` and views `v000000…` each reading the one before (the first reads `base`).
fn view_chain(pg: bool, base_type: &str) -> Schema {
    let mut s = Schema::default();
    let key = |name: &str| {
        if pg {
            format!("public.{name}")
        } else {
            name.to_string()
        }
    };
    let base = Table {
        schema: pg.then(|| "public".to_string()),
        name: "base".into(),
        columns: vec![column("x", base_type)],
        ..Table::default()
    };
    s.tables.insert(key("base"), base);
    for i in 0..DEPTH {
        let name = format!("v{i:06}");
        let read = if i == 0 {
            "base".to_string()
        } else {
            format!("v{:06}", i - 1)
        };
        let sql = if pg {
            format!("CREATE VIEW public.{name} AS\nSELECT x FROM public.{read}")
        } else {
            format!("CREATE VIEW {name} AS SELECT x FROM {read}")
        };
        let view = View {
            schema: pg.then(|| "public".to_string()),
            name: name.clone(),
            sql,
            depends_on: if pg { vec![key(&read)] } else { Vec::new() },
            ..View::default()
        };
        s.views.insert(key(&name), view);
    }
    if pg {
        s.schemas.insert("public".into());
    }
    s
}

/// Returns the SQLite script from `from` to `to` and the number of plan steps.
fn sqlite_script(from: &Schema, to: &Schema) -> (String, Vec<Op>) {
    let changes = diff(&diff::sqlite::RULES, from, to, &Renames::default());
    let p = plan(&changes, from, to, Caps::bundled());
    let ops = p.steps.iter().map(|s| s.op.clone()).collect();
    (sqlite_render::render_script(&p, "deep"), ops)
}

fn pg_script(from: &Schema, to: &Schema) -> String {
    let changes = diff(&diff::postgres::RULES, from, to, &Renames::default());
    let p = plan_postgres(&changes, from, to);
    pg_render::render_script(&p, "deep")
}

/// The first, middle and last names of a chain of `prefix`ed objects.
fn ends(prefix: &str) -> [String; 3] {
    [0, DEPTH / 2, DEPTH - 1].map(|i| format!("{prefix}{i:06}"))
}

/// Asserts that `names` appear in `script` in the given order.
fn rev(mut names: [String; 3]) -> [String; 3] {
    names.reverse();
    names
}

fn assert_in_order(script: &str, names: &[String]) {
    let mut at = 0;
    for n in names {
        let found = script[at..].find(n.as_str());
        let Some(i) = found else {
            panic!("{n} is missing or out of order");
        };
        at += i + n.len();
    }
}

#[test]
fn a_100000_table_foreign_key_chain_plans_on_a_small_stack() {
    on_small_stack(|| {
        let started = Instant::now();
        let empty = Schema::default();
        let chain = fk_chain(None);
        let (up, steps) = sqlite_script(&empty, &chain);
        assert_eq!(steps.len(), DEPTH);
        let first_last = ends("t").map(|n| format!("CREATE TABLE {n}"));
        assert_in_order(&up, &first_last);
        let (down, _) = sqlite_script(&chain, &empty);
        let last_first = rev(ends("t")).map(|n| format!("DROP TABLE {n}"));
        assert_in_order(&down, &last_first);
        eprintln!("SQLite chain: {:?}", started.elapsed());
    });
}

#[test]
fn a_100000_table_foreign_key_chain_plans_on_a_small_stack_postgres() {
    on_small_stack(|| {
        let started = Instant::now();
        let empty = Schema::default();
        let chain = fk_chain(Some("public"));
        let up = pg_script(&empty, &chain);
        let creates = ends("t").map(|n| format!("CREATE TABLE public.{n}"));
        assert_in_order(&up, &creates);
        let down = pg_script(&chain, &empty);
        let drops = rev(ends("t")).map(|n| format!("DROP TABLE public.{n}"));
        assert_in_order(&down, &drops);
        eprintln!("PostgreSQL chain: {:?}", started.elapsed());
    });
}

#[test]
fn a_100000_deep_view_chain_plans_on_a_small_stack() {
    on_small_stack(|| {
        let started = Instant::now();
        let empty = Schema::default();
        let chain = view_chain(false, "INTEGER");
        let (up, _) = sqlite_script(&empty, &chain);
        let creates = ends("v").map(|n| format!("CREATE VIEW {n}"));
        assert_in_order(&up, &creates);
        // A type change rebuilds `base`: every view reading it, through the chain, is
        // dropped (last first) and created again (first first).
        let changed = view_chain(false, "TEXT");
        let (rebuild, steps) = sqlite_script(&chain, &changed);
        let drops = steps
            .iter()
            .filter(|s| matches!(s, Op::DropView { .. }))
            .count();
        assert_eq!(drops, DEPTH, "every view of the chain is dropped");
        let [first, _, last] = ends("v");
        let order = [
            format!("DROP VIEW {last}"),
            format!("DROP VIEW {first}"),
            format!("CREATE VIEW {first}"),
            format!("CREATE VIEW {last}"),
        ];
        assert_in_order(&rebuild, &order);
        eprintln!("SQLite views: {:?}", started.elapsed());
    });
}

#[test]
fn a_100000_deep_view_chain_plans_on_a_small_stack_postgres() {
    on_small_stack(|| {
        let started = Instant::now();
        let empty = Schema::default();
        let chain = view_chain(true, "integer");
        let up = pg_script(&empty, &chain);
        let creates = ends("v").map(|n| format!("VIEW public.{n}"));
        assert_in_order(&up, &creates);
        let changed = view_chain(true, "bigint");
        let alter = pg_script(&chain, &changed);
        let [first, _, last] = ends("v");
        let order = [
            format!("DROP VIEW public.{last}"),
            format!("DROP VIEW public.{first}"),
            "ALTER TABLE public.base".to_string(),
            format!("VIEW public.{first}"),
            format!("VIEW public.{last}"),
        ];
        assert_in_order(&alter, &order);
        eprintln!("PostgreSQL views: {:?}", started.elapsed());
    });
}

/// The chain of the issue (60,000 tables: `diff` aborted with exit 134) end to end: declared
/// DDL against an empty database through the binary. (Applying 60,000 `CREATE TABLE`s takes
/// the sqlite3 shell minutes, so the script is checked, not applied.)
#[test]
fn schemadiff_diff_creates_a_60000_table_chain_in_sqlite() {
    let n = 60_000;
    let dir = common::temp_dir("deep_graphs_e2e");
    let mut ddl = String::from("CREATE TABLE t000000 (id INTEGER PRIMARY KEY);\n");
    for i in 1..n {
        let p = i - 1;
        ddl.push_str(&format!(
            "CREATE TABLE t{i:06} (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES t{p:06}(id));\n"
        ));
    }
    std::fs::write(dir.join("chain.sql"), ddl).unwrap();
    rusqlite::Connection::open(dir.join("app.db"))
        .unwrap()
        .execute_batch("VACUUM")
        .unwrap();
    let run = common::run_in(
        &dir,
        &["diff", "--from", "sqlite:///app.db", "--to", "chain.sql"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches("CREATE TABLE t").count(), n);
    let last = format!("CREATE TABLE t{:06}", n - 1);
    assert_in_order(
        &run.stdout,
        &[
            "CREATE TABLE t000000".into(),
            "CREATE TABLE t030000".into(),
            last,
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}
