//! HTTP as the client sees it: one request out, a status, headers and a byte stream back.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use futures_util::Stream;
use lexicon_runtime::cause::{Cause, Chain};

/// A response body as it arrives, chunk by chunk.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, TransportError>> + Send>>;

/// The future a [`Transport`] returns.
pub type SendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response, TransportError>> + Send + 'a>>;

/// An HTTP request for one XRPC call. Its `Debug` shows the credentials headers
/// (`authorization`, `dpop`) as `<redacted>`.
#[derive(Clone)]
#[non_exhaustive]
pub struct Request {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The whole URL, query string included.
    pub url: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(&'static str, String)>,
    /// The body of a procedure; `None` for a query.
    pub body: Option<Bytes>,
}

impl Request {
    /// A `method` (`GET` or `POST`) request for `url`, with no headers and no body.
    pub fn new(method: &'static str, url: impl Into<String>) -> Self {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// The request with one more header (`name` lowercase).
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The request with `body`.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        header_in(&self.headers, name)
    }
}

/// Headers whose values are credentials, shown as `<redacted>` by `Request`'s `Debug`.
const SECRET_HEADERS: &[&str] = &["authorization", "dpop", "cookie"];

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let secret = SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s));
                (*name, if secret { "<redacted>" } else { value.as_str() })
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("{} bytes", b.len())),
            )
            .finish()
    }
}

/// An HTTP response: status and headers, and the body still to be read.
#[non_exhaustive]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: ByteStream,
}

impl Response {
    /// A response with these parts.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: ByteStream) -> Self {
        Response {
            status,
            headers,
            body,
        }
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.headers, name)
    }
}

/// The first value of header `name` (case-insensitive) in `headers`.
pub(crate) fn header_in<'a, N: AsRef<str>>(
    headers: &'a [(N, String)],
    name: &str,
) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// Why a request got no response. Its `source()` is the HTTP stack's error (and so on down to
/// the I/O error); its message names every cause, since the first rarely says why.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The request or the body took longer than the client's timeout.
    #[error("timed out")]
    Timeout,
    /// No connection could be made.
    #[error("could not connect: {}", Chain(&**.0))]
    Connect(#[source] Cause),
    /// Anything else that went wrong on the way.
    #[error("{}", Chain(&**.0))]
    Other(#[source] Cause),
}

impl TransportError {
    /// No connection could be made, because of `cause`.
    pub fn connect(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        TransportError::Connect(Cause::new(cause))
    }

    /// The request failed because of `cause`.
    pub fn other(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        TransportError::Other(Cause::new(cause))
    }

    /// The request failed, for the reason `message` gives (a transport of your own, a test
    /// double).
    pub fn message(message: impl Into<String>) -> Self {
        TransportError::Other(Cause::new(Message(message.into())))
    }
}

/// A cause that is only a message.
#[derive(Debug)]
struct Message(String);

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Message {}

/// Sends HTTP requests: [`ReqwestTransport`] by default, or your own (a test double, another
/// HTTP stack, middleware that signs or logs requests).
pub trait Transport: Send + Sync + 'static {
    /// Sends one request and returns the response once its status and headers are in.
    fn send(&self, request: Request) -> SendFuture<'_>;
}

#[cfg(feature = "reqwest")]
pub use self::reqwest_transport::ReqwestTransport;

#[cfg(feature = "reqwest")]
mod reqwest_transport {
    use std::time::Duration;

    use futures_util::StreamExt;

    use super::{Request, Response, SendFuture, Transport, TransportError};

    /// The default transport: a `reqwest` client with rustls, HTTP/1.1 and HTTP/2.
    #[derive(Debug, Clone)]
    pub struct ReqwestTransport {
        client: reqwest::Client,
    }

    impl ReqwestTransport {
        /// A transport with a timeout for the whole exchange (body included) and one for
        /// connecting.
        pub fn new(timeout: Duration, connect_timeout: Duration) -> Result<Self, TransportError> {
            let client = reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(connect_timeout)
                .user_agent(concat!("lexicon-xrpc/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(TransportError::other)?;
            Ok(ReqwestTransport { client })
        }

        /// A transport over a `reqwest::Client` you configured.
        pub fn from_client(client: reqwest::Client) -> Self {
            ReqwestTransport { client }
        }
    }

    fn transport_error(e: reqwest::Error) -> TransportError {
        if e.is_timeout() {
            TransportError::Timeout
        } else if e.is_connect() {
            TransportError::connect(e)
        } else {
            TransportError::other(e)
        }
    }

    impl Transport for ReqwestTransport {
        fn send(&self, request: Request) -> SendFuture<'_> {
            Box::pin(async move {
                let method = if request.method == "POST" {
                    reqwest::Method::POST
                } else {
                    reqwest::Method::GET
                };
                let mut builder = self.client.request(method, &request.url);
                for (name, value) in request.headers {
                    builder = builder.header(name, value);
                }
                if let Some(body) = request.body {
                    builder = builder.body(body);
                }
                let response = builder.send().await.map_err(transport_error)?;
                let status = response.status().as_u16();
                let headers = response
                    .headers()
                    .iter()
                    .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                    .collect();
                let body = response
                    .bytes_stream()
                    .map(|chunk| chunk.map_err(transport_error));
                Ok(Response::new(status, headers, Box::pin(body)))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Request;

    #[test]
    fn a_request_shows_no_credentials_in_debug() {
        let request = Request {
            method: "POST",
            url: "https://pds.example/xrpc/com.atproto.repo.createRecord".into(),
            headers: vec![
                ("authorization", "DPoP secret-access-token".into()),
                ("dpop", "secret.proof.jwt".into()),
                ("content-type", "application/json".into()),
            ],
            body: Some(bytes::Bytes::from_static(b"{\"secret\": 1}")),
        };
        let text = format!("{request:?}");
        assert!(!text.contains("secret"), "{text}");
        assert!(
            text.contains("<redacted>") && text.contains("application/json"),
            "{text}"
        );
        assert!(text.contains("13 bytes"), "{text}");
    }

    #[test]
    fn a_transport_error_names_its_causes_and_keeps_them() {
        #[derive(Debug, thiserror::Error)]
        #[error("error sending request")]
        struct Outer(#[source] std::io::Error);
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let error = super::TransportError::connect(Outer(refused));
        assert_eq!(
            error.to_string(),
            "could not connect: error sending request: refused"
        );
        let outer = std::error::Error::source(&error).unwrap();
        assert!(outer.downcast_ref::<Outer>().is_some());
        let io = outer.source().unwrap().downcast_ref::<std::io::Error>();
        assert_eq!(
            io.map(|e| e.kind()),
            Some(std::io::ErrorKind::ConnectionRefused)
        );
    }
}
