//! What the target SQLite can do, decided from its version, and what it refuses.

use crate::model::Renames;
use crate::plan::{Error, LockOptions, Unsupported};

/// SQLite capabilities that change how a plan is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// `sqlite_version()` as `3_054_001` for 3.54.1 (SQLite's `SQLITE_VERSION_NUMBER` form).
    pub version: i32,
}

impl Caps {
    /// Returns the capabilities of the SQLite library schemadiff is built with.
    pub fn bundled() -> Caps {
        Caps {
            version: rusqlite::version_number(),
        }
    }

    /// Returns the capabilities to plan for, `version` (e.g. `3.45.1`) or else the bundled
    /// library's, when SQLite can carry out what `lock` and `renames` ask; checked in that
    /// order: lock options (SQLite has none), the version text, table renames (3.26+).
    pub fn settle(
        version: Option<&str>,
        lock: &LockOptions,
        renames: &Renames,
    ) -> Result<Caps, Error> {
        let unsupported = |what| Error::Unsupported {
            engine: "SQLite",
            what,
        };
        if lock.any() {
            return Err(unsupported(Unsupported::LockOptions));
        }
        let caps = match version {
            Some(v) => Caps::from_version(v).ok_or_else(|| Error::Version(v.to_string()))?,
            None => Caps::bundled(),
        };
        if renames.renames_tables() && !caps.can_rename_table() {
            return Err(unsupported(Unsupported::TableRename));
        }
        Ok(caps)
    }

    /// Parses `3.45.1` into capabilities.
    pub fn from_version(text: &str) -> Option<Caps> {
        let mut parts = text.trim().split('.').map(|p| p.parse::<i32>().ok());
        let major = parts.next()??;
        let minor = parts.next()??;
        let patch = parts.next().flatten().unwrap_or(0);
        Some(Caps {
            version: major * 1_000_000 + minor * 1_000 + patch,
        })
    }

    /// `ALTER TABLE … RENAME COLUMN` exists since 3.25.0.
    pub fn can_rename_column(self) -> bool {
        self.version >= 3_025_000
    }

    /// `ALTER TABLE … RENAME TO` repoints other tables' foreign keys since 3.26.0.
    pub fn can_rename_table(self) -> bool {
        self.version >= 3_026_000
    }

    /// `ALTER TABLE … DROP COLUMN` exists since 3.35.0.
    pub fn can_drop_column(self) -> bool {
        self.version >= 3_035_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settle_refuses_lock_options_then_a_bad_version_then_an_old_table_rename() {
        let none = LockOptions::default();
        let lock = LockOptions {
            not_valid: true,
            ..LockOptions::default()
        };
        let table = Renames::parse(&["a=b".to_string()]).unwrap();
        let column = Renames::parse(&["t.a=b".to_string()]).unwrap();
        let refused = |what| {
            Err(Error::Unsupported {
                engine: "SQLite",
                what,
            })
        };
        assert_eq!(
            Caps::settle(Some("x"), &lock, &table),
            refused(Unsupported::LockOptions)
        );
        assert_eq!(
            Caps::settle(Some("x"), &none, &table),
            Err(Error::Version("x".into()))
        );
        assert_eq!(
            Caps::settle(Some("3.25.0"), &none, &table),
            refused(Unsupported::TableRename)
        );
        assert_eq!(
            Caps::settle(Some("3.25.0"), &none, &column),
            Ok(Caps { version: 3_025_000 })
        );
        assert_eq!(
            Caps::settle(Some("3.26"), &none, &table),
            Ok(Caps { version: 3_026_000 })
        );
        assert_eq!(Caps::settle(None, &none, &table), Ok(Caps::bundled()));
    }
}
