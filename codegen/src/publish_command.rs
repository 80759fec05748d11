//! `lexicon-codegen publish`: local lexicons written as schema records in the account's
//! repository, one line each.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lexicon_codegen::dns::Dns;
use lexicon_codegen::publish::{Action, Publish, PublishReport};

/// What `publish` is given on the command line.
pub struct Args {
    /// The lexicon folders.
    pub lexicons: Vec<PathBuf>,
    /// The account's PDS.
    pub pds: String,
    /// The account's handle (or DID).
    pub handle: String,
    /// Its (app) password.
    pub password: String,
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
    let dns = match args.dns_answers.as_deref().map(crate::read_dns_answers) {
        None => Dns::System,
        Some(Ok(table)) => Dns::Table(table),
        Some(Err(e)) => {
            let file = args.dns_answers.as_deref().unwrap_or(Path::new(""));
            eprintln!("error: --dns-answers {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let publish = Publish {
        lexicons: if args.lexicons.is_empty() {
            vec![PathBuf::from("lexicons")]
        } else {
            args.lexicons
        },
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
        let client =
            lexicon_xrpc::Client::new(&args.pds).map_err(|e| format!("--pds {}: {e}", args.pds))?;
        client
            .login(&args.handle, &args.password)
            .await
            .map_err(|e| format!("logging in as {}: {e}", args.handle))?;
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
