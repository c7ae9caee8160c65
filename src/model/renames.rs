//! Rename hints: the only way a drop + add becomes a rename. Never guessed. Plain hint
//! data, checked against two schemas; `diff` reads them, `declare` and the CLI write them.

use super::{qualified_key, EnumType, Schema, Table};
use std::collections::BTreeMap;

fn find<'a>(schema: &'a Schema, name: &str) -> Option<&'a Table> {
    schema.tables.get(name).or_else(|| {
        schema
            .tables
            .values()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    })
}

/// The enum type `name` names: a `schema.name` key, or a bare name (the first by key).
fn find_enum<'a>(schema: &'a Schema, name: &str) -> Option<&'a EnumType> {
    if name.contains('.') {
        return schema.enums.get(name);
    }
    schema.enums.values().find(|e| e.name == name)
}

/// Pairs the enum type `old` of `from` with `new` of `to` (a bare name on one side is in the
/// other side's schema), or says why they are no rename.
fn resolve_enum<'a>(
    from: &'a Schema,
    to: &'a Schema,
    old: &str,
    new: &str,
) -> Result<(&'a EnumType, &'a EnumType), String> {
    let no_old = || format!("the current schema has no enum type {old}");
    let no_new = || format!("the target schema has no enum type {new}");
    let (before, after) = if !old.contains('.') && new.contains('.') {
        let after = find_enum(to, new).ok_or_else(no_new)?;
        let before = from.enums.get(&qualified_key(&after.schema, old));
        (before.ok_or_else(no_old)?, after)
    } else {
        let before = find_enum(from, old).ok_or_else(no_old)?;
        let after = match new.contains('.') {
            true => find_enum(to, new),
            false => to.enums.get(&qualified_key(&before.schema, new)),
        };
        (before, after.ok_or_else(no_new)?)
    };
    if before.schema != after.schema {
        return Err(format!(
            "type {old} is in schema {} and {new} in {}: a rename keeps the schema",
            before.schema, after.schema
        ));
    }
    if to
        .enums
        .contains_key(&qualified_key(&before.schema, &before.name))
    {
        return Err(format!("the target schema still has an enum type {old}"));
    }
    if from
        .enums
        .contains_key(&qualified_key(&after.schema, &after.name))
    {
        return Err(format!("the current schema already has an enum type {new}"));
    }
    Ok((before, after))
}

/// Rename hints: tables (`new -> old`), columns per table (`table -> new -> old`) and enum
/// types (`new -> old`). The table key of a column hint is the table's name in the target.
/// A `--rename` flag names a table or a column by its shape; it names an enum type when the
/// current schema has no such table and an enum type of that name ([`Renames::enum_pairs`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    tables: BTreeMap<String, String>,
    columns: BTreeMap<String, BTreeMap<String, String>>,
    types: BTreeMap<String, String>,
}

/// A rename hint that is malformed or does not apply to the two schemas.
#[derive(Debug, thiserror::Error)]
pub enum RenameError {
    #[error("invalid rename hint `{hint}`: expected TABLE.OLD_COLUMN=NEW_COLUMN (e.g. users.name=full_name) or OLD_TABLE=NEW_TABLE (e.g. users=accounts)")]
    Syntax { hint: String },
    #[error("rename hint `{hint}` does not apply: {reason}")]
    Unused { hint: String, reason: String },
    #[error("rename hint `{hint}` is ambiguous: {old} names both {other} and enum type {ty} of the current schema (write the hint as `-- schemadiff:renamed-from` above the one renamed)")]
    Ambiguous {
        hint: String,
        old: String,
        other: String,
        ty: String,
    },
}
impl Renames {
    /// Parses hints of the form `table.old_column=new_column` or `old_table=new_table`.
    pub fn parse<S: AsRef<str>>(hints: &[S]) -> Result<Renames, RenameError> {
        let mut out = Renames::default();
        for hint in hints {
            let hint = hint.as_ref();
            let err = || RenameError::Syntax {
                hint: hint.to_string(),
            };
            let (left, new) = hint.split_once('=').ok_or_else(err)?;
            let Some((table, old)) = left.rsplit_once('.') else {
                let (old, new) = (left.trim(), new.trim());
                if old.is_empty() || new.is_empty() || new.contains('.') {
                    return Err(err());
                }
                out.tables.insert(new.to_string(), old.to_string());
                continue;
            };
            let (table, old, new) = (table.trim(), old.trim(), new.trim());
            let new = new.rsplit_once('.').map_or(new, |(_, c)| c);
            if table.is_empty() || old.is_empty() || new.is_empty() {
                return Err(err());
            }
            out.add(table, old, new);
        }
        Ok(out)
    }

