//! The reference TypeScript OAuth client (`@atproto/oauth-client-node`, `tests/pds/
//! oauth-client.mjs`) and this one sign in to the same PDS, for the same account and scopes,
//! side by side: both get a session for the account from the same issuer, with the same granted
//! scopes, and both sessions make calls.

mod common;
mod signin;

use std::collections::BTreeSet;
use std::process::Stdio;

use cocore_lexicons::dev::cocore::compute::job::Job;
use lexicon_oauth::{RepoAction, Scopes};
use lexicon_test_support::deadline::Deadline;
use lexicon_test_support::pds;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use common::{account, PASSWORD};
use signin::{a_job, consent, oauth_client_with, typed_client, REDIRECT};

fn scopes() -> Scopes {
    Scopes::new()
        .transition_generic()
        .repo(Job::NSID, &[RepoAction::Create])
}

fn set(scope: &str) -> BTreeSet<String> {
    scope.split_whitespace().map(str::to_owned).collect()
}

#[tokio::test]
async fn the_reference_client_and_this_one_get_the_same_session_and_scopes() {
    let _deadline = Deadline::start();
    let account = account("sidebyside").await;
    let network = common::pds();

    // The reference client.
    let mut node = tokio::process::Command::new(pds::node())
        .arg("oauth-client.mjs")
        .args([&network.url, &network.plc, &account.handle, REDIRECT])
        .arg(scopes().as_string())
        .current_dir(pds::harness_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = node.stdin.take().unwrap();
    let mut stdout = BufReader::new(node.stdout.take().unwrap()).lines();
    let first = stdout
        .next_line()
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("oauth-client.mjs printed no URL"));
    let url: serde_json::Value = serde_json::from_str(&first).unwrap();
    let back = lexicon_test_support::browser::sign_in_and_consent(
        url["url"].as_str().unwrap(),
        &account.handle,
        PASSWORD,
    )
    .await
    .unwrap();
    let query = back.split_once('?').unwrap().1;
    stdin
        .write_all(format!("{query}\n").as_bytes())
        .await
        .unwrap();
    let last = stdout.next_line().await.unwrap();
    let output = node.wait_with_output().await.unwrap();
    let reference: serde_json::Value = serde_json::from_str(last.as_deref().unwrap_or_default())
        .unwrap_or_else(|e| {
            panic!(
                "oauth-client.mjs: {e}: {last:?} {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });

    // This client, for the same account and scopes.
    let oauth = oauth_client_with(lexicon_oauth::MemoryStore::new(), scopes());
    let query = consent(&oauth, &account.handle, &account.handle).await;
    let session = oauth.callback(&query).await.unwrap();
    typed_client(&session)
        .create_record(&a_job())
        .await
        .unwrap();

    assert_eq!(reference["getSession"], 200, "{reference}");
    assert_eq!(reference["sub"], account.did, "{reference}");
    assert_eq!(
        reference["iss"].as_str(),
        Some(session.issuer()),
        "{reference}"
    );
    assert_eq!(
        reference["aud"].as_str().map(|a| a.trim_end_matches('/')),
        Some(session.pds()),
        "{reference}"
    );
    let granted = set(reference["scope"].as_str().unwrap());
    assert_eq!(granted, set(&session.scopes().as_string()), "{reference}");
    assert_eq!(granted, set(&scopes().as_string()));
}
