//! Helpers for the tests against a real NATS server: a unique stream per
//! test, deleted afterwards, and events to publish.
#![allow(dead_code, clippy::unwrap_used)]

use custos_bus::{Bus, BusConfig, Outbound, PublishCounts};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn nats_url() -> String {
    std::env::var("CUSTOS_TEST_NATS").unwrap_or_else(|_| custos_bus::DEFAULT_URL.to_owned())
}

/// Whether the NATS server answers; when it does not, a test fails under
/// `CI` and is skipped (with the reason printed) otherwise.
pub fn nats_or_skip(test: &str) -> bool {
    let url = nats_url();
    let addr = url.trim_start_matches("nats://").to_owned();
    let up = std::net::ToSocketAddrs::to_socket_addrs(&addr)
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_secs(1)).is_ok());
    if up {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test}: no NATS server at {url}, and CI is set");
    }
    eprintln!(
        "{test}: skipped: no NATS server at {url} (start nats-server -js, or set CUSTOS_TEST_NATS)"
    );
    false
}

/// A stream name and subject prefix no other test run uses.
pub fn unique_config(partitions: Option<u32>) -> BusConfig {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        % 1_000_000_000_000;
    let tag = format!(
        "{}x{nanos}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    BusConfig {
        url: nats_url(),
        stream: format!("CUSTOS_TEST_{tag}"),
        subject_prefix: format!("custostest.{tag}.events"),
        partitions,
        duplicate_window: Duration::from_secs(60),
    }
}

/// Deletes the stream when dropped, even when the test panicked.
pub struct StreamGuard(pub BusConfig);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let config = self.0.clone();
        // Drop cannot await; a thread with its own runtime can.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(bus) = Bus::connect(&BusConfig {
                    partitions: None,
                    ..config
                })
                .await
                {
                    let _ = bus.delete_stream().await;
                }
            });
        })
        .join();
    }
}

/// `n` valid time-sorted events: employee actions of `emp-0..emp-9`, HR
/// facts about them and marketplace facts.
pub fn events(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let t = format!(
                "2026-03-01T{:02}:{:02}:{:02}.000Z",
                (i / 3600) % 24,
                (i / 60) % 60,
                i % 60
            );
            let emp = i % 10;
            match i % 5 {
                0 | 1 => format!(
                    r#"{{"id":"ev-{i}","time":"{t}","actor":{{"type":"employee","id":"emp-{emp}"}},"action":"customer.view","target":{{"type":"customer","id":"cus-{}"}},"fields":["name"]}}"#,
                    i % 101
                ),
                2 => format!(
                    r#"{{"id":"ev-{i}","time":"{t}","actor":{{"type":"customer","id":"cus-{}"}},"action":"order.create","target":{{"type":"order","id":"ord-{i}"}},"attrs":{{"seller":"sel-{}"}}}}"#,
                    i % 101,
                    i % 13
                ),
                3 => format!(
                    r#"{{"id":"ev-{i}","time":"{t}","actor":{{"type":"system","id":"hr"}},"action":"employee.change","target":{{"type":"employee","id":"emp-{emp}"}},"attrs":{{"role":"cs-agent"}}}}"#
                ),
                _ => format!(
                    r#"{{"id":"ev-{i}","time":"{t}","actor":{{"type":"customer","id":"cus-{}"}},"action":"review.create","target":{{"type":"review","id":"rev-{i}"}},"attrs":{{"seller":"sel-{}","rating":4}}}}"#,
                    i % 101,
                    i % 13
                ),
            }
        })
        .collect()
}

/// Publishes valid lines; panics on a rejection.
pub async fn publish_all(bus: &Bus, lines: &[String]) -> PublishCounts {
    let p = bus.topology().partitions;
    let mut publisher = bus.publisher();
    for line in lines {
        publisher
            .publish(Outbound::from_line(line, p).unwrap())
            .await
            .unwrap();
    }
    publisher.finish().await.unwrap()
}

/// The id of an event payload.
pub fn id_of(payload: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(payload).unwrap();
    v["id"].as_str().unwrap().to_owned()
}
