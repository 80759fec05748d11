//! OAuth sessions in real use, against the reference PDS's OAuth provider, which revokes the
//! whole session when a refresh token is sent twice ("refresh token replayed"): so every test
//! here fails if a refresh token is spent twice. One account is one live session in a client;
//! holders sharing a store (other clients, other processes: `FileStore`'s lock is a `flock`
//! on its own open file, as another process's would be) refresh once; a store that cannot be
//! written keeps nobody on a spent token; a new sign-in moves the live session on and revokes
//! the old tokens; sign-out forgets the session even when revocation fails; the tokens go to
//! the session's PDS only; the callback and each refresh check the account against its
//! current DID document, and an account that moved is not refreshed where it signed in.

mod common;
mod signin;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use lexicon_identity::{BoxFuture, DidDocument, DidResolver, HttpResolver, ResolveError};
use lexicon_oauth::{
    ClientMetadata, FileStore, MemoryStore, OAuthClient, OAuthError, Scopes, SessionStore,
    XrpcHandleResolver,
};
use lexicon_test_support::deadline::Deadline;
use signin::{a_job, consent, oauth_client, signed_in, signed_in_with, typed_client, SharedStore};

#[tokio::test]
async fn one_account_is_one_live_session_in_a_client_and_refreshes_once() {
    let _deadline = Deadline::start();
    let (oauth, store, session, account) = signed_in_with("oauthlive").await;
    let (a, b) = tokio::join!(oauth.restore(&account.did), oauth.restore(&account.did));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.same_as(&session) && b.same_as(&session));

    // Refreshes through every handle at once: one refresh, one write, and all keep working.
    let writes = store.writes();
    let (ra, rb, rs) = tokio::join!(a.refresh(), b.refresh(), session.refresh());
    ra.unwrap();
    rb.unwrap();
    rs.unwrap();
    assert_eq!(store.writes() - writes, 1);
    for handle in [&a, &b, &session] {
        typed_client(handle).create_record(&a_job()).await.unwrap();
    }
}

#[tokio::test]
async fn two_holders_of_one_file_store_refresh_once_and_both_keep_working() {
    let _deadline = Deadline::start();
    let account = common::account("oauthfile").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.json");
    let first = oauth_client(FileStore::new(&path));
    let query = consent(&first, &account.handle, &account.handle).await;
    let one = first.callback(&query).await.unwrap();
    // Another process: its own client and its own handle on the file.
    let second = oauth_client(FileStore::new(&path));
    let two = second.restore(&account.did).await.unwrap();
    assert!(!two.same_as(&one));

    // At once: one refreshes, the other waits on the file's lock, reads the file again and
    // takes the new tokens instead of spending the old refresh token a second time.
    let (r1, r2) = tokio::join!(one.refresh(), two.refresh());
    r1.unwrap();
    r2.unwrap();
    typed_client(&one).create_record(&a_job()).await.unwrap();
    typed_client(&two).create_record(&a_job()).await.unwrap();

    // One after the other: the second takes what the first stored.
    one.refresh().await.unwrap();
    two.refresh().await.unwrap();
    typed_client(&two).create_record(&a_job()).await.unwrap();
    typed_client(&one).create_record(&a_job()).await.unwrap();
    let stored = FileStore::new(&path).get(&account.did).await.unwrap();
    assert!(stored.is_some());
}

/// What the child processes of the test below are given, in their environment.
const CHILD: &str = "OAUTH_FILE_STORE_CHILD";

