//! Cosignatures (C2SP tlog-cosignature, `cosignature/v1` with Ed25519).
//!
//! A cosigner (a witness) states that, as of a time, the checkpoint is the
//! largest consistent tree head it has seen for that log. When every node
//! of a deployment cosigns the others' logs, the operator of one node
//! cannot fork its log's history unseen: a rewritten log no longer
//! matches the roots the other nodes signed.
//!
//! A cosignature is one more signature line on the checkpoint note:
//! `— <name> base64(key id ‖ timestamp ‖ Ed25519 signature)`, where the key
//! id is `SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4]`, the timestamp a
//! big-endian u64 of POSIX seconds, and the signature covers
//! `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint body.
//! The time is passed in by the caller: this module reads no clock.

use crate::error::LedgerError;
use crate::note::{verify_checkpoint_note, SignedCheckpoint};
use base64::prelude::*;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use signed_note::{Note, Verifier, VerifierList};
use std::path::Path;

/// The signature type byte of a `cosignature/v1` Ed25519 key.
const ALG_COSIGNATURE_V1: u8 = 0x04;

/// The private key of a cosigner and the time it signs at.
pub struct Cosigner {
    name: String,
    key: SigningKey,
    id: u32,
}

/// Checks the cosignatures of one cosigner.
pub struct CosignatureVerifier {
    name: String,
    key: VerifyingKey,
    id: u32,
}

/// A cosigned checkpoint whose log signature and cosignature both verify.
#[derive(Clone, Debug, PartialEq)]
pub struct Cosigned {
    /// The checkpoint the cosigner vouched for.
    pub checkpoint: SignedCheckpoint,
    /// When the cosigner signed it, POSIX seconds.
    pub timestamp: u64,
}

fn key_id(name: &str, public: &VerifyingKey) -> u32 {
    let mut material = vec![ALG_COSIGNATURE_V1];
    material.extend_from_slice(public.as_bytes());
    signed_note::key_id(name, &material)
}

/// The message a cosignature covers.
fn signed_message(timestamp: u64, body: &[u8]) -> Vec<u8> {
    let mut msg = format!("cosignature/v1\ntime {timestamp}\n").into_bytes();
    msg.extend_from_slice(body);
    msg
}

