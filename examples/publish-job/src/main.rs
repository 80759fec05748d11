//! Publishes the `dev.cocore.compute.job` record in a JSON file, as it is, to a PDS:
//!
//! ```text
//! publish-job --pds URL --handle HANDLE (--password PASSWORD | --oauth) JOB.json
//! ```
//!
//! With `--oauth`, it signs in as a loopback OAuth client: it prints `open <URL>` on standard
//! error, waits (five minutes at most) for the browser to come back to
//! `http://127.0.0.1:PORT/callback`, and publishes with the session.
//!
//! Prints `{"uri": "...", "cid": "..."}` and exits 0 when the record is created. A record the
//! schema refuses (or a file that is not a job in JSON) is reported with every violation and
//! nothing is sent: exit 1. A file that cannot be read, a network, login or server failure:
//! a message saying which, exit 2.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use cocore_lexicons::dev::cocore::compute::job::Job;
use lexicon_oauth::{sign_in_in_browser, RepoAction, Scopes};
use lexicon_xrpc::{Client, Error};

/// Publishes a dev.cocore.compute.job record from a JSON file to a PDS.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The PDS's URL, such as `https://pds.example.com`
    #[arg(long)]
    pds: String,
    /// The account's handle (or DID, or email)
    #[arg(long)]
    handle: String,
    /// The account's password (an app password, preferably), or sign in with --oauth
    #[arg(long, required_unless_present = "oauth", conflicts_with = "oauth")]
    password: Option<String>,
    /// Sign in with OAuth, as a loopback client, in a browser
    #[arg(long)]
    oauth: bool,
    /// The PLC directory that resolves the account's did:plc (for --oauth)
    #[arg(long, default_value = "https://plc.directory")]
    plc: String,
    /// The job record, in JSON, with its $type
    job: PathBuf,
}

/// A job the schema refuses: exit 1.
const REFUSED: u8 = 1;
/// Anything else that stopped the publication: exit 2.
const FAILED: u8 = 2;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}

fn run(args: &Args) -> Result<String, (u8, String)> {
    let path = args.job.display();
    let text = std::fs::read_to_string(&args.job)
        .map_err(|e| (FAILED, format!("cannot read {path}: {e}")))?;
    // Checked before anything is sent: every violation, each with its JSON path.
    let job = Job::from_json(&text).map_err(|e| {
        (
            REFUSED,
            format!("{path}: the job is not valid, nothing was sent:\n{e:#}"),
        )
    })?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| (FAILED, format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let client = sign_in(args).await.map_err(|e| {
            (
                FAILED,
                format!("login to {} as {} failed: {e}", args.pds, args.handle),
            )
        })?;
        let created = client.create_record(&job).await.map_err(|e| match e {
            Error::Invalid { .. } => (REFUSED, format!("{path}: {e}")),
            other => (FAILED, format!("publishing the job failed: {other}")),
        })?;
        Ok(format!(
            "{{\"uri\": {}, \"cid\": {}}}",
            serde_json::Value::from(created.uri.as_str()),
            serde_json::Value::from(created.cid.as_str())
        ))
    })
}

/// A client signed in as `--handle`: with its password, or by OAuth in a browser.
async fn sign_in(args: &Args) -> Result<Client, Box<dyn std::error::Error>> {
    if let Some(password) = &args.password {
        let client = Client::new(&args.pds)?;
        client.login(&args.handle, password).await?;
        return Ok(client);
    }
    let scopes = Scopes::new().repo(Job::NSID, &[RepoAction::Create]);
    let session = sign_in_in_browser(&args.pds, &args.plc, &args.handle, scopes).await?;
    Ok(Client::builder(session.pds())
        .credentials(session)
        .build()?)
}
