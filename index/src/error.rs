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
    /// The thread that ran a read panicked (a bug: the message says where).
    #[error("a read panicked: {0}")]
    Panicked(String),
    /// SQLite failed.
    #[error("SQLite failed")]
    Sqlite(#[from] rusqlite::Error),
    /// Postgres failed (or could not be reached).
    #[error("Postgres failed")]
    Postgres(#[from] postgres::Error),
}

impl IndexError {
    /// Whether trying the same transaction again may succeed: a Postgres deadlock or
    /// serialization failure, SQLite busy or locked.
    pub fn is_transient(&self) -> bool {
        match self {
            IndexError::Postgres(e) => e.code().is_some_and(|code| {
                *code == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
                    || *code == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
            }),
            IndexError::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            _ => false,
        }
    }
}
