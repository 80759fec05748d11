//! The indexer against the reference PDS (`@atproto/dev-env`, one per test binary), each
//! scenario on SQLite and on a real Postgres: repositories written before it starts are
//! exported, records written while it runs are applied from the firehose, updates and deletes
//! show, an invalid record is stored with its violations and not served as valid, a deactivated
//! account's records disappear and come back, and at the end the tables equal the
//! repositories as the PDS lists them.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use atproto_lexicons::com::atproto::repo::{
    create_record, delete_record, list_records, put_record,
};
use atproto_lexicons::com::atproto::server::{
    activate_account, create_account, deactivate_account,
};
use lexicon_identity::{CachingResolver, HttpResolver};
use lexicon_index::sync::{Indexer, Progress};
use lexicon_index::{Database, Filter, IndexSchema, Query, Row, Store};
use lexicon_runtime::xrpc::NoParams;
use lexicon_test_support::deadline::{self, Deadline};
use lexicon_test_support::pds::Pds;
use lexicon_test_support::postgres::Postgres;
use lexicon_xrpc::Client;
use serde_json::{json, Value};

const JOB: &str = "dev.cocore.compute.job";
const PASSWORD: &str = "correct horse battery staple";
const PAYMENT: &str =
    "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a";

fn pds() -> &'static Pds {
    static PDS: OnceLock<Pds> = OnceLock::new();
    PDS.get_or_init(Pds::start)
}

fn schema() -> IndexSchema {
    let docs = lexicon_test_support::lexicon_documents(Path::new(
        &lexicon_test_support::data_path("lexicons/cocore-upstream-all"),
    ));
    IndexSchema::new(&docs, &[(JOB, "model")]).unwrap()
}

fn job(model: &str, nonce: &str) -> Value {
    json!({
        "$type": JOB,
        "model": model,
        "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "maxTokensOut": 512,
        "priceCeiling": { "amount": 25, "currency": "USD" },
        "acceptedTrustLevel": "self-attested",
        "paymentAuthorization": {
            "uri": PAYMENT,
            "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
        },
        "nonce": nonce,
        "expiresAt": "2031-01-01T00:00:00.000Z",
        "createdAt": "2026-11-28T05:00:00.000Z",
    })
}

/// A database of one kind, made for one test.
enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(Postgres),
}

impl Backend {
    fn database(&self) -> Database {
        match self {
            Backend::Sqlite(dir) => Database::Sqlite(dir.path().join("index.db")),
            Backend::Postgres(server) => Database::Postgres(server.url("postgres")),
        }
    }
}

/// A test of each backend: `name::sqlite` and `name::postgres`.
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let _deadline = super::Deadline::start();
                super::$name(super::Backend::Sqlite(tempfile::tempdir().unwrap())).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let _deadline = super::Deadline::start();
                super::$name(super::Backend::Postgres(super::Postgres::start())).await;
            }
        }
    };
}

on_both!(the_tables_follow_the_repositories_from_export_to_firehose);
on_both!(a_deactivated_account_disappears_and_comes_back);

/// An account on the PDS and a client logged in to it.
struct Account {
    client: Client,
    did: String,
}

impl Account {
    async fn new(name: &str) -> Account {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let handle = format!("{name}{n}-{}.test", std::process::id());
        let client = Client::new(&pds().url).unwrap();
        let input = create_account::Input::from_json(
            &json!({ "handle": handle, "email": format!("{name}{n}@example.com"), "password": PASSWORD })
                .to_string(),
        )
        .unwrap();
        let created = client
            .call::<create_account::CreateAccount>(&NoParams, &input)
            .await
            .unwrap();
        client.login(&handle, PASSWORD).await.unwrap();
        Account {
            client,
            did: created.did.to_string(),
        }
    }

    /// Creates a job; its record key.
    async fn create(&self, record: Value) -> String {
        let input = create_record::Input::from_json(
            &json!({ "repo": self.did, "collection": JOB, "record": record }).to_string(),
        )
        .unwrap();
        let output = self
            .client
            .call::<create_record::CreateRecord>(&NoParams, &input)
            .await
            .unwrap();
        output.uri.as_str().rsplit('/').next().unwrap().to_owned()
    }

