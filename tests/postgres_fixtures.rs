//! The PostgreSQL fixture suite on the real server. For every `fixtures/postgres/<case>/`,
//! in a database of its own: before.sql + seed; the live catalog must equal before.sql
//! declared through a scratch database; the upgrade to after.sql is applied by `psql`; the
//! result must equal after.sql declared, the seeded rows must still be there, and a re-diff
//! must be empty; then the downgrade must give back before (and its rows unless the case is
//! lossy). Cases with `upgrade_fails` must fail and leave the database as it was.

mod common;
mod pg;

use common::{read, snapshot_settings, temp_dir};
use pg::{psql, TestDb};
use postgres::Client;
use schemadiff::declare::{
    declare_postgres, normalize_live, read_sources, rename_hints, SourceFile,
};
use schemadiff::diff::{self, diff, Renames};
use schemadiff::introspect::postgres::introspect;
use schemadiff::model::postgres::privileges;
use schemadiff::model::{Schema, Table};
use schemadiff::plan::postgres::plan_postgres_with;
use schemadiff::plan::LockOptions;
use schemadiff::render::postgres::{render_script, schema_ddl};
use schemadiff::sqltext::body::normalize_definition;
use schemadiff::sqltext::{quote_pg_ident, quote_pg_qualified};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    lossy: bool,
    upgrade_fails: Option<String>,
    /// The declared column order differs from what PostgreSQL can produce (it appends): the
    /// upgraded schema equals after.sql's up to column order, and the re-diff is empty.
    #[serde(default)]
    column_order_differs: bool,
    hazards: Option<Vec<String>>,
    /// Why the canonical DDL printer cannot round-trip this case today (a known bug): the
    /// round trip must then fail on at least one side.
    printer_round_trip_fails: Option<String>,
    /// `--rename` hints for the upgrade (the downgrade uses their inverse).
    #[serde(default)]
    renames: Vec<String>,
    /// Lock-aware options for both scripts (`[options]`, as `[postgres]` in schemadiff.toml),
    /// also the privilege kinds compared (`manage`) and the role mapping (`[options.roles]`).
    #[serde(default)]
    options: LockOptions,
    /// Words the upgrade script must not hold (e.g. `GRANT` for a table created under
    /// default privileges).
    #[serde(default)]
    up_lacks: Vec<String>,
}

/// Runs every case as a test of its own, each in a database of its own
/// (`cargo test --test postgres_fixtures <case>`).
fn main() -> std::process::ExitCode {
    common::runner::main(
        "postgres",
        80,
        || {
            pg::ensure_test_roles();
            // Declared files load as psql runs them, `ALTER … OWNER TO` included (what
            // the CLI does when ownership is managed; the cases that do not manage it
            // compare no owner).
            schemadiff::declare::run_owner_statements();
        },
        run_case,
    )
}

/// A declared model as the CLI compares it: the privilege kinds the case manages, its
/// roles renamed as `[options.roles]` says.
fn declared_as_compared(schema: &Schema, options: &LockOptions) -> Schema {
    let mut s = schema.clone();
    privileges::scope(&mut s.acl, options.managed());
    privileges::map_roles(&mut s.acl, &options.roles);
    schemadiff::model::map_policy_roles(&mut s.tables, &options.roles);
    s
}

/// A live model as the CLI compares it: the privilege kinds the case manages.
fn live_as_compared(mut schema: Schema, options: &LockOptions) -> Schema {
    privileges::scope(&mut schema.acl, options.managed());
    schema
}

fn declared(path: &Path) -> Schema {
    declare_files(&read_sources(path).unwrap(), &path.display().to_string())
}

/// Declares `files` through a scratch database; the model must survive the catalog cache's
/// JSON round trip.
fn declare_files(files: &[SourceFile], what: &str) -> Schema {
    let server = pg::server_url().parse().unwrap();
    let schema = declare_postgres(files, &server).unwrap_or_else(|e| panic!("declare {what}: {e}"));
    // The catalog cache stores this model as JSON: it must read back the same.
    let json = serde_json::to_vec(&schema).unwrap();
    let back: Schema = serde_json::from_slice(&json).unwrap();
    assert_eq!(back, schema, "JSON round trip of {what}");
    schema
}

