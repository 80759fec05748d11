//! A repository commit's signature check, the firehose's largest cost, by each library that
//! could do it, with the SHA-256 of the signed bytes and the low-S rule the spec asks for:
//! K-256 by `k256` (RustCrypto) and by `secp256k1` (bindings to Bitcoin Core's libsecp256k1,
//! which refuses high-S itself), P-256 by `p256` and by `ring`; and `lexicon-identity`'s
//! `PublicKey::verify`, which uses the faster of each.

use criterion::{criterion_group, criterion_main, Criterion};
use k256::ecdsa::signature::{Signer as _, Verifier as _};
use lexicon_identity::{PublicKey, SignatureRules};
use sha2::{Digest, Sha256};

/// About the size of an unsigned commit object in DAG-CBOR.
const COMMIT: &[u8] = &[0x5a; 160];

fn verification(c: &mut Criterion) {
    let mut g = c.benchmark_group("signature");

    let key = k256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let signature: k256::ecdsa::Signature = key.sign(COMMIT);
    let signature = signature.normalize_s().unwrap_or(signature);
    let compact = signature.to_bytes();
    g.bench_function("K-256 by k256", |b| {
        b.iter(|| {
            let sig = k256::ecdsa::Signature::from_slice(&compact).unwrap();
            key.verifying_key().verify(COMMIT, &sig).unwrap()
        })
    });
    let secp = secp256k1::Secp256k1::verification_only();
    let secp_key = secp256k1::PublicKey::from_slice(&key.verifying_key().to_sec1_bytes()).unwrap();
    g.bench_function("K-256 by libsecp256k1", |b| {
        b.iter(|| {
            let sig = secp256k1::ecdsa::Signature::from_compact(&compact).unwrap();
            let digest: [u8; 32] = Sha256::digest(COMMIT).into();
            let message = secp256k1::Message::from_digest(digest);
            secp.verify_ecdsa(message, &sig, &secp_key).unwrap()
        })
    });
    let identity = PublicKey::K256(*key.verifying_key());
    g.bench_function("K-256 by lexicon-identity", |b| {
        b.iter(|| {
            assert!(identity
                .verify(COMMIT, &compact, SignatureRules::Strict)
                .unwrap())
        })
    });

    let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let signature: p256::ecdsa::Signature = key.sign(COMMIT);
    let signature = signature.normalize_s().unwrap_or(signature);
    let compact = signature.to_bytes();
    g.bench_function("P-256 by p256", |b| {
        b.iter(|| {
            let sig = p256::ecdsa::Signature::from_slice(&compact).unwrap();
            key.verifying_key().verify(COMMIT, &sig).unwrap()
        })
    });
    let point = key.verifying_key().to_encoded_point(false);
    let ring_key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_FIXED,
        point.as_bytes().to_vec(),
    );
    g.bench_function("P-256 by ring", |b| {
        b.iter(|| ring_key.verify(COMMIT, &compact).unwrap())
    });
    let identity = PublicKey::P256(*key.verifying_key());
    g.bench_function("P-256 by lexicon-identity", |b| {
        b.iter(|| {
            assert!(identity
                .verify(COMMIT, &compact, SignatureRules::Strict)
                .unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, verification);
criterion_main!(benches);
