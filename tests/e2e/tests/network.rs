//! Reading the network from the reference PDS: records written, updated and deleted through our
//! client, then seen on the PDS's firehose from cursor 0 (every op typed, CID matching, commit
//! signature verified with the key from the local PLC directory), in the repository export
//! (`com.atproto.sync.getRepo`), and in a record proof (`com.atproto.sync.getRecord`); damage
//! refused; and a connection killed mid-stream resumed from the cursor, no event lost or
//! repeated.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atproto_lexicons::com::atproto::sync::{get_record as sync_get_record, get_repo};
use common::{account, logged_in, pds};
use futures_util::StreamExt;
use lexicon_identity::{CachingResolver, DidResolver, HttpResolver, PublicKey};
use lexicon_repo::client::Firehose;
use lexicon_repo::firehose::{Action, Event};
use lexicon_repo::{mst, verify_record_proof, Decoded, Repo, RepoError};
use lexicon_runtime::Mode;
use lexicon_test_support::deadline::Deadline;
use lexicon_xrpc::Client;
use pds_e2e::dev::cocore::compute::job::Job;
use pds_e2e::dev::cocore::compute::payment_authorization::PaymentAuthorization;
use pds_e2e::KnownRecord;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

const JOB: &str = "dev.cocore.compute.job";

fn resolver() -> CachingResolver<HttpResolver> {
    CachingResolver::new(HttpResolver::new().plc_url(&pds().plc))
}

async fn signing_key(did: &str) -> PublicKey {
    resolver()
        .resolve(did)
        .await
        .unwrap()
        .signing_key()
        .unwrap()
        .unwrap()
}

/// What was written: the jobs' rkeys and the CIDs of their current versions (`None` once
/// deleted), and how many job ops the writes made.
struct Written {
    did: String,
    jobs: Vec<(String, Option<String>)>,
    ops: usize,
}

/// A requester writes a payment authorization and four jobs, updates one and deletes another.
async fn write_jobs(name: &str) -> Written {
    let (client, requester) = logged_in(name).await;
    let exchange = account(&format!("{name}x")).await;
    let payment =
        PaymentAuthorization::from_json(&common::payment_authorization(&exchange.did).to_string())
            .unwrap();
    let payment = client.create_record(&payment).await.unwrap();
    let strong_ref = json!({ "uri": payment.uri.as_str(), "cid": payment.cid.as_str() });
    let mut jobs = Vec::new();
    for _ in 0..4 {
        let job = Job::from_json(&common::job(strong_ref.clone()).to_string()).unwrap();
        let created = client.create_record(&job).await.unwrap();
        let rkey = created.uri.as_str().rsplit('/').next().unwrap().to_owned();
        jobs.push((rkey, Some(created.cid.to_string())));
    }
    let mut updated = common::job(strong_ref.clone());
    updated["maxTokensOut"] = json!(2048);
    let updated = Job::from_json(&updated.to_string()).unwrap();
    let put = client.put_record(&jobs[1].0, &updated, None).await.unwrap();
    jobs[1].1 = Some(put.cid.to_string());
    client.delete_record::<Job>(&jobs[2].0, None).await.unwrap();
    jobs[2].1 = None;
    Written {
        did: requester.did,
        jobs,
        ops: 4 + 1 + 1,
    }
}

