//! Functions, procedures, domains, composite and range types, comments kept in
//! [`Schema::comments`], and triggers whose only change is their enabled state.
//!
//! Compared by key like the other kinds. A function's definition is the server's header
//! with the user's body: two definitions that differ only in whitespace outside literals are
//! the same ([`same_function_text`]). A range type cannot be altered, so a changed one is a
//! drop and a create. A comment is a change of its own when its object is on both sides or
//! new; an object that goes takes its comment with it.

use super::Change;
use crate::model::{
    function_key, qualified_key, trigger_key, CommentTarget, Function, Schema, Trigger,
};
use crate::sqltext::body::same_function_text;
use std::collections::BTreeMap;

/// Pushes the changes of functions, domains, composite and range types (in that order;
/// drops, alters, then creates, each by key).
pub(super) fn diff_routines(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    for (key, old) in &from.functions {
        match to.functions.get(key) {
            None => out.push(Change::DropFunction(old.clone())),
            Some(new) if !same_function(old, new) => out.push(Change::ReplaceFunction {
                before: old.clone(),
                after: new.clone(),
            }),
            Some(_) => {}
        }
    }
    for (key, new) in &to.functions {
        if !from.functions.contains_key(key) {
            out.push(Change::CreateFunction(new.clone()));
        }
    }
    super::diff_keyed(
        &from.domains,
        &to.domains,
        out,
        Change::DropDomain,
        Change::CreateDomain,
        |before, after| Change::AlterDomain { before, after },
    );
    super::diff_keyed(
        &from.composites,
        &to.composites,
        out,
        Change::DropComposite,
        Change::CreateComposite,
        |before, after| Change::AlterComposite { before, after },
    );
    super::diff_named(
        &from.ranges,
        &to.ranges,
        out,
        Change::DropRange,
        Change::CreateRange,
    );
}

/// Compares two functions of the same key field by field, the definition without
/// whitespace noise. Destructured without `..`: a new field is a compile error here.
fn same_function(a: &Function, b: &Function) -> bool {
    let Function {
        schema,
        name,
        identity_args,
        procedure,
        arguments,
        result,
        definition,
        depends_on: _,
    } = a;
    // `depends_on` follows from the definition: ordering facts, not compared.
    *schema == b.schema
        && *name == b.name
        && *identity_args == b.identity_args
        && *procedure == b.procedure
        && *arguments == b.arguments
        && *result == b.result
        && same_function_text(definition, &b.definition)
}

/// Triggers like [`super::diff_named`], except that a trigger whose definition stays and
/// whose enabled state changes is an [`Change::AlterTrigger`] (PostgreSQL only: SQLite's
/// triggers have no enabled state, so theirs are dropped and created as before).
pub(super) fn diff_triggers(
    from: &BTreeMap<String, Trigger>,
    to: &BTreeMap<String, Trigger>,
    out: &mut Vec<Change>,
) {
    let only_enabled =
        |a: &Trigger, b: &Trigger| a.name == b.name && a.table == b.table && a.sql == b.sql;
    for (key, old) in from {
        match to.get(key) {
            Some(new) if new == old => {}
            Some(new) if only_enabled(old, new) => out.push(Change::AlterTrigger {
                before: old.clone(),
                after: new.clone(),
            }),
            _ => out.push(Change::DropTrigger(old.clone())),
        }
    }
    for (key, new) in to {
        match from.get(key) {
            Some(old) if old == new || only_enabled(old, new) => {}
            _ => out.push(Change::CreateTrigger(new.clone())),
        }
    }
}

/// Pushes a [`Change::Comment`] for every comment that differs, by key: set or changed on
/// an object of `to` (new objects included), removed from an object that stays. A comment
/// whose object `to` no longer has goes with it.
pub(super) fn diff_comments(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    for (key, old) in &from.comments {
        if !to.comments.contains_key(key) && exists(to, &old.on) {
            out.push(Change::Comment {
                on: old.on.clone(),
                before: Some(old.text.clone()),
                after: None,
            });
        }
    }
    for (key, new) in &to.comments {
        let before = from.comments.get(key).map(|c| c.text.clone());
        if before.as_ref() != Some(&new.text) {
            out.push(Change::Comment {
                on: new.on.clone(),
                before,
                after: Some(new.text.clone()),
            });
        }
    }
}

