//! The README's "Sign in" code, compiled as written (the build script copies it out of
//! README.md) and run against the reference PDS's OAuth provider: a loopback client keeping
//! its session in a file, the sign-in page driven as its script does, then a typed call.

mod common;

include!(concat!(env!("OUT_DIR"), "/readme_sign_in.rs"));

use common::{account, pds, PASSWORD};
use lexicon_test_support::deadline::Deadline;

#[tokio::test]
async fn the_readme_signs_in_with_oauth_and_calls_as_the_account() {
    let _deadline = Deadline::start();
    let account = account("readmesignin").await;
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("sessions.json");
    let oauth = dev_oauth_client(&pds().url, &pds().plc, &sessions).unwrap();
    let url = oauth.authorize(&account.handle).await.unwrap();
    let back =
        lexicon_test_support::browser::sign_in_and_consent(url.as_str(), &account.handle, PASSWORD)
            .await
            .unwrap();
    let query = back.split_once('?').unwrap().1;
    let client = signed_in_client(&oauth, query).await.unwrap();
    assert_eq!(client.did().unwrap().as_str(), account.did);
    let payment = common::payment_authorization(&account.did);
    let payment =
        pds_e2e::dev::cocore::compute::payment_authorization::PaymentAuthorization::from_json(
            &payment.to_string(),
        )
        .unwrap();
    let created = client.create_record(&payment).await.unwrap();
    assert_eq!(created.uri.authority(), account.did);
    let stored = std::fs::read_to_string(&sessions).unwrap();
    assert!(stored.contains(&account.did));
}
