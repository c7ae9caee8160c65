//! The text of files users edit (declared schemas, snapshots, revisions, `schemadiff.toml`):
//! a UTF-8 byte order mark is dropped and CRLF line endings become LF, so that files saved
//! by Windows editors read as the same text. Imports nothing from the crate.

use std::borrow::Cow;

/// Returns `text` without a leading byte order mark and with every CRLF turned into LF.
pub fn normalize(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn drops_the_byte_order_mark_and_carriage_returns_before_line_feeds() {
        assert_eq!(normalize("\u{feff}a\r\nb\r\n"), "a\nb\n");
        assert_eq!(
            normalize("a\rb\n\u{feff}"),
            "a\rb\n\u{feff}",
            "only a leading BOM, only CRLF"
        );
        assert!(matches!(
            normalize("plain\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