/// Whether the canonical DDL printer's output (what `inspect` prints) declares the same
/// model back; objects schemadiff does not manage are printed as comments only, so they are
/// left out of the comparison.
fn printer_round_trip(schema: &Schema, side: &str) -> Result<(), String> {
    let ddl = schema_ddl(schema);
    let file = SourceFile {
        path: format!("{side}.canonical.sql").into(),
        text: ddl.clone(),
    };
    let again = declare_files(&[file], &format!("canonical DDL of {side}"));
    let mut expected = schema.clone();
    expected.unmanaged.clear();
    if again == expected {
        Ok(())
    } else {
        Err(format!(
            "canonical DDL of {side} does not round-trip:\n{ddl}\n  declared back: {again:?}\n  expected: {expected:?}"
        ))
    }
}

/// The printer round-trips on both sides, or, for a case that records why it cannot today
/// (`printer_round_trip_fails`), fails on at least one side (so the field cannot go stale).
fn assert_printer_round_trips(case: &Case, sides: [(&str, &Schema); 2]) {
    let failures: Vec<String> = sides
        .iter()
        .filter_map(|(side, schema)| printer_round_trip(schema, side).err())
        .collect();
    match &case.printer_round_trip_fails {
        None => assert!(failures.is_empty(), "{}", failures.join("\n")),
        Some(why) => assert!(
            !failures.is_empty(),
            "printer_round_trip_fails is set ({why}) but both sides round-trip: remove it"
        ),
    }
}

/// A database built by executing the file verbatim with `psql` reads back as the declared
/// model (the `before` side is checked on the seeded case database).
fn assert_declare_matches_live(name: &str, path: &Path, declared: &Schema) {
    let db = TestDb::create(&format!("{name}_verbatim"));
    let (ok, err) = psql(&db.url(), path);
    assert!(ok, "psql -f {}: {err}", path.display());
    assert_eq!(
        as_differ(&live_as(&mut db.client(), declared)),
        as_differ(declared),
        "introspect(db from {}) != declare",
        path.display()
    );
}

/// The schema as the differ compares it: every function definition with its whitespace
/// outside literals collapsed (`sqltext::body::normalize_definition`, as `same_function_text`
/// does; a definition it cannot scan stays as it is). Everything else stays strict.
fn as_differ(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for f in s.functions.values_mut() {
        if let Some(text) = normalize_definition(&f.definition) {
            f.definition = text;
        }
    }
    s
}

fn live(client: &mut Client) -> Schema {
    introspect(client, &[]).expect("introspect").schema
}

/// The live catalog as the CLI compares it with `expected`: when they differ, with its
/// expressions at the fixed point of the server's print (a database built by `psql -f`
/// from a file holds the server's first print; the declared model is the fixed point).
fn live_as(client: &mut Client, expected: &Schema) -> Schema {
    let print = schemadiff::render::snapshot::postgres::files;
    let server = pg::server_url().parse().unwrap();
    normalize_live(live(client), expected, print, &server, None)
}

fn script(
    from: &Schema,
    to: &Schema,
    renames: &Renames,
    options: &LockOptions,
    title: &str,
) -> (String, Vec<String>) {
    let changes = diff(&diff::postgres::RULES, from, to, renames);
    let plan = plan_postgres_with(&changes, from, to, options);
    let hazards = plan
        .hazards()
        .map(|h| h.kind.info().code.to_string())
        .collect();
    (render_script(&plan, title), hazards)
}

/// Every row of every table, as text, sorted; a table's own rows only (`ONLY`: a
/// partitioned or inheritance parent's partitions and children count as themselves).
fn data(client: &mut Client, schema: &Schema) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for table in schema.tables.values() {
        let q = quote_pg_qualified(table.schema.as_deref().unwrap(), &table.name);
        let rows = client
            .query(&format!("SELECT t::text FROM ONLY {q} t ORDER BY 1"), &[])
            .unwrap();
        out.insert(table.key(), rows.iter().map(|r| r.get(0)).collect());
    }
    out
}

/// Values of every column of every table, as text (`NULL` as `None`), per table key: the
/// column names in order and the rows.
type Columns = BTreeMap<String, (Vec<String>, Vec<Vec<Option<String>>>)>;

/// Reads the values of every column of every table of `schema`.
fn column_values(client: &mut Client, schema: &Schema) -> Columns {
    let mut out = BTreeMap::new();
    for table in schema.tables.values() {
        let names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let rows = values_of(client, table, &names);
        out.insert(table.key(), (names, rows));
    }
    out
}

