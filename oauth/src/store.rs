//! Where sessions are kept between runs: the [`SessionStore`] trait, in memory
//! ([`MemoryStore`]) or in a file ([`FileStore`], mode 0600, written atomically).

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::crypto::random_token;
use crate::error::OAuthError;

/// The future a [`SessionStore`] returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, OAuthError>> + Send + 'a>>;

/// A session as it is stored: the account, where it signed in, its tokens and its DPoP key.
/// Its `Debug` leaves the secrets out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredSession {
    /// The account.
    pub did: String,
    /// The account's PDS.
    pub pds: String,
    /// The authorization server that issued the tokens.
    pub issuer: String,
    /// Its token endpoint.
    pub token_endpoint: String,
    /// Its revocation endpoint, if it has one.
    pub revocation_endpoint: Option<String>,
    /// The scopes granted, space-separated.
    pub scope: String,
    /// The access token (DPoP-bound).
    pub access_token: String,
    /// The refresh token, if one was issued (they are single-use).
    pub refresh_token: Option<String>,
    /// When the access token expires, in seconds since the Unix epoch.
    pub expires_at: Option<u64>,
    /// The private JWK of the session's DPoP key.
    pub dpop_key: serde_json::Value,
}

impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("did", &self.did)
            .field("pds", &self.pds)
            .field("issuer", &self.issuer)
            .field("scope", &self.scope)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Keeps sessions by DID. A store that fails says why and leaves what it held as it was.
pub trait SessionStore: Send + Sync + 'static {
    /// The session of `did`, if one is stored.
    fn get<'a>(&'a self, did: &'a str) -> StoreFuture<'a, Option<StoredSession>>;
    /// Stores `session`, replacing the one of its DID.
    fn set(&self, session: StoredSession) -> StoreFuture<'_, ()>;
    /// Forgets the session of `did`.
    fn delete<'a>(&'a self, did: &'a str) -> StoreFuture<'a, ()>;
    /// Holds the refresh lock of `did`'s session until the returned value is dropped: every
    /// holder of the session (other clients, other processes sharing the store) refreshes
    /// under it and reads the store first, so a refresh token is spent once. The default
    /// holds nothing: a store shared between processes must implement it ([`FileStore`] and
    /// [`MemoryStore`] do).
    fn lock<'a>(&'a self, did: &'a str) -> StoreFuture<'a, StoreLock> {
        let _ = did;
        Box::pin(async { Ok(StoreLock::none()) })
    }
}

/// A held [`SessionStore::lock`]; dropping it releases the lock.
pub struct StoreLock {
    /// Held for its `Drop`, which releases the lock.
    _guard: Option<Box<dyn Send + Sync>>,
}

impl StoreLock {
    /// A lock held as long as `guard` lives (a mutex guard, a locked file).
    pub fn new(guard: impl Send + Sync + 'static) -> Self {
        StoreLock {
            _guard: Some(Box::new(guard)),
        }
    }

    /// No lock: for a store used by one session holder only.
    pub fn none() -> Self {
        StoreLock { _guard: None }
    }
}

impl std::fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self._guard.is_some() {
            "StoreLock(held)"
        } else {
            "StoreLock(none)"
        })
    }
}

/// How long [`FileStore::lock`] waits for another process's refresh.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// Sessions in memory, for one process (its lock is one per DID, shared by the clients that
/// share the store).
#[derive(Debug, Default)]
pub struct MemoryStore {
    sessions: Mutex<BTreeMap<String, StoredSession>>,
    locks: Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SessionStore for MemoryStore {
    fn get<'a>(&'a self, did: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        let found = self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(did)
            .cloned();
        Box::pin(async move { Ok(found) })
    }

    fn set(&self, session: StoredSession) -> StoreFuture<'_, ()> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(session.did.clone(), session);
        Box::pin(async { Ok(()) })
    }

    fn delete<'a>(&'a self, did: &'a str) -> StoreFuture<'a, ()> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(did);
        Box::pin(async { Ok(()) })
    }

    fn lock<'a>(&'a self, did: &'a str) -> StoreFuture<'a, StoreLock> {
        let lock = Arc::clone(
            self.locks
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(did.to_owned())
                .or_default(),
        );
        Box::pin(async move { Ok(StoreLock::new(lock.lock_owned().await)) })
    }
}

/// Sessions in one JSON file (a map from DID to session), readable by its owner only (mode
/// 0600), replaced atomically on each change (a new temporary file of a random name beside
/// it, synced, renamed, the folder synced), never through a symbolic link; refreshes lock
/// `PATH.lock`, so processes sharing the file refresh once.
/// A file that cannot be read or parsed is an error naming it, and is not overwritten.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileStore {
    /// A store in `path` (created on the first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, what: &str, e: impl std::error::Error + Send + Sync + 'static) -> OAuthError {
        OAuthError::store_failed(format_args!("{} {what}", self.path.display()), e)
    }

    /// Refuses a path that is a symbolic link: the store never writes through one (another
    /// user's link could point it at a file of theirs).
    fn refuse_link(&self, path: &Path) -> Result<(), OAuthError> {
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => Err(OAuthError::store(format!(
                "{} is reached through a symbolic link ({}), which the store does not follow",
                self.path.display(),
                path.display(),
            ))),
            _ => Ok(()),
        }
    }

    fn load(&self) -> Result<BTreeMap<String, StoredSession>, OAuthError> {
        self.refuse_link(&self.path)?;
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| self.error("is not a session file (left as it is)", e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(self.error("could not be read", e)),
        }
    }

    fn save(&self, sessions: &BTreeMap<String, StoredSession>) -> Result<(), OAuthError> {
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sessions".into());
        self.refuse_link(&self.path)?;
        // A new file of a random name: `create_new` follows no link and takes no file that
        // is already there.
        let temp = dir.join(format!(".{name}.{}.tmp", random_token(12)));
        let bytes = serde_json::to_vec_pretty(sessions).map_err(|e| self.error("encoding", e))?;
        let written = (|| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&temp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&temp, &self.path)?;
            // The rename is durable once the folder is synced.
            #[cfg(unix)]
            std::fs::File::open(&dir)?.sync_all()?;
            Ok::<(), std::io::Error>(())
        })();
        written.map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            self.error("could not be written", e)
        })
    }

    fn change(
        &self,
        edit: impl FnOnce(&mut BTreeMap<String, StoredSession>),
    ) -> Result<(), OAuthError> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut sessions = self.load()?;
        edit(&mut sessions);
        self.save(&sessions)
    }
}

