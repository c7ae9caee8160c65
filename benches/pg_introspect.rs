//! PostgreSQL benchmark, plain `fn main` with `std::time::Instant` (no harness).
//!
//! For each size N it generates a deterministic schema of N tables (5–30 columns of varied
//! types, identity/uuid/composite primary keys, UNIQUE and CHECK constraints, 0–3 foreign
//! keys to earlier tables, 1–4 indexes including partial, multi-column, expression and GIN
//! ones, defaults, four enums, a view per 40 tables), writes it to
//! `bench/out/pg_N/schema.sql` with a ~5 % changed variant `changed.sql`, loads it into a
//! database `schemadiff_bench_live_N` and times:
//!
//! 1. `introspect` of the live database, on one warm connection and on a fresh connection
//!    each run, then `introspect_pair` on two connections sharing a snapshot, warm and fresh
//!    (as the CLI does), with the time of each catalog query;
//! 2. `declare_postgres` of `schema.sql` (scratch database create + load + introspect +
//!    drop), the same pieces one by one, and `declare_postgres_cached` with a cache hit;
//! 3. `diff_postgres` + `plan_postgres` + `render_script`, live vs `schema.sql` (must plan
//!    nothing) and live vs `changed.sql`;
//! 4. the CLI end to end: `schemadiff diff --from postgresql://…/schemadiff_bench_live_N
//!    --to schema.sql|changed.sql` (the binary cargo builds for benchmarks,
//!    `target/release/schemadiff`), with an empty catalog cache (`bench/out/pg_N/cache`,
//!    emptied before each run) and with the entry in place.
//!
//! Run: `cargo bench --bench pg_introspect`. Environment: `BENCH_PG_SIZES` (default
//! `100,500,2000`), `BENCH_ITERS` (default 9; declare and the CLI run `min(5, BENCH_ITERS)`
//! times), `SCHEMADIFF_TEST_PG` (default `postgresql://postgres@127.0.0.1:5432/postgres`; a
//! user that may create databases). Every database it creates is named
//! `schemadiff_bench_live_N` and dropped at the end, also on error, panic or Ctrl-C; if one
//! of that name already exists it stops, and it never drops a database it did not create.
//! Checked on the way: live vs its own DDL plans nothing, the CLI prints the script the
//! in-process pipeline renders, and `introspect` sends as many statements at every size.

use postgres::{Client, Config, IsolationLevel, NoTls};
use schemadiff::declare::{
    declare_postgres, declare_postgres_cached, load_postgres, read_sources, Cache, ScratchDb,
    SourceFile,
};
use schemadiff::diff::{diff_postgres, Renames};
use schemadiff::introspect::postgres::{introspect, introspect_pair};
use schemadiff::model::Schema;
use schemadiff::plan::postgres::plan_postgres;
use schemadiff::render::postgres::render_script;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error>;

const DB_PREFIX: &str = "schemadiff_bench_";

fn main() -> Result<(), BoxError> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("bench").join("out");
    let iters = env_usize("BENCH_ITERS", 9).max(1);
    let runs = iters.min(5);
    let sizes: Vec<usize> = std::env::var("BENCH_PG_SIZES")
        .unwrap_or_else(|_| "100,500,2000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let server_url = std::env::var("SCHEMADIFF_TEST_PG")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".into());
    let server: Config = server_url.parse()?;
    drop_on_interrupt(server.clone());
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_schemadiff"));
    let version: String = server
        .connect(NoTls)?
        .query_one("SELECT version()", &[])?
        .get(0);
    println!("schemadiff PostgreSQL benchmark: {version}");
    println!("{iters} iterations (declare and the CLI: {runs}); medians [min .. max]");

    let mut results = Vec::new();
    for n in sizes {
        let ctx = Ctx {
            server: &server,
            server_url: &server_url,
            bin: &bin,
            dir: out.join(format!("pg_{n}")),
            iters,
            runs,
        };
        results.push(bench_size(&ctx, n)?);
    }
    if let Some(first) = results.first() {
        for r in &results {
            assert_eq!(
                r.queries, first.queries,
                "introspect sent {} statements for {} tables but {} for {}",
                r.queries, r.n, first.queries, first.n
            );
        }
    }
    print_summary(&results);
    Ok(())
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------

/// The benchmark databases that exist right now (name, oid), for the Ctrl-C handler.
static LIVE: Mutex<Vec<(String, u32)>> = Mutex::new(Vec::new());

/// A `schemadiff_bench_*` database, dropped when the guard goes out of scope.
struct BenchDb {
    admin: Client,
    name: String,
    /// Its oid: the guard drops only this database, not one another program created under
    /// the same name after dropping ours.
    oid: u32,
    config: Config,
    url: String,
}

