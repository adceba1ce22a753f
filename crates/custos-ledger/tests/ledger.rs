//! Opening, appending, reopening, crash recovery, keys and reading.

#![allow(clippy::unwrap_used)]

mod common;

use common::{copy_dir, entries, entry, files, open, paths, ORIGIN};
use custos_ledger::{leaf_hash, verify_checkpoint_note, verify_inclusion, Ledger, LedgerError};

/// SHA-256 of nothing: the RFC 6962 root of the empty tree.
const EMPTY_ROOT_HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[test]
fn a_new_ledger_is_empty_signed_and_keeps_its_key_outside() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = open(tmp.path());
    let (dir, key) = paths(tmp.path());
    assert_eq!(ledger.size(), 0);
    assert_eq!(custos_ledger::to_hex(&ledger.root()), EMPTY_ROOT_HEX);
    assert_eq!(files(&dir), ["checkpoint", "key.vkey", "writer"]);
    assert_eq!(std::fs::read_to_string(dir.join("writer")).unwrap(), "0\n");
    let vkey = std::fs::read_to_string(dir.join("key.vkey")).unwrap();
    assert_eq!(vkey, format!("{}\n", ledger.verifier_key()));
    assert!(vkey.starts_with(&format!("{ORIGIN}+")));
    let cp = verify_checkpoint_note(&ledger.checkpoint().note_text, ledger.verifier_key()).unwrap();
    assert_eq!((cp.origin.as_str(), cp.size), (ORIGIN, 0));
    let private = std::fs::read_to_string(&key).unwrap();
    assert!(private.starts_with(&format!("PRIVATE+KEY+{ORIGIN}+")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "private key mode {mode:o}");
    }
    assert!(ledger.verify().ok);
    drop(ledger);
    assert_eq!(
        files(&dir),
        ["checkpoint", "key.vkey"],
        "a clean close removes the marker"
    );
}

#[test]
fn batches_and_reopens_equal_one_big_append() {
    let tmp = tempfile::tempdir().unwrap();
    let all = entries(0..70_000);

    let one = tmp.path().join("one");
    let mut big = open(&one);
    let appended = big.append(&all).unwrap();
    assert_eq!(appended.first_index, 0);
    assert_eq!(appended.checkpoint.size, 70_000);

    let many = tmp.path().join("many");
    let cuts = [
        0usize, 1, 2, 255, 256, 257, 511, 1_000, 65_535, 65_536, 65_537, 69_999, 70_000,
    ];
    for w in cuts.windows(2) {
        // Reopen between batches: appends continue from the loaded edge.
        let mut ledger = open(&many);
        assert_eq!(ledger.size(), w[0] as u64);
        let a = ledger.append(&all[w[0]..w[1]]).unwrap();
        assert_eq!(a.first_index, w[0] as u64);
    }
    let reopened = open(&many);
    assert_eq!(reopened.size(), big.size());
    assert_eq!(reopened.root(), big.root());
    let report = reopened.verify();
    assert!(report.ok, "{:?}", report.problems);
    assert!(big.verify().ok);

    // Reading back: single entries and a stream across bundles.
    assert_eq!(reopened.read_entry(0).unwrap(), all[0]);
    assert_eq!(reopened.read_entry(69_999).unwrap(), all[69_999]);
    let streamed: Vec<Vec<u8>> = reopened
        .entries(250..70_000)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    assert_eq!(streamed, all[250..]);
    assert!(reopened.entries(0..70_001).is_err());
    assert!(matches!(
        reopened.read_entry(70_000),
        Err(LedgerError::IndexOutOfRange { .. })
    ));

    // Proofs from the reopened ledger verify against its checkpoint.
    for index in [0u64, 255, 256, 65_535, 65_536, 69_999] {
        let proof = reopened.prove_inclusion(index, 70_000).unwrap();
        verify_inclusion(
            &leaf_hash(&all[index as usize]),
            index,
            70_000,
            &reopened.root(),
            &proof,
        )
        .unwrap();
    }
    let old_root = reopened.root_at(300).unwrap();
    let proof = reopened.prove_consistency(300, 70_000).unwrap();
    custos_ledger::verify_consistency(300, 70_000, &old_root, &reopened.root(), &proof).unwrap();
}

