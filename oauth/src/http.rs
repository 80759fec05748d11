//! HTTP with the authorization server: metadata documents, and form posts signed with DPoP
//! (sent again once when the server asks for a nonce).

use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::crypto::Es256Key;
use crate::dpop::{proof, wants_nonce, Nonces};
use crate::error::OAuthError;

/// A client with the flow's timeouts (30 s per request, 10 s to connect), so that a server
/// that does not answer cannot hang a sign-in or a refresh.
pub(crate) fn default_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .connect_timeout(std::time::Duration::from_secs(10))
        .user_agent(concat!("lexicon-oauth/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// The HTTP client of the flow, and whether plain `http://` servers are allowed.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    pub(crate) client: reqwest::Client,
    pub(crate) allow_http: bool,
}

impl Http {
    /// Refuses a URL that is not `https://` (unless `allow_http`, for development).
    pub(crate) fn check(&self, url: &str) -> Result<Url, OAuthError> {
        let parsed = Url::parse(url).map_err(|e| OAuthError::Metadata {
            url: url.to_owned(),
            message: format!("not a URL: {e}"),
        })?;
        match parsed.scheme() {
            "https" => Ok(parsed),
            "http" if self.allow_http => Ok(parsed),
            scheme => Err(OAuthError::Metadata {
                url: url.to_owned(),
                message: format!(
                    "the scheme is {scheme}, not https (allow_http is for development servers)"
                ),
            }),
        }
    }

    /// GETs a JSON document.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: &Url) -> Result<T, OAuthError> {
        let response = self
            .client
            .get(url.clone())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| transport(url, &e))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| transport(url, &e))?;
        if !(200..300).contains(&status) {
            return Err(OAuthError::Metadata {
                url: url.to_string(),
                message: format!("HTTP {status}"),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| OAuthError::Metadata {
            url: url.to_string(),
            message: e.to_string(),
        })
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
            let bytes = response.bytes().await.map_err(|e| transport(url, &e))?;
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
