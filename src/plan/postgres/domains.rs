//! `ALTER DOMAIN` and `ALTER TYPE … ATTRIBUTE` for domains and composite types on both
//! sides ([`Phase::AlterRoutine`], after the routines they may call are created).
//!
//! What PostgreSQL cannot alter (a domain's base type or collation, a composite type's
//! attribute order) is dropped and created again when nothing uses it, and otherwise
//! carries an [`HazardKind::UnsupportedChange`]: the drop stops the script.
//! Sources: <https://www.postgresql.org/docs/current/sql-alterdomain.html>,
//! <https://www.postgresql.org/docs/current/sql-altertype.html>.

use super::domain_columns::{columns_of, move_composite_columns, recreate_in_use};
use super::routines::{refuse_in_use, uses, Routine, Routines};
use super::{hazard, AttributeAction, DomainAction, Op, Phase, Steps};
use crate::model::{CompositeType, Domain, DomainCheck, Function, Schema};
use crate::plan::{HazardKind, LockOptions};
use std::collections::BTreeSet;

/// A CHECK's definition without the ` NOT VALID` the server prints after an unvalidated one.
pub(crate) fn bare_check(definition: &str) -> String {
    definition
        .strip_suffix(" NOT VALID")
        .unwrap_or(definition)
        .to_string()
}

fn alter(d: &Domain, action: DomainAction) -> Op {
    Op::AlterDomain {
        schema: d.schema.clone(),
        name: d.name.clone(),
        action,
    }
}

/// Plans a domain on both sides whose definition differs.
pub(crate) fn alter_domain(
    steps: &mut Steps,
    routines: &mut Routines,
    (before, after): (&Domain, &Domain),
    (from, to): (&Schema, &Schema),
    affected: &mut BTreeSet<String>,
    options: &LockOptions,
) {
    let users = uses(from, &before.schema, &before.name);
    let key = crate::model::qualified_key(&after.schema, &after.name);
    let domain = (before, after);
    if before.base_type != after.base_type || before.collation != after.collation {
        let why =
            "PostgreSQL cannot change a domain's base type or collation, nor drop a domain in use";
        recreate_in_use(steps, routines, affected, domain, from, to, why);
        return;
    }
    // PostgreSQL checks no array of a domain: it refuses a new CHECK or NOT NULL while an
    // array column holds the domain ("cannot alter type … because column … uses it").
    let validates = (after.not_null && !before.not_null)
        || after.checks.iter().any(|c| {
            !before
                .checks
                .iter()
                .any(|b| b.definition == c.definition && b.valid >= c.valid)
        });
    if validates && columns_of(from, before).iter().any(|u| u.array) {
        let why = "PostgreSQL cannot add a CHECK or NOT NULL to a domain an array column holds, nor drop a domain in use";
        recreate_in_use(steps, routines, affected, domain, from, to, why);
        return;
    }
    if before.default != after.default {
        let op = alter(after, DomainAction::SetDefault(after.default.clone()));
        steps.push(Phase::AlterRoutine, op);
    }
    if before.not_null != after.not_null {
        let mut hazards = Vec::new();
        if after.not_null && !users.is_empty() {
            let detail = format!(
                "SET NOT NULL on domain {key} fails if a column using it holds NULL ({})",
                users.join(", ")
            );
            hazards.push(hazard(HazardKind::MayFailOnExistingRows, detail));
        }
        let op = alter(after, DomainAction::SetNotNull(after.not_null));
        steps.risky(Phase::AlterRoutine, op, hazards);
    }
    checks(steps, before, after, &users, options);
}