#[tokio::test]
async fn two_processes_on_one_file_store_refresh_at_once_and_both_keep_working() {
    let _deadline = Deadline::start();
    if let Ok(given) = std::env::var(CHILD) {
        return refresh_as_a_child(&given).await;
    }
    let account = common::account("oauthprocs").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.json");
    let first = oauth_client(FileStore::new(&path));
    let query = consent(&first, &account.handle, &account.handle).await;
    first.callback(&query).await.unwrap();
    drop(first);

    // Two processes restore the stored session and refresh it at the same instant.
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 1500;
    let given = serde_json::json!({
        "store": path, "did": account.did, "pds": common::pds().url,
        "plc": common::pds().plc, "start": start as u64,
    })
    .to_string();
    let children: Vec<_> = (0..2)
        .map(|_| {
            let given = given.clone();
            std::thread::spawn(move || {
                let mut command = std::process::Command::new(std::env::current_exe().unwrap());
                command
                    .args([
                        "--exact",
                        "two_processes_on_one_file_store_refresh_at_once_and_both_keep_working",
                    ])
                    .args(["--nocapture", "--test-threads=1"])
                    .env(CHILD, given);
                lexicon_test_support::process::output(
                    &mut command,
                    lexicon_test_support::process::CLI_LIMIT,
                )
            })
        })
        .collect();
    for child in children {
        let output = child.join().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("child refreshed and wrote"),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // The stored session still works: no refresh token was spent twice (the reference
    // server would have revoked the whole session).
    let after = oauth_client(FileStore::new(&path));
    let session = after.restore(&account.did).await.unwrap();
    session.refresh().await.unwrap();
    typed_client(&session)
        .create_record(&a_job())
        .await
        .unwrap();
}

/// The child's part: restore the session from the shared file, refresh it when the parent
/// said, and write a record with it.
async fn refresh_as_a_child(given: &str) {
    let given: serde_json::Value = serde_json::from_str(given).unwrap();
    let text = |key: &str| given[key].as_str().unwrap().to_owned();
    let metadata =
        ClientMetadata::loopback(signin::REDIRECT, Scopes::new().transition_generic()).unwrap();
    let oauth = OAuthClient::builder(metadata)
        .allow_http(true)
        .did_resolver(HttpResolver::new().plc_url(text("plc")))
        .handle_resolver(XrpcHandleResolver::new(text("pds")))
        .store(FileStore::new(text("store")))
        .build();
    let session = oauth.restore(&text("did")).await.unwrap();
    let start =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(given["start"].as_u64().unwrap());
    if let Ok(wait) = start.duration_since(std::time::SystemTime::now()) {
        tokio::time::sleep(wait).await;
    }
    session.refresh().await.unwrap();
    typed_client(&session)
        .create_record(&a_job())
        .await
        .unwrap();
    println!("child refreshed and wrote");
}

#[tokio::test]
async fn a_store_that_cannot_be_written_after_a_refresh_leaves_nobody_on_a_spent_token() {
    let _deadline = Deadline::start();
    let (_, store, session, account) = signed_in_with("oauthdisk").await;
    let client = typed_client(&session);
    let before = store.inner.get(&account.did).await.unwrap().unwrap();

    store.fail(true);
    let error = session.refresh().await.unwrap_err();
    assert!(matches!(error, OAuthError::Store { .. }), "{error}");
    // The new tokens are in memory: calls work, and so does the next refresh (the spent
    // refresh token is not sent again, which the server would answer by revoking it all).
    client.create_record(&a_job()).await.unwrap();
    assert!(matches!(
        session.refresh().await.unwrap_err(),
        OAuthError::Store { .. }
    ));
    client.create_record(&a_job()).await.unwrap();
    assert_eq!(
        store.inner.get(&account.did).await.unwrap().as_ref(),
        Some(&before)
    );

    // Once the store works again, the next call writes the session first.
    store.fail(false);
    client.create_record(&a_job()).await.unwrap();
    let after = store.inner.get(&account.did).await.unwrap().unwrap();
    assert_ne!(after.refresh_token, before.refresh_token);
    // What was written is current: another client restoring it can refresh.
    let other = oauth_client(SharedStore::new(Arc::clone(&store.inner)))
        .restore(&account.did)
        .await
        .unwrap();
    other.refresh().await.unwrap();
    typed_client(&other).create_record(&a_job()).await.unwrap();
}

#[tokio::test]
async fn a_new_sign_in_moves_the_live_session_on_and_revokes_the_old_tokens() {
    let _deadline = Deadline::start();
    let (oauth, store, session, account) = signed_in("oauthagain").await;
    let old = store.get(&account.did).await.unwrap().unwrap();
    let query = consent(&oauth, &account.handle, &account.handle).await;
    let again = oauth.callback(&query).await.unwrap();
    assert!(again.same_as(&session));
    let new = store.get(&account.did).await.unwrap().unwrap();
    assert_ne!(new.refresh_token, old.refresh_token);
    assert_ne!(new.dpop_key, old.dpop_key);
    // The handle held from before goes on with the new tokens.
    typed_client(&session)
        .create_record(&a_job())
        .await
        .unwrap();
    // The old refresh token was revoked.
    let copy = Arc::new(MemoryStore::new());
    copy.set(old).await.unwrap();
    let stale = oauth_client(SharedStore::new(copy))
        .restore(&account.did)
        .await
        .unwrap();
    let refused = stale.refresh().await.unwrap_err();
    assert_eq!(refused.server_error(), Some("invalid_grant"), "{refused}");
}

#[tokio::test]
async fn sign_out_forgets_the_session_even_when_revocation_fails() {
    let _deadline = Deadline::start();
    let (_, store, _, account) = signed_in("oauthbye").await;
    // A copy of the session whose revocation endpoint does not answer (nothing listens on
    // port 9 of loopback).
    let mut stored = store.get(&account.did).await.unwrap().unwrap();
    stored.revocation_endpoint = Some("http://127.0.0.1:9/oauth/revoke".into());
    let copy = Arc::new(MemoryStore::new());
    copy.set(stored).await.unwrap();
    let oauth = oauth_client(SharedStore::new(Arc::clone(&copy)));
    let session = oauth.restore(&account.did).await.unwrap();
    session.sign_out().await.unwrap();
    assert_eq!(copy.get(&account.did).await.unwrap(), None);
    let gone = oauth.restore(&account.did).await.unwrap_err();
    assert!(
        matches!(&gone, OAuthError::NoSession(did) if *did == account.did),
        "{gone}"
    );
}

#[tokio::test]
async fn the_tokens_go_to_the_sessions_pds_only() {
    let _deadline = Deadline::start();
    let (_, _, session, _) = signed_in("oauthorigin").await;
    // A client pointed elsewhere (nothing listens on port 9 of loopback) with the session.
    let elsewhere = lexicon_xrpc::Client::builder("http://127.0.0.1:9")
        .credentials(session.clone())
        .build()
        .unwrap();
    let error = elsewhere.create_record(&a_job()).await.unwrap_err();
    let text = format!("{error}");
    assert!(
        text.contains("go to its PDS") && text.contains("not to http://127.0.0.1:9/xrpc/"),
        "{text}"
    );
    assert_eq!(elsewhere.requests_sent(), 0);
    typed_client(&session)
        .create_record(&a_job())
        .await
        .unwrap();
}

/// A DID resolver of the test network that counts the resolutions that bypass its cache,
/// and can move every account to another PDS (its documents then name that one).
#[derive(Clone, Default)]
struct WatchedResolver {
    current: Arc<AtomicUsize>,
    moved_to: Arc<std::sync::Mutex<Option<String>>>,
}

impl WatchedResolver {
    fn documents(
        &self,
        did: &str,
        current: bool,
    ) -> BoxFuture<'static, Result<DidDocument, ResolveError>> {
        if current {
            self.current.fetch_add(1, Ordering::SeqCst);
        }
        let moved_to = self.moved_to.lock().unwrap().clone();
        let did = did.to_owned();
        Box::pin(async move {
            let mut doc = HttpResolver::new()
                .plc_url(&common::pds().plc)
                .resolve(&did)
                .await?;
            if let Some(pds) = moved_to {
                for service in &mut doc.service {
                    service.service_endpoint = serde_json::Value::String(pds.clone());
                }
            }
            Ok(doc)
        })
    }
}