/// Reports whether `schema` holds the object `target` names.
pub(crate) fn exists(schema: &Schema, target: &CommentTarget) -> bool {
    match target {
        CommentTarget::Schema { name } => schema.schemas.contains(name),
        CommentTarget::Index { schema: ns, name } => {
            let on_table = schema
                .tables
                .values()
                .any(|t| t.schema.as_deref() == Some(ns) && t.indexes.contains_key(name));
            let on_view = schema
                .views
                .values()
                .any(|v| v.schema.as_deref() == Some(ns) && v.indexes.contains_key(name));
            on_table || on_view
        }
        CommentTarget::Constraint {
            schema: ns,
            table,
            name,
        } => schema
            .tables
            .get(&qualified_key(ns, table))
            .is_some_and(|t| {
                let n = Some(name);
                t.primary_key.as_ref().is_some_and(|p| p.name.as_ref() == n)
                    || t.uniques.iter().any(|u| u.name.as_ref() == n)
                    || t.checks.iter().any(|c| c.name.as_ref() == n)
                    || t.foreign_keys.iter().any(|f| f.name.as_ref() == n)
            }),
        CommentTarget::Sequence { schema: ns, name } => {
            schema.sequences.contains_key(&qualified_key(ns, name))
        }
        CommentTarget::Policy {
            schema: ns,
            table,
            name,
        } => schema
            .tables
            .get(&qualified_key(ns, table))
            .is_some_and(|t| t.policies.contains_key(name)),
        CommentTarget::Function {
            schema: ns,
            name,
            identity_args,
            procedure,
        } => schema
            .functions
            .get(&function_key(ns, name, identity_args))
            .is_some_and(|f| f.procedure == *procedure),
        CommentTarget::Trigger {
            schema: ns,
            table,
            name,
        } => schema
            .triggers
            .contains_key(&trigger_key(&qualified_key(ns, table), name)),
        CommentTarget::Domain { schema: ns, name } => {
            schema.domains.contains_key(&qualified_key(ns, name))
        }
        CommentTarget::DomainConstraint {
            schema: ns,
            domain,
            name,
        } => schema
            .domains
            .get(&qualified_key(ns, domain))
            .is_some_and(|d| d.checks.iter().any(|c| c.name == *name)),
        CommentTarget::Type { schema: ns, name } => {
            let key = qualified_key(ns, name);
            schema.composites.contains_key(&key) || schema.ranges.contains_key(&key)
        }
        CommentTarget::Attribute {
            schema: ns,
            ty,
            name,
        } => schema
            .composites
            .get(&qualified_key(ns, ty))
            .is_some_and(|t| t.attributes.iter().any(|a| a.name == *name)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{diff, postgres, sqlite, Renames};
    use super::*;
    use crate::model::{Comment, Domain, RangeType};

    fn function(args: &str, body: &str) -> Function {
        Function {
            schema: "public".into(),
            name: "f".into(),
            identity_args: args.into(),
            procedure: false,
            arguments: args.into(),
            result: Some("integer".into()),
            definition: format!("CREATE OR REPLACE FUNCTION public.f({args})\n RETURNS integer\n LANGUAGE plpgsql\nAS $function$\n{body}\n$function$\n"),
            depends_on: Vec::new(),
        }
    }

    fn with_functions(fs: &[Function]) -> Schema {
        let mut s = Schema::default();
        for f in fs {
            s.functions.insert(f.key(), f.clone());
        }
        s
    }

    fn pg(from: &Schema, to: &Schema) -> Vec<Change> {
        diff(&postgres::RULES, from, to, &Renames::default()).changes
    }

    #[test]
    fn functions_are_created_dropped_and_replaced_by_signature() {
        let one = function("a integer", "BEGIN RETURN a; END;");
        let two = function("a integer, b integer", "BEGIN RETURN a + b; END;");
        let from = with_functions(std::slice::from_ref(&one));
        let to = with_functions(std::slice::from_ref(&two));
        assert_eq!(
            pg(&from, &to),
            [
                Change::DropFunction(one.clone()),
                Change::CreateFunction(two)
            ]
        );
        let changed = function("a integer", "BEGIN RETURN a * 2; END;");
        let got = pg(&from, &with_functions(std::slice::from_ref(&changed)));
        assert_eq!(
            got,
            [Change::ReplaceFunction {
                before: one.clone(),
                after: changed
            }]
        );
        assert_eq!(got[0].summary(), "function public.f(a integer) changed");
        // SQLite's rules compare no functions.
        assert!(diff(
            &sqlite::RULES,
            &from,
            &Schema::default(),
            &Renames::default()
        )
        .is_empty());
    }

    #[test]
    fn a_reindented_body_is_no_change() {
        let from = with_functions(&[function("a integer", "BEGIN\n  RETURN a;\nEND;")]);
        let to = with_functions(&[function("a integer", "BEGIN\n\tRETURN   a;\n    END;")]);
        assert!(pg(&from, &to).is_empty());
        let literal = with_functions(&[function("a integer", "BEGIN RETURN 'x  y'; END;")]);
        let other = with_functions(&[function("a integer", "BEGIN RETURN 'x y'; END;")]);
        assert_eq!(
            pg(&literal, &other).len(),
            1,
            "whitespace in a literal counts"
        );
    }

    fn trigger(sql: &str, enabled: Option<&str>) -> Trigger {
        Trigger {
            name: "t".into(),
            table: "public.x".into(),
            sql: sql.into(),
            enabled: enabled.map(str::to_string),
        }
    }

    #[test]
    fn a_trigger_enabled_otherwise_is_altered_and_a_redefined_one_recreated() {
        let key = trigger_key("public.x", "t");
        let map = |t: Trigger| BTreeMap::from([(key.clone(), t)]);
        let on = trigger("CREATE TRIGGER t AFTER INSERT ON public.x", None);
        let off = trigger("CREATE TRIGGER t AFTER INSERT ON public.x", Some("D"));
        let mut out = Vec::new();
        diff_triggers(&map(on.clone()), &map(off.clone()), &mut out);
        assert_eq!(
            out,
            [Change::AlterTrigger {
                before: on.clone(),
                after: off
            }]
        );
        let other = trigger("CREATE TRIGGER t AFTER UPDATE ON public.x", Some("D"));
        let mut out = Vec::new();
        diff_triggers(&map(on.clone()), &map(other.clone()), &mut out);
        assert_eq!(out, [Change::DropTrigger(on), Change::CreateTrigger(other)]);
    }

    fn domain_comment(text: &str) -> Comment {
        Comment {
            on: CommentTarget::Domain {
                schema: "public".into(),
                name: "d".into(),
            },
            text: text.into(),
        }
    }

    fn with_domain(comment: Option<&str>) -> Schema {
        let mut s = Schema::default();
        let d = Domain {
            schema: "public".into(),
            name: "d".into(),
            base_type: "integer".into(),
            not_null: false,
            default: None,
            collation: None,
            checks: Vec::new(),
            depends_on: Vec::new(),
        };
        s.domains.insert("public.d".into(), d);
        if let Some(text) = comment {
            let c = domain_comment(text);
            s.comments.insert(c.on.key(), c);
        }
        s
    }

    #[test]
    fn comments_change_with_their_object_but_go_silently_with_it() {
        let on = || domain_comment("x").on;
        let got = pg(&with_domain(None), &with_domain(Some("x")));
        assert_eq!(
            got,
            [Change::Comment {
                on: on(),
                before: None,
                after: Some("x".into())
            }]
        );
        let got = pg(&with_domain(Some("x")), &with_domain(None));
        assert_eq!(
            got,
            [Change::Comment {
                on: on(),
                before: Some("x".into()),
                after: None
            }]
        );
        assert!(pg(&with_domain(Some("x")), &with_domain(Some("x"))).is_empty());
        // A new domain: created, and its comment set (after it, by the planner).
        let got = pg(&Schema::default(), &with_domain(Some("x")));
        assert!(
            matches!(
                got.as_slice(),
                [
                    Change::CreateDomain(_),
                    Change::Comment { after: Some(_), .. }
                ]
            ),
            "{got:?}"
        );
        // A dropped domain takes its comment with it.
        let got = pg(&with_domain(Some("x")), &Schema::default());
        assert!(matches!(got.as_slice(), [Change::DropDomain(_)]), "{got:?}");
    }

    #[test]
    fn a_changed_range_type_is_dropped_and_created() {
        let range = |subtype: &str| {
            let mut s = Schema::default();
            let r = RangeType {
                schema: "public".into(),
                name: "r".into(),
                subtype: subtype.into(),
                opclass: None,
                collation: None,
                canonical: None,
                subtype_diff: None,
                multirange: None,
                depends_on: Vec::new(),
            };
            s.ranges.insert("public.r".into(), r);
            s
        };
        let got = pg(&range("integer"), &range("bigint"));
        assert!(
            matches!(got.as_slice(), [Change::DropRange(a), Change::CreateRange(b)] if a.subtype == "integer" && b.subtype == "bigint"),
            "{got:?}"
        );
    }

    #[test]
    fn a_trigger_follows_its_renamed_table() {
        let table = |name: &str| crate::model::Table {
            schema: Some("public".into()),
            name: name.into(),
            ..Default::default()
        };
        let on = |name: &str| {
            Trigger {
            name: "tg".into(),
            table: format!("public.{name}"),
            sql: format!("CREATE TRIGGER tg BEFORE INSERT ON public.{name} FOR EACH ROW EXECUTE FUNCTION public.g()"),
            enabled: None,
        }
        };
        let schema = |name: &str| {
            let mut s = Schema::default();
            s.tables.insert(format!("public.{name}"), table(name));
            s.triggers
                .insert(trigger_key(&format!("public.{name}"), "tg"), on(name));
            s
        };
        let mut hints = Renames::default();
        hints.add_table("users", "accounts");
        let got = diff(
            &postgres::RULES,
            &schema("users"),
            &schema("accounts"),
            &hints,
        )
        .changes;
        assert!(
            matches!(got.as_slice(), [Change::RenameTable(_)]),
            "{got:?}"
        );
    }
}
