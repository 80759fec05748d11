//! `lexicon-codegen check-dns`: for each authority of a lexicon set, the TXT record it needs and
//! whether it names the publishing DID.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lexicon_codegen::dns::{check_dns, AuthorityCheck, DnsStatus};

/// The NSIDs of the lexicons under `dirs`, or every error of loading them.
fn nsids(dirs: &[PathBuf]) -> Result<Vec<String>, String> {
    let mut diags = Vec::new();
    let mut texts = HashMap::new();
    let paths = lexicon_schema::load::discover(dirs, &mut diags);
    let ids: Vec<String> = paths
        .iter()
        .filter_map(|p| lexicon_schema::load::load_file(p, &mut diags, &mut texts))
        .map(|loaded| loaded.doc.id)
        .collect();
    diags.retain(|d| d.is_error());
    if diags.is_empty() {
        Ok(ids)
    } else {
        Err(lexicon_schema::Diagnostics::from(diags)
            .located(&texts)
            .to_string())
    }
}

/// What to print for one authority, and what to do about it.
fn message(check: &AuthorityCheck, did: &str) -> String {
    let record = &check.record;
    match &check.status {
        DnsStatus::Names => format!("{record} names {did}"),
        DnsStatus::OtherDid(other) => format!(
            "{record} names {other}, not {did}: publish from {other}, or change the record to \"did={did}\""
        ),
        DnsStatus::Missing => {
            format!("no `did=` TXT record at {record}: add {record} TXT \"did={did}\"")
        }
        DnsStatus::Several(dids) => format!(
            "{record} names {} DIDs ({}): keep only \"did={did}\"",
            dids.len(),
            dids.join(", ")
        ),
        DnsStatus::LookupFailed(e) => format!("{e}: the record should be {record} TXT \"did={did}\""),
    }
}

fn status_name(status: &DnsStatus) -> &'static str {
    match status {
        DnsStatus::Names => "names",
        DnsStatus::OtherDid(_) => "other-did",
        DnsStatus::Missing => "missing",
        DnsStatus::Several(_) => "several",
        DnsStatus::LookupFailed(_) => "lookup-failed",
    }
}

/// Checks the authorities of the lexicons under `lexicons` against `did`, prints one line (or
/// JSON object) each and returns 0 (every record names `did`), 1 (one does not, or cannot be
/// looked up) or 2 (unreadable lexicons or answers, a bad DID).
pub fn run(lexicons: Vec<PathBuf>, did: &str, dns_answers: Option<&Path>, json: bool) -> ExitCode {
    let dirs = crate::lexicon_dirs(lexicons);
    if !lexicon_runtime::formats::is_valid_did(did) {
        eprintln!("error: --did {did:?} is not a DID");
        return ExitCode::from(2);
    }
    let dns = match crate::dns_answers(dns_answers) {
        Ok(dns) => dns,
        Err(code) => return code,
    };
    let checks = match nsids(&dirs).and_then(|nsids| check_dns(&nsids, did, dns)) {
        Ok(checks) => checks,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if json {
        let list: Vec<serde_json::Value> = checks
            .iter()
            .map(|c| {
                let found = match &c.status {
                    DnsStatus::Names => vec![did.to_owned()],
                    DnsStatus::OtherDid(other) => vec![other.clone()],
                    DnsStatus::Several(dids) => dids.clone(),
                    DnsStatus::Missing | DnsStatus::LookupFailed(_) => Vec::new(),
                };
                serde_json::json!({
                    "authority": c.authority,
                    "record": c.record,
                    "expected": format!("did={did}"),
                    "status": status_name(&c.status),
                    "found": found,
                    "nsids": c.nsids,
                    "message": message(c, did),
                })
            })
            .collect();
        println!("{}", serde_json::json!({ "did": did, "authorities": list }));
    } else {
        for c in &checks {
            let mark = if c.is_ok() { "ok   " } else { "error" };
            println!(
                "{mark} {}: {} ({})",
                c.authority,
                message(c, did),
                c.nsids.join(", ")
            );
        }
    }
    if checks.iter().all(AuthorityCheck::is_ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
