//! Known-answer tests from transparency-dev/merkle (tests/data/transparency-dev-merkle):
//! the reference tree built with this ledger, and every proof vector.

#![allow(clippy::unwrap_used)]

use base64::prelude::*;
use custos_ledger::{leaf_hash, to_hex, verify_consistency, verify_inclusion, Hash, Ledger};
use serde::Deserialize;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/transparency-dev-merkle")
}

/// The reference tree's leaf inputs, in order.
const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InclusionVector {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsistencyVector {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

fn b64(s: &str) -> Vec<u8> {
    BASE64_STANDARD.decode(s).unwrap()
}

/// A 32-byte value as a hash; anything else is not a hash.
fn exact_hash(s: &str) -> Option<Hash> {
    b64(s).try_into().ok().map(Hash)
}

/// The vectors compare roots of the wrong length only for equality (when
/// both sizes are equal); map such a root to a hash that keeps equality.
fn root_for_equality(s: &str) -> Hash {
    exact_hash(s).unwrap_or_else(|| leaf_hash(&[b"not a hash:".as_slice(), &b64(s)].concat()))
}

fn proof_hashes(proof: &Option<Vec<String>>) -> Option<Vec<Hash>> {
    proof
        .iter()
        .flatten()
        .map(|p| exact_hash(p))
        .collect::<Option<Vec<_>>>()
}

/// Every `*.json` under `dir`, recursively, sorted.
fn vector_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn reference_ledger(dir: &Path) -> Ledger {
    let mut ledger =
        Ledger::open(&dir.join("ledger"), &dir.join("ledger.key"), "test.log").unwrap();
    let leaves: Vec<Vec<u8>> = LEAVES.iter().map(|h| unhex(h)).collect();
    ledger.append(&leaves).unwrap();
    ledger
}

#[test]
fn reference_tree_root_at_size_8() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = reference_ledger(tmp.path());
    assert_eq!(ledger.size(), 8);
    assert_eq!(
        to_hex(&ledger.root()),
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    );
    assert!(ledger.verify().ok);
}

#[test]
fn inclusion_vectors() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = reference_ledger(tmp.path());
    let files = vector_files(&data_dir().join("inclusion"));
    assert!(files.len() >= 90, "vectors missing: {}", files.len());
    let (mut happy, mut negative) = (0, 0);
    for file in files {
        let v: InclusionVector = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let result = match (
            exact_hash(&v.leaf_hash),
            exact_hash(&v.root),
            proof_hashes(&v.proof),
        ) {
            (Some(leaf), Some(root), Some(proof)) => {
                verify_inclusion(&leaf, v.leaf_idx, v.tree_size, &root, &proof).is_ok()
            }
            // A leaf hash, root or proof element that is not 32 bytes.
            _ => false,
        };
        assert_eq!(result, !v.want_err, "{}: {}", file.display(), v.desc);
        if v.want_err {
            negative += 1;
            continue;
        }
        happy += 1;
        // The happy paths of the reference tree: the ledger proves the
        // same path, and the leaf hash is that of the reference leaf.
        let other_tree = file.components().any(|c| c.as_os_str() == "single-entry");
        if !other_tree && v.tree_size <= 8 && v.tree_size > 0 {
            let proof = proof_hashes(&v.proof).unwrap();
            assert_eq!(
                ledger.prove_inclusion(v.leaf_idx, v.tree_size).unwrap(),
                proof,
                "{}",
                file.display()
            );
            assert_eq!(
                ledger.root_at(v.tree_size).unwrap(),
                exact_hash(&v.root).unwrap()
            );
            assert_eq!(
                leaf_hash(&unhex(LEAVES[v.leaf_idx as usize])),
                exact_hash(&v.leaf_hash).unwrap()
            );
        }
    }
    assert!(
        happy > 5 && negative > 50,
        "happy {happy}, negative {negative}"
    );
}

#[test]
fn consistency_vectors() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = reference_ledger(tmp.path());
    let files = vector_files(&data_dir().join("consistency"));
    assert!(files.len() > 50, "vectors missing: {}", files.len());
    let (mut happy, mut negative) = (0, 0);
    for file in files {
        let v: ConsistencyVector = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let (r1, r2) = (root_for_equality(&v.root1), root_for_equality(&v.root2));
        let result = match proof_hashes(&v.proof) {
            Some(proof) => verify_consistency(v.size1, v.size2, &r1, &r2, &proof).is_ok(),
            None => false,
        };
        assert_eq!(result, !v.want_err, "{}: {}", file.display(), v.desc);
        if v.want_err {
            negative += 1;
            continue;
        }
        happy += 1;
        if v.size2 <= 8 && v.size1 >= 1 && exact_hash(&v.root1).is_some() {
            assert_eq!(
                ledger.prove_consistency(v.size1, v.size2).unwrap(),
                proof_hashes(&v.proof).unwrap(),
                "{}",
                file.display()
            );
            assert_eq!(ledger.root_at(v.size1).unwrap(), r1, "{}", file.display());
            assert_eq!(ledger.root_at(v.size2).unwrap(), r2, "{}", file.display());
        }
    }
    assert!(
        happy > 5 && negative > 50,
        "happy {happy}, negative {negative}"
    );
}
