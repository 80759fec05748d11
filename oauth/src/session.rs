//! A signed-in session: DPoP-bound tokens that authorize the typed client's calls, refreshed
//! before they expire or when the PDS says `invalid_token`, revoked on sign-out. A refresh
//! token is spent once: one live session per account in a client, a refresh under the store's
//! lock after reading the store again (another holder may have refreshed), and new tokens kept
//! in memory when the store cannot be written.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

use lexicon_xrpc::lexicon_runtime::Did;
use lexicon_xrpc::{Credentials, CredentialsError, CredentialsFuture, Observed, Request};
use serde_json::Value;
use url::Url;

use crate::client::text;
use crate::crypto::{now, Es256Key};
use crate::discovery::Discovery;
use crate::discovery::ServerMetadata;
use crate::dpop::{nonce_of, proof, wants_nonce, Nonces};
use crate::error::OAuthError;
use crate::metadata::ClientMetadata;
use crate::scope::Scopes;
use crate::store::{SessionStore, StoredSession};

/// Refresh this long before the access token expires.
const EARLY: u64 = 30;

/// What sessions share with the client that made them.
#[derive(Clone)]
pub(crate) struct Shared {
    /// Resolves the account and reads servers' metadata; its HTTP client is the flow's.
    pub(crate) discovery: Discovery,
    pub(crate) metadata: ClientMetadata,
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) nonces: Arc<Nonces>,
    /// The live session of each account, so that every holder in the client shares one.
    pub(crate) live: Live,
}

/// The live sessions of a client, by DID.
pub(crate) type Live = Arc<Mutex<HashMap<String, Weak<Inner>>>>;

/// The tokens of a token response.
#[derive(Clone)]
pub(crate) struct TokenSet {
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    pub(crate) expires_at: Option<u64>,
    pub(crate) scope: String,
    pub(crate) sub: String,
}

impl TokenSet {
    /// The tokens of a token endpoint's answer, checked: DPoP-bound, with a `sub`, and the
    /// `atproto` scope granted.
    pub(crate) fn from_response(url: &str, answer: &Value) -> Result<Self, OAuthError> {
        let invalid = |message: &str| OAuthError::InvalidResponse {
            url: url.to_owned(),
            message: message.to_owned(),
        };
        if !text(answer, "token_type").is_some_and(|t| t.eq_ignore_ascii_case("DPoP")) {
            return Err(invalid("the token type is not DPoP"));
        }
        let scope = text(answer, "scope").unwrap_or_default().to_owned();
        if !Scopes::parse(&scope).contains("atproto") {
            return Err(invalid("the atproto scope was not granted"));
        }
        Ok(TokenSet {
            access_token: text(answer, "access_token")
                .ok_or_else(|| invalid("no access_token"))?
                .to_owned(),
            refresh_token: text(answer, "refresh_token").map(str::to_owned),
            expires_at: answer
                .get("expires_in")
                .and_then(Value::as_u64)
                .map(|s| now() + s),
            scope,
            sub: text(answer, "sub")
                .ok_or_else(|| invalid("no sub"))?
                .to_owned(),
        })
    }
}

/// The key and tokens of a session: replaced whole by a refresh, or by a new sign-in of the
/// same account.
#[derive(Clone)]
struct Auth {
    dpop: Es256Key,
    tokens: TokenSet,
}

pub(crate) struct Inner {
    shared: Shared,
    did: Did,
    pds: String,
    issuer: String,
    token_endpoint: String,
    revocation_endpoint: Option<String>,
    auth: RwLock<Auth>,
    /// Held while refreshing, so that concurrent refreshes become one request.
    refreshing: tokio::sync::Mutex<()>,
    /// The tokens in memory are newer than the store's (its write failed): written again
    /// before the next call.
    unsaved: AtomicBool,
}

