//! Reads a live PostgreSQL catalog into [`Schema`] with a fixed set of bulk `pg_catalog`
//! queries (the `.sql` files beside this module), whatever the number of tables: one query
//! per kind of object, all in one read-only REPEATABLE READ transaction so they see one
//! snapshot (or, with [`introspect_pair`], two transactions on two connections sharing one
//! exported snapshot), with `search_path` empty so that every name the server prints is
//! qualified.
//!
//! Left out: system schemas, objects that belong to an extension, and schemadiff's own
//! bookkeeping tables. Partitioned tables, partitions and inheritance children are tables
//! (what they take from their parent is the parent's). Foreign tables, and every other
//! kind of object schemadiff does not manage (aggregates, event triggers, operators,
//! casts, collations, rules, policies of partitioned tables, publications, ...: `queries/unmanaged.sql`) are
//! recognized and listed in [`Schema::unmanaged`], never modelled (so never altered).

pub mod connect;
mod inherited;
mod objects;
mod privileges;
mod rows;

pub use objects::default_multirange;

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
const FUNCTIONS: &str = include_str!("queries/functions.sql");
const TRIGGERS: &str = include_str!("queries/triggers.sql");
const POLICIES: &str = include_str!("queries/policies.sql");
const DOMAINS: &str = include_str!("queries/domains.sql");
const COMPOSITES: &str = include_str!("queries/composites.sql");
const RANGES: &str = include_str!("queries/ranges.sql");
const COMMENTS: &str = include_str!("queries/comments.sql");
const DEPENDS: &str = include_str!("queries/depends.sql");
const UNMANAGED: &str = include_str!("queries/unmanaged.sql");
const PRIVILEGES: &str = include_str!("queries/privileges.sql");

/// Statements [`introspect`] sends, whatever the schema's size: `SET LOCAL search_path`
/// and the 17 catalog queries.
pub const STATEMENTS: usize = 18;
/// Statements [`introspect_pair`] sends over its two connections: the snapshot export,
/// the helper's `SET TRANSACTION SNAPSHOT` and the 17 catalog queries.
pub const PAIR_STATEMENTS: usize = 19;

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
}

/// The rows of each catalog query, in the order they are read.
struct Rows {
    namespaces: Vec<Row>,
    extensions: Vec<Row>,
    relations: Vec<Row>,
    columns: Vec<Row>,
    constraints: Vec<Row>,
    indexes: Vec<Row>,
    enums: Vec<Row>,
    view_deps: Vec<Row>,
    functions: Vec<Row>,
    triggers: Vec<Row>,
    policies: Vec<Row>,
    domains: Vec<Row>,
    composites: Vec<Row>,
    ranges: Vec<Row>,
    comments: Vec<Row>,
    depends: Vec<Row>,
    unmanaged: Vec<Row>,
    privileges: Vec<Row>,
}

/// Runs `sql` with `only` as `$1` when it takes it.
fn query(
    tx: &mut postgres::Transaction<'_>,
    sql: &str,
    only: &[String],
) -> Result<Vec<Row>, postgres::Error> {
    if sql.contains("$1") {
        tx.query(sql, &[&only])
    } else {
        tx.query(sql, &[])
    }
}

fn read_only_snapshot(client: &mut Client) -> Result<postgres::Transaction<'_>, postgres::Error> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
}

/// Where the catalog queries can run in one snapshot: a connection (a read-only REPEATABLE
/// READ transaction of its own) or a transaction under way (a savepoint in it, which sees
/// what the transaction did: a scratch database loaded inside a transaction that is rolled
/// back).
pub trait Snapshot: postgres::GenericClient {
    /// A transaction whose queries see one state of the catalog.
    fn snapshot(&mut self) -> Result<postgres::Transaction<'_>, postgres::Error>;
}

impl Snapshot for Client {
    fn snapshot(&mut self) -> Result<postgres::Transaction<'_>, postgres::Error> {
        read_only_snapshot(self)
    }
}

impl Snapshot for postgres::Transaction<'_> {
    fn snapshot(&mut self) -> Result<postgres::Transaction<'_>, postgres::Error> {
        self.transaction()
    }
}

/// Reads every non-system schema, or only those named in `only`.
pub fn introspect(
    client: &mut impl Snapshot,
    only: &[String],
) -> Result<Introspection, postgres::Error> {
    let mut tx = client.snapshot()?;
    tx.batch_execute("SET LOCAL search_path = ''")?;
    let rows = Rows {
        namespaces: query(&mut tx, NAMESPACES, only)?,
        extensions: query(&mut tx, EXTENSIONS, only)?,
        relations: query(&mut tx, RELATIONS, only)?,
        columns: query(&mut tx, COLUMNS, only)?,
        constraints: query(&mut tx, CONSTRAINTS, only)?,
        indexes: query(&mut tx, INDEXES, only)?,
        enums: query(&mut tx, ENUMS, only)?,
        view_deps: query(&mut tx, VIEW_DEPS, only)?,
        functions: query(&mut tx, FUNCTIONS, only)?,
        triggers: query(&mut tx, TRIGGERS, only)?,
        policies: query(&mut tx, POLICIES, only)?,
        domains: query(&mut tx, DOMAINS, only)?,
        composites: query(&mut tx, COMPOSITES, only)?,
        ranges: query(&mut tx, RANGES, only)?,
        comments: query(&mut tx, COMMENTS, only)?,
        depends: query(&mut tx, DEPENDS, only)?,
        unmanaged: query(&mut tx, UNMANAGED, only)?,
        privileges: query(&mut tx, PRIVILEGES, only)?,
    };
    tx.commit()?;
    Ok(build(rows, STATEMENTS))
}

