//! The ingest pipeline: validate → deduplicate by id → append to the
//! ledger → index in the store, one batch at a time, and the checks that
//! keep ledger and store in agreement (reconciliation on open, `verify`).
//!
//! An event is acknowledged only when it is durable in both the ledger
//! and the store. The ledger is the source of truth: the store can be
//! rebuilt from it, never the other way round. This crate opens files
//! only through `custos-ledger` and `custos-store`; it knows no SQL and
//! no HTTP.

mod cross;
mod detection;
mod pipeline;
mod verify;
mod writer;

pub use cross::{cross_pass, CrossReport};
pub use pipeline::{
    leaf_hash, prepare, prepare_value, DataDir, IngestError, IngestSummary, ItemOutcome,
    LineRejection, Location, Pipeline, Prepared, DEFAULT_ORIGIN,
};
pub use verify::{verify, VerifyReport};