    async fn put(&self, rkey: &str, record: Value) {
        let input = put_record::Input::from_json(
            &json!({ "repo": self.did, "collection": JOB, "rkey": rkey, "record": record })
                .to_string(),
        )
        .unwrap();
        self.client
            .call::<put_record::PutRecord>(&NoParams, &input)
            .await
            .unwrap();
    }

    async fn delete(&self, rkey: &str) {
        let input = delete_record::Input::from_json(
            &json!({ "repo": self.did, "collection": JOB, "rkey": rkey }).to_string(),
        )
        .unwrap();
        self.client
            .call::<delete_record::DeleteRecord>(&NoParams, &input)
            .await
            .unwrap();
    }

    /// The repository's jobs as the PDS lists them: `(uri, cid, record)`, by URI.
    async fn jobs(&self) -> Vec<(String, String, Value)> {
        let params = list_records::Params::from_json(
            &json!({ "repo": self.did, "collection": JOB, "limit": 100 }).to_string(),
        )
        .unwrap();
        let output = Client::new(&pds().url)
            .unwrap()
            .call::<list_records::ListRecords>(&params, &())
            .await
            .unwrap();
        let mut jobs: Vec<(String, String, Value)> = output
            .records
            .into_iter()
            .map(|r| (r.uri.to_string(), r.cid.to_string(), r.value.into_value()))
            .collect();
        jobs.sort_by(|a, b| a.0.cmp(&b.0));
        jobs
    }
}

/// A running indexer, stopped when dropped.
struct Running {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), lexicon_index::sync::SyncError>>,
    /// The repositories it exported, in order.
    exported: Arc<Mutex<Vec<String>>>,
}

