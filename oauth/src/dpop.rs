//! DPoP (RFC 9449): the proof sent with each request to the authorization server and the
//! PDS, and the server nonces it carries, kept per origin.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;

use serde_json::json;
use url::Url;

use crate::crypto::{now, random_token, sha256_b64, Es256Key};

/// How long a nonce counts as fresh: servers rotate theirs (the reference every minute or so,
/// accepting the one before), so an older one is fetched again before a request that must not
/// be refused for it (a refresh).
const FRESH_FOR: Duration = Duration::from_secs(60);

/// The nonces servers gave (`DPoP-Nonce`), by origin, with when each was given: each proof to
/// an origin carries the latest one it sent.
#[derive(Debug, Default)]
pub(crate) struct Nonces(Mutex<HashMap<String, (String, Instant)>>);

impl Nonces {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The nonce to send to `url`'s origin, if it gave one.
    pub(crate) fn get(&self, url: &Url) -> Option<String> {
        self.lock()
            .get(&origin(url))
            .map(|(nonce, _)| nonce.clone())
    }

    /// The nonce of `url`'s origin if it was given within the last minute.
    pub(crate) fn fresh(&self, url: &Url) -> Option<String> {
        self.lock()
            .get(&origin(url))
            .filter(|(_, given)| given.elapsed() < FRESH_FOR)
            .map(|(nonce, _)| nonce.clone())
    }

    /// Keeps the nonce of a response from `url` to a request that carried `sent`; true when
    /// the answer's nonce differs from the one sent (a request refused for want of a nonce is
    /// then worth sending again, whatever other requests meanwhile kept).
    pub(crate) fn keep(&self, url: &Url, sent: Option<&str>, nonce: Option<&str>) -> bool {
        let Some(nonce) = nonce else {
            return false;
        };
        self.lock()
            .insert(origin(url), (nonce.to_owned(), Instant::now()));
        sent != Some(nonce)
    }
}

/// The `nonce` claim of a DPoP proof (a JWT this crate signed), if it has one.
pub(crate) fn nonce_of(proof: &str) -> Option<String> {
    let claims = proof.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("nonce")?.as_str().map(str::to_owned)
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
    fn nonces_are_kept_per_origin_and_one_unlike_the_one_sent_is_news() {
        let nonces = Nonces::default();
        let a = Url::parse("https://a.example/oauth/token").unwrap();
        let a2 = Url::parse("https://a.example/oauth/par").unwrap();
        let b = Url::parse("https://b.example/xrpc/x").unwrap();
        assert!(nonces.keep(&a, None, Some("1")));
        assert!(!nonces.keep(&a2, Some("1"), Some("1")));
        assert_eq!(nonces.get(&a2).as_deref(), Some("1"));
        assert_eq!(nonces.fresh(&a2).as_deref(), Some("1"));
        assert_eq!(nonces.get(&b), None);
        // Another request kept "2" meanwhile: an answer of "2" to a request that sent "1" is
        // still news for that request.
        assert!(nonces.keep(&a, Some("1"), Some("2")));
        assert!(nonces.keep(&a2, Some("1"), Some("2")));
        assert!(!nonces.keep(&b, None, None));
    }

    #[test]
    fn the_nonce_a_proof_carries_is_read_back() {
        let key = Es256Key::generate();
        let url = Url::parse("https://pds.example/xrpc/a.b.c").unwrap();
        assert_eq!(
            nonce_of(&proof(&key, "GET", &url, Some("n7"), None)).as_deref(),
            Some("n7")
        );
        assert_eq!(nonce_of(&proof(&key, "GET", &url, None, None)), None);
        assert_eq!(nonce_of("not a jwt"), None);
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
