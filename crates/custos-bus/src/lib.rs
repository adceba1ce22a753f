//! The event bus that lets several `custos serve` nodes share ingest:
//! NATS JetStream, and the only crate of Custos that knows NATS.
//!
//! # Shape
//!
//! One stream (default `CUSTOS_EVENTS`) holds every event, split into P
//! partitions by subject: partition `p` is the subject
//! `<prefix>.<p>` (default prefix `custos.events`, so `custos.events.3`).
//! P is fixed when the stream is created and recorded in the stream's
//! description (`custos partitions=8`); a publisher or node configured
//! with another P refuses to run ([`BusError::PartitionMismatch`]).
//!
//! [`route`] sends everything about one employee to that employee's
//! partition ([`partition_of`]: SHA-256 of the id, first 8 bytes
//! big-endian, modulo P; this must never change) and marketplace facts to
//! every partition, so that the detector behind each partition sees the
//! facts it needs in stream order.
//!
//! - Publishing: [`Publisher`] validates each line with `custos-core`,
//!   sends the event's canonical JSON (its ledger entry) to its
//!   partition(s) with a `Nats-Msg-Id` header (JetStream drops a
//!   duplicate inside the stream's duplicate window), and counts an event
//!   published only once JetStream acknowledged every message of it.
//! - Consuming: [`PartitionConsumer`] is the durable pull consumer
//!   `custos-p<p>` of one partition: fetch a batch, make it durable, then
//!   [`PartitionConsumer::ack_through`] its last message.
//! - Running a node: [`run_partitions`] owns whichever partitions the
//!   caller's [`PartitionOwner`] grants, commits batches through its
//!   [`PartitionHandler`], and takes over partitions that become free.
//!
//! # Delivery guarantees
//!
//! At least once, in stream order per partition. A message is acked only
//! after the handler made its batch durable, so a crash between commit
//! and ack redelivers it: the handler's ingest must be idempotent by
//! event id (Custos's is). When a node takes a partition over, the
//! consumer is reset to just after its acknowledged floor, so messages
//! the previous owner fetched but never committed come back first, in
//! order, instead of after an ack timeout.
//!
//! # What this crate must not do
//!
//! It does not ingest, store or detect: payloads are handed to the
//! caller as bytes. It reads no configuration files and no environment.

mod consume;
mod error;
mod publish;
mod route;
mod runtime;
mod stream;

pub use consume::{BusMessage, ConsumerOptions, PartitionConsumer};
pub use error::BusError;
pub use publish::{Outbound, PublishCounts, Publisher, DEFAULT_MAX_IN_FLIGHT};
pub use route::{message_id, partition_of, route, routing_key, Route};
pub use runtime::{
    run_partitions, CommitError, PartitionHandler, PartitionOwner, RunStats, RuntimeOptions,
};
pub use stream::{
    Bus, BusConfig, Topology, DEFAULT_PARTITIONS, DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX,
    DEFAULT_URL, MAX_PARTITIONS,
};
