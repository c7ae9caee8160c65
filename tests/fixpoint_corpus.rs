//! The expression corpus (`tests/fixpoint/forms.txt`, one hand-written form a line) through
//! the whole PostgreSQL workflow on the real server, with the CLI binary: the server
//! rewrites many of these forms when it stores them, and its print, loaded again, prints
//! differently; schemadiff must still converge (docs/decisions.md, "Fixed-point
//! normalization"). All forms go into one schema file (a table each, plus its index or
//! view), so the workflow runs once:
//!
//! generate → upgrade head → `check` clean → `verify` → a second generate writes nothing →
//! snapshots/ declared equals schemas/ → `diff` of the live database against schemas/
//! empty, and its catalog read as is equals schemas/ declared; then a second database
//! built from schemas/ by `psql -f` and `stamp head`: `check` clean, and `diff` of it
//! against schemas/ and against the revision-built database empty. A failure names the
//! forms involved.

mod common;
mod pg;

use common::Run;
use pg::{psql, TestDb};
use schemadiff::declare::{declare_postgres, read_sources};
use schemadiff::introspect::postgres::introspect;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One line of forms.txt.
struct Form {
    kind: String,
    ty: String,
    expr: String,
}

fn forms() -> Vec<Form> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixpoint/forms.txt");
    common::read(&path)
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, " | ");
            let mut next = || parts.next().unwrap_or_else(|| panic!("bad form: {l}"));
            let (kind, ty, expr) = (next(), next(), next());
            Form {
                kind: kind.to_string(),
                ty: ty.to_string(),
                expr: expr.to_string(),
            }
        })
        .collect()
}

/// Helper columns every form's table has beside `id` and `c`.
const HELPERS: &[&str] = &[
    "n integer",
    "s text",
    "v varchar(20)",
    "num numeric(10,2)",
    "ts timestamptz",
    "d date",
    "m mood",
    "b boolean",
];

/// The schema file: form `i` (from 1) is table `f<i>` with its constraint, default,
/// generated column, index or view.
fn schema_sql(forms: &[Form]) -> String {
    let mut out = String::from(
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\nCREATE SEQUENCE fixpoint_seq;\n\
         CREATE FUNCTION fixpoint_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
         CREATE SCHEMA auth;\n\
         CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;\n",
    );
    for (i, f) in forms.iter().enumerate() {
        let t = format!("f{:03}", i + 1);
        let (ty, e) = (&f.ty, &f.expr);
        let mut cols = vec!["id integer".to_string()];
        if f.kind == "domain" {
            out.push_str(&format!(
                "CREATE DOMAIN {t}_d AS {ty} CONSTRAINT {t}_dc CHECK ({e});\n"
            ));
        }
        cols.push(match f.kind.as_str() {
            "default" => format!("c {ty} DEFAULT {e}"),
            "domain" => format!("c {t}_d"),
            _ => format!("c {ty}"),
        });
        cols.extend(HELPERS.iter().map(|h| h.to_string()));
        if let Some(gty) = f.kind.strip_prefix("gen:") {
            cols.push(format!("g {gty} GENERATED ALWAYS AS ({e}) STORED"));
        }
        if f.kind == "check" {
            cols.push(format!("CONSTRAINT {t}_check CHECK ({e})"));
        }
        out.push_str(&format!(
            "CREATE TABLE {t} (\n    {}\n);\n",
            cols.join(",\n    ")
        ));
        let extra = match f.kind.as_str() {
            "index" => format!("CREATE INDEX {t}_x ON {t} (({e}));\n"),
            "where" => format!("CREATE INDEX {t}_x ON {t} (id) WHERE {e};\n"),
            "view" => format!("CREATE VIEW {t}_v AS SELECT id, {e} AS x FROM {t};\n"),
            "vwhere" => format!("CREATE VIEW {t}_v AS SELECT id, c FROM {t} WHERE {e};\n"),
            "mview" => {
                format!("CREATE MATERIALIZED VIEW {t}_v AS SELECT id, {e} AS x FROM {t};\n")
            }
            "when" => format!(
                "CREATE TRIGGER {t}_tr BEFORE UPDATE ON {t} FOR EACH ROW WHEN ({e}) EXECUTE FUNCTION fixpoint_trg();\n"
            ),
            "fdefault" => format!(
                "CREATE FUNCTION {t}_fn(x {ty} DEFAULT {e}) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 1 $$;\n"
            ),
            "atomic" => format!(
                "CREATE FUNCTION {t}_fn() RETURNS SETOF {ty} LANGUAGE sql STABLE BEGIN ATOMIC SELECT {e} FROM {t}; END;\n"
            ),
            "using" => format!(
                "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;\nCREATE POLICY {t}_p ON {t} USING ({e});\n"
            ),
            "wcheck" => format!(
                "CREATE POLICY {t}_p ON {t} AS RESTRICTIVE FOR INSERT WITH CHECK ({e});\n"
            ),
            "check" | "default" | "domain" => String::new(),
            k if k.starts_with("gen:") => String::new(),
            k => panic!("unknown kind {k}"),
        };
        out.push_str(&extra);
    }
    out
}

