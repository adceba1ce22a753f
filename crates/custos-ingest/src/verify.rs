//! End-to-end verification: the ledger against its signed checkpoint,
//! and the store against the ledger, row by row. Read-only: it takes no
//! writer lock, so it runs beside a live `custos serve`.

use crate::pipeline::DataDir;
use custos_core::parse_event;
use custos_ledger::{read_verifier_key, verify_dir, Ledger};
use custos_store::{derive_rows, open_store, Store};
use serde::Serialize;

/// The result of `custos verify`: INTERFACE.md's keys, plus notes that
/// are not problems (a store still catching up after a crash).
#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub size: u64,
    pub root_hash: String,
    pub problems: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Past this many problems the report stops listing them: one tampered
/// tile can make every later row disagree.
const MAX_PROBLEMS: usize = 100;

const CHUNK: u64 = 10_000;

/// Checks a data dir: the ledger's tiles, entries and checkpoint
/// signature (against the key derived from the private key when it is
/// readable, so a swapped `key.vkey` is caught), then that the store
/// holds exactly the rows derived from the ledger's entries.
pub fn verify(dir: &DataDir) -> VerifyReport {
    let mut report = VerifyReport {
        ok: false,
        size: 0,
        root_hash: String::new(),
        problems: Vec::new(),
        notes: Vec::new(),
    };
    let trusted = match read_verifier_key(&dir.ledger_key()) {
        Ok(vkey) => Some(vkey),
        Err(e) => {
            report.notes.push(format!(
                "the private key is not readable ({e}); the checkpoint is checked against `ledger/key.vkey` only"
            ));
            None
        }
    };
    // The store first: it is written after the ledger, so a ledger opened
    // afterwards is never behind it unless something is wrong.
    let store = match open_store(&dir.store_spec()) {
        Ok(s) => Some(s),
        Err(e) => {
            report.problems.push(format!("cannot open the store: {e}"));
            None
        }
    };
    let store_head = store.as_ref().map(|s| (s.ledger_size(), s.ledger_head()));
    let ledger = match Ledger::open_read_only(&dir.ledger(), trusted.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            // Too damaged to open: list what is wrong with the files.
            report.problems.push(format!("cannot open the ledger: {e}"));
            if let Some(vkey) = trusted {
                let files = verify_dir(&dir.ledger(), &vkey);
                report.problems.extend(files.problems);
            }
            report.problems.truncate(MAX_PROBLEMS);
            return report;
        }
    };
    let ledger_report = ledger.verify();
    report.problems.extend(ledger_report.problems);
    report.size = ledger.size();
    report.root_hash = custos_core::hex(&ledger.root().0);
    if let (Some(store), Some((size, head))) = (store, store_head) {
        check_store(&ledger, &*store, size, head, &mut report);
    }
    report.problems.truncate(MAX_PROBLEMS);
    report.ok = report.problems.is_empty();
    report
}

fn check_store(
    ledger: &Ledger,
    store: &dyn Store,
    store_size: custos_store::Result<u64>,
    head: custos_store::Result<Option<custos_store::LedgerHead>>,
    report: &mut VerifyReport,
) {
    let size = ledger.size();
    let store_size = match store_size {
        Ok(s) => s,
        Err(e) => {
            report.problems.push(format!("cannot read the store: {e}"));
            return;
        }
    };
    if store_size > size {
        report.problems.push(format!(
            "the store indexes {store_size} events but the ledger holds only {size}: the ledger was truncated or replaced"
        ));
        return;
    }
    if store_size < size {
        report.notes.push(format!(
            "the store lags the ledger by {} events; they are re-indexed from the ledger on the next start",
            size - store_size
        ));
    }
    match head {
        Ok(Some(head)) => match ledger.root_at(head.size) {
            Ok(root) if custos_core::hex(&root.0) != head.root_hash => report.problems.push(format!(
                "the store was indexed from a ledger whose root at size {} was {}, but this ledger's root there is {}",
                head.size,
                head.root_hash,
                custos_core::hex(&root.0)
            )),
            Ok(_) => {}
            Err(e) => report
                .problems
                .push(format!("cannot compute the ledger root at size {}: {e}", head.size)),
        },
        Ok(None) => {}
        Err(e) => report.problems.push(format!("cannot read the store's ledger head: {e}")),
    }
    let mut start = 0;
    while start < store_size && report.problems.len() < MAX_PROBLEMS {
        let end = (start + CHUNK).min(store_size);
        compare_chunk(ledger, store, start, end, &mut report.problems);
        start = end;
    }
}

fn compare_chunk(
    ledger: &Ledger,
    store: &dyn Store,
    start: u64,
    end: u64,
    problems: &mut Vec<String>,
) {
    let stored = match store.scan_rows(start..end) {
        Ok(rows) => rows,
        Err(e) => {
            problems.push(format!("cannot read store rows {start}..{end}: {e}"));
            return;
        }
    };
    let entries = match ledger.entries(start..end) {
        Ok(it) => it,
        Err(e) => {
            problems.push(format!("cannot read ledger entries {start}..{end}: {e}"));
            return;
        }
    };
    let mut stored = stored.into_iter().peekable();
    for (k, entry) in entries.enumerate() {
        let index = start + k as u64;
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("ledger entry {index} cannot be read: {e}"));
                return;
            }
        };
        let expected = match std::str::from_utf8(&entry)
            .map_err(|e| e.to_string())
            .and_then(|s| parse_event(s).map_err(|r| r.to_string()))
        {
            Ok(event) => derive_rows(index, &event, &entry),
            Err(reason) => {
                problems.push(format!(
                    "ledger entry {index} is not a valid event: {reason}"
                ));
                continue;
            }
        };
        while stored.peek().is_some_and(|r| r.index() < index) {
            stored.next();
        }
        match stored.next_if(|r| r.index() == index) {
            None => problems.push(format!("store: event at ledger index {index} is missing")),
            Some(row) if row != expected => problems.push(format!(
                "store: the rows of event `{}` (ledger index {index}) differ from its ledger entry; they were edited",
                expected.event.id
            )),
            Some(_) => {}
        }
        if problems.len() >= MAX_PROBLEMS {
            return;
        }
    }
    for row in stored {
        problems.push(format!(
            "store: row at index {} has no ledger entry",
            row.index()
        ));
    }
}
