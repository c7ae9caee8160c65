//! What the target PostgreSQL server can do, decided from its version.

/// PostgreSQL capabilities that change how a plan is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// `server_version_num`, e.g. `150004` for 15.4 (`170002` for 17.2).
    pub version: i32,
}

impl Default for Caps {
    /// PostgreSQL 15, the version schemadiff is tested against.
    fn default() -> Caps {
        Caps { version: 150_000 }
    }
}

impl Caps {
    /// Parses `server_version_num` (`150004`) into capabilities.
    pub fn from_version_num(text: &str) -> Option<Caps> {
        let version = text.trim().parse::<i32>().ok().filter(|v| *v > 0)?;
        Some(Caps { version })
    }

    /// `ALTER COLUMN … DROP EXPRESSION` (a generated column becomes a plain one, keeping its
    /// values) exists since 13; before it, the column is dropped and added again.
    pub fn drop_expression(self) -> bool {
        self.version >= 130_000
    }
}
