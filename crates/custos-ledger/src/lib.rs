//! The Custos ledger: every accepted event, in order, in an append-only
//! RFC 6962 Merkle log that anyone holding the log's public key can check.
//!
//! The log lives in one directory laid out as a C2SP tlog-tiles log
//! (tile height 8), so a static file server can publish it as it is:
//!
//! - `checkpoint`: the latest signed checkpoint, a C2SP tlog-checkpoint
//!   body (origin, size, base64 root) in a C2SP signed note (Ed25519);
//! - `tile/<L>/<N>[.p/<W>]`: hash tiles (level 0 holds leaf hashes, level
//!   `L` the roots of 256^L-leaf subtrees), `<N>` in 3-digit groups, all
//!   but the last prefixed with `x`;
//! - `tile/entries/<N>[.p/<W>]`: entry bundles, each entry a big-endian
//!   u16 length then its bytes;
//! - `key.vkey`: the log's verifier key, `<name>+<hex id>+<base64 key>`;
//! - `writer` (only while a writer has the log open, or after it crashed):
//!   the size it last committed. It tells crash recovery that files past
//!   the checkpoint are an interrupted append's, and `verify` that a
//!   checkpoint smaller than that size was rolled back.
//!
//! The private key is kept outside that directory (see [`Ledger::open`]).
//! A leaf hash is SHA-256(0x00 ‖ entry), a node hash SHA-256(0x01 ‖ l ‖ r).
//!
//! Guarantees: an [`Ledger::append`] is durable when it returns; a crash at
//! any point leaves the previous checkpoint valid and everything it covers
//! intact; [`Ledger::verify`] re-derives every hash from the entries and
//! names each damaged file. Partial tiles are kept for readers of older
//! checkpoints until the full tile replaces them.
//!
//! This crate knows nothing of events: entries are opaque bytes. The
//! Merkle maths (`merkle`, `layout`, `bundle`) do no I/O and never read the
//! clock; only `fsio` and the `Ledger` touch the disk.

mod bench;
mod bundle;
mod cosign;
mod error;
mod fsio;
mod layout;
mod ledger;
mod merkle;
mod note;
mod verify;

pub use bench::{bench_append, BenchStats};
pub use cosign::{witness, CosignatureVerifier, Cosigned, Cosigner};
pub use error::LedgerError;
pub use ledger::{Appended, Entries, Ledger};
pub use merkle::{leaf_hash, verify_consistency, verify_inclusion};
pub use note::{read_verifier_key, verify_checkpoint_note, SignedCheckpoint};
pub use tlog_tiles::Hash;
pub use verify::VerifyReport;

/// The largest entry the ledger accepts, in bytes.
pub const MAX_ENTRY_LEN: usize = layout::MAX_ENTRY_LEN;

impl Ledger {
    /// Verifies the whole ledger from disk: the checkpoint signature, every
    /// entry bundle and hash tile the checkpoint covers (every leaf hash
    /// recomputed, every higher tile recomputed from the one below), the
    /// root against the checkpoint, older partial tiles against the tiles
    /// that extend them, and that nothing lies past the checkpoint. Reads
    /// one tile at a time, so memory stays bounded for any size; stops
    /// after 100 problems. Never fails: problems are reported.
    pub fn verify(&self) -> VerifyReport {
        let writer = self.is_writer();
        verify::run(
            self.dir(),
            self.verifier_key(),
            Some(self.checkpoint()),
            writer,
        )
    }
}

/// Verifies the ledger in `dir` as [`Ledger::verify`] does, without
/// opening it first: works on a ledger too damaged to open. `vkey` is the
/// log's verifier key (from a trusted copy, or `key.vkey`).
pub fn verify_dir(dir: &std::path::Path, vkey: &str) -> VerifyReport {
    verify::run(dir, vkey, None, false)
}

/// A hash as 64 lowercase hex digits.
pub fn to_hex(hash: &Hash) -> String {
    hash.0.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 64 hex digits into a hash.
pub fn hash_from_hex(text: &str) -> Result<Hash, LedgerError> {
    let bad = || LedgerError::MalformedHash(text.chars().take(80).collect());
    if text.len() != 64 || !text.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(Hash(out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let h = leaf_hash(b"");
        let text = to_hex(&h);
        assert_eq!(
            text,
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(hash_from_hex(&text).unwrap(), h);
        assert!(hash_from_hex("00").is_err());
        assert!(hash_from_hex(&"zz".repeat(32)).is_err());
    }
}
