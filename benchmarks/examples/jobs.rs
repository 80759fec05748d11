//! Validates every `dev.cocore.compute.job` case of a JSONL file with the generated bindings, as
//! the strict reference's `reflex.mjs` does with `@atproto/lex`: one verdict line per case
//! (`{"valid":true,"error":null}`, or `false` and the violations), then the count, the time and
//! the rate on stderr. A job is read straight from its line and then validated, as `from_json`
//! does; a line that does not have a job's shape is read again for the full list of violations. `bench/jobs.sh` runs it beside the reference on the same file.
//!
//!   cargo run --release -p lexicon-benchmarks --example jobs -- CASES.jsonl

use std::io::Write;

use cocore_lexicons::dev::cocore::compute::job::Job;
use lexicon_runtime::Unchecked;
use serde::Deserialize;
use serde_json::value::RawValue;

/// One line of the file: `{"nsid": ..., "value": {...}}` (other fields are ignored), the value
/// read as a job straight from the line (its shape checked, its constraints not yet).
#[derive(Deserialize)]
struct JobCase<'a> {
    #[serde(borrow)]
    nsid: &'a str,
    value: Unchecked<Job>,
}

/// A line whose value is not a job's shape, read again to give every violation of the value.
#[derive(Deserialize)]
struct Case<'a> {
    #[serde(borrow)]
    nsid: &'a str,
    #[serde(borrow)]
    value: &'a RawValue,
}

/// The verdict on one line: the job's violations, or what else is wrong with the line.
fn verdict(line: &str, number: usize) -> Result<(), String> {
    match serde_json::from_str::<JobCase>(line) {
        Ok(case) if case.nsid == Job::NSID => {
            return case.value.validate().map(drop).map_err(|e| e.to_string())
        }
        Ok(case) => return Err(format!("not a {} case: {}", Job::NSID, case.nsid)),
        Err(_) => {}
    }
    match serde_json::from_str::<Case>(line) {
        Ok(case) if case.nsid == Job::NSID => Job::from_json(case.value.get())
            .map(drop)
            .map_err(|e| e.to_string()),
        Ok(case) => Err(format!("not a {} case: {}", Job::NSID, case.nsid)),
        Err(e) => Err(format!("line {number}: {e}")),
    }
}

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: jobs CASES.jsonl");
        return std::process::ExitCode::from(2);
    };
    let start = std::time::Instant::now();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{path}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut cases, mut valid) = (0u64, 0u64);
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        cases += 1;
        let written = match verdict(line, i + 1) {
            Ok(_) => {
                valid += 1;
                writeln!(out, r#"{{"valid":true,"error":null}}"#)
            }
            Err(error) => writeln!(
                out,
                r#"{{"valid":false,"error":{}}}"#,
                serde_json::Value::String(error)
            ),
        };
        if let Err(e) = written {
            eprintln!("writing the verdicts: {e}");
            return std::process::ExitCode::from(2);
        }
    }
    if let Err(e) = out.flush() {
        eprintln!("writing the verdicts: {e}");
        return std::process::ExitCode::from(2);
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{cases} cases ({valid} valid) in {secs:.3} s = {:.0} cases/s",
        cases as f64 / secs
    );
    std::process::ExitCode::SUCCESS
}