impl SessionStore for FileStore {
    fn get<'a>(&'a self, did: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        let found = self.load().map(|mut s| s.remove(did));
        Box::pin(async move { found })
    }

    fn set(&self, session: StoredSession) -> StoreFuture<'_, ()> {
        let done = self.change(|s| {
            s.insert(session.did.clone(), session);
        });
        Box::pin(async move { done })
    }

    fn delete<'a>(&'a self, did: &'a str) -> StoreFuture<'a, ()> {
        let done = self.change(|s| {
            s.remove(did);
        });
        Box::pin(async move { done })
    }

    /// Locks the file `PATH.lock` beside the store (an advisory lock, released when the
    /// process ends, whatever way), waiting at most 30 s for another holder.
    fn lock<'a>(&'a self, _did: &'a str) -> StoreFuture<'a, StoreLock> {
        Box::pin(async move {
            let mut name = self.path.as_os_str().to_owned();
            name.push(".lock");
            let path = PathBuf::from(name);
            self.refuse_link(&path)?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(false);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let file = options
                .open(&path)
                .map_err(|e| self.error("could not open its lock file", e))?;
            let started = tokio::time::Instant::now();
            loop {
                match file.try_lock() {
                    Ok(()) => return Ok(StoreLock::new(file)),
                    Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Err(std::fs::TryLockError::WouldBlock) => {
                        return Err(OAuthError::store(format!(
                            "{} is locked by another holder: waited {} s for {}",
                            self.path.display(),
                            LOCK_WAIT.as_secs(),
                            path.display()
                        )))
                    }
                    Err(std::fs::TryLockError::Error(e)) => {
                        return Err(self.error("could not be locked", e))
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(did: &str) -> StoredSession {
        StoredSession {
            did: did.into(),
            pds: "https://pds.example".into(),
            issuer: "https://pds.example".into(),
            token_endpoint: "https://pds.example/oauth/token".into(),
            revocation_endpoint: None,
            scope: "atproto".into(),
            access_token: "secret-access".into(),
            refresh_token: Some("secret-refresh".into()),
            expires_at: Some(1),
            dpop_key: serde_json::json!({"d": "secret-key"}),
        }
    }

    fn block_on<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_file_store_keeps_sessions_owner_only_and_forgets_on_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("sessions.json"));
        block_on(store.set(session("did:plc:a"))).unwrap();
        block_on(store.set(session("did:plc:b"))).unwrap();
        let again = FileStore::new(store.path());
        assert_eq!(
            block_on(again.get("did:plc:a")).unwrap(),
            Some(session("did:plc:a"))
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        block_on(store.delete("did:plc:a")).unwrap();
        assert_eq!(block_on(again.get("did:plc:a")).unwrap(), None);
        assert!(block_on(again.get("did:plc:b")).unwrap().is_some());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn a_file_that_is_not_a_session_file_is_an_error_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.json");
        std::fs::write(&path, "not json").unwrap();
        let store = FileStore::new(&path);
        let error = block_on(store.set(session("did:plc:a"))).unwrap_err();
        assert!(error.to_string().contains("sessions.json"), "{error}");
        assert!(block_on(store.get("did:plc:a")).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not json");
    }

    #[test]
    fn a_file_store_lock_is_held_against_another_handle_on_the_file_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.json");
        let (one, two) = (FileStore::new(&path), FileStore::new(&path));
        block_on(async {
            let held = one.lock("did:plc:a").await.unwrap();
            let waiting = tokio::time::timeout(Duration::from_millis(200), two.lock("did:plc:a"));
            assert!(waiting.await.is_err(), "the second handle waits");
            drop(held);
            let taken = tokio::time::timeout(Duration::from_secs(5), two.lock("did:plc:a"));
            assert!(taken.await.unwrap().is_ok());
        });
    }

    #[cfg(unix)]
    #[test]
    fn a_store_reached_through_a_symbolic_link_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("someone-elses-file");
        std::fs::write(&target, "theirs").unwrap();
        let path = dir.path().join("sessions.json");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let store = FileStore::new(&path);
        let error = block_on(store.set(session("did:plc:a"))).unwrap_err();
        assert!(error.to_string().contains("symbolic link"), "{error}");
        assert!(block_on(store.get("did:plc:a")).is_err());
        assert!(block_on(store.lock("did:plc:a")).is_ok());
        std::os::unix::fs::symlink(&target, dir.path().join("other.json.lock")).unwrap();
        let other = FileStore::new(dir.path().join("other.json"));
        assert!(block_on(other.lock("did:plc:a")).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "theirs");
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let text = format!("{:?}", session("did:plc:a"));
        assert!(!text.contains("secret"), "{text}");
    }
}
