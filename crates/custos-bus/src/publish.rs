//! Publishing events: validate, route, publish with dedupe ids, and
//! count an event only once JetStream acknowledged all of its messages.

use crate::error::BusError;
use crate::route::{message_id, route, Route};
use crate::stream::{Bus, Topology};
use async_nats::jetstream::{self, context::PublishAckFuture, message::PublishMessage};
use bytes::Bytes;
use custos_core::validate::entry_of;
use custos_core::{parse_event, Event, Rejection};
use serde::Serialize;
use std::collections::VecDeque;

/// Messages awaiting their JetStream acknowledgement at most, by default.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 2048;

/// Publishing an unacknowledged message again, with the same id (so
/// JetStream drops it if the first copy did arrive), this many times
/// before giving up.
const RETRIES: usize = 3;

/// A validated event, ready to publish: its route and its canonical JSON
/// (the ledger entry it will become, so every node stores the same
/// bytes). Building it is pure CPU and can run on any thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outbound {
    pub id: String,
    pub route: Route,
    pub payload: Bytes,
}

impl Outbound {
    /// Validates one JSON line as `custos ingest` does.
    pub fn from_line(line: &str, partitions: u32) -> Result<Outbound, Rejection> {
        Outbound::from_event(&parse_event(line)?, partitions)
    }

    /// An already parsed event; refused only when its entry is too large.
    pub fn from_event(event: &Event, partitions: u32) -> Result<Outbound, Rejection> {
        let entry = entry_of(event)?;
        Ok(Outbound {
            id: event.id.as_str().to_owned(),
            route: route(event, partitions),
            payload: Bytes::from(entry),
        })
    }
}

/// What a publisher did: the `custos publish` summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PublishCounts {
    /// Events whose every message JetStream acknowledged.
    pub published: u64,
    /// Messages acknowledged (a marketplace fact is one per partition).
    pub messages: u64,
    /// Lines refused by validation.
    pub rejected: u64,
    /// Acknowledged messages that JetStream recognised by id as already
    /// in the stream (a re-run inside the duplicate window).
    pub duplicates: u64,
}

/// One message awaiting its acknowledgement.
struct InFlight {
    subject: String,
    msg_id: String,
    payload: Bytes,
    ack: PublishAckFuture,
    /// The last message of its event: the event counts once this is acked
    /// (acks are taken in publication order, and a failure stops all).
    completes_event: bool,
}

/// Publishes events to their partition subjects, pipelining up to
/// `max_in_flight` unacknowledged messages.
///
/// ```no_run
/// # async fn f() -> Result<(), custos_bus::BusError> {
/// use custos_bus::{Bus, BusConfig, Outbound};
/// let bus = Bus::connect(&BusConfig::default()).await?;
/// let mut publisher = bus.publisher();
/// let line = r#"{"id":"e1","time":"2026-03-01T00:00:00Z","actor":{"type":"employee","id":"emp-1"},"action":"auth.login"}"#;
/// match Outbound::from_line(line, bus.topology().partitions) {
///     Ok(event) => publisher.publish(event).await?,
///     Err(rejection) => { eprintln!("rejected line 1: {rejection}"); publisher.count_rejected(1) }
/// }
/// let counts = publisher.finish().await?;
/// # Ok(()) }
/// ```
pub struct Publisher {
    js: jetstream::Context,
    topology: Topology,
    max_in_flight: usize,
    in_flight: VecDeque<InFlight>,
    counts: PublishCounts,
}

impl Bus {
    /// A publisher with [`DEFAULT_MAX_IN_FLIGHT`].
    pub fn publisher(&self) -> Publisher {
        self.publisher_with(DEFAULT_MAX_IN_FLIGHT)
    }

    /// A publisher with at most `max_in_flight` (at least 1) unacknowledged messages.
    pub fn publisher_with(&self, max_in_flight: usize) -> Publisher {
        Publisher {
            js: self.js.clone(),
            topology: self.topology.clone(),
            max_in_flight: max_in_flight.max(1),
            in_flight: VecDeque::new(),
            counts: PublishCounts::default(),
        }
    }
}

impl Publisher {
    /// The stream this publisher writes to (its partition count is the
    /// one to pass to [`Outbound::from_line`]).
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Publishes one event to every partition of its route. Returns once
    /// the messages are sent and the window of unacknowledged messages is
    /// back under its bound; an error means the bus failed (the events
    /// counted so far are in the stream).
    pub async fn publish(&mut self, event: Outbound) -> Result<(), BusError> {
        let partitions: Vec<u32> = event.route.partitions(self.topology.partitions).collect();
        let last = partitions.len().saturating_sub(1);
        for (i, p) in partitions.into_iter().enumerate() {
            // A route computed for another partition count would publish
            // to a subject no consumer reads.
            if p >= self.topology.partitions {
                return Err(BusError::Config(format!(
                    "event `{}` was routed to partition {p}, but the stream `{}` has {}; build it with the stream's partition count",
                    event.id, self.topology.stream, self.topology.partitions
                )));
            }
            while self.in_flight.len() >= self.max_in_flight {
                self.settle_one().await?;
            }
            let subject = self.topology.subject(p);
            let msg_id = message_id(p, &event.id);
            let ack = self.send(&subject, &msg_id, event.payload.clone()).await?;
            self.in_flight.push_back(InFlight {
                subject,
                msg_id,
                payload: event.payload.clone(),
                ack,
                completes_event: i == last,
            });
        }
        Ok(())
    }

    /// Counts lines the caller refused (they are part of the summary).
    pub fn count_rejected(&mut self, n: u64) {
        self.counts.rejected += n;
    }

    /// The counts so far (acknowledged messages only).
    pub fn counts(&self) -> PublishCounts {
        self.counts
    }

    /// Waits for every outstanding acknowledgement and returns the counts.
    pub async fn finish(mut self) -> Result<PublishCounts, BusError> {
        while !self.in_flight.is_empty() {
            self.settle_one().await?;
        }
        Ok(self.counts)
    }

    async fn send(
        &self,
        subject: &str,
        msg_id: &str,
        payload: Bytes,
    ) -> Result<PublishAckFuture, BusError> {
        self.js
            .send_publish(
                subject.to_owned(),
                PublishMessage::build().payload(payload).message_id(msg_id),
            )
            .await
            .map_err(|e| BusError::Publish {
                subject: subject.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Takes the oldest acknowledgement; a message that was not
    /// acknowledged is published again with the same id a few times.
    async fn settle_one(&mut self) -> Result<(), BusError> {
        let Some(m) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let mut result = m.ack.await;
        let mut tries = 0;
        while let Err(e) = &result {
            tries += 1;
            if tries > RETRIES {
                return Err(BusError::Publish {
                    subject: m.subject,
                    reason: format!("no acknowledgement after {tries} attempts: {e}"),
                });
            }
            result = match self.send(&m.subject, &m.msg_id, m.payload.clone()).await {
                Ok(ack) => ack.await,
                Err(e) => return Err(e),
            };
        }
        if let Ok(ack) = result {
            self.counts.messages += 1;
            if ack.duplicate {
                self.counts.duplicates += 1;
            }
            if m.completes_event {
                self.counts.published += 1;
            }
        }
        Ok(())
    }
}
