//! The yardstick for ingest speed: PostgreSQL's `COPY` of the same rows
//! into tables with the same indexes as the embedded store's events and
//! disclosures. `custos bench ingest` runs it beside a real ingest of the
//! same file, so the ratio is measured on one machine in one run.

use crate::rows::EventRows;
use postgres::{Client, NoTls};
use std::io::Write;
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("cannot stream rows to COPY: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes rows in COPY's text format: one file for events, one for
/// disclosures. Done before timing, so that COPY is measured on data that
/// is already in its own format (the most favourable case for it).
pub struct CopyFiles {
    events: std::io::BufWriter<std::fs::File>,
    disclosures: std::io::BufWriter<std::fs::File>,
    pub events_path: std::path::PathBuf,
    pub disclosures_path: std::path::PathBuf,
    line: Vec<u8>,
    pub event_rows: u64,
    pub disclosure_rows: u64,
}

impl CopyFiles {
    pub fn create(dir: &std::path::Path) -> Result<CopyFiles, BaselineError> {
        let events_path = dir.join("events.copy");
        let disclosures_path = dir.join("disclosures.copy");
        Ok(CopyFiles {
            events: std::io::BufWriter::new(std::fs::File::create(&events_path)?),
            disclosures: std::io::BufWriter::new(std::fs::File::create(&disclosures_path)?),
            events_path,
            disclosures_path,
            line: Vec::with_capacity(1024),
            event_rows: 0,
            disclosure_rows: 0,
        })
    }

    pub fn push(&mut self, r: &EventRows) -> Result<(), BaselineError> {
        let line = &mut self.line;
        let e = &r.event;
        line.clear();
        write!(line, "{}\t", e.index)?;
        text(line, Some(&e.id));
        write!(line, "\t{}\t", e.time.0)?;
        text(line, Some(&e.actor_type));
        line.push(b'\t');
        text(line, Some(&e.actor_id));
        line.push(b'\t');
        text(line, Some(&e.action));
        for v in [&e.target_type, &e.target_id, &e.seller] {
            line.push(b'\t');
            text(line, v.as_deref());
        }
        line.push(b'\t');
        text(line, Some(&e.outcome));
        for v in [&e.purpose_ticket, &e.purpose_code] {
            line.push(b'\t');
            text(line, v.as_deref());
        }
        line.push(b'\t');
        bytea(line, &e.leaf_hash);
        line.push(b'\t');
        bytea(line, &e.entry);
        line.push(b'\n');
        self.events.write_all(line)?;
        self.event_rows += 1;
        for d in &r.disclosures {
            line.clear();
            write!(line, "{}\t", (d.index << 16) | u64::from(d.position))?;
            text(line, Some(&d.customer));
            line.push(b'\t');
            text(line, Some(&d.employee));
            write!(line, "\t{}\t", d.time.0)?;
            text(line, Some(&d.action));
            write!(line, "\t{}\t", d.fields.0)?;
            text(line, d.purpose_ticket.as_deref());
            line.push(b'\t');
            text(line, d.purpose_code.as_deref());
            line.push(b'\n');
            self.disclosures.write_all(line)?;
            self.disclosure_rows += 1;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<(std::path::PathBuf, std::path::PathBuf), BaselineError> {
        self.events.flush()?;
        self.disclosures.flush()?;
        Ok((self.events_path, self.disclosures_path))
    }
}

/// COPYs prepared files into a fresh schema (dropped afterwards) in one
/// transaction, and times the COPY statements and commit alone; creating
/// the tables and indexes is not counted.
pub fn postgres_copy(
    url: &str,
    events: &std::path::Path,
    disclosures: &std::path::Path,
) -> Result<f64, BaselineError> {
    let mut client = Client::connect(url, NoTls)?;
    let schema = format!("custos_baseline_{}", std::process::id());
    client.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path TO {schema};
         CREATE TABLE events (
             idx BIGINT PRIMARY KEY, id TEXT NOT NULL, time BIGINT NOT NULL,
             actor_type TEXT NOT NULL, actor_id TEXT NOT NULL, action TEXT NOT NULL,
             target_type TEXT, target_id TEXT, seller TEXT, outcome TEXT NOT NULL,
             purpose_ticket TEXT, purpose_code TEXT, leaf_hash BYTEA NOT NULL, entry BYTEA NOT NULL);
         CREATE UNIQUE INDEX events_by_id ON events (id);
         CREATE INDEX events_by_employee ON events (actor_id, time) WHERE actor_type = 'employee';
         CREATE INDEX events_by_seller ON events (seller, time) WHERE seller IS NOT NULL;
         CREATE TABLE disclosures (
             key BIGINT PRIMARY KEY, customer TEXT NOT NULL, employee TEXT NOT NULL,
             time BIGINT NOT NULL, action TEXT NOT NULL, fields INTEGER NOT NULL,
             purpose_ticket TEXT, purpose_code TEXT);
         CREATE INDEX disclosures_by_customer ON disclosures (customer, time);
         CREATE INDEX disclosures_by_employee ON disclosures
             (employee, time, customer, fields, action, purpose_code, purpose_ticket);"
    ))?;
    let started = Instant::now();
    let mut tx = client.transaction()?;
    for (table, path) in [("events", events), ("disclosures", disclosures)] {
        let mut w = tx.copy_in(&format!("COPY {table} FROM STDIN"))?;
        std::io::copy(&mut std::fs::File::open(path)?, &mut w)?;
        w.finish()?;
    }
    tx.commit()?;
    let secs = started.elapsed().as_secs_f64();
    client.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
    Ok(secs)
}

/// A value in COPY's text format: `\N` for NULL, backslash escapes.
pub(crate) fn text(out: &mut Vec<u8>, v: Option<&str>) {
    let Some(v) = v else {
        out.extend_from_slice(b"\\N");
        return;
    };
    for b in v.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

/// A bytea in COPY's text format: `\\x` and hex.
pub(crate) fn bytea(out: &mut Vec<u8>, v: &[u8]) {
    out.extend_from_slice(b"\\\\x");
    out.extend_from_slice(custos_core::hex(v).as_bytes());
}
