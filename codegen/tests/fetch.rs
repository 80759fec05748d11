//! `lexicon-codegen fetch` against the reference PDS: the repository's lexicons are published
//! there as `com.atproto.lexicon.schema` records by two accounts (two authorities), DNS answers
//! come from a table, DIDs resolve at the test network's PLC directory. Fetched, they are the
//! same lexicons (`diff`) and generate; `fetch --check` notices a republished lexicon.

#![cfg(feature = "fetch")]

mod network;

use std::path::Path;

use lexicon_runtime::xrpc::NoParams;
use lexicon_test_support::pds::Pds;
use lexicon_xrpc::Client;
use serde_json::{json, Value};

use network::{codegen, publisher, repo, text};

lexicon_test_support::raw_json_procedure!(PutRecord, "com.atproto.repo.putRecord");

fn lexicon(relative: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo().join("lexicons").join(relative)).unwrap())
        .unwrap()
}

async fn publish(client: &Client, did: &str, mut doc: Value) {
    let nsid = doc["id"].as_str().unwrap().to_owned();
    doc["$type"] = json!("com.atproto.lexicon.schema");
    let input = json!({ "repo": did, "collection": "com.atproto.lexicon.schema", "rkey": nsid, "record": doc });
    client
        .call::<PutRecord>(&NoParams, &input)
        .await
        .unwrap_or_else(|e| panic!("publishing {nsid}: {e}"));
}

#[tokio::test]
async fn published_lexicons_are_fetched_locked_generated_and_checked() {
    let pds = Pds::start();
    let (cocore, cocore_did) = publisher(&pds, "cocore.test").await;
    let (atproto, atproto_did) = publisher(&pds, "atproto.test").await;
    publish(&cocore, &cocore_did, lexicon("dev/cocore/compute/job.json")).await;
    publish(
        &cocore,
        &cocore_did,
        lexicon("dev/cocore/compute/defs.json"),
    )
    .await;
    publish(
        &atproto,
        &atproto_did,
        lexicon("com/atproto/repo/strongRef.json"),
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("dns.json");
    let table = json!({
        "_lexicon.compute.cocore.dev": [format!("did={cocore_did}")],
        "_lexicon.repo.atproto.com": ["v=spf1 -all", format!("did={atproto_did}")],
    });
    std::fs::write(&answers, table.to_string()).unwrap();
    let out = dir.path().join("lexicons");
    let network = |command: &[&str]| {
        let mut args = command.to_vec();
        args.extend(["--plc", pds.plc.as_str(), "--dns-answers"]);
        codegen(&args, &[&answers, Path::new("--out"), &out])
    };

    // The job, and what it refers to, across two authorities.
    let fetched = network(&["fetch", "dev.cocore.compute.job"]);
    assert_eq!(fetched.status.code(), Some(0), "{}", text(&fetched));
    for relative in [
        "dev/cocore/compute/job.json",
        "dev/cocore/compute/defs.json",
        "com/atproto/repo/strongRef.json",
    ] {
        let got: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(relative)).unwrap()).unwrap();
        assert_eq!(got, lexicon(relative), "{relative} as published");
    }
    let lock: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("lexicons.lock")).unwrap()).unwrap();
    let nsids: Vec<&str> = lock["lexicons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["nsid"].as_str().unwrap())
        .collect();
    assert_eq!(
        nsids,
        [
            "com.atproto.repo.strongRef",
            "dev.cocore.compute.defs",
            "dev.cocore.compute.job"
        ]
    );
    let job = &lock["lexicons"][2];
    assert_eq!(
        job["uri"],
        format!("at://{cocore_did}/com.atproto.lexicon.schema/dev.cocore.compute.job")
    );

    // Records are stored as DAG-CBOR, whose maps have a canonical key order, so the documents
    // come back with their properties reordered: the same lexicons (`diff` finds no change),
    // and they generate.
    let diff = codegen(&["diff", "lexicons"], &[&out]);
    assert_eq!(diff.status.code(), Some(0), "{}", text(&diff));
    assert!(text(&diff).starts_with("0 change(s)"), "{}", text(&diff));
    let src = dir.path().join("src");
    let generated = codegen(
        &["generate", "--out"],
        &[&src, Path::new("--lexicons"), &out],
    );
    assert_eq!(generated.status.code(), Some(0), "{}", text(&generated));
    assert!(src.join("dev/cocore/compute/job.rs").exists());

    // A glob after an authority.
    let globbed_out = dir.path().join("globbed");
    let globbed = codegen(
        &[
            "fetch",
            "dev.cocore.compute.*",
            "--plc",
            pds.plc.as_str(),
            "--dns-answers",
        ],
        &[&answers, Path::new("--out"), &globbed_out],
    );
    assert_eq!(globbed.status.code(), Some(0), "{}", text(&globbed));
    assert_eq!(
        std::fs::read(globbed_out.join("lexicons.lock")).unwrap(),
        std::fs::read(out.join("lexicons.lock")).unwrap()
    );

    // --check: current, then a republished lexicon is drift; nothing is written.
    let current = network(&["fetch", "--check"]);
    assert_eq!(current.status.code(), Some(0), "{}", text(&current));
    let mut changed = lexicon("dev/cocore/compute/job.json");
    changed["description"] = json!("A compute job, republished.");
    publish(&cocore, &cocore_did, changed).await;
    let before = std::fs::read(out.join("lexicons.lock")).unwrap();
    let drift = network(&["fetch", "--check"]);
    assert_eq!(drift.status.code(), Some(1), "{}", text(&drift));
    assert!(
        text(&drift).contains("changed: dev.cocore.compute.job"),
        "{}",
        text(&drift)
    );
    assert_eq!(
        std::fs::read(out.join("lexicons.lock")).unwrap(),
        before,
        "check writes nothing"
    );

    // An NSID nobody publishes, and an authority without a DID: errors, nothing written.
    let empty = dir.path().join("empty");
    let missing = codegen(
        &[
            "fetch",
            "dev.cocore.compute.nothing",
            "com.example.thing",
            "--plc",
            pds.plc.as_str(),
            "--dns-answers",
        ],
        &[&answers, Path::new("--out"), &empty],
    );
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(
        text(&missing).contains("no `did=` TXT record at _lexicon.example.com"),
        "{}",
        text(&missing)
    );
    assert!(!empty.exists(), "nothing written");
}
