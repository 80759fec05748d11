//! Keeps a database equal to the atproto network for a set of lexicons.
//!
//! - [`IndexSchema`]: the tables the lexicons call for: one per record collection (the record's
//!   URI, DID, key, CID, the repository revision that wrote it, when it was indexed, the record
//!   as JSON, whether it is valid and its violations) with a typed, indexed column for each
//!   property queries filter on; the strongRef edges between records; each repository's
//!   revision, record tree, sync state, account status and handle; the stream cursors.
//! - [`Batch`]: commits, repository exports, account and identity changes, applied in one
//!   transaction with the cursor that covers them ([`Store::apply`]): a commit whose revision
//!   is not newer than the repository's is dropped; a commit that says what it follows
//!   ([`Chain`]) applies only to a repository in sync whose stored record tree it follows,
//!   and otherwise marks the repository as needing a sync, which the next export
//!   ([`Change::Repo`]) brings, replacing its records; every record is validated as the PDS
//!   validates it, and an invalid one is stored with its violations and never served as valid.
//! - [`Query`]: records of a collection by URI, DID, indexed property, time indexed or the
//!   record they reference, with cursor pagination, or tallied per repository
//!   ([`Store::tally`]); records of inactive accounts are not served.
//!
//! The database keeps the lexicons and indexed properties it was made for. Opened with others,
//! it is migrated in one transaction when `lexicon-schema`'s evolution check calls the change
//! compatible (new tables, typed columns added and filled or dropped, every stored record judged
//! again under the new lexicons; recorded in `index_migrations`), and refused with the
//! breaking changes otherwise ([`IndexError::Incompatible`]). Changes to lexicons that define
//! only methods do not count: they touch no stored record.
//!
//! [`Store`] is one interface over two databases: [`SqliteStore`], the embedded default (one
//! file, WAL), and [`PostgresStore`], for when one machine is not enough (several indexer
//! processes on shards of the repositories and any number of readers share it). [`Database`]
//! names one (`sqlite:PATH`, `postgres://...`) and opens it.
//!
//! [`sync::Indexer`] keeps a store equal to the network: it follows a PDS's or relay's firehose
//! from the stored cursor (every commit verified), exports the repositories it does not have in
//! sync (`getRepo`, verified), holds back a repository's events while it is exported, and can
//! take one shard of the repositories ([`sync::Shard`]) so that several processes share one
//! Postgres database.
//!
//! ```no_run
//! # async fn example(
//! #     lexicon_documents: Vec<serde_json::Value>,
//! #     stop: impl std::future::Future<Output = ()> + Send + 'static,
//! #     requester: String,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use lexicon_identity::{CachingResolver, HttpResolver};
//! use lexicon_index::sync::Indexer;
//! use lexicon_index::{Database, Filter, IndexSchema, Query, Readers};
//!
//! let schema = IndexSchema::new(&lexicon_documents, &[("dev.cocore.compute.job", "model")])?;
//! let database: Database = "sqlite:cocore.db".parse()?;
//! let resolver = CachingResolver::new(HttpResolver::new());
//! let indexer = Indexer::new("https://bsky.network", database.clone(), schema.clone(), resolver);
//! tokio::spawn(indexer.run(stop));
//!
//! let readers = Readers::new(database, schema, 16);
//! let query = Query::new("dev.cocore.compute.job", Filter::Did(requester)).newest_first();
//! let page = readers.read(move |store| store.records(&query)).await?;
//! # drop(page);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod apply;
mod batch;
mod error;
mod migrate;
mod postgres;
mod query;
mod readers;
mod schema;
mod sqlite;
mod store;
pub mod sync;

pub use batch::{Applied, Batch, Chain, Change, Cursor, Write};
pub use error::IndexError;
pub use postgres::PostgresStore;
pub use query::{Filter, Page, Query, Row, Tally};
pub use readers::Readers;
pub use schema::{Collection, Column, ColumnType, IndexSchema};
pub use sqlite::SqliteStore;
pub use store::{Database, RepoState, Store};
