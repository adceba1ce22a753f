use std::path::PathBuf;

/// What can go wrong in a store. Messages never include customer data;
/// event ids may appear, they are not personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("batch starts at ledger index {got} but the store holds {expected} entries; batches must follow each other without gaps")]
    Gap { expected: u64, got: u64 },

    #[error("batch is not contiguous: ledger index {got} follows {previous}")]
    NotContiguous { previous: u64, got: u64 },

    #[error("ledger head of size {head} does not match the {expected} entries the store holds after the batch")]
    HeadMismatch { head: u64, expected: u64 },

    #[error("event id `{0}` is already stored")]
    DuplicateId(String),

    #[error("ledger index {0} is beyond what the store can key")]
    IndexTooLarge(u64),

    #[error("a disclosure row of the event at ledger index {index} names ledger index {names}")]
    MisplacedDisclosure { index: u64, names: u64 },

    #[error("the event at ledger index {index} discloses {count} customers, more than the store can key for one event")]
    TooManyDisclosures { index: u64, count: usize },

    #[error("the store's schema is at version {found}, newer than the {known} this build knows; use a newer custos")]
    SchemaTooNew { found: i64, known: i64 },

    #[error("stored `{column}` is not valid: {detail}")]
    Corrupt {
        column: &'static str,
        detail: String,
    },

    #[error("cannot open the store at `{path}`: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    #[error("cannot start the store's checkpoint thread: {0}")]
    Checkpointer(#[source] std::io::Error),

    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("cannot build the store's index `{index}` after a bulk load: {source}. The build sorts through SQLite's temporary files (in SQLITE_TMPDIR if set, else TMPDIR, else /var/tmp or /tmp): free space there or set SQLITE_TMPDIR to a roomier directory, then run any custos command on this data dir to build it")]
    IndexBuild {
        index: String,
        #[source]
        source: rusqlite::Error,
    },

    #[error("cannot connect to the PostgreSQL store `{url}`: {source}")]
    Connect {
        /// The URL without its password.
        url: String,
        #[source]
        source: postgres::Error,
    },

    #[error("postgres: {}", describe(.0))]
    Postgres(#[from] postgres::Error),

    #[error("the store connection is in use by another call on the same handle")]
    Busy,

    #[error("cannot stream rows to PostgreSQL's COPY: {0}")]
    Copy(#[source] std::io::Error),

    #[error("the store `{url}` is not supported: use `postgres://USER@HOST:PORT/DB` for PostgreSQL, or drop --store (and CUSTOS_STORE) for the embedded SQLite store")]
    UnsupportedStore {
        /// The URL without its password.
        url: String,
    },

    #[error("the ledger name `{0}` is not valid: use 1 to 64 letters, digits, `-`, `_` or `.`")]
    LedgerName(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The server's message and SQLSTATE when the server answered (never its
/// DETAIL, which can quote row values), else the client's own text.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

impl StoreError {
    /// A PostgreSQL deadlock or serialization failure: the transaction
    /// was rolled back as a whole and may simply be run again.
    pub fn is_transient_conflict(&self) -> bool {
        use postgres::error::SqlState;
        match self {
            StoreError::Postgres(e) => matches!(
                e.code(),
                Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED
                    || *c == SqlState::T_R_SERIALIZATION_FAILURE
            ),
            _ => false,
        }
    }
}
