//! Tampering with any file of a ledger is reported by `verify`, naming
//! the file.

#![allow(clippy::unwrap_used)]

mod common;

use common::{copy_dir, entries, files, open, paths, ORIGIN};
use custos_ledger::{verify_dir, Ledger, VerifyReport};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// A data dir whose ledger has full tiles, partial tiles, older partial
/// tiles and a level-1 tile: appends of 100, 200, 300, 10 and 5 entries.
/// Also returns the checkpoint note at size 300.
fn fixture(data: &Path) -> String {
    let mut ledger = open(data);
    let mut checkpoint_300 = String::new();
    let mut next = 0;
    for n in [100u64, 200, 300, 10, 5] {
        ledger.append(&entries(next..next + n)).unwrap();
        next += n;
        if next == 300 {
            checkpoint_300 = ledger.checkpoint().note_text.clone();
        }
    }
    assert_eq!(ledger.size(), 615);
    checkpoint_300
}

struct Case {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    dir: PathBuf,
    checkpoint_300: String,
}

fn case() -> Case {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let checkpoint_300 = fixture(&data);
    let (dir, _) = paths(&data);
    Case {
        _tmp: tmp,
        data,
        dir,
        checkpoint_300,
    }
}

impl Case {
    /// Verifies after `tamper`, both through a ledger opened before the
    /// tampering and from the directory alone.
    fn verify_after(&self, tamper: impl FnOnce(&Path)) -> [VerifyReport; 2] {
        let ledger = open(&self.data);
        assert!(ledger.verify().ok, "the fixture verifies");
        tamper(&self.dir);
        [
            ledger.verify(),
            verify_dir(&self.dir, ledger.verifier_key()),
        ]
    }
}

fn assert_names(reports: &[VerifyReport; 2], file: &str) {
    for (how, r) in ["opened ledger", "verify_dir"].iter().zip(reports) {
        assert!(!r.ok, "{how}: tampering with {file} went unnoticed");
        assert!(
            r.problems.iter().any(|p| p.contains(file)),
            "{how}: no problem names {file}: {:?}",
            r.problems
        );
    }
}

fn flip(dir: &Path, file: &str, offset: usize, mask: u8) {
    let path = dir.join(file);
    let mut data = std::fs::read(&path).unwrap();
    let at = offset % data.len();
    data[at] ^= mask;
    std::fs::write(&path, data).unwrap();
}

#[test]
fn the_fixture_has_every_kind_of_file() {
    let c = case();
    let all = files(&c.dir);
    for f in [
        "checkpoint",
        "key.vkey",
        "tile/entries/000",
        "tile/entries/001",
        "tile/entries/002.p/88",
        "tile/entries/002.p/98",
        "tile/entries/002.p/103",
        "tile/0/000",
        "tile/0/002.p/103",
        "tile/1/000.p/1",
        "tile/1/000.p/2",
    ] {
        assert!(all.iter().any(|x| x == f), "{f} missing from {all:?}");
    }
}

#[test]
fn flipping_a_byte_anywhere_is_reported_with_the_file() {
    let c = case();
    for file in files(&c.dir) {
        for offset in [0usize, 33, usize::MAX] {
            let fresh = case();
            let reports = fresh.verify_after(|dir| flip(dir, &file, offset, 0x01));
            assert_names(&reports, &file);
        }
    }
}

#[test]
fn a_deleted_bundle_is_reported() {
    for file in [
        "tile/entries/001",
        "tile/entries/002.p/103",
        "tile/0/001",
        "tile/1/000.p/2",
    ] {
        let c = case();
        let reports = c.verify_after(|dir| std::fs::remove_file(dir.join(file)).unwrap());
        assert_names(&reports, file);
        assert!(reports[1]
            .problems
            .iter()
            .any(|p| p == &format!("{file}: missing")));
    }
}

#[test]
fn reordered_entries_are_reported_at_their_indexes() {
    let c = case();
    let reports = c.verify_after(|dir| {
        // Swap entries 3 and 4 of bundle 000 (each framed by its length).
        let path = dir.join("tile/entries/000");
        let data = std::fs::read(&path).unwrap();
        let mut spans = Vec::new();
        let mut pos = 0;
        while pos < data.len() {
            let len = usize::from(u16::from_be_bytes([data[pos], data[pos + 1]]));
            spans.push(pos..pos + 2 + len);
            pos += 2 + len;
        }
        assert_ne!(data[spans[3].clone()], data[spans[4].clone()]);
        let mut out = data[..spans[3].start].to_vec();
        out.extend_from_slice(&data[spans[4].clone()]);
        out.extend_from_slice(&data[spans[3].clone()]);
        out.extend_from_slice(&data[spans[4].end..]);
        std::fs::write(&path, out).unwrap();
    });
    for r in &reports {
        for i in [3, 4] {
            let want = format!(
                "tile/0/000: hash of entry {i} does not match its entry in tile/entries/000"
            );
            assert!(r.problems.contains(&want), "{:?}", r.problems);
        }
    }
}

#[test]
fn truncated_and_extended_files_are_reported() {
    let c = case();
    let reports = c.verify_after(|dir| {
        let path = dir.join("tile/0/001");
        let data = std::fs::read(&path).unwrap();
        std::fs::write(&path, &data[..data.len() - 1]).unwrap();
    });
    assert_names(&reports, "tile/0/001");

    let c = case();
    let reports = c.verify_after(|dir| {
        let path = dir.join("tile/entries/001");
        let mut data = std::fs::read(&path).unwrap();
        data.extend_from_slice(b"\x00\x01z");
        std::fs::write(&path, data).unwrap();
    });
    assert_names(&reports, "tile/entries/001");

    let c = case();
    let reports = c.verify_after(|dir| std::fs::write(dir.join("tile/entries/000"), b"").unwrap());
    assert_names(&reports, "tile/entries/000");
}

