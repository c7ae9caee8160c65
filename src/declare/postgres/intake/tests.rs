//! Tests of the intake of declared files (`intake.rs`).

use super::*;

fn stripped_lines(text: &str) -> Vec<u64> {
    let (out, found) = strip_meta_commands(text);
    assert_eq!(out.len(), text.len());
    found.iter().map(|m| m.line).collect()
}

#[test]
fn meta_command_lines_are_blanked_and_reported() {
    let text = "\\restrict KEY123\nSET a = 1;\n  \\connect db\nCREATE TABLE t (x int);\n\\unrestrict KEY123\n";
    let (out, found) = strip_meta_commands(text);
    assert_eq!(
        found,
        [
            MetaCommand {
                line: 1,
                name: Some("restrict".into())
            },
            MetaCommand {
                line: 3,
                name: Some("connect".into())
            },
            MetaCommand {
                line: 5,
                name: Some("unrestrict".into())
            },
        ]
    );
    assert!(!out.contains('\\') && !out.contains("KEY123"));
    assert_eq!(out.lines().nth(3), Some("CREATE TABLE t (x int);"));
    assert_eq!(out.len(), text.len());
}

#[test]
fn a_backslash_line_inside_quotes_or_comments_is_data() {
    for text in [
        "COMMENT ON TABLE t IS 'x\n\\set a 1\n';",
        "COMMENT ON TABLE t IS E'it\\'s\n\\set a 1\n';",
        "CREATE TABLE \"a\n\\set\" (x int);",
        "CREATE FUNCTION f() RETURNS int AS $$\n\\set a\n$$ LANGUAGE sql;",
        "CREATE FUNCTION f() RETURNS int AS $body$ $$\n\\set a\n$body$ LANGUAGE sql;",
        "/* outer /* inner */\n\\set still a comment */ SELECT 1;",
        "SELECT 'a''\n\\x';",
    ] {
        assert_eq!(stripped_lines(text), Vec::<u64>::new(), "{text}");
    }
    // A line comment ends at its line; the next line is psql's again.
    assert_eq!(stripped_lines("-- it's\n\\set a 1\nSELECT 1;"), [2]);
    // After a closed string, comment or body, a backslash line is psql's.
    assert_eq!(
        stripped_lines("SELECT 'a';\n/* c */\nSELECT $t$x$t$;\n\\gset\n"),
        [4]
    );
    // `E` of a longer word does not start an escape string: `'` after `some` is plain.
    assert_eq!(stripped_lines("SELECT some'\\';\n\\x\n"), [2]);
}

#[test]
fn treatments() {
    use Treatment::*;
    let cases = [
        ("SET statement_timeout = 0", SkipSetting),
        ("SET search_path = app, public", Set("search_path".into())),
        (
            "SET SESSION check_function_bodies = false",
            Set("check_function_bodies".into()),
        ),
        ("SET ROLE app", SkipSetting),
        ("SET SESSION AUTHORIZATION app", SkipSetting),
        (
            "SELECT pg_catalog.set_config('search_path', '', false)",
            Set("search_path".into()),
        ),
        (
            "SELECT set_config('lock_timeout', '1s', false)",
            SkipSetting,
        ),
        ("SELECT set_config('search_path', '', false), 1", Run),
        ("RESET ALL", Reset(None)),
        ("RESET search_path", Reset(Some("search_path".into()))),
        ("ALTER TABLE app.person OWNER TO postgres", SkipOwner),
        (
            "ALTER FUNCTION app.f(x integer, y text) OWNER TO \"App\"",
            SkipOwner,
        ),
        ("ALTER TABLE t RENAME owner TO x", Run),
        ("ALTER TABLE t RENAME COLUMN owner TO x", Run),
        ("ALTER TABLE t ADD COLUMN a int, OWNER TO x", Run),
        ("CREATE TABLE owner (\"to\" int)", Run),
        ("GRANT SELECT ON TABLE app.person TO PUBLIC", Run),
        ("GRANT SELECT (a, b) ON t TO app", Run),
        ("GRANT USAGE ON SCHEMA app TO app", Run),
        ("CREATE USER MAPPING FOR app SERVER s", Run),
        ("COPY public.t (id) FROM stdin", Refuse(COPY_REFUSED)),
        ("COPY t TO STDOUT", Refuse(COPY_REFUSED)),
        (
            "CREATE DATABASE app TEMPLATE template0",
            SkipCluster("CREATE DATABASE"),
        ),
        (
            "ALTER DATABASE app OWNER TO postgres",
            SkipCluster("ALTER DATABASE"),
        ),
        ("CREATE ROLE app NOLOGIN", SkipCluster("CREATE ROLE")),
        (
            "ALTER USER app SET search_path = x",
            SkipCluster("ALTER ROLE"),
        ),
        ("DROP GROUP g", SkipCluster("DROP ROLE")),
        (
            "COMMENT ON DATABASE app IS 'x'",
            SkipCluster("COMMENT ON DATABASE"),
        ),
        (
            "GRANT app TO alice",
            SkipCluster("GRANT or REVOKE of a role (membership)"),
        ),
        (
            "GRANT CONNECT ON DATABASE app TO alice",
            SkipCluster("GRANT or REVOKE on a database"),
        ),
    ];
    for (text, want) in cases {
        assert_eq!(treatment(text), want, "{text}");
    }
}

#[test]
fn settings_last_to_the_end_of_their_file_only() {
    let mut sessions = Vec::new();
    let a = file_intake(
        "CREATE TABLE a (x int);\nSET search_path = '';\nSET lock_timeout = 0;\nCREATE TABLE public.b (x int);\nALTER TABLE public.b OWNER TO nobody;\nRESET search_path;\nCREATE TABLE c (x int);",
        &mut sessions,
    )
    .unwrap();
    let b = file_intake("CREATE TABLE d (x int);", &mut sessions).unwrap();
    let got: Vec<(String, usize)> = a
        .statements
        .iter()
        .chain(&b.statements)
        .map(|(s, i)| (s.text.clone(), *i))
        .collect();
    assert_eq!(
        got,
        [
            ("CREATE TABLE a (x int)".to_string(), 0),
            ("CREATE TABLE public.b (x int)".to_string(), 1),
            ("CREATE TABLE c (x int)".to_string(), 0),
            ("CREATE TABLE d (x int)".to_string(), 0),
        ]
    );
    assert_eq!(sessions, ["", "SET search_path = '';\n"]);
    assert!(enter_session(&sessions, 1).ends_with(
        "RESET check_function_bodies;\nSET check_function_bodies = off;\nSET search_path = '';\n"
    ));
}