/// The rows of `cols` of `table` as text, sorted.
fn values_of(client: &mut Client, table: &Table, cols: &[String]) -> Vec<Vec<Option<String>>> {
    let q = quote_pg_qualified(table.schema.as_deref().unwrap(), &table.name);
    let list: Vec<String> = cols
        .iter()
        .map(|c| format!("{}::text", quote_pg_ident(c)))
        .collect();
    let select = if list.is_empty() {
        "1::text".into()
    } else {
        list.join(", ")
    };
    let rows = client
        .query(&format!("SELECT {select} FROM ONLY {q}"), &[])
        .unwrap();
    let mut out: Vec<Vec<Option<String>>> = rows
        .iter()
        .map(|r| (0..cols.len()).map(|i| r.get(i)).collect())
        .collect();
    out.sort();
    out
}

/// The composite types the upgrade changes (created, dropped or altered), as the names a
/// column type may print them with: `schema.name` and the quoted form.
fn changed_composites(before: &Schema, after: &Schema) -> BTreeSet<String> {
    let keys: BTreeSet<&String> = before
        .composites
        .keys()
        .chain(after.composites.keys())
        .collect();
    let mut out = BTreeSet::new();
    for key in keys {
        let (old, new) = (before.composites.get(key), after.composites.get(key));
        if old == new {
            continue;
        }
        let c = old.or(new).unwrap();
        out.insert(key.clone());
        out.insert(quote_pg_qualified(&c.schema, &c.name));
    }
    out
}

/// Whether a column of type `ty` holds values of one of `composites` (or arrays of them):
/// their text changes when the type gains or loses an attribute (`(a,b)` -> `(a,b,)`).
fn of_changed_composite(ty: &str, composites: &BTreeSet<String>) -> bool {
    let mut base = ty.trim();
    while let Some(inner) = base.strip_suffix("[]") {
        base = inner.trim_end();
    }
    composites.contains(base)
}

/// Every column whose definition the upgrade did not change (following rename hints) keeps
/// its values, table by table. A column of a composite type the upgrade changes counts as
/// changed: its values print another text.
fn assert_values_kept(
    client: &mut Client,
    before: &Schema,
    after: &Schema,
    renames: &Renames,
    seeded: &Columns,
) {
    let composites = changed_composites(before, after);
    for (key, new) in &after.tables {
        let old_name = renames
            .old_table(key)
            .or_else(|| renames.old_table(&new.name));
        let old_key = old_name.map(|o| match o.contains('.') {
            true => o.to_string(),
            false => format!("{}.{o}", new.schema.as_deref().unwrap_or("public")),
        });
        let Some(old) = old_key
            .and_then(|k| before.tables.get(&k))
            .or_else(|| before.tables.get(key))
        else {
            continue;
        };
        let (old_cols, old_rows) = &seeded[&old.key()];
        let mut src = Vec::new();
        let mut dst = Vec::new();
        for col in &new.columns {
            let from = renames
                .old_name(key, &col.name)
                .or_else(|| renames.old_name(&new.name, &col.name))
                .unwrap_or(&col.name);
            let Some(pos) = old_cols.iter().position(|c| c == from) else {
                continue;
            };
            let renamed = schemadiff::model::Column {
                name: col.name.clone(),
                ..old.columns[pos].clone()
            };
            if renamed == *col && !of_changed_composite(&col.ty, &composites) {
                src.push(pos);
                dst.push(col.name.clone());
            }
        }
        let mut expected: Vec<Vec<Option<String>>> = old_rows
            .iter()
            .map(|r| src.iter().map(|i| r[*i].clone()).collect())
            .collect();
        expected.sort();
        assert_eq!(
            values_of(client, new, &dst),
            expected,
            "values of unchanged columns of {key}"
        );
    }
}

