//! Consuming one partition: a durable pull consumer, batches, and an
//! acknowledgement only after the caller made a batch durable.

use crate::error::BusError;
use crate::stream::Bus;
use async_nats::jetstream::{self, consumer};
use bytes::Bytes;
use futures_util::StreamExt;
use std::time::Duration;

/// How a partition's consumer behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerOptions {
    /// How long JetStream waits for an acknowledgement before it delivers
    /// a message again. Longer than the slowest commit of a batch.
    pub ack_wait: Duration,
    /// Delivered but unacknowledged messages at most; at least the
    /// largest batch fetched.
    pub max_ack_pending: usize,
}

impl Default for ConsumerOptions {
    fn default() -> Self {
        ConsumerOptions {
            ack_wait: Duration::from_secs(30),
            max_ack_pending: 20_000,
        }
    }
}

/// One message of a partition.
#[derive(Debug)]
pub struct BusMessage {
    /// The event's canonical JSON, as published.
    pub payload: Bytes,
    /// Its sequence in the stream: increasing within a partition.
    pub stream_sequence: u64,
    /// Deliveries before this one (0 the first time).
    pub redeliveries: u64,
    /// The partition it was read from.
    pub partition: u32,
    inner: jetstream::Message,
}

impl BusMessage {
    /// The payload as text (it is JSON, so UTF-8 unless tampered with).
    pub fn text(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.payload)
    }
}

/// The durable pull consumer `custos-p<p>` of partition `p`, filtered on
/// the partition's subject, acknowledging with `AckPolicy::All`:
/// acknowledging a message acknowledges every earlier one.
///
/// Use: [`fetch_batch`](Self::fetch_batch), make the batch durable, then
/// [`ack_through`](Self::ack_through) its last message. After a failed
/// commit or fetch, [`reset`](Self::reset) before acknowledging anything
/// later, or an acknowledgement would cover messages never committed.
pub struct PartitionConsumer {
    partition: u32,
    name: String,
    subject: String,
    stream: jetstream::stream::Stream<()>,
    consumer: consumer::PullConsumer,
    options: ConsumerOptions,
}

impl PartitionConsumer {
    /// The consumer name of partition `p`.
    pub fn name_of(partition: u32) -> String {
        format!("custos-p{partition}")
    }

    /// Opens the partition's consumer as it is, creating it (from the
    /// stream's first message) if it does not exist.
    pub async fn open(
        bus: &Bus,
        partition: u32,
        options: &ConsumerOptions,
    ) -> Result<PartitionConsumer, BusError> {
        PartitionConsumer::start(bus, partition, options, false).await
    }

    /// Opens the partition's consumer for a new owner: the consumer is
    /// recreated to deliver from just after its acknowledged floor, so
    /// whatever an earlier owner fetched and did not acknowledge comes
    /// first, in stream order, without waiting for `ack_wait`. Only the
    /// partition's owner may call this.
    pub async fn take_over(
        bus: &Bus,
        partition: u32,
        options: &ConsumerOptions,
    ) -> Result<PartitionConsumer, BusError> {
        PartitionConsumer::start(bus, partition, options, true).await
    }

    /// Resets this consumer as [`take_over`](Self::take_over) does.
    pub async fn reset(&mut self) -> Result<(), BusError> {
        let start = self.floor().await?;
        self.recreate(start).await
    }

    async fn start(
        bus: &Bus,
        partition: u32,
        options: &ConsumerOptions,
        reset: bool,
    ) -> Result<PartitionConsumer, BusError> {
        let topology = bus.topology();
        if partition >= topology.partitions {
            return Err(BusError::Config(format!(
                "partition {partition} does not exist: the stream `{}` has {}",
                topology.stream, topology.partitions
            )));
        }
        let stream = bus
            .js
            .get_stream_no_info(&topology.stream)
            .await
            .map_err(|e| consumer_error(partition, "find the stream", e))?;
        let name = PartitionConsumer::name_of(partition);
        let config = consumer_config(&name, &topology.subject(partition), options, None);
        let consumer = stream
            .get_or_create_consumer(&name, config)
            .await
            .map_err(|e| consumer_error(partition, "create the consumer", e))?;
        let mut c = PartitionConsumer {
            partition,
            name,
            subject: topology.subject(partition),
            stream,
            consumer,
            options: options.clone(),
        };
        let found = c.consumer.cached_info().config.clone();
        if found.filter_subject != c.subject {
            return Err(BusError::Consumer {
                partition,
                what: "use the consumer",
                reason: format!(
                    "`{}` filters `{}`, not `{}`; delete it",
                    c.name, found.filter_subject, c.subject
                ),
            });
        }
        let stale = found.ack_wait != options.ack_wait
            || found.max_ack_pending != ack_pending(options)
            || found.ack_policy != consumer::AckPolicy::All;
        if reset || stale {
            c.reset().await?;
        }
        Ok(c)
    }