impl Running {
    fn start(database: Database) -> Running {
        let resolver = CachingResolver::new(HttpResolver::new().plc_url(&pds().plc));
        let exported = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&exported);
        let indexer =
            Indexer::new(&pds().url, database, schema(), resolver).observe(move |progress| {
                if let Progress::Exported { did, .. } = progress {
                    seen.lock().unwrap().push(did.clone());
                }
            });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(indexer.run(async {
            let _ = stopped.await;
        }));
        Running {
            stop: Some(stop),
            task,
            exported,
        }
    }

    /// How many times it exported `did`'s repository.
    fn exports_of(&self, did: &str) -> usize {
        self.exported
            .lock()
            .unwrap()
            .iter()
            .filter(|d| *d == did)
            .count()
    }

    async fn stop(mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        let result = (&mut self.task).await.unwrap();
        result.unwrap();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The store's rows of `did`'s jobs, invalid ones too.
fn rows(store: &mut dyn Store, did: &str) -> Vec<Row> {
    let mut query = Query::new(JOB, Filter::Did(did.into()));
    query.include_invalid = true;
    query.limit = 1000;
    tokio::task::block_in_place(|| store.records(&query).unwrap().rows)
}

/// Waits (at most 30 s) until the store's rows of `account`'s jobs are the repository's.
async fn until_equal(store: &mut dyn Store, account: &Account) -> Vec<Row> {
    let _step = deadline::waiting_for("the index to equal the repository");
    let expected = account.jobs().await;
    for _ in 0..300 {
        let rows = rows(store, &account.did);
        let seen: Vec<(String, String, Value)> = rows
            .iter()
            .map(|r| (r.uri.clone(), r.cid.clone(), r.record.clone()))
            .collect();
        if seen == expected {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "after 30 s the index holds {:#?}\nnot the repository's {expected:#?}",
        rows(store, &account.did)
            .iter()
            .map(|r| (&r.uri, &r.cid))
            .collect::<Vec<_>>()
    );
}

/// Waits (at most 30 s) until `query` serves exactly `count` records.
async fn until_served(store: &mut dyn Store, query: &Query, count: usize) {
    let _step = deadline::waiting_for("the index to serve the records");
    for _ in 0..300 {
        let served = tokio::task::block_in_place(|| store.records(query).unwrap().rows.len());
        if served == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("after 30 s the query {query:?} does not serve {count} records");
}

fn open(database: &Database) -> Box<dyn Store> {
    tokio::task::block_in_place(|| database.open(schema()).unwrap())
}

async fn the_tables_follow_the_repositories_from_export_to_firehose(backend: Backend) {
    let database = backend.database();
    // Written before the indexer first runs: it exports them.
    let alice = Account::new("alice").await;
    let first = alice
        .create(job("llama", "00112233445566778899aabbccddeeff"))
        .await;
    let second = alice
        .create(job("qwen", "00112233445566778899aabbccddee00"))
        .await;
    let indexer = Running::start(database.clone());
    let mut store = open(&database);
    until_equal(store.as_mut(), &alice).await;

    // Written while it runs: the firehose brings them, updates and deletes included.
    let bob = Account::new("bob").await;
    let third = bob
        .create(job("llama", "00112233445566778899aabbccddee11"))
        .await;
    alice
        .put(&first, job("mistral", "00112233445566778899aabbccddeeff"))
        .await;
    alice.delete(&second).await;
    // The PDS does not know the cocore lexicons and stores a job that breaks them.
    let bad = bob.create(job("llama", "not hex")).await;
    until_equal(store.as_mut(), &alice).await;
    let rows = until_equal(store.as_mut(), &bob).await;
    let bad_row = rows.iter().find(|r| r.rkey == bad).unwrap();
    assert!(!bad_row.is_valid());
    assert!(
        bad_row.violations.iter().any(|v| v.starts_with("$.nonce")),
        "{:?}",
        bad_row.violations
    );
    assert!(rows.iter().find(|r| r.rkey == third).unwrap().is_valid());
    // Served: the valid ones only, by DID and by the indexed property.
    until_served(
        store.as_mut(),
        &Query::new(JOB, Filter::Did(bob.did.clone())),
        1,
    )
    .await;
    let mistral = Query::new(JOB, Filter::Property("model".into(), json!("mistral")));
    let served = tokio::task::block_in_place(|| store.records(&mistral).unwrap().rows);
    assert!(served.iter().any(|r| r.did == alice.did && r.rkey == first));
    assert!(served.iter().all(|r| r.record["model"] == "mistral"));
    // Each repository was exported once (alice's at the start, bob's when his first commit
    // came for a repository it did not have); every later commit followed and was applied
    // from the firehose.
    assert_eq!(indexer.exports_of(&alice.did), 1);
    assert_eq!(indexer.exports_of(&bob.did), 1);
    indexer.stop().await;

    // Stopped and started again, it resumes from its cursor: what was written meanwhile shows.
    let fourth = alice
        .create(job("phi", "00112233445566778899aabbccddee22"))
        .await;
    let indexer = Running::start(database.clone());
    let rows = until_equal(store.as_mut(), &alice).await;
    assert!(rows.iter().any(|r| r.rkey == fourth));
    let state = tokio::task::block_in_place(|| store.repo(&alice.did).unwrap().unwrap());
    assert!(state.synced && state.active, "{state:?}");
    assert_eq!(indexer.exports_of(&alice.did), 0);
    indexer.stop().await;
}

async fn a_deactivated_account_disappears_and_comes_back(backend: Backend) {
    let database = backend.database();
    let indexer = Running::start(database.clone());
    let mut store = open(&database);
    let carol = Account::new("carol").await;
    carol
        .create(job("llama", "00112233445566778899aabbccddee33"))
        .await;
    carol
        .create(job("llama", "00112233445566778899aabbccddee44"))
        .await;
    let hers = Query::new(JOB, Filter::Did(carol.did.clone()));
    until_served(store.as_mut(), &hers, 2).await;

    let input = deactivate_account::Input::from_json("{}").unwrap();
    carol
        .client
        .call::<deactivate_account::DeactivateAccount>(&NoParams, &input)
        .await
        .unwrap();
    until_served(store.as_mut(), &hers, 0).await;
    let state = tokio::task::block_in_place(|| store.repo(&carol.did).unwrap().unwrap());
    assert!(!state.active);
    assert_eq!(state.status.as_deref(), Some("deactivated"));

    carol
        .client
        .call::<activate_account::ActivateAccount>(&NoParams, &())
        .await
        .unwrap();
    until_served(store.as_mut(), &hers, 2).await;
    indexer.stop().await;
}

/// A Jetstream stand-in on loopback (no Jetstream runs offline): it sends each line of
/// `tests/data/jetstream/events.jsonl` (after the `cursor` asked for) and keeps the connection
/// open; it records each request's query.
struct FakeJetstream {
    url: String,
    queries: Arc<Mutex<Vec<String>>>,
}

impl FakeJetstream {
    async fn start() -> FakeJetstream {
        use futures_util::SinkExt;
        use tokio_tungstenite::tungstenite::{handshake::server, Message};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/subscribe", listener.local_addr().unwrap());
        let queries = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&queries);
        let lines: Vec<String> = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/jetstream/events.jsonl"),
        )
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, lines) = (Arc::clone(&seen), lines.clone());
                tokio::spawn(async move {
                    let mut query = String::new();
                    // The signature is tungstenite's.
                    #[allow(clippy::result_large_err)]
                    let callback = |request: &server::Request, response: server::Response| {
                        query = request.uri().query().unwrap_or_default().to_owned();
                        Ok(response)
                    };
                    let Ok(mut socket) =
                        tokio_tungstenite::accept_hdr_async(stream, callback).await
                    else {
                        return;
                    };
                    let cursor: Option<i64> = query
                        .split('&')
                        .find_map(|p| p.strip_prefix("cursor="))
                        .and_then(|c| c.parse().ok());
                    seen.lock().unwrap().push(query);
                    for line in lines {
                        let time: i64 = serde_json::from_str::<Value>(&line).unwrap()["time_us"]
                            .as_i64()
                            .unwrap();
                        if cursor.is_some_and(|cursor| time <= cursor) {
                            continue;
                        }
                        if socket.send(Message::text(line)).await.is_err() {
                            return;
                        }
                    }
                    // Open until the indexer goes.
                    while let Some(Ok(_)) = futures_util::StreamExt::next(&mut socket).await {}
                });
            }
        });
        FakeJetstream { url, queries }
    }
}

