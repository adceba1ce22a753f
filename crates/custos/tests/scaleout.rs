//! Two `custos serve --bus` nodes sharing a NATS JetStream stream and a
//! PostgreSQL store: one is killed with SIGKILL mid-stream, the other
//! takes its partitions over. Afterwards every event is stored exactly
//! once per partition it was routed to, every partition ledger verifies
//! with the other node's cosignature, and the alerts equal those of a
//! single node fed the same input.
//!
//! Needs PostgreSQL (`CUSTOS_TEST_POSTGRES`, default
//! `postgres://postgres@127.0.0.1:5432/test`) and NATS with JetStream
//! (`CUSTOS_TEST_NATS`, default `nats://127.0.0.1:4222`): fails in CI
//! (`CI` set) when one is missing, skips with a reason otherwise.
#![allow(clippy::unwrap_used)]

mod common;

use common::{custos, request, stderr, stdout, PgTestDb, Server};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const PARTITIONS: u32 = 3;

fn nats_url() -> Option<String> {
    let url = std::env::var("CUSTOS_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let addr = url.trim_start_matches("nats://").to_owned();
    match std::net::TcpStream::connect(&addr) {
        Ok(_) => Some(url),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("NATS at {url} is required in CI: {e}")
        }
        Err(e) => {
            eprintln!("skipped: no NATS at {url} ({e}); set CUSTOS_TEST_NATS");
            None
        }
    }
}

/// One deployment: a stream of its own, a database, a shared dir.
struct Deployment {
    db: PgTestDb,
    nats: String,
    stream: String,
    prefix: String,
    shared: PathBuf,
    root: PathBuf,
}

impl Deployment {
    fn new(root: &Path, tag: &str, nats: &str) -> Option<Deployment> {
        let db = PgTestDb::create(tag)?;
        let unique = format!("{}_{}", tag, std::process::id());
        Some(Deployment {
            db,
            nats: nats.to_owned(),
            stream: format!("SCALE_{}", unique.to_uppercase()),
            prefix: format!("scale_{unique}"),
            shared: root.join(tag).join("shared"),
            root: root.join(tag),
        })
    }

