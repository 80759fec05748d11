//! `cocore-appview` fed by the network: the reference PDS (`@atproto/dev-env`, one per test
//! binary) as the relay, the AppView as a user runs it (`--relay`, `--plc`, `--database`), on
//! SQLite and on a real Postgres. Every query whose data is in records is served from what the
//! accounts wrote (updates and deletes too); two indexer processes on two shards of one Postgres
//! give the tables one process gives.

use std::time::{Duration, Instant};

/// The example's bindings (its build script's output).
#[allow(dead_code)]
mod lexicons {
    include!(concat!(env!("OUT_DIR"), "/cocore.rs"));
}
mod network_common;

use lexicon_index::Database;
use lexicon_runtime::xrpc::NoParams;
use lexicon_runtime::{AtUri, Did, Extra};
use lexicon_test_support::deadline::Deadline;
use lexicon_test_support::postgres::Postgres;
use lexicons::dev::cocore::account::{list_friend_edges, list_incoming_friends, list_profiles};
use lexicons::dev::cocore::compute::{list_jobs, list_providers, list_receipts, list_settlements};
use lexicons::dev::cocore::inference::status;
use network_common::{
    job, on_both, pds, schema, stored, until, until_equal, Account, Backend, Process, HEX64, JOB,
    SOME_CID,
};
use serde_json::json;

on_both!(every_query_is_served_from_what_the_accounts_wrote);

