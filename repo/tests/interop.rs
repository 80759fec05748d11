//! The atproto interop suite's MST and firehose fixtures (`tests/data/interop/mst`,
//! `tests/data/interop/firehose`): key heights, common prefixes, the example keys, and commit
//! proofs (trees built from keys, their roots before and after a commit, and the blocks that
//! prove the commit's operations).

use std::collections::BTreeSet;

use lexicon_repo::cid::Cid;
use lexicon_repo::mst::{self, common_prefix_len, key_height};
use lexicon_repo::BlockMap;
use lexicon_test_support::data_path;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = data_path(&format!("interop/{name}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn key_heights() {
    let cases = fixture("mst/key_heights.json");
    for case in cases.as_array().unwrap() {
        let key = case["key"].as_str().unwrap();
        assert_eq!(
            u64::from(key_height(key.as_bytes())),
            case["height"].as_u64().unwrap(),
            "{key:?}"
        );
    }
}

#[test]
fn common_prefixes() {
    let cases = fixture("mst/common_prefix.json");
    for case in cases.as_array().unwrap() {
        let (left, right) = (
            case["left"].as_str().unwrap(),
            case["right"].as_str().unwrap(),
        );
        let len = common_prefix_len(left.as_bytes(), right.as_bytes());
        assert_eq!(
            len as u64,
            case["len"].as_u64().unwrap(),
            "{left:?} {right:?}"
        );
    }
}

#[test]
fn example_keys_have_the_height_their_names_say() {
    let path = data_path("interop/mst/example_keys.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let keys: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(keys.len() > 100, "{} keys", keys.len());
    for key in keys {
        // `A0/374913`: the digit before the slash is the key's height.
        let digit = key.split('/').next().unwrap().chars().last().unwrap();
        assert_eq!(
            key_height(key.as_bytes()),
            digit.to_digit(10).unwrap(),
            "{key}"
        );
    }
}

fn cid(text: &str) -> Cid {
    Cid::try_from(text).unwrap()
}

fn tree(keys: &[String], leaf: Cid, blocks: &mut BlockMap) -> Cid {
    let entries: Vec<(String, Cid)> = keys.iter().map(|k| (k.clone(), leaf)).collect();
    mst::build(&entries, blocks)
}

#[test]
fn commit_proofs() {
    let cases = fixture("firehose/commit-proof-fixtures.json");
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let comment = case["comment"].as_str().unwrap();
        let strings = |k: &str| -> Vec<String> {
            case[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        let leaf = cid(case["leafValue"].as_str().unwrap());
        let (keys, adds, dels) = (strings("keys"), strings("adds"), strings("dels"));
        let mut before_blocks = BlockMap::new();
        let before = tree(&keys, leaf, &mut before_blocks);
        assert_eq!(
            before,
            cid(case["rootBeforeCommit"].as_str().unwrap()),
            "{comment}: root before"
        );
        let after_keys: Vec<String> = keys
            .iter()
            .filter(|k| !dels.contains(k))
            .chain(adds.iter())
            .cloned()
            .collect();
        let mut blocks = BlockMap::new();
        let after = tree(&after_keys, leaf, &mut blocks);
        assert_eq!(
            after,
            cid(case["rootAfterCommit"].as_str().unwrap()),
            "{comment}: root after"
        );
        // The walk of the tree gives the keys back in order.
        let mut sorted = after_keys.clone();
        sorted.sort();
        let walked: Vec<String> = mst::walk(&blocks, &after)
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(walked, sorted, "{comment}");
        // The proof: each op's covering proof in the tree after the commit.
        let mut proof = BTreeSet::new();
        for key in adds.iter().chain(dels.iter()) {
            proof.extend(mst::covering_proof(&blocks, &after, key).unwrap());
        }
        let expected: BTreeSet<Cid> = strings("blocksInProof").iter().map(|c| cid(c)).collect();
        assert_eq!(proof, expected, "{comment}: blocks in proof");
        // With only the proof's blocks, every op can be looked up: adds found, dels absent.
        let mut partial = BlockMap::new();
        for c in &proof {
            partial.insert(*c, blocks.get(c).unwrap().to_vec());
        }
        for key in &adds {
            assert_eq!(
                mst::lookup(&partial, &after, key).unwrap(),
                Some(leaf),
                "{comment}: {key}"
            );
        }
        for key in &dels {
            assert_eq!(
                mst::lookup(&partial, &after, key).unwrap(),
                None,
                "{comment}: {key}"
            );
        }
    }
}
