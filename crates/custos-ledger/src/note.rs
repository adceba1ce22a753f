//! The log's Ed25519 key and its signed checkpoints (C2SP signed-note and
//! tlog-checkpoint).

use crate::error::LedgerError;
use base64::prelude::*;
use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};
use std::path::Path;
use tlog_tiles::{Checkpoint, Hash};

/// A checkpoint whose signature has been checked: the tree it commits to
/// and the signed note as published in `checkpoint`.
#[derive(Clone, Debug, PartialEq)]
pub struct SignedCheckpoint {
    /// The log's name, the checkpoint's first line.
    pub origin: String,
    /// The number of entries.
    pub size: u64,
    /// The RFC 6962 root hash of those entries.
    pub root: Hash,
    /// The whole signed note: checkpoint body, blank line, signature.
    pub note_text: String,
}

/// The private half of the log's key.
pub(crate) struct LogKey {
    pub signer: StandardSigner,
    /// Its verifier key, `<name>+<hex id>+<base64 of 0x01 ‖ public key>`.
    pub vkey: String,
}

/// Parses a signed-note private key (`PRIVATE+KEY+<name>+<id>+<base64>`),
/// returning its key name, signer and verifier key.
pub(crate) fn parse_private_key(text: &str, path: &Path) -> Result<(String, LogKey), LedgerError> {
    let malformed = || LedgerError::MalformedKey {
        path: path.to_path_buf(),
    };
    let text = text.trim_end();
    let signer = StandardSigner::new(text).map_err(|_| malformed())?;
    // StandardSigner keeps its key private, so derive the public key here.
    let mut parts = text.splitn(5, '+');
    let name = parts.nth(2).ok_or_else(malformed)?.to_owned();
    let key = parts
        .nth(1)
        .and_then(|b64| BASE64_STANDARD.decode(b64).ok())
        .ok_or_else(malformed)?;
    let seed: [u8; 32] = match key.as_slice() {
        [1, seed @ ..] => seed.try_into().map_err(|_| malformed())?,
        _ => return Err(malformed()),
    };
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    let vkey = signed_note::new_ed25519_verifier_key(&name, &public);
    Ok((name, LogKey { signer, vkey }))
}

/// The verifier key of the private key in `key_path`: lets a reader pin
/// the log's public key instead of trusting the `key.vkey` beside the log.
pub fn read_verifier_key(key_path: &Path) -> Result<String, LedgerError> {
    let text = std::fs::read_to_string(key_path).map_err(LedgerError::io("read", key_path))?;
    Ok(parse_private_key(&text, key_path)?.1.vkey)
}

/// A new random key for the log `name`: (private key text, verifier key).
pub(crate) fn generate_key(name: &str) -> (String, String) {
    signed_note::generate_key(&mut rand_core::OsRng, name)
}

/// Signs the checkpoint of the tree (`size`, `root`) of log `origin`.
pub(crate) fn sign_checkpoint(
    key: &LogKey,
    origin: &str,
    size: u64,
    root: Hash,
) -> Result<SignedCheckpoint, LedgerError> {
    let body = Checkpoint::new(origin, size, root, "")
        .map_err(|_| LedgerError::InvalidOrigin(origin.to_owned()))?;
    let mut note =
        Note::new(&body.to_bytes(), &[]).map_err(|e| LedgerError::Sign(e.to_string()))?;
    note.add_sigs(&[&key.signer])
        .map_err(|e| LedgerError::Sign(e.to_string()))?;
    let note_text = String::from_utf8(note.to_bytes())
        .map_err(|_| LedgerError::Sign("the note is not UTF-8".into()))?;
    Ok(SignedCheckpoint {
        origin: origin.to_owned(),
        size,
        root,
        note_text,
    })
}

/// Checks a signed checkpoint note against the log's verifier key and
/// returns what it commits to. Needs nothing but the note and the public
/// key, so anyone can run it offline.
pub fn verify_checkpoint_note(
    note_text: &str,
    vkey: &str,
) -> Result<SignedCheckpoint, LedgerError> {
    let verifier =
        StandardVerifier::new(vkey).map_err(|_| LedgerError::MalformedVerifierKey(vkey.into()))?;
    let name = signed_note::Verifier::name(&verifier).to_owned();
    let note = Note::from_bytes(note_text.as_bytes())
        .map_err(|_| LedgerError::BadCheckpoint("it is not a well-formed signed note".into()))?;
    note.verify(&VerifierList::new(vec![Box::new(verifier)]))
        .map_err(|e| {
            LedgerError::BadCheckpoint(match e {
                signed_note::NoteError::UnverifiedNote => {
                    format!("it carries no signature by the log key `{name}`")
                }
                other => other.to_string(),
            })
        })?;
    let body = Checkpoint::from_bytes(note.text())
        .map_err(|_| LedgerError::BadCheckpoint("its body is not a C2SP tlog checkpoint".into()))?;
    if body.origin() != name {
        return Err(LedgerError::BadCheckpoint(format!(
            "its origin `{}` is not the key's log `{name}`",
            body.origin()
        )));
    }
    Ok(SignedCheckpoint {
        origin: name,
        size: body.size(),
        root: *body.hash(),
        note_text: note_text.to_owned(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify() {
        let (skey, vkey) = generate_key("custos.local/test");
        let (name, key) = parse_private_key(&skey, Path::new("k")).unwrap();
        assert_eq!(name, "custos.local/test");
        assert_eq!(key.vkey, vkey, "derived public key matches generated one");
        let root = tlog_tiles::record_hash(b"x");
        let cp = sign_checkpoint(&key, &name, 7, root).unwrap();
        assert!(cp.note_text.starts_with("custos.local/test\n7\n"));
        let back = verify_checkpoint_note(&cp.note_text, &vkey).unwrap();
        assert_eq!(back, cp);

        let (_, other) = generate_key("custos.local/test");
        assert!(verify_checkpoint_note(&cp.note_text, &other).is_err());
        let tampered = cp.note_text.replacen("\n7\n", "\n8\n", 1);
        assert!(verify_checkpoint_note(&tampered, &vkey).is_err());
        assert!(parse_private_key("PRIVATE+KEY+x", Path::new("k")).is_err());
    }
}
