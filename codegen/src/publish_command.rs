//! `lexicon-codegen publish`: local lexicons written as schema records in the account's
//! repository, one line each.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lexicon_codegen::publish::{Action, Publish, PublishReport};

/// What `publish` is given on the command line.
pub struct Args {
    /// The lexicon folders.
    pub lexicons: Vec<PathBuf>,
    /// The account's PDS.
    pub pds: String,
    /// The account's handle (or DID).
    pub handle: String,
    /// Its (app) password; `None` signs in with OAuth in a browser.
    pub password: Option<String>,
    /// The PLC directory that resolves the account's DID (for OAuth).
    pub plc: String,
    /// Write nothing.
    pub dry_run: bool,
    /// Publish breaking changes.
    pub allow_breaking: bool,
    /// DNS answers from a file.
    pub dns_answers: Option<PathBuf>,
}

/// Publishes, prints what was done and returns 0 (every lexicon written or unchanged), 1 (one
/// was refused) or 2 (unreadable lexicons or answers, a failed login or request).
pub fn run(args: Args) -> ExitCode {
    let dns = match crate::dns_answers(args.dns_answers.as_deref()) {
        Ok(dns) => dns,
        Err(code) => return code,
    };
    let publish = Publish {
        lexicons: crate::lexicon_dirs(args.lexicons.clone()),
        dns,
        dry_run: args.dry_run,
        allow_breaking: args.allow_breaking,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the client: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        let client = sign_in(&args).await?;
        publish.run(&client).await.map_err(|e| e.to_string())
    });
    match result {
        Ok(report) => print(&report, args.dry_run),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// A client signed in as `--handle`: with its password, or as a loopback OAuth client in a
/// browser (the URL to open is printed on standard error, `open <URL>`; the browser has five
/// minutes to come back), allowed to write schema records only.
async fn sign_in(args: &Args) -> Result<lexicon_xrpc::Client, String> {
    use lexicon_oauth::{RepoAction, Scopes};
    let pds = &args.pds;
    if let Some(password) = &args.password {
        let client = lexicon_xrpc::Client::new(pds).map_err(|e| format!("--pds {pds}: {e}"))?;
        client
            .login(&args.handle, password)
            .await
            .map_err(|e| format!("logging in as {}: {e}", args.handle))?;
        return Ok(client);
    }
    let schema = lexicon_xrpc::atproto::com::atproto::lexicon::schema::Schema::NSID;
    let scopes = Scopes::new().repo(schema, &[RepoAction::Create, RepoAction::Update]);
    let session = lexicon_oauth::sign_in_in_browser(pds, &args.plc, &args.handle, scopes)
        .await
        .map_err(|e| format!("signing in as {}: {e}", args.handle))?;
    lexicon_xrpc::Client::builder(session.pds())
        .credentials(session)
        .build()
        .map_err(|e| e.to_string())
}

fn print(report: &PublishReport, dry_run: bool) -> ExitCode {
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    let (mut written, mut unchanged, mut refused) = (0, 0, 0);
    for l in &report.lexicons {
        let line = match (&l.action, &l.record) {
            (Action::Created | Action::Updated, _) if dry_run => {
                written += 1;
                let verb = if l.action == Action::Created {
                    "create"
                } else {
                    "update"
                };
                format!("would {verb} {}", l.nsid)
            }
            (Action::Created | Action::Updated, record) => {
                written += 1;
                let verb = if l.action == Action::Created {
                    "created"
                } else {
                    "updated"
                };
                match record {
                    Some((uri, cid)) => format!("{verb} {} {uri} ({cid})", l.nsid),
                    None => format!("{verb} {}", l.nsid),
                }
            }
            (Action::Unchanged, _) => {
                unchanged += 1;
                format!("unchanged {}", l.nsid)
            }
            (Action::Refused(reason), _) => {
                refused += 1;
                format!("refused {}: {reason}", l.nsid)
            }
        };
        println!("{line}");
    }
    let verb = if dry_run { "to write" } else { "written" };
    println!("{written} {verb}, {unchanged} unchanged, {refused} refused");
    if refused > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `lexicon-codegen status`: prints how each local lexicon stands against the published one
/// and returns 0 (all the same), 1 (one differs, is missing or cannot be reached) or 2
/// (unreadable lexicons or answers).
pub fn status(
    lexicons: Vec<PathBuf>,
    plc: &str,
    dns_answers: Option<&Path>,
    json: bool,
) -> ExitCode {
    use lexicon_codegen::status::Status;
    let fetch = match crate::dns_answers(dns_answers) {
        Ok(dns) => lexicon_codegen::fetch::Fetch::new("").plc_url(plc).dns(dns),
        Err(code) => return code,
    };
    let dirs = crate::lexicon_dirs(lexicons);
    let statuses = match lexicon_codegen::status::status(&dirs, &fetch) {
        Ok(statuses) => statuses,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let describe = |status: &Status| -> (&'static str, String) {
        match status {
            Status::Same => ("same", String::new()),
            Status::Older => (
                "older",
                "the published version is older; `publish` would update it".into(),
            ),
            Status::Newer => (
                "newer",
                "the published version is newer; `fetch` would get it".into(),
            ),
            Status::Breaking(breaks) => ("breaking", breaks.join("; ")),
            Status::Missing => ("missing", "not published".into()),
            Status::Unreachable(why) => ("unreachable", why.clone()),
        }
    };
    if json {
        let list: Vec<serde_json::Value> = statuses
            .iter()
            .map(|(nsid, status)| {
                let (name, message) = describe(status);
                serde_json::json!({"nsid": nsid, "status": name, "message": message})
            })
            .collect();
        println!("{}", serde_json::json!({ "lexicons": list }));
    } else {
        for (nsid, status) in &statuses {
            match describe(status) {
                (name, message) if message.is_empty() => println!("{name} {nsid}"),
                (name, message) => println!("{name} {nsid}: {message}"),
            }
        }
    }
    if statuses.iter().all(|(_, s)| *s == Status::Same) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