    /// The stream sequence to deliver from after a reset: one past the
    /// last acknowledged message, or `None` for the stream's start.
    async fn floor(&self) -> Result<Option<u64>, BusError> {
        let info = self
            .stream
            .consumer_info(&self.name)
            .await
            .map_err(|e| self.error("read the consumer", e))?;
        // A consumer recreated at sequence s reports an ack floor of 0
        // (nats-server 2.9) until something is acknowledged, not s - 1.
        let configured = match info.config.deliver_policy {
            consumer::DeliverPolicy::ByStartSequence { start_sequence } => Some(start_sequence),
            _ => None,
        };
        let acked = info.ack_floor.stream_sequence;
        Ok(if acked > 0 {
            Some((acked + 1).max(configured.unwrap_or(0)))
        } else {
            configured
        })
    }

    async fn recreate(&mut self, start: Option<u64>) -> Result<(), BusError> {
        self.stream
            .delete_consumer(&self.name)
            .await
            .map_err(|e| self.error("delete the consumer", e))?;
        let config = consumer_config(&self.name, &self.subject, &self.options, start);
        self.consumer = self
            .stream
            .create_consumer(config)
            .await
            .map_err(|e| self.error("create the consumer", e))?;
        Ok(())
    }

    /// The partition this consumer reads.
    pub fn partition(&self) -> u32 {
        self.partition
    }

    /// Up to `max` messages in stream order: what is there at once, or,
    /// when nothing is, the first message to arrive within `wait` and
    /// whatever follows it at once. Empty when nothing arrived.
    pub async fn fetch_batch(
        &self,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<BusMessage>, BusError> {
        let max = max.max(1);
        let mut out = self.fetch_now(max).await?;
        if !out.is_empty() {
            return Ok(out);
        }
        // One message with a wait keeps latency low when idle; a large
        // waiting batch would hold the first message until it filled.
        let batch = self
            .consumer
            .batch()
            .max_messages(1)
            .expires(wait.max(Duration::from_millis(10)))
            .messages()
            .await
            .map_err(|e| self.error("fetch", e))?;
        self.collect(batch, &mut out).await?;
        if !out.is_empty() && max > 1 {
            let more = self.fetch_now(max - 1).await?;
            out.extend(more);
        }
        Ok(out)
    }

    /// What is available now, without waiting.
    async fn fetch_now(&self, max: usize) -> Result<Vec<BusMessage>, BusError> {
        let batch = self
            .consumer
            .fetch()
            .max_messages(max)
            .messages()
            .await
            .map_err(|e| self.error("fetch", e))?;
        let mut out = Vec::new();
        self.collect(batch, &mut out).await?;
        Ok(out)
    }

    async fn collect(
        &self,
        mut batch: consumer::pull::Batch,
        out: &mut Vec<BusMessage>,
    ) -> Result<(), BusError> {
        while let Some(m) = batch.next().await {
            let m = m.map_err(|e| self.error("fetch", e))?;
            let (seq, delivered) = {
                let info = m
                    .info()
                    .map_err(|e| self.error("read a message's metadata", e))?;
                (info.stream_sequence, info.delivered)
            };
            out.push(BusMessage {
                payload: m.message.payload.clone(),
                stream_sequence: seq,
                redeliveries: u64::try_from(delivered.saturating_sub(1)).unwrap_or(0),
                partition: self.partition,
                inner: m,
            });
        }
        Ok(())
    }

    /// Acknowledges `msg` and every earlier message of this partition,
    /// and waits for JetStream to confirm it. Call only once everything
    /// up to `msg` is durable.
    pub async fn ack_through(&self, msg: &BusMessage) -> Result<(), BusError> {
        msg.inner
            .double_ack()
            .await
            .map_err(|e| self.error("acknowledge", e))
    }

    /// Messages of this partition not yet acknowledged (delivered or not).
    pub async fn unacknowledged(&self) -> Result<u64, BusError> {
        let info = self
            .stream
            .consumer_info(&self.name)
            .await
            .map_err(|e| self.error("read the consumer", e))?;
        Ok(info.num_pending + info.num_ack_pending as u64)
    }

    fn error(&self, what: &'static str, e: impl std::fmt::Display) -> BusError {
        consumer_error(self.partition, what, e)
    }
}

fn consumer_error(partition: u32, what: &'static str, e: impl std::fmt::Display) -> BusError {
    BusError::Consumer {
        partition,
        what,
        reason: e.to_string(),
    }
}

fn ack_pending(options: &ConsumerOptions) -> i64 {
    i64::try_from(options.max_ack_pending.max(1)).unwrap_or(i64::MAX)
}

fn consumer_config(
    name: &str,
    subject: &str,
    options: &ConsumerOptions,
    start: Option<u64>,
) -> consumer::pull::Config {
    consumer::pull::Config {
        durable_name: Some(name.to_owned()),
        description: Some("custos partition consumer".to_owned()),
        filter_subject: subject.to_owned(),
        deliver_policy: match start {
            Some(start_sequence) => consumer::DeliverPolicy::ByStartSequence { start_sequence },
            None => consumer::DeliverPolicy::All,
        },
        ack_policy: consumer::AckPolicy::All,
        ack_wait: options.ack_wait,
        max_ack_pending: ack_pending(options),
        ..Default::default()
    }
}
