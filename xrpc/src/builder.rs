//! Client settings: where calls go, how long they may take, how much they may read.

use std::sync::Arc;
use std::time::Duration;

use lexicon_runtime::Mode;

use crate::client::{Client, Settings};
use crate::error::BuildError;
use crate::transport::Transport;

/// The default limit on a response body read whole: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// The default timeout of a whole exchange: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default timeout for connecting: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings for a [`Client`]: `Client::builder(url).path_prefix("/api/xrpc").build()`.
#[must_use]
pub struct ClientBuilder {
    url: String,
    prefix: String,
    proxy: Option<String>,
    mode: Mode,
    max_response_bytes: usize,
    timeout: Duration,
    connect_timeout: Duration,
    transport: Option<Arc<dyn Transport>>,
    credentials: Option<Arc<dyn crate::Credentials>>,
    retry: crate::RetryPolicy,
}

impl ClientBuilder {
    /// The defaults, for the service at `url`.
    pub(crate) fn new(url: &str) -> Self {
        ClientBuilder {
            url: url.to_owned(),
            prefix: "/xrpc".to_owned(),
            proxy: None,
            mode: Mode::Strict,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            transport: None,
            credentials: None,
            retry: crate::RetryPolicy::none(),
        }
    }

    /// The path under which the service serves XRPC: `/xrpc` by default; cocore serves
    /// under `/api/xrpc`.
    pub fn path_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_owned();
        self
    }

    /// Sends `atproto-proxy: <did>#<service>` with every call (but logging in and refreshing),
    /// so that the PDS forwards it to that service.
    pub fn proxy(mut self, service: &str) -> Self {
        self.proxy = Some(service.to_owned());
        self
    }

    /// Validates responses as `mode`'s validator would: [`Mode::Strict`] (the default) or
    /// [`Mode::Lenient`].
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The largest response body read whole, in bytes (16 MiB by default).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The timeout of a whole exchange, body included (30 s by default). Applies to the
    /// default transport.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The timeout for connecting (10 s by default). Applies to the default transport.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Authorizes every call with `credentials`: an OAuth session, or
    /// [`TokenCredentials`](crate::TokenCredentials) (a token already held, with the DID of its
    /// account or for none: `TokenCredentials::bearer(api_key)`). [`Client::login`] sets an
    /// app-password session.
    pub fn credentials(mut self, credentials: impl crate::Credentials) -> Self {
        self.credentials = Some(Arc::new(credentials));
        self
    }

    /// Sends failed calls again as `policy` says (rate limits, server errors, transport
    /// failures, with backoff); none by default.
    pub fn retry(mut self, policy: crate::RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends requests through `transport` instead of the default one.
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client, BuildError> {
        let url = self.url.trim_end_matches('/');
        let invalid = |reason| BuildError::Url {
            url: self.url.clone(),
            reason,
        };
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| invalid("it must start with http:// or https://"))?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err(invalid("it has no host"));
        }
        if rest.contains(['?', '#']) {
            return Err(invalid("it must not have a query or fragment"));
        }
        let prefix = self.prefix.trim_end_matches('/');
        if !prefix.is_empty() && !prefix.starts_with('/') {
            return Err(BuildError::Url {
                url: self.prefix.clone(),
                reason: "a path prefix must start with /",
            });
        }
        let transport = match self.transport {
            Some(transport) => transport,
            None => default_transport(self.timeout, self.connect_timeout)?,
        };
        Ok(Client::from_settings(Settings {
            transport,
            base: format!("{url}{prefix}"),
            proxy: self.proxy,
            mode: self.mode,
            max_response_bytes: self.max_response_bytes,
            credentials: self.credentials,
            retry: self.retry,
        }))
    }
}

#[cfg(feature = "reqwest")]
fn default_transport(
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<Arc<dyn Transport>, BuildError> {
    let transport = crate::transport::ReqwestTransport::new(timeout, connect_timeout)
        .map_err(BuildError::Transport)?;
    Ok(Arc::new(transport))
}

#[cfg(not(feature = "reqwest"))]
fn default_transport(_: Duration, _: Duration) -> Result<Arc<dyn Transport>, BuildError> {
    Err(BuildError::Transport(
        crate::transport::TransportError::message(
            "no transport: enable the `reqwest` feature or call ClientBuilder::transport",
        ),
    ))
}
