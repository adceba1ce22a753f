//! Pseudonymous employee ids for access reports shown to customers.
//!
//! `emp~` and the first 16 hex digits of HMAC-SHA256(key, employee id).
//! The key is one per deployment, 32 random bytes kept as 64 hex digits
//! in `DATA_DIR/pseudonym.key` (mode 0600, created on first use), so the
//! same employee always gets the same pseudonym in that deployment and no
//! one without the key can map a pseudonym back by trying employee ids.

use crate::error::InvestigateError;
use crate::Result;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The key file's name inside the data dir.
pub const PSEUDONYM_KEY_FILE: &str = "pseudonym.key";

/// The per-deployment secret behind pseudonyms.
#[derive(Clone)]
pub struct PseudonymKey {
    key: [u8; 32],
}

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

impl PseudonymKey {
    /// A key from its bytes (tests, or a key kept elsewhere).
    pub fn from_bytes(key: [u8; 32]) -> PseudonymKey {
        PseudonymKey { key }
    }

    /// The pseudonym of an employee id: `emp~` and 16 hex digits.
    pub fn pseudonym(&self, employee: &str) -> String {
        // A 32-byte key is always a valid HMAC key; the fallback is unreachable.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return "emp~invalid".to_owned();
        };
        mac.update(employee.as_bytes());
        let tag = mac.finalize().into_bytes();
        format!("emp~{}", &custos_core::hex(&tag)[..16])
    }

    /// Loads the key of the data dir `data_dir`, creating it (mode 0600) on
    /// first use. Creation is atomic: the key is written to a temporary
    /// file and hard-linked into place, so two processes racing both end
    /// up with the one key that won.
    pub fn load_or_create(data_dir: &Path) -> Result<PseudonymKey> {
        let path = data_dir.join(PSEUDONYM_KEY_FILE);
        match Self::load(&path) {
            Ok(k) => return Ok(k),
            Err(InvestigateError::PseudonymIo { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        let tmp = data_dir.join(format!(".{PSEUDONYM_KEY_FILE}.{}.tmp", std::process::id()));
        let io = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| InvestigateError::PseudonymIo {
                action,
                path,
                source,
            }
        };
        {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&tmp).map_err(io("create", &tmp))?;
            let text = format!("{}\n", custos_core::hex(&key));
            f.write_all(text.as_bytes()).map_err(io("write", &tmp))?;
            f.sync_all().map_err(io("sync", &tmp))?;
        }
        let linked = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                if let Ok(dir) = std::fs::File::open(data_dir) {
                    let _ = dir.sync_all();
                }
                Ok(PseudonymKey { key })
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load(&path),
            Err(e) => Err(io("create", &path)(e)),
        }
    }

    /// Loads an existing key file; refuses one that others may read.
    pub fn load(path: &Path) -> Result<PseudonymKey> {
        let bad = |reason: &str| InvestigateError::PseudonymKey {
            path: path.to_path_buf(),
            reason: reason.to_owned(),
        };
        let text =
            std::fs::read_to_string(path).map_err(|source| InvestigateError::PseudonymIo {
                action: "read",
                path: PathBuf::from(path),
                source,
            })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(path) {
                if meta.permissions().mode() & 0o077 != 0 {
                    return Err(bad(
                        "is readable by others; restrict it with `chmod 600` (and consider the old pseudonyms exposed)",
                    ));
                }
            }
        }
        let hexdigits = text.trim_end_matches('\n');
        if hexdigits.len() != 64 || !hexdigits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("is not 64 hex digits; restore it from a backup"));
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hexdigits[2 * i..2 * i + 2], 16)
                .map_err(|_| bad("is not 64 hex digits; restore it from a backup"))?;
        }
        Ok(PseudonymKey { key })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            custos_core::hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn pseudonyms_are_stable_keyed_and_distinct() {
        let k = PseudonymKey::from_bytes([7; 32]);
        let p = k.pseudonym("emp-1");
        assert!(p.starts_with("emp~") && p.len() == 20, "{p}");
        assert_eq!(p, k.pseudonym("emp-1"));
        assert_ne!(p, k.pseudonym("emp-2"));
        assert_ne!(p, PseudonymKey::from_bytes([8; 32]).pseudonym("emp-1"));
    }

    #[test]
    fn key_is_created_once_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let a = PseudonymKey::load_or_create(dir.path()).unwrap();
        let b = PseudonymKey::load_or_create(dir.path()).unwrap();
        assert_eq!(a.pseudonym("emp-1"), b.pseudonym("emp-1"));
        let path = dir.path().join(PSEUDONYM_KEY_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(PseudonymKey::load(&path).is_err());
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        std::fs::write(&path, "zz\n").unwrap();
        assert!(PseudonymKey::load_or_create(dir.path()).is_err());
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from(PSEUDONYM_KEY_FILE)]);
    }
}
