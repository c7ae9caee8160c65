//! The settings a file gives the statements after it, as a full load applies them
//! (`intake`): `pg_dump -s` output begins with `SELECT pg_catalog.set_config('search_path',
//! '', false)`, `SET check_function_bodies = false` and settings a load skips (timeouts,
//! encodings, `standard_conforming_strings`, `default_tablespace`, …). The reload skips
//! what a full load skips, and runs each statement under the settings its file gives it at
//! that point, as a full load does. It understands two: `check_function_bodies`, and an
//! empty `search_path`, under which every name must be qualified (as `pg_dump` writes
//! them), so that an unqualified name means `public` to the classification and nothing
//! to the server, which refuses it. Any other `search_path` means a full load.
//!
//! A statement's hash covers the settings it runs under: a statement moved past a setting,
//! or under a changed one, is a changed statement.

use super::super::intake;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// The settings in force at a point of one file, kept as a full load keeps them.
#[derive(Debug, Default)]
pub(super) struct Settings(intake::Settings);

/// What a statement is to the reload.
pub(super) enum Read {
    /// A statement to classify and, when its table changed, to run.
    Statement,
    /// A setting, taken into account; or a statement a full load skips.
    Taken,
    /// A statement a full load refuses, with the reason.
    Refused(&'static str),
}

impl Settings {
    /// The statements that establish the settings, each ending in `;\n` (empty for the
    /// server's defaults): what `intake::enter_session` applies.
    pub(super) fn prelude(&self) -> String {
        self.0.prelude()
    }

    /// Whether the reload reads statements under these settings as the classification
    /// does (see the module documentation).
    pub(super) fn understood(&self) -> bool {
        self.0 .0.iter().all(|(param, text)| match param.as_str() {
            "check_function_bodies" => true,
            "search_path" => empty_search_path(text),
            _ => false,
        })
    }

    /// Takes `text` into account as `intake::file_intake` does.
    pub(super) fn read(&mut self, text: &str) -> Read {
        use intake::Treatment as T;
        let t = intake::treatment(text);
        if self.0.take(&t, text) {
            return Read::Taken;
        }
        match t {
            T::Run | T::SkipOwner => Read::Statement,
            T::Refuse(why) => Read::Refused(why),
            _ => Read::Taken,
        }
    }
}

/// The hash of `text` run under `prelude`: the text's own when the prelude is empty (so
/// that files with no settings keep the hashes they had).
pub(super) fn hash(prelude: &str, text: &str) -> String {
    match prelude.is_empty() {
        true => crate::fingerprint::sha256_hex(text.as_bytes()),
        false => crate::fingerprint::sha256_hex(format!("{prelude}\u{0}{text}").as_bytes()),
    }
}

/// `text` to run under `prelude`, whatever the session's settings were.
pub(super) fn under(prelude: &str, text: &str) -> String {
    format!("{}{text}", intake::enter_session(&[prelude.to_string()], 0))
}

/// Whether `text` sets `search_path` to the empty string (`SET search_path = ''`,
/// `SELECT pg_catalog.set_config('search_path', '', false)`): its only string literals are
/// the setting's name and one empty string.
fn empty_search_path(text: &str) -> bool {
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, text).tokenize() else {
        return false;
    };
    let strings: Vec<&str> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::SingleQuotedString(s) => Some(s.as_str()),
            Token::DoubleQuotedString(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    strings.contains(&"")
        && strings
            .iter()
            .all(|s| s.is_empty() || s.eq_ignore_ascii_case("search_path"))
        && !tokens.iter().any(|t| {
            matches!(t, Token::Word(w) if w.quote_style.is_none()
                && !["set", "select", "search_path", "to", "pg_catalog", "set_config", "false", "true", "session"]
                    .contains(&w.value.to_lowercase().as_str()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_search_path_is_told_from_any_other() {
        for yes in [
            "SET search_path = ''",
            "SET search_path TO ''",
            "SELECT pg_catalog.set_config('search_path', '', false)",
        ] {
            assert!(empty_search_path(yes), "{yes}");
        }
        for no in [
            "SET search_path = app",
            "SET search_path = '', app",
            "SET search_path = 'app'",
            "SELECT pg_catalog.set_config('search_path', 'app', false)",
            "SET search_path = DEFAULT",
        ] {
            assert!(!empty_search_path(no), "{no}");
        }
    }

    #[test]
    fn settings_are_read_as_a_full_load_reads_them() {
        let mut s = Settings::default();
        assert!(matches!(s.read("SET statement_timeout = 0"), Read::Taken));
        assert!(matches!(
            s.read("SET standard_conforming_strings = on"),
            Read::Taken
        ));
        assert_eq!(s.prelude(), "");
        assert!(matches!(
            s.read("SELECT pg_catalog.set_config('search_path', '', false)"),
            Read::Taken
        ));
        assert!(matches!(
            s.read("SET check_function_bodies = false"),
            Read::Taken
        ));
        assert!(s.understood());
        assert!(s.prelude().contains("set_config('search_path', '', false)"));
        assert!(matches!(
            s.read("CREATE TABLE public.t (a int)"),
            Read::Statement
        ));
        assert!(matches!(s.read("SET search_path = app"), Read::Taken));
        assert!(!s.understood());
        assert!(matches!(s.read("RESET ALL"), Read::Taken));
        assert_eq!(s.prelude(), "");
        assert!(matches!(s.read("COPY t FROM stdin"), Read::Refused(_)));
        assert_ne!(hash("", "x"), hash("SET search_path = '';\n", "x"));
        assert_eq!(hash("", "x"), crate::fingerprint::sha256_hex(b"x"));
    }
}
