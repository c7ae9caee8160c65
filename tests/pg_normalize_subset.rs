//! `normalize_live` loads only the part of the live model that settles the texts that
//! differ (docs/performance.md, cold live `diff`): its result must be the one the whole
//! print gives, and the part must load on its own (a part that does not load falls back to
//! the whole print, which would hide a missing dependency behind a second load).

mod common;
mod pg;

use schemadiff::declare::{
    declare_postgres, normalize_live, normalize_live_part, normalize_live_whole, SourceFile,
};
use schemadiff::introspect::postgres::connect::Config;
use schemadiff::model::Schema;
use schemadiff::render::snapshot::postgres::files as print;
use std::path::{Path, PathBuf};

fn server() -> Config {
    let _ = pg::admin(); // fails saying how to start the server
    schemadiff::introspect::postgres::connect::config(&pg::server_url()).unwrap()
}

fn source(path: &Path, text: &str) -> Vec<SourceFile> {
    vec![SourceFile {
        path: path.to_path_buf(),
        text: text.to_string(),
    }]
}

/// The model of a database `psql` built from `script`; `None` when psql refuses it.
fn live_from(script: &Path) -> Option<Schema> {
    let db = pg::TestDb::create("normsub");
    let (ok, _) = pg::psql(&db.url(), script);
    if !ok {
        return None;
    }
    let mut client = db.client();
    Some(
        schemadiff::introspect::postgres::introspect(&mut client, &[])
            .unwrap()
            .schema,
    )
}

/// What one live model normalized against `other` did.
#[derive(Default)]
struct Seen {
    /// Normalizations whose result differs from the live model as read.
    changed: usize,
    /// Normalizations that loaded a part.
    parts: usize,
}

/// Normalizes `live` against `other` with the part and with the whole print: the results
/// must be equal, and a part must load on its own.
fn same_result(server: &Config, what: &str, live: &Schema, other: &Schema, seen: &mut Seen) {
    let part = normalize_live_part(live, other);
    if let Some(part) = &part {
        let files: Vec<SourceFile> = print(part)
            .into_iter()
            .map(|(name, text)| SourceFile {
                path: PathBuf::from("<part>").join(name),
                text,
            })
            .collect();
        if let Err(e) = declare_postgres(&files, server) {
            panic!("{what}: the part does not load: {e}\n{files:#?}");
        }
        seen.parts += 1;
    }
    let whole = normalize_live_whole(live.clone(), other, print, server, None);
    let subset = normalize_live(live.clone(), other, print, server, None);
    assert!(
        whole == subset,
        "{what}: the part settles differently from the whole print:\nwhole: {whole:#?}\npart: {subset:#?}"
    );
    if whole != *live {
        seen.changed += 1;
    }
}

#[test]
fn a_part_settles_the_fixture_corpus_as_the_whole_print() {
    // The rls_* and priv_* fixtures grant to these.
    pg::ensure_test_roles();
    let server = server();
    let all = std::env::var("SCHEMADIFF_SUBSET_CORPUS").is_ok_and(|v| v == "all");
    let mut seen = Seen::default();
    let mut candidates = 0;
    for case in common::cases("postgres") {
        let (before, after) = (case.join("before.sql"), case.join("after.sql"));
        let (Ok(b), Ok(a)) = (
            std::fs::read_to_string(&before),
            std::fs::read_to_string(&after),
        ) else {
            continue;
        };
        // Only cases where a text can settle differently from its first print, with more
        // than one relation (else a part is the whole). In CI every eighth of them, from the
        // fifth (9 cases, 11 s on a busy machine; the sample holds dom_check_changed and
        // trg_when_column_retyped, whose normalizations load parts);
        // SCHEMADIFF_SUBSET_CORPUS=all compares all 75 (12 load parts).
        let relations = |t: &str| t.matches("CREATE TABLE").count() + t.matches("VIEW").count();
        let texts = [
            "CHECK",
            "DEFAULT",
            "VIEW",
            "POLICY",
            "WHEN",
            "GENERATED",
            "INDEX",
        ];
        if relations(&b) + relations(&a) < 3 || !texts.iter().any(|t| b.contains(t)) {
            continue;
        }
        candidates += 1;
        if !all && candidates % 8 != 5 {
            continue;
        }
        let (Ok(decl_before), Ok(decl_after)) = (
            declare_postgres(&source(&before, &b), &server),
            declare_postgres(&source(&after, &a), &server),
        ) else {
            continue;
        };
        let (Some(live_before), Some(live_after)) = (live_from(&before), live_from(&after)) else {
            continue;
        };
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        same_result(
            &server,
            &format!("{name}: live before.sql against declared after.sql"),
            &live_before,
            &decl_after,
            &mut seen,
        );
        same_result(
            &server,
            &format!("{name}: live after.sql against declared before.sql"),
            &live_after,
            &decl_before,
            &mut seen,
        );
    }
    eprintln!(
        "{candidates} candidate cases; {} normalizations loaded a part, {} changed the live model",
        seen.parts, seen.changed
    );
    assert!(seen.parts >= 4, "too few cases load a part");
}

