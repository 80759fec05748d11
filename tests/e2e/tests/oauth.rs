//! `lexicon-oauth` against the reference PDS's own OAuth provider (`@atproto/oauth-provider`,
//! in the dev-env PDS): the whole loopback flow driven as the sign-in page does, typed calls
//! with DPoP, refreshes, and each refusal with its typed error and the store unchanged.

mod common;
mod signin;

use std::sync::Arc;

use cocore_lexicons::dev::cocore::compute::job::Job;
use common::{account, pds};
use lexicon_oauth::{Es256Key, MemoryStore, OAuthError, SessionStore};
use lexicon_test_support::deadline::Deadline;
use lexicon_xrpc::{Client, Error};
use signin::{a_job, consent, oauth_client, signed_in, typed_client, SharedStore};

#[tokio::test]
async fn a_loopback_sign_in_gives_a_session_that_every_typed_call_works_on() {
    let _deadline = Deadline::start();
    let (oauth, store, session, account) = signed_in("oauthflow").await;
    assert_eq!(session.did().as_str(), account.did);
    assert_eq!(session.issuer(), pds().url.trim_end_matches('/'));
    assert!(
        session.scopes().contains("transition:generic"),
        "{:?}",
        session.scopes()
    );
    assert!(store.get(&account.did).await.unwrap().is_some());
    let debug = format!("{session:?} {:?}", store.get(&account.did).await.unwrap());
    let stored = store.get(&account.did).await.unwrap().unwrap();
    assert!(!debug.contains(&stored.access_token), "{debug}");

    let client = typed_client(&session);
    let job = a_job();
    let created = client.create_record(&job).await.unwrap();
    assert_eq!(created.uri.authority(), account.did);
    let read = client
        .get_record::<Job>(&account.did, created.uri.rkey().unwrap())
        .await
        .unwrap();
    assert_eq!(read.value, job);

    // A forced refresh gives new tokens, stored; calls go on with them.
    session.refresh().await.unwrap();
    let after = store.get(&account.did).await.unwrap().unwrap();
    assert_ne!(after.access_token, stored.access_token);
    assert_ne!(after.refresh_token, stored.refresh_token);
    client.create_record(&a_job()).await.unwrap();

    // A restored session (another client, the same store) works too.
    let restored = oauth.restore(&account.did).await.unwrap();
    typed_client(&restored)
        .create_record(&a_job())
        .await
        .unwrap();

    // The old refresh token was used: refreshing with it is refused, and the store is unchanged.
    let old_store = Arc::new(MemoryStore::new());
    old_store.set(stored.clone()).await.unwrap();
    let old = oauth_client(SharedStore::new(Arc::clone(&old_store)))
        .restore(&account.did)
        .await
        .unwrap();
    let refused = old.refresh().await.unwrap_err();
    assert_eq!(refused.server_error(), Some("invalid_grant"), "{refused}");
    assert_eq!(old_store.get(&account.did).await.unwrap(), Some(stored));

    // Signing out revokes the tokens and forgets the session.
    session.sign_out().await.unwrap();
    assert_eq!(store.get(&account.did).await.unwrap(), None);
    match client.create_record(&a_job()).await {
        Err(Error::Xrpc { status: 401, .. }) | Err(Error::Credentials { .. }) => {}
        other => panic!("a revoked session still writes: {other:?}"),
    }
}

