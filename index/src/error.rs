//! What indexing can fail with.

/// Why the store could not be opened, written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// The lexicons could not be built, or a property chosen for a column cannot be one.
    #[error("the index schema: {0}")]
    Schema(String),
    /// The database was made for another set of lexicons, and this change cannot be applied
    /// to it.
    #[error("the database was made for other lexicons ({stored}); this change is not supported: {reason}")]
    Incompatible {
        /// The fingerprint of the lexicons the database was made for.
        stored: String,
        /// Why the change cannot be applied.
        reason: String,
    },
    /// A query names a collection or property the schema does not index.
    #[error("the query: {0}")]
    Query(String),
    /// The database is named wrongly.
    #[error("the database: {0}")]
    Database(String),
    /// SQLite failed.
    #[error("SQLite failed")]
    Sqlite(#[from] rusqlite::Error),
    /// Postgres failed (or could not be reached).
    #[error("Postgres failed")]
    Postgres(#[from] postgres::Error),
}
