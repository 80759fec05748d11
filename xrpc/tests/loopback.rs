//! What the reference PDS cannot be made to do in a test (rate-limit, hang, send a response
//! that breaks its schema), from a one-connection HTTP server on a loopback port: the 429 with
//! its Retry-After, the timeout, strict and lenient response validation, and the request the
//! client sends. Everything else is tested against the real PDS in `tests/e2e`.

use std::time::Duration;

use lexicon_runtime::xrpc::NoParams;
use lexicon_runtime::Mode;
use lexicon_test_support::deadline::Deadline;
use lexicon_xrpc::atproto::com::atproto::repo::get_record::{self, GetRecord, GetRecordError};
use lexicon_xrpc::atproto::com::atproto::server::create_session::CreateSessionError;
use lexicon_xrpc::{Client, Error, RetryPolicy, TransportError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Serves one connection: reads a request, answers `response` (unless it is `None`: then it
/// holds the connection open without answering), and returns the request's text.
async fn serve_once(response: Option<String>) -> (String, JoinHandle<String>) {
    let (url, task) = serve(vec![response]).await;
    let first = tokio::spawn(async move { task.await.unwrap().remove(0) });
    (url, first)
}

/// Serves one connection per response, in order, as [`serve_once`] does; returns the texts of
/// the requests.
async fn serve(responses: Vec<Option<String>>) -> (String, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut requests = Vec::new();
        for response in responses {
            let (mut socket, _) = listener.accept().await.unwrap();
            requests.push(read_request(&mut socket).await);
            match response {
                Some(response) => socket.write_all(response.as_bytes()).await.unwrap(),
                None => tokio::time::sleep(Duration::from_secs(5)).await,
            }
        }
        requests
    });
    (url, task)
}

/// Reads a request until its headers and declared body are in (bounded).
async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    for _ in 0..100 {
        let n = socket.read(&mut buf).await.unwrap();
        request.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&request).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break;
            }
        }
        if n == 0 {
            break;
        }
    }
    String::from_utf8_lossy(&request).to_string()
}

fn response(status: &str, headers: &[&str], body: &str) -> String {
    let mut text = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.push_str(body);
    text
}

const SESSION: &str = r#"{"accessJwt":"a","refreshJwt":"r","handle":"alice.test","did":"did:plc:abc","x":9007199254740993}"#;