impl BenchDb {
    /// Creates `name` on `server`; refuses if it exists (another run, or a leftover).
    fn create(server: &Config, server_url: &str, name: &str) -> Result<BenchDb, BoxError> {
        assert!(
            name.starts_with(DB_PREFIX),
            "benchmark databases are {DB_PREFIX}*"
        );
        let (head, _) = server_url
            .split('?')
            .next()
            .and_then(|u| u.rsplit_once('/'))
            .ok_or("SCHEMADIFF_TEST_PG must end in /DATABASE")?;
        let mut admin = server.connect(NoTls)?;
        if database_oid(&mut admin, name)?.is_some() {
            return Err(format!(
                "database {name} already exists (another run of this benchmark, or left over \
                 from a killed one); drop it with DROP DATABASE {name} WITH (FORCE)"
            )
            .into());
        }
        admin.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE template0"))?;
        let oid = database_oid(&mut admin, name)?.ok_or("database vanished after CREATE")?;
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.into(), oid));
        let mut config = server.clone();
        config.dbname(name);
        Ok(BenchDb {
            admin,
            name: name.into(),
            oid,
            config,
            url: format!("{head}/{name}"),
        })
    }

    fn connect(&self) -> Result<Client, postgres::Error> {
        self.config.connect(NoTls)
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        match drop_if_ours(&mut self.admin, &self.name, self.oid) {
            Ok(true) => {}
            Ok(false) => eprintln!(
                "warning: database {} was dropped by another program during the run \
                 (a second benchmark using the same name?); timings are not valid",
                self.name
            ),
            Err(e) => eprintln!("warning: could not drop database {}: {e}", self.name),
        }
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(n, _)| *n != self.name);
    }
}

fn database_oid(admin: &mut Client, name: &str) -> Result<Option<u32>, postgres::Error> {
    let row = admin.query_opt("SELECT oid FROM pg_database WHERE datname = $1", &[&name])?;
    Ok(row.map(|r| r.get(0)))
}

/// Drops `name` if it is still the database `oid`; false when it is gone or another one.
fn drop_if_ours(admin: &mut Client, name: &str, oid: u32) -> Result<bool, postgres::Error> {
    if database_oid(admin, name)? != Some(oid) {
        return Ok(false);
    }
    admin.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))?;
    Ok(true)
}