impl Cosigner {
    /// A new random cosigner key named `name`.
    pub fn generate(name: &str) -> Result<Cosigner, LedgerError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(LedgerError::InvalidOrigin(name.to_owned()));
        }
        let key = SigningKey::generate(&mut rand_core::OsRng);
        let id = key_id(name, &key.verifying_key());
        Ok(Cosigner {
            name: name.to_owned(),
            key,
            id,
        })
    }

    /// The cosigner key in `path`, created (owner-only) when missing.
    pub fn load_or_create(path: &Path, name: &str) -> Result<Cosigner, LedgerError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Cosigner::from_private_key(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let cosigner = Cosigner::generate(name)?;
                crate::fsio::write_durable(
                    path,
                    format!("{}\n", cosigner.private_key()).as_bytes(),
                    0o600,
                )?;
                Ok(cosigner)
            }
            Err(e) => Err(LedgerError::io("read", path)(e)),
        }
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64 of 0x04 ‖ seed>`.
    pub fn from_private_key(text: &str, path: &Path) -> Result<Cosigner, LedgerError> {
        let malformed = || LedgerError::MalformedKey {
            path: path.to_path_buf(),
        };
        let fields: Vec<&str> = text.trim_end().splitn(5, '+').collect();
        let [_, _, name, _, b64] = fields.as_slice() else {
            return Err(malformed());
        };
        let bytes = BASE64_STANDARD.decode(b64).map_err(|_| malformed())?;
        let seed: [u8; 32] = match bytes.as_slice() {
            [ALG_COSIGNATURE_V1, seed @ ..] => seed.try_into().map_err(|_| malformed())?,
            _ => return Err(malformed()),
        };
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, &key.verifying_key());
        Ok(Cosigner {
            name: (*name).to_owned(),
            key,
            id,
        })
    }

    /// The private key in signed-note form; keep it owner-only.
    pub fn private_key(&self) -> String {
        let mut material = vec![ALG_COSIGNATURE_V1];
        material.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            BASE64_STANDARD.encode(material)
        )
    }

    /// The public key as a verifier key: `<name>+<hex id>+<base64 of 0x04 ‖ key>`.
    pub fn verifier_key(&self) -> String {
        let mut material = vec![ALG_COSIGNATURE_V1];
        material.extend_from_slice(self.key.verifying_key().as_bytes());
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.id,
            BASE64_STANDARD.encode(material)
        )
    }

    /// The cosigner's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds this cosigner's signature, made at `timestamp`, to a signed
    /// checkpoint note (replacing an earlier one of the same key).
    ///
    /// The caller must have checked that the checkpoint is consistent with
    /// every earlier checkpoint of the log it cosigned: that is what a
    /// cosignature states.
    pub fn cosign(&self, note_text: &str, timestamp: u64) -> Result<String, LedgerError> {
        if timestamp > i64::MAX as u64 {
            return Err(LedgerError::Sign(
                "a cosignature time must not exceed 2^63-1".into(),
            ));
        }
        let mut note = Note::from_bytes(note_text.as_bytes()).map_err(|_| {
            LedgerError::BadCheckpoint("it is not a well-formed signed note".into())
        })?;
        let signer = TimedSigner {
            cosigner: self,
            timestamp,
        };
        note.add_sigs(&[&signer])
            .map_err(|e| LedgerError::Sign(e.to_string()))?;
        String::from_utf8(note.to_bytes())
            .map_err(|_| LedgerError::Sign("the note is not UTF-8".into()))
    }
}

/// A cosigner bound to one signing time, in the shape `signed_note` signs with.
struct TimedSigner<'a> {
    cosigner: &'a Cosigner,
    timestamp: u64,
}

impl signed_note::Signer for TimedSigner<'_> {
    fn name(&self) -> &str {
        &self.cosigner.name
    }

    fn key_id(&self) -> u32 {
        self.cosigner.id
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        let signature = self.cosigner.key.sign(&signed_message(self.timestamp, msg));
        let mut out = self.timestamp.to_be_bytes().to_vec();
        out.extend_from_slice(&signature.to_bytes());
        Ok(out)
    }
}

impl CosignatureVerifier {
    /// Parses a cosigner's verifier key.
    pub fn new(vkey: &str) -> Result<CosignatureVerifier, LedgerError> {
        let malformed = || LedgerError::MalformedVerifierKey(vkey.to_owned());
        let fields: Vec<&str> = vkey.trim().splitn(3, '+').collect();
        let [name, hex_id, b64] = fields.as_slice() else {
            return Err(malformed());
        };
        let bytes = BASE64_STANDARD.decode(b64).map_err(|_| malformed())?;
        let public: [u8; 32] = match bytes.as_slice() {
            [ALG_COSIGNATURE_V1, key @ ..] => key.try_into().map_err(|_| malformed())?,
            _ => return Err(malformed()),
        };
        let key = VerifyingKey::from_bytes(&public).map_err(|_| malformed())?;
        let id = key_id(name, &key);
        if u32::from_str_radix(hex_id, 16).ok() != Some(id) || hex_id.len() != 8 {
            return Err(malformed());
        }
        Ok(CosignatureVerifier {
            name: (*name).to_owned(),
            key,
            id,
        })
    }

    /// The cosigner's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks a checkpoint note signed by the log (`log_vkey`) and
    /// cosigned by this cosigner; returns the checkpoint and the
    /// cosignature's time.
    pub fn verify(&self, note_text: &str, log_vkey: &str) -> Result<Cosigned, LedgerError> {
        let checkpoint = verify_checkpoint_note(note_text, log_vkey)?;
        let note = Note::from_bytes(note_text.as_bytes()).map_err(|_| {
            LedgerError::BadCheckpoint("it is not a well-formed signed note".into())
        })?;
        let verifier = TimestampedVerifier::new(self);
        let (sigs, _) = note
            .verify(&VerifierList::new(vec![Box::new(verifier)]))
            .map_err(|e| {
                LedgerError::BadCheckpoint(match e {
                    signed_note::NoteError::UnverifiedNote => {
                        format!("it carries no cosignature by `{}`", self.name)
                    }
                    other => format!("cosignature by `{}`: {other}", self.name),
                })
            })?;
        // The verifier accepted only signatures with an 8-byte time first.
        let timestamp = sigs
            .first()
            .and_then(|s| s.signature().first_chunk::<8>())
            .map(|t| u64::from_be_bytes(*t))
            .ok_or_else(|| LedgerError::BadCheckpoint("the cosignature has no time".into()))?;
        Ok(Cosigned {
            checkpoint,
            timestamp,
        })
    }
}

/// Witnesses a log: cosigns `ledger`'s current checkpoint once it is
/// shown to extend `previous`, the last checkpoint of that log this
/// cosigner signed (`None` the first time), by a consistency proof
/// built from the log's tiles and checked against both roots.
///
/// A log that shrank or whose old root changed is refused: that is the
/// fork a cosignature exists to expose.
pub fn witness(
    ledger: &crate::Ledger,
    previous: Option<&SignedCheckpoint>,
    cosigner: &Cosigner,
    timestamp: u64,
) -> Result<String, LedgerError> {
    let current = ledger.checkpoint();
    if let Some(prev) = previous.filter(|p| p.size > 0) {
        if prev.origin != current.origin {
            return Err(LedgerError::BadCheckpoint(format!(
                "the log `{}` is not the log `{}` this cosigner witnessed",
                current.origin, prev.origin
            )));
        }
        if prev.size > current.size {
            return Err(LedgerError::RolledBack {
                size: current.size,
                committed: prev.size,
            });
        }
        let proof = ledger.prove_consistency(prev.size, current.size)?;
        crate::merkle::verify_consistency(
            prev.size,
            current.size,
            &prev.root,
            &current.root,
            &proof,
        )
        .map_err(|_| {
            LedgerError::BadCheckpoint(format!(
                "the log `{}` at size {} is not consistent with the checkpoint of size {} cosigned earlier: its history was rewritten",
                current.origin, current.size, prev.size
            ))
        })?;
    }
    cosigner.cosign(&current.note_text, timestamp)
}

/// `signed_note`'s verifier shape over a cosigner's key.
struct TimestampedVerifier {
    name: String,
    key: VerifyingKey,
    id: u32,
}

impl TimestampedVerifier {
    fn new(v: &CosignatureVerifier) -> TimestampedVerifier {
        TimestampedVerifier {
            name: v.name.clone(),
            key: v.key,
            id: v.id,
        }
    }
}

impl Verifier for TimestampedVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Some((time, signature)) = sig.split_first_chunk::<8>() else {
            return false;
        };
        let timestamp = u64::from_be_bytes(*time);
        if timestamp > i64::MAX as u64 {
            return false;
        }
        let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        self.key
            .verify(&signed_message(timestamp, msg), &signature)
            .is_ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::note::{generate_key, parse_private_key, sign_checkpoint};

    fn checkpoint() -> (String, String) {
        let (skey, vkey) = generate_key("custos.local/p0");
        let (_, key) = parse_private_key(&skey, Path::new("k")).unwrap();
        let root = tlog_tiles::record_hash(b"entry");
        let cp = sign_checkpoint(&key, "custos.local/p0", 1, root).unwrap();
        (cp.note_text, vkey)
    }

    #[test]
    fn cosign_then_verify() {
        let (note, log_vkey) = checkpoint();
        let witness = Cosigner::generate("custos.local/node-b").unwrap();
        let cosigned = witness.cosign(&note, 1_700_000_000).unwrap();
        assert!(
            cosigned.starts_with(&note),
            "the log's signature stays first"
        );
        let v = CosignatureVerifier::new(&witness.verifier_key()).unwrap();
        let got = v.verify(&cosigned, &log_vkey).unwrap();
        assert_eq!(got.timestamp, 1_700_000_000);
        assert_eq!(got.checkpoint.size, 1);
    }

    #[test]
    fn signature_layout_follows_the_spec() {
        // key id ‖ u64 time ‖ 64-byte Ed25519 signature over the prefixed body.
        let (note, _) = checkpoint();
        let witness = Cosigner::generate("w.example/1").unwrap();
        let cosigned = witness.cosign(&note, 42).unwrap();
        let line = cosigned.lines().last().unwrap();
        let b64 = line.rsplit(' ').next().unwrap();
        let raw = BASE64_STANDARD.decode(b64).unwrap();
        assert_eq!(raw.len(), 4 + 8 + 64);
        assert_eq!(u32::from_be_bytes(raw[..4].try_into().unwrap()), witness.id);
        assert_eq!(u64::from_be_bytes(raw[4..12].try_into().unwrap()), 42);
        let body = &note[..note.find("\n\n").unwrap() + 1];
        let sig = ed25519_dalek::Signature::from_slice(&raw[12..]).unwrap();
        let msg = format!("cosignature/v1\ntime 42\n{body}");
        witness
            .key
            .verifying_key()
            .verify(msg.as_bytes(), &sig)
            .unwrap();
    }

    #[test]
    fn tampering_is_caught() {
        let (note, log_vkey) = checkpoint();
        let witness = Cosigner::generate("custos.local/node-b").unwrap();
        let v = CosignatureVerifier::new(&witness.verifier_key()).unwrap();
        let cosigned = witness.cosign(&note, 7).unwrap();
        // Another size in the body breaks both signatures.
        let forged = cosigned.replacen("\n1\n", "\n2\n", 1);
        assert!(v.verify(&forged, &log_vkey).is_err());
        // No cosignature at all.
        assert!(v.verify(&note, &log_vkey).is_err());
        // Another cosigner's key does not vouch for it.
        let other = Cosigner::generate("custos.local/node-b").unwrap();
        let v2 = CosignatureVerifier::new(&other.verifier_key()).unwrap();
        assert!(v2.verify(&cosigned, &log_vkey).is_err());
    }

    #[test]
    fn private_key_round_trips() {
        let witness = Cosigner::generate("custos.local/node-a").unwrap();
        let back = Cosigner::from_private_key(&witness.private_key(), Path::new("k")).unwrap();
        assert_eq!(back.verifier_key(), witness.verifier_key());
        assert!(CosignatureVerifier::new("custos.local/node-a+00000000+AAAA").is_err());
    }
}
