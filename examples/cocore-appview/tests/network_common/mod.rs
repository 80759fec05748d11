#![allow(dead_code)] // each test binary uses part of this module

//! What the tests against the network share: the reference PDS (one per test binary), a
//! database of each kind, `cocore-appview` as a process, accounts that write records, and the
//! comparison of the tables with the repositories' exports.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use atproto_lexicons::com::atproto::repo::{create_record, delete_record, put_record};
use atproto_lexicons::com::atproto::server::create_account;
use atproto_lexicons::com::atproto::sync::get_repo;
use lexicon_index::{Database, Filter, IndexSchema, Query};
use lexicon_runtime::xrpc::NoParams;
use lexicon_test_support::deadline;
use lexicon_test_support::pds::Pds;
use lexicon_test_support::postgres::Postgres;
use lexicon_xrpc::Client;
use serde_json::{json, Value};

pub const JOB: &str = "dev.cocore.compute.job";
pub const PASSWORD: &str = "network test password";
pub const HEX64: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

pub fn pds() -> &'static Pds {
    static PDS: OnceLock<Pds> = OnceLock::new();
    PDS.get_or_init(Pds::start)
}

/// A database of one kind, made for one test.
pub enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(Postgres),
}

impl Backend {
    pub fn database(&self) -> Database {
        match self {
            Backend::Sqlite(dir) => Database::Sqlite(dir.path().join("index.db")),
            Backend::Postgres(server) => Database::Postgres(server.url("postgres")),
        }
    }
}

/// A test of each backend: `name::sqlite` and `name::postgres` (the test file imports
/// `Backend`, `Deadline` and `Postgres`).
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

/// `cocore-appview` with `args`, its stderr in a file; SIGKILLed when dropped.
pub struct Process {
    child: Child,
    /// `http://ADDR` when it serves.
    url: Option<String>,
    log: tempfile::NamedTempFile,
}

