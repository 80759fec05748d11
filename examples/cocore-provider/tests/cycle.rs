//! The provider's cycle against the reference PDS (`@atproto/dev-env`, with its OAuth server):
//! signed in with OAuth (the sign-in page driven as its script drives it) and with an app
//! password, by the library and by the command as a user runs it; workers racing for one
//! machine and for one job; a job that changes after it was listed.

use std::sync::OnceLock;

use atproto_lexicons::com::atproto::server::create_account::{self, CreateAccount};
use cocore_provider::lexicons::dev::cocore::compute::attestation::Attestation;
use cocore_provider::lexicons::dev::cocore::compute::job::Job;
use cocore_provider::lexicons::dev::cocore::compute::provider::Provider as ProviderRecord;
use cocore_provider::lexicons::dev::cocore::compute::receipt::Receipt;
use cocore_provider::{Machine, OpenJob, Provider, ProviderError, Work};
use cocore_sdk::checks::Record;
use lexicon_identity::HttpResolver;
use lexicon_oauth::{ClientMetadata, OAuthClient, Scopes, XrpcHandleResolver};
use lexicon_runtime::cbor::DagCbor as _;
use lexicon_runtime::xrpc::NoParams;
use lexicon_runtime::Datetime;
use lexicon_test_support::deadline::Deadline;
use lexicon_test_support::pds::Pds;
use lexicon_xrpc::Client;
use p256::ecdsa::SigningKey;
use serde_json::json;

const PASSWORD: &str = "cocore-provider password";
const MACHINE: &str = "3lbq5mkxk2s2a";

fn pds() -> &'static Pds {
    static PDS: OnceLock<Pds> = OnceLock::new();
    PDS.get_or_init(Pds::start)
}

/// Creates an account and returns its handle and DID.
async fn account(name: &str) -> (String, String) {
    let handle = format!("{name}.test");
    let input = create_account::Input::from_json(
        &json!({ "handle": handle, "email": format!("{name}@example.com"), "password": PASSWORD })
            .to_string(),
    )
    .unwrap();
    let output = Client::new(&pds().url)
        .unwrap()
        .call::<CreateAccount>(&NoParams, &input)
        .await
        .unwrap_or_else(|e| panic!("creating {handle}: {e}"));
    (handle, output.did.to_string())
}

async fn logged_in(handle: &str) -> Client {
    let client = Client::new(&pds().url).unwrap();
    client.login(handle, PASSWORD).await.unwrap();
    client
}

/// A job for `provider` (in `acceptedProviders`), expiring at `expires`.
fn job(provider: &str, expires: &str) -> Job {
    Job::from_json(
        &json!({
            "$type": "dev.cocore.compute.job",
            "model": "llama-3.1-8b-instruct",
            "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "maxTokensOut": 512,
            "priceCeiling": { "amount": 25, "currency": "USD" },
            "acceptedProviders": [provider],
            "acceptedTrustLevel": "self-attested",
            "paymentAuthorization": {
                "uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a",
                "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
            },
            "nonce": "00112233445566778899aabbccddeeff",
            "expiresAt": expires,
            "createdAt": "2026-11-28T05:00:00.000Z",
        })
        .to_string(),
    )
    .unwrap()
}

fn work(price: i64) -> Work {
    Work {
        output: "The answer is 42.".into(),
        tokens: (120, 256),
        started_at: Datetime::now(),
        price,
    }
}

fn key() -> SigningKey {
    SigningKey::random(&mut rand_core::OsRng)
}

