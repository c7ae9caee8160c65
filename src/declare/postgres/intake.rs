//! Declared PostgreSQL files as people have them, `pg_dump -s` output included: what is
//! run in the scratch database, what is skipped, and the session settings each statement
//! runs under (docs/postgres.md "Adopting an existing database").
//!
//! - psql meta-commands (a line whose first character outside a string, quoted name,
//!   dollar-quoted body or comment is `\`: `\restrict`, `\connect`, `\set`, …) are psql's,
//!   not the server's: the line is blanked (positions stay) and reported as a note.
//! - `ALTER … OWNER TO …` is skipped: ownership is not modelled, and running it would need
//!   the role to exist and the user to be a member of it.
//! - `SET`, `RESET` and `SELECT pg_catalog.set_config(…)` of the settings that change what
//!   a later statement creates (see [`APPLIED`]) are kept for the rest of their file, never
//!   beyond it; every other session setting (timeouts, encodings, messages, row security,
//!   tablespace, role) is skipped: it changes how a restore runs, not the schema, and a
//!   newer pg_dump's parameter may not exist on the scratch server.

use super::super::{Error, SourceFile};
use crate::sqltext::{quote_pg_ident, split_pg_statements, SplitError, Statement};
use postgres::config::Host;
use postgres::error::SqlState;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Mutex;

/// Meta-command lines already reported by this process (a command may load the same files
/// more than once).
static NOTED: Mutex<BTreeSet<(PathBuf, u64)>> = Mutex::new(BTreeSet::new());

/// Prints a note on stderr for each meta-command line and statement about the server that
/// `read` skipped in `file`, once per process.
pub fn note_skipped(file: &SourceFile, read: &FileIntake) {
    let Ok(mut noted) = NOTED.lock() else {
        return;
    };
    for m in &read.meta {
        if noted.insert((file.path.clone(), m.line)) {
            eprintln!("{}", meta_note(file, m));
        }
    }
    for (line, what) in &read.cluster {
        if noted.insert((file.path.clone(), *line)) {
            eprintln!(
                "schemadiff: note: {}:{line}: {what} skipped (roles, databases and tablespaces belong to the server, not to one database's schema; loading declared files never changes them)",
                file.path.display()
            );
        }
    }
}

/// The note for one skipped meta-command line.
pub fn meta_note(file: &SourceFile, m: &MetaCommand) -> String {
    let command = m
        .name
        .as_deref()
        .map_or(String::new(), |n| format!(" \\{n}"));
    let include = matches!(
        m.name.as_deref(),
        Some("i" | "ir" | "include" | "include_relative")
    );
    let why = if include {
        "every .sql file of a declared directory is read; an included file outside it is not"
    } else {
        "declared files are run as SQL, not by psql"
    };
    format!(
        "schemadiff: note: {}:{}: psql meta-command{command} skipped ({why})",
        file.path.display(),
        m.line
    )
}

/// The error for a role that may not create the scratch database on `server`.
pub fn no_createdb(admin: &mut postgres::Client, server: &postgres::Config) -> Error {
    let role = admin
        .query_one("SELECT current_user::text", &[])
        .ok()
        .map(|r| r.get::<_, String>(0))
        .or_else(|| server.get_user().map(str::to_string))
        .unwrap_or_default();
    let hosts: Vec<String> = server
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let port = server.get_ports().first().copied().unwrap_or(5432);
    Error::NoCreatedb {
        role: quote_pg_ident(&role),
        server: format!("{}:{port}", hosts.join(",")),
    }
}

/// What [`crate::model::Schema::unmanaged`] says of a schema that only the target database
/// has: a stand-in was created in the scratch database so that the files load.
pub const EXTERNAL_SCHEMA: &str =
    "external schema: the target database has it, no declared file creates it";

/// The schema named by a `schema "s" does not exist` error.
pub fn missing_schema(e: &postgres::Error) -> Option<String> {
    let db = e.as_db_error()?;
    if *db.code() != SqlState::INVALID_SCHEMA_NAME {
        return None;
    }
    let rest = db.message().strip_prefix("schema \"")?;
    Some(rest.strip_suffix("\" does not exist")?.to_string())
}

