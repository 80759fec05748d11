//! The typed client against the reference PDS: login, the requester and provider flows, swaps,
//! deletes, missing records, blobs, token refresh, local refusal. Each scenario asserts how
//! many HTTP requests it made, so a client that sends more than it should fails here.

mod common;

use common::{account, logged_in, pds, PASSWORD};
use futures_util::TryStreamExt;
use lexicon_runtime::cbor::DagCbor;
use lexicon_test_support::deadline::Deadline;
use lexicon_xrpc::atproto::com::atproto::repo::get_record::GetRecordError;
use lexicon_xrpc::atproto::com::atproto::repo::put_record::PutRecordError;
use lexicon_xrpc::{Client, Error, Session};
use pds_e2e::dev::cocore::compute::job::Job;
use pds_e2e::dev::cocore::compute::payment_authorization::PaymentAuthorization;
use pds_e2e::dev::cocore::compute::provider::Provider;
use pds_e2e::dev::cocore::compute::receipt::Receipt;
use serde_json::json;

/// Prints a scenario's request count (collected for the issue note) and checks it.
fn requests(client: &Client, scenario: &str, expected: u64) {
    let sent = client.requests_sent();
    eprintln!("requests: {scenario}: {sent}");
    assert_eq!(sent, expected, "{scenario}: HTTP requests made");
}

#[tokio::test]
async fn login_gives_a_session_and_a_wrong_password_a_typed_error() {
    let _deadline = Deadline::start();
    let account = account("login").await;
    let client = Client::new(&pds().url).unwrap();
    let session = client.login(&account.handle, PASSWORD).await.unwrap();
    assert_eq!(session.did.as_str(), account.did);
    assert_eq!(session.handle.as_str(), account.handle);
    assert_eq!(client.session(), Some(session));

    let error = Client::new(&pds().url)
        .unwrap()
        .login(&account.handle, "wrong password")
        .await
        .unwrap_err();
    match &error {
        Error::Xrpc { status, error, .. } => {
            assert_eq!(*status, 401, "{error}");
            assert_eq!(error.name(), "AuthenticationRequired");
        }
        other => panic!("expected an XRPC error, got {other:?}"),
    }
    requests(&client, "login", 1);
}

#[tokio::test]
async fn requester_flow_payment_authorization_then_job_read_back_with_local_cids() {
    let _deadline = Deadline::start();
    let (client, requester) = logged_in("requester").await;
    let exchange = account("exchange").await;

    let payment =
        PaymentAuthorization::from_json(&common::payment_authorization(&exchange.did).to_string())
            .unwrap();
    let payment_created = client.create_record(&payment).await.unwrap();
    assert_eq!(
        payment_created.cid,
        payment.cid().unwrap(),
        "the PDS's CID is the local one"
    );
    assert!(payment_created.uri.as_str().starts_with(&format!(
        "at://{}/dev.cocore.compute.paymentAuthorization/",
        requester.did
    )));

    let strong_ref = json!({ "uri": payment_created.uri, "cid": payment_created.cid });
    let job = Job::from_json(&common::job(strong_ref).to_string()).unwrap();
    let job_created = client.create_record(&job).await.unwrap();
    assert_eq!(job_created.cid, job.cid().unwrap());

    // Read back typed, by repo and key, and by the URI a strongRef names.
    let rkey = job_created.uri.as_str().rsplit('/').next().unwrap();
    let read_job = client
        .get_record::<Job>(&requester.did, rkey)
        .await
        .unwrap();
    assert_eq!(read_job.value, job);
    assert_eq!(read_job.cid.as_ref(), Some(&job_created.cid));
    let named = &read_job.value.payment_authorization;
    let read_payment = client
        .get_record_at::<PaymentAuthorization>(&named.uri)
        .await
        .unwrap();
    assert_eq!(read_payment.value, payment);
    assert_eq!(
        read_payment.cid.as_ref(),
        Some(&named.cid),
        "the job's strongRef pins this version"
    );
    requests(&client, "requester flow", 5);
}

