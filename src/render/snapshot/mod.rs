//! Snapshot printing: the canonical DDL of a schema as `snapshots/` holds it, file name →
//! content, sorted and normalized so that a pull request shows exactly which table changed.
//! The root holds the file naming both engines share; each engine's child prints its files.
//! Pure: writing the files is [`crate::revision::snapshot`]'s. Must not import `revision`,
//! `introspect`, `apply` or `cli`.

pub mod postgres;
pub mod sqlite;

use sha2::{Digest, Sha256};

/// A file-system-safe stem; names that needed changing, or are longer than
/// [`MAX_STEM`] bytes, are cut there and get a short hash of the whole name, so two tables
/// never share a file.
fn file_stem(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe == name && !name.starts_with('_') && safe.len() <= MAX_STEM {
        safe
    } else {
        // `safe` is ASCII: cutting it at a byte count cuts no character.
        let cut = &safe[..safe.len().min(MAX_STEM)];
        format!("{cut}_{}", short_hash(name))
    }
}

/// The longest stem kept whole: with `_` and an 8-digit hash, `.sql`, and the `.` and
/// `.tmp` of a temporary, a file name stays well under the usual 255-byte limit.
const MAX_STEM: usize = 200;

/// Returns the first 8 hex digits of the SHA-256 of `text` (the revision checksum's
/// prefix, so file names stay as they were).
fn short_hash(text: &str) -> String {
    crate::fingerprint::hex(&Sha256::digest(text.as_bytes())[..4])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_and_keep_a_hash() {
        let long = "t".repeat(300);
        let other = format!("{}u", "t".repeat(299));
        let (a, b) = (file_stem(&long), file_stem(&other));
        assert!(a.len() <= MAX_STEM + 9 && b.len() <= MAX_STEM + 9, "{a}");
        assert_ne!(a, b, "names alike up to the cut still get their own file");
        assert_eq!(file_stem(&"t".repeat(MAX_STEM)), "t".repeat(MAX_STEM));
    }

    #[test]
    fn long_names_get_short_distinct_stems() {
        let (a, b) = ("x".repeat(300), format!("{}y", "x".repeat(299)));
        let (sa, sb) = (file_stem(&a), file_stem(&b));
        assert!(sa.len() <= MAX_STEM + 9, "{sa}");
        assert_ne!(sa, sb);
        assert_eq!(file_stem("users"), "users");
    }

    #[test]
    fn the_short_hash_is_the_checksum_prefix_snapshot_names_always_had() {
        for text in ["", "users", "a-b", "3:a.b.c", &"x".repeat(300), "naïve"] {
            assert_eq!(
                short_hash(text),
                crate::revision::checksum(text)[..8],
                "{text:?}"
            );
        }
        assert_eq!(file_stem("a-b"), format!("a_b_{}", short_hash("a-b")));
    }
}
