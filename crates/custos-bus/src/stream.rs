//! The connection and the stream: its name, subjects and partition
//! count, created when missing and checked when present.

use crate::error::BusError;
use async_nats::jetstream::{self, stream};
use std::time::Duration;

/// The stream of a default deployment.
pub const DEFAULT_STREAM: &str = "CUSTOS_EVENTS";
/// Partition `p` is the subject `custos.events.<p>` by default.
pub const DEFAULT_SUBJECT_PREFIX: &str = "custos.events";
/// Partitions of a stream created without an explicit count.
pub const DEFAULT_PARTITIONS: u32 = 8;
/// More partitions than this is a configuration mistake (each one is a
/// consumer, a ledger and a detector).
pub const MAX_PARTITIONS: u32 = 1024;
/// The local NATS server.
pub const DEFAULT_URL: &str = "nats://127.0.0.1:4222";

/// What a publisher or node needs to find (or create) the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusConfig {
    /// NATS server URL(s), comma-separated.
    pub url: String,
    /// Stream name (no spaces, dots or wildcards).
    pub stream: String,
    /// Subjects are `<prefix>.<partition>`; two streams cannot share
    /// subjects, so a second deployment on the same server needs another
    /// prefix as well as another name.
    pub subject_prefix: String,
    /// The partition count: used when the stream is created, and checked
    /// against it when it exists. `None` adopts the stream's count (or
    /// [`DEFAULT_PARTITIONS`] for a new stream).
    pub partitions: Option<u32>,
    /// How long JetStream remembers message ids to drop re-published
    /// duplicates; only used when the stream is created.
    pub duplicate_window: Duration,
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig {
            url: DEFAULT_URL.to_owned(),
            stream: DEFAULT_STREAM.to_owned(),
            subject_prefix: DEFAULT_SUBJECT_PREFIX.to_owned(),
            partitions: None,
            duplicate_window: Duration::from_secs(5 * 60),
        }
    }
}

/// The stream as it is: what every publisher and node must agree on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    pub stream: String,
    pub subject_prefix: String,
    pub partitions: u32,
}

impl Topology {
    /// The subject of partition `p`.
    pub fn subject(&self, partition: u32) -> String {
        format!("{}.{partition}", self.subject_prefix)
    }

    /// The stream's subject filter: `<prefix>.*`.
    pub fn wildcard(&self) -> String {
        format!("{}.*", self.subject_prefix)
    }

    /// The stream description that records the partition count.
    pub fn description(&self) -> String {
        format!("custos partitions={}", self.partitions)
    }
}

