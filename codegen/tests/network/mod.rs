//! What the tests against the reference PDS share: the command, its output as text, accounts
//! that publish lexicons, and DNS answers written to a file.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lexicon_runtime::xrpc::NoParams;
use lexicon_test_support::pds::Pds;
use lexicon_xrpc::Client;
use serde_json::{json, Value};

lexicon_test_support::raw_json_procedure!(CreateAccount, "com.atproto.server.createAccount");

/// The password of every test account.
pub const PASSWORD: &str = "lexicon publisher";

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `lexicon-codegen` with `args`, then `extra`, in the repository's root.
pub fn codegen(args: &[&str], extra: &[&Path]) -> Output {
    lexicon_test_support::process::output(
        Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"))
            .args(args)
            .args(extra)
            .current_dir(repo()),
        lexicon_test_support::process::CLI_LIMIT,
    )
}

/// Standard output, then standard error.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A new account that publishes lexicons, logged in; its DID.
pub async fn publisher(pds: &Pds, handle: &str) -> (Client, String) {
    let client = Client::new(&pds.url).unwrap();
    let input =
        json!({ "handle": handle, "email": format!("{handle}@example.com"), "password": PASSWORD });
    let output: Value = client
        .call::<CreateAccount>(&NoParams, &input)
        .await
        .unwrap();
    client.login(handle, PASSWORD).await.unwrap();
    (client, output["did"].as_str().unwrap().to_owned())
}

/// Writes DNS answers: each authority's `_lexicon` record names its DID.
pub fn dns_answers(file: &Path, records: &[(&str, &str)]) {
    let table: serde_json::Map<String, Value> = records
        .iter()
        .map(|(authority, did)| {
            (
                format!("_lexicon.{authority}"),
                json!([format!("did={did}")]),
            )
        })
        .collect();
    std::fs::write(file, Value::Object(table).to_string()).unwrap();
}
