//! HTTP with the authorization server: metadata documents, and form posts signed with DPoP
//! (sent again once when the server asks for a nonce). Nothing an attacker could name steers
//! it: no redirect is followed, answers are read only up to 64 KiB, a metadata document is
//! exactly `200` with JSON, and hosts on private, loopback or link-local addresses are refused
//! unless the client allows them (`lexicon_identity::AddressPolicy`).

use std::net::IpAddr;

use lexicon_identity::AddressPolicy;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::crypto::Es256Key;
use crate::dpop::{proof, wants_nonce, Nonces};
use crate::error::OAuthError;

/// The most of an answer that is read.
const BODY_LIMIT: usize = 64 * 1024;

/// A client with the flow's limits: 30 s per request, 10 s to connect, no redirects followed,
/// and names resolved under `policy`.
pub(crate) fn guarded_client(policy: AddressPolicy) -> reqwest::Client {
    policy
        .client_builder()
        .timeout(std::time::Duration::from_secs(30))
        .connect_timeout(std::time::Duration::from_secs(10))
        .user_agent(concat!("lexicon-oauth/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// The HTTP client of the flow, and which addresses it may reach.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    pub(crate) client: reqwest::Client,
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
        let ip = match parsed.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(refused("it has no host".into())),
        };
        if let Some(why) = ip.and_then(|ip| self.policy.refuses(ip)) {
            return Err(refused(format!(
                "its host is {why}, which this client may not reach"
            )));
        }
        let loopback_host = match parsed.host() {
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            _ => ip.is_some_and(|ip| ip.is_loopback()),
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
        let response = self
            .client
            .get(url.clone())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| transport(url, &e))?;
        let status = response.status().as_u16();
        let json = header(&response, "content-type").is_some_and(|t| {
            let essence = t.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case("application/json")
        });
        let bytes = read_capped(url, response).await?;
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
            let response = self
                .client
                .post(url.clone())
                .header("dpop", dpop)
                .header("accept", "application/json")
                .form(&form())
                .send()
                .await
                .map_err(|e| transport(url, &e))?;
            let status = response.status().as_u16();
            let nonce = header(&response, "dpop-nonce");
            let www = header(&response, "www-authenticate");
            let news = nonces.keep(url, sent.as_deref(), nonce.as_deref());
            let bytes = read_capped(url, response).await?;
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
        let response = self
            .client
            .post(url.clone())
            .header("dpop", proof(key, "POST", url, sent.as_deref(), None))
            .header("accept", "application/json")
            .form(&[("grant_type", grant_type), ("client_id", client_id)])
            .send()
            .await
            .map_err(|e| transport(url, &e))?;
        nonces.keep(
            url,
            sent.as_deref(),
            header(&response, "dpop-nonce").as_deref(),
        );
        Ok(())
    }
}

/// The body of `response`, refused past [`BODY_LIMIT`] (whatever its `content-length` says).
async fn read_capped(url: &Url, mut response: reqwest::Response) -> Result<Vec<u8>, OAuthError> {
    let too_large = || OAuthError::InvalidResponse {
        url: url.to_string(),
        message: format!("the answer is larger than {BODY_LIMIT} bytes"),
    };
    if response
        .content_length()
        .is_some_and(|n| n > BODY_LIMIT as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(url, &e))? {
        if body.len() + chunk.len() > BODY_LIMIT {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A request that got no answer, with its causes.
pub(crate) fn transport(url: &Url, error: &reqwest::Error) -> OAuthError {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    OAuthError::Transport {
        url: url.to_string(),
        message,
    }
}