/// On Ctrl-C (no destructors run): drops the live benchmark databases and the scratch
/// databases `declare_postgres` made in this process, then exits with 130.
fn drop_on_interrupt(server: Config) {
    let _ = ctrlc::set_handler(move || {
        if let Ok(mut admin) = server.connect(NoTls) {
            let live = LIVE.lock().map(|l| l.clone()).unwrap_or_default();
            for (name, oid) in live {
                let _ = drop_if_ours(&mut admin, &name, oid);
            }
            let scratch = format!("schemadiff\\_scratch\\_{}\\_%", std::process::id());
            let rows = admin
                .query(
                    "SELECT datname FROM pg_database WHERE datname LIKE $1",
                    &[&scratch],
                )
                .unwrap_or_default();
            for row in rows {
                let name: String = row.get(0);
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
        eprintln!("interrupted; benchmark databases dropped");
        std::process::exit(130);
    });
}

// ---------------------------------------------------------------------------------------
// The generated schema
// ---------------------------------------------------------------------------------------

/// splitmix64: small, deterministic, good enough for picking shapes.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// 0..n
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    /// An index into `weights`, chosen with those weights.
    fn weighted(&mut self, weights: &[usize]) -> usize {
        let mut x = self.below(weights.iter().sum());
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        unreachable!()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Big,
    Text,
    Varchar,
    Numeric,
    Bool,
    Ts,
    Json,
    Uuid,
    Date,
    Enum,
}

const KINDS: [(Kind, usize); 11] = [
    (Kind::Int, 12),
    (Kind::Big, 8),
    (Kind::Text, 14),
    (Kind::Varchar, 14),
    (Kind::Numeric, 12),
    (Kind::Bool, 10),
    (Kind::Ts, 12),
    (Kind::Json, 5),
    (Kind::Uuid, 4),
    (Kind::Date, 6),
    (Kind::Enum, 3),
];

const ENUMS: [(&str, &[&str]); 4] = [
    ("status_t", &["draft", "active", "suspended", "archived"]),
    ("priority_t", &["low", "normal", "high", "urgent"]),
    ("visibility_t", &["private", "team", "public"]),
    ("channel_t", &["web", "mobile", "api", "import", "batch"]),
];

#[derive(Clone)]
struct Col {
    name: String,
    ty: String,
    kind: Kind,
    /// Column options after the type: identity, NOT NULL, DEFAULT, UNIQUE, CHECK, REFERENCES.
    not_null: bool,
    default: Option<String>,
    identity: Option<&'static str>,
    primary_key: bool,
    unique: bool,
    check: Option<String>,
    references: Option<String>,
    /// Named by a constraint, an index or a view: the changed variant never drops it.
    pinned: bool,
}

impl Col {
    fn new(name: String, ty: String, kind: Kind) -> Col {
        Col {
            name,
            ty,
            kind,
            not_null: false,
            default: None,
            identity: None,
            primary_key: false,
            unique: false,
            check: None,
            references: None,
            pinned: false,
        }
    }

    fn sql(&self) -> String {
        let mut s = format!("{} {}", self.name, self.ty);
        if let Some(identity) = self.identity {
            write!(s, " GENERATED {identity} AS IDENTITY").unwrap();
        }
        if self.primary_key {
            s.push_str(" PRIMARY KEY");
        }
        if self.not_null {
            s.push_str(" NOT NULL");
        }
        if let Some(d) = &self.default {
            write!(s, " DEFAULT {d}").unwrap();
        }
        if self.unique {
            s.push_str(" UNIQUE");
        }
        if let Some(c) = &self.check {
            write!(s, " CHECK ({c})").unwrap();
        }
        if let Some(r) = &self.references {
            write!(s, " REFERENCES {r}").unwrap();
        }
        s
    }
}

#[derive(Clone)]
struct Table {
    name: String,
    /// Type of `id`, what foreign keys to this table use; `None` when it cannot be a target.
    key_type: Option<&'static str>,
    cols: Vec<Col>,
    /// Table-level constraints: composite PRIMARY KEY, UNIQUE, CHECK.
    constraints: Vec<String>,
    /// `CREATE INDEX` statements.
    indexes: Vec<String>,
}

struct Model {
    tables: Vec<Table>,
    views: Vec<String>,
}

impl Model {
    /// The statements, without their semicolons, in an order that loads as it is.
    fn statements(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, labels) in ENUMS {
            let labels: Vec<String> = labels.iter().map(|l| format!("'{l}'")).collect();
            out.push(format!(
                "CREATE TYPE {name} AS ENUM ({})",
                labels.join(", ")
            ));
        }
        for t in &self.tables {
            let mut parts: Vec<String> = t.cols.iter().map(Col::sql).collect();
            parts.extend(t.constraints.iter().cloned());
            out.push(format!(
                "CREATE TABLE {} (\n  {}\n)",
                t.name,
                parts.join(",\n  ")
            ));
            out.extend(t.indexes.iter().cloned());
        }
        out.extend(self.views.iter().cloned());
        out
    }

    /// The declared file: every statement, a blank line before each table and view.
    fn sql(&self) -> String {
        let mut s = String::with_capacity(self.tables.len() * 1200);
        for stmt in self.statements() {
            if stmt.starts_with("CREATE TABLE") || stmt.starts_with("CREATE VIEW") {
                s.push('\n');
            }
            writeln!(s, "{stmt};").unwrap();
        }
        s
    }

    /// The same statements as one string for one `batch_execute`, a transaction per
    /// [`LOAD_CHUNK`] statements: in one transaction, 2,000 tables with their indexes would
    /// need more locks than the server's lock table holds (`max_locks_per_transaction`).
    fn load_sql(&self) -> String {
        let mut s = String::new();
        for chunk in self.statements().chunks(LOAD_CHUNK) {
            s.push_str("BEGIN;\n");
            for stmt in chunk {
                writeln!(s, "{stmt};").unwrap();
            }
            s.push_str("COMMIT;\n");
        }
        s
    }
}

const LOAD_CHUNK: usize = 200;

/// The schema of `n` tables; the same `n` always gives the same schema.
fn generate(n: usize) -> Model {
    let mut rng = Rng(0x5eed_0000 + n as u64);
    let mut tables: Vec<Table> = Vec::with_capacity(n);
    let mut views = Vec::new();
    for i in 0..n {
        let name = format!("t{i:04}");
        let mut cols = Vec::new();
        let mut constraints = Vec::new();
        let key_type = match rng.weighted(&[40, 15, 20, 17, 8]) {
            0 => {
                let mut c = Col::new("id".into(), "bigint".into(), Kind::Big);
                c.identity = Some("BY DEFAULT");
                c.primary_key = true;
                cols.push(c);
                Some("bigint")
            }
            1 => {
                let mut c = Col::new("id".into(), "integer".into(), Kind::Int);
                c.identity = Some("ALWAYS");
                c.primary_key = true;
                cols.push(c);
                Some("integer")
            }
            2 => {
                let mut c = Col::new("id".into(), "uuid".into(), Kind::Uuid);
                c.primary_key = true;
                c.default = Some("gen_random_uuid()".into());
                cols.push(c);
                Some("uuid")
            }
            3 => {
                let mut c = Col::new("id".into(), "bigint".into(), Kind::Big);
                c.primary_key = true;
                cols.push(c);
                Some("bigint")
            }
            _ => {
                for name in ["tenant_id", "id"] {
                    let mut c = Col::new(name.into(), "bigint".into(), Kind::Big);
                    c.not_null = true;
                    c.pinned = true;
                    cols.push(c);
                }
                constraints.push("PRIMARY KEY (tenant_id, id)".into());
                None
            }
        };
        // 5–30 columns, 12.5 on average: most tables are narrow, a fifth are wide.
        let total = if rng.percent(80) {
            5 + rng.below(11)
        } else {
            15 + rng.below(16)
        };

        // Foreign keys: 0–3 (1 on average) to earlier tables, most of them nearby.
        let fk_count = if i == 0 {
            0
        } else {
            rng.weighted(&[35, 35, 25, 5])
        };
        let mut fk_cols = Vec::new();
        for k in 0..fk_count {
            let back = if rng.percent(60) {
                1 + rng.below(i.min(20))
            } else {
                1 + rng.below(i)
            };
            let Some(parent) = tables[..=i - back]
                .iter()
                .rev()
                .find(|t| t.key_type.is_some())
            else {
                continue;
            };
            let ty = parent.key_type.expect("found a target");
            let kind = if ty == "uuid" { Kind::Uuid } else { Kind::Big };
            let mut c = Col::new(format!("{}_id{k}", parent.name), ty.into(), kind);
            c.not_null = rng.percent(50);
            let action = [
                "",
                " ON DELETE CASCADE",
                " ON DELETE SET NULL",
                " ON DELETE RESTRICT",
            ][rng.below(4)];
            let action = if c.not_null && action == " ON DELETE SET NULL" {
                ""
            } else {
                action
            };
            c.references = Some(format!("{} (id){action}", parent.name));
            c.pinned = true;
            fk_cols.push(cols.len());
            cols.push(c);
        }

        let data = total.saturating_sub(cols.len()).max(2);
        let weights: Vec<usize> = KINDS.iter().map(|k| k.1).collect();
        for j in 0..data {
            let kind = KINDS[rng.weighted(&weights)].0;
            cols.push(data_column(&mut rng, kind, j));
        }

        // UNIQUE and CHECK constraints.
        let data_at = cols.len() - data;
        if let Some(c) = cols[data_at..].iter_mut().find(|c| c.kind == Kind::Varchar) {
            if rng.percent(35) {
                c.unique = true;
                c.not_null = true;
                c.pinned = true;
            }
        }
        let plain: Vec<usize> = (data_at..cols.len())
            .filter(|&j| !matches!(cols[j].kind, Kind::Json | Kind::Bool))
            .collect();
        if plain.len() >= 2 && rng.percent(10) {
            let (a, b) = (plain[0], plain[plain.len() - 1]);
            constraints.push(format!("UNIQUE ({}, {})", cols[a].name, cols[b].name));
            cols[a].pinned = true;
            cols[b].pinned = true;
        }
        for c in &mut cols[data_at..] {
            match c.kind {
                Kind::Numeric if rng.percent(40) => {
                    c.check = Some(format!("{} >= 0", c.name));
                    c.pinned = true;
                }
                Kind::Int if rng.percent(15) => {
                    c.check = Some(format!("{} BETWEEN 0 AND 1000000", c.name));
                    c.pinned = true;
                }
                _ => {}
            }
        }
        let ts: Vec<usize> = (data_at..cols.len())
            .filter(|&j| cols[j].kind == Kind::Ts)
            .collect();
        let texts: Vec<usize> = (data_at..cols.len())
            .filter(|&j| matches!(cols[j].kind, Kind::Text | Kind::Varchar))
            .collect();
        if ts.len() >= 2 && rng.percent(50) {
            let (a, b) = (ts[0], ts[1]);
            constraints.push(format!(
                "CONSTRAINT {name}_period CHECK ({} IS NULL OR {} >= {})",
                cols[b].name, cols[b].name, cols[a].name
            ));
            cols[a].pinned = true;
            cols[b].pinned = true;
        } else if let (Some(&a), true) = (texts.first(), rng.percent(12)) {
            constraints.push(format!("CHECK (char_length({}) <= 2000)", cols[a].name));
            cols[a].pinned = true;
        }

        // 1–4 indexes, 2 on average: the first on a foreign key when there is one.
        let count = 1 + rng.weighted(&[35, 35, 20, 10]);
        let mut indexes = Vec::new();
        for k in 0..count {
            let iname = format!("{name}_ix{k}");
            let sql = if k == 0 && !fk_cols.is_empty() {
                let c = fk_cols[rng.below(fk_cols.len())];
                format!("CREATE INDEX {iname} ON {name} ({})", cols[c].name)
            } else {
                index(&mut rng, &iname, &name, &mut cols, &plain)
            };
            indexes.push(sql);
        }

        // A view every 40 tables, joined to its first parent when it has one.
        if i % 40 == 39 {
            let shown = plain.first().copied().unwrap_or(data_at);
            cols[shown].pinned = true;
            let col = &cols[shown].name;
            let view = match fk_cols.first().map(|&j| &cols[j]) {
                Some(fk) => {
                    let parent = fk.references.as_deref().unwrap_or_default();
                    let parent = parent.split(' ').next().unwrap_or_default();
                    format!(
                        "CREATE VIEW v_{name} AS\n  SELECT c.id, c.{col}, p.id AS parent_key\n  \
                         FROM {name} c LEFT JOIN {parent} p ON p.id = c.{}",
                        fk.name
                    )
                }
                None => format!(
                    "CREATE VIEW v_{name} AS\n  SELECT c.id, c.{col}\n  FROM {name} c\n  \
                     WHERE c.{col} IS NOT NULL"
                ),
            };
            views.push(view);
        }

        tables.push(Table {
            name,
            key_type,
            cols,
            constraints,
            indexes,
        });
    }
    Model { tables, views }
}

fn data_column(rng: &mut Rng, kind: Kind, j: usize) -> Col {
    let (stem, ty) = match kind {
        Kind::Int => ("qty", "integer".to_string()),
        Kind::Big => ("ref", "bigint".into()),
        Kind::Text => ("note", "text".into()),
        Kind::Varchar => (
            "name",
            format!("varchar({})", [20, 50, 100, 255][rng.below(4)]),
        ),
        Kind::Numeric => {
            let (p, s) = [(10, 2), (12, 4), (18, 6), (5, 2)][rng.below(4)];
            ("amount", format!("numeric({p},{s})"))
        }
        Kind::Bool => ("is_flag", "boolean".into()),
        Kind::Ts => ("at", "timestamptz".into()),
        Kind::Json => ("attrs", "jsonb".into()),
        Kind::Uuid => ("ext_id", "uuid".into()),
        Kind::Date => ("day", "date".into()),
        Kind::Enum => {
            let e = rng.below(ENUMS.len());
            (ENUMS[e].0.trim_end_matches("_t"), ENUMS[e].0.to_string())
        }
    };
    let mut c = Col::new(format!("{stem}_{j}"), ty, kind);
    let (p_default, default): (usize, String) = match kind {
        Kind::Int => (30, "0".into()),
        Kind::Big => (10, "0".into()),
        Kind::Text => (20, "''".into()),
        Kind::Varchar => (10, "'unknown'".into()),
        Kind::Numeric => (40, "0".into()),
        Kind::Bool => (70, if rng.percent(80) { "false" } else { "true" }.into()),
        Kind::Ts => (40, "now()".into()),
        Kind::Json => (50, "'{}'::jsonb".into()),
        Kind::Uuid => (20, "gen_random_uuid()".into()),
        Kind::Date => (20, "CURRENT_DATE".into()),
        Kind::Enum => {
            let first = ENUMS.iter().find(|e| e.0 == c.ty).map_or("", |e| e.1[0]);
            (100, format!("'{first}'"))
        }
    };
    if rng.percent(p_default) {
        c.default = Some(default);
        c.not_null = rng.percent(70);
    } else {
        c.not_null = rng.percent(15);
    }
    c
}

/// A `CREATE INDEX`: multi-column, partial, expression or GIN, as the columns allow.
fn index(rng: &mut Rng, iname: &str, table: &str, cols: &mut [Col], plain: &[usize]) -> String {
    let pick = |rng: &mut Rng, kinds: &[Kind]| -> Option<usize> {
        let found: Vec<usize> = (0..cols.len())
            .filter(|&j| kinds.contains(&cols[j].kind) && cols[j].name != "id")
            .collect();
        (!found.is_empty()).then(|| found[rng.below(found.len())])
    };
    let any = if plain.is_empty() { 0 } else { plain[0] };
    let (sql, used) = match rng.below(5) {
        0 if plain.len() >= 2 => {
            let (a, b) = (plain[rng.below(plain.len())], plain[rng.below(plain.len())]);
            let b = if a == b { any } else { b };
            (
                format!(
                    "CREATE INDEX {iname} ON {table} ({}, {} DESC)",
                    cols[a].name, cols[b].name
                ),
                vec![a, b],
            )
        }
        1 => match pick(rng, &[Kind::Bool]) {
            Some(flag) => (
                format!(
                    "CREATE INDEX {iname} ON {table} ({}) WHERE {}",
                    cols[any].name, cols[flag].name
                ),
                vec![any, flag],
            ),
            None => (
                format!(
                    "CREATE INDEX {iname} ON {table} ({c}) WHERE {c} IS NOT NULL",
                    c = cols[any].name
                ),
                vec![any],
            ),
        },
        2 => match pick(rng, &[Kind::Text, Kind::Varchar]) {
            Some(t) => (
                format!("CREATE INDEX {iname} ON {table} (lower({}))", cols[t].name),
                vec![t],
            ),
            None => (
                format!("CREATE INDEX {iname} ON {table} ({})", cols[any].name),
                vec![any],
            ),
        },
        3 => match pick(rng, &[Kind::Json]) {
            Some(j) => (
                format!(
                    "CREATE INDEX {iname} ON {table} USING gin ({})",
                    cols[j].name
                ),
                vec![j],
            ),
            None => (
                format!("CREATE INDEX {iname} ON {table} ({} DESC)", cols[any].name),
                vec![any],
            ),
        },
        _ => match pick(rng, &[Kind::Ts, Kind::Date]) {
            Some(t) => (
                format!(
                    "CREATE INDEX {iname} ON {table} ({}, id) WHERE {} IS NOT NULL",
                    cols[t].name, cols[t].name
                ),
                vec![t],
            ),
            None => (
                format!("CREATE INDEX {iname} ON {table} ({}, id)", cols[any].name),
                vec![any],
            ),
        },
    };
    for j in used {
        cols[j].pinned = true;
    }
    sql
}

/// What the changed variant did.
#[derive(Default, Debug)]
struct Edits {
    added_columns: usize,
    dropped_columns: usize,
    changed_defaults: usize,
    added_indexes: usize,
    dropped_indexes: usize,
}

/// Changes every 20th table (5 %), one edit each, in turn: a column added, a column
/// dropped, a default changed, an index added, an index dropped.
fn change(model: &mut Model) -> Edits {
    let mut edits = Edits::default();
    for (i, t) in model.tables.iter_mut().enumerate() {
        if i % 20 != 10 {
            continue;
        }
        let mut kind = (i / 20) % 5;
        if kind == 1 {
            match t.cols.iter().rposition(|c| !c.pinned && !c.primary_key) {
                Some(j) => {
                    t.cols.remove(j);
                    edits.dropped_columns += 1;
                }
                None => kind = 0,
            }
        }
        if kind == 2 {
            let target = t.cols.iter_mut().find(|c| {
                c.identity.is_none() && !c.primary_key && c.references.is_none() && {
                    matches!(c.kind, Kind::Int | Kind::Numeric | Kind::Bool | Kind::Text)
                }
            });
            match target {
                Some(c) => {
                    c.default = Some(
                        match (c.kind, c.default.as_deref()) {
                            (Kind::Bool, Some("false")) => "true",
                            (Kind::Bool, _) => "false",
                            (Kind::Text, Some("''")) => "'n/a'",
                            (Kind::Text, _) => "''",
                            (_, Some("0")) => "1",
                            _ => "0",
                        }
                        .into(),
                    );
                    edits.changed_defaults += 1;
                }
                None => kind = 3,
            }
        }
        match kind {
            0 => {
                let mut c = Col::new("added_note".into(), "text".into(), Kind::Text);
                if i % 40 == 10 {
                    c = Col::new("added_flag".into(), "boolean".into(), Kind::Bool);
                    c.not_null = true;
                    c.default = Some("false".into());
                }
                t.cols.push(c);
                edits.added_columns += 1;
            }
            3 => {
                t.indexes.push(format!(
                    "CREATE INDEX {n}_added ON {n} (id DESC)",
                    n = t.name
                ));
                edits.added_indexes += 1;
            }
            4 => {
                t.indexes.pop();
                edits.dropped_indexes += 1;
            }
            _ => {}
        }
    }
    edits
}

// ---------------------------------------------------------------------------------------
// One size
// ---------------------------------------------------------------------------------------

struct Ctx<'a> {
    server: &'a Config,
    server_url: &'a str,
    bin: &'a Path,
    dir: PathBuf,
    iters: usize,
    runs: usize,
}