#[test]
fn every_append_leaves_the_checkpoint_and_marker_current_and_no_temp_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = open(tmp.path());
    let (dir, _) = paths(tmp.path());
    // A stale temp checkpoint (a crash before its rename) is replaced.
    std::fs::write(dir.join(".checkpoint.tmp"), "stale").unwrap();
    // Small appends sync file by file, large ones (16+ files) the whole
    // file system; the marker's digits grow from one to four.
    let mut size = 0;
    for n in [3u64, 7, 90, 6_000, 1] {
        ledger.append(&entries(size..size + n)).unwrap();
        size += n;
        let on_disk = std::fs::read_to_string(dir.join("checkpoint")).unwrap();
        assert_eq!(on_disk, ledger.checkpoint().note_text, "size {size}");
        let marker = std::fs::read_to_string(dir.join("writer")).unwrap();
        assert_eq!(marker, format!("{size}\n"));
        assert!(
            !files(&dir).iter().any(|f| f.ends_with(".tmp")),
            "temp file left at size {size}"
        );
    }
    assert!(ledger.verify().ok);
}

#[test]
fn superseded_partial_tiles_are_removed_once_full() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = open(tmp.path());
    ledger.append(&entries(0..100)).unwrap();
    ledger.append(&entries(100..200)).unwrap();
    let (dir, _) = paths(tmp.path());
    // Older partials stay for readers of older checkpoints.
    assert!(dir.join("tile/entries/000.p/100").exists());
    assert!(dir.join("tile/entries/000.p/200").exists());
    ledger.append(&entries(200..300)).unwrap();
    assert!(dir.join("tile/entries/000").exists());
    assert!(!dir.join("tile/entries/000.p").exists());
    assert!(!dir.join("tile/0/000.p").exists());
    assert!(dir.join("tile/0/001.p/44").exists());
    assert!(dir.join("tile/1/000.p/1").exists());
    assert!(ledger.verify().ok);
}

#[test]
fn an_interrupted_append_is_rolled_away_on_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    let live = tmp.path().join("live");
    let mut ledger = open(&live);
    ledger.append(&entries(0..300)).unwrap();
    let crashed = tmp.path().join("crashed");
    copy_dir(&live, &crashed);
    ledger.append(&entries(300..1_000)).unwrap();
    drop(ledger);

    // The crash: every tile of the append to 1,000 is on disk, but the
    // checkpoint rename (and the clean-up after it) never happened; the
    // writer marker still says 300.
    let (dir, _) = paths(&live);
    let (cdir, _) = paths(&crashed);
    copy_dir(&dir.join("tile"), &cdir.join("tile"));
    std::fs::write(cdir.join("writer"), "300\n").unwrap();

    // A marker torn by the crash still lets recovery clean up.
    let torn = tmp.path().join("torn");
    copy_dir(&crashed, &torn);
    std::fs::write(paths(&torn).0.join("writer"), "30").unwrap();
    let t = open(&torn);
    assert_eq!(t.size(), 300);
    assert!(t.verify().ok);
    drop(t);

    let mut recovered = open(&crashed);
    assert_eq!(recovered.size(), 300);
    assert!(
        !cdir.join("tile/entries/001").exists(),
        "a file past the checkpoint survived"
    );
    let report = recovered.verify();
    assert!(report.ok, "{:?}", report.problems);

    // Continue with other, fewer entries: equal to a ledger that never crashed.
    let other: Vec<Vec<u8>> = (0..50)
        .map(|i| format!("after crash {i}").into_bytes())
        .collect();
    recovered.append(&other).unwrap();
    let report = recovered.verify();
    assert!(report.ok, "{:?}", report.problems);

    let clean = tmp.path().join("clean");
    let mut reference = open(&clean);
    reference.append(&entries(0..300)).unwrap();
    reference.append(&other).unwrap();
    assert_eq!(recovered.root(), reference.root());
}

