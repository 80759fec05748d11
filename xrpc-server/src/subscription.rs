//! Subscriptions: a WebSocket route that sends typed messages as atproto event-stream frames
//! (a DAG-CBOR header, `{"op": 1, "t": "#commit"}`, then the DAG-CBOR body; errors as
//! `{"op": -1}` and `{"error", "message"}`).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, MethodRouter};
use futures_util::{FutureExt as _, Stream, StreamExt as _};
use lexicon_runtime::cbor::frame::{error_frame, message_frame};
use lexicon_runtime::xrpc::{ErrorName, QueryParams, Subscription};
use lexicon_runtime::Validate;

use crate::auth::{bearer_token, ServiceAuth};
use crate::call::{every_violation, Config};
use crate::error::XrpcError;
use crate::method::{wrong_method, HandlerFuture};

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

impl<T, S> FromRequestParts<S> for SubscriptionCall<T, S>
where
    T: ServedSubscription,
    S: Clone + Send + Sync + 'static,
{
    type Rejection = XrpcError<T::Error>;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = T::Params::from_query(parts.uri.query().unwrap_or("")).map_err(|e| {
            XrpcError::invalid_request(format!("invalid parameters: {}", every_violation(&e)))
        })?;
        Ok(SubscriptionCall {
            params,
            state: state.clone(),
            headers: parts.headers.clone(),
            config: Config::of(parts),
        })
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

/// The axum route of subscription `T`: a `GET` upgraded to a WebSocket (any other HTTP
/// method `405`, a request that is not an upgrade `400`); the [`SubscriptionCall`] extracted
/// and `handler`'s stream sent frame by frame. Refused parameters are an error frame, as the
/// reference sends them.
pub fn subscription_router<T, S>(handler: impl StreamHandler<T, S>) -> MethodRouter<S>
where
    T: ServedSubscription,
    S: Clone + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    let serve = move |upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
                      call: Result<SubscriptionCall<T, S>, XrpcError<T::Error>>| {
        let handler = Arc::clone(&handler);
        async move {
            let Ok(upgrade) = upgrade else {
                return XrpcError::<T::Error>::invalid_request(format!(
                    "{} is a subscription: connect with a WebSocket",
                    T::NSID
                ))
                .into_response();
            };
            upgrade.on_upgrade(move |mut socket| async move {
                match call {
                    Ok(call) => stream(socket, handler.as_ref(), call).await,
                    Err(error) => send_error(&mut socket, error).await,
                }
            })
        }
    };
    get(serve).fallback(wrong_method("GET"))
}

/// Sends `error` as an error frame and closes the connection; a server error is logged, its
/// message kept from the client.
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

/// Sends the messages of `handler`'s stream for `call` until it ends, fails, or the client
/// goes away.
async fn stream<T, S>(
    mut socket: WebSocket,
    handler: &impl StreamHandler<T, S>,
    call: SubscriptionCall<T, S>,
) where
    T: ServedSubscription,
{
    let validate = call.config.validate_responses;
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
