//! The bus against a real NATS JetStream server: stream creation and
//! checks, routing into partition subjects, exactly-once-per-partition
//! consumption, redelivery, and dedupe of a re-published file.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use custos_bus::{
    route, Bus, BusConfig, BusError, ConsumerOptions, Outbound, PartitionConsumer, Route,
};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

#[tokio::test]
async fn stream_is_created_once_and_other_partition_counts_are_refused() {
    if !nats_or_skip("stream_creation") {
        return;
    }
    let config = unique_config(Some(4));
    let _guard = StreamGuard(config.clone());
    let bus = Bus::connect(&config).await.unwrap();
    assert_eq!(bus.topology().partitions, 4);
    assert_eq!(
        bus.topology().subject(3),
        format!("{}.3", config.subject_prefix)
    );

    // A node without a count adopts the stream's; the same count is fine.
    let adopted = Bus::connect(&BusConfig {
        partitions: None,
        ..config.clone()
    })
    .await
    .unwrap();
    assert_eq!(adopted.topology().partitions, 4);
    Bus::connect(&config).await.unwrap();

    let err = Bus::connect(&BusConfig {
        partitions: Some(8),
        ..config.clone()
    })
    .await
    .err()
    .unwrap();
    assert!(
        matches!(
            err,
            BusError::PartitionMismatch {
                found: 4,
                expected: 8,
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("has 4 partitions but 8 were configured"),
        "{text}"
    );

    let err = Bus::connect(&BusConfig {
        subject_prefix: "custostest.elsewhere".into(),
        ..config.clone()
    })
    .await
    .err()
    .unwrap();
    assert!(matches!(err, BusError::SubjectMismatch { .. }), "{err}");

    let err = Bus::connect(&BusConfig {
        url: "nats://127.0.0.1:1".into(),
        ..config.clone()
    })
    .await
    .err()
    .unwrap();
    assert!(matches!(err, BusError::Connect { .. }), "{err}");
}

/// Drains one partition: polls until `want` messages arrived or a
/// deadline passes, acknowledging as it goes.
async fn drain(bus: &Bus, p: u32, want: usize) -> Vec<(u64, String)> {
    let c = PartitionConsumer::open(bus, p, &ConsumerOptions::default())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < deadline {
        let batch = c
            .fetch_batch(500, Duration::from_millis(200))
            .await
            .unwrap();
        if let Some(last) = batch.last() {
            c.ack_through(last).await.unwrap();
        }
        got.extend(batch.iter().map(|m| (m.stream_sequence, id_of(&m.payload))));
    }
    assert_eq!(c.unacknowledged().await.unwrap(), 0, "partition {p}");
    got
}

#[tokio::test]
async fn a_simulated_marketplace_reaches_each_partition_exactly_once_in_order() {
    if !nats_or_skip("simulated_routing") {
        return;
    }
    let cfg = custos_sim::SimConfig {
        employees: 40,
        customers: 200,
        sellers: 10,
        days: 3,
        history_days: 2,
        ..custos_sim::SimConfig::default()
    };
    let mut out = Vec::new();
    custos_sim::simulate(&cfg, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert!(lines.len() > 500, "{} events", lines.len());

    let config = unique_config(Some(3));
    let _guard = StreamGuard(config.clone());
    let bus = Bus::connect(&config).await.unwrap();
    let counts = publish_all(&bus, &lines).await;

    // What each partition must receive, in file order.
    let mut want: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut facts = 0;
    for line in &lines {
        let e = custos_core::parse_event(line).unwrap();
        let r = route(&e, 3);
        facts += usize::from(r == Route::All);
        for p in r.partitions(3) {
            want.entry(p).or_default().push(e.id.to_string());
        }
    }
    assert!(facts > 0 && facts < lines.len(), "facts {facts}");
    let messages: usize = want.values().map(Vec::len).sum();
    assert_eq!(counts.published, lines.len() as u64);
    assert_eq!(counts.messages, messages as u64);
    assert_eq!((counts.rejected, counts.duplicates), (0, 0));
    assert_eq!(bus.stream_messages().await.unwrap(), messages as u64);
    assert_eq!(want.len(), 3, "every partition gets employees");

    for (p, ids) in &want {
        let got = drain(&bus, *p, ids.len()).await;
        let seqs: Vec<u64> = got.iter().map(|(s, _)| *s).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "stream order");
        let got_ids: Vec<String> = got.into_iter().map(|(_, id)| id).collect();
        assert_eq!(&got_ids, ids, "partition {p}: each event once, in order");
    }

    // Publishing the same file again inside the duplicate window adds
    // nothing to the stream.
    let again = publish_all(&bus, &lines[..50]).await;
    assert_eq!(again.published, 50);
    assert_eq!(again.duplicates, again.messages);
    assert_eq!(bus.stream_messages().await.unwrap(), messages as u64);
}

#[tokio::test]
async fn messages_not_acknowledged_come_back() {
    if !nats_or_skip("redelivery") {
        return;
    }
    let config = unique_config(Some(2));
    let _guard = StreamGuard(config.clone());
    let bus = Bus::connect(&config).await.unwrap();
    // Five actions of one employee: one partition.
    let lines: Vec<String> = (0..5)
        .map(|i| format!(r#"{{"id":"r-{i}","time":"2026-03-01T00:00:0{i}Z","actor":{{"type":"employee","id":"emp-1"}},"action":"auth.login"}}"#))
        .collect();
    let p = match Outbound::from_line(&lines[0], 2).unwrap().route {
        Route::One(p) => p,
        Route::All => unreachable!(),
    };
    publish_all(&bus, &lines).await;
    let options = ConsumerOptions {
        ack_wait: Duration::from_secs(1),
        ..ConsumerOptions::default()
    };
    let c = PartitionConsumer::open(&bus, p, &options).await.unwrap();
    let first = c.fetch_batch(10, Duration::from_secs(2)).await.unwrap();
    assert_eq!(first.len(), 5);
    assert!(first.iter().all(|m| m.redeliveries == 0));

    // No ack: after ack_wait the same messages are delivered again (each
    // on its own timer, so not necessarily in order, and one may come
    // twice while the others arrive).
    // Only copies marked as redelivered count: under load a copy of
    // the first delivery may still be in flight to this consumer.
    let seqs = |b: &[custos_bus::BusMessage]| {
        b.iter()
            .map(|m| m.stream_sequence)
            .collect::<std::collections::BTreeSet<_>>()
    };
    let redelivered = |b: &[custos_bus::BusMessage]| {
        b.iter()
            .filter(|m| m.redeliveries >= 1)
            .map(|m| m.stream_sequence)
            .collect::<std::collections::BTreeSet<_>>()
    };
    let firsts = seqs(&first);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut again = Vec::new();
    while redelivered(&again) != firsts && Instant::now() < deadline {
        again.extend(c.fetch_batch(10, Duration::from_millis(500)).await.unwrap());
    }
    assert_eq!(
        redelivered(&again),
        firsts,
        "{:?}",
        again
            .iter()
            .map(|m| (m.stream_sequence, m.redeliveries))
            .collect::<Vec<_>>()
    );
    assert!(again.iter().all(|m| firsts.contains(&m.stream_sequence)));

    // Acknowledging the last in the stream settles all of them.
    let last = again
        .iter()
        .max_by_key(|m| (m.stream_sequence, m.redeliveries))
        .unwrap();
    c.ack_through(last).await.unwrap();
    assert_eq!(c.unacknowledged().await.unwrap(), 0);

    // A reset (a new owner) starts after the acknowledged floor: nothing
    // comes back, and the next message is the first new one.
    let mut c = PartitionConsumer::take_over(&bus, p, &options)
        .await
        .unwrap();
    assert_eq!(c.unacknowledged().await.unwrap(), 0);
    publish_all(
        &bus,
        &[r#"{"id":"r-5","time":"2026-03-01T00:00:05Z","actor":{"type":"employee","id":"emp-1"},"action":"auth.login"}"#.to_owned()],
    )
    .await;
    let next = c.fetch_batch(10, Duration::from_secs(2)).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(id_of(&next[0].payload), "r-5");
    // Fetched, not acknowledged, then reset: it is delivered at once.
    c.reset().await.unwrap();
    let same = c.fetch_batch(10, Duration::from_secs(2)).await.unwrap();
    assert_eq!(seqs(&same), seqs(&next));
}

#[tokio::test]
async fn bad_ids_and_big_payloads_publish_safely() {
    if !nats_or_skip("header_safety") {
        return;
    }
    let config = unique_config(Some(2));
    let _guard = StreamGuard(config.clone());
    let bus = Bus::connect(&config).await.unwrap();
    // An id with a line break cannot be a header value as it is.
    let odd = r#"{"id":"a\r\nNats-Msg-Id: x","time":"2026-03-01T00:00:00Z","actor":{"type":"customer","id":"cus-1"},"action":"order.create","target":{"type":"order","id":"o1"},"attrs":{"seller":"s"}}"#;
    let counts = publish_all(&bus, &[odd.to_owned()]).await;
    assert_eq!((counts.published, counts.messages), (1, 2));
    let mut by_partition = HashMap::new();
    for p in 0..2 {
        by_partition.insert(p, drain(&bus, p, 1).await);
    }
    assert!(by_partition
        .values()
        .all(|got| got.len() == 1 && got[0].1 == "a\r\nNats-Msg-Id: x"));
}