#[tokio::test]
async fn callbacks_that_break_the_profile_are_refused_and_store_nothing() {
    let _deadline = Deadline::start();
    let account = account("oauthrefuse").await;
    let store = Arc::new(MemoryStore::new());
    let oauth = oauth_client(SharedStore::new(Arc::clone(&store)));

    // An unknown state.
    let query = consent(&oauth, &account.handle, &account.handle).await;
    let forged = query.replace("state=", "state=x");
    assert!(matches!(
        oauth.callback(&forged).await.unwrap_err(),
        OAuthError::UnknownState
    ));

    // A wrong iss (RFC 9207): refused, and that state is spent.
    let wrong_iss = query
        .split('&')
        .map(|p| {
            if p.starts_with("iss=") {
                "iss=https%3A%2F%2Fevil.example".to_owned()
            } else {
                p.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    assert!(matches!(
        oauth.callback(&wrong_iss).await.unwrap_err(),
        OAuthError::IssuerMismatch { .. }
    ));
    assert!(matches!(
        oauth.callback(&query).await.unwrap_err(),
        OAuthError::UnknownState
    ));

    // A replayed state: the first callback signs in, the second is refused.
    let query = consent(&oauth, &account.handle, &account.handle).await;
    oauth.callback(&query).await.unwrap();
    store.delete(&account.did).await.unwrap();
    assert!(matches!(
        oauth.callback(&query).await.unwrap_err(),
        OAuthError::UnknownState
    ));

    // The sign-in started for one account and the user signed in as another.
    let other = common::account("oauthother").await;
    let query = consent(&oauth, &account.handle, &other.handle).await;
    match oauth.callback(&query).await.unwrap_err() {
        OAuthError::SubjectMismatch { expected, got } => {
            assert_eq!((expected, got), (account.did.clone(), other.did.clone()));
        }
        e => panic!("{e}"),
    }
    assert_eq!(store.get(&account.did).await.unwrap(), None);
    assert_eq!(store.get(&other.did).await.unwrap(), None);
}

#[tokio::test]
async fn a_request_signed_with_another_dpop_key_is_refused() {
    let _deadline = Deadline::start();
    let (_, store, _, account) = signed_in("oauthkey").await;
    let mut stolen = store.get(&account.did).await.unwrap().unwrap();
    stolen.dpop_key = Es256Key::generate().to_private_jwk();
    let thief_store = Arc::new(MemoryStore::new());
    thief_store.set(stolen.clone()).await.unwrap();
    let thief = oauth_client(SharedStore::new(Arc::clone(&thief_store)))
        .restore(&account.did)
        .await
        .unwrap();
    let error = typed_client(&thief)
        .create_record(&a_job())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Xrpc { status: 401, .. } | Error::Credentials { .. }
        ),
        "{error}"
    );
    assert_eq!(thief_store.get(&account.did).await.unwrap(), Some(stolen));
}

#[tokio::test]
async fn concurrent_refreshes_are_one_request_and_an_expired_token_refreshes_before_the_call() {
    let _deadline = Deadline::start();
    let (_, store, session, account) = signed_in("oauthrace").await;
    let before = store.get(&account.did).await.unwrap().unwrap();
    // Refresh tokens are single-use: five refreshes at once succeed only as one request.
    let refreshes: Vec<_> = (0..5)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.refresh().await })
        })
        .collect();
    for refresh in refreshes {
        refresh.await.unwrap().unwrap();
    }
    let after = store.get(&account.did).await.unwrap().unwrap();
    assert_ne!(after.refresh_token, before.refresh_token);

    // A stored session whose access token has expired refreshes before its first call.
    let mut expired = after.clone();
    expired.expires_at = Some(1);
    store.set(expired).await.unwrap();
    // (Another client on the store: this one's live session has the fresh expiry.)
    let restored = oauth_client(SharedStore::new(Arc::clone(&store)))
        .restore(&account.did)
        .await
        .unwrap();
    typed_client(&restored)
        .create_record(&a_job())
        .await
        .unwrap();
    let renewed = store.get(&account.did).await.unwrap().unwrap();
    assert_ne!(renewed.access_token, after.access_token);
    assert!(renewed.expires_at.unwrap() > 1);
}

#[tokio::test]
async fn a_token_already_held_and_its_did_make_a_session_without_a_login() {
    let _deadline = Deadline::start();
    let (password_client, account) = common::logged_in("tokenonly").await;
    let token = password_client.session().unwrap().access_jwt().to_owned();
    let did = lexicon_xrpc::lexicon_runtime::Did::new(account.did.as_str()).unwrap();
    let client = Client::builder(&pds().url)
        .credentials(lexicon_xrpc::TokenCredentials::new(did, token))
        .build()
        .unwrap();
    assert_eq!(client.did().unwrap().as_str(), account.did);
    let created = client.create_record(&a_job()).await.unwrap();
    assert_eq!(created.uri.authority(), account.did);
}

