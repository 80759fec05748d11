//! `cocore-appview` as a user runs it (`--listen 127.0.0.1:0`), beside the reference PDS
//! (`@atproto/dev-env`, whose PLC directory holds every account's signing key): service-auth
//! tokens minted by the PDS (`com.atproto.server.getServiceAuth`) are accepted; expired, wrong
//! `aud`, wrong `lxm`, tampered and unknown-DID tokens get 401; this project's own client calls
//! every method the example serves.

use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod common;

/// The example's bindings (its build script's output).
#[allow(dead_code)]
mod lexicons {
    include!(concat!(env!("OUT_DIR"), "/cocore.rs"));
}

use atproto_lexicons::com::atproto::server::create_account::{self, CreateAccount};
use atproto_lexicons::com::atproto::server::get_service_auth::{self, GetServiceAuth};
use base64::Engine as _;
use common::{indexed_job, AppView};
use lexicon_runtime::xrpc::{Method, NoParams};
use lexicon_runtime::{Did, Extra};
use lexicon_test_support::deadline::Deadline;
use lexicon_test_support::pds::Pds;
use lexicon_xrpc::{Client, Error};
use serde_json::{json, Value};

const PASSWORD: &str = "appview test password";
const SERVICE_DID: &str = "did:web:appview.cocore.test";
const CREATE_API_KEY: &str = "dev.cocore.account.createApiKey";
const LIST_API_KEYS: &str = "dev.cocore.account.listApiKeys";

fn pds() -> &'static Pds {
    static PDS: OnceLock<Pds> = OnceLock::new();
    PDS.get_or_init(Pds::start)
}

/// Starts `cocore-appview` with `jobs` indexed, this test's service DID and the PDS's PLC.
fn appview(jobs: &[Value]) -> AppView {
    AppView::start(jobs, &["--service-did", SERVICE_DID, "--plc", &pds().plc])
}

/// A new account on the PDS, logged in.
async fn account(handle: &str) -> (Client, String) {
    let input = create_account::Input::from_json(
        &json!({ "handle": handle, "email": format!("{handle}@example.com"), "password": PASSWORD }).to_string(),
    )
    .unwrap();
    let client = Client::new(&pds().url).unwrap();
    let created = client
        .call::<CreateAccount>(&NoParams, &input)
        .await
        .unwrap();
    client.login(handle, PASSWORD).await.unwrap();
    (client, created.did.to_string())
}

