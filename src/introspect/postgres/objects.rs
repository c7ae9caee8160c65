//! Turns the rows of the catalog queries for functions, triggers, domains, composite and
//! range types, comments, dependencies and unmanaged objects into model objects.

use crate::model::{
    qualified_key, trigger_key, Attribute, Comment, CommentTarget, CompositeType, Dependent,
    Domain, DomainCheck, Function, Policy, PolicyCommand, RangeType, Schema, Trigger,
};
use postgres::Row;
use std::collections::{BTreeMap, BTreeSet};

/// Reads `functions.sql` rows. `definition` is `pg_get_functiondef` without its trailing
/// newline (and without a semicolon, which the server does not print).
pub fn add_functions(rows: &[Row], schema: &mut Schema) {
    for row in rows {
        let definition: String = row.get("definition");
        let f = Function {
            schema: row.get("nspname"),
            name: row.get("proname"),
            identity_args: row.get("identity_args"),
            procedure: row.get("procedure"),
            arguments: row.get("arguments"),
            result: row.get("result"),
            definition: definition
                .trim()
                .trim_end_matches(';')
                .trim_end()
                .to_string(),
            depends_on: Vec::new(),
        };
        schema.functions.insert(f.key(), f);
    }
}

/// The [`Schema::unmanaged`] key of trigger `name` of relation `table` (`schema.name`).
pub fn unmanaged_trigger_key(table: &str, name: &str) -> String {
    format!("trigger {table}.{name}")
}

/// Reads `triggers.sql` rows: `sql` is `pg_get_triggerdef(oid, false)`, `enabled` the
/// state when not the default `O`. A trigger of a relation schemadiff does not manage (a
/// foreign table) goes to [`Schema::unmanaged`]: no printed DDL could create it on a table
/// the DDL does not create. A partitioned table's trigger is managed; the clones it makes
/// on the partitions are not read (`tgparentid`).
pub fn add_triggers(rows: &[Row], schema: &mut Schema, bookkeeping: &[&str]) {
    for row in rows {
        let table: String = row.get("relname");
        if bookkeeping.contains(&table.as_str()) {
            continue;
        }
        let relkind: String = row.get("relkind");
        let what = match relkind.as_str() {
            "f" => Some("trigger (on a foreign table)"),
            _ => None,
        };
        if let Some(what) = what {
            let key = qualified_key(&row.get::<_, String>("nspname"), &table);
            let name: String = row.get("tgname");
            schema
                .unmanaged
                .insert(unmanaged_trigger_key(&key, &name), what.into());
            continue;
        }
        let enabled: String = row.get("enabled");
        let trigger = Trigger {
            name: row.get("tgname"),
            table: qualified_key(&row.get::<_, String>("nspname"), &table),
            sql: row.get("definition"),
            enabled: (enabled != "O").then_some(enabled),
        };
        schema
            .triggers
            .insert(trigger_key(&trigger.table, &trigger.name), trigger);
    }
}

/// Reads `policies.sql` rows into their tables. Policies of a relation schemadiff does not
/// manage (a partitioned table, a partition) are listed by `unmanaged.sql` instead.
pub fn add_policies(rows: &[Row], schema: &mut Schema) {
    for row in rows {
        let key = qualified_key(
            &row.get::<_, String>("nspname"),
            &row.get::<_, String>("relname"),
        );
        let Some(table) = schema.tables.get_mut(&key) else {
            continue;
        };
        let polcmd: String = row.get("polcmd");
        let Some(command) = PolicyCommand::from_polcmd(&polcmd) else {
            schema.unmanaged.insert(
                format!("policy {key}.{}", row.get::<_, String>("polname")),
                format!("policy (command {polcmd})"),
            );
            continue;
        };
        let mut roles: Vec<String> = row.get("roles");
        roles.sort();
        let policy = Policy {
            name: row.get("polname"),
            permissive: row.get("polpermissive"),
            command,
            roles,
            using: row.get("using_expr"),
            with_check: row.get("check_expr"),
        };
        table.policies.insert(policy.name.clone(), policy);
    }
}

