//! Discovery against servers that misbehave, played by a loopback server (the reference PDS
//! does none of this): redirects are not followed, answers past 64 KiB and answers that are
//! not JSON are refused, metadata that breaks the atproto profile is refused, and hosts on
//! loopback or private addresses are refused before any connection unless allowed.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use lexicon_identity::{BoxFuture, DidDocument, DidResolver, ResolveError};
use lexicon_oauth::{ClientMetadata, OAuthClient, OAuthError, Scopes};
use lexicon_test_support::deadline::Deadline;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A canned answer: status, content type, body.
type Answer = (u16, &'static str, String);

/// A loopback server answering each path with a canned answer (404 otherwise) and recording
/// the paths it was asked for; `{origin}` in a body is replaced by its own origin.
struct Fake {
    origin: String,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    async fn start(answers: BTreeMap<&'static str, Answer>) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let asked = Arc::new(Mutex::new(Vec::new()));
        let (seen, base) = (Arc::clone(&asked), origin.clone());
        tokio::spawn(async move {
            // Ends with the test's runtime.
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut head = vec![0u8; 8192];
                let n = socket.read(&mut head).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&head[..n]).to_string();
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                seen.lock().unwrap().push(path.clone());
                let (status, kind, body) = answers.get(path.as_str()).cloned().unwrap_or((
                    404,
                    "text/plain",
                    "not found".into(),
                ));
                let body = body.replace("{origin}", &base);
                let extra = if status / 100 == 3 {
                    format!("location: {base}/elsewhere\r\n")
                } else {
                    String::new()
                };
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n{extra}connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            }
        });
        Fake { origin, asked }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

fn client(allow_loopback: bool) -> OAuthClient {
    let metadata =
        ClientMetadata::loopback("http://127.0.0.1:8321/callback", Scopes::new()).unwrap();
    OAuthClient::builder(metadata)
        .allow_http(allow_loopback)
        .build()
}

const RESOURCE: &str = "/.well-known/oauth-protected-resource";
const SERVER: &str = "/.well-known/oauth-authorization-server";

/// Server metadata as the profile wants it, with `change` applied.
fn server_metadata(change: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut metadata = json!({
        "issuer": "{origin}",
        "authorization_endpoint": "{origin}/oauth/authorize",
        "token_endpoint": "{origin}/oauth/token",
        "pushed_authorization_request_endpoint": "{origin}/oauth/par",
        "scopes_supported": ["atproto", "transition:generic"],
        "dpop_signing_alg_values_supported": ["ES256"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "require_pushed_authorization_requests": true,
        "client_id_metadata_document_supported": true,
    });
    change(&mut metadata);
    metadata.to_string()
}

fn metadata_message(error: OAuthError) -> String {
    match error {
        OAuthError::Metadata { message, .. } | OAuthError::InvalidResponse { message, .. } => {
            message
        }
        other => panic!("not a metadata error: {other:?}"),
    }
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let _deadline = Deadline::start();
    let fake = Fake::start(BTreeMap::from([
        (RESOURCE, (302, "text/plain", String::new())),
        (SERVER, (307, "text/plain", String::new())),
    ]))
    .await;
    let error = client(true).authorize(&fake.origin).await.unwrap_err();
    assert!(
        metadata_message(error).contains("HTTP 307, not 200"),
        "{:?}",
        fake.asked()
    );
    assert_eq!(fake.asked(), [RESOURCE, SERVER]);
}

#[tokio::test]
async fn an_answer_past_64_kib_or_not_json_is_refused() {
    let _deadline = Deadline::start();
    let huge = format!("{{\"padding\": \"{}\"}}", "x".repeat(1 << 20));
    let fake = Fake::start(BTreeMap::from([
        (RESOURCE, (200, "application/json", huge.clone())),
        (SERVER, (200, "application/json", huge)),
    ]))
    .await;
    let error = client(true).authorize(&fake.origin).await.unwrap_err();
    assert_eq!(
        metadata_message(error),
        "the answer is longer than 65536 bytes"
    );

    let fake = Fake::start(BTreeMap::from([(
        SERVER,
        (200, "text/html", server_metadata(|_| {})),
    )]))
    .await;
    let error = client(true).authorize(&fake.origin).await.unwrap_err();
    assert_eq!(
        metadata_message(error),
        "the answer is not application/json"
    );
}

#[tokio::test]
async fn server_metadata_that_breaks_the_profile_is_refused() {
    let _deadline = Deadline::start();
    type Change = fn(&mut serde_json::Value);
    let cases: [(&str, Change); 5] = [
        ("it does not require pushed authorization requests", |m| {
            m["require_pushed_authorization_requests"] = json!(false)
        }),
        ("PKCE with S256 is not supported", |m| {
            m["code_challenge_methods_supported"] = json!(["plain"])
        }),
        ("the atproto scope is not supported", |m| {
            m["scopes_supported"] = json!(["openid"])
        }),
        ("client metadata documents are not supported", |m| {
            m.as_object_mut()
                .unwrap()
                .remove("client_id_metadata_document_supported");
        }),
        ("its issuer is", |m| m["issuer"] = json!("{origin}/")),
    ];
    for (expected, change) in cases {
        let fake = Fake::start(BTreeMap::from([(
            SERVER,
            (200, "application/json", server_metadata(change)),
        )]))
        .await;
        let error = client(true).authorize(&fake.origin).await.unwrap_err();
        let message = metadata_message(error);
        assert!(message.starts_with(expected), "{expected}: {message}");
        // Nothing was pushed to a server that failed its checks.
        assert!(
            !fake.asked().iter().any(|p| p.contains("par")),
            "{expected}"
        );
    }
}

/// A DID directory of one account whose document names `pds` as its PDS.
struct OneAccount {
    pds: String,
}

const DID: &str = "did:plc:abcdefghijklmnopqrstuvwx";

impl DidResolver for OneAccount {
    fn resolve<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>> {
        let doc = json!({
            "id": did,
            "alsoKnownAs": ["at://alice.test"],
            "service": [{
                "id": "#atproto_pds",
                "type": "AtprotoPersonalDataServer",
                "serviceEndpoint": self.pds,
            }],
        });
        Box::pin(async move { Ok(serde_json::from_value(doc).unwrap()) })
    }
}

#[tokio::test]
async fn a_pds_naming_another_resource_is_refused() {
    let _deadline = Deadline::start();
    let fake = Fake::start(BTreeMap::from([
        (
            RESOURCE,
            (
                200,
                "application/json",
                json!({"resource": "https://elsewhere.example", "authorization_servers": ["{origin}"]})
                    .to_string(),
            ),
        ),
        (SERVER, (200, "application/json", server_metadata(|_| {}))),
    ]))
    .await;
    let metadata =
        ClientMetadata::loopback("http://127.0.0.1:8321/callback", Scopes::new()).unwrap();
    let oauth = OAuthClient::builder(metadata)
        .allow_http(true)
        .did_resolver(OneAccount {
            pds: fake.origin.clone(),
        })
        .build();
    let message = metadata_message(oauth.authorize(DID).await.unwrap_err());
    assert!(
        message.starts_with("its resource is \"https://elsewhere.example\", not the PDS"),
        "{message}"
    );
    // The authorization server it named was not asked.
    assert_eq!(fake.asked(), [RESOURCE]);
}

#[tokio::test]
async fn loopback_and_private_hosts_are_refused_before_any_connection() {
    let _deadline = Deadline::start();
    let fake = Fake::start(BTreeMap::from([(
        SERVER,
        (200, "application/json", server_metadata(|_| {})),
    )]))
    .await;
    let port = fake.origin.rsplit(':').next().unwrap().to_owned();
    let strict = client(false);
    // A name that resolves to loopback: refused by the resolver, nothing connects.
    let error = strict
        .authorize(&format!("https://localhost:{port}"))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("loopback address"), "{text}");
    // Address literals, private and link-local: refused before resolving or connecting.
    for host in [
        "https://10.1.2.3",
        "https://192.168.0.10:8443",
        "https://[fe80::1]",
        "https://169.254.169.254",
    ] {
        let error = strict.authorize(host).await.unwrap_err();
        assert!(
            metadata_message(error).contains("private or link-local address"),
            "{host}"
        );
    }
    // Plain http to loopback is refused without allow_http, and to anything but loopback with it.
    let error = strict.authorize(&fake.origin).await.unwrap_err();
    assert!(metadata_message(error).contains("a loopback address"));
    let error = client(true)
        .authorize("http://pds.example")
        .await
        .unwrap_err();
    assert!(metadata_message(error).contains("the scheme is http"));
    assert!(fake.asked().is_empty(), "{:?}", fake.asked());
}