/// Whether the database `admin` is connected to (the target, when there is no dev URL) has
/// schema `name`.
pub fn target_has_schema(admin: &mut postgres::Client, name: &str) -> bool {
    admin
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)",
            &[&name],
        )
        .is_ok_and(|r| r.get::<_, bool>(0))
}

/// What to do about an error that means the files lean on something only the target
/// server has: a schema no file creates, a role that does not exist there.
pub fn advice(e: &postgres::Error) -> Option<String> {
    let db = e.as_db_error()?;
    let quoted = |prefix: &str| {
        let rest = db.message().strip_prefix(prefix)?;
        let name = rest.strip_suffix("\" does not exist")?;
        Some(quote_pg_ident(name))
    };
    if *db.code() == SqlState::INVALID_SCHEMA_NAME {
        let schema = quoted("schema \"")?;
        return Some(format!(
            "no declared file creates schema {schema}, and the database schemadiff connected to for the scratch database (the target, or the dev URL's) does not have it: add `CREATE SCHEMA {schema};` to a file in schemas/ (schemadiff then manages it); a schema that only the target database has stands in as external when there is no dev URL"
        ));
    }
    if *db.code() == SqlState::UNDEFINED_OBJECT {
        let role = quoted("role \"")?;
        return Some(format!(
            "roles are cluster-wide and not declared in files: create role {role} on the server where declared DDL is loaded (the postgresql:// side, or --dev-url / dev_url in schemadiff.toml), e.g. `CREATE ROLE {role} NOLOGIN;`, or drop the statement that names it; a target where the role has another name maps it in schemadiff.toml under [postgres.roles] (e.g. `app = \"app_staging\"`), and declared files keep the declared name"
        ));
    }
    None
}

/// Settings kept from `SET`/`set_config` for the rest of the file: `search_path` decides
/// where unqualified names go (pg_dump sets it to `''` and qualifies everything; dumps
/// before PostgreSQL 10.3 set it per schema), `check_function_bodies = false` lets a
/// function refer to what is declared after it.
pub const APPLIED: [&str; 2] = ["search_path", "check_function_bodies"];

/// A psql meta-command line, skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaCommand {
    /// 1-based line in the file.
    pub line: u64,
    /// The command's name (`restrict`), without its arguments (the `\restrict` key is
    /// not repeated), or `None` when it is not a plain word.
    pub name: Option<String>,
}

/// Returns `text` with every psql meta-command line replaced by spaces (same byte length,
/// so every later line, column and offset is unchanged), and the lines replaced.
pub fn strip_meta_commands(text: &str) -> (String, Vec<MetaCommand>) {
    let bytes = text.as_bytes();
    // A meta-command is a line whose first character but whitespace is a backslash: with
    // no such line (most files), nothing to scan for. (Any non-ASCII byte before it may be
    // whitespace: such a line is scanned.)
    let line_starts_with_backslash = bytes.iter().enumerate().any(|(i, b)| {
        *b == b'\\'
            && bytes[..i]
                .iter()
                .rev()
                .take_while(|c| **c != b'\n')
                .all(|c| c.is_ascii_whitespace() || *c == 0x0b || *c >= 0x80)
    });
    if !line_starts_with_backslash {
        return (text.to_string(), Vec::new());
    }
    let mut out = bytes.to_vec();
    let mut found = Vec::new();
    let mut state = Lex::Code;
    let mut line = 1u64;
    let mut i = 0;
    while i < bytes.len() {
        if (i == 0 || bytes[i - 1] == b'\n') && state == Lex::Code {
            let end = text[i..].find('\n').map_or(text.len(), |e| i + e);
            let row = text[i..end].trim_start();
            if let Some(command) = row.strip_prefix('\\') {
                let word: String = command
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '\\')
                    .collect();
                let plain = !word.is_empty()
                    && word
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_!?+".contains(c));
                found.push(MetaCommand {
                    line,
                    name: plain.then_some(word),
                });
                out[i..end].fill(b' ');
                i = end;
                continue;
            }
        }
        let n = state.step(bytes, i).min(bytes.len() - i);
        line += bytes[i..i + n].iter().filter(|b| **b == b'\n').count() as u64;
        i += n;
    }
    // Only ASCII bytes were replaced, each whole character by spaces: still UTF-8.
    let stripped = String::from_utf8(out).unwrap_or_else(|_| text.to_string());
    (stripped, found)
}

