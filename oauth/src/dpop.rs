//! DPoP (RFC 9449): the proof sent with each request to the authorization server and the
//! PDS, and the server nonces it carries, kept per origin.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::json;
use url::Url;

use crate::crypto::{now, random_token, sha256_b64, Es256Key};

/// The nonces servers gave (`DPoP-Nonce`), by origin: each proof to an origin carries the
/// latest one it sent.
#[derive(Debug, Default)]
pub(crate) struct Nonces(Mutex<HashMap<String, String>>);

impl Nonces {
    /// The nonce to send to `url`'s origin, if it gave one.
    pub(crate) fn get(&self, url: &Url) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&origin(url))
            .cloned()
    }

    /// Keeps the nonce of a response from `url`; true when it is new (a request refused for
    /// want of it is worth sending again).
    pub(crate) fn keep(&self, url: &Url, nonce: Option<&str>) -> bool {
        let Some(nonce) = nonce else {
            return false;
        };
        let mut nonces = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let previous = nonces.insert(origin(url), nonce.to_owned());
        previous.as_deref() != Some(nonce)
    }
}

/// A DPoP proof for `method` `url`, signed with `key`: `jti`, `htm`, `htu` (the URL without
/// query or fragment), `iat`, the origin's nonce and, with an access token, `ath`.
pub(crate) fn proof(
    key: &Es256Key,
    method: &str,
    url: &Url,
    nonce: Option<&str>,
    access_token: Option<&str>,
) -> String {
    let mut htu = url.clone();
    htu.set_query(None);
    htu.set_fragment(None);
    let mut claims = json!({
        "jti": random_token(16),
        "htm": method,
        "htu": htu.as_str(),
        "iat": now(),
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    if let Some(token) = access_token {
        claims["ath"] = json!(sha256_b64(token));
    }
    key.sign_jwt(
        json!({ "typ": "dpop+jwt", "jwk": key.public_jwk() }),
        &claims,
    )
}

/// `scheme://host:port` of `url`.
pub(crate) fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Whether a response says to send the request again with a DPoP nonce: the authorization
/// server's `{"error": "use_dpop_nonce"}`, or a resource server's `WWW-Authenticate: DPoP
/// error="use_dpop_nonce"`.
pub(crate) fn wants_nonce(www_authenticate: Option<&str>, error: Option<&str>) -> bool {
    error == Some("use_dpop_nonce")
        || www_authenticate.is_some_and(|h| h.contains("error=\"use_dpop_nonce\""))
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde_json::Value;

    use super::*;

    fn claims(jwt: &str) -> (Value, Value) {
        let part = |i: usize| {
            serde_json::from_slice::<Value>(
                &URL_SAFE_NO_PAD
                    .decode(jwt.split('.').nth(i).unwrap())
                    .unwrap(),
            )
            .unwrap()
        };
        (part(0), part(1))
    }

    #[test]
    fn a_proof_names_the_request_without_its_query_and_binds_the_token() {
        let key = Es256Key::generate();
        let url = Url::parse("https://pds.example/xrpc/a.b.c?x=1#f").unwrap();
        let (header, body) = claims(&proof(&key, "GET", &url, Some("n1"), Some("tok")));
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["jwk"], key.public_jwk());
        assert!(header["jwk"].get("d").is_none());
        assert_eq!(body["htm"], "GET");
        assert_eq!(body["htu"], "https://pds.example/xrpc/a.b.c");
        assert_eq!(body["nonce"], "n1");
        assert_eq!(body["ath"], sha256_b64("tok"));
        let (_, other) = claims(&proof(&key, "GET", &url, None, None));
        assert_ne!(body["jti"], other["jti"]);
        assert!(other.get("nonce").is_none() && other.get("ath").is_none());
    }

    #[test]
    fn nonces_are_kept_per_origin_and_a_new_one_is_news() {
        let nonces = Nonces::default();
        let a = Url::parse("https://a.example/oauth/token").unwrap();
        let a2 = Url::parse("https://a.example/oauth/par").unwrap();
        let b = Url::parse("https://b.example/xrpc/x").unwrap();
        assert!(nonces.keep(&a, Some("1")));
        assert!(!nonces.keep(&a2, Some("1")));
        assert_eq!(nonces.get(&a2).as_deref(), Some("1"));
        assert_eq!(nonces.get(&b), None);
        assert!(nonces.keep(&a, Some("2")));
        assert!(!nonces.keep(&b, None));
    }

    #[test]
    fn use_dpop_nonce_is_read_from_the_body_or_the_header() {
        assert!(wants_nonce(None, Some("use_dpop_nonce")));
        assert!(wants_nonce(
            Some(r#"DPoP error="use_dpop_nonce", error_description="x""#),
            None
        ));
        assert!(!wants_nonce(Some(r#"DPoP error="invalid_token""#), None));
    }
}
