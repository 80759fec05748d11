//! Queries and procedures as axum routes: what a handler is ([`Handler`]), the route that
//! serves it ([`method_router`]), and what happens to what it returns (errors, panics, output
//! validation and encoding).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method as HttpMethod, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use futures_util::FutureExt as _;
use lexicon_runtime::xrpc::{Method, UnlistedError};

use crate::call::Call;
use crate::error::XrpcError;

/// The boxed, sendable future a handler returns (named apart from `lexicon_identity::BoxFuture`,
/// which borrows its resolver).
pub type HandlerFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

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

/// The axum route of method `M`: `GET` (and `HEAD`) for a query, `POST` for a procedure, any
/// other HTTP method `405` with `Allow`; the [`Call`] extracted, `handler` run, its output
/// validated and encoded. Put layers on it for this method alone, then give it to
/// [`XrpcRouter::route`](crate::XrpcRouter::route).
pub fn method_router<M, S>(handler: impl Handler<M, S>) -> MethodRouter<S>
where
    M: ServedMethod,
    S: Clone + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    let serve = move |call: Call<M, S>| {
        let handler = Arc::clone(&handler);
        async move {
            let validate = call.validates_output();
            respond::<M>(run(handler.as_ref(), call).await, validate)
        }
    };
    let route = if M::HTTP_METHOD == "GET" {
        get(serve)
    } else {
        post(serve)
    };
    route.fallback(wrong_method(M::HTTP_METHOD))
}

/// The fallback of a route for a request with another HTTP method: `405`, the reference's
/// message (axum adds the `Allow` header).
pub(crate) fn wrong_method<S: Clone + Send + Sync + 'static>(
    expected: &'static str,
) -> MethodRouter<S> {
    axum::routing::any(move |method: HttpMethod| async move {
        XrpcError::<UnlistedError>::new(StatusCode::METHOD_NOT_ALLOWED, "InvalidRequest")
            .with_message(format!(
                "Incorrect HTTP method ({method}) expected {expected}"
            ))
            .into_response()
    })
}

/// Runs `handler` on `call`; a panic becomes a `500` (logged by [`respond`]), as the reference
/// answers a throw.
async fn run<M: ServedMethod, S>(
    handler: &impl Handler<M, S>,
    call: Call<M, S>,
) -> HandlerResult<M> {
    match AssertUnwindSafe(handler.call(call)).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            Err(XrpcError::internal(format!("the handler panicked: {what}")))
        }
    }
}

/// The response to what a handler returned: an error as its status and body (a server error
/// logged), an output checked against the lexicon when `validate` (a `500` if it breaks it)
/// and sent in its encoding.
fn respond<M: ServedMethod>(result: HandlerResult<M>, validate: bool) -> Response {
    let output = match result {
        Ok(output) => output,
        Err(error) => {
            if error.status().is_server_error() {
                tracing::error!(nsid = M::NSID, error = %error, "XRPC handler failed");
            }
            return error.into_response();
        }
    };
    if validate {
        if let Err(violations) = M::validate_output(&output) {
            tracing::error!(
                nsid = M::NSID,
                violations = %violations,
                "XRPC handler returned an output its lexicon forbids; answering 500"
            );
            return XrpcError::<M::Error>::internal("invalid output").into_response();
        }
    }
    let Some(encoding) = M::OUTPUT_ENCODING else {
        return StatusCode::OK.into_response();
    };
    let encoding = if encoding.contains('*') {
        "application/octet-stream"
    } else {
        encoding
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, encoding)],
        Body::from(M::encode_output(&output)),
    )
        .into_response()
}
