//! `publish-job` as a user runs it, against the reference PDS: a job is published as it is
//! (read back equal, with the CID of the file's content); a job the schema refuses is reported
//! and not sent (exit 1); login, network and file failures exit 2.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

use atproto_lexicons::com::atproto::server::create_account::{self, CreateAccount};
use cocore_lexicons::dev::cocore::compute::job::Job;
use lexicon_runtime::xrpc::NoParams;
use lexicon_test_support::deadline::Deadline;
use lexicon_test_support::pds::Pds;
use lexicon_xrpc::Client;
use serde_json::{json, Value};

const PASSWORD: &str = "publish-job password";

fn pds() -> &'static Pds {
    static PDS: OnceLock<Pds> = OnceLock::new();
    PDS.get_or_init(Pds::start)
}

/// Creates an account and returns its handle and DID.
async fn account(handle: &str) -> (String, String) {
    let input = create_account::Input::from_json(
        &json!({ "handle": handle, "email": format!("{handle}@example.com"), "password": PASSWORD }).to_string(),
    )
    .unwrap();
    let output = Client::new(&pds().url)
        .unwrap()
        .call::<CreateAccount>(&NoParams, &input)
        .await
        .unwrap();
    (handle.to_owned(), output.did.to_string())
}

fn job(nonce: &str) -> Value {
    json!({
        "$type": "dev.cocore.compute.job",
        "model": "llama-3.1-8b-instruct",
        "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "maxTokensOut": 512,
        "priceCeiling": { "amount": 25, "currency": "USD" },
        "acceptedTrustLevel": "hardware-attested",
        "paymentAuthorization": {
            "uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a",
            "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
        },
        "nonce": nonce,
        "expiresAt": "2031-01-01T00:00:00.000Z",
        "createdAt": "2026-11-28T05:00:00.000Z",
        "inputFormat": "messages-v1"
    })
}

fn publish(pds: &str, handle: &str, password: &str, file: &Path) -> Output {
    lexicon_test_support::process::output(
        Command::new(env!("CARGO_BIN_EXE_publish-job"))
            .args(["--pds", pds, "--handle", handle, "--password", password])
            .arg(file),
        lexicon_test_support::process::CLI_LIMIT,
    )
}

fn write(dir: &Path, name: &str, value: &Value) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

#[tokio::test]
async fn a_job_is_published_as_it_is_and_prints_its_uri_and_cid() {
    let _deadline = Deadline::start();
    let (handle, did) = account("publisher.test").await;
    let dir = tempfile::tempdir().unwrap();
    let value = job("00112233445566778899aabbccddeeff");
    let file = write(dir.path(), "job.json", &value);

    let output = publish(&pds().url, &handle, PASSWORD, &file);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with("{\"uri\": \"at://") && stdout.contains("\", \"cid\": \""),
        "{stdout}"
    );
    let printed: Value = serde_json::from_str(&stdout).unwrap();
    let uri = printed["uri"].as_str().unwrap();
    assert!(
        uri.starts_with(&format!("at://{did}/dev.cocore.compute.job/")),
        "{uri}"
    );

    // The PDS holds the file's record unchanged (the undeclared `inputFormat` included), under
    // the CID of the file's content.
    let cid = lexicon_runtime::cbor::cid_of(
        &lexicon_runtime::cbor::json_to_cbor(&value.to_string()).unwrap(),
    );
    assert_eq!(printed["cid"], cid.as_str());
    let stored = Client::new(&pds().url)
        .unwrap()
        .get_record_at::<Job>(&uri.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(&stored.value).unwrap(), value);
}

#[tokio::test]
async fn a_job_the_schema_refuses_is_reported_and_not_sent() {
    let _deadline = Deadline::start();
    let (handle, did) = account("refused.test").await;
    let dir = tempfile::tempdir().unwrap();
    let mut value = job("too short");
    value["maxTokensOut"] = json!(0);
    let file = write(dir.path(), "job.json", &value);

    let output = publish(&pds().url, &handle, PASSWORD, &file);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(
        stderr.contains("$.maxTokensOut") && stderr.contains("$.nonce"),
        "every violation: {stderr}"
    );
    let jobs = Client::new(&pds().url)
        .unwrap()
        .list_records::<Job>(&did)
        .next_page()
        .await
        .unwrap();
    assert!(jobs.is_none(), "no job in the repository");

    let not_json = dir.path().join("not.json");
    std::fs::write(&not_json, "{\"$type\": \"dev.cocore.compute.job\",").unwrap();
    let output = publish(&pds().url, &handle, PASSWORD, &not_json);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn login_network_and_file_failures_exit_2_with_a_message() {
    let _deadline = Deadline::start();
    let (handle, _) = account("failures.test").await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "job.json",
        &job("00112233445566778899aabbccddeeff"),
    );

    let output = publish(&pds().url, &handle, "wrong password", &file);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("login to") && stderr.contains("AuthenticationRequired"),
        "{stderr}"
    );

    // A loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = publish(
        &format!("http://127.0.0.1:{port}"),
        &handle,
        PASSWORD,
        &file,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("could not connect"), "{stderr}");

    let output = publish(
        &pds().url,
        &handle,
        PASSWORD,
        &dir.path().join("missing.json"),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot read"), "{stderr}");
}

#[tokio::test]
async fn a_job_is_published_with_an_oauth_session_signed_in_in_a_browser() {
    let _deadline = Deadline::start();
    let (handle, did) = account("oauthpublisher.test").await;
    let dir = tempfile::tempdir().unwrap();
    let value = job("ffeeddccbbaa99887766554433221100");
    let file = write(dir.path(), "job.json", &value);
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_publish-job"));
    command
        .args([
            "--pds",
            &pds().url,
            "--plc",
            &pds().plc,
            "--handle",
            &handle,
            "--oauth",
        ])
        .arg(&file);
    // The user's browser: sign in, consent, and come back to the command's loopback listener.
    let output = lexicon_test_support::browser::run_signing_in(command, &handle, PASSWORD)
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let uri = printed["uri"].as_str().unwrap();
    assert!(
        uri.starts_with(&format!("at://{did}/dev.cocore.compute.job/")),
        "{uri}"
    );
    let read = Client::new(&pds().url)
        .unwrap()
        .get_record_at::<Job>(&uri.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(read.value, Job::from_json(&value.to_string()).unwrap());
}
