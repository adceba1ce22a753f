//! Proof laws, and agreement with ct-merkle (a second RFC 6962
//! implementation) on roots, inclusion and consistency proofs.

#![allow(clippy::unwrap_used)]

mod common;

use common::{entries, open};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof};
use custos_ledger::{leaf_hash, verify_consistency, verify_inclusion, Hash, Ledger};
use proptest::prelude::*;
use sha2_next::Sha256;
use std::sync::OnceLock;

const SIZE: u64 = 1_100;

/// One ledger of `SIZE` entries, appended in uneven batches, shared by
/// the cases.
fn shared() -> &'static (tempfile::TempDir, Ledger, Vec<Vec<u8>>) {
    static LEDGER: OnceLock<(tempfile::TempDir, Ledger, Vec<Vec<u8>>)> = OnceLock::new();
    LEDGER.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let mut ledger = open(tmp.path());
        let all = entries(0..SIZE);
        for w in [0usize, 3, 256, 700, 701, 1_100].windows(2) {
            ledger.append(&all[w[0]..w[1]]).unwrap();
        }
        (tmp, ledger, all)
    })
}

fn ct_tree(entries: &[Vec<u8>]) -> MemoryBackedTree<Sha256, Vec<u8>> {
    let mut t = MemoryBackedTree::new();
    for e in entries {
        t.push(e.clone());
    }
    t
}

fn concat(proof: &[Hash]) -> Vec<u8> {
    proof.iter().flat_map(|h| h.0).collect()
}

fn flipped(proof: &[Hash], which: usize, byte: usize, mask: u8) -> Vec<Hash> {
    let mut p = proof.to_vec();
    let i = which % p.len();
    p[i].0[byte % 32] ^= mask;
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn inclusion_proofs_verify_agree_with_ct_merkle_and_break_when_flipped(
        size in 1..=SIZE, index in any::<prop::sample::Index>(),
        which in any::<usize>(), byte in any::<usize>(), mask in 1u8..=255,
    ) {
        let (_, ledger, all) = shared();
        let index = index.index(size as usize) as u64;
        let root = ledger.root_at(size).unwrap();
        let leaf = leaf_hash(&all[index as usize]);
        let proof = ledger.prove_inclusion(index, size).unwrap();
        prop_assert!(verify_inclusion(&leaf, index, size, &root, &proof).is_ok());

        let ct = ct_tree(&all[..size as usize]);
        let ct_root = ct.root();
        prop_assert_eq!(ct_root.as_bytes().to_vec(), root.0.to_vec());
        let ct_proof = ct.prove_inclusion(index as usize);
        let ours = concat(&proof);
        prop_assert_eq!(ct_proof.as_bytes(), ours.as_slice());
        prop_assert!(ct_root
            .verify_inclusion(&all[index as usize], index, &InclusionProof::from_bytes(concat(&proof)))
            .is_ok());

        if !proof.is_empty() {
            let bad = flipped(&proof, which, byte, mask);
            prop_assert!(verify_inclusion(&leaf, index, size, &root, &bad).is_err());
        }
        let mut bad_root = root;
        bad_root.0[byte % 32] ^= mask;
        prop_assert!(verify_inclusion(&leaf, index, size, &bad_root, &proof).is_err());
        let mut bad_leaf = leaf;
        bad_leaf.0[byte % 32] ^= mask;
        prop_assert!(verify_inclusion(&bad_leaf, index, size, &root, &proof).is_err());
        // (A proof may also verify for another tree size with the same
        // path shape; RFC 6962 binds the size through the checkpoint.)
    }

    #[test]
    fn consistency_proofs_verify_agree_with_ct_merkle_and_break_when_flipped(
        new in 1..=SIZE, old in any::<prop::sample::Index>(),
        which in any::<usize>(), byte in any::<usize>(), mask in 1u8..=255,
    ) {
        let (_, ledger, all) = shared();
        let old = old.index(new as usize) as u64 + 1;
        let (old_root, new_root) = (ledger.root_at(old).unwrap(), ledger.root_at(new).unwrap());
        let proof = ledger.prove_consistency(old, new).unwrap();
        prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof).is_ok());

        let ct = ct_tree(&all[..new as usize]);
        let ct_proof = ct.prove_consistency((new - old) as usize);
        let ours = concat(&proof);
        prop_assert_eq!(ct_proof.as_bytes(), ours.as_slice());
        let ct_old = ct_tree(&all[..old as usize]).root();
        prop_assert!(ct
            .root()
            .verify_consistency(&ct_old, &ConsistencyProof::try_from_bytes(concat(&proof)).unwrap())
            .is_ok());

        if !proof.is_empty() {
            let bad = flipped(&proof, which, byte, mask);
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
        }
        let mut bad_old = old_root;
        bad_old.0[byte % 32] ^= mask;
        prop_assert!(verify_consistency(old, new, &bad_old, &new_root, &proof).is_err());
        let mut bad_new = new_root;
        bad_new.0[byte % 32] ^= mask;
        prop_assert!(verify_consistency(old, new, &old_root, &bad_new, &proof).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Random entries in random batches: the ledger's tree is ct-merkle's.
    #[test]
    fn random_trees_match_ct_merkle(
        data in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..48), 0..700),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let mut ledger = open(tmp.path());
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c.index(data.len() + 1)).collect();
        bounds.push(0);
        bounds.push(data.len());
        bounds.sort_unstable();
        for w in bounds.windows(2) {
            ledger.append(&data[w[0]..w[1]]).unwrap();
        }
        let ct = ct_tree(&data);
        prop_assert_eq!(ct.root().as_bytes().to_vec(), ledger.root().0.to_vec());
        let size = data.len() as u64;
        for index in [0, size / 2, size.saturating_sub(1)] {
            if index < size {
                let proof = ledger.prove_inclusion(index, size).unwrap();
                let (theirs, ours) = (ct.prove_inclusion(index as usize), concat(&proof));
                prop_assert_eq!(theirs.as_bytes(), ours.as_slice());
            }
        }
        let report = ledger.verify();
        prop_assert!(report.ok, "{:?}", report.problems);
        let read: Vec<Vec<u8>> = ledger.entries(0..size).unwrap().map(|e| e.unwrap()).collect();
        prop_assert_eq!(read, data);
    }
}

#[test]
fn proofs_outside_the_tree_are_refused() {
    let (_, ledger, _) = shared();
    assert!(ledger.prove_inclusion(SIZE, SIZE).is_err());
    assert!(ledger.prove_inclusion(0, SIZE + 1).is_err());
    assert!(ledger.prove_consistency(0, 5).is_err());
    assert!(ledger.prove_consistency(6, 5).is_err());
    assert!(ledger.prove_consistency(5, SIZE + 1).is_err());
    assert!(ledger.root_at(SIZE + 1).is_err());
    assert_eq!(
        ledger.prove_consistency(SIZE, SIZE).unwrap(),
        Vec::<Hash>::new()
    );
}
