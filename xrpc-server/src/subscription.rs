//! Subscriptions: a WebSocket route that sends typed messages as atproto event-stream frames
//! (a DAG-CBOR header, `{"op": 1, "t": "#commit"}`, then the DAG-CBOR body; errors as
//! `{"op": -1}` and `{"error", "message"}`).

use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{FutureExt as _, Stream, StreamExt as _};
use lexicon_runtime::cbor::frame::{error_frame, message_frame};
use lexicon_runtime::xrpc::{ErrorName, QueryParams, Subscription};
use lexicon_runtime::Validate;

use crate::auth::{bearer_token, ServiceAuth};
use crate::error::{error_response, XrpcError};
use crate::method::Route;
use crate::router::{Config, HandlerFuture};

/// A subscription whose parts can cross threads: every generated subscription.
pub trait ServedSubscription:
    Subscription<Params: Send + 'static, Message: Send + 'static, Error: Send + 'static>
    + Send
    + Sync
    + 'static
{
}

impl<T> ServedSubscription for T where
    T: Subscription<Params: Send + 'static, Message: Send + 'static, Error: Send + 'static>
        + Send
        + Sync
        + 'static
{
}

/// One connection to subscription `T`: its parameters (the `cursor`, typically), the state and
/// the request headers.
pub struct SubscriptionCall<T: Subscription, S> {
    /// The parameters, parsed from the query string and valid.
    pub params: T::Params,
    /// The state given to [`XrpcRouter::with_state`](crate::XrpcRouter::with_state).
    pub state: S,
    /// The headers of the upgrade request.
    pub headers: HeaderMap,
    config: Arc<Config>,
}

impl<T: Subscription, S> SubscriptionCall<T, S> {
    /// Verifies the upgrade request's service-auth JWT for this subscription.
    pub async fn service_auth(&self) -> Result<ServiceAuth, XrpcError<T::Error>> {
        self.config.service_auth(&self.headers, T::NSID).await
    }

    /// The token of the `Authorization: Bearer` header.
    pub fn bearer_token(&self) -> Result<&str, XrpcError<T::Error>> {
        Ok(bearer_token(&self.headers)?)
    }
}

/// The messages of one connection: each one sent as a frame; an error is sent as an error
/// frame and ends the connection.
pub type MessageStream<T> = Pin<
    Box<
        dyn Stream<
                Item = Result<<T as Subscription>::Message, XrpcError<<T as Subscription>::Error>>,
            > + Send,
    >,
>;

/// What a subscription handler returns: the stream of messages, or an error (sent as an error
/// frame, `FutureCursor` say) before any message.
pub type StreamResult<T> = Result<MessageStream<T>, XrpcError<<T as Subscription>::Error>>;

/// A handler of subscription `T`: any `async fn(SubscriptionCall<T, S>) -> Result<impl Stream, XrpcError>`.
pub trait StreamHandler<T: Subscription, S>: Send + Sync + 'static {
    /// Opens the stream of one connection.
    fn call(&self, call: SubscriptionCall<T, S>) -> HandlerFuture<StreamResult<T>>;
}

