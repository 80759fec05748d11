//! `index-jobs` as a user runs it, against the reference PDS's firehose: a valid job created,
//! an invalid one created (the PDS does not know cocore's lexicons, so it stores it), the valid
//! one updated, then deleted; one JSON line each, with CIDs equal to the PDS's, the invalid job
//! with its violations. With a PLC directory that serves another key, no line is valid.

use std::process::Command;

use atproto_lexicons::com::atproto::server::create_account::{self, CreateAccount};
use lexicon_runtime::xrpc::NoParams;
use lexicon_test_support::deadline::Deadline;
use lexicon_test_support::pds::Pds;
use lexicon_xrpc::atproto::com::atproto::repo::{create_record, delete_record, put_record};
use lexicon_xrpc::Client;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "index-jobs password";
const JOB: &str = "dev.cocore.compute.job";

fn job(did: &str, max_tokens: i64) -> Value {
    json!({
        "$type": JOB,
        "model": "llama-3.1-8b-instruct",
        "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "maxTokensOut": max_tokens,
        "priceCeiling": { "amount": 25, "currency": "USD" },
        "acceptedTrustLevel": "hardware-attested",
        "paymentAuthorization": {
            "uri": format!("at://{did}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a"),
            "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
        },
        "nonce": "00112233445566778899aabbccddeeff",
        "expiresAt": "2031-01-01T00:00:00.000Z",
        "createdAt": "2026-11-28T05:00:00.000Z"
    })
}

/// Writes four job ops through raw createRecord/putRecord/deleteRecord calls (the PDS stores
/// records of lexicons it does not know as they are); returns the DID and the CIDs it gave.
async fn write(pds: &Pds, handle: &str) -> (String, Vec<String>) {
    let input = create_account::Input::from_json(
        &json!({ "handle": handle, "email": format!("{handle}@example.com"), "password": PASSWORD }).to_string(),
    )
    .unwrap();
    let client = Client::new(&pds.url).unwrap();
    let did = client
        .call::<CreateAccount>(&NoParams, &input)
        .await
        .unwrap()
        .did
        .to_string();
    client.login(handle, PASSWORD).await.unwrap();
    let create = |rkey: &str, record: Value| {
        create_record::Input::from_json(
            &json!({ "repo": did, "collection": JOB, "rkey": rkey, "record": record }).to_string(),
        )
        .unwrap()
    };
    let valid = client
        .call::<create_record::CreateRecord>(&NoParams, &create("3lbq5mkxk2s2a", job(&did, 512)))
        .await
        .unwrap();
    let invalid = client
        .call::<create_record::CreateRecord>(&NoParams, &create("3lbq5mkxk2s2b", job(&did, -1)))
        .await
        .unwrap();
    let put = put_record::Input::from_json(
        &json!({ "repo": did, "collection": JOB, "rkey": "3lbq5mkxk2s2a", "record": job(&did, 1024) }).to_string(),
    )
    .unwrap();
    let updated = client
        .call::<put_record::PutRecord>(&NoParams, &put)
        .await
        .unwrap();
    let delete = delete_record::Input::from_json(
        &json!({ "repo": did, "collection": JOB, "rkey": "3lbq5mkxk2s2a" }).to_string(),
    )
    .unwrap();
    client
        .call::<delete_record::DeleteRecord>(&NoParams, &delete)
        .await
        .unwrap();
    let cids = [valid.cid, invalid.cid, updated.cid]
        .iter()
        .map(|c| c.to_string())
        .collect();
    (did, cids)
}

/// Runs `index-jobs` on the firehose of `relay` from cursor 0 until it has printed `exit_after`
/// lines.
fn index_jobs(relay: &str, plc: &str, exit_after: u32) -> Vec<Value> {
    let output = lexicon_test_support::process::output(
        Command::new(env!("CARGO_BIN_EXE_index-jobs"))
            .args(["--relay", relay, "--plc", plc, "--cursor", "0"])
            .args(["--exit-after", &exit_after.to_string()]),
        lexicon_test_support::process::CLI_LIMIT,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "index-jobs exited with {}:\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_job_op_is_one_line_typed_checked_and_verified() {
    let _deadline = Deadline::start();
    // A network of its own, so that the stream holds only this test's writes.
    let pds = Pds::start();
    let (did, cids) = write(&pds, "indexer.test").await;
    let (relay, plc) = (pds.url.clone(), pds.plc.clone());
    let lines = tokio::task::spawn_blocking(move || index_jobs(&relay, &plc, 4))
        .await
        .unwrap();
    let uri = |rkey: &str| format!("at://{did}/{JOB}/{rkey}");
    assert_eq!(lines.len(), 4);
    let expect = |line: &Value, op: &str, rkey: &str, cid: Option<&str>, valid: bool| {
        assert_eq!(line["op"], op, "{line}");
        assert_eq!(line["uri"], uri(rkey), "{line}");
        assert_eq!(line["cid"].as_str(), cid, "{line}");
        assert_eq!(line["valid"], valid, "{line}");
    };
    expect(&lines[0], "create", "3lbq5mkxk2s2a", Some(&cids[0]), true);
    assert_eq!(lines[0]["violations"], json!([]));
    expect(&lines[1], "create", "3lbq5mkxk2s2b", Some(&cids[1]), false);
    let violations = lines[1]["violations"].as_array().unwrap();
    assert!(
        violations
            .iter()
            .any(|v| v.as_str().unwrap().contains("$.maxTokensOut")),
        "{violations:?}"
    );
    expect(&lines[2], "update", "3lbq5mkxk2s2a", Some(&cids[2]), true);
    expect(&lines[3], "delete", "3lbq5mkxk2s2a", None, true);
}

/// A PLC directory that answers every DID with a document holding someone else's key.
async fn lying_plc() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0u8; 8192];
            let n = socket.read(&mut request).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&request[..n]).to_string();
            let did = request
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_owned();
            let body = json!({
                "id": did,
                "verificationMethod": [{
                    "id": format!("{did}#atproto"),
                    "type": "Multikey",
                    "controller": did,
                    "publicKeyMultibase": "zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc"
                }]
            })
            .to_string();
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_wrong_key_nothing_is_valid() {
    let _deadline = Deadline::start();
    let pds = Pds::start();
    let _ = write(&pds, "forged.test").await;
    let (relay, plc) = (pds.url.clone(), lying_plc().await);
    let lines = tokio::task::spawn_blocking(move || index_jobs(&relay, &plc, 4))
        .await
        .unwrap();
    assert_eq!(lines.len(), 4);
    for line in lines {
        assert_eq!(line["valid"], false, "{line}");
        let violations = line["violations"].as_array().unwrap();
        assert!(
            violations[0]
                .as_str()
                .unwrap()
                .starts_with("commit signature:"),
            "{line}"
        );
    }
}
