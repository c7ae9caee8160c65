//! Turns the rows of the bulk catalog queries into model objects.

use crate::model::{
    qualified_key, Check, Column, EnumType, FkAction, ForeignKey, Generated, Identity, Index,
    IndexPart, PartitionOf, PrimaryKey, Schema, Sequence, SequenceOptions, Table, TableRef, Unique,
    View,
};
use crate::sqltext::quote_pg_qualified;
use postgres::Row;
use std::collections::BTreeMap;

/// What a relation oid is, so that later queries can attach to it.
enum Rel {
    Table(String),
    View(String),
    Other,
}

/// A column as constraint and index keys refer to it: attnum, name, quoted name.
struct Attr {
    num: i16,
    name: String,
    quoted: String,
}

/// Relations by oid, and the columns of each (in attnum order) once read.
pub struct Relations {
    by_oid: BTreeMap<i64, Rel>,
    attrs: BTreeMap<i64, Vec<Attr>>,
    /// Columns tables inherit, by table key: the parent's, read to see whether the table
    /// sets another default or NOT NULL on them ([`super::inherited::report`]).
    pub inherited: Vec<(String, Column)>,
}

impl Relations {
    /// Reads `relations.sql` rows: tables, views, sequences; unmanaged kinds are listed.
    pub fn read(rows: &[Row], schema: &mut Schema) -> Relations {
        let mut by_oid = BTreeMap::new();
        for row in rows {
            let oid: i64 = row.get("oid");
            let ns: String = row.get("nspname");
            let name: String = row.get("relname");
            let kind: String = row.get("relkind");
            let key = qualified_key(&ns, &name);
            let comment: Option<String> = row.get("comment");
            let rel = match (kind.as_str(), row.get::<_, bool>("relispartition")) {
                ("r" | "p", _) => {
                    let table = Table {
                        schema: Some(ns),
                        name,
                        comment,
                        row_security: row.get("relrowsecurity"),
                        force_row_security: row.get("relforcerowsecurity"),
                        partition_by: row.get("partkey"),
                        partition_of: partition_of(row),
                        inherits: inherits(row),
                        ..Table::default()
                    };
                    schema.tables.insert(key.clone(), table);
                    Rel::Table(key)
                }
                (_, true) => {
                    let parent: Option<String> = row.get("parent");
                    let what = format!("foreign partition of {}", parent.unwrap_or_default());
                    schema.unmanaged.insert(key, what);
                    Rel::Other
                }
                ("v" | "m", _) => {
                    let materialized = kind == "m";
                    let def: String = row.get("viewdef");
                    let def = def.trim().trim_end_matches(';').trim_end();
                    let head = if materialized {
                        "MATERIALIZED VIEW"
                    } else {
                        "VIEW"
                    };
                    let sql = format!("CREATE {head} {} AS\n{def}", quote_pg_qualified(&ns, &name));
                    let view = View {
                        schema: Some(ns),
                        name,
                        sql,
                        materialized,
                        comment,
                        ..View::default()
                    };
                    schema.views.insert(key.clone(), view);
                    Rel::View(key)
                }
                ("S", _) => {
                    if !row.get::<_, Option<bool>>("identity_seq").unwrap_or(false) {
                        let seq = sequence(row, ns, name);
                        schema.sequences.insert(key, seq);
                    }
                    Rel::Other
                }
                _ => {
                    schema.unmanaged.insert(key, "foreign table".into());
                    Rel::Other
                }
            };
            by_oid.insert(oid, rel);
        }
        Relations {
            by_oid,
            attrs: BTreeMap::new(),
            inherited: Vec::new(),
        }
    }

