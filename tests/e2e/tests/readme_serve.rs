//! The README's "Serve a lexicon" code, compiled as written (the build script copies it out of
//! README.md) and run on loopback: `listJobs` for our client, and `revokeApiKey` with a
//! service-auth token minted by the reference PDS.

mod common;

// The README's `cocore` is the bindings crate of the upstream cocore lexicons.
use lexicon_test_support::deadline::Deadline;
use pds_e2e as cocore;

include!(concat!(env!("OUT_DIR"), "/readme_serve.rs"));

use atproto_lexicons::com::atproto::server::get_service_auth::{self, GetServiceAuth};
use common::{logged_in, pds};
use lexicon_runtime::xrpc::NoParams;
use lexicon_xrpc::{Client, Error};
use serde_json::json;

const SERVICE_DID: &str = "did:web:readme-appview.test";

#[tokio::test]
async fn the_readme_appview_serves_jobs_and_checks_service_auth() {
    let _deadline = Deadline::start();
    let (client, requester) = logged_in("readmeserve").await;
    let job = common::job(json!({
        "uri": format!("at://{}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a", requester.did),
        "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
    }));
    let indexed = IndexedRecord::from_json(
        &json!({
            "uri": format!("at://{}/dev.cocore.compute.job/3lbq5mkxk2s2a", requester.did),
            "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
            "collection": "dev.cocore.compute.job",
            "repo": requester.did,
            "rkey": "3lbq5mkxk2s2a",
            "body": job,
        })
        .to_string(),
    )
    .unwrap();
    let index = Arc::new(Index {
        jobs: vec![indexed.clone()],
        ..Index::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = appview(Arc::clone(&index), SERVICE_DID, &pds().plc);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let public = Client::new(&url).unwrap();
    let params =
        list_jobs::Params::from_json(&json!({ "requester": requester.did }).to_string()).unwrap();
    let out = public.query::<ListJobs>(&params).await.unwrap();
    assert_eq!(out.jobs, [indexed]);

    let input = revoke_api_key::Input::from_json(r#"{"id": "key-1"}"#).unwrap();
    match public.call::<RevokeApiKey>(&NoParams, &input).await {
        Err(Error::Xrpc { status: 401, .. }) => {}
        other => panic!("{other:?}"),
    }
    let params = get_service_auth::Params::from_json(
        &json!({ "aud": SERVICE_DID, "lxm": "dev.cocore.account.revokeApiKey" }).to_string(),
    )
    .unwrap();
    let token = client.query::<GetServiceAuth>(&params).await.unwrap().token;
    let authed = Client::builder(&url)
        .credentials(lexicon_xrpc::TokenCredentials::bearer(&token))
        .build()
        .unwrap();
    let out = authed
        .call::<RevokeApiKey>(&NoParams, &input)
        .await
        .unwrap();
    assert!(out.revoked);
    // The layer on revokeApiKey's route limits its body to 4 KiB; listJobs has the router's.
    let big = json!({ "id": "k".repeat(5000) }).to_string();
    let response = reqwest::Client::new()
        .post(format!("{url}/xrpc/dev.cocore.account.revokeApiKey"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(
        *index.revoked.lock().unwrap(),
        [(requester.did.clone(), "key-1".to_owned())]
    );
}
