//! The recorded firehose both benchmarks read: frames as `u32` little-endian length + bytes,
//! and the repositories' keys as JSON (`{did: "did:key:..."}`), so that neither side resolves
//! anything while it is timed; and what the benchmark programs share (lexicon documents read
//! from a folder, TID-shaped keys, valid jobs).

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// Where `record` writes and `throughput` reads: `target/bench-data/` of the workspace.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data")
}

/// Reads the frames file.
pub fn read_frames(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut frames = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| format!("{}: truncated at byte {at}", path.display()))?;
        let frame = bytes
            .get(at + 4..at + 4 + len)
            .ok_or_else(|| format!("{}: truncated at byte {at}", path.display()))?;
        frames.push(frame.to_vec());
        at += 4 + len;
    }
    Ok(frames)
}

/// A TID-shaped record key or revision from a number (base32-sortable, 13 characters,
/// increasing with `n`).
pub fn tid(mut n: u64) -> String {
    const CHARS: &[u8] = b"234567abcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'2'; 13];
    for slot in out.iter_mut().rev() {
        *slot = CHARS[(n % 32) as usize];
        n /= 32;
    }
    out[0] = b'3';
    String::from_utf8(out).expect("ASCII")
}

/// A valid `dev.cocore.compute.job` of `did` asking for `model`, its nonce made from `n`.
pub fn job(did: &str, n: u64, model: &str) -> serde_json::Value {
    serde_json::json!({
        "$type": "dev.cocore.compute.job",
        "model": model,
        "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "maxTokensOut": 512,
        "priceCeiling": { "amount": 25, "currency": "USD" },
        "acceptedTrustLevel": "hardware-attested",
        "paymentAuthorization": {
            "uri": format!("at://{did}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a"),
            "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
        },
        "nonce": format!("{n:032x}"),
        "expiresAt": "2031-01-01T00:00:00.000Z",
        "createdAt": "2026-11-28T05:00:00.000Z",
    })
}
