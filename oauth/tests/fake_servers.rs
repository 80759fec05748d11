//! The OAuth client against an authorization server and a PDS played through
//! `lexicon_xrpc::Transport`, offline: the fake keeps the reference server's rules that matter
//! here (DPoP nonces it rotates, refresh tokens spent once, and a replayed one revoking the
//! whole session) and counts what it is sent, so that a test can say how many refreshes a
//! crowd of concurrent calls cost. Misbehaviour the reference will not show (redirects on the
//! token endpoint, huge bodies) is played here too.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use bytes::Bytes;
use lexicon_identity::{DidDocument, StaticResolver};
use lexicon_oauth::{
    ClientMetadata, MemoryStore, OAuthClient, OAuthClientBuilder, OAuthError, OAuthSession, Scopes,
    SessionStore, StoreFuture, StoreLock, StoredSession,
};
use lexicon_test_support::deadline::Deadline;
use lexicon_xrpc::atproto::com::atproto::repo::get_record::{GetRecord, Params};
use lexicon_xrpc::lexicon_runtime::{AtIdentifier, Nsid, RecordKey};
use lexicon_xrpc::{Request, Response, SendFuture, Transport};
use serde_json::{json, Value};

const DID: &str = "did:plc:fakeaccount2345abcdefghij";
const PDS: &str = "https://pds.test";
const AUTH: &str = "https://auth.test";

/// An answer: status, headers, body.
type Answer = (u16, Vec<(&'static str, String)>, Vec<u8>);

/// What the fake servers keep and count.
#[derive(Default)]
struct State {
    /// Every URL asked for, in order.
    asked: Vec<String>,
    /// The nonces the servers want now.
    auth_nonce: String,
    pds_nonce: String,
    /// The PDS's nonce before the current one, which it still accepts (as the reference does).
    pds_nonce_before: String,
    /// The PDS changes its nonce after this many calls (0: never).
    rotate_pds_nonce_every: usize,
    pds_calls: usize,
    /// The `state` of the last pushed authorization request.
    last_state: Option<String>,
    issued: usize,
    access: HashSet<String>,
    refresh: HashSet<String>,
    spent: HashSet<String>,
    /// Token endpoint requests that carried a refresh token, and those whose token was spent.
    refresh_grants: usize,
    replays: usize,
    /// Answers that replace the servers' own for a URL.
    canned: BTreeMap<String, Answer>,
    /// The `sub` tokens are issued for, when not the account's.
    sub: Option<String>,
    /// The tokens posted to the revocation endpoint, in order.
    revoked: Vec<String>,
    /// The client assertions (`private_key_jwt`) of the requests to the authorization server.
    assertions: Vec<String>,
}

/// The authorization server `https://auth.test` and the PDS `https://pds.test`, as a transport.
#[derive(Clone, Default)]
struct Fake(Arc<Mutex<State>>);

impl Transport for Fake {
    fn send(&self, request: Request) -> SendFuture<'_> {
        Box::pin(async move {
            // Let concurrent requests interleave, as they would on a network.
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            let (status, headers, body) = self.answer(&request);
            let headers = headers
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v))
                .collect();
            let body = futures_util::stream::iter([Ok(Bytes::from(body))]);
            Ok(Response::new(status, headers, Box::pin(body)))
        })
    }
}

fn json_answer(status: u16, body: Value) -> Answer {
    (
        status,
        vec![("content-type", "application/json".into())],
        body.to_string().into_bytes(),
    )
}

/// The claims of a JWT (not checked: the fake trusts the client's signatures).
fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap_or_default();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap_or_default()).unwrap_or_default()
}

