//! Which store a deployment uses, named by a URL: the embedded SQLite
//! file by default, or a PostgreSQL database shared by several ledgers.

use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use crate::{Result, Store, StoreError};
use std::path::{Path, PathBuf};

/// The ledger name a PostgreSQL store uses when none is given.
pub const DEFAULT_LEDGER: &str = "main";

/// A store to open: everything [`open_store`] needs.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// The embedded store in this SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database; `ledger` names the ledger whose rows this
    /// handle writes (one database may hold several).
    Postgres { url: String, ledger: String },
}

impl StoreSpec {
    /// The spec for a `--store` URL: `None` (or `sqlite:` alone) is the
    /// embedded store at `sqlite_path`, `sqlite:PATH` another SQLite file,
    /// `postgres://...` (or `postgresql://...`) a PostgreSQL store holding
    /// `ledger`.
    pub fn from_url(url: Option<&str>, sqlite_path: &Path, ledger: &str) -> Result<StoreSpec> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(StoreSpec::Sqlite(sqlite_path.to_path_buf()));
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            check_ledger_name(ledger)?;
            return Ok(StoreSpec::Postgres {
                url: url.to_owned(),
                ledger: ledger.to_owned(),
            });
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            return Ok(StoreSpec::Sqlite(if path.is_empty() {
                sqlite_path.to_path_buf()
            } else {
                PathBuf::from(path)
            }));
        }
        Err(StoreError::UnsupportedStore { url: redact(url) })
    }

    /// Whether this is the embedded SQLite store.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, StoreSpec::Sqlite(_))
    }
}

/// Shown in messages: the password of a URL never is.
impl std::fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreSpec::Sqlite(p) => write!(f, "{}", p.display()),
            StoreSpec::Postgres { url, ledger } => write!(f, "{} (ledger `{ledger}`)", redact(url)),
        }
    }
}

impl std::fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreSpec::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            StoreSpec::Postgres { url, ledger } => f
                .debug_struct("Postgres")
                .field("url", &redact(url))
                .field("ledger", ledger)
                .finish(),
        }
    }
}

/// Opens (creating if needed, running migrations) the store `spec` names.
pub fn open_store(spec: &StoreSpec) -> Result<Box<dyn Store + Send>> {
    Ok(match spec {
        StoreSpec::Sqlite(path) => Box::new(SqliteStore::open(path)?),
        StoreSpec::Postgres { url, ledger } => Box::new(PgStore::open(url, ledger)?),
    })
}

/// Ledger names end up in messages and rows; keep them plain.
pub(crate) fn check_ledger_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::LedgerName(name.to_owned()))
    }
}

/// A URL with the password of its user info replaced by `***`.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn urls_name_their_backend() {
        let default = Path::new("/d/store.sqlite");
        assert_eq!(
            StoreSpec::from_url(None, default, "main").unwrap(),
            StoreSpec::Sqlite(default.into())
        );
        assert_eq!(
            StoreSpec::from_url(Some("sqlite:"), default, "main").unwrap(),
            StoreSpec::Sqlite(default.into())
        );
        assert_eq!(
            StoreSpec::from_url(Some("sqlite:///x/y.db"), default, "main").unwrap(),
            StoreSpec::Sqlite("/x/y.db".into())
        );
        assert_eq!(
            StoreSpec::from_url(Some("postgres://u@h/db"), default, "p-1").unwrap(),
            StoreSpec::Postgres {
                url: "postgres://u@h/db".into(),
                ledger: "p-1".into()
            }
        );
        assert!(matches!(
            StoreSpec::from_url(Some("postgres://u@h/db"), default, "bad name"),
            Err(StoreError::LedgerName(_))
        ));
    }

    #[test]
    fn an_unknown_scheme_names_the_url_and_the_fix_without_the_password() {
        let err = StoreSpec::from_url(Some("mysql://root:hunter2@h/db"), Path::new("s"), "main")
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("mysql://root:***@h/db"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(msg.contains("postgres://"), "{msg}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://u:pw@h:5432/db?x=1"),
            "postgres://u:***@h:5432/db?x=1"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        let spec = StoreSpec::Postgres {
            url: "postgres://u:pw@h/db".into(),
            ledger: "main".into(),
        };
        assert!(!format!("{spec} {spec:?}").contains("pw@"));
    }
}