on_both!(jetstream_events_are_applied_unverified_but_cid_checked);

async fn jetstream_events_are_applied_unverified_but_cid_checked(backend: Backend) {
    const DID: &str = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
    let database = backend.database();
    let jetstream = FakeJetstream::start().await;
    let start = || {
        let resolver = CachingResolver::new(HttpResolver::new().plc_url(&pds().plc));
        let indexer = Indexer::new(&pds().url, database.clone(), schema(), resolver)
            .jetstream(&jetstream.url);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(indexer.run(async {
            let _ = stopped.await;
        }));
        Running {
            stop: Some(stop),
            task,
            exported: Arc::new(Mutex::new(Vec::new())),
        }
    };
    let indexer = start();
    let mut store = open(&database);
    let job = |rkey: &str| format!("at://{DID}/{JOB}/{rkey}");
    // Created, updated, then deleted: gone. A job whose CID is not its content's: not stored,
    // and the repository is to be exported (verified). An invalid job: stored, not served.
    let _step = deadline::waiting_for("the Jetstream events to be applied");
    for _ in 0..300 {
        if tokio::task::block_in_place(|| store.needing_sync().unwrap()).contains(&DID.to_owned()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let held: Vec<Row> = rows(store.as_mut(), DID);
    let uris: Vec<&str> = held.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(uris, [job("3lbq5mkxk2s2b")], "{held:#?}");
    assert!(held[0]
        .violations
        .iter()
        .any(|v| v.starts_with("$.maxTokensOut")));
    assert!(
        tokio::task::block_in_place(|| store.needing_sync().unwrap()).contains(&DID.to_owned())
    );
    let cursor_name = format!("jetstream:{}", jetstream.url);
    let cursor = tokio::task::block_in_place(|| store.cursor(&cursor_name).unwrap());
    assert!(cursor.is_some());
    indexer.stop().await;

    // Started again, it asks Jetstream for the indexed collections after its cursor.
    let indexer = start();
    for _ in 0..300 {
        if jetstream.queries.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    indexer.stop().await;
    let queries = jetstream.queries.lock().unwrap().clone();
    assert!(
        queries[0].contains(&format!("wantedCollections={JOB}")),
        "{queries:?}"
    );
    assert!(!queries[0].contains("cursor="), "{queries:?}");
    assert!(
        queries[1].contains(&format!("cursor={}", cursor.unwrap())),
        "{queries:?}"
    );
}
