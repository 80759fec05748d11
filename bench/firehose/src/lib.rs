//! The recorded firehose both benchmarks read: frames as `u32` little-endian length + bytes,
//! and the repositories' keys as JSON (`{did: "did:key:..."}`), so that neither side resolves
//! anything while it is timed.

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