/// A service-auth token minted by the PDS for `aud` and `lxm`, expiring at `exp`.
async fn mint(client: &Client, aud: &str, lxm: &str, exp: Option<i64>) -> String {
    let mut params = json!({ "aud": aud, "lxm": lxm });
    if let Some(exp) = exp {
        params["exp"] = json!(exp);
    }
    let params = get_service_auth::Params::from_json(&params.to_string())
        .unwrap_or_else(|e| panic!("getServiceAuth parameters: {e}"));
    client.query::<GetServiceAuth>(&params).await.unwrap().token
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn bearer(url: &str, token: &str) -> Client {
    Client::builder(url)
        .credentials(lexicon_xrpc::TokenCredentials::bearer(token))
        .build()
        .unwrap()
}

use lexicons::dev::cocore::account::{create_api_key, list_api_keys, revoke_api_key};
use lexicons::dev::cocore::compute::list_jobs;

fn key_input(name: &str) -> create_api_key::Input {
    create_api_key::Input {
        name: name.into(),
        expires_at: None,
        extra: Extra::new(),
    }
}

/// Status and error name of a refused call.
fn refusal<T: std::fmt::Debug, E: std::fmt::Debug>(result: Result<T, Error<E>>) -> (u16, String) {
    match result {
        Err(Error::Xrpc { status, error, .. }) => (status, format!("{error:?}")),
        other => panic!("expected an XRPC error, got {other:?}"),
    }
}

#[tokio::test]
async fn service_auth_tokens_from_the_real_pds() {
    let _deadline = Deadline::start();
    let server = appview(&[]);
    let (alice, alice_did) = account("alice-auth.test").await;

    // Accepted: minted by the PDS for this service and this method.
    let token = mint(&alice, SERVICE_DID, CREATE_API_KEY, None).await;
    let created = bearer(&server.url, &token)
        .call::<create_api_key::CreateApiKey>(&NoParams, &key_input("laptop"))
        .await
        .unwrap();
    assert_eq!(created.key.did.as_str(), alice_did);
    assert!(created.secret.starts_with("cocore-") && created.secret.len() == 7 + 43);

    let create = |token: String| {
        let url = server.url.clone();
        async move {
            bearer(&url, &token)
                .call::<create_api_key::CreateApiKey>(&NoParams, &key_input("x"))
                .await
        }
    };
    // Wrong audience, wrong method.
    let other_aud = mint(&alice, "did:web:elsewhere.test", CREATE_API_KEY, None).await;
    assert_eq!(
        refusal(create(other_aud).await),
        (401, "Other(\"BadJwtAudience\")".into())
    );
    let other_lxm = mint(&alice, SERVICE_DID, LIST_API_KEYS, None).await;
    assert_eq!(
        refusal(create(other_lxm).await),
        (401, "Other(\"BadJwtLexiconMethod\")".into())
    );
    // A tampered signature: one bit of the first byte of the signature flipped.
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let mut sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .unwrap();
    sig[0] ^= 1;
    let tampered = format!(
        "{signed}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
    );
    assert_eq!(
        refusal(create(tampered).await),
        (401, "Other(\"BadJwtSignature\")".into())
    );
    // A token whose claims were changed (another issuer) after signing.
    let (header, rest) = token.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let mut claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    let (_, bob_did) = account("bob-auth.test").await;
    claims["iss"] = json!(bob_did);
    let forged = format!(
        "{header}.{}.{signature}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    assert_eq!(
        refusal(create(forged).await),
        (401, "Other(\"BadJwtSignature\")".into())
    );
    // A well-signed token from a DID the PLC directory does not know.
    assert_eq!(
        refusal(create(unknown_did_token()).await),
        (401, "Other(\"BadJwtIss\")".into())
    );
    // Expired: minted to expire in 2 s, used 3 s later.
    let short = mint(&alice, SERVICE_DID, CREATE_API_KEY, Some(now() + 2)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        refusal(create(short).await),
        (401, "Other(\"JwtExpired\")".into())
    );
    // No token at all: the method's own AuthRequired.
    let anonymous = Client::new(&server.url)
        .unwrap()
        .call::<create_api_key::CreateApiKey>(&NoParams, &key_input("x"))
        .await;
    assert_eq!(refusal(anonymous), (401, "AuthRequired".into()));
}

/// A service-auth token signed by a K-256 key for a did:plc the directory has never seen.
fn unknown_did_token() -> String {
    use k256::ecdsa::signature::Signer;
    let key = k256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let header = b64(&json!({"typ": "JWT", "alg": "ES256K"}));
    let payload = b64(&json!({
        "iss": "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa",
        "aud": SERVICE_DID,
        "lxm": CREATE_API_KEY,
        "exp": now() + 60,
        "iat": now(),
    }));
    let signature: k256::ecdsa::Signature = key.sign(format!("{header}.{payload}").as_bytes());
    format!(
        "{header}.{payload}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}

#[tokio::test]
async fn our_client_calls_every_method() {
    let _deadline = Deadline::start();
    let (carol, carol_did) = account("carol-client.test").await;
    let server = appview(&[
        indexed_job(&carol_did, "3lbq5mkxk2s2a"),
        indexed_job(&carol_did, "3lbq5mkxk2s2b"),
        indexed_job("did:plc:ewvi7nxzyoun6zhxrhs64oiz", "3lbq5mkxk2s2c"),
    ]);
    let public = Client::new(&server.url).unwrap();

    // listJobs: public, by requester, newest first.
    let params = list_jobs::Params {
        requester: Did::new(carol_did.clone()).unwrap(),
        extra: Extra::new(),
    };
    let jobs = public
        .query::<list_jobs::ListJobs>(&params)
        .await
        .unwrap()
        .jobs;
    let rkeys: Vec<&str> = jobs.iter().map(|j| j.rkey.as_str()).collect();
    assert_eq!(rkeys, ["3lbq5mkxk2s2b", "3lbq5mkxk2s2a"]);
    assert_eq!(jobs[0].body.as_value()["model"], "llama-3.1-8b-instruct");

    // createApiKey with service auth, then the key itself for the rest.
    let token = mint(&carol, SERVICE_DID, create_api_key::NSID, None).await;
    let created = bearer(&server.url, &token)
        .call::<create_api_key::CreateApiKey>(&NoParams, &key_input("ci runner"))
        .await
        .unwrap();
    let with_key = bearer(&server.url, &created.secret);
    let listed = with_key
        .query::<list_api_keys::ListApiKeys>(&NoParams)
        .await
        .unwrap();
    assert_eq!(listed.keys, std::slice::from_ref(&created.key));
    let second = with_key
        .call::<create_api_key::CreateApiKey>(&NoParams, &key_input("second"))
        .await
        .unwrap();
    assert_eq!(
        with_key
            .query::<list_api_keys::ListApiKeys>(&NoParams)
            .await
            .unwrap()
            .keys
            .len(),
        2
    );

    // revokeApiKey with service auth; the revoked key no longer authenticates.
    let token = mint(
        &carol,
        SERVICE_DID,
        revoke_api_key::RevokeApiKey::NSID,
        None,
    )
    .await;
    let input = revoke_api_key::Input {
        id: created.key.id.clone(),
        extra: Extra::new(),
    };
    let revoked = bearer(&server.url, &token)
        .call::<revoke_api_key::RevokeApiKey>(&NoParams, &input)
        .await
        .unwrap();
    assert!(revoked.revoked);
    assert_eq!(
        refusal(
            with_key
                .query::<list_api_keys::ListApiKeys>(&NoParams)
                .await
        ),
        (401, "AuthRequired".into())
    );
    let keys = bearer(&server.url, &second.secret)
        .query::<list_api_keys::ListApiKeys>(&NoParams)
        .await
        .unwrap()
        .keys;
    assert!(keys
        .iter()
        .any(|k| k.id == created.key.id && k.revoked_at.is_some()));
    // A service-auth token for one method does not open another.
    let token = mint(&carol, SERVICE_DID, list_api_keys::ListApiKeys::NSID, None).await;
    let again = bearer(&server.url, &token)
        .call::<revoke_api_key::RevokeApiKey>(&NoParams, &input)
        .await;
    assert_eq!(
        refusal(again),
        (401, "Other(\"BadJwtLexiconMethod\")".into())
    );
}

#[test]
fn a_bad_jobs_file_is_refused_with_its_line() {
    let _deadline = Deadline::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jobs.jsonl");
    let mut job = indexed_job("did:plc:ewvi7nxzyoun6zhxrhs64oiz", "3lbq5mkxk2s2a");
    job["body"]["maxTokensOut"] = json!(-1);
    std::fs::write(&file, format!("\n{job}\n")).unwrap();
    let database = format!("sqlite:{}", dir.path().join("index.db").display());
    let output = lexicon_test_support::process::output(
        Command::new(env!("CARGO_BIN_EXE_cocore-appview"))
            .args(["--listen", "127.0.0.1:0", "--database", &database, "--jobs"])
            .arg(&file),
        lexicon_test_support::process::CLI_LIMIT,
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("jobs.jsonl:2:") && stderr.contains("$.maxTokensOut"),
        "{stderr}"
    );
}