/// Reads `domains.sql` rows.
pub fn add_domains(rows: &[Row], schema: &mut Schema) {
    for row in rows {
        let names: Vec<String> = row.get("check_names");
        let defs: Vec<String> = row.get("check_defs");
        let valid: Vec<bool> = row.get("check_valid");
        let mut checks: Vec<DomainCheck> = names
            .into_iter()
            .zip(defs)
            .zip(valid)
            .map(|((name, definition), valid)| DomainCheck {
                name,
                definition,
                valid,
            })
            .collect();
        checks.sort();
        let d = Domain {
            schema: row.get("nspname"),
            name: row.get("typname"),
            base_type: row.get("base_type"),
            not_null: row.get("not_null"),
            default: row.get("default_expr"),
            collation: row.get("collation"),
            checks,
            depends_on: Vec::new(),
        };
        schema.domains.insert(qualified_key(&d.schema, &d.name), d);
    }
}

/// Reads `composites.sql` rows.
pub fn add_composites(rows: &[Row], schema: &mut Schema) {
    for row in rows {
        let names: Vec<String> = row.get("names");
        let types: Vec<String> = row.get("types");
        let collations: Vec<Option<String>> = row.get("collations");
        let attributes = names
            .into_iter()
            .zip(types)
            .zip(collations)
            .map(|((name, ty), collation)| Attribute {
                name,
                ty,
                collation,
            })
            .collect();
        let c = CompositeType {
            schema: row.get("nspname"),
            name: row.get("typname"),
            attributes,
            depends_on: Vec::new(),
        };
        schema
            .composites
            .insert(qualified_key(&c.schema, &c.name), c);
    }
}

/// The name PostgreSQL gives the multirange type of a range type named `range` when
/// `CREATE TYPE` does not name it: `multi` before the first `range` in the name, else
/// `_multirange` appended, cut to 63 bytes (`makeMultirangeTypeName`).
pub fn default_multirange(range: &str) -> String {
    let mut name = match range.find("range") {
        Some(i) => format!("{}multi{}", &range[..i], &range[i..]),
        None => format!("{range}_multirange"),
    };
    let mut end = name.len().min(63);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.truncate(end);
    name
}

/// Reads `ranges.sql` rows. `multirange` is kept only when not the default name in the
/// range's schema: the bare name in the same schema, `schema.name` in another one.
pub fn add_ranges(rows: &[Row], schema: &mut Schema) {
    for row in rows {
        let ns: String = row.get("nspname");
        let name: String = row.get("typname");
        let multi_ns: Option<String> = row.get("multirange_schema");
        let multi: Option<String> = row.get("multirange");
        let multirange = match (multi_ns, multi) {
            (Some(mns), Some(m)) if mns != ns => Some(qualified_key(&mns, &m)),
            (_, Some(m)) if m != default_multirange(&name) => Some(m),
            _ => None,
        };
        let r = RangeType {
            schema: ns,
            name,
            subtype: row.get("subtype"),
            opclass: row.get("opclass"),
            collation: row.get("collation"),
            canonical: row.get("canonical"),
            subtype_diff: row.get("subtype_diff"),
            multirange,
            depends_on: Vec::new(),
        };
        schema.ranges.insert(qualified_key(&r.schema, &r.name), r);
    }
}

/// Reads `comments.sql` rows into [`Schema::comments`] (after [`add_triggers`]: the
/// comment of an unmanaged trigger is left out with it).
pub fn add_comments(rows: &[Row], schema: &mut Schema) {
    for row in rows {
        let kind: String = row.get("kind");
        let ns: String = row.get("nspname");
        let parent: Option<String> = row.get("parent");
        let parent = parent.unwrap_or_default();
        let name: String = row.get("name");
        let on = match kind.as_str() {
            "schema" => CommentTarget::Schema { name },
            "index" => CommentTarget::Index { schema: ns, name },
            "sequence" => CommentTarget::Sequence { schema: ns, name },
            "constraint" => CommentTarget::Constraint {
                schema: ns,
                table: parent,
                name,
            },
            "domain constraint" => CommentTarget::DomainConstraint {
                schema: ns,
                domain: parent,
                name,
            },
            "function" | "procedure" => CommentTarget::Function {
                schema: ns,
                name,
                identity_args: row.get::<_, Option<String>>("args").unwrap_or_default(),
                procedure: kind == "procedure",
            },
            "trigger" => {
                // A trigger of a relation schemadiff does not manage is listed as such, its
                // comment with it: no printed DDL could comment on it.
                let table = qualified_key(&ns, &parent);
                if schema
                    .unmanaged
                    .contains_key(&unmanaged_trigger_key(&table, &name))
                {
                    continue;
                }
                CommentTarget::Trigger {
                    schema: ns,
                    table: parent,
                    name,
                }
            }
            "domain" => CommentTarget::Domain { schema: ns, name },
            "policy" => CommentTarget::Policy {
                schema: ns,
                table: parent,
                name,
            },
            "attribute" => CommentTarget::Attribute {
                schema: ns,
                ty: parent,
                name,
            },
            _ => CommentTarget::Type { schema: ns, name },
        };
        let comment = Comment {
            text: row.get("text"),
            on,
        };
        schema.comments.insert(comment.on.key(), comment);
    }
}

