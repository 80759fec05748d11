//! A repository made here (records, MST, a commit signed with a K-256 key), written as a CAR
//! file and read back: records decoded into `KnownRecord` (a job; an unknown collection kept as
//! bytes; an invalid job with its violations), the signature verified, record proofs checked;
//! and every kind of damage refused with a clear error: a tampered block, a wrong key, a
//! truncated file, a missing block.

use cocore_lexicons::KnownRecord;
use k256::ecdsa::signature::Signer;
use lexicon_identity::PublicKey;
use lexicon_repo::car::{cid_for, DAG_CBOR};
use lexicon_repo::cid::Cid;
use lexicon_repo::{mst, verify_record_proof, write_car, BlockMap, Decoded, Repo, RepoError};
use lexicon_runtime::Mode;
use serde_json::{json, Value};

const DID: &str = "did:plc:abcdefghijklmnopqrstuvwx";

fn job(nonce: &str, max_tokens: i64) -> Value {
    json!({
        "$type": "dev.cocore.compute.job",
        "model": "llama-3.1-8b-instruct",
        "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "maxTokensOut": max_tokens,
        "priceCeiling": { "amount": 25, "currency": "USD" },
        "acceptedTrustLevel": "hardware-attested",
        "paymentAuthorization": {
            "uri": format!("at://{DID}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a"),
            "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
        },
        "nonce": format!("{nonce:0>32}"),
        "expiresAt": "2031-01-01T00:00:00.000Z",
        "createdAt": "2026-11-28T05:00:00.000Z"
    })
}

/// A signed repository: its CAR, the commit CID and the key that signed it.
struct Made {
    car: Vec<u8>,
    commit: Cid,
    blocks: BlockMap,
    key: PublicKey,
}

fn make(records: &[(&str, Value)], signer: &k256::ecdsa::SigningKey) -> Made {
    let mut blocks = BlockMap::new();
    let mut entries = Vec::new();
    for (key, record) in records {
        let bytes = lexicon_runtime::cbor::encode(record).unwrap();
        let cid = cid_for(DAG_CBOR, &bytes);
        blocks.insert(cid, bytes);
        entries.push((key.to_string(), cid));
    }
    let data = mst::build(&entries, &mut blocks);
    let unsigned = json!({"did": DID, "version": 3, "data": {"$link": data.to_string()}, "rev": "3lbq5mkxk2s2a", "prev": null});
    let signature: k256::ecdsa::Signature =
        signer.sign(&lexicon_runtime::cbor::encode(&unsigned).unwrap());
    let signature = signature.normalize_s().unwrap_or(signature);
    let mut commit = unsigned;
    commit["sig"] = json!({"$bytes": base64(&signature.to_bytes())});
    let bytes = lexicon_runtime::cbor::encode(&commit).unwrap();
    let commit = cid_for(DAG_CBOR, &bytes);
    blocks.insert(commit, bytes);
    let ordered: Vec<(&Cid, &[u8])> = blocks.cids().map(|c| (c, blocks.get(c).unwrap())).collect();
    let car = write_car(&[commit], ordered);
    Made {
        car,
        commit,
        blocks,
        key: PublicKey::K256(*signer.verifying_key()),
    }
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}

fn signer(seed: u8) -> k256::ecdsa::SigningKey {
    k256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap()
}

fn sample() -> Made {
    make(
        &[
            ("dev.cocore.compute.job/3lbq5mkxk2s2a", job("a", 512)),
            ("dev.cocore.compute.job/3lbq5mkxk2s2b", job("b", -1)),
            (
                "app.example.note/self",
                json!({"$type": "app.example.note", "text": "hi"}),
            ),
        ],
        &signer(1),
    )
}