#[test]
fn files_past_the_checkpoint_without_a_pending_append_refuse_to_open() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = open(tmp.path());
    ledger.append(&entries(0..256)).unwrap();
    let (dir, key) = paths(tmp.path());
    let checkpoint_256 = std::fs::read(dir.join("checkpoint")).unwrap();
    ledger.append(&entries(256..300)).unwrap();
    drop(ledger);
    // Roll the checkpoint back: a valid, older signed checkpoint.
    std::fs::write(dir.join("checkpoint"), &checkpoint_256).unwrap();
    match Ledger::open(&dir, &key, ORIGIN) {
        Err(LedgerError::BeyondCheckpoint { path, size }) => {
            assert_eq!(size, 256);
            assert!(path.starts_with("tile/"), "{path}");
        }
        other => panic!("expected BeyondCheckpoint, got {other:?}"),
    }
    let vkey = std::fs::read_to_string(dir.join("key.vkey")).unwrap();
    let report = custos_ledger::verify_dir(&dir, vkey.trim_end());
    assert!(!report.ok);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.starts_with("tile/0/001.p/44: ")),
        "{:?}",
        report.problems
    );
}

#[test]
fn one_writer_at_a_time_and_readers_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut writer = open(tmp.path());
    writer.append(&entries(0..10)).unwrap();
    let (dir, key) = paths(tmp.path());
    assert!(matches!(
        Ledger::open(&dir, &key, ORIGIN),
        Err(LedgerError::Locked { .. })
    ));
    let pinned = custos_ledger::read_verifier_key(&key).unwrap();
    assert_eq!(pinned, writer.verifier_key());
    let reader = Ledger::open_read_only(&dir, Some(&pinned)).unwrap();
    assert_eq!(reader.size(), 10);
    assert_eq!(reader.read_entry(9).unwrap(), entry(9));
    assert!(reader.verify().ok);
    let mut reader = Ledger::open_read_only(&dir, None).unwrap();
    assert!(matches!(reader.append(&[b"x"]), Err(LedgerError::ReadOnly)));
    drop(writer);
    open(tmp.path());
}

#[test]
fn key_mistakes_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, key) = paths(tmp.path());
    drop(open(tmp.path()));
    assert!(matches!(
        Ledger::open(&dir, &key, "custos.local/other"),
        Err(LedgerError::KeyForOtherLog { .. })
    ));
    assert!(matches!(
        Ledger::open(&dir, &key, "bad name"),
        Err(LedgerError::InvalidOrigin(_))
    ));
    assert!(matches!(
        Ledger::open(&dir, &key, "a+b"),
        Err(LedgerError::InvalidOrigin(_))
    ));
    // Another key for the same log name does not match key.vkey.
    let other_key = tmp.path().join("other.key");
    let other_dir = tmp.path().join("other");
    drop(Ledger::open(&other_dir, &other_key, ORIGIN).unwrap());
    assert!(matches!(
        Ledger::open(&dir, &other_key, ORIGIN),
        Err(LedgerError::VerifierKeyMismatch { .. })
    ));
    // A lost key is not silently replaced.
    std::fs::remove_file(&key).unwrap();
    assert!(matches!(
        Ledger::open(&dir, &key, ORIGIN),
        Err(LedgerError::MissingKey { .. })
    ));
    std::fs::write(&key, "PRIVATE+KEY+nonsense\n").unwrap();
    assert!(matches!(
        Ledger::open(&dir, &key, ORIGIN),
        Err(LedgerError::MalformedKey { .. })
    ));
}