    fn bus_args(&self) -> Vec<String> {
        [
            "--bus",
            &self.nats,
            "--stream",
            &self.stream,
            "--subject-prefix",
            &self.prefix,
            "--partitions",
            &PARTITIONS.to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn publish(&self, file: &Path) -> Value {
        let o = custos(&self.root.join("publisher"))
            .arg("publish")
            .arg(file)
            .args(self.bus_args())
            .arg("--format")
            .arg("json")
            .output()
            .unwrap();
        assert!(o.status.success(), "publish failed: {}", stderr(&o));
        serde_json::from_str(stdout(&o).trim()).unwrap()
    }

    /// Starts a node; its stderr is read on a thread into `log`.
    fn start_node(&self, name: &str) -> Node {
        let mut child = custos(&self.root.join(name))
            .args(["--store", &self.db.url])
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--node",
                name,
                "--shared",
            ])
            .arg(&self.shared)
            .args(self.bus_args())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let err = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let start = Instant::now();
        let addr = loop {
            let found = log
                .lock()
                .unwrap()
                .split("console and API on http://")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .map(str::to_owned);
            if let Some(addr) = found {
                break addr;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "node {name} did not start:\n{}",
                log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Node {
            server: Server { child, addr },
            log,
        }
    }

    /// Entries in every partition ledger, from their checkpoints.
    fn ledger_sizes(&self) -> Vec<u64> {
        (0..PARTITIONS)
            .map(|p| {
                let cp = self.shared.join(format!("p{p}/ledger/checkpoint"));
                std::fs::read_to_string(cp)
                    .ok()
                    .and_then(|t| t.lines().nth(1).and_then(|n| n.parse().ok()))
                    .unwrap_or(0)
            })
            .collect()
    }

    fn wait_for_total(&self, total: u64, deadline: Duration) {
        let start = Instant::now();
        while self.ledger_sizes().iter().sum::<u64>() < total {
            assert!(
                start.elapsed() < deadline,
                "the partitions hold {:?} entries, not {total}, after {deadline:?}",
                self.ledger_sizes()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn cli(&self, args: &[&str]) -> std::process::Output {
        custos(&self.root.join("cli"))
            .args(["--store", &self.db.url, "--format", "json"])
            .args(args)
            .output()
            .unwrap()
    }

    /// The alerts as comparable records (ids and raise order aside).
    fn alerts(&self) -> Vec<String> {
        let o = self.cli(&["alerts"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut rows: Vec<String> = stdout(&o)
            .lines()
            .map(|l| {
                let mut v: Value = serde_json::from_str(l).unwrap();
                v.as_object_mut().unwrap().remove("id");
                v.to_string()
            })
            .collect();
        rows.sort();
        rows
    }
}

struct Node {
    server: Server,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Node {
    fn wait_for_log(&self, needle: &str, count: usize, deadline: Duration) {
        let start = Instant::now();
        while self.log.lock().unwrap().matches(needle).count() < count {
            assert!(
                start.elapsed() < deadline,
                "no {count} × `{needle}` in the node's log:\n{}",
                self.log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(mut self) {
        let pid = self.server.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        let start = Instant::now();
        while self.server.child.try_wait().unwrap().is_none() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the node did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn simulate(dir: &Path) -> (PathBuf, PathBuf) {
    let out = dir.join("sim");
    let o = custos(dir)
        .args(["simulate", "--out"])
        .arg(&out)
        .args([
            "--employees",
            "40",
            "--customers",
            "1500",
            "--sellers",
            "40",
        ])
        .args(["--days", "10", "--seed", "11"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // Two halves, so the second arrives after the first node is killed.
    let text = std::fs::read_to_string(out.join("events.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = lines.split_at(lines.len() / 2);
    let first = dir.join("first.jsonl");
    let second = dir.join("second.jsonl");
    std::fs::write(&first, a.join("\n") + "\n").unwrap();
    std::fs::write(&second, b.join("\n") + "\n").unwrap();
    (first, second)
}

#[test]
fn a_killed_node_s_partitions_are_taken_over_and_nothing_is_lost() {
    let Some(nats) = nats_url() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let Some(two) = Deployment::new(tmp.path(), "two", &nats) else {
        return;
    };
    let Some(one) = Deployment::new(tmp.path(), "one", &nats) else {
        return;
    };
    let (first, second) = simulate(tmp.path());

    // Node a takes every partition before b starts, so killing a is
    // what moves them.
    let a = two.start_node("a");
    a.wait_for_log(
        "owns partition",
        PARTITIONS as usize,
        Duration::from_secs(60),
    );
    let b = two.start_node("b");
    b.wait_for_log("on stream", 1, Duration::from_secs(60));
    let sent1 = two.publish(&first);
    let messages1 = sent1["messages"].as_u64().unwrap();
    // Mid-stream: a has committed part of the first half.
    let start = Instant::now();
    while two.ledger_sizes().iter().sum::<u64>() < messages1 / 3 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "node a ingests nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(a); // SIGKILL
    let sent2 = two.publish(&second);
    let total = messages1 + sent2["messages"].as_u64().unwrap();
    b.wait_for_log(
        "owns partition",
        PARTITIONS as usize,
        Duration::from_secs(60),
    );
    two.wait_for_total(total, Duration::from_secs(180));
    // Nothing beyond: a batch redelivered after the kill was not stored twice.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(two.ledger_sizes().iter().sum::<u64>(), total);
    b.stop();

    // Every partition verifies against its ledger, and node a's
    // cosignatures (made while it lived) still match the ledgers.
    let o = two.cli(&["verify", "--shared", two.shared.to_str().unwrap()]);
    let reports: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        o.status.success(),
        "verify failed: {}\n{}",
        stdout(&o),
        stderr(&o)
    );
    assert_eq!(reports.len(), PARTITIONS as usize);
    for r in &reports {
        assert_eq!(r["ok"], true, "{r}");
    }

    // One node alone, same input.
    let solo = one.start_node("solo");
    solo.wait_for_log(
        "owns partition",
        PARTITIONS as usize,
        Duration::from_secs(60),
    );
    let t1 = one.publish(&first)["messages"].as_u64().unwrap();
    let t2 = one.publish(&second)["messages"].as_u64().unwrap();
    assert_eq!(t1 + t2, total);
    one.wait_for_total(total, Duration::from_secs(180));
    // A clean stop: every alert of the last batch is stored.
    solo.stop();
    assert_eq!(
        one.ledger_sizes(),
        two.ledger_sizes(),
        "the same events per partition"
    );
    let (alerts_two, alerts_one) = (two.alerts(), one.alerts());
    assert!(
        !alerts_one.is_empty(),
        "the simulated insiders raise alerts"
    );
    assert_eq!(alerts_two, alerts_one, "a takeover changes no alert");

    // Cross-partition signals come from the aggregates in the shared
    // store: every partition left its employee-days and progress there,
    // and the pass evaluated every day all of them finished, in both
    // deployments alike.
    for d in [&two, &one] {
        let agg: BTreeMap<String, (i64, i64)> = d.db.query_pairs(
            "SELECT l.name, count(*), max(a.day) FROM agg_employee_days a JOIN ledgers l ON l.id = a.ledger GROUP BY l.name",
        );
        assert_eq!(agg.len(), PARTITIONS as usize, "{agg:?}");
        let progress: BTreeMap<String, (i64, i64)> = d.db.query_pairs(
            "SELECT l.name, p.day, p.employees FROM agg_progress p JOIN ledgers l ON l.id = p.ledger",
        );
        assert_eq!(progress.len(), PARTITIONS as usize, "{progress:?}");
        let finished = progress.values().map(|p| p.0).min().unwrap();
        let done: BTreeMap<String, (i64, i64)> = d.db.query_pairs(
            "SELECT l.name, (convert_from(s.value, 'UTF8')::json->>'done')::bigint, 0::bigint FROM state s JOIN ledgers l ON l.id = s.ledger WHERE s.key = 'detect/cross'",
        );
        assert_eq!(
            done["cross"].0, finished,
            "the pass caught up with every partition"
        );
    }
    // The simulated insiders include a new hire harvesting customers
    // and two employees on different partitions serving one seller.
    let cross = |alerts: &[String]| -> Vec<String> {
        alerts
            .iter()
            .filter(|a| a.contains("cross-partition pass"))
            .cloned()
            .collect()
    };
    let detectors: Vec<String> = cross(&alerts_one)
        .iter()
        .map(|a| serde_json::from_str::<Value>(a).unwrap()["detector"].to_string())
        .collect();
    assert!(
        detectors.contains(&"\"volume_anomaly\"".to_owned()),
        "{detectors:?}"
    );
    assert!(
        detectors.contains(&"\"beneficiary_convergence\"".to_owned()),
        "{detectors:?}"
    );
    assert_eq!(cross(&alerts_two), cross(&alerts_one));

    // Exactly once: per ledger, as many distinct ids as entries.
    let counts: BTreeMap<String, (i64, i64)> = two.db.query_pairs(
        "SELECT l.name, count(*), count(DISTINCT e.id) FROM event_ids e JOIN ledgers l ON l.id = e.ledger GROUP BY l.name",
    );
    for p in 0..PARTITIONS {
        let (n, distinct) = counts[&format!("p{p}")];
        assert_eq!(n, distinct);
        assert_eq!(n as u64, two.ledger_sizes()[p as usize]);
    }

    // POST /v1/events on a bus node publishes to the bus: an employee
    // action reaches its partition, a fact every partition.
    let solo = one.start_node("solo");
    let o = custos(&one.root.join("solo"))
        .args(["--store", &one.db.url, "--ledger", "node-solo"])
        .args(["token", "create", "--role", "ingest"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let token = format!("Bearer {}", stdout(&o).trim());
    let body = concat!(
        r#"[{"id":"post-1","time":"2026-05-01T10:00:00Z","actor":{"type":"employee","id":"emp-posted"},"action":"auth.login"},"#,
        r#"{"id":"post-2","time":"2026-05-01T10:00:01Z","actor":{"type":"system","id":"hr"},"action":"honeytoken.plant","target":{"type":"customer","id":"cus-decoy-9"}}]"#
    );
    let answer = request(
        &solo.server,
        "POST",
        "/v1/events",
        Some(&token),
        "application/json",
        body.as_bytes(),
    );
    assert_eq!(
        answer.status,
        200,
        "{}\n{}",
        answer.body,
        solo.log.lock().unwrap()
    );
    let v: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(v["accepted"], 2, "{v}");
    one.wait_for_total(total + 1 + u64::from(PARTITIONS), Duration::from_secs(60));
    solo.stop();
}

/// The store's connections are cut mid-stream (PostgreSQL restarted, a
/// proxy dropped them): the node reopens each partition's store,
/// re-indexes from the ledger what the store lacks, and goes on;
/// afterwards the store holds every ledger entry exactly once.
#[test]
fn a_lost_store_connection_is_reopened_and_nothing_is_lost() {
    let Some(nats) = nats_url() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let Some(d) = Deployment::new(tmp.path(), "cut", &nats) else {
        return;
    };
    let (first, second) = simulate(tmp.path());
    let node = d.start_node("n");
    node.wait_for_log(
        "owns partition",
        PARTITIONS as usize,
        Duration::from_secs(60),
    );
    let messages1 = d.publish(&first)["messages"].as_u64().unwrap();
    let start = Instant::now();
    while d.ledger_sizes().iter().sum::<u64>() < messages1 / 3 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "nothing ingested"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let cut: BTreeMap<String, (i64, i64)> = d.db.query_pairs(
        "SELECT 'cut', count(*), 0::bigint FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) t",
    );
    assert!(cut["cut"].0 > 0, "the node's connections were cut");
    let total = messages1 + d.publish(&second)["messages"].as_u64().unwrap();
    d.wait_for_total(total, Duration::from_secs(180));
    // The ledgers are complete; the store catches up with them.
    let start = Instant::now();
    loop {
        let stored: BTreeMap<String, (i64, i64)> = d.db.query_pairs(
            "SELECT l.name, count(*), count(DISTINCT e.id) FROM event_ids e JOIN ledgers l ON l.id = e.ledger GROUP BY l.name",
        );
        let sizes = d.ledger_sizes();
        let done = (0..PARTITIONS).all(|p| {
            stored
                .get(&format!("p{p}"))
                .is_some_and(|(n, distinct)| n == distinct && *n as u64 == sizes[p as usize])
        });
        if done {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the store lags its ledgers: {stored:?} against {sizes:?}\n{}",
            node.log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    node.stop();
}
