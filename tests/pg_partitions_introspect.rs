//! Partitioned tables and inheritance read from the live catalog (issue 16): the statement
//! count does not grow with partitions; a partition attached from a standalone table reads
//! as one created `PARTITION OF` (no perpetual diff); what a table inherits is its parent's,
//! and a default or NOT NULL it sets on such a column by itself is listed, not lost.

mod pg;

use pg::TestDb;
use schemadiff::introspect::postgres::{self as pgi, introspect, introspect_pair};

#[test]
fn the_same_number_of_statements_for_10_and_2000_partitions() {
    for n in [10usize, 2000] {
        let db = TestDb::create(&format!("part_count_{n}"));
        let mut client = db.client();
        let mut sql = String::new();
        for p in 0..20 {
            sql.push_str(&format!(
                "CREATE TABLE p{p} (id int NOT NULL, k int NOT NULL, v text, PRIMARY KEY (id, k)) PARTITION BY LIST (k);
                 CREATE INDEX p{p}_v ON p{p} (v);\n"
            ));
        }
        client.batch_execute(&sql).unwrap();
        let parts: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "CREATE TABLE p{}_{i} PARTITION OF p{} FOR VALUES IN ({i});\n",
                    i % 20,
                    i % 20
                )
            })
            .collect();
        for chunk in parts.chunks(200) {
            client.batch_execute(&chunk.concat()).unwrap();
        }
        let read = introspect(&mut client, &[]).unwrap();
        assert_eq!(read.schema.tables.len(), n + 20);
        assert_eq!(read.queries, pgi::STATEMENTS, "{n} partitions");
        // The partitions' copies of the key and index are the parents'.
        let indexes: usize = read.schema.tables.values().map(|t| t.indexes.len()).sum();
        assert_eq!(indexes, 20);
        assert!(
            read.schema.unmanaged.is_empty(),
            "{:?}",
            read.schema.unmanaged
        );
        let pair = introspect_pair(&mut client, &mut db.client(), &[]).unwrap();
        assert_eq!(pair.schema, read.schema);
        assert_eq!(pair.queries, pgi::PAIR_STATEMENTS);
    }
}

#[test]
fn an_attached_partition_reads_as_one_created_partition_of() {
    let parent = "CREATE TABLE m (id int NOT NULL, d date NOT NULL, v text CHECK (v <> ''),
                    PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
                  CREATE INDEX m_v ON m (v);";
    let created = TestDb::create("part_created");
    created
        .client()
        .batch_execute(&format!(
            "{parent} CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
        ))
        .unwrap();
    let attached = TestDb::create("part_attached");
    attached
        .client()
        .batch_execute(&format!(
            "{parent} CREATE TABLE m1 (id int NOT NULL, d date NOT NULL,
                                       v text CONSTRAINT m_v_check CHECK (v <> ''),
                                       CONSTRAINT own_pkey PRIMARY KEY (id, d));
             CREATE INDEX own_v ON m1 (v);
             ALTER TABLE m ATTACH PARTITION m1 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
        ))
        .unwrap();
    let a = introspect(&mut created.client(), &[]).unwrap().schema;
    let b = introspect(&mut attached.client(), &[]).unwrap().schema;
    assert_eq!(a, b);
    let m1 = &a.tables["public.m1"];
    assert!(m1.columns.is_empty() && m1.checks.is_empty() && m1.primary_key.is_none());
    assert!(m1.indexes.is_empty());
    // Their copies of the parent's key and index are known by name (not compared).
    let names = |s: &schemadiff::model::Schema| {
        let t = &s.tables["public.m1"];
        let mut v: Vec<String> = (t.inherited.constraints.iter().map(|(n, _)| n.clone()))
            .chain(t.inherited.indexes.iter().map(|i| i.name.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&a), ["m1_pkey", "m1_v_idx"]);
    assert_eq!(names(&b), ["own_pkey", "own_v"]);
}

#[test]
fn a_default_or_not_null_set_on_an_inherited_column_is_listed() {
    let db = TestDb::create("part_inherited_cols");
    db.client()
        .batch_execute(
            "CREATE TABLE p (id int NOT NULL, v int DEFAULT 1) PARTITION BY RANGE (id);
             CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
             CREATE TABLE p2 PARTITION OF p (v DEFAULT 5) FOR VALUES FROM (10) TO (20);
             CREATE TABLE pv (id int, name text);
             CREATE TABLE c1 (name text NOT NULL) INHERITS (pv);
             CREATE TABLE c2 (id int PRIMARY KEY) INHERITS (pv);",
        )
        .unwrap();
    let s = introspect(&mut db.client(), &[]).unwrap().schema;
    let keys: Vec<&String> = s.unmanaged.keys().collect();
    // c2's NOT NULL is its primary key's doing.
    assert_eq!(
        keys,
        [
            "inherited column public.c1.name",
            "inherited column public.p2.v"
        ]
    );
    assert!(s.unmanaged["inherited column public.p2.v"].starts_with("default "));
    assert!(s.unmanaged["inherited column public.c1.name"].starts_with("NOT NULL "));
    assert!(s.tables["public.c1"].columns.is_empty());
    assert_eq!(s.tables["public.c2"].columns.len(), 0);
}

/// A comment on a partitioned table's index (relkind `I`) is read like one on a plain
/// table's index: it was lost, so a declared one was never created, nor its removal seen.
#[test]
fn a_comment_on_a_partitioned_tables_index_is_read() {
    let db = TestDb::create("part_index_comment");
    db.client()
        .batch_execute(
            "CREATE TABLE m (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
             CREATE INDEX \"m D\" ON m (d);
             COMMENT ON INDEX \"m D\" IS 'by day';
             COMMENT ON INDEX m_pkey IS 'the key';",
        )
        .unwrap();
    let s = introspect(&mut db.client(), &[]).unwrap().schema;
    let mut read: Vec<(String, String)> = (s.comments.values())
        .filter_map(|c| match &c.on {
            schemadiff::model::CommentTarget::Index { name, .. } => {
                Some((name.clone(), c.text.clone()))
            }
            _ => None,
        })
        .collect();
    read.sort();
    assert_eq!(
        read,
        [
            ("m D".to_string(), "by day".to_string()),
            ("m_pkey".to_string(), "the key".to_string())
        ]
    );
}
