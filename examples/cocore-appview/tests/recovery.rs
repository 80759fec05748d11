//! `cocore-appview`'s indexer surviving what happens to indexers, against the reference PDS
//! (`@atproto/dev-env`), on SQLite and on a real Postgres: SIGKILLed five times while records
//! are written, it leaves tables equal to the repositories' exports (nothing lost, nothing
//! doubled); a repository of 10,000 records is exported whole.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod network_common;

use atproto_lexicons::com::atproto::repo::apply_writes;
use lexicon_runtime::xrpc::NoParams;
use lexicon_test_support::deadline::Deadline;
use lexicon_test_support::postgres::Postgres;
use network_common::{job, on_both, until_equal, Account, Backend, Process, JOB, SOME_CID};
use serde_json::{json, Value};

on_both!(killed_five_times_while_records_are_written_the_tables_equal_the_repositories);
on_both!(a_repository_of_ten_thousand_records_is_exported_whole);

async fn killed_five_times_while_records_are_written_the_tables_equal_the_repositories(
    backend: Backend,
) {
    let database = backend.database();
    let writers: Vec<Arc<Account>> = vec![
        Arc::new(Account::new("writer").await),
        Arc::new(Account::new("writer").await),
        Arc::new(Account::new("writer").await),
    ];
    let writing = Arc::new(AtomicBool::new(true));
    let written = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (n, account) in writers.iter().enumerate() {
        let (account, writing, written) = (
            Arc::clone(account),
            Arc::clone(&writing),
            Arc::clone(&written),
        );
        tasks.push(tokio::spawn(async move {
            let payment = (
                format!(
                    "at://{}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a",
                    account.did
                ),
                SOME_CID.to_owned(),
            );
            let mut mine = Vec::new();
            let mut i = 0usize;
            while writing.load(Ordering::Relaxed) {
                i += 1;
                // Mostly creates; every fifth an update, every seventh a delete.
                if i.is_multiple_of(5) && !mine.is_empty() {
                    let rkey: &String = &mine[i % mine.len()];
                    account
                        .put(
                            JOB,
                            rkey,
                            job(&format!("m{n}-{i}"), (&payment.0, &payment.1)),
                        )
                        .await;
                } else if i.is_multiple_of(7) && !mine.is_empty() {
                    let rkey = mine.swap_remove(i % mine.len());
                    account.delete(JOB, &rkey).await;
                } else {
                    let (uri, _) = account
                        .create(JOB, job(&format!("m{n}-{i}"), (&payment.0, &payment.1)))
                        .await;
                    mine.push(uri.rsplit('/').next().unwrap().to_owned());
                }
                written.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // Five times: start the indexer, let it work a while, SIGKILL it.
    let mut logs = String::new();
    for round in 0..5u64 {
        let indexer = Process::start(&database, false, &[]);
        tokio::time::sleep(Duration::from_millis(400 + 250 * round)).await;
        logs.push_str(&indexer.log());
        drop(indexer);
    }
    writing.store(false, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    eprintln!(
        "{} writes while the indexer was killed five times",
        written.load(Ordering::Relaxed)
    );
    let indexer = Process::start(&database, false, &[]);
    let accounts: Vec<&Account> = writers.iter().map(|a| a.as_ref()).collect();
    until_equal(&database, &accounts, Duration::from_secs(60), &|| {
        format!("{logs}{}", indexer.log())
    })
    .await;
}

/// An account whose repository holds 10,000 jobs, made once per test binary.
async fn big_account() -> &'static Account {
    static BIG: tokio::sync::OnceCell<Account> = tokio::sync::OnceCell::const_new();
    BIG.get_or_init(|| async {
        let account = Account::new("big").await;
        let payment = (
            format!(
                "at://{}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a",
                account.did
            ),
            SOME_CID.to_owned(),
        );
        for batch in 0..50 {
            let writes: Vec<Value> = (0..200)
                .map(|i| {
                    json!({
                        "$type": "com.atproto.repo.applyWrites#create",
                        "collection": JOB,
                        "value": job(&format!("model-{batch}-{i}"), (&payment.0, &payment.1)),
                    })
                })
                .collect();
            let input = apply_writes::Input::from_json(
                &json!({ "repo": account.did, "writes": writes }).to_string(),
            )
            .unwrap();
            account
                .client
                .call::<apply_writes::ApplyWrites>(&NoParams, &input)
                .await
                .unwrap();
        }
        account
    })
    .await
}

async fn a_repository_of_ten_thousand_records_is_exported_whole(backend: Backend) {
    let database = backend.database();
    let big = big_account().await;
    let started = Instant::now();
    let indexer = Process::start(&database, false, &[]);
    until_equal(&database, &[big], Duration::from_secs(300), &|| {
        indexer.log()
    })
    .await;
    eprintln!(
        "10,000 records exported and stored in {:?} ({database})",
        started.elapsed()
    );
}