#[test]
fn a_signed_repository_reads_back_typed_and_verified() {
    let made = sample();
    let repo = Repo::from_car(&made.car).unwrap();
    assert_eq!(repo.commit_cid(), &made.commit);
    assert_eq!(repo.commit().did, DID);
    repo.verify(&made.key).unwrap();
    let records: Vec<_> = repo
        .records::<KnownRecord>(Mode::Strict)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let keys: Vec<String> = records
        .iter()
        .map(|r| format!("{}/{}", r.collection, r.rkey))
        .collect();
    assert_eq!(
        keys,
        [
            "app.example.note/self",
            "dev.cocore.compute.job/3lbq5mkxk2s2a",
            "dev.cocore.compute.job/3lbq5mkxk2s2b"
        ]
    );
    assert!(matches!(&records[0].value, Decoded::Unknown(bytes) if !bytes.is_empty()));
    match &records[1].value {
        Decoded::Known(KnownRecord::DevCocoreComputeJob(job)) => {
            assert_eq!(job.max_tokens_out, 512)
        }
        other => panic!("{other:?}"),
    }
    match &records[2].value {
        Decoded::Invalid { error, .. } => {
            assert!(error.to_string().contains("$.maxTokensOut"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    // Each record's CID is its block's.
    for r in &records {
        assert_eq!(cid_for(DAG_CBOR, made.blocks.get(&r.cid).unwrap()), r.cid);
    }
}

#[test]
fn a_proof_holds_only_the_path_and_still_verifies() {
    let made = sample();
    let repo = Repo::from_car(&made.car).unwrap();
    let data = repo.commit().data;
    let key = "dev.cocore.compute.job/3lbq5mkxk2s2a";
    let record = mst::lookup(repo.blocks(), &data, key).unwrap().unwrap();
    let mut path = mst::covering_proof(repo.blocks(), &data, key).unwrap();
    path.insert(made.commit);
    path.insert(record);
    let blocks: Vec<(&Cid, &[u8])> = path
        .iter()
        .map(|c| (c, made.blocks.get(c).unwrap()))
        .collect();
    let proof = write_car(&[made.commit], blocks);
    let proven = verify_record_proof::<KnownRecord>(
        &proof,
        "dev.cocore.compute.job",
        "3lbq5mkxk2s2a",
        &made.key,
        Mode::Strict,
    )
    .unwrap()
    .unwrap();
    assert_eq!(proven.cid, record);
    assert!(proven.value.known().is_some());
    // Absent: the same proof shows a key next to it is not in the tree.
    let absent = verify_record_proof::<KnownRecord>(
        &proof,
        "dev.cocore.compute.job",
        "3lbq5mkxk2s2aa",
        &made.key,
        Mode::Strict,
    )
    .unwrap();
    assert!(absent.is_none());
    // Without the record's block, the proof proves nothing.
    let blocks: Vec<(&Cid, &[u8])> = path
        .iter()
        .filter(|c| **c != record)
        .map(|c| (c, made.blocks.get(c).unwrap()))
        .collect();
    let lacking = write_car(&[made.commit], blocks);
    let error = verify_record_proof::<KnownRecord>(
        &lacking,
        "dev.cocore.compute.job",
        "3lbq5mkxk2s2a",
        &made.key,
        Mode::Strict,
    )
    .unwrap_err();
    assert!(matches!(error, RepoError::Proof { .. }), "{error}");
}

#[test]
fn damage_is_refused_with_a_clear_error() {
    let made = sample();
    // A wrong key.
    let error = Repo::from_car(&made.car)
        .unwrap()
        .verify(&PublicKey::K256(*signer(2).verifying_key()))
        .unwrap_err();
    assert!(matches!(error, RepoError::BadSignature { .. }), "{error}");
    assert!(error.to_string().contains(DID), "{error}");
    // A tampered block: one byte of the last block changed.
    let mut tampered = made.car.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let error = Repo::from_car(&tampered).unwrap_err();
    assert!(matches!(error, RepoError::HashMismatch { .. }), "{error}");
    // Truncated anywhere after the header: never a panic, always a CAR error.
    for cut in [made.car.len() - 1, made.car.len() / 2, 60, 3, 1] {
        let error = Repo::from_car(&made.car[..cut]).unwrap_err();
        assert!(
            matches!(error, RepoError::Car { .. } | RepoError::MissingBlock(_)),
            "cut at {cut}: {error}"
        );
    }
    assert!(Repo::from_car(&made.car[..made.car.len() / 2])
        .unwrap_err()
        .to_string()
        .contains("truncated"));
    assert!(Repo::from_car(b"")
        .unwrap_err()
        .to_string()
        .contains("no CAR header"));
    // A missing record block: the walk works, the record is an error item.
    let record = mst::lookup(
        &made.blocks,
        &Repo::from_car(&made.car).unwrap().commit().data,
        "app.example.note/self",
    )
    .unwrap()
    .unwrap();
    let blocks: Vec<(&Cid, &[u8])> = made
        .blocks
        .cids()
        .filter(|c| **c != record)
        .map(|c| (c, made.blocks.get(c).unwrap()))
        .collect();
    let repo = Repo::from_car(&write_car(&[made.commit], blocks)).unwrap();
    let items: Vec<_> = repo.records::<KnownRecord>(Mode::Strict).unwrap().collect();
    assert!(matches!(&items[0], Err(RepoError::MissingBlock(_))));
    assert!(items[1].is_ok() && items[2].is_ok());
}

#[test]
fn a_sync_frame_carries_a_verifiable_commit() {
    use lexicon_repo::firehose::{parse_frame, Event};
    let made = sample();
    let commit_block = made.blocks.get(&made.commit).unwrap();
    let car = write_car(&[made.commit], [(&made.commit, commit_block)]);
    let body = json!({"seq": 7, "did": DID, "blocks": {"$bytes": base64(&car)}, "rev": "3lbq5mkxk2s2a", "time": "2026-12-02T08:00:00.000Z"});
    let mut frame = lexicon_runtime::cbor::encode(&json!({"op": 1, "t": "#sync"})).unwrap();
    frame.extend(lexicon_runtime::cbor::encode(&body).unwrap());
    let Event::Sync(mut sync) =
        parse_frame::<KnownRecord>(&frame, &|_| true, Mode::Strict).unwrap()
    else {
        panic!("not a #sync event");
    };
    assert_eq!(sync.commit_cid, made.commit);
    sync.verify(&made.key).unwrap();
    assert!(matches!(
        sync.verify(&PublicKey::K256(*signer(2).verifying_key())),
        Err(RepoError::BadSignature { .. })
    ));
    // A #sync whose commit is another repository's is refused.
    let other = json!({"seq": 7, "did": "did:plc:zzzzzzzzzzzzzzzzzzzzzzzz", "blocks": {"$bytes": base64(&car)}, "rev": "3lbq5mkxk2s2a", "time": "2026-12-02T08:00:00.000Z"});
    let mut frame = lexicon_runtime::cbor::encode(&json!({"op": 1, "t": "#sync"})).unwrap();
    frame.extend(lexicon_runtime::cbor::encode(&other).unwrap());
    assert!(parse_frame::<KnownRecord>(&frame, &|_| true, Mode::Strict).is_err());
}
