//! What the OAuth tests share: a loopback client of the test PDS, a store the test can look
//! into (and make fail), the sign-in page driven as its script does, and a typed client on a
//! session.

#![allow(dead_code)] // each test binary uses part of this module

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use cocore_lexicons::dev::cocore::compute::job::Job;
use lexicon_identity::HttpResolver;
use lexicon_oauth::{
    ClientMetadata, MemoryStore, OAuthClient, OAuthError, OAuthSession, Scopes, SessionStore,
    StoreFuture, StoreLock, StoredSession, XrpcHandleResolver,
};
use lexicon_xrpc::Client;
use serde_json::json;

use crate::common::{account, job, pds, Account, PASSWORD};

pub const REDIRECT: &str = "http://127.0.0.1:8321/callback";

/// A loopback client of the test PDS, keeping sessions in `store`.
pub fn oauth_client(store: impl SessionStore) -> OAuthClient {
    oauth_client_with(store, Scopes::new().transition_generic())
}

/// A loopback client of the test PDS asking for `scopes`, keeping sessions in `store`.
pub fn oauth_client_with(store: impl SessionStore, scopes: Scopes) -> OAuthClient {
    let metadata = ClientMetadata::loopback(REDIRECT, scopes).unwrap();
    OAuthClient::builder(metadata)
        .allow_http(true)
        .did_resolver(HttpResolver::new().plc_url(&pds().plc))
        .handle_resolver(XrpcHandleResolver::new(&pds().url))
        .store(store)
        .build()
}

/// A store the test can look into while the client uses it: it counts writes, and fails
/// them while `failing` is set.
#[derive(Clone, Default)]
pub struct SharedStore {
    pub inner: Arc<MemoryStore>,
    pub writes: Arc<AtomicUsize>,
    pub failing: Arc<AtomicBool>,
}

impl SharedStore {
    pub fn new(inner: Arc<MemoryStore>) -> Self {
        SharedStore {
            inner,
            ..SharedStore::default()
        }
    }

    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

impl SessionStore for SharedStore {
    fn get<'a>(&'a self, did: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        self.inner.get(did)
    }
    fn set(&self, session: StoredSession) -> StoreFuture<'_, ()> {
        if self.failing.load(Ordering::SeqCst) {
            return Box::pin(async {
                Err(OAuthError::store_failed(
                    "the session store",
                    std::io::Error::other("the disk is full"),
                ))
            });
        }
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.set(session)
    }
    fn delete<'a>(&'a self, did: &'a str) -> StoreFuture<'a, ()> {
        self.inner.delete(did)
    }
    fn lock<'a>(&'a self, did: &'a str) -> StoreFuture<'a, StoreLock> {
        self.inner.lock(did)
    }
}

/// The query of the URL the browser comes back to, after signing in as `user`.
pub async fn consent(oauth: &OAuthClient, start: &str, user: &str) -> String {
    let url = oauth.authorize(start).await.unwrap();
    let back = lexicon_test_support::browser::sign_in_and_consent(url.as_str(), user, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("signing in as {user}: {e}"));
    assert!(back.starts_with(REDIRECT), "{back}");
    back.split_once('?')
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default()
}

/// A signed-in session of a new account.
pub async fn signed_in(name: &str) -> (OAuthClient, Arc<MemoryStore>, OAuthSession, Account) {
    let (oauth, store, session, account) = signed_in_with(name).await;
    (oauth, store.inner, session, account)
}

/// A signed-in session of a new account, with the store the client uses.
pub async fn signed_in_with(name: &str) -> (OAuthClient, SharedStore, OAuthSession, Account) {
    let account = account(name).await;
    let store = SharedStore::default();
    let oauth = oauth_client(store.clone());
    let query = consent(&oauth, &account.handle, &account.handle).await;
    let session = oauth.callback(&query).await.unwrap();
    (oauth, store, session, account)
}

pub fn typed_client(session: &OAuthSession) -> Client {
    Client::builder(session.pds())
        .credentials(session.clone())
        .build()
        .unwrap()
}

pub fn a_job() -> Job {
    let payment = json!({
        "uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a",
        "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
    });
    Job::from_json(&job(payment).to_string()).unwrap()
}
