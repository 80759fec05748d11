//! Handle resolution behind a trait: a handle to the DID it names, by asking a service
//! (`com.atproto.identity.resolveHandle` at a PDS or an AppView) or the handle's own host
//! (`https://<handle>/.well-known/atproto-did`). A DID found this way is a claim: check that
//! the DID's document names the handle back before trusting it.

use lexicon_runtime::cause::Cause;

use crate::resolve::BoxFuture;

/// Why a handle could not be resolved.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum HandleError {
    /// The service or host says no DID is registered for the handle.
    #[error("no DID is registered for the handle {0}")]
    NotFound(String),
    /// The service or host could not be reached, or answered with an error or no DID.
    #[error("resolving the handle {handle}: {message}")]
    Unavailable {
        /// The handle.
        handle: String,
        /// What went wrong (naming the source's causes too).
        message: String,
        /// The error that made it fail (an HTTP client's, a DNS resolver's), if any.
        #[source]
        source: Option<Cause>,
    },
}

#[cfg(any(feature = "http", feature = "dns"))]
impl HandleError {
    /// The handle could not be resolved, for the reason `message` gives.
    pub(crate) fn unavailable(handle: &str, message: impl Into<String>) -> Self {
        HandleError::Unavailable {
            handle: handle.to_owned(),
            message: message.into(),
            source: None,
        }
    }

    /// The handle could not be resolved because `what` failed with `error`, kept as the source.
    pub(crate) fn failed(
        handle: &str,
        what: impl std::fmt::Display,
        error: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        HandleError::Unavailable {
            handle: handle.to_owned(),
            message: format!("{what}: {}", lexicon_runtime::cause::Chain(&error)),
            source: Some(Cause::new(error)),
        }
    }
}

/// Resolves a handle to the DID it names.
pub trait HandleResolver: Send + Sync {
    /// The DID `handle` names (a `did:` string), or why not.
    fn resolve_handle<'a>(&'a self, handle: &'a str) -> BoxFuture<'a, Result<String, HandleError>>;
}

/// The DID in an answer, if it is one: `did:` and a method.
#[cfg(feature = "http")]
fn did_in(text: &str) -> Option<String> {
    let did = text.trim();
    let rest = did.strip_prefix("did:")?;
    (rest.contains(':') && !did.contains(char::is_whitespace)).then(|| did.to_owned())
}

#[cfg(feature = "http")]
pub use http::{WellKnownHandleResolver, XrpcHandleResolver};

#[cfg(feature = "http")]
mod http {
    use std::time::Duration;

    use super::{did_in, HandleError, HandleResolver};
    use crate::address::AddressPolicy;
    use crate::get::GetError;
    use crate::resolve::BoxFuture;

