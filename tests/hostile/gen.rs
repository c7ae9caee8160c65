//! A seeded generator of hostile names and texts, and of the before/after schemas of each
//! case built from them (SplitMix64: the same seed and case number give the same case).

/// The file a payload tries to create in the directory the shell runs in.
pub const PWNED: &str = "PWNED";
/// The file a payload tries to remove from the directory the shell runs in.
pub const KEEP: &str = "KEEP";
/// PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1).
pub const PG_LIMIT: usize = 63;

/// Texts written to escape their quotes or the comment line they are copied into.
pub const PAYLOADS: &[&str] = &[
    "\nDELETE FROM sentinel;\n",
    "\n.shell touch PWNED\n",
    "\n.system touch PWNED\n",
    "\n\\! touch PWNED\n",
    "\n.shell rm KEEP\n",
    "\n\\! rm KEEP\n",
    "\rDELETE FROM sentinel;\r",
    "*/ DROP TABLE sentinel; /*",
    "'; DROP TABLE sentinel; --",
    "\"; DROP TABLE sentinel; --",
    "$$; DROP TABLE sentinel; $$",
    "\n-- migrate:down\n",
    "\n-- schemadiff:no-transaction\n",
    "\nCOMMIT;\n",
];

/// Short pieces: line breaks, quotes, comment and dollar-quote openers, control characters
/// (no NUL), multi-byte and invisible Unicode.
const ATOMS: &[&str] = &[
    "\n",
    "\r",
    "\r\n",
    "\\",
    ".",
    "..",
    "'",
    "''",
    "\"",
    ";",
    "--",
    "/*",
    "*/",
    "$$",
    "$q$",
    "`",
    "[",
    "]",
    "\t",
    "\u{1}",
    "\u{7}",
    "\u{8}",
    "\u{b}",
    "\u{c}",
    "\u{1b}",
    "\u{1f}",
    "\u{7f}",
    "é",
    "ß",
    "日本",
    "Ω",
    "\u{2028}",
    "\u{2029}",
    "\u{200f}",
    "\u{202e}",
    "\u{200b}",
    "\u{feff}",
    "\u{85}",
    "😀",
    "👩\u{200d}💻",
    "a",
    "Z",
    "x y",
    " ",
    "%s",
    "{}",
    ":v",
    ":'v'",
];

/// Pieces a `-- schemadiff:renamed-from OLD` hint can carry: no white space, no quote of
/// the kinds the hint trims, no `.` (a schema separator there).
const HINT_ATOMS: &[&str] = &[
    "é", "日本", "😀", "$$", ";", "\\", "'", "--", "/*", "*/", "\u{200f}", "\u{202e}", "%s", "Ω",
];

/// The engine a case is generated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// SplitMix64.
pub struct Rng(u64);

