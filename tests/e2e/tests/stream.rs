//! cocore's `dev.cocore.inference.dispatch` answers with `text/event-stream`. No cocore service
//! runs here, so a loopback server plays it, under `/api/xrpc` as cocore serves: the stream is
//! handed out as it arrives (the first frame before the server has sent the last), read whole
//! it is bytes, and an XRPC error is the method's typed error.

use std::time::Duration;

use futures_util::StreamExt;
use lexicon_runtime::xrpc::NoParams;
use lexicon_xrpc::{Client, Error};
use pds_e2e::dev::cocore::inference::dispatch::{Dispatch, DispatchError, Input};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const FRAMES: [&str; 3] = [
    "event: meta\ndata: {\"provider\":\"did:plc:abc\"}\n\n",
    "event: chunk\ndata: {\"text\":\"Hello\"}\n\n",
    "event: complete\ndata: {\"tokens\":{\"in\":3,\"out\":1}}\n\n",
];

/// Serves one request: a 200 event stream, one chunked frame at a time, sending the second
/// frame only once `go` fires; or, with `error`, that XRPC error body with status 400.
async fn serve(
    error: Option<&'static str>,
) -> (String, oneshot::Sender<()>, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (go, wait) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = vec![0u8; 64 * 1024];
        let n = socket.read(&mut request).await.unwrap();
        let request = String::from_utf8_lossy(&request[..n]).to_string();
        if let Some(body) = error {
            let response = format!(
                "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(response.as_bytes()).await.unwrap();
            return request;
        }
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            .await
            .unwrap();
        for (i, frame) in FRAMES.iter().enumerate() {
            if i == 1 {
                // Bounded: the client has the first frame by then, or the test fails.
                let _ = tokio::time::timeout(Duration::from_secs(5), wait).await;
                break;
            }
            socket
                .write_all(format!("{:x}\r\n{frame}\r\n", frame.len()).as_bytes())
                .await
                .unwrap();
        }
        for frame in &FRAMES[1..] {
            socket
                .write_all(format!("{:x}\r\n{frame}\r\n", frame.len()).as_bytes())
                .await
                .unwrap();
        }
        socket.write_all(b"0\r\n\r\n").await.unwrap();
        request
    });
    (url, go, task)
}

fn input() -> Input {
    Input::from_json(
        r#"{"model":"llama-3.1-8b-instruct","prompt":"Say hello","maxTokensOut":16,"priceCeiling":{"amount":5,"currency":"USD"}}"#,
    )
    .unwrap()
}

#[tokio::test]
async fn an_event_stream_arrives_frame_by_frame() {
    let (url, go, server) = serve(None).await;
    let client = Client::builder(&url)
        .path_prefix("/api/xrpc")
        .build()
        .unwrap();
    let mut stream = client
        .call_stream::<Dispatch>(&NoParams, &input())
        .await
        .unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(
        &first[..],
        FRAMES[0].as_bytes(),
        "the first frame, before the server sent more"
    );
    go.send(()).unwrap();
    let mut rest = Vec::new();
    while let Some(chunk) = stream.next().await {
        rest.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(rest, FRAMES[1..].concat().as_bytes());
    let request = server.await.unwrap();
    assert!(
        request.starts_with("POST /api/xrpc/dev.cocore.inference.dispatch HTTP/1.1"),
        "{request}"
    );
}

#[tokio::test]
async fn an_event_stream_read_whole_is_bytes_and_an_error_is_typed() {
    let (url, go, server) = serve(None).await;
    go.send(()).unwrap();
    let client = Client::builder(&url)
        .path_prefix("/api/xrpc")
        .build()
        .unwrap();
    let body: Vec<u8> = client.call::<Dispatch>(&NoParams, &input()).await.unwrap();
    assert_eq!(body, FRAMES.concat().as_bytes());
    server.await.unwrap();

    let (url, _go, server) = serve(Some(
        r#"{"error":"ConfidentialUnavailable","message":"no attested provider"}"#,
    ))
    .await;
    let client = Client::builder(&url)
        .path_prefix("/api/xrpc")
        .build()
        .unwrap();
    let error = client
        .call_stream::<Dispatch>(&NoParams, &input())
        .await
        .err()
        .unwrap();
    assert!(
        matches!(
            error,
            Error::Xrpc {
                status: 400,
                error: DispatchError::ConfidentialUnavailable,
                ..
            }
        ),
        "{error:?}"
    );
    server.await.unwrap();
}
