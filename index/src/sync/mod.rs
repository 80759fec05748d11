//! Keeping a store equal to the network: [`Indexer`] follows a PDS's or a relay's firehose from
//! the stored cursor, exports the repositories it has not got in sync (all of them on the first
//! run), and applies both in order per repository.
//!
//! - Every commit's signature is checked with its repository's key, its ops against its record
//!   tree, and its chain (`prevData`) against the stored tree: a commit that fails any of these,
//!   a commit too big to carry its blocks, and a `#sync` event naming another record tree than
//!   the stored one make the repository need a sync, and it is exported again (`getRepo` from
//!   its PDS, verified).
//! - While a repository is being exported, its events are held back and applied after the
//!   export, in the same transaction; those the export already holds are dropped by revision.
//! - Every batch of events is applied in one transaction with the cursor after it, so a process
//!   killed at any moment resumes where the database says: events after the cursor are read
//!   again (the ones already applied are dropped by revision), and a repository whose export
//!   had not been applied is still marked as needing one.
//! - [`Indexer::jetstream`] takes live events from Jetstream instead: lighter, not verified
//!   (each record's CID is still checked against its content).
//! - `#account` hides and shows an account's records; `#identity` records the handle and
//!   resolves the DID again (a new key); `OutdatedCursor` (the server no longer has the events
//!   after the cursor) exports every repository again.

mod events;
mod export;
mod jetstream;
mod shard;

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{FutureExt as _, StreamExt as _};
use lexicon_identity::DidResolver;
use lexicon_repo::client::{Firehose, FirehoseError};
use lexicon_repo::firehose::Event;
use tokio::sync::mpsc;
use tokio::time::Instant;

pub use events::Raw;
pub use export::ExportError;
pub use shard::Shard;

use crate::batch::{Applied, Batch, Change, Cursor};
use crate::error::IndexError;
use crate::schema::IndexSchema;
use crate::store::{Database, Store};
use events::{meaning, Meaning};

/// How many times an export that failed (not because the repository is gone) is tried again,
/// after 2, 4, 8... seconds.
const EXPORT_ATTEMPTS: u32 = 5;

/// Why an indexer stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The store failed.
    #[error("the store")]
    Store(#[from] IndexError),
    /// The repositories could not be listed.
    #[error("listing the repositories")]
    List(#[source] Box<lexicon_xrpc::Error>),
    /// The firehose could not be followed.
    #[error("the firehose")]
    Stream(#[source] FirehoseError),
    /// The firehose ended (the server sent an error frame, or closed it for good).
    #[error("the firehose ended{}", .error.as_ref().map(|e| format!(": {e}")).unwrap_or_default())]
    StreamEnded {
        /// The error frame's name and message, if the server sent one.
        error: Option<String>,
    },
    /// A task of the indexer panicked.
    #[error("an indexer task failed: {0}")]
    Task(String),
}

/// What an indexer did, as it does it ([`Indexer::observe`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Progress {
    /// The repositories to export when it started (or when the firehose lost its cursor).
    ToExport {
        /// How many.
        repositories: usize,
    },
    /// A repository's export was applied, with the events held back while it ran.
    Exported {
        /// The repository.
        did: String,
        /// What was applied.
        applied: Applied,
    },
    /// A repository could not be exported (it stays marked as needing a sync).
    ExportFailed {
        /// The repository.
        did: String,
        /// Why.
        error: String,
        /// Whether it will be tried again soon.
        retrying: bool,
    },
    /// A batch of firehose events was applied with the cursor after it.
    Applied {
        /// The cursor stored with it.
        cursor: Option<i64>,
        /// What was applied.
        applied: Applied,
    },
}

/// A function told of every step of an indexer.
type Observer = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Follows a PDS or a relay into a store. See the [module documentation](self).
pub struct Indexer {
    service: String,
    database: Database,
    schema: IndexSchema,
    resolver: Arc<dyn DidResolver>,
    shard: Shard,
    exports_at_once: usize,
    max_batch: usize,
    observer: Option<Observer>,
    /// Live events from this Jetstream instead of the firehose.
    jetstream: Option<String>,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer")
            .field("service", &self.service)
            .field("database", &self.database)
            .field("shard", &self.shard)
            .finish_non_exhaustive()
    }
}

