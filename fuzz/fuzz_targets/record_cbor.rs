//! Any bytes as DAG-CBOR: the data-model decoder, a job record, and every def of the cocore
//! bindings. Whatever decodes is canonical (it encodes back to the same bytes), and a job that
//! decodes re-encodes to the same bytes and CID.

#![no_main]

use lexicon_runtime::cbor::{self, Cbor, DagCbor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = cbor::decode(data) {
        assert_eq!(cbor::encode(&value).expect("decoded values encode"), data);
    }
    if let Ok(job) = lexicon_runtime::cbor::parse::<cocore_lexicons::dev::cocore::compute::job::Job>(data) {
        let job = job.into_unchecked();
        let bytes = job.to_cbor().expect("a parsed job encodes");
        assert_eq!(bytes, data, "a job's fields and extras keep every byte");
        assert_eq!(job.cid().unwrap(), cbor::cid_of(data));
    }
    for def in [
        "dev.cocore.compute.job",
        "dev.cocore.compute.defs#money",
        "com.atproto.repo.strongRef",
    ] {
        let _ = cocore_lexicons::validate_input(lexicon_runtime::Mode::Strict, def, Cbor(data));
    }
});