/// Medians and counts of one size, for the summary table.
struct SizeResult {
    n: usize,
    queries: usize,
    counts: Counts,
    load: Duration,
    rows: BTreeMap<&'static str, Duration>,
    plan_steps: usize,
    script_lines: usize,
}

const ROWS: &[(&str, &str)] = &[
    ("intro_warm", "`introspect`, warm connection"),
    ("intro_cold", "connect + `introspect`, fresh connection"),
    (
        "pair_warm",
        "`introspect_pair`, two warm connections sharing a snapshot",
    ),
    (
        "pair_cold",
        "connect ×2 + `introspect_pair`, fresh connections (as the CLI)",
    ),
    (
        "declare",
        "`declare_postgres` (scratch create + load + introspect + drop)",
    ),
    ("d_create", "… `ScratchDb::create` (CREATE DATABASE)"),
    ("d_load", "… `load_postgres` (the DDL, batches of 200)"),
    (
        "d_intro",
        "… connect ×2 + `introspect_pair` of the scratch database",
    ),
    ("d_drop", "… DROP DATABASE"),
    (
        "cache_hit",
        "`declare_postgres_cached`, cache hit (server query + key + read JSON)",
    ),
    ("dpr_same", "diff + plan + render, live vs schema.sql"),
    ("dpr_changed", "diff + plan + render, live vs changed.sql"),
    (
        "cli_same",
        "**CLI `diff` end to end, live vs schema.sql, empty cache**",
    ),
    (
        "cli_changed",
        "**CLI `diff` end to end, live vs changed.sql, empty cache**",
    ),
    (
        "cli_same_warm",
        "**CLI `diff` end to end, live vs schema.sql, cache hit**",
    ),
    (
        "cli_changed_warm",
        "**CLI `diff` end to end, live vs changed.sql, cache hit**",
    ),
];

