//! DID resolution behind a trait: over HTTP (did:plc through a PLC directory, did:web), from a
//! fixed map, and cached.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lexicon_runtime::cause::Cause;
#[cfg(feature = "http")]
use lexicon_runtime::cause::Chain;

use crate::did::DidDocument;
#[cfg(feature = "http")]
use crate::get::GetError;

/// A boxed, sendable future: what [`DidResolver`]'s methods return, so that resolvers can be
/// used as `Arc<dyn DidResolver>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a DID could not be resolved.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The directory or host says the DID does not exist (or was deactivated).
    #[error("{0} was not found")]
    NotFound(String),
    /// The DID is malformed, or its method is neither `plc` nor `web`.
    #[error("{0:?} is not a DID this resolver reads (did:plc or did:web)")]
    Unsupported(String),
    /// The directory or host could not be reached, or answered with an error.
    #[error("resolving {did}: {message}")]
    Unavailable {
        /// The DID.
        did: String,
        /// What went wrong (naming the source's causes too).
        message: String,
        /// The HTTP client's error, if one made it fail.
        #[source]
        source: Option<Cause>,
    },
    /// The answer is not a DID document for this DID.
    #[error("the document served for {did} is not valid: {message}")]
    BadDocument {
        /// The DID.
        did: String,
        /// What is wrong with it.
        message: String,
    },
}

/// Resolves a DID to its document.
pub trait DidResolver: Send + Sync {
    /// The DID's document (a cached one, if the resolver caches).
    fn resolve<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>>;

    /// The DID's current document, bypassing any cache (after a signature failed to verify
    /// with the cached key, for instance). The default resolves again.
    fn refresh<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>> {
        self.resolve(did)
    }
}

/// A shared resolver (one cache for a firehose, a backfill and a server, say).
impl<R: DidResolver + ?Sized> DidResolver for std::sync::Arc<R> {
    fn resolve<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>> {
        (**self).resolve(did)
    }

    fn refresh<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>> {
        (**self).refresh(did)
    }
}

/// Checks that `doc` is the document of `did`.
#[cfg(feature = "http")]
fn checked(did: &str, doc: DidDocument) -> Result<DidDocument, ResolveError> {
    if doc.id == did {
        Ok(doc)
    } else {
        Err(ResolveError::BadDocument {
            did: did.to_owned(),
            message: format!("its id is {:?}", doc.id),
        })
    }
}

/// The most of a DID document that is read: 64 KiB (a PLC document is a few hundred bytes).
#[cfg(feature = "http")]
const DOCUMENT_LIMIT: usize = 64 * 1024;

/// Resolves did:plc through a PLC directory (`https://plc.directory` unless set) and did:web
/// through `https://{host}/.well-known/did.json` (plain HTTP for `localhost` and `127.0.0.1`,
/// for local development). Path-style did:web DIDs (with `:` after the host) are not atproto
/// DIDs and are refused.
#[cfg(feature = "http")]
#[derive(Debug, Clone)]
pub struct HttpResolver {
    client: reqwest::Client,
    plc_url: String,
}

