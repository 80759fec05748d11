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

use cocore_sdk::signature::{public_key, sign, Signed};
use lexicon_index::Database;
use lexicon_runtime::xrpc::NoParams;
use lexicon_runtime::{AtUri, Datetime, Did, Extra};
use lexicon_test_support::deadline::Deadline;
use lexicon_test_support::postgres::Postgres;
use lexicons::dev::cocore::account::{
    get_profile, list_accounts, list_friend_edges, list_incoming_friends, list_profiles,
};
use lexicons::dev::cocore::compute::{
    latency, list_jobs, list_providers, list_receipts, list_settlements, model_activity,
    verify_receipt, verify_settlement,
};
use lexicons::dev::cocore::inference::status;
use network_common::{
    job, on_both, pds, schema, stored, until, until_equal, Account, Backend, Process, HEX64, JOB,
    SOME_CID,
};
use serde_json::json;

on_both!(every_query_is_served_from_what_the_accounts_wrote);
on_both!(summaries_and_verifications_are_served_from_signed_records);

async fn every_query_is_served_from_what_the_accounts_wrote(backend: Backend) {
    let database = backend.database();
    let appview = Process::start(&database, true, &[]);
    let client = appview.client();
    let requester = Account::new("requester").await;
    let provider = Account::new("provider").await;
    let exchange = Account::new("exchange").await;

    let payment = requester
        .create(PAYMENT_AUTHORIZATION, payment_authorization(&exchange.did))
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
        .create(SETTLEMENT, settlement(&receipt, &payment))
        .await;
    provider
        .put(
            "dev.cocore.account.profile",
            "self",
            json!({ "$type": "dev.cocore.account.profile", "displayName": "Provider", "createdAt": "2026-11-28T05:00:00.000Z" }),
        )
        .await;
    let machine = provider.create(PROVIDER, machine("a2V5")).await;
    requester.create(FRIEND, friend(&provider.did)).await;

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

const PAYMENT_AUTHORIZATION: &str = "dev.cocore.compute.paymentAuthorization";

const SETTLEMENT: &str = "dev.cocore.compute.settlement";
const PROVIDER: &str = "dev.cocore.compute.provider";
const FRIEND: &str = "dev.cocore.account.friend";

/// An exchange's settlement of `receipt` (20 USD, 18 + 2) under `payment`, both `(uri, cid)`.
fn settlement(receipt: &(String, String), payment: &(String, String)) -> serde_json::Value {
    json!({
        "$type": SETTLEMENT,
        "receipt": { "uri": receipt.0, "cid": receipt.1 },
        "requesterAuthorization": { "uri": payment.0, "cid": payment.1 },
        "amountCharged": { "amount": 20, "currency": "USD" },
        "providerPayout": { "amount": 18, "currency": "USD" },
        "exchangeFee": { "amount": 2, "currency": "USD" },
        "processorReference": { "$bytes": "cGk" },
        "status": "settled",
        "settledAt": "2026-11-28T05:00:02.000Z",
    })
}

/// A provider's machine serving `llama`, whose attestation key is `attestation_key`.
fn machine(attestation_key: &str) -> serde_json::Value {
    json!({
        "$type": PROVIDER,
        "machineLabel": "M3 Max #1",
        "chip": "Apple M3 Max",
        "ramGB": 64,
        "supportedModels": ["llama"],
        "priceList": [{ "modelId": "llama", "inputPricePerMTok": 10, "outputPricePerMTok": 20, "currency": "USD" }],
        "encryptionPubKey": "a2V5",
        "attestationPubKey": attestation_key,
        "trustLevel": "self-attested",
        "createdAt": "2026-11-28T05:00:00.000Z",
    })
}

/// A friend record naming `subject`.
fn friend(subject: &str) -> serde_json::Value {
    json!({ "$type": FRIEND, "subject": subject, "createdAt": "2026-11-28T05:00:00.000Z" })
}

/// A requester's payment authorization naming `exchange`, with a fresh nonce.
fn payment_authorization(exchange: &str) -> serde_json::Value {
    json!({
        "$type": PAYMENT_AUTHORIZATION,
        "exchange": exchange,
        "ceiling": { "amount": 2500, "currency": "USD" },
        "scope": "singleJob",
        "nonce": format!("{:032x}", lexicon_runtime::Tid::now().micros()),
        "expiresAt": "2031-01-01T00:00:00.000Z",
        "createdAt": "2026-11-28T05:00:00.000Z",
    })
}

/// A receipt of `job` signed with `key` (as cocore signs receipts), `ms` long, ending now.
fn signed_receipt(
    key: &p256::ecdsa::SigningKey,
    job: &(String, String),
    requester: &str,
    attestation: &(String, String),
    ms: u64,
) -> serde_json::Value {
    let now = std::time::SystemTime::now();
    let mut receipt = json!({
        "$type": "dev.cocore.compute.receipt",
        "job": { "uri": job.0, "cid": job.1 },
        "requester": requester,
        "model": "llama",
        "inputCommitment": HEX64,
        "outputCommitment": HEX64,
        "tokens": { "in": 10, "out": 20 },
        "startedAt": Datetime::from(now - Duration::from_millis(ms)),
        "completedAt": Datetime::from(now),
        "price": { "amount": 20, "currency": "USD" },
        "attestation": { "uri": attestation.0, "cid": attestation.1 },
    });
    sign(key, &mut receipt, Signed::Receipt).unwrap();
    receipt
}

async fn summaries_and_verifications_are_served_from_signed_records(backend: Backend) {
    let database = backend.database();
    let appview = Process::start(&database, true, &[]);
    let client = appview.client();
    let requester = Account::new("requester").await;
    let provider = Account::new("provider").await;
    let exchange = Account::new("exchange").await;
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);

    let payment = requester
        .create(PAYMENT_AUTHORIZATION, payment_authorization(&exchange.did))
        .await;
    let job_ref = requester
        .create(JOB, job("llama", (&payment.0, &payment.1)))
        .await;
    let now = std::time::SystemTime::now();
    let mut attestation = json!({
        "$type": "dev.cocore.compute.attestation",
        "publicKey": public_key(key.verifying_key()),
        "encryptionPubKey": "a2V5",
        "sigScheme": "p256",
        "chipName": "Apple M3 Max",
        "hardwareModel": "Mac15,8",
        "serialNumberHash": HEX64,
        "osVersion": "15.1",
        "binaryHash": HEX64,
        "sipEnabled": true,
        "secureBootEnabled": true,
        "secureEnclaveAvailable": true,
        "authenticatedRootEnabled": true,
        "attestedAt": Datetime::from(now - Duration::from_secs(3600)),
        "expiresAt": Datetime::from(now + Duration::from_secs(86_400)),
    });
    sign(&key, &mut attestation, Signed::Attestation).unwrap();
    let attestation = provider
        .create("dev.cocore.compute.attestation", attestation)
        .await;
    let good = provider
        .create(
            "dev.cocore.compute.receipt",
            signed_receipt(&key, &job_ref, &requester.did, &attestation, 1_500),
        )
        .await;
    let mut changed = signed_receipt(&key, &job_ref, &requester.did, &attestation, 500);
    changed["price"]["amount"] = json!(25);
    let changed = provider.create("dev.cocore.compute.receipt", changed).await;
    let settlement = exchange
        .create(SETTLEMENT, settlement(&good, &payment))
        .await;
    // Unique on the PDS the tests share.
    let handle = format!("{}.example", &provider.did["did:plc:".len()..]);
    provider
        .put(
            "dev.cocore.account.profile",
            "self",
            json!({ "$type": "dev.cocore.account.profile", "displayName": "Provider", "handle": handle, "createdAt": "2026-11-28T05:00:00.000Z" }),
        )
        .await;
    provider
        .create(PROVIDER, machine(&public_key(key.verifying_key())))
        .await;
    requester.create(FRIEND, friend(&provider.did)).await;

    // Verified as cocore verifies them: the signed receipt passes, the one changed after
    // signing does not; the settlement agrees with its receipt and authorization.
    let verify = |uri: &str| verify_receipt::Params {
        uri: AtUri::new(uri).unwrap(),
        extra: Extra::new(),
    };
    let settled = verify_settlement::Params {
        uri: AtUri::new(settlement.0.as_str()).unwrap(),
        extra: Extra::new(),
    };
    until("the settlement to be indexed", || async {
        client
            .query::<verify_settlement::VerifySettlement>(&settled)
            .await
            .is_ok()
    })
    .await;
    let out = client
        .query::<verify_receipt::VerifyReceipt>(&verify(&good.0))
        .await
        .unwrap();
    assert!(out.ok && out.findings.is_empty(), "{out:?}");
    assert_eq!(
        out.trust_level,
        verify_receipt::OutputTrustLevel::SelfAttested
    );
    let out = client
        .query::<verify_receipt::VerifyReceipt>(&verify(&changed.0))
        .await
        .unwrap();
    let codes: Vec<&str> = out.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!((out.ok, codes), (false, vec!["signature-invalid"]));
    let missing = format!(
        "at://{}/dev.cocore.compute.receipt/3lbq5mkxk2s2z",
        provider.did
    );
    let error = client
        .query::<verify_receipt::VerifyReceipt>(&verify(&missing))
        .await
        .unwrap_err();
    assert_eq!(
        error.xrpc_error(),
        Some(&verify_receipt::VerifyReceiptError::NotFound),
        "{error}"
    );
    let out = client
        .query::<verify_settlement::VerifySettlement>(&settled)
        .await
        .unwrap();
    assert!(out.ok && out.findings.is_empty(), "{out:?}");

    // Activity and latency from the two receipts (1.5 s, then 0.5 s, the newest).
    let provider_did = Did::new(provider.did.as_str()).unwrap();
    until(
        "the provider's machine and friend to be indexed",
        || async {
            let params = get_profile::Params {
                did: provider_did.clone(),
                extra: Extra::new(),
            };
            client
                .query::<get_profile::GetProfile>(&params)
                .await
                .is_ok_and(|out| {
                    let profile = out.profile.as_value();
                    profile["machines"].as_array().is_some_and(|m| m.len() == 1)
                        && profile["incomingFriendsCount"] == 1
                })
        },
    )
    .await;
    let out = client
        .query::<model_activity::ModelActivity>(&NoParams)
        .await
        .unwrap();
    let llama = out.models.iter().find(|m| m.model_id == "llama").unwrap();
    let mine = llama
        .by_provider
        .iter()
        .find(|p| p.did == provider_did)
        .unwrap();
    assert_eq!((mine.stats.hour.requests, mine.stats.hour.tokens), (2, 60));
    assert_eq!(
        (mine.stats.month.requests, mine.stats.month.tokens),
        (2, 60)
    );
    let out = client.query::<latency::Latency>(&NoParams).await.unwrap();
    let by_provider = out.by_provider.unwrap();
    assert_eq!(
        by_provider.as_value()[provider.did.as_str()],
        json!({ "sampleCount": 2, "p50Ms": 500, "p95Ms": 1500, "avgMs": 1000, "lastMs": 500 })
    );

    // The provider's profile page and the directory.
    let out = client
        .query::<get_profile::GetProfile>(&get_profile::Params {
            did: provider_did.clone(),
            extra: Extra::new(),
        })
        .await
        .unwrap();
    let profile = out.profile.as_value();
    assert_eq!(profile["handle"], handle.as_str());
    assert_eq!(profile["displayName"], "Provider");
    assert_eq!(profile["machines"][0]["machineLabel"], "M3 Max #1");
    assert_eq!(
        (
            profile["receiptCount"].as_i64(),
            profile["jobCount"].as_i64()
        ),
        (Some(2), Some(0))
    );
    assert_eq!(profile["latency"]["sampleCount"], 2);
    assert_eq!(profile["weekSeries"]["receiptsServed"][51], 2);
    assert_eq!(profile["weekSeries"]["machinesIndexedCumulative"][51], 1);
    let nobody = get_profile::Params {
        did: Did::new("did:plc:nobody234567abcdefghijkl").unwrap(),
        extra: Extra::new(),
    };
    let error = client
        .query::<get_profile::GetProfile>(&nobody)
        .await
        .unwrap_err();
    assert_eq!(
        error.xrpc_error(),
        Some(&get_profile::GetProfileError::NotFound)
    );

    let directory = |q: &str, providers_only: bool, viewer: Option<&str>| list_accounts::Params {
        limit: None,
        offset: None,
        sort_by: None,
        providers_only: Some(providers_only),
        viewer_did: viewer.map(|v| Did::new(v).unwrap()),
        exclude_viewer_friends: Some(viewer.is_some()),
        q: Some(q.to_owned()),
        extra: Extra::new(),
    };
    let out = client
        .query::<list_accounts::ListAccounts>(&directory(&handle.to_uppercase(), true, None))
        .await
        .unwrap();
    assert_eq!(out.total, 1, "{out:?}");
    assert_eq!(out.accounts[0].did, provider_did);
    assert_eq!(out.accounts[0].provider_count, Some(1));
    assert_eq!(out.accounts[0].display_name.as_deref(), Some("Provider"));
    let out = client
        .query::<list_accounts::ListAccounts>(&directory(&requester.did, true, None))
        .await
        .unwrap();
    assert_eq!(out.total, 0, "the requester runs no machine");
    let out = client
        .query::<list_accounts::ListAccounts>(&directory(
            &provider.did,
            false,
            Some(&requester.did),
        ))
        .await
        .unwrap();
    assert_eq!(out.total, 0, "the requester friended the provider");
    let out = client
        .query::<list_accounts::ListAccounts>(&directory(&provider.did, false, Some(&exchange.did)))
        .await
        .unwrap();
    assert_eq!(out.total, 1);
}