    fn table<'a>(&self, schema: &'a mut Schema, oid: i64) -> Option<&'a mut Table> {
        match self.by_oid.get(&oid) {
            Some(Rel::Table(key)) => schema.tables.get_mut(key),
            _ => None,
        }
    }

    /// Reads `columns.sql` rows into the tables (view columns are implied by their SQL),
    /// keeping each relation's attnums for the keys of constraints and indexes.
    pub fn add_columns(&mut self, rows: &[Row], schema: &mut Schema) {
        for row in rows {
            let relid: i64 = row.get("relid");
            self.attrs.entry(relid).or_default().push(Attr {
                num: row.get("attnum"),
                name: row.get("attname"),
                quoted: row.get("quoted"),
            });
            // A column a table inherits (every column of a partition) is its parent's.
            if row.get::<_, i32>("inhcount") > 0 {
                if let Some(Rel::Table(key)) = self.by_oid.get(&relid) {
                    self.inherited.push((key.clone(), column(row)));
                }
                continue;
            }
            if let Some(table) = self.table(schema, relid) {
                table.columns.push(column(row));
            }
        }
    }

    /// The column `num` of relation `relid` (rows come in attnum order).
    fn attr(&self, relid: i64, num: i16) -> Option<&Attr> {
        let attrs = self.attrs.get(&relid)?;
        let i = attrs.binary_search_by_key(&num, |a| a.num).ok()?;
        attrs.get(i)
    }

    /// The names of the columns `keys` of relation `relid`.
    fn names(&self, relid: i64, keys: &[i16]) -> Vec<String> {
        keys.iter()
            .filter_map(|k| self.attr(relid, *k).map(|a| a.name.clone()))
            .collect()
    }

    /// Reads `constraints.sql` rows into the tables.
    pub fn add_constraints(&mut self, rows: &[Row], schema: &mut Schema) {
        for row in rows {
            let relid: i64 = row.get("relid");
            let keys: Option<Vec<i16>> = row.get("keys");
            let columns = self.names(relid, &keys.unwrap_or_default());
            let ref_columns = match row.get::<_, Option<Vec<String>>>("ref_columns") {
                Some(names) => names,
                None => {
                    let keys: Option<Vec<i16>> = row.get("ref_keys");
                    self.names(row.get("ref_relid"), &keys.unwrap_or_default())
                }
            };
            let Some(table) = self.table(schema, relid) else {
                continue;
            };
            let name: String = row.get("conname");
            let definition: String = row.get("definition");
            // A partition's copy of its parent's key: the parent's, kept by name only.
            if row.get::<_, bool>("inherited") {
                table.inherited.constraints.push((name, definition));
                continue;
            }
            match row.get::<_, String>("contype").as_str() {
                "p" => {
                    table.primary_key = Some(PrimaryKey {
                        name: Some(name),
                        columns,
                        autoincrement: false,
                        desc: false,
                        definition: Some(definition),
                    })
                }
                "u" => table.uniques.push(Unique {
                    name: Some(name),
                    columns,
                    definition: Some(definition),
                }),
                "f" => table.foreign_keys.push(foreign_key(
                    row,
                    name,
                    (columns, ref_columns),
                    definition,
                )),
                // CHECK and EXCLUDE: compared and rendered by their definition.
                _ => table.checks.push(Check {
                    name: Some(name),
                    expr: definition.clone(),
                    definition: Some(definition),
                }),
            }
        }
        for table in schema.tables.values_mut() {
            table.uniques.sort();
            table.checks.sort();
            table.foreign_keys.sort();
        }
    }

    /// Reads `indexes.sql` rows into the tables; returns the keys of invalid indexes.
    pub fn add_indexes(&mut self, rows: &[Row], schema: &mut Schema) -> Vec<String> {
        let mut invalid = Vec::new();
        for row in rows {
            let relid: i64 = row.get("relid");
            let parts = self.index_parts(relid, row);
            if let Some(Rel::View(key)) = self.by_oid.get(&relid) {
                if let Some(view) = schema.views.get_mut(key) {
                    let index = view_index(row, key, parts);
                    if !row.get::<_, bool>("indisvalid") {
                        invalid.push(qualified_key(
                            view.schema.as_deref().unwrap_or(""),
                            &index.name,
                        ));
                    }
                    view.indexes.insert(index.name.clone(), index);
                }
                continue;
            }
            let Some(table) = self.table(schema, relid) else {
                continue;
            };
            let index = index(row, table, parts);
            // A partition's copy of its parent's index: the parent's, kept by name only.
            if row.get::<_, bool>("inherited") {
                table.inherited.indexes.push(index);
                continue;
            }
            if !row.get::<_, bool>("indisvalid") {
                let ns = table.schema.clone().unwrap_or_default();
                invalid.push(qualified_key(&ns, &index.name));
            }
            table.indexes.insert(index.name.clone(), index);
        }
        invalid
    }

    /// The key parts of an `indexes.sql` row: a plain column as the server quotes it, an
    /// expression as the server deparses it.
    fn index_parts(&self, relid: i64, row: &Row) -> Vec<IndexPart> {
        let n = row.get::<_, i32>("nkeys").max(0) as usize;
        let keys: Vec<i16> = row.get("keys");
        let options: Vec<i16> = row.get("options");
        let exprs: Option<Vec<String>> = row.get("expressions");
        keys.iter()
            .take(n)
            .enumerate()
            .map(|(k, num)| {
                let expr = match self.attr(relid, *num) {
                    Some(a) if *num != 0 => a.quoted.clone(),
                    _ => exprs
                        .as_ref()
                        .and_then(|e| e.get(k).cloned())
                        .unwrap_or_default(),
                };
                IndexPart {
                    expr,
                    collation: None,
                    // INDOPTION_DESC (src/include/catalog/pg_index.h).
                    desc: options.get(k).is_some_and(|o| o & 1 == 1),
                }
            })
            .collect()
    }

    /// Reads `view_deps.sql` rows into the views' `depends_on`.
    pub fn add_view_deps(&mut self, rows: &[Row], schema: &mut Schema) {
        for row in rows {
            let Some(Rel::View(key)) = self.by_oid.get(&row.get::<_, i64>("view_id")) else {
                continue;
            };
            let dep = qualified_key(&row.get::<_, String>(1), &row.get::<_, String>(2));
            if let Some(view) = schema.views.get_mut(key) {
                view.depends_on.push(dep);
            }
        }
    }
}