impl Fake {
    fn new() -> Fake {
        let fake = Fake::default();
        {
            let mut state = fake.state();
            state.auth_nonce = "auth-nonce-0".into();
            state.pds_nonce = "pds-nonce-0".into();
        }
        fake
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    fn answer(&self, request: &Request) -> Answer {
        let mut state = self.state();
        state.asked.push(request.url.clone());
        if let Some(canned) = state.canned.get(&request.url) {
            return canned.clone();
        }
        let path = request.url.split('?').next().unwrap_or_default();
        match (request.method, path) {
            ("GET", "https://pds.test/.well-known/oauth-protected-resource") => json_answer(
                200,
                json!({"resource": PDS, "authorization_servers": [AUTH]}),
            ),
            ("GET", "https://auth.test/.well-known/oauth-authorization-server") => {
                json_answer(200, server_metadata())
            }
            ("POST", "https://auth.test/oauth/par") => state.par(request),
            ("POST", "https://auth.test/oauth/token") => state.token(request),
            ("POST", "https://auth.test/oauth/revoke") => {
                let form = State::form(request);
                state.revoked.extend(form.get("token").cloned());
                json_answer(200, json!({}))
            }
            ("GET", "https://pds.test/xrpc/com.atproto.repo.getRecord") => state.pds(request),
            _ => json_answer(404, json!({"error": "NotFound"})),
        }
    }

    fn last_state(&self) -> String {
        self.state().last_state.clone().expect("a PAR was sent")
    }
}

fn server_metadata() -> Value {
    json!({
        "issuer": AUTH,
        "authorization_endpoint": "https://auth.test/oauth/authorize",
        "token_endpoint": "https://auth.test/oauth/token",
        "pushed_authorization_request_endpoint": "https://auth.test/oauth/par",
        "revocation_endpoint": "https://auth.test/oauth/revoke",
        "scopes_supported": ["atproto", "transition:generic"],
        "dpop_signing_alg_values_supported": ["ES256"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "require_pushed_authorization_requests": true,
        "client_id_metadata_document_supported": true,
    })
}

impl State {
    /// The authorization server's refusal of a proof without its current nonce.
    fn wants_nonce(&self, request: &Request) -> Option<Answer> {
        let proof = request.header_value("dpop").map(claims).unwrap_or_default();
        if proof["nonce"].as_str() == Some(self.auth_nonce.as_str()) {
            return None;
        }
        let (status, mut headers, body) = json_answer(400, json!({"error": "use_dpop_nonce"}));
        headers.push(("dpop-nonce", self.auth_nonce.clone()));
        Some((status, headers, body))
    }

    fn form(request: &Request) -> BTreeMap<String, String> {
        url::form_urlencoded::parse(request.body.as_deref().unwrap_or_default())
            .into_owned()
            .collect()
    }

    fn par(&mut self, request: &Request) -> Answer {
        self.assertions
            .extend(Self::form(request).get("client_assertion").cloned());
        if let Some(refusal) = self.wants_nonce(request) {
            return refusal;
        }
        self.last_state = Self::form(request).get("state").cloned();
        json_answer(
            201,
            json!({"request_uri": "urn:ietf:params:oauth:request_uri:req-1", "expires_in": 300}),
        )
    }

    fn tokens(&mut self) -> Answer {
        self.issued += 1;
        let (access, refresh) = (format!("at-{}", self.issued), format!("rt-{}", self.issued));
        self.access.insert(access.clone());
        self.refresh.insert(refresh.clone());
        let (status, mut headers, body) = json_answer(
            200,
            json!({
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "DPoP",
                "expires_in": 3600,
                "scope": "atproto transition:generic",
                "sub": self.sub.as_deref().unwrap_or(DID),
            }),
        );
        headers.push(("dpop-nonce", self.auth_nonce.clone()));
        (status, headers, body)
    }

    fn token(&mut self, request: &Request) -> Answer {
        if let Some(refusal) = self.wants_nonce(request) {
            return refusal;
        }
        let form = Self::form(request);
        let invalid_grant = |why: &str| {
            json_answer(
                400,
                json!({"error": "invalid_grant", "error_description": why}),
            )
        };
        match form.get("grant_type").map(String::as_str) {
            Some("authorization_code")
                if form.get("code").map(String::as_str) == Some("code-1") =>
            {
                self.tokens()
            }
            Some("refresh_token") => {
                let Some(token) = form.get("refresh_token") else {
                    return json_answer(400, json!({"error": "invalid_request"}));
                };
                self.refresh_grants += 1;
                if self.refresh.remove(token) {
                    self.spent.insert(token.clone());
                    return self.tokens();
                }
                if self.spent.contains(token) {
                    // As the reference server does: a replayed refresh token ends the session.
                    self.replays += 1;
                    self.access.clear();
                    self.refresh.clear();
                    return invalid_grant("refresh token replayed");
                }
                invalid_grant("unknown refresh token")
            }
            _ => invalid_grant("unknown code"),
        }
    }

    fn pds(&mut self, request: &Request) -> Answer {
        let proof = request.header_value("dpop").map(claims).unwrap_or_default();
        let sent = proof["nonce"].as_str();
        if sent != Some(self.pds_nonce.as_str()) && sent != Some(self.pds_nonce_before.as_str()) {
            let body = json!({"error": "use_dpop_nonce", "message": "DPoP nonce mismatch"});
            let (_, mut headers, body) = json_answer(401, body);
            headers.push(("dpop-nonce", self.pds_nonce.clone()));
            headers.push((
                "www-authenticate",
                r#"DPoP error="use_dpop_nonce", error_description="DPoP nonce mismatch""#.into(),
            ));
            return (401, headers, body);
        }
        let token = request
            .header_value("authorization")
            .and_then(|v| v.strip_prefix("DPoP "))
            .unwrap_or_default();
        if !self.access.contains(token) {
            let (_, mut headers, body) =
                json_answer(401, json!({"error": "invalid_token", "message": "expired"}));
            headers.push(("www-authenticate", r#"DPoP error="invalid_token""#.into()));
            return (401, headers, body);
        }
        self.pds_calls += 1;
        let (status, mut headers, body) = json_answer(
            200,
            json!({"uri": format!("at://{DID}/app.test.thing/self"), "value": {"n": 1}}),
        );
        if self.rotate_pds_nonce_every > 0
            && self.pds_calls.is_multiple_of(self.rotate_pds_nonce_every)
        {
            let next = format!("pds-nonce-{}", self.pds_calls);
            self.pds_nonce_before = std::mem::replace(&mut self.pds_nonce, next);
            headers.push(("dpop-nonce", self.pds_nonce.clone()));
        }
        (status, headers, body)
    }
}

fn document() -> DidDocument {
    serde_json::from_value(json!({
        "id": DID,
        "alsoKnownAs": ["at://alice.test"],
        "service": [{
            "id": "#atproto_pds",
            "type": "AtprotoPersonalDataServer",
            "serviceEndpoint": PDS,
        }],
    }))
    .unwrap()
}

fn oauth_client(fake: &Fake, store: impl SessionStore) -> OAuthClient {
    let metadata = ClientMetadata::loopback(
        "http://127.0.0.1:8321/callback",
        Scopes::new().transition_generic(),
    )
    .unwrap();
    builder(metadata, fake.clone()).store(store).build()
}

/// A client registered as `metadata`, sending through `transport`, resolving the account's
/// DID to its document here.
fn builder(metadata: ClientMetadata, transport: impl Transport) -> OAuthClientBuilder {
    let mut dids = StaticResolver::new();
    dids.insert(document());
    OAuthClient::builder(metadata)
        .transport(transport)
        .did_resolver(dids)
}

/// Signs in as the account: the browser's part (consent) is the fake's `code-1`.
async fn sign_in(oauth: &OAuthClient, fake: &Fake) -> OAuthSession {
    oauth.authorize(DID).await.unwrap();
    let query = format!(
        "state={}&iss=https%3A%2F%2Fauth.test&code=code-1",
        fake.last_state()
    );
    oauth.callback(&query).await.unwrap()
}

fn xrpc(fake: &Fake, session: &OAuthSession) -> lexicon_xrpc::Client {
    lexicon_xrpc::Client::builder(PDS)
        .transport(fake.clone())
        .credentials(session.clone())
        .build()
        .unwrap()
}

/// Reads a record (the call the PDS answers), as text when it fails.
async fn read(client: &lexicon_xrpc::Client) -> Result<(), String> {
    let params = Params::new(
        AtIdentifier::new(DID).unwrap(),
        Nsid::new("app.test.thing").unwrap(),
        RecordKey::new("self").unwrap(),
    );
    client
        .query::<GetRecord>(&params)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A store shared by reference, so that two clients (two processes, in effect) use one.
#[derive(Clone)]
struct Shared(Arc<MemoryStore>);

impl SessionStore for Shared {
    fn get<'a>(&'a self, did: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        self.0.get(did)
    }
    fn set(&self, session: StoredSession) -> StoreFuture<'_, ()> {
        self.0.set(session)
    }
    fn delete<'a>(&'a self, did: &'a str) -> StoreFuture<'a, ()> {
        self.0.delete(did)
    }
    fn lock<'a>(&'a self, did: &'a str) -> StoreFuture<'a, StoreLock> {
        self.0.lock(did)
    }
}

#[tokio::test]
async fn concurrent_calls_of_two_clients_sharing_a_store_refresh_once() {
    let _deadline = Deadline::start();
    let fake = Fake::new();
    let store = Shared(Arc::new(MemoryStore::new()));
    let first = oauth_client(&fake, store.clone());
    let session = sign_in(&first, &fake).await;
    let second = oauth_client(&fake, store.clone());
    let restored = second.restore(DID).await.unwrap();
    // Restoring twice in one client gives the one live session.
    assert!(restored.same_as(&second.restore(DID).await.unwrap()));

    fake.state().access.clear();
    let clients = [xrpc(&fake, &session), xrpc(&fake, &restored)];
    let calls = (0..16).map(|i| {
        let client = clients[i % 2].clone();
        tokio::spawn(async move { read(&client).await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    let state = fake.state();
    assert_eq!(state.refresh_grants, 1, "one refresh for 16 calls");
    assert_eq!(state.replays, 0);
    assert_eq!(state.pds_calls, 16);
}

#[tokio::test]
async fn calls_go_on_while_the_pds_rotates_its_nonce() {
    let _deadline = Deadline::start();
    let fake = Fake::new();
    fake.state().rotate_pds_nonce_every = 3;
    let oauth = oauth_client(&fake, MemoryStore::new());
    let session = sign_in(&oauth, &fake).await;
    let client = xrpc(&fake, &session);
    let calls = (0..12).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { read(&client).await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    let state = fake.state();
    assert_eq!(state.pds_calls, 12);
    assert_eq!(
        state.refresh_grants, 0,
        "a nonce refusal is not an expired token"
    );
}

/// A store whose writes fail on demand.
#[derive(Clone)]
struct Failing {
    inner: Shared,
    fail: Arc<std::sync::atomic::AtomicBool>,
}

impl SessionStore for Failing {
    fn get<'a>(&'a self, did: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        self.inner.get(did)
    }
    fn set(&self, session: StoredSession) -> StoreFuture<'_, ()> {
        if self.fail.load(std::sync::atomic::Ordering::Relaxed) {
            let error = std::io::Error::other("the disk is full");
            return Box::pin(async move { Err(OAuthError::store_failed("the test store", error)) });
        }
        self.inner.set(session)
    }
    fn delete<'a>(&'a self, did: &'a str) -> StoreFuture<'a, ()> {
        self.inner.delete(did)
    }
}

#[tokio::test]
async fn a_store_that_cannot_be_written_never_makes_the_client_replay_a_refresh_token() {
    let _deadline = Deadline::start();
    let fake = Fake::new();
    let store = Failing {
        inner: Shared(Arc::new(MemoryStore::new())),
        fail: Arc::default(),
    };
    let oauth = oauth_client(&fake, store.clone());
    let session = sign_in(&oauth, &fake).await;
    let client = xrpc(&fake, &session);

    store.fail.store(true, std::sync::atomic::Ordering::Relaxed);
    let error = session.refresh().await.unwrap_err();
    assert!(matches!(error, OAuthError::Store { .. }), "{error}");
    assert!(std::error::Error::source(&error).is_some(), "{error}");
    read(&client).await.unwrap();
    session.refresh().await.unwrap_err();
    fake.state().access.clear();
    read(&client).await.unwrap();

    store
        .fail
        .store(false, std::sync::atomic::Ordering::Relaxed);
    read(&client).await.unwrap();
    let stored = store.get(DID).await.unwrap().unwrap();
    let state = fake.state();
    assert_eq!(state.replays, 0);
    assert_eq!(state.refresh_grants, 3);
    assert!(
        state
            .refresh
            .contains(stored.refresh_token.as_deref().unwrap()),
        "the store holds the live refresh token once it can be written"
    );
}

#[tokio::test]
async fn the_token_endpoint_is_never_posted_to_where_a_redirect_points() {
    let _deadline = Deadline::start();
    let fake = Fake::new();
    let oauth = oauth_client(&fake, MemoryStore::new());
    oauth.authorize(DID).await.unwrap();
    let redirect = (
        307,
        vec![("location", "https://evil.test/steal".to_owned())],
        Vec::new(),
    );
    fake.state()
        .canned
        .insert("https://auth.test/oauth/token".into(), redirect);
    let query = format!(
        "state={}&iss=https%3A%2F%2Fauth.test&code=code-1",
        fake.last_state()
    );
    let error = oauth.callback(&query).await.unwrap_err();
    assert!(
        matches!(&error, OAuthError::Server { status: 307, .. }),
        "{error}"
    );
    let asked = fake.state().asked.clone();
    assert!(
        !asked.iter().any(|url| url.contains("evil.test")),
        "{asked:?}"
    );
}

#[tokio::test]
async fn a_huge_answer_is_refused_without_reading_it_all() {
    let _deadline = Deadline::start();
    let fake = Fake::new();
    let huge = (
        200,
        vec![("content-type", "application/json".to_owned())],
        vec![b' '; 1 << 20],
    );
    fake.state().canned.insert(
        "https://auth.test/.well-known/oauth-authorization-server".into(),
        huge,
    );
    let oauth = oauth_client(&fake, MemoryStore::new());
    let error = oauth.authorize(DID).await.unwrap_err();
    assert!(
        matches!(&error, OAuthError::InvalidResponse { message, .. } if message.contains("65536")),
        "{error}"
    );
}

#[tokio::test]
async fn a_transport_failure_keeps_its_cause() {
    let _deadline = Deadline::start();
    #[derive(Clone)]
    struct Down;
    impl Transport for Down {
        fn send(&self, _: Request) -> SendFuture<'_> {
            let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
            Box::pin(async move { Err(lexicon_xrpc::TransportError::connect(refused)) })
        }
    }
    let metadata =
        ClientMetadata::loopback("http://127.0.0.1:8321/callback", Scopes::new()).unwrap();
    let oauth = builder(metadata, Down).build();
    let error = oauth.authorize(DID).await.unwrap_err();
    assert!(matches!(&error, OAuthError::Transport { .. }), "{error}");
    let transport = std::error::Error::source(&error).expect("the transport's error");
    let io = transport.source().expect("the I/O error");
    assert_eq!(
        io.downcast_ref::<std::io::Error>().map(|e| e.kind()),
        Some(std::io::ErrorKind::ConnectionRefused)
    );
    assert!(error.to_string().contains("refused"), "{error}");
}

#[tokio::test]
async fn a_loopback_sign_in_waits_for_the_browser_only_so_long() {
    let _deadline = Deadline::start();
    let fake = Fake::new();
    let redirect = lexicon_oauth::LoopbackRedirect::bind("/callback")
        .await
        .unwrap();
    let metadata =
        ClientMetadata::loopback(redirect.redirect_uri(), Scopes::new().transition_generic())
            .unwrap();
    let oauth = builder(metadata, fake.clone()).build();
    let mut opened = None;
    let wait = std::time::Duration::from_millis(200);
    let error = redirect
        .sign_in(&oauth, DID, |url| opened = Some(url.clone()), wait)
        .await
        .unwrap_err();
    assert!(
        matches!(error, OAuthError::NoCallback(w) if w == wait),
        "{error}"
    );
    let opened = opened.expect("the URL was handed out");
    assert!(
        opened
            .as_str()
            .starts_with("https://auth.test/oauth/authorize?"),
        "{opened}"
    );

    // A listener that is not the client's redirect URI is refused before anything is sent.
    let other = lexicon_oauth::LoopbackRedirect::bind("/callback")
        .await
        .unwrap();
    let asked = fake.state().asked.len();
    let error = other
        .sign_in(&oauth, DID, |_| panic!("nothing to open"), wait)
        .await
        .unwrap_err();
    assert!(matches!(error, OAuthError::Config(_)), "{error}");
    assert_eq!(fake.state().asked.len(), asked);
}

#[tokio::test]
async fn a_refused_callback_revokes_the_tokens_it_was_given() {
    let _deadline = Deadline::start();
    let fake = Fake::new();
    fake.state().sub = Some("did:plc:someoneelse234567abcdefgh".into());
    let store = Shared(Arc::new(MemoryStore::new()));
    let oauth = oauth_client(&fake, store.clone());
    oauth.authorize(DID).await.unwrap();
    let query = format!(
        "state={}&iss=https%3A%2F%2Fauth.test&code=code-1",
        fake.last_state()
    );
    let error = oauth.callback(&query).await.unwrap_err();
    assert!(
        matches!(error, OAuthError::SubjectMismatch { .. }),
        "{error}"
    );
    // The refresh token first, then the access token; nothing stored.
    assert_eq!(fake.state().revoked, ["rt-1", "at-1"]);
    assert!(store.get(DID).await.unwrap().is_none());
}

#[tokio::test]
async fn a_request_sent_again_for_a_nonce_carries_a_new_client_assertion() {
    let _deadline = Deadline::start();
    let fake = Fake::new();
    let metadata = ClientMetadata::confidential(
        "https://app.test/client-metadata.json",
        "https://app.test/callback",
        Scopes::new().transition_generic(),
        lexicon_oauth::Es256Key::generate(),
    );
    let oauth = builder(metadata, fake.clone()).build();
    oauth.authorize(DID).await.unwrap();
    // The first PAR had no nonce and was refused; the second carried a new assertion.
    let assertions = fake.state().assertions.clone();
    assert_eq!(assertions.len(), 2, "{assertions:?}");
    assert_ne!(assertions[0], assertions[1]);
    assert_ne!(claims(&assertions[0])["jti"], claims(&assertions[1])["jti"]);
}

#[tokio::test]
async fn endpoints_on_private_addresses_are_refused_before_anything_is_sent() {
    let _deadline = Deadline::start();
    let fake = Fake::new();
    let mut metadata = server_metadata();
    metadata["pushed_authorization_request_endpoint"] = json!("https://10.0.0.1/oauth/par");
    fake.state().canned.insert(
        "https://auth.test/.well-known/oauth-authorization-server".into(),
        json_answer(200, metadata),
    );
    let oauth = oauth_client(&fake, MemoryStore::new());
    let error = oauth.authorize(DID).await.unwrap_err();
    assert!(matches!(error, OAuthError::Metadata { .. }), "{error}");
    assert!(error.to_string().contains("private"), "{error}");
    let asked = fake.state().asked.clone();
    assert!(
        !asked.iter().any(|url| url.contains("10.0.0.1")),
        "{asked:?}"
    );
}

#[tokio::test]
async fn at_most_a_thousand_sign_ins_wait_for_their_callback() {
    let _deadline = Deadline::start();
    let fake = Fake::new();
    let oauth = oauth_client(&fake, MemoryStore::new());
    oauth.authorize(DID).await.unwrap();
    let oldest = fake.last_state();
    // A thousand more (strangers starting sign-ins, say): the oldest is dropped.
    for _ in 0..20 {
        let batch = (0..50).map(|_| oauth.authorize(DID));
        for started in futures_util::future::join_all(batch).await {
            started.unwrap();
        }
    }
    let query = |state: &str| format!("state={state}&iss=https%3A%2F%2Fauth.test&code=code-1");
    let error = oauth.callback(&query(&oldest)).await.unwrap_err();
    assert!(matches!(error, OAuthError::UnknownState), "{error}");
    oauth.callback(&query(&fake.last_state())).await.unwrap();
}
