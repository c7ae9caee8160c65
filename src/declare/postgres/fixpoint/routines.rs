//! The fixed point for the texts of functions, triggers, domains and policies: a `BEGIN
//! ATOMIC` or `RETURN` body, a trigger's `WHEN`, a domain's CHECKs and default, a policy's
//! `USING` and `WITH CHECK` (set again with `ALTER POLICY`) are printed from a
//! parse tree like any expression (`v IN ('a','b')` on a `varchar` prints as an array of
//! casts that prints differently once loaded again). Each is issued again in place:
//! `CREATE OR REPLACE` for a function, drop and create for a trigger, drop and add for a
//! domain's CHECK, `SET DEFAULT` for a domain's default. Comments and trigger states,
//! which a drop loses, are carried over from the read before ([`keep`]).

use super::{relation, Obj};
use crate::model::Schema;
use crate::sqltext::{quote_pg_ident, quote_pg_qualified};
use std::collections::BTreeMap;

/// Whether a function's definition has a body the server stores parsed (SQL-standard
/// `BEGIN ATOMIC … END` or `RETURN …`), rather than a string it keeps as written: the
/// first line after the indented options of `pg_get_functiondef`'s header.
pub fn parsed_body(definition: &str) -> bool {
    definition
        .lines()
        .skip(1)
        .find(|l| !l.starts_with(' '))
        .is_some_and(|l| l == "BEGIN ATOMIC" || l.starts_with("RETURN "))
}

/// Adds the printed texts of functions with parsed bodies, triggers with a `WHEN`, and
/// domains' CHECKs and defaults to `out`.
pub fn texts(schema: &Schema, out: &mut BTreeMap<Obj, String>) {
    for (key, f) in &schema.functions {
        if parsed_body(&f.definition) {
            out.insert(Obj::Function(key.clone()), f.definition.clone());
        }
    }
    for (key, t) in &schema.triggers {
        if t.sql.contains(" WHEN (") {
            out.insert(Obj::Trigger(key.clone()), t.sql.clone());
        }
    }
    for (key, d) in &schema.domains {
        for c in &d.checks {
            out.insert(
                Obj::DomainCheck(key.clone(), c.name.clone()),
                c.definition.clone(),
            );
        }
        if let Some(default) = &d.default {
            out.insert(Obj::DomainDefault(key.clone()), default.clone());
        }
    }
    for (key, t) in &schema.tables {
        for p in t.policies.values() {
            if let Some(text) = policy_text(p) {
                out.insert(Obj::Policy(key.clone(), p.name.clone()), text);
            }
        }
    }
}

/// A policy's expressions as `ALTER POLICY` sets them: ` USING (…) WITH CHECK (…)`, those
/// it has; `None` when it has neither.
fn policy_text(p: &crate::model::Policy) -> Option<String> {
    let mut out = String::new();
    if let Some(u) = &p.using {
        out.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &p.with_check {
        out.push_str(&format!(" WITH CHECK ({c})"));
    }
    (!out.is_empty()).then_some(out)
}

/// What an object is, for a message.
pub fn describe(obj: &Obj) -> Option<String> {
    Some(match obj {
        Obj::Function(f) => format!("function {f}"),
        Obj::Trigger(t) => format!("trigger {t}"),
        Obj::DomainCheck(d, c) => format!("constraint {c} of domain {d}"),
        Obj::DomainDefault(d) => format!("the default of domain {d}"),
        Obj::Policy(t, p) => format!("policy {p} of {t}"),
        _ => return None,
    })
}

/// The statement that issues `text` again in place.
pub fn reissue(schema: &Schema, obj: &Obj, text: &str) -> Option<String> {
    Some(match obj {
        Obj::Function(_) => text.to_string(),
        Obj::Trigger(key) => {
            let t = schema.triggers.get(key)?;
            let (ns, rel) = relation(schema, &t.table)?;
            format!(
                "DROP TRIGGER {} ON {};\n{text}",
                quote_pg_ident(&t.name),
                quote_pg_qualified(&ns, &rel)
            )
        }
        Obj::DomainCheck(key, name) => {
            let d = schema.domains.get(key)?;
            let domain = quote_pg_qualified(&d.schema, &d.name);
            let name = quote_pg_ident(name);
            format!(
                "ALTER DOMAIN {domain} DROP CONSTRAINT {name};\nALTER DOMAIN {domain} ADD CONSTRAINT {name} {text}"
            )
        }
        Obj::DomainDefault(key) => {
            let d = schema.domains.get(key)?;
            format!(
                "ALTER DOMAIN {} SET DEFAULT {text}",
                quote_pg_qualified(&d.schema, &d.name)
            )
        }
        Obj::Policy(key, name) => {
            let (ns, rel) = relation(schema, key)?;
            format!(
                "ALTER POLICY {} ON {}{text}",
                quote_pg_ident(name),
                quote_pg_qualified(&ns, &rel)
            )
        }
        _ => return None,
    })
}

/// Carries over to `next` (read after objects were issued again) what issuing them lost:
/// comments (on a table's CHECK or index, on a domain's CHECK, on a trigger) and triggers'
/// enabled states. Nothing else changes them.
pub fn keep(next: &mut Schema, before: &mut Schema) {
    next.comments = std::mem::take(&mut before.comments);
    for (key, t) in next.triggers.iter_mut() {
        if let Some(b) = before.triggers.get(key) {
            t.enabled = b.enabled.clone();
        }
    }
}

/// Puts the settled texts of functions, triggers and domains of `settled` into `live`
/// (for [`super::normalize_live`]), object by object.
pub fn with_texts_of(live: &mut Schema, settled: &Schema) {
    for (key, f) in live.functions.iter_mut() {
        if let Some(o) = settled.functions.get(key) {
            f.definition = o.definition.clone();
        }
    }
    for (key, t) in live.triggers.iter_mut() {
        if let Some(o) = settled.triggers.get(key) {
            t.sql = o.sql.clone();
        }
    }
    for (key, d) in live.domains.iter_mut() {
        let Some(o) = settled.domains.get(key) else {
            continue;
        };
        let names = |d: &crate::model::Domain| -> Vec<String> {
            d.checks.iter().map(|c| c.name.clone()).collect()
        };
        if names(d) == names(o) {
            d.checks = o.checks.clone();
        }
        if d.default.is_some() && o.default.is_some() {
            d.default = o.default.clone();
        }
    }
    for (key, t) in live.tables.iter_mut() {
        let Some(o) = settled.tables.get(key) else {
            continue;
        };
        for (name, p) in t.policies.iter_mut() {
            if let Some(op) = o.policies.get(name) {
                if p.using.is_some() == op.using.is_some()
                    && p.with_check.is_some() == op.with_check.is_some()
                {
                    p.using = op.using.clone();
                    p.with_check = op.with_check.clone();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parsed_body;

    #[test]
    fn parsed_bodies_are_told_from_strings() {
        assert!(parsed_body(
            "CREATE OR REPLACE FUNCTION a.f(x integer)\n RETURNS integer\n LANGUAGE sql\nRETURN (x + 1)"
        ));
        assert!(parsed_body(
            "CREATE OR REPLACE FUNCTION a.f()\n RETURNS integer\n LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\nEND"
        ));
        assert!(!parsed_body(
            "CREATE OR REPLACE FUNCTION a.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$\nRETURN 1\n$function$"
        ));
        assert!(!parsed_body(
            "CREATE OR REPLACE FUNCTION a.f()\n RETURNS integer\n LANGUAGE plpgsql\nAS $function$ BEGIN RETURN 1; END $function$"
        ));
    }
}