/// A signed-in account: its DID, its PDS, and DPoP-bound tokens. Cloning is cheap; clones
/// share the tokens, and so do the sessions a client gives for the same account
/// ([`OAuthClient::restore`](crate::OAuthClient::restore) twice gives one session). It is
/// [`Credentials`] for the typed client:
/// `Client::builder(session.pds()).credentials(session.clone())`. `Debug` shows no secret.
#[derive(Clone)]
pub struct OAuthSession {
    inner: Arc<Inner>,
}

impl OAuthSession {
    pub(crate) fn new(
        shared: Shared,
        did: Did,
        pds: String,
        server: &ServerMetadata,
        dpop: Es256Key,
        tokens: TokenSet,
    ) -> Self {
        OAuthSession {
            inner: Arc::new(Inner {
                shared,
                did,
                pds,
                issuer: server.issuer.clone(),
                token_endpoint: server.token_endpoint.clone(),
                revocation_endpoint: server.revocation_endpoint.clone(),
                auth: RwLock::new(Auth { dpop, tokens }),
                refreshing: tokio::sync::Mutex::new(()),
                unsaved: AtomicBool::new(false),
            }),
        }
    }

    pub(crate) fn restore(shared: Shared, stored: StoredSession) -> Result<Self, OAuthError> {
        let did = Did::new(stored.did.as_str()).map_err(|e| {
            OAuthError::store_failed(format_args!("the session of {}", stored.did), e)
        })?;
        let auth = Auth::of(&stored)?;
        let server = ServerMetadata {
            issuer: stored.issuer.clone(),
            authorization_endpoint: String::new(),
            token_endpoint: stored.token_endpoint.clone(),
            pushed_authorization_request_endpoint: String::new(),
            revocation_endpoint: stored.revocation_endpoint.clone(),
            scopes_supported: Vec::new(),
            dpop_signing_alg_values_supported: Vec::new(),
            authorization_response_iss_parameter_supported: true,
            require_pushed_authorization_requests: true,
            code_challenge_methods_supported: Vec::new(),
            client_id_metadata_document_supported: true,
        };
        Ok(Self::new(
            shared,
            did,
            stored.pds,
            &server,
            auth.dpop,
            auth.tokens,
        ))
    }

    /// The live session of `did` in the client whose parts `shared` are, if any.
    pub(crate) fn live(shared: &Shared, did: &str) -> Option<OAuthSession> {
        let live = shared.live.lock().unwrap_or_else(|e| e.into_inner());
        let inner = live.get(did)?.upgrade()?;
        Some(OAuthSession { inner })
    }

    /// Makes this the live session of its account (replacing any other), or, with
    /// `keep_existing`, returns the live one when there is one.
    pub(crate) fn make_live(self, keep_existing: bool) -> OAuthSession {
        let mut live = self
            .inner
            .shared
            .live
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        live.retain(|_, session| session.strong_count() > 0);
        let did = self.inner.did.to_string();
        if keep_existing {
            if let Some(inner) = live.get(&did).and_then(Weak::upgrade) {
                return OAuthSession { inner };
            }
        }
        live.insert(did, Arc::downgrade(&self.inner));
        drop(live);
        self
    }

    /// Whether `self` and `other` are one session (clones, or one account's session given
    /// twice by a client).
    pub fn same_as(&self, other: &OAuthSession) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The account.
    pub fn did(&self) -> &Did {
        &self.inner.did
    }

    /// The account's PDS, where its calls go.
    pub fn pds(&self) -> &str {
        &self.inner.pds
    }

    /// The authorization server that issued the tokens.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The scopes granted.
    pub fn scopes(&self) -> Scopes {
        Scopes::parse(&self.auth().tokens.scope)
    }

    /// When the access token expires, in seconds since the Unix epoch, if the server said.
    pub fn expires_at(&self) -> Option<u64> {
        self.auth().tokens.expires_at
    }

