//! Credentials: what authorizes a client's calls, whichever way it signed in. An app-password
//! session ([`PasswordSession`](crate::PasswordSession)), a token already held
//! ([`TokenCredentials`]), or an OAuth session with DPoP (`lexicon-oauth`), each one
//! implementation of [`Credentials`], and the client's one path.

use std::future::Future;
use std::pin::Pin;

use lexicon_runtime::Did;

use crate::transport::Request;
use lexicon_runtime::cause::Cause;

/// The future a [`Credentials`] method returns.
pub type CredentialsFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why credentials could not authorize a call (a refresh the server refused, a key that
/// could not sign); its source is the credentials' own error (shared, so that the error is
/// `Clone`).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct CredentialsError(#[source] pub Cause);

impl CredentialsError {
    /// An error from any error type.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        CredentialsError(Cause::new(error))
    }
}

/// What came back for an authorized request, for [`Credentials::observe`] to read.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Observed<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The response headers (names lowercase).
    pub headers: &'a [(String, String)],
    /// The XRPC error name of an error response (`ExpiredToken`, `InvalidToken`), if any.
    pub error: Option<&'a str>,
}

impl Observed<'_> {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::transport::header_in(self.headers, name)
    }
}

/// What authorizes a client's calls: it adds its headers to each request and sees each
/// response, so it can keep a server's nonce or refresh its tokens and ask for the request to
/// be sent again. Set with [`ClientBuilder::credentials`](crate::ClientBuilder::credentials) or
/// [`Client::set_credentials`](crate::Client::set_credentials); every call, generated
/// methods and record operations alike, then goes through it.
pub trait Credentials: std::any::Any + Send + Sync {
    /// The account the calls act as: the repository that record operations write to.
    fn did(&self) -> Option<Did>;

    /// Adds the headers that authorize `request` (`Authorization`, `DPoP`).
    fn authorize<'a>(
        &'a self,
        request: &'a mut Request,
    ) -> CredentialsFuture<'a, Result<(), CredentialsError>>;

    /// Sees the response to an authorized `request`; `Ok(true)` sends the request again (with
    /// fresh headers from [`authorize`](Self::authorize)), at most three times per call. The
    /// default keeps nothing and never retries.
    fn observe<'a>(
        &'a self,
        request: &'a Request,
        response: Observed<'a>,
    ) -> CredentialsFuture<'a, Result<bool, CredentialsError>> {
        let _ = (request, response);
        Box::pin(async { Ok(false) })
    }
}

/// A token the caller already holds, sent as `Authorization: Bearer`; no login, no refresh.
/// With the DID of the account it acts for (an access token from the caller's own flow, a
/// test), record operations write to that repository; without one (a service's API key), calls
/// act for no account.
#[derive(Clone)]
pub struct TokenCredentials {
    did: Option<Did>,
    token: String,
}

impl TokenCredentials {
    /// Credentials for the account `did` with its access token `token`.
    pub fn new(did: Did, token: impl Into<String>) -> Self {
        TokenCredentials {
            did: Some(did),
            token: token.into(),
        }
    }

    /// Credentials that are only `token` (an API key, a service token), for no account.
    pub fn bearer(token: impl Into<String>) -> Self {
        TokenCredentials {
            did: None,
            token: token.into(),
        }
    }
}

impl std::fmt::Debug for TokenCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCredentials")
            .field("did", &self.did)
            .finish_non_exhaustive()
    }
}

impl Credentials for TokenCredentials {
    fn did(&self) -> Option<Did> {
        self.did.clone()
    }

    fn authorize<'a>(
        &'a self,
        request: &'a mut Request,
    ) -> CredentialsFuture<'a, Result<(), CredentialsError>> {
        request
            .headers
            .push(("authorization", format!("Bearer {}", self.token)));
        Box::pin(async { Ok(()) })
    }
}