/// The schema with every table's columns sorted by name.
fn by_name(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for t in s.tables.values_mut() {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

fn run_case(dir: &Path, name: &str) {
    let case: Case = toml::from_str(&read(&dir.join("case.toml"))).expect("case.toml");
    assert!(!case.description.is_empty());
    let before = declared(&dir.join("before.sql"));
    let after = declared(&dir.join("after.sql"));
    let sides = [("before", &before), ("after", &after)];
    assert_printer_round_trips(&case, sides);
    for (side, schema) in sides {
        assert!(
            diff(&diff::postgres::RULES, schema, schema, &Renames::default()).is_empty(),
            "diff({side}, {side}) not empty"
        );
    }
    assert_declare_matches_live(name, &dir.join("after.sql"), &after);
    let before = declared_as_compared(&before, &case.options);
    let after = declared_as_compared(&after, &case.options);
    let db = TestDb::create(name);
    let mut client = db.client();
    client
        .batch_execute(&read(&dir.join("before.sql")))
        .expect("before.sql");
    client.batch_execute(&case.seed).expect("seed");
    let start = live_as_compared(live_as(&mut client, &before), &case.options);
    assert_eq!(
        as_differ(&start),
        as_differ(&before),
        "introspect(before.sql) != declare(before.sql)"
    );
    let seeded = data(&mut client, &start);
    let seeded_columns = column_values(&mut client, &start);

    let mut renames = Renames::parse(&case.renames).expect("renames");
    renames
        .check(&before, &after)
        .expect("the case's rename hints apply");
    let files = read_sources(&dir.join("after.sql")).unwrap();
    renames.merge(rename_hints(&files).unwrap().applicable(&before, &after));
    let (up, hazards) = script(
        &start,
        &after,
        &renames,
        &case.options,
        &format!("{name} up"),
    );
    let (down, _) = script(
        &after,
        &before,
        &renames.inverse(),
        &case.options,
        &format!("{name} down"),
    );
    snapshot_settings("postgres").bind(|| {
        insta::assert_snapshot!(format!("{name}__up"), up);
        insta::assert_snapshot!(format!("{name}__down"), down);
    });
    for word in &case.up_lacks {
        assert!(
            !up.contains(word.as_str()),
            "the upgrade holds `{word}`:\n{up}"
        );
    }
    if let Some(expected) = &case.hazards {
        assert_eq!(&hazards, expected, "hazards of the upgrade");
    }
    let tmp = temp_dir(&format!("pg_{name}"));
    let up_path = tmp.join("up.sql");
    std::fs::write(&up_path, &up).unwrap();
    let (ok, err) = psql(&db.url(), &up_path);
    if let Some(text) = &case.upgrade_fails {
        assert!(!ok, "the upgrade should have failed with `{text}`");
        assert!(err.contains(text.as_str()), "expected `{text}` in: {err}");
        assert_eq!(
            live_as_compared(live_as(&mut client, &start), &case.options),
            start,
            "a failed upgrade changed the schema"
        );
        assert_eq!(
            data(&mut client, &start),
            seeded,
            "a failed upgrade changed rows"
        );
        return;
    }
    assert!(ok, "upgrade failed:\n{err}\n{up}");
    let upgraded = live_as_compared(live_as(&mut client, &after), &case.options);
    if case.column_order_differs {
        assert_eq!(
            as_differ(&by_name(&upgraded)),
            as_differ(&by_name(&after)),
            "after upgrade != declare(after.sql)\n{up}"
        );
        assert_ne!(
            upgraded, after,
            "the case should exercise a column order difference"
        );
    } else {
        assert_eq!(
            as_differ(&upgraded),
            as_differ(&after),
            "after upgrade != declare(after.sql)\n{up}"
        );
    }
    assert!(
        diff(
            &diff::postgres::RULES,
            &upgraded,
            &after,
            &Renames::default()
        )
        .is_empty(),
        "re-diff after upgrade not empty"
    );
    let rows = data(&mut client, &upgraded);
    for (table, old) in &seeded {
        if let Some(new) = rows.get(table) {
            assert_eq!(new.len(), old.len(), "rows of {table} after the upgrade");
        }
    }
    assert_values_kept(&mut client, &start, &upgraded, &renames, &seeded_columns);

    let down_path = tmp.join("down.sql");
    std::fs::write(&down_path, &down).unwrap();
    let (ok, err) = psql(&db.url(), &down_path);
    assert!(ok, "downgrade failed:\n{err}\n{down}");
    let downgraded = live_as_compared(live_as(&mut client, &before), &case.options);
    assert_eq!(
        as_differ(&downgraded),
        as_differ(&before),
        "after downgrade != declare(before.sql)\n{down}"
    );
    assert!(
        diff(
            &diff::postgres::RULES,
            &downgraded,
            &before,
            &Renames::default()
        )
        .is_empty(),
        "re-diff after downgrade not empty"
    );
    if !case.lossy {
        assert_eq!(
            data(&mut client, &downgraded),
            seeded,
            "rows after the downgrade"
        );
    }
}