impl Indexer {
    /// An indexer of `schema`'s collections from the PDS or relay at `service`
    /// (`https://bsky.network`, `http://localhost:2583`) into `database`, resolving DIDs (for
    /// keys and PDS endpoints) with `resolver`.
    pub fn new(
        service: &str,
        database: Database,
        schema: IndexSchema,
        resolver: impl DidResolver + 'static,
    ) -> Indexer {
        Indexer {
            service: service.trim_end_matches('/').to_owned(),
            database,
            schema,
            resolver: Arc::new(resolver),
            shard: Shard::ALL,
            exports_at_once: 4,
            max_batch: 1000,
            observer: None,
            jetstream: None,
        }
    }

    /// Takes live events from the Jetstream at `url` (`wss://jetstream2.us-east.bsky.network/subscribe`)
    /// instead of the firehose: lighter (JSON, only the indexed collections), but **not
    /// verified**: Jetstream drops signatures and proofs, so only each record's CID is checked
    /// against its content (a mismatch makes the repository be exported again, verified), and
    /// there is no chain to show a gap. Exports still come from each repository's PDS, verified.
    pub fn jetstream(mut self, url: &str) -> Indexer {
        self.jetstream = Some(url.to_owned());
        self
    }

    /// Calls `observer` with every step (a log line, a metric, a test's record).
    pub fn observe(mut self, observer: impl Fn(&Progress) + Send + Sync + 'static) -> Indexer {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Indexes only the repositories of `shard` (every repository by default).
    pub fn shard(mut self, shard: Shard) -> Indexer {
        self.shard = shard;
        self
    }

    /// How many repositories are exported at once (4 by default).
    pub fn exports_at_once(mut self, exports: usize) -> Indexer {
        self.exports_at_once = exports.max(1);
        self
    }

    /// The most events applied in one transaction (1,000 by default; fewer when fewer are
    /// waiting).
    pub fn max_batch(mut self, events: usize) -> Indexer {
        self.max_batch = events.max(1);
        self
    }

    /// The name the cursor is stored under: the firehose's URL (or `jetstream:` and the
    /// Jetstream's URL), and the shard when there are several.
    pub fn stream_name(&self) -> String {
        let url = match &self.jetstream {
            Some(jetstream) => format!("jetstream:{jetstream}"),
            None => format!("{}/xrpc/{}", self.service, lexicon_repo::firehose::NSID),
        };
        if self.shard.is_all() {
            url
        } else {
            format!("{url}#shard={}", self.shard)
        }
    }

    /// Runs until `stop` completes (then it returns `Ok` between two transactions) or something
    /// fails for good.
    pub async fn run(self, stop: impl Future<Output = ()>) -> Result<(), SyncError> {
        let database = self.database.clone();
        let schema = self.schema.clone();
        let store = tokio::task::spawn_blocking(move || database.open(schema))
            .await
            .map_err(|e| SyncError::Task(e.to_string()))??;
        let mut run = Run {
            store: Arc::new(Mutex::new(store)),
            stream: self.stream_name(),
            indexer: Arc::new(self),
            queue: VecDeque::new(),
            queued: HashSet::new(),
            exporting: HashMap::new(),
            attempts: HashMap::new(),
            retries: Vec::new(),
        };
        run.run(stop).await
    }
}

/// The state of a running indexer.
struct Run {
    indexer: Arc<Indexer>,
    store: Arc<Mutex<Box<dyn Store>>>,
    stream: String,
    /// Repositories to export, in order.
    queue: VecDeque<String>,
    queued: HashSet<String>,
    /// Repositories being exported, with their events held back meanwhile.
    exporting: HashMap<String, Vec<Change>>,
    /// Failed exports of each repository, in a row.
    attempts: HashMap<String, u32>,
    /// Exports to try again, and when.
    retries: Vec<(Instant, String)>,
}

/// An export's outcome.
type Exported = (String, Result<Change, ExportError>);

impl Run {
    fn tell(&self, progress: Progress) {
        if let Some(observer) = &self.indexer.observer {
            observer(&progress);
        }
    }

