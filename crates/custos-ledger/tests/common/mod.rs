//! Helpers shared by the integration tests.

#![allow(dead_code, clippy::unwrap_used)]

use custos_ledger::Ledger;
use std::path::{Path, PathBuf};

pub const ORIGIN: &str = "custos.local/test";

/// Entry `i`: a small JSON-like text whose length varies with `i`.
pub fn entry(i: u64) -> Vec<u8> {
    let pad = "x".repeat((i * 7919 % 97) as usize);
    format!("{{\"id\":\"e{i}\",\"pad\":\"{pad}\"}}").into_bytes()
}

pub fn entries(range: std::ops::Range<u64>) -> Vec<Vec<u8>> {
    range.map(entry).collect()
}

/// The ledger dir and key path of a test data dir.
pub fn paths(data: &Path) -> (PathBuf, PathBuf) {
    (data.join("ledger"), data.join("ledger.key"))
}

pub fn open(data: &Path) -> Ledger {
    let (dir, key) = paths(data);
    Ledger::open(&dir, &key, ORIGIN).unwrap()
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir`, as paths relative to it, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}
