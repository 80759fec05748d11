//! The router: one axum route per method or subscription, served under `/xrpc/{nsid}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, MethodRouter};
use axum::{Extension, Router};
use lexicon_runtime::xrpc::UnlistedError;

use crate::auth::ServiceAuthVerifier;
use crate::call::Config;
use crate::error::XrpcError;
use crate::method::{method_router, Handler, ServedMethod};
use crate::subscription::{subscription_router, ServedSubscription, StreamHandler};

/// An XRPC service: one handler per method, then [`with_state`](Self::with_state) (or
/// [`router`](Self::router), [`into_router`](Self::into_router)) for an [`axum::Router`] to
/// serve, nest, merge or layer.
///
/// Each method is an axum route of its own at `{prefix}/{nsid}` (prefix `/xrpc` unless set),
/// so axum's routing, layers and extractors apply to it alone ([`route`](Self::route)). Every
/// request is checked before its handler runs: the HTTP method (`405`), the parameters
/// (`400 InvalidRequest` listing every violation), the content type of an input (`415`), its
/// size ([`body_limit`](Self::body_limit), `413`) and its schema (`400`). An NSID with no
/// handler answers `501 MethodNotImplemented`. A handler's output is checked against its
/// lexicon before it is sent ([`validate_responses`](Self::validate_responses)): an invalid one
/// is logged with its violations and answered with a `500`, as is a panic.
pub struct XrpcRouter<S = ()> {
    prefix: String,
    routes: BTreeMap<String, MethodRouter<S>>,
    config: Config,
    body_limit: usize,
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
            routes: BTreeMap::new(),
            config: Config::default(),
            body_limit: 1 << 20,
        }
    }

    /// Serves query or procedure `M` with `handler`: an `async fn(Call<M, S>) -> HandlerResult<M>`.
    /// A second route for the same NSID replaces the first.
    pub fn method<M: ServedMethod>(self, handler: impl Handler<M, S>) -> Self {
        self.route(M::NSID, method_router::<M, S>(handler))
    }

    /// Serves subscription `T` over WebSocket with `handler`: an
    /// `async fn(SubscriptionCall<T, S>) -> Result<impl Stream<Item = Result<T::Message, XrpcError<T::Error>>>, XrpcError<T::Error>>`.
    pub fn subscription<T: ServedSubscription>(self, handler: impl StreamHandler<T, S>) -> Self {
        self.route(T::NSID, subscription_router::<T, S>(handler))
    }

    /// Serves `route` at NSID `nsid`: a [`method_router`] or [`subscription_router`] with
    /// layers of its own (a larger [`DefaultBodyLimit`] for an upload, a rate limit, an
    /// authentication middleware), or any axum route. A second route for the same NSID
    /// replaces the first.
    pub fn route(mut self, nsid: impl Into<String>, route: MethodRouter<S>) -> Self {
        self.routes.insert(nsid.into(), route);
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

    /// The largest request body accepted, in bytes (1 MiB by default), as axum's
    /// [`DefaultBodyLimit`] on every route; larger ones get `413`. A `DefaultBodyLimit` layer
    /// on one route overrides it there.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The verifier that [`Call::service_auth`](crate::Call::service_auth) uses.
    pub fn service_auth(mut self, verifier: ServiceAuthVerifier) -> Self {
        self.config.service_auth = Some(verifier);
        self
    }

    /// The axum router, still waiting for its state (to merge into an app's `Router<S>`).
    pub fn router(self) -> Router<S> {
        let base = if self.prefix == "/" {
            ""
        } else {
            self.prefix.as_str()
        };
        let mut router = Router::new();
        for (nsid, route) in self.routes {
            router = router.route(&format!("{base}/{nsid}"), route);
        }
        router
            .route(&format!("{base}/{{nsid}}"), any(not_implemented))
            .layer(DefaultBodyLimit::max(self.body_limit))
            .layer(Extension(Arc::new(self.config)))
    }

    /// The axum router, with `state` given to every handler.
    pub fn with_state(self, state: S) -> Router {
        self.router().with_state(state)
    }
}

impl XrpcRouter<()> {
    /// The axum router, for handlers without state.
    pub fn into_router(self) -> Router {
        self.with_state(())
    }
}

/// What an NSID nobody serves gets, as from the reference server.
async fn not_implemented() -> Response {
    XrpcError::<UnlistedError>::new(StatusCode::NOT_IMPLEMENTED, "MethodNotImplemented")
        .with_message("Method Not Implemented")
        .into_response()
}
