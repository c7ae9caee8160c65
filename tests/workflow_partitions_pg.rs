//! The revision workflow with partitioned tables and inheritance (issue 16), through the
//! binary on the real server: `generate` → `upgrade head` → `check` clean → `generate`
//! writes nothing; then edits (a column added to a partitioned parent, a partition added,
//! one detached into a table of its own, a child's own column, an index on the parent) →
//! `generate` (snapshots/ loaded this time) → `upgrade head` → `check` → `generate` writes
//! nothing → `downgrade -1` gives back the first revision's database → `verify`.

mod common;
mod pg;

use common::Run;
use pg::TestDb;
use std::path::{Path, PathBuf};

const V1: &str = r#"CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (
  id bigint NOT NULL,
  customer_id integer NOT NULL REFERENCES customers (id),
  placed_on date NOT NULL,
  total numeric(10,2) NOT NULL DEFAULT 0 CHECK (total >= 0),
  PRIMARY KEY (id, placed_on)
) PARTITION BY RANGE (placed_on);
CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE orders_2025 PARTITION OF orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE orders_2026 PARTITION OF orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
  PARTITION BY HASH (id);
CREATE TABLE orders_2026_a PARTITION OF orders_2026 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE orders_2026_b PARTITION OF orders_2026 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE refunds (
  id integer PRIMARY KEY,
  order_id bigint NOT NULL,
  placed_on date NOT NULL,
  FOREIGN KEY (order_id, placed_on) REFERENCES orders (id, placed_on)
);
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.total := round(NEW.total, 2);
  RETURN NEW;
END
$$;
CREATE TRIGGER orders_stamp BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION stamp();
CREATE TABLE vehicles (id integer NOT NULL, name text NOT NULL);
CREATE TABLE cars (seats smallint NOT NULL DEFAULT 4) INHERITS (vehicles);
CREATE TABLE trucks (payload_kg integer) INHERITS (vehicles);
"#;

/// V1 edited: a column on the partitioned parent, an index on it, a partition for 2027,
/// 2024 detached into a table of its own, a column of one child's own.
fn v2() -> String {
    let edits = [
        (
            "CHECK (total >= 0),",
            "CHECK (total >= 0),\n  channel text NOT NULL DEFAULT 'web',",
        ),
        (
            "CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
            "CREATE TABLE orders_2027 PARTITION OF orders FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');",
        ),
        ("(payload_kg integer)", "(payload_kg integer, axles smallint)"),
    ];
    let mut s = V1.to_string();
    for (from, to) in edits {
        assert!(s.contains(from), "{from}");
        s = s.replace(from, to);
    }
    // The archived year: its columns and the parent's CHECK and foreign key are its own now.
    s + "CREATE TABLE orders_2024 (
  id bigint NOT NULL,
  customer_id integer NOT NULL,
  placed_on date NOT NULL,
  total numeric(10,2) NOT NULL DEFAULT 0,
  channel text NOT NULL DEFAULT 'web',
  CONSTRAINT orders_total_check CHECK (total >= 0),
  CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT orders_2024_pkey PRIMARY KEY (id, placed_on)
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
"
}

struct Project {
    dir: PathBuf,
    cache: Option<PathBuf>,
}

impl Project {
    fn new(name: &str, db: &TestDb, shared_cache: bool) -> Project {
        let dir = common::temp_dir(name);
        let cache = shared_cache.then(common::cache_dir);
        let p = Project { dir, cache };
        p.ok(&["init", "--dialect", "postgres"]);
        let cfg = std::fs::read_to_string(p.dir.join("schemadiff.toml")).unwrap();
        let cfg = cfg.replace("postgresql://localhost/app", &db.url());
        std::fs::write(p.dir.join("schemadiff.toml"), cfg).unwrap();
        p.declare(V1);
        p
    }

    fn declare(&self, schema: &str) {
        std::fs::write(self.dir.join("schemas/schema.sql"), schema).unwrap();
    }

    fn run(&self, args: &[&str]) -> Run {
        match &self.cache {
            None => common::run_in(&self.dir, args),
            Some(c) => common::run_env(&self.dir, args, &[("SCHEMADIFF_CACHE_DIR", c)]),
        }
    }

    fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(
            r.code, 0,
            "schemadiff {args:?} failed:\n{}\n{}",
            r.stdout, r.stderr
        );
        r
    }

    fn revisions(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.dir.join("migrations"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        v.sort();
        v
    }

    fn generate_nothing(&self) {
        let before = self.revisions();
        let r = self.ok(&["generate", "-m", "nothing"]);
        assert!(r.stderr.contains("No changes detected"), "{}", r.stderr);
        assert_eq!(self.revisions(), before, "generate wrote a revision");
    }

    fn check_clean(&self) {
        let r = self.run(&["check", "--strict"]);
        assert_eq!(r.code, 0, "check:\n{}\n{}", r.stdout, r.stderr);
    }

    fn same_as(&self, db: &TestDb, file: &Path) -> Run {
        self.run(&[
            "diff",
            "--exit-code",
            "--from",
            &db.url(),
            "--to",
            file.to_str().unwrap(),
        ])
    }
}

fn one(db: &TestDb, sql: &str) -> i64 {
    db.client().query_one(sql, &[]).unwrap().get(0)
}

fn partitions_loop(label: &str, shared_cache: bool) {
    let db = TestDb::create(label);
    let p = Project::new(&format!("pg_wf_{label}"), &db, shared_cache);
    let first = p.ok(&["generate", "--strict", "-m", "one"]);
    assert!(!first.stderr.contains("not managed"), "{}", first.stderr);
    p.ok(&["upgrade", "head"]);
    p.check_clean();
    p.generate_nothing();
    db.client()
        .batch_execute(
            "INSERT INTO customers VALUES (1, 'Ada');
             INSERT INTO orders (id, customer_id, placed_on, total) VALUES
               (1, 1, '2024-03-01', 1.005), (2, 1, '2025-03-01', 2), (3, 1, '2026-03-01', 3),
               (4, 1, '2026-04-01', 4);
             INSERT INTO refunds VALUES (1, 2, '2025-03-01');
             INSERT INTO cars (id, name) VALUES (1, 'mini');
             INSERT INTO trucks (id, name, payload_kg) VALUES (2, 'hauler', 9000);",
        )
        .unwrap();

    p.declare(&v2());
    p.ok(&["generate", "--strict", "-m", "two"]);
    let rev = std::fs::read_to_string(common::revision_named(&p.revisions(), "two")).unwrap();
    let up = rev.split("-- migrate:down").next().unwrap();
    // One change on the parent, not one per partition; the detached table, which is not
    // the parent's any more, gets its own.
    let added = |t: &str| {
        up.matches(&format!("ALTER TABLE public.{t} ADD COLUMN channel"))
            .count()
    };
    assert_eq!(added("orders"), 1, "{rev}");
    assert_eq!(added("orders_2024"), 1, "{rev}");
    assert_eq!(up.matches("ADD COLUMN channel").count(), 2, "{rev}");
    // The detached table keeps the primary key it had from the parent: not added again.
    assert!(!up.contains("ADD CONSTRAINT"), "{rev}");
    assert_eq!(up.matches("CREATE INDEX").count(), 1, "{rev}");
    assert!(
        up.contains("ALTER TABLE public.orders DETACH PARTITION public.orders_2024;"),
        "{rev}"
    );
    assert!(up.contains("PARTITION OF public.orders FOR VALUES FROM ('2027-01-01')"));
    assert!(
        up.contains("ALTER TABLE public.trucks ADD COLUMN axles"),
        "{rev}"
    );
    assert!(!up.contains("DROP TABLE"), "{rev}");
    p.ok(&["upgrade", "head"]);
    p.check_clean();
    p.generate_nothing();
    let v2_file = p.dir.join("v2.sql");
    std::fs::write(&v2_file, v2()).unwrap();
    assert_eq!(p.same_as(&db, &v2_file).code, 0);
    assert_eq!(one(&db, "SELECT count(*) FROM ONLY orders_2024"), 1);
    assert_eq!(one(&db, "SELECT count(*) FROM orders"), 3);

    p.ok(&["downgrade", "-1"]);
    let v1_file = p.dir.join("v1.sql");
    std::fs::write(&v1_file, V1).unwrap();
    let back = p.same_as(&db, &v1_file);
    assert_eq!(back.code, 0, "{}\n{}", back.stdout, back.stderr);
    assert_eq!(one(&db, "SELECT count(*) FROM orders"), 4);
    p.ok(&["upgrade", "head"]);
    p.check_clean();
    let v = p.ok(&["verify"]);
    assert!(v.stdout.contains("ok"), "{}", v.stdout);
}

#[test]
fn partitions_loop_each_run_with_an_empty_cache() {
    partitions_loop("part_fresh", false);
}

#[test]
fn partitions_loop_with_a_shared_cache() {
    partitions_loop("part_shared", true);
}