/// Reads the partition count out of a stream description.
fn partitions_in(description: &str) -> Option<u32> {
    description
        .strip_prefix("custos partitions=")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A connection to NATS with the stream checked: cheap to clone, one per
/// node is enough.
#[derive(Clone)]
pub struct Bus {
    pub(crate) js: jetstream::Context,
    pub(crate) topology: Topology,
}

impl Bus {
    /// Connects and ensures the stream (see [`Bus::ensure_stream`]).
    pub async fn connect(config: &BusConfig) -> Result<Bus, BusError> {
        check_config(config)?;
        let client = async_nats::ConnectOptions::new()
            .name("custos")
            .connection_timeout(Duration::from_secs(5))
            .connect(config.url.as_str())
            .await
            .map_err(|e| BusError::Connect {
                url: config.url.clone(),
                reason: e.to_string(),
            })?;
        let js = jetstream::new(client);
        let topology = Bus::ensure_stream(&js, config).await?;
        Ok(Bus { js, topology })
    }

    /// Creates the stream if it is missing (file storage, limits
    /// retention, the configured duplicate window, the partition count in
    /// its description); otherwise checks that its subjects and partition
    /// count are the configured ones. Safe to call from several nodes at
    /// once: a node that loses the creation race checks the winner's
    /// stream.
    pub async fn ensure_stream(
        js: &jetstream::Context,
        config: &BusConfig,
    ) -> Result<Topology, BusError> {
        check_config(config)?;
        if let Some(info) = stream_info(js, &config.stream).await? {
            return check_existing(&info.config, config);
        }
        let topology = Topology {
            stream: config.stream.clone(),
            subject_prefix: config.subject_prefix.clone(),
            partitions: config.partitions.unwrap_or(DEFAULT_PARTITIONS),
        };
        let created = js
            .create_stream(stream::Config {
                name: topology.stream.clone(),
                description: Some(topology.description()),
                subjects: vec![topology.wildcard()],
                storage: stream::StorageType::File,
                retention: stream::RetentionPolicy::Limits,
                duplicate_window: config.duplicate_window,
                ..Default::default()
            })
            .await;
        match created {
            Ok(_) => Ok(topology),
            Err(create_error) => match stream_info(js, &config.stream).await? {
                // Another node created it first.
                Some(info) => check_existing(&info.config, config),
                None => Err(BusError::Stream {
                    stream: config.stream.clone(),
                    what: "create the stream",
                    reason: create_error.to_string(),
                }),
            },
        }
    }

    /// The stream this bus publishes to and consumes from.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Deletes the stream and everything in it (tests, decommissioning).
    pub async fn delete_stream(&self) -> Result<(), BusError> {
        self.js
            .delete_stream(&self.topology.stream)
            .await
            .map(|_| ())
            .map_err(|e| BusError::Stream {
                stream: self.topology.stream.clone(),
                what: "delete the stream",
                reason: e.to_string(),
            })
    }

    /// Messages in the stream (every copy of a fact counts once per
    /// partition).
    pub async fn stream_messages(&self) -> Result<u64, BusError> {
        match stream_info(&self.js, &self.topology.stream).await? {
            Some(info) => Ok(info.state.messages),
            None => Err(BusError::Stream {
                stream: self.topology.stream.clone(),
                what: "find the stream",
                reason: "it does not exist".to_owned(),
            }),
        }
    }
}

fn check_config(config: &BusConfig) -> Result<(), BusError> {
    let mut problems = Vec::new();
    if let Some(p) = config.partitions {
        if p == 0 || p > MAX_PARTITIONS {
            problems.push(format!(
                "the partition count `{p}` is outside 1..={MAX_PARTITIONS}"
            ));
        }
    }
    let name = &config.stream;
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '.' | '*' | '>' | '/' | '\\'))
    {
        problems.push(format!(
            "the stream name `{name}` must be non-empty without spaces, `.`, `*`, `>`, `/` or `\\`"
        ));
    }
    let prefix = &config.subject_prefix;
    if prefix.is_empty()
        || prefix
            .split('.')
            .any(|t| t.is_empty() || t.contains(['*', '>']) || t.chars().any(char::is_whitespace))
    {
        problems.push(format!(
            "the subject prefix `{prefix}` must be dot-separated non-empty tokens without wildcards or spaces"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(BusError::Config(problems.join("; ")))
    }
}

/// The stream's info, `None` when it does not exist.
async fn stream_info(
    js: &jetstream::Context,
    name: &str,
) -> Result<Option<stream::Info>, BusError> {
    match js.get_stream(name).await {
        Ok(s) => Ok(Some(s.cached_info().clone())),
        Err(e) => match e.kind() {
            jetstream::context::GetStreamErrorKind::JetStream(js_err)
                if js_err.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND =>
            {
                Ok(None)
            }
            _ => Err(BusError::Stream {
                stream: name.to_owned(),
                what: "read the stream",
                reason: e.to_string(),
            }),
        },
    }
}

fn check_existing(found: &stream::Config, config: &BusConfig) -> Result<Topology, BusError> {
    let description = found.description.clone().unwrap_or_default();
    let partitions = partitions_in(&description)
        .filter(|p| (1..=MAX_PARTITIONS).contains(p))
        .ok_or_else(|| BusError::ForeignStream {
            stream: config.stream.clone(),
            description: description.clone(),
        })?;
    let topology = Topology {
        stream: config.stream.clone(),
        subject_prefix: config.subject_prefix.clone(),
        partitions,
    };
    if found.subjects != [topology.wildcard()] {
        return Err(BusError::SubjectMismatch {
            stream: config.stream.clone(),
            found: found.subjects.clone(),
            expected: topology.wildcard(),
        });
    }
    if let Some(expected) = config.partitions {
        if expected != partitions {
            return Err(BusError::PartitionMismatch {
                stream: config.stream.clone(),
                found: partitions,
                expected,
            });
        }
    }
    Ok(topology)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_round_trips() {
        let t = Topology {
            stream: "S".into(),
            subject_prefix: "a.b".into(),
            partitions: 12,
        };
        assert_eq!(partitions_in(&t.description()), Some(12));
        assert_eq!(partitions_in("custos partitions=x"), None);
        assert_eq!(partitions_in("someone else's"), None);
        assert_eq!(t.subject(3), "a.b.3");
        assert_eq!(t.wildcard(), "a.b.*");
    }

    #[test]
    fn bad_configuration_is_reported_all_at_once() {
        let c = BusConfig {
            stream: "a.b".into(),
            subject_prefix: "x.*".into(),
            partitions: Some(0),
            ..BusConfig::default()
        };
        let e = check_config(&c)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("partition count `0`"), "{e}");
        assert!(e.contains("stream name `a.b`"), "{e}");
        assert!(e.contains("subject prefix `x.*`"), "{e}");
        assert!(check_config(&BusConfig::default()).is_ok());
    }
}