#[tokio::test]
async fn provider_flow_records_with_bytes_and_a_listing_across_pages() {
    let _deadline = Deadline::start();
    let (client, provider_account) = logged_in("provider").await;
    let provider = Provider::from_json(&common::provider().to_string()).unwrap();
    let provider_created = client.create_record(&provider).await.unwrap();
    let attestation = json!({ "uri": provider_created.uri, "cid": provider_created.cid });
    let job = json!({
        "uri": format!("at://{}/dev.cocore.compute.job/3lbq5mkxk2s2a", provider_account.did),
        "cid": provider_created.cid,
    });

    const RECEIPTS: usize = 120;
    let mut written = Vec::new();
    for i in 0..RECEIPTS {
        let signature: Vec<u8> = (0..72).map(|b| (b * 7 + i) as u8).collect();
        let json = common::receipt(
            job.clone(),
            &provider_account.did,
            attestation.clone(),
            &signature,
        );
        let receipt = Receipt::from_json(&json.to_string()).unwrap();
        assert_eq!(receipt.enclave_signature.0.as_slice(), &signature[..]);
        let created = client.create_record(&receipt).await.unwrap();
        written.push((created.cid, receipt));
    }

    let listed: Vec<_> = client
        .list_records::<Receipt>(&provider_account.did)
        .into_stream()
        .map_ok(|listed| listed.expect("every receipt is valid"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), RECEIPTS);
    for record in &listed {
        let (_, receipt) = written
            .iter()
            .find(|(cid, _)| Some(cid) == record.cid.as_ref())
            .expect("every listed receipt was written");
        assert_eq!(
            &record.value, receipt,
            "bytes and all, read back as written"
        );
    }
    // Pages of 100: two full-or-partial pages and the empty one that ends the listing.
    let mut pages = client
        .list_records::<Receipt>(&provider_account.did)
        .page_size(50);
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        sizes.push(page.len());
    }
    assert_eq!(sizes, [50, 50, 20]);
    let providers = client
        .get_record_at::<Provider>(&provider_created.uri)
        .await
        .unwrap();
    assert_eq!(providers.value, provider);
    // 1 login + 1 provider + 120 receipts + 3 pages of 100 + 4 pages of 50 + 1 get.
    requests(
        &client,
        "provider flow",
        1 + 1 + RECEIPTS as u64 + 3 + 4 + 1,
    );
}

#[tokio::test]
async fn put_with_a_stale_swap_record_is_a_typed_conflict_and_delete_removes() {
    let _deadline = Deadline::start();
    let (client, account) = logged_in("swapper").await;
    let provider = Provider::from_json(&common::provider().to_string()).unwrap();
    let rkey = lexicon_runtime::Tid::now().to_string();
    let first = client.put_record(&rkey, &provider, None).await.unwrap();

    let mut changed = provider.clone();
    changed.machine_label = "Mac mini M4 #2".into();
    let second = client
        .put_record(&rkey, &changed, Some(&first.cid))
        .await
        .unwrap();
    assert_ne!(first.cid, second.cid);

    let error = client
        .put_record(&rkey, &provider, Some(&first.cid))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Xrpc {
                status: 400,
                error: PutRecordError::InvalidSwap,
                ..
            }
        ),
        "a stale swapRecord: {error:?}"
    );
    let current = client
        .get_record::<Provider>(&account.did, &rkey)
        .await
        .unwrap();
    assert_eq!(
        current.value, changed,
        "the conflicting write changed nothing"
    );

    client
        .delete_record::<Provider>(&rkey, Some(&second.cid))
        .await
        .unwrap();
    let error = client
        .get_record::<Provider>(&account.did, &rkey)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Xrpc {
                error: GetRecordError::RecordNotFound,
                ..
            }
        ),
        "after delete: {error:?}"
    );
    requests(&client, "swap and delete", 1 + 3 + 1 + 1 + 1);
}

