//! Witnessing a log with cosignatures: a growing log is cosigned again,
//! a forked or truncated one is refused.

#![allow(clippy::unwrap_used)]

use custos_ledger::{witness, CosignatureVerifier, Cosigner, Ledger, LedgerError};
use std::path::Path;

const ORIGIN: &str = "custos.local/test/p0";

fn open(dir: &Path, key: &Path) -> Ledger {
    Ledger::open(&dir.join("ledger"), key, ORIGIN).unwrap()
}

#[test]
fn a_growing_log_is_cosigned_and_a_fork_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("ledger.key");
    let node = Cosigner::generate("custos.local/node-b").unwrap();
    let verifier = CosignatureVerifier::new(&node.verifier_key()).unwrap();

    let honest = tmp.path().join("honest");
    let mut log = open(&honest, &key);
    log.append(&[b"a".as_slice(), b"b", b"c"]).unwrap();
    let first = witness(&log, None, &node, 100).unwrap();
    let seen = verifier.verify(&first, log.verifier_key()).unwrap();
    assert_eq!((seen.checkpoint.size, seen.timestamp), (3, 100));

    log.append(&[b"d".as_slice()]).unwrap();
    let second = witness(&log, Some(&seen.checkpoint), &node, 200).unwrap();
    let seen2 = verifier.verify(&second, log.verifier_key()).unwrap();
    assert_eq!(seen2.checkpoint.size, 4);

    // The same key and name, another history: a fork the operator could
    // show to some readers. The witness's last cosigned size is 4.
    let forked = tmp.path().join("forked");
    let mut fork = open(&forked, &key);
    fork.append(&[b"a".as_slice(), b"b", b"x", b"d", b"e"])
        .unwrap();
    let err = witness(&fork, Some(&seen2.checkpoint), &node, 300).unwrap_err();
    assert!(err.to_string().contains("history was rewritten"), "{err}");

    // A shorter log than the one cosigned: rolled back.
    let short = tmp.path().join("short");
    let mut trunc = open(&short, &key);
    trunc.append(&[b"a".as_slice(), b"b"]).unwrap();
    let err = witness(&trunc, Some(&seen2.checkpoint), &node, 300).unwrap_err();
    assert!(matches!(err, LedgerError::RolledBack { .. }), "{err}");
}

#[test]
fn the_key_file_is_created_owner_only_and_reloaded() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("witness.key");
    let a = Cosigner::load_or_create(&path, "custos.local/node-a").unwrap();
    let b = Cosigner::load_or_create(&path, "ignored-when-present").unwrap();
    assert_eq!(a.verifier_key(), b.verifier_key());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "no access for group or others");
    }
}