/// Signs in to the provider account with the loopback OAuth client, through the reference
/// sign-in page, and returns a typed client on the session.
async fn oauth_client(handle: &str) -> Client {
    let metadata = ClientMetadata::loopback(
        "http://127.0.0.1:8321/callback",
        Scopes::new().transition_generic(),
    )
    .unwrap();
    let oauth = OAuthClient::builder(metadata)
        .allow_http(true)
        .did_resolver(HttpResolver::new().plc_url(&pds().plc))
        .handle_resolver(XrpcHandleResolver::new(&pds().url))
        .build();
    let url = oauth.authorize(handle).await.unwrap();
    let back = lexicon_test_support::browser::sign_in_and_consent(url.as_str(), handle, PASSWORD)
        .await
        .unwrap();
    let session = oauth
        .callback(back.split_once('?').unwrap().1)
        .await
        .unwrap();
    Client::builder(session.pds())
        .credentials(session)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_provider_signed_in_with_oauth_runs_its_whole_cycle() {
    let _deadline = Deadline::start();
    let (requester_handle, requester) = account("requester1").await;
    let (handle, did) = account("provider1").await;
    let requester_client = logged_in(&requester_handle).await;
    let open = requester_client
        .create_record(&job(&did, "2031-01-01T00:00:00.000Z"))
        .await
        .unwrap();
    // Not this provider's, and expired: neither is open to it.
    requester_client
        .create_record(&job(
            "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
            "2031-01-01T00:00:00Z",
        ))
        .await
        .unwrap();
    requester_client
        .create_record(&job(&did, "2020-01-01T00:00:00.000Z"))
        .await
        .unwrap();

    let provider = Provider::new(oauth_client(&handle).await, key()).unwrap();
    assert_eq!(provider.did().as_str(), did);

    // The provider record, put by compare-and-swap; what the owner sets is kept.
    provider
        .put_profile(MACHINE, &Machine::example())
        .await
        .unwrap();
    let owner = logged_in(&handle).await;
    let mut record = owner
        .get_record::<ProviderRecord>(&did, MACHINE)
        .await
        .unwrap()
        .value;
    assert_eq!((record.active, record.serving), (Some(true), Some(false)));
    record.desired_models = Some(vec!["qwen-2.5-7b".into()]);
    owner.put_record(MACHINE, &record, None).await.unwrap();
    let mut updated = Machine::example();
    updated.ram_gb = 128;
    provider.put_profile(MACHINE, &updated).await.unwrap();
    let record = owner
        .get_record::<ProviderRecord>(&did, MACHINE)
        .await
        .unwrap()
        .value;
    assert_eq!(record.ram_gb, 128);
    assert_eq!(record.desired_models, Some(vec!["qwen-2.5-7b".to_owned()]));

    let attestation = provider.attest(&Machine::example()).await.unwrap();
    let attested = owner
        .get_record_at::<Attestation>(&attestation.uri)
        .await
        .unwrap();
    assert_eq!(attested.value.public_key, record.attestation_pub_key);

    let jobs = provider.open_jobs(&requester).await.unwrap();
    assert_eq!(
        jobs.iter().map(|j| j.uri.as_str()).collect::<Vec<_>>(),
        [open.uri.as_str()]
    );

    let claim = provider.claim(MACHINE).await.unwrap();
    assert!(matches!(
        provider.claim(MACHINE).await.unwrap_err(),
        ProviderError::Busy(_)
    ));
    let written = provider
        .complete(claim, &jobs[0], &attestation, &work(1))
        .await
        .unwrap();

    // The receipt names the job at the CID of its content, computed here.
    let receipt = owner.get_record_at::<Receipt>(&written.uri).await.unwrap();
    let job_now = requester_client
        .get_record_at::<Job>(&open.uri)
        .await
        .unwrap();
    assert_eq!(receipt.value.job.uri, open.uri);
    assert_eq!(receipt.value.job.cid, job_now.value.cid().unwrap());
    assert_eq!(receipt.value.job.cid, open.cid);
    assert_eq!(receipt.value.attestation, attestation);
    assert_eq!(written.uri.rkey(), open.uri.rkey());
    // And it verifies as cocore verifies receipts: signed over its canonical JSON by the
    // attested key, agreeing with the job and the attestation.
    let (receipt_cid, job_cid, attestation_cid) = (
        receipt.value.cid().unwrap().to_string(),
        job_now.value.cid().unwrap().to_string(),
        attested.value.cid().unwrap().to_string(),
    );
    let (receipt_json, job_json, attestation_json) = (
        serde_json::to_value(&receipt.value).unwrap(),
        serde_json::to_value(&job_now.value).unwrap(),
        serde_json::to_value(&attested.value).unwrap(),
    );
    let report = cocore_sdk::checks::receipt(
        Record {
            uri: written.uri.as_str(),
            repo: &did,
            cid: &receipt_cid,
            value: &receipt_json,
        },
        Record {
            uri: open.uri.as_str(),
            repo: open.uri.authority(),
            cid: &job_cid,
            value: &job_json,
        },
        Record {
            uri: attestation.uri.as_str(),
            repo: &did,
            cid: &attestation_cid,
            value: &attestation_json,
        },
    );
    assert!(report.findings.is_empty(), "{report:?}");
    // Released, and the job is no longer open.
    let record = owner
        .get_record::<ProviderRecord>(&did, MACHINE)
        .await
        .unwrap()
        .value;
    assert_eq!(record.serving, Some(false));
    assert!(provider.open_jobs(&requester).await.unwrap().is_empty());
}

#[tokio::test]
async fn workers_racing_for_one_machine_or_one_job_get_one_each() {
    let _deadline = Deadline::start();
    let (requester_handle, requester) = account("requester2").await;
    let (handle, did) = account("provider2").await;
    let requester_client = logged_in(&requester_handle).await;
    requester_client
        .create_record(&job(&did, "2031-01-01T00:00:00.000Z"))
        .await
        .unwrap();
    let first = Provider::new(logged_in(&handle).await, key()).unwrap();
    let second = Provider::new(logged_in(&handle).await, key()).unwrap();
    first
        .put_profile(MACHINE, &Machine::example())
        .await
        .unwrap();
    let other_machine = "3lbq5mkxk2s2b";
    second
        .put_profile(other_machine, &Machine::example())
        .await
        .unwrap();

    // Two workers of one machine: one claim.
    let (a, b) = tokio::join!(first.claim(MACHINE), second.claim(MACHINE));
    assert!(a.is_ok() != b.is_ok(), "exactly one claim: {a:?} {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert!(matches!(loser, Err(ProviderError::Busy(_))), "{loser:?}");
    first.release(MACHINE).await.unwrap();

    // Two machines of the account on one job: one receipt.
    let jobs = first.open_jobs(&requester).await.unwrap();
    assert_eq!(jobs.len(), 1);
    let attestation = first.attest(&Machine::example()).await.unwrap();
    let (claim_a, claim_b) = (
        first.claim(MACHINE).await.unwrap(),
        second.claim(other_machine).await.unwrap(),
    );
    let (work_a, work_b) = (work(1), work(2));
    let (a, b) = tokio::join!(
        first.complete(claim_a, &jobs[0], &attestation, &work_a),
        second.complete(claim_b, &jobs[0], &attestation, &work_b),
    );
    assert!(a.is_ok() != b.is_ok(), "exactly one receipt: {a:?} {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert!(
        matches!(loser, Err(ProviderError::AlreadyReceipted(_))),
        "{loser:?}"
    );
    let mut receipts = first.client().list_records::<Receipt>(&did);
    let page = receipts.next_page().await.unwrap().unwrap();
    assert_eq!(page.len(), 1);
    // Both machines were released, the loser's too.
    for rkey in [MACHINE, other_machine] {
        let record = first
            .client()
            .get_record::<ProviderRecord>(&did, rkey)
            .await
            .unwrap()
            .value;
        assert_eq!(record.serving, Some(false), "{rkey}");
    }
}

#[tokio::test]
async fn a_job_that_changed_after_it_was_listed_is_not_receipted() {
    let _deadline = Deadline::start();
    let (requester_handle, requester) = account("requester3").await;
    let (handle, did) = account("provider3").await;
    let requester_client = logged_in(&requester_handle).await;
    let created = requester_client
        .create_record(&job(&did, "2031-01-01T00:00:00.000Z"))
        .await
        .unwrap();
    let provider = Provider::new(logged_in(&handle).await, key()).unwrap();
    provider
        .put_profile(MACHINE, &Machine::example())
        .await
        .unwrap();
    let attestation = provider.attest(&Machine::example()).await.unwrap();
    let jobs: Vec<OpenJob> = provider.open_jobs(&requester).await.unwrap();

    let mut changed = jobs[0].job.clone();
    changed.max_tokens_out = 4096;
    requester_client
        .put_record(created.uri.rkey().unwrap(), &changed, None)
        .await
        .unwrap();
    let claim = provider.claim(MACHINE).await.unwrap();
    let error = provider
        .complete(claim, &jobs[0], &attestation, &work(1))
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::JobChanged { .. }), "{error}");

    // A price over the job's ceiling is refused before anything is written.
    let jobs = provider.open_jobs(&requester).await.unwrap();
    let claim = provider.claim(MACHINE).await.unwrap();
    let error = provider
        .complete(claim, &jobs[0], &attestation, &work(26))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::OverCeiling { .. }),
        "{error}"
    );
    assert!(!provider.open_jobs(&requester).await.unwrap().is_empty());
}

