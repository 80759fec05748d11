//! The README's "Publish a job" and "Read and verify records" code, compiled as written (the
//! build script copies it out of README.md) and run against the reference PDS.

mod common;

include!(concat!(env!("OUT_DIR"), "/readme.rs"));

use common::{logged_in, pds, PASSWORD};
use lexicon_runtime::cbor::DagCbor;
use lexicon_test_support::deadline::Deadline;
use pds_e2e::dev::cocore::compute::payment_authorization::PaymentAuthorization;

#[tokio::test]
async fn the_readme_publishes_reads_verifies_and_lists_a_job() {
    let _deadline = Deadline::start();
    let (client, requester) = logged_in("readme").await;
    let exchange = common::account("readmeexchange").await;
    let payment =
        PaymentAuthorization::from_json(&common::payment_authorization(&exchange.did).to_string())
            .unwrap();
    let payment = client.create_record(&payment).await.unwrap();
    let payment = StrongRef::builder()
        .uri(payment.uri)
        .cid(payment.cid)
        .build()
        .unwrap();

    let created = publish_job(&pds().url, &requester.handle, PASSWORD, payment.clone())
        .await
        .unwrap_or_else(|e| panic!("publish_job: {e}"));
    let job_ref = StrongRef::builder()
        .uri(created.uri.clone())
        .cid(created.cid.clone())
        .build()
        .unwrap();

    let job = read_job(&pds().url, &job_ref)
        .await
        .unwrap_or_else(|e| panic!("read_job: {e}"));
    assert_eq!(job.payment_authorization, payment);
    assert_eq!(
        job.cid().unwrap(),
        created.cid,
        "the job read is the job published"
    );

    // A strongRef that pins another version is caught.
    let stale = StrongRef::builder()
        .uri(created.uri)
        .cid(payment.cid.clone())
        .build()
        .unwrap();
    let error = read_job(&pds().url, &stale).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("changed since it was referenced"),
        "{error}"
    );

    let jobs = list_jobs(&pds().url, &requester.did)
        .await
        .unwrap_or_else(|e| panic!("list_jobs: {e}"));
    assert_eq!(jobs, [job]);
}