#[test]
fn files_past_the_checkpoint_are_reported_by_the_writer() {
    let c = case();
    let reports = c.verify_after(|dir| {
        std::fs::create_dir_all(dir.join("tile/0/003.p")).unwrap();
        std::fs::write(dir.join("tile/0/003.p/1"), [7u8; 32]).unwrap();
    });
    // The writer knows no append is under way; a reader that sees its
    // marker cannot tell this from one.
    assert!(!reports[0].ok);
    assert!(
        reports[0]
            .problems
            .iter()
            .any(|p| p.starts_with("tile/0/003.p: holds data past the signed checkpoint")),
        "{:?}",
        reports[0].problems
    );
}

#[test]
fn a_checkpoint_signed_by_another_key_is_reported() {
    let c = case();
    // The same entries in another log with the same name but its own key.
    let impostor = c._tmp.path().join("impostor");
    fixture(&impostor);
    let (idir, _) = paths(&impostor);
    let forged = std::fs::read(idir.join("checkpoint")).unwrap();
    let reports = c.verify_after(|dir| std::fs::write(dir.join("checkpoint"), &forged).unwrap());
    assert_names(&reports, "checkpoint");
    assert!(
        reports[1].problems[0].contains("no signature by the log key"),
        "{:?}",
        reports[1].problems
    );
}

#[test]
fn a_rolled_back_checkpoint_is_reported() {
    let c = case();
    let old = c.checkpoint_300.clone();
    // While the writer runs: it (and its marker) knows it committed 615.
    let reports = c.verify_after(|dir| std::fs::write(dir.join("checkpoint"), &old).unwrap());
    for r in &reports {
        assert!(!r.ok);
        assert_eq!(r.size, 300, "the checkpoint on disk is the one checked");
        assert!(
            r.problems
                .iter()
                .any(|p| p.starts_with("checkpoint: its size 300 is below the size 615")),
            "{:?}",
            r.problems
        );
    }
    // With no writer: the tiles of the larger tree give it away. Bundle
    // 001 is full past size 300 (its partial of 44 was removed).
    let vkey = std::fs::read_to_string(c.dir.join("key.vkey")).unwrap();
    let r = verify_dir(&c.dir, vkey.trim_end());
    assert!(
        r.problems
            .iter()
            .any(|p| p.starts_with("tile/entries/001: holds data past the signed checkpoint")),
        "{:?}",
        r.problems
    );
    let (dir, key) = paths(&c.data);
    assert!(Ledger::open(&dir, &key, ORIGIN).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn any_single_byte_change_fails_verification(pick in any::<prop::sample::Index>(), offset in any::<usize>(), mask in 1u8..=255) {
        let tmp = tempfile::tempdir().unwrap();
        let pristine = pristine();
        copy_dir(pristine, tmp.path());
        let (dir, _) = paths(tmp.path());
        let all = files(&dir);
        let file = pick.get(&all).clone();
        // The trusted key comes from the untouched copy.
        let vkey = std::fs::read_to_string(paths(pristine).0.join("key.vkey")).unwrap();
        flip(&dir, &file, offset, mask);
        let report = verify_dir(&dir, vkey.trim_end());
        prop_assert!(!report.ok, "flipping {mask:#x} in {file} went unnoticed");
        prop_assert!(report.problems.iter().any(|p| p.contains(file.as_str())), "{file}: {:?}", report.problems);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// Truncated, extended or replaced files: reported, never a panic.
    #[test]
    fn any_resized_or_replaced_file_fails_verification(
        pick in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        junk in prop::collection::vec(any::<u8>(), 1..64),
        how in 0..3u8,
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let pristine = pristine();
        copy_dir(pristine, tmp.path());
        let (dir, _) = paths(tmp.path());
        let all = files(&dir);
        let file = pick.get(&all).clone();
        let path = dir.join(&file);
        let data = std::fs::read(&path).unwrap();
        let changed = match how {
            0 => data[..cut.index(data.len())].to_vec(),
            1 => [data.as_slice(), &junk].concat(),
            _ => junk.clone(),
        };
        prop_assume!(changed != data);
        std::fs::write(&path, changed).unwrap();
        let vkey = std::fs::read_to_string(paths(pristine).0.join("key.vkey")).unwrap();
        let report = verify_dir(&dir, vkey.trim_end());
        prop_assert!(!report.ok, "changing {file} went unnoticed");
        prop_assert!(report.problems.iter().any(|p| p.contains(file.as_str())), "{file}: {:?}", report.problems);
    }

    /// Arbitrary text is never a verified checkpoint, and never a panic.
    #[test]
    fn arbitrary_notes_do_not_verify(text in ".{0,300}", cut in any::<prop::sample::Index>()) {
        let vkey = std::fs::read_to_string(paths(pristine()).0.join("key.vkey")).unwrap();
        let vkey = vkey.trim_end();
        prop_assert!(custos_ledger::verify_checkpoint_note(&text, vkey).is_err());
        let real = std::fs::read_to_string(paths(pristine()).0.join("checkpoint")).unwrap();
        let at = cut.index(real.len());
        if real.is_char_boundary(at) {
            let spliced = format!("{}{}{}", &real[..at], text, &real[at..]);
            if spliced != real {
                prop_assert!(custos_ledger::verify_checkpoint_note(&spliced, vkey).is_err());
            }
        }
    }
}

/// One fixture for all proptest cases, copied per case.
fn pristine() -> &'static Path {
    static DIR: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    &DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        fixture(&data);
        (tmp, data)
    })
    .1
}