fn bench_size(ctx: &Ctx, n: usize) -> Result<SizeResult, BoxError> {
    std::fs::create_dir_all(&ctx.dir)?;
    let mut model = generate(n);
    let schema_sql = model.sql();
    let load_sql = model.load_sql();
    let edits = change(&mut model);
    let changed_sql = model.sql();
    let schema_path = ctx.dir.join("schema.sql");
    let changed_path = ctx.dir.join("changed.sql");
    std::fs::write(&schema_path, &schema_sql)?;
    std::fs::write(&changed_path, &changed_sql)?;

    let live = BenchDb::create(ctx.server, ctx.server_url, &format!("{DB_PREFIX}live_{n}"))?;
    let mut client = live.connect()?;
    let t0 = Instant::now();
    client.batch_execute(&load_sql)?;
    let load = t0.elapsed();
    let t0 = Instant::now();
    let first = introspect(&mut client, &[])?;
    let before_analyze = t0.elapsed();
    // Fresh statistics for the catalogs, as autovacuum keeps them on a server that has been
    // running a while (it would analyze them during the benchmark anyway).
    client.batch_execute("ANALYZE")?;

    let mut t = Timings::default();
    println!(
        "\n[{n} tables] schema.sql {} KB, changed.sql: {edits:?}",
        schema_sql.len() / 1024
    );
    println!(
        "  live database: one batch_execute, a transaction per {LOAD_CHUNK} statements  {}",
        fmt_dur(load)
    );

    // 1. Introspection.
    let counts = Counts::of(&first.schema);
    println!("  {counts}");
    println!("  introspect sends {} statements", first.queries);
    println!(
        "  introspect right after loading, before ANALYZE (1 run)          {}",
        fmt_dur(before_analyze)
    );
    for _ in 0..ctx.iters {
        let t0 = Instant::now();
        let read = introspect(&mut client, &[])?;
        t.push("intro_warm", t0.elapsed());
        assert_eq!(read.queries, first.queries);
        std::hint::black_box(read);
    }
    for _ in 0..ctx.iters {
        let t0 = Instant::now();
        let mut fresh = live.connect()?;
        let read = introspect(&mut fresh, &[])?;
        t.push("intro_cold", t0.elapsed());
        std::hint::black_box(read);
    }
    let mut helper = live.connect()?;
    for _ in 0..ctx.iters {
        let t0 = Instant::now();
        let read = introspect_pair(&mut client, &mut helper, &[])?;
        t.push("pair_warm", t0.elapsed());
        std::hint::black_box(read);
    }
    drop(helper);
    for _ in 0..ctx.iters {
        let t0 = Instant::now();
        let mut fresh = live.connect()?;
        let mut helper = live.connect()?;
        let read = introspect_pair(&mut fresh, &mut helper, &[])?;
        t.push("pair_cold", t0.elapsed());
        std::hint::black_box(read);
    }
    for key in ["intro_warm", "intro_cold", "pair_warm", "pair_cold"] {
        t.print(key);
    }
    query_breakdown(&live, ctx.iters)?;

    // 2. Declared DDL through a scratch database.
    let files = read_sources(&schema_path)?;
    let changed_files = read_sources(&changed_path)?;
    for _ in 0..ctx.runs {
        let t0 = Instant::now();
        let declared = declare_postgres(&files, ctx.server)?;
        t.push("declare", t0.elapsed());
        std::hint::black_box(declared);
    }
    t.print("declare");
    for _ in 0..ctx.runs {
        declare_pieces(ctx.server, &files, &mut t)?;
    }
    for key in ["d_create", "d_load", "d_intro", "d_drop"] {
        t.print(key);
    }
    let cache = Cache::at(ctx.dir.join("cache"));
    let _ = std::fs::remove_dir_all(cache.dir());
    declare_postgres_cached(&files, ctx.server, &[], Some(&cache))?;
    for _ in 0..ctx.iters {
        let t0 = Instant::now();
        let hit = declare_postgres_cached(&files, ctx.server, &[], Some(&cache))?;
        t.push("cache_hit", t0.elapsed());
        std::hint::black_box(hit);
    }
    t.print("cache_hit");

    // 3. diff + plan + render in-process.
    let from = introspect(&mut client, &[])?.schema;
    let same = declare_postgres(&files, ctx.server)?;
    let to = declare_postgres(&changed_files, ctx.server)?;
    let mut scripts = Vec::new();
    for (key, target, path) in [
        ("dpr_same", &same, &schema_path),
        ("dpr_changed", &to, &changed_path),
    ] {
        let title = format!("from {} to {}", live.url, path.display());
        let mut last = (0, String::new());
        for _ in 0..ctx.iters {
            let t0 = Instant::now();
            let changes = diff_postgres(&from, target, &Renames::default());
            let plan = plan_postgres(&changes, &from, target);
            let script = render_script(&plan, &title);
            t.push(key, t0.elapsed());
            last = (plan.steps.len(), script);
        }
        t.print(key);
        scripts.push(last);
    }
    let (same_steps, same_script) = &scripts[0];
    if *same_steps != 0 {
        let path = ctx.dir.join("unexpected.sql");
        std::fs::write(&path, same_script)?;
        println!(
            "  WARNING: live vs its own DDL plans {same_steps} step(s); see {}",
            path.display()
        );
    }
    let (plan_steps, changed_script) = &scripts[1];
    std::fs::write(ctx.dir.join("up.sql"), changed_script)?;
    let script_lines = changed_script.lines().count();
    println!(
        "  changed plan: {plan_steps} steps, {script_lines} lines, {} bytes (bench/out/pg_{n}/up.sql)",
        changed_script.len()
    );

    // 4. The CLI end to end: with an empty catalog cache each run (so it loads the scratch
    // database and stores the model), then with the entry in place.
    let cache_dir = ctx.dir.join("cache");
    for (key, path, expected, warm) in [
        ("cli_same", &schema_path, same_script, false),
        ("cli_changed", &changed_path, changed_script, false),
        ("cli_same_warm", &schema_path, same_script, true),
        ("cli_changed_warm", &changed_path, changed_script, true),
    ] {
        // A warm series starts with an untimed run that fills the cache for its file.
        for run in usize::from(!warm)..=ctx.runs {
            if !warm {
                let _ = std::fs::remove_dir_all(&cache_dir);
            }
            let t0 = Instant::now();
            let output = Command::new(ctx.bin)
                .args(["diff", "--from", &live.url, "--to"])
                .arg(path)
                .env("SCHEMADIFF_CACHE_DIR", &cache_dir)
                .env_remove("SCHEMADIFF_NO_CACHE")
                .output()?;
            let elapsed = t0.elapsed();
            if run > 0 {
                t.push(key, elapsed);
            }
            if !output.status.success() {
                return Err(format!(
                    "schemadiff diff failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                )
                .into());
            }
            if output.stdout != expected.as_bytes() {
                println!("  WARNING: the CLI's script differs from the in-process one ({key})");
            }
        }
        t.print(key);
    }

    drop(client);
    drop(live);
    let rows = ROWS.iter().map(|(key, _)| (*key, t.median(key))).collect();
    Ok(SizeResult {
        n,
        queries: first.queries,
        counts,
        load,
        rows,
        plan_steps: *plan_steps,
        script_lines,
    })
}

/// Each catalog query of the introspection on its own, in the same kind of transaction,
/// on a fresh connection (the first query pays for warming the backend's catalog caches)
/// and then again on the same, warm connection.
fn query_breakdown(live: &BenchDb, iters: usize) -> Result<(), BoxError> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/introspect/postgres/queries");
    let mut queries: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "sql") {
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into();
            queries.push((name, std::fs::read_to_string(&path)?));
        }
    }
    queries.sort();
    let only: Vec<String> = Vec::new();
    let mut cold: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut warm: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut rows: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..iters {
        let t0 = Instant::now();
        let mut client = live.connect()?;
        cold.entry("(connect)".into())
            .or_default()
            .push(t0.elapsed());
        for times in [&mut cold, &mut warm] {
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            tx.batch_execute("SET LOCAL search_path = ''")?;
            for (name, sql) in &queries {
                let t0 = Instant::now();
                let got = if sql.contains("$1") {
                    tx.query(sql.as_str(), &[&only])?
                } else {
                    tx.query(sql.as_str(), &[])?
                };
                times.entry(name.clone()).or_default().push(t0.elapsed());
                rows.insert(name.clone(), got.len());
            }
            tx.commit()?;
        }
    }
    println!("  catalog queries one by one (fresh connection | same connection again):");
    let (mut sum_cold, mut sum_warm) = (Duration::ZERO, Duration::ZERO);
    for (name, v) in cold.iter_mut() {
        let c = median(v);
        sum_cold += c;
        let w = warm.get_mut(name).map(|v| median(v));
        sum_warm += w.unwrap_or_default();
        println!(
            "    {name:<16} {:>9} | {:>9}   {} rows",
            fmt_dur(c),
            w.map_or("-".into(), fmt_dur),
            rows.get(name).map_or("-".into(), |r| r.to_string())
        );
    }
    println!(
        "    {:<16} {:>9} | {:>9}",
        "sum of medians",
        fmt_dur(sum_cold),
        fmt_dur(sum_warm)
    );
    Ok(())
}

