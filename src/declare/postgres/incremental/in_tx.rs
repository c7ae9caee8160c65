//! Running the reload's statements inside the transaction that is rolled back (the kept
//! scratch database, `kept.rs`): each batch and each statement retried alone in a savepoint
//! of its own, and statements that PostgreSQL refuses inside a transaction block written
//! as what they leave in the catalog.

use super::super::fixpoint::alone;
use crate::sqltext::pg_lex::{tokens, Kind};

/// Runs `pending` on `client`, retrying those that fail while others make progress
/// (statement order does not matter in declared files); the first statement still refused
/// and the server's message when some never run.
pub(super) fn settle(
    client: &mut impl postgres::GenericClient,
    mut pending: Vec<String>,
) -> Result<(), (String, String)> {
    if pending.is_empty() {
        return Ok(());
    }
    let batch: String = pending.iter().map(|s| format!("{s};\n")).collect();
    if alone(client, &batch).is_ok() {
        return Ok(());
    }
    loop {
        let before = pending.len();
        let mut refused = None;
        pending.retain(|s| match alone(client, s) {
            Ok(()) => false,
            Err(e) => {
                refused.get_or_insert_with(|| (s.clone(), crate::declare::db_message(&e)));
                true
            }
        });
        if pending.is_empty() {
            return Ok(());
        }
        if pending.len() == before {
            return Err(refused.unwrap_or_default());
        }
    }
}

/// `text` as it may run inside a transaction block: `CREATE [UNIQUE] INDEX CONCURRENTLY`
/// and `DROP INDEX CONCURRENTLY` without `CONCURRENTLY`, which changes how the server
/// builds the index on a table with rows (none here), not the index it makes. Any other
/// statement as it is.
pub(super) fn in_transaction(text: &str) -> String {
    let Ok(toks) = tokens(text) else {
        return text.to_string();
    };
    let words: Vec<_> = toks
        .iter()
        .take(4)
        .take_while(|t| t.kind == Kind::Word)
        .collect();
    let at = match words.as_slice() {
        [c, i, x, ..] if c.is_word(text, "create") && i.is_word(text, "index") => Some(x),
        [c, u, i, x]
            if c.is_word(text, "create")
                && u.is_word(text, "unique")
                && i.is_word(text, "index") =>
        {
            Some(x)
        }
        [d, i, x, ..] if d.is_word(text, "drop") && i.is_word(text, "index") => Some(x),
        _ => None,
    };
    match at {
        Some(x) if x.is_word(text, "concurrently") => {
            format!("{}{}", &text[..x.start], text[x.end..].trim_start())
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::in_transaction;

    #[test]
    fn concurrently_is_left_out_of_index_statements_only() {
        for (given, expected) in [
            (
                "CREATE INDEX CONCURRENTLY i ON t (a)",
                "CREATE INDEX i ON t (a)",
            ),
            (
                "create unique index concurrently if not exists i on t (a)",
                "create unique index if not exists i on t (a)",
            ),
            (
                "CREATE INDEX\n  CONCURRENTLY ON t (a)",
                "CREATE INDEX\n  ON t (a)",
            ),
            ("DROP INDEX CONCURRENTLY i", "DROP INDEX i"),
            // A name, not the keyword; other statements; quoted words.
            (
                "CREATE INDEX concurrently_idx ON t (a)",
                "CREATE INDEX concurrently_idx ON t (a)",
            ),
            (
                "CREATE INDEX \"concurrently\" ON t (a)",
                "CREATE INDEX \"concurrently\" ON t (a)",
            ),
            (
                "CREATE TABLE concurrently (a int)",
                "CREATE TABLE concurrently (a int)",
            ),
            (
                "REINDEX INDEX CONCURRENTLY i",
                "REINDEX INDEX CONCURRENTLY i",
            ),
            (
                "CREATE INDEX ON t (a) WHERE b = 'CONCURRENTLY'",
                "CREATE INDEX ON t (a) WHERE b = 'CONCURRENTLY'",
            ),
        ] {
            assert_eq!(in_transaction(given), expected, "{given}");
        }
    }
}