/// The forms whose tables or views (`f<i>`, `f<i>_v`) `text` names.
fn named_forms(forms: &[Form], text: &str) -> String {
    let mut hit = BTreeSet::new();
    let bytes = text.as_bytes();
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    for (at, _) in text.match_indices('f') {
        let digits: String = text[at + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let before = at.checked_sub(1).and_then(|i| bytes.get(i));
        let after = bytes.get(at + 1 + digits.len());
        if digits.len() == 3
            && !before.is_some_and(word)
            && !after.is_some_and(|b| b.is_ascii_alphanumeric())
        {
            hit.insert(digits.parse::<usize>().unwrap());
        }
    }
    let list: Vec<String> = hit
        .iter()
        .filter_map(|i| forms.get(i - 1).map(|f| (i, f)))
        .map(|(i, f)| format!("  f{i:03} {} | {} | {}", f.kind, f.ty, f.expr))
        .collect();
    format!("{} form(s):\n{}", list.len(), list.join("\n"))
}

struct Project {
    dir: PathBuf,
    cache: PathBuf,
}

impl Project {
    fn run(&self, args: &[&str]) -> Run {
        let start = std::time::Instant::now();
        let r = common::run_env(&self.dir, args, &[("SCHEMADIFF_CACHE_DIR", &self.cache)]);
        eprintln!(
            "schemadiff {args:?}: {:.1} s",
            start.elapsed().as_secs_f64()
        );
        r
    }

    /// Runs `args`, which must exit 0; a failure lists the forms its output names.
    fn clean(&self, forms: &[Form], args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(
            r.code,
            0,
            "schemadiff {args:?} exited {}:\n{}\n{}\n{}",
            r.code,
            named_forms(forms, &format!("{}{}", r.stdout, r.stderr)),
            r.stdout,
            r.stderr
        );
        r
    }

    fn use_database(&self, url: &str) {
        let path = self.dir.join("schemadiff.toml");
        let cfg = common::read(&path);
        let cfg: String = cfg
            .lines()
            .map(|l| match l.starts_with("database_url") {
                true => format!("database_url = \"{url}\"\n"),
                false => format!("{l}\n"),
            })
            .collect();
        std::fs::write(path, cfg).unwrap();
    }
}

fn revisions(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("migrations")).unwrap().count()
}

#[test]
fn every_expression_form_converges_through_the_workflow() {
    let forms = forms();
    assert!(forms.len() >= 300, "{} forms", forms.len());
    let built = TestDb::create("fixpoint_rev");
    let by_hand = TestDb::create("fixpoint_psql");
    let dir = common::temp_dir("fixpoint_corpus");
    let p = Project {
        cache: dir.join(".cache"),
        dir: dir.join("project"),
    };
    std::fs::create_dir_all(&p.dir).unwrap();
    p.clean(&forms, &["init", "--dialect", "postgres"]);
    p.use_database(&built.url());
    let schema = p.dir.join("schemas/schema.sql");
    std::fs::write(&schema, schema_sql(&forms)).unwrap();

    p.clean(&forms, &["generate", "-m", "init"]);
    p.clean(&forms, &["upgrade", "head"]);
    let check = p.clean(&forms, &["check"]);
    assert!(check.stdout.contains("clean"), "{}", check.stdout);
    p.clean(&forms, &["verify"]);
    let again = p.clean(&forms, &["generate", "-m", "again"]);
    assert!(
        again.stderr.contains("No changes detected") && revisions(&p.dir) == 1,
        "a second generate wrote a revision: {}\n{}",
        named_forms(&forms, &again.stderr),
        again.stderr
    );
    let server = pg::server_url();
    let exit = "--exit-code";
    p.clean(
        &forms,
        &[
            "diff",
            "--dialect",
            "postgres",
            "--dev-url",
            &server,
            "--from",
            "./snapshots",
            "--to",
            "./schemas",
            exit,
        ],
    );
    let built_url = built.url();
    p.clean(
        &forms,
        &["diff", "--from", &built_url, "--to", "./schemas", exit],
    );
    // The revision-built database holds the fixed point itself: its catalog, read as is,
    // equals schemas/ declared (no normalization of the live side needed).
    let raw = introspect(&mut built.client(), &[]).unwrap().schema;
    let files = read_sources(&p.dir.join("schemas")).unwrap();
    let declared = declare_postgres(&files, &server.parse().unwrap()).unwrap();
    let differing: String = declared
        .tables
        .iter()
        .filter(|(k, t)| raw.tables.get(*k) != Some(*t))
        .map(|(k, _)| format!("table {k}\n"))
        .chain(
            declared
                .views
                .iter()
                .filter(|(k, v)| raw.views.get(*k) != Some(*v))
                .map(|(k, _)| format!("view {k}\n")),
        )
        .collect();
    assert!(
        raw == declared,
        "the revision-built catalog differs from schemas/ declared: {}",
        named_forms(&forms, &differing)
    );

    // Built by hand from schemas/, then adopted: it holds the server's first print.
    let (ok, err) = psql(&by_hand.url(), &schema);
    assert!(ok, "psql -f schemas/schema.sql: {err}");
    p.use_database(&by_hand.url());
    p.clean(&forms, &["stamp", "head"]);
    let check = p.clean(&forms, &["check"]);
    assert!(check.stdout.contains("clean"), "{}", check.stdout);
    let hand_url = by_hand.url();
    p.clean(
        &forms,
        &["diff", "--from", &hand_url, "--to", "./schemas", exit],
    );
    p.clean(
        &forms,
        &["diff", "--from", &hand_url, "--to", &built_url, exit],
    );
}