/// The parent and bound of a partition (a `relations.sql` row).
fn partition_of(row: &Row) -> Option<PartitionOf> {
    let bound: Option<String> = row.get("partbound");
    let schema: Option<String> = row.get("parent_schema");
    let name: Option<String> = row.get("parent_name");
    Some(PartitionOf {
        parent: TableRef {
            schema: schema?,
            name: name?,
        },
        bound: bound?,
    })
}

/// The parents of an inheritance child, in order (a `relations.sql` row).
fn inherits(row: &Row) -> Vec<TableRef> {
    let schemas: Option<Vec<String>> = row.get("inh_schemas");
    let names: Option<Vec<String>> = row.get("inh_names");
    (schemas.unwrap_or_default().into_iter())
        .zip(names.unwrap_or_default())
        .map(|(schema, name)| TableRef { schema, name })
        .collect()
}

fn column(row: &Row) -> Column {
    let identity: String = row.get("attidentity");
    let generated: String = row.get("attgenerated");
    let default: Option<String> = row.get("default_expr");
    let (default, generated) = if generated == "s" {
        let expr = default.unwrap_or_default();
        (None, Some(Generated { expr, stored: true }))
    } else {
        (default, None)
    };
    let identity = (!identity.is_empty()).then(|| Identity {
        always: identity == "a",
        options: sequence_options(row),
    });
    Column {
        name: row.get("attname"),
        ty: row.get("type"),
        not_null: row.get("attnotnull"),
        default,
        collation: row.get("collation"),
        generated,
        identity,
        comment: row.get("comment"),
    }
}

