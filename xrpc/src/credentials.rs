//! Credentials: what authorizes a client's calls when it is not a password session. An
//! access token and the account's DID ([`TokenCredentials`]), or an OAuth session with DPoP
//! (`lexicon-oauth`), each as one implementation of [`Credentials`].

use std::future::Future;
use std::pin::Pin;

use lexicon_runtime::Did;

use crate::cause::Cause;
use crate::transport::Request;

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
pub trait Credentials: Send + Sync + 'static {
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

/// An access token the caller already holds (from its own OAuth flow, a service, a test) and
/// the DID of the account it acts for, sent as `Authorization: Bearer`; no login, no refresh.
#[derive(Clone)]
pub struct TokenCredentials {
    did: Did,
    token: String,
}

impl TokenCredentials {
    /// Credentials for `did` with `token`.
    pub fn new(did: Did, token: impl Into<String>) -> Self {
        TokenCredentials {
            did,
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
        Some(self.did.clone())
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
