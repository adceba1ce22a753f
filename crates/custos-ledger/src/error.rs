use std::path::{Path, PathBuf};

/// What can go wrong with the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A file-system operation failed.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The log name cannot be a signed-note key name.
    #[error("log name `{0}` is not usable: it must be non-empty, without spaces or `+`")]
    InvalidOrigin(String),

    /// The private key file does not parse.
    #[error("private key `{}` is malformed; it must hold one signed-note key `PRIVATE+KEY+<name>+<id>+<key>`", path.display())]
    MalformedKey { path: PathBuf },

    /// The private key belongs to another log.
    #[error("private key `{}` is for log `{key_name}`, not `{origin}`; pass the matching log name or key", path.display())]
    KeyForOtherLog {
        path: PathBuf,
        key_name: String,
        origin: String,
    },

    /// The ledger has a checkpoint but its private key is gone.
    #[error("private key `{}` is missing but the ledger `{}` already has a checkpoint; restore the key (a new key would not verify the old checkpoints)", key.display(), dir.display())]
    MissingKey { key: PathBuf, dir: PathBuf },

    /// `key.vkey` does not hold the public half of the private key.
    #[error("`{}` does not hold the public key of `{}`; restore it or the matching private key", path.display(), key.display())]
    VerifierKeyMismatch { path: PathBuf, key: PathBuf },

    /// A verifier key does not parse.
    #[error("verifier key `{0}` is malformed")]
    MalformedVerifierKey(String),

    /// The directory holds no ledger.
    #[error("`{}` holds no ledger checkpoint", dir.display())]
    NotALedger { dir: PathBuf },

    /// A checkpoint note does not parse or does not verify.
    #[error("checkpoint does not verify: {0}")]
    BadCheckpoint(String),

    /// Another process holds the ledger open for writing.
    #[error("the ledger `{}` is open for writing elsewhere (another process holds its lock); stop that process or open the ledger read-only", path.display())]
    Locked { path: PathBuf },

    /// An entry is too long for a bundle.
    #[error("entry {position} of the batch is {len} bytes; a ledger entry holds at most 65535")]
    EntryTooLarge { position: usize, len: usize },

    /// An index outside the tree.
    #[error("index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },

    /// A tree size the ledger does not have.
    #[error("tree size {requested} is not within the ledger (size {size})")]
    SizeOutOfRange { requested: u64, size: u64 },

    /// A file of the ledger is damaged.
    #[error("`{path}` is damaged: {reason}")]
    Corrupt { path: String, reason: String },

    /// Files past the signed checkpoint that no interrupted append explains.
    #[error("`{path}` holds data past the signed checkpoint (size {size}): the checkpoint may have been rolled back; run `custos verify` and investigate before appending")]
    BeyondCheckpoint { path: String, size: u64 },

    /// The checkpoint is older than one a writer already committed.
    #[error("the checkpoint (size {size}) is older than the size {committed} the ledger's writer last committed: it was rolled back; run `custos verify` and investigate before appending")]
    RolledBack { size: u64, committed: u64 },

    /// The ledger was opened read-only.
    #[error("the ledger was opened read-only")]
    ReadOnly,

    /// An earlier append failed half-way.
    #[error("an earlier append failed; reopen the ledger to recover")]
    Poisoned,

    /// A proof does not verify.
    #[error("invalid proof: {0}")]
    InvalidProof(String),

    /// A hex hash does not parse.
    #[error("`{0}` is not a 64-digit hex hash")]
    MalformedHash(String),

    /// Signing a checkpoint failed.
    #[error("cannot sign the checkpoint: {0}")]
    Sign(String),

    /// A bug: a state the code should never reach.
    #[error("internal ledger error: {0}")]
    Internal(String),
}

impl LedgerError {
    pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| LedgerError::Io {
            action,
            path,
            source,
        }
    }
}
