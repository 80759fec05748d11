//! Authentication: atproto service-auth JWTs (signed by the caller's repo key, checked against
//! its DID document) and plain bearer tokens for first-party clients.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderMap, StatusCode};
use base64::Engine as _;
use lexicon_identity::{
    check_with_current_key, DidResolver, KeyCheckError, PublicKey, ResolveError,
};
use lexicon_runtime::formats::is_valid_did;
use lexicon_runtime::xrpc::ErrorName;
use serde_json::Value;

use crate::error::XrpcError;

/// The claims of a verified service-auth token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceAuth {
    /// The issuer as written: a DID, or `did#service` for a service of that DID.
    pub iss: String,
    /// The issuer's DID (`iss` without its `#service`): who is calling.
    pub did: String,
    /// The audience: this service's DID.
    pub aud: String,
    /// The method the token is for (`lxm`), if it names one.
    pub lxm: Option<String>,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: i64,
    /// The token's nonce (`jti`), for services that refuse replays.
    pub jti: Option<String>,
}

/// Why a request was not authenticated: a `401` with a specific error name, as the reference
/// server sends them (`BadJwtSignature`, `JwtExpired`, ...), or a `502` when the issuer's DID
/// document could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The error name.
    pub name: &'static str,
    /// What was wrong.
    pub message: String,
}

impl AuthError {
    fn new(name: &'static str, message: impl Into<String>) -> Self {
        AuthError {
            status: StatusCode::UNAUTHORIZED,
            name,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.name,
            self.message
        )
    }
}

impl std::error::Error for AuthError {}

impl<E: ErrorName> From<AuthError> for XrpcError<E> {
    fn from(e: AuthError) -> Self {
        XrpcError::new(e.status, e.name).with_message(e.message)
    }
}

impl axum::response::IntoResponse for AuthError {
    fn into_response(self) -> axum::response::Response {
        crate::error::error_response(self.status, self.name, &self.message)
    }
}

/// An extractor for plain axum handlers: the verified service-auth claims of the request, for
/// the method its path names (`.../xrpc/{nsid}` → `lxm` must be `nsid`), checked with the
/// state's [`ServiceAuthVerifier`] (`FromRef`); a refusal is the `401` response.
impl<S> axum::extract::FromRequestParts<S> for ServiceAuth
where
    S: Send + Sync,
    ServiceAuthVerifier: axum::extract::FromRef<S>,
{
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let verifier = <ServiceAuthVerifier as axum::extract::FromRef<S>>::from_ref(state);
        let lxm = parts.uri.path().rsplit('/').next().unwrap_or_default();
        verifier.verify_headers(&parts.headers, lxm).await
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| AuthError::new("AuthRequired", "no Authorization header"))?;
    let text = value
        .to_str()
        .map_err(|_| AuthError::new("AuthRequired", "the Authorization header is not ASCII"))?;
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(AuthError::new(
            "AuthRequired",
            "the Authorization header is not `Bearer <token>`",
        )),
    }
}

/// Verifies atproto service-auth JWTs for one service: `aud` must be its DID, `lxm` the method
/// called, `exp` in the future, and the ES256K or ES256 signature must verify with the signing
/// key of the issuer's DID document (fetched through the resolver; after a failure, fetched
/// again once, in case the key was rotated). High-S signatures are accepted, as the reference
/// accepts them in JWTs.
#[derive(Clone)]
pub struct ServiceAuthVerifier {
    service_did: String,
    resolver: Arc<dyn DidResolver>,
}

impl std::fmt::Debug for ServiceAuthVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAuthVerifier")
            .field("service_did", &self.service_did)
            .finish_non_exhaustive()
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn json_part(part: &str, what: &str) -> Result<serde_json::Map<String, Value>, AuthError> {
    let bad = || {
        AuthError::new(
            "BadJwt",
            format!("poorly formatted jwt: the {what} is not base64url JSON"),
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| bad())?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(bad()),
    }
}

impl ServiceAuthVerifier {
    /// A verifier for the service `service_did` (the `aud` tokens must name), resolving issuers
    /// with `resolver` (wrap it in a `CachingResolver` to keep documents).
    pub fn new(service_did: impl Into<String>, resolver: impl DidResolver + 'static) -> Self {
        Self::with_resolver(service_did, Arc::new(resolver))
    }

    /// Like [`new`](Self::new), with a resolver shared with other parts of the service.
    pub fn with_resolver(service_did: impl Into<String>, resolver: Arc<dyn DidResolver>) -> Self {
        ServiceAuthVerifier {
            service_did: service_did.into(),
            resolver,
        }
    }