#[tokio::test]
async fn a_missing_record_is_a_typed_error() {
    let _deadline = Deadline::start();
    let (client, account) = logged_in("reader").await;
    let error = client
        .get_record::<Job>(&account.did, "3lbq5mkxk2s2a")
        .await
        .unwrap_err();
    match &error {
        Error::Xrpc {
            status,
            error,
            message,
            ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(*error, GetRecordError::RecordNotFound, "{message:?}");
        }
        other => panic!("expected RecordNotFound, got {other:?}"),
    }
    requests(&client, "missing record", 2);
}

#[tokio::test]
async fn an_uploaded_blob_goes_into_a_record_the_pds_accepts() {
    let _deadline = Deadline::start();
    use atproto_lexicons::app::bsky::actor::profile::Profile;
    let (client, account) = logged_in("avatar").await;
    let png = include_bytes!("../../data/e2e/avatar.png").to_vec();
    let blob = client.upload_blob(png.clone(), "image/png").await.unwrap();
    assert_eq!(blob.mime_type(), "image/png");
    assert_eq!(blob.size(), Some(png.len() as u64));

    let profile = Profile::from_json(
        &json!({
            "$type": "app.bsky.actor.profile",
            "displayName": "Avatar test",
            "avatar": blob,
        })
        .to_string(),
    )
    .unwrap();
    let created = client.create_record(&profile).await.unwrap();
    assert!(
        created
            .uri
            .as_str()
            .ends_with("/app.bsky.actor.profile/self"),
        "{}",
        created.uri
    );
    let read = client
        .get_record::<Profile>(&account.did, "self")
        .await
        .unwrap();
    assert_eq!(read.value.avatar.as_ref(), Some(&blob));
    requests(&client, "blob", 4);
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_without_the_caller_noticing() {
    let _deadline = Deadline::start();
    let (client, account) = logged_in("refresher").await;
    let session = client.session().unwrap();
    let expired = pds().expired_access_token(&account.did);
    client.set_session(Some(Session::new(
        session.did.clone(),
        session.handle.clone(),
        expired.clone(),
        session.refresh_jwt().to_owned(),
    )));

    let provider = Provider::from_json(&common::provider().to_string()).unwrap();
    let created = client.create_record(&provider).await.unwrap();
    assert!(created
        .uri
        .as_str()
        .starts_with(&format!("at://{}/", account.did)));
    let refreshed = client.session().unwrap();
    assert_ne!(refreshed.access_jwt(), expired);
    assert_ne!(
        refreshed.refresh_jwt(),
        session.refresh_jwt(),
        "refreshing rotates the refresh token"
    );
    // login, the refused call, refreshSession, the call again.
    requests(&client, "token refresh", 4);
}

#[tokio::test]
async fn an_invalid_record_or_key_is_refused_with_zero_requests() {
    let _deadline = Deadline::start();
    let (client, _) = logged_in("refused").await;
    let before = client.requests_sent();
    let strong_ref = json!({ "uri": "at://did:plc:abc/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a", "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm" });
    let mut job = Job::from_json(&common::job(strong_ref).to_string()).unwrap();
    job.nonce = "too short".into();
    job.max_tokens_out = 0;
    let error = client.create_record(&job).await.unwrap_err();
    match &error {
        Error::Invalid { error, .. } => {
            let paths = error.paths();
            assert_eq!(paths, ["$.maxTokensOut", "$.nonce"], "{error:#}");
        }
        other => panic!("expected a local refusal, got {other:?}"),
    }
    assert!(error.is_local());

    let valid = Provider::from_json(&common::provider().to_string()).unwrap();
    let error = client
        .create_record_with_key(&valid, "not a tid")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Invalid { .. }), "{error:?}");
    let error = client.put_record("self", &valid, None).await.unwrap_err();
    assert!(
        matches!(error, Error::Invalid { .. }),
        "a provider's key is a TID: {error:?}"
    );
    assert_eq!(client.requests_sent(), before, "nothing was sent");

    let not_logged_in = Client::new(&pds().url).unwrap();
    let error = not_logged_in.create_record(&valid).await.unwrap_err();
    assert!(matches!(error, Error::NotLoggedIn { .. }), "{error:?}");
    requests(&not_logged_in, "refused locally", 0);
}
