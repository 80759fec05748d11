//! What signing in can fail with.

use lexicon_xrpc::{Cause, TransportError};

/// Why a step of the OAuth flow failed. Each refusal of the atproto profile has its own
/// variant, so a caller can tell a user what happened; none of them carries a secret.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// The handle or DID could not be resolved to an account and its PDS.
    #[error("resolving {input}: {message}")]
    Resolve {
        /// The handle, DID or URL given.
        input: String,
        /// What went wrong.
        message: String,
        /// The resolver's error (`lexicon_identity::HandleError`, `ResolveError`), if one
        /// said why.
        #[source]
        source: Option<Cause>,
    },
    /// A server's metadata is missing, unreadable or breaks the atproto OAuth profile.
    #[error("{url}: {message}")]
    Metadata {
        /// The metadata document's URL.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// No response from a server.
    #[error("{url}: {error}")]
    Transport {
        /// The URL requested.
        url: String,
        /// What went wrong.
        #[source]
        error: TransportError,
    },
    /// The authorization server answered with an OAuth error (`invalid_grant`, ...).
    #[error("{url}: {error} (HTTP {status}){}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Server {
        /// The endpoint.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The OAuth error code.
        error: String,
        /// The server's `error_description`, if any.
        description: Option<String>,
    },
    /// A server's answer is not what the protocol says it must be.
    #[error("{url}: invalid response: {message}")]
    InvalidResponse {
        /// The endpoint.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The callback's `state` is not one this client issued, or was already used.
    #[error("the callback's state is unknown or already used")]
    UnknownState,
    /// The callback came with another binding than the browser that started the sign-in kept
    /// (or without one); the sign-in stays pending for that browser.
    #[error("the callback did not come from the browser that started the sign-in")]
    WrongBrowser,
    /// The callback has no `iss`, or names another authorization server (RFC 9207).
    #[error("the callback's issuer {got:?} is not the authorization server's, {expected}")]
    IssuerMismatch {
        /// The issuer the authorization went to.
        expected: String,
        /// The callback's `iss`.
        got: Option<String>,
    },
    /// The callback reports an error instead of a code (the user refused, say).
    #[error("the authorization failed: {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Denied {
        /// The OAuth error code (`access_denied`).
        error: String,
        /// The server's description, if any.
        description: Option<String>,
    },
    /// The token's `sub` is not the account the sign-in started with.
    #[error("the token is for {got}, but the sign-in was for {expected}")]
    SubjectMismatch {
        /// The DID resolved from the handle or DID given.
        expected: String,
        /// The token's `sub`.
        got: String,
    },
    /// The account's PDS does not name this authorization server (so it may not speak for
    /// the account).
    #[error("{did}'s PDS is served by the authorization server {expected}, not {got}")]
    WrongAuthorizationServer {
        /// The account.
        did: String,
        /// The authorization server its PDS names.
        expected: String,
        /// The issuer that issued the token.
        got: String,
    },
    /// The session store failed; the stored sessions were left as they were.
    #[error("session store: {message}")]
    Store {
        /// What failed (the file, the step, and why).
        message: String,
        /// The error that made it fail (an `std::io::Error`, a store's own), if any.
        #[source]
        source: Option<Cause>,
    },
    /// There is no stored session for this account.
    #[error("no stored session for {0}")]
    NoSession(String),
    /// The account moved since it signed in: its DID document names another PDS, or its PDS
    /// another authorization server. The session was forgotten; sign in again.
    #[error("{did} moved to {pds} (it signed in at {was}): sign in again")]
    AccountMoved {
        /// The account.
        did: String,
        /// The PDS its DID document names now.
        pds: String,
        /// The PDS of the session.
        was: String,
    },
    /// A call was about to carry the session's tokens to a server other than its PDS; nothing
    /// was sent.
    #[error("the session's tokens go to its PDS {pds} only, not to {url}")]
    OtherOrigin {
        /// The session's PDS.
        pds: String,
        /// The request's URL.
        url: String,
    },
    /// The loopback listener for the browser's return failed (binding its port, accepting).
    #[error("the loopback redirect listener: {what}: {source}")]
    Listener {
        /// What failed.
        what: String,
        /// The I/O error.
        #[source]
        source: Cause,
    },
    /// The browser did not come back to the loopback listener in time.
    #[error("no sign-in came back within {} s", .0.as_secs())]
    NoCallback(std::time::Duration),
    /// The client's configuration cannot work (a redirect URI that is not loopback, ...).
    #[error("client configuration: {0}")]
    Config(String),
}

impl OAuthError {
    /// A store failure that `message` explains alone.
    pub fn store(message: impl Into<String>) -> Self {
        OAuthError::Store {
            message: message.into(),
            source: None,
        }
    }

    /// A store failure: `message` says what failed and `source` why (the message names the
    /// source's text too).
    pub fn store_failed(
        message: impl std::fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        OAuthError::Store {
            message: format!("{message}: {source}"),
            source: Some(Cause::new(source)),
        }
    }

    /// The OAuth error code of a server refusal (`invalid_grant`), if this is one.
    pub fn server_error(&self) -> Option<&str> {
        match self {
            OAuthError::Server { error, .. } => Some(error),
            _ => None,
        }
    }
}
