//! The service-auth verifier on tokens signed here, with keys whose DID documents a resolver
//! serves: what the reference accepts (ES256K, ES256, high-S, `#atproto_labeler` issuers, a key
//! rotated since the document was cached) and what it refuses, with its error names.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use lexicon_identity::{
    BoxFuture, CachingResolver, DidDocument, DidResolver, PublicKey, ResolveError,
};
use lexicon_xrpc_server::ServiceAuthVerifier;
use serde_json::{json, Value};

const AUD: &str = "did:web:service.test";
const DID: &str = "did:plc:abcdefghijklmnopqrstuvwx";
const LXM: &str = "org.example.doThing";

/// A resolver serving one document that the test can change, counting fetches.
#[derive(Clone, Default)]
struct Directory {
    doc: Arc<Mutex<Option<DidDocument>>>,
    fetches: Arc<AtomicUsize>,
}

impl Directory {
    fn set(&self, atproto: &PublicKey, label: Option<&PublicKey>) {
        let mut methods = vec![json!({
            "id": format!("{DID}#atproto"),
            "type": "Multikey",
            "controller": DID,
            "publicKeyMultibase": atproto.to_multikey()
        })];
        if let Some(label) = label {
            methods.push(json!({
                "id": "#atproto_label",
                "type": "Multikey",
                "controller": DID,
                "publicKeyMultibase": label.to_multikey()
            }));
        }
        let doc =
            json!({"id": DID, "alsoKnownAs": ["at://alice.test"], "verificationMethod": methods});
        *self.doc.lock().unwrap() = Some(serde_json::from_value(doc).unwrap());
    }
}

impl DidResolver for Directory {
    fn resolve<'a>(&'a self, did: &'a str) -> BoxFuture<'a, Result<DidDocument, ResolveError>> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let doc = self.doc.lock().unwrap().clone().filter(|d| d.id == did);
        Box::pin(async move { doc.ok_or_else(|| ResolveError::NotFound(did.to_owned())) })
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn claims() -> Value {
    json!({"iss": DID, "aud": AUD, "lxm": LXM, "exp": now() + 60, "iat": now(), "jti": "abc"})
}

enum Key {
    K(k256::ecdsa::SigningKey),
    P(p256::ecdsa::SigningKey),
}

impl Key {
    fn k(seed: u8) -> Key {
        Key::K(k256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap())
    }

    fn p(seed: u8) -> Key {
        Key::P(p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap())
    }

