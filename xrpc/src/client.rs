//! The client: where calls go, how they are authenticated, and the generic typed call.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use lexicon_runtime::xrpc::{ErrorName, Method, MethodKind, QueryParams};
use lexicon_runtime::Mode;

use crate::body::BodyError;
use crate::builder::ClientBuilder;
use crate::credentials::{Credentials, Observed};
#[cfg(feature = "reqwest")]
use crate::error::BuildError;
use crate::error::Error;
use crate::retry::{Failure, RetryPolicy};
use crate::session::{PasswordSession, Session};
use crate::transport::{ByteStream, Request, Response, Transport};

/// An XRPC client for one service. Cloning is cheap and clones share the session.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// What a built client is made of.
pub(crate) struct Settings {
    pub(crate) transport: Arc<dyn Transport>,
    /// The service URL and path prefix: `http://localhost:2583/xrpc`.
    pub(crate) base: String,
    pub(crate) proxy: Option<String>,
    pub(crate) mode: Mode,
    pub(crate) max_response_bytes: usize,
    pub(crate) credentials: Option<Arc<dyn Credentials>>,
    pub(crate) retry: RetryPolicy,
}

struct Inner {
    transport: Arc<dyn Transport>,
    /// The service URL and path prefix: `http://localhost:2583/xrpc`.
    base: String,
    proxy: Option<String>,
    mode: Mode,
    max_response_bytes: usize,
    retry: RetryPolicy,
    /// What authorizes calls: the one path for every way of signing in.
    credentials: RwLock<Option<Arc<dyn Credentials>>>,
    /// Shared with the [`Client::session_client`]s made from this one.
    requests: Arc<AtomicU64>,
}

/// A request body and its content type.
pub(crate) struct Body {
    pub(crate) bytes: Bytes,
    pub(crate) content_type: String,
}

impl Client {
    /// A client for the service at `url` (`https://pds.example.com`), with the defaults:
    /// path prefix `/xrpc`, strict response validation, 30 s timeout, 16 MiB response limit.
    #[cfg(feature = "reqwest")]
    pub fn new(url: &str) -> Result<Client, BuildError> {
        Client::builder(url).build()
    }

    /// A builder for a client of the service at `url`.
    pub fn builder(url: &str) -> ClientBuilder {
        ClientBuilder::new(url)
    }

    /// A client from a builder's settings.
    pub(crate) fn from_settings(settings: Settings) -> Client {
        Client {
            inner: Arc::new(Inner {
                transport: settings.transport,
                base: settings.base,
                proxy: settings.proxy,
                mode: settings.mode,
                max_response_bytes: settings.max_response_bytes,
                retry: settings.retry,
                credentials: RwLock::new(settings.credentials),
                requests: Arc::default(),
            }),
        }
    }

    /// A client of the same service with the same settings but no proxy, authorized by
    /// `credentials` alone (none for logging in, the refresh token for refreshing): the
    /// session's own calls.
    pub(crate) fn session_client(&self, credentials: Option<Arc<dyn Credentials>>) -> Client {
        let inner = &self.inner;
        Client {
            inner: Arc::new(Inner {
                transport: Arc::clone(&inner.transport),
                base: inner.base.clone(),
                proxy: None,
                mode: inner.mode,
                max_response_bytes: inner.max_response_bytes,
                retry: inner.retry.clone(),
                credentials: RwLock::new(credentials),
                requests: Arc::clone(&inner.requests),
            }),
        }
    }

    /// Calls a method: `client.call::<GetRecord>(&params, &()).await`. Parameters and a JSON
    /// input that break their schemas are refused before anything is sent ([`Error::Invalid`],
    /// every violation listed); the output is read and validated as the client's mode says; an
    /// XRPC error body becomes `M::Error`.
    pub async fn call<M: Method>(
        &self,
        params: &M::Params,
        input: &M::Input,
    ) -> Result<M::Output, Error<M::Error>> {
        self.call_as::<M>(params, input, None).await
    }