impl Rng {
    /// Returns the generator of case `case` under `seed`.
    pub fn for_case(seed: u64, case: usize) -> Rng {
        let mut r = Rng(seed ^ (case as u64).wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Returns a hostile text of one to four pieces, a payload among them about half the time;
/// at most `limit` bytes when given, else now and then several hundred bytes long.
pub fn text(rng: &mut Rng, engine: Engine, limit: Option<usize>) -> String {
    let mut s = match only_payload() {
        Some(only) => format!("{}{only}", rng.pick(ATOMS)),
        None => pieces(rng),
    };
    if limit.is_none() && rng.chance(8) {
        s = s.repeat(1 + 400 / s.len().max(1));
    }
    if engine == Engine::Sqlite {
        // The sqlite3 shell drops a CR that ends a line, inside a literal or name too, so a
        // script cannot carry CR LF (docs/script-format.md).
        s = s.replace("\r\n", "\r \n");
    }
    truncate(&mut s, limit.unwrap_or(usize::MAX));
    s
}

/// One to four pieces, each a payload about half the time.
fn pieces(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..1 + rng.below(4) {
        s.push_str(if rng.chance(45) {
            rng.pick(PAYLOADS)
        } else {
            rng.pick(ATOMS)
        });
    }
    s
}

/// The payload `SCHEMADIFF_HOSTILE_PAYLOAD=N` restricts every text to (for diagnosis: which
/// payload gets through where).
fn only_payload() -> Option<&'static str> {
    let n: usize = std::env::var("SCHEMADIFF_HOSTILE_PAYLOAD")
        .ok()?
        .parse()
        .ok()?;
    Some(PAYLOADS[n])
}

/// Cuts `s` to at most `max` bytes on a character boundary.
fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

/// Returns a name carrying `tag` (which keeps it unique) before or after a hostile text;
/// on PostgreSQL at most 63 bytes, and exactly 63 about one time in five.
pub fn name(rng: &mut Rng, engine: Engine, tag: &str) -> String {
    let limit = (engine == Engine::Postgres).then_some(PG_LIMIT);
    let body = text(rng, engine, limit.map(|l| l - tag.len()));
    let mut s = if rng.chance(50) {
        format!("{tag}{body}")
    } else {
        format!("{body}{tag}")
    };
    if let Some(limit) = limit.filter(|_| rng.chance(20)) {
        let fill = rng.pick(&["x", "é", "日", "😀"]);
        while s.len() + fill.len() <= limit {
            s.push_str(fill);
        }
        while s.len() < limit {
            s.push('x');
        }
    }
    s
}

/// Returns a name usable in a `-- schemadiff:renamed-from` hint, carrying `tag`.
pub fn hint_name(rng: &mut Rng, tag: &str) -> String {
    let mut s = tag.to_string();
    for _ in 0..1 + rng.below(3) {
        s.push_str(rng.pick(HINT_ATOMS));
    }
    s
}

/// Double-quotes an identifier.
pub fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Single-quotes a string literal (standard-conforming: a backslash is itself).
pub fn lit(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// What a case changes between its before and after schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Create,
    Drop,
    AddColumn,
    DropColumn,
    RenameColumn,
    RenameTable,
    ChangeDefault,
    ChangeCheck,
    TypeChange,
    /// PostgreSQL only.
    EnumLabel,
    /// PostgreSQL only.
    Comments,
}

const SQLITE_SHAPES: &[Shape] = &[
    Shape::Create,
    Shape::Drop,
    Shape::AddColumn,
    Shape::DropColumn,
    Shape::RenameColumn,
    Shape::RenameTable,
    Shape::ChangeDefault,
    Shape::ChangeCheck,
    Shape::TypeChange,
];

/// A column: its name, type, default (SQL text) and comment; `old` is a rename hint.
#[derive(Clone, Debug)]
pub struct Col {
    pub name: String,
    pub ty: String,
    pub default: Option<String>,
    pub comment: Option<String>,
    pub old: Option<String>,
}

/// One case's objects on one side: a table with its index, CHECK, view and trigger
/// (SQLite), or its schema, enum, sequence and comments (PostgreSQL).
#[derive(Clone, Debug)]
pub struct Objects {
    pub schema: String,
    pub table: String,
    pub old_table: Option<String>,
    pub cols: Vec<Col>,
    /// Constraint name, column index, literal.
    pub check: (String, usize, String),
    pub index: String,
    pub view: String,
    pub trigger: String,
    pub enum_type: (String, Vec<String>),
    pub sequence: String,
    pub table_comment: Option<String>,
    pub view_comment: Option<String>,
}

/// A generated case: its number, what it changes, and both sides (`None`: no objects).
#[derive(Clone, Debug)]
pub struct Case {
    pub number: usize,
    pub shape: Shape,
    pub before: Option<Objects>,
    pub after: Option<Objects>,
}

/// Returns case `number` under `seed` for `engine`.
pub fn case(seed: u64, number: usize, engine: Engine) -> Case {
    let mut rng = Rng::for_case(seed, number);
    let shapes: Vec<Shape> = match engine {
        Engine::Sqlite => SQLITE_SHAPES.to_vec(),
        Engine::Postgres => [SQLITE_SHAPES, &[Shape::EnumLabel, Shape::Comments]].concat(),
    };
    let shape = shapes[rng.below(shapes.len())];
    let base = objects(&mut rng, engine, number);
    let mut after = base.clone();
    let n = |role: &str| format!("{role}{number}_");
    let fresh = |rng: &mut Rng, role: &str| name(rng, engine, &n(role));
    match shape {
        Shape::Create => return side(number, shape, None, Some(base)),
        Shape::Drop => return side(number, shape, Some(base), None),
        Shape::AddColumn => after.cols.push(Col {
            name: fresh(&mut rng, "d"),
            ty: "text".into(),
            default: Some(lit(&text(&mut rng, engine, None))),
            comment: comment(&mut rng, engine),
            old: None,
        }),
        Shape::DropColumn => {
            let mut before = base.clone();
            before.cols.push(Col {
                name: fresh(&mut rng, "d"),
                ty: "text".into(),
                default: Some(lit(&text(&mut rng, engine, None))),
                comment: comment(&mut rng, engine),
                old: None,
            });
            return side(number, shape, Some(before), Some(base));
        }
        Shape::RenameColumn => {
            let mut before = base.clone();
            before.cols[0].name = hint_name(&mut rng, &n("o"));
            after.cols[0].old = Some(before.cols[0].name.clone());
            return side(number, shape, Some(before), Some(after));
        }
        Shape::RenameTable => {
            let mut before = base.clone();
            before.table = hint_name(&mut rng, &n("u"));
            after.old_table = Some(before.table.clone());
            return side(number, shape, Some(before), Some(after));
        }
        Shape::ChangeDefault => after.cols[0].default = Some(lit(&text(&mut rng, engine, None))),
        Shape::ChangeCheck => after.check.2 = text(&mut rng, engine, None),
        Shape::TypeChange => after.cols[1].ty = "text".into(),
        Shape::EnumLabel => {
            let label = name(&mut rng, engine, &n("m"));
            let at = 1 + rng.below(after.enum_type.1.len());
            after.enum_type.1.insert(at, label);
        }
        Shape::Comments => {
            after.table_comment = comment(&mut rng, engine);
            after.cols[0].comment = comment(&mut rng, engine);
            after.view_comment = Some(text(&mut rng, engine, None));
        }
    }
    side(number, shape, Some(base), Some(after))
}

fn side(number: usize, shape: Shape, before: Option<Objects>, after: Option<Objects>) -> Case {
    Case {
        number,
        shape,
        before,
        after,
    }
}

/// A comment text on PostgreSQL (sometimes none); none on SQLite, which has no comments.
fn comment(rng: &mut Rng, engine: Engine) -> Option<String> {
    (engine == Engine::Postgres && rng.chance(70)).then(|| text(rng, engine, None))
}

fn objects(rng: &mut Rng, engine: Engine, number: usize) -> Objects {
    let mut n = |role: &str| name(rng, engine, &format!("{role}{number}_"));
    let (schema, table, c, x, k) = (n("s"), n("t"), n("c"), n("x"), n("k"));
    let (index, view, trigger, enum_name, sequence) = (n("i"), n("v"), n("g"), n("e"), n("q"));
    let labels = vec![n("l"), n("n")];
    let cols = vec![
        Col {
            name: c,
            ty: "text".into(),
            default: Some(lit(&text(rng, engine, None))),
            comment: comment(rng, engine),
            old: None,
        },
        Col {
            name: x,
            ty: "integer".into(),
            default: None,
            comment: None,
            old: None,
        },
    ];
    Objects {
        schema,
        table,
        old_table: None,
        cols,
        check: (k, 0, text(rng, engine, None)),
        index,
        view,
        trigger,
        enum_type: (enum_name, labels),
        sequence,
        table_comment: comment(rng, engine),
        view_comment: comment(rng, engine),
    }
}

impl Objects {
    /// Every name and text of the objects (for the generator's own test).
    pub fn texts(&self) -> Vec<&str> {
        let mut out = vec![
            self.schema.as_str(),
            &self.table,
            &self.check.0,
            &self.check.2,
            &self.index,
            &self.view,
            &self.trigger,
            &self.enum_type.0,
            &self.sequence,
        ];
        out.extend(self.enum_type.1.iter().map(String::as_str));
        out.extend(self.old_table.as_deref());
        out.extend(self.table_comment.as_deref());
        out.extend(self.view_comment.as_deref());
        for c in &self.cols {
            out.push(&c.name);
            out.extend(c.default.as_deref());
            out.extend(c.comment.as_deref());
            out.extend(c.old.as_deref());
        }
        out
    }
}
