//! `com.atproto.repo.applyWrites` typed, against the reference PDS: creates, updates and
//! deletes of generated records in one commit, a result per write, the commit carried by every
//! write's result, and a stale `swapCommit` refused as the typed `InvalidSwap`.

mod common;

use common::logged_in;
use lexicon_test_support::deadline::Deadline;
use lexicon_xrpc::atproto::com::atproto::repo::apply_writes::ApplyWritesError;
use lexicon_xrpc::{Error, Write, WriteResult};
use pds_e2e::dev::cocore::compute::job::Job;
use serde_json::json;

fn job() -> Job {
    let payment = json!({
        "uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a",
        "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
    });
    Job::from_json(&common::job(payment).to_string()).unwrap()
}

#[tokio::test]
async fn writes_in_one_commit_each_get_a_result_and_a_stale_swap_is_refused() {
    let _deadline = Deadline::start();
    let (client, account) = logged_in("writes").await;
    let (first, second) = (job(), job());
    let applied = client
        .apply_writes(
            vec![
                Write::create(&first).unwrap(),
                Write::create_with_key("3lbq5mkxk2s2b", &second).unwrap(),
            ],
            None,
        )
        .await
        .unwrap();
    let commit = applied.commit.clone().expect("the PDS names the commit");
    let [WriteResult::Created(a), WriteResult::Created(b)] = applied.results.as_slice() else {
        panic!("{:?}", applied.results)
    };
    assert_eq!(a.commit.as_ref(), Some(&commit));
    assert_eq!(b.uri.rkey(), Some("3lbq5mkxk2s2b"));
    assert_eq!(a.uri.authority(), account.did);

    // An update and a delete in the next commit.
    let mut changed = second.clone();
    changed.max_tokens_out = 1024;
    let next = client
        .apply_writes(
            vec![
                Write::update("3lbq5mkxk2s2b", &changed).unwrap(),
                Write::delete::<Job>(a.uri.rkey().unwrap()).unwrap(),
            ],
            Some(&commit.cid),
        )
        .await
        .unwrap();
    assert!(matches!(
        next.results.as_slice(),
        [WriteResult::Updated(_), WriteResult::Deleted]
    ));
    assert!(next.commit.as_ref().unwrap().rev.as_str() > commit.rev.as_str());
    let read = client
        .get_record::<Job>(&account.did, "3lbq5mkxk2s2b")
        .await
        .unwrap();
    assert_eq!(read.value.max_tokens_out, 1024);
    assert!(client
        .get_record::<Job>(&account.did, a.uri.rkey().unwrap())
        .await
        .is_err());

    // The first commit is no longer the current one.
    let stale = client
        .apply_writes(vec![Write::create(&job()).unwrap()], Some(&commit.cid))
        .await
        .unwrap_err();
    assert!(
        matches!(
            stale,
            Error::Xrpc {
                error: ApplyWritesError::InvalidSwap,
                ..
            }
        ),
        "{stale}"
    );

    // Single writes carry their commit too.
    let created = client.create_record(&job()).await.unwrap();
    let commit = created.commit.expect("createRecord names the commit");
    let deleted = client
        .delete_record::<Job>(created.uri.rkey().unwrap(), None)
        .await
        .unwrap()
        .expect("deleteRecord names the commit");
    assert!(deleted.rev.as_str() > commit.rev.as_str());

    // A record that breaks its schema is refused before anything is sent.
    let mut bad = job();
    bad.max_tokens_out = -1;
    let sent = client.requests_sent();
    assert!(Write::create(&bad).unwrap_err().is_local());
    assert_eq!(client.requests_sent(), sent);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_compare_and_swap_reads_again_when_another_writer_got_there_first() {
    let _deadline = Deadline::start();
    use tokio::runtime::Handle;
    use tokio::task::block_in_place;

    let (client, account) = logged_in("swap").await;
    let rkey = "3lbq5mkxk2s2c";
    let mut first = job();
    first.max_tokens_out = 100;
    // No record yet: written only if there still is none.
    client
        .swap_record::<Job>(rkey, 3, |current| {
            assert!(current.is_none());
            Some(first.clone())
        })
        .await
        .unwrap()
        .expect("written");

    // Another writer changes the record between our read and our write: we read again.
    let other = client.clone();
    let mut seen = Vec::new();
    client
        .swap_record::<Job>(rkey, 3, |current| {
            let current = current.expect("the record");
            seen.push(current.max_tokens_out);
            if seen.len() == 1 {
                let mut theirs = current.clone();
                theirs.max_tokens_out = 200;
                block_in_place(|| {
                    Handle::current().block_on(other.put_record(rkey, &theirs, None))
                })
                .unwrap();
            }
            let mut mine = current.clone();
            mine.max_tokens_out += 1;
            Some(mine)
        })
        .await
        .unwrap();
    assert_eq!(seen, [100, 200]);
    let read = client.get_record::<Job>(&account.did, rkey).await.unwrap();
    assert_eq!(read.value.max_tokens_out, 201);

    // A writer that always gets there first: after `attempts` writes, the InvalidSwap.
    let error = client
        .swap_record::<Job>(rkey, 2, |current| {
            let mut theirs = current.expect("the record").clone();
            theirs.max_tokens_out += 1000;
            block_in_place(|| Handle::current().block_on(other.put_record(rkey, &theirs, None)))
                .unwrap();
            let mut mine = theirs;
            mine.max_tokens_out += 1;
            Some(mine)
        })
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Xrpc { error: lexicon_xrpc::atproto::com::atproto::repo::put_record::PutRecordError::InvalidSwap, .. }),
        "{error}"
    );
    // Nothing to change: nothing written.
    let sent = client.requests_sent();
    assert!(client
        .swap_record::<Job>(rkey, 3, |_| None)
        .await
        .unwrap()
        .is_none());
    assert_eq!(client.requests_sent(), sent + 1, "one read, no write");
}