/// Texts that settle (a `varchar` compared with a list prints as an array of casts, which
/// prints differently once loaded again): CHECKs of a table with a foreign key to a table
/// whose texts do not, and of a partition (its parent is needed); a view that also reads
/// another table; a policy that reads another table. A function with a parsed body reads
/// a table (functions are all loaded, so is that table); a serial column's sequence in a
/// table left out; a policy that prints as read; tables nothing needs.
const SCHEMA: &str = "
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE SEQUENCE shared_seq;
CREATE FUNCTION twice(i integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN i * 2;
CREATE TABLE counted (id integer PRIMARY KEY);
CREATE FUNCTION how_many() RETURNS bigint LANGUAGE sql STABLE
    BEGIN ATOMIC SELECT count(*) FROM counted; END;
CREATE TABLE parent (id integer PRIMARY KEY, status text CHECK (status IN ('a', 'b')));
CREATE TABLE child (
    id integer PRIMARY KEY DEFAULT nextval('shared_seq'),
    parent_id integer REFERENCES parent,
    m mood,
    code varchar(5) NOT NULL CHECK (code IN ('x', 'y')),
    n integer DEFAULT twice(3)
);
CREATE TABLE other (id integer PRIMARY KEY, name text);
CREATE VIEW both_sides AS SELECT c.id, o.name FROM child c JOIN other o ON o.id = c.id WHERE c.code IN ('x', 'z');
CREATE TABLE events (at date NOT NULL, kind varchar(5)) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events (CONSTRAINT kinds CHECK (kind IN ('p', 'q')))
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE lookup (id integer PRIMARY KEY);
CREATE TABLE guarded (id integer PRIMARY KEY, owner varchar(5));
ALTER TABLE guarded ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON guarded USING (owner IN ('a', 'b') AND id IN (SELECT id FROM lookup));
CREATE TABLE calm (id integer PRIMARY KEY, owner_id integer);
ALTER TABLE calm ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON calm USING (owner_id IN (SELECT id FROM parent));
CREATE TABLE unrelated_1 (id serial PRIMARY KEY, note text DEFAULT 'n');
CREATE TABLE unrelated_2 (id integer PRIMARY KEY, u integer REFERENCES unrelated_1);
";

#[test]
fn only_the_tables_whose_texts_differ_and_what_they_need_are_loaded() {
    let server = server();
    let dir = common::temp_dir("normalize_subset");
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("schema.sql");
    std::fs::write(&script, SCHEMA).unwrap();
    let declared = declare_postgres(&source(&script, SCHEMA), &server).unwrap();
    // The live database also has a table the declared side lacks, whose CHECK settles too
    // (the whole print settles it).
    let live_script = dir.join("live.sql");
    let only_live = "CREATE TABLE only_live (s varchar(3) CHECK (s IN ('a', 'b')));\n";
    std::fs::write(&live_script, format!("{SCHEMA}{only_live}")).unwrap();
    let live = live_from(&live_script).expect("psql loads the schema");
    let part = normalize_live_part(&live, &declared).expect("a part, not the whole");
    let tables: Vec<&str> = part.tables.keys().map(String::as_str).collect();
    // The CHECKs of child and events_2024, the view's body and guarded's policy differ:
    // those, the view's other table, the partition's parent, the table the policy reads,
    // the table the function reads, the table only the live side has. Not parent, which
    // child's foreign key (left out) references, nor calm, whose policy prints as read.
    assert_eq!(
        tables,
        [
            "public.child",
            "public.counted",
            "public.events",
            "public.events_2024",
            "public.guarded",
            "public.lookup",
            "public.only_live",
            "public.other",
        ],
        "{part:#?}"
    );
    let views: Vec<&str> = part.views.keys().map(String::as_str).collect();
    assert_eq!(views, ["public.both_sides"]);
    assert!(part.tables.values().all(|t| t.foreign_keys.is_empty()));
    let mut seen = Seen::default();
    same_result(&server, "schema", &live, &declared, &mut seen);
    assert_eq!((seen.changed, seen.parts), (1, 1));
}