/// Where the scanner is in PostgreSQL's lexical structure.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lex {
    Code,
    /// `'…'`; `true` for `E'…'`, where a backslash escapes the next character.
    Str(bool),
    Ident,
    Dollar(String),
    /// Nesting depth of `/* … */`.
    Block(u32),
    Line,
}

impl Lex {
    /// Advances over the character at `i`; returns how many bytes it consumed.
    fn step(&mut self, b: &[u8], i: usize) -> usize {
        let rest = &b[i..];
        let ident_before = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b"_$".contains(&b[i - 1]));
        match self {
            Lex::Code => match rest[0] {
                b'\'' => {
                    let e = i > 0 && b"eE".contains(&b[i - 1]) && !(i > 1 && is_ident(b[i - 2]));
                    *self = Lex::Str(e);
                }
                b'"' => *self = Lex::Ident,
                b'-' if rest.starts_with(b"--") => {
                    *self = Lex::Line;
                    return 2;
                }
                b'/' if rest.starts_with(b"/*") => {
                    *self = Lex::Block(1);
                    return 2;
                }
                b'$' if !ident_before => {
                    if let Some(tag) = dollar_tag(rest) {
                        let len = tag.len() + 2;
                        *self = Lex::Dollar(tag);
                        return len;
                    }
                }
                _ => {}
            },
            Lex::Str(escapes) => match rest[0] {
                b'\\' if *escapes => return 2.min(rest.len()),
                b'\'' if rest.get(1) == Some(&b'\'') => return 2,
                b'\'' => *self = Lex::Code,
                _ => {}
            },
            Lex::Ident => match rest[0] {
                b'"' if rest.get(1) == Some(&b'"') => return 2,
                b'"' => *self = Lex::Code,
                _ => {}
            },
            Lex::Dollar(tag) => {
                if rest[0] == b'$' && dollar_tag(rest).as_deref() == Some(tag.as_str()) {
                    let len = tag.len() + 2;
                    *self = Lex::Code;
                    return len;
                }
            }
            Lex::Block(depth) => {
                if rest.starts_with(b"/*") {
                    *depth += 1;
                    return 2;
                }
                if rest.starts_with(b"*/") {
                    *depth -= 1;
                    if *depth == 0 {
                        *self = Lex::Code;
                    }
                    return 2;
                }
            }
            Lex::Line => {
                if rest[0] == b'\n' {
                    *self = Lex::Code;
                }
            }
        }
        1
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The tag of a dollar quote starting at `rest[0] == '$'` (`""` for `$$`).
fn dollar_tag(rest: &[u8]) -> Option<String> {
    let len = rest[1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c >= 0x80)
        .count();
    let tag = &rest[1..1 + len];
    let valid = rest.get(len + 1) == Some(&b'$') && tag.first().is_none_or(|c| !c.is_ascii_digit());
    valid.then(|| String::from_utf8_lossy(tag).into_owned())
}

/// What loading does with one statement of a declared file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Treatment {
    /// Run in the scratch database.
    Run,
    /// Sets one of the [`APPLIED`] settings (lower-cased) for the rest of the file.
    Set(String),
    /// `RESET name` (or `RESET ALL` with `None`).
    Reset(Option<String>),
    /// A session setting that does not change what is created: skipped.
    SkipSetting,
    /// `ALTER … OWNER TO role`: skipped.
    SkipOwner,
    /// A statement about the server rather than this database (roles, databases,
    /// tablespaces, role membership): skipped with a note, since running it would change
    /// the server outside the scratch database. Says what it is (`CREATE DATABASE`).
    SkipCluster(&'static str),
    /// Refused, with the reason: `COPY … FROM stdin` (a dump with data) would wait for
    /// rows that the file holds as text after it.
    Refuse(&'static str),
}

/// Why `COPY … FROM stdin` is refused.
pub const COPY_REFUSED: &str = "COPY … FROM stdin loads table data, which a schema file does not hold: dump the schema only (pg_dump -s)";

/// Whether `ALTER … OWNER TO` statements run in the scratch database (ownership managed:
/// `[postgres] manage = ["ownership"]`) instead of being skipped. Process-wide, set once by
/// the use case before anything is declared; part of the catalog cache key.
static RUN_OWNERS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Runs `ALTER … OWNER TO` in the scratch database from now on (ownership is managed).
pub fn run_owner_statements() {
    RUN_OWNERS.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Whether [`run_owner_statements`] was called.
pub fn runs_owner_statements() -> bool {
    RUN_OWNERS.load(std::sync::atomic::Ordering::SeqCst)
}

/// Tells what loading does with `text`, one statement.
pub fn treatment(text: &str) -> Treatment {
    if plainly_run(text) {
        return Treatment::Run;
    }
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, text).tokenize() else {
        return Treatment::Run;
    };
    let t: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let kw = |i: usize| match t.get(i) {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    };
    let name = |i: usize| match t.get(i) {
        Some(Token::Word(w)) => Some(w.value.to_lowercase()),
        _ => None,
    };
    let setting = |param: Option<String>| match param {
        Some(p) if APPLIED.contains(&p.as_str()) => Treatment::Set(p),
        _ => Treatment::SkipSetting,
    };
    if let Some(what) = cluster_wide(&t) {
        return Treatment::SkipCluster(what);
    }
    let copy_stdio = kw(0) == Some(Keyword::COPY)
        && t.iter().any(|tok| matches!(tok, Token::Word(w) if w.quote_style.is_none() && matches!(w.keyword, Keyword::STDIN | Keyword::STDOUT)));
    if copy_stdio {
        return Treatment::Refuse(COPY_REFUSED);
    }
    match kw(0) {
        Some(Keyword::SET) => match kw(1) {
            Some(Keyword::LOCAL | Keyword::ROLE) => Treatment::SkipSetting,
            Some(Keyword::SESSION) if kw(2) == Some(Keyword::AUTHORIZATION) => {
                Treatment::SkipSetting
            }
            Some(Keyword::SESSION) => setting(name(2)),
            _ => setting(name(1)),
        },
        Some(Keyword::RESET) if kw(1) == Some(Keyword::ALL) && t.len() == 2 => {
            Treatment::Reset(None)
        }
        Some(Keyword::RESET) => match name(1) {
            Some(p) if APPLIED.contains(&p.as_str()) => Treatment::Reset(Some(p)),
            _ => Treatment::SkipSetting,
        },
        Some(Keyword::SELECT) => set_config(&t).map_or(Treatment::Run, |p| setting(Some(p))),
        Some(Keyword::ALTER) if changes_owner_only(&t) && !runs_owner_statements() => {
            Treatment::SkipOwner
        }
        _ => Treatment::Run,
    }
}

/// Whether `text` is `CREATE …` or `COMMENT ON …` of anything but a database, role, user,
/// group or tablespace: run whatever follows, told from its first words (most statements
/// of a file are such, and [`treatment`] need not tokenize them whole).
fn plainly_run(text: &str) -> bool {
    use crate::sqltext::pg_lex::{Kind, Lexer};
    let mut toks = Lexer::new(text).map_while(Result::ok);
    let cluster_wide = |t: Option<crate::sqltext::pg_lex::Tok>| {
        t.is_none_or(|t| {
            t.kind == Kind::Word
                && ["database", "role", "user", "group", "tablespace"]
                    .iter()
                    .any(|k| t.is_word(text, k))
        })
    };
    match toks.next() {
        Some(t) if t.is_word(text, "create") => !cluster_wide(toks.next()),
        Some(t) if t.is_word(text, "comment") => {
            toks.next().is_some_and(|on| on.is_word(text, "on")) && !cluster_wide(toks.next())
        }
        _ => false,
    }
}

/// What `t` is when it is about the server rather than one database.
fn cluster_wide(t: &[Token]) -> Option<&'static str> {
    let kw = |i: usize| match t.get(i) {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    };
    let object = |i: usize| match kw(i)? {
        Keyword::DATABASE => Some("DATABASE"),
        Keyword::ROLE => Some("ROLE"),
        Keyword::USER if !matches!(t.get(i + 1), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("mapping")) => {
            Some("USER")
        }
        Keyword::GROUP => Some("GROUP"),
        Keyword::TABLESPACE => Some("TABLESPACE"),
        _ => None,
    };
    match kw(0)? {
        Keyword::CREATE => object(1).map(|o| match o {
            "DATABASE" => "CREATE DATABASE",
            "ROLE" => "CREATE ROLE",
            "USER" => "CREATE USER",
            "GROUP" => "CREATE GROUP",
            _ => "CREATE TABLESPACE",
        }),
        Keyword::ALTER if kw(1) == Some(Keyword::SYSTEM) => Some("ALTER SYSTEM"),
        Keyword::ALTER => object(1).map(|o| match o {
            "DATABASE" => "ALTER DATABASE",
            "TABLESPACE" => "ALTER TABLESPACE",
            _ => "ALTER ROLE",
        }),
        Keyword::DROP => object(1).map(|o| match o {
            "DATABASE" => "DROP DATABASE",
            "TABLESPACE" => "DROP TABLESPACE",
            _ => "DROP ROLE",
        }),
        Keyword::COMMENT if kw(1) == Some(Keyword::ON) => object(2).map(|o| match o {
            "DATABASE" => "COMMENT ON DATABASE",
            "TABLESPACE" => "COMMENT ON TABLESPACE",
            _ => "COMMENT ON ROLE",
        }),
        Keyword::GRANT | Keyword::REVOKE => {
            let mut depth = 0i64;
            let on = t.iter().position(|tok| {
                match tok {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    _ => {}
                }
                depth == 0
                    && matches!(tok, Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::ON)
            });
            match on {
                None => Some("GRANT or REVOKE of a role (membership)"),
                Some(i) => match object(i + 1) {
                    Some("DATABASE") => Some("GRANT or REVOKE on a database"),
                    Some("TABLESPACE") => Some("GRANT or REVOKE on a tablespace"),
                    _ => None,
                },
            }
        }
        _ => None,
    }
}

/// The parameter of `SELECT [pg_catalog.]set_config('param', …)` when that call is the
/// whole statement.
fn set_config(t: &[Token]) -> Option<String> {
    let word = |i: usize, v: &str| matches!(t.get(i), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(v));
    let call = if word(1, "pg_catalog") && t.get(2) == Some(&Token::Period) {
        3
    } else {
        1
    };
    if !word(call, "set_config") || t.get(call + 1) != Some(&Token::LParen) {
        return None;
    }
    let Some(Token::SingleQuotedString(param)) = t.get(call + 2) else {
        return None;
    };
    let mut depth = 0i64;
    for (i, tok) in t.iter().enumerate().skip(call + 1) {
        match tok {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return (i + 1 == t.len()).then(|| param.to_lowercase());
        }
    }
    None
}

/// `ALTER <kind> <name> OWNER TO <role>` with nothing else: the words `OWNER TO` and a role
/// at the end, not after `RENAME` or `COLUMN` (`RENAME owner TO x` renames a column), and
/// no other action (a `,` outside parentheses).
fn changes_owner_only(t: &[Token]) -> bool {
    let n = t.len();
    let is_kw = |tok: &Token, k: Keyword| matches!(tok, Token::Word(w) if w.quote_style.is_none() && w.keyword == k);
    if n < 5 || !is_kw(&t[n - 3], Keyword::OWNER) || !is_kw(&t[n - 2], Keyword::TO) {
        return false;
    }
    if !matches!(t[n - 1], Token::Word(_)) {
        return false;
    }
    if is_kw(&t[n - 4], Keyword::RENAME) || is_kw(&t[n - 4], Keyword::COLUMN) {
        return false;
    }
    let mut depth = 0i64;
    for tok in &t[..n - 3] {
        match tok {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => return false,
            _ => {}
        }
    }
    true
}

/// The statements of one file to run, each with the session settings it runs under (an
/// index into `sessions`, whose entry 0 is the server's defaults), and the meta-command
/// lines skipped.
pub struct FileIntake {
    pub statements: Vec<(Statement, usize)>,
    pub meta: Vec<MetaCommand>,
    /// Statements about the server, skipped: line and what each is.
    pub cluster: Vec<(u64, &'static str)>,
}

/// Reads `text` (one file): strips meta-commands, drops what [`treatment`] skips, and
/// tracks the [`APPLIED`] settings, adding each new combination to `sessions` as the
/// statements that establish it.
pub fn file_intake(text: &str, sessions: &mut Vec<String>) -> Result<FileIntake, SplitError> {
    if sessions.is_empty() {
        sessions.push(String::new());
    }
    let (stripped, meta) = strip_meta_commands(text);
    let mut current = Settings::default();
    let mut session = 0;
    let mut statements = Vec::new();
    let mut cluster = Vec::new();
    for stmt in split_pg_statements(&stripped)? {
        let t = treatment(&stmt.text);
        if current.take(&t, &stmt.text) {
            let prelude = current.prelude();
            session = match sessions.iter().position(|s| *s == prelude) {
                Some(i) => i,
                None => {
                    sessions.push(prelude);
                    sessions.len() - 1
                }
            };
            continue;
        }
        match t {
            Treatment::Run => statements.push((stmt, session)),
            Treatment::Set(_) | Treatment::Reset(_) => {}
            Treatment::SkipSetting | Treatment::SkipOwner => {}
            Treatment::SkipCluster(what) => cluster.push((stmt.line, what)),
            Treatment::Refuse(why) => {
                return Err(SplitError {
                    message: why.to_string(),
                    line: stmt.line,
                    column: stmt.column,
                    offset: stmt.offset,
                })
            }
        }
    }
    Ok(FileIntake {
        statements,
        meta,
        cluster,
    })
}

/// The [`APPLIED`] settings in force at a point of one file: each setting's last statement.
#[derive(Debug, Default)]
pub(crate) struct Settings(pub(crate) BTreeMap<String, String>);

impl Settings {
    /// Takes `t`, the treatment of `text`, into account when it sets or resets one of
    /// them; `false` for any other treatment.
    pub(crate) fn take(&mut self, t: &Treatment, text: &str) -> bool {
        match t {
            Treatment::Set(param) => {
                self.0.insert(param.clone(), text.to_string());
            }
            Treatment::Reset(Some(param)) => {
                self.0.remove(param);
            }
            Treatment::Reset(None) => self.0.clear(),
            _ => return false,
        }
        true
    }

    /// The statements that establish them, each ending in `;\n` (empty for the server's
    /// defaults): a session of [`file_intake`].
    pub(crate) fn prelude(&self) -> String {
        self.0.values().map(|s| format!("{s};\n")).collect()
    }
}

/// SQL that puts a session into `sessions[index]` whatever settings it had. Function
/// bodies are not checked unless the file asks for it (as in a restore of `pg_dump`
/// output): a function may name a table or function declared after it, in any file.
pub fn enter_session(sessions: &[String], index: usize) -> String {
    let mut sql: String = APPLIED.iter().map(|p| format!("RESET {p};\n")).collect();
    sql.push_str("SET check_function_bodies = off;\n");
    sql.push_str(sessions.get(index).map_or("", String::as_str));
    sql
}

#[cfg(test)]
mod tests;
