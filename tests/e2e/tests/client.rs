//! Client settings against the reference PDS: the response size limit, the path prefix, the
//! `atproto-proxy` header, and bodies that are not JSON (a repository as a CAR file), read
//! whole or as a stream.

mod common;

use atproto_lexicons::app::bsky::actor::get_profile::{self, GetProfile};
use atproto_lexicons::com::atproto::server::describe_server::DescribeServer;
use atproto_lexicons::com::atproto::sync::get_repo::{self, GetRepo};
use common::{logged_in, pds};
use futures_util::TryStreamExt;
use lexicon_runtime::xrpc::NoParams;
use lexicon_test_support::deadline::Deadline;
use lexicon_xrpc::{Client, Error};

#[tokio::test]
async fn a_response_over_the_size_limit_is_refused() {
    let _deadline = Deadline::start();
    let output = Client::new(&pds().url)
        .unwrap()
        .query::<DescribeServer>(&NoParams)
        .await
        .unwrap();
    assert_eq!(output.did.as_str(), pds().service_did);

    let small = Client::builder(&pds().url)
        .max_response_bytes(64)
        .build()
        .unwrap();
    let error = small.query::<DescribeServer>(&NoParams).await.unwrap_err();
    assert!(
        matches!(error, Error::TooLarge { limit: 64, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn calls_go_under_the_path_prefix() {
    let _deadline = Deadline::start();
    // The PDS serves /xrpc only: under another prefix the call reaches a path it does not serve.
    let client = Client::builder(&pds().url)
        .path_prefix("/api/xrpc")
        .build()
        .unwrap();
    let error = client.query::<DescribeServer>(&NoParams).await.unwrap_err();
    assert_eq!(error.status(), Some(404), "{error}");
    let slash = Client::builder(&format!("{}/", pds().url))
        .path_prefix("/xrpc/")
        .build()
        .unwrap();
    slash.query::<DescribeServer>(&NoParams).await.unwrap();
}

#[tokio::test]
async fn the_proxy_header_sends_the_call_to_the_named_service() {
    let _deadline = Deadline::start();
    let (client, account) = logged_in("proxied").await;
    let session = client.session().unwrap();
    let params = get_profile::Params::from_query(&format!("actor={}", account.did)).unwrap();

    // The PDS resolves the DID in atproto-proxy and looks for the service named after `#`: the
    // account's DID document has `#atproto_pds` but no `#nothing`.
    let proxied = Client::builder(&pds().url)
        .proxy(&format!("{}#nothing", account.did))
        .build()
        .unwrap();
    proxied.set_session(Some(session));
    match proxied.query::<GetProfile>(&params).await.unwrap_err() {
        Error::Xrpc {
            status: 400,
            message,
            ..
        } => {
            assert_eq!(
                message.as_deref(),
                Some("could not resolve proxy did service url")
            )
        }
        other => panic!("{other:?}"),
    }

    // Without the header the PDS forwards app.bsky calls to its configured app view, which
    // does not exist in the test network.
    let plain = client.query::<GetProfile>(&params).await.unwrap_err();
    assert_eq!(plain.status(), Some(502), "{plain}");
}

#[tokio::test]
async fn a_car_body_is_bytes_whole_or_streamed() {
    let _deadline = Deadline::start();
    let (client, account) = logged_in("car").await;
    let params = get_repo::Params::from_query(&format!("did={}", account.did)).unwrap();
    let car: Vec<u8> = client.query::<GetRepo>(&params).await.unwrap();
    // CARv1: a varint length, then a DAG-CBOR header map {roots, version: 1}.
    let header_len = usize::from(car[0]);
    let header = &car[1..1 + header_len];
    assert!(header.windows(5).any(|w| w == b"roots"), "{header:?}");
    assert!(header.windows(7).any(|w| w == b"version"), "{header:?}");

    let chunks: Vec<bytes::Bytes> = client
        .call_stream::<GetRepo>(&params, &())
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(chunks.concat(), car);
}