/// CHECK constraints by name: renamed (same definition, one each side), validated (left
/// `NOT VALID`), dropped, added.
fn checks(
    steps: &mut Steps,
    before: &Domain,
    after: &Domain,
    users: &[String],
    options: &LockOptions,
) {
    let old_only: Vec<&DomainCheck> = before
        .checks
        .iter()
        .filter(|c| !after.checks.contains(c))
        .collect();
    let new_only: Vec<&DomainCheck> = after
        .checks
        .iter()
        .filter(|c| !before.checks.contains(c))
        .collect();
    let mut done: Vec<&str> = Vec::new();
    // After the drops: a check may take the name of one that goes.
    let mut renames = Vec::new();
    for new in &new_only {
        // Left NOT VALID (a validation that failed, or added so): validate it in place.
        let invalid = old_only.iter().find(|o| {
            o.name == new.name
                && !o.valid
                && new.valid
                && bare_check(&o.definition) == new.definition
        });
        if invalid.is_some() {
            validate(steps, after, &new.name, users, Phase::AlterRoutine);
            done.push(&new.name);
            continue;
        }
        let same = |c: &&&DomainCheck| c.definition == new.definition && c.valid == new.valid;
        let olds: Vec<_> = old_only.iter().filter(same).collect();
        let news = new_only
            .iter()
            .filter(|c| c.definition == new.definition)
            .count();
        if let ([old], 1) = (olds.as_slice(), news) {
            let taken = after.checks.iter().any(|c| c.name == old.name);
            if old.name != new.name && !taken {
                let rename = DomainAction::RenameCheck {
                    from: old.name.clone(),
                    to: new.name.clone(),
                };
                renames.push(alter(after, rename));
                done.push(&old.name);
                done.push(&new.name);
            }
        }
    }
    for old in old_only.iter().filter(|c| !done.contains(&c.name.as_str())) {
        let op = alter(after, DomainAction::DropCheck(old.name.clone()));
        steps.push(Phase::AlterRoutine, op);
    }
    for op in renames {
        steps.push(Phase::AlterRoutine, op);
    }
    for new in new_only.iter().filter(|c| !done.contains(&c.name.as_str())) {
        add_check(steps, after, new, users, options);
    }
}

/// `ADD CONSTRAINT`: validated at once, or (under `--not-valid`, for a domain in use)
/// `NOT VALID` in the transaction and validated after the commit.
fn add_check(
    steps: &mut Steps,
    d: &Domain,
    c: &DomainCheck,
    users: &[String],
    options: &LockOptions,
) {
    let later = c.valid && options.not_valid && !users.is_empty();
    let add = DomainAction::AddCheck {
        name: c.name.clone(),
        definition: bare_check(&c.definition),
        not_valid: !c.valid || later,
    };
    if !c.valid || users.is_empty() {
        steps.push(Phase::AlterRoutine, alter(d, add));
    } else if later {
        steps.push(Phase::AlterRoutine, alter(d, add));
        validate(steps, d, &c.name, users, Phase::AfterCommit);
    } else {
        let hazards = vec![check_hazard(d, &c.name, users)];
        steps.risky(Phase::AlterRoutine, alter(d, add), hazards);
    }
}

fn validate(steps: &mut Steps, d: &Domain, name: &str, users: &[String], phase: Phase) {
    let hazards = if users.is_empty() {
        Vec::new()
    } else {
        vec![check_hazard(d, name, users)]
    };
    let op = alter(d, DomainAction::ValidateCheck(name.to_string()));
    steps.risky(phase, op, hazards);
}

fn check_hazard(d: &Domain, name: &str, users: &[String]) -> crate::plan::Hazard {
    let detail = format!(
        "checking {name} of domain {}.{} reads every row of what uses it ({}) and fails if one violates it",
        d.schema,
        d.name,
        users.join(", ")
    );
    hazard(HazardKind::MayFailOnExistingRows, detail)
}

/// Drops the CHECKs and the default of domain `key` that call `f` before `f` is dropped,
/// and makes them again (as `to` has them) after it is created again. Returns `false` when
/// none of them names `f` (the dependency is somewhere schemadiff cannot make again).
pub(crate) fn recreate_calls(
    steps: &mut Steps,
    key: &str,
    f: &Function,
    from: &Schema,
    to: &Schema,
) -> bool {
    let Some(before) = from.domains.get(key) else {
        return false;
    };
    let call = format!("{}(", crate::sqltext::quote_pg_ident(&f.name));
    let calls = |text: &str| text.contains(&call);
    let after = to.domains.get(key);
    let mut found = false;
    for c in before.checks.iter().filter(|c| calls(&c.definition)) {
        found = true;
        let op = alter(before, DomainAction::DropCheck(c.name.clone()));
        steps.push(Phase::DropConstraint, op);
        if let Some((d, new)) =
            after.and_then(|d| Some((d, d.checks.iter().find(|n| n.name == c.name)?)))
        {
            let add = DomainAction::AddCheck {
                name: new.name.clone(),
                definition: bare_check(&new.definition),
                not_valid: !new.valid,
            };
            steps.push(Phase::AddConstraint, alter(d, add));
        }
    }
    if before.default.as_deref().is_some_and(calls) {
        found = true;
        steps.push(
            Phase::DropConstraint,
            alter(before, DomainAction::SetDefault(None)),
        );
        if let Some(d) = after.filter(|d| d.default.is_some()) {
            let op = alter(d, DomainAction::SetDefault(d.default.clone()));
            steps.push(Phase::AlterTable, op);
        }
    }
    found
}

