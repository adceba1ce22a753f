use std::path::PathBuf;

/// What can stop an investigation.
#[derive(Debug, thiserror::Error)]
pub enum InvestigateError {
    #[error(transparent)]
    Store(#[from] custos_store::StoreError),

    #[error(transparent)]
    Ledger(#[from] custos_ledger::LedgerError),

    /// A scope needs someone to scope.
    #[error("no employee to scope; name at least one with --employee or pass --alert")]
    NoEmployee,

    /// The alert id is not stored.
    #[error("no alert with id `{0}`; list them with `custos alerts`")]
    UnknownAlert(String),

    /// A stored alert lacks what a scope needs.
    #[error("alert `{id}` cannot be scoped: {reason}")]
    MalformedAlert { id: String, reason: String },

    /// The store indexed an event the loaded checkpoint does not cover
    /// yet (a writer is ingesting right now).
    #[error("ledger index {index} is not covered by the checkpoint (size {size}) yet; retry, a writer is committing")]
    NotCovered { index: u64, size: u64 },

    /// The store names a ledger index it holds no event for.
    #[error("the store names ledger index {0} but holds no event there; run `custos verify`")]
    MissingEvent(u64),

    /// The store's entry does not match the ledger.
    #[error("the store's entry at ledger index {0} is not the one the checkpoint covers; run `custos verify`")]
    StoreLedgerMismatch(u64),

    /// A stored entry does not parse as an event.
    #[error(
        "the entry at ledger index {index} is not a valid event ({reason}); run `custos verify`"
    )]
    CorruptEntry { index: u64, reason: String },

    /// Reading or creating the pseudonym key failed.
    #[error("cannot {action} the pseudonym key `{}`: {source}", path.display())]
    PseudonymIo {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The pseudonym key file is unusable.
    #[error("the pseudonym key `{}` {reason}", path.display())]
    PseudonymKey { path: PathBuf, reason: String },

    /// A case change that is not well formed (an empty note, a bad id).
    #[error("{0}")]
    CaseInput(String),

    /// A case change its current state does not allow.
    #[error("case `{case}` refuses the change: {reason}")]
    CaseRefused { case: String, reason: String },

    /// No case with this id was opened.
    #[error("no case with id `{0}`; list them with `custos case list`")]
    UnknownCase(String),

    /// A stored case event does not replay.
    #[error("case event `{event}` does not replay ({reason}); run `custos verify`")]
    CorruptCase { event: String, reason: String },
}
