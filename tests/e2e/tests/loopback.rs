//! What no reference service here does, played by a loopback server. cocore's
//! `dev.cocore.inference.dispatch` answers with `text/event-stream`, under `/api/xrpc`: the
//! stream is handed out as it arrives (the first frame before the server has sent the last),
//! read whole it is bytes, and an XRPC error is the method's typed error. A PDS that reports a
//! CID other than the record's own is caught.

use std::time::Duration;

use futures_util::StreamExt;
use lexicon_runtime::xrpc::NoParams;
use lexicon_test_support::deadline::Deadline;
use lexicon_xrpc::{Client, Error, Session};
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
/// frame only once `go` fires; or, with `answer`, that status line and JSON body.
async fn serve(
    answer: Option<(&'static str, String)>,
) -> (String, oneshot::Sender<()>, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (go, wait) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = vec![0u8; 64 * 1024];
        let n = socket.read(&mut request).await.unwrap();
        let request = String::from_utf8_lossy(&request[..n]).to_string();
        if let Some((status, body)) = answer {
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
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
    let _deadline = Deadline::start();
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
    let _deadline = Deadline::start();
    let (url, go, server) = serve(None).await;
    go.send(()).unwrap();
    let client = Client::builder(&url)
        .path_prefix("/api/xrpc")
        .build()
        .unwrap();
    let body: Vec<u8> = client.call::<Dispatch>(&NoParams, &input()).await.unwrap();
    assert_eq!(body, FRAMES.concat().as_bytes());
    server.await.unwrap();

    let body = r#"{"error":"ConfidentialUnavailable","message":"no attested provider"}"#;
    let (url, _go, server) = serve(Some(("400 Bad Request", body.into()))).await;
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

#[tokio::test]
async fn a_cid_other_than_the_records_own_is_reported() {
    let _deadline = Deadline::start();
    use lexicon_runtime::cbor::DagCbor;
    use pds_e2e::dev::cocore::compute::provider::Provider;

    let provider = Provider::from_json(
        r#"{"$type":"dev.cocore.compute.provider","machineLabel":"m","chip":"Apple M4","ramGB":32,
            "supportedModels":["m"],"priceList":[{"modelId":"m","inputPricePerMTok":1,"outputPricePerMTok":2,"currency":"USD"}],
            "encryptionPubKey":"k","attestationPubKey":"k","trustLevel":"self-attested","createdAt":"2026-11-28T05:00:00.000Z"}"#,
    )
    .unwrap();
    let other = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm";
    assert_ne!(provider.cid().unwrap().as_str(), other);
    let uri = "at://did:plc:abc/dev.cocore.compute.provider/3lbq5mkxk2s2a";
    let body = format!(r#"{{"uri":"{uri}","cid":"{other}"}}"#);
    let (url, _go, server) = serve(Some(("200 OK", body))).await;
    let client = Client::new(&url).unwrap();
    client.set_session(Some(Session::new(
        "did:plc:abc".parse().unwrap(),
        "alice.test".parse().unwrap(),
        "access".into(),
        "refresh".into(),
    )));
    match client.create_record(&provider).await.unwrap_err() {
        Error::CidMismatch {
            uri: got,
            remote,
            local,
            ..
        } => {
            assert_eq!(got.as_str(), uri);
            assert_eq!(remote.as_str(), other);
            assert_eq!(local, provider.cid().unwrap());
        }
        other => panic!("{other:?}"),
    }
    server.await.unwrap();
}