fn sequence_options(row: &Row) -> SequenceOptions {
    SequenceOptions {
        ty: row.get::<_, Option<String>>("seqtype").unwrap_or_default(),
        start: row.get::<_, Option<i64>>("seqstart").unwrap_or_default(),
        increment: row
            .get::<_, Option<i64>>("seqincrement")
            .unwrap_or_default(),
        min: row.get::<_, Option<i64>>("seqmin").unwrap_or_default(),
        max: row.get::<_, Option<i64>>("seqmax").unwrap_or_default(),
        cache: row.get::<_, Option<i64>>("seqcache").unwrap_or_default(),
        cycle: row.get::<_, Option<bool>>("seqcycle").unwrap_or_default(),
    }
}

fn sequence(row: &Row, schema: String, name: String) -> Sequence {
    let owner_schema: Option<String> = row.get("owner_schema");
    let owner_table: Option<String> = row.get("owner_table");
    let owner_column: Option<String> = row.get("owner_column");
    let owned_by = match (owner_schema, owner_table, owner_column) {
        (Some(s), Some(t), Some(c)) => Some((qualified_key(&s, &t), c)),
        _ => None,
    };
    Sequence {
        schema,
        name,
        options: sequence_options(row),
        owned_by,
    }
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

fn foreign_key(
    row: &Row,
    name: String,
    (columns, ref_columns): (Vec<String>, Vec<String>),
    definition: String,
) -> ForeignKey {
    let ref_schema: String = row.get("ref_schema");
    let ref_table: String = row.get("ref_table");
    ForeignKey {
        name: Some(name),
        columns,
        ref_table: qualified_key(&ref_schema, &ref_table),
        ref_columns,
        on_delete: action(&row.get::<_, String>("confdeltype")),
        on_update: action(&row.get::<_, String>("confupdtype")),
        deferred: row.get("condeferred"),
        definition: Some(definition),
    }
}

fn index(row: &Row, table: &Table, columns: Vec<IndexPart>) -> Index {
    let ns = table.schema.clone().unwrap_or_default();
    let name: String = row.get("name");
    let unique: bool = row.get("indisunique");
    let mut definition: String = row.get("definition");
    if table.partition_by.is_some() {
        definition = whole_tree(&definition, &name, unique);
    }
    Index {
        name,
        table: qualified_key(&ns, &table.name),
        unique,
        columns,
        predicate: row.get("predicate"),
        definition: Some(definition),
    }
}

/// The `CREATE INDEX` of a partitioned table's index as it is declared: the server prints
/// `ON ONLY table` (the form `pg_dump` uses to attach the partitions' indexes one by one),
/// which run alone builds no index on the partitions and leaves the parent's INVALID. The
/// head of the text is the server's own (`CREATE [UNIQUE] INDEX name ON ONLY `, the name
/// quoted as the server quotes it), so it is replaced only when it is exactly that.
fn whole_tree(definition: &str, name: &str, unique: bool) -> String {
    let head = format!(
        "CREATE {}INDEX {} ON ",
        if unique { "UNIQUE " } else { "" },
        crate::sqltext::quote_pg_ident(name)
    );
    match definition.strip_prefix(&format!("{head}ONLY ")) {
        Some(rest) => format!("{head}{rest}"),
        None => definition.to_string(),
    }
}

/// An index of the materialized view `key`.
fn view_index(row: &Row, key: &str, columns: Vec<IndexPart>) -> Index {
    Index {
        name: row.get("name"),
        table: key.to_string(),
        unique: row.get("indisunique"),
        columns,
        predicate: row.get("predicate"),
        definition: Some(row.get("definition")),
    }
}

/// Reads an `enums.sql` row.
pub fn enum_type(row: &Row) -> EnumType {
    EnumType {
        schema: row.get(0),
        name: row.get(1),
        labels: row.get(2),
        comment: row.get(3),
    }
}
