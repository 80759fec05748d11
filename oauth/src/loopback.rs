//! The redirect of a loopback client (a CLI or a desktop program): a one-shot HTTP listener on
//! `127.0.0.1` that the browser comes back to after the user signs in.

use std::time::Duration;

use lexicon_xrpc::Cause;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use crate::client::OAuthClient;
use crate::error::OAuthError;
use crate::session::OAuthSession;

/// The most a browser's request line and headers may take; a longer request is answered with
/// an error page and ignored.
const MAX_REQUEST: usize = 16 * 1024;

/// The page the browser shows once it has come back.
const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>Signed in</title>\
<p>You are signed in. You can close this window and go back to the program.</p>";

/// A listener on `127.0.0.1` for the browser's return to a loopback client: bind it first,
/// give its [`redirect_uri`](Self::redirect_uri) to [`ClientMetadata::loopback`], then
/// [`receive`](Self::receive) the callback's query for [`OAuthClient::callback`].
///
/// [`ClientMetadata::loopback`]: crate::ClientMetadata::loopback
/// [`OAuthClient::callback`]: crate::OAuthClient::callback
#[derive(Debug)]
pub struct LoopbackRedirect {
    listener: TcpListener,
    path: String,
    uri: String,
}

impl LoopbackRedirect {
    /// Listens on `127.0.0.1` on a port the system picks, for requests to `path` (such as
    /// `/callback`).
    pub async fn bind(path: &str) -> Result<LoopbackRedirect, OAuthError> {
        LoopbackRedirect::bind_port(0, path).await
    }

    /// Listens on `127.0.0.1:port` (0: a port the system picks), for requests to `path`.
    pub async fn bind_port(port: u16, path: &str) -> Result<LoopbackRedirect, OAuthError> {
        if !path.starts_with('/') || path.contains(['?', '#', ' ']) {
            return Err(OAuthError::Config(format!(
                "the loopback redirect path {path:?} is not an absolute path without query"
            )));
        }
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| listener_failed(format!("listening on 127.0.0.1:{port}"), e))?;
        let port = listener
            .local_addr()
            .map_err(|e| listener_failed("reading its address".into(), e))?
            .port();
        Ok(LoopbackRedirect {
            listener,
            uri: format!("http://127.0.0.1:{port}{path}"),
            path: path.to_owned(),
        })
    }

    /// The redirect URI to register: `http://127.0.0.1:PORT/path`.
    pub fn redirect_uri(&self) -> &str {
        &self.uri
    }

    /// Waits for the browser's `GET` of the redirect path and returns its query (`state`,
    /// `iss`, `code`, or `error`), after answering it with a page that says the sign-in is
    /// done. Other requests (a favicon, a stray connection) are answered 404 and waited past.
    /// Put a timeout around it: a user may never come back.
    pub async fn receive(self) -> Result<String, OAuthError> {
        loop {
            let (mut stream, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| listener_failed("accepting a connection".into(), e))?;
            let Some(target) = read_request_target(&mut stream).await else {
                respond(&mut stream, "400 Bad Request", "bad request").await;
                continue;
            };
            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
            if path != self.path {
                respond(&mut stream, "404 Not Found", "not found").await;
                continue;
            }
            respond(&mut stream, "200 OK", DONE_PAGE).await;
            return Ok(query.to_owned());
        }
    }

    /// A loopback sign-in from start to end, for a command-line program: starts the sign-in of
    /// `input` (a handle or DID) with `oauth` (whose redirect URI is this listener's), hands
    /// the URL to `open` (print it, or open a browser), waits at most `wait` for the browser to
    /// come back ([`OAuthError::NoCallback`] past it), and finishes the sign-in.
    pub async fn sign_in(
        self,
        oauth: &OAuthClient,
        input: &str,
        open: impl FnOnce(&Url),
        wait: Duration,
    ) -> Result<OAuthSession, OAuthError> {
        if oauth.metadata().redirect_uri != self.uri {
            return Err(OAuthError::Config(format!(
                "the client's redirect URI is {}, not this listener's {}",
                oauth.metadata().redirect_uri,
                self.uri
            )));
        }
        let url = oauth.authorize(input).await?;
        open(&url);
        let query = tokio::time::timeout(wait, self.receive())
            .await
            .map_err(|_| OAuthError::NoCallback(wait))??;
        oauth.callback(&query).await
    }
}

