//! Open-loop load on `POST /v1/decide` of a running `custos serve`.
//!
//! A pacer thread releases request `i` at `start + i / rate` (an OS-thread
//! sleep, finer than tokio's millisecond timer); keep-alive HTTP/1.1
//! connections take released requests in order. Latency runs from the
//! scheduled time, not from the send, so a server stall that makes the
//! client send late is counted (no coordinated omission); the time from
//! the actual send is printed beside it.
//!
//! ```sh
//! cargo run --release -p custos-server --example decide_load -- \
//!     --url http://127.0.0.1:8080 --token cst_... --rate 10000 --seconds 30 [--connections 64] [--seed]
//! ```
//! `--seed` first posts HR facts and one assigned ticket for each of 100
//! benchmark employees (needs an `ingest` token, which `/v1/decide` needs
//! too), so decisions are real allows in ticket scope.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Mutex};

const EMPLOYEES: usize = 100;

struct Args {
    addr: SocketAddr,
    host: String,
    token: String,
    rate: f64,
    seconds: f64,
    connections: usize,
    seed: bool,
}

fn args() -> Args {
    let mut url = "http://127.0.0.1:8080".to_owned();
    let mut token = std::env::var("CUSTOS_TOKEN").unwrap_or_default();
    let (mut rate, mut seconds, mut connections, mut seed) = (10_000.0, 30.0, 64, false);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut v = || it.next().expect("a value after the flag");
        match a.as_str() {
            "--url" => url = v(),
            "--token" => token = v(),
            "--rate" => rate = v().parse().expect("--rate N"),
            "--seconds" => seconds = v().parse().expect("--seconds N"),
            "--connections" => connections = v().parse().expect("--connections N"),
            "--seed" => seed = true,
            other => panic!("unknown flag `{other}`"),
        }
    }
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&host)
        .expect("--url host:port")
        .next()
        .expect("an address");
    assert!(!token.is_empty(), "--token or CUSTOS_TOKEN is needed");
    Args {
        addr,
        host,
        token,
        rate,
        seconds,
        connections,
        seed,
    }
}

