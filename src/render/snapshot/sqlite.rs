//! SQLite snapshot files: one file per table (with its indexes and triggers), one per
//! virtual table, plus `_views.sql`.

use super::file_stem;
use crate::model::Schema;
use crate::render::sqlite::{create_index, create_table, create_virtual_table};
use std::collections::BTreeMap;

/// Returns the snapshot files for `schema`: file name → content.
pub fn files(schema: &Schema) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for table in schema.tables.values() {
        let mut text = create_table(table, None) + ";\n";
        for index in table.indexes.values() {
            text.push_str(&create_index(index));
            text.push_str(";\n");
        }
        for trigger in schema.triggers.values().filter(|t| t.table == table.name) {
            text.push_str(&trigger.sql);
            text.push_str(";\n");
        }
        out.insert(format!("{}.sql", file_stem(&table.name)), text);
    }
    for v in schema.virtual_tables.values() {
        let text = create_virtual_table(v) + ";\n";
        out.insert(format!("{}.sql", file_stem(&v.name)), text);
    }
    if !schema.views.is_empty() {
        let text: String = crate::plan::sqlite::view_order(&schema.views)
            .into_iter()
            .map(|v| format!("{};\n", schema.views[v].sql))
            .collect();
        out.insert("_views.sql".into(), text);
    }
    out
}