    /// Calls a query, whose input is `()`.
    pub async fn query<M: Method<Input = ()>>(
        &self,
        params: &M::Params,
    ) -> Result<M::Output, Error<M::Error>> {
        self.call::<M>(params, &()).await
    }

    /// Calls a procedure whose lexicon accepts a family of encodings (`image/*`, `*/*`) with
    /// the input's actual content type (`image/png`); otherwise as [`Client::call`].
    pub async fn call_with_content_type<M: Method>(
        &self,
        params: &M::Params,
        input: &M::Input,
        content_type: &str,
    ) -> Result<M::Output, Error<M::Error>> {
        self.call_as::<M>(params, input, Some(content_type)).await
    }

    /// Calls a method and returns the output body as it arrives, unread and unchecked, for
    /// large or endless bodies (`application/vnd.ipld.car`, `text/event-stream`). The response
    /// size limit does not apply; errors are read as by [`Client::call`].
    pub async fn call_stream<M: Method>(
        &self,
        params: &M::Params,
        input: &M::Input,
    ) -> Result<ByteStream, Error<M::Error>> {
        let response = self.start::<M>(params, input, None).await?;
        Ok(response.body)
    }

    /// A call with the given input content type (for `*/*` inputs): checked, sent, and its
    /// output read and validated.
    pub(crate) async fn call_as<M: Method>(
        &self,
        params: &M::Params,
        input: &M::Input,
        content_type: Option<&str>,
    ) -> Result<M::Output, Error<M::Error>> {
        let mut response = self.start::<M>(params, input, content_type).await?;
        let bytes = self.read(M::NSID, &mut response).await?;
        M::decode_output(&bytes, self.inner.mode).map_err(|error| Error::InvalidResponse {
            nsid: M::NSID,
            error,
        })
    }

    /// Checks and sends a call; the response has a success status, its body still unread.
    async fn start<M: Method>(
        &self,
        params: &M::Params,
        input: &M::Input,
        content_type: Option<&str>,
    ) -> Result<Response, Error<M::Error>> {
        check_request::<M>(params, input)?;
        let body = encode_input::<M>(input, content_type);
        let query = params.to_query();
        self.send(M::NSID, M::HTTP_METHOD, query, body).await
    }

    /// The app-password session calls are authorized with (from [`Client::login`] or
    /// [`Client::set_session`]), as it is now: its tokens change when it refreshes.
    pub fn session(&self) -> Option<Session> {
        let credentials: Arc<dyn Any + Send + Sync> = self.credentials()?;
        let password = credentials.downcast::<PasswordSession>().ok()?;
        Some(password.session())
    }

    /// Authorizes calls with an app-password session (one saved earlier), refreshed with
    /// `com.atproto.server.refreshSession` when the server says `ExpiredToken`; `None` forgets
    /// the credentials.
    pub fn set_session(&self, session: Option<Session>) {
        let credentials = session.map(|session| {
            Arc::new(PasswordSession::new(self.session_client(None), session))
                as Arc<dyn Credentials>
        });
        self.set_credentials(credentials);
    }