#[cfg(feature = "http")]
impl Default for HttpResolver {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "http")]
impl HttpResolver {
    /// A resolver that uses `https://plc.directory` and a new HTTP client with a 10 s timeout.
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        HttpResolver {
            client,
            plc_url: "https://plc.directory".into(),
        }
    }

    /// Uses the PLC directory at `url` (a local one in tests, a mirror in production).
    pub fn plc_url(mut self, url: impl Into<String>) -> Self {
        self.plc_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Uses this HTTP client (for its timeouts, proxy or connection pool).
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = client;
        self
    }

    /// Where the document of `did` is served.
    fn url(&self, did: &str) -> Result<String, ResolveError> {
        let unsupported = || ResolveError::Unsupported(did.to_owned());
        if let Some(id) = did.strip_prefix("did:plc:") {
            let ok = id.len() == 24 && id.bytes().all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7'));
            return ok
                .then(|| format!("{}/{did}", self.plc_url))
                .ok_or_else(unsupported);
        }
        let host = did.strip_prefix("did:web:").ok_or_else(unsupported)?;
        if host.is_empty() || host.contains(':') || host.contains('/') {
            return Err(unsupported());
        }
        let host = host.replace("%3A", ":").replace("%3a", ":");
        let name = host.split(':').next().unwrap_or_default();
        let scheme = if name == "localhost" || name == "127.0.0.1" {
            "http"
        } else {
            "https"
        };
        Ok(format!("{scheme}://{host}/.well-known/did.json"))
    }

    async fn fetch(&self, did: &str) -> Result<DidDocument, ResolveError> {
        let url = self.url(did)?;
        let unavailable = |message: String, source: Option<Cause>| ResolveError::Unavailable {
            did: did.to_owned(),
            message,
            source,
        };
        let (status, bytes) = crate::get::get(&self.client, &url, DOCUMENT_LIMIT)
            .await
            .map_err(|e| match e {
                GetError::Failed { what, error } => unavailable(
                    format!("{what}: {}", Chain(&error)),
                    Some(Cause::new(error)),
                ),
                GetError::TooLarge { url, limit } => {
                    unavailable(format!("{url} answered more than {limit} bytes"), None)
                }
            })?;
        if status == 404 || status == 410 {
            return Err(ResolveError::NotFound(did.to_owned()));
        }
        if !(200..300).contains(&status) {
            return Err(unavailable(format!("GET {url} answered {status}"), None));
        }
        let doc = serde_json::from_slice(&bytes).map_err(|e| ResolveError::BadDocument {
            did: did.to_owned(),
            message: e.to_string(),
        })?;
        checked(did, doc)
    }
}

#[cfg(feature = "http")]
impl DidResolver for HttpResolver {
    fn resolve<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>> {
        Box::pin(self.fetch(did))
    }
}

/// Documents from a fixed map: for tests, and for services that know their peers.
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    documents: HashMap<String, DidDocument>,
}

impl StaticResolver {
    /// A resolver that knows no DID.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a document, under its `id`.
    pub fn insert(&mut self, doc: DidDocument) -> &mut Self {
        self.documents.insert(doc.id.clone(), doc);
        self
    }
}

impl DidResolver for StaticResolver {
    fn resolve<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>> {
        let found = self
            .documents
            .get(did)
            .cloned()
            .ok_or_else(|| ResolveError::NotFound(did.to_owned()));
        Box::pin(std::future::ready(found))
    }
}

/// Keeps resolved documents for `ttl` (an hour unless set), at most `capacity` of them (the
/// oldest go first); [`DidResolver::refresh`] resolves again and replaces the entry.
pub struct CachingResolver<R> {
    inner: R,
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, (Instant, DidDocument)>>,
}

impl<R: DidResolver> CachingResolver<R> {
    /// Caches what `inner` resolves.
    pub fn new(inner: R) -> Self {
        CachingResolver {
            inner,
            ttl: Duration::from_secs(3600),
            capacity: 100_000,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// How long a document is used before it is resolved again.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How many documents are kept at most.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// The resolver behind the cache.
    pub fn inner(&self) -> &R {
        &self.inner
    }

    fn cached(&self, did: &str) -> Option<DidDocument> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (at, doc) = entries.get(did)?;
        (at.elapsed() < self.ttl).then(|| doc.clone())
    }

    async fn fetch(&self, did: &str) -> Result<DidDocument, ResolveError> {
        let doc = self.inner.resolve(did).await;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match &doc {
            Ok(doc) => {
                if entries.len() >= self.capacity && !entries.contains_key(did) {
                    let oldest = entries
                        .iter()
                        .min_by_key(|(_, (at, _))| *at)
                        .map(|(k, _)| k.clone());
                    if let Some(oldest) = oldest {
                        entries.remove(&oldest);
                    }
                }
                entries.insert(did.to_owned(), (Instant::now(), doc.clone()));
            }
            Err(ResolveError::NotFound(_)) => {
                entries.remove(did);
            }
            Err(_) => {}
        }
        doc
    }
}

impl<R: DidResolver> DidResolver for CachingResolver<R> {
    fn resolve<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>> {
        Box::pin(async move {
            match self.cached(did) {
                Some(doc) => Ok(doc),
                None => self.fetch(did).await,
            }
        })
    }

    fn refresh<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>> {
        Box::pin(self.fetch(did))
    }
}

impl<R> std::fmt::Debug for CachingResolver<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.entries.lock().map(|e| e.len()).unwrap_or(0);
        f.debug_struct("CachingResolver")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .field("entries", &len)
            .finish()
    }
}