/// As [`introspect`], with the catalog queries split over `client` and a second
/// connection `helper` to the same database, run at the same time in one snapshot
/// (`pg_export_snapshot()`, then `SET TRANSACTION SNAPSHOT` on the helper). On a fresh
/// connection most of the time is the server deparsing constraints and indexes and
/// building its caches for each table, work that two backends share out; the helper
/// reads the indexes, functions, triggers and dependencies (about half of the time),
/// `client` the rest. [`PAIR_STATEMENTS`] round trips, whatever the schema's size.
///
/// When the pair fails (a server that refuses to export or import the snapshot, a helper
/// connected to another database), `client` alone reads the schema as [`introspect`] does.
pub fn introspect_pair(
    client: &mut Client,
    helper: &mut Client,
    only: &[String],
) -> Result<Introspection, postgres::Error> {
    match read_pair(client, helper, only) {
        Ok(read) => Ok(read),
        Err(_) => introspect(client, only),
    }
}

fn read_pair(
    client: &mut Client,
    helper: &mut Client,
    only: &[String],
) -> Result<Introspection, postgres::Error> {
    let mut tx = read_only_snapshot(client)?;
    let snapshot: String = tx
        .query_one(
            "SELECT pg_catalog.set_config('search_path', '', true), pg_catalog.pg_export_snapshot()",
            &[],
        )?
        .get(1);
    let (helper_rows, rest) = std::thread::scope(|scope| {
        let helper_side = scope.spawn(|| -> Result<[Vec<Row>; 4], postgres::Error> {
            let mut htx = read_only_snapshot(helper)?;
            // Quoted as a literal: the snapshot id is the server's own text.
            htx.batch_execute(&format!(
                "SET TRANSACTION SNAPSHOT '{}'; SET LOCAL search_path = ''",
                snapshot.replace('\'', "''")
            ))?;
            let rows = [
                query(&mut htx, INDEXES, only)?,
                query(&mut htx, FUNCTIONS, only)?,
                query(&mut htx, TRIGGERS, only)?,
                query(&mut htx, DEPENDS, only)?,
            ];
            htx.commit()?;
            Ok(rows)
        });
        let rest = (|| -> Result<_, postgres::Error> {
            Ok(Rows {
                namespaces: query(&mut tx, NAMESPACES, only)?,
                extensions: query(&mut tx, EXTENSIONS, only)?,
                relations: query(&mut tx, RELATIONS, only)?,
                columns: query(&mut tx, COLUMNS, only)?,
                constraints: query(&mut tx, CONSTRAINTS, only)?,
                indexes: Vec::new(),
                enums: query(&mut tx, ENUMS, only)?,
                view_deps: query(&mut tx, VIEW_DEPS, only)?,
                functions: Vec::new(),
                triggers: Vec::new(),
                policies: query(&mut tx, POLICIES, only)?,
                domains: query(&mut tx, DOMAINS, only)?,
                composites: query(&mut tx, COMPOSITES, only)?,
                ranges: query(&mut tx, RANGES, only)?,
                comments: query(&mut tx, COMMENTS, only)?,
                depends: Vec::new(),
                unmanaged: query(&mut tx, UNMANAGED, only)?,
                privileges: query(&mut tx, PRIVILEGES, only)?,
            })
        })();
        let helper_rows = crate::threads::joined(helper_side);
        (helper_rows, rest)
    });
    let mut rows = rest?;
    [rows.indexes, rows.functions, rows.triggers, rows.depends] = helper_rows?;
    // The snapshot stays exported until this transaction ends, after the helper's.
    tx.commit()?;
    Ok(build(rows, PAIR_STATEMENTS))
}

/// Builds the schema from the rows of every catalog query.
fn build(rows: Rows, queries: usize) -> Introspection {
    let Rows {
        namespaces,
        extensions,
        relations,
        columns,
        constraints,
        indexes,
        enums,
        view_deps,
        functions,
        triggers,
        policies,
        domains,
        composites,
        ranges,
        comments,
        depends,
        unmanaged,
        privileges,
    } = rows;
    let mut schema = Schema {
        schemas: namespaces.iter().map(|r| r.get(0)).collect(),
        ..Schema::default()
    };
    for row in &extensions {
        let ext = Extension {
            name: row.get(0),
            schema: row.get(1),
            version: row.get(2),
        };
        schema.extensions.insert(ext.name.clone(), ext);
    }
    let mut rels = rows::Relations::read(&relations, &mut schema);
    rels.add_columns(&columns, &mut schema);
    rels.add_constraints(&constraints, &mut schema);
    inherited::report(&rels.inherited, &mut schema);
    // Indexes a failed concurrent build left INVALID are compared as usual and listed here.
    for key in rels.add_indexes(&indexes, &mut schema) {
        schema.unmanaged.insert(key, INVALID_INDEX.into());
    }
    rels.add_view_deps(&view_deps, &mut schema);
    for row in &enums {
        let e = rows::enum_type(row);
        schema.enums.insert(qualified_key(&e.schema, &e.name), e);
    }
    for name in BOOKKEEPING {
        schema.tables.retain(|_, t| t.name != *name);
    }
    objects::add_functions(&functions, &mut schema);
    objects::add_triggers(&triggers, &mut schema, BOOKKEEPING);
    objects::add_policies(&policies, &mut schema);
    objects::add_domains(&domains, &mut schema);
    objects::add_composites(&composites, &mut schema);
    objects::add_ranges(&ranges, &mut schema);
    objects::add_comments(&comments, &mut schema);
    objects::add_depends(&depends, &triggers, &mut schema);
    objects::add_unmanaged(&unmanaged, &mut schema);
    privileges::add_privileges(&privileges, &mut schema);
    Introspection { schema, queries }
}
