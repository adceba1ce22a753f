//! The errors of the bus: configuration that does not match the stream,
//! and NATS failures, each naming what was being done.

/// What went wrong on the bus. NATS errors are carried as text: callers
/// report them, they do not branch on them.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("invalid bus configuration: {0}")]
    Config(String),
    #[error("cannot connect to the bus at `{url}`: {reason}; check that nats-server runs with JetStream there, or pass another --bus")]
    Connect { url: String, reason: String },
    #[error("the stream `{stream}` has {found} partitions but {expected} were configured; use {found} (the count is fixed when the stream is created) or another stream name")]
    PartitionMismatch {
        stream: String,
        found: u32,
        expected: u32,
    },
    #[error("the stream `{stream}` was not created by Custos (its description is `{description}`, not `custos partitions=N`); use another stream name")]
    ForeignStream { stream: String, description: String },
    #[error("the stream `{stream}` carries the subjects {found:?}, not [`{expected}`]; use the subject prefix it was created with or another stream name")]
    SubjectMismatch {
        stream: String,
        found: Vec<String>,
        expected: String,
    },
    #[error("JetStream refused to {what} on stream `{stream}`: {reason}")]
    Stream {
        stream: String,
        what: &'static str,
        reason: String,
    },
    #[error("publishing to `{subject}` failed: {reason}")]
    Publish { subject: String, reason: String },
    #[error("partition {partition}: cannot {what}: {reason}")]
    Consumer {
        partition: u32,
        what: &'static str,
        reason: String,
    },
}
