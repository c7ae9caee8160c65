//! No input makes schemadiff panic: random bytes, token soup, every fixture file cut and
//! mutated at pseudo-random points, and corrupted database files. Each must give a schema or
//! an error. A panic fails the test.

mod common;

use common::*;
use schemadiff::declare::{declare_sqlite, SourceFile};
use schemadiff::source::{Dialect, Source};

/// A tiny deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn declare_text(text: String) {
    let file = SourceFile {
        path: "fuzz.sql".into(),
        text,
    };
    let _ = declare_sqlite(&[file]);
}

const WORDS: &[&str] = &[
    "CREATE",
    "TABLE",
    "INDEX",
    "VIEW",
    "TRIGGER",
    "(",
    ")",
    ",",
    ";",
    "t",
    "x",
    "INTEGER",
    "PRIMARY",
    "KEY",
    "CHECK",
    "REFERENCES",
    "DEFAULT",
    "'s'",
    "\"q\"",
    "BEGIN",
    "END",
    "AS",
    "SELECT",
    "FROM",
    "WHERE",
    "GENERATED",
    "ALWAYS",
    "STORED",
    "WITHOUT",
    "ROWID",
    "STRICT",
    "COLLATE",
    "NOCASE",
    "UNIQUE",
    "ON",
    "--",
    "/*",
    "*/",
    "`",
    "[",
    "]",
    "NULL",
    "NOT",
    "1e9",
];

#[test]
fn random_bytes_and_token_soup_never_panic() {
    let mut rng = Rng(0x5EED);
    for _ in 0..300 {
        let len = rng.below(400);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        declare_text(String::from_utf8_lossy(&bytes).to_string());
        let soup: Vec<&str> = (0..rng.below(60))
            .map(|_| WORDS[rng.below(WORDS.len())])
            .collect();
        declare_text(soup.join(" "));
    }
}

#[test]
fn cut_and_mutated_fixtures_never_panic() {
    let mut rng = Rng(42);
    for dir in cases("sqlite") {
        for side in ["before.sql", "after.sql"] {
            let text = read(&dir.join(side));
            let chars: Vec<char> = text.chars().collect();
            for _ in 0..4 {
                let cut = rng.below(chars.len());
                declare_text(chars[..cut].iter().collect());
                let mut mutated = chars.clone();
                let at = rng.below(mutated.len());
                mutated[at] = ['(', ')', '\'', '"', ';', ' ', 'x', '\u{0}', 'é'][rng.below(9)];
                declare_text(mutated.into_iter().collect());
            }
        }
    }
}

#[test]
fn corrupted_databases_give_errors_not_panics() {
    let tmp = temp_dir("no-panic-db");
    let path = tmp.join("good.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&read(
        &root().join("fixtures/sqlite/multi_table_changes/before.sql"),
    ))
    .unwrap();
    drop(conn);
    let good = std::fs::read(&path).unwrap();
    let mut rng = Rng(7);
    for i in 0..40 {
        let mut bytes = good.clone();
        for _ in 0..(1 + rng.below(64)) {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
        }
        if i % 5 == 0 {
            bytes.truncate(rng.below(bytes.len()));
        }
        let bad = tmp.join(format!("bad{i}.db"));
        std::fs::write(&bad, &bytes).unwrap();
        let url = format!("sqlite:///{}", bad.display());
        if let Ok(src) = Source::parse(&url) {
            let _ = src.load(Dialect::Sqlite);
        }
    }
}