impl DidResolver for WatchedResolver {
    fn resolve<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>> {
        self.documents(did, false)
    }

    fn refresh<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>> {
        self.documents(did, true)
    }
}

/// A loopback client of the test PDS resolving DIDs with `resolver`.
fn watched_client(resolver: WatchedResolver, store: SharedStore) -> OAuthClient {
    let metadata =
        ClientMetadata::loopback(signin::REDIRECT, Scopes::new().transition_generic()).unwrap();
    OAuthClient::builder(metadata)
        .allow_http(true)
        .did_resolver(resolver)
        .handle_resolver(XrpcHandleResolver::new(&common::pds().url))
        .store(store)
        .build()
}

#[tokio::test]
async fn the_callback_checks_the_account_against_its_current_did_document() {
    let _deadline = Deadline::start();
    let account = common::account("oauthcurrent").await;
    let resolver = WatchedResolver::default();
    let oauth = watched_client(resolver.clone(), SharedStore::default());
    let query = consent(&oauth, &account.handle, &account.handle).await;
    assert_eq!(resolver.current.load(Ordering::SeqCst), 0);
    oauth.callback(&query).await.unwrap();
    assert_eq!(resolver.current.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_account_that_moved_is_not_refreshed_where_it_signed_in() {
    let _deadline = Deadline::start();
    let account = common::account("oauthmoved").await;
    let resolver = WatchedResolver::default();
    let store = SharedStore::default();
    let oauth = watched_client(resolver.clone(), store.clone());
    let query = consent(&oauth, &account.handle, &account.handle).await;
    let session = oauth.callback(&query).await.unwrap();
    let stored = store.inner.get(&account.did).await.unwrap().unwrap();

    // Its DID document now names another PDS: the refresh token is not sent, and the session
    // is forgotten.
    *resolver.moved_to.lock().unwrap() = Some("https://new-pds.example".into());
    let error = session.refresh().await.unwrap_err();
    assert!(matches!(error, OAuthError::AccountMoved { .. }), "{error}");
    assert_eq!(store.inner.get(&account.did).await.unwrap(), None);
    assert!(oauth.restore(&account.did).await.is_err());

    // The refresh token was not spent: a copy of the session, the account back home, refreshes.
    *resolver.moved_to.lock().unwrap() = None;
    let copy = SharedStore::default();
    copy.inner.set(stored).await.unwrap();
    let again = watched_client(resolver, copy)
        .restore(&account.did)
        .await
        .unwrap();
    again.refresh().await.unwrap();
    typed_client(&again).create_record(&a_job()).await.unwrap();
}
