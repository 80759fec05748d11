//! Parses and validates a cocore job with types generated at build time.

#![forbid(unsafe_code)]
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/lexicons.rs"));

use dev::cocore::compute::job::Job;

const JOB: &str = r#"{
  "$type": "dev.cocore.compute.job",
  "model": "llama-3.1-8b-instruct",
  "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  "maxTokensOut": 1024,
  "priceCeiling": {"amount": 250, "currency": "USD"},
  "acceptedTrustLevel": "hardware-attested",
  "paymentAuthorization": {
    "uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3l4m5n6o7p2qa",
    "cid": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"
  },
  "nonce": "0123456789abcdef0123456789abcdef",
  "expiresAt": "2026-12-01T12:00:00.000Z",
  "createdAt": "2026-11-24T12:00:00.000Z"
}"#;

fn main() {
    match Job::from_json(JOB) {
        Ok(job) => println!(
            "job for {}: at most {} tokens, ceiling {} {}",
            job.model, job.max_tokens_out, job.price_ceiling.amount, job.price_ceiling.currency
        ),
        Err(e) => {
            eprintln!("invalid job: {e}");
            std::process::exit(1);
        }
    }
    let bad = JOB.replace("\"USD\"", "\"US\"");
    match Job::from_json(&bad) {
        Err(e) => println!("refused as expected: {e}"),
        Ok(_) => {
            eprintln!("a two-letter currency was accepted");
            std::process::exit(1);
        }
    }
    assert!(validate_record_key(Job::NSID, "3l4m5n6o7p2qa").is_ok());
}
