//! `HttpResolver` against a loopback server playing a PLC directory and a did:web host
//! (`did:web:localhost%3APORT`, read over plain HTTP as local development needs), and
//! `CachingResolver` in front of it; the handle resolvers against the same server playing a
//! service (`resolveHandle`) and a handle's host (`/.well-known/atproto-did`). (Resolution through the reference PLC directory is tested
//! end to end by the service-auth tests of `examples/cocore-appview`.)

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use lexicon_identity::{
    AddressPolicy, AtprotoHandleResolver, CachingResolver, DidResolver, DnsHandleResolver,
    HandleError, HandleResolver, HttpResolver, ResolveError, WellKnownHandleResolver,
    XrpcHandleResolver,
};
use lexicon_test_support::deadline::Deadline;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

const PLC_DID: &str = "did:plc:abcdefghijklmnopqrstuvwx";
const KEY: &str = "zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc";

/// Serves `/{PLC_DID}`, `/.well-known/did.json` (for `web_did`) and `/did:plc:...mismatch...`
/// (a document for another DID); everything else is 404. Counts requests.
async fn directory() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let web_did = format!("did:web:localhost%3A{port}");
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, Ordering::Relaxed);
            let mut request = vec![0u8; 8192];
            let n = socket.read(&mut request).await.unwrap();
            let request = String::from_utf8_lossy(&request[..n]).to_string();
            let path = request.split_whitespace().nth(1).unwrap_or("").to_owned();
            let doc = |id: &str| {
                json!({
                    "id": id,
                    "alsoKnownAs": ["at://alice.test"],
                    "verificationMethod": [{"id": format!("{id}#atproto"), "type": "Multikey", "controller": id, "publicKeyMultibase": KEY}],
                    "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": "https://pds.example.com"}]
                })
            };
            let (status, body) = match path.as_str() {
                p if p == format!("/{PLC_DID}") => ("200 OK", doc(PLC_DID).to_string()),
                "/.well-known/did.json" => ("200 OK", doc(&web_did).to_string()),
                "/did:plc:mismatchmismatchmismatch" => ("200 OK", doc(PLC_DID).to_string()),
                "/did:plc:brokenbrokenbrokenbroken" => ("200 OK", "{not json".to_owned()),
                "/.well-known/atproto-did" => ("200 OK", format!("{PLC_DID}\n")),
                "/xrpc/com.atproto.identity.resolveHandle?handle=alice.test" => {
                    ("200 OK", json!({ "did": PLC_DID }).to_string())
                }
                "/xrpc/com.atproto.identity.resolveHandle?handle=nobody.test" => (
                    "400 Bad Request",
                    json!({"error": "InvalidRequest", "message": "Unable to resolve handle"})
                        .to_string(),
                ),
                _ => ("404 Not Found", "{}".to_owned()),
            };
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    (format!("http://localhost:{port}"), hits)
}

#[tokio::test]
async fn did_plc_and_did_web_over_http() {
    let _deadline = Deadline::start();
    let (url, _) = directory().await;
    let port = url.rsplit(':').next().unwrap();
    let resolver = HttpResolver::new().plc_url(&url);

    let doc = resolver.resolve(PLC_DID).await.unwrap();
    assert_eq!(doc.handle(), Some("alice.test"));
    assert_eq!(doc.pds_endpoint(), Some("https://pds.example.com"));
    assert_eq!(doc.signing_key().unwrap().unwrap().to_multikey(), KEY);

    let web = format!("did:web:localhost%3A{port}");
    let doc = resolver.resolve(&web).await.unwrap();
    assert_eq!(doc.id, web);
    assert!(doc.signing_key().unwrap().is_ok());

    let missing = "did:plc:zzzzzzzzzzzzzzzzzzzzzzzz";
    assert!(matches!(
        resolver.resolve(missing).await,
        Err(ResolveError::NotFound(did)) if did == missing
    ));
    assert!(matches!(
        resolver.resolve("did:plc:mismatchmismatchmismatch").await,
        Err(ResolveError::BadDocument { .. })
    ));
    assert!(matches!(
        resolver.resolve("did:plc:brokenbrokenbrokenbroken").await,
        Err(ResolveError::BadDocument { .. })
    ));
    for unsupported in [
        "did:key:zQ3sh",
        "did:plc:short",
        "did:web:example.com:path",
        "alice.test",
    ] {
        assert!(
            matches!(
                resolver.resolve(unsupported).await,
                Err(ResolveError::Unsupported(did)) if did == unsupported
            ),
            "{unsupported}"
        );
    }
    // Nothing listens here.
    let down = HttpResolver::new().plc_url("http://127.0.0.1:9");
    let error = down.resolve(PLC_DID).await.unwrap_err();
    assert!(matches!(error, ResolveError::Unavailable { .. }), "{error}");
    // The HTTP client's error is kept as the source, and its causes are named.
    let source = std::error::Error::source(&error).expect("the HTTP client's error");
    assert!(
        source.downcast_ref::<reqwest::Error>().is_some(),
        "{source:?}"
    );
    assert!(error.to_string().contains("onnection refused"), "{error}");
}

#[tokio::test]
async fn the_cache_serves_repeats_and_refresh_fetches_again() {
    let _deadline = Deadline::start();
    let (url, hits) = directory().await;
    let resolver = CachingResolver::new(HttpResolver::new().plc_url(&url)).capacity(1);
    let first = resolver.resolve(PLC_DID).await.unwrap();
    assert_eq!(resolver.resolve(PLC_DID).await.unwrap(), first);
    assert_eq!(hits.load(Ordering::Relaxed), 1);
    assert_eq!(resolver.refresh(PLC_DID).await.unwrap(), first);
    assert_eq!(hits.load(Ordering::Relaxed), 2);
    // With room for one document, another DID evicts the first.
    let port = url.rsplit(':').next().unwrap();
    resolver
        .resolve(&format!("did:web:localhost%3A{port}"))
        .await
        .unwrap();
    resolver.resolve(PLC_DID).await.unwrap();
    assert_eq!(hits.load(Ordering::Relaxed), 4);
}

