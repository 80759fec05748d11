//! Binding crates share one set of `com.atproto` types: the cocore crate generated none of its
//! own, and its job's strongRef is `lexicon-atproto`'s type (the one `lexicon-xrpc` takes),
//! validated by `lexicon-atproto`'s code.

use cocore_on_atproto::dev::cocore::compute::job::Job;
use lexicon_atproto::com::atproto::repo::strong_ref::StrongRef;

const JOB: &str = r#"{
    "$type": "dev.cocore.compute.job",
    "model": "llama-3.1-8b-instruct",
    "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "maxTokensOut": 512,
    "priceCeiling": { "amount": 25, "currency": "USD" },
    "acceptedTrustLevel": "hardware-attested",
    "paymentAuthorization": {
        "uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a",
        "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
    },
    "nonce": "00112233445566778899aabbccddeeff",
    "expiresAt": "2031-01-01T00:00:00.000Z",
    "createdAt": "2026-11-28T05:00:00.000Z"
}"#;

#[test]
fn the_jobs_strong_ref_is_lexicon_atprotos_type() {
    let job = Job::from_json(JOB).unwrap();
    // No conversion: the field is lexicon-atproto's StrongRef.
    let payment: StrongRef = job.payment_authorization.clone();
    let rebuilt = StrongRef::builder()
        .uri(payment.uri.clone())
        .cid(payment.cid.clone())
        .build()
        .unwrap();
    let job = Job::builder()
        .model(job.model.clone())
        .input_commitment(job.input_commitment.clone())
        .max_tokens_out(job.max_tokens_out)
        .price_ceiling(job.price_ceiling.clone())
        .accepted_trust_level(job.accepted_trust_level.clone())
        .payment_authorization(rebuilt)
        .nonce(job.nonce.clone())
        .expires_at(job.expires_at.clone())
        .created_at(job.created_at.clone())
        .build()
        .unwrap();
    assert_eq!(job.payment_authorization, payment);
}

#[test]
fn lexicon_atprotos_checks_run_inside_the_job() {
    let broken = JOB.replace(
        "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
        "not-a-cid",
    );
    let error = Job::from_json(&broken).unwrap_err();
    assert_eq!(error.paths(), ["$.paymentAuthorization.cid"]);
}

#[test]
fn each_crate_covers_only_what_it_generated() {
    assert_eq!(
        cocore_on_atproto::KnownRecord::COLLECTIONS,
        ["dev.cocore.compute.job"]
    );
    let strong_ref = r#"{"uri": "at://did:plc:abc/dev.cocore.compute.job/3lbq5mkxk2s2a", "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"}"#;
    assert!(matches!(
        cocore_on_atproto::validate_json("com.atproto.repo.strongRef", strong_ref),
        Err(lexicon_runtime::Error::UnknownDefinition(_))
    ));
    lexicon_atproto::validate_json("com.atproto.repo.strongRef", strong_ref).unwrap();
}

/// What the client's `com.atproto` methods take and give is the same type: a job's strongRef
/// goes into a `createRecord` output, and out of it, with no conversion.
#[test]
fn the_clients_types_are_the_same_types() {
    use lexicon_xrpc::atproto::com::atproto::repo::{create_record, strong_ref};
    let job = Job::from_json(JOB).unwrap();
    let payment: strong_ref::StrongRef = job.payment_authorization;
    let output = create_record::Output::new(payment.uri.clone(), payment.cid.clone());
    let back = StrongRef::new(output.uri, output.cid);
    assert_eq!(back, payment);
}
