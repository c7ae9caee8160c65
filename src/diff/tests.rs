//! The engines' rules through the one differ: name folding, column order, object kinds, and
//! the one encoding of table renames.

use super::*;
use crate::model::{Extension, ForeignKey};

/// A table `name` (in namespace `ns`, when given) of `TEXT` columns, with a self-referencing
/// foreign key on `parent` when it has that column.
fn table(ns: Option<&str>, name: &str, columns: &[&str]) -> Table {
    let mut t = Table {
        schema: ns.map(str::to_string),
        name: name.to_string(),
        columns: columns
            .iter()
            .map(|c| Column {
                name: c.to_string(),
                ty: "TEXT".into(),
                ..Column::default()
            })
            .collect(),
        ..Table::default()
    };
    if columns.contains(&"parent") {
        t.foreign_keys.push(ForeignKey {
            columns: vec!["parent".into()],
            ref_table: t.key(),
            ..ForeignKey::default()
        });
    }
    t
}

fn schema(tables: &[Table]) -> Schema {
    let mut s = Schema::default();
    for t in tables {
        s.tables.insert(t.key(), t.clone());
        if let Some(ns) = &t.schema {
            s.schemas.insert(ns.clone());
        }
    }
    s
}

/// The schema pair of one table, in namespace `ns` (empty: none, as on SQLite).
fn pair(ns: &str, from: (&str, &[&str]), to: (&str, &[&str])) -> (Schema, Schema) {
    let ns = (!ns.is_empty()).then_some(ns);
    (
        schema(&[table(ns, from.0, from.1)]),
        schema(&[table(ns, to.0, to.1)]),
    )
}

fn hint(old: &str, new: &str) -> Renames {
    let mut r = Renames::default();
    r.add_table(old, new);
    r
}

fn renamed(schema: &str, from: &str, to: &str) -> Change {
    Change::RenameTable(Renamed {
        schema: schema.into(),
        from: from.into(),
        to: to.into(),
    })
}

const ENGINES: [(&Rules, &str); 2] = [(&sqlite::RULES, ""), (&postgres::RULES, "public")];

#[test]
fn sqlite_folds_a_name_in_another_case_into_a_rename_and_postgresql_does_not() {
    let cols: &[&str] = &["id"];
    let (from, to) = pair("", ("Users", cols), ("users", cols));
    let got = diff(&sqlite::RULES, &from, &to, &Renames::default()).changes;
    assert_eq!(got, [renamed("", "Users", "users")]);
    assert_eq!(got[0].summary(), "table Users is renamed to users");

    let (from, to) = pair("public", ("Users", cols), ("users", cols));
    let got = diff(&postgres::RULES, &from, &to, &Renames::default()).changes;
    assert!(
        matches!(got.as_slice(), [Change::CreateTable(n), Change::DropTable(o)] if n.name == "users" && o.name == "Users"),
        "{got:?}"
    );
}

#[test]
fn sqlite_folds_column_names_and_postgresql_does_not() {
    let (from, to) = pair("", ("t", &["id", "Name"]), ("t", &["id", "name"]));
    let got = diff(&sqlite::RULES, &from, &to, &Renames::default()).changes;
    let [Change::AlterTable(tc)] = got.as_slice() else {
        panic!("{got:?}")
    };
    assert_eq!(tc.renamed, [("Name".to_string(), "name".to_string())]);

    let (from, to) = pair("public", ("t", &["id", "Name"]), ("t", &["id", "name"]));
    let got = diff(&postgres::RULES, &from, &to, &Renames::default()).changes;
    let [Change::AlterTable(tc)] = got.as_slice() else {
        panic!("{got:?}")
    };
    assert!(tc.renamed.is_empty());
    assert_eq!(tc.dropped, ["Name"]);
}

#[test]
fn a_hinted_rename_is_one_rename_table_on_both_engines() {
    for (rules, ns) in ENGINES {
        let cols: &[&str] = &["id", "parent"];
        let (from, to) = pair(ns, ("users", cols), ("accounts", cols));
        let got = diff(rules, &from, &to, &hint("users", "accounts")).changes;
        // The self-reference follows the table: nothing else changes.
        assert_eq!(got, [renamed(ns, "users", "accounts")], "rules {ns:?}");
    }
}

#[test]
fn a_renamed_table_that_changes_more_is_a_rename_then_an_alter_under_the_new_name() {
    for (rules, ns) in ENGINES {
        let (from, to) = pair(
            ns,
            ("users", &["id", "parent"]),
            ("accounts", &["id", "parent", "email"]),
        );
        let got = diff(rules, &from, &to, &hint("users", "accounts")).changes;
        let [rename, Change::AlterTable(tc)] = got.as_slice() else {
            panic!("rules {ns:?}: {got:?}")
        };
        assert_eq!(*rename, renamed(ns, "users", "accounts"));
        assert_eq!(tc.before.name, "accounts");
        assert_eq!(tc.before.key(), tc.after.key());
        assert_eq!(tc.before.foreign_keys, tc.after.foreign_keys);
        assert_eq!(tc.sources[2], ("email".to_string(), None));
        assert!(tc.dropped.is_empty() && tc.renamed.is_empty());
    }
}

#[test]
fn column_order_counts_on_sqlite_only() {
    let (from, to) = pair("", ("t", &["a", "b"]), ("t", &["b", "a"]));
    let got = diff(&sqlite::RULES, &from, &to, &Renames::default()).changes;
    assert!(matches!(got.as_slice(), [Change::AlterTable(_)]), "{got:?}");

    let (from, to) = pair("public", ("t", &["a", "b"]), ("t", &["b", "a"]));
    assert!(diff(&postgres::RULES, &from, &to, &Renames::default()).is_empty());
}

#[test]
fn only_postgresql_compares_namespaces_and_extensions() {
    let mut to = Schema::default();
    to.schemas.insert("app".into());
    to.extensions.insert(
        "citext".into(),
        Extension {
            name: "citext".into(),
            schema: "public".into(),
            version: None,
        },
    );
    let from = Schema::default();
    assert!(diff(&sqlite::RULES, &from, &to, &Renames::default()).is_empty());
    let got = diff(&postgres::RULES, &from, &to, &Renames::default()).changes;
    assert!(
        matches!(got.as_slice(), [Change::CreateSchema(s), Change::CreateExtension(e)] if s == "app" && e.name == "citext"),
        "{got:?}"
    );
}