/// A command-line program signing in as `handle` at `pds`, start to end, as a loopback client
/// asking for `scopes`: listens on `http://127.0.0.1:PORT/callback`, prints `open <URL>` on
/// standard error, waits at most five minutes for the browser to come back, and finishes the
/// sign-in. DIDs resolve through the PLC directory `plc` (and `did:web`), handles at the PDS;
/// plain `http` is allowed only for a PDS at an `http://` URL (a development PDS).
pub async fn sign_in_in_browser(
    pds: &str,
    plc: &str,
    handle: &str,
    scopes: crate::Scopes,
) -> Result<OAuthSession, OAuthError> {
    let redirect = LoopbackRedirect::bind("/callback").await?;
    let metadata = crate::ClientMetadata::loopback(redirect.redirect_uri(), scopes)?;
    let oauth = OAuthClient::builder(metadata)
        .allow_http(pds.starts_with("http://"))
        .did_resolver(lexicon_identity::HttpResolver::new().plc_url(plc))
        .handle_resolver(lexicon_identity::XrpcHandleResolver::new(pds))
        .build();
    redirect
        .sign_in(
            &oauth,
            handle,
            |url| eprintln!("open {url}"),
            Duration::from_secs(300),
        )
        .await
}

/// The listener's failure to do `what`, keeping the I/O error.
fn listener_failed(what: String, error: std::io::Error) -> OAuthError {
    OAuthError::Listener {
        what,
        source: Cause::new(error),
    }
}

/// The target of a `GET` request (its path and query), once its headers have arrived.
async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 || request.len() + read > MAX_REQUEST {
            return None;
        }
        request.extend_from_slice(&buffer[..read]);
    }
    let line = request.split(|&b| b == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("GET"), Some(target), Some(version)) if version.starts_with("HTTP/1.") => {
            Some(target.to_owned())
        }
        _ => None,
    }
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
         cache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // The browser may already have gone; the sign-in goes on without its page.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_port_in_use_is_an_error_that_keeps_the_io_error() {
        let taken = LoopbackRedirect::bind("/callback").await.unwrap();
        let port: u16 = taken
            .redirect_uri()
            .rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches("/callback")
            .parse()
            .unwrap();
        let error = LoopbackRedirect::bind_port(port, "/callback")
            .await
            .unwrap_err();
        assert!(matches!(error, OAuthError::Listener { .. }), "{error}");
        let io = std::error::Error::source(&error)
            .and_then(|e| e.downcast_ref::<std::io::Error>())
            .map(std::io::Error::kind);
        assert_eq!(io, Some(std::io::ErrorKind::AddrInUse));
    }

    async fn get(uri: &str, target: &str) -> String {
        let address = uri.trim_start_matches("http://").split('/').next().unwrap();
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(format!("GET {target} HTTP/1.1\r\nhost: {address}\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    #[tokio::test]
    async fn the_callback_query_is_returned_and_other_requests_are_waited_past() {
        let redirect = LoopbackRedirect::bind("/callback").await.unwrap();
        let uri = redirect.redirect_uri().to_owned();
        assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
        assert!(uri.ends_with("/callback"), "{uri}");
        let waiting = tokio::spawn(redirect.receive());
        assert!(get(&uri, "/favicon.ico").await.starts_with("HTTP/1.1 404"));
        let page = get(&uri, "/callback?state=s&iss=i&code=c").await;
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("signed in"), "{page}");
        assert_eq!(waiting.await.unwrap().unwrap(), "state=s&iss=i&code=c");
    }

    #[tokio::test]
    async fn a_path_with_a_query_is_refused() {
        let error = LoopbackRedirect::bind("/cb?x=1").await.unwrap_err();
        assert!(matches!(error, OAuthError::Config(_)), "{error}");
    }
}
