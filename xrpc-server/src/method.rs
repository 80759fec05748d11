//! Queries and procedures: what a handler receives ([`Call`]), what it is ([`Handler`]), and
//! the checks around it (HTTP method, parameters, content type, input, output).

use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method as HttpMethod, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt as _;
use lexicon_runtime::xrpc::{Method, QueryParams};
use lexicon_runtime::Mode;

use crate::auth::{bearer_token, ServiceAuth};
use crate::error::{error_response, XrpcError};
use crate::router::{Config, HandlerFuture};

/// A query or procedure whose parts can cross threads: every generated method.
pub trait ServedMethod:
    Method<
        Params: Send + 'static,
        Input: Send + 'static,
        Output: Send + 'static,
        Error: Send + 'static,
    > + Send
    + Sync
    + 'static
{
}

impl<M> ServedMethod for M where
    M: Method<
            Params: Send + 'static,
            Input: Send + 'static,
            Output: Send + 'static,
            Error: Send + 'static,
        > + Send
        + Sync
        + 'static
{
}

/// One call of method `M`: its parameters and input, already validated, the service's state
/// and the request headers.
pub struct Call<M: Method, S> {
    /// The parameters, parsed from the query string and valid.
    pub params: M::Params,
    /// The input, decoded and valid (`()` for methods without one, bytes for non-JSON bodies).
    pub input: M::Input,
    /// The state given to [`XrpcRouter::with_state`](crate::XrpcRouter::with_state).
    pub state: S,
    /// The request headers.
    pub headers: HeaderMap,
    pub(crate) config: Arc<Config>,
}

impl<M: Method, S> Call<M, S> {
    /// Verifies the request's service-auth JWT for this method (its `lxm` must be `M::NSID`)
    /// with the router's [`ServiceAuthVerifier`](crate::ServiceAuthVerifier): the caller's
    /// DID and the token's claims, or a 401 to return with `?`.
    pub async fn service_auth(&self) -> Result<ServiceAuth, XrpcError<M::Error>> {
        self.config.service_auth(&self.headers, M::NSID).await
    }

    /// The token of the `Authorization: Bearer` header, for first-party tokens the service
    /// checks itself (API keys, sessions), or a 401 to return with `?`.
    pub fn bearer_token(&self) -> Result<&str, XrpcError<M::Error>> {
        Ok(bearer_token(&self.headers)?)
    }
}

/// What a handler of `M` returns: its output, or an error.
pub type HandlerResult<M> = Result<<M as Method>::Output, XrpcError<<M as Method>::Error>>;

/// A handler of method `M`: any `async fn(Call<M, S>) -> HandlerResult<M>` (or closure).
pub trait Handler<M: Method, S>: Send + Sync + 'static {
    /// Handles one call.
    fn call(&self, call: Call<M, S>) -> HandlerFuture<HandlerResult<M>>;
}

impl<M, S, F, Fut> Handler<M, S> for F
where
    M: ServedMethod,
    F: Fn(Call<M, S>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult<M>> + Send + 'static,
{
    fn call(&self, call: Call<M, S>) -> HandlerFuture<HandlerResult<M>> {
        Box::pin(self(call))
    }
}

/// A method's handler, type-erased for the router.
pub(crate) trait Route<S>: Send + Sync {
    /// Serves one request.
    fn serve(&self, config: Arc<Config>, state: S, request: Request) -> HandlerFuture<Response>;
}

/// A registered query or procedure.
pub(crate) struct MethodRoute<M, H> {
    handler: Arc<H>,
    method: PhantomData<fn() -> M>,
}

impl<M, H> MethodRoute<M, H> {
    pub(crate) fn new(handler: H) -> Self {
        MethodRoute {
            handler: Arc::new(handler),
            method: PhantomData,
        }
    }
}

impl<M, S, H> Route<S> for MethodRoute<M, H>
where
    M: ServedMethod,
    S: Send + 'static,
    H: Handler<M, S>,
{
    fn serve(&self, config: Arc<Config>, state: S, request: Request) -> HandlerFuture<Response> {
        let handler = Arc::clone(&self.handler);
        Box::pin(serve::<M, S, H>(handler, config, state, request))
    }
}

fn invalid(message: impl std::fmt::Display) -> Response {
    error_response(
        StatusCode::BAD_REQUEST,
        "InvalidRequest",
        &message.to_string(),
    )
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

async fn serve<M, S, H>(
    handler: Arc<H>,
    config: Arc<Config>,
    state: S,
    request: Request,
) -> Response
where
    M: ServedMethod,
    H: Handler<M, S>,
{
    let expected = M::HTTP_METHOD;
    if request.method().as_str() != expected
        && !(expected == "GET" && request.method() == HttpMethod::HEAD)
    {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "InvalidRequest",
            &format!(
                "Incorrect HTTP method ({}) expected {expected}",
                request.method()
            ),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(expected));
        return response;
    }
    let (parts, body) = request.into_parts();
    let params = match M::Params::from_query(parts.uri.query().unwrap_or("")) {
        Ok(params) => params,
        Err(e) => return invalid(format!("invalid parameters: {}", every_violation(&e))),
    };
    // The content type is checked before the body is read, so a refused body is not read.
    if let Some(encoding) = M::INPUT_ENCODING {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let refusal = match content_type {
            Some(actual) if content_type_matches(encoding, actual) => None,
            Some(actual) => Some(format!(
                "Wrong request encoding (Content-Type): {actual}, expected {encoding}"
            )),
            None => Some(format!(
                "Request encoding (Content-Type) required but not provided, expected {encoding}"
            )),
        };
        if let Some(message) = refusal {
            return error_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "InvalidRequest",
                &message,
            );
        }
    }
    let bytes = match axum::body::to_bytes(body, config.body_limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PayloadTooLarge",
                &format!(
                    "the request body is larger than {} bytes",
                    config.body_limit
                ),
            )
        }
    };
    if M::INPUT_ENCODING.is_none() && !bytes.is_empty() {
        return invalid("A request body was provided when none was expected");
    }
    let input = match M::decode_input(&bytes, Mode::Strict) {
        Ok(input) => input,
        Err(e) => return invalid(format!("invalid input: {}", every_violation(&e))),
    };
    let call = Call {
        params,
        input,
        state,
        headers: parts.headers,
        config: Arc::clone(&config),
    };
    let outcome = AssertUnwindSafe(handler.call(call)).catch_unwind().await;
    let output = match outcome {
        Ok(Ok(output)) => output,
        Ok(Err(error)) => {
            if error.status().is_server_error() {
                tracing::error!(nsid = M::NSID, error = %error, "XRPC handler failed");
            }
            return error.into_response();
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            tracing::error!(nsid = M::NSID, panic = %what, "XRPC handler panicked");
            return internal();
        }
    };
    if config.validate_responses {
        if let Err(violations) = M::validate_output(&output) {
            tracing::error!(
                nsid = M::NSID,
                violations = %violations,
                "XRPC handler returned an output its lexicon forbids; answering 500"
            );
            return internal();
        }
    }
    let body = M::encode_output(&output);
    match M::OUTPUT_ENCODING {
        None => StatusCode::OK.into_response(),
        Some(encoding) => {
            let encoding = if encoding.contains('*') {
                "application/octet-stream"
            } else {
                encoding
            };
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, encoding)],
                Body::from(body),
            )
                .into_response()
        }
    }
}

/// The 500 a client sees, whatever went wrong inside.
pub(crate) fn internal() -> Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        "Internal Server Error",
    )
}
