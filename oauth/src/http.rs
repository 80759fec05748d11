//! HTTP with the authorization server: metadata documents, and form posts signed with DPoP
//! (sent again once when the server asks for a nonce). Nothing an attacker could name steers
//! it: no redirect is followed, answers are read only up to 64 KiB, a metadata document is
//! exactly `200` with JSON, and hosts on private, loopback or link-local addresses are refused
//! unless the client allows them (`lexicon_identity::AddressPolicy`).

use std::sync::Arc;

use lexicon_identity::AddressPolicy;
use lexicon_xrpc::{BodyError, Request, ReqwestTransport, Response, Transport};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::crypto::Es256Key;
use crate::dpop::{proof, wants_nonce, Nonces};
use crate::error::OAuthError;

/// The most of an answer that is read.
const BODY_LIMIT: usize = 64 * 1024;

/// The default transport of the flow: 30 s per request, 10 s to connect, no redirects
/// followed, and names resolved under `policy` (reqwest with rustls).
pub(crate) fn guarded_transport(policy: AddressPolicy) -> Arc<dyn Transport> {
    let client = policy
        .client_builder()
        .timeout(std::time::Duration::from_secs(30))
        .connect_timeout(std::time::Duration::from_secs(10))
        .user_agent(concat!("lexicon-oauth/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default();
    Arc::new(ReqwestTransport::from_client(client))
}

/// How the flow reaches servers, and which addresses it may reach.
#[derive(Clone)]
pub(crate) struct Http {
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) policy: AddressPolicy,
}

impl Http {
    /// Refuses a URL that is not `https://` (or `http://` to a loopback host, when loopback is
    /// allowed, for development), or whose host is an address the policy refuses.
    pub(crate) fn check(&self, url: &str) -> Result<Url, OAuthError> {
        let refused = |message: String| OAuthError::Metadata {
            url: url.to_owned(),
            message,
        };
        let parsed = Url::parse(url).map_err(|e| refused(format!("not a URL: {e}")))?;
        let host = parsed
            .host()
            .ok_or_else(|| refused("it has no host".into()))?;
        if let Some(why) = self.policy.refuses_host(&host) {
            return Err(refused(format!(
                "its host is {why}, which this client may not reach"
            )));
        }
        let loopback_host = match host {
            url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
            url::Host::Ipv4(v4) => v4.is_loopback(),
            url::Host::Ipv6(v6) => v6.is_loopback(),
        };
        match parsed.scheme() {
            "https" => Ok(parsed),
            "http" if self.policy.allows_loopback() && loopback_host => Ok(parsed),
            scheme => Err(refused(format!(
                "the scheme is {scheme}, not https (plain http is for a development server on \
                 loopback, with allow_http)"
            ))),
        }
    }

    /// GETs a JSON document: the answer must be exactly `200` with a JSON content type, and at
    /// most 64 KiB.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: &Url) -> Result<T, OAuthError> {
        let request = Request::new("GET", url.as_str()).header("accept", "application/json");
        let mut response = self.send(url, request).await?;
        let status = response.status;
        let json = response.header("content-type").is_some_and(|t| {
            let essence = t.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case("application/json")
        });
        let bytes = read_capped(url, &mut response).await?;
        let refused = |message: String| OAuthError::Metadata {
            url: url.to_string(),
            message,
        };
        if status != 200 {
            return Err(refused(format!(
                "HTTP {status}, not 200 (redirects are not followed)"
            )));
        }
        if !json {
            return Err(refused("the answer is not application/json".into()));
        }
        serde_json::from_slice(&bytes).map_err(|e| refused(e.to_string()))
    }

    /// POSTs the form `form()` builds to an endpoint of the authorization server with a DPoP
    /// proof by `key`, and returns the JSON answer of a success or the OAuth error. A request
    /// refused for want of a nonce (`use_dpop_nonce`, which servers check before anything else
    /// in the request, RFC 9449 section 8) is sent once more when the answer carries a nonce
    /// other than the one sent, with a new proof and a new form (so a new client assertion);
    /// nothing is sent again after a failure that may have used the request (no answer, 5xx).
    pub(crate) async fn post_form(
        &self,
        url: &Url,
        form: &(dyn Fn() -> Vec<(&'static str, String)> + Sync),
        key: &Es256Key,
        nonces: &Nonces,
    ) -> Result<Value, OAuthError> {
        let mut retried = false;
        loop {
            let sent = nonces.get(url);
            let dpop = proof(key, "POST", url, sent.as_deref(), None);
            let request = form_request(url, &dpop, &form());
            let mut response = self.send(url, request).await?;
            let status = response.status;
            let www = response.header("www-authenticate").map(str::to_owned);
            let news = nonces.keep(url, sent.as_deref(), response.header("dpop-nonce"));
            let bytes = read_capped(url, &mut response).await?;
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            if (200..300).contains(&status) {
                return Ok(body);
            }
            let error = body.get("error").and_then(Value::as_str);
            if !retried && news && wants_nonce(www.as_deref(), error) {
                retried = true;
                continue;
            }
            return Err(OAuthError::Server {
                url: url.to_string(),
                status,
                error: error.unwrap_or("(no error code)").to_owned(),
                description: body
                    .get("error_description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
        }
    }

    /// Makes sure a fresh nonce of `url`'s origin is known before a request that must be sent
    /// once only (a refresh): when none is, POSTs `grant_type` (no client assertion, no
    /// token) and `client_id` with a proof and keeps the nonce of the refusal. A server that
    /// uses no nonces refuses the empty request and nothing is kept; that is fine too.
    pub(crate) async fn ensure_nonce(
        &self,
        url: &Url,
        grant_type: &'static str,
        client_id: &str,
        key: &Es256Key,
        nonces: &Nonces,
    ) -> Result<(), OAuthError> {
        if nonces.fresh(url).is_some() {
            return Ok(());
        }
        let sent = nonces.get(url);
        let dpop = proof(key, "POST", url, sent.as_deref(), None);
        let form = [
            ("grant_type", grant_type.to_owned()),
            ("client_id", client_id.to_owned()),
        ];
        let response = self.send(url, form_request(url, &dpop, &form)).await?;
        nonces.keep(url, sent.as_deref(), response.header("dpop-nonce"));
        Ok(())
    }

    /// Sends one request through the transport.
    async fn send(&self, url: &Url, request: Request) -> Result<Response, OAuthError> {
        self.transport
            .send(request)
            .await
            .map_err(|error| OAuthError::Transport {
                url: url.to_string(),
                error,
            })
    }
}

/// A form POST to `url` with the DPoP proof `dpop`.
fn form_request(url: &Url, dpop: &str, form: &[(&'static str, String)]) -> Request {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    Request::new("POST", url.as_str())
        .header("dpop", dpop)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

/// The body of `response`, refused past [`BODY_LIMIT`] (whatever its `content-length` says).
async fn read_capped(url: &Url, response: &mut Response) -> Result<Vec<u8>, OAuthError> {
    response
        .read_limited(BODY_LIMIT)
        .await
        .map_err(|error| match error {
            BodyError::Transport(error) => OAuthError::Transport {
                url: url.to_string(),
                error,
            },
            too_large => OAuthError::InvalidResponse {
                url: url.to_string(),
                message: too_large.to_string(),
            },
        })
}