/// Plans a composite type on both sides whose attributes differ: `ADD`, `DROP` and `ALTER
/// ATTRIBUTE` in place when the order of the kept attributes stays and the new ones come
/// last (PostgreSQL appends); otherwise dropped and created again.
pub(crate) fn alter_composite(
    steps: &mut Steps,
    routines: &mut Routines,
    (before, after): (&CompositeType, &CompositeType),
    (from, to): (&Schema, &Schema),
    affected: &mut BTreeSet<String>,
) {
    let users = uses(from, &before.schema, &before.name);
    let key = crate::model::qualified_key(&after.schema, &after.name);
    let has = |t: &CompositeType, n: &str| t.attributes.iter().any(|a| a.name == n);
    let kept_before: Vec<&str> = before
        .attributes
        .iter()
        .filter(|a| has(after, &a.name))
        .map(|a| a.name.as_str())
        .collect();
    let kept_after: Vec<&str> = after
        .attributes
        .iter()
        .filter(|a| has(before, &a.name))
        .map(|a| a.name.as_str())
        .collect();
    let last_kept = after.attributes.iter().rposition(|a| has(before, &a.name));
    let first_new = after.attributes.iter().position(|a| !has(before, &a.name));
    let appended = match (last_kept, first_new) {
        (Some(k), Some(n)) => k < n,
        _ => true,
    };
    if kept_before != kept_after || !appended {
        let what = format!("type {key}");
        let why = "PostgreSQL cannot reorder a composite type's attributes, nor drop a type in use";
        let hazards = refuse_in_use(&what, why, &users);
        let (old, new) = (
            Routine::Composite(before.clone()),
            Routine::Composite(after.clone()),
        );
        routines.recreate(old, new, hazards);
        return;
    }
    let op = |action| Op::AlterComposite {
        schema: after.schema.clone(),
        name: after.name.clone(),
        action,
    };
    let columns: Vec<String> = users
        .iter()
        .filter(|u| u.starts_with("column "))
        .cloned()
        .collect();
    for a in before.attributes.iter().filter(|a| !has(after, &a.name)) {
        let mut hazards = Vec::new();
        if !columns.is_empty() {
            let detail = format!(
                "drops attribute {} of type {key} and its values in {}",
                a.name,
                columns.join(", ")
            );
            hazards.push(hazard(HazardKind::DeletesData, detail));
        }
        steps.risky(
            Phase::AlterRoutine,
            op(AttributeAction::Drop(a.name.clone())),
            hazards,
        );
    }
    // Attributes changing type while table columns store the type: the columns go to text
    // and back around the change (after the views over them are dropped).
    let retyped = after.attributes.iter().any(|a| {
        (before.attributes.iter())
            .any(|b| b.name == a.name && (b.ty != a.ty || b.collation != a.collation))
    });
    let stored = !columns.is_empty() && retyped && only_columns(from, before);
    let mut moved = Vec::new();
    if stored {
        moved = move_composite_columns(steps, affected, after, to, from);
    }
    for a in &after.attributes {
        match before.attributes.iter().find(|b| b.name == a.name) {
            Some(b) if b == a => {}
            Some(_) if stored => {
                let action = op(AttributeAction::AlterType(a.clone()));
                steps.risky(
                    Phase::DropReplacedRoutine,
                    action,
                    std::mem::take(&mut moved),
                );
            }
            Some(_) => {
                let mut hazards = Vec::new();
                if !columns.is_empty() {
                    let detail = format!(
                        "PostgreSQL refuses to change the type of attribute {} of type {key} while {} stores it (\"cannot alter type because column uses it\"), so the script stops here; convert those columns by hand",
                        a.name,
                        columns.join(", ")
                    );
                    hazards.push(hazard(HazardKind::UnsupportedChange, detail));
                }
                steps.risky(
                    Phase::AlterRoutine,
                    op(AttributeAction::AlterType(a.clone())),
                    hazards,
                );
            }
            None => steps.push(Phase::AlterRoutine, op(AttributeAction::Add(a.clone()))),
        }
    }
}

/// Whether what uses composite type `t` (its server-listed dependents) is only columns of
/// tables and views: another type or domain nesting it blocks `ALTER ATTRIBUTE … TYPE` too.
fn only_columns(from: &Schema, t: &CompositeType) -> bool {
    let key = crate::model::qualified_key(&t.schema, &t.name);
    from.dependents.of(&key).iter().all(|d| match d {
        crate::model::Dependent::Other(text) => text.starts_with("column "),
        crate::model::Dependent::View(_) | crate::model::Dependent::Function(_) => true,
        _ => false,
    })
}