/// `declare_postgres`, one piece at a time.
fn declare_pieces(server: &Config, files: &[SourceFile], t: &mut Timings) -> Result<(), BoxError> {
    let t0 = Instant::now();
    let scratch = ScratchDb::create(server)?;
    let t1 = Instant::now();
    let mut client = scratch.connect()?;
    load_postgres(&mut client, files)?;
    let t2 = Instant::now();
    drop(client);
    let mut client = scratch.connect()?;
    let mut helper = scratch.connect()?;
    let read = introspect_pair(&mut client, &mut helper, &[])?;
    let t3 = Instant::now();
    drop((client, helper));
    drop(scratch);
    let t4 = Instant::now();
    std::hint::black_box(read);
    t.push("d_create", t1 - t0);
    t.push("d_load", t2 - t1);
    t.push("d_intro", t3 - t2);
    t.push("d_drop", t4 - t3);
    Ok(())
}

/// What the live database holds, as introspected.
struct Counts {
    tables: usize,
    columns: usize,
    indexes: usize,
    constraint_indexes: usize,
    foreign_keys: usize,
    checks: usize,
    views: usize,
    enums: usize,
}

impl Counts {
    fn of(s: &Schema) -> Counts {
        let sum = |f: &dyn Fn(&schemadiff::model::Table) -> usize| -> usize {
            s.tables.values().map(f).sum()
        };
        Counts {
            tables: s.tables.len(),
            columns: sum(&|t| t.columns.len()),
            indexes: sum(&|t| t.indexes.len()),
            constraint_indexes: sum(&|t| t.uniques.len() + usize::from(t.primary_key.is_some())),
            foreign_keys: sum(&|t| t.foreign_keys.len()),
            checks: sum(&|t| t.checks.len()),
            views: s.views.len(),
            enums: s.enums.len(),
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} tables, {} columns, {} indexes (+ {} PRIMARY KEY/UNIQUE), {} foreign keys, \
             {} CHECKs, {} views, {} enums",
            self.tables,
            self.columns,
            self.indexes,
            self.constraint_indexes,
            self.foreign_keys,
            self.checks,
            self.views,
            self.enums
        )
    }
}