#[test]
fn oversized_entries_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = open(tmp.path());
    let big = vec![b'a'; custos_ledger::MAX_ENTRY_LEN + 1];
    let max = vec![b'b'; custos_ledger::MAX_ENTRY_LEN];
    let batch: Vec<&[u8]> = vec![b"ok", &big];
    assert!(matches!(
        ledger.append(&batch),
        Err(LedgerError::EntryTooLarge { position: 1, .. })
    ));
    assert_eq!(ledger.size(), 0);
    let (dir, _) = paths(tmp.path());
    assert_eq!(files(&dir), ["checkpoint", "key.vkey", "writer"]);
    // The largest entry and the empty entry fit.
    ledger.append(&[max.as_slice(), b""]).unwrap();
    assert_eq!(ledger.read_entry(0).unwrap(), max);
    assert_eq!(ledger.read_entry(1).unwrap(), b"");
    assert!(ledger.verify().ok);
    let empty: [&[u8]; 0] = [];
    let a = ledger.append(&empty).unwrap();
    assert_eq!((a.first_index, a.checkpoint.size), (2, 2));
}

#[test]
fn bench_runs_and_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let stats = custos_ledger::bench_append(tmp.path(), 1_000, 300, 100).unwrap();
    assert_eq!(stats.entries, 1_000);
    assert!(stats.appends_per_sec > 0.0 && stats.leaf_hashes_per_sec > 0.0);
    let ledger = Ledger::open_read_only(&tmp.path().join("ledger"), None).unwrap();
    assert_eq!(ledger.size(), 1_000);
    assert!(ledger.verify().ok);
}

#[test]
fn a_failed_append_poisons_until_reopen_and_recovery_cleans_up() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = open(tmp.path());
    ledger.append(&entries(0..10)).unwrap();
    let (dir, _) = paths(tmp.path());
    // Make the append fail half-way: the full tiles get written, then a
    // plain file sits where a partial tile's directory must go.
    std::fs::write(dir.join("tile/0/001.p"), b"in the way").unwrap();
    let err = ledger.append(&entries(10..300)).unwrap_err();
    assert!(matches!(err, LedgerError::Io { .. }), "{err}");
    assert!(
        dir.join("tile/0/000").exists(),
        "the failure came after the full tiles"
    );
    assert!(matches!(ledger.append(&[b"x"]), Err(LedgerError::Poisoned)));
    assert_eq!(ledger.size(), 10);
    drop(ledger);
    assert!(
        dir.join("writer").exists(),
        "a failed append leaves the marker"
    );

    std::fs::remove_file(dir.join("tile/0/001.p")).unwrap();
    let mut ledger = open(tmp.path());
    assert_eq!(ledger.size(), 10);
    assert!(!dir.join("tile/0/000").exists());
    assert!(!dir.join("tile/entries/000").exists());
    assert!(ledger.verify().ok);
    ledger.append(&entries(10..300)).unwrap();
    let report = ledger.verify();
    assert!(report.ok, "{:?}", report.problems);

    let reference = tmp.path().join("reference");
    let mut clean = open(&reference);
    clean.append(&entries(0..300)).unwrap();
    assert_eq!(ledger.root(), clean.root());
}

#[test]
fn a_rollback_after_a_writer_crash_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let live = tmp.path().join("live");
    let mut ledger = open(&live);
    ledger.append(&entries(0..100)).unwrap();
    let (dir, _) = paths(&live);
    let old = std::fs::read(dir.join("checkpoint")).unwrap();
    ledger.append(&entries(100..200)).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("writer")).unwrap(),
        "200\n"
    );
    // The writer dies without closing (its files copied as they are), then
    // the checkpoint is rolled back.
    let crashed = tmp.path().join("crashed");
    copy_dir(&live, &crashed);
    let (cdir, ckey) = paths(&crashed);
    std::fs::write(cdir.join("checkpoint"), &old).unwrap();
    let vkey = std::fs::read_to_string(cdir.join("key.vkey")).unwrap();
    let report = custos_ledger::verify_dir(&cdir, vkey.trim_end());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.starts_with("checkpoint: its size 100 is below the size 200")),
        "{:?}",
        report.problems
    );
    match Ledger::open(&cdir, &ckey, ORIGIN) {
        Err(LedgerError::RolledBack { size, committed }) => {
            assert_eq!((size, committed), (100, 200))
        }
        other => panic!("expected RolledBack, got {other:?}"),
    }
}
