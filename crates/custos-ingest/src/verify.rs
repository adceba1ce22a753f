//! End-to-end verification: the ledger against its signed checkpoint,
//! and the store against the ledger, row by row.

use crate::pipeline::Pipeline;
use custos_core::parse_event;
use custos_store::derive_rows;
use serde::Serialize;

/// The result of `custos verify`: INTERFACE.md's keys.
#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub size: u64,
    pub root_hash: String,
    pub problems: Vec<String>,
}

/// Past this many problems the report stops listing them: one tampered
/// tile can make every later row disagree.
const MAX_PROBLEMS: usize = 100;

const CHUNK: u64 = 10_000;

impl Pipeline {
    /// Checks everything: the ledger's tiles, entries and checkpoint
    /// signature, then that the store holds exactly the rows derived from
    /// the ledger's entries, no more, no fewer, none edited.
    pub fn verify(&self) -> VerifyReport {
        let ledger_report = self.ledger.verify();
        let mut problems = ledger_report.problems.clone();
        let size = self.ledger.size();
        match self.store.ledger_size() {
            Ok(s) if s != size => problems.push(format!(
                "the store indexes {s} events but the ledger holds {size}"
            )),
            Ok(_) => {}
            Err(e) => problems.push(format!("cannot read the store: {e}")),
        }
        let mut start = 0;
        while start < size && problems.len() < MAX_PROBLEMS {
            let end = (start + CHUNK).min(size);
            self.compare_chunk(start, end, &mut problems);
            start = end;
        }
        problems.truncate(MAX_PROBLEMS);
        VerifyReport {
            ok: problems.is_empty(),
            size,
            root_hash: custos_core::hex(&self.ledger.root().0),
            problems,
        }
    }

    fn compare_chunk(&self, start: u64, end: u64, problems: &mut Vec<String>) {
        let stored = match self.store.scan_rows(start..end) {
            Ok(rows) => rows,
            Err(e) => {
                problems.push(format!("cannot read store rows {start}..{end}: {e}"));
                return;
            }
        };
        let entries = match self.ledger.entries(start..end) {
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
            // Rows the store has below this index were already reported.
            while stored.peek().is_some_and(|r| r.index() < index) {
                stored.next();
            }
            match stored.next_if(|r| r.index() == index) {
                None => problems.push(format!("store: event at ledger index {index} is missing")),
                Some(row) if row != expected => problems.push(format!(
                    "store: the rows of event `{}` (ledger index {index}) differ from its ledger entry; they were edited",
                    expected.event_id()
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
}
