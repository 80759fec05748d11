//! The cryptography of the flow: random values, PKCE (RFC 7636, S256), and ES256 keys and
//! JWTs (the DPoP key, and a confidential client's signing key).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use rand_core::{OsRng, RngCore as _};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

/// `bytes` random bytes, base64url without padding: states, PKCE verifiers, JWT ids.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// base64url (no padding) of SHA-256 of `text`: a PKCE S256 challenge, a DPoP `ath`.
pub(crate) fn sha256_b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(text.as_bytes()))
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A P-256 key that signs ES256 JWTs: a session's DPoP key, or a confidential client's key.
/// Its `Debug` shows the public key only.
#[derive(Clone)]
pub struct Es256Key {
    key: SigningKey,
    kid: Option<String>,
}

impl Es256Key {
    /// A new random key.
    pub fn generate() -> Self {
        Es256Key {
            key: SigningKey::random(&mut OsRng),
            kid: None,
        }
    }

    /// The same key with a key id (`kid`), as a confidential client's JWKS names it.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The key id, if it has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key from a private JWK (`{"kty": "EC", "crv": "P-256", "d": ..., ...}`).
    pub fn from_jwk(jwk: &Value) -> Result<Self, KeyError> {
        if jwk.get("kty").and_then(Value::as_str) != Some("EC")
            || jwk.get("crv").and_then(Value::as_str) != Some("P-256")
        {
            return Err(KeyError("expected an EC P-256 JWK".into()));
        }
        let d = jwk
            .get("d")
            .and_then(Value::as_str)
            .ok_or_else(|| KeyError("the JWK has no private part `d`".into()))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(d)
            .map_err(|e| KeyError(format!("`d` is not base64url: {e}")))?;
        let key = SigningKey::from_slice(&bytes)
            .map_err(|_| KeyError("`d` is not a P-256 private key".into()))?;
        let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_owned);
        Ok(Es256Key { key, kid })
    }

    /// The private JWK, for a session store. It holds the secret: keep it as secret as a token.
    pub fn to_private_jwk(&self) -> Value {
        let mut jwk = self.public_jwk();
        jwk["d"] = Value::String(URL_SAFE_NO_PAD.encode(self.key.to_bytes()));
        jwk
    }

    /// The public JWK (`kty`, `crv`, `x`, `y`, and `kid`, `alg`, `use` when it has a kid).
    pub fn public_jwk(&self) -> Value {
        let point = self.key.verifying_key().to_encoded_point(false);
        let coordinate = |c: Option<&p256::FieldBytes>| {
            URL_SAFE_NO_PAD.encode(c.map(|c| c.as_slice()).unwrap_or_default())
        };
        let mut jwk = json!({
            "kty": "EC",
            "crv": "P-256",
            "x": coordinate(point.x()),
            "y": coordinate(point.y()),
        });
        if let Some(kid) = &self.kid {
            jwk["kid"] = json!(kid);
            jwk["alg"] = json!("ES256");
            jwk["use"] = json!("sig");
        }
        jwk
    }

    /// A compact JWT of `header` (with `alg: ES256` added) and `claims`, signed with this key.
    pub(crate) fn sign_jwt(&self, mut header: Value, claims: &Value) -> String {
        header["alg"] = json!("ES256");
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature: Signature = self.key.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }
}

impl std::fmt::Debug for Es256Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Es256Key")
            .field("kid", &self.kid)
            .field("public", &self.public_jwk())
            .finish_non_exhaustive()
    }
}

/// A key that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid key: {0}")]
pub struct KeyError(String);

/// A PKCE pair: the verifier kept here, the S256 challenge sent.
pub(crate) struct Pkce {
    pub(crate) verifier: String,
    pub(crate) challenge: String,
}

impl Pkce {
    /// A new pair: 32 random bytes as the verifier (43 characters, as RFC 7636 recommends).
    pub(crate) fn generate() -> Self {
        let verifier = random_token(32);
        let challenge = sha256_b64(&verifier);
        Pkce {
            verifier,
            challenge,
        }
    }
}

#[cfg(test)]
mod tests {
    use p256::ecdsa::signature::Verifier as _;
    use p256::ecdsa::VerifyingKey;

    use super::*;

    #[test]
    fn the_pkce_challenge_is_the_rfc_7636_one() {
        // RFC 7636, appendix B.
        assert_eq!(
            sha256_b64("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let pkce = Pkce::generate();
        assert_eq!(pkce.verifier.len(), 43);
        assert_eq!(pkce.challenge, sha256_b64(&pkce.verifier));
    }

    #[test]
    fn a_jwt_verifies_with_the_public_jwk_and_the_key_survives_its_private_jwk() {
        let key = Es256Key::generate().with_kid("k1");
        let jwt = key.sign_jwt(json!({"typ": "dpop+jwt"}), &json!({"a": 1}));
        let parts: Vec<_> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let jwk = key.public_jwk();
        let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
        let y = URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap();
        let point = p256::EncodedPoint::from_affine_coordinates(
            x.as_slice().into(),
            y.as_slice().into(),
            false,
        );
        let verifying = VerifyingKey::from_encoded_point(&point).unwrap();
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        verifying
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .unwrap();
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        let again = Es256Key::from_jwk(&key.to_private_jwk()).unwrap();
        assert_eq!(again.public_jwk(), jwk);
        assert_eq!(again.kid(), Some("k1"));
        assert!(!format!("{key:?}").contains(key.to_private_jwk()["d"].as_str().unwrap()));
    }

    #[test]
    fn a_jwk_that_is_not_a_p256_private_key_is_refused() {
        assert!(Es256Key::from_jwk(&json!({"kty": "RSA"})).is_err());
        let public = Es256Key::generate().public_jwk();
        assert!(Es256Key::from_jwk(&public).is_err());
        assert!(Es256Key::from_jwk(&json!({"kty": "EC", "crv": "P-256", "d": "AAAA"})).is_err());
    }
}