    fn auth(&self) -> Auth {
        self.inner
            .auth
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_auth(&self, auth: Auth) -> Auth {
        std::mem::replace(
            &mut *self.inner.auth.write().unwrap_or_else(|e| e.into_inner()),
            auth,
        )
    }

    /// Whether `other` signed in at the same PDS and authorization server.
    pub(crate) fn same_place(&self, other: &OAuthSession) -> bool {
        self.inner.pds == other.inner.pds
            && self.inner.issuer == other.inner.issuer
            && self.inner.token_endpoint == other.inner.token_endpoint
            && self.inner.revocation_endpoint == other.inner.revocation_endpoint
    }

    /// Takes `other`'s key and tokens (a new sign-in of the account at the same place); the
    /// old session is returned, for revoking.
    pub(crate) fn take_auth_of(&self, other: &OAuthSession) -> StoredSession {
        let old = self.stored();
        self.set_auth(other.auth());
        self.inner.unsaved.store(false, Ordering::Relaxed);
        old
    }

    /// The session as its store keeps it.
    pub(crate) fn stored(&self) -> StoredSession {
        let auth = self.auth();
        StoredSession {
            did: self.inner.did.to_string(),
            pds: self.inner.pds.clone(),
            issuer: self.inner.issuer.clone(),
            token_endpoint: self.inner.token_endpoint.clone(),
            revocation_endpoint: self.inner.revocation_endpoint.clone(),
            scope: auth.tokens.scope,
            access_token: auth.tokens.access_token,
            refresh_token: auth.tokens.refresh_token,
            expires_at: auth.tokens.expires_at,
            dpop_key: auth.dpop.to_private_jwk(),
        }
    }

    /// Gets new tokens with the refresh token and stores them. Refresh tokens are single-use,
    /// so it is spent once: concurrent refreshes of the session are one; under the store's
    /// lock the store is read first, and tokens another holder (another client or process
    /// sharing the store) already got are taken instead; a refusal (`invalid_grant`) reads
    /// the store again before it is returned. When the store cannot be written, the new
    /// tokens are kept and used, the error is returned, and the write is tried again before
    /// each later call until it succeeds.
    pub async fn refresh(&self) -> Result<(), OAuthError> {
        let stale = self.auth().tokens.access_token;
        self.refresh_from(&stale).await
    }

    async fn refresh_from(&self, stale: &str) -> Result<(), OAuthError> {
        let _guard = self.inner.refreshing.lock().await;
        if self.auth().tokens.access_token != stale {
            return Ok(());
        }
        let shared = &self.inner.shared;
        let did = self.inner.did.as_str();
        let _lock = shared.store.lock(did).await?;
        if self.take_stored(stale).await? {
            return Ok(());
        }
        self.still_where_it_signed_in().await?;
        let auth = self.auth();
        let refresh_token = auth.tokens.refresh_token.clone().ok_or_else(|| {
            OAuthError::NoSession(format!("{} (no refresh token)", self.inner.did))
        })?;
        let url = shared.discovery.http.check(&self.inner.token_endpoint)?;
        // The refresh token is sent once: with a nonce known to be fresh, so that the server
        // has no reason to refuse it before looking at the grant.
        shared
            .discovery
            .http
            .ensure_nonce(
                &url,
                "refresh_token",
                &shared.metadata.client_id(),
                &auth.dpop,
                &shared.nonces,
            )
            .await?;
        let form = || {
            let mut form = shared.metadata.authentication(&self.inner.issuer);
            form.extend([
                ("grant_type", "refresh_token".to_owned()),
                ("refresh_token", refresh_token.clone()),
            ]);
            form
        };
        let answer = match shared
            .discovery
            .http
            .post_form(&url, &form, &auth.dpop, &shared.nonces)
            .await
        {
            Ok(answer) => answer,
            Err(refused) if refused.server_error() == Some("invalid_grant") => {
                // Spent by a holder that refreshed without the lock (a store without one)?
                return match self.take_stored(stale).await {
                    Ok(true) => Ok(()),
                    _ => Err(refused),
                };
            }
            Err(e) => return Err(e),
        };
        let tokens = TokenSet::from_response(url.as_str(), &answer)?;
        if tokens.sub != did {
            return Err(OAuthError::SubjectMismatch {
                expected: did.to_owned(),
                got: tokens.sub,
            });
        }
        self.set_auth(Auth {
            dpop: auth.dpop,
            tokens,
        });
        self.save().await
    }

    /// Checks, before a refresh, that the account is still where it signed in: its current
    /// DID document (past any cache) names the session's PDS, and that PDS the session's
    /// authorization server. An account that moved is forgotten here (its tokens belong to a
    /// server it left) and the refresh token is not sent.
    async fn still_where_it_signed_in(&self) -> Result<(), OAuthError> {
        let discovery = &self.inner.shared.discovery;
        let did = &self.inner.did;
        let pds = discovery.pds_of(did, did.as_str(), true).await?;
        let moved = pds != self.inner.pds
            || discovery.server_of_pds(&pds).await?.issuer != self.inner.issuer;
        if !moved {
            return Ok(());
        }
        self.forget().await?;
        Err(OAuthError::AccountMoved {
            did: did.to_string(),
            pds,
            was: self.inner.pds.clone(),
        })
    }

    /// Forgets the session in the store and in the client.
    async fn forget(&self) -> Result<(), OAuthError> {
        let shared = &self.inner.shared;
        shared
            .live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(self.inner.did.as_str());
        shared.store.delete(self.inner.did.as_str()).await
    }

    /// Takes the stored session's tokens when another holder refreshed since `stale` was
    /// current (its access token is another and so is its refresh token); true if it did.
    async fn take_stored(&self, stale: &str) -> Result<bool, OAuthError> {
        if self.inner.unsaved.load(Ordering::Relaxed) {
            // The store holds what this session already spent.
            return Ok(false);
        }
        let Some(stored) = self.inner.shared.store.get(self.inner.did.as_str()).await? else {
            return Ok(false);
        };
        let current = self.auth().tokens;
        if stored.access_token == stale
            || stored.access_token == current.access_token
            || stored.refresh_token == current.refresh_token
        {
            return Ok(false);
        }
        self.set_auth(Auth::of(&stored)?);
        self.inner.unsaved.store(false, Ordering::Relaxed);
        Ok(true)
    }

    /// Writes the session to the store; after a failure the tokens stay in memory, marked to
    /// be written again before the next call.
    async fn save(&self) -> Result<(), OAuthError> {
        let written = self.inner.shared.store.set(self.stored()).await;
        self.inner
            .unsaved
            .store(written.is_err(), Ordering::Relaxed);
        written
    }

    /// Signs out: revokes the refresh token and then the access token at the authorization
    /// server (when it has a revocation endpoint; its refusals are ignored, since the session
    /// ends either way) and forgets the session in the store and the client.
    pub async fn sign_out(&self) -> Result<(), OAuthError> {
        revoke(&self.inner.shared, &self.stored()).await;
        self.forget().await
    }
}

impl Auth {
    fn of(stored: &StoredSession) -> Result<Auth, OAuthError> {
        let dpop = Es256Key::from_jwk(&stored.dpop_key).map_err(|e| {
            OAuthError::store_failed(format_args!("the session of {}", stored.did), e)
        })?;
        Ok(Auth {
            dpop,
            tokens: TokenSet {
                access_token: stored.access_token.clone(),
                refresh_token: stored.refresh_token.clone(),
                expires_at: stored.expires_at,
                scope: stored.scope.clone(),
                sub: stored.did.clone(),
            },
        })
    }
}

/// Revokes a session's refresh token, then its access token, at its revocation endpoint (if
/// it has one); failures are ignored: revoking is a courtesy to the server, and the session is
/// forgotten either way.
pub(crate) async fn revoke(shared: &Shared, session: &StoredSession) {
    let Some(endpoint) = &session.revocation_endpoint else {
        return;
    };
    let (Ok(url), Ok(dpop)) = (
        shared.discovery.http.check(endpoint),
        Es256Key::from_jwk(&session.dpop_key),
    ) else {
        return;
    };
    let tokens = session
        .refresh_token
        .iter()
        .chain(std::iter::once(&session.access_token));
    for token in tokens {
        let form = || {
            let mut form = shared.metadata.authentication(&session.issuer);
            form.push(("token", token.clone()));
            form
        };
        let _ = shared
            .discovery
            .http
            .post_form(&url, &form, &dpop, &shared.nonces)
            .await;
    }
}

impl std::fmt::Debug for OAuthSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthSession")
            .field("did", &self.inner.did)
            .field("pds", &self.inner.pds)
            .field("issuer", &self.inner.issuer)
            .field("scopes", &self.scopes())
            .finish_non_exhaustive()
    }
}