impl Process {
    /// Starts it with the PDS as relay and its PLC, on `database`; with `serve`, waits for its
    /// `listening on` line.
    pub fn start(database: &Database, serve: bool, extra: &[&str]) -> Process {
        let log = tempfile::NamedTempFile::new().unwrap();
        let database = database.to_string();
        let mut command = Command::new(env!("CARGO_BIN_EXE_cocore-appview"));
        command
            .args(["--relay", &pds().url, "--plc", &pds().plc, "--database"])
            .arg(&database)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(log.reopen().unwrap());
        if serve {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        let mut child = command.spawn().unwrap();
        let mut url = None;
        if serve {
            let _step = deadline::waiting_for("cocore-appview to say it listens");
            let mut line = String::new();
            std::io::BufRead::read_line(
                &mut std::io::BufReader::new(child.stdout.take().unwrap()),
                &mut line,
            )
            .unwrap();
            url = Some(
                line.trim()
                    .strip_prefix("listening on ")
                    .unwrap_or_else(|| panic!("cocore-appview printed {line:?}"))
                    .to_owned(),
            );
        }
        Process { child, url, log }
    }

    pub fn client(&self) -> Client {
        Client::new(self.url.as_deref().expect("it serves")).unwrap()
    }

    /// What it wrote to stderr.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An account on the PDS and a client logged in to it.
pub struct Account {
    pub client: Client,
    pub did: String,
}

impl Account {
    pub async fn new(name: &str) -> Account {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
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

    /// Creates a record; its `(uri, cid)`.
    pub async fn create(&self, collection: &str, record: Value) -> (String, String) {
        let input = create_record::Input::from_json(
            &json!({ "repo": self.did, "collection": collection, "record": record }).to_string(),
        )
        .unwrap();
        let output = self
            .client
            .call::<create_record::CreateRecord>(&NoParams, &input)
            .await
            .unwrap();
        (output.uri.to_string(), output.cid.to_string())
    }

    pub async fn put(&self, collection: &str, rkey: &str, record: Value) {
        let input = put_record::Input::from_json(
            &json!({ "repo": self.did, "collection": collection, "rkey": rkey, "record": record })
                .to_string(),
        )
        .unwrap();
        self.client
            .call::<put_record::PutRecord>(&NoParams, &input)
            .await
            .unwrap();
    }

    pub async fn delete(&self, collection: &str, rkey: &str) {
        let input = delete_record::Input::from_json(
            &json!({ "repo": self.did, "collection": collection, "rkey": rkey }).to_string(),
        )
        .unwrap();
        self.client
            .call::<delete_record::DeleteRecord>(&NoParams, &input)
            .await
            .unwrap();
    }

    /// The repository's records of the index's collections as its export holds them:
    /// `uri -> cid`.
    pub async fn exported(&self) -> BTreeMap<String, String> {
        let params = get_repo::Params::from_json(&json!({ "did": self.did }).to_string()).unwrap();
        let car = Client::builder(&pds().url)
            .max_response_bytes(1 << 30)
            .build()
            .unwrap()
            .call::<get_repo::GetRepo>(&params, &())
            .await
            .unwrap();
        let repo = lexicon_repo::Repo::from_car(&car).unwrap();
        let collections: Vec<String> = schema()
            .collections()
            .iter()
            .map(|c| c.nsid.clone())
            .collect();
        repo.entries()
            .unwrap()
            .into_iter()
            .filter(|(key, _)| {
                collections
                    .iter()
                    .any(|c| key.starts_with(&format!("{c}/")))
            })
            .map(|(key, cid)| (format!("at://{}/{key}", self.did), cid.to_string()))
            .collect()
    }
}

/// The index's schema, as the AppView makes it (its lexicons and columns).
pub fn schema() -> IndexSchema {
    let documents = lexicon_test_support::lexicon_documents(std::path::Path::new(
        &lexicon_test_support::data_path("lexicons/cocore-upstream-all"),
    ));
    IndexSchema::new(
        &documents,
        &[
            (JOB, "model"),
            ("dev.cocore.compute.receipt", "requester"),
            ("dev.cocore.account.friend", "subject"),
        ],
    )
    .unwrap()
}

/// What the database holds of `did`'s records, valid or not: `uri -> cid`.
pub fn stored(database: &Database, did: &str) -> BTreeMap<String, String> {
    tokio::task::block_in_place(|| {
        let mut store = database.open(schema()).unwrap();
        let mut all = BTreeMap::new();
        for collection in schema().collections() {
            let mut query =
                Query::new(collection.nsid.clone(), Filter::Did(did.into())).limit(20_000);
            query.include_invalid = true;
            for row in store.records(&query).unwrap().rows {
                all.insert(row.uri, row.cid);
            }
        }
        all
    })
}

/// Waits (at most `limit`) until the database holds exactly each account's export.
pub async fn until_equal(
    database: &Database,
    accounts: &[&Account],
    limit: Duration,
    log: &dyn Fn() -> String,
) {
    let _step = deadline::waiting_for("the tables to equal the repositories' exports");
    let mut expected = Vec::new();
    for account in accounts {
        expected.push(account.exported().await);
    }
    let started = Instant::now();
    loop {
        let held: Vec<_> = accounts.iter().map(|a| stored(database, &a.did)).collect();
        if held == expected {
            return;
        }
        if started.elapsed() > limit {
            for (held, expected) in held.iter().zip(&expected) {
                let missing: Vec<_> = expected
                    .iter()
                    .filter(|(u, c)| held.get(*u) != Some(c))
                    .collect();
                let extra: Vec<_> = held
                    .iter()
                    .filter(|(u, c)| expected.get(*u) != Some(c))
                    .collect();
                eprintln!("missing or stale: {missing:?}\nnot in the export: {extra:?}");
            }
            panic!(
                "after {limit:?} the tables are not the exports; the indexer's log:\n{}",
                log()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub fn job(model: &str, payment: (&str, &str)) -> Value {
    json!({
        "$type": JOB,
        "model": model,
        "inputCommitment": HEX64,
        "maxTokensOut": 512,
        "priceCeiling": { "amount": 25, "currency": "USD" },
        "acceptedTrustLevel": "self-attested",
        "paymentAuthorization": { "uri": payment.0, "cid": payment.1 },
        "nonce": format!("{:032x}", lexicon_runtime::Tid::now().micros()),
        "expiresAt": "2031-01-01T00:00:00.000Z",
        "createdAt": "2026-11-28T05:00:00.000Z",
    })
}

pub const SOME_CID: &str = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm";

/// Polls `check` every 100 ms until it is true, at most 30 s; how long it took.
pub async fn until<F: std::future::Future<Output = bool>>(
    what: &str,
    mut check: impl FnMut() -> F,
) -> Duration {
    let _step = deadline::waiting_for(what);
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "after 30 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

pub(crate) use on_both;
