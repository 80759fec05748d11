//! The OAuth client: starting a sign-in (discovery, PAR with PKCE and `state`), and finishing
//! it at the callback (`state`, `iss`, the code exchanged with DPoP, `sub` checked).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lexicon_identity::{CachingResolver, DidResolver, HttpResolver};
use lexicon_xrpc::lexicon_runtime::Did;
use lexicon_xrpc::Transport;
use serde_json::Value;
use subtle::ConstantTimeEq as _;
use url::Url;

use crate::crypto::{random_token, Es256Key, Pkce};
use crate::discovery::{Discovery, ServerMetadata};
use crate::dpop::Nonces;
use crate::error::OAuthError;
use crate::http::Http;
use crate::metadata::ClientMetadata;
use crate::session::{revoke, Live, OAuthSession, TokenSet};
use crate::store::{MemoryStore, SessionStore};
use lexicon_identity::AddressPolicy;
use lexicon_identity::{
    AtprotoHandleResolver, DnsHandleResolver, HandleResolver, WellKnownHandleResolver,
    XrpcHandleResolver,
};

/// How long a started sign-in can wait for its callback.
const PENDING_FOR: Duration = Duration::from_secs(600);

/// How many started sign-ins are kept at most; past it the oldest is dropped, so that
/// strangers starting sign-ins cannot fill the memory.
const MAX_PENDING: usize = 1000;

/// A sign-in started and not yet finished: what the callback is checked against.
struct Pending {
    state: String,
    issuer: String,
    server: ServerMetadata,
    did: Option<Did>,
    verifier: String,
    dpop: Es256Key,
    started: Instant,
    /// The secret the browser that started the sign-in keeps, when it was started bound.
    binding: Option<String>,
}

/// A sign-in started by [`OAuthClient::authorize_bound`]: the URL to send the user to, and
/// the binding to keep in the browser that started it (a cookie of the app's own session)
/// and give back to [`OAuthClient::callback_bound`]. Its `Debug` shows no binding.
pub struct Authorization {
    /// Where to send the user.
    pub url: Url,
    binding: String,
}

impl Authorization {
    /// The secret that ties the callback to the browser that started the sign-in.
    pub fn binding(&self) -> &str {
        &self.binding
    }
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// An atproto OAuth client: [`authorize`](Self::authorize) starts a sign-in and gives the URL
/// to send the user to; [`callback`](Self::callback) finishes it with the query the browser
/// comes back with and gives an [`OAuthSession`], whose calls go through the typed client
/// (`Client::builder(pds).credentials(session)`); [`restore`](Self::restore) gets a stored one.
pub struct OAuthClient {
    metadata: ClientMetadata,
    discovery: Discovery,
    store: Arc<dyn SessionStore>,
    nonces: Arc<Nonces>,
    live: Live,
    pending: Mutex<Vec<Pending>>,
}

/// Builds an [`OAuthClient`].
pub struct OAuthClientBuilder {
    metadata: ClientMetadata,
    dids: Option<Arc<dyn DidResolver>>,
    handles: Option<Arc<dyn HandleResolver>>,
    store: Option<Arc<dyn SessionStore>>,
    policy: AddressPolicy,
    transport: Option<Arc<dyn Transport>>,
}

impl OAuthClientBuilder {
    /// Resolves DIDs with `resolver` (default: did:plc at `https://plc.directory`, did:web,
    /// cached).
    pub fn did_resolver(mut self, resolver: impl DidResolver + 'static) -> Self {
        self.dids = Some(Arc::new(resolver));
        self
    }

    /// Resolves handles with `resolver` (default: the atproto spec's procedure, the handle's
    /// `_atproto` TXT record and then its `/.well-known/atproto-did`, reaching only the
    /// addresses this client may; `com.atproto.identity.resolveHandle` at `https://api.bsky.app`
    /// if the system's DNS configuration cannot be read).
    pub fn handle_resolver(mut self, resolver: impl HandleResolver + 'static) -> Self {
        self.handles = Some(Arc::new(resolver));
        self
    }

    /// Keeps sessions in `store` (default: in memory).
    pub fn store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Allows loopback servers, and plain `http://` to them: for a development PDS on this
    /// machine. Without it, a name or address on loopback is refused, and so is `http://`.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.policy = self.policy.allow_loopback(allow);
        self
    }

