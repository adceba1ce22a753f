//! Tampering with any part of a data dir makes `custos verify` exit 1 and
//! name the problem; an untouched one verifies.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// A data dir with 700 events: two full tiles and a partial one.
fn ingested() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("e.jsonl");
    std::fs::write(&file, events(700)).unwrap();
    let out = run(
        &data,
        &[
            "--format",
            "json",
            "--origin",
            "custos.test/tamper",
            "ingest",
            "--batch",
            "300",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (dir, data)
}

fn verify(data: &Path) -> (Option<i32>, serde_json::Value) {
    let out = run(
        data,
        &[
            "--format",
            "json",
            "--origin",
            "custos.test/tamper",
            "verify",
        ],
    );
    (out.status.code(), summary(&out))
}

fn assert_caught(data: &Path, what: &str, needle: &str) {
    let (code, report) = verify(data);
    assert_eq!(code, Some(1), "{what}: verify passed: {report}");
    assert_eq!(report["ok"], false);
    let problems = report["problems"].to_string();
    assert!(
        problems.contains(needle),
        "{what}: no problem naming {needle:?} in {problems}"
    );
}

fn flip(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = at % bytes.len();
    bytes[at] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn untouched_data_dir_verifies() {
    let (_d, data) = ingested();
    let (code, report) = verify(&data);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["size"], 700);
}

#[test]
fn flipped_byte_in_an_entry_bundle() {
    let (_d, data) = ingested();
    flip(&data.join("ledger/tile/entries/001"), 1000);
    assert_caught(&data, "entry bundle", "tile/entries/001");
}

#[test]
fn flipped_byte_in_a_hash_tile() {
    let (_d, data) = ingested();
    flip(&data.join("ledger/tile/0/000"), 77);
    assert_caught(&data, "hash tile", "tile/0/000");
}

#[test]
fn deleted_entry_bundle() {
    let (_d, data) = ingested();
    std::fs::remove_file(data.join("ledger/tile/entries/000")).unwrap();
    assert_caught(&data, "deleted bundle", "tile/entries/000");
}

#[test]
fn truncated_log() {
    let (_d, data) = ingested();
    let partial = std::fs::read_dir(data.join("ledger/tile/entries/002.p"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let bytes = std::fs::read(&partial).unwrap();
    std::fs::write(&partial, &bytes[..bytes.len() / 2]).unwrap();
    assert_caught(&data, "truncated bundle", "tile/entries/002.p");
}

#[test]
fn reordered_entries() {
    let (_d, data) = ingested();
    // Swap the first two entries of the first bundle (u16 length prefixed).
    let path = data.join("ledger/tile/entries/000");
    let b = std::fs::read(&path).unwrap();
    let l1 = u16::from_be_bytes([b[0], b[1]]) as usize;
    let first = &b[..2 + l1];
    let l2 = u16::from_be_bytes([b[2 + l1], b[3 + l1]]) as usize;
    let second = &b[2 + l1..4 + l1 + l2];
    let mut swapped = second.to_vec();
    swapped.extend_from_slice(first);
    swapped.extend_from_slice(&b[4 + l1 + l2..]);
    std::fs::write(&path, swapped).unwrap();
    assert_caught(&data, "reordered entries", "tile/entries/000");
}

#[test]
fn edited_store_row() {
    let (_d, data) = ingested();
    let db = rusqlite::Connection::open(data.join("store.sqlite")).unwrap();
    let changed = db
        .execute(
            "UPDATE events SET actor_id = 'emp-innocent' WHERE id = 'ev-4'",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(db);
    assert_caught(&data, "edited store row", "ev-4");
}

#[test]
fn deleted_store_row() {
    let (_d, data) = ingested();
    let db = rusqlite::Connection::open(data.join("store.sqlite")).unwrap();
    db.execute("DELETE FROM disclosures WHERE customer = 'cus-8'", [])
        .unwrap();
    drop(db);
    assert_caught(
        &data,
        "deleted disclosure row",
        "differ from its ledger entry",
    );
}