    async fn run(&mut self, stop: impl Future<Output = ()>) -> Result<(), SyncError> {
        let indexer = Arc::clone(&self.indexer);
        let stream = self.stream.clone();
        let cursor = self.blocking(move |s| s.cursor(&stream)).await?;
        let collections: Vec<String> = indexer
            .schema
            .collections()
            .iter()
            .map(|c| c.nsid.clone())
            .collect();
        let mut events: Live = match &indexer.jetstream {
            Some(url) => jetstream::subscribe(url, &collections, cursor),
            None => {
                let mut firehose = Firehose::new(&indexer.service, Arc::clone(&indexer.resolver))
                    .collections(collections);
                if let Some(seq) = cursor {
                    firehose = firehose.cursor(seq);
                }
                Box::pin(firehose.subscribe::<Raw>().map(incoming))
            }
        };
        if cursor.is_none() {
            // Nothing says what happened before: every repository is to be exported.
            self.discover().await?;
        }
        for did in self.blocking(|s| s.needing_sync()).await? {
            self.enqueue(did);
        }
        tracing::info!(
            stream = %self.stream,
            cursor = ?cursor,
            to_export = self.queue.len(),
            "indexing"
        );
        self.tell(Progress::ToExport {
            repositories: self.queue.len(),
        });

        let (done, mut finished) = mpsc::channel::<Exported>(64);
        let mut last_error: Option<String> = None;
        tokio::pin!(stop);
        loop {
            self.start_exports(&done);
            let next_retry = self.retries.iter().map(|(at, _)| *at).min();
            tokio::select! {
                biased;
                () = &mut stop => return Ok(()),
                Some((did, result)) = finished.recv() => self.exported(did, result).await?,
                item = events.next() => {
                    let mut batch = Vec::new();
                    let mut next = item;
                    loop {
                        match next {
                            None if batch.is_empty() => {
                                return Err(SyncError::StreamEnded { error: last_error })
                            }
                            None => break,
                            Some(Incoming::Event(seq, meaning)) => batch.push((seq, meaning)),
                            Some(Incoming::Closing(error)) => last_error = Some(error),
                            Some(Incoming::Unreadable(error)) => {
                                tracing::warn!(%error, "an unreadable event, passed over");
                            }
                            Some(Incoming::Failed(error)) => return Err(error),
                        }
                        if batch.len() >= self.indexer.max_batch {
                            break;
                        }
                        match events.next().now_or_never() {
                            Some(item) => next = item,
                            None => break,
                        }
                    }
                    if !batch.is_empty() {
                        self.events(batch).await?;
                    }
                }
                () = sleep_until(next_retry) => {
                    let now = Instant::now();
                    let (due, later): (Vec<_>, Vec<_>) =
                        self.retries.drain(..).partition(|(at, _)| *at <= now);
                    self.retries = later;
                    for (_, did) in due {
                        self.enqueue(did);
                    }
                }
            }
        }
    }

