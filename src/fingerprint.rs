//! SHA-256 fingerprints in hex: of bytes, and of a list of fields each prefixed with its
//! length (so that no two lists run together alike). The catalog cache's keys, the check
//! record's fingerprints, revision checksums and the incremental reload's statement hashes
//! are all made here.

use sha2::{Digest, Sha256};

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// The SHA-256 of `bytes` in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A SHA-256 over length-prefixed fields.
pub struct Fields(Sha256);

impl Fields {
    /// No field yet.
    pub fn new() -> Fields {
        Fields(Sha256::new())
    }

    /// Adds `bytes` as the next field.
    pub fn field(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    /// The fingerprint in hex.
    pub fn hex(self) -> String {
        hex(&self.0.finalize())
    }
}

impl Default for Fields {
    fn default() -> Fields {
        Fields::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_fields_are_sha256_as_before() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // Length-prefixed: ("ab", "c") and ("a", "bc") differ.
        let of = |parts: &[&str]| {
            let mut f = Fields::new();
            parts.iter().for_each(|p| f.field(p.as_bytes()));
            f.hex()
        };
        assert_ne!(of(&["ab", "c"]), of(&["a", "bc"]));
        let mut expected = Sha256::new();
        expected.update(2u64.to_le_bytes());
        expected.update(b"ab");
        assert_eq!(of(&["ab"]), hex(&expected.finalize()));
    }
}
