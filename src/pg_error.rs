//! Formats PostgreSQL driver errors for messages: the server's message with its detail and
//! hint. A leaf shared by the stages that talk to a server (declare, introspect, apply),
//! which reach no common PostgreSQL module otherwise (apply may not import declare or
//! introspect). Imports nothing from the crate.

/// Returns the server's message, with its detail and hint.
pub fn db_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_string();
            if let Some(d) = db.detail() {
                text = format!("{text} ({d})");
            }
            if let Some(h) = db.hint() {
                text = format!("{text}; the server's hint: {h}");
            }
            text
        }
        None => e.to_string(),
    }
}