    /// The service's DID.
    pub fn service_did(&self) -> &str {
        &self.service_did
    }

    /// Verifies the bearer token of `headers` for a call of `lxm`.
    pub async fn verify_headers(
        &self,
        headers: &HeaderMap,
        lxm: &str,
    ) -> Result<ServiceAuth, AuthError> {
        self.verify(bearer_token(headers)?, Some(lxm)).await
    }

    /// Verifies a token; `lxm: None` skips the method check (for tokens not bound to one
    /// method, which only some services accept).
    pub async fn verify(&self, token: &str, lxm: Option<&str>) -> Result<ServiceAuth, AuthError> {
        let parts: Vec<&str> = token.split('.').collect();
        let [header, payload, signature] = parts[..] else {
            return Err(AuthError::new("BadJwt", "poorly formatted jwt"));
        };
        let head = json_part(header, "header")?;
        let alg = head
            .get("alg")
            .and_then(Value::as_str)
            .ok_or_else(|| AuthError::new("BadJwt", "poorly formatted jwt: no alg"))?;
        if let Some(typ @ ("at+jwt" | "refresh+jwt" | "dpop+jwt")) =
            head.get("typ").and_then(Value::as_str)
        {
            return Err(AuthError::new(
                "BadJwtType",
                format!("Invalid jwt type \"{typ}\""),
            ));
        }
        let body = json_part(payload, "payload")?;
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
        let (Some(iss), Some(aud), Some(exp)) = (
            text("iss"),
            text("aud"),
            body.get("exp").and_then(Value::as_f64),
        ) else {
            return Err(AuthError::new(
                "BadJwt",
                "poorly formatted jwt: iss, aud and exp are required",
            ));
        };
        if body.get("lxm").is_some_and(|v| !v.is_string()) {
            return Err(AuthError::new(
                "BadJwt",
                "poorly formatted jwt: lxm must be a string",
            ));
        }
        if (now() as f64) > exp {
            return Err(AuthError::new("JwtExpired", "jwt expired"));
        }
        if aud != self.service_did {
            return Err(AuthError::new(
                "BadJwtAudience",
                "jwt audience does not match service did",
            ));
        }
        let claimed_lxm = text("lxm");
        if let Some(lxm) = lxm {
            if claimed_lxm.as_deref() != Some(lxm) {
                let what = if claimed_lxm.is_some() {
                    "bad"
                } else {
                    "missing"
                };
                return Err(AuthError::new(
                    "BadJwtLexiconMethod",
                    format!("{what} jwt lexicon method (\"lxm\"). must match: {lxm}"),
                ));
            }
        }
        let (did, service) = match iss.split_once('#') {
            Some((did, service)) => (did, Some(service)),
            None => (iss.as_str(), None),
        };
        if !is_valid_did(did) || service.is_some_and(|s| s.is_empty() || s.contains('#')) {
            return Err(AuthError::new("BadJwtIss", "jwt iss is not a valid did"));
        }
        let key_id = match service {
            Some("atproto_labeler") => "atproto_label",
            _ => "atproto",
        };
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| AuthError::new("BadJwtSignature", "could not verify jwt signature"))?;
        let message = format!("{header}.{payload}");
        let check = |key: &PublicKey| match key.verify_jwt(alg, message.as_bytes(), &signature) {
            Ok(true) => Ok(()),
            Ok(false) => Err(AuthError::new(
                "BadJwtSignature",
                "jwt signature does not match jwt issuer",
            )),
            Err(e) => Err(AuthError::new(
                "BadJwtSignature",
                format!("could not verify jwt signature: {e}"),
            )),
        };
        check_with_current_key(&*self.resolver, did, key_id, check)
            .await
            .map_err(|e| match e {
                KeyCheckError::Failed(e) => e,
                KeyCheckError::Resolve(e) => resolve_error(e),
                other => AuthError::new("BadJwtIss", other.to_string()),
            })?;
        Ok(ServiceAuth {
            did: did.to_owned(),
            iss,
            aud,
            lxm: claimed_lxm,
            exp: exp as i64,
            jti: text("jti"),
        })
    }
}

fn resolve_error(e: ResolveError) -> AuthError {
    match e {
        ResolveError::Unavailable { .. } => AuthError {
            status: StatusCode::BAD_GATEWAY,
            name: "UpstreamFailure",
            message: format!("could not resolve the jwt issuer: {e}"),
        },
        other => AuthError::new(
            "BadJwtIss",
            format!("could not resolve the jwt issuer: {other}"),
        ),
    }
}
