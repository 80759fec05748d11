//! The Merkle search tree that maps a repository's keys (`collection/rkey`) to record CIDs:
//! node blocks, key heights, an in-order walk that checks the tree's rules, lookups that read
//! only the nodes on one path (what a record proof holds), building a tree from its keys, and
//! covering proofs (the nodes that prove a key and its neighbours, as the reference computes
//! them for commits).

use std::collections::BTreeSet;

use base64::Engine as _;
use cid::Cid;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::car::{cid_for, link_json, link_of as link, BlockMap, DAG_CBOR};
use crate::RepoError;

/// The height of a key in the tree: the number of leading zero bits of its SHA-256, in pairs.
pub fn key_height(key: &[u8]) -> u32 {
    let digest = Sha256::digest(key);
    let mut zeros = 0;
    for byte in digest {
        if byte == 0 {
            zeros += 8;
            continue;
        }
        zeros += byte.leading_zeros();
        break;
    }
    zeros / 2
}

/// The length of the common prefix of two keys, in bytes.
pub fn common_prefix_len(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// One entry of a node: a key (stored as the length of the prefix it shares with the previous
/// key of the node, and the rest), its value, and the subtree of keys between it and the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: Vec<u8>,
    /// The value: a record's CID.
    pub value: Cid,
    /// The subtree right of this entry.
    pub tree: Option<Cid>,
}

/// A node: the subtree left of its first entry, and its entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Node {
    /// The subtree of keys before the first entry.
    pub left: Option<Cid>,
    /// The entries, in key order.
    pub entries: Vec<Entry>,
}

impl Node {
    /// Decodes the node block `cid`.
    pub fn decode(cid: &Cid, bytes: &[u8]) -> Result<Node, RepoError> {
        let bad = |message: String| RepoError::BadBlock {
            cid: cid.to_string(),
            what: "MST node",
            message,
        };
        let value = lexicon_runtime::cbor::decode(bytes).map_err(|e| bad(e.to_string()))?;
        let left = match value.get("l") {
            Some(Value::Null) => None,
            Some(l) => Some(link(l).ok_or_else(|| bad("`l` is not a link or null".into()))?),
            None => return Err(bad("no `l`".into())),
        };
        let items = value
            .get("e")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no `e` array".into()))?;
        let mut entries = Vec::with_capacity(items.len());
        let mut previous: Vec<u8> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let prefix = item
                .get("p")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad(format!("entry {i} has no integer `p`")))?
                as usize;
            let suffix = item
                .get("k")
                .and_then(|k| k.get("$bytes"))
                .and_then(Value::as_str)
                .and_then(|b| {
                    base64::engine::general_purpose::STANDARD_NO_PAD
                        .decode(b)
                        .ok()
                })
                .ok_or_else(|| bad(format!("entry {i} has no bytes `k`")))?;
            if prefix > previous.len() || (i == 0 && prefix != 0) {
                return Err(bad(format!(
                    "entry {i}'s prefix length {prefix} is longer than the previous key"
                )));
            }
            let mut key = previous[..prefix].to_vec();
            key.extend(suffix);
            let value = item
                .get("v")
                .and_then(link)
                .ok_or_else(|| bad(format!("entry {i} has no link `v`")))?;
            let tree = match item.get("t") {
                Some(Value::Null) => None,
                Some(t) => Some(
                    link(t).ok_or_else(|| bad(format!("entry {i}'s `t` is not a link or null")))?,
                ),
                None => return Err(bad(format!("entry {i} has no `t`"))),
            };
            previous.clone_from(&key);
            entries.push(Entry { key, value, tree });
        }
        Ok(Node { left, entries })
    }

    /// The node's canonical DAG-CBOR block (keys prefix-compressed).
    pub fn encode(&self) -> Vec<u8> {
        let opt = |c: &Option<Cid>| match c {
            Some(c) => link_json(c),
            None => Value::Null,
        };
        let mut previous: &[u8] = &[];
        let entries: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let p = common_prefix_len(previous, &e.key);
                previous = &e.key;
                json!({
                    "p": p,
                    "k": { "$bytes": base64::engine::general_purpose::STANDARD_NO_PAD.encode(&e.key[p..]) },
                    "v": link_json(&e.value),
                    "t": opt(&e.tree),
                })
            })
            .collect();
        lexicon_runtime::cbor::encode(&json!({ "l": opt(&self.left), "e": entries }))
            .expect("an MST node encodes")
    }

    /// The node and its subtrees as a flat list: subtree, entry, subtree, entry, ...
    fn items(&self) -> Vec<Item<'_>> {
        let mut items = Vec::with_capacity(self.entries.len() * 2 + 1);
        if let Some(left) = &self.left {
            items.push(Item::Tree(left));
        }
        for entry in &self.entries {
            items.push(Item::Leaf(entry));
            if let Some(tree) = &entry.tree {
                items.push(Item::Tree(tree));
            }
        }
        items
    }
}