async fn every_query_is_served_from_what_the_accounts_wrote(backend: Backend) {
    let database = backend.database();
    let appview = Process::start(&database, true, &[]);
    let client = appview.client();
    let requester = Account::new("requester").await;
    let provider = Account::new("provider").await;
    let exchange = Account::new("exchange").await;

    let payment = requester
        .create(
            "dev.cocore.compute.paymentAuthorization",
            json!({
                "$type": "dev.cocore.compute.paymentAuthorization",
                "exchange": exchange.did,
                "ceiling": { "amount": 2500, "currency": "USD" },
                "scope": "singleJob",
                "nonce": format!("{:032x}", 7),
                "expiresAt": "2031-01-01T00:00:00.000Z",
                "createdAt": "2026-11-28T05:00:00.000Z",
            }),
        )
        .await;
    let written = Instant::now();
    let job_ref = requester
        .create(JOB, job("llama", (&payment.0, &payment.1)))
        .await;
    let requester_did = Did::new(requester.did.as_str()).unwrap();
    let jobs_params = list_jobs::Params {
        requester: requester_did.clone(),
        extra: Extra::new(),
    };
    until("listJobs to serve the new job", || async {
        client
            .query::<list_jobs::ListJobs>(&jobs_params)
            .await
            .unwrap()
            .jobs
            .len()
            == 1
    })
    .await;
    eprintln!(
        "a job was served by listJobs {:?} after createRecord returned",
        written.elapsed()
    );

    let receipt = provider
        .create(
            "dev.cocore.compute.receipt",
            json!({
                "$type": "dev.cocore.compute.receipt",
                "job": { "uri": job_ref.0, "cid": job_ref.1 },
                "requester": requester.did,
                "model": "llama",
                "inputCommitment": HEX64,
                "outputCommitment": HEX64,
                "tokens": { "in": 10, "out": 20 },
                "startedAt": "2026-11-28T05:00:00.000Z",
                "completedAt": "2026-11-28T05:00:01.000Z",
                "price": { "amount": 20, "currency": "USD" },
                "attestation": { "uri": format!("at://{}/dev.cocore.compute.attestation/3lbq5mkxk2s2a", provider.did), "cid": SOME_CID },
                "enclaveSignature": { "$bytes": "MEUCIQ" },
            }),
        )
        .await;
    let settlement = exchange
        .create(
            "dev.cocore.compute.settlement",
            json!({
                "$type": "dev.cocore.compute.settlement",
                "receipt": { "uri": receipt.0, "cid": receipt.1 },
                "requesterAuthorization": { "uri": payment.0, "cid": payment.1 },
                "amountCharged": { "amount": 20, "currency": "USD" },
                "providerPayout": { "amount": 18, "currency": "USD" },
                "exchangeFee": { "amount": 2, "currency": "USD" },
                "processorReference": { "$bytes": "cGk" },
                "status": "settled",
                "settledAt": "2026-11-28T05:00:02.000Z",
            }),
        )
        .await;
    provider
        .put(
            "dev.cocore.account.profile",
            "self",
            json!({ "$type": "dev.cocore.account.profile", "displayName": "Provider", "createdAt": "2026-11-28T05:00:00.000Z" }),
        )
        .await;
    let machine = provider
        .create(
            "dev.cocore.compute.provider",
            json!({
                "$type": "dev.cocore.compute.provider",
                "machineLabel": "M3 Max #1",
                "chip": "Apple M3 Max",
                "ramGB": 64,
                "supportedModels": ["llama"],
                "priceList": [{ "modelId": "llama", "inputPricePerMTok": 10, "outputPricePerMTok": 20, "currency": "USD" }],
                "encryptionPubKey": "a2V5",
                "attestationPubKey": "a2V5",
                "trustLevel": "self-attested",
                "createdAt": "2026-11-28T05:00:00.000Z",
            }),
        )
        .await;
    requester
        .create(
            "dev.cocore.account.friend",
            json!({ "$type": "dev.cocore.account.friend", "subject": provider.did, "createdAt": "2026-11-28T05:00:00.000Z" }),
        )
        .await;

    // inference.status walks job -> receipt -> settlement.
    let job_uri = AtUri::new(job_ref.0.as_str()).unwrap();
    let status_params = status::Params {
        job_uri: job_uri.clone(),
        extra: Extra::new(),
    };
    until("inference.status to say settled", || async {
        let out = client
            .query::<status::Status>(&status_params)
            .await
            .unwrap();
        out.status == status::OutputStatus::Settled
    })
    .await;
    let out = client
        .query::<status::Status>(&status_params)
        .await
        .unwrap();
    assert_eq!(out.receipt.unwrap().uri.as_str(), receipt.0);
    assert_eq!(out.settlement.unwrap().uri.as_str(), settlement.0);
    let unknown = status::Params {
        job_uri: AtUri::new(format!("at://{}/{JOB}/3lbq5mkxk2s2z", requester.did)).unwrap(),
        extra: Extra::new(),
    };
    assert_eq!(
        client
            .query::<status::Status>(&unknown)
            .await
            .unwrap()
            .status,
        status::OutputStatus::Pending
    );

    // listReceipts by provider, requester and job, alone or together.
    let provider_did = Did::new(provider.did.as_str()).unwrap();
    let receipts = |provider: Option<&Did>, requester: Option<&Did>, job: Option<&AtUri>| {
        list_receipts::Params {
            provider: provider.cloned(),
            requester: requester.cloned(),
            job: job.cloned(),
            extra: Extra::new(),
        }
    };
    for params in [
        receipts(Some(&provider_did), None, None),
        receipts(None, Some(&requester_did), None),
        receipts(None, None, Some(&job_uri)),
        receipts(Some(&provider_did), Some(&requester_did), Some(&job_uri)),
    ] {
        let out = client
            .query::<list_receipts::ListReceipts>(&params)
            .await
            .unwrap();
        assert_eq!(out.receipts.len(), 1, "{params:?}");
        assert_eq!(out.receipts[0].uri.as_str(), receipt.0);
    }
    let none = receipts(Some(&requester_did), None, None);
    assert!(client
        .query::<list_receipts::ListReceipts>(&none)
        .await
        .unwrap()
        .receipts
        .is_empty());

    // listSettlements by receipt and by the requester whose authorization it cites.
    let receipt_uri = AtUri::new(receipt.0.as_str()).unwrap();
    for (receipt, requester, expected) in [
        (Some(&receipt_uri), None, 1),
        (None, Some(&requester_did), 1),
        (None, Some(&provider_did), 0),
    ] {
        let params = list_settlements::Params {
            receipt: receipt.cloned(),
            requester: requester.cloned(),
            extra: Extra::new(),
        };
        let out = client
            .query::<list_settlements::ListSettlements>(&params)
            .await
            .unwrap();
        assert_eq!(out.settlements.len(), expected, "{params:?}");
    }

    // The provider's machine and profile, and the friend edge.
    let out = client
        .query::<list_providers::ListProviders>(&NoParams)
        .await
        .unwrap();
    assert!(out.providers.iter().any(|p| p.uri.as_str() == machine.0));
    let out = client
        .query::<list_profiles::ListProfiles>(&NoParams)
        .await
        .unwrap();
    assert!(out
        .profiles
        .iter()
        .any(|p| p.repo == provider_did && p.rkey == "self"));
    let incoming = list_incoming_friends::Params {
        did: provider_did.clone(),
        limit: None,
        extra: Extra::new(),
    };
    let out = client
        .query::<list_incoming_friends::ListIncomingFriends>(&incoming)
        .await
        .unwrap();
    assert_eq!(out.total, 1);
    assert_eq!(out.friends[0].friender, requester_did);
    let edges = list_friend_edges::Params {
        limit: Some(500),
        extra: Extra::new(),
    };
    let out = client
        .query::<list_friend_edges::ListFriendEdges>(&edges)
        .await
        .unwrap();
    assert!(out
        .edges
        .iter()
        .any(|e| e.friender == requester_did && e.subject == provider_did));

    // An update and a delete show.
    let rkey = job_ref.0.rsplit('/').next().unwrap().to_owned();
    requester
        .put(JOB, &rkey, job("mistral", (&payment.0, &payment.1)))
        .await;
    until("listJobs to serve the update", || async {
        let out = client
            .query::<list_jobs::ListJobs>(&jobs_params)
            .await
            .unwrap();
        out.jobs
            .first()
            .is_some_and(|j| j.body.as_value()["model"] == "mistral")
    })
    .await;
    requester.delete(JOB, &rkey).await;
    until("listJobs to drop the deleted job", || async {
        client
            .query::<list_jobs::ListJobs>(&jobs_params)
            .await
            .unwrap()
            .jobs
            .is_empty()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_on_one_postgres_give_the_tables_one_process_gives() {
    let _deadline = Deadline::start();
    let (one, two) = (Postgres::start(), Postgres::start());
    let (one, two) = (
        Database::Postgres(one.url("postgres")),
        Database::Postgres(two.url("postgres")),
    );
    let mut accounts = Vec::new();
    for _ in 0..6 {
        let account = Account::new("sharded").await;
        let payment = (
            format!(
                "at://{}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a",
                account.did
            ),
            SOME_CID.to_owned(),
        );
        for i in 0..3 {
            account
                .create(JOB, job(&format!("m{i}"), (&payment.0, &payment.1)))
                .await;
        }
        accounts.push(account);
    }
    let whole = Process::start(&one, false, &[]);
    let first = Process::start(&two, false, &["--shard", "0/2"]);
    let second = Process::start(&two, false, &["--shard", "1/2"]);
    let refs: Vec<&Account> = accounts.iter().collect();
    until_equal(&one, &refs, Duration::from_secs(60), &|| whole.log()).await;
    until_equal(&two, &refs, Duration::from_secs(60), &|| {
        format!("{}{}", first.log(), second.log())
    })
    .await;
    for account in &accounts {
        assert_eq!(stored(&one, &account.did), stored(&two, &account.did));
    }
    // Each shard keeps its own cursor, stored with the events it applies: after one more
    // commit (which both see, and one of them applies), both have one.
    let payment = (
        format!(
            "at://{}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a",
            accounts[0].did
        ),
        SOME_CID.to_owned(),
    );
    accounts[0]
        .create(JOB, job("last", (&payment.0, &payment.1)))
        .await;
    let url = format!("{}/xrpc/com.atproto.sync.subscribeRepos", pds().url);
    let cursors = || {
        tokio::task::block_in_place(|| {
            let mut store = two.open(schema()).unwrap();
            [
                store.cursor(&format!("{url}#shard=0/2")).unwrap(),
                store.cursor(&format!("{url}#shard=1/2")).unwrap(),
                store.cursor(&url).unwrap(),
            ]
        })
    };
    until("both shards to store a cursor", || async {
        let [a, b, _] = cursors();
        a.is_some() && b.is_some()
    })
    .await;
    assert_eq!(
        cursors()[2],
        None,
        "a cursor of the whole stream in the sharded database"
    );
    until_equal(&one, &refs, Duration::from_secs(60), &|| whole.log()).await;
    until_equal(&two, &refs, Duration::from_secs(60), &|| {
        format!("{}{}", first.log(), second.log())
    })
    .await;
    for account in &accounts {
        assert_eq!(stored(&one, &account.did), stored(&two, &account.did));
    }
}
