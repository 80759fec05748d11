//! What the end-to-end tests share: one reference PDS per test binary, accounts, and record
//! templates of the upstream cocore lexicons.

#![allow(dead_code)] // each test binary uses part of this module

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use atproto_lexicons::com::atproto::server::create_account::{self, CreateAccount};
use lexicon_runtime::xrpc::NoParams;
use lexicon_runtime::{Datetime, Tid};
use lexicon_test_support::pds::Pds;
use lexicon_xrpc::Client;
use serde_json::{json, Value};

/// The password of every test account.
pub const PASSWORD: &str = "correct horse battery staple";

/// The network this test binary runs against, started on first use.
pub fn pds() -> &'static Pds {
    static PDS: OnceLock<Pds> = OnceLock::new();
    PDS.get_or_init(Pds::start)
}

/// An account on the PDS.
#[derive(Debug, Clone)]
pub struct Account {
    pub handle: String,
    pub did: String,
}

/// Creates an account (`com.atproto.server.createAccount`, through the generic typed call).
pub async fn account(name: &str) -> Account {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let handle = format!("{name}{}.test", NEXT.fetch_add(1, Ordering::Relaxed));
    let client = Client::new(&pds().url).expect("a client");
    let input = create_account::Input::from_json(
        &json!({ "handle": handle, "email": format!("{name}@example.com"), "password": PASSWORD })
            .to_string(),
    )
    .expect("a valid createAccount input");
    let output = client
        .call::<CreateAccount>(&NoParams, &input)
        .await
        .unwrap_or_else(|e| panic!("creating the account {handle}: {e}"));
    Account {
        handle,
        did: output.did.to_string(),
    }
}

/// A new account and a client logged in to it.
pub async fn logged_in(name: &str) -> (Client, Account) {
    let account = account(name).await;
    let client = Client::new(&pds().url).expect("a client");
    client
        .login(&account.handle, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("logging in as {}: {e}", account.handle));
    (client, account)
}

/// An RFC 3339 datetime `offset` from now.
pub fn datetime_in(offset: Duration) -> String {
    Datetime::from(SystemTime::now() + offset).to_string()
}

/// 32 hex digits that differ on every call.
pub fn nonce() -> String {
    format!("{:032x}", Tid::now().micros() as u128 * 1_000_003)
}

/// A `dev.cocore.compute.paymentAuthorization` for `exchange`.
pub fn payment_authorization(exchange: &str) -> Value {
    json!({
        "$type": "dev.cocore.compute.paymentAuthorization",
        "exchange": exchange,
        "ceiling": { "amount": 2500, "currency": "USD" },
        "scope": "singleJob",
        "nonce": nonce(),
        "expiresAt": datetime_in(Duration::from_secs(3600)),
        "createdAt": datetime_in(Duration::ZERO),
    })
}

/// A `dev.cocore.compute.job` whose payment authorization is `payment` (`{uri, cid}`).
pub fn job(payment: Value) -> Value {
    json!({
        "$type": "dev.cocore.compute.job",
        "model": "llama-3.1-8b-instruct",
        "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "maxTokensOut": 512,
        "priceCeiling": { "amount": 25, "currency": "USD" },
        "acceptedTrustLevel": "hardware-attested",
        "paymentAuthorization": payment,
        "nonce": nonce(),
        "expiresAt": datetime_in(Duration::from_secs(3600)),
        "createdAt": datetime_in(Duration::ZERO),
    })
}

/// A `dev.cocore.compute.provider` record.
pub fn provider() -> Value {
    json!({
        "$type": "dev.cocore.compute.provider",
        "machineLabel": "Mac mini M4 #1",
        "chip": "Apple M4",
        "ramGB": 32,
        "supportedModels": ["llama-3.1-8b-instruct"],
        "priceList": [{
            "modelId": "llama-3.1-8b-instruct",
            "inputPricePerMTok": 10,
            "outputPricePerMTok": 30,
            "currency": "USD"
        }],
        "encryptionPubKey": "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=",
        "attestationPubKey": "BEXAMPLEp256publickeybase64=",
        "trustLevel": "self-attested",
        "createdAt": datetime_in(Duration::ZERO),
    })
}

/// A `dev.cocore.compute.receipt` for the job `job` (`{uri, cid}`) of `requester`, whose
/// `enclaveSignature` (bytes) is `signature`.
pub fn receipt(job: Value, requester: &str, attestation: Value, signature: &[u8]) -> Value {
    json!({
        "$type": "dev.cocore.compute.receipt",
        "job": job,
        "requester": requester,
        "model": "llama-3.1-8b-instruct",
        "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "outputCommitment": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
        "tokens": { "in": 12, "out": 345 },
        "startedAt": datetime_in(Duration::ZERO),
        "completedAt": datetime_in(Duration::from_secs(2)),
        "price": { "amount": 7, "currency": "USD" },
        "attestation": attestation,
        "enclaveSignature": { "$bytes": base64(signature) },
    })
}

/// Standard base64 without padding, as the atproto JSON data model writes `$bytes`.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}