    /// Runs `f` on the store, on a blocking thread.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> Result<T, IndexError> + Send + 'static,
    ) -> Result<T, SyncError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
            f(store.as_mut())
        })
        .await
        .map_err(|e| SyncError::Task(e.to_string()))?
        .map_err(SyncError::Store)
    }

    /// Applies `batch`, trying again (five times, after 50, 100, 200... ms) when the database
    /// fails in a way that may pass (a deadlock with another process, say).
    async fn apply(&mut self, batch: Batch) -> Result<Applied, SyncError> {
        let batch = Arc::new(batch);
        let mut attempt = 0;
        let applied = loop {
            let batch = Arc::clone(&batch);
            match self.blocking(move |s| s.apply(&batch)).await {
                Err(SyncError::Store(e)) if e.is_transient() && attempt < 5 => {
                    tracing::warn!(error = %lexicon_runtime::cause::Chain(&e), attempt, "applying again");
                    tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                    attempt += 1;
                }
                other => break other?,
            }
        };
        for did in &applied.needs_sync {
            if !self.exporting.contains_key(did) {
                self.enqueue(did.clone());
            }
        }
        Ok(applied)
    }

    /// Lists the service's repositories with records of the schema's collections (of this
    /// shard) and marks each as needing an export.
    async fn discover(&mut self) -> Result<(), SyncError> {
        let client = lexicon_xrpc::Client::new(&self.indexer.service)
            .map_err(|e| SyncError::Task(format!("{}: {e}", self.indexer.service)))?;
        let collections: Vec<String> = self
            .indexer
            .schema
            .collections()
            .iter()
            .map(|c| c.nsid.clone())
            .collect();
        let listed = export::discover(&client, &collections).await?;
        let mut changes = Vec::new();
        for repo in listed {
            if !self.indexer.shard.contains(&repo.did) {
                continue;
            }
            changes.push(Change::NeedsSync {
                did: repo.did.clone(),
            });
            if !repo.active {
                changes.push(Change::Account {
                    did: repo.did,
                    active: false,
                    status: repo.status,
                });
            }
        }
        tracing::info!(repositories = changes.len(), "listed");
        for chunk in changes.chunks(1000) {
            self.apply(Batch {
                changes: chunk.to_vec(),
                cursor: None,
            })
            .await?;
        }
        Ok(())
    }

    fn enqueue(&mut self, did: String) {
        if self.indexer.shard.contains(&did)
            && !self.exporting.contains_key(&did)
            && self.queued.insert(did.clone())
        {
            self.queue.push_back(did);
        }
    }

    fn start_exports(&mut self, done: &mpsc::Sender<Exported>) {
        while self.exporting.len() < self.indexer.exports_at_once {
            let Some(did) = self.queue.pop_front() else {
                return;
            };
            self.queued.remove(&did);
            self.exporting.insert(did.clone(), Vec::new());
            let indexer = Arc::clone(&self.indexer);
            let done = done.clone();
            tokio::spawn(async move {
                let result = export::export(&*indexer.resolver, &indexer.schema, &did).await;
                let _ = done.send((did, result)).await;
            });
        }
    }

    /// Applies an export and the events held back while it ran, in one transaction.
    async fn exported(
        &mut self,
        did: String,
        result: Result<Change, ExportError>,
    ) -> Result<(), SyncError> {
        let held = self.exporting.remove(&did).unwrap_or_default();
        match result {
            Ok(change) => {
                self.attempts.remove(&did);
                let mut changes = vec![change];
                changes.extend(held);
                let applied = self
                    .apply(Batch {
                        changes,
                        cursor: None,
                    })
                    .await?;
                tracing::debug!(%did, records = applied.written, "exported");
                self.tell(Progress::Exported { did, applied });
            }
            Err(error) if error.is_gone() => {
                // It stays marked as needing a sync; a new event for it tries again.
                let error = lexicon_runtime::cause::Chain(&error).to_string();
                tracing::info!(%did, %error, "not exported");
                self.tell(Progress::ExportFailed {
                    did,
                    error,
                    retrying: false,
                });
            }
            Err(error) => {
                let attempts = self.attempts.entry(did.clone()).or_insert(0);
                *attempts += 1;
                tracing::warn!(
                    %did,
                    attempt = *attempts,
                    error = %lexicon_runtime::cause::Chain(&error),
                    "export failed"
                );
                let retrying = *attempts < EXPORT_ATTEMPTS;
                if retrying {
                    let delay = Duration::from_secs(1 << *attempts);
                    self.retries.push((Instant::now() + delay, did.clone()));
                }
                self.tell(Progress::ExportFailed {
                    did,
                    error: lexicon_runtime::cause::Chain(&error).to_string(),
                    retrying,
                });
            }
        }
        Ok(())
    }

    /// Applies a batch of live events, with the cursor after the last.
    async fn events(&mut self, events: Vec<(Option<i64>, Meaning)>) -> Result<(), SyncError> {
        let mut changes = Vec::new();
        let mut last_seq = None;
        let mut outdated = false;
        for (seq, meaning) in events {
            if seq.is_some() {
                last_seq = seq;
            }
            match meaning {
                Meaning::Change {
                    did,
                    change,
                    identity,
                } => {
                    if !self.indexer.shard.contains(&did) {
                        continue;
                    }
                    if identity {
                        let resolver = Arc::clone(&self.indexer.resolver);
                        let did = did.clone();
                        tokio::spawn(async move {
                            let _ = resolver.refresh(&did).await;
                        });
                    }
                    match self.exporting.get_mut(&did) {
                        Some(held) => held.push(change),
                        None => changes.push(change),
                    }
                }
                Meaning::OutdatedCursor => outdated = true,
                Meaning::Nothing => {}
            }
        }
        let applied = self
            .apply(Batch {
                changes,
                cursor: last_seq.map(|seq| Cursor {
                    stream: self.stream.clone(),
                    seq,
                }),
            })
            .await?;
        tracing::debug!(
            cursor = ?last_seq,
            commits = applied.commits,
            written = applied.written,
            deleted = applied.deleted,
            deferred = applied.deferred,
            "applied"
        );
        self.tell(Progress::Applied {
            cursor: last_seq,
            applied,
        });
        if outdated {
            tracing::warn!("the firehose no longer has the events after the cursor: exporting every repository again");
            self.discover().await?;
        }
        Ok(())
    }
}

