//! Runs a cocore provider's cycle once against a PDS:
//!
//! ```text
//! cocore-provider --pds URL --handle HANDLE (--password PASSWORD | --oauth) \
//!     --requester DID [--machine RKEY] [--key FILE]
//! ```
//!
//! Puts the machine's provider record (compare-and-swap), writes an attestation, finds the
//! requester's jobs addressed to this provider, claims the first by compare-and-swap, and writes
//! its receipt; prints one JSON line per step (`{"step": "profile", "uri": ..., "cid": ...}`)
//! and exits 0. With `--oauth`, it signs in as a loopback OAuth client: it prints the URL to
//! open (on standard error, `open <URL>`), waits up to five minutes for the browser to come back
//! to `http://127.0.0.1:PORT/callback`, and goes on with the session. No open job: exit 3; a
//! machine that is busy or whose job has a receipt already: exit 4; anything else: exit 2.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use cocore_provider::{Machine, OpenJob, Provider, ProviderError, Work};
use lexicon_oauth::{sign_in_in_browser, Scopes};
use lexicon_runtime::Datetime;
use lexicon_xrpc::Client;
use p256::ecdsa::SigningKey;
use serde_json::json;

/// Runs a cocore provider's cycle once against a PDS.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The PDS's URL, such as `https://pds.example.com`
    #[arg(long)]
    pds: String,
    /// The provider account's handle
    #[arg(long)]
    handle: String,
    /// The account's app password (or sign in with --oauth)
    #[arg(long, required_unless_present = "oauth", conflicts_with = "oauth")]
    password: Option<String>,
    /// Sign in with OAuth, as a loopback client, in a browser
    #[arg(long)]
    oauth: bool,
    /// The PLC directory that resolves the account's did:plc (for --oauth)
    #[arg(long, default_value = "https://plc.directory")]
    plc: String,
    /// The requester whose jobs are looked at (a DID or handle)
    #[arg(long)]
    requester: String,
    /// The machine's provider record key (a TID)
    #[arg(long, default_value = "3lbq5mkxk2s2a")]
    machine: String,
    /// The machine's P-256 signing key: 32 bytes, hex, in this file (a new one if absent)
    #[arg(long)]
    key: Option<PathBuf>,
}

/// Nothing to do: no open job addressed to the provider.
const NO_JOB: u8 = 3;
/// Someone else got there: the machine is busy, or the job has a receipt already.
const TAKEN: u8 = 4;
/// Anything else.
const FAILED: u8 = 2;

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::from(FAILED);
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}

fn failed(e: impl std::fmt::Display) -> (u8, String) {
    (FAILED, e.to_string())
}

fn step(step: &str, uri: &str, cid: &str) {
    println!("{}", json!({ "step": step, "uri": uri, "cid": cid }));
}

async fn run(args: &Args) -> Result<(), (u8, String)> {
    let client = sign_in(args).await?;
    let provider = Provider::new(client, signing_key(args)?).map_err(failed)?;
    let machine = Machine::example();
    let profile = provider
        .put_profile(&args.machine, &machine)
        .await
        .map_err(failed)?;
    step("profile", profile.uri.as_str(), profile.cid.as_str());
    let attestation = provider.attest(&machine).await.map_err(failed)?;
    step(
        "attestation",
        attestation.uri.as_str(),
        attestation.cid.as_str(),
    );
    let jobs = provider.open_jobs(&args.requester).await.map_err(failed)?;
    let Some(job) = jobs.first() else {
        return Err((
            NO_JOB,
            format!("no open job of {} for {}", args.requester, provider.did()),
        ));
    };
    step("job", job.uri.as_str(), job.cid.as_str());
    let claim = provider.claim(&args.machine).await.map_err(taken)?;
    step("claim", profile.uri.as_str(), "");
    let receipt = provider
        .complete(claim, job, &attestation, &work(job))
        .await
        .map_err(taken)?;
    step("receipt", receipt.uri.as_str(), receipt.cid.as_str());
    Ok(())
}

fn taken(e: ProviderError) -> (u8, String) {
    match e {
        ProviderError::Busy(_) | ProviderError::AlreadyReceipted(_) => (TAKEN, e.to_string()),
        other => failed(other),
    }
}

/// A client signed in as `--handle`, with its app password or by OAuth in a browser.
async fn sign_in(args: &Args) -> Result<Client, (u8, String)> {
    if let Some(password) = &args.password {
        let client = Client::new(&args.pds).map_err(failed)?;
        client.login(&args.handle, password).await.map_err(|e| {
            failed(format!(
                "login to {} as {} failed: {e}",
                args.pds, args.handle
            ))
        })?;
        return Ok(client);
    }
    let scopes = Scopes::new().transition_generic();
    let session = sign_in_in_browser(&args.pds, &args.plc, &args.handle, scopes)
        .await
        .map_err(failed)?;
    Client::builder(session.pds())
        .credentials(session)
        .build()
        .map_err(failed)
}

/// The machine's key: read from `--key` (hex), or made and written there, or made for this run.
fn signing_key(args: &Args) -> Result<SigningKey, (u8, String)> {
    let Some(path) = &args.key else {
        return Ok(SigningKey::random(&mut rand_core::OsRng));
    };
    let shown = path.display();
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes: Vec<u8> = (0..text.trim().len())
                .step_by(2)
                .filter_map(|i| u8::from_str_radix(text.trim().get(i..i + 2)?, 16).ok())
                .collect();
            SigningKey::from_slice(&bytes)
                .map_err(|e| failed(format!("{shown}: not a P-256 key in hex: {e}")))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = SigningKey::random(&mut rand_core::OsRng);
            let hex: String = key.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
            std::fs::write(path, hex).map_err(|e| failed(format!("{shown}: {e}")))?;
            Ok(key)
        }
        Err(e) => Err(failed(format!("{shown}: {e}"))),
    }
}

/// The job's work: the example runs no model, so its output is a fixed text; the price is the
/// machine's rates for the tokens, at most the job's ceiling.
fn work(job: &OpenJob) -> Work {
    let (tokens_in, tokens_out) = (120, job.job.max_tokens_out.min(256));
    let price = (tokens_in * 20 + tokens_out * 60 + 999_999) / 1_000_000;
    Work {
        output: format!("(the output of {})", job.uri),
        tokens: (tokens_in, tokens_out),
        started_at: Datetime::now(),
        price: price.min(job.job.price_ceiling.amount),
    }
}
