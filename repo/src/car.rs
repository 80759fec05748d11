//! CAR v1 (content-addressable archives), the form of repository exports, record proofs and
//! firehose commit slices: a header naming the roots, then blocks, each `varint(len) || CID ||
//! bytes`. Read one block at a time from any `std::io::Read`, each block's CID checked against
//! its bytes, with a limit on the size of one block so that memory stays bounded.
//!
//! A reader of our own rather than a crate: the CAR crates on crates.io (`iroh-car`,
//! `rs-car`) are async-only or accept CIDv0, other hash functions and unverified blocks, and
//! atproto needs the strict subset (CIDv1, sha2-256, dag-cbor or raw) with every hash checked.

use std::collections::HashMap;
use std::io::{self, Read};

use cid::Cid;
use sha2::{Digest, Sha256};

use crate::RepoError;

/// The largest block accepted by default: 2 MiB (records are at most 1 MiB as JSON; MST nodes
/// and commits are far smaller).
pub const DEFAULT_MAX_BLOCK: usize = 2 << 20;

/// The multicodec of DAG-CBOR blocks.
pub const DAG_CBOR: u64 = 0x71;
/// The multicodec of raw blocks (blobs).
pub const RAW: u64 = 0x55;
const SHA2_256: u64 = 0x12;

/// One block: its CID (checked against its bytes) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The block's CID.
    pub cid: Cid,
    /// The block's bytes.
    pub data: Vec<u8>,
}

/// Reads a CAR v1 stream block by block.
#[derive(Debug)]
pub struct CarReader<R> {
    reader: R,
    offset: u64,
    roots: Vec<Cid>,
    max_block: usize,
}

impl<R: Read> CarReader<R> {
    /// Reads the header; the blocks follow with [`next_block`](Self::next_block) or iteration.
    pub fn new(reader: R) -> Result<Self, RepoError> {
        Self::with_max_block(reader, DEFAULT_MAX_BLOCK)
    }

    /// Like [`new`](Self::new), refusing blocks larger than `max_block` bytes.
    pub fn with_max_block(reader: R, max_block: usize) -> Result<Self, RepoError> {
        let mut car = CarReader {
            reader,
            offset: 0,
            roots: Vec::new(),
            max_block,
        };
        let len = match car.varint()? {
            Some(len) => len,
            None => return Err(car.error("empty input: no CAR header")),
        };
        if len == 0 || len > 64 * 1024 {
            return Err(car.error(format!("a header of {len} bytes")));
        }
        let header = car.exact(len as usize, "the header")?;
        let value = lexicon_runtime::cbor::decode(&header)
            .map_err(|e| car.error(format!("the header is not DAG-CBOR: {e}")))?;
        if value.get("version").and_then(serde_json::Value::as_u64) != Some(1) {
            return Err(car.error(format!("only CAR version 1 is read; the header is {value}")));
        }
        let roots = value
            .get("roots")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| car.error("the header has no `roots` array"))?;
        for root in roots {
            let cid = link_of(root)
                .ok_or_else(|| car.error(format!("a root is not a CID link: {root}")))?;
            car.roots.push(cid);
        }
        Ok(car)
    }

    /// The roots the header names (a commit, for repositories and proofs).
    pub fn roots(&self) -> &[Cid] {
        &self.roots
    }

    /// The next block, its CID checked against its bytes; `None` at the end of the file.
    pub fn next_block(&mut self) -> Result<Option<Block>, RepoError> {
        let start = self.offset;
        let Some(len) = self.varint()? else {
            return Ok(None);
        };
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > self.max_block.saturating_add(64) {
            return Err(self.error(format!(
                "a block of {len} bytes, over the limit of {}",
                self.max_block
            )));
        }
        let section = self.exact(len, "a block")?;
        let mut cursor = io::Cursor::new(&section[..]);
        let cid = Cid::read_bytes(&mut cursor).map_err(|e| RepoError::Car {
            offset: start,
            message: format!("a block's CID: {e}"),
        })?;
        let data = section[cursor.position() as usize..].to_vec();
        check_cid(&cid, &data).map_err(|e| match e {
            RepoError::Car { message, .. } => RepoError::Car {
                offset: start,
                message,
            },
            other => other,
        })?;
        Ok(Some(Block { cid, data }))
    }

    fn error(&self, message: impl Into<String>) -> RepoError {
        RepoError::Car {
            offset: self.offset,
            message: message.into(),
        }
    }

    /// An unsigned LEB128 varint; `None` at a clean end of input.
    fn varint(&mut self) -> Result<Option<u64>, RepoError> {
        let mut value = 0u64;
        for i in 0..10 {
            let mut byte = [0u8];
            match self.reader.read(&mut byte) {
                Ok(0) if i == 0 => return Ok(None),
                Ok(0) => return Err(self.error("the input ends inside a length")),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.error(format!("reading: {e}"))),
            }
            self.offset += 1;
            value |= u64::from(byte[0] & 0x7f) << (7 * i);
            if byte[0] & 0x80 == 0 {
                return Ok(Some(value));
            }
        }
        Err(self.error("a length longer than 10 bytes"))
    }

    fn exact(&mut self, len: usize, what: &str) -> Result<Vec<u8>, RepoError> {
        let mut buf = Vec::new();
        let read = (&mut self.reader)
            .take(len as u64)
            .read_to_end(&mut buf)
            .map_err(|e| self.error(format!("reading {what}: {e}")))?;
        self.offset += read as u64;
        if read < len {
            return Err(self.error(format!(
                "the input ends inside {what} ({read} of {len} bytes): truncated"
            )));
        }
        Ok(buf)
    }
}