/// A loopback TCP proxy to the PDS whose open connections can be cut.
struct Proxy {
    url: String,
    connections: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: &str) -> Proxy {
        let target = target.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(Mutex::new(Vec::new()));
        let open = Arc::clone(&connections);
        tokio::spawn(async move {
            loop {
                let (mut inbound, _) = listener.accept().await.unwrap();
                let target = target.clone();
                let task = tokio::spawn(async move {
                    let mut outbound = TcpStream::connect(target).await.unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                open.lock().unwrap().push(task);
            }
        });
        Proxy { url, connections }
    }

    /// Cuts every open connection.
    fn cut(&self) -> usize {
        let tasks: Vec<_> = self.connections.lock().unwrap().drain(..).collect();
        let n = tasks.len();
        tasks.into_iter().for_each(|t| t.abort());
        n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_firehose_from_cursor_zero_shows_every_op_typed_and_verified() {
    let _deadline = Deadline::start();
    let written = write_jobs("firehose").await;
    let stream = Firehose::new(&pds().url, resolver())
        .cursor(0)
        .collections([JOB])
        .subscribe::<KnownRecord>();
    let mut stream = stream.boxed();
    let mut ops: Vec<(Action, String, Option<String>)> = Vec::new();
    // Each commit names the previous one's revision and record tree (sync 1.1).
    let mut previous: Option<(String, String)> = None;
    let mut linked = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while ops.len() < written.ops {
        let event = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("the firehose showed every op within 30 s")
            .unwrap()
            .unwrap();
        let Event::Commit(commit) = event else {
            continue;
        };
        if commit.repo != written.did {
            continue;
        }
        assert!(commit.is_verified(), "{:?}", commit.signature);
        if let Some((rev, data)) = &previous {
            assert_eq!(commit.since.as_ref(), Some(rev));
            assert_eq!(commit.prev_data.map(|c| c.to_string()).as_ref(), Some(data));
            linked += 1;
        }
        previous = Some((commit.rev.clone(), commit.commit.data.to_string()));
        for op in commit.ops {
            assert!(op.problem.is_none(), "{:?}", op.problem);
            assert_eq!(op.collection, JOB);
            match (&op.action, &op.record) {
                (Action::Delete, None) => {}
                (_, Some(Decoded::Known(KnownRecord::DevCocoreComputeJob(_)))) => {}
                other => panic!("{other:?}"),
            }
            ops.push((op.action, op.rkey, op.cid.map(|c| c.to_string())));
        }
    }
    // Four creates with the CIDs the PDS gave, an update with the new CID, a delete.
    let creates: HashMap<&str, &str> = ops
        .iter()
        .filter(|o| o.0 == Action::Create)
        .map(|o| (o.1.as_str(), o.2.as_deref().unwrap()))
        .collect();
    assert_eq!(creates.len(), 4);
    let update = ops.iter().find(|o| o.0 == Action::Update).unwrap();
    assert_eq!(
        (&update.1, &update.2),
        (&written.jobs[1].0, &written.jobs[1].1)
    );
    let delete = ops.iter().find(|o| o.0 == Action::Delete).unwrap();
    assert_eq!((&delete.1, &delete.2), (&written.jobs[2].0, &None));
    for (rkey, cid) in [&written.jobs[0], &written.jobs[3]] {
        assert_eq!(creates.get(rkey.as_str()).copied(), cid.as_deref());
    }
    assert!(linked >= written.ops - 1, "{linked} commits linked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_and_a_record_proof_verify_and_damage_is_refused() {
    let _deadline = Deadline::start();
    let written = write_jobs("export").await;
    let key = signing_key(&written.did).await;
    let client = Client::new(&pds().url).unwrap();

    let params = get_repo::Params::from_json(&json!({ "did": written.did }).to_string()).unwrap();
    let car = client
        .call::<get_repo::GetRepo>(&params, &())
        .await
        .unwrap();
    let repo = Repo::from_car(&car).unwrap();
    repo.verify(&key).unwrap();
    assert_eq!(repo.commit().did, written.did);
    let jobs: HashMap<String, String> = repo
        .records::<KnownRecord>(Mode::Strict)
        .unwrap()
        .map(Result::unwrap)
        .filter(|r| r.collection == JOB)
        .map(|r| {
            assert!(r.value.known().is_some());
            (r.rkey, r.cid.to_string())
        })
        .collect();
    let expected: HashMap<String, String> = written
        .jobs
        .iter()
        .filter_map(|(rkey, cid)| Some((rkey.clone(), cid.clone()?)))
        .collect();
    assert_eq!(jobs, expected);

    let (rkey, cid) = (&written.jobs[1].0, written.jobs[1].1.as_deref().unwrap());
    let params = sync_get_record::Params::from_json(
        &json!({ "did": written.did, "collection": JOB, "rkey": rkey }).to_string(),
    )
    .unwrap();
    let proof = client
        .call::<sync_get_record::GetRecord>(&params, &())
        .await
        .unwrap();
    let proven = verify_record_proof::<KnownRecord>(&proof, JOB, rkey, &key, Mode::Strict)
        .unwrap()
        .unwrap();
    assert_eq!(proven.cid.to_string(), cid);
    match proven.value {
        Decoded::Known(KnownRecord::DevCocoreComputeJob(job)) => {
            assert_eq!(job.max_tokens_out, 2048)
        }
        other => panic!("{other:?}"),
    }
    // The deleted record is absent from the signed tree.
    let deleted = format!("{JOB}/{}", written.jobs[2].0);
    assert_eq!(
        mst::lookup(repo.blocks(), &repo.commit().data, &deleted).unwrap(),
        None
    );

    // Damage: a changed byte in the last block, another key, a truncated file.
    let mut tampered = proof.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let error =
        verify_record_proof::<KnownRecord>(&tampered, JOB, rkey, &key, Mode::Strict).unwrap_err();
    assert!(matches!(error, RepoError::HashMismatch { .. }), "{error}");
    let stranger = signing_key(&account("stranger").await.did).await;
    let error =
        verify_record_proof::<KnownRecord>(&proof, JOB, rkey, &stranger, Mode::Strict).unwrap_err();
    assert!(matches!(error, RepoError::BadSignature { .. }), "{error}");
    let error = Repo::from_car(&car[..car.len() - 10]).unwrap_err();
    assert!(error.to_string().contains("truncated"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_stream_resumes_from_the_cursor() {
    let _deadline = Deadline::start();
    // Enough events that the cut falls in the middle of the replay.
    let written = write_jobs("resume").await;
    let _ = write_jobs("resumemore").await;
    let proxy = Proxy::start(&pds().url).await;
    let mut stream = Firehose::new(&proxy.url, resolver())
        .cursor(0)
        .retries(5, Duration::from_millis(50))
        .subscribe::<KnownRecord>();
    let mut seqs = Vec::new();
    let mut cut = false;
    let mut mine = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while mine < 6 {
        let event = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("the stream went on within 30 s")
            .unwrap()
            .unwrap();
        if let Some(seq) = event.seq() {
            seqs.push(seq);
        }
        if let Event::Commit(commit) = &event {
            assert!(commit.is_verified(), "{:?}", commit.signature);
            if commit.repo == written.did {
                mine += commit.ops.len();
            }
        }
        if seqs.len() == 10 && !cut {
            assert!(proxy.cut() >= 1, "a connection was open");
            cut = true;
        }
    }
    assert!(cut);
    // Every sequence number once, in order, with no gap: nothing lost, nothing repeated.
    let expected: Vec<i64> = (seqs[0]..seqs[0] + seqs.len() as i64).collect();
    assert_eq!(seqs, expected);
}
