//! The README's "Read the network" code, compiled as written (the build script copies it out of
//! README.md) and run against the reference PDS's firehose.

mod common;

// The README's `cocore` is the bindings crate of the upstream cocore lexicons.
use lexicon_test_support::deadline::Deadline;
use pds_e2e as cocore;

include!(concat!(env!("OUT_DIR"), "/readme_network.rs"));

use common::{logged_in, pds};
use pds_e2e::dev::cocore::compute::job::Job;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_indexer_finds_the_jobs_written() {
    let _deadline = Deadline::start();
    let (client, requester) = logged_in("readmenetwork").await;
    let payment = json!({
        "uri": format!("at://{}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a", requester.did),
        "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
    });
    let mut written = Vec::new();
    for _ in 0..2 {
        let job = Job::from_json(&common::job(payment.clone()).to_string()).unwrap();
        let created = client.create_record(&job).await.unwrap();
        written.push((created.uri.to_string(), created.cid.to_string()));
    }
    let found = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        first_jobs(&pds().url, &pds().plc, 0, 2),
    )
    .await
    .expect("two jobs within 30 s")
    .unwrap_or_else(|e| panic!("first_jobs: {e}"));
    assert_eq!(found, written);
}
