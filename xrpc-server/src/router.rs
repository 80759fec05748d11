//! The router: methods and subscriptions registered by NSID, served under `/xrpc/{nsid}`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use lexicon_runtime::xrpc::ErrorName;

use crate::auth::{ServiceAuth, ServiceAuthVerifier};
use crate::error::error_response;
use crate::error::XrpcError;
use crate::method::{Handler, MethodRoute, Route, ServedMethod};
use crate::subscription::{ServedSubscription, StreamHandler, SubscriptionRoute};

/// The boxed, sendable future a handler returns (named apart from `lexicon_identity::BoxFuture`,
/// which borrows its resolver).
pub type HandlerFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What every route reads: the router's settings.
pub(crate) struct Config {
    pub(crate) validate_responses: bool,
    pub(crate) body_limit: usize,
    pub(crate) service_auth: Option<ServiceAuthVerifier>,
}

impl Config {
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

/// An XRPC service: one handler per method, then [`with_state`](Self::with_state) (or
/// [`into_router`](Self::into_router)) for an [`axum::Router`] to serve, nest or merge.
///
/// Every request to `{prefix}/{nsid}` (prefix `/xrpc` unless set) is checked before its
/// handler runs: the HTTP method (`405` otherwise), the parameters (`400 InvalidRequest` listing
/// every violation), the content type of an input (`415`), its size ([`body_limit`](Self::body_limit),
/// `413`) and its schema (`400`). An NSID with no handler answers `501 MethodNotImplemented`. A
/// handler's output is checked against its lexicon before it is sent ([`validate_responses`](Self::validate_responses)):
/// an invalid one is logged with its violations and answered with a `500`, as is a panic.
pub struct XrpcRouter<S = ()> {
    prefix: String,
    routes: HashMap<&'static str, Arc<dyn Route<S>>>,
    config: Config,
}

impl<S: Clone + Send + Sync + 'static> Default for XrpcRouter<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> XrpcRouter<S> {
    /// A router with no methods: prefix `/xrpc`, responses validated, 1 MiB body limit, no
    /// service auth.
    pub fn new() -> Self {
        XrpcRouter {
            prefix: "/xrpc".into(),
            routes: HashMap::new(),
            config: Config {
                validate_responses: true,
                body_limit: 1 << 20,
                service_auth: None,
            },
        }
    }

    /// Serves query or procedure `M` with `handler`: an `async fn(Call<M, S>) -> HandlerResult<M>`.
    /// A second handler for the same NSID replaces the first.
    pub fn method<M: ServedMethod>(mut self, handler: impl Handler<M, S>) -> Self {
        self.routes
            .insert(M::NSID, Arc::new(MethodRoute::<M, _>::new(handler)));
        self
    }

    /// Serves subscription `T` over WebSocket with `handler`: an
    /// `async fn(SubscriptionCall<T, S>) -> Result<impl Stream<Item = Result<T::Message, XrpcError<T::Error>>>, XrpcError<T::Error>>`.
    pub fn subscription<T: ServedSubscription>(
        mut self,
        handler: impl StreamHandler<T, S>,
    ) -> Self {
        self.routes
            .insert(T::NSID, Arc::new(SubscriptionRoute::<T, _>::new(handler)));
        self
    }

    /// Serves under `prefix` instead of `/xrpc` (`/api/xrpc`, say).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = format!("/{}", prefix.into().trim_matches('/'));
        self
    }

    /// Whether outputs and subscription messages are checked against their lexicon before
    /// they are sent (on by default).
    pub fn validate_responses(mut self, validate: bool) -> Self {
        self.config.validate_responses = validate;
        self
    }

    /// The largest request body accepted, in bytes (1 MiB by default); larger ones get `413`.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.config.body_limit = bytes;
        self
    }

    /// The verifier that [`Call::service_auth`](crate::Call::service_auth) uses.
    pub fn service_auth(mut self, verifier: ServiceAuthVerifier) -> Self {
        self.config.service_auth = Some(verifier);
        self
    }

    /// The axum router, with `state` given to every handler.
    pub fn with_state(self, state: S) -> Router {
        let shared = Arc::new(Shared {
            routes: self.routes,
            config: Arc::new(self.config),
            state,
        });
        let path = if self.prefix == "/" {
            "/{nsid}".to_owned()
        } else {
            format!("{}/{{nsid}}", self.prefix)
        };
        Router::new()
            .route(&path, any(dispatch::<S>))
            .with_state(shared)
    }
}

impl XrpcRouter<()> {
    /// The axum router, for handlers without state.
    pub fn into_router(self) -> Router {
        self.with_state(())
    }
}

struct Shared<S> {
    routes: HashMap<&'static str, Arc<dyn Route<S>>>,
    config: Arc<Config>,
    state: S,
}

async fn dispatch<S: Clone + Send + Sync + 'static>(
    State(shared): State<Arc<Shared<S>>>,
    Path(nsid): Path<String>,
    request: Request,
) -> Response {
    match shared.routes.get(nsid.as_str()) {
        Some(route) => {
            route
                .serve(Arc::clone(&shared.config), shared.state.clone(), request)
                .await
        }
        None => error_response(
            StatusCode::NOT_IMPLEMENTED,
            "MethodNotImplemented",
            "Method Not Implemented",
        ),
    }
}