/// The change a firehose event makes to a store, or none (an `#info`, an unknown message):
/// for applying a stream read some other way (a recorded one, say) with [`Store::apply`]. A
/// commit whose signature was not checked and verified ([`lexicon_repo::firehose::CommitEvent::verify`]),
/// whose ops do not match its tree, or which is too big to carry its blocks, makes its
/// repository need a sync ([`Change::NeedsSync`]).
pub fn change_of(event: Event<Raw>) -> Option<Change> {
    match meaning(event) {
        Meaning::Change { change, .. } => Some(change),
        Meaning::OutdatedCursor | Meaning::Nothing => None,
    }
}

/// The live input, the firehose's or Jetstream's, as one kind of item.
type Live = std::pin::Pin<Box<dyn futures_util::Stream<Item = Incoming> + Send>>;

/// One item of the live input.
pub(crate) enum Incoming {
    /// An event and its position in the stream.
    Event(Option<i64>, Meaning),
    /// An error frame: the server closes the stream after it.
    Closing(String),
    /// An event that could not be read (passed over).
    Unreadable(String),
    /// The stream failed for good.
    Failed(SyncError),
}

/// A firehose item as a live item.
fn incoming(item: Result<Event<Raw>, FirehoseError>) -> Incoming {
    match item {
        Ok(Event::Error { error, message }) => Incoming::Closing(match message {
            Some(message) => format!("{error}: {message}"),
            None => error,
        }),
        Ok(event) => Incoming::Event(event.seq(), meaning(event)),
        Err(FirehoseError::Frame(e)) => Incoming::Unreadable(e.to_string()),
        Err(e) => Incoming::Failed(SyncError::Stream(e)),
    }
}

/// Sleeps until `at`, or forever when there is nothing to wait for.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
