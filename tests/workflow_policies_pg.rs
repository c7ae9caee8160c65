//! The revision workflow with row-level security, through the binary on the real server: a
//! project whose schemas/ hold a Supabase-style `auth.uid()` function, tables with
//! row-level security on (one forced), policies calling the function, reading another
//! table and naming PUBLIC or `postgres`, and a comment on a policy. `generate` →
//! `upgrade head` → `check` clean → `generate` writes nothing; then edits (a `USING`, the
//! roles, a command, a dropped policy, a new one, the switches) → `generate` (snapshots/
//! loaded this time) → `upgrade head` → `check` → `generate` writes nothing →
//! `downgrade -1` → the database is the first revision's again → `verify`.

mod common;
mod pg;

use common::Run;
use pg::TestDb;
use schemadiff::introspect::postgres::introspect;
use std::path::{Path, PathBuf};

const V1: &str = r#"CREATE SCHEMA auth;
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
CREATE TABLE teams (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE members (team_id integer NOT NULL REFERENCES teams, user_id uuid NOT NULL,
  PRIMARY KEY (team_id, user_id));
CREATE TABLE posts (
  id integer PRIMARY KEY,
  team_id integer NOT NULL REFERENCES teams,
  author uuid NOT NULL,
  body text NOT NULL,
  published boolean NOT NULL DEFAULT false
);
ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
CREATE POLICY posts_read ON posts FOR SELECT
  USING (published OR team_id IN (SELECT m.team_id FROM members m WHERE m.user_id = auth.uid()));
CREATE POLICY posts_write ON posts FOR INSERT TO postgres WITH CHECK (author = auth.uid());
CREATE POLICY posts_edit ON posts FOR UPDATE USING (author = auth.uid());
COMMENT ON POLICY posts_read ON posts IS 'Published posts and those of my teams';
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE members FORCE ROW LEVEL SECURITY;
CREATE POLICY members_self ON members AS RESTRICTIVE USING (user_id = auth.uid());
"#;

/// V1 edited: a `USING`, roles, a command (drop + create), a dropped and a new policy, the
/// switches of members (no longer forced) and teams (enabled).
fn v2() -> String {
    let edits = [
        (
            "USING (published OR team_id",
            "USING ((published AND body <> '') OR team_id",
        ),
        (
            "FOR INSERT TO postgres WITH CHECK",
            "FOR INSERT TO PUBLIC WITH CHECK",
        ),
        (
            "CREATE POLICY posts_edit ON posts FOR UPDATE USING (author = auth.uid());\n",
            "CREATE POLICY posts_edit ON posts FOR DELETE USING (author = auth.uid());\n",
        ),
        ("ALTER TABLE members FORCE ROW LEVEL SECURITY;\n", ""),
        (
            "CREATE POLICY members_self ON members AS RESTRICTIVE USING (user_id = auth.uid());\n",
            "",
        ),
    ];
    let mut s = V1.to_string();
    for (from, to) in edits {
        assert!(s.contains(from), "{from}");
        s = s.replace(from, to);
    }
    s + "ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
CREATE POLICY teams_read ON teams FOR SELECT USING (id IN (SELECT m.team_id FROM members m WHERE m.user_id = auth.uid()));
"
}

struct Project {
    dir: PathBuf,
    cache: PathBuf,
}

impl Project {
    fn new(name: &str, db: &TestDb) -> Project {
        let p = Project {
            dir: common::temp_dir(name),
            cache: common::cache_dir(),
        };
        p.ok(&["init", "--dialect", "postgres"]);
        let cfg = std::fs::read_to_string(p.dir.join("schemadiff.toml")).unwrap();
        let cfg = cfg.replace("postgresql://localhost/app", &db.url());
        std::fs::write(p.dir.join("schemadiff.toml"), cfg).unwrap();
        p
    }

    fn declare(&self, schema: &str) {
        std::fs::write(self.dir.join("schemas/schema.sql"), schema).unwrap();
    }

    /// Every run with one catalog cache, as on a user's machine.
    fn run(&self, args: &[&str]) -> Run {
        common::run_env(&self.dir, args, &[("SCHEMADIFF_CACHE_DIR", &self.cache)])
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
        let r = self.run(&["check"]);
        assert_eq!(r.code, 0, "check:\n{}\n{}", r.stdout, r.stderr);
    }

    fn same_as(&self, db: &TestDb, schema: &str, name: &str) -> Run {
        let file = self.dir.join(name);
        std::fs::write(&file, schema).unwrap();
        self.run(&[
            "diff",
            "--exit-code",
            "--from",
            &db.url(),
            "--to",
            path(&file),
        ])
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The policies of the database: table, name, command, roles, permissive, one a line.
fn policies(db: &TestDb) -> Vec<String> {
    db.client()
        .query(
            "SELECT tablename || ' ' || policyname || ' ' || cmd || ' ' || roles::text || ' ' || permissive
             FROM pg_policies ORDER BY tablename, policyname",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn switches(db: &TestDb) -> Vec<String> {
    db.client()
        .query(
            "SELECT relname || ' ' || relrowsecurity || ' ' || relforcerowsecurity FROM pg_class
             WHERE relname IN ('teams', 'members', 'posts') ORDER BY relname",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn policies_generate_upgrade_check_and_back() {
    let db = TestDb::create("rls_workflow");
    let p = Project::new("pg_wf_rls", &db);
    p.declare(V1);
    p.ok(&["generate", "-m", "one"]);
    let table_file = std::fs::read_to_string(p.dir.join("snapshots/public__posts.sql")).unwrap();
    assert!(
        table_file.contains("CREATE POLICY posts_read ON public.posts AS PERMISSIVE FOR SELECT")
            && table_file.contains("ALTER TABLE public.posts ENABLE ROW LEVEL SECURITY;")
            && table_file.contains("COMMENT ON POLICY posts_read ON public.posts IS"),
        "{table_file}"
    );
    p.ok(&["upgrade", "head"]);
    p.check_clean();
    p.generate_nothing();
    let first = introspect(&mut db.client(), &[]).unwrap().schema;
    assert_eq!(
        policies(&db),
        [
            "members members_self ALL {public} RESTRICTIVE",
            "posts posts_edit UPDATE {public} PERMISSIVE",
            "posts posts_read SELECT {public} PERMISSIVE",
            "posts posts_write INSERT {postgres} PERMISSIVE",
        ]
    );
    assert_eq!(
        switches(&db),
        ["members true true", "posts true false", "teams false false"]
    );
    db.client()
        .batch_execute(
            "INSERT INTO teams VALUES (1, 'a');
             INSERT INTO posts VALUES (1, 1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'hi', true);",
        )
        .unwrap();

    p.declare(&v2());
    p.ok(&["generate", "-m", "two"]);
    let rev = std::fs::read_to_string(common::revision_named(&p.revisions(), "two")).unwrap();
    let up = rev.split("-- migrate:down").next().unwrap();
    for expected in [
        "ALTER POLICY posts_read ON public.posts USING",
        "ALTER POLICY posts_write ON public.posts TO PUBLIC;",
        "DROP POLICY posts_edit ON public.posts;",
        "CREATE POLICY posts_edit ON public.posts AS PERMISSIVE FOR DELETE TO PUBLIC",
        "DROP POLICY members_self ON public.members;",
        "CREATE POLICY teams_read ON public.teams",
        "ALTER TABLE public.members NO FORCE ROW LEVEL SECURITY;",
        "ALTER TABLE public.teams ENABLE ROW LEVEL SECURITY;",
    ] {
        assert!(up.contains(expected), "{expected} missing:\n{rev}");
    }
    p.ok(&["upgrade", "head"]);
    p.check_clean();
    p.generate_nothing();
    assert_eq!(p.same_as(&db, &v2(), "v2.sql").code, 0);
    assert_eq!(
        switches(&db),
        ["members true false", "posts true false", "teams true false"]
    );

    p.ok(&["downgrade", "-1"]);
    let back = p.same_as(&db, V1, "v1.sql");
    assert_eq!(back.code, 0, "{}\n{}", back.stdout, back.stderr);
    assert_eq!(introspect(&mut db.client(), &[]).unwrap().schema, first);
    p.ok(&["upgrade", "head"]);
    p.check_clean();
    let v = p.ok(&["verify"]);
    assert!(v.stdout.contains("ok"), "{}", v.stdout);
}
