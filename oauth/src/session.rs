//! A signed-in session: DPoP-bound tokens that authorize the typed client's calls, refreshed
//! before they expire or when the PDS says `invalid_token` (concurrent refreshes become one
//! request), revoked on sign-out.

use std::sync::{Arc, RwLock};

use lexicon_xrpc::lexicon_runtime::Did;
use lexicon_xrpc::{Credentials, CredentialsError, CredentialsFuture, Observed, Request};
use serde_json::Value;
use url::Url;

use crate::client::text;
use crate::crypto::{now, Es256Key};
use crate::discovery::ServerMetadata;
use crate::dpop::{proof, wants_nonce, Nonces};
use crate::error::OAuthError;
use crate::http::Http;
use crate::metadata::ClientMetadata;
use crate::scope::Scopes;
use crate::store::{SessionStore, StoredSession};

/// Refresh this long before the access token expires.
const EARLY: u64 = 30;

/// What sessions share with the client that made them.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) http: Http,
    pub(crate) metadata: ClientMetadata,
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) nonces: Arc<Nonces>,
}

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

struct Inner {
    shared: Shared,
    did: Did,
    pds: String,
    issuer: String,
    token_endpoint: String,
    revocation_endpoint: Option<String>,
    dpop: Es256Key,
    tokens: RwLock<TokenSet>,
    /// Held while refreshing, so that concurrent refreshes become one request.
    refreshing: tokio::sync::Mutex<()>,
}

/// A signed-in account: its DID, its PDS, and DPoP-bound tokens. Cloning is cheap; clones
/// share the tokens. It is [`Credentials`] for the typed client:
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
                dpop,
                tokens: RwLock::new(tokens),
                refreshing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    pub(crate) fn restore(shared: Shared, stored: StoredSession) -> Result<Self, OAuthError> {
        let bad = |message: String| {
            OAuthError::Store(format!("the session of {}: {message}", stored.did))
        };
        let did = Did::new(stored.did.as_str()).map_err(|e| bad(e.to_string()))?;
        let dpop = Es256Key::from_jwk(&stored.dpop_key).map_err(|e| bad(e.to_string()))?;
        let server = ServerMetadata {
            issuer: stored.issuer.clone(),
            authorization_endpoint: String::new(),
            token_endpoint: stored.token_endpoint.clone(),
            pushed_authorization_request_endpoint: String::new(),
            revocation_endpoint: stored.revocation_endpoint.clone(),
            scopes_supported: Vec::new(),
            dpop_signing_alg_values_supported: Vec::new(),
            authorization_response_iss_parameter_supported: true,
        };
        let tokens = TokenSet {
            access_token: stored.access_token,
            refresh_token: stored.refresh_token,
            expires_at: stored.expires_at,
            scope: stored.scope,
            sub: stored.did,
        };
        Ok(Self::new(shared, did, stored.pds, &server, dpop, tokens))
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
        Scopes::parse(&self.tokens().scope)
    }

    /// When the access token expires, in seconds since the Unix epoch, if the server said.
    pub fn expires_at(&self) -> Option<u64> {
        self.tokens().expires_at
    }

    fn tokens(&self) -> TokenSet {
        self.inner
            .tokens
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The session as its store keeps it.
    pub(crate) fn stored(&self) -> StoredSession {
        let tokens = self.tokens();
        StoredSession {
            did: self.inner.did.to_string(),
            pds: self.inner.pds.clone(),
            issuer: self.inner.issuer.clone(),
            token_endpoint: self.inner.token_endpoint.clone(),
            revocation_endpoint: self.inner.revocation_endpoint.clone(),
            scope: tokens.scope,
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_at: tokens.expires_at,
            dpop_key: self.inner.dpop.to_private_jwk(),
        }
    }

    /// Gets new tokens with the refresh token (single-use: a refresh that another call already
    /// made is not made again), stores them and returns. A refusal (`invalid_grant` for a used
    /// or expired refresh token) leaves the stored session as it was.
    pub async fn refresh(&self) -> Result<(), OAuthError> {
        let stale = self.tokens().access_token;
        self.refresh_from(&stale).await
    }

    async fn refresh_from(&self, stale: &str) -> Result<(), OAuthError> {
        let _guard = self.inner.refreshing.lock().await;
        let current = self.tokens();
        if current.access_token != stale {
            return Ok(());
        }
        let refresh_token = current.refresh_token.ok_or_else(|| {
            OAuthError::NoSession(format!("{} (no refresh token)", self.inner.did))
        })?;
        let shared = &self.inner.shared;
        let url = shared.http.check(&self.inner.token_endpoint)?;
        let mut form = shared.metadata.authentication(&self.inner.issuer);
        form.extend([
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token),
        ]);
        let answer = shared
            .http
            .post_form(&url, &form, &self.inner.dpop, &shared.nonces)
            .await?;
        let tokens = TokenSet::from_response(url.as_str(), &answer)?;
        if tokens.sub != self.inner.did.as_str() {
            return Err(OAuthError::SubjectMismatch {
                expected: self.inner.did.to_string(),
                got: tokens.sub,
            });
        }
        let previous = std::mem::replace(
            &mut *self.inner.tokens.write().unwrap_or_else(|e| e.into_inner()),
            tokens,
        );
        if let Err(e) = shared.store.set(self.stored()).await {
            *self.inner.tokens.write().unwrap_or_else(|e| e.into_inner()) = previous;
            return Err(e);
        }
        Ok(())
    }

    /// Signs out: revokes the tokens at the authorization server (when it has a revocation
    /// endpoint) and forgets the stored session.
    pub async fn sign_out(&self) -> Result<(), OAuthError> {
        let shared = &self.inner.shared;
        if let Some(endpoint) = &self.inner.revocation_endpoint {
            let url = shared.http.check(endpoint)?;
            let tokens = self.tokens();
            let mut revoke = vec![tokens.access_token];
            revoke.extend(tokens.refresh_token);
            for token in revoke {
                let mut form = shared.metadata.authentication(&self.inner.issuer);
                form.push(("token", token));
                shared
                    .http
                    .post_form(&url, &form, &self.inner.dpop, &shared.nonces)
                    .await?;
            }
        }
        shared.store.delete(self.inner.did.as_str()).await
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
            let tokens = self.tokens();
            if tokens.expires_at.is_some_and(|at| at <= now() + EARLY) {
                self.refresh_from(&tokens.access_token)
                    .await
                    .map_err(CredentialsError::new)?;
            }
            let token = self.tokens().access_token;
            let url = Url::parse(&request.url).map_err(CredentialsError::new)?;
            let nonce = self.inner.shared.nonces.get(&url);
            let dpop = proof(
                &self.inner.dpop,
                request.method,
                &url,
                nonce.as_deref(),
                Some(&token),
            );
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
            let fresh = self
                .inner
                .shared
                .nonces
                .keep(&url, response.header("dpop-nonce"));
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
                .headers
                .iter()
                .find(|(n, _)| *n == "authorization")
                .and_then(|(_, v)| v.strip_prefix("DPoP "))
                .unwrap_or_default()
                .to_owned();
            self.refresh_from(&sent)
                .await
                .map_err(CredentialsError::new)?;
            Ok(true)
        })
    }
}
