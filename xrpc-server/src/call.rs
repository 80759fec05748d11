//! The call as an axum extractor: a method's parameters, content type, body size and input
//! checked before its handler runs, as the reference server checks them.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::RequestExt as _;
use lexicon_runtime::xrpc::{ErrorName, Method, QueryParams};
use lexicon_runtime::Mode;

use crate::auth::{bearer_token, ServiceAuth, ServiceAuthVerifier};
use crate::error::XrpcError;
use crate::method::ServedMethod;

/// What the router's settings give every route, through a request extension: whether outputs
/// are validated, and the service-auth verifier. A route served outside an
/// [`XrpcRouter`](crate::XrpcRouter) gets the defaults (validated, no verifier).
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) validate_responses: bool,
    pub(crate) service_auth: Option<ServiceAuthVerifier>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            validate_responses: true,
            service_auth: None,
        }
    }
}

impl Config {
    /// The settings the router put on the request, or the defaults.
    pub(crate) fn of(parts: &Parts) -> Arc<Config> {
        parts
            .extensions
            .get::<Arc<Config>>()
            .cloned()
            .unwrap_or_default()
    }

    /// Verifies the service-auth JWT of `headers` for a call of `lxm` with the router's
    /// verifier; a 500 when the router has none.
    pub(crate) async fn service_auth<E: ErrorName>(
        &self,
        headers: &HeaderMap,
        lxm: &str,
    ) -> Result<ServiceAuth, XrpcError<E>> {
        let verifier = self.service_auth.as_ref().ok_or_else(|| {
            XrpcError::internal(
                "the router has no service-auth verifier (XrpcRouter::service_auth)",
            )
        })?;
        Ok(verifier.verify_headers(headers, lxm).await?)
    }
}

/// One call of method `M`, extracted from the request: its parameters and input, already
/// validated, the service's state, and the rest of the request.
///
/// It is an axum extractor: a request it refuses is answered with the XRPC error it
/// rejects with (`400` for parameters or input, listing every violation; `415` for the content
/// type; `413` for a body over the [`DefaultBodyLimit`](axum::extract::DefaultBodyLimit) in
/// force, which a layer on one method can change).
pub struct Call<M: Method, S> {
    /// The parameters, parsed from the query string and valid.
    pub params: M::Params,
    /// The input, decoded and valid (`()` for methods without one, bytes for non-JSON bodies).
    pub input: M::Input,
    /// The state given to [`XrpcRouter::with_state`](crate::XrpcRouter::with_state).
    pub state: S,
    /// The request without its body: method, URI, headers, and the extensions that layers
    /// inserted (read them with [`extract`](Self::extract)).
    pub parts: Parts,
    config: Arc<Config>,
}

impl<M: Method, S> Call<M, S> {
    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// Runs any axum extractor on the request's parts: `call.extract::<ConnectInfo<SocketAddr>>()`,
    /// or what a layer on this method inserted, `call.extract::<Extension<User>>()`.
    pub async fn extract<E: FromRequestParts<S>>(&mut self) -> Result<E, E::Rejection> {
        E::from_request_parts(&mut self.parts, &self.state).await
    }

    /// Verifies the request's service-auth JWT for this method (its `lxm` must be `M::NSID`)
    /// with the router's [`ServiceAuthVerifier`]: the caller's DID and the token's claims, or a
    /// 401 to return with `?`.
    pub async fn service_auth(&self) -> Result<ServiceAuth, XrpcError<M::Error>> {
        self.config.service_auth(&self.parts.headers, M::NSID).await
    }

    /// The token of the `Authorization: Bearer` header, for first-party tokens the service
    /// checks itself (API keys, sessions), or a 401 to return with `?`.
    pub fn bearer_token(&self) -> Result<&str, XrpcError<M::Error>> {
        Ok(bearer_token(&self.parts.headers)?)
    }

    /// Whether the router validates this call's output before it is sent.
    pub(crate) fn validates_output(&self) -> bool {
        self.config.validate_responses
    }
}

impl<M, S> FromRequest<S> for Call<M, S>
where
    M: ServedMethod,
    S: Clone + Send + Sync + 'static,
{
    type Rejection = XrpcError<M::Error>;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.with_limited_body().into_parts();
        let params = M::Params::from_query(parts.uri.query().unwrap_or("")).map_err(|e| {
            XrpcError::invalid_request(format!("invalid parameters: {}", every_violation(&e)))
        })?;
        // The content type is checked before the body is read, so a refused body is not read.
        check_content_type(M::INPUT_ENCODING, &parts.headers)?;
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(body_error)?;
        if M::INPUT_ENCODING.is_none() && !bytes.is_empty() {
            return Err(XrpcError::invalid_request(
                "A request body was provided when none was expected",
            ));
        }
        let input = M::decode_input(&bytes, Mode::Strict).map_err(|e| {
            XrpcError::invalid_request(format!("invalid input: {}", every_violation(&e)))
        })?;
        Ok(Call {
            params,
            input,
            state: state.clone(),
            config: Config::of(&parts),
            parts,
        })
    }
}

/// Refuses a request whose content type is not the input's encoding (`415`).
fn check_content_type<E: ErrorName>(
    encoding: Option<&str>,
    headers: &HeaderMap,
) -> Result<(), XrpcError<E>> {
    let Some(encoding) = encoding else {
        return Ok(());
    };
    let message = match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(actual) if content_type_matches(encoding, actual) => return Ok(()),
        Some(actual) => {
            format!("Wrong request encoding (Content-Type): {actual}, expected {encoding}")
        }
        None => format!(
            "Request encoding (Content-Type) required but not provided, expected {encoding}"
        ),
    };
    Err(XrpcError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "InvalidRequest").with_message(message))
}

/// Whether a request's content type is the one `encoding` names (`*/*` and `image/*` match
/// any, or any image; parameters such as `; charset=utf-8` are ignored).
fn content_type_matches(encoding: &str, content_type: &str) -> bool {
    let actual = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let expected = encoding.to_ascii_lowercase();
    match expected.split_once('/') {
        Some(("*", "*")) => !actual.is_empty(),
        Some((top, "*")) => actual.split_once('/').is_some_and(|(t, _)| t == top),
        _ => actual == expected,
    }
}

/// The error for a body that could not be read: `413` over the limit (the reference's
/// message), `400` when the client broke off.
fn body_error<E: ErrorName>(error: axum::Error) -> XrpcError<E> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return XrpcError::new(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge")
                .with_message("request entity too large");
        }
        cause = e.source();
    }
    XrpcError::invalid_request(format!("the request body could not be read: {error}"))
}

/// Every violation of `error`, on one line: `$.a: ...; $.b: ...`.
pub(crate) fn every_violation(error: &lexicon_runtime::Error) -> String {
    match error.violations() {
        Some(violations) => violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::content_type_matches;

    #[test]
    fn content_types_match_by_essence_and_wildcard() {
        assert!(content_type_matches(
            "application/json",
            "Application/JSON; charset=utf-8"
        ));
        assert!(!content_type_matches("application/json", "text/plain"));
        assert!(content_type_matches("image/*", "image/png"));
        assert!(!content_type_matches("image/*", "video/mp4"));
        assert!(content_type_matches("*/*", "anything/at-all"));
        assert!(!content_type_matches("*/*", ""));
    }
}
