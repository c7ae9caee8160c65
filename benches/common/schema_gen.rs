//! The deterministic schema generator shared by `benches/pg_introspect.rs` and
//! `examples/gen_schema.rs` (which `bench/compare.sh` runs), included with `#[path]`.
//!
//! [`generate`] builds N tables for PostgreSQL or SQLite from one seed (splitmix64, no
//! `rand`): 5–30 columns of varied types, identity/uuid/composite primary keys, UNIQUE and
//! CHECK constraints, 0–3 foreign keys to earlier tables, 1–4 indexes including partial,
//! multi-column, expression and (PostgreSQL) GIN ones, defaults, four enums (SQLite: `TEXT`
//! with a `CHECK … IN`), a view per 40 tables. Both dialects draw the same random numbers,
//! so table `t0042` has the same shape in both; only the spelling differs. [`change`] makes
//! the ~5 % changed variant.
#![allow(dead_code)]

use std::fmt::Write as _;

// The changed variant, in a file of its own beside this one.
#[path = "schema_change.rs"]
mod schema_change;
#[allow(unused_imports)]
pub use schema_change::{change, other_default, Edits};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

/// splitmix64: small, deterministic, good enough for picking shapes.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// 0..n
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    /// An index into `weights`, chosen with those weights.
    pub fn weighted(&mut self, weights: &[usize]) -> usize {
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
pub enum Kind {
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

pub const ENUMS: [(&str, &[&str]); 4] = [
    ("status_t", &["draft", "active", "suspended", "archived"]),
    ("priority_t", &["low", "normal", "high", "urgent"]),
    ("visibility_t", &["private", "team", "public"]),
    ("channel_t", &["web", "mobile", "api", "import", "batch"]),
];

/// A column, spelled for PostgreSQL; [`Col::sql`] respells it for SQLite.
#[derive(Clone)]
pub struct Col {
    pub name: String,
    pub ty: String,
    pub kind: Kind,
    /// Column options after the type: identity, NOT NULL, DEFAULT, UNIQUE, CHECK, REFERENCES.
    pub not_null: bool,
    pub default: Option<String>,
    pub identity: Option<&'static str>,
    pub primary_key: bool,
    pub unique: bool,
    pub check: Option<String>,
    pub references: Option<String>,
    /// Named by a constraint, an index or a view: the changed variant never drops it.
    pub pinned: bool,
}

impl Col {
    pub fn new(name: String, ty: String, kind: Kind) -> Col {
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

    pub fn sql(&self, dialect: Dialect) -> String {
        let sqlite = dialect == Dialect::Sqlite;
        let ty = if sqlite {
            sqlite_type(&self.ty, self.primary_key)
        } else {
            self.ty.clone()
        };
        let mut s = format!("{} {ty}", self.name);
        if let (Some(identity), false) = (self.identity, sqlite) {
            write!(s, " GENERATED {identity} AS IDENTITY").unwrap();
        }
        if self.primary_key {
            s.push_str(" PRIMARY KEY");
        }
        if self.not_null {
            s.push_str(" NOT NULL");
        }
        if let Some(d) = &self.default {
            let d = if sqlite { sqlite_default(d) } else { d.clone() };
            write!(s, " DEFAULT {d}").unwrap();
        }
        if self.unique {
            s.push_str(" UNIQUE");
        }
        if let Some(c) = &self.check {
            write!(s, " CHECK ({c})").unwrap();
        }
        if sqlite && self.kind == Kind::Enum {
            if let Some((_, labels)) = ENUMS.iter().find(|e| e.0 == self.ty) {
                let labels: Vec<String> = labels.iter().map(|l| format!("'{l}'")).collect();
                write!(s, " CHECK ({} IN ({}))", self.name, labels.join(", ")).unwrap();
            }
        }
        if let Some(r) = &self.references {
            write!(s, " REFERENCES {r}").unwrap();
        }
        s
    }
}

/// The SQLite spelling of a PostgreSQL type (names SQLAlchemy's SQLite dialect knows).
fn sqlite_type(pg: &str, primary_key: bool) -> String {
    if primary_key && matches!(pg, "bigint" | "integer") {
        // A rowid alias, as SQLite users write an auto-incrementing key.
        return "INTEGER".into();
    }
    match pg {
        "integer" => "INTEGER".into(),
        "bigint" => "BIGINT".into(),
        "text" | "jsonb" | "uuid" => "TEXT".into(),
        "boolean" => "BOOLEAN".into(),
        "timestamptz" => "TIMESTAMP".into(),
        "date" => "DATE".into(),
        t if t.starts_with("varchar") || t.starts_with("numeric") => t.to_uppercase(),
        _ => "TEXT".into(), // the enums
    }
}

fn sqlite_default(pg: &str) -> String {
    match pg {
        "gen_random_uuid()" => "(lower(hex(randomblob(16))))".into(),
        "now()" => "CURRENT_TIMESTAMP".into(),
        "'{}'::jsonb" => "'{}'".into(),
        "false" => "0".into(),
        "true" => "1".into(),
        d => d.into(),
    }
}

#[derive(Clone)]
pub struct Table {
    pub name: String,
    /// Type of `id`, what foreign keys to this table use; `None` when it cannot be a target.
    pub key_type: Option<&'static str>,
    pub cols: Vec<Col>,
    /// Table-level constraints: composite PRIMARY KEY, UNIQUE, CHECK.
    pub constraints: Vec<String>,
    /// `CREATE INDEX` statements (PostgreSQL spelling).
    pub indexes: Vec<String>,
    /// `CREATE VIEW` on this table, one table in 40.
    pub view: Option<String>,
}

pub struct Model {
    pub dialect: Dialect,
    pub tables: Vec<Table>,
    /// PostgreSQL: a trigger function and a `BEFORE UPDATE` trigger per table (the
    /// routines benchmark, `BENCH_PG_ROUTINES=1`).
    pub routines: bool,
}

impl Model {
    /// The statements, without their semicolons, in an order that loads as it is.
    pub fn statements(&self) -> Vec<String> {
        let sqlite = self.dialect == Dialect::Sqlite;
        let mut out = Vec::new();
        if !sqlite {
            for (name, labels) in ENUMS {
                let labels: Vec<String> = labels.iter().map(|l| format!("'{l}'")).collect();
                out.push(format!(
                    "CREATE TYPE {name} AS ENUM ({})",
                    labels.join(", ")
                ));
            }
        }
        for t in &self.tables {
            let mut parts: Vec<String> = t.cols.iter().map(|c| c.sql(self.dialect)).collect();
            parts.extend(t.constraints.iter().map(|c| {
                if sqlite {
                    c.replace("char_length(", "length(")
                } else {
                    c.clone()
                }
            }));
            out.push(format!(
                "CREATE TABLE {} (\n  {}\n)",
                t.name,
                parts.join(",\n  ")
            ));
            out.extend(t.indexes.iter().map(|i| {
                if sqlite {
                    i.replace(" USING gin", "")
                } else {
                    i.clone()
                }
            }));
            if self.routines && !sqlite {
                out.push(format!(
                    "CREATE FUNCTION {0}_touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF NEW IS DISTINCT FROM OLD THEN\n    RETURN NEW;\n  END IF;\n  RETURN NULL;\nEND\n$$",
                    t.name
                ));
                out.push(format!(
                    "CREATE TRIGGER {0}_touch BEFORE UPDATE ON {0} FOR EACH ROW EXECUTE FUNCTION {0}_touch()",
                    t.name
                ));
            }
        }
        out.extend(self.tables.iter().filter_map(|t| t.view.clone()));
        out
    }

    /// The declared file: every statement, a blank line before each table and view.
    pub fn sql(&self) -> String {
        let mut s = String::with_capacity(self.tables.len() * 1200);
        for stmt in self.statements() {
            if stmt.starts_with("CREATE TABLE") || stmt.starts_with("CREATE VIEW") {
                s.push('\n');
            }
            writeln!(s, "{stmt};").unwrap();
        }
        s
    }

    /// The same statements for loading a live database, a transaction per [`LOAD_CHUNK`]
    /// statements: in one transaction, 2,000 PostgreSQL tables with their indexes would
    /// need more locks than the server's lock table holds (`max_locks_per_transaction`).
    pub fn load_sql(&self) -> String {
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

pub const LOAD_CHUNK: usize = 200;

/// The schema of `n` tables; the same `n` always gives the same schema, in either dialect.
pub fn generate(n: usize, dialect: Dialect) -> Model {
    let mut rng = Rng(0x5eed_0000 + n as u64);
    let mut tables: Vec<Table> = Vec::with_capacity(n);
    for i in 0..n {
        let t = table(&mut rng, i, format!("t{i:04}"), &tables, dialect);
        tables.push(t);
    }
    Model {
        dialect,
        tables,
        routines: false,
    }
}

/// Table number `i`, with foreign keys to `earlier` tables.
fn table(rng: &mut Rng, i: usize, name: String, earlier: &[Table], dialect: Dialect) -> Table {
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
    let fk_count = if earlier.is_empty() {
        0
    } else {
        rng.weighted(&[35, 35, 25, 5])
    };
    let i = i.min(earlier.len());
    let mut fk_cols = Vec::new();
    for k in 0..fk_count {
        let back = if rng.percent(60) {
            1 + rng.below(i.min(20))
        } else {
            1 + rng.below(i)
        };
        let Some(parent) = earlier[..=i - back]
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
        cols.push(data_column(rng, kind, j));
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
            index(rng, &iname, &name, &mut cols, &plain)
        };
        indexes.push(sql);
    }

    // A view every 40 tables, joined to its first parent when it has one.
    let mut view = None;
    if i % 40 == 39 {
        let shown = plain.first().copied().unwrap_or(data_at);
        cols[shown].pinned = true;
        let col = &cols[shown].name;
        view = Some(match fk_cols.first().map(|&j| &cols[j]) {
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
        });
    }
    let _ = dialect;
    Table {
        name,
        key_type,
        cols,
        constraints,
        indexes,
        view,
    }
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
