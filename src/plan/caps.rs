//! What the target engine can do, decided from its version.

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
