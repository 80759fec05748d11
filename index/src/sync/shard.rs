//! Sharding repositories between indexer processes by a hash of their DID.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// One shard of the repositories: those whose DID hashes (SHA-256, first eight bytes, big
/// endian) to `index` modulo `count`. Each indexer process of a sharded deployment takes one,
/// and together they cover every repository once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Every repository (one shard of one).
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count` (`index < count`).
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (count > 0 && index < count).then_some(Shard { index, count })
    }

    /// Whether `did`'s repository is in this shard.
    pub fn contains(&self, did: &str) -> bool {
        if self.count == 1 {
            return true;
        }
        let hash = Sha256::digest(did.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash[..8]);
        u64::from_be_bytes(first) % u64::from(self.count) == u64::from(self.index)
    }

    /// Whether this is the only shard.
    pub fn is_all(&self) -> bool {
        self.count == 1
    }
}

/// `INDEX/COUNT` (`0/2`).
impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `INDEX/COUNT` (`0/2`: the first of two shards).
    fn from_str(text: &str) -> Result<Shard, String> {
        let parsed = text
            .split_once('/')
            .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) => Shard::new(index, count).ok_or_else(|| {
                format!(
                    "shard {text:?}: the index must be less than the count, which is at least 1"
                )
            }),
            None => Err(format!(
                "shard {text:?}: write INDEX/COUNT, 0/2 for the first of two shards"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_repository_once() {
        let shards = [
            Shard::new(0, 3).unwrap(),
            Shard::new(1, 3).unwrap(),
            Shard::new(2, 3).unwrap(),
        ];
        let mut sizes = [0usize; 3];
        for n in 0..3000 {
            let did = format!("did:plc:{n:024}");
            let owners: Vec<usize> = (0..3).filter(|&i| shards[i].contains(&did)).collect();
            assert_eq!(owners.len(), 1, "{did}");
            sizes[owners[0]] += 1;
            assert!(Shard::ALL.contains(&did));
        }
        // A hash spreads them about evenly.
        assert!(sizes.iter().all(|&s| (800..1200).contains(&s)), "{sizes:?}");
    }

    #[test]
    fn a_shard_is_written_index_slash_count() {
        assert_eq!("1/4".parse::<Shard>().unwrap(), Shard::new(1, 4).unwrap());
        assert_eq!(Shard::new(1, 4).unwrap().to_string(), "1/4");
        for wrong in ["4/4", "1/0", "1", "a/b", ""] {
            assert!(wrong.parse::<Shard>().is_err(), "{wrong}");
        }
    }
}