/// Reads `depends.sql` rows: the `depends_on` of functions, domains, composite and range
/// types, and [`Schema::dependents`] of every user function and type. `triggers` are the
/// `triggers.sql` rows, which name each trigger's own function (depends.sql leaves that
/// dependency out: it is one entry per trigger, most of the query's work otherwise).
pub fn add_depends(rows: &[Row], triggers: &[Row], schema: &mut Schema) {
    let mut needs: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut dependents: BTreeMap<String, BTreeSet<Dependent>> = BTreeMap::new();
    let depends = rows.iter().map(|row| {
        let name: Option<String> = row.get("name");
        (
            row.get::<_, String>("rkind"),
            row.get::<_, String>("rkey"),
            row.get::<_, String>("kind"),
            row.get::<_, String>("key"),
            name.unwrap_or_default(),
        )
    });
    let trigger_functions = triggers.iter().filter_map(|row| {
        let function: Option<String> = row.get("function");
        Some((
            "function".to_string(),
            function?,
            "trigger".to_string(),
            qualified_key(
                &row.get::<_, String>("nspname"),
                &row.get::<_, String>("relname"),
            ),
            row.get::<_, String>("tgname"),
        ))
    });
    for (rkind, rkey, kind, key, name) in depends.chain(trigger_functions) {
        needs
            .entry((kind.clone(), key.clone()))
            .or_default()
            .insert(rkey.clone());
        if rkind == "relation" {
            continue;
        }
        let dependent = match kind.as_str() {
            "view" => Dependent::View(key),
            "trigger" => match schema.unmanaged.get(&unmanaged_trigger_key(&key, &name)) {
                // A trigger of a relation schemadiff does not manage: it cannot make it again.
                Some(_) => Dependent::Other(unmanaged_trigger_key(&key, &name)),
                None => Dependent::Trigger(trigger_key(&key, &name)),
            },
            "constraint" => Dependent::Constraint { table: key, name },
            "default" => Dependent::Default {
                table: key,
                column: name,
            },
            "generated" => Dependent::Generated {
                table: key,
                column: name,
            },
            "index" => Dependent::Index { table: key, name },
            "policy" => Dependent::Policy { table: key, name },
            "domain" => Dependent::Domain(key),
            "function" => Dependent::Function(key),
            "type" => Dependent::Type(key),
            "column" => Dependent::Other(format!("column {key}.{name}")),
            // What schemadiff does not manage, keyed as in `Schema::unmanaged`.
            "other" => Dependent::Other(key),
            _ => Dependent::Other(format!("table {key}")),
        };
        dependents.entry(rkey).or_default().insert(dependent);
    }
    let of = |kind: &str, key: &str| -> Vec<String> {
        needs
            .get(&(kind.to_string(), key.to_string()))
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    };
    for (key, f) in &mut schema.functions {
        f.depends_on = of("function", key);
    }
    for (key, d) in &mut schema.domains {
        d.depends_on = of("domain", key);
    }
    for (key, c) in &mut schema.composites {
        c.depends_on = of("type", key);
    }
    for (key, r) in &mut schema.ranges {
        r.depends_on = of("type", key);
    }
    schema.dependents.0 = dependents
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect();
}

/// Reads `unmanaged.sql` rows into [`Schema::unmanaged`].
pub fn add_unmanaged(rows: &[Row], schema: &mut Schema) {
    for row in rows {
        schema.unmanaged.insert(row.get(0), row.get(1));
    }
}

#[cfg(test)]
mod tests {
    use super::default_multirange;

    #[test]
    fn default_multirange_names_follow_the_server() {
        assert_eq!(default_multirange("floatrange"), "floatmultirange");
        assert_eq!(default_multirange("rangeof"), "multirangeof");
        assert_eq!(default_multirange("span"), "span_multirange");
        assert_eq!(default_multirange(&"x".repeat(63)).len(), 63);
    }
}