    fn public(&self) -> PublicKey {
        match self {
            Key::K(k) => PublicKey::K256(*k.verifying_key()),
            Key::P(k) => PublicKey::P256(*k.verifying_key()),
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        use k256::ecdsa::signature::Signer;
        match self {
            Key::K(k) => Signer::<k256::ecdsa::Signature>::sign(k, message)
                .to_bytes()
                .to_vec(),
            Key::P(k) => Signer::<p256::ecdsa::Signature>::sign(k, message)
                .to_bytes()
                .to_vec(),
        }
    }

    fn token(&self, header: Value, claims: Value) -> String {
        let signed = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        format!("{signed}.{}", b64(&self.sign(signed.as_bytes())))
    }

    fn jwt(&self, claims: Value) -> String {
        let alg = self.public().jwt_alg();
        self.token(json!({"typ": "JWT", "alg": alg}), claims)
    }
}

async fn verify(verifier: &ServiceAuthVerifier, token: &str) -> Result<String, String> {
    verifier
        .verify(token, Some(LXM))
        .await
        .map(|a| a.did)
        .map_err(|e| e.name.to_owned())
}

#[tokio::test]
async fn accepts_what_the_reference_accepts() {
    let directory = Directory::default();
    for key in [Key::k(1), Key::p(2)] {
        directory.set(&key.public(), None);
        let verifier = ServiceAuthVerifier::new(AUD, directory.clone());
        assert_eq!(
            verify(&verifier, &key.jwt(claims())).await,
            Ok(DID.to_owned())
        );
        let auth = verifier.verify(&key.jwt(claims()), None).await.unwrap();
        assert_eq!(
            (auth.lxm.as_deref(), auth.jti.as_deref(), auth.aud.as_str()),
            (Some(LXM), Some("abc"), AUD)
        );
    }
    // A high-S signature (the same signature, malleated) is accepted in JWTs, as the reference
    // accepts it.
    let key = Key::k(3);
    directory.set(&key.public(), None);
    let verifier = ServiceAuthVerifier::new(AUD, directory.clone());
    let token = key.jwt(claims());
    let (signed, sig) = token.rsplit_once('.').unwrap();
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig)
        .unwrap();
    let sig = k256::ecdsa::Signature::from_slice(&sig).unwrap();
    let (r, s) = sig.split_scalars();
    let high = k256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
    assert!(
        high.normalize_s().is_some(),
        "the malleated signature is high-S"
    );
    let malleated = format!("{signed}.{}", b64(&high.to_bytes()));
    assert_eq!(verify(&verifier, &malleated).await, Ok(DID.to_owned()));
    // A labeler's token is checked with the #atproto_label key.
    let label = Key::p(4);
    directory.set(&key.public(), Some(&label.public()));
    let mut labeler = claims();
    labeler["iss"] = json!(format!("{DID}#atproto_labeler"));
    assert_eq!(
        verify(&verifier, &label.jwt(labeler.clone())).await,
        Ok(DID.to_owned())
    );
    assert_eq!(
        verify(&verifier, &key.jwt(labeler)).await,
        Err("BadJwtSignature".into())
    );
}

#[tokio::test]
async fn a_rotated_key_is_fetched_again_once() {
    let directory = Directory::default();
    let (old, new) = (Key::k(5), Key::k(6));
    directory.set(&old.public(), None);
    let verifier = ServiceAuthVerifier::new(AUD, CachingResolver::new(directory.clone()));
    assert_eq!(
        verify(&verifier, &old.jwt(claims())).await,
        Ok(DID.to_owned())
    );
    assert_eq!(
        verify(&verifier, &old.jwt(claims())).await,
        Ok(DID.to_owned())
    );
    assert_eq!(directory.fetches.load(Ordering::Relaxed), 1, "cached");
    directory.set(&new.public(), None);
    assert_eq!(
        verify(&verifier, &new.jwt(claims())).await,
        Ok(DID.to_owned())
    );
    assert_eq!(directory.fetches.load(Ordering::Relaxed), 2, "one refresh");
    // A token of the old key now fails, after one more refresh.
    assert_eq!(
        verify(&verifier, &old.jwt(claims())).await,
        Err("BadJwtSignature".into())
    );
}

#[tokio::test]
async fn refuses_with_the_reference_names() {
    let directory = Directory::default();
    let key = Key::k(7);
    directory.set(&key.public(), None);
    let verifier = ServiceAuthVerifier::new(AUD, directory);
    let with = |k: &str, v: Value| {
        let mut c = claims();
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(k);
        c
    };
    let typed = |typ: &str| json!({"typ": typ, "alg": "ES256K"});
    let cases: Vec<(String, &str)> = vec![
        ("a.b".into(), "BadJwt"),
        ("not base64!.x.y".into(), "BadJwt"),
        (key.jwt(without("exp")), "BadJwt"),
        (key.jwt(with("lxm", json!(7))), "BadJwt"),
        (key.token(typed("at+jwt"), claims()), "BadJwtType"),
        (key.token(typed("refresh+jwt"), claims()), "BadJwtType"),
        (key.jwt(with("exp", json!(now() - 1))), "JwtExpired"),
        (
            key.jwt(with("aud", json!("did:web:other.test"))),
            "BadJwtAudience",
        ),
        (
            key.jwt(with("lxm", json!("org.example.other"))),
            "BadJwtLexiconMethod",
        ),
        (key.jwt(without("lxm")), "BadJwtLexiconMethod"),
        (key.jwt(with("iss", json!("alice.test"))), "BadJwtIss"),
        (key.jwt(with("iss", json!(format!("{DID}#")))), "BadJwtIss"),
        (
            key.jwt(with("iss", json!("did:plc:zzzzzzzzzzzzzzzzzzzzzzzz"))),
            "BadJwtIss",
        ),
        (
            key.token(json!({"alg": "ES256"}), claims()),
            "BadJwtSignature",
        ),
        (Key::k(8).jwt(claims()), "BadJwtSignature"),
        (format!("{}xx", key.jwt(claims())), "BadJwtSignature"),
    ];
    for (token, name) in cases {
        let got = verify(&verifier, &token).await;
        assert_eq!(got, Err(name.to_owned()), "{token}");
    }
}

#[tokio::test]
async fn the_extractor_guards_plain_axum_routes() {
    use lexicon_xrpc_server::axum::{body::Body, http::Request, routing::post, Router};
    use lexicon_xrpc_server::ServiceAuth;
    use tower::ServiceExt;

    let directory = Directory::default();
    let key = Key::k(9);
    directory.set(&key.public(), None);
    let verifier = ServiceAuthVerifier::new(AUD, directory);
    let app = Router::new()
        .route(
            &format!("/xrpc/{LXM}"),
            post(|auth: ServiceAuth| async move { auth.did }),
        )
        .with_state(verifier);
    let call = |token: Option<String>| {
        let app = app.clone();
        async move {
            let mut request = Request::post(format!("/xrpc/{LXM}"));
            if let Some(token) = token {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            let response = app
                .oneshot(request.body(Body::empty()).unwrap())
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = lexicon_xrpc_server::axum::body::to_bytes(response.into_body(), 1 << 16)
                .await
                .unwrap();
            (status, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    assert_eq!(call(Some(key.jwt(claims()))).await, (200, DID.to_owned()));
    let (status, body) = call(None).await;
    assert_eq!(status, 401);
    assert!(body.contains("\"AuthRequired\""), "{body}");
    let mut other = claims();
    other["lxm"] = json!("org.example.other");
    let (status, body) = call(Some(key.jwt(other))).await;
    assert_eq!(status, 401);
    assert!(body.contains("BadJwtLexiconMethod"), "{body}");
}