/// Runs the command with `args`; returns its exit code and standard output.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let output = lexicon_test_support::process::output(
        std::process::Command::new(env!("CARGO_BIN_EXE_cocore-provider")).args(args),
        lexicon_test_support::process::CLI_LIMIT,
    );
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn steps(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["step"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_command_runs_the_cycle_with_an_app_password() {
    let _deadline = Deadline::start();
    let (requester_handle, requester) = account("requester4").await;
    let (handle, did) = account("provider4").await;
    logged_in(&requester_handle)
        .await
        .create_record(&job(&did, "2031-01-01T00:00:00.000Z"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("machine.key");
    let args = [
        "--pds",
        &pds().url,
        "--handle",
        &handle,
        "--password",
        PASSWORD,
        "--requester",
        &requester,
        "--key",
        key.to_str().unwrap(),
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        steps(&stdout),
        ["profile", "attestation", "job", "claim", "receipt"]
    );
    assert!(key.exists());
    // Nothing left to do: exit 3.
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    assert!(stderr.contains("no open job"), "{stderr}");
    // A wrong password: exit 2, saying so.
    let mut wrong = args;
    wrong[5] = "not the password";
    let (code, _, stderr) = run(&wrong);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("login to"), "{stderr}");
}

#[tokio::test]
async fn the_command_signs_in_with_oauth_in_a_browser() {
    let _deadline = Deadline::start();
    let (requester_handle, requester) = account("requester5").await;
    let (handle, did) = account("provider5").await;
    logged_in(&requester_handle)
        .await
        .create_record(&job(&did, "2031-01-01T00:00:00.000Z"))
        .await
        .unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_cocore-provider"));
    command
        .args([
            "--pds",
            &pds().url,
            "--plc",
            &pds().plc,
            "--handle",
            &handle,
        ])
        .args(["--oauth", "--requester", &requester]);
    // The user's browser: sign in, consent, and come back to the command's loopback listener.
    let output = lexicon_test_support::browser::run_signing_in(command, &handle, PASSWORD)
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        steps(&String::from_utf8_lossy(&output.stdout)),
        ["profile", "attestation", "job", "claim", "receipt"]
    );
}