    /// The credentials calls are authorized with, if any (they take the place of a session).
    pub fn credentials(&self) -> Option<Arc<dyn Credentials>> {
        self.inner
            .credentials
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the credentials (an OAuth session, an app-password session, an access token),
    /// or `None` to forget them.
    pub fn set_credentials(&self, credentials: Option<Arc<dyn Credentials>>) {
        *self
            .inner
            .credentials
            .write()
            .unwrap_or_else(|e| e.into_inner()) = credentials;
    }

    /// The account calls act as: the credentials' DID.
    pub fn did(&self) -> Option<lexicon_runtime::Did> {
        self.credentials()?.did()
    }

    /// How many HTTP requests this client (and its clones) has sent.
    pub fn requests_sent(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The mode responses are validated in.
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// Sends one call: the credentials authorize it, the transport sends it, the retry policy
    /// may send it again after a failure, and the credentials see the answer (and may ask for
    /// it to be sent again, with fresh headers, at most three times); returns a response with a
    /// success status, or the call's error.
    pub(crate) async fn send<E: ErrorName>(
        &self,
        nsid: &'static str,
        method: &'static str,
        query: String,
        body: Option<Body>,
    ) -> Result<Response, Error<E>> {
        let mut url = format!("{}/{}", self.inner.base, nsid);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let credentials = self.credentials();
        let mut again = 0;
        let mut retried = 0;
        loop {
            let mut request = self.request(method, &url, &body);
            if let Some(credentials) = &credentials {
                credentials
                    .authorize(&mut request)
                    .await
                    .map_err(|error| Error::Credentials { nsid, error })?;
            }
            let sent = credentials.as_ref().map(|_| request.clone());
            let mut response = match self.send_once::<E>(nsid, request).await {
                Ok(response) => response,
                Err(error) => {
                    let failure = match &error {
                        Error::Transport { error, .. } => Failure::of_transport(error),
                        _ => return Err(error),
                    };
                    if self.wait_to_retry(method, &mut retried, failure).await {
                        continue;
                    }
                    return Err(error);
                }
            };
            if (200..300).contains(&response.status) {
                if let (Some(credentials), Some(sent)) = (&credentials, &sent) {
                    credentials
                        .observe(sent, observed(&response, None))
                        .await
                        .map_err(|error| Error::Credentials { nsid, error })?;
                }
                return Ok(response);
            }
            let error = self.read_error(nsid, &mut response).await;
            if let Some(failure) = Failure::of_status(response.status, retry_after(&response)) {
                if self.wait_to_retry(method, &mut retried, failure).await {
                    continue;
                }
            }
            if let (Some(credentials), Some(sent)) = (&credentials, &sent) {
                let name = match &error {
                    ReadErrorBody::Xrpc { name, .. } => Some(name.as_str()),
                    ReadErrorBody::Text(_) => None,
                };
                let send_again = credentials
                    .observe(sent, observed(&response, name))
                    .await
                    .map_err(|error| Error::Credentials { nsid, error })?;
                if send_again && again < 3 {
                    again += 1;
                    continue;
                }
            }
            return Err(error.into_error(nsid, response.status, &response));
        }
    }

    /// Waits before sending a call again after `failure`, if the retry policy says to;
    /// false when it says to give up.
    async fn wait_to_retry(&self, method: &str, retried: &mut u32, failure: Failure) -> bool {
        match self.inner.retry.delay(method, *retried, failure) {
            Some(delay) => {
                *retried += 1;
                tokio::time::sleep(delay).await;
                true
            }
            None => false,
        }
    }

    fn request(&self, method: &'static str, url: &str, body: &Option<Body>) -> Request {
        let mut headers = vec![("accept", "application/json, */*;q=0.5".to_owned())];
        if let Some(proxy) = &self.inner.proxy {
            headers.push(("atproto-proxy", proxy.clone()));
        }
        if let Some(body) = body {
            headers.push(("content-type", body.content_type.clone()));
        }
        Request {
            method,
            url: url.to_owned(),
            headers,
            body: body
                .as_ref()
                .map(|b| b.bytes.clone())
                .or(if method == "POST" {
                    Some(Bytes::new())
                } else {
                    None
                }),
        }
    }

    async fn send_once<E>(
        &self,
        nsid: &'static str,
        request: Request,
    ) -> Result<Response, Error<E>> {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        self.inner
            .transport
            .send(request)
            .await
            .map_err(|error| Error::Transport { nsid, error })
    }

    /// Reads a success body whole, within the size limit.
    pub(crate) async fn read<E>(
        &self,
        nsid: &'static str,
        response: &mut Response,
    ) -> Result<Vec<u8>, Error<E>> {
        let limit = self.inner.max_response_bytes;
        response.read_limited(limit).await.map_err(|e| match e {
            BodyError::TooLarge { limit } => Error::TooLarge { nsid, limit },
            BodyError::Transport(error) => Error::Transport { nsid, error },
        })
    }

    async fn read_error(&self, nsid: &'static str, response: &mut Response) -> ReadErrorBody {
        let limit = self.inner.max_response_bytes.min(64 * 1024);
        match response.read_limited(limit).await {
            Ok(bytes) => ReadErrorBody::parse(&bytes),
            Err(BodyError::TooLarge { .. }) => {
                ReadErrorBody::Text(format!("(an error body longer than {limit} bytes)"))
            }
            Err(BodyError::Transport(e)) => {
                ReadErrorBody::Text(format!("(the error body could not be read: {e}; {nsid})"))
            }
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base)
            .field("proxy", &self.inner.proxy)
            .field("mode", &self.inner.mode)
            .field("did", &self.did())
            .finish_non_exhaustive()
    }
}

/// What the credentials see of a response: its status, headers and XRPC error name.
fn observed<'a>(response: &'a Response, error: Option<&'a str>) -> Observed<'a> {
    Observed {
        status: response.status,
        headers: &response.headers,
        error,
    }
}

/// Refuses a call whose parameters or input break their schemas, before anything is sent.
fn check_request<M: Method>(params: &M::Params, input: &M::Input) -> Result<(), Error<M::Error>> {
    M::validate_request(params, input).map_err(|errors| Error::Invalid {
        nsid: M::NSID,
        error: lexicon_runtime::Error::Invalid(errors),
    })
}

/// A method's input as a request body: its encoding, or `content_type` when the lexicon
/// accepts any (`*/*`, as `uploadBlob` does).
fn encode_input<M: Method>(input: &M::Input, content_type: Option<&str>) -> Option<Body> {
    if M::KIND != MethodKind::Procedure {
        return None;
    }
    let encoding = M::INPUT_ENCODING?;
    let content_type = match (content_type, encoding) {
        (Some(given), _) => given,
        (None, "*/*") => "application/octet-stream",
        (None, declared) => declared,
    };
    Some(Body {
        bytes: Bytes::from(M::encode_input(input)),
        content_type: content_type.to_owned(),
    })
}

/// An error response's body.
enum ReadErrorBody {
    /// An XRPC error: `{"error": "...", "message": "..."}`.
    Xrpc {
        name: String,
        message: Option<String>,
    },
    /// Anything else, as text.
    Text(String),
}

impl ReadErrorBody {
    fn parse(bytes: &[u8]) -> Self {
        let xrpc = serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| {
                let name = v.get("error")?.as_str()?.to_owned();
                let message = v.get("message").and_then(|m| m.as_str()).map(str::to_owned);
                Some(ReadErrorBody::Xrpc { name, message })
            });
        xrpc.unwrap_or_else(|| {
            let text = String::from_utf8_lossy(bytes);
            let mut end = text.len().min(1000);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            ReadErrorBody::Text(text[..end].trim().to_owned())
        })
    }

    fn into_error<E: ErrorName>(
        self,
        nsid: &'static str,
        status: u16,
        response: &Response,
    ) -> Error<E> {
        let message = match &self {
            ReadErrorBody::Xrpc { message, .. } => message.clone(),
            ReadErrorBody::Text(text) => Some(text.clone()).filter(|t| !t.is_empty()),
        };
        if status == 429 {
            return Error::RateLimited {
                nsid,
                retry_after: retry_after(response),
                message,
            };
        }
        match self {
            ReadErrorBody::Xrpc { name, message } => Error::Xrpc {
                nsid,
                status,
                error: E::from_name(&name),
                message,
            },
            ReadErrorBody::Text(body) => Error::Status { nsid, status, body },
        }
    }
}

/// How long a 429 says to wait: `Retry-After` in seconds or as an HTTP date, else
/// `RateLimit-Reset` (the epoch second when the limit resets, as atproto services send it).
fn retry_after(response: &Response) -> Option<Duration> {
    let now = std::time::SystemTime::now();
    if let Some(value) = response.header("retry-after").map(str::trim) {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Ok(when) = httpdate::parse_http_date(value) {
            return Some(when.duration_since(now).unwrap_or_default());
        }
    }
    let reset = response
        .header("ratelimit-reset")?
        .trim()
        .parse::<u64>()
        .ok()?;
    let when = std::time::UNIX_EPOCH + Duration::from_secs(reset);
    Some(when.duration_since(now).unwrap_or_default())
}
