//! Rename hints: the only way a drop + add becomes a rename. Never guessed.

use std::collections::BTreeMap;

/// Rename hints: tables (`new -> old`) and columns per table (`table -> new -> old`). The
/// table key of a column hint is the table's name in the target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    tables: BTreeMap<String, String>,
    columns: BTreeMap<String, BTreeMap<String, String>>,
}

/// A rename hint that is not of the form `table.old=new` or `old_table=new_table`.
#[derive(Debug, thiserror::Error)]
#[error("invalid rename hint `{hint}`: expected TABLE.OLD_COLUMN=NEW_COLUMN (e.g. users.name=full_name) or OLD_TABLE=NEW_TABLE (e.g. users=accounts)")]
pub struct RenameError {
    pub hint: String,
}

impl Renames {
    /// Parses hints of the form `table.old_column=new_column` or `old_table=new_table`.
    pub fn parse<S: AsRef<str>>(hints: &[S]) -> Result<Renames, RenameError> {
        let mut out = Renames::default();
        for hint in hints {
            let hint = hint.as_ref();
            let err = || RenameError {
                hint: hint.to_string(),
            };
            let (left, new) = hint.split_once('=').ok_or_else(err)?;
            let Some((table, old)) = left.rsplit_once('.') else {
                let (old, new) = (left.trim(), new.trim());
                if old.is_empty() || new.is_empty() || new.contains('.') {
                    return Err(err());
                }
                out.tables.insert(new.to_string(), old.to_string());
                continue;
            };
            let (table, old, new) = (table.trim(), old.trim(), new.trim());
            let new = new.rsplit_once('.').map_or(new, |(_, c)| c);
            if table.is_empty() || old.is_empty() || new.is_empty() {
                return Err(err());
            }
            out.add(table, old, new);
        }
        Ok(out)
    }

    /// Records that `table.old` is now called `new`.
    pub fn add(&mut self, table: &str, old: &str, new: &str) {
        let t = self.columns.entry(table.to_string()).or_default();
        t.insert(new.to_string(), old.to_string());
    }

    /// Returns the old name of column `new` of `table`, when a hint says it was renamed.
    pub fn old_name(&self, table: &str, new: &str) -> Option<&str> {
        self.columns.get(table)?.get(new).map(String::as_str)
    }

    /// Returns the old name of table `new`, when a hint says it was renamed.
    pub fn old_table(&self, new: &str) -> Option<&str> {
        self.tables.get(new).map(String::as_str)
    }

    /// Returns the hints for the opposite direction (for the downgrade). Column hints move
    /// to the table's old name, which is its name in the opposite target.
    pub fn inverse(&self) -> Renames {
        let mut out = Renames::default();
        for (new, old) in &self.tables {
            out.tables.insert(old.clone(), new.clone());
        }
        for (table, cols) in &self.columns {
            let target = self.old_table(table).unwrap_or(table);
            for (new, old) in cols {
                out.add(target, new, old);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_inverts() {
        let r = Renames::parse(&["users.name=full_name", "a.b=a.c"]).unwrap();
        assert_eq!(r.old_name("users", "full_name"), Some("name"));
        assert_eq!(r.old_name("a", "c"), Some("b"));
        assert_eq!(r.inverse().old_name("users", "name"), Some("full_name"));
        assert!(Renames::parse(&["users.name"]).is_err());
        assert!(Renames::parse(&["=x"]).is_err());
        let t = Renames::parse(&["users=accounts", "accounts.name=full_name"]).unwrap();
        assert_eq!(t.old_table("accounts"), Some("users"));
        let back = t.inverse();
        assert_eq!(back.old_table("users"), Some("accounts"));
        assert_eq!(back.old_name("users", "name"), Some("full_name"));
    }
}
