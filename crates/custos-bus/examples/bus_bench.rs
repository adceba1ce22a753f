//! Publish and consume throughput of the bus on a simulated marketplace.
//!
//! `cargo run --release -p custos-bus --example bus_bench -- [EVENTS] [PARTITIONS]`
//! against nats-server at 127.0.0.1:4222 (or `CUSTOS_TEST_NATS`). The
//! stream is unique to the run and deleted at the end. The consume side
//! uses a handler that only counts, so it measures the bus, not ingest.
#![allow(clippy::unwrap_used)]

use custos_bus::{
    run_partitions, Bus, BusConfig, BusMessage, CommitError, Outbound, PartitionHandler,
    PartitionOwner, Route, RuntimeOptions,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Counter(Arc<AtomicU64>);
struct Count(Arc<AtomicU64>);

impl PartitionOwner for Counter {
    type Handler = Count;
    fn try_acquire(&self, _partition: u32) -> Option<Count> {
        Some(Count(self.0.clone()))
    }
}

impl PartitionHandler for Count {
    fn commit(&mut self, batch: &[BusMessage]) -> Result<(), CommitError> {
        self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().map_or(300_000, |a| a.parse().unwrap());
    let partitions: u32 = args.next().map_or(8, |a| a.parse().unwrap());
    let in_flight: usize = args
        .next()
        .map_or(custos_bus::DEFAULT_MAX_IN_FLIGHT, |a| a.parse().unwrap());

    let t = Instant::now();
    let cfg = custos_sim::SimConfig {
        employees: 1000,
        days: 60,
        ..custos_sim::SimConfig::default()
    };
    let mut out = Vec::new();
    custos_sim::simulate(&cfg, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().take(events).collect();
    let outbound: Vec<Outbound> = lines
        .iter()
        .map(|l| Outbound::from_line(l, partitions).unwrap())
        .collect();
    let facts = outbound.iter().filter(|o| o.route == Route::All).count();
    let bytes: usize = outbound.iter().map(|o| o.payload.len()).sum();
    eprintln!(
        "{} events ({facts} marketplace facts, {:.0} bytes each on average) simulated and validated in {:.1?}",
        outbound.len(),
        bytes as f64 / outbound.len() as f64,
        t.elapsed()
    );

    let tag = format!("{}", std::process::id());
    let config = BusConfig {
        url: std::env::var("CUSTOS_TEST_NATS").unwrap_or_else(|_| custos_bus::DEFAULT_URL.into()),
        stream: format!("CUSTOS_BENCH_{tag}"),
        subject_prefix: format!("custosbench.{tag}.events"),
        partitions: Some(partitions),
        ..BusConfig::default()
    };
    let bus = Bus::connect(&config).await.unwrap();

    let n = outbound.len();
    let t = Instant::now();
    let mut publisher = bus.publisher_with(in_flight);
    for o in outbound {
        publisher.publish(o).await.unwrap();
    }
    let counts = publisher.finish().await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "publish: {} events, {} messages in {secs:.2} s: {:.0} events/s, {:.0} messages/s (P={partitions}, in flight {in_flight})",
        counts.published,
        counts.messages,
        counts.published as f64 / secs,
        counts.messages as f64 / secs
    );
    assert_eq!(counts.published, n as u64);

    let committed = Arc::new(AtomicU64::new(0));
    let (stop, rx) = tokio::sync::watch::channel(false);
    let t = Instant::now();
    let node = tokio::spawn(run_partitions(
        bus.clone(),
        0..partitions,
        Counter(committed.clone()),
        RuntimeOptions::default(),
        rx,
    ));
    let deadline = Instant::now() + Duration::from_secs(600);
    while committed.load(Ordering::Relaxed) < counts.messages {
        assert!(Instant::now() < deadline, "consume did not finish");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = t.elapsed().as_secs_f64();
    stop.send(true).unwrap();
    let stats = node.await.unwrap();
    println!(
        "consume: {} messages in {} batches in {secs:.2} s: {:.0} messages/s (fetch, trivial commit, ack)",
        stats.messages,
        stats.batches,
        stats.messages as f64 / secs
    );
    bus.delete_stream().await.unwrap();
}
