//! What the example's tests share: indexed jobs, and the running `cocore-appview`. (Each test
//! binary includes the example's bindings at its root as `lexicons`, the module path they were
//! generated for.)

#![allow(dead_code)] // each test binary uses part of this module

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

/// A `dev.cocore.defs#indexedRecord` of a valid job of `requester`.
pub fn indexed_job(requester: &str, rkey: &str) -> Value {
    json!({
        "uri": format!("at://{requester}/dev.cocore.compute.job/{rkey}"),
        "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
        "collection": "dev.cocore.compute.job",
        "repo": requester,
        "rkey": rkey,
        "body": {
            "$type": "dev.cocore.compute.job",
            "model": "llama-3.1-8b-instruct",
            "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "maxTokensOut": 512,
            "priceCeiling": { "amount": 25, "currency": "USD" },
            "acceptedTrustLevel": "hardware-attested",
            "paymentAuthorization": {
                "uri": format!("at://{requester}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a"),
                "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
            },
            "nonce": format!("{rkey:0>32}"),
            "expiresAt": "2031-01-01T00:00:00.000Z",
            "createdAt": "2026-11-28T05:00:00.000Z",
            "inputFormat": "messages-v1"
        },
        "indexedAt": "2026-12-02T08:00:00.000Z"
    })
}

/// The running example, as a user starts it; killed when dropped.
pub struct AppView {
    /// `http://127.0.0.1:PORT`, from its `listening on` line.
    pub url: String,
    child: Child,
    /// The folder of its database.
    _dir: tempfile::TempDir,
}

impl AppView {
    /// Starts `cocore-appview --listen 127.0.0.1:0 --database sqlite:FILE --jobs FILE ARGS...`
    /// with `jobs` in the jobs file and a new database; returns once it says it is listening.
    pub fn start(jobs: &[Value], args: &[&str]) -> AppView {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jobs.jsonl");
        let mut out = std::fs::File::create(&file).unwrap();
        for job in jobs {
            writeln!(out, "{job}").unwrap();
        }
        let database = format!("sqlite:{}", dir.path().join("index.db").display());
        let mut child = Command::new(env!("CARGO_BIN_EXE_cocore-appview"))
            .args(["--listen", "127.0.0.1:0", "--database", &database, "--jobs"])
            .arg(&file)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let _step = lexicon_test_support::deadline::waiting_for("cocore-appview to say it listens");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("cocore-appview printed {line:?}"))
            .to_owned();
        AppView {
            url,
            child,
            _dir: dir,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for AppView {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