impl<T, S, F, Fut, St> StreamHandler<T, S> for F
where
    T: ServedSubscription,
    F: Fn(SubscriptionCall<T, S>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<St, XrpcError<T::Error>>> + Send + 'static,
    St: Stream<Item = Result<T::Message, XrpcError<T::Error>>> + Send + 'static,
{
    fn call(&self, call: SubscriptionCall<T, S>) -> HandlerFuture<StreamResult<T>> {
        let opened = self(call);
        Box::pin(async move { opened.await.map(|s| Box::pin(s) as MessageStream<T>) })
    }
}

pub(crate) struct SubscriptionRoute<T, H> {
    handler: Arc<H>,
    subscription: PhantomData<fn() -> T>,
}

impl<T, H> SubscriptionRoute<T, H> {
    pub(crate) fn new(handler: H) -> Self {
        SubscriptionRoute {
            handler: Arc::new(handler),
            subscription: PhantomData,
        }
    }
}

impl<T, S, H> Route<S> for SubscriptionRoute<T, H>
where
    T: ServedSubscription,
    S: Send + 'static,
    H: StreamHandler<T, S>,
{
    fn serve(&self, config: Arc<Config>, state: S, request: Request) -> HandlerFuture<Response> {
        let handler = Arc::clone(&self.handler);
        Box::pin(async move {
            let (mut parts, _) = request.into_parts();
            let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
                Ok(upgrade) => upgrade,
                Err(_) => {
                    return error_response(
                        StatusCode::BAD_REQUEST,
                        "InvalidRequest",
                        &format!("{} is a subscription: connect with a WebSocket", T::NSID),
                    )
                }
            };
            let query = parts.uri.query().unwrap_or("").to_owned();
            upgrade
                .on_upgrade(move |socket| async move {
                    stream::<T, S, H>(socket, handler, config, state, parts.headers, &query).await
                })
                .into_response()
        })
    }
}

async fn send_error<E: ErrorName>(socket: &mut WebSocket, error: XrpcError<E>) {
    let message = if error.status().is_server_error() {
        tracing::error!(error = %error, "XRPC subscription failed");
        None
    } else {
        error.message().map(str::to_owned)
    };
    let bytes = error_frame(error.name(), message.as_deref());
    let _ = socket.send(WsMessage::Binary(bytes.into())).await;
    let _ = socket.send(WsMessage::Close(None)).await;
}

async fn stream<T, S, H>(
    mut socket: WebSocket,
    handler: Arc<H>,
    config: Arc<Config>,
    state: S,
    headers: HeaderMap,
    query: &str,
) where
    T: ServedSubscription,
    H: StreamHandler<T, S>,
{
    let params = match T::Params::from_query(query) {
        Ok(params) => params,
        Err(e) => {
            let error = XrpcError::<T::Error>::invalid_request(format!(
                "invalid parameters: {}",
                crate::method::every_violation(&e)
            ));
            return send_error(&mut socket, error).await;
        }
    };
    let validate = config.validate_responses;
    let call = SubscriptionCall {
        params,
        state,
        headers,
        config,
    };
    let mut messages = match AssertUnwindSafe(handler.call(call)).catch_unwind().await {
        Ok(Ok(messages)) => messages,
        Ok(Err(error)) => return send_error(&mut socket, error).await,
        Err(_) => {
            tracing::error!(nsid = T::NSID, "XRPC subscription handler panicked");
            return send_error(&mut socket, XrpcError::<T::Error>::internal("panic")).await;
        }
    };
    loop {
        let next = tokio::select! {
            next = messages.next() => next,
            incoming = socket.recv() => match incoming {
                // The client closed, or went away: stop producing.
                None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => return,
                Some(Ok(_)) => continue,
            },
        };
        let message = match next {
            None => break,
            Some(Ok(message)) => message,
            Some(Err(error)) => return send_error(&mut socket, error).await,
        };
        if validate {
            if let Err(violations) = message.validate() {
                tracing::error!(
                    nsid = T::NSID,
                    violations = %violations,
                    "XRPC subscription produced a message its lexicon forbids; closing the stream"
                );
                return send_error(
                    &mut socket,
                    XrpcError::<T::Error>::internal("invalid message"),
                )
                .await;
            }
        }
        match message_frame(T::NSID, &message) {
            Ok(bytes) => {
                if socket.send(WsMessage::Binary(bytes.into())).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::error!(nsid = T::NSID, error = %e, "encoding a subscription message");
                return send_error(&mut socket, XrpcError::<T::Error>::internal(e.to_string()))
                    .await;
            }
        }
    }
    let _ = socket.send(WsMessage::Close(None)).await;
}
