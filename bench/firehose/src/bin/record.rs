//! Starts the reference PDS (`@atproto/dev-env`), writes `--commits` job records (10,000 by
//! default) from 8 accounts at once, then replays its firehose from cursor 0 and saves every
//! frame and every account's signing key under `target/bench-data/`. With `--install-only` it
//! only installs the reference harness (`tests/pds`).

use std::io::Write;
use std::time::{Duration, Instant, SystemTime};

use atproto_lexicons::com::atproto::server::create_account::{self, CreateAccount};
use cocore_lexicons::dev::cocore::compute::defs::{Money, TrustLevel};
use cocore_lexicons::dev::cocore::compute::job::Job;
use futures_util::StreamExt;
use lexicon_atproto::com::atproto::repo::strong_ref::StrongRef;
use lexicon_identity::{DidResolver, HttpResolver};
use lexicon_runtime::xrpc::NoParams;
use lexicon_runtime::{AtUri, Cid, Datetime, Tid};
use lexicon_test_support::pds::Pds;
use lexicon_xrpc::Client;
use serde_json::json;

const ACCOUNTS: usize = 8;

fn job(did: &str) -> Job {
    Job::builder()
        .model("llama-3.1-8b-instruct")
        .input_commitment("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        .max_tokens_out(512)
        .price_ceiling(Money::builder().amount(25).currency("USD").build().unwrap())
        .accepted_trust_level(TrustLevel::HardwareAttested)
        .payment_authorization(
            StrongRef::builder()
                .uri(
                    AtUri::new(format!(
                        "at://{did}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a"
                    ))
                    .unwrap(),
                )
                .cid(
                    Cid::new("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm")
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .nonce(format!("{:032x}", Tid::now().micros()))
        .expires_at(Datetime::from(
            SystemTime::now() + Duration::from_secs(86_400),
        ))
        .created_at(Datetime::now())
        .build()
        .unwrap()
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--install-only") {
        // The reference side of the benchmark needs the harness's node_modules.
        lexicon_test_support::pds::ensure_installed();
        return;
    }
    let commits: usize = std::env::args()
        .skip_while(|a| a != "--commits")
        .nth(1)
        .map(|n| n.parse().expect("--commits N"))
        .unwrap_or(10_000);
    let pds = Pds::start();
    let started = Instant::now();
    let mut writers = Vec::new();
    let mut dids = Vec::new();
    for n in 0..ACCOUNTS {
        let handle = format!("bench{n}.test");
        let input = create_account::Input::from_json(
            &json!({ "handle": handle, "email": format!("{handle}@example.com"), "password": "bench password" }).to_string(),
        )
        .unwrap();
        let client = Client::new(&pds.url).unwrap();
        let did = client
            .call::<CreateAccount>(&NoParams, &input)
            .await
            .unwrap()
            .did
            .to_string();
        client.login(&handle, "bench password").await.unwrap();
        dids.push(did.clone());
        let share = commits / ACCOUNTS + usize::from(n < commits % ACCOUNTS);
        writers.push(tokio::spawn(async move {
            for _ in 0..share {
                client.create_record(&job(&did)).await.unwrap();
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    eprintln!(
        "wrote {commits} records in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let dir = firehose_bench::data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let resolver = HttpResolver::new().plc_url(&pds.plc);
    let mut keys = serde_json::Map::new();
    for did in &dids {
        let key = resolver
            .resolve(did)
            .await
            .unwrap()
            .signing_key()
            .unwrap()
            .unwrap();
        keys.insert(did.clone(), json!(key.to_did_key()));
    }
    std::fs::write(
        dir.join("firehose.keys.json"),
        serde_json::Value::Object(keys).to_string(),
    )
    .unwrap();

    let url = format!(
        "{}/xrpc/com.atproto.sync.subscribeRepos?cursor=0",
        pds.url.replace("http://", "ws://")
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let mut out =
        std::io::BufWriter::new(std::fs::File::create(dir.join("firehose.frames")).unwrap());
    let (mut frames, mut job_commits) = (0usize, 0usize);
    while job_commits < commits {
        let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .expect("the firehose replayed every commit within 30 s")
            .unwrap()
            .unwrap();
        let bytes = message.into_data();
        if bytes.is_empty() {
            continue;
        }
        out.write_all(&(bytes.len() as u32).to_le_bytes()).unwrap();
        out.write_all(&bytes).unwrap();
        frames += 1;
        if bytes.windows(22).any(|w| w == b"dev.cocore.compute.job") {
            job_commits += 1;
        }
    }
    out.flush().unwrap();
    eprintln!(
        "saved {frames} frames ({job_commits} commits of jobs) to {}",
        dir.display()
    );
}