#[tokio::test]
async fn a_429_carries_its_retry_after() {
    let _deadline = Deadline::start();
    let body = r#"{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}"#;
    let (url, server) = serve_once(Some(response(
        "429 Too Many Requests",
        &["retry-after: 7", "content-type: application/json"],
        body,
    )))
    .await;
    let error = Client::new(&url)
        .unwrap()
        .login("alice.test", "pw")
        .await
        .unwrap_err();
    match &error {
        Error::RateLimited {
            retry_after,
            message,
            ..
        } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(7)));
            assert_eq!(message.as_deref(), Some("Rate Limit Exceeded"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(error.status(), Some(429));
    assert!(error.to_string().contains("retry after 7 s"), "{error}");
    server.await.unwrap();
}

#[tokio::test]
async fn a_server_that_does_not_answer_times_out() {
    let _deadline = Deadline::start();
    let (url, server) = serve_once(None).await;
    let client = Client::builder(&url)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = client.login("alice.test", "pw").await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                error: TransportError::Timeout,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    server.abort();
}

#[tokio::test]
async fn responses_are_validated_strictly_unless_the_client_is_lenient() {
    let _deadline = Deadline::start();
    // An undeclared integer beyond 2^53: the strict validator refuses it, the lenient one not.
    let ok = || response("200 OK", &["content-type: application/json"], SESSION);
    let (url, server) = serve_once(Some(ok())).await;
    let error = Client::new(&url)
        .unwrap()
        .login("alice.test", "pw")
        .await
        .unwrap_err();
    match &error {
        Error::InvalidResponse { error, .. } => assert_eq!(error.paths(), ["$.x"]),
        other => panic!("{other:?}"),
    }
    server.await.unwrap();

    let (url, server) = serve_once(Some(ok())).await;
    let client = Client::builder(&url).mode(Mode::Lenient).build().unwrap();
    let session = client.login("alice.test", "pw").await.unwrap();
    assert_eq!(session.did.as_str(), "did:plc:abc");
    server.await.unwrap();
}

#[tokio::test]
async fn the_request_has_the_prefix_the_body_and_the_headers() {
    let _deadline = Deadline::start();
    let (url, server) = serve_once(Some(response("200 OK", &[], SESSION))).await;
    let client = Client::builder(&url)
        .path_prefix("/api/xrpc")
        .proxy("did:web:exchange.example#cocore")
        .mode(Mode::Lenient)
        .build()
        .unwrap();
    client.login("alice.test", "pw").await.unwrap();
    let request = server.await.unwrap();
    assert!(
        request.starts_with("POST /api/xrpc/com.atproto.server.createSession HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        request.contains("content-type: application/json\r\n"),
        "{request}"
    );
    assert!(
        request.ends_with(r#"{"identifier":"alice.test","password":"pw"}"#),
        "{request}"
    );
    assert!(
        !request.contains("atproto-proxy"),
        "logging in is the PDS's own business: {request}"
    );
    assert!(!request.contains("authorization"), "{request}");

    // Later calls carry the session's token and the proxy header.
    let body = r#"{"error":"AuthFactorTokenRequired"}"#;
    let (url2, server) = serve_once(Some(response("401 Unauthorized", &[], body))).await;
    let other = Client::builder(&url2)
        .proxy("did:web:exchange.example#cocore")
        .build()
        .unwrap();
    other.set_session(client.session());
    let error = other
        .call::<lexicon_xrpc::atproto::com::atproto::server::create_session::CreateSession>(
            &NoParams,
            &lexicon_xrpc::atproto::com::atproto::server::create_session::Input::from_json(
                r#"{"identifier":"a","password":"b"}"#,
            )
            .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Xrpc {
                status: 401,
                error: CreateSessionError::AuthFactorTokenRequired,
                ..
            }
        ),
        "{error:?}"
    );
    let request = server.await.unwrap();
    assert!(request.contains("authorization: Bearer a\r\n"), "{request}");
    assert!(
        request.contains("atproto-proxy: did:web:exchange.example#cocore\r\n"),
        "{request}"
    );
}

#[tokio::test]
async fn an_error_body_that_is_not_xrpc_keeps_the_status_and_text() {
    let _deadline = Deadline::start();
    let (url, server) = serve_once(Some(response(
        "503 Service Unavailable",
        &["content-type: text/html"],
        "<h1>down for maintenance</h1>",
    )))
    .await;
    let error = Client::new(&url)
        .unwrap()
        .login("alice.test", "pw")
        .await
        .unwrap_err();
    match &error {
        Error::Status {
            status: 503, body, ..
        } => assert_eq!(body, "<h1>down for maintenance</h1>"),
        other => panic!("{other:?}"),
    }
    server.await.unwrap();
}

#[test]
fn a_bad_service_url_is_refused_when_building() {
    let _deadline = Deadline::start();
    for url in [
        "localhost:2583",
        "ftp://pds.example",
        "https://",
        "https://pds.example?x=1",
    ] {
        assert!(Client::builder(url).build().is_err(), "{url}");
    }
    assert!(Client::builder("https://pds.example")
        .path_prefix("api/xrpc")
        .build()
        .is_err());
}

#[tokio::test]
async fn a_call_with_invalid_parameters_is_refused_before_sending() {
    let _deadline = Deadline::start();
    use lexicon_xrpc::atproto::com::atproto::repo::list_records::{ListRecords, Params};
    let mut params = Params::new(
        "alice.test"
            .parse::<lexicon_runtime::AtIdentifier>()
            .unwrap(),
        "dev.cocore.compute.job"
            .parse::<lexicon_runtime::Nsid>()
            .unwrap(),
    );
    params.limit = Some(1000);
    let client = Client::new("http://127.0.0.1:1").unwrap();
    let error = client.query::<ListRecords>(&params).await.unwrap_err();
    match &error {
        Error::Invalid { error, .. } => assert_eq!(error.paths(), ["$.limit"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.requests_sent(), 0);
}

const RATE_LIMITED: &str = r#"{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}"#;
const UNAVAILABLE: &str = r#"{"error":"NotEnoughResources"}"#;

fn record_ok() -> String {
    response(
        "200 OK",
        &["content-type: application/json"],
        r#"{"uri":"at://did:plc:abc/app.example.thing/1","value":{}}"#,
    )
}

async fn get_record(client: &Client) -> Result<(), Error<GetRecordError>> {
    let params =
        get_record::Params::from_query("repo=did:plc:abc&collection=app.example.thing&rkey=1")
            .unwrap();
    client.query::<GetRecord>(&params).await.map(|_| ())
}

#[tokio::test]
async fn a_retry_policy_waits_out_a_429_and_a_503_then_succeeds() {
    let _deadline = Deadline::start();
    let (url, server) = serve(vec![
        Some(response(
            "429 Too Many Requests",
            &["retry-after: 0", "content-type: application/json"],
            RATE_LIMITED,
        )),
        Some(response(
            "503 Service Unavailable",
            &["content-type: application/json"],
            UNAVAILABLE,
        )),
        Some(record_ok()),
    ])
    .await;
    let policy = RetryPolicy::new(2).base_delay(Duration::from_millis(10));
    let client = Client::builder(&url).retry(policy).build().unwrap();
    get_record(&client).await.unwrap();
    assert_eq!(client.requests_sent(), 3);
    assert_eq!(server.await.unwrap().len(), 3);
}

#[tokio::test]
async fn retries_stop_at_the_limit_and_a_procedure_is_not_sent_again_after_a_5xx() {
    let _deadline = Deadline::start();
    let unavailable = || {
        Some(response(
            "503 Service Unavailable",
            &["content-type: application/json"],
            UNAVAILABLE,
        ))
    };
    let (url, _server) = serve(vec![unavailable(), unavailable()]).await;
    let policy = RetryPolicy::new(1).base_delay(Duration::from_millis(10));
    let client = Client::builder(&url).retry(policy.clone()).build().unwrap();
    let error = get_record(&client).await.unwrap_err();
    assert_eq!(error.status(), Some(503), "{error}");
    assert_eq!(client.requests_sent(), 2);

    // createSession may have been applied by a server that then failed: it is not resent.
    let (url, _server) = serve(vec![unavailable()]).await;
    let client = Client::builder(&url).retry(policy).build().unwrap();
    let error = client.login("alice.test", "pw").await.unwrap_err();
    assert_eq!(error.status(), Some(503), "{error}");
    assert_eq!(client.requests_sent(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_and_a_rate_limit_longer_than_the_cap_is_returned() {
    let _deadline = Deadline::start();
    // Nothing listens on this port once the listener is dropped.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let policy = RetryPolicy::new(2).base_delay(Duration::from_millis(10));
    let client = Client::builder(&format!("http://127.0.0.1:{port}"))
        .retry(policy.clone())
        .build()
        .unwrap();
    let error = client.login("alice.test", "pw").await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                error: TransportError::Connect(_),
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(
        client.requests_sent(),
        3,
        "a request never sent is safe to send again"
    );

    let (url, _server) = serve(vec![Some(response(
        "429 Too Many Requests",
        &["retry-after: 3600", "content-type: application/json"],
        RATE_LIMITED,
    ))])
    .await;
    let client = Client::builder(&url).retry(policy).build().unwrap();
    let error = get_record(&client).await.unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error}");
    assert_eq!(client.requests_sent(), 1);
}