#[tokio::test]
async fn handles_resolve_at_a_service_and_at_their_host() {
    let _deadline = Deadline::start();
    let (url, _) = directory().await;
    let service = XrpcHandleResolver::new(&url);
    assert_eq!(service.resolve_handle("alice.test").await.unwrap(), PLC_DID);
    assert!(matches!(
        service.resolve_handle("nobody.test").await,
        Err(HandleError::NotFound(handle)) if handle == "nobody.test"
    ));
    assert!(matches!(
        service.resolve_handle("other.test").await,
        Err(HandleError::NotFound(_))
    ));

    // The host's own answer (here `localhost:PORT` over plain HTTP stands for the handle).
    let host = url.trim_start_matches("http://");
    let loopback = AddressPolicy::public_only().allow_loopback(true);
    let well_known = WellKnownHandleResolver::new().policy(loopback).plain_http();
    assert_eq!(well_known.resolve_handle(host).await.unwrap(), PLC_DID);
    // By default only public addresses: a literal and a name on loopback are both refused.
    let public = WellKnownHandleResolver::new().plain_http();
    for on_loopback in [host.to_owned(), host.replace("localhost", "127.0.0.1")] {
        let refused = public.resolve_handle(&on_loopback).await.unwrap_err();
        assert!(
            format!("{refused}").contains("loopback address"),
            "{refused}"
        );
    }
    assert!(matches!(
        well_known.resolve_handle("bad/handle").await,
        Err(HandleError::Unavailable { .. })
    ));
    // Nothing listens here.
    assert!(matches!(
        WellKnownHandleResolver::new()
            .policy(loopback)
            .plain_http()
            .resolve_handle("127.0.0.1:9")
            .await,
        Err(HandleError::Unavailable { .. })
    ));
}

/// A name server on loopback UDP answering TXT questions from `records` (name without the
/// final dot -> texts); other names get NXDOMAIN. Counts questions.
async fn name_server(
    records: Vec<(&'static str, Vec<&'static str>)>,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = socket.local_addr().unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    tokio::spawn(async move {
        let mut buffer = vec![0u8; 1500];
        // Ends with the test's runtime.
        while let Ok((n, from)) = socket.recv_from(&mut buffer).await {
            counter.fetch_add(1, Ordering::Relaxed);
            let query = &buffer[..n];
            // The question: labels from byte 12 to a zero, then type and class.
            let mut at = 12;
            let mut labels = Vec::new();
            while at < n && query[at] != 0 {
                let len = query[at] as usize;
                labels.push(String::from_utf8_lossy(&query[at + 1..at + 1 + len]).to_lowercase());
                at += 1 + len;
            }
            let question_end = at + 5;
            let name = labels.join(".");
            let texts = records
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&name))
                .map(|(_, texts)| texts.clone());
            let mut answer = query[..2].to_vec(); // the id
            let rcode = if texts.is_some() { 0x80 } else { 0x83 };
            answer.extend([0x81, rcode]); // a response, recursion desired and available
            answer.extend([0, 1]); // one question
            answer.extend([0, texts.as_ref().map_or(0, |t| t.len() as u8)]);
            answer.extend([0, 0, 0, 0]); // no authority, no additional records
            answer.extend(&query[12..question_end]);
            for text in texts.unwrap_or_default() {
                answer.extend([0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60]); // the name, TXT, IN, TTL 60
                answer.extend((text.len() as u16 + 1).to_be_bytes());
                answer.push(text.len() as u8);
                answer.extend(text.as_bytes());
            }
            let _ = socket.send_to(&answer, from).await;
        }
    });
    (address, asked)
}

#[tokio::test]
async fn handles_resolve_by_their_atproto_txt_record_then_at_their_host() {
    let _deadline = Deadline::start();
    let (server, asked) = name_server(vec![
        (
            "_atproto.alice.test",
            vec!["did=did:plc:abcdefghijklmnopqrstuvwx"],
        ),
        (
            "_atproto.noisy.test",
            vec!["v=spf1 -all", "did=did:web:noisy.test"],
        ),
        (
            "_atproto.twice.test",
            vec!["did=did:plc:a", "did=did:plc:b"],
        ),
    ])
    .await;
    let dns = DnsHandleResolver::with_name_server(server);
    assert_eq!(dns.resolve_handle("alice.test").await.unwrap(), PLC_DID);
    assert_eq!(
        dns.resolve_handle("noisy.test").await.unwrap(),
        "did:web:noisy.test"
    );
    assert!(matches!(
        dns.resolve_handle("twice.test").await,
        Err(HandleError::Unavailable { .. })
    ));
    assert!(matches!(
        dns.resolve_handle("nobody.test").await,
        Err(HandleError::NotFound(handle)) if handle == "nobody.test"
    ));
    assert!(asked.load(Ordering::Relaxed) >= 4);

    // The spec's procedure: DNS first; a handle without a record is asked at its host.
    let (url, _) = directory().await;
    let host = url.trim_start_matches("http://");
    let well_known = WellKnownHandleResolver::new()
        .policy(AddressPolicy::public_only().allow_loopback(true))
        .plain_http();
    let spec = AtprotoHandleResolver::new(dns, well_known);
    assert_eq!(spec.resolve_handle("alice.test").await.unwrap(), PLC_DID);
    assert_eq!(spec.resolve_handle(host).await.unwrap(), PLC_DID);
}