impl Credentials for OAuthSession {
    fn did(&self) -> Option<Did> {
        Some(self.inner.did.clone())
    }

    fn authorize<'a>(
        &'a self,
        request: &'a mut Request,
    ) -> CredentialsFuture<'a, Result<(), CredentialsError>> {
        Box::pin(async move {
            if self.inner.unsaved.load(Ordering::Relaxed) {
                // Still failing? The call goes on with the tokens in memory all the same.
                let _ = self.save().await;
            }
            let tokens = self.auth().tokens;
            if tokens.expires_at.is_some_and(|at| at <= now() + EARLY) {
                self.refreshed(&tokens.access_token).await?;
            }
            let url = Url::parse(&request.url).map_err(CredentialsError::new)?;
            let pds = Url::parse(&self.inner.pds).map_err(CredentialsError::new)?;
            if url.origin() != pds.origin() {
                return Err(CredentialsError::new(OAuthError::OtherOrigin {
                    pds: self.inner.pds.clone(),
                    url: request.url.clone(),
                }));
            }
            let Auth { dpop: key, tokens } = self.auth();
            let token = tokens.access_token;
            let nonce = self.inner.shared.nonces.get(&url);
            let dpop = proof(&key, request.method, &url, nonce.as_deref(), Some(&token));
            request
                .headers
                .push(("authorization", format!("DPoP {token}")));
            request.headers.push(("dpop", dpop));
            Ok(())
        })
    }

    fn observe<'a>(
        &'a self,
        request: &'a Request,
        response: Observed<'a>,
    ) -> CredentialsFuture<'a, Result<bool, CredentialsError>> {
        Box::pin(async move {
            let url = Url::parse(&request.url).map_err(CredentialsError::new)?;
            let sent = request.header_value("dpop").and_then(nonce_of);
            let fresh =
                self.inner
                    .shared
                    .nonces
                    .keep(&url, sent.as_deref(), response.header("dpop-nonce"));
            if response.status != 401 {
                return Ok(false);
            }
            let www = response.header("www-authenticate");
            if wants_nonce(www, response.error) {
                return Ok(fresh);
            }
            let expired = www.is_some_and(|h| h.contains("invalid_token"))
                || matches!(
                    response.error,
                    Some("invalid_token" | "InvalidToken" | "ExpiredToken")
                );
            if !expired {
                return Ok(false);
            }
            let sent = request
                .header_value("authorization")
                .and_then(|v| v.strip_prefix("DPoP "))
                .unwrap_or_default()
                .to_owned();
            self.refreshed(&sent).await?;
            Ok(true)
        })
    }
}

impl OAuthSession {
    /// Refreshes from `stale` for a call: the call goes on when the tokens changed, even if
    /// the store could not be written (the write is tried again before the next call).
    async fn refreshed(&self, stale: &str) -> Result<(), CredentialsError> {
        match self.refresh_from(stale).await {
            Ok(()) => Ok(()),
            Err(OAuthError::Store { .. }) if self.auth().tokens.access_token != stale => Ok(()),
            Err(e) => Err(CredentialsError::new(e)),
        }
    }
}
