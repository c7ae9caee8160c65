//! Probes: a text that cannot be issued again in place (a generated column's expression, a
//! view's body) loaded as a new object like the one it belongs to, inside a transaction
//! (a savepoint, in the kept scratch database) that is rolled back, to read the server's
//! print of it.

use super::{relation, Obj};
use crate::introspect::postgres as pg;
use crate::model::Schema;
use crate::sqltext::{quote_literal, quote_pg_ident, quote_pg_qualified};

/// How probe objects are named (with a number): one column or view per probed text.
const PROBE: &str = "schemadiff_fixpoint_probe";

/// A text loaded as a new object like the one it belongs to (a column of the same table and
/// type, a view of the same kind in the same schema), to read the server's print of it.
pub(super) struct Probe {
    obj: Obj,
    create: String,
    read: Read,
}

enum Read {
    /// The generation expression of column `column` of the table `table` (quoted).
    Column { table: String, column: String },
    /// The body of view `view` (quoted), printed after `prefix` as the introspection does.
    View { view: String, prefix: String },
}

/// The probe of `text` for `obj` (a generated column or a view), numbered `n`.
pub(super) fn probe_of(schema: &Schema, obj: &Obj, text: &str, n: usize) -> Option<Probe> {
    let name = format!("{PROBE}_{n}");
    let (create, read) = match obj {
        Obj::Generated(t, column) => {
            let (ns, rel) = relation(schema, t)?;
            let col = schema
                .tables
                .get(t)?
                .columns
                .iter()
                .find(|c| c.name == *column)?;
            let table = quote_pg_qualified(&ns, &rel);
            let collate = col
                .collation
                .as_deref()
                .map(|c| format!(" COLLATE {}", quote_pg_ident(c)))
                .unwrap_or_default();
            let create = format!(
                "ALTER TABLE {table} ADD COLUMN {name} {}{collate} GENERATED ALWAYS AS ({text}) STORED",
                col.ty
            );
            (
                create,
                Read::Column {
                    table,
                    column: name,
                },
            )
        }
        Obj::View(key) => {
            let view = schema.views.get(key)?;
            let ns = view.schema.clone().unwrap_or_else(|| "public".into());
            let head = if view.materialized {
                "MATERIALIZED VIEW"
            } else {
                "VIEW"
            };
            let prefix = format!("CREATE {head} {} AS\n", quote_pg_qualified(&ns, &view.name));
            let body = text.strip_prefix(&prefix)?;
            let probe = quote_pg_qualified(&ns, &name);
            let no_data = if view.materialized {
                " WITH NO DATA"
            } else {
                ""
            };
            let create = format!("CREATE {head} {probe} AS\n{body}{no_data}");
            (
                create,
                Read::View {
                    view: probe,
                    prefix,
                },
            )
        }
        _ => return None,
    };
    Some(Probe {
        obj: obj.clone(),
        create,
        read,
    })
}

/// The server's print of one probe, created in `tx`.
fn read_probe(tx: &mut postgres::Transaction<'_>, probe: &Probe) -> Option<String> {
    match &probe.read {
        Read::Column { table, column } => {
            let row = tx
                .query_one(
                    &format!(
                        "SELECT pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
                         FROM pg_catalog.pg_attrdef ad
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
                         WHERE a.attrelid = {}::regclass AND a.attname = {}",
                        quote_literal(table),
                        quote_literal(column)
                    ),
                    &[],
                )
                .ok()?;
            row.get::<_, Option<String>>(0)
        }
        Read::View { view, prefix } => {
            let row = tx
                .query_one(
                    &format!(
                        "SELECT pg_catalog.pg_get_viewdef({}::regclass)",
                        quote_literal(view)
                    ),
                    &[],
                )
                .ok()?;
            let def: String = row.get(0);
            // As the introspection reads a view (`rows.rs`).
            let def = def.trim().trim_end_matches(';').trim_end();
            Some(format!("{prefix}{def}"))
        }
    }
}

/// The prints of `probes`: all created in one transaction that is rolled back, or, when
/// the server refuses one of them, each in a transaction of its own (a refused probe gives
/// no print).
pub(super) fn run_probes(client: &mut impl pg::Snapshot, probes: &[Probe]) -> Vec<(Obj, String)> {
    let in_one = (|| -> Option<Vec<(Obj, String)>> {
        let mut tx = client.transaction().ok()?;
        let batch: String = probes.iter().map(|p| format!("{};\n", p.create)).collect();
        tx.batch_execute(&batch).ok()?;
        let mut out = Vec::new();
        for p in probes {
            out.push((p.obj.clone(), read_probe(&mut tx, p)?));
        }
        let _ = tx.rollback();
        Some(out)
    })();
    if let Some(out) = in_one {
        return out;
    }
    let mut out = Vec::new();
    for p in probes {
        let Ok(mut tx) = client.transaction() else {
            continue;
        };
        if tx.batch_execute(&p.create).is_ok() {
            if let Some(print) = read_probe(&mut tx, p) {
                out.push((p.obj.clone(), print));
            }
        }
        let _ = tx.rollback();
    }
    out
}
