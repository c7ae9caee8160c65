//! Reads a live PostgreSQL catalog into [`Schema`] with a fixed set of bulk `pg_catalog`
//! queries (the `.sql` files beside this module), whatever the number of tables: one query
//! per kind of object, all in one read-only REPEATABLE READ transaction so they see one
//! snapshot, with `search_path` empty so that every name the server prints is qualified.
//!
//! Left out: system schemas, objects that belong to an extension, and schemadiff's own
//! bookkeeping tables. Partitioned tables, partitions and foreign tables are recognized and
//! listed in [`Schema::unmanaged`], never modelled (so never altered).

pub mod connect;
mod rows;

pub use connect::{connect, ConnectError};

use crate::model::{qualified_key, Extension, Schema};
use postgres::{Client, IsolationLevel, Row};

const NAMESPACES: &str = include_str!("queries/namespaces.sql");
const EXTENSIONS: &str = include_str!("queries/extensions.sql");
const RELATIONS: &str = include_str!("queries/relations.sql");
const COLUMNS: &str = include_str!("queries/columns.sql");
const CONSTRAINTS: &str = include_str!("queries/constraints.sql");
const INDEXES: &str = include_str!("queries/indexes.sql");
const ENUMS: &str = include_str!("queries/enums.sql");
const VIEW_DEPS: &str = include_str!("queries/view_deps.sql");

/// Tables schemadiff keeps in the user's database; never part of the user's schema.
pub const BOOKKEEPING: &[&str] = &["schemadiff_version", "schemadiff_history"];

/// A schema read from a server, with the number of statements it took.
/// What `unmanaged` says of an index a failed concurrent build left INVALID.
pub const INVALID_INDEX: &str = "an INVALID index left by a failed concurrent build: it is compared as if valid; DROP INDEX CONCURRENTLY it and build it again";

#[derive(Debug)]
pub struct Introspection {
    pub schema: Schema,
    /// Statements sent to the server (fixed, whatever the schema's size).
    pub queries: usize,
    /// Indexes the server marks invalid (a failed `CREATE INDEX CONCURRENTLY`), as keys.
    pub invalid_indexes: Vec<String>,
}

/// Reads every non-system schema, or only those named in `only`.
pub fn introspect(client: &mut Client, only: &[String]) -> Result<Introspection, postgres::Error> {
    let mut tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    tx.batch_execute("SET LOCAL search_path = ''")?;
    let mut queries = 1;
    let only = only.to_vec();
    let mut run = |sql: &str| -> Result<Vec<Row>, postgres::Error> {
        queries += 1;
        if sql.contains("$1") {
            tx.query(sql, &[&only])
        } else {
            tx.query(sql, &[])
        }
    };
    let namespaces = run(NAMESPACES)?;
    let extensions = run(EXTENSIONS)?;
    let relations = run(RELATIONS)?;
    let columns = run(COLUMNS)?;
    let constraints = run(CONSTRAINTS)?;
    let indexes = run(INDEXES)?;
    let enums = run(ENUMS)?;
    let view_deps = run(VIEW_DEPS)?;
    tx.commit()?;

    let mut schema = Schema {
        schemas: namespaces.iter().map(|r| r.get(0)).collect(),
        ..Schema::default()
    };
    for row in &extensions {
        let ext = Extension {
            name: row.get(0),
            schema: row.get(1),
        };
        schema.extensions.insert(ext.name.clone(), ext);
    }
    let mut rels = rows::Relations::read(&relations, &mut schema);
    rels.add_columns(&columns, &mut schema);
    rels.add_constraints(&constraints, &mut schema);
    let invalid_indexes = rels.add_indexes(&indexes, &mut schema);
    for key in &invalid_indexes {
        schema.unmanaged.insert(key.clone(), INVALID_INDEX.into());
    }
    rels.add_view_deps(&view_deps, &mut schema);
    for row in &enums {
        let e = rows::enum_type(row);
        schema.enums.insert(qualified_key(&e.schema, &e.name), e);
    }
    for name in BOOKKEEPING {
        schema.tables.retain(|_, t| t.name != *name);
    }
    Ok(Introspection {
        schema,
        queries,
        invalid_indexes,
    })
}