#[tokio::test]
async fn a_listing_keeps_an_invalid_record_raw_with_its_violations_and_goes_on() {
    let _deadline = Deadline::start();
    use futures_util::StreamExt as _;
    use lexicon_runtime::xrpc::NoParams;
    use lexicon_runtime::{AtIdentifier, Nsid, Unknown};
    use lexicon_xrpc::atproto::com::atproto::repo::create_record::{self, CreateRecord};

    let (client, account) = logged_in("listing").await;
    client.create_record(&job()).await.unwrap();
    // The PDS does not know dev.cocore lexicons, so it stores what another writer sent.
    let mut broken = serde_json::to_value(job()).unwrap();
    broken["maxTokensOut"] = json!(0);
    broken["nonce"] = json!("not hex");
    let input = create_record::Input::new(
        AtIdentifier::new(account.did.as_str()).unwrap(),
        Nsid::new("dev.cocore.compute.job").unwrap(),
        Unknown::new(broken.clone()).unwrap(),
    );
    client
        .call::<CreateRecord>(&NoParams, &input)
        .await
        .unwrap();
    client.create_record(&job()).await.unwrap();

    let mut listed = Vec::new();
    let mut records = client
        .list_records::<Job>(&account.did)
        .page_size(2)
        .into_stream();
    while let Some(record) = records.next().await {
        listed.push(record.unwrap());
    }
    assert_eq!(listed.len(), 3, "one result per record, across pages");
    let invalid: Vec<_> = listed.iter().filter_map(|r| r.as_ref().err()).collect();
    let [invalid] = invalid.as_slice() else {
        panic!("{listed:?}")
    };
    assert_eq!(invalid.value.as_value()["nonce"], broken["nonce"]);
    let Error::InvalidResponse { error, .. } = &invalid.error else {
        panic!("{}", invalid.error)
    };
    assert_eq!(error.paths(), ["$.maxTokensOut", "$.nonce"], "{error:#}");
    assert_eq!(listed.iter().filter(|r| r.is_ok()).count(), 2);
}