    /// Allows servers on private and link-local addresses (a PDS on a private network); by
    /// default a DID document, a PDS or a server's metadata naming one is refused, so that a
    /// stranger's account cannot make this client reach into its network.
    pub fn allow_private_addresses(mut self, allow: bool) -> Self {
        self.policy = self.policy.allow_private(allow);
        self
    }

    /// Sends the flow's requests (discovery, PAR, tokens, revocation) through `transport`: a
    /// `lexicon_xrpc::ReqwestTransport` over a client of your own (for its timeouts or proxy),
    /// middleware, or a test double. It is used as it is: the default follows no redirect and
    /// resolves names under the address rules above (`AddressPolicy::client_builder` gives
    /// a reqwest builder that does the same), 30 s per request and 10 s to connect.
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// The client.
    pub fn build(self) -> OAuthClient {
        let policy = self.policy;
        let http = Http {
            transport: self
                .transport
                .unwrap_or_else(|| crate::http::guarded_transport(policy)),
            policy,
        };
        OAuthClient {
            metadata: self.metadata,
            discovery: Discovery {
                http,
                dids: self
                    .dids
                    .unwrap_or_else(|| Arc::new(CachingResolver::new(HttpResolver::new()))),
                handles: self.handles.unwrap_or_else(|| default_handles(policy)),
            },
            store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
            nonces: Arc::new(Nonces::default()),
            live: Live::default(),
            pending: Mutex::new(Vec::new()),
        }
    }
}

impl OAuthClient {
    /// A builder for a client registered as `metadata`.
    pub fn builder(metadata: ClientMetadata) -> OAuthClientBuilder {
        OAuthClientBuilder {
            metadata,
            dids: None,
            handles: None,
            store: None,
            policy: AddressPolicy::public_only(),
            transport: None,
        }
    }

    /// The client's registration.
    pub fn metadata(&self) -> &ClientMetadata {
        &self.metadata
    }

    /// Starts a sign-in for `input` (a handle, a DID, or the URL of a PDS or authorization
    /// server): discovers its authorization server, pushes the authorization request (PKCE
    /// S256, a fresh `state`, a DPoP key for the session-to-be), and returns the URL to send
    /// the user to.
    pub async fn authorize(&self, input: &str) -> Result<Url, OAuthError> {
        self.start(input, None).await
    }

    /// Starts a sign-in as [`authorize`](Self::authorize) does, bound to the browser that
    /// starts it: a web app keeps [`Authorization::binding`] in that browser (its own session
    /// cookie) and gives it back to [`callback_bound`](Self::callback_bound), so that a
    /// callback URL carried to another browser (a login CSRF, a code injected into someone
    /// else's session) is refused.
    pub async fn authorize_bound(&self, input: &str) -> Result<Authorization, OAuthError> {
        let binding = random_token(32);
        let url = self.start(input, Some(binding.clone())).await?;
        Ok(Authorization { url, binding })
    }