// ---------------------------------------------------------------------------------------
// Statistics and the summary
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Timings(BTreeMap<&'static str, Vec<Duration>>);

impl Timings {
    fn push(&mut self, key: &'static str, d: Duration) {
        self.0.entry(key).or_default().push(d);
    }

    fn median(&mut self, key: &str) -> Duration {
        self.0.get_mut(key).map_or(Duration::ZERO, |v| median(v))
    }

    fn print(&mut self, key: &str) {
        let label = ROWS.iter().find(|r| r.0 == key).map_or(key, |r| r.1);
        let label = label.replace("**", "").replace('`', "");
        if let Some(v) = self.0.get_mut(key) {
            println!("  {label:<66} {}", stats(v));
        }
    }
}

fn print_summary(results: &[SizeResult]) {
    if results.is_empty() {
        return;
    }
    let mut s = String::from("\n## Medians\n\n| measurement |");
    let mut rule = String::from("|---|");
    for r in results {
        write!(s, " {} tables |", r.n).unwrap();
        rule.push_str("---|");
    }
    writeln!(s, "\n{rule}").unwrap();
    let mut line = |label: &str, cell: &dyn Fn(&SizeResult) -> String| {
        write!(s, "| {label} |").unwrap();
        for r in results {
            write!(s, " {} |", cell(r)).unwrap();
        }
        s.push('\n');
    };
    line("columns / indexes (+ PK, UNIQUE) / FKs", &|r| {
        format!(
            "{} / {} (+ {}) / {}",
            r.counts.columns, r.counts.indexes, r.counts.constraint_indexes, r.counts.foreign_keys
        )
    });
    line("statements `introspect` sends", &|r| r.queries.to_string());
    line("live database: one `batch_execute` (1 run)", &|r| {
        fmt_dur(r.load)
    });
    for (key, label) in ROWS {
        line(label, &|r| fmt_dur(r.rows[key]));
    }
    line(
        "in-process sum for the CLI's work: fresh introspect + declare + diff/plan/render",
        &|r| fmt_dur(r.rows["pair_cold"] + r.rows["declare"] + r.rows["dpr_changed"]),
    );
    line("changed plan: steps / script lines", &|r| {
        format!("{} / {}", r.plan_steps, r.script_lines)
    });
    println!("{s}");
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    let n = v.len();
    if n == 0 {
        Duration::ZERO
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn stats(v: &mut [Duration]) -> String {
    let m = median(v);
    format!(
        "median {:>9}  [{} .. {}]",
        fmt_dur(m),
        fmt_dur(v.first().copied().unwrap_or_default()),
        fmt_dur(v.last().copied().unwrap_or_default())
    )
}

fn fmt_dur(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.0} µs", ms * 1e3)
    }
}