#[tokio::test]
async fn a_rotated_dpop_nonce_costs_one_retry_at_the_pds_and_at_the_authorization_server() {
    let _deadline = Deadline::start();
    let (_, store, session, account) = signed_in("oauthnonce").await;
    let client = typed_client(&session);
    client.create_record(&a_job()).await.unwrap();

    // With the PDS's nonce in hand, a call is one request.
    let before = client.requests_sent();
    client.create_record(&a_job()).await.unwrap();
    assert_eq!(client.requests_sent() - before, 1);

    // The server draws a new nonce secret: the held nonce is refused (use_dpop_nonce), the
    // client takes the new one from that answer and sends again, once; then it is one again.
    pds().rotate_dpop_nonce();
    let before = client.requests_sent();
    client.create_record(&a_job()).await.unwrap();
    assert_eq!(client.requests_sent() - before, 2);
    let before = client.requests_sent();
    client.create_record(&a_job()).await.unwrap();
    assert_eq!(client.requests_sent() - before, 1);

    // The token endpoint does the same: a refresh after a rotation succeeds and is stored.
    let old = store.get(&account.did).await.unwrap().unwrap();
    pds().rotate_dpop_nonce();
    session.refresh().await.unwrap();
    let new = store.get(&account.did).await.unwrap().unwrap();
    assert_ne!(new.refresh_token, old.refresh_token);
    client.create_record(&a_job()).await.unwrap();
}

#[tokio::test]
async fn a_refresh_token_revoked_by_sign_out_is_refused_and_the_copy_left_as_it_was() {
    let _deadline = Deadline::start();
    let (oauth, store, session, account) = signed_in("oauthrevoked").await;
    let stored = store.get(&account.did).await.unwrap().unwrap();
    // Another process holds a copy of the session; this one signs out (revoking the tokens).
    let copy_store = Arc::new(MemoryStore::new());
    copy_store.set(stored.clone()).await.unwrap();
    session.sign_out().await.unwrap();
    let copy = oauth_client(SharedStore::new(Arc::clone(&copy_store)))
        .restore(&account.did)
        .await
        .unwrap();
    let refused = copy.refresh().await.unwrap_err();
    assert_eq!(refused.server_error(), Some("invalid_grant"), "{refused}");
    assert_eq!(copy_store.get(&account.did).await.unwrap(), Some(stored));
    let gone = oauth.restore(&account.did).await.unwrap_err();
    assert!(
        matches!(&gone, OAuthError::NoSession(did) if *did == account.did),
        "{gone}"
    );
}

#[tokio::test]
async fn a_bound_sign_in_finishes_only_in_the_browser_that_started_it() {
    let _deadline = Deadline::start();
    let account = account("oauthbound").await;
    let store = Arc::new(MemoryStore::new());
    let oauth = oauth_client(SharedStore::new(Arc::clone(&store)));
    let started = oauth.authorize_bound(&account.handle).await.unwrap();
    assert!(
        !format!("{started:?}").contains(started.binding()),
        "{started:?}"
    );
    let back = lexicon_test_support::browser::sign_in_and_consent(
        started.url.as_str(),
        &account.handle,
        common::PASSWORD,
    )
    .await
    .unwrap();
    let query = back.split_once('?').unwrap().1;

    // Another browser (without the binding, or with its own) is refused, and nothing stored.
    assert!(matches!(
        oauth.callback(query).await.unwrap_err(),
        OAuthError::WrongBrowser
    ));
    let other = oauth.authorize_bound(&account.handle).await.unwrap();
    assert!(matches!(
        oauth
            .callback_bound(query, other.binding())
            .await
            .unwrap_err(),
        OAuthError::WrongBrowser
    ));
    assert_eq!(store.get(&account.did).await.unwrap(), None);

    // The browser that started it finishes it, once.
    let session = oauth
        .callback_bound(query, started.binding())
        .await
        .unwrap();
    assert_eq!(session.did().as_str(), account.did);
    assert!(matches!(
        oauth
            .callback_bound(query, started.binding())
            .await
            .unwrap_err(),
        OAuthError::UnknownState
    ));
}
