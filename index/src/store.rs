//! One interface over the databases: [`Store`], and [`Database`], which names one
//! (`sqlite:PATH` or `postgres://...`) and opens it.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::batch::{Applied, Batch};
use crate::error::IndexError;
use crate::query::{Page, Query, Tally};
use crate::schema::IndexSchema;

/// A database kept equal to the network. Every method blocks on the database: from async code,
/// call them on a blocking thread (`tokio::task::spawn_blocking`).
pub trait Store: Send + std::fmt::Debug {
    /// The schema the store was opened with.
    fn schema(&self) -> &IndexSchema;

    /// Applies `batch` in one transaction, with its cursor: all of it or, on an error, none.
    fn apply(&mut self, batch: &Batch) -> Result<Applied, IndexError>;

    /// The stored position of `stream`, if any.
    fn cursor(&mut self, stream: &str) -> Result<Option<i64>, IndexError>;

    /// What the store knows of a repository: its revision and its account's status.
    fn repo(&mut self, did: &str) -> Result<Option<RepoState>, IndexError>;

    /// The repositories that need a sync from an export (marked so by a
    /// [`crate::Change::NeedsSync`], or by a commit that did not follow), sorted.
    fn needing_sync(&mut self) -> Result<Vec<String>, IndexError>;

    /// A page of the records `query` selects. Records of inactive accounts are not served, nor
    /// invalid ones unless the query asks.
    fn records(&mut self, query: &Query) -> Result<Page, IndexError>;

    /// Per repository, how many of the records `query` selects it holds and when the first and
    /// last were indexed, in DID order (the page fields of `query` do not apply). What
    /// [`Store::records`] would not serve is not counted.
    fn tally(&mut self, query: &Query) -> Result<Vec<Tally>, IndexError>;
}

/// What the store knows of a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoState {
    /// The revision of the last commit applied (empty before the first).
    pub rev: String,
    /// Whether the account is active (its records are served).
    pub active: bool,
    /// Why it is not (`deactivated`, `takendown`, ...), as the network said.
    pub status: Option<String>,
    /// Its handle, as the last identity event said.
    pub handle: Option<String>,
    /// Whether the stored records are the repository's (no gap since its last export).
    pub synced: bool,
}

/// A database to open: `sqlite:PATH` (a file, created when missing) or a Postgres URL
/// (`postgres://user@host:port/name` or `postgresql://...`).
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A Postgres database, by its connection URL.
    Postgres(String),
}

impl Database {
    /// Opens the database for `schema`, creating its tables when they are missing.
    pub fn open(&self, schema: IndexSchema) -> Result<Box<dyn Store>, IndexError> {
        Ok(match self {
            Database::Sqlite(path) => Box::new(crate::SqliteStore::open(path, schema)?),
            Database::Postgres(url) => Box::new(crate::PostgresStore::connect(url, schema)?),
        })
    }
}

impl FromStr for Database {
    type Err = IndexError;

    fn from_str(text: &str) -> Result<Database, IndexError> {
        if let Some(path) = text.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err(IndexError::Database(format!(
                    "{text:?} names no file; write sqlite:PATH"
                )));
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Database::Postgres(text.to_owned()));
        }
        Err(IndexError::Database(format!(
            "{text:?} is not a database this indexer opens: write sqlite:PATH or postgres://USER@HOST:PORT/NAME"
        )))
    }
}

/// Shows the database without a password a Postgres URL may hold.
impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `sqlite:PATH`, or the Postgres URL with its password (if any) replaced by `***`.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Database::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

/// The URL with the password of its user information replaced by `***`.
pub(crate) fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    // A password can also be a parameter: `?password=...`.
    let tail: Vec<String> = tail
        .split('&')
        .map(|part| match part.split_once("password=") {
            Some((before, _)) if before.is_empty() || before.ends_with('?') => {
                format!("{before}password=***")
            }
            _ => part.to_owned(),
        })
        .collect();
    format!("{scheme}://{authority}{}", tail.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_is_named_by_a_sqlite_path_or_a_postgres_url() {
        assert_eq!(
            "sqlite:data/index.db".parse::<Database>().unwrap(),
            Database::Sqlite("data/index.db".into())
        );
        let url = "postgres://indexer@db.internal:5432/cocore";
        assert_eq!(
            url.parse::<Database>().unwrap(),
            Database::Postgres(url.into())
        );
        for wrong in ["sqlite:", "index.db", "mysql://db/x", ""] {
            assert!(
                matches!(wrong.parse::<Database>(), Err(IndexError::Database(_))),
                "{wrong}"
            );
        }
    }

    #[test]
    fn a_postgres_password_is_never_shown() {
        for (url, shown) in [
            (
                "postgres://indexer:s3cret@db:5432/cocore",
                "postgres://indexer:***@db:5432/cocore",
            ),
            (
                "postgresql://db/cocore?user=indexer&password=s3cret&sslmode=disable",
                "postgresql://db/cocore?user=indexer&password=***&sslmode=disable",
            ),
            (
                "postgres://db/cocore?password=s3cret",
                "postgres://db/cocore?password=***",
            ),
            (
                "postgres://indexer@db/cocore",
                "postgres://indexer@db/cocore",
            ),
        ] {
            let database: Database = url.parse().unwrap();
            assert_eq!(database.to_string(), shown);
            assert_eq!(format!("{database:?}"), shown);
        }
    }
}
