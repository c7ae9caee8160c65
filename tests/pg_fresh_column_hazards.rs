//! A constraint over columns the same plan adds gets the blocking may-fail-on-existing-rows
//! hazard only when existing rows can violate it (issue 17, item 4): a foreign key or a
//! UNIQUE over an added nullable column without a default cannot fail (every existing row
//! holds NULL there); one over a column with a default, a CHECK (may be false on NULL) and
//! one over an existing column can. The same for a standalone CREATE UNIQUE INDEX.

mod common;
mod pg;

const BEFORE: &str = "CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE t (id int PRIMARY KEY, old_ref int);
";

const AFTER: &str = "CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE t (
  id int PRIMARY KEY,
  old_ref int CONSTRAINT fk_old REFERENCES p (id),
  new_ref int CONSTRAINT fk_new REFERENCES p (id),
  def_ref int DEFAULT 1 CONSTRAINT fk_def REFERENCES p (id),
  qty int CONSTRAINT ck_new CHECK (qty > 0),
  code text CONSTRAINT uq_new UNIQUE,
  kind text DEFAULT 'a' CONSTRAINT uq_def UNIQUE,
  a int, b int,
  CONSTRAINT fk_pair FOREIGN KEY (a, old_ref) REFERENCES p2 (x, y),
  CONSTRAINT uq_nnd UNIQUE NULLS NOT DISTINCT (b)
);
CREATE TABLE p2 (x int, y int, UNIQUE (x, y));
CREATE UNIQUE INDEX ix_new ON t (a, lower(code));
CREATE UNIQUE INDEX ix_part ON t (b) WHERE b > 0;
CREATE UNIQUE INDEX ix_old ON t (old_ref);
CREATE UNIQUE INDEX ix_def ON t (kind, id);
CREATE UNIQUE INDEX ix_expr ON t (lower(code));
CREATE UNIQUE INDEX ix_nnd ON t (a) NULLS NOT DISTINCT;
";

/// The constraints the script says may fail on existing rows, sorted.
fn may_fail(extra: &[&str]) -> Vec<String> {
    let dir = common::temp_dir("pg_fresh_column_hazards");
    std::fs::write(dir.join("before.sql"), BEFORE).unwrap();
    std::fs::write(dir.join("after.sql"), AFTER).unwrap();
    let server = pg::server_url();
    let mut args = vec![
        "diff",
        "--from",
        "before.sql",
        "--to",
        "after.sql",
        "--dialect",
        "postgres",
        "--dev-url",
        &server,
    ];
    args.extend_from_slice(extra);
    let run = common::run_in(&dir, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut names: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|l| {
            l.split_once("hazard[may-fail-on-existing-rows]: ")
                .map(|(_, r)| r)
        })
        .filter_map(|r| {
            let rest = r
                .strip_prefix("adding constraint ")
                .or_else(|| r.strip_prefix("validating "))
                .or_else(|| r.strip_prefix("unique index "))?;
            Some(rest.split_whitespace().next()?.to_string())
        })
        .collect();
    names.sort();
    names
}

#[test]
fn a_constraint_over_an_added_all_null_column_cannot_fail_on_existing_rows() {
    let _ = pg::admin();
    // A standalone unique index over an added all-NULL column (ix_new, ix_part) cannot fail
    // either; over an existing or defaulted column, an expression only, or NULLS NOT
    // DISTINCT it can.
    let expected = [
        "ck_new", "fk_def", "fk_old", "ix_def", "ix_expr", "ix_nnd", "ix_old", "uq_def", "uq_nnd",
    ];
    assert_eq!(may_fail(&[]), expected);
    // --not-valid: the validation after the commit says the same.
    assert_eq!(may_fail(&["--not-valid"]), expected);
}
