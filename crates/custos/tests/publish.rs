//! `custos publish` end to end against a real NATS JetStream server:
//! good lines published to their partitions, bad ones named with their
//! place, a second run deduplicated, a partition-count mismatch refused.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const URL: &str = "nats://127.0.0.1:4222";

fn nats_or_skip(test: &str) -> bool {
    let addr = "127.0.0.1:4222".parse().unwrap();
    if std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test}: no NATS server at {URL}, and CI is set");
    }
    eprintln!("{test}: skipped: no NATS server at {URL}");
    false
}

/// A unique stream, deleted when dropped.
struct TestStream {
    name: String,
    prefix: String,
}

impl TestStream {
    fn new() -> TestStream {
        let tag = format!(
            "{}x{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos()
                % 1_000_000_000_000
        );
        TestStream {
            name: format!("CUSTOS_CLI_{tag}"),
            prefix: format!("custoscli.{tag}.events"),
        }
    }

    fn args<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec![
            "--format",
            "json",
            "publish",
            "--bus",
            URL,
            "--stream",
            &self.name,
            "--subject-prefix",
            &self.prefix,
        ];
        a.extend_from_slice(extra);
        a
    }

    fn config(&self) -> custos_bus::BusConfig {
        custos_bus::BusConfig {
            url: URL.to_owned(),
            stream: self.name.clone(),
            subject_prefix: self.prefix.clone(),
            ..Default::default()
        }
    }

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }
}

impl Drop for TestStream {
    fn drop(&mut self) {
        let config = self.config();
        TestStream::block_on(async {
            if let Ok(bus) = custos_bus::Bus::connect(&config).await {
                let _ = bus.delete_stream().await;
            }
        });
    }
}

#[test]
fn publishes_good_lines_names_bad_ones_and_refuses_another_partition_count() {
    if !nats_or_skip("publish") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let stream = TestStream::new();
    let good = events(8);
    let good: Vec<&str> = good.lines().collect();
    let lines = [
        good[0],
        "{not json",
        good[1],
        r#"{"id":"u1","time":"2026-03-01T00:00:00Z","actor":{"type":"employee","id":"e"},"action":"customer.steal"}"#,
        "",
        good[2],
        good[3],
    ];
    let file = dir.path().join("mixed.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let name = file.to_str().unwrap();

    let out = run(&data, &stream.args(&["--partitions", "3", name]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(s["published"], 4);
    assert_eq!(s["rejected"], 2);
    assert_eq!(s["duplicates"], 0);
    // `events` alternates employee actions (one partition) and
    // marketplace facts (all three).
    assert_eq!(s["messages"], 1 + 3 + 1 + 3);
    let err = stderr(&out);
    for want in [
        format!("rejected {name}:2: not valid JSON"),
        format!("rejected {name}:4: field `action`: unknown action `customer.steal`"),
    ] {
        assert!(err.contains(&want), "missing {want:?} in\n{err}");
    }

    // The stream holds exactly those messages, on the partition subjects.
    let config = stream.config();
    let stored = TestStream::block_on(async {
        let bus = custos_bus::Bus::connect(&config).await.unwrap();
        assert_eq!(bus.topology().partitions, 3);
        bus.stream_messages().await.unwrap()
    });
    assert_eq!(stored, 8);

    // Again, from stdin, without a count: the stream's is used and
    // JetStream recognises every message.
    let out = custos(&data)
        .args(stream.args(&["-"]))
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = summary(&out);
    assert_eq!(s["published"], 4);
    assert_eq!(s["duplicates"], 8);

    // Another partition count is a configuration error.
    let out = run(&data, &stream.args(&["--partitions", "5", name]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("has 3 partitions but 5 were configured"),
        "{err}"
    );
}

#[test]
fn an_unreachable_bus_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("e.jsonl");
    std::fs::write(&file, events(2)).unwrap();
    let out = run(
        &dir.path().join("data"),
        &[
            "publish",
            "--bus",
            "nats://127.0.0.1:1",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot connect to the bus at `nats://127.0.0.1:1`"),
        "{err}"
    );
}