    async fn start(&self, input: &str, binding: Option<String>) -> Result<Url, OAuthError> {
        let found = self.discovery.discover(input).await?;
        let server = found.server;
        let pkce = Pkce::generate();
        let state = random_token(24);
        let dpop = Es256Key::generate();
        let par = self
            .discovery
            .http
            .check(&server.pushed_authorization_request_endpoint)?;
        let login_hint = found
            .did
            .is_some()
            .then(|| input.trim().trim_start_matches('@').to_owned());
        let form = || {
            let mut form = self.metadata.authentication(&server.issuer);
            form.extend([
                ("response_type", "code".to_owned()),
                ("code_challenge", pkce.challenge.clone()),
                ("code_challenge_method", "S256".to_owned()),
                ("state", state.clone()),
                ("redirect_uri", self.metadata.redirect_uri.clone()),
                ("scope", self.metadata.scopes.as_string()),
            ]);
            form.extend(login_hint.clone().map(|hint| ("login_hint", hint)));
            form
        };
        let answer = self
            .discovery
            .http
            .post_form(&par, &form, &dpop, &self.nonces)
            .await?;
        let request_uri =
            answer["request_uri"]
                .as_str()
                .ok_or_else(|| OAuthError::InvalidResponse {
                    url: par.to_string(),
                    message: "no request_uri".into(),
                })?;
        let mut url = self.discovery.http.check(&server.authorization_endpoint)?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.metadata.client_id())
            .append_pair("request_uri", request_uri);
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|p| p.started.elapsed() < PENDING_FOR);
        if pending.len() >= MAX_PENDING {
            pending.remove(0);
        }
        pending.push(Pending {
            state,
            issuer: server.issuer.clone(),
            server,
            did: found.did,
            verifier: pkce.verifier,
            dpop,
            started: Instant::now(),
            binding,
        });
        Ok(url)
    }

    /// Finishes a sign-in with the query of the callback (`state`, `iss`, `code`, or `error`):
    /// the state must be one this client issued and not used (compared in constant time), `iss`
    /// the server's issuer, the code is exchanged with the session's DPoP key, and the token's
    /// `sub` must be the account that was resolved, whose PDS names this server. The session is
    /// stored and returned; on any refusal nothing is stored.
    pub async fn callback(&self, query: &str) -> Result<OAuthSession, OAuthError> {
        self.finish(query, None).await
    }

    /// Finishes a sign-in started by [`authorize_bound`](Self::authorize_bound), in the
    /// browser that started it: `binding` is what that browser kept; another is refused
    /// ([`OAuthError::WrongBrowser`]), and the sign-in stays pending for the right one.
    pub async fn callback_bound(
        &self,
        query: &str,
        binding: &str,
    ) -> Result<OAuthSession, OAuthError> {
        self.finish(query, Some(binding)).await
    }

    async fn finish(&self, query: &str, binding: Option<&str>) -> Result<OAuthSession, OAuthError> {
        let params: HashMap<String, String> =
            url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
                .into_owned()
                .collect();
        let state = params.get("state").ok_or(OAuthError::UnknownState)?;
        let pending = self.take_pending(state, binding)?;
        if let Some(error) = params.get("error") {
            return Err(OAuthError::Denied {
                error: error.clone(),
                description: params.get("error_description").cloned(),
            });
        }
        let iss = params.get("iss");
        if iss.map(String::as_str) != Some(pending.issuer.as_str()) {
            return Err(OAuthError::IssuerMismatch {
                expected: pending.issuer,
                got: iss.cloned(),
            });
        }
        let code = params
            .get("code")
            .ok_or_else(|| OAuthError::InvalidResponse {
                url: self.metadata.redirect_uri.clone(),
                message: "the callback has neither code nor error".into(),
            })?;
        let token_url = self.discovery.http.check(&pending.server.token_endpoint)?;
        let form = || {
            let mut form = self.metadata.authentication(&pending.issuer);
            form.extend([
                ("grant_type", "authorization_code".to_owned()),
                ("code", code.clone()),
                ("code_verifier", pending.verifier.clone()),
                ("redirect_uri", self.metadata.redirect_uri.clone()),
            ]);
            form
        };
        let answer = self
            .discovery
            .http
            .post_form(&token_url, &form, &pending.dpop, &self.nonces)
            .await?;
        let tokens = TokenSet::from_response(token_url.as_str(), &answer)?;
        let parts = self.session_parts();
        let given = |did: Did, pds: String| {
            OAuthSession::new(
                parts.clone(),
                did,
                pds,
                &pending.server,
                pending.dpop.clone(),
                tokens.clone(),
            )
        };
        let (did, pds) = match self.check_subject(&pending, &tokens.sub).await {
            Ok(found) => found,
            Err(refused) => {
                // What was given for an account we cannot accept is handed back.
                if let Ok(did) = Did::new(&tokens.sub) {
                    revoke(&parts, &given(did, String::new()).stored()).await;
                }
                return Err(refused);
            }
        };
        let session = given(did, pds);
        let older = self.store.get(session.did().as_str()).await.ok().flatten();
        if let Err(e) = self.store.set(session.stored()).await {
            revoke(&parts, &session.stored()).await;
            return Err(e);
        }
        // The account's live session, if any, goes on with the new tokens (when it signed in
        // at the same place); the tokens it held, and the stored ones, are revoked.
        let mut replaced = Vec::from_iter(older);
        let session = match OAuthSession::live(&parts, session.did().as_str()) {
            Some(live) if live.same_place(&session) => {
                replaced.push(live.take_auth_of(&session));
                live
            }
            Some(live) => {
                replaced.push(live.stored());
                session.make_live(false)
            }
            None => session.make_live(false),
        };
        let current = session.stored();
        replaced.retain(|old| old.refresh_token != current.refresh_token);
        replaced.dedup_by(|a, b| a.refresh_token == b.refresh_token);
        for old in replaced {
            revoke(&parts, &old).await;
        }
        Ok(session)
    }

    /// The session of `did`, ready for calls (refreshed when its token expires): the live one
    /// when this client has one (so every holder shares its tokens and refreshes once), or
    /// the stored one.
    pub async fn restore(&self, did: &str) -> Result<OAuthSession, OAuthError> {
        let parts = self.session_parts();
        if let Some(live) = OAuthSession::live(&parts, did) {
            return Ok(live);
        }
        let stored = self
            .store
            .get(did)
            .await?
            .ok_or_else(|| OAuthError::NoSession(did.to_owned()))?;
        Ok(OAuthSession::restore(parts, stored)?.make_live(true))
    }

    /// Removes the pending sign-in whose state is `state`, comparing in constant time; an
    /// unknown, expired or already used state is refused. A sign-in started bound is taken
    /// only with its binding (and one started unbound only without one); with another it is
    /// refused and stays pending.
    fn take_pending(&self, state: &str, binding: Option<&str>) -> Result<Pending, OAuthError> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|p| p.started.elapsed() < PENDING_FOR);
        let mut found = None;
        for (i, p) in pending.iter().enumerate() {
            if bool::from(p.state.as_bytes().ct_eq(state.as_bytes())) {
                found = Some(i);
            }
        }
        let i = found.ok_or(OAuthError::UnknownState)?;
        let bound_here = match (&pending[i].binding, binding) {
            (Some(kept), Some(given)) => bool::from(kept.as_bytes().ct_eq(given.as_bytes())),
            (None, None) => true,
            _ => false,
        };
        if !bound_here {
            return Err(OAuthError::WrongBrowser);
        }
        Ok(pending.swap_remove(i))
    }

    /// The token's subject, checked: the DID the sign-in resolved, when it started from an
    /// account; and in every case an account whose PDS names this authorization server.
    async fn check_subject(
        &self,
        pending: &Pending,
        sub: &str,
    ) -> Result<(Did, String), OAuthError> {
        let did = Did::new(sub).map_err(|e| OAuthError::InvalidResponse {
            url: pending.server.token_endpoint.clone(),
            message: format!("sub {sub:?} is not a DID: {e}"),
        })?;
        if let Some(expected) = &pending.did {
            if expected != &did {
                return Err(OAuthError::SubjectMismatch {
                    expected: expected.to_string(),
                    got: did.to_string(),
                });
            }
        }
        // The account's current document, not a cached one: it decides where the tokens go.
        let pds = self.discovery.pds_of(&did, did.as_str(), true).await?;
        let server = self.discovery.server_of_pds(&pds).await?;
        if server.issuer != pending.issuer {
            return Err(OAuthError::WrongAuthorizationServer {
                did: did.to_string(),
                expected: server.issuer,
                got: pending.issuer.clone(),
            });
        }
        Ok((did, pds))
    }

    fn session_parts(&self) -> crate::session::Shared {
        crate::session::Shared {
            discovery: self.discovery.clone(),
            metadata: self.metadata.clone(),
            store: Arc::clone(&self.store),
            nonces: Arc::clone(&self.nonces),
            live: Arc::clone(&self.live),
        }
    }
}

/// The handle resolver of a client that was given none: the spec's, under the client's
/// address policy.
fn default_handles(policy: AddressPolicy) -> Arc<dyn HandleResolver> {
    match DnsHandleResolver::system() {
        Ok(dns) => Arc::new(AtprotoHandleResolver::new(
            dns,
            WellKnownHandleResolver::new().policy(policy),
        )),
        Err(_) => Arc::new(XrpcHandleResolver::new("https://api.bsky.app")),
    }
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.metadata.client_id())
            .finish_non_exhaustive()
    }
}

/// The value of `key` in a JSON object, as a string.
pub(crate) fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scopes;

    #[test]
    fn a_client_builds_outside_an_async_runtime_with_the_default_resolvers() {
        let metadata =
            ClientMetadata::loopback("http://127.0.0.1:8321/callback", Scopes::new()).unwrap();
        let client = OAuthClient::builder(metadata).build();
        assert!(format!("{client:?}").contains("client_id"));
    }
}