    /// The most of an answer that is read.
    const BODY_LIMIT: usize = 8 * 1024;

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    }

    /// GETs `url` and returns its status and body (at most [`BODY_LIMIT`] bytes).
    async fn get(
        client: &reqwest::Client,
        handle: &str,
        url: &str,
    ) -> Result<(u16, Vec<u8>), HandleError> {
        crate::get::get(client, url, BODY_LIMIT)
            .await
            .map_err(|e| match e {
                GetError::Failed { what, error } => HandleError::failed(handle, what, error),
                GetError::TooLarge { url, limit } => HandleError::unavailable(
                    handle,
                    format!("{url} answered more than {limit} bytes"),
                ),
            })
    }

    /// The error for an answer other than `200`: `404` (and what `not_found` recognises) is
    /// [`HandleError::NotFound`].
    fn refusal(handle: &str, url: &str, status: u16, body: &[u8], not_found: bool) -> HandleError {
        if status == 404 || not_found {
            return HandleError::NotFound(handle.to_owned());
        }
        HandleError::unavailable(
            handle,
            format!(
                "GET {url} answered {status}: {}",
                String::from_utf8_lossy(body)
            ),
        )
    }

    /// Resolves handles with `com.atproto.identity.resolveHandle` at a service (a PDS, or an
    /// AppView such as `https://api.bsky.app`).
    #[derive(Debug, Clone)]
    pub struct XrpcHandleResolver {
        service: String,
        client: reqwest::Client,
    }

    impl XrpcHandleResolver {
        /// A resolver that asks `service` (10 s per request, no redirects followed).
        pub fn new(service: impl Into<String>) -> Self {
            XrpcHandleResolver {
                service: service.into().trim_end_matches('/').to_owned(),
                client: client(),
            }
        }
    }

    impl HandleResolver for XrpcHandleResolver {
        fn resolve_handle<'a>(
            &'a self,
            handle: &'a str,
        ) -> BoxFuture<'a, Result<String, HandleError>> {
            Box::pin(async move {
                let mut url = reqwest::Url::parse(&format!(
                    "{}/xrpc/com.atproto.identity.resolveHandle",
                    self.service
                ))
                .map_err(|e| {
                    HandleError::failed(handle, format_args!("the service {}", self.service), e)
                })?;
                url.query_pairs_mut().append_pair("handle", handle);
                let (status, body) = get(&self.client, handle, url.as_str()).await?;
                let answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                if status != 200 {
                    // The reference answers an unknown handle with a 400 saying so.
                    let unknown = status == 400
                        && answer["message"].as_str() == Some("Unable to resolve handle");
                    return Err(refusal(handle, url.as_str(), status, &body, unknown));
                }
                answer["did"].as_str().and_then(did_in).ok_or_else(|| {
                    HandleError::unavailable(handle, format!("{url} answered no DID"))
                })
            })
        }
    }

    /// Resolves a handle at its own host: `https://<handle>/.well-known/atproto-did`, whose
    /// body is the DID (the spec's HTTPS method). The host is whatever the handle names, so by
    /// default only public addresses are reached ([`AddressPolicy`]).
    #[derive(Debug, Clone)]
    pub struct WellKnownHandleResolver {
        client: reqwest::Client,
        policy: AddressPolicy,
        scheme: &'static str,
    }

    impl Default for WellKnownHandleResolver {
        fn default() -> Self {
            WellKnownHandleResolver::new()
        }
    }

    impl WellKnownHandleResolver {
        /// A resolver over HTTPS to public addresses (10 s per request, no redirects followed).
        pub fn new() -> Self {
            WellKnownHandleResolver::default_for(AddressPolicy::public_only())
        }

        fn default_for(policy: AddressPolicy) -> Self {
            WellKnownHandleResolver {
                client: policy
                    .client_builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap_or_default(),
                policy,
                scheme: "https",
            }
        }

        /// Reaches the addresses `policy` allows (loopback for a development server, say).
        pub fn policy(self, policy: AddressPolicy) -> Self {
            WellKnownHandleResolver {
                scheme: self.scheme,
                ..WellKnownHandleResolver::default_for(policy)
            }
        }

        /// Asks over plain HTTP: for handles served by a development server only.
        pub fn plain_http(mut self) -> Self {
            self.scheme = "http";
            self
        }
    }

    impl HandleResolver for WellKnownHandleResolver {
        fn resolve_handle<'a>(
            &'a self,
            handle: &'a str,
        ) -> BoxFuture<'a, Result<String, HandleError>> {
            Box::pin(async move {
                if handle.is_empty() || handle.contains(['/', '?', '#', '@']) {
                    return Err(HandleError::unavailable(handle, "not a host name"));
                }
                let url = format!("{}://{handle}/.well-known/atproto-did", self.scheme);
                if let Some(why) = self.policy.refuses_host_of(&url) {
                    return Err(HandleError::unavailable(
                        handle,
                        format!("its host is {why}, which this resolver may not reach"),
                    ));
                }
                let (status, body) = get(&self.client, handle, &url).await?;
                if status != 200 {
                    return Err(refusal(handle, &url, status, &body, false));
                }
                did_in(&String::from_utf8_lossy(&body)).ok_or_else(|| {
                    HandleError::unavailable(handle, format!("{url} does not hold a DID"))
                })
            })
        }
    }
}

#[cfg(all(test, feature = "http"))]
mod tests {
    use super::did_in;

    #[test]
    fn only_a_did_is_taken_from_an_answer() {
        assert_eq!(
            did_in(" did:plc:abcdefghijklmnopqrstuvwx\n").as_deref(),
            Some("did:plc:abcdefghijklmnopqrstuvwx")
        );
        assert_eq!(did_in("<html>"), None);
        assert_eq!(did_in("did:"), None);
        assert_eq!(did_in("did:plc:a b"), None);
    }
}