#[derive(Clone, Copy)]
enum Item<'a> {
    Tree(&'a Cid),
    Leaf(&'a Entry),
}

fn load(blocks: &BlockMap, cid: &Cid) -> Result<Node, RepoError> {
    Node::decode(cid, blocks.require(cid)?)
}

/// Every (key, value) of the tree at `root`, in key order, checking the tree's rules: keys
/// strictly ascending, every key of a node at the node's height, every subtree one level lower.
pub fn walk(blocks: &BlockMap, root: &Cid) -> Result<Vec<(String, Cid)>, RepoError> {
    let mut out = Vec::new();
    walk_node(blocks, root, None, &mut out)?;
    Ok(out)
}

fn walk_node(
    blocks: &BlockMap,
    cid: &Cid,
    layer: Option<u32>,
    out: &mut Vec<(String, Cid)>,
) -> Result<(), RepoError> {
    let node = load(blocks, cid)?;
    let mst = |message: String| RepoError::Mst {
        cid: cid.to_string(),
        message,
    };
    let layer = match (layer, node.entries.first()) {
        (Some(l), _) => l,
        (None, Some(first)) => key_height(&first.key),
        (None, None) if node.left.is_none() => return Ok(()),
        (None, None) => return Err(mst("the root has no entries but a subtree".into())),
    };
    if node.entries.is_empty() && node.left.is_none() && layer > 0 {
        return Err(mst(
            "an inner node with neither entries nor a subtree".into()
        ));
    }
    for item in node.items() {
        match item {
            Item::Tree(child) => {
                if layer == 0 {
                    return Err(mst("a subtree below height 0".into()));
                }
                walk_node(blocks, child, Some(layer - 1), out)?;
            }
            Item::Leaf(entry) => {
                let key = std::str::from_utf8(&entry.key)
                    .map_err(|_| mst("a key that is not UTF-8".into()))?;
                let height = key_height(&entry.key);
                if height != layer {
                    return Err(mst(format!(
                        "key {key:?} has height {height} in a node of height {layer}"
                    )));
                }
                if let Some((previous, _)) = out.last() {
                    if previous.as_str() >= key {
                        return Err(mst(format!("key {key:?} follows {previous:?}")));
                    }
                }
                out.push((key.to_owned(), entry.value));
            }
        }
    }
    Ok(())
}

/// The value of `key` in the tree at `root`, reading only the nodes on its path (so a record
/// proof, which holds just those, suffices); `None` proves the key is absent.
pub fn lookup(blocks: &BlockMap, root: &Cid, key: &str) -> Result<Option<Cid>, RepoError> {
    let mut cid = *root;
    loop {
        let node = load(blocks, &cid)?;
        let items = node.items();
        let index = gt_or_equal_leaf(&items, key.as_bytes());
        if let Some(Item::Leaf(entry)) = items.get(index) {
            if entry.key == key.as_bytes() {
                return Ok(Some(entry.value));
            }
        }
        match index.checked_sub(1).map(|i| items[i]) {
            Some(Item::Tree(child)) => cid = *child,
            _ => return Ok(None),
        }
    }
}

fn gt_or_equal_leaf(items: &[Item<'_>], key: &[u8]) -> usize {
    items
        .iter()
        .position(|i| matches!(i, Item::Leaf(e) if e.key.as_slice() >= key))
        .unwrap_or(items.len())
}

/// Builds the tree of `entries` (any order; keys must be distinct), adding its node blocks to
/// `blocks`; returns the root's CID. The tree of a set of keys is unique.
pub fn build(entries: &[(String, Cid)], blocks: &mut BlockMap) -> Cid {
    let mut items: Vec<(&[u8], Cid, u32)> = entries
        .iter()
        .map(|(k, v)| (k.as_bytes(), *v, key_height(k.as_bytes())))
        .collect();
    items.sort_by(|a, b| a.0.cmp(b.0));
    let layer = items.iter().map(|i| i.2).max().unwrap_or(0);
    build_node(&items, layer, blocks)
}

fn build_node(items: &[(&[u8], Cid, u32)], layer: u32, blocks: &mut BlockMap) -> Cid {
    let mut node = Node::default();
    let mut run: Vec<(&[u8], Cid, u32)> = Vec::new();
    let subtree = |run: &mut Vec<(&[u8], Cid, u32)>, blocks: &mut BlockMap| {
        (!run.is_empty()).then(|| {
            let cid = build_node(run, layer - 1, blocks);
            run.clear();
            cid
        })
    };
    for item in items {
        if item.2 == layer {
            let tree = subtree(&mut run, blocks);
            match node.entries.last_mut() {
                Some(last) => last.tree = tree,
                None => node.left = tree,
            }
            node.entries.push(Entry {
                key: item.0.to_vec(),
                value: item.1,
                tree: None,
            });
        } else {
            run.push(*item);
        }
    }
    let tree = subtree(&mut run, blocks);
    match node.entries.last_mut() {
        Some(last) => last.tree = tree,
        None => node.left = tree,
    }
    let bytes = node.encode();
    let cid = cid_for(DAG_CBOR, &bytes);
    blocks.insert(cid, bytes);
    cid
}

/// The CIDs of the nodes that prove `key` and its immediate left and right neighbours in the
/// tree at `root` (the reference's covering proof: what a commit must carry for each op).
pub fn covering_proof(
    blocks: &BlockMap,
    root: &Cid,
    key: &str,
) -> Result<BTreeSet<Cid>, RepoError> {
    let mut out = BTreeSet::new();
    proof_for_key(blocks, root, key.as_bytes(), &mut out)?;
    proof_for_left(blocks, root, key.as_bytes(), &mut out)?;
    proof_for_right(blocks, root, key.as_bytes(), &mut out)?;
    Ok(out)
}

fn proof_for_key(
    blocks: &BlockMap,
    cid: &Cid,
    key: &[u8],
    out: &mut BTreeSet<Cid>,
) -> Result<(), RepoError> {
    let node = load(blocks, cid)?;
    let items = node.items();
    let index = gt_or_equal_leaf(&items, key);
    let found = matches!(items.get(index), Some(Item::Leaf(e)) if e.key == key);
    if !found {
        match index.checked_sub(1).map(|i| items[i]) {
            Some(Item::Tree(child)) => proof_for_key(blocks, child, key, out)?,
            _ => return Ok(()),
        }
    }
    out.insert(*cid);
    Ok(())
}

fn proof_for_left(
    blocks: &BlockMap,
    cid: &Cid,
    key: &[u8],
    out: &mut BTreeSet<Cid>,
) -> Result<(), RepoError> {
    let node = load(blocks, cid)?;
    let items = node.items();
    let index = gt_or_equal_leaf(&items, key);
    if let Some(Item::Tree(child)) = index.checked_sub(1).map(|i| items[i]) {
        proof_for_left(blocks, child, key, out)?;
    }
    out.insert(*cid);
    Ok(())
}

fn proof_for_right(
    blocks: &BlockMap,
    cid: &Cid,
    key: &[u8],
    out: &mut BTreeSet<Cid>,
) -> Result<(), RepoError> {
    let node = load(blocks, cid)?;
    let items = node.items();
    let index = gt_or_equal_leaf(&items, key);
    let found = items
        .get(index)
        .copied()
        .or_else(|| index.checked_sub(1).map(|i| items[i]));
    match found {
        None => {}
        Some(Item::Tree(child)) => proof_for_right(blocks, child, key, out)?,
        Some(Item::Leaf(entry)) => {
            let next = if entry.key == key {
                items.get(index + 1).copied()
            } else {
                index.checked_sub(1).map(|i| items[i])
            };
            if let Some(Item::Tree(child)) = next {
                proof_for_right(blocks, child, key, out)?;
            }
        }
    }
    out.insert(*cid);
    Ok(())
}