    /// Records that `table.old` is now called `new`.
    pub fn add(&mut self, table: &str, old: &str, new: &str) {
        let t = self.columns.entry(table.to_string()).or_default();
        t.insert(new.to_string(), old.to_string());
    }

    /// Returns the old name of column `new` of `table`, when a hint says it was renamed.
    pub fn old_name(&self, table: &str, new: &str) -> Option<&str> {
        self.columns.get(table)?.get(new).map(String::as_str)
    }

    /// Records that table `old` is now called `new`.
    pub fn add_table(&mut self, old: &str, new: &str) {
        self.tables.insert(new.to_string(), old.to_string());
    }

    /// Records that enum type `old` is now called `new` (either bare or `schema.name`).
    pub fn add_type(&mut self, old: &str, new: &str) {
        self.types.insert(new.to_string(), old.to_string());
    }

    /// The enum type renames the hints describe from `from` to `to`, as `(schema, old, new)`,
    /// sorted: the type hints, and the table- or column-shaped flags that name no table of
    /// `from` but an enum type (`old=new`, `schema.old=new`, `schema.old=schema.new`).
    pub fn enum_pairs(&self, from: &Schema, to: &Schema) -> Vec<(String, String, String)> {
        let mut candidates: Vec<(String, String)> = self
            .types
            .iter()
            .map(|(new, old)| (old.clone(), new.clone()))
            .collect();
        for (new, old) in &self.tables {
            if find(from, old).is_none() {
                candidates.push((old.clone(), new.clone()));
            }
        }
        for (table, cols) in &self.columns {
            if find(from, table).is_none() {
                for (new, old) in cols {
                    candidates.push((format!("{table}.{old}"), format!("{table}.{new}")));
                }
            }
        }
        let mut out: Vec<(String, String, String)> = candidates
            .iter()
            .filter_map(|(old, new)| resolve_enum(from, to, old, new).ok())
            .map(|(b, a)| (b.schema.clone(), b.name.clone(), a.name.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Adds every hint of `other` (its entries win on conflict).
    pub fn merge(&mut self, other: Renames) {
        self.tables.extend(other.tables);
        self.types.extend(other.types);
        for (table, cols) in other.columns {
            self.columns.entry(table).or_default().extend(cols);
        }
    }

    /// Returns only the hints that describe `from` → `to` (see [`Renames::check`]): for
    /// hints written in declared files, which stay there after the rename has run.
    pub fn applicable(&self, from: &Schema, to: &Schema) -> Renames {
        let mut out = Renames::default();
        for (new, old) in &self.tables {
            let mut one = Renames::default();
            one.add_table(old, new);
            if one.check(from, to).is_ok() {
                out.add_table(old, new);
            }
        }
        for (new, old) in &self.types {
            if resolve_enum(from, to, old, new).is_ok() {
                out.add_type(old, new);
            }
        }
        for (table, cols) in &self.columns {
            for (new, old) in cols {
                let mut one = out.clone();
                one.columns.clear();
                one.add(table, old, new);
                if one.check(from, to).is_ok() {
                    out.add(table, old, new);
                }
            }
        }
        out
    }

    /// Reports whether any hint renames a table.
    pub fn renames_tables(&self) -> bool {
        !self.tables.is_empty()
    }

    /// Fails when a hint does not describe `from` → `to`: a typo in a hint must never turn
    /// into the drop + add it was meant to prevent.
    pub fn check(&self, from: &Schema, to: &Schema) -> Result<(), RenameError> {
        for (new, old) in &self.tables {
            let hint = format!("{old}={new}");
            let unused = |reason: String| RenameError::Unused {
                hint: hint.clone(),
                reason,
            };
            match (find(from, old), find_enum(from, old)) {
                (Some(t), Some(e)) => {
                    return Err(RenameError::Ambiguous {
                        hint,
                        old: old.clone(),
                        other: format!("table {}", t.key()),
                        ty: qualified_key(&e.schema, &e.name),
                    })
                }
                (None, Some(_)) => {
                    resolve_enum(from, to, old, new).map_err(unused)?;
                    continue;
                }
                (None, None) => {
                    return Err(unused(format!(
                        "the current schema has no table or enum type {old}"
                    )))
                }
                (Some(_), None) => {}
            }
            if find(to, new).is_none() {
                return Err(unused(format!("the target schema has no table {new}")));
            }
            if find(to, old).is_some() {
                return Err(unused(format!("the target schema still has a table {old}")));
            }
        }
        for (table, cols) in &self.columns {
            // A column hint may name its table as in either schema.
            let new_name = self
                .tables
                .iter()
                .find(|(_, old)| *old == table)
                .map(|(new, _)| new.as_str());
            let after_name = if find(to, table).is_some() {
                table.as_str()
            } else {
                new_name.unwrap_or(table)
            };
            let before = find(from, self.old_table(after_name).unwrap_or(table));
            for (new, old) in cols {
                let hint = format!("{table}.{old}={new}");
                let unused = |reason: String| RenameError::Unused {
                    hint: hint.clone(),
                    reason,
                };
                let ty = format!("{table}.{old}");
                match (before, find_enum(from, &ty)) {
                    (Some(t), Some(_)) if t.column(old).is_some() => {
                        return Err(RenameError::Ambiguous {
                            hint,
                            old: ty.clone(),
                            other: format!("column {old} of table {}", t.key()),
                            ty,
                        })
                    }
                    (None, Some(_)) => {
                        let new = format!("{table}.{new}");
                        resolve_enum(from, to, &ty, &new).map_err(unused)?;
                        continue;
                    }
                    _ => {}
                }
                let after = find(to, table)
                    .ok_or_else(|| unused(format!("the target schema has no table {table}")))?;
                let before = before
                    .ok_or_else(|| unused(format!("the current schema has no table {table}")))?;
                if before.column(old).is_none() {
                    return Err(unused(format!("table {} has no column {old}", before.name)));
                }
                if after.column(new).is_none() {
                    return Err(unused(format!(
                        "in the target, table {} has no column {new}",
                        after.name
                    )));
                }
                if after.column(old).is_some() {
                    return Err(unused(format!(
                        "in the target, table {} still has a column {old}",
                        after.name
                    )));
                }
            }
        }
        for (new, old) in &self.types {
            resolve_enum(from, to, old, new).map_err(|reason| RenameError::Unused {
                hint: format!("{old}={new}"),
                reason,
            })?;
        }
        Ok(())
    }

    /// The hinted column renames as `(table, old, new)`, the table as the target names it.
    pub fn column_pairs(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.columns.iter().flat_map(|(table, cols)| {
            cols.iter()
                .map(move |(new, old)| (table.as_str(), old.as_str(), new.as_str()))
        })
    }

    /// The hinted table renames as `(old, new)`, in order of the new name.
    pub fn table_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tables
            .iter()
            .map(|(new, old)| (old.as_str(), new.as_str()))
    }

    /// Returns the old name of table `new`, when a hint says it was renamed.
    pub fn old_table(&self, new: &str) -> Option<&str> {
        self.tables.get(new).map(String::as_str)
    }

    /// Returns the hints for the opposite direction (for the downgrade). Column hints move
    /// to the table's old name, which is its name in the opposite target.
    pub fn inverse(&self) -> Renames {
        let mut out = Renames::default();
        for (new, old) in &self.tables {
            out.tables.insert(old.clone(), new.clone());
        }
        for (new, old) in &self.types {
            out.types.insert(old.clone(), new.clone());
        }
        for (table, cols) in &self.columns {
            let target = self.old_table(table).unwrap_or(table);
            for (new, old) in cols {
                out.add(target, new, old);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Column;

    /// Returns a schema of tables given as `(name, columns)`.
    fn schema(tables: &[(&str, &[&str])]) -> Schema {
        let mut out = Schema::default();
        for (name, columns) in tables {
            let table = Table {
                name: name.to_string(),
                columns: columns
                    .iter()
                    .map(|c| Column {
                        name: c.to_string(),
                        ..Column::default()
                    })
                    .collect(),
                ..Table::default()
            };
            out.tables.insert(name.to_string(), table);
        }
        out
    }

    #[test]
    fn hints_that_do_not_apply_are_errors() {
        let from = schema(&[("users", &["id", "name"])]);
        let to = schema(&[("users", &["id", "full_name"])]);
        assert!(Renames::parse(&["users.name=full_name"])
            .unwrap()
            .check(&from, &to)
            .is_ok());
        let typo = Renames::parse(&["users.nmae=full_name"])
            .unwrap()
            .check(&from, &to);
        assert!(typo
            .unwrap_err()
            .to_string()
            .contains("table users has no column nmae"));
        assert!(Renames::parse(&["people=users"])
            .unwrap()
            .check(&from, &to)
            .is_err());
    }

    /// Returns `tables` with enum types `(schema, name)` added.
    fn with_enums(tables: &[(&str, &[&str])], enums: &[(&str, &str)]) -> Schema {
        let mut out = schema(tables);
        for (ns, name) in enums {
            let e = EnumType {
                schema: ns.to_string(),
                name: name.to_string(),
                labels: vec!["a".into()],
                comment: None,
            };
            out.enums.insert(qualified_key(ns, name), e);
        }
        out
    }

    #[test]
    fn enum_type_hints_resolve_against_the_schemas() {
        let from = with_enums(&[], &[("billing", "status"), ("public", "mood")]);
        let to = with_enums(&[], &[("billing", "state"), ("public", "feeling")]);
        let pairs = |hints: &[&str]| {
            let r = Renames::parse(hints).unwrap();
            r.check(&from, &to).map(|()| r.enum_pairs(&from, &to))
        };
        let status = ("billing".into(), "status".into(), "state".into());
        let mood = ("public".into(), "mood".into(), "feeling".into());
        assert_eq!(pairs(&["mood=feeling"]).unwrap(), vec![mood.clone()]);
        assert_eq!(
            pairs(&["billing.status=state"]).unwrap(),
            vec![status.clone()]
        );
        assert_eq!(
            pairs(&["billing.status=billing.state"]).unwrap(),
            vec![status.clone()]
        );
        let mut comment = Renames::default();
        comment.add_type("status", "billing.state");
        comment.add_type("public.mood", "feeling");
        assert!(comment.check(&from, &to).is_ok());
        assert_eq!(comment.enum_pairs(&from, &to), vec![status, mood]);
        let back = comment.inverse();
        assert!(back.check(&to, &from).is_ok());
        assert_eq!(back.enum_pairs(&to, &from).len(), 2);
        assert_eq!(comment.applicable(&to, &to), Renames::default());
        let err = |hints: &[&str]| pairs(hints).unwrap_err().to_string();
        assert!(
            err(&["billing.status=mood"]).contains("target schema has no enum type billing.mood")
        );
        assert!(err(&["mood=state"]).contains("target schema has no enum type state"));
        assert!(err(&["moods=feeling"]).contains("no table or enum type moods"));
        let mut typo = Renames::default();
        typo.add_type("stat", "billing.state");
        assert!(typo
            .check(&from, &to)
            .unwrap_err()
            .to_string()
            .contains("no enum type stat"));
        // Still in the target: not a rename.
        let kept = with_enums(&[], &[("public", "mood"), ("public", "feeling")]);
        assert!(Renames::parse(&["mood=feeling"])
            .unwrap()
            .check(&from, &kept)
            .is_err());
    }

    #[test]
    fn a_name_of_both_a_table_and_an_enum_type_is_ambiguous() {
        let from = with_enums(
            &[("status", &["id"]), ("billing", &["status"])],
            &[("billing", "status")],
        );
        let to = with_enums(
            &[("state", &["id"]), ("billing", &["state"])],
            &[("billing", "state")],
        );
        let err = |hint: &str| {
            Renames::parse(&[hint])
                .unwrap()
                .check(&from, &to)
                .unwrap_err()
                .to_string()
        };
        let table = err("status=state");
        assert!(
            table.contains(
                "is ambiguous: status names both table status and enum type billing.status"
            ),
            "{table}"
        );
        let column = err("billing.status=state");
        assert!(
            column
                .contains("names both column status of table billing and enum type billing.status"),
            "{column}"
        );
    }

    #[test]
    fn parses_and_inverts() {
        let r = Renames::parse(&["users.name=full_name", "a.b=a.c"]).unwrap();
        assert_eq!(r.old_name("users", "full_name"), Some("name"));
        assert_eq!(r.old_name("a", "c"), Some("b"));
        assert_eq!(r.inverse().old_name("users", "name"), Some("full_name"));
        assert!(Renames::parse(&["users.name"]).is_err());
        assert!(Renames::parse(&["=x"]).is_err());
        let t = Renames::parse(&["users=accounts", "accounts.name=full_name"]).unwrap();
        assert_eq!(t.old_table("accounts"), Some("users"));
        let back = t.inverse();
        assert_eq!(back.old_table("users"), Some("accounts"));
        assert_eq!(back.old_name("users", "name"), Some("full_name"));
    }
}
