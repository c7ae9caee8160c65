//! The revision workflow with issue 15's objects, through the binary on the real server:
//! a project whose schemas/ hold a domain with two CHECKs used by two tables, an enum, a
//! composite type used by a column and a function, functions called by a CHECK, a default,
//! a partial index and a view, a trigger function and its trigger, an INSTEAD OF trigger on
//! the view and comments on several kinds. `generate` → `upgrade head` → `check` → edits
//! (a body, a result type, a domain CHECK, an attribute, a disabled trigger, a comment) →
//! `generate` (snapshots/ loaded this time) → `upgrade head` → `check` → `downgrade -1` →
//! the database is the first revision's again → `verify`. Also the two-line case of
//! docs/real-schemas.md (a CHECK calling a function), which failed before issue 15.

mod common;

use common::Run;
mod pg;

use pg::TestDb;
use schemadiff::introspect::postgres::introspect;
use std::path::{Path, PathBuf};

const V1: &str = r#"CREATE DOMAIN percent AS integer
  CONSTRAINT pct_min CHECK (VALUE >= 0) CONSTRAINT pct_max CHECK (VALUE <= 100);
CREATE TYPE status AS ENUM ('new', 'done');
CREATE TYPE money_pair AS (amount numeric(12,2), currency char(3));
CREATE FUNCTION positive(integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 > 0';
CREATE FUNCTION default_rank() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 1';
CREATE FUNCTION lower_title(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT lower($1)';
CREATE FUNCTION pair_total(p money_pair) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT (p).amount';
CREATE TABLE tasks (
  id integer PRIMARY KEY,
  title text NOT NULL,
  state status NOT NULL DEFAULT 'new',
  progress percent,
  rank integer DEFAULT default_rank() CHECK (positive(rank)),
  price money_pair,
  updated_at timestamptz
);
CREATE TABLE goals (id integer PRIMARY KEY, reached percent NOT NULL DEFAULT 0);
CREATE INDEX tasks_open_title ON tasks (lower_title(title)) WHERE state <> 'done';
CREATE VIEW task_titles AS
  SELECT id, lower_title(title) AS title, pair_total(price) AS total FROM tasks;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := '2000-01-01 00:00:00+00';
  RETURN NEW;
END
$$;
CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION touch();
CREATE FUNCTION task_titles_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.tasks (id, title) VALUES (NEW.id, NEW.title);
  RETURN NEW;
END
$$;
CREATE TRIGGER task_titles_ins INSTEAD OF INSERT ON task_titles
  FOR EACH ROW EXECUTE FUNCTION task_titles_insert();
COMMENT ON TABLE tasks IS 'Work items';
COMMENT ON COLUMN tasks.progress IS 'Percent done';
COMMENT ON FUNCTION positive(integer) IS 'Strictly positive';
COMMENT ON DOMAIN percent IS 'Zero to one hundred';
COMMENT ON TYPE money_pair IS 'An amount and its currency';
COMMENT ON TRIGGER tasks_touch ON tasks IS 'Keeps updated_at';
COMMENT ON VIEW task_titles IS 'Titles in lower case';
"#;

/// V1 edited: a body (`lower_title`), a result type (`pair_total`, called by the view), a
/// third domain CHECK, an attribute, a disabled trigger, a changed comment.
fn v2() -> String {
    let edits = [
        (
            "CHECK (VALUE <= 100);",
            "CHECK (VALUE <= 100) CONSTRAINT pct_step CHECK (VALUE % 5 = 0);",
        ),
        ("currency char(3));", "currency char(3), rate numeric);"),
        ("'SELECT lower($1)'", "'SELECT lower(btrim($1))'"),
        (
            "RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT (p).amount';",
            "RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT (p).amount::text || ' ' || (p).currency$$;",
        ),
        ("IS 'Work items';", "IS 'Work items, one per row';"),
    ];
    let mut s = V1.to_string();
    for (from, to) in edits {
        assert!(s.contains(from), "{from}");
        s = s.replace(from, to);
    }
    s + "ALTER TABLE tasks DISABLE TRIGGER tasks_touch;\n"
}

/// How the runs of one test use the catalog cache.
#[derive(Clone, Copy)]
enum Cache {
    /// Every run with an empty cache of its own (nothing is read back).
    Fresh,
    /// One cache directory for every run of the project, as a user's machine has.
    Shared,
}

struct Project {
    dir: PathBuf,
    cache: Option<PathBuf>,
}

impl Project {
    fn new(name: &str, db: &TestDb, schema: &str, cache: Cache) -> Project {
        let dir = common::temp_dir(name);
        let cache = match cache {
            Cache::Fresh => None,
            Cache::Shared => Some(common::cache_dir()),
        };
        let p = Project { dir, cache };
        p.ok(&["init", "--dialect", "postgres"]);
        let cfg = std::fs::read_to_string(p.dir.join("schemadiff.toml")).unwrap();
        let cfg = cfg.replace("postgresql://localhost/app", &db.url());
        std::fs::write(p.dir.join("schemadiff.toml"), cfg).unwrap();
        p.declare(schema);
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

    /// `generate` with nothing to do: exit 0, "No changes detected", no new file.
    fn generate_nothing(&self) {
        let before = self.revisions();
        let r = self.ok(&["generate", "-m", "nothing"]);
        assert!(r.stderr.contains("No changes detected"), "{}", r.stderr);
        assert_eq!(self.revisions(), before, "generate wrote a revision");
    }

    fn check_clean(&self) {
        let r = self.run(&["check"]);
        assert_eq!(r.code, 0, "check:\n{}\n{}", r.stdout, r.stderr);
    }
}

/// `diff --exit-code` from the database to a declared file: 0 when they are the same.
fn same_as(p: &Project, db: &TestDb, file: &Path) -> Run {
    p.run(&[
        "diff",
        "--exit-code",
        "--from",
        &db.url(),
        "--to",
        file.to_str().unwrap(),
    ])
}

fn one(db: &TestDb, sql: &str) -> String {
    db.client().query_one(sql, &[]).unwrap().get(0)
}

fn routines_loop(label: &str, cache: Cache) {
    let db = TestDb::create(label);
    let p = Project::new(&format!("pg_wf_{label}"), &db, V1, cache);
    p.ok(&["generate", "-m", "one"]);
    for f in [
        "_types.sql",
        "_functions.sql",
        "_views.sql",
        "public__tasks.sql",
    ] {
        assert!(p.dir.join("snapshots").join(f).exists(), "snapshots/{f}");
    }
    p.ok(&["upgrade", "head"]);
    p.check_clean();
    p.generate_nothing();
    let first = introspect(&mut db.client(), &[]).unwrap().schema;

    // The objects work: the INSTEAD OF trigger inserts through the view, the default calls
    // its function, the BEFORE UPDATE trigger runs.
    let mut c = db.client();
    c.batch_execute(
        "INSERT INTO task_titles (id, title) VALUES (1, ' Write ');
         UPDATE tasks SET progress = 10, price = ROW(2.50, 'EUR') WHERE id = 1;",
    )
    .unwrap();
    assert_eq!(
        one(
            &db,
            "SELECT rank::text || ' ' || updated_at::date::text FROM tasks"
        ),
        "1 2000-01-01"
    );

    p.declare(&v2());
    let gen = p.ok(&["generate", "-m", "two"]);
    let rev = std::fs::read_to_string(common::revision_named(&p.revisions(), "two")).unwrap();
    let up = rev.split("-- migrate:down").next().unwrap();
    // pair_total's result changes: the view that calls it goes first and comes back after.
    let (drop_view, drop_fn, create_view) = (
        up.find("DROP VIEW public.task_titles"),
        up.find("DROP FUNCTION public.pair_total"),
        up.find("CREATE VIEW public.task_titles"),
    );
    assert!(
        drop_view.is_some() && drop_view < drop_fn && drop_fn < create_view,
        "view not re-created around the function:\n{rev}\n{}",
        gen.stderr
    );
    assert!(
        up.contains("ALTER DOMAIN public.percent ADD CONSTRAINT pct_step"),
        "{rev}"
    );
    assert!(up.contains("ADD ATTRIBUTE rate numeric"), "{rev}");
    assert!(up.contains("DISABLE TRIGGER tasks_touch"), "{rev}");
    assert!(up.contains("SELECT lower(btrim($1))"), "{rev}");
    assert!(up.contains("'Work items, one per row'"), "{rev}");
    p.ok(&["upgrade", "head"]);
    p.check_clean();
    p.generate_nothing();
    let v2_file = p.dir.join("v2.sql");
    std::fs::write(&v2_file, v2()).unwrap();
    assert_eq!(same_as(&p, &db, &v2_file).code, 0);
    assert_eq!(one(&db, "SELECT title FROM task_titles"), "write");
    assert_eq!(one(&db, "SELECT total FROM task_titles"), "2.50 EUR");
    assert_eq!(
        one(
            &db,
            "SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'tasks_touch'"
        ),
        "D"
    );
    // The INSTEAD OF trigger came back with the view.
    c.batch_execute("INSERT INTO task_titles (id, title) VALUES (2, 'two')")
        .unwrap();

    // Down to the first revision: the database is what V1 declares, and `check` says only
    // that it is behind the head.
    c.batch_execute("DELETE FROM tasks WHERE id = 2").unwrap();
    p.ok(&["downgrade", "-1"]);
    let v1_file = p.dir.join("v1.sql");
    std::fs::write(&v1_file, V1).unwrap();
    let back = same_as(&p, &db, &v1_file);
    assert_eq!(back.code, 0, "{}\n{}", back.stdout, back.stderr);
    assert_eq!(introspect(&mut db.client(), &[]).unwrap().schema, first);
    let behind = p.run(&["check"]);
    assert_eq!(behind.code, 1, "{}", behind.stdout);
    assert!(behind.stdout.contains("[not-at-head]"), "{}", behind.stdout);
    assert!(
        !behind.stdout.contains("[unrevisioned"),
        "{}",
        behind.stdout
    );
    assert_eq!(one(&db, "SELECT title FROM task_titles"), " write ");

    p.ok(&["upgrade", "head"]);
    p.check_clean();
    let v = p.ok(&["verify"]);
    assert!(v.stdout.contains("ok"), "{}", v.stdout);
}

#[test]
fn routines_loop_each_run_with_an_empty_cache() {
    routines_loop("rt_fresh", Cache::Fresh);
}

/// The same loop with one catalog cache for every run, as on a user's machine: the second
/// `generate` reads snapshots/ back from the cache.
#[test]
fn routines_loop_with_a_shared_cache() {
    routines_loop("rt_shared", Cache::Shared);
}

/// docs/real-schemas.md, footnote ¹: a CHECK calling a function made snapshots/ unloadable
/// (`function public.positive(integer) does not exist`), so every `generate` and `check`
/// after the first failed.
#[test]
fn a_check_calling_a_function_survives_the_second_generate() {
    let db = TestDb::create("rt_footnote");
    let schema = "CREATE FUNCTION positive(integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 > 0';
CREATE TABLE t (id integer PRIMARY KEY, v integer CHECK (positive(v)));
";
    for cache in [Cache::Fresh, Cache::Shared] {
        let p = Project::new("pg_wf_rt_footnote", &db, schema, cache);
        p.ok(&["generate", "-m", "one"]);
        p.ok(&["upgrade", "head"]);
        p.check_clean();
        p.generate_nothing();
        p.ok(&["downgrade", "base"]);
    }
}

/// An aggregate (reported, not managed) built on a managed function and called by a view,
/// as pagila's `group_concat`: the user adds it by hand to the first revision, between the
/// function and the view. The later `generate`, `check` and `verify` load snapshots/, which
/// cannot hold the aggregate, with the one of schemas/ (docs/real-schemas.md); a second
/// aggregate, on a function only schemas/ has, is left out of that load.
#[test]
fn an_aggregate_called_by_a_view_is_loaded_with_the_snapshots() {
    let db = TestDb::create("rt_aggregate");
    let v1 = "CREATE FUNCTION _cat(text, text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$SELECT coalesce($1 || ', ', '') || $2$$;
CREATE AGGREGATE cat(text) (SFUNC = _cat, STYPE = text);
CREATE TABLE tags (id integer PRIMARY KEY, name text NOT NULL);
CREATE VIEW tag_list AS SELECT cat(name ORDER BY name) AS names FROM tags;
";
    let p = Project::new("pg_wf_rt_aggregate", &db, v1, Cache::Fresh);
    let gen = p.ok(&["generate", "-m", "one"]);
    assert!(
        gen.stderr.contains("aggregate public.cat(text)"),
        "{}",
        gen.stderr
    );
    let rev = p.revisions().pop().unwrap();
    let text = std::fs::read_to_string(&rev).unwrap();
    let (up, down) = text.split_once("-- migrate:down").unwrap();
    assert!(!up.contains("AGGREGATE"), "{up}");
    let up = up.replacen(
        "CREATE VIEW",
        "CREATE AGGREGATE public.cat(text) (SFUNC = public._cat, STYPE = text);\n\nCREATE VIEW",
        1,
    );
    let down = down.replacen(
        "DROP FUNCTION",
        "DROP AGGREGATE public.cat(text);\n\nDROP FUNCTION",
        1,
    );
    std::fs::write(&rev, format!("{up}-- migrate:down{down}")).unwrap();
    p.ok(&["upgrade", "head"]);
    p.check_clean();
    p.generate_nothing();

    // Another aggregate on a new function: snapshots/ do not name it, so it is not loaded
    // with them (its function is not there yet).
    p.declare(
        &(v1.to_string()
            + "ALTER TABLE tags ADD COLUMN color text;
CREATE FUNCTION _cat2(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT $1 || $2$$;
CREATE AGGREGATE cat2(text) (SFUNC = _cat2, STYPE = text);
"),
    );
    p.ok(&["generate", "-m", "two"]);
    p.ok(&["upgrade", "head"]);
    p.check_clean();
    p.generate_nothing();
    let v = p.ok(&["verify"]);
    assert!(v.stdout.contains("ok"), "{}", v.stdout);
    p.ok(&["downgrade", "base"]);
}