/// One keep-alive connection: sends a request, reads one response.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(8192),
        })
    }

    async fn write_all(&mut self, mut data: &[u8]) -> std::io::Result<()> {
        while !data.is_empty() {
            self.stream.writable().await?;
            match self.stream.try_write(data) {
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Status and body of the next response.
    async fn read_response(&mut self) -> std::io::Result<(u16, Vec<u8>)> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).unwrap_or("");
                let status: u16 = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                let total = end + 4 + len;
                if self.buf.len() >= total {
                    let body = self.buf[end + 4..total].to_vec();
                    self.buf.drain(..total);
                    return Ok((status, body));
                }
            }
            self.stream.readable().await?;
            let mut chunk = [0u8; 8192];
            match self.stream.try_read(&mut chunk) {
                Ok(0) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the server closed the connection",
                    ))
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }

    async fn post(
        &mut self,
        host: &str,
        path: &str,
        token: &str,
        ctype: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        self.write_all(&req).await?;
        self.read_response().await
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn employee(i: usize) -> String {
    format!("emp-bench-{i}")
}

fn seed_events() -> String {
    let mut out = String::new();
    for i in 0..EMPLOYEES {
        let e = employee(i);
        for v in [
            serde_json::json!({"id": format!("bench-h-{i}"), "time": "2026-01-01T08:00:00Z", "actor": {"type": "system", "id": "hr"},
                "action": "employee.hire", "target": {"type": "employee", "id": e}, "attrs": {"role": "cs-agent", "team": "cs-bench"}}),
            serde_json::json!({"id": format!("bench-t-{i}"), "time": "2026-01-01T09:00:00Z", "actor": {"type": "customer", "id": format!("cus-bench-{i}")},
                "action": "ticket.open", "target": {"type": "ticket", "id": format!("tkt-bench-{i}")}, "attrs": {"customer": format!("cus-bench-{i}"), "kind": "order_issue"}}),
            serde_json::json!({"id": format!("bench-a-{i}"), "time": "2026-01-01T09:01:00Z", "actor": {"type": "employee", "id": e},
                "action": "ticket.assign", "target": {"type": "ticket", "id": format!("tkt-bench-{i}")}}),
        ] {
            out.push_str(&v.to_string());
            out.push('\n');
        }
    }
    out
}

/// The request of each benchmark employee; request `i` is employee
/// `i % EMPLOYEES`'s. Built once, so the generator spends its CPU on
/// the exchange, not on JSON (it shares the cores with the server).
fn bodies() -> Vec<Vec<u8>> {
    (0..EMPLOYEES)
        .map(|k| {
            serde_json::json!({"actor": {"type": "employee", "id": employee(k)}, "action": "customer.view",
                "target": {"type": "customer", "id": format!("cus-bench-{k}")}, "fields": ["name", "email"],
                "purpose": {"ticket": format!("tkt-bench-{k}"), "code": "customer_request"}})
            .to_string()
            .into_bytes()
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    latencies_ns: Vec<u64>,
    service_ns: Vec<u64>,
    errors: u64,
    non_200: u64,
    allow: u64,
    other_verdict: u64,
}

fn pct(v: &mut [u64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * q).round() as usize;
    v[i] as f64 / 1e6
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        if a.seed {
            let mut c = Conn::open(a.addr).await.expect("connect");
            let (status, b) = c
                .post(&a.host, "/v1/events", &a.token, "application/x-ndjson", seed_events().as_bytes())
                .await
                .expect("seed");
            assert_eq!(status, 200, "seeding failed: {}", String::from_utf8_lossy(&b));
        }
        let total = (a.rate * a.seconds) as u64;
        let (tx, rx) = mpsc::unbounded_channel::<(u64, Instant)>();
        let rx = Arc::new(Mutex::new(rx));
        let start = Instant::now() + Duration::from_millis(200);
        // The pacer: an OS thread that sleeps to each scheduled time.
        let rate = a.rate;
        let pacer = std::thread::spawn(move || {
            for i in 0..total {
                let at = start + Duration::from_secs_f64(i as f64 / rate);
                let now = Instant::now();
                if at > now {
                    std::thread::sleep(at - now);
                }
                if tx.send((i, at)).is_err() {
                    break;
                }
            }
        });
        let bodies = Arc::new(bodies());
        let mut tasks = Vec::new();
        for _ in 0..a.connections {
            let rx = Arc::clone(&rx);
            let bodies = Arc::clone(&bodies);
            let (host, token, addr) = (a.host.clone(), a.token.clone(), a.addr);
            tasks.push(tokio::spawn(async move {
                let mut t = Tally::default();
                let mut conn = Conn::open(addr).await.ok();
                loop {
                    let next = rx.lock().await.recv().await;
                    let Some((i, at)) = next else { break };
                    let sent = Instant::now();
                    let c = match conn.as_mut() {
                        Some(c) => c,
                        None => match Conn::open(addr).await {
                            Ok(c) => conn.insert(c),
                            Err(_) => {
                                t.errors += 1;
                                continue;
                            }
                        },
                    };
                    match c.post(&host, "/v1/decide", &token, "application/json", &bodies[i as usize % EMPLOYEES]).await {
                        Ok((status, b)) => {
                            let done = Instant::now();
                            t.latencies_ns.push(done.duration_since(at).as_nanos() as u64);
                            t.service_ns.push(done.duration_since(sent).as_nanos() as u64);
                            if status != 200 {
                                t.non_200 += 1;
                            } else if find(&b, b"\"decision\":\"allow\"").is_some() {
                                t.allow += 1;
                            } else {
                                t.other_verdict += 1;
                            }
                        }
                        Err(_) => {
                            t.errors += 1;
                            conn = None;
                        }
                    }
                }
                t
            }));
        }
        let mut all = Tally::default();
        for task in tasks {
            let t = task.await.unwrap();
            all.latencies_ns.extend(t.latencies_ns);
            all.service_ns.extend(t.service_ns);
            all.errors += t.errors;
            all.non_200 += t.non_200;
            all.allow += t.allow;
            all.other_verdict += t.other_verdict;
        }
        pacer.join().unwrap();
        let elapsed = start.elapsed().as_secs_f64();
        let n = all.latencies_ns.len();
        println!(
            "target {:.0}/s for {:.0} s over {} connections: {} answered in {:.1} s = {:.0}/s achieved; errors {}, non-200 {}, allow {}, other verdicts {}",
            a.rate, a.seconds, a.connections, n, elapsed, n as f64 / elapsed, all.errors, all.non_200, all.allow, all.other_verdict
        );
        let l = &mut all.latencies_ns;
        println!(
            "latency from scheduled send (ms): p50 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
            pct(l, 0.5), pct(l, 0.99), pct(l, 0.999), pct(l, 1.0)
        );
        let s = &mut all.service_ns;
        println!(
            "latency from actual send (ms):    p50 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
            pct(s, 0.5), pct(s, 0.99), pct(s, 0.999), pct(s, 1.0)
        );
    });
}