impl<R: Read> Iterator for CarReader<R> {
    type Item = Result<Block, RepoError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_block().transpose()
    }
}

/// Checks that `cid` is an atproto CID (v1, dag-cbor or raw, sha2-256) of `data`.
pub fn check_cid(cid: &Cid, data: &[u8]) -> Result<(), RepoError> {
    let bad = |message: String| RepoError::Car { offset: 0, message };
    if cid.version() != cid::Version::V1 {
        return Err(bad(format!("{cid} is not a CIDv1")));
    }
    if cid.codec() != DAG_CBOR && cid.codec() != RAW {
        return Err(bad(format!(
            "{cid} has codec {:#x}, neither dag-cbor nor raw",
            cid.codec()
        )));
    }
    let hash = cid.hash();
    if hash.code() != SHA2_256 || hash.size() != 32 {
        return Err(bad(format!("{cid} is not a sha2-256 CID")));
    }
    let digest = Sha256::digest(data);
    if hash.digest() != digest.as_slice() {
        return Err(RepoError::HashMismatch {
            cid: cid.to_string(),
            actual: cid_for(cid.codec(), data).to_string(),
        });
    }
    Ok(())
}

/// The CIDv1 (sha2-256) of `data` with `codec`.
pub fn cid_for(codec: u64, data: &[u8]) -> Cid {
    let digest = Sha256::digest(data);
    let hash = cid::multihash::Multihash::<64>::wrap(SHA2_256, &digest)
        .expect("a 32-byte digest fits a 64-byte multihash");
    Cid::new_v1(codec, hash)
}

/// Blocks by CID, as a CAR file holds them.
#[derive(Debug, Clone, Default)]
pub struct BlockMap {
    blocks: HashMap<Cid, Vec<u8>>,
}

impl BlockMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a block (whose CID the caller has checked).
    pub fn insert(&mut self, cid: Cid, data: Vec<u8>) {
        self.blocks.insert(cid, data);
    }

    /// The block with this CID.
    pub fn get(&self, cid: &Cid) -> Option<&[u8]> {
        self.blocks.get(cid).map(Vec::as_slice)
    }

    /// The block with this CID, or [`RepoError::MissingBlock`].
    pub fn require(&self, cid: &Cid) -> Result<&[u8], RepoError> {
        self.get(cid)
            .ok_or_else(|| RepoError::MissingBlock(cid.to_string()))
    }

    /// How many blocks there are.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// The CIDs, in no particular order.
    pub fn cids(&self) -> impl Iterator<Item = &Cid> {
        self.blocks.keys()
    }
}

/// The CID of a link in the JSON form of the data model (`{"$link": "bafy..."}`), if it is one.
pub(crate) fn link_of(value: &serde_json::Value) -> Option<Cid> {
    value
        .get("$link")
        .and_then(serde_json::Value::as_str)
        .and_then(|s| Cid::try_from(s).ok())
}

/// A link in the JSON form of the data model: `{"$link": "bafy..."}`.
pub(crate) fn link_json(cid: &Cid) -> serde_json::Value {
    serde_json::json!({ "$link": cid.to_string() })
}

/// Reads a whole CAR file (bytes, or any reader): its roots and its blocks, every CID checked.
pub fn read_car(reader: impl Read) -> Result<(Vec<Cid>, BlockMap), RepoError> {
    let mut reader = CarReader::new(reader)?;
    let mut blocks = BlockMap::new();
    while let Some(block) = reader.next_block()? {
        blocks.insert(block.cid, block.data);
    }
    Ok((reader.roots, blocks))
}

/// Writes a CAR v1 file: the header with `roots`, then the blocks in the order given.
pub fn write_car<'a>(
    roots: &[Cid],
    blocks: impl IntoIterator<Item = (&'a Cid, &'a [u8])>,
) -> Vec<u8> {
    let roots: Vec<serde_json::Value> = roots.iter().map(link_json).collect();
    let header =
        lexicon_runtime::cbor::encode(&serde_json::json!({ "version": 1, "roots": roots }))
            .expect("a CAR header encodes");
    let mut out = Vec::new();
    varint(&mut out, header.len() as u64);
    out.extend(header);
    for (cid, data) in blocks {
        let cid = cid.to_bytes();
        varint(&mut out, (cid.len() + data.len()) as u64);
        out.extend(cid);
        out.extend_from_slice(data);
    }
    out
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
